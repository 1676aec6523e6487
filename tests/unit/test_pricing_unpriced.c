/* Unit tests of pricing_find_unpriced and pricing_find_unpriced_capped (src/router/pricing.c):
 * the lean-row reading gives what the full account and model lists gave, capped or not. */
#include "test_catalog_util.h"

#include "router/pricing.h"

static void put_account(mm_catalog *cat, const char *name, const char *provider, int64_t cap)
{
    mm_account acc;
    mm_account_init(&acc);
    mm_copy(acc.name, sizeof acc.name, name);
    mm_copy(acc.provider, sizeof acc.provider, provider);
    acc.monthly_cap_cents = cap;
    mm_error err;
    assert_int_equal(catalog_account_insert(cat, &acc, "sk-test-key-0000001", &err), MM_OK);
}

static void put_model(mm_catalog *cat, const char *name)
{
    mm_model model;
    mm_model_init(&model);
    mm_copy(model.name, sizeof model.name, name);
    mm_copy(model.type, sizeof model.type, "chat");
    mm_error err;
    assert_int_equal(catalog_model_insert(cat, &model, &err), MM_OK);
}

static void put_target(mm_catalog *cat, const char *model, const char *account, const char *pm)
{
    mm_error err;
    assert_int_equal(catalog_target_add(cat, model, account, pm, 0, &err), MM_OK);
}

static void put_price(mm_catalog *cat, const char *provider, const char *model)
{
    mm_price p = {.input_per_mtok = 1,
                  .output_per_mtok = 2,
                  .cache_read_per_mtok = -1,
                  .cache_write_per_mtok = -1};
    mm_copy(p.provider, sizeof p.provider, provider);
    mm_copy(p.model, sizeof p.model, model);
    mm_copy(p.source, sizeof p.source, "manual");
    mm_error err;
    assert_int_equal(catalog_price_set(cat, &p, &err), MM_OK);
}

/* Priced and unpriced models on capped and uncapped accounts, a model on two providers, a
 * repeated (account, model) in two chains. */
static void build_catalog(mm_catalog *cat)
{
    put_account(cat, "cap-a", "openai", 5000);
    put_account(cat, "cap-b", "anthropic", 100);
    put_account(cat, "free-a", "openai", MM_LIMIT_UNSET);
    put_account(cat, "free-b", "anthropic", MM_LIMIT_UNSET);
    put_price(cat, "openai", "gpt-priced");
    put_price(cat, "anthropic", "claude-priced");
    put_model(cat, "m1");
    put_target(cat, "m1", "cap-a", "gpt-priced");
    put_target(cat, "m1", "cap-a", "gpt-unpriced");
    put_target(cat, "m1", "free-a", "gpt-unpriced");
    put_model(cat, "m2");
    put_target(cat, "m2", "free-b", "claude-unpriced");
    put_target(cat, "m2", "cap-b", "claude-unpriced");
    put_target(cat, "m2", "cap-b", "claude-priced");
    put_target(cat, "m2", "cap-b", "gpt-priced"); /* priced on openai, not on anthropic */
    put_model(cat, "m3");
    put_target(cat, "m3", "free-a", "gpt-other");
    put_target(cat, "m3", "cap-a", "gpt-unpriced"); /* listed once per account */
}

/* The earlier reading, over the full lists, kept here as the reference. */
static size_t reference(mm_catalog *cat, const mm_price_list *prices, bool per_account,
                        bool capped_only, pricing_unpriced *out, size_t max)
{
    mm_account_list accounts = {0};
    mm_model_list models = {0};
    mm_error err;
    assert_int_equal(catalog_account_list(cat, &accounts, &err), MM_OK);
    assert_int_equal(catalog_model_list(cat, &models, &err), MM_OK);
    size_t n = 0;
    for (size_t m = 0; m < models.count; m++)
        for (size_t t = 0; t < models.items[m].n_targets; t++) {
            const mm_target *target = &models.items[m].targets[t];
            const mm_account *a = NULL;
            for (size_t i = 0; i < accounts.count; i++)
                if (!strcmp(accounts.items[i].name, target->account))
                    a = &accounts.items[i];
            if (!a || (capped_only && a->monthly_cap_cents == MM_LIMIT_UNSET))
                continue;
            bool priced = false, seen = false;
            for (size_t p = 0; p < prices->count; p++)
                priced |= !strcmp(prices->items[p].provider, a->provider) &&
                          !strcmp(prices->items[p].model, target->model);
            for (size_t u = 0; u < n; u++)
                seen |= !strcmp(out[u].provider, a->provider) &&
                        !strcmp(out[u].model, target->model) &&
                        (!per_account || !strcmp(out[u].account, target->account));
            if (priced || seen)
                continue;
            assert_true(n < max);
            mm_copy(out[n].account, sizeof out[n].account, target->account);
            mm_copy(out[n].provider, sizeof out[n].provider, a->provider);
            mm_copy(out[n].model, sizeof out[n].model, target->model);
            n++;
        }
    mm_account_list_free(&accounts);
    mm_model_list_free(&models);
    return n;
}

static void assert_same(const pricing_unpriced *got, size_t n_got, const pricing_unpriced *want,
                        size_t n_want)
{
    assert_int_equal(n_got, n_want);
    for (size_t i = 0; i < n_want; i++) {
        assert_string_equal(got[i].account, want[i].account);
        assert_string_equal(got[i].provider, want[i].provider);
        assert_string_equal(got[i].model, want[i].model);
    }
}

static void finds_what_the_full_lists_found(void **state)
{
    catalog_fixture *fx = *state;
    build_catalog(fx->cat);
    mm_price_list prices = {0};
    mm_error err;
    assert_int_equal(catalog_price_list(fx->cat, &prices, &err), MM_OK);
    pricing_unpriced want[32];
    for (int per_account = 0; per_account < 2; per_account++) {
        pricing_unpriced *got = NULL;
        size_t n = 0;
        assert_int_equal(pricing_find_unpriced(fx->cat, &prices, per_account, &got, &n, &err),
                         MM_OK);
        assert_same(got, n, want, reference(fx->cat, &prices, per_account, false, want, 32));
        free(got);
    }
    pricing_unpriced *got = NULL;
    size_t n = 0;
    assert_int_equal(pricing_find_unpriced_capped(fx->cat, &prices, &got, &n, &err), MM_OK);
    assert_same(got, n, want, reference(fx->cat, &prices, true, true, want, 32));
    /* cap-a/gpt-unpriced and cap-b/claude-unpriced, cap-b/gpt-priced; no free-* entry */
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++)
        assert_true(!strncmp(got[i].account, "cap-", 4));
    free(got);
    mm_price_list_free(&prices);
}

static void finds_nothing_without_targets(void **state)
{
    catalog_fixture *fx = *state;
    put_account(fx->cat, "cap-a", "openai", 5000);
    mm_price_list prices = {0};
    mm_error err;
    pricing_unpriced *got = NULL;
    size_t n = 7;
    assert_int_equal(pricing_find_unpriced_capped(fx->cat, &prices, &got, &n, &err), MM_OK);
    assert_int_equal(n, 0);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(finds_what_the_full_lists_found, catalog_fixture_setup,
                                        catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(finds_nothing_without_targets, catalog_fixture_setup,
                                        catalog_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
