/* Unit tests of the form field's text: insertion by code point in typed order, grapheme-aware
 * cursor moves (a zero-width character goes with the one before it), deletion and columns. */
#include "testutil.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "widgets/field_text.h"

static void type(ui_field_text *t, const uint32_t *cps, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_true(ui_field_text_insert(t, cps[i]));
}

static void assert_text(const ui_field_text *t, const char *want)
{
    char *got = ui_field_text_utf8(t);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void keeps_typed_order_with_format_and_combining_characters(void **state)
{
    (void)state;
    ui_field_text t;
    ui_field_text_init(&t, 63);
    const uint32_t bidi[] = {'a', 0x202E, 'b', 0x200B, 'c'};
    type(&t, bidi, 5);
    assert_text(&t, "a\xe2\x80\xae"
                    "b\xe2\x80\x8b"
                    "c");
    ui_field_text_clear(&t);
    const uint32_t acute[] = {'p', 0x0301, 'q'};
    type(&t, acute, 3);
    assert_text(&t, "p\xcc\x81q");
    ui_field_text_free(&t);
}

static void moves_by_grapheme_and_deletes_by_code_point(void **state)
{
    (void)state;
    ui_field_text t;
    ui_field_text_init(&t, 63);
    const uint32_t acute[] = {'p', 0x0301, 'q'};
    type(&t, acute, 3);
    ui_field_text_left(&t); /* before q */
    assert_int_equal(t.cursor, 2);
    ui_field_text_left(&t); /* before p + acute, never between them */
    assert_int_equal(t.cursor, 0);
    ui_field_text_right(&t);
    assert_int_equal(t.cursor, 2);
    ui_field_text_insert(&t, 'x');
    assert_text(&t, "p\xcc\x81xq");
    ui_field_text_home(&t);
    ui_field_text_delete(&t); /* the letter and its mark */
    assert_text(&t, "xq");
    ui_field_text_end(&t);
    ui_field_text_insert(&t, 'e');
    ui_field_text_insert(&t, 0x0301);
    ui_field_text_backspace(&t); /* undoes the accent alone */
    assert_text(&t, "xqe");
    ui_field_text_home(&t);
    ui_field_text_right(&t);
    ui_field_text_kill_to_end(&t);
    assert_text(&t, "x");
    ui_field_text_free(&t);
}

static void refuses_past_its_limit_and_measures_columns(void **state)
{
    (void)state;
    ui_field_text t;
    ui_field_text_init(&t, 3);
    ui_field_text_set(&t, "abcdef");
    assert_int_equal(t.len, 3);
    assert_false(ui_field_text_insert(&t, 'z'));
    ui_field_text_set(&t, "a\xe2\x80\xae");
    assert_int_equal(ui_field_text_columns(&t, 0, t.len), 1 + 8); /* "a<U+202E>" */
    assert_int_equal(ui_field_text_cp_columns(0x0301), 0);
    assert_int_equal(ui_field_text_cp_columns(0x65E5), 2);
    ui_field_text_free(&t);
    ui_field_text_init(&t, 100);
    for (int i = 0; i < 30; i++)
        ui_field_text_insert(&t, 'a' + i % 26);
    ui_field_text_scroll_to_cursor(&t, 10);
    assert_true(ui_field_text_columns(&t, t.scroll, t.cursor) <= 9);
    ui_field_text_home(&t);
    ui_field_text_scroll_to_cursor(&t, 10);
    assert_int_equal(t.scroll, 0);
    ui_field_text_free(&t);
}

int main(void)
{
    setlocale(LC_CTYPE, "C.UTF-8"); /* wcwidth of marks and wide characters */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keeps_typed_order_with_format_and_combining_characters),
        cmocka_unit_test(moves_by_grapheme_and_deletes_by_code_point),
        cmocka_unit_test(refuses_past_its_limit_and_measures_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
