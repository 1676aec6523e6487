/* The error value every core call fills: a status, the form field it concerns (if any) and a
 * message a person can act on; and the class vocabulary for a failed provider call. */
#ifndef MM_ERROR_H
#define MM_ERROR_H

#include <stdarg.h>
#include <stdbool.h>

typedef enum mm_status {
    MM_OK = 0,
    MM_E_INVALID,   /* input refused by a rule (bad name, bad URL, limit out of range) */
    MM_E_NOT_FOUND, /* the named thing does not exist */
    MM_E_EXISTS,    /* a unique name is taken */
    MM_E_IN_USE,    /* refused because something depends on it (targets use the account) */
    MM_E_CONFLICT,  /* the row changed since the caller read it (row version mismatch) */
    MM_E_READONLY,  /* the catalog is opened read-only */
    MM_E_SCHEMA,    /* the catalog was written by a newer mmadmin, or is not a catalog */
    MM_E_SECRET,    /* master key missing or wrong, or a secret cannot be decrypted */
    MM_E_DB,        /* SQLite failed (I/O, locked past the busy timeout, corrupt) */
    MM_E_IO,        /* a file could not be read or written */
    MM_E_PROVIDER,  /* a provider call failed (the message carries the class) */
    MM_E_REFUSED,   /* the router refused the request (no entitlement, limit reached) */
    MM_E_INTERNAL   /* out of memory or a broken invariant */
} mm_status;

typedef struct mm_error {
    mm_status status;
    char field[32];    /* the input field concerned ("name", "endpoint", "rpm"), or "" */
    char message[512]; /* complete sentence(s) saying what is wrong and how to fix it */
} mm_error;

/* Sets err (if not NULL) and returns status, so callers can `return mm_error_set(...)`. */
mm_status mm_error_set(mm_error *err, mm_status status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
mm_status mm_error_vset(mm_error *err, mm_status status, const char *field, const char *fmt,
                        va_list ap);
void mm_error_clear(mm_error *err);
/* Exit code for the CLI: 0 ok, 2 bad usage or input refused by a rule, 1 otherwise. */
int mm_status_exit_code(mm_status status);
const char *mm_status_name(mm_status status);

/* One vocabulary for adapters, router, health and UI (PROVIDERS.md, "Error classes"). */
typedef enum mm_error_class {
    MM_CLASS_OK = 0,
    MM_CLASS_AUTH,
    MM_CLASS_QUOTA,
    MM_CLASS_RATE_LIMITED,
    MM_CLASS_OVERLOADED,
    MM_CLASS_SERVER,
    MM_CLASS_TIMEOUT,
    MM_CLASS_NETWORK,
    MM_CLASS_BAD_REQUEST,
    MM_CLASS_BAD_RESPONSE,
    MM_CLASS_COUNT
} mm_error_class;

const char *mm_error_class_name(mm_error_class cls); /* "ok", "auth", "rate_limited", ... */
/* Parses a class name; returns MM_CLASS_COUNT when unknown. */
mm_error_class mm_error_class_parse(const char *name);
/* A few words for a table cell: what went wrong ("key refused", "no connection"). */
const char *mm_error_class_short(mm_error_class cls);
/* One sentence telling an admin what to do about this class ("check the API key ..."). */
const char *mm_error_class_hint(mm_error_class cls);
/* Whether a failure is the request's own outcome, not the account's fault: class bad_request
 * (400, 404, 422, a content-filter block) except a 408 timeout. Such an answer goes back to the
 * caller and never counts against health, the error rate or a cool-down (docs/router.md). */
bool mm_error_class_is_request_outcome(mm_error_class cls, int http_status);
/* message without a leading "class_name: " (provider messages start with their class, so
 * "auth: auth: Unauthorized" is not shown where the class is already said). */
const char *mm_error_message_after_class(const char *message, const char *class_name);
/* The same for a failed list-models call (Test Connection), which names no model: a refusal
 * (HTTP 404 above all) points at the base URL and the API version instead. */
const char *mm_error_class_list_hint(mm_error_class cls, long http_status);

#endif
