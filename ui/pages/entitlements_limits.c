/* The entitlement limits form: requests/min, tokens/min and monthly token cap of one workspace
 * on one model, each optional (empty = no limit), checked at the field with the core's rules. */
#include <stdio.h>
#include <string.h>

#include "util/count.h"
#include "draw.h"
#include "pages/entitlements.h"
#include "util/text.h"
#include "widgets/dialog.h"
#include "widgets/form.h"
#include "widgets/form_dialog.h"
#include "wizards/account_fields.h"

typedef struct limits_ctx {
    mm_entitlement ent;
} limits_ctx;

typedef struct limit_field {
    const char *name;
    const char *label;
    const char *noun; /* how messages name it */
    int64_t max;
} limit_field;

static const limit_field LIMIT_FIELDS[] = {
    {"rpm", "Requests per minute", "requests-per-minute limit", MM_RPM_MAX},
    {"tpm", "Tokens per minute", "tokens-per-minute limit", MM_TPM_MAX},
    {"monthly_tokens", "Tokens per month", "monthly token cap", MM_MONTHLY_TOKENS_MAX},
};
#define N_LIMIT_FIELDS (sizeof LIMIT_FIELDS / sizeof LIMIT_FIELDS[0])

static int64_t *limit_slot(mm_entitlement *ent, size_t i)
{
    int64_t *slots[] = {&ent->rpm, &ent->tpm, &ent->monthly_tokens};
    return slots[i];
}

/* 10000000 -> "10,000,000" */
static void format_grouped(int64_t value, char *out, size_t outsz)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%lld", (long long)value);
    size_t len = strlen(digits), used = 0;
    for (size_t i = 0; i < len && used + 2 < outsz; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[used++] = ',';
        out[used++] = digits[i];
    }
    out[used] = '\0';
}

/* A limit field's check when the admin leaves it: empty, or the core's limit rule. */
static bool check_limit(const ui_field_def *def, const char *value, char *msg, size_t msgsz)
{
    for (size_t i = 0; i < N_LIMIT_FIELDS; i++) {
        int64_t out;
        mm_error err;
        mm_error_clear(&err);
        if (strcmp(def->name, LIMIT_FIELDS[i].name) != 0 || !*value ||
            mm_limit_parse(value, LIMIT_FIELDS[i].noun, LIMIT_FIELDS[i].max, &out, &err) == MM_OK)
            continue;
        snprintf(msg, msgsz, "%s", err.message);
        return false;
    }
    return true;
}

static void add_fields(ui_form *f, const mm_entitlement *ent)
{
    for (size_t i = 0; i < N_LIMIT_FIELDS; i++) {
        char help[128], value[32] = "", max[40];
        format_grouped(LIMIT_FIELDS[i].max, max, sizeof max);
        snprintf(help, sizeof help, "empty = no limit; else a whole number from 1 to %s", max);
        int64_t v = *limit_slot((mm_entitlement *)ent, i);
        if (v != MM_LIMIT_UNSET)
            snprintf(value, sizeof value, "%lld", (long long)v);
        ui_field_def def = {LIMIT_FIELDS[i].name, LIMIT_FIELDS[i].label, help, false, 20,
                            check_limit};
        ui_form_add(f, &def, value);
    }
}

/* Reads every field, marking each bad one; false when any was refused. */
static bool read_limits(ui_form *f, mm_entitlement *ent)
{
    bool ok = true;
    for (size_t i = 0; i < N_LIMIT_FIELDS; i++) {
        const char *text = ui_form_value(f, LIMIT_FIELDS[i].name);
        int64_t value = MM_LIMIT_UNSET;
        mm_error err;
        mm_error_clear(&err);
        if (text[0] && mm_limit_parse(text, LIMIT_FIELDS[i].noun, LIMIT_FIELDS[i].max, &value,
                                      &err) != MM_OK) {
            ui_form_set_error(f, LIMIT_FIELDS[i].name, err.message);
            ok = false;
        }
        *limit_slot(ent, i) = value;
    }
    return ok;
}

/* The limits moved on since the form opened: say how, keep what was typed, and take the new
 * version so that Save again applies the typed values over theirs. */
static void describe_conflict(ui_app *app, limits_ctx *lc, char *other, size_t othersz)
{
    mm_entitlement now;
    mm_error err;
    mm_error_clear(&err);
    if (catalog_entitlement_get(app->cat, lc->ent.model, lc->ent.workspace, &now, &err) != MM_OK) {
        snprintf(other, othersz,
                 "Not saved: another session revoked this entitlement since you opened it. Esc "
                 "closes the form.");
        return;
    }
    char changes[256] = "";
    for (size_t i = 0; i < N_LIMIT_FIELDS; i++) {
        int64_t was = *limit_slot(&lc->ent, i), is = *limit_slot(&now, i);
        if (was == is)
            continue;
        char a[32], b[32];
        account_format_limit(app, was, a, sizeof a);
        account_format_limit(app, is, b, sizeof b);
        size_t used = strlen(changes);
        snprintf(changes + used, sizeof changes - used, "%s%s %s %s %s", used ? "; " : "",
                 LIMIT_FIELDS[i].noun, a, ui_glyph(app, UI_G_ARROW), b);
    }
    snprintf(other, othersz,
             "Not saved: another session changed these limits since you opened it (%s). Your "
             "values are kept: Save again to apply them over that change, or Esc to keep theirs.",
             changes[0] ? changes : "no limit changed");
    lc->ent.version = now.version;
    for (size_t i = 0; i < N_LIMIT_FIELDS; i++)
        *limit_slot(&lc->ent, i) = *limit_slot(&now, i);
}

static bool submit_limits(ui_app *app, ui_form *f, void *ctx, char *other, size_t othersz)
{
    limits_ctx *lc = ctx;
    mm_entitlement next = lc->ent;
    if (!read_limits(f, &next))
        return false;
    mm_error err;
    mm_error_clear(&err);
    mm_status st = catalog_entitlement_validate(&next, &err);
    if (st == MM_OK)
        st = catalog_entitle(app->cat, &next, &err);
    if (st == MM_E_CONFLICT) {
        describe_conflict(app, lc, other, othersz);
        return false;
    }
    if (st != MM_OK) {
        if (!ui_form_set_error(f, err.field, err.message))
            snprintf(other, othersz, "Not saved: %s", err.message);
        return false;
    }
    lc->ent = next;
    return true;
}

bool ui_entitlement_limits_edit(ui_app *app, const char *model, const char *workspace,
                                bool granting)
{
    limits_ctx lc;
    memset(&lc, 0, sizeof lc);
    mm_error err;
    mm_error_clear(&err);
    if (!granting && catalog_entitlement_get(app->cat, model, workspace, &lc.ent, &err) != MM_OK) {
        ui_dialog_error(app, "Cannot edit the limits", err.message);
        return false;
    }
    mm_copy(lc.ent.model, sizeof lc.ent.model, model);
    mm_copy(lc.ent.workspace, sizeof lc.ent.workspace, workspace);
    char title[2 * MM_NAME_MAX + 32], intro[512];
    snprintf(title, sizeof title, "%s %s on %s", granting ? "Grant" : "Limits of", workspace,
             model);
    snprintf(intro, sizeof intro,
             "%s%s's limits on %s: the router refuses its requests over them. Empty = no limit. "
             "The monthly cap counts tokens in and out per calendar month (UTC).",
             granting ? "Saving lets the workspace use the model. " : "", workspace, model);
    ui_form form;
    ui_form_init(&form);
    add_fields(&form, &lc.ent);
    ui_form_dialog_spec spec = {.title = title,
                                .intro = intro,
                                .save_label = granting ? "Grant" : "Save",
                                .submit = submit_limits,
                                .ctx = &lc};
    bool saved = ui_form_dialog_run(app, &form, &spec);
    ui_form_free(&form);
    return saved;
}
