/* Helpers shared by the cmocka unit tests: a fresh temporary directory and catalog address per
 * test (an SQLite file, or a fresh PostgreSQL database under $MM_TEST_DB), and a pinned master
 * key so tests never touch the user's key file. */
#ifndef MM_TESTUTIL_H
#define MM_TESTUTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

/* The backend the catalog tests run on: $MM_TEST_DB, a postgresql:// address or libpq conninfo
 * of a server the harness started (tests/postgres/run.sh, ctest label postgres), else SQLite. */
bool testutil_on_postgres(void);
/* A fresh, empty catalog address for one test: DIR/catalog.db on SQLite; on PostgreSQL the
 * database mmtest_<pid> on $MM_TEST_DB's server (one per test program, so programs may share a
 * server): its tables emptied, ids restarted, when it holds this build's schema, else dropped
 * (with its sessions) and created again. Fails the test when the server refuses. */
void testutil_catalog_address(const char *dir, char *out, size_t outsz);
/* A test about the SQLite file itself (pages, WAL, data_version, query plans, the key file
 * beside it): on PostgreSQL it is reported as skipped with WHY on stderr. */
#define SQLITE_ONLY(why)                                                                           \
    do {                                                                                           \
        if (testutil_on_postgres()) {                                                              \
            fprintf(stderr, "SQLite only: %s\n", why);                                             \
            skip();                                                                                \
        }                                                                                          \
    } while (0)
/* The opposite: a test of what only PostgreSQL does (LISTEN/NOTIFY), skipped on SQLite. */
#define POSTGRES_ONLY(why)                                                                         \
    do {                                                                                           \
        if (!testutil_on_postgres()) {                                                             \
            fprintf(stderr, "PostgreSQL only: %s\n", why);                                         \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

#endif
