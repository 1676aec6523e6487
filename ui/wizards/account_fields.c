/* Account form fields from provider descriptors; parsing limits; catalog validation shown at
 * the field; number and money formats for the accounts table. */
#include "util/count.h"
#include "wizards/account_fields.h"

#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "util/money.h"
#include "util/text.h"

static const money_input CAP_INPUT = {"the spending cap", "monthly_cap", MONEY_FROM_FORM};

/* ---- checks when leaving a field (ui_field_def.check) ---- */

static bool check_name(const ui_field_def *def, const char *value, char *msg, size_t msgsz)
{
    (void)def;
    mm_error err;
    mm_error_clear(&err);
    if (catalog_validate_name("account", value, &err) == MM_OK)
        return true;
    snprintf(msg, msgsz, "%s", err.message);
    return false;
}

static bool check_limit(const ui_field_def *def, const char *value, char *msg, size_t msgsz)
{
    bool rpm = strcmp(def->name, "rpm") == 0;
    int64_t out;
    mm_error err;
    mm_error_clear(&err);
    const char *noun = rpm ? "requests-per-minute limit" : "tokens-per-minute limit";
    if (!*value || mm_limit_parse(value, noun, rpm ? MM_RPM_MAX : MM_TPM_MAX, &out, &err) == MM_OK)
        return true;
    snprintf(msg, msgsz, "%s", err.message);
    return false;
}

static bool check_cap(const ui_field_def *def, const char *value, char *msg, size_t msgsz)
{
    (void)def;
    int64_t cents;
    mm_error err;
    mm_error_clear(&err);
    if (!*value || money_parse_cents(value, &CAP_INPUT, &cents, &err) == MM_OK)
        return true;
    snprintf(msg, msgsz, "%s", err.message);
    return false;
}

static const ui_field_def NAME_FIELD = {
    .name = "name",
    .label = "Account name",
    .help = "A name you will recognise, e.g. prod-openai (a-z, 0-9, . _ -).",
    .max_len = MM_NAME_MAX - 1,
    .check = check_name};

static int field_max(const char *name)
{
    if (strcmp(name, "api_key") == 0)
        return MM_API_KEY_MAX - 1;
    if (strcmp(name, "api_version") == 0)
        return MM_API_VERSION_MAX - 1;
    return MM_URL_MAX - 1;
}

static const char *account_value(const mm_account *acc, const char *name)
{
    if (strcmp(name, "endpoint") == 0)
        return acc->endpoint;
    if (strcmp(name, "api_version") == 0)
        return acc->api_version;
    if (strcmp(name, "ca_bundle") == 0)
        return acc->ca_bundle;
    return "";
}

void account_form_add_credentials(ui_form *f, const mm_provider_info *provider,
                                  const mm_account *acc)
{
    ui_form_add(f, &NAME_FIELD, acc ? acc->name : "");
    for (size_t i = 0; i < provider->n_fields; i++) {
        const mm_credential_field *cf = &provider->fields[i];
        char help[MM_MESSAGE_MAX];
        const char *value = "";
        if (strcmp(cf->name, "api_key") == 0 && acc) {
            if (acc->has_key)
                snprintf(help, sizeof help, "Current key %s. Leave empty to keep it.",
                         acc->key_hint);
            else
                snprintf(help, sizeof help, "No key stored. %s", cf->help ? cf->help : "");
        } else {
            /* an example only where it says more than the help: endpoints */
            bool example = cf->placeholder && !cf->secret && strcmp(cf->name, "endpoint") == 0;
            snprintf(help, sizeof help, "%s%s%s%s", cf->required ? "" : "Optional. ",
                     cf->help ? cf->help : "", example ? " e.g. " : "",
                     example ? cf->placeholder : "");
            value = acc ? account_value(acc, cf->name) : "";
            if (!acc && strcmp(cf->name, "api_version") == 0 && provider->default_api_version)
                value = provider->default_api_version;
        }
        ui_field_def def = {cf->name, cf->label, help, cf->secret, field_max(cf->name), NULL};
        ui_form_add(f, &def, value);
    }
}

void account_format_cap(const ui_app *app, int64_t cents, char *out, size_t outsz)
{
    if (cents == MM_LIMIT_UNSET) {
        snprintf(out, outsz, "%s", ui_glyph(app, UI_G_DASH));
        return;
    }
    money_format_cents(cents, MONEY_WHOLE, out, outsz);
}

void account_format_limit(const ui_app *app, int64_t value, char *out, size_t outsz)
{
    if (value == MM_LIMIT_UNSET) {
        snprintf(out, outsz, "%s", ui_glyph(app, UI_G_DASH));
        return;
    }
    /* compact where exact: 3k, 450k, 1M, 1.5M; else digits with separators */
    if (value >= 1000000 && value % 100000 == 0) {
        if (value % 1000000 == 0)
            snprintf(out, outsz, "%lldM", (long long)(value / 1000000));
        else
            snprintf(out, outsz, "%lld.%lldM", (long long)(value / 1000000),
                     (long long)(value % 1000000 / 100000));
        return;
    }
    if (value >= 1000 && value % 1000 == 0) {
        snprintf(out, outsz, "%lldk", (long long)(value / 1000));
        return;
    }
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

void account_form_add_limits(ui_form *f, const mm_account *acc)
{
    char rpm[32] = "", tpm[32] = "", cap[MONEY_TEXT_MAX] = "";
    if (acc && acc->rpm)
        snprintf(rpm, sizeof rpm, "%lld", (long long)acc->rpm);
    if (acc && acc->tpm)
        snprintf(tpm, sizeof tpm, "%lld", (long long)acc->tpm);
    if (acc && acc->monthly_cap_cents)
        money_format_cents(acc->monthly_cap_cents, MONEY_PLAIN, cap, sizeof cap);
    static const ui_field_def RPM = {
        .name = "rpm",
        .label = "Requests/min",
        .help = "Optional. Empty = no limit. The router skips this account above it.",
        .max_len = 16,
        .check = check_limit};
    static const ui_field_def TPM = {
        .name = "tpm",
        .label = "Tokens/min",
        .help = "Optional. Empty = no limit. Input + output tokens per minute.",
        .max_len = 16,
        .check = check_limit};
    static const ui_field_def CAP = {.name = "monthly_cap",
                                     .label = "Monthly cap (USD)",
                                     .help =
                                         "Optional spending cap, e.g. 250 or 250.50. Empty = none.",
                                     .max_len = 20,
                                     .check = check_cap};
    ui_form_add(f, &RPM, rpm);
    ui_form_add(f, &TPM, tpm);
    ui_form_add(f, &CAP, cap);
}

static bool has_field(const ui_form *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->defs[i].name, name) == 0)
            return true;
    return false;
}

static bool read_limit(ui_form *f, const char *name, int64_t max, int64_t *out)
{
    if (!has_field(f, name))
        return true;
    const char *text = ui_form_value(f, name);
    if (!*text) {
        *out = MM_LIMIT_UNSET;
        return true;
    }
    mm_error err;
    mm_error_clear(&err);
    const char *label =
        strcmp(name, "rpm") == 0 ? "requests-per-minute limit" : "tokens-per-minute limit";
    if (mm_limit_parse(text, label, max, out, &err) != MM_OK) {
        ui_form_set_error(f, name, err.message);
        ui_form_focus(f, name);
        return false;
    }
    return true;
}

bool account_form_read(ui_form *f, mm_account *acc, char *key, size_t keysz)
{
    bool fits = true; /* a value past its limit says so at its field */
    if (has_field(f, "name"))
        fits = ui_form_copy_value(f, "name", acc->name, sizeof acc->name) && fits;
    if (has_field(f, "endpoint"))
        fits = ui_form_copy_value(f, "endpoint", acc->endpoint, sizeof acc->endpoint) && fits;
    if (has_field(f, "api_version"))
        fits =
            ui_form_copy_value(f, "api_version", acc->api_version, sizeof acc->api_version) && fits;
    if (has_field(f, "ca_bundle"))
        fits = ui_form_copy_value(f, "ca_bundle", acc->ca_bundle, sizeof acc->ca_bundle) && fits;
    if (key && has_field(f, "api_key"))
        fits = ui_form_copy_value(f, "api_key", key, keysz) && fits;
    if (!fits)
        return false;
    bool ok = read_limit(f, "rpm", MM_RPM_MAX, &acc->rpm);
    ok = read_limit(f, "tpm", MM_TPM_MAX, &acc->tpm) && ok;
    if (has_field(f, "monthly_cap")) {
        const char *text = ui_form_value(f, "monthly_cap");
        mm_error err;
        mm_error_clear(&err);
        if (!*text)
            acc->monthly_cap_cents = MM_LIMIT_UNSET;
        else if (money_parse_cents(text, &CAP_INPUT, &acc->monthly_cap_cents, &err) != MM_OK) {
            ui_form_set_error(f, "monthly_cap", err.message);
            if (ok)
                ui_form_focus(f, "monthly_cap");
            ok = false;
        }
    }
    return ok;
}

bool account_form_validate(ui_form *f, const mm_account *acc, const char *key, char *other_error,
                           size_t other_errorsz)
{
    mm_error err;
    mm_error_clear(&err);
    if (catalog_account_validate(acc, key, &err) == MM_OK)
        return true;
    if (!ui_form_set_error(f, err.field, err.message) && other_error)
        snprintf(other_error, other_errorsz, "%s", err.message);
    ui_form_focus(f, err.field);
    return false;
}
