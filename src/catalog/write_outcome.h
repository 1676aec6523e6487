/* Writes whose COMMIT may have been made without its answer (PostgreSQL: the connection dropped
 * after the COMMIT was sent): what became of one, and a retry that never writes records twice. */
#ifndef MM_CATALOG_WRITE_OUTCOME_H
#define MM_CATALOG_WRITE_OUTCOME_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

/* What became of a failed write's transaction (PostgreSQL's txid_status): not made (write it
 * again), made (its answer was lost: do not), or still running on the server (ask again). */
typedef enum mm_write_outcome {
    MM_WRITE_NOT_DONE = 0,
    MM_WRITE_DONE = 1,
    MM_WRITE_RUNNING = 2
} mm_write_outcome;

/* transaction: the failed write's id as its writer noted it (catalog_admission_flush,
 * catalog_probe_record_retry; 0, and on SQLite: not done, no query). */
mm_status catalog_write_outcome(mm_catalog *cat, int64_t transaction, mm_write_outcome *out,
                                mm_error *err);

/* A batch of records written again after a failure until it is made once, kept by the caller
 * between attempts (zeroed at first; the writer resets it after a success). */
typedef struct mm_write_retry {
    int64_t transaction;  /* the last failed write's (PostgreSQL), 0: none that may be made */
    size_t done;          /* records at the front found written by such a write's COMMIT */
    size_t unsure;        /* how many records (from done on) that write held */
    uint64_t fingerprint; /* of those records: a batch dropped and refilled is not mistaken */
    size_t found;         /* after a success: how many had been written by a lost answer's COMMIT */
} mm_write_retry;

#endif
