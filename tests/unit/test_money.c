/* Unit tests of util/money: amounts parsed as typed in an option or a form (accepted, refused
 * with their messages), each format style's rounding and edges, conversions, the cap rule. */
#include "testutil.h"

#include <stdint.h>
#include <string.h>

#include "util/money.h"

static const money_input OPTION = {"--monthly-cap", "--monthly-cap", MONEY_FROM_OPTION};
static const money_input FORM = {"the spending cap", "monthly_cap", MONEY_FROM_FORM};

static void accepts(const money_input *in, const char *text, int64_t want)
{
    mm_error err = {0};
    int64_t cents = -7;
    if (money_parse_cents(text, in, &cents, &err) != MM_OK)
        fail_msg("'%s' refused: %s", text, err.message);
    assert_int_equal(cents, want);
}

/* Refused with err->field, the message naming the amount, what is wrong and the fix. */
static void refuses(const money_input *in, const char *text, const char *fault)
{
    mm_error err = {0};
    int64_t cents = -7;
    assert_int_equal(money_parse_cents(text, in, &cents, &err), MM_E_INVALID);
    assert_int_equal(cents, -7);
    assert_string_equal(err.field, in->field);
    if (!strstr(err.message, in->label) || !strstr(err.message, fault) ||
        !strstr(err.message, "give US dollars with at most two decimals, from 0.01 to "
                             "100000000.00, e.g. 250 or 99.50"))
        fail_msg("'%s': unexpected message '%s' (wanted '%s')", text ? text : "(null)", err.message,
                 fault);
}

static void both_entries_take_plain_amounts(void **state)
{
    (void)state;
    const money_input *entries[] = {&OPTION, &FORM};
    for (size_t i = 0; i < 2; i++) {
        accepts(entries[i], "250", 25000);
        accepts(entries[i], "12.5", 1250);
        accepts(entries[i], "12.50", 1250);
        accepts(entries[i], "0.01", 1);
        accepts(entries[i], "007", 700);
        accepts(entries[i], "100000000", 10000000000LL);
        accepts(entries[i], "100000000.00", MONEY_CENTS_MAX);
    }
}

static void a_form_also_takes_what_people_type(void **state)
{
    (void)state;
    accepts(&FORM, "$250", 25000);
    accepts(&FORM, "$0.01", 1);
    accepts(&FORM, "250.", 25000);
    refuses(&OPTION, "$12", "starts with '$'");
    refuses(&OPTION, "12.", "is not an amount of dollars");
    refuses(&FORM, "$", "'$' is not an amount of dollars");
    refuses(&FORM, "$$5", "is not an amount of dollars");
    refuses(&FORM, "$-5", "is not an amount of dollars");
}

static void both_entries_refuse_the_same_mistakes(void **state)
{
    (void)state;
    const money_input *entries[] = {&OPTION, &FORM};
    for (size_t i = 0; i < 2; i++) {
        const money_input *in = entries[i];
        refuses(in, "12.345", "'12.345' has more than two decimals");
        refuses(in, "-1", "is negative");
        refuses(in, "abc", "'abc' is not an amount of dollars");
        refuses(in, "0", "is less than 0.01");
        refuses(in, "0.00", "is less than 0.01");
        refuses(in, ".5", "is not an amount of dollars");
        refuses(in, "1e3", "is not an amount of dollars");
        refuses(in, "1,000", "is not an amount of dollars");
        refuses(in, " 5", "is not an amount of dollars");
        refuses(in, "5 ", "is not an amount of dollars");
        refuses(in, "100000000.01", "is more than 100000000.00");
        refuses(in, "99999999999999999999999999", "is more than 100000000.00");
        refuses(in, "", "needs an amount");
        refuses(in, NULL, "needs an amount");
    }
    mm_error err = {0};
    int64_t cents;
    money_parse_cents("12.345", &OPTION, &cents, &err);
    assert_string_equal(err.message,
                        "--monthly-cap '12.345' has more than two decimals; give US dollars with "
                        "at most two decimals, from 0.01 to 100000000.00, e.g. 250 or 99.50");
}

static void prices_parse_as_plain_numbers(void **state)
{
    (void)state;
    static const money_input input = {"--input", "input", MONEY_FROM_OPTION};
    mm_error err = {0};
    double price = -1;
    assert_int_equal(money_parse_per_mtok("2.50", &input, &price, &err), MM_OK);
    assert_true(price == 2.5);
    assert_int_equal(money_parse_per_mtok("0", &input, &price, &err), MM_OK);
    assert_true(price == 0);
    assert_int_equal(money_parse_per_mtok("1e-3", &input, &price, &err), MM_OK);
    assert_true(price == 1e-3);
    assert_int_equal(money_parse_per_mtok("1000000", &input, &price, &err), MM_OK);
    const char *bad[] = {"-1", "abc", "", "2.5x", "1000000.5", "nan", "inf", "1e400"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        price = 7;
        assert_int_equal(money_parse_per_mtok(bad[i], &input, &price, &err), MM_E_INVALID);
        assert_true(price == 7);
        assert_string_equal(err.field, "input");
    }
    money_parse_per_mtok("-1", &input, &price, &err);
    assert_string_equal(err.message, "--input '-1' is not a price: give USD per million tokens "
                                     "as a plain number from 0 to 1000000, e.g. 2.50");
}

static void expect_micros(int64_t micros, money_style style, const char *want)
{
    char out[MONEY_TEXT_MAX];
    money_format_micros(micros, style, out, sizeof out);
    if (strcmp(out, want) != 0)
        fail_msg("%lld micros in style %d: '%s', wanted '%s'", (long long)micros, (int)style, out,
                 want);
}

static void expect_cents(int64_t cents, money_style style, const char *want)
{
    char out[MONEY_TEXT_MAX];
    money_format_cents(cents, style, out, sizeof out);
    if (strcmp(out, want) != 0)
        fail_msg("%lld cents in style %d: '%s', wanted '%s'", (long long)cents, (int)style, out,
                 want);
}

static void two_decimal_styles_round_half_away_from_zero(void **state)
{
    (void)state;
    expect_micros(0, MONEY_PLAIN, "0.00");
    expect_micros(4999, MONEY_PLAIN, "0.00");
    expect_micros(5000, MONEY_PLAIN, "0.01");
    expect_micros(15000, MONEY_PLAIN, "0.02"); /* a double's 0.015 would print 0.01 */
    expect_micros(1250000, MONEY_PLAIN, "1.25");
    expect_micros(999995000, MONEY_PLAIN, "1000.00");
    expect_micros(-1500000, MONEY_PLAIN, "-1.50");
    expect_micros(-5000, MONEY_PLAIN, "-0.01");
    expect_micros(-1, MONEY_PLAIN, "-0.00");
    expect_micros(INT64_MAX, MONEY_PLAIN, "9223372036854.78");
    expect_micros(INT64_MIN, MONEY_PLAIN, "-9223372036854.78");
    expect_micros(10000001, MONEY_DOLLARS, "$10.00");
    expect_micros(-1500000, MONEY_DOLLARS, "-$1.50");
    expect_cents(0, MONEY_PLAIN, "0.00");
    expect_cents(5, MONEY_PLAIN, "0.05");
    expect_cents(123456, MONEY_PLAIN, "1234.56");
    expect_cents(-150, MONEY_PLAIN, "-1.50");
    expect_cents(2500, MONEY_DOLLARS, "$25.00");
    expect_cents(INT64_MAX, MONEY_DOLLARS, "$92233720368547758.07");
    expect_cents(INT64_MIN, MONEY_DOLLARS, "-$92233720368547758.08");
}

static void whole_dollars_drop_their_cents(void **state)
{
    (void)state;
    expect_cents(250000, MONEY_WHOLE, "$2500");
    expect_cents(2550, MONEY_WHOLE, "$25.50");
    expect_cents(1, MONEY_WHOLE, "$0.01");
    expect_cents(0, MONEY_WHOLE, "$0");
    expect_cents(-100, MONEY_WHOLE, "-$1");
    expect_micros(2499995000, MONEY_WHOLE, "$2500"); /* rounds to whole cents first */
}

static void detail_keeps_a_few_tokens_visible(void **state)
{
    (void)state;
    expect_micros(0, MONEY_DETAIL, "$0.00");
    expect_micros(1, MONEY_DETAIL, "$0.000001");
    expect_micros(9999, MONEY_DETAIL, "$0.009999");
    expect_micros(10000, MONEY_DETAIL, "$0.0100");
    expect_micros(123450, MONEY_DETAIL, "$0.1235");
    expect_micros(999990, MONEY_DETAIL, "$1.0000"); /* under $1, rounded up to it */
    expect_micros(1000000, MONEY_DETAIL, "$1.00");
    expect_micros(-17, MONEY_DETAIL, "-$0.000017");
    expect_micros(INT64_MAX, MONEY_DETAIL, "$9223372036854.78");
    expect_cents(50, MONEY_DETAIL, "$0.5000");
}

static void cells_fit_eight_columns(void **state)
{
    (void)state;
    expect_micros(0, MONEY_CELL, "$0.00");
    expect_micros(1, MONEY_CELL, "<$0.01");
    expect_micros(9999, MONEY_CELL, "<$0.01");
    expect_micros(10000, MONEY_CELL, "$0.01");
    expect_micros(9999994999LL, MONEY_CELL, "$9999.99");
    expect_micros(10000000000LL, MONEY_CELL, "$10000");
    expect_micros(10000500000LL, MONEY_CELL, "$10001");
    expect_micros(-1, MONEY_CELL, "-$0.00");
    expect_micros(INT64_MAX, MONEY_CELL, "$9223372036855");
    expect_cents(1, MONEY_CELL, "$0.01");
}

static void exact_shows_every_micro(void **state)
{
    (void)state;
    expect_micros(0, MONEY_EXACT, "$0.000000");
    expect_micros(14, MONEY_EXACT, "$0.000014");
    expect_micros(-14, MONEY_EXACT, "-$0.000014");
    expect_micros(INT64_MIN, MONEY_EXACT, "-$9223372036854.775808");
    expect_cents(1, MONEY_EXACT, "$0.010000");
    char out[MONEY_TEXT_MAX];
    money_format_cost(-1, out, sizeof out);
    assert_string_equal(out, "no price");
    money_format_cost(123, out, sizeof out);
    assert_string_equal(out, "$0.000123");
    money_format_per_mtok(2.5, out, sizeof out);
    assert_string_equal(out, "2.5");
    money_format_per_mtok(-1, out, sizeof out);
    assert_string_equal(out, "-");
    char tiny[4];
    money_format_micros(1250000, MONEY_DOLLARS, tiny, sizeof tiny);
    assert_string_equal(tiny, "$1."); /* truncated, always terminated */
}

static void a_partly_priced_sum_is_a_floor(void **state)
{
    (void)state;
    char out[MONEY_TEXT_MAX];
    money_format_spend(0, 3, MONEY_PLAIN, out, sizeof out);
    assert_string_equal(out, "no price");
    money_format_spend(0, 0, MONEY_PLAIN, out, sizeof out);
    assert_string_equal(out, "0.00");
    money_format_spend(1250000, 1, MONEY_PLAIN, out, sizeof out);
    assert_string_equal(out, "1.25+");
    money_format_spend(17, 1, MONEY_CELL, out, sizeof out);
    assert_string_equal(out, "<$0.01+");
    money_format_spend(INT64_MIN, 1, MONEY_EXACT, out, sizeof out);
    assert_string_equal(out, "-$9223372036854.775808+");
}

static void cents_and_micros_convert_without_overflow(void **state)
{
    (void)state;
    assert_int_equal(money_cents_to_micros(0), 0);
    assert_int_equal(money_cents_to_micros(1), 10000);
    assert_int_equal(money_cents_to_micros(-3), -30000);
    assert_int_equal(money_cents_to_micros(MONEY_CENTS_MAX), 100000000000000LL);
    assert_int_equal(money_cents_to_micros(INT64_MAX / 10000), INT64_MAX / 10000 * 10000);
    assert_int_equal(money_cents_to_micros(INT64_MAX / 10000 + 1), INT64_MAX);
    assert_int_equal(money_cents_to_micros(INT64_MAX), INT64_MAX);
    assert_int_equal(money_cents_to_micros(INT64_MIN / 10000), INT64_MIN / 10000 * 10000);
    assert_int_equal(money_cents_to_micros(INT64_MIN / 10000 - 1), INT64_MIN);
    assert_int_equal(money_cents_to_micros(INT64_MIN), INT64_MIN);
    assert_int_equal(money_micros_to_cents(0), 0);
    assert_int_equal(money_micros_to_cents(4999), 0);
    assert_int_equal(money_micros_to_cents(5000), 1);
    assert_int_equal(money_micros_to_cents(-5000), -1);
    assert_int_equal(money_micros_to_cents(-4999), 0);
    assert_int_equal(money_micros_to_cents(INT64_MAX), 922337203685478LL);
    assert_int_equal(money_micros_to_cents(INT64_MIN), -922337203685478LL);
    assert_true(money_micros_to_usd(1250000) == 1.25);
    assert_true(money_cents_to_usd(1250) == 12.5);
}

static void a_cap_is_reached_at_the_cap(void **state)
{
    (void)state;
    int64_t cap = money_cents_to_micros(1000); /* $10.00 */
    assert_false(money_cap_reached(cap - 1, cap));
    assert_true(money_cap_reached(cap, cap));
    assert_true(money_cap_reached(cap + 1, cap));
    assert_false(money_cap_reached(INT64_MAX, 0)); /* 0: no cap */
    assert_false(money_cap_reached(0, 0));
    assert_false(money_cap_reached(0, 1));
    assert_false(money_cap_reached(INT64_MAX - 1, money_cents_to_micros(INT64_MAX)));
    assert_true(money_cap_share(cap / 2, cap) == 0.5);
    assert_true(money_cap_share(cap, cap) == 1.0);
    assert_true(money_cap_share(cap, 0) == 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(both_entries_take_plain_amounts),
        cmocka_unit_test(a_form_also_takes_what_people_type),
        cmocka_unit_test(both_entries_refuse_the_same_mistakes),
        cmocka_unit_test(prices_parse_as_plain_numbers),
        cmocka_unit_test(two_decimal_styles_round_half_away_from_zero),
        cmocka_unit_test(whole_dollars_drop_their_cents),
        cmocka_unit_test(detail_keeps_a_few_tokens_visible),
        cmocka_unit_test(cells_fit_eight_columns),
        cmocka_unit_test(exact_shows_every_micro),
        cmocka_unit_test(a_partly_priced_sum_is_a_floor),
        cmocka_unit_test(cents_and_micros_convert_without_overflow),
        cmocka_unit_test(a_cap_is_reached_at_the_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
