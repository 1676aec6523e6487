/* util/process.c's idle-CPU rule (issue 15: send loads libcurl on a second thread only when a CPU
 * is likely free): the load average plus the thread itself must fit the CPUs. */
#include "testutil.h"

#include "util/process.h"

static void test_rule(void **state)
{
    (void)state;
    assert_true(mm_process_core_idle_at(0.0, 2));
    assert_true(mm_process_core_idle_at(0.9, 2));
    assert_true(mm_process_core_idle_at(1.0, 2)); /* one CPU busy on average, one free */
    assert_false(mm_process_core_idle_at(1.01, 2));
    assert_false(mm_process_core_idle_at(15.0, 2)); /* six helpers on two CPUs */
    assert_false(mm_process_core_idle_at(0.0, 1));  /* one CPU: the thread would wait for it */
    assert_true(mm_process_core_idle_at(6.5, 8));
    assert_false(mm_process_core_idle_at(-1.0, 4)); /* not a load average */
    assert_false(mm_process_core_idle_at(0.0, 0));
}

/* The reader runs on this machine's /proc either way (its answer depends on the load now). */
static void test_reads_this_machine(void **state)
{
    (void)state;
    (void)mm_process_core_idle(); /* no crash, no sanitizer report: /proc and the affinity read */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule),
        cmocka_unit_test(test_reads_this_machine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
