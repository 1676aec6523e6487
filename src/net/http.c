/* The HTTP layer over libcurl: one-time global init, easy-handle preparation (timeouts, TLS
 * verification, User-Agent, capped body and header capture), transport classification. */
#include "net/http.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/clock.h"
#include "util/text.h"
#include "util/wipe.h"

#define MAX_RESPONSE_HEADERS 256
#define MAX_HEADER_LINE 8192
#define SHARED_MAX_CONNECTIONS 256L /* kept-alive connections in the shared cache */

static pthread_once_t global_init_once = PTHREAD_ONCE_INIT;
static pthread_once_t json_init_once = PTHREAD_ONCE_INIT;

/* The easy path's process-wide caches (like curl_global_init's state, set up once): open
 * connections, DNS answers and TLS sessions shared by every thread's transfers, so a gateway
 * or router calling the same provider reuses a kept-alive connection instead of a new TCP (and
 * TLS) handshake per request. libcurl calls the locks; one mutex per kind of shared data. */
static CURLSH *easy_share;
static pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
/* Each thread's idle easy handle (set up once, like the share): the next transfer on that
 * thread resets and reuses it instead of allocating and configuring a new one (a gateway worker
 * does one after another). Freed when its thread ends (the key's destructor) or by
 * net_thread_release. */
static pthread_key_t idle_easy_key;
static bool idle_easy_ok;

static void idle_easy_free(void *easy)
{
    mm_curl()->easy_cleanup(easy);
}

static void share_lock(CURL *easy, curl_lock_data data, curl_lock_access access, void *ctx)
{
    (void)easy;
    (void)access;
    (void)ctx;
    pthread_mutex_lock(&share_locks[data]);
}

static void share_unlock(CURL *easy, curl_lock_data data, void *ctx)
{
    (void)easy;
    (void)ctx;
    pthread_mutex_unlock(&share_locks[data]);
}

static void share_init(void)
{
    for (size_t i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&share_locks[i], NULL);
    CURLSH *share = mm_curl()->share_init();
    if (share && mm_curl()->share_setopt(share, CURLSHOPT_LOCKFUNC, share_lock) == CURLSHE_OK &&
        mm_curl()->share_setopt(share, CURLSHOPT_UNLOCKFUNC, share_unlock) == CURLSHE_OK &&
        mm_curl()->share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) == CURLSHE_OK &&
        mm_curl()->share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) == CURLSHE_OK &&
        mm_curl()->share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) == CURLSHE_OK) {
        easy_share = share;
        return;
    }
    if (share) /* without a share every transfer opens its own connection: slower, still right */
        mm_curl()->share_cleanup(share);
}

/* libcurl allocates through the wiping functions: a request's Authorization header leaves no
 * copy in freed memory. Its global init sets up its TLS library too (OpenSSL reads its
 * configuration: ~2.2 M instructions). Nothing to set up when libcurl did not load. */
static void global_init(void)
{
    if (!mm_curl()->loaded)
        return;
    mm_curl()->global_init_mem(CURL_GLOBAL_DEFAULT, mm_wipe_malloc, mm_wipe_free, mm_wipe_realloc,
                               mm_wipe_strdup, mm_wipe_calloc);
    share_init();
    idle_easy_ok = pthread_key_create(&idle_easy_key, idle_easy_free) == 0;
}

bool net_global_init(mm_error *err)
{
    /* jansson too (an answer that echoes a key), on the thread that goes on to parse answers */
    pthread_once(&json_init_once, mm_wipe_install_json);
    pthread_once(&global_init_once, global_init);
    return mm_curl_ready(err);
}

void net_global_preload(void)
{
    pthread_once(&global_init_once, global_init);
}

static size_t on_header(char *buf, size_t size, size_t n, void *userdata)
{
    mm_http_response *resp = userdata;
    size_t len = size * n;
    if (len >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
        mm_string_list_free(&resp->headers); /* a new response (100 Continue, proxy CONNECT) */
        return len;
    }
    size_t used = len;
    while (used > 0 && (buf[used - 1] == '\r' || buf[used - 1] == '\n' || buf[used - 1] == ' ' ||
                        buf[used - 1] == '\t'))
        used--;
    if (used == 0 || used > MAX_HEADER_LINE || !memchr(buf, ':', used) ||
        resp->headers.count >= MAX_RESPONSE_HEADERS)
        return len;
    char line[MAX_HEADER_LINE + 1];
    memcpy(line, buf, used);
    line[used] = '\0';
    if (strlen(line) != used) /* a NUL inside a header line: not worth keeping */
        return len;
    return mm_string_list_append(&resp->headers, line) ? len : 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
    mm_http_response *resp = userdata;
    size_t len = size * n;
    if (len > MM_HTTP_BODY_CAP - resp->body_len) {
        resp->too_large = true;
        return CURL_WRITEFUNC_ERROR;
    }
    if (resp->body_len + len + 1 > resp->body_cap) {
        size_t cap = resp->body_cap ? resp->body_cap : 4096;
        while (cap < resp->body_len + len + 1)
            cap *= 2;
        char *grown = mm_wipe_realloc(resp->body, cap); /* no stale copy of an echoed key */
        if (!grown)
            return CURL_WRITEFUNC_ERROR;
        resp->body = grown;
        resp->body_cap = cap;
    }
    memcpy(resp->body + resp->body_len, data, len);
    resp->body_len += len;
    resp->body[resp->body_len] = '\0';
    return len;
}

/* The request's parts as a curl_mime body (kept in resp until the response is freed). */
static bool set_parts(CURL *easy, const mm_http_request *req, mm_http_response *resp)
{
    resp->mime = mm_curl()->mime_init(easy);
    if (!resp->mime)
        return false;
    for (size_t i = 0; i < req->n_parts; i++) {
        const mm_http_part *p = &req->parts[i];
        curl_mimepart *part = mm_curl()->mime_addpart(resp->mime);
        if (!part || mm_curl()->mime_name(part, p->name) != CURLE_OK ||
            mm_curl()->mime_data(part, (const char *)p->data, p->len) != CURLE_OK ||
            (p->filename && mm_curl()->mime_filename(part, p->filename) != CURLE_OK) ||
            (p->content_type && mm_curl()->mime_type(part, p->content_type) != CURLE_OK))
            return false;
    }
    return mm_curl()->easy_setopt(easy, CURLOPT_MIMEPOST, resp->mime) == CURLE_OK;
}

static bool set_method(CURL *easy, const mm_http_request *req, mm_http_response *resp)
{
    const char *method = req->method ? req->method : "GET";
    if (req->n_parts > 0 && !req->body)
        return set_parts(easy, req, resp);
    if (req->body) {
        if (mm_curl()->easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                                   (curl_off_t)strlen(req->body)) ||
            mm_curl()->easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, req->body))
            return false;
        return strcmp(method, "POST") == 0 ||
               mm_curl()->easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method) == CURLE_OK;
    }
    if (strcmp(method, "GET") == 0)
        return mm_curl()->easy_setopt(easy, CURLOPT_HTTPGET, 1L) == CURLE_OK;
    return mm_curl()->easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method) == CURLE_OK;
}

static bool set_headers(CURL *easy, const mm_http_request *req, mm_http_response *resp)
{
    for (size_t i = 0; i < req->headers.count; i++) {
        struct curl_slist *next =
            mm_curl()->slist_append(resp->curl_headers, req->headers.items[i]);
        if (!next)
            return false;
        resp->curl_headers = next;
    }
    struct curl_slist *next = mm_curl()->slist_append(resp->curl_headers, "Expect:");
    if (!next)
        return false;
    resp->curl_headers = next;
    return mm_curl()->easy_setopt(easy, CURLOPT_HTTPHEADER, resp->curl_headers) == CURLE_OK;
}

static bool set_transport(CURL *easy, const mm_http_request *req, mm_http_response *resp)
{
    bool ok = mm_curl()->easy_setopt(easy, CURLOPT_URL, req->url) == CURLE_OK &&
              mm_curl()->easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
              mm_curl()->easy_setopt(easy, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
              mm_curl()->easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, resp->connect_timeout_ms) ==
                  CURLE_OK &&
              mm_curl()->easy_setopt(easy, CURLOPT_TIMEOUT_MS, resp->timeout_ms) == CURLE_OK &&
              mm_curl()->easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
              mm_curl()->easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
              mm_curl()->easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
              mm_curl()->easy_setopt(easy, CURLOPT_USERAGENT, "mmadmin/" MM_VERSION) == CURLE_OK &&
              mm_curl()->easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "") == CURLE_OK &&
              mm_curl()->easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                                     (curl_off_t)MM_HTTP_BODY_CAP) == CURLE_OK &&
              mm_curl()->easy_setopt(easy, CURLOPT_ERRORBUFFER, resp->curl_error) == CURLE_OK;
    if (ok && req->ca_bundle && *req->ca_bundle)
        ok = mm_curl()->easy_setopt(easy, CURLOPT_CAINFO, req->ca_bundle) == CURLE_OK;
    return ok;
}

static bool set_capture(CURL *easy, mm_http_response *resp)
{
    return mm_curl()->easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK &&
           mm_curl()->easy_setopt(easy, CURLOPT_HEADERDATA, resp) == CURLE_OK &&
           mm_curl()->easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
           mm_curl()->easy_setopt(easy, CURLOPT_WRITEDATA, resp) == CURLE_OK;
}

static void use_share(CURL *easy)
{
    if (easy_share) {
        mm_curl()->easy_setopt(easy, CURLOPT_SHARE, easy_share);
        /* the pool's bound (libcurl's default, 5, would close most kept-alive connections of a
         * gateway with dozens of requests in flight) */
        mm_curl()->easy_setopt(easy, CURLOPT_MAXCONNECTS, SHARED_MAX_CONNECTIONS);
    }
}

/* Configures easy (new or reset) for req; cleans it up and returns NULL on failure. */
static CURL *prepare_on(CURL *easy, const mm_http_request *req, mm_http_response *resp,
                        mm_error *err)
{
    memset(resp, 0, sizeof *resp);
    resp->transport_class = MM_CLASS_OK;
    resp->connect_timeout_ms =
        req->connect_timeout_ms > 0 ? req->connect_timeout_ms : MM_HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
    resp->timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : MM_HTTP_DEFAULT_TIMEOUT_MS;
    if (!req->url) {
        mm_curl()->easy_cleanup(easy);
        mm_error_set(err, MM_E_INTERNAL, NULL, "no URL to request");
        return NULL;
    }
    if (!easy) {
        mm_error_set(err, MM_E_INTERNAL, NULL, "could not start an HTTP transfer (libcurl)");
        return NULL;
    }
    if (!set_transport(easy, req, resp) || !set_capture(easy, resp) ||
        !set_headers(easy, req, resp) || !set_method(easy, req, resp)) {
        mm_curl()->easy_cleanup(easy);
        mm_http_response_free(resp);
        mm_error_set(err, MM_E_INTERNAL, NULL,
                     "could not configure the HTTP transfer (out of memory or libcurl lacks "
                     "a feature)");
        return NULL;
    }
    return easy;
}

CURL *net_easy_prepare(const mm_http_request *req, mm_http_response *resp, mm_error *err)
{
    if (!net_global_init(err))
        return NULL;
    return prepare_on(mm_curl()->easy_init(), req, resp, err);
}

CURL *net_easy_prepare_reusing(CURL *easy, const mm_http_request *req, mm_http_response *resp,
                               mm_error *err)
{
    if (!easy)
        return net_easy_prepare(req, resp, err);
    mm_curl()->easy_reset(easy);
    return prepare_on(easy, req, resp, err);
}

/* This thread's idle handle, reset (a new one when it has none): the easy path's transfers. */
static CURL *easy_take(void)
{
    CURL *easy = idle_easy_ok ? pthread_getspecific(idle_easy_key) : NULL;
    if (!easy)
        return mm_curl()->easy_init();
    pthread_setspecific(idle_easy_key, NULL); /* in use: a nested transfer gets its own */
    return easy;
}

/* Keeps easy as this thread's idle handle, reset (no pointer into the finished request or copy
 * of its URL and body stays), or frees it when the thread already has one. */
static void easy_give(CURL *easy)
{
    mm_curl()->easy_reset(easy);
    if (idle_easy_ok && !pthread_getspecific(idle_easy_key) &&
        pthread_setspecific(idle_easy_key, easy) == 0)
        return;
    mm_curl()->easy_cleanup(easy);
}

void net_thread_release(void)
{
    if (!idle_easy_ok)
        return;
    CURL *easy = pthread_getspecific(idle_easy_key);
    pthread_setspecific(idle_easy_key, NULL);
    if (easy)
        mm_curl()->easy_cleanup(easy);
}

/* The easy path's handle for req: this thread's idle one when it has one, sharing the
 * process-wide caches. NULL (err set) on failure. */
static CURL *easy_prepare_shared(const mm_http_request *req, mm_http_response *resp, mm_error *err)
{
    if (!net_global_init(err))
        return NULL;
    CURL *easy = prepare_on(easy_take(), req, resp, err);
    if (easy)
        use_share(easy);
    return easy;
}

static void set_transport_failure(mm_http_response *resp, mm_error_class cls, const char *lead)
{
    char detail[CURL_ERROR_SIZE];
    mm_sanitize(detail, sizeof detail, resp->curl_error, strlen(resp->curl_error));
    resp->transport_class = cls;
    char *msg = resp->transport_message;
    size_t cap = sizeof resp->transport_message;
    mm_copy(msg, cap, lead);
    size_t used = strlen(msg);
    if (detail[0] && used + 4 < cap) {
        msg[used++] = ' ';
        msg[used++] = '(';
        mm_copy(msg + used, cap - used - 1, detail);
        used = strlen(msg);
        msg[used++] = ')';
        msg[used] = '\0';
    }
}

static bool is_tls_error(CURLcode code)
{
    switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
        return true;
    default:
        return false;
    }
}

static void classify_timeout(CURL *easy, mm_http_response *resp)
{
    curl_off_t connect_us = 0;
    mm_curl()->easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connect_us);
    char lead[160];
    if (connect_us == 0 && resp->status == 0)
        snprintf(lead, sizeof lead, "no connection to the server within %ld ms",
                 resp->connect_timeout_ms < resp->timeout_ms ? resp->connect_timeout_ms
                                                             : resp->timeout_ms);
    else
        snprintf(lead, sizeof lead, "the server did not answer completely within %ld ms",
                 resp->timeout_ms);
    set_transport_failure(resp, MM_CLASS_TIMEOUT, lead);
}

static void classify_transport(CURL *easy, CURLcode code, mm_http_response *resp)
{
    if (resp->too_large || code == CURLE_FILESIZE_EXCEEDED) {
        resp->transport_class = MM_CLASS_BAD_RESPONSE;
        snprintf(resp->transport_message, sizeof resp->transport_message,
                 "response too large: the server sent more than %u MiB",
                 MM_HTTP_BODY_CAP / (1024u * 1024u));
    } else if (code == CURLE_OPERATION_TIMEDOUT) {
        classify_timeout(easy, resp);
    } else if (code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY) {
        set_transport_failure(resp, MM_CLASS_NETWORK, "could not resolve the host name (DNS)");
    } else if (code == CURLE_COULDNT_CONNECT) {
        set_transport_failure(resp, MM_CLASS_NETWORK,
                              "could not connect: the connection was refused or the host is "
                              "unreachable");
    } else if (is_tls_error(code)) {
        set_transport_failure(resp, MM_CLASS_NETWORK,
                              "the TLS handshake or certificate verification failed: check that "
                              "the endpoint speaks https and, for a private CA, set the CA "
                              "bundle");
    } else if (code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL) {
        set_transport_failure(resp, MM_CLASS_NETWORK,
                              "the endpoint URL is not a valid http(s) URL");
    } else {
        char lead[160];
        snprintf(lead, sizeof lead, "the connection failed: %s", mm_curl()->easy_strerror(code));
        set_transport_failure(resp, MM_CLASS_NETWORK, lead);
    }
}

void net_easy_finish(CURL *easy, CURLcode code, mm_http_response *resp)
{
    long status = 0;
    curl_off_t total_us = 0;
    mm_curl()->easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    mm_curl()->easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total_us);
    resp->status = status;
    resp->latency_ms = (int64_t)(total_us / 1000);
    if (code == CURLE_OK && !resp->too_large) {
        resp->transport_class = MM_CLASS_OK;
        resp->transport_message[0] = '\0';
        return;
    }
    classify_transport(easy, code, resp);
}

mm_status net_perform(const mm_http_request *req, mm_http_response *resp, mm_error *err)
{
    CURL *easy = easy_prepare_shared(req, resp, err);
    if (!easy)
        return err ? err->status : MM_E_INTERNAL;
    CURLcode code = mm_curl()->easy_perform(easy);
    net_easy_finish(easy, code, resp);
    easy_give(easy);
    return MM_OK;
}

typedef enum stream_cut { STREAM_NOT_CUT, STREAM_NO_FIRST_BYTE, STREAM_STALLED } stream_cut;

typedef struct stream_sink {
    CURL *easy;
    mm_http_response *resp;
    mm_http_chunk_fn on_chunk;
    void *ctx;
    int64_t started_ms;
    int64_t last_byte_ms; /* -1: no body byte yet */
    long first_byte_timeout_ms, idle_timeout_ms;
    stream_cut cut;
} stream_sink;

static size_t on_stream_body(char *data, size_t size, size_t n, void *userdata)
{
    stream_sink *sink = userdata;
    long status = 0;
    sink->last_byte_ms = mm_monotonic_ms();
    mm_curl()->easy_getinfo(sink->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status >= 300)
        return on_body(data, size, n, sink->resp); /* an error body, for the classifier */
    if (sink->resp->first_byte_ms < 0)
        sink->resp->first_byte_ms = mm_monotonic_ms() - sink->started_ms;
    if (!sink->on_chunk(sink->ctx, data, size * n)) {
        sink->resp->stopped = true;
        return CURL_WRITEFUNC_ERROR;
    }
    return size * n;
}

/* libcurl's progress callback: cuts a stream with no first byte within its first-byte timeout
 * or no byte within its idle timeout (non-zero return: CURLE_ABORTED_BY_CALLBACK). */
static int check_stream_timeouts(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                                 curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    stream_sink *sink = userdata;
    int64_t now = mm_monotonic_ms();
    if (sink->last_byte_ms < 0 && now - sink->started_ms > sink->first_byte_timeout_ms)
        sink->cut = STREAM_NO_FIRST_BYTE;
    else if (sink->last_byte_ms >= 0 && now - sink->last_byte_ms > sink->idle_timeout_ms)
        sink->cut = STREAM_STALLED;
    return sink->cut != STREAM_NOT_CUT;
}

/* First-byte and idle timeouts instead of one bound on the whole transfer. */
static void set_stream_timeouts(CURL *easy, stream_sink *sink, long idle_timeout_ms)
{
    sink->first_byte_timeout_ms = sink->resp->timeout_ms;
    sink->idle_timeout_ms = idle_timeout_ms;
    mm_curl()->easy_setopt(easy, CURLOPT_TIMEOUT_MS, 0L);
    mm_curl()->easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, check_stream_timeouts);
    mm_curl()->easy_setopt(easy, CURLOPT_XFERINFODATA, sink);
    mm_curl()->easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
}

static void report_stream_cut(const stream_sink *sink, mm_http_response *resp)
{
    char lead[160];
    if (sink->cut == STREAM_NO_FIRST_BYTE)
        snprintf(lead, sizeof lead, "the stream sent no first byte within %ld ms",
                 sink->first_byte_timeout_ms);
    else
        snprintf(lead, sizeof lead, "the stream stalled: no data for %ld ms",
                 sink->idle_timeout_ms);
    resp->curl_error[0] = '\0';
    set_transport_failure(resp, MM_CLASS_TIMEOUT, lead);
}

mm_status net_perform_stream(const mm_http_request *req, mm_http_response *resp,
                             mm_http_chunk_fn on_chunk, void *ctx, mm_error *err)
{
    CURL *easy = easy_prepare_shared(req, resp, err);
    if (!easy)
        return err ? err->status : MM_E_INTERNAL;
    stream_sink sink = {.easy = easy,
                        .resp = resp,
                        .on_chunk = on_chunk,
                        .ctx = ctx,
                        .started_ms = mm_monotonic_ms(),
                        .last_byte_ms = -1};
    resp->first_byte_ms = -1;
    mm_curl()->easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_stream_body);
    mm_curl()->easy_setopt(easy, CURLOPT_WRITEDATA, &sink);
    if (req->idle_timeout_ms > 0)
        set_stream_timeouts(easy, &sink, req->idle_timeout_ms);
    CURLcode code = mm_curl()->easy_perform(easy);
    net_easy_finish(easy, code, resp);
    if (code == CURLE_ABORTED_BY_CALLBACK && sink.cut != STREAM_NOT_CUT)
        report_stream_cut(&sink, resp);
    if (resp->stopped) { /* the caller stopped it: not a transport failure */
        resp->transport_class = MM_CLASS_OK;
        resp->transport_message[0] = '\0';
    }
    easy_give(easy);
    return MM_OK;
}

static void wipe_string(char *s)
{
    if (s)
        mm_wipe(s, strlen(s));
}

static void wipe_strings(mm_string_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        wipe_string(list->items[i]);
}

void mm_http_request_free(mm_http_request *req)
{
    if (!req)
        return;
    wipe_string(req->url); /* some providers put the key there */
    free(req->url);
    wipe_strings(&req->headers); /* headers hold the key */
    mm_string_list_free(&req->headers);
    free(req->body);
    for (size_t i = 0; i < req->n_parts; i++) {
        free(req->parts[i].name);
        free(req->parts[i].filename);
        free(req->parts[i].content_type);
        free(req->parts[i].data);
    }
    free(req->parts);
    free(req->ca_bundle);
    memset(req, 0, sizeof *req);
}

void mm_http_response_free(mm_http_response *resp)
{
    if (!resp)
        return;
    wipe_strings(&resp->headers); /* a hostile server may echo the key anywhere */
    mm_string_list_free(&resp->headers);
    mm_wipe(resp->body, resp->body_len);
    free(resp->body);
    for (struct curl_slist *h = resp->curl_headers; h; h = h->next)
        wipe_string(h->data); /* libcurl's copy of the request headers */
    if (resp->curl_headers)   /* a response that never went out: libcurl need not be loaded */
        mm_curl()->slist_free_all(resp->curl_headers);
    if (resp->mime)
        mm_curl()->mime_free(resp->mime);
    memset(resp, 0, sizeof *resp);
}

static char *copy_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

bool mm_http_add_part(mm_http_request *req, const char *name, const char *filename,
                      const char *content_type, const void *data, size_t len)
{
    mm_http_part *grown = realloc(req->parts, (req->n_parts + 1) * sizeof *grown);
    if (!grown)
        return false;
    req->parts = grown;
    mm_http_part *p = &grown[req->n_parts];
    memset(p, 0, sizeof *p);
    p->name = strdup(name);
    p->filename = copy_or_null(filename);
    p->content_type = copy_or_null(content_type);
    p->data = malloc(len ? len : 1);
    req->n_parts++; /* freed with the request even when a copy failed */
    if (!p->name || (filename && !p->filename) || (content_type && !p->content_type) || !p->data)
        return false;
    if (len)
        memcpy(p->data, data, len);
    p->len = len;
    return true;
}

const char *mm_http_header(const mm_http_response *resp, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; resp && i < resp->headers.count; i++) {
        const char *line = resp->headers.items[i];
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            return v;
        }
    }
    return NULL;
}

bool mm_http_add_header(mm_http_request *req, const char *name, const char *value)
{
    size_t n = strlen(name), v = strlen(value);
    char *line = malloc(n + v + 3);
    if (!line)
        return false;
    memcpy(line, name, n);
    memcpy(line + n, ": ", 2);
    size_t out = n + 2;
    for (size_t i = 0; i < v; i++) /* no CR/LF: a value can never inject a header */
        if ((unsigned char)value[i] >= 0x20 && value[i] != 0x7F)
            line[out++] = value[i];
    line[out] = '\0';
    bool ok = mm_string_list_append(&req->headers, line);
    mm_wipe(line, out);
    free(line);
    return ok;
}

char *mm_url_escape(const char *s)
{
    if (!net_global_init(NULL))
        return NULL;
    char *escaped = mm_curl()->easy_escape(NULL, s, 0); /* NULL handle: libcurl >= 7.82 */
    char *out = escaped ? strdup(escaped) : NULL;
    mm_curl()->free(escaped);
    return out;
}
