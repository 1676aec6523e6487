/* Unit tests of the Provider Health page's pieces: fitting a per-minute series to a width,
 * sparkline glyphs (Unicode, ASCII, TERM=linux) and the figures' formats (never "$0" for what
 * has no price). The router's view of an account is tested in test_router_whatif.c. */
#include "test_catalog_util.h"

#include "pages/health_format.h"
#include "util/clock.h"
#include "util/money.h"
#include "widgets/sparkline.h"

static void fit_pads_the_oldest_side_when_wider(void **state)
{
    (void)state;
    double values[3] = {1, -1, 3}, out[5];
    ui_series_fit(values, 3, 5, UI_SERIES_MAX, out);
    double want[5] = {-1, -1, 1, -1, 3};
    for (int i = 0; i < 5; i++)
        assert_true(out[i] == want[i]);
}

static void fit_merges_neighbours_when_narrower(void **state)
{
    (void)state;
    double values[6] = {1, 2, -1, -1, 5, 0}, out[3];
    ui_series_fit(values, 6, 3, UI_SERIES_SUM, out);
    assert_true(out[0] == 3 && out[1] == -1 && out[2] == 5);
    ui_series_fit(values, 6, 3, UI_SERIES_MAX, out);
    assert_true(out[0] == 2 && out[1] == -1 && out[2] == 5);
}

static void level_keeps_zero_and_small_apart(void **state)
{
    (void)state;
    assert_int_equal(ui_series_level(0, 100, 8), 0);
    assert_int_equal(ui_series_level(0.5, 100, 8), 1);
    assert_int_equal(ui_series_level(100, 100, 8), 7);
    assert_int_equal(ui_series_level(50, 100, 8), 3);
}

static void sparkline_uses_blocks_or_ascii(void **state)
{
    (void)state;
    ui_app app;
    memset(&app, 0, sizeof app);
    double values[4] = {-1, 0, 50, 100};
    char out[64];
    setenv("TERM", "xterm-256color", 1);
    app.utf8 = true;
    ui_sparkline_format(&app, values, 4, 4, UI_SERIES_MAX, 0, out, sizeof out);
    assert_string_equal(out, " ▁▄█");
    app.utf8 = false;
    ui_sparkline_format(&app, values, 4, 4, UI_SERIES_MAX, 0, out, sizeof out);
    assert_string_equal(out, " _-#");
    app.utf8 = true;
    setenv("TERM", "linux", 1); /* the Linux console has no eighth blocks */
    ui_sparkline_format(&app, values, 4, 6, UI_SERIES_MAX, 0, out, sizeof out);
    assert_string_equal(out, "   _-#");
    /* a fixed scale: an error rate of 0.5 is half way whatever the row's maximum */
    double rates[2] = {0.5, 0.5};
    setenv("TERM", "xterm", 1);
    ui_sparkline_format(&app, rates, 2, 2, UI_SERIES_MAX, 1.0, out, sizeof out);
    assert_string_equal(out, "▄▄");
}

static void money_is_never_zero_for_unpriced(void **state)
{
    (void)state;
    char out[32];
    money_format_spend(0, 3, MONEY_DETAIL, out, sizeof out);
    assert_string_equal(out, "no price");
    money_format_spend(0, 0, MONEY_DETAIL, out, sizeof out);
    assert_string_equal(out, "$0.00");
    money_format_spend(17, 0, MONEY_DETAIL, out, sizeof out);
    assert_string_equal(out, "$0.000017");
    money_format_spend(123400, 0, MONEY_DETAIL, out, sizeof out);
    assert_string_equal(out, "$0.1234");
    money_format_spend(12340000, 2, MONEY_DETAIL, out, sizeof out);
    assert_string_equal(out, "$12.34+");
    money_format_cents(2500, MONEY_DOLLARS, out, sizeof out);
    assert_string_equal(out, "$25.00");
    /* table cells: at most 8 columns, a few tokens still visible as non-zero */
    money_format_spend(0, 3, MONEY_CELL, out, sizeof out);
    assert_string_equal(out, "no price");
    money_format_spend(17, 0, MONEY_CELL, out, sizeof out);
    assert_string_equal(out, "<$0.01");
    money_format_spend(0, 0, MONEY_CELL, out, sizeof out);
    assert_string_equal(out, "$0.00");
    money_format_spend(12340000, 2, MONEY_CELL, out, sizeof out);
    assert_string_equal(out, "$12.34+");
    money_format_spend(9999990000LL, 0, MONEY_CELL, out, sizeof out);
    assert_string_equal(out, "$9999.99");
    money_format_spend(123456000000LL, 0, MONEY_CELL, out, sizeof out);
    assert_string_equal(out, "$123456");
}

static void status_has_symbol_word_and_look(void **state)
{
    (void)state;
    ui_app app;
    memset(&app, 0, sizeof app);
    mm_health_figures f;
    memset(&f, 0, sizeof f);
    f.enabled = true;
    f.status = MM_HEALTH_DEGRADED;
    char out[48];
    ui_element el;
    app.utf8 = true;
    health_format_status(&app, &f, out, sizeof out, &el);
    assert_string_equal(out, "▲ degraded");
    assert_int_equal(el, UI_EL_WARN);
    app.utf8 = false;
    f.status = MM_HEALTH_UNREACHABLE;
    health_format_status(&app, &f, out, sizeof out, &el);
    assert_string_equal(out, "x unreachable");
    assert_int_equal(el, UI_EL_BAD);
    f.enabled = false;
    health_format_status(&app, &f, out, sizeof out, &el);
    assert_string_equal(out, "- disabled");
}

static void figures_and_times_read_well(void **state)
{
    (void)state;
    char out[48];
    health_format_ms(-1, out, sizeof out);
    assert_string_equal(out, "-");
    health_format_ms(412.4, out, sizeof out);
    assert_string_equal(out, "412 ms");
    health_format_rate(0.125, 8, out, sizeof out);
    assert_string_equal(out, "12.5%");
    health_format_rate(0, 0, out, sizeof out);
    assert_string_equal(out, "-");
    health_format_countdown(0, 42000, out, sizeof out);
    assert_string_equal(out, "in 42 s");
    health_format_countdown(0, 185000, out, sizeof out);
    assert_string_equal(out, "in 3 min 05 s");
    health_format_countdown(0, 3 * 86400000LL + 7200000, out, sizeof out);
    assert_string_equal(out, "in 3 days 2 h");
    health_format_date(1796083200000LL, out, sizeof out); /* 2026-12-01 00:00 UTC */
    assert_string_equal(out, "2026-12-01");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fit_pads_the_oldest_side_when_wider),
        cmocka_unit_test(fit_merges_neighbours_when_narrower),
        cmocka_unit_test(level_keeps_zero_and_small_apart),
        cmocka_unit_test(sparkline_uses_blocks_or_ascii),
        cmocka_unit_test(money_is_never_zero_for_unpriced),
        cmocka_unit_test(status_has_symbol_word_and_look),
        cmocka_unit_test(figures_and_times_read_well),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
