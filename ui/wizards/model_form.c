/* The New Logical Model and Edit Model forms: fields, the type field that cycles through the
 * four types, validation with the catalog's rules shown at the field, insert or version-checked
 * update. */
#include "wizards/model_form.h"

#include <stdio.h>
#include <string.h>

#include "util/text.h"
#include "widgets/dialog.h"
#include "widgets/form.h"
#include "widgets/form_dialog.h"

static const char *const MODEL_TYPES[] = {"chat", "embedding", "image", "audio"};
#define N_MODEL_TYPES (sizeof MODEL_TYPES / sizeof MODEL_TYPES[0])

static const char NEW_MODEL_INTRO[] =
    "A logical model is the name workspaces ask for. Name it for the use (fast-chat, "
    "long-context, embed-docs) rather than for a provider model (gpt-4o): the providers behind "
    "it can then change, fail over or be reordered without touching any workspace. It starts "
    "with no targets and no entitlements: no workspace can use it until you grant it.";

typedef struct model_form_ctx {
    mm_model model; /* the row being edited (id and version), or a fresh one */
    bool editing;
} model_form_ctx;

/* The name field's check when the admin leaves it: the catalog's rule for a model name. */
static bool check_name(const ui_field_def *def, const char *value, char *msg, size_t msgsz)
{
    (void)def;
    mm_error err;
    mm_error_clear(&err);
    if (catalog_validate_name("model", value, &err) == MM_OK)
        return true;
    snprintf(msg, msgsz, "%s", err.message);
    return false;
}

static void add_fields(ui_form *f, const mm_model *m)
{
    static const ui_field_def name = {
        .name = "name",
        .label = "Name",
        .help = "a use-case name such as fast-chat (a-z, 0-9, '.', '_', '-')",
        .max_len = MM_NAME_MAX - 1,
        .check = check_name};
    static const ui_field_def type = {.name = "type",
                                      .label = "Type",
                                      .help = "Space or Left/Right: chat, embedding, image, audio",
                                      .max_len = 15};
    static const ui_field_def description = {.name = "description",
                                             .label = "Description",
                                             .help = "what it is for, in a few words (optional)",
                                             .max_len = MM_DESCRIPTION_MAX - 1};
    ui_form_add(f, &name, m->name);
    ui_form_add(f, &type, m->type);
    ui_form_add(f, &description, m->description);
}

static size_t type_index(const char *type)
{
    for (size_t i = 0; i < N_MODEL_TYPES; i++)
        if (strcmp(type, MODEL_TYPES[i]) == 0)
            return i;
    return 0;
}

/* On the type field: Space, Left/Right cycle; a type's first letter picks it; other typing
 * is ignored so the field always holds a valid type. */
static int type_key(ui_app *app, ui_form *f, void *ctx, int key)
{
    (void)app;
    (void)ctx;
    if (f->current < 0 || strcmp(f->defs[f->current].name, "type") != 0)
        return UI_IGNORED;
    size_t i = type_index(ui_form_value(f, "type"));
    if (key == ' ' || key == UI_FN(KEY_RIGHT)) {
        i = (i + 1) % N_MODEL_TYPES;
    } else if (key == UI_FN(KEY_LEFT)) {
        i = (i + N_MODEL_TYPES - 1) % N_MODEL_TYPES;
    } else if (!UI_IS_FN(key) && key >= 32) {
        for (size_t t = 0; t < N_MODEL_TYPES; t++)
            if (MODEL_TYPES[t][0] == key)
                i = t;
    } else if (key == UI_FN(KEY_BACKSPACE) || key == 127 || key == 8 || key == UI_FN(KEY_DC) ||
               key == UI_CTRL('u') || key == UI_CTRL('k')) {
        return UI_HANDLED;
    } else {
        return UI_IGNORED;
    }
    ui_form_set_value(f, "type", MODEL_TYPES[i]);
    f->touched = true;
    return UI_HANDLED;
}

/* The model moved on since the form opened: say what changed in full, keep what was typed, and
 * take the new version so that Save again applies the typed values over theirs. */
static void describe_conflict(ui_app *app, model_form_ctx *mc, char *other, size_t othersz)
{
    mm_model_list list = {0};
    mm_error err;
    mm_error_clear(&err);
    const mm_model *now = NULL;
    if (catalog_model_list(app->cat, &list, &err) == MM_OK)
        for (size_t i = 0; i < list.count && !now; i++)
            if (list.items[i].id == mc->model.id)
                now = &list.items[i];
    if (!now) {
        snprintf(other, othersz,
                 "Not saved: another session removed this model since you opened it. Esc "
                 "closes the form.");
        mm_model_list_free(&list);
        return;
    }
    char changes[3 * MM_DESCRIPTION_MAX];
    changes[0] = '\0';
    ui_form_change_append(app, changes, sizeof changes, "name", mc->model.name, now->name);
    ui_form_change_append(app, changes, sizeof changes, "type", mc->model.type, now->type);
    ui_form_change_append(app, changes, sizeof changes, "description", mc->model.description,
                          now->description);
    ui_form_conflict_note(other, othersz, "model", changes);
    mc->model = *now;
    mm_model_list_free(&list);
}

/* Shows a refusal at its field, or in other when it concerns none. */
static void show_refusal(ui_app *app, model_form_ctx *mc, ui_form *f, const mm_error *err,
                         char *other, size_t othersz)
{
    if (err->status == MM_E_CONFLICT)
        describe_conflict(app, mc, other, othersz);
    else if (!ui_form_set_error(f, err->field, err->message))
        snprintf(other, othersz, "Not saved: %s", err->message);
}

static bool submit_model(ui_app *app, ui_form *f, void *ctx, char *other, size_t othersz)
{
    model_form_ctx *mc = ctx;
    mm_model next = mc->model;
    mm_error err;
    mm_error_clear(&err);
    if (!ui_form_copy_value(f, "name", next.name, sizeof next.name) ||
        !ui_form_copy_value(f, "type", next.type, sizeof next.type) ||
        !ui_form_copy_value(f, "description", next.description, sizeof next.description))
        return false; /* the field says its limit */
    mm_status st = catalog_model_validate(&next, &err);
    if (st == MM_OK)
        st = mc->editing ? catalog_model_update(app->cat, &next, &err)
                         : catalog_model_insert(app->cat, &next, &err);
    if (st != MM_OK) {
        show_refusal(app, mc, f, &err, other, othersz);
        return false;
    }
    mc->model = next;
    return true;
}

static bool run_form(ui_app *app, model_form_ctx *mc, const char *title, const char *save)
{
    ui_form form;
    ui_form_init(&form);
    add_fields(&form, &mc->model);
    ui_form_dialog_spec spec = {.title = title,
                                .intro = mc->editing ? NULL : NEW_MODEL_INTRO,
                                .save_label = save,
                                .submit = submit_model,
                                .key_hook = type_key,
                                .ctx = mc};
    bool saved = ui_form_dialog_run(app, &form, &spec);
    ui_form_free(&form);
    return saved;
}

bool ui_model_create(ui_app *app, char *saved_name, size_t saved_namesz)
{
    model_form_ctx mc = {.editing = false};
    mm_model_init(&mc.model);
    if (!run_form(app, &mc, "New logical model", "Create"))
        return false;
    snprintf(saved_name, saved_namesz, "%s", mc.model.name);
    return true;
}

bool ui_model_edit(ui_app *app, const char *name, char *saved_name, size_t saved_namesz)
{
    model_form_ctx mc = {.editing = true};
    mm_error err;
    mm_error_clear(&err);
    if (catalog_model_get(app->cat, name, &mc.model, &err) != MM_OK) {
        ui_dialog_error(app, "Cannot edit the model", err.message);
        return false;
    }
    char title[MM_NAME_MAX + 32];
    snprintf(title, sizeof title, "Edit model %s", name);
    if (!run_form(app, &mc, title, "Save"))
        return false;
    snprintf(saved_name, saved_namesz, "%s", mc.model.name);
    return true;
}
