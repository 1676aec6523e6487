/* Unit tests of the text helpers: bounded copy and the terminal sanitizer that every piece of
 * provider text passes through before it is drawn or printed. */
#include "testutil.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(copy_reports_truncation),
        cmocka_unit_test(sanitize_strips_controls_and_escapes),
        cmocka_unit_test(sanitize_replaces_invalid_utf8),
        cmocka_unit_test(sanitize_truncates_on_character_boundary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
