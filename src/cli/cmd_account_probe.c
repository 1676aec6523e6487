/* `mmadmin account test NAME`: Test Connection. Calls the provider's list-models with the
 * account's credentials, prints the outcome and records it through catalog_probe_record (last
 * test, discovered models, a usage event of kind probe). */
#include <string.h>

#include <sodium.h>

#include "catalog/probe.h"
#include "cli/cmd_account.h"
#include "providers/provider.h"
#include "util/clock.h"
#include "util/text.h"

#define TEST_TIMEOUT_DEFAULT_S 15
#define TEST_TIMEOUT_MAX_S 600
#define TEST_CONNECT_TIMEOUT_MS 5000L

enum { OPT_JSON = 256, OPT_TIMEOUT };

static const cli_option test_options[] = {
    {"json", NULL, OPT_JSON, "print JSON: ok, latency_ms, models, error"},
    {"timeout", "SECONDS", OPT_TIMEOUT, "give up after this long (default 15, at most 600)"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec test_spec = {
    .command = "account test",
    .synopsis = "NAME [--json] [--timeout SECONDS]",
    .description = "Test Connection: asks the provider for the models this account can use, "
                   "with its stored key.\nOn success prints the latency and the model ids and "
                   "remembers them for the target picker;\non failure prints the error class "
                   "and what to do, and exits 1. Each test is recorded as a probe.",
    .options = test_options,
    .example = "mmadmin account test prod-openai\nmmadmin account test prod-openai --json "
               "--timeout 5",
    .min_args = 1,
    .max_args = 1,
    .args_name = "NAME",
};

/* Calls list-models for acc with its decrypted key; the key is wiped before returning. */
static mm_status run_probe(mm_catalog *cat, const mm_account *acc, long timeout_ms,
                           mm_call_result *res, mm_error *err)
{
    const mm_provider_info *info = provider_find(acc->provider);
    if (!info)
        return mm_error_set(err, MM_E_INVALID, "provider",
                            "account '%s' names provider '%s', which this mmadmin does not know "
                            "(known: %s)",
                            acc->name, acc->provider, provider_id_list());
    char *key = sodium_malloc(MM_API_KEY_MAX); /* guarded, locked, wiped by sodium_free */
    if (!key)
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory for the API key");
    mm_status st = catalog_account_secret(cat, acc->name, key, MM_API_KEY_MAX, err);
    if (st == MM_OK) {
        mm_connection conn = {
            .provider = info,
            .base_url = acc->endpoint,
            .api_key = key,
            .api_version = acc->api_version,
            .ca_bundle = acc->ca_bundle[0] ? acc->ca_bundle : NULL,
            .connect_timeout_ms =
                timeout_ms < TEST_CONNECT_TIMEOUT_MS ? timeout_ms : TEST_CONNECT_TIMEOUT_MS,
            .timeout_ms = timeout_ms,
        };
        mm_error call_err = {0};
        provider_list_models(&conn, res, &call_err); /* the outcome is in res */
    }
    sodium_free(key);
    return st;
}

/* Stores the outcome: last test on the account, discovered models, a probe usage event. */
static mm_status record_probe(mm_catalog *cat, const mm_account *acc, const mm_call_result *res,
                              mm_error *err)
{
    mm_probe_record rec = {.discovered = &res->models};
    catalog_probe_event(&rec.event, acc->name, acc->provider, res, mm_now_ms());
    return catalog_probe_record(cat, &rec, 1, err);
}

static json_t *probe_json(const mm_call_result *res)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "ok", json_boolean(res->ok));
    json_object_set_new(obj, "latency_ms", json_integer(res->latency_ms));
    json_t *models = json_array();
    for (size_t i = 0; res->ok && i < res->models.count; i++) {
        char id[MM_PROVIDER_MODEL_MAX * 2];
        mm_sanitize(id, sizeof id, res->models.items[i], strlen(res->models.items[i]));
        json_array_append_new(models, json_string(id));
    }
    json_object_set_new(obj, "models", models);
    if (res->ok) {
        json_object_set_new(obj, "error", json_null());
    } else {
        json_t *error = json_object();
        json_object_set_new(error, "class", json_string(mm_error_class_name(res->cls)));
        json_object_set_new(error, "message", json_string(res->message));
        json_object_set_new(error, "http_status",
                            res->http_status ? json_integer(res->http_status) : json_null());
        json_object_set_new(obj, "error", error);
    }
    return obj;
}

/* Prints "<class>: <message> (HTTP n)" to stderr, without repeating what the adapter's
 * message already says, and the command that fixes a bad key. */
static void print_failure(const mm_account *acc, const mm_call_result *res)
{
    const char *cls = mm_error_class_name(res->cls);
    size_t cls_len = strlen(cls);
    bool has_class = strncmp(res->message, cls, cls_len) == 0 && res->message[cls_len] == ':';
    char status[24] = "";
    if (res->http_status)
        snprintf(status, sizeof status, "HTTP %d", res->http_status);
    bool has_status = status[0] && strstr(res->message, status);
    fprintf(stderr, "%s%s%s%s%s%s\n", has_class ? "" : cls, has_class ? "" : ": ", res->message,
            status[0] && !has_status ? " (" : "", has_status ? "" : status,
            status[0] && !has_status ? ")" : "");
    if (res->cls == MM_CLASS_AUTH)
        fprintf(stderr, "to replace the key: mmadmin account edit %s --api-key-stdin\n", acc->name);
}

static void print_probe(const mm_account *acc, const mm_call_result *res)
{
    if (!res->ok) {
        print_failure(acc, res);
        return;
    }
    printf("ok: %zu model%s in %lld ms\n", res->models.count, res->models.count == 1 ? "" : "s",
           (long long)res->latency_ms);
    for (size_t i = 0; i < res->models.count; i++) {
        char id[MM_PROVIDER_MODEL_MAX * 2];
        mm_sanitize(id, sizeof id, res->models.items[i], strlen(res->models.items[i]));
        printf("  %s\n", id);
    }
    const mm_provider_info *info = provider_find(acc->provider);
    if (info && info->target_hint)
        printf("note: %s\n", info->target_hint);
}

int cli_account_test(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &test_spec, argc, argv);
    bool json = false;
    int64_t timeout_s = TEST_TIMEOUT_DEFAULT_S;
    int id;
    while ((id = cli_next_option(&p)) > 0) {
        mm_error err = {0};
        if (id == OPT_JSON)
            json = true;
        else if (cli_parse_positive("--timeout", p.arg, TEST_TIMEOUT_MAX_S, &timeout_s, &err) !=
                 MM_OK)
            return cli_report(&err);
    }
    if (id == CLI_STOP)
        return p.exit_code;
    mm_error err = {0};
    mm_catalog *cat = cli_catalog(ctx, &err);
    mm_account acc;
    if (!cat || catalog_account_get(cat, p.args[0], &acc, &err) != MM_OK)
        return cli_report(&err);
    mm_call_result res;
    memset(&res, 0, sizeof res);
    if (run_probe(cat, &acc, (long)timeout_s * 1000L, &res, &err) != MM_OK) {
        mm_call_result_free(&res);
        return cli_report(&err);
    }
    int code = res.ok ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
    if (json)
        code = cli_print_json(probe_json(&res)) ? CLI_EXIT_FAILURE : code;
    else
        print_probe(&acc, &res);
    if (json && !res.ok)
        print_failure(&acc, &res);
    if (!catalog_is_read_only(cat) && record_probe(cat, &acc, &res, &err) != MM_OK) {
        fprintf(stderr, "mmadmin: the test ran but could not be recorded: %s\n", err.message);
        code = CLI_EXIT_FAILURE;
    }
    mm_call_result_free(&res);
    return code;
}
