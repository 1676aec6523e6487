/* Unit tests of the shared chain rules (console and CLI): the chain at a glance, the chain
 * warnings (empty, chat model on an embedding target, one account only, duplicates), the
 * discovered-model check and the chain's health. */
#include "testutil.h"

#include <string.h>

#include "catalog/chain_rules.h"
#include "health/chain_health.h"

static void add_target(mm_model *m, const char *account, const char *model)
{
    mm_target *t = &m->targets[m->n_targets++];
    t->priority = (int)m->n_targets;
    strcpy(t->account, account);
    strcpy(t->model, model);
}

static void make_model(mm_model *m, const char *name, const char *type)
{
    mm_model_init(m);
    strcpy(m->name, name);
    strcpy(m->type, type);
}

static void glance_lists_targets_in_order_and_cuts(void **state)
{
    (void)state;
    mm_model m;
    char out[256];
    make_model(&m, "fast-chat", "chat");
    mm_chain_glance(&m, "->", "...", 3, "(no targets)", out, sizeof out);
    assert_string_equal(out, "(no targets)");
    add_target(&m, "prod-openai", "gpt-4o");
    mm_chain_glance(&m, "->", "...", 3, "(no targets)", out, sizeof out);
    assert_string_equal(out, "gpt-4o@prod-openai");
    add_target(&m, "anthropic-primary", "claude-sonnet-4");
    add_target(&m, "mistral", "mistral-large");
    add_target(&m, "backup", "gpt-4o-mini");
    add_target(&m, "backup2", "gpt-4o-mini");
    mm_chain_glance(&m, "->", "...", 2, "(no targets)", out, sizeof out);
    assert_string_equal(out, "gpt-4o@prod-openai -> claude-sonnet-4@anthropic-primary -> ... +3");
    mm_chain_glance(&m, "\xe2\x86\x92", "\xe2\x80\xa6", 5, "(no targets)", out, sizeof out);
    assert_non_null(strstr(out, "mistral-large@mistral \xe2\x86\x92 gpt-4o-mini@backup"));
    char small[12];
    mm_chain_glance(&m, "->", "...", 3, "(no targets)", small, sizeof small);
    assert_int_equal(strlen(small), sizeof small - 1);
}

static void embedding_heuristic(void **state)
{
    (void)state;
    assert_true(mm_looks_embedding("text-embedding-3-small"));
    assert_true(mm_looks_embedding("EMBED-english-v3.0"));
    assert_true(mm_looks_embedding("mistral-embed"));
    assert_false(mm_looks_embedding("gpt-4o"));
    assert_false(mm_looks_embedding("emb"));
}

static void empty_chain_warns(void **state)
{
    (void)state;
    mm_model m;
    char w[MM_CHAIN_MAX_WARNINGS][MM_CHAIN_WARNING_MAX];
    make_model(&m, "fast-chat", "chat");
    assert_int_equal(mm_chain_warnings(&m, w, MM_CHAIN_MAX_WARNINGS), 1);
    assert_non_null(strstr(w[0], "chain is empty"));
}

static void chat_on_embedding_and_single_account_warn(void **state)
{
    (void)state;
    mm_model m;
    char w[MM_CHAIN_MAX_WARNINGS][MM_CHAIN_WARNING_MAX];
    make_model(&m, "fast-chat", "chat");
    add_target(&m, "a1", "gpt-4o");
    add_target(&m, "a1", "text-embedding-3-small");
    size_t n = mm_chain_warnings(&m, w, MM_CHAIN_MAX_WARNINGS);
    assert_int_equal(n, 2);
    assert_non_null(strstr(w[0], "Target 2 (text-embedding-3-small)"));
    assert_non_null(strstr(w[1], "one account (a1)"));
    /* an embedding model may target embedding models; two accounts: no warning */
    make_model(&m, "embed-docs", "embedding");
    add_target(&m, "a1", "text-embedding-3-small");
    add_target(&m, "a2", "mistral-embed");
    assert_int_equal(mm_chain_warnings(&m, w, MM_CHAIN_MAX_WARNINGS), 0);
}

static void type_mismatches_warn_both_ways(void **state)
{
    (void)state;
    mm_model m;
    char w[MM_CHAIN_MAX_WARNINGS][MM_CHAIN_WARNING_MAX];
    make_model(&m, "embed-docs", "embedding");
    /* a chat model id in an embedding model: warned, like the other way round */
    assert_int_equal(mm_chain_new_target_warnings(&m, "a1", "gpt-4o", w, MM_CHAIN_MAX_WARNINGS), 1);
    assert_non_null(strstr(w[0], "gpt-4o does not look like an embedding model, but embed-docs"));
    add_target(&m, "a1", "gpt-4o");
    add_target(&m, "a2", "text-embedding-3-small");
    assert_int_equal(mm_chain_warnings(&m, w, MM_CHAIN_MAX_WARNINGS), 1);
    assert_non_null(strstr(w[0], "Target 1 (gpt-4o) does not look like an embedding model"));
    /* image and audio ids in a chat model */
    make_model(&m, "fast-chat", "chat");
    assert_int_equal(mm_chain_new_target_warnings(&m, "a1", "dall-e-3", w, MM_CHAIN_MAX_WARNINGS),
                     1);
    assert_non_null(strstr(w[0], "dall-e-3 looks like an image model, but fast-chat is a chat"));
    assert_int_equal(mm_chain_new_target_warnings(&m, "a1", "whisper-1", w, MM_CHAIN_MAX_WARNINGS),
                     1);
    assert_non_null(strstr(w[0], "looks like an audio model"));
    assert_string_equal(mm_guess_model_type("gpt-4o-mini-tts"), "audio");
    assert_null(mm_guess_model_type("claude-sonnet-4"));
}

static void duplicate_targets_warn(void **state)
{
    (void)state;
    mm_model m;
    char w[MM_CHAIN_MAX_WARNINGS][MM_CHAIN_WARNING_MAX];
    make_model(&m, "fast-chat", "chat");
    add_target(&m, "a1", "gpt-4o");
    add_target(&m, "a2", "claude");
    add_target(&m, "a1", "gpt-4o");
    assert_int_equal(mm_chain_warnings(&m, w, MM_CHAIN_MAX_WARNINGS), 1);
    assert_non_null(strstr(w[0], "Targets 1 and 3"));
    /* max bounds what is written */
    add_target(&m, "a1", "text-embedding-ada-002");
    assert_int_equal(mm_chain_warnings(&m, w, 1), 1);
}

static void new_target_warnings(void **state)
{
    (void)state;
    mm_model m;
    char w[MM_CHAIN_MAX_WARNINGS][MM_CHAIN_WARNING_MAX];
    make_model(&m, "fast-chat", "chat");
    /* a first target on one account is not a warning of the new target */
    assert_int_equal(mm_chain_new_target_warnings(&m, "a1", "gpt-4o", w, MM_CHAIN_MAX_WARNINGS), 0);
    add_target(&m, "a1", "gpt-4o");
    assert_int_equal(mm_chain_new_target_warnings(&m, "a1", "gpt-4o", w, MM_CHAIN_MAX_WARNINGS), 1);
    assert_non_null(strstr(w[0], "Target 1 is already gpt-4o@a1"));
    assert_int_equal(
        mm_chain_new_target_warnings(&m, "a2", "text-embedding-3-small", w, MM_CHAIN_MAX_WARNINGS),
        1);
    assert_non_null(strstr(w[0], "embedding model"));
    make_model(&m, "embed-docs", "embedding");
    assert_int_equal(
        mm_chain_new_target_warnings(&m, "a2", "text-embedding-3-small", w, MM_CHAIN_MAX_WARNINGS),
        0);
}

static void discovered_check(void **state)
{
    (void)state;
    mm_string_list list = {0};
    char msg[MM_CHAIN_WARNING_MAX];
    assert_int_equal(mm_chain_discovered_check(&list, "gpt-4o", false), MM_DISCOVERED_UNTESTED);
    assert_true(mm_chain_discovered_warning(&list, "prod", "gpt-4o", false, "run Test Connection",
                                            msg, sizeof msg));
    assert_non_null(strstr(msg, "Test Connection"));
    assert_true(mm_string_list_append(&list, "gpt-4o"));
    assert_true(mm_string_list_append(&list, "gpt-4o-mini"));
    assert_false(mm_chain_discovered_warning(&list, "prod", "gpt-4o", false, "run Test Connection",
                                             msg, sizeof msg));
    assert_true(mm_chain_discovered_warning(&list, "prod", "gpt-4", false, "run Test Connection",
                                            msg, sizeof msg));
    assert_non_null(strstr(msg, "not among the 2 models"));
    assert_int_equal(mm_chain_discovered_check(&list, "gpt-4o-mini", false), MM_DISCOVERED_LISTED);
    assert_int_equal(mm_chain_discovered_check(&list, "gpt-4", false), MM_DISCOVERED_NOT_LISTED);
    /* Azure: targets name deployments, which the model list never shows: no warning */
    assert_int_equal(mm_chain_discovered_check(&list, "my-deployment", true),
                     MM_DISCOVERED_UNCHECKABLE);
    assert_false(mm_chain_discovered_warning(&list, "az", "my-deployment", true,
                                             "run Test Connection", msg, sizeof msg));
    mm_string_list_free(&list);
}

static void chain_health(void **state)
{
    (void)state;
    char acc[3][MM_NAME_MAX] = {"a1", "a2", "a3"};
    mm_health st[3] = {MM_HEALTH_HEALTHY, MM_HEALTH_DEGRADED, MM_HEALTH_UNREACHABLE};
    mm_health_map map = {.accounts = acc, .statuses = st, .count = 3};
    mm_health_map none = {0};
    mm_model m;
    char out[32];
    make_model(&m, "fast-chat", "chat");
    assert_int_equal(health_chain_of(&m, &map, "-", out, sizeof out), MM_CHAIN_EMPTY);
    assert_string_equal(out, "-");
    add_target(&m, "a1", "gpt-4o");
    add_target(&m, "zz", "gpt-4o"); /* not measured yet: counts as usable */
    assert_int_equal(health_chain_of(&m, &map, "-", out, sizeof out), MM_CHAIN_HEALTHY);
    assert_string_equal(out, "healthy");
    assert_int_equal(health_chain_of(&m, &none, "-", out, sizeof out), MM_CHAIN_UNKNOWN);
    add_target(&m, "a2", "claude");
    assert_int_equal(health_chain_of(&m, &map, "-", out, sizeof out), MM_CHAIN_DEGRADED);
    assert_string_equal(out, "2/3 healthy");
    make_model(&m, "fast-chat", "chat");
    add_target(&m, "a3", "gpt-4o");
    assert_int_equal(health_chain_of(&m, &map, "-", out, sizeof out), MM_CHAIN_DOWN);
    assert_string_equal(out, "down");
}

static void disabled_accounts_are_not_healthy(void **state)
{
    (void)state;
    char acc[3][MM_NAME_MAX] = {"prod-openai", "anthropic", "gemini-main"};
    mm_health st[3] = {MM_HEALTH_UNREACHABLE, MM_HEALTH_HEALTHY, MM_HEALTH_HEALTHY};
    bool disabled[3] = {false, false, true};
    mm_health_map map = {.accounts = acc, .statuses = st, .disabled = disabled, .count = 3};
    mm_model m;
    char out[32];
    char w[MM_CHAIN_MAX_WARNINGS][MM_CHAIN_WARNING_MAX];
    make_model(&m, "fast-chat", "chat");
    add_target(&m, "prod-openai", "gpt-4o");
    add_target(&m, "anthropic", "claude");
    add_target(&m, "gemini-main", "gemini");
    assert_true(mm_health_map_disabled(&map, "gemini-main"));
    assert_false(mm_health_map_disabled(&map, "anthropic"));
    assert_int_equal(health_chain_of(&m, &map, "-", out, sizeof out), MM_CHAIN_DEGRADED);
    assert_string_equal(out, "1/3 healthy");
    /* one usable account left (anthropic): the chain warns, naming what was lost */
    assert_int_equal(health_chain_warnings(&m, &map, w, MM_CHAIN_MAX_WARNINGS), 1);
    assert_non_null(strstr(w[0], "Only one usable account remains (anthropic"));
    assert_non_null(strstr(w[0], "gemini-main is disabled"));
    assert_non_null(strstr(w[0], "prod-openai is unreachable"));
    /* none usable: down, and a warning that every request fails */
    st[1] = MM_HEALTH_UNREACHABLE;
    assert_int_equal(health_chain_of(&m, &map, "-", out, sizeof out), MM_CHAIN_DOWN);
    assert_int_equal(health_chain_warnings(&m, &map, w, MM_CHAIN_MAX_WARNINGS), 1);
    assert_non_null(strstr(w[0], "No usable account remains"));
    /* a disabled-only chain is down even without figures */
    mm_health none_st[1] = {MM_HEALTH_UNKNOWN};
    bool none_dis[1] = {true};
    char one[1][MM_NAME_MAX] = {"gemini-main"};
    mm_health_map only = {.accounts = one, .statuses = none_st, .disabled = none_dis, .count = 1};
    make_model(&m, "x", "chat");
    add_target(&m, "gemini-main", "gemini");
    assert_int_equal(health_chain_of(&m, &only, "-", out, sizeof out), MM_CHAIN_DOWN);
    /* two usable accounts: no such warning */
    st[1] = MM_HEALTH_HEALTHY;
    disabled[2] = false;
    make_model(&m, "fast-chat", "chat");
    add_target(&m, "prod-openai", "gpt-4o");
    add_target(&m, "anthropic", "claude");
    add_target(&m, "gemini-main", "gemini");
    assert_int_equal(health_chain_warnings(&m, &map, w, MM_CHAIN_MAX_WARNINGS), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(glance_lists_targets_in_order_and_cuts),
        cmocka_unit_test(embedding_heuristic),
        cmocka_unit_test(empty_chain_warns),
        cmocka_unit_test(chat_on_embedding_and_single_account_warn),
        cmocka_unit_test(type_mismatches_warn_both_ways),
        cmocka_unit_test(duplicate_targets_warn),
        cmocka_unit_test(new_target_warnings),
        cmocka_unit_test(discovered_check),
        cmocka_unit_test(chain_health),
        cmocka_unit_test(disabled_accounts_are_not_healthy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
