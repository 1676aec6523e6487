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
    assert_int_equal(mm_chain_discovered_check(&list, "gpt-4o"), MM_DISCOVERED_UNTESTED);
    assert_true(mm_chain_discovered_warning(&list, "prod", "gpt-4o", "run Test Connection", msg,
                                            sizeof msg));
    assert_non_null(strstr(msg, "Test Connection"));
    assert_true(mm_string_list_append(&list, "gpt-4o"));
    assert_true(mm_string_list_append(&list, "gpt-4o-mini"));
    assert_false(mm_chain_discovered_warning(&list, "prod", "gpt-4o", "run Test Connection", msg,
                                             sizeof msg));
    assert_true(mm_chain_discovered_warning(&list, "prod", "gpt-4", "run Test Connection", msg,
                                            sizeof msg));
    assert_non_null(strstr(msg, "not among the 2 models"));
    assert_int_equal(mm_chain_discovered_check(&list, "gpt-4o-mini"), MM_DISCOVERED_LISTED);
    assert_int_equal(mm_chain_discovered_check(&list, "gpt-4"), MM_DISCOVERED_NOT_LISTED);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(glance_lists_targets_in_order_and_cuts),
        cmocka_unit_test(embedding_heuristic),
        cmocka_unit_test(empty_chain_warns),
        cmocka_unit_test(chat_on_embedding_and_single_account_warn),
        cmocka_unit_test(duplicate_targets_warn),
        cmocka_unit_test(new_target_warnings),
        cmocka_unit_test(discovered_check),
        cmocka_unit_test(chain_health),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
