/* Helpers shared by the provider unit tests: canned bodies from tests/data/providers, canned
 * HTTP responses, connections per provider, and a check that text is terminal-safe. */
#ifndef MM_TEST_PROVIDER_UTIL_H
#define MM_TEST_PROVIDER_UTIL_H

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/http.h"
#include "providers/provider_ops.h"

/* Reads tests/data/providers/<rel> (NUL-terminated heap copy); fails the test if missing. */
static inline char *tp_load(const char *rel, size_t *len)
{
    const char *root = getenv("MM_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/providers/%s", root ? root : "tests/data", rel);
    size_t n = 0;
    char *body = testutil_read_file(path, &n);
    if (!body)
        fail_msg("missing test data %s", path);
    if (len)
        *len = n;
    return body;
}

/* A response as if received: status, a body (taken), and "Name: value" headers. */
static inline void tp_response(mm_http_response *resp, long status, char *body, size_t len,
                               const char *const *headers)
{
    memset(resp, 0, sizeof *resp);
    resp->status = status;
    resp->body = body;
    resp->body_len = len;
    resp->latency_ms = 42;
    resp->transport_class = MM_CLASS_OK;
    for (size_t i = 0; headers && headers[i]; i++)
        assert_true(mm_string_list_append(&resp->headers, headers[i]));
}

static inline void tp_response_file(mm_http_response *resp, long status, const char *rel,
                                    const char *const *headers)
{
    size_t len = 0;
    char *body = rel ? tp_load(rel, &len) : NULL;
    tp_response(resp, status, body, len, headers);
}

static inline mm_connection tp_conn(const char *provider_id, const char *base_url, const char *key)
{
    const mm_provider_info *p = provider_find(provider_id);
    assert_non_null(p);
    mm_connection conn = {.provider = p, .base_url = base_url, .api_key = key};
    return conn;
}

/* True when s is valid UTF-8 without control characters (what mm_sanitize guarantees). */
static inline bool tp_terminal_safe(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x20 || *p == 0x7F)
            return false;
        size_t n = *p < 0x80         ? 1
                   : (*p >> 5) == 6  ? 2
                   : (*p >> 4) == 14 ? 3
                   : (*p >> 3) == 30 ? 4
                                     : 0;
        if (n == 0)
            return false;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xC0) != 0x80)
                return false;
        p += n;
    }
    return true;
}

static inline bool tp_has_header(const mm_http_request *req, const char *prefix)
{
    for (size_t i = 0; i < req->headers.count; i++)
        if (strncasecmp(req->headers.items[i], prefix, strlen(prefix)) == 0)
            return true;
    return false;
}

#endif
