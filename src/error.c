/* Implementation of the mm_error value: setting, clearing and mapping statuses to the CLI's
 * exit codes and to short names. */
#include "error.h"

#include <stdio.h>
#include <string.h>

mm_status mm_error_vset(mm_error *err, mm_status status, const char *field, const char *fmt,
                        va_list ap)
{
    if (!err)
        return status;
    err->status = status;
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return status;
}

mm_status mm_error_set(mm_error *err, mm_status status, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mm_error_vset(err, status, field, fmt, ap);
    va_end(ap);
    return status;
}

void mm_error_clear(mm_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

int mm_status_exit_code(mm_status status)
{
    switch (status) {
    case MM_OK:
        return 0;
    case MM_E_INVALID:
    case MM_E_NOT_FOUND:
    case MM_E_EXISTS:
    case MM_E_IN_USE:
    case MM_E_REFUSED:
        return 2;
    default:
        return 1;
    }
}

const char *mm_status_name(mm_status status)
{
    static const char *const names[] = {
        "ok",     "invalid", "not_found", "exists", "in_use",   "conflict", "readonly",
        "schema", "secret",  "db",        "io",     "provider", "refused",  "internal",
    };
    if ((unsigned)status < sizeof names / sizeof names[0])
        return names[status];
    return "unknown";
}
