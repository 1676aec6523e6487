/* Unit tests of every catalog rule, each accepted and refused: names, uniqueness, providers and
 * their required fields, endpoints, API versions, CA bundles, limits, USD caps, model types,
 * texts, target chains and entitlements. A refused write leaves the file byte for byte as it was.
 */
#include "test_catalog_util.h"

static mm_account make_account(const char *name, const char *provider)
{
    mm_account acc;
    mm_account_init(&acc);
    mm_copy(acc.name, sizeof acc.name, name);
    mm_copy(acc.provider, sizeof acc.provider, provider);
    if (strcmp(provider, "azure-openai") == 0) {
        mm_copy(acc.endpoint, sizeof acc.endpoint, "https://res.openai.azure.com");
        mm_copy(acc.api_version, sizeof acc.api_version, "2024-10-21");
    }
    if (strcmp(provider, "openai-compatible") == 0)
        mm_copy(acc.endpoint, sizeof acc.endpoint, "https://llm.internal.example/v1");
    return acc;
}

/* Inserts acc expecting `expected`; a refusal must name `field` and change nothing. */
static void account_case(catalog_fixture *fx, mm_account acc, const char *key, mm_status expected,
                         const char *field)
{
    snapshot before = snapshot_take(fx->path);
    mm_error err = {0};
    mm_status st = catalog_account_insert(fx->cat, &acc, key, &err);
    if (st != expected)
        fail_msg("account '%s': expected %s, got %s: %s", acc.name, mm_status_name(expected),
                 mm_status_name(st), err.message);
    if (expected == MM_OK) {
        free(before.bytes);
        return;
    }
    assert_string_equal(err.field, field);
    assert_true(strlen(err.message) > 20);
    snapshot_assert_same(fx->path, &before);
}

static const char *const KEY = "sk-test-0123456789abcdef";

static void names_follow_the_pattern(void **state)
{
    catalog_fixture *fx = *state;
    char longest[64];
    memset(longest, 'a', 63);
    longest[63] = '\0';
    const char *good[] = {"prod-openai", "a", "0", "a.b_c-d", longest};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        account_case(fx, make_account(good[i], "openai"), KEY, MM_OK, "");
    const char *bad[] = {"", "Prod", "-x", ".x", "_x", "a b", "caf\xc3\xa9", "a/b", "x\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        account_case(fx, make_account(bad[i], "openai"), KEY, MM_E_INVALID, "name");
    mm_account unterminated = make_account("x", "openai");
    memset(unterminated.name, 'a', sizeof unterminated.name);
    account_case(fx, unterminated, KEY, MM_E_INVALID, "name");
    mm_error err = {0};
    assert_int_equal(catalog_validate_name("workspace", "team-a", &err), MM_OK);
    assert_int_equal(catalog_validate_name("workspace", "Team", &err), MM_E_INVALID);
    assert_non_null(strstr(err.message, "workspace"));
}

static void names_are_unique_per_kind(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "prod", "openai", KEY);
    account_case(fx, make_account("prod", "anthropic"), KEY, MM_E_EXISTS, "name");
    add_model(fx->cat, "prod"); /* another kind may share the name */
    add_workspace(fx->cat, "prod");
    mm_error err = {0};
    snapshot before = snapshot_take(fx->path);
    mm_model model;
    mm_model_init(&model);
    mm_copy(model.name, sizeof model.name, "prod");
    assert_int_equal(catalog_model_insert(fx->cat, &model, &err), MM_E_EXISTS);
    assert_string_equal(err.field, "name");
    assert_non_null(strstr(err.message, "'prod' already exists"));
    mm_workspace ws = {0};
    mm_copy(ws.name, sizeof ws.name, "prod");
    assert_int_equal(catalog_workspace_insert(fx->cat, &ws, &err), MM_E_EXISTS);
    assert_non_null(strstr(err.message, "'prod' already exists"));
    snapshot_assert_same(fx->path, &before);
    /* renaming onto a taken name is refused too */
    add_account(fx->cat, "other", "openai", KEY);
    mm_account acc;
    assert_int_equal(catalog_account_get(fx->cat, "other", &acc, &err), MM_OK);
    mm_copy(acc.name, sizeof acc.name, "prod");
    before = snapshot_take(fx->path);
    assert_int_equal(catalog_account_update(fx->cat, &acc, NULL, &err), MM_E_EXISTS);
    assert_non_null(strstr(err.message, "account named 'prod' already exists (provider openai)"));
    snapshot_assert_same(fx->path, &before);
}

static void provider_must_be_known(void **state)
{
    catalog_fixture *fx = *state;
    const char *known[] = {"openai", "anthropic", "azure-openai",     "gemini",
                           "cohere", "mistral",   "openai-compatible"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "acc-%zu", i);
        account_case(fx, make_account(name, known[i]), KEY, MM_OK, "");
    }
    account_case(fx, make_account("bad", "bedrock"), KEY, MM_E_INVALID, "provider");
    account_case(fx, make_account("bad", ""), KEY, MM_E_INVALID, "provider");
    mm_error err = {0};
    mm_account acc = make_account("bad", "OpenAI");
    assert_int_equal(catalog_account_validate(&acc, NULL, &err), MM_E_INVALID);
    assert_non_null(strstr(err.message, "openai-compatible"));
}

static void providers_require_their_fields(void **state)
{
    catalog_fixture *fx = *state;
    mm_account azure = make_account("az", "azure-openai");
    azure.endpoint[0] = '\0';
    account_case(fx, azure, KEY, MM_E_INVALID, "endpoint");
    azure = make_account("az", "azure-openai");
    azure.api_version[0] = '\0';
    account_case(fx, azure, KEY, MM_E_INVALID, "api_version");
    mm_account compat = make_account("local", "openai-compatible");
    compat.endpoint[0] = '\0';
    account_case(fx, compat, NULL, MM_E_INVALID, "endpoint");
    /* a key-less openai-compatible server is fine; OpenAI needs a key */
    account_case(fx, make_account("local", "openai-compatible"), NULL, MM_OK, "");
    account_case(fx, make_account("nokey", "openai"), NULL, MM_E_INVALID, "api_key");
    account_case(fx, make_account("nokey", "openai"), "", MM_E_INVALID, "api_key");
    account_case(fx, make_account("az", "azure-openai"), KEY, MM_OK, "");
}

static void endpoints_are_https_or_loopback_http(void **state)
{
    catalog_fixture *fx = *state;
    const char *good[] = {"https://api.example.com",      "https://api.example.com:8443/v1",
                          "http://127.0.0.1:8080/v1",     "http://127.9.9.9",
                          "http://localhost:11434",       "http://[::1]:8080/v1",
                          "HTTPS://Res.OpenAI.Azure.com/"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "good-%zu", i);
        mm_account acc = make_account(name, "openai-compatible");
        mm_copy(acc.endpoint, sizeof acc.endpoint, good[i]);
        account_case(fx, acc, NULL, MM_OK, "");
    }
    const char *bad[] = {"http://api.example.com",
                         "http://10.0.0.1:8080",
                         "ftp://x.example",
                         "api.example.com",
                         "https://",
                         "https://:80/x",
                         "https://u:p@example.com",
                         "https://x.example:0",
                         "https://x:99999",
                         "https://a b.example",
                         "http://[::2]:80",
                         "https://x.example:8a",
                         "http://localhost.evil.example"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mm_account acc = make_account("bad", "openai-compatible");
        mm_copy(acc.endpoint, sizeof acc.endpoint, bad[i]);
        account_case(fx, acc, NULL, MM_E_INVALID, "endpoint");
    }
    mm_error err = {0};
    mm_account acc = make_account("bad", "openai-compatible");
    mm_copy(acc.endpoint, sizeof acc.endpoint, "http://api.example.com/v1");
    assert_int_equal(catalog_account_validate(&acc, NULL, &err), MM_E_INVALID);
    assert_non_null(strstr(err.message, "https://api.example.com"));
}

/* The endpoint is parsed by curl_url; the rules read what it parsed, the host as typed. */
static void endpoint_edge_cases_keep_their_rule(void **state)
{
    (void)state;
    const char *good[] = {"https://h:1/x:y", "https://h#frag", "https://h?q=1",
                          "http://LOCALHOST:1/", "https://[0:0::1]:9/v1"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        mm_account acc = make_account("good", "openai-compatible");
        mm_copy(acc.endpoint, sizeof acc.endpoint, good[i]);
        mm_error err = {0};
        if (catalog_account_validate(&acc, NULL, &err) != MM_OK)
            fail_msg("%s refused: %s", good[i], err.message);
    }
    const struct {
        const char *url, *message;
    } bad[] = {
        {"https://host:/v1", "port"},
        {"https://x:000080", "port"},
        {"https://@example.com", "user name"},
        {"https://ho%41st", "invalid character"},
        {"https://[::1", "closing ']'"},
        {"https://[::1]x", "text after the IPv6"},
        {"https://[zz]", "IPv6"},
        {"https:///x", "no host"},
        {"https:/x", "https://"},
        {"http://0x7f.1", "plain http"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mm_account acc = make_account("bad", "openai-compatible");
        mm_copy(acc.endpoint, sizeof acc.endpoint, bad[i].url);
        mm_error err = {0};
        assert_int_equal(catalog_account_validate(&acc, NULL, &err), MM_E_INVALID);
        assert_string_equal(err.field, "endpoint");
        if (!strstr(err.message, bad[i].message))
            fail_msg("%s: '%s' lacks '%s'", bad[i].url, err.message, bad[i].message);
    }
}

static void api_version_is_a_date(void **state)
{
    catalog_fixture *fx = *state;
    const char *good[] = {"2024-10-21", "2025-04-01-preview"};
    for (size_t i = 0; i < 2; i++) {
        char name[32];
        snprintf(name, sizeof name, "az-%zu", i);
        mm_account acc = make_account(name, "azure-openai");
        mm_copy(acc.api_version, sizeof acc.api_version, good[i]);
        account_case(fx, acc, KEY, MM_OK, "");
    }
    const char *bad[] = {"v1",        "2024-13-01",      "2024-10-32",
                         "2024-1-01", "2024-10-21-beta", "2024/10/21"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mm_account acc = make_account("az-bad", "azure-openai");
        mm_copy(acc.api_version, sizeof acc.api_version, bad[i]);
        account_case(fx, acc, KEY, MM_E_INVALID, "api_version");
    }
}

static void ca_bundle_must_be_a_readable_file(void **state)
{
    catalog_fixture *fx = *state;
    char pem[1100];
    snprintf(pem, sizeof pem, "%s/ca.pem", fx->dir);
    FILE *f = fopen(pem, "w");
    fputs("-----BEGIN CERTIFICATE-----\n", f);
    fclose(f);
    mm_account acc = make_account("with-ca", "openai");
    mm_copy(acc.ca_bundle, sizeof acc.ca_bundle, pem);
    account_case(fx, acc, KEY, MM_OK, "");
    const char *bad[] = {"/nonexistent/ca.pem", "relative/ca.pem", fx->dir};
    for (size_t i = 0; i < 3; i++) {
        acc = make_account("bad-ca", "openai");
        mm_copy(acc.ca_bundle, sizeof acc.ca_bundle, bad[i]);
        account_case(fx, acc, KEY, MM_E_INVALID, "ca_bundle");
    }
}

static void account_limits_are_in_range(void **state)
{
    catalog_fixture *fx = *state;
    mm_account acc = make_account("max", "openai");
    acc.rpm = MM_RPM_MAX;
    acc.tpm = MM_TPM_MAX;
    acc.monthly_cap_cents = MM_MONTHLY_CAP_CENTS_MAX;
    account_case(fx, acc, KEY, MM_OK, "");
    acc = make_account("min", "openai");
    acc.rpm = acc.tpm = acc.monthly_cap_cents = 1;
    account_case(fx, acc, KEY, MM_OK, "");
    struct {
        int64_t rpm, tpm, cap;
        const char *field;
    } bad[] = {{-1, 0, 0, "rpm"},         {MM_RPM_MAX + 1, 0, 0, "rpm"},
               {0, -5, 0, "tpm"},         {0, MM_TPM_MAX + 1, 0, "tpm"},
               {0, 0, -1, "monthly_cap"}, {0, 0, MM_MONTHLY_CAP_CENTS_MAX + 1, "monthly_cap"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        acc = make_account("over", "openai");
        acc.rpm = bad[i].rpm;
        acc.tpm = bad[i].tpm;
        acc.monthly_cap_cents = bad[i].cap;
        account_case(fx, acc, KEY, MM_E_INVALID, bad[i].field);
    }
}

static void usd_amounts_parse_to_cents(void **state)
{
    (void)state;
    /* as the account form reads its monthly cap */
    static const money_input cap = {"the spending cap", "monthly_cap", MONEY_FROM_FORM};
    mm_error err = {0};
    int64_t cents = 0;
    struct {
        const char *text;
        int64_t cents;
    } good[] = {{"250", 25000},
                {"99.5", 9950},
                {"$0.01", 1},
                {"100000000.00", 10000000000LL},
                {"12.34", 1234}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(money_parse_cents(good[i].text, &cap, &cents, &err), MM_OK);
        assert_int_equal(cents, good[i].cents);
    }
    const char *bad[] = {"",      "0",   "0.00", "1.234", "abc", "-5", "100000000.01",
                         "1,000", "1e3", ".5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(money_parse_cents(bad[i], &cap, &cents, &err), MM_E_INVALID);
        assert_string_equal(err.field, "monthly_cap");
    }
    char out[32];
    money_format_cents(123456, MONEY_PLAIN, out, sizeof out);
    assert_string_equal(out, "1234.56");
    money_format_cents(5, MONEY_PLAIN, out, sizeof out);
    assert_string_equal(out, "0.05");
}

static void limits_parse_as_positive_integers(void **state)
{
    (void)state;
    mm_error err = {0};
    int64_t value = 0;
    assert_int_equal(catalog_parse_limit("600", "rpm", MM_RPM_MAX, &value, &err), MM_OK);
    assert_int_equal(value, 600);
    assert_int_equal(catalog_parse_limit("10000000", "rpm", MM_RPM_MAX, &value, &err), MM_OK);
    assert_int_equal(catalog_parse_limit("50k", "rpm", MM_RPM_MAX, &value, &err), MM_OK);
    assert_int_equal(value, 50000); /* as the tables show it (issue 14), also in files */
    assert_int_equal(catalog_parse_limit("1.5M", "tpm", MM_TPM_MAX, &value, &err), MM_OK);
    assert_int_equal(value, 1500000);
    const char *bad[] = {"0", "-1", "1e3", "10000001", "", "12abc", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(catalog_parse_limit(bad[i], "rpm", MM_RPM_MAX, &value, &err),
                         MM_E_INVALID);
        assert_string_equal(err.field, "rpm");
    }
}

static void api_key_must_be_plain_text(void **state)
{
    catalog_fixture *fx = *state;
    account_case(fx, make_account("k1", "openai"), "sk-with-newline\n", MM_E_INVALID, "api_key");
    account_case(fx, make_account("k1", "openai"), "sk with space", MM_E_INVALID, "api_key");
    account_case(fx, make_account("k1", "openai"), "sk-ok-1234567890", MM_OK, "");
}

static void model_rules(void **state)
{
    catalog_fixture *fx = *state;
    const char *types[] = {"chat", "embedding", "image", "audio"};
    mm_error err = {0};
    for (size_t i = 0; i < 4; i++) {
        mm_model model;
        mm_model_init(&model);
        snprintf(model.name, sizeof model.name, "m-%s", types[i]);
        mm_copy(model.type, sizeof model.type, types[i]);
        memset(model.description, 'd', sizeof model.description - 1);
        model.description[sizeof model.description - 1] = '\0';
        assert_int_equal(catalog_model_insert(fx->cat, &model, &err), MM_OK);
    }
    mm_model model;
    mm_model_init(&model);
    mm_copy(model.name, sizeof model.name, "video-gen");
    mm_copy(model.type, sizeof model.type, "video");
    snapshot before = snapshot_take(fx->path);
    assert_int_equal(catalog_model_insert(fx->cat, &model, &err), MM_E_INVALID);
    assert_string_equal(err.field, "type");
    mm_copy(model.type, sizeof model.type, "chat");
    mm_copy(model.description, sizeof model.description, "line one\nline two");
    assert_int_equal(catalog_model_insert(fx->cat, &model, &err), MM_E_INVALID);
    assert_string_equal(err.field, "description");
    memset(model.description, 'x', sizeof model.description); /* no room for the end */
    assert_int_equal(catalog_model_insert(fx->cat, &model, &err), MM_E_INVALID);
    assert_string_equal(err.field, "description");
    mm_copy(model.description, sizeof model.description, "bad \x1b[2J escape");
    assert_int_equal(catalog_model_insert(fx->cat, &model, &err), MM_E_INVALID);
    snapshot_assert_same(fx->path, &before);
    mm_copy(model.description, sizeof model.description, "Fast chat \xe2\x80\x94 caf\xc3\xa9");
    assert_int_equal(catalog_model_insert(fx->cat, &model, &err), MM_OK);
}

static void workspace_rules(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err = {0};
    mm_workspace ws = {0};
    mm_copy(ws.name, sizeof ws.name, "team-a");
    mm_copy(ws.description, sizeof ws.description, "The A team");
    assert_int_equal(catalog_workspace_insert(fx->cat, &ws, &err), MM_OK);
    snapshot before = snapshot_take(fx->path);
    mm_workspace bad = {0};
    mm_copy(bad.name, sizeof bad.name, "Team B");
    assert_int_equal(catalog_workspace_insert(fx->cat, &bad, &err), MM_E_INVALID);
    assert_string_equal(err.field, "name");
    mm_copy(bad.name, sizeof bad.name, "team-b");
    mm_copy(bad.description, sizeof bad.description, "tab\there");
    assert_int_equal(catalog_workspace_insert(fx->cat, &bad, &err), MM_E_INVALID);
    assert_string_equal(err.field, "description");
    snapshot_assert_same(fx->path, &before);
}

static void target_rules(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "acc", "openai", KEY);
    add_model(fx->cat, "chain");
    mm_error err = {0};
    char longest[128];
    memset(longest, 'm', 127);
    longest[127] = '\0';
    assert_int_equal(catalog_target_add(fx->cat, "chain", "acc", longest, 0, &err), MM_OK);
    char too_long[200];
    memset(too_long, 'm', 199);
    too_long[199] = '\0';
    snapshot before = snapshot_take(fx->path);
    assert_int_equal(catalog_target_add(fx->cat, "chain", "acc", too_long, 0, &err), MM_E_INVALID);
    assert_string_equal(err.field, "model");
    assert_int_equal(catalog_target_add(fx->cat, "chain", "acc", "", 0, &err), MM_E_INVALID);
    assert_int_equal(catalog_target_add(fx->cat, "chain", "acc", "gpt\x07", 0, &err), MM_E_INVALID);
    assert_int_equal(catalog_target_add(fx->cat, "chain", "nope", "gpt-4o", 0, &err),
                     MM_E_NOT_FOUND);
    assert_string_equal(err.field, "account");
    assert_non_null(strstr(err.message, "'nope'"));
    assert_int_equal(catalog_target_add(fx->cat, "nope", "acc", "gpt-4o", 0, &err), MM_E_NOT_FOUND);
    assert_string_equal(err.field, "model");
    assert_int_equal(catalog_target_add(fx->cat, "chain", "acc", "gpt-4o", 3, &err), MM_E_INVALID);
    assert_string_equal(err.field, "priority");
    assert_non_null(strstr(err.message, "from 1 to 2"));
    assert_int_equal(catalog_target_add(fx->cat, "chain", "acc", "gpt-4o", -1, &err), MM_E_INVALID);
    assert_int_equal(catalog_target_add(fx->cat, "chain", "acc", longest, 0, &err), MM_E_EXISTS);
    snapshot_assert_same(fx->path, &before);
    for (int i = 1; i < MM_MAX_TARGETS; i++) {
        char name[32];
        snprintf(name, sizeof name, "model-%d", i);
        assert_int_equal(catalog_target_add(fx->cat, "chain", "acc", name, 0, &err), MM_OK);
    }
    before = snapshot_take(fx->path);
    assert_int_equal(catalog_target_add(fx->cat, "chain", "acc", "one-more", 1, &err),
                     MM_E_INVALID);
    assert_non_null(strstr(err.message, "16 targets"));
    snapshot_assert_same(fx->path, &before);
}

static void entitlement_rules(void **state)
{
    catalog_fixture *fx = *state;
    add_model(fx->cat, "fast-chat");
    add_workspace(fx->cat, "team-a");
    mm_error err = {0};
    mm_entitlement ent = {0};
    mm_copy(ent.model, sizeof ent.model, "fast-chat");
    mm_copy(ent.workspace, sizeof ent.workspace, "team-a");
    ent.rpm = MM_RPM_MAX;
    ent.tpm = MM_TPM_MAX;
    ent.monthly_tokens = MM_MONTHLY_TOKENS_MAX;
    assert_int_equal(catalog_entitle(fx->cat, &ent, &err), MM_OK);
    snapshot before = snapshot_take(fx->path);
    mm_entitlement bad = ent;
    bad.monthly_tokens = MM_MONTHLY_TOKENS_MAX + 1;
    assert_int_equal(catalog_entitle(fx->cat, &bad, &err), MM_E_INVALID);
    assert_string_equal(err.field, "monthly_tokens");
    bad = ent;
    bad.rpm = -3;
    assert_int_equal(catalog_entitle(fx->cat, &bad, &err), MM_E_INVALID);
    assert_string_equal(err.field, "rpm");
    bad = ent;
    bad.tpm = MM_TPM_MAX + 1;
    assert_int_equal(catalog_entitle(fx->cat, &bad, &err), MM_E_INVALID);
    assert_string_equal(err.field, "tpm");
    bad = ent;
    mm_copy(bad.model, sizeof bad.model, "slow-chat");
    assert_int_equal(catalog_entitle(fx->cat, &bad, &err), MM_E_NOT_FOUND);
    assert_string_equal(err.field, "model");
    assert_non_null(strstr(err.message, "no model named 'slow-chat'"));
    bad = ent;
    mm_copy(bad.workspace, sizeof bad.workspace, "team-z");
    assert_int_equal(catalog_entitle(fx->cat, &bad, &err), MM_E_NOT_FOUND);
    assert_string_equal(err.field, "workspace");
    assert_int_equal(catalog_revoke(fx->cat, "fast-chat", "team-z", &err), MM_E_NOT_FOUND);
    snapshot_assert_same(fx->path, &before);
}

static void disable_reason_is_plain_text(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "acc", "openai", KEY);
    mm_error err = {0};
    snapshot before = snapshot_take(fx->path);
    assert_int_equal(catalog_account_set_enabled(fx->cat, "acc", false, "bad\x1b[31m", &err),
                     MM_E_INVALID);
    assert_string_equal(err.field, "reason");
    assert_int_equal(catalog_account_set_enabled(fx->cat, "nope", false, "why", &err),
                     MM_E_NOT_FOUND);
    snapshot_assert_same(fx->path, &before);
    assert_int_equal(catalog_account_set_enabled(fx->cat, "acc", false, "quota spent", &err),
                     MM_OK);
}

#define FIXTURE_TEST(fn)                                                                           \
    cmocka_unit_test_setup_teardown(fn, catalog_fixture_setup, catalog_fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(names_follow_the_pattern),
        FIXTURE_TEST(names_are_unique_per_kind),
        FIXTURE_TEST(provider_must_be_known),
        FIXTURE_TEST(providers_require_their_fields),
        FIXTURE_TEST(endpoints_are_https_or_loopback_http),
        cmocka_unit_test(endpoint_edge_cases_keep_their_rule),
        FIXTURE_TEST(api_version_is_a_date),
        FIXTURE_TEST(ca_bundle_must_be_a_readable_file),
        FIXTURE_TEST(account_limits_are_in_range),
        cmocka_unit_test(usd_amounts_parse_to_cents),
        cmocka_unit_test(limits_parse_as_positive_integers),
        FIXTURE_TEST(api_key_must_be_plain_text),
        FIXTURE_TEST(model_rules),
        FIXTURE_TEST(workspace_rules),
        FIXTURE_TEST(target_rules),
        FIXTURE_TEST(entitlement_rules),
        FIXTURE_TEST(disable_reason_is_plain_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
