/* The gateway's HTTP side on libmicrohttpd: listening (TLS optional), bounded bodies, headers
 * and connections, the request dispatcher (routes, workspace-key authentication, the /metrics
 * mount point), responses in the OpenAI error shape, counters, and draining on stop. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gateway/gw_internal.h"
#include "metrics/counters.h"
#include "net/httpd_lib.h"
#include "util/clock.h"

#define DEFAULT_MAX_BODY (4u * 1024 * 1024)
#define DEFAULT_MAX_HEADER (16u * 1024)
/* libmicrohttpd's own refusal of headers over its per-connection memory is an HTML 431: the
 * memory is this many times max_header_bytes, and on_request answers a request whose headers
 * are over max_header_bytes itself (431 in the OpenAI error shape). */
#define HEADER_MEMORY_FACTOR 4
#define DEFAULT_MAX_CONNECTIONS 256
#define DEFAULT_MAX_UPSTREAM 32
#define DEFAULT_ATTEMPT_MS 30000
#define DEFAULT_STREAM_IDLE_MS 30000
#define DEFAULT_REQUEST_MS 120000
#define DEFAULT_REFRESH_MS 200
#define IDLE_TIMEOUT_S 60
#define PEM_MAX (1024 * 1024)
#define STREAM_STOP_MS 5000 /* how long a stopping gateway waits for cut streams to record */

typedef struct gw_request {
    int64_t started_us;
    char *body;
    size_t len, cap;
    bool too_large;
    bool headers_too_large; /* request line and headers over gw_options.max_header_bytes */
    int status;             /* the status answered, for the counters */
} gw_request;

/* ---- responses ---- */

void gw_response_header(gw_response *resp, const char *name, const char *value)
{
    if (resp->n_headers >= sizeof resp->headers / sizeof resp->headers[0])
        return;
    snprintf(resp->headers[resp->n_headers][0], sizeof resp->headers[0][0], "%s", name);
    snprintf(resp->headers[resp->n_headers][1], sizeof resp->headers[0][1], "%s", value);
    resp->n_headers++;
}

void gw_response_json(gw_response *resp, int status, json_t *json)
{
    free(resp->body);
    resp->status = status;
    resp->body = json ? json_dumps(json, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;
    resp->body_len = resp->body ? strlen(resp->body) : 0;
    resp->content_type = "application/json";
    json_decref(json);
    if (!resp->body) {
        resp->status = 500;
        resp->body = strdup("{\"error\":{\"message\":\"out of memory\",\"type\":\"server_error\","
                            "\"code\":null}}");
        resp->body_len = resp->body ? strlen(resp->body) : 0;
    }
}

void gw_response_error(gw_response *resp, int status, const char *type, const char *code,
                       const char *message)
{
    gw_response_error_param(resp, status, type, code, NULL, message);
}

void gw_response_error_param(gw_response *resp, int status, const char *type, const char *code,
                             const char *param, const char *message)
{
    json_t *error = json_pack("{s:s, s:s, s:o}", "message", message, "type", type, "code",
                              code ? json_string(code) : json_null());
    if (error && param)
        json_object_set_new(error, "param", json_string(param));
    gw_response_json(resp, status, json_pack("{s:o}", "error", error));
}

/* ---- dispatch ---- */

typedef void (*gw_handler)(gw_call *call, gw_response *resp);

typedef struct gw_route {
    const char *method, *path;
    gw_handler handler;
} gw_route;

static const gw_route ROUTES[] = {
    {"GET", "/v1/models", gw_openai_models},
    {"POST", "/v1/chat/completions", gw_openai_chat},
    {"POST", "/v1/embeddings", gw_openai_embeddings},
    {"POST", "/v1/images/generations", gw_media_images},
    {"POST", "/v1/audio/transcriptions", gw_media_transcriptions},
    {"POST", "/v1/audio/speech", gw_media_speech},
};

static const char *bearer_token(struct MHD_Connection *connection)
{
    const char *auth = mm_httpd()->lookup_connection_value(connection, MHD_HEADER_KIND,
                                                           MHD_HTTP_HEADER_AUTHORIZATION);
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
        return NULL;
    auth += 7;
    while (*auth == ' ')
        auth++;
    return auth;
}

static void run_authenticated(gateway *gw, const gw_route *route, struct MHD_Connection *connection,
                              const gw_request *r, gw_response *resp)
{
    const char *token = bearer_token(connection);
    gw_view *view = gw_view_acquire(gw);
    const gw_key *key = token ? gw_view_authenticate(gw, view, token) : NULL;
    if (!token)
        gw_response_error(resp, 401, "invalid_request_error", "missing_api_key",
                          "no API key: send a workspace key as 'Authorization: Bearer KEY' "
                          "(create one with: mmadmin workspace key add WORKSPACE)");
    else if (!key)
        gw_response_error(resp, 401, "invalid_request_error", "invalid_api_key",
                          "the API key is unknown, revoked or expired; ask an admin for a "
                          "workspace key (mmadmin workspace key list)");
    else {
        gw_call call = {.gw = gw,
                        .connection = connection,
                        .view = view,
                        .key = key,
                        .body = r->body ? r->body : "",
                        .body_len = r->len};
        route->handler(&call, resp);
    }
    if (resp->status == 401)
        gw_response_header(resp, "WWW-Authenticate", "Bearer");
    gw_view_release(view);
}

static void dispatch(gateway *gw, struct MHD_Connection *connection, const char *method,
                     const char *url, gw_request *r, gw_response *resp)
{
    if (r->headers_too_large) {
        char msg[160];
        snprintf(msg, sizeof msg, "the request line and headers are over %zu bytes",
                 gw->opts.max_header_bytes);
        gw_response_error(resp, 431, "invalid_request_error", "request_header_too_large", msg);
        return;
    }
    /* GET /metrics (gw_metrics.c renders src/metrics' exposition with this gateway's
     * figures): unauthenticated, like every scrape target; 404 unless gw_options.metrics. */
    if (gw->opts.metrics && strcmp(url, "/metrics") == 0 && strcmp(method, "GET") == 0) {
        gw_metrics_serve(gw, resp);
        return;
    }
    if (strcmp(url, "/healthz") == 0) {
        gw_response_json(resp, 200, json_pack("{s:s}", "status", "ok"));
        return;
    }
    bool path_known = false;
    for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++) {
        if (strcmp(url, ROUTES[i].path) != 0)
            continue;
        path_known = true;
        if (strcmp(method, ROUTES[i].method) == 0) {
            if (r->too_large) {
                char msg[160];
                snprintf(msg, sizeof msg, "the request body is over %zu bytes",
                         gw->opts.max_body_bytes);
                gw_response_error(resp, 413, "invalid_request_error", "request_too_large", msg);
            } else {
                run_authenticated(gw, &ROUTES[i], connection, r, resp);
            }
            return;
        }
    }
    char msg[300];
    snprintf(msg, sizeof msg,
             path_known ? "%s is not allowed on %s"
                        : "%s %s is not an endpoint "
                          "of this gateway",
             method, url);
    gw_response_error(resp, path_known ? 405 : 404, "invalid_request_error",
                      path_known ? "method_not_allowed" : "not_found", msg);
}

static enum MHD_Result send_response(struct MHD_Connection *connection, gw_response *resp)
{
    struct MHD_Response *response =
        resp->stream
            ? mm_httpd()->create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, gw_stream_read,
                                                        resp->stream, gw_stream_release)
            : mm_httpd()->create_response_from_buffer(resp->body_len, resp->body,
                                                      MHD_RESPMEM_MUST_FREE);
    if (!response) {
        free(resp->body);
        if (resp->stream)
            gw_stream_release(resp->stream);
        return MHD_NO;
    }
    resp->body = NULL;
    mm_httpd()->add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
    for (size_t i = 0; i < resp->n_headers; i++)
        mm_httpd()->add_response_header(response, resp->headers[i][0], resp->headers[i][1]);
    enum MHD_Result result =
        mm_httpd()->queue_response(connection, (unsigned)resp->status, response);
    mm_httpd()->destroy_response(response);
    return result;
}

static bool append_body(gateway *gw, gw_request *r, const char *data, size_t size)
{
    if (r->headers_too_large)
        return true; /* answered 431 once the (discarded) body is read */
    if (r->too_large || r->len + size > gw->opts.max_body_bytes) {
        r->too_large = true;
        return true;
    }
    if (r->len + size + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + size + 1)
            cap *= 2;
        char *body = realloc(r->body, cap);
        if (!body)
            return false;
        r->body = body;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, size);
    r->len += size;
    r->body[r->len] = '\0';
    return true;
}

/* Adds one header's (or query argument's) bytes as sent: "Name: value\r\n" or "&k=v". */
static enum MHD_Result add_header_bytes(void *cls, enum MHD_ValueKind kind, const char *key,
                                        size_t key_size, const char *value, size_t value_size)
{
    (void)key;
    (void)value;
    *(size_t *)cls += key_size + value_size + (kind == MHD_HEADER_KIND ? 4 : 2);
    return MHD_YES;
}

/* The request line's and headers' bytes, about as sent (the URL as decoded). */
static size_t header_bytes(struct MHD_Connection *connection, const char *method, const char *url)
{
    size_t bytes = strlen(method) + 1 + strlen(url) + sizeof " HTTP/1.1\r\n\r\n" - 1;
    mm_httpd()->get_connection_values_n(connection, MHD_HEADER_KIND | MHD_GET_ARGUMENT_KIND,
                                        add_header_bytes, &bytes);
    return bytes;
}

static gw_request *begin_request(gateway *gw, struct MHD_Connection *connection, const char *method,
                                 const char *url)
{
    gw_request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->started_us = mm_monotonic_us();
    atomic_fetch_add(&gw->counters.in_flight, 1);
    atomic_fetch_add(&gw->counters.requests_total, 1);
    const char *length = mm_httpd()->lookup_connection_value(connection, MHD_HEADER_KIND,
                                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length && strtoull(length, NULL, 10) > gw->opts.max_body_bytes)
        r->too_large = true; /* answered 413 once the (discarded) body is read */
    r->headers_too_large = header_bytes(connection, method, url) > gw->opts.max_header_bytes;
    return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    gateway *gw = cls;
    gw_request *r = *con_cls;
    if (!r) {
        *con_cls = begin_request(gw, connection, method, url);
        return *con_cls ? MHD_YES : MHD_NO;
    }
    if (*upload_size) {
        bool ok = append_body(gw, r, upload_data, *upload_size);
        *upload_size = 0;
        return ok ? MHD_YES : MHD_NO;
    }
    gw_response resp;
    memset(&resp, 0, sizeof resp);
    dispatch(gw, connection, method, url, r, &resp);
    r->status = resp.status;
    return send_response(connection, &resp);
}

static void count_duration(gw_counters *c, int64_t micros)
{
    atomic_fetch_add(&c->duration_us_sum, (unsigned long long)micros);
    atomic_fetch_add(&c->duration_buckets[mm_metrics_latency_bucket((double)micros / 1e6)], 1);
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)connection;
    (void)code;
    gateway *gw = cls;
    gw_request *r = *con_cls;
    if (!r)
        return;
    count_duration(&gw->counters, mm_monotonic_us() - r->started_us);
    if (r->status >= 100 && r->status < 600)
        atomic_fetch_add(&gw->counters.responses_by_class[r->status / 100], 1);
    atomic_fetch_sub(&gw->counters.in_flight, 1);
    free(r->body);
    free(r);
    *con_cls = NULL;
}

static void log_library(void *cls, const char *fmt, va_list ap)
{
    gateway *gw = cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    gw_log(gw, "http: %s", line);
}

/* ---- start / stop ---- */

static mm_status read_pem(const char *path, char **out, mm_error *err)
{
    FILE *f = fopen(path, "rb");
    char *text = f ? malloc(PEM_MAX + 1) : NULL;
    size_t len = text ? fread(text, 1, PEM_MAX + 1, f) : 0;
    if (f)
        fclose(f);
    if (!text || len == 0 || len > PEM_MAX) {
        free(text);
        return mm_error_set(err, MM_E_IO, "tls", "cannot read the PEM file %s; check the path",
                            path);
    }
    text[len] = '\0';
    *out = text;
    return MM_OK;
}

static void apply_defaults(gw_options *o)
{
    if (!o->address)
        o->address = GW_DEFAULT_ADDRESS;
    if (!o->max_body_bytes)
        o->max_body_bytes = DEFAULT_MAX_BODY;
    if (!o->max_header_bytes)
        o->max_header_bytes = DEFAULT_MAX_HEADER;
    if (!o->max_connections)
        o->max_connections = DEFAULT_MAX_CONNECTIONS;
    if (!o->max_upstream)
        o->max_upstream = DEFAULT_MAX_UPSTREAM;
    if (!o->attempt_timeout_ms)
        o->attempt_timeout_ms = DEFAULT_ATTEMPT_MS;
    if (!o->stream_idle_timeout_ms)
        o->stream_idle_timeout_ms = DEFAULT_STREAM_IDLE_MS;
    if (!o->request_timeout_ms)
        o->request_timeout_ms = DEFAULT_REQUEST_MS;
    if (!o->refresh_ms)
        o->refresh_ms = DEFAULT_REFRESH_MS;
}

static mm_status listen_address(const gw_options *o, struct sockaddr_storage *addr, mm_error *err)
{
    memset(addr, 0, sizeof *addr);
    struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
    if (inet_pton(AF_INET, o->address, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(o->port);
    } else if (inet_pton(AF_INET6, o->address, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(o->port);
    } else {
        return mm_error_set(err, MM_E_INVALID, "listen",
                            "'%s' is not an IPv4 or IPv6 address (use e.g. 127.0.0.1:8088)",
                            o->address);
    }
    return MM_OK;
}

static mm_status start_daemon(gateway *gw, mm_error *err)
{
    struct sockaddr_storage addr;
    mm_status st = listen_address(&gw->opts, &addr, err);
    if (st != MM_OK)
        return st;
    /* A fixed pool of threads (no thread per connection): as many as requests may talk to
     * providers at once, since a handler blocks its thread while the provider answers. */
    unsigned threads = gw->opts.max_upstream;
    if (threads > gw->opts.max_connections)
        threads = gw->opts.max_connections;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (!mm_httpd_ready(err))
        return err ? err->status : MM_E_INTERNAL;
    bool tls = gw->opts.tls_cert != NULL;
    if (tls) {
        if (mm_httpd()->is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
            return mm_error_set(err, MM_E_INVALID, "tls",
                                "this libmicrohttpd was built without TLS; serve plain HTTP "
                                "behind a TLS proxy instead");
        st = read_pem(gw->opts.tls_cert, &gw->tls_cert_pem, err);
        if (st == MM_OK)
            st = read_pem(gw->opts.tls_key, &gw->tls_key_pem, err);
        if (st != MM_OK)
            return st;
        flags |= MHD_USE_TLS;
    }
    gw->daemon = mm_httpd()->start_daemon(
        flags, gw->opts.port, NULL, NULL, on_request, gw, MHD_OPTION_EXTERNAL_LOGGER, log_library,
        gw, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed, gw,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, gw->opts.max_connections,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, gw->opts.max_header_bytes * HEADER_MEMORY_FACTOR,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
        tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, gw->tls_cert_pem,
        MHD_OPTION_HTTPS_MEM_KEY, gw->tls_key_pem, MHD_OPTION_END);
    if (!gw->daemon)
        return mm_error_set(err, MM_E_IO, "listen",
                            "cannot listen on %s:%u (in use, or not an address of this machine)",
                            gw->opts.address, (unsigned)gw->opts.port);
    const union MHD_DaemonInfo *info =
        mm_httpd()->get_daemon_info(gw->daemon, MHD_DAEMON_INFO_BIND_PORT);
    gw->port = info ? info->port : gw->opts.port;
    return MM_OK;
}

static void free_gateway(gateway *gw)
{
    gw_metrics_free(gw);
    pthread_mutex_destroy(&gw->unavailable_lock);
    free(gw->tls_cert_pem);
    free(gw->tls_key_pem);
    free(gw);
}

mm_status gateway_start(const gw_options *opts, gateway **out, mm_error *err)
{
    gateway *gw = calloc(1, sizeof *gw);
    if (!gw)
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory");
    gw->opts = *opts;
    apply_defaults(&gw->opts);
    gw_memory_configure();
    gw_metrics_init(gw);
    pthread_mutex_init(&gw->unavailable_lock, NULL);
    if (!gw->opts.tls_cert != !gw->opts.tls_key) {
        free_gateway(gw);
        return mm_error_set(err, MM_E_INVALID, "tls", "give both --tls-cert and --tls-key");
    }
    mm_status st = gw_pool_init(&gw->pool, opts->catalog_path, gw->opts.max_upstream, err);
    if (st != MM_OK) {
        free_gateway(gw);
        return st;
    }
    st = gw_view_start(gw, err);
    if (st == MM_OK) {
        st = gw_recorder_start(gw, err);
        if (st != MM_OK)
            gw_view_stop(gw);
    }
    if (st == MM_OK) {
        st = start_daemon(gw, err);
        if (st != MM_OK) {
            gw_recorder_stop(gw);
            gw_view_stop(gw);
        }
    }
    if (st != MM_OK) {
        gw_pool_free(&gw->pool);
        free_gateway(gw);
        return st;
    }
    *out = gw;
    return MM_OK;
}

uint16_t gateway_port(const gateway *gw)
{
    return gw->port;
}

const gw_counters *gateway_counters(const gateway *gw)
{
    return &gw->counters;
}

long gateway_stop(gateway *gw, long drain_ms)
{
    if (!gw)
        return 0;
    MHD_socket listener = mm_httpd()->quiesce_daemon(gw->daemon);
    int64_t until = mm_now_ms() + drain_ms;
    while (atomic_load(&gw->counters.in_flight) > 0 && mm_now_ms() < until) {
        struct timespec pause = {0, 20 * 1000000L};
        nanosleep(&pause, NULL);
    }
    long left = atomic_load(&gw->counters.in_flight);
    mm_httpd()->stop_daemon(gw->daemon);
    /* stream workers whose client is gone cut their upstream transfer and record it */
    until = mm_now_ms() + STREAM_STOP_MS;
    while (atomic_load(&gw->counters.upstream_in_flight) > 0 && mm_now_ms() < until) {
        struct timespec pause = {0, 20 * 1000000L};
        nanosleep(&pause, NULL);
    }
    if (listener != MHD_INVALID_SOCKET)
        close(listener);
    gw_recorder_stop(gw);
    gw_view_stop(gw);
    gw_pool_free(&gw->pool);
    free_gateway(gw);
    return left;
}
