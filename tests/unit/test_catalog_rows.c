/* Unit tests of the lean row lists (catalog/rows.h) the console's pages hold: the same rows in
 * the same order as catalog_*_list, each expanding to the very struct the list has, and a bound
 * on the bytes held per row (the fixed-size structs are ~2 KB an account, ~3.7 KB a model). */
#include "test_catalog_util.h"

#include "catalog/rows.h"
#include "util/strpool.h"

#define ROWS 1000
/* bytes held per row at ROWS rows of the shapes below: struct, strings and the pool's room */
#define ACCOUNT_ROW_BOUND 320
#define MODEL_ROW_BOUND 384 /* with a chain of three targets */
#define WORKSPACE_ROW_BOUND 192

static void fill_catalog(mm_catalog *cat)
{
    mm_error err = {0};
    assert_int_equal(catalog_change_set_begin(cat, "rows", -1, &err), MM_OK);
    for (int i = 0; i < ROWS; i++) {
        mm_account acc;
        mm_account_init(&acc);
        snprintf(acc.name, sizeof acc.name, "acct-%05d", i);
        mm_copy(acc.provider, sizeof acc.provider, "openai-compatible");
        snprintf(acc.endpoint, sizeof acc.endpoint, "https://gateway-%d.example.com/v1", i);
        acc.rpm = i % 3 ? 600 : MM_LIMIT_UNSET;
        assert_int_equal(
            catalog_account_insert(cat, &acc, i % 2 ? "sk-test-0123456789abcdef" : NULL, &err),
            MM_OK);
        mm_model model;
        mm_model_init(&model);
        snprintf(model.name, sizeof model.name, "model-%05d", i);
        snprintf(model.description, sizeof model.description, "chat model %d", i);
        assert_int_equal(catalog_model_insert(cat, &model, &err), MM_OK);
        mm_workspace ws = {0};
        snprintf(ws.name, sizeof ws.name, "team-%05d", i);
        snprintf(ws.description, sizeof ws.description, "the team of floor %d", i);
        assert_int_equal(catalog_workspace_insert(cat, &ws, &err), MM_OK);
    }
    for (int i = 0; i < ROWS; i++)
        for (int p = 1; p <= 3; p++) {
            char model[32], account[32];
            snprintf(model, sizeof model, "model-%05d", i);
            snprintf(account, sizeof account, "acct-%05d", (i * 7 + p) % ROWS);
            assert_int_equal(catalog_target_add(cat, model, account, "gpt-4o-mini", 0, &err),
                             MM_OK);
        }
    mm_entitlement ent = {0};
    mm_copy(ent.model, sizeof ent.model, "model-00003");
    mm_copy(ent.workspace, sizeof ent.workspace, "team-00007");
    assert_int_equal(catalog_entitle(cat, &ent, &err), MM_OK);
    assert_int_equal(catalog_account_set_test_result(cat, "acct-00004", false, "auth",
                                                     "401 invalid key", 120, &err),
                     MM_OK);
    size_t parts = 0;
    assert_int_equal(catalog_change_set_end(cat, MM_OK, &parts, &err), MM_OK);
}

static void account_rows_match_the_list(catalog_fixture *fx)
{
    mm_error err = {0};
    mm_account_list list = {0};
    mm_account_rows rows = {0};
    assert_int_equal(catalog_account_list(fx->cat, &list, &err), MM_OK);
    assert_int_equal(catalog_account_rows(fx->cat, &rows, &err), MM_OK);
    assert_int_equal(rows.count, ROWS);
    assert_int_equal(rows.count, list.count);
    mm_account expanded;
    for (size_t i = 0; i < rows.count; i++) {
        mm_account_row_expand(&rows.items[i], &expanded);
        assert_memory_equal(&expanded, &list.items[i], sizeof expanded);
    }
    const mm_account_row *found = mm_account_rows_find(&rows, "acct-00004");
    assert_non_null(found);
    assert_string_equal(found->last_test_message, "401 invalid key");
    assert_null(mm_account_rows_find(&rows, "acct-99999"));
    size_t per_row = mm_account_rows_bytes(&rows) / rows.count;
    print_message("account rows: %zu bytes a row (mm_account: %zu)\n", per_row, sizeof expanded);
    assert_true(per_row <= ACCOUNT_ROW_BOUND);
    mm_account_rows_free(&rows);
    mm_account_list_free(&list);
}

static void model_rows_match_the_list_with_their_chains(catalog_fixture *fx)
{
    mm_error err = {0};
    mm_model_list list = {0};
    mm_model_rows rows = {0};
    assert_int_equal(catalog_model_list(fx->cat, &list, &err), MM_OK);
    assert_int_equal(catalog_model_rows(fx->cat, true, &rows, &err), MM_OK);
    assert_int_equal(rows.count, list.count);
    assert_int_equal(rows.n_targets, 3 * ROWS);
    mm_model *expanded = malloc(sizeof *expanded);
    for (size_t i = 0; i < rows.count; i++) {
        mm_model_row_expand(&rows, i, expanded);
        assert_memory_equal(expanded, &list.items[i], sizeof *expanded);
    }
    size_t per_row = mm_model_rows_bytes(&rows) / rows.count;
    print_message("model rows: %zu bytes a model with 3 targets (mm_model: %zu)\n", per_row,
                  sizeof *expanded);
    assert_true(per_row <= MODEL_ROW_BOUND);
    assert_int_equal(mm_model_rows_find(&rows, "model-00003")->n_entitled, 1);
    mm_model_rows_free(&rows);
    /* without the chains: the same models, no targets read */
    assert_int_equal(catalog_model_rows(fx->cat, false, &rows, &err), MM_OK);
    assert_int_equal(rows.count, list.count);
    assert_int_equal(rows.n_targets, 0);
    assert_int_equal(rows.items[0].n_targets, 0);
    assert_string_equal(rows.items[ROWS - 1].name, list.items[ROWS - 1].name);
    mm_model_rows_free(&rows);
    free(expanded);
    mm_model_list_free(&list);
}

static void workspace_rows_match_the_list(catalog_fixture *fx)
{
    mm_error err = {0};
    mm_workspace_list list = {0};
    mm_workspace_rows rows = {0};
    assert_int_equal(catalog_workspace_list(fx->cat, &list, &err), MM_OK);
    assert_int_equal(catalog_workspace_rows(fx->cat, &rows, &err), MM_OK);
    assert_int_equal(rows.count, list.count);
    mm_workspace expanded;
    for (size_t i = 0; i < rows.count; i++) {
        mm_workspace_row_expand(&rows.items[i], &expanded);
        assert_memory_equal(&expanded, &list.items[i], sizeof expanded);
    }
    assert_int_equal(mm_workspace_rows_find(&rows, "team-00007")->n_entitlements, 1);
    size_t per_row = mm_workspace_rows_bytes(&rows) / rows.count;
    print_message("workspace rows: %zu bytes a row (mm_workspace: %zu)\n", per_row,
                  sizeof expanded);
    assert_true(per_row <= WORKSPACE_ROW_BOUND);
    mm_workspace_rows_free(&rows);
    mm_workspace_list_free(&list);
}

/* One catalog of ROWS accounts, models (three targets each) and workspaces for the three. */
static void rows_match_the_lists_and_stay_lean(void **state)
{
    catalog_fixture *fx = *state;
    fill_catalog(fx->cat);
    account_rows_match_the_list(fx);
    model_rows_match_the_list_with_their_chains(fx);
    workspace_rows_match_the_list(fx);
}

static void empty_catalog_gives_empty_rows(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err = {0};
    mm_account_rows accounts;
    mm_model_rows models;
    mm_workspace_rows workspaces;
    assert_int_equal(catalog_account_rows(fx->cat, &accounts, &err), MM_OK);
    assert_int_equal(catalog_model_rows(fx->cat, true, &models, &err), MM_OK);
    assert_int_equal(catalog_workspace_rows(fx->cat, &workspaces, &err), MM_OK);
    assert_int_equal(accounts.count + models.count + workspaces.count, 0);
    assert_null(mm_account_rows_find(&accounts, "a"));
    mm_account_rows_free(&accounts);
    mm_model_rows_free(&models);
    mm_workspace_rows_free(&workspaces);
}

/* Strings stay where they were put while the pool grows, a long one included. */
static void string_pool_keeps_every_string(void **state)
{
    (void)state;
    mm_string_pool pool = {0};
    const char *kept[3000];
    char text[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(text, sizeof text, "name-%d-%s", i, i % 2 ? "odd" : "even-and-longer");
        kept[i] = mm_string_pool_add(&pool, text);
        assert_non_null(kept[i]);
    }
    size_t long_len = MM_STRING_POOL_CHUNK + 100;
    char *longer = malloc(long_len + 1);
    memset(longer, 'x', long_len);
    longer[long_len] = '\0';
    const char *long_kept = mm_string_pool_add(&pool, longer);
    const char *after = mm_string_pool_add(&pool, "after");
    assert_string_equal(long_kept, longer);
    assert_string_equal(after, "after");
    assert_string_equal(mm_string_pool_add(&pool, ""), "");
    assert_string_equal(mm_string_pool_add(&pool, NULL), "");
    for (int i = 0; i < 3000; i++) {
        snprintf(text, sizeof text, "name-%d-%s", i, i % 2 ? "odd" : "even-and-longer");
        assert_string_equal(kept[i], text);
    }
    assert_true(mm_string_pool_bytes(&pool) >= long_len + 3000 * 10);
    assert_true(mm_string_pool_bytes(&pool) < long_len + 3 * MM_STRING_POOL_CHUNK);
    mm_string_pool_free(&pool);
    free(longer);
}

#define FIXTURE_TEST(fn)                                                                           \
    cmocka_unit_test_setup_teardown(fn, catalog_fixture_setup, catalog_fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(rows_match_the_lists_and_stay_lean),
        FIXTURE_TEST(empty_catalog_gives_empty_rows),
        cmocka_unit_test(string_pool_keeps_every_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
