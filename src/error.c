/* Implementation of the mm_error value: setting, clearing and mapping statuses to the CLI's
 * exit codes and to short names; the names and hints of the provider error classes. */
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

typedef struct class_entry {
    const char *name;
    const char *hint;
    const char *brief; /* a table cell's few words */
} class_entry;

static const class_entry CLASSES[MM_CLASS_COUNT] = {
    [MM_CLASS_OK] = {"ok", "No action needed.", "ok"},
    [MM_CLASS_AUTH] = {"auth",
                       "Check the API key: re-enter it, and check that it belongs "
                       "to this provider and endpoint.",
                       "key refused"},
    [MM_CLASS_QUOTA] = {"quota",
                        "The account is out of credit or hit its spend limit: add "
                        "credit or raise the limit in the provider's console; "
                        "retrying soon will not help.",
                        "out of credit"},
    [MM_CLASS_RATE_LIMITED] = {"rate_limited",
                               "The provider is rate limiting this key: wait "
                               "for the retry-after, or lower this account's "
                               "requests/min and tokens/min.",
                               "rate limited"},
    [MM_CLASS_OVERLOADED] = {"overloaded",
                             "The provider is overloaded: retry later, or let "
                             "the fallback chain use another target.",
                             "overloaded"},
    [MM_CLASS_SERVER] = {"server",
                         "The provider had an internal error: retry later; if it "
                         "persists, check the provider's status page.",
                         "server error"},
    [MM_CLASS_TIMEOUT] = {"timeout",
                          "No answer in time: check the endpoint and the network, "
                          "or raise the timeout.",
                          "no answer in time"},
    [MM_CLASS_NETWORK] = {"network",
                          "Could not reach the provider: check the endpoint URL, "
                          "DNS, proxy settings and TLS (CA bundle).",
                          "no connection"},
    [MM_CLASS_BAD_REQUEST] = {"bad_request",
                              "The provider refused the request: check the "
                              "model or deployment name and the API version.",
                              "request refused"},
    [MM_CLASS_BAD_RESPONSE] = {"bad_response",
                               "The answer is not the provider's API: check "
                               "the endpoint (a proxy or a wrong URL may be in "
                               "the way).",
                               "not the API"},
};

const char *mm_error_class_name(mm_error_class cls)
{
    return (unsigned)cls < MM_CLASS_COUNT ? CLASSES[cls].name : "unknown";
}

mm_error_class mm_error_class_parse(const char *name)
{
    if (!name)
        return MM_CLASS_COUNT;
    for (int i = 0; i < MM_CLASS_COUNT; i++)
        if (strcmp(CLASSES[i].name, name) == 0)
            return (mm_error_class)i;
    return MM_CLASS_COUNT;
}

const char *mm_error_class_short(mm_error_class cls)
{
    return (unsigned)cls < MM_CLASS_COUNT ? CLASSES[cls].brief : "failed";
}

const char *mm_error_class_hint(mm_error_class cls)
{
    return (unsigned)cls < MM_CLASS_COUNT ? CLASSES[cls].hint : "";
}

bool mm_error_class_is_request_outcome(mm_error_class cls, int http_status)
{
    return cls == MM_CLASS_BAD_REQUEST && http_status != 408;
}

const char *mm_error_message_after_class(const char *message, const char *class_name)
{
    size_t n = strlen(class_name);
    if (n && strncmp(message, class_name, n) == 0 && message[n] == ':' && message[n + 1] == ' ')
        return message + n + 2;
    return message;
}

const char *mm_error_class_list_hint(mm_error_class cls, long http_status)
{
    if (cls == MM_CLASS_BAD_REQUEST && http_status == 404)
        return "Listing the models found no such path: check the base URL (a typo in its path?).";
    if (cls == MM_CLASS_BAD_REQUEST)
        return "The provider refused to list the models: check the base URL and the API version.";
    return mm_error_class_hint(cls);
}
