/* Unit tests of the table widget's data side: the sort (natural order, stable), the filter
 * narrowing the view as characters are typed, the widest cells kept as rows are added, and a
 * row replaced in place. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "widgets/table.h"

static const ui_column TABLE_COLUMNS[] = {
    {"Name", 4, 30, UI_ALIGN_LEFT, false, false},
    {"Size", 4, 10, UI_ALIGN_RIGHT, false, false},
};

static void fill(ui_table *t, size_t n)
{
    ui_table_begin(t);
    for (size_t i = 0; i < n; i++) {
        char name[32], size[32], key[32];
        snprintf(name, sizeof name, "row-%zu", (i * 7) % n);
        snprintf(size, sizeof size, "%zu", i % 3); /* ties: sorted rows keep their order */
        snprintf(key, sizeof key, "k%zu", i);
        const char *cells[] = {name, size};
        ui_table_add(t, key, cells, NULL);
    }
    ui_table_end(t);
}

static void sorts_in_natural_order_and_keeps_ties_in_order(void **state)
{
    (void)state;
    ui_table t;
    ui_table_init(&t, TABLE_COLUMNS, 2, "row|rows", "none");
    fill(&t, 1000);
    ui_table_handle_key(&t, 's'); /* by Name */
    assert_int_equal(t.nview, 1000);
    for (size_t i = 0; i < t.nview; i++) {
        char want[32];
        snprintf(want, sizeof want, "row-%zu", i); /* row-2 before row-10 */
        assert_string_equal(t.rows[t.view[i]].cells[0].text, want);
    }
    ui_table_handle_key(&t, 's'); /* by Size: 0s, 1s, 2s, each in the rows' order */
    for (size_t i = 1; i < t.nview; i++) {
        int a = atoi(t.rows[t.view[i - 1]].cells[1].text),
            b = atoi(t.rows[t.view[i]].cells[1].text);
        assert_true(a < b || (a == b && t.view[i - 1] < t.view[i]));
    }
    ui_table_free(&t);
}

/* The rows the filter shows, as the full rebuild would find them. */
static size_t count_matching(const ui_table *t, const char *filter)
{
    size_t n = 0;
    for (size_t i = 0; i < t->nrows; i++)
        n += strstr(t->rows[i].cells[0].text, filter) || strstr(t->rows[i].cells[1].text, filter);
    return n;
}

static void typing_a_filter_narrows_the_view_and_backspace_widens_it(void **state)
{
    (void)state;
    ui_table t;
    ui_table_init(&t, TABLE_COLUMNS, 2, "row|rows", "none");
    fill(&t, 1000);
    ui_table_handle_key(&t, 's');
    ui_table_handle_key(&t, '/');
    ui_table_handle_key(&t, '9');
    assert_int_equal(t.nview, count_matching(&t, "9"));
    ui_table_handle_key(&t, '9');
    assert_int_equal(t.nview, count_matching(&t, "99"));
    for (size_t i = 1; i < t.nview; i++) /* still sorted */
        assert_true(t.view[i - 1] != t.view[i]);
    assert_string_equal(t.rows[t.view[0]].cells[0].text, "row-99");
    ui_table_handle_key(&t, 127);
    assert_int_equal(t.nview, count_matching(&t, "9"));
    ui_table_handle_key(&t, UI_KEY_ESC);
    assert_int_equal(t.nview, 1000);
    ui_table_free(&t);
}

static void keeps_the_widest_cell_of_each_column(void **state)
{
    (void)state;
    ui_table t;
    ui_table_init(&t, TABLE_COLUMNS, 2, "row|rows", "none");
    fill(&t, 1000);
    assert_int_equal(t.content_widths[0], (int)strlen("row-999"));
    assert_int_equal(t.content_widths[1], 1);
    fill(&t, 5); /* a reload measures the new rows only */
    assert_int_equal(t.content_widths[0], (int)strlen("row-4"));
    ui_table_free(&t);
}

/* A row replaced in place reads as a reload of the same rows would: the widest cells, the
 * filter and the sort follow, and the selection keeps its key. */
static void a_row_set_in_place_reads_as_a_reload(void **state)
{
    (void)state;
    ui_table t;
    ui_table_init(&t, TABLE_COLUMNS, 2, "row|rows", "none");
    fill(&t, 10);
    const char *wide[] = {"a-much-wider-name", "12345"};
    assert_true(ui_table_set_row(&t, 3, wide, NULL));
    ui_table_update_end(&t);
    assert_int_equal(t.content_widths[0], (int)strlen("a-much-wider-name"));
    assert_int_equal(t.content_widths[1], 5);
    assert_string_equal(t.rows[3].key, "k3");
    const char *narrow[] = {"x", "1"};
    assert_true(ui_table_set_row(&t, 3, narrow, NULL)); /* the widest cell goes: measured again */
    ui_table_update_end(&t);
    assert_int_equal(t.content_widths[0], (int)strlen("row-1"));
    assert_int_equal(t.content_widths[1], 1);
    ui_table_handle_key(&t, '/');
    ui_table_handle_key(&t, 'r');
    ui_table_handle_key(&t, '\n');
    assert_int_equal(t.nview, 9); /* "x" does not match the filter */
    ui_table_select_key(&t, "k5");
    const char *back[] = {"row-x", "0"};
    assert_true(ui_table_set_row(&t, 3, back, NULL));
    ui_table_update_end(&t);
    assert_int_equal(t.nview, 10); /* matches again */
    assert_string_equal(ui_table_selected_key(&t), "k5");
    assert_false(ui_table_set_row(&t, 10, back, NULL)); /* past the last row */
    ui_table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sorts_in_natural_order_and_keeps_ties_in_order),
        cmocka_unit_test(typing_a_filter_narrows_the_view_and_backspace_widens_it),
        cmocka_unit_test(keeps_the_widest_cell_of_each_column),
        cmocka_unit_test(a_row_set_in_place_reads_as_a_reload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
