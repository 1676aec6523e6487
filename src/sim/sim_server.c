/* libmicrohttpd glue for mmsim: collecting request bodies (capped), handing requests to the
 * dispatcher, turning replies into responses, and logging one line per request. */
#include "sim/sim_server.h"
#include "sim/sim_dispatch.h"
#include "sim/sim_reply.h"
#include "util/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONNECTION_TIMEOUT_S 600

typedef struct upload {
    char *data;
    size_t len;
    size_t cap;
    bool too_large;
    int64_t started_ms;
} upload;

static upload *upload_new(void)
{
    upload *up = calloc(1, sizeof *up);
    if (up)
        up->started_ms = mm_monotonic_ms();
    return up;
}

static void upload_append(upload *up, const char *data, size_t len)
{
    if (up->too_large || up->len + len > SIM_MAX_BODY_BYTES) {
        up->too_large = true;
        return;
    }
    if (up->len + len + 1 > up->cap) {
        size_t cap = (up->len + len + 1) * 2;
        cap = cap > SIM_MAX_BODY_BYTES + 1 ? SIM_MAX_BODY_BYTES + 1 : cap;
        char *grown = realloc(up->data, cap);
        if (!grown) {
            up->too_large = true;
            return;
        }
        up->data = grown;
        up->cap = cap;
    }
    memcpy(up->data + up->len, data, len);
    up->len += len;
    up->data[up->len] = '\0';
}

static const char *lookup_header(void *source, const char *name)
{
    return MHD_lookup_connection_value(source, MHD_HEADER_KIND, name);
}

static const char *lookup_query(void *source, const char *name)
{
    return MHD_lookup_connection_value(source, MHD_GET_ARGUMENT_KIND, name);
}

static void log_request(const sim_server *server, const char *method, const char *url,
                        const sim_reply *reply, int64_t started_ms)
{
    if (server->quiet)
        return;
    /* url is the path only: query strings (which may hold ?key=) are never logged. */
    fprintf(stderr, "mmsim: %s %s %u %lldms%s%s\n", method, url, reply->status,
            (long long)(mm_monotonic_ms() - started_ms), reply->note ? " fault=" : "",
            reply->note ? reply->note : "");
}

/* A streamed answer being written: its events (taken from the reply), one at a time. */
typedef struct event_writer {
    sim_state *state;
    char **events;
    size_t count, next, offset;
    int token_ms;
    size_t break_at;
    size_t stall_at;
    int64_t stall_ms;
} event_writer;

static ssize_t write_events(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    event_writer *w = cls;
    if (w->offset == 0) {
        if (w->break_at > 0 && w->next == w->break_at)
            return MHD_CONTENT_READER_END_WITH_ERROR; /* the stream_break fault */
        if (w->next == w->count)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (w->next > 0 && !sim_state_sleep(w->state, w->token_ms))
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (w->stall_at > 0 && w->next == w->stall_at && /* the stream_stall fault, once */
            !sim_state_sleep(w->state, w->stall_ms))
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    const char *event = w->events[w->next];
    size_t left = strlen(event) - w->offset;
    size_t n = left < max ? left : max;
    memcpy(buf, event + w->offset, n);
    w->offset += n;
    if (w->offset == strlen(event)) {
        w->next++;
        w->offset = 0;
    }
    return (ssize_t)n;
}

static void free_events(void *cls)
{
    event_writer *w = cls;
    for (size_t i = 0; i < w->count; i++)
        free(w->events[i]);
    free(w->events);
    free(w);
}

static struct MHD_Response *event_response(sim_state *state, sim_reply *reply)
{
    event_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    *w = (event_writer){.state = state,
                        .events = reply->events,
                        .count = reply->event_count,
                        .token_ms = reply->token_ms,
                        .break_at = reply->break_at,
                        .stall_at = reply->stall_at,
                        .stall_ms = reply->stall_ms};
    struct MHD_Response *response =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, write_events, w, free_events);
    if (!response) {
        free(w);
        return NULL;
    }
    reply->events = NULL; /* the writer's now */
    reply->event_count = 0;
    return response;
}

static enum MHD_Result send_reply(sim_state *state, struct MHD_Connection *connection,
                                  sim_reply *reply)
{
    struct MHD_Response *response;
    if (reply->events) {
        response = event_response(state, reply);
    } else if (reply->body) {
        response =
            MHD_create_response_from_buffer(reply->body_len, reply->body, MHD_RESPMEM_MUST_FREE);
        if (response)
            reply->body = NULL;
    } else {
        response = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!response)
        return MHD_NO;
    if (reply->content_type)
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, reply->content_type);
    for (size_t i = 0; i < reply->header_count; i++)
        MHD_add_response_header(response, reply->headers[i].name, reply->headers[i].value);
    enum MHD_Result result = MHD_queue_response(connection, reply->status, response);
    MHD_destroy_response(response);
    return result;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    sim_server *server = cls;
    upload *up = *con_cls;
    if (!up) {
        *con_cls = up = upload_new();
        return up ? MHD_YES : MHD_NO;
    }
    if (*upload_data_size > 0) {
        upload_append(up, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    sim_incoming in = {.method = method,
                       .url = url,
                       .body = up->data,
                       .body_len = up->len,
                       .body_too_large = up->too_large,
                       .header = lookup_header,
                       .query = lookup_query,
                       .lookup_source = connection};
    sim_reply reply = {.status = 500};
    if (!sim_dispatch(server->state, &in, &reply)) {
        sim_reply_free(&reply);
        return MHD_NO;
    }
    if (!reply.status)
        reply.status = 500;
    log_request(server, method, url, &reply, up->started_ms);
    enum MHD_Result result = send_reply(server->state, connection, &reply);
    sim_reply_free(&reply);
    return result;
}

/* libmicrohttpd's own messages, prefixed; none while stopping (closing connections cut short
 * by the shutdown is expected, not an error). */
static void log_library_message(void *cls, const char *fmt, va_list ap)
{
    sim_server *server = cls;
    pthread_mutex_lock(&server->state->lock);
    bool stopping = server->state->stopping;
    pthread_mutex_unlock(&server->state->lock);
    if (stopping || server->quiet)
        return;
    fprintf(stderr, "mmsim: libmicrohttpd: ");
    vfprintf(stderr, fmt, ap);
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)cls;
    (void)connection;
    (void)code;
    upload *up = *con_cls;
    if (up) {
        free(up->data);
        free(up);
        *con_cls = NULL;
    }
}

bool sim_server_start(sim_server *server, sim_state *state, uint16_t port, bool quiet, char *err,
                      size_t errsz)
{
    memset(server, 0, sizeof *server);
    server->state = state;
    server->quiet = quiet;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned flags =
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    errno = 0;
    server->daemon = MHD_start_daemon(
        flags, port, NULL, NULL, on_request, server, MHD_OPTION_EXTERNAL_LOGGER,
        log_library_message, server, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, server, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)CONNECTION_TIMEOUT_S, MHD_OPTION_END);
    if (!server->daemon) {
        snprintf(err, errsz, "cannot listen on 127.0.0.1:%u%s%s (is the port in use? try --port 0)",
                 port, errno ? ": " : "", errno ? strerror(errno) : "");
        return false;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
    server->port = info && info->port ? info->port : port;
    return true;
}

void sim_server_stop(sim_server *server)
{
    if (!server->daemon)
        return;
    sim_state_stop(server->state);
    MHD_stop_daemon(server->daemon);
    server->daemon = NULL;
}
