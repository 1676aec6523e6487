/* Unit tests of util/hash_index, the one hash map of the core: finding what was added, missing
 * keys, growth past many entries, colliding hashes and the pair hash. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "util/hash_index.h"

static bool name_matches(const void *data, size_t position, const void *key)
{
    const char(*names)[16] = data;
    return strcmp(names[position], key) == 0;
}

static void finds_what_was_added_and_nothing_else(void **state)
{
    (void)state;
    const char names[3][16] = {"alpha", "beta", "gamma"};
    mm_hash_index index = {0};
    assert_int_equal(
        mm_hash_index_find(&index, mm_hash_string("alpha"), "alpha", name_matches, names), -1);
    for (size_t i = 0; i < 3; i++)
        assert_true(mm_hash_index_add(&index, mm_hash_string(names[i]), i));
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(
            mm_hash_index_find(&index, mm_hash_string(names[i]), names[i], name_matches, names),
            (long)i);
    assert_int_equal(
        mm_hash_index_find(&index, mm_hash_string("delta"), "delta", name_matches, names), -1);
    mm_hash_index_free(&index);
    assert_int_equal(index.capacity, 0);
}

static void grows_and_keeps_every_entry(void **state)
{
    (void)state;
    enum { N = 5000 };
    static char names[N][16];
    mm_hash_index index = {0};
    for (size_t i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "account-%zu", i);
        assert_true(mm_hash_index_add(&index, mm_hash_string(names[i]), i));
    }
    assert_int_equal(index.count, N);
    assert_true(index.capacity >= 2 * N);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(
            mm_hash_index_find(&index, mm_hash_string(names[i]), names[i], name_matches, names),
            (long)i);
    mm_hash_index_free(&index);
}

static void colliding_hashes_are_told_apart_by_the_key(void **state)
{
    (void)state;
    const char names[4][16] = {"a", "b", "c", "d"};
    mm_hash_index index = {0};
    assert_true(mm_hash_index_reserve(&index, 4));
    size_t capacity = index.capacity;
    for (size_t i = 0; i < 4; i++)
        assert_true(mm_hash_index_add(&index, 7u, i)); /* one hash for all */
    assert_int_equal(index.capacity, capacity);        /* reserve made room */
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(mm_hash_index_find(&index, 7u, names[i], name_matches, names), (long)i);
    assert_int_equal(mm_hash_index_find(&index, 7u, "e", name_matches, names), -1);
    mm_hash_index_free(&index);
}

static void hashes_are_stable_and_spread(void **state)
{
    (void)state;
    assert_int_equal(mm_hash_string(""), 2166136261u); /* FNV-1a offset basis */
    assert_int_equal(mm_hash_string("a"), 0xe40c292cu);
    assert_int_not_equal(mm_hash_pair(1, 2), mm_hash_pair(2, 1));
    assert_int_not_equal(mm_hash_pair(0, 1), mm_hash_pair(0, 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_what_was_added_and_nothing_else),
        cmocka_unit_test(grows_and_keeps_every_entry),
        cmocka_unit_test(colliding_hashes_are_told_apart_by_the_key),
        cmocka_unit_test(hashes_are_stable_and_spread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
