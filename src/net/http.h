/* The HTTP layer over libcurl shared by the easy path (CLI, router) and the monitor's multi
 * path: request/response values, easy-handle preparation and transport classification. */
#ifndef MM_NET_HTTP_H
#define MM_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "net/curl_lib.h"
#include "util/strlist.h"

#define MM_HTTP_BODY_CAP (16u * 1024u * 1024u) /* larger answers are bad_response */
#define MM_HTTP_DEFAULT_CONNECT_TIMEOUT_MS 5000L
#define MM_HTTP_DEFAULT_TIMEOUT_MS 30000L

/* One multipart/form-data part (sent with libcurl's curl_mime). Owned by its request. */
typedef struct mm_http_part {
    char *name;
    char *filename;     /* NULL: a plain field; else a file part */
    char *content_type; /* NULL: libcurl's default */
    unsigned char *data;
    size_t len;
} mm_http_part;

/* One request. All strings are owned (freed by mm_http_request_free). Header values may carry
 * secrets: never log or display `headers`. */
typedef struct mm_http_request {
    const char *method; /* "GET" or "POST" (static string) */
    char *url;
    mm_string_list headers; /* "Name: value" */
    char *body;             /* NULL for GET */
    mm_http_part *parts;    /* POST multipart/form-data when n_parts > 0 (body then NULL) */
    size_t n_parts;
    long connect_timeout_ms, timeout_ms;
    /* net_perform_stream only: when > 0, timeout_ms bounds the wait for the first body byte
     * and this the longest pause between body bytes after it, with no bound on the whole
     * transfer (a long but live stream is not cut, a stalled one is). 0: timeout_ms bounds the
     * whole transfer. */
    long idle_timeout_ms;
    char *ca_bundle; /* NULL = system store */
} mm_http_request;

typedef struct mm_http_response {
    long status;            /* 0 when no response arrived */
    mm_string_list headers; /* "name: value" of the final response, as received */
    char *body;             /* NUL-terminated (body_len excludes the NUL); NULL if empty */
    size_t body_len;
    int64_t latency_ms;
    mm_error_class transport_class; /* OK when a response arrived; TIMEOUT, NETWORK, or
                                       BAD_RESPONSE ("response too large") otherwise */
    char transport_message[256];
    bool stopped;          /* net_perform_stream: on_chunk asked to stop */
    int64_t first_byte_ms; /* net_perform_stream: time to the first body byte, -1 if none */
    /* internal */
    size_t body_cap;
    bool too_large;
    int64_t started_ms;
    long timeout_ms, connect_timeout_ms;
    struct curl_slist *curl_headers;
    curl_mime *mime; /* the multipart body of the request, freed with the response */
    char curl_error[CURL_ERROR_SIZE];
} mm_http_response;

/* Opens libcurl (net/curl_lib.h) and calls curl_global_init exactly once (thread-safe); every
 * function below calls it. False (err set, MM_E_INTERNAL) when libcurl could not be loaded. */
bool net_global_init(mm_error *err);
/* net_global_init's libcurl part (loading it, curl_global_init and its TLS library's set-up)
 * without jansson's allocator, which another thread may be using: for a helper thread that
 * readies the first transfer while the caller does other work. The next net_global_init waits
 * for it and reports a libcurl that could not be loaded. */
void net_global_preload(void);

/* Configures a new easy handle for req (timeouts, TLS verification always on + CAINFO when
 * ca_bundle, User-Agent "mmadmin/<version>", proxies from the environment, header and body
 * capture into resp with a 16 MiB cap, no signals). resp is reset and must stay at the same
 * address until net_easy_finish. Returns NULL (err set) on failure. The caller owns the handle
 * (curl_easy_cleanup) and still frees resp with mm_http_response_free. */
CURL *net_easy_prepare(const mm_http_request *req, mm_http_response *resp, mm_error *err);
/* The same on a handle kept from an earlier transfer (reset here: none of its options stay,
 * its caches do), or on a new one when easy is NULL: one handle reused for many transfers
 * (the prober's window). On failure easy is cleaned up and NULL returned (err set). */
CURL *net_easy_prepare_reusing(CURL *easy, const mm_http_request *req, mm_http_response *resp,
                               mm_error *err);
/* After the transfer ended with `code`: fills status, latency and the transport class and
 * message (timeout vs network: DNS, refused, TLS). Does not clean up the handle. */
void net_easy_finish(CURL *easy, CURLcode code, mm_http_response *resp);
/* The easy path: prepare, perform, finish, cleanup. Transfers share one process-wide cache of
 * kept-alive connections, DNS answers and TLS sessions (libcurl's CURLSH), so repeated calls to
 * a provider reuse a connection from any thread. Returns MM_OK when the transfer ran (even
 * if it failed: see resp->transport_class); MM_E_INTERNAL only when it could not start. */
mm_status net_perform(const mm_http_request *req, mm_http_response *resp, mm_error *err);
/* net_perform and net_perform_stream keep each thread's easy handle between transfers (reset,
 * reused by its next one) and free it when the thread ends; this frees the calling thread's
 * now (a thread that does no more transfers, e.g. main before exit). */
void net_thread_release(void);

/* Bytes of a streamed 2xx body, as they arrive. Return false to stop the transfer (the client
 * went away): net_perform_stream then reports resp->stopped. */
typedef bool (*mm_http_chunk_fn)(void *ctx, const char *bytes, size_t len);
/* net_perform for a streamed answer: a 2xx body goes to on_chunk (not kept in resp->body); any
 * other status keeps its body (capped as usual) for the error classifier. resp->first_byte_ms
 * is the time to the first body byte (-1 when none came). With req->idle_timeout_ms, a transfer
 * cut for no first byte within timeout_ms or no byte within idle_timeout_ms is a TIMEOUT
 * naming which (checked by libcurl's progress callback: about once a second while idle). Same
 * returns as net_perform. */
mm_status net_perform_stream(const mm_http_request *req, mm_http_response *resp,
                             mm_http_chunk_fn on_chunk, void *ctx, mm_error *err);

void mm_http_request_free(mm_http_request *req);
void mm_http_response_free(mm_http_response *resp);
/* Value of the first header called name (case-insensitive), trimmed; NULL when absent. Points
 * into resp. */
const char *mm_http_header(const mm_http_response *resp, const char *name);

/* Helpers for request builders. */
bool mm_http_add_header(mm_http_request *req, const char *name, const char *value);
/* Appends a multipart part (copies name, filename, content_type and len bytes of data);
 * false on out-of-memory. */
bool mm_http_add_part(mm_http_request *req, const char *name, const char *filename,
                      const char *content_type, const void *data, size_t len);
/* Percent-encodes s for a URL path segment or query value with libcurl (every byte but
 * A-Z a-z 0-9 - . _ ~ becomes %XX); a heap string to free(), NULL on OOM. */
char *mm_url_escape(const char *s);

#endif
