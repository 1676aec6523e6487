/* Unit tests of secret redaction: the whole key becomes its hint, any run of 8+ of its bytes
 * becomes [redacted], shorter runs stay, and a long answer is scanned quickly. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "util/redact.h"

static const char *const KEY = "sk-proj-ABCDEFGHIJKLmnopqrstuv";

static char *redacted(const char *text)
{
    char *out = mm_redact_copy(text, strlen(text), KEY, NULL);
    assert_non_null(out);
    return out;
}

static void whole_key_becomes_its_hint(void **state)
{
    (void)state;
    char *out = redacted("Incorrect API key provided: sk-proj-ABCDEFGHIJKLmnopqrstuv. Go.");
    assert_string_equal(out, "Incorrect API key provided: sk-\xe2\x80\xa6stuv. Go.");
    free(out);
}

static void any_run_of_eight_is_redacted(void **state)
{
    (void)state;
    char *out = redacted("piece GHIJKLmnop here, and 7 bytes ABCDEFG stay, twice GHIJKLmnopq");
    assert_string_equal(out, "piece [redacted] here, and 7 bytes ABCDEFG stay, twice [redacted]");
    free(out);
    out = redacted("ft-sk-proj-ABCDEFGHIJKLmnopqrstuvXYZ"); /* the key then more */
    assert_string_equal(out, "ft-sk-\xe2\x80\xa6stuvXYZ");
    free(out);
}

static void fixed_buffer_is_redacted_in_place(void **state)
{
    (void)state;
    char buf[24] = "id: HIJKLmnopqrs!";
    assert_true(mm_redact(buf, sizeof buf, KEY));
    assert_string_equal(buf, "id: [redacted]!");
    char small[12] = "x sk-proj-A";
    assert_true(mm_redact(small, sizeof small, KEY));
    assert_string_equal(small, "x [redacted");
    assert_true(mm_redact(small, sizeof small, NULL)); /* no key: unchanged */
}

static void short_keys_match_whole_only(void **state)
{
    (void)state;
    char *out = mm_redact_copy("a abcde b abcd", 14, "abcde", NULL);
    assert_string_equal(out, "a abc\xe2\x80\xa6"
                             "bcde b abcd");
    free(out);
    bool changed = true;
    out = mm_redact_copy("abc", 3, "abc", &changed); /* under 4 bytes: nothing */
    assert_string_equal(out, "abc");
    assert_false(changed);
    free(out);
}

static void long_answer_is_scanned(void **state)
{
    (void)state;
    size_t n = 8u * 1024 * 1024;
    char *text = malloc(n + 1);
    assert_non_null(text);
    for (size_t i = 0; i < n; i++)
        text[i] = "sk-projABCD"[i % 11];
    memcpy(text + n / 2, "MNOPQRSTU", 9); /* no run of the key: only 7 bytes "mnopqrs" differ */
    memcpy(text + n - 20, "mnopqrstuv", 10);
    text[n] = '\0';
    bool changed = false;
    char *out = mm_redact_copy(text, n, KEY, &changed);
    assert_true(changed);
    assert_null(strstr(out, "mnopqrstuv"));
    assert_non_null(strstr(out, "[redacted]"));
    free(out);
    free(text);
}

static void address_redacted(const char *address, const char *want)
{
    char out[256];
    mm_redact_address(address, out, sizeof out);
    assert_string_equal(out, want);
}

static void catalog_address_loses_its_password(void **state)
{
    (void)state;
    address_redacted("postgresql://admin:s3cret@db.internal:5432/mm?sslmode=require",
                     "postgresql://admin:***@db.internal:5432/mm?sslmode=require");
    address_redacted("postgres://a%40b:p@ss@host/db", "postgres://a%40b:***@host/db");
    address_redacted("postgresql://admin@host/db?password=s3cret&sslmode=verify-full",
                     "postgresql://admin@host/db?password=***&sslmode=verify-full");
    address_redacted("postgresql://admin@/mm?host=/tmp/pg", "postgresql://admin@/mm?host=/tmp/pg");
    address_redacted("host=db user=admin password=s3cret dbname=mm",
                     "host=db user=admin password=*** dbname=mm");
    address_redacted("host=db password = 'it\\'s a \\\\ secret' dbname=mm",
                     "host=db password = *** dbname=mm");
    address_redacted("service=catalog", "service=catalog");
    address_redacted("/home/me/.local/share/mechamental/catalog.db",
                     "/home/me/.local/share/mechamental/catalog.db");
    char small[12];
    mm_redact_address("postgresql://u:pw@h/d", small, sizeof small);
    assert_string_equal(small, "postgresql:");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(whole_key_becomes_its_hint),
        cmocka_unit_test(any_run_of_eight_is_redacted),
        cmocka_unit_test(fixed_buffer_is_redacted_in_place),
        cmocka_unit_test(short_keys_match_whole_only),
        cmocka_unit_test(long_answer_is_scanned),
        cmocka_unit_test(catalog_address_loses_its_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
