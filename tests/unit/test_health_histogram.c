/* Unit tests of the latency histogram: every quantile within the stated relative error on
 * known distributions, exact mean, merge equal to adding, sparse-to-dense growth. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "health/histogram.h"

static int compare_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The nearest-rank quantile of the raw values, the way `health --json` documents it. */
static int64_t exact_quantile(int64_t *values, size_t n, double q)
{
    qsort(values, n, sizeof *values, compare_i64);
    size_t rank = (size_t)ceil(q * (double)n - 1e-9);
    return values[rank ? rank - 1 : 0];
}

static uint64_t lcg(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return *state >> 33;
}

static void assert_within_error(double estimate, int64_t truth)
{
    double rel = fabs(estimate - (double)truth) / (double)truth;
    if (rel > MM_HIST_RELATIVE_ERROR + 1e-9)
        fail_msg("estimate %.3f vs true %lld: relative error %.4f", estimate, (long long)truth,
                 rel);
}

static void check_distribution(int64_t *values, size_t n)
{
    mm_histogram h;
    mm_histogram_init(&h);
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(mm_histogram_add(&h, values[i]));
        sum += values[i];
    }
    assert_int_equal(h.count, n);
    assert_true(fabs(mm_histogram_mean(&h) - (double)sum / (double)n) < 1e-9);
    const double qs[] = {0.5, 0.9, 0.95, 0.99, 1.0};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++)
        assert_within_error(mm_histogram_quantile(&h, qs[i]), exact_quantile(values, n, qs[i]));
    mm_histogram_free(&h);
}

static void every_value_is_within_the_stated_error(void **state)
{
    (void)state;
    for (int64_t v = 1; v < 1500000;
         /* the covered range: about 27 min */ v = v < 5000 ? v + 1 : v + v / 97) {
        double rep = mm_histogram_bucket_value(mm_histogram_bucket_of(v));
        assert_within_error(rep, v);
    }
    assert_int_equal(mm_histogram_bucket_of(0), 0);
    assert_int_equal(mm_histogram_bucket_of(-5), 0);
}

static void quantiles_of_uniform_latencies(void **state)
{
    (void)state;
    size_t n = 10000;
    int64_t *values = malloc(n * sizeof *values);
    for (size_t i = 0; i < n; i++)
        values[i] = (int64_t)i + 1; /* p95 = 9500 exactly */
    check_distribution(values, n);
    free(values);
}

static void quantiles_of_skewed_latencies(void **state)
{
    (void)state;
    size_t n = 50000;
    int64_t *values = malloc(n * sizeof *values);
    uint64_t seed = 42;
    for (size_t i = 0; i < n; i++) {
        double u = ((double)lcg(&seed) + 1.0) / 2147483649.0;
        values[i] = 20 + (int64_t)(-300.0 * log(u)); /* exponential tail */
        if (i % 50 == 0)
            values[i] = 4000 + (int64_t)(lcg(&seed) % 20000); /* 2% very slow */
    }
    check_distribution(values, n);
    free(values);
}

static void few_values_stay_sparse_then_grow_dense(void **state)
{
    (void)state;
    mm_histogram h;
    mm_histogram_init(&h);
    for (int i = 0; i < 100; i++)
        mm_histogram_add(&h, 100 + (i % 3) * 50);
    assert_null(h.dense);
    assert_int_equal(h.n_sparse, 3);
    int64_t values[200];
    size_t n = 0;
    mm_histogram_free(&h);
    mm_histogram_init(&h);
    for (int i = 0; i < 200; i++) {
        values[n++] = 10 + i * 37;
        mm_histogram_add(&h, values[n - 1]);
    }
    assert_non_null(h.dense);
    assert_within_error(mm_histogram_quantile(&h, 0.95), exact_quantile(values, n, 0.95));
    mm_histogram_reset(&h);
    assert_int_equal(h.count, 0);
    assert_true(mm_histogram_quantile(&h, 0.95) < 0);
    assert_true(mm_histogram_mean(&h) < 0);
    mm_histogram_free(&h);
}

static void merging_equals_adding_everything(void **state)
{
    (void)state;
    mm_histogram a, b, all;
    mm_histogram_init(&a);
    mm_histogram_init(&b);
    mm_histogram_init(&all);
    for (int i = 1; i <= 1000; i++) {
        mm_histogram_add(i % 2 ? &a : &b, i * 3);
        mm_histogram_add(&all, i * 3);
    }
    mm_histogram sparse;
    mm_histogram_init(&sparse);
    mm_histogram_add(&sparse, 7);
    mm_histogram_add(&all, 7);
    assert_true(mm_histogram_merge(&a, &b));
    assert_true(mm_histogram_merge(&a, &sparse));
    assert_int_equal(a.count, all.count);
    assert_int_equal(a.sum, all.sum);
    for (double q = 0.05; q <= 1.0; q += 0.05)
        assert_true(mm_histogram_quantile(&a, q) == mm_histogram_quantile(&all, q));
    mm_histogram_free(&a);
    mm_histogram_free(&b);
    mm_histogram_free(&all);
    mm_histogram_free(&sparse);
}

static void huge_values_land_in_the_last_bucket(void **state)
{
    (void)state;
    mm_histogram h;
    mm_histogram_init(&h);
    mm_histogram_add(&h, INT64_C(1) << 40);
    assert_int_equal(mm_histogram_bucket_of(INT64_C(1) << 40), MM_HIST_BUCKETS - 1);
    assert_true(mm_histogram_quantile(&h, 0.5) > 1000000.0);
    mm_histogram_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_value_is_within_the_stated_error),
        cmocka_unit_test(quantiles_of_uniform_latencies),
        cmocka_unit_test(quantiles_of_skewed_latencies),
        cmocka_unit_test(few_values_stay_sparse_then_grow_dense),
        cmocka_unit_test(merging_equals_adding_everything),
        cmocka_unit_test(huge_values_land_in_the_last_bucket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
