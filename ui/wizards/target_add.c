/* The Add Target flow: an account picker (provider, state, models found), a model picker over
 * that account's discovered models with "type another name", the warnings, and the insert at
 * the end of the chain. */
#include "wizards/target_add.h"

#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "catalog/chain_rules.h"
#include "providers/provider.h"
#include "util/text.h"
#include "widgets/dialog.h"
#include "widgets/picker.h"
#include "widgets/table.h"

static const ui_column ACCOUNT_COLUMNS[] = {
    {"Account", 8, 28, UI_ALIGN_LEFT, false, false},
    {"Provider", 8, 18, UI_ALIGN_LEFT, false, false},
    {"State", 7, 9, UI_ALIGN_LEFT, false, false},
    {"Models found", 6, 12, UI_ALIGN_RIGHT, false, false},
    {"Used in this chain", 6, 40, UI_ALIGN_LEFT, true, false},
};

static const ui_column MODEL_COLUMNS[] = {
    {"Provider model", 12, 60, UI_ALIGN_LEFT, true, false},
    {"Note", 4, 40, UI_ALIGN_LEFT, false, false},
};

/* "2 targets" when the account already serves this chain. */
static void chain_use(const ui_app *app, const mm_model *model, const char *account, char *out,
                      size_t outsz)
{
    size_t n = 0;
    for (size_t i = 0; i < model->n_targets; i++)
        n += strcmp(model->targets[i].account, account) == 0;
    if (n)
        snprintf(out, outsz, "%zu target%s already", n, n == 1 ? "" : "s");
    else
        snprintf(out, outsz, "%s", ui_glyph(app, UI_G_DASH));
}

static void fill_accounts(ui_app *app, ui_table *t, const mm_account_list *accounts,
                          const mm_model *model)
{
    ui_table_begin(t);
    for (size_t i = 0; i < accounts->count; i++) {
        const mm_account *a = &accounts->items[i];
        mm_string_list found = {0};
        mm_error err;
        char count[32] = "?";
        if (catalog_account_discovered(app->cat, a->name, &found, &err) == MM_OK)
            snprintf(count, sizeof count, "%zu", found.count);
        mm_string_list_free(&found);
        char use[48];
        chain_use(app, model, a->name, use, sizeof use);
        const mm_provider_info *p = provider_find(a->provider);
        const char *cells[] = {a->name, p ? p->display_name : a->provider,
                               a->enabled ? "enabled" : "disabled", count, use};
        ui_element els[] = {UI_EL_NORMAL, UI_EL_NORMAL, a->enabled ? UI_EL_OK : UI_EL_WARN,
                            UI_EL_NORMAL, UI_EL_DIM};
        ui_table_add(t, a->name, cells, els);
    }
    ui_table_end(t);
}

static bool pick_account(ui_app *app, const mm_model *model, char *account, size_t accountsz)
{
    mm_account_list accounts = {0};
    mm_error err;
    mm_error_clear(&err);
    if (catalog_account_list(app->cat, &accounts, &err) != MM_OK) {
        ui_dialog_error(app, "Cannot list the accounts", err.message);
        return false;
    }
    if (accounts.count == 0) {
        mm_account_list_free(&accounts);
        ui_dialog_error(app, "No provider account yet",
                        "A target is a provider model on one of your provider accounts, and "
                        "there is none yet. Add one on the Provider Accounts page (key 1), then "
                        "come back.");
        return false;
    }
    ui_table t;
    ui_table_init(&t, ACCOUNT_COLUMNS, sizeof ACCOUNT_COLUMNS / sizeof ACCOUNT_COLUMNS[0],
                  "account|accounts", "No accounts.");
    fill_accounts(app, &t, &accounts, model);
    char intro[512];
    snprintf(intro, sizeof intro,
             "Step 1 of 2: the account that serves target %zu of %s. Targets on different "
             "accounts let the chain survive one account failing or hitting its limits.",
             model->n_targets + 1, model->name);
    char title[MM_NAME_MAX + 32];
    snprintf(title, sizeof title, "Add a target to %s", model->name);
    bool chosen = ui_picker_run(app, title, intro, &t, account, accountsz);
    ui_table_free(&t);
    mm_account_list_free(&accounts);
    return chosen;
}

static void fill_models(ui_table *t, const mm_string_list *found, const mm_model *model,
                        const char *other_label)
{
    ui_table_begin(t);
    for (size_t i = 0; i < found->count; i++) {
        char shown[MM_PROVIDER_MODEL_MAX];
        mm_sanitize(shown, sizeof shown, found->items[i], strlen(found->items[i]));
        char note[48] = "", ignored[MM_CHAIN_WARNING_MAX];
        const char *guess = mm_guess_model_type(found->items[i]);
        if (mm_chain_type_mismatch(model->type, model->name, found->items[i], "", ignored,
                                   sizeof ignored))
            snprintf(note, sizeof note, "%s%s model?", guess ? "" : "not an ", /* an embedding */
                     guess ? guess : model->type);
        const char *cells[] = {shown, note};
        ui_element els[] = {UI_EL_NORMAL, UI_EL_WARN};
        ui_table_add(t, found->items[i], cells, els);
    }
    const char *cells[] = {other_label, "free text"};
    ui_element els[] = {UI_EL_TITLE, UI_EL_DIM};
    ui_table_add(t, "", cells, els);
    ui_table_end(t);
}

static bool type_model_name(ui_app *app, const char *account, const char *hint, char *out,
                            size_t outsz)
{
    char text[768];
    snprintf(text, sizeof text, "The provider's model id that account %s should call.%s%s", account,
             hint ? " " : "", hint ? hint : "");
    for (;;) {
        if (!ui_dialog_prompt(app, "Provider model", text, "Model", out, outsz))
            return false;
        if (out[0])
            return true;
        snprintf(text, sizeof text,
                 "The model id must not be empty: type the name the provider knows it by "
                 "(Esc cancels).%s%s",
                 hint ? " " : "", hint ? hint : "");
    }
}

static bool pick_model(ui_app *app, const mm_model *model, const char *account,
                       const mm_string_list *found, char *out, size_t outsz)
{
    mm_account acc;
    mm_error err;
    const mm_provider_info *p = NULL;
    if (catalog_account_get(app->cat, account, &acc, &err) == MM_OK)
        p = provider_find(acc.provider);
    const char *hint = p ? p->target_hint : NULL;
    if (found->count == 0)
        return type_model_name(app, account, hint, out, outsz);
    char other[64];
    snprintf(other, sizeof other, "Type another name%s", ui_glyph(app, UI_G_ELLIPSIS));
    ui_table t;
    ui_table_init(&t, MODEL_COLUMNS, sizeof MODEL_COLUMNS / sizeof MODEL_COLUMNS[0], "model|models",
                  "No models.");
    fill_models(&t, found, model, other);
    char intro[768];
    snprintf(intro, sizeof intro,
             "Step 2 of 2: the model %s should call, among the %zu it reported at its last Test "
             "Connection, or type another name.%s%s",
             account, found->count, hint ? " " : "", hint ? hint : "");
    char title[MM_NAME_MAX + 32];
    snprintf(title, sizeof title, "Add a target to %s", model->name);
    bool chosen = ui_picker_run(app, title, intro, &t, out, outsz);
    ui_table_free(&t);
    if (chosen && out[0] == '\0')
        return type_model_name(app, account, hint, out, outsz);
    return chosen;
}

/* The warnings the new target brings: a name the account did not report, a chat model on an
 * embedding model, a repeated target. The chain's own warnings show in the editor. */
static size_t collect_warnings(const mm_model *model, const char *account,
                               const char *provider_model, const mm_string_list *found,
                               bool not_listed, char *out, size_t outsz)
{
    char warnings[MM_CHAIN_MAX_WARNINGS][MM_CHAIN_WARNING_MAX];
    size_t n = 0;
    if (mm_chain_discovered_warning(found, account, provider_model, not_listed,
                                    "run Test Connection on the Provider Accounts page",
                                    warnings[0], sizeof warnings[0]))
        n++;
    n += mm_chain_new_target_warnings(model, account, provider_model, warnings + n,
                                      MM_CHAIN_MAX_WARNINGS - n);
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < outsz; i++) {
        int w = snprintf(out + used, outsz - used, "%s! %s", i ? "\n" : "", warnings[i]);
        used += w > 0 ? (size_t)w : 0;
    }
    return n;
}

static bool confirm_target(ui_app *app, const mm_model *model, const char *account,
                           const char *provider_model, const mm_string_list *found)
{
    char warnings[2048];
    mm_account acc;
    mm_error err;
    const mm_provider_info *p = NULL;
    if (catalog_account_get(app->cat, account, &acc, &err) == MM_OK)
        p = provider_find(acc.provider);
    bool not_listed = p && p->targets_not_listed;
    if (collect_warnings(model, account, provider_model, found, not_listed, warnings,
                         sizeof warnings) == 0)
        return true;
    char text[2600];
    snprintf(text, sizeof text, "Add %s @ %s as target %zu of %s?\n\n%s", provider_model, account,
             model->n_targets + 1, model->name, warnings);
    return ui_dialog_confirm(app, "Add this target?", text, "Add", "Cancel", false);
}

/* Refuses, right after the account is picked, an account whose provider has no API for the
 * model's type (rule: mm_chain_provider_lacks_api, the sentence `target add` prints). */
static bool refuse_provider_api(ui_app *app, const mm_model *model, const char *account)
{
    mm_account acc;
    mm_error err;
    char why[400];
    if (catalog_account_get(app->cat, account, &acc, &err) != MM_OK ||
        !mm_chain_provider_lacks_api(model->type, model->name, account, acc.provider, why,
                                     sizeof why))
        return false;
    ui_dialog_error(app, "Target not added", why);
    return true;
}

bool ui_target_add(ui_app *app, const mm_model *model)
{
    if (model->n_targets >= MM_MAX_TARGETS) {
        char text[256];
        snprintf(text, sizeof text,
                 "%s already has %d targets, the longest chain allowed. Remove one first.",
                 model->name, MM_MAX_TARGETS);
        ui_dialog_error(app, "The chain is full", text);
        return false;
    }
    char account[MM_NAME_MAX] = "", provider_model[MM_PROVIDER_MODEL_MAX] = "";
    if (!pick_account(app, model, account, sizeof account) ||
        refuse_provider_api(app, model, account))
        return false;
    mm_string_list found = {0};
    mm_error err;
    mm_error_clear(&err);
    if (catalog_account_discovered(app->cat, account, &found, &err) != MM_OK)
        mm_string_list_free(&found);
    bool added = false;
    if (pick_model(app, model, account, &found, provider_model, sizeof provider_model) &&
        confirm_target(app, model, account, provider_model, &found)) {
        if (catalog_target_add(app->cat, model->name, account, provider_model, 0, &err) == MM_OK)
            added = true;
        else
            ui_dialog_error(app, "Target not added", err.message);
    }
    mm_string_list_free(&found);
    return added;
}
