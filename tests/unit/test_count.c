/* Unit tests of util/count: counts typed as the tables show them (50k, 1.5M, 12,345) are
 * accepted; what is not a whole count is refused, and a limit outside its range says so. */
#include "testutil.h"

#include <stdint.h>
#include <string.h>

#include "util/count.h"

static void reads(const char *text, int64_t want)
{
    int64_t got = -7;
    if (!mm_count_parse(text, &got))
        fail_msg("'%s' refused", text);
    assert_int_equal(got, want);
}

static void refuses(const char *text)
{
    int64_t got = -7;
    if (mm_count_parse(text, &got))
        fail_msg("'%s' accepted as %lld", text, (long long)got);
    assert_int_equal(got, -7);
}

static void what_the_tables_show_is_accepted(void **state)
{
    (void)state;
    reads("200000", 200000);
    reads("50k", 50000);
    reads("50K", 50000);
    reads("1.5M", 1500000);
    reads("1M", 1000000);
    reads("2m", 2000000);
    reads("12,345", 12345);
    reads("1,234,567", 1234567);
    reads(" 450k ", 450000);
    reads("0.5k", 500);
    reads("9223372036854775807", INT64_MAX);
}

static void what_is_not_a_whole_count_is_refused(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "k",
                         "-5",
                         "1.5",
                         "1.2345k",
                         "1,23",
                         "12,3456",
                         "1e6",
                         "50 k k",
                         "5x",
                         "1.k",
                         ",123",
                         "1,,000",
                         "99999999999999999999",
                         "9300000000000000M"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        refuses(bad[i]);
}

static void a_limit_names_its_range_and_the_shapes(void **state)
{
    (void)state;
    int64_t v = 0;
    mm_error err = {0};
    assert_int_equal(mm_limit_parse("50k", "tokens-per-minute limit", 1000000, &v, &err), MM_OK);
    assert_int_equal(v, 50000);
    assert_int_equal(mm_limit_parse("2M", "tokens-per-minute limit", 1000000, &v, &err),
                     MM_E_INVALID);
    assert_string_equal(err.field, "tokens-per-minute limit");
    assert_non_null(strstr(err.message, "from 1 to 1000000"));
    assert_non_null(strstr(err.message, "50k or 1.5M"));
    assert_int_equal(mm_limit_parse("0", "limit", 10, &v, &err), MM_E_INVALID);
    assert_int_equal(mm_limit_parse("", "limit", 10, &v, &err), MM_E_INVALID);
    assert_int_equal(v, 50000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(what_the_tables_show_is_accepted),
        cmocka_unit_test(what_is_not_a_whole_count_is_refused),
        cmocka_unit_test(a_limit_names_its_range_and_the_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
