/* util/process.c's end of a finished command (issue 15: `send` no longer runs the libraries'
 * exit handlers): what stdio still holds reaches its files, and the exit status is the code. */
#include "testutil.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/process.h"

#define RETURNED 100 /* a child's status when mm_process_end_at returned: 100 + the code */

/* Runs mm_process_end_at(code, teardown) in a child whose stdout is DIR/out and which left
 * DIR/other open with text in its buffer (and, with full, a stream to /dev/full); the
 * child's exit status. */
static int end_in_child(const char *dir, int code, bool teardown, bool full)
{
    char out[512], other[512];
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(other, sizeof other, "%s/other", dir);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
            _exit(90);
        setvbuf(stdout, NULL, _IOFBF, 1 << 16); /* held until flushed, as for a file or pipe */
        FILE *f = fopen(other, "w");
        FILE *dev_full = full ? fopen("/dev/full", "w") : NULL;
        if (!f || (full && !dev_full))
            _exit(91);
        printf("served by sim\n");
        fprintf(f, "left open\n");
        if (dev_full)
            fprintf(dev_full, "lost\n");
        int returned = mm_process_end_at(code, teardown);
        _exit(RETURNED + returned);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void assert_file(const char *dir, const char *name, const char *want)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t len = 0;
    char *text = testutil_read_file(path, &len);
    assert_non_null(text);
    assert_string_equal(text, want);
    free(text);
}

static void test_flushes_then_exits_with_the_code(void **state)
{
    (void)state;
    char *dir = testutil_tempdir();
    assert_int_equal(end_in_child(dir, 3, false, false), 3); /* not RETURNED + 3: it ended */
    assert_file(dir, "out", "served by sim\n");
    assert_file(dir, "other", "left open\n");
    assert_int_equal(end_in_child(dir, 0, false, false), 0);
    testutil_rmtree(dir);
}

/* A build that checks leaks at exit: the code comes back, and the normal exit flushes. */
static void test_full_teardown_returns_the_code(void **state)
{
    (void)state;
    char *dir = testutil_tempdir();
    assert_int_equal(end_in_child(dir, 2, true, false), RETURNED + 2);
    testutil_rmtree(dir);
}

/* A flush that fails (a full disk: /dev/full) leaves the end to the normal exit. */
static void test_a_failed_flush_returns_the_code(void **state)
{
    (void)state;
    char *dir = testutil_tempdir();
    assert_int_equal(end_in_child(dir, 1, false, true), RETURNED + 1);
    assert_file(dir, "out", "served by sim\n"); /* the other streams were flushed all the same */
    assert_file(dir, "other", "left open\n");
    testutil_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flushes_then_exits_with_the_code),
        cmocka_unit_test(test_full_teardown_returns_the_code),
        cmocka_unit_test(test_a_failed_flush_returns_the_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
