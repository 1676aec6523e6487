/* Unit tests of the text helpers: bounded copy and the terminal sanitizer that every piece of
 * provider text passes through before it is drawn or printed. */
#include "testutil.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

static void copy_reports_truncation(void **state)
{
    (void)state;
    char buf[4];
    assert_true(mm_copy(buf, sizeof buf, "abc"));
    assert_string_equal(buf, "abc");
    assert_false(mm_copy(buf, sizeof buf, "abcd"));
    assert_string_equal(buf, "abc");
}

static void sanitize_strips_controls_and_escapes(void **state)
{
    (void)state;
    char out[64];
    const char *evil = "bad\x1b[2Jkey\r\n\tnow\x07";
    mm_sanitize(out, sizeof out, evil, strlen(evil));
    assert_null(strchr(out, '\x1b'));
    assert_null(strchr(out, '\r'));
    assert_null(strchr(out, '\a'));
    assert_string_equal(out, "bad [2Jkey now");
}

static void sanitize_replaces_invalid_utf8(void **state)
{
    (void)state;
    char out[64];
    const char bytes[] = "caf\xc3\xa9 \xff\xfe ok \xc2\x9b";
    mm_sanitize(out, sizeof out, bytes, sizeof bytes - 1);
    assert_string_equal(out, "caf\xc3\xa9 ?? ok ??");
}

static void sanitize_truncates_on_character_boundary(void **state)
{
    (void)state;
    char out[5];
    const char *s = "ab\xc3\xa9\xc3\xa9";
    mm_sanitize(out, sizeof out, s, strlen(s));
    assert_string_equal(out, "ab\xc3\xa9");
}

static void text_width_counts_columns(void **state)
{
    (void)state;
    assert_int_equal(mm_text_width(NULL), 0);
    assert_int_equal(mm_text_width("abc"), 3);
    assert_int_equal(mm_text_width("caf\xc3\xa9"), 4); /* one column per character */
    assert_int_equal(mm_text_width("a\xff\xfe"
                                   "b"),
                     4); /* invalid bytes: one each */
    if (setlocale(LC_CTYPE, "C.UTF-8")) {
        assert_int_equal(mm_text_width("\xe6\x97\xa5\xe6\x9c\xac"), 4); /* wide: two each */
        assert_int_equal(mm_text_width("\xe2\x80\xa6"), 1);
        setlocale(LC_CTYPE, "C");
    }
}

static void utf8_next_decodes_and_replaces(void **state)
{
    (void)state;
    const char *p = "\xc3\xa9\xff"
                    "a";
    assert_int_equal(mm_utf8_next(&p), 0xE9);
    assert_int_equal(mm_utf8_next(&p), 0xFFFD);
    assert_int_equal(mm_utf8_next(&p), 'a');
    assert_int_equal(*p, '\0');
}

/* The one policy for format characters: found and named, escaped in provider text. */
static void format_characters_are_named_and_escaped(void **state)
{
    (void)state;
    uint32_t cp = 0;
    size_t at = 0;
    assert_true(mm_is_format_char(0x202E) && mm_is_format_char(0x200B) &&
                mm_is_format_char(0xFEFF) && mm_is_format_char(0x2066) &&
                mm_is_format_char(0x200E) && mm_is_format_char(0xE0041));
    assert_false(mm_is_format_char('a') || mm_is_format_char(0x0301) || mm_is_format_char(0xE9));
    assert_true(mm_find_format_char("ab\xe2\x80\xae"
                                    "c",
                                    &cp, &at));
    assert_int_equal(cp, 0x202E);
    assert_int_equal(at, 2);
    assert_false(mm_find_format_char("caf\xc3\xa9", NULL, NULL));
    char msg[160];
    mm_format_char_problem("description", 0x202E, msg, sizeof msg);
    assert_string_equal(msg, "the description contains U+202E RIGHT-TO-LEFT OVERRIDE, which can "
                             "disguise text; remove it");
    char out[64];
    const char *evil = "a\xe2\x80\xae"
                       "b\xe2\x80\x8b"
                       "c\xe2\x80\xa8";
    mm_sanitize(out, sizeof out, evil, strlen(evil));
    assert_string_equal(out, "a<U+202E>b<U+200B>c<U+2028>");
    /* a joiner inside an emoji sequence stays; after ASCII it is escaped */
    const char *family = "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9 a\xe2\x80\x8d"
                         "b";
    mm_sanitize(out, sizeof out, family, strlen(family));
    assert_string_equal(out, "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9 a<U+200D>b");
    /* an escape is never cut in half */
    char small[6];
    mm_sanitize(small, sizeof small, evil, strlen(evil));
    assert_string_equal(small, "a");
    char *copy = mm_sanitize_copy("\xc2\xad\xc2\xad", 4); /* grows 4x */
    assert_string_equal(copy, "<U+00AD><U+00AD>");
    free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(copy_reports_truncation),
        cmocka_unit_test(sanitize_strips_controls_and_escapes),
        cmocka_unit_test(sanitize_replaces_invalid_utf8),
        cmocka_unit_test(sanitize_truncates_on_character_boundary),
        cmocka_unit_test(text_width_counts_columns),
        cmocka_unit_test(utf8_next_decodes_and_replaces),
        cmocka_unit_test(format_characters_are_named_and_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
