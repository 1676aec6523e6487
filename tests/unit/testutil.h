/* Helpers shared by the cmocka unit tests: a fresh temporary directory and catalog path per
 * test, and a pinned master key so tests never touch the user's key file. */
#ifndef MM_TESTUTIL_H
#define MM_TESTUTIL_H

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Creates a new empty directory under $TMPDIR (or /tmp) and returns its path (static buffer
 * per call index is not used: the returned string is heap-allocated; free it). */
char *testutil_tempdir(void);
/* Removes a directory tree created by testutil_tempdir and frees the path. */
void testutil_rmtree(char *dir);
/* Reads a whole file into a heap buffer (NUL-terminated); *len gets the size. NULL on error. */
char *testutil_read_file(const char *path, size_t *len);
/* Sets MM_MASTER_KEY to a fixed test key (base64 of 32 bytes). */
void testutil_set_master_key(void);

#endif
