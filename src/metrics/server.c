/* GET /metrics over libmicrohttpd with one internal polling thread (server.h): the scrape is
 * rendered on that thread by the caller's callback, so scrapes never overlap. */
#include "metrics/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/httpd_lib.h"

#define CONNECTION_TIMEOUT_S 30

struct mm_metrics_server {
    struct MHD_Daemon *daemon;
    metrics_render_fn render;
    void *ctx;
    uint16_t port;
};

mm_status metrics_listen_parse(const char *text, uint32_t *ipv4_host_order, uint16_t *port,
                               mm_error *err)
{
    const char *colon = text ? strrchr(text, ':') : NULL;
    char host[64];
    if (!colon || (size_t)(colon - text) >= sizeof host || colon == text)
        return mm_error_set(err, MM_E_INVALID, "metrics",
                            "--metrics '%s' is not ADDR:PORT (e.g. 127.0.0.1:9464 or "
                            "0.0.0.0:9464)",
                            text ? text : "");
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    char *end;
    errno = 0;
    long number = strtol(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end || number < 0 || number > 65535)
        return mm_error_set(err, MM_E_INVALID, "metrics",
                            "--metrics '%s': the port is a number from 0 to 65535 (0: any free "
                            "port, printed at start)",
                            text);
    struct in_addr address;
    if (!strcmp(host, "localhost"))
        address.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, host, &address) != 1)
        return mm_error_set(err, MM_E_INVALID, "metrics",
                            "--metrics '%s': '%s' is not an IPv4 address (e.g. 127.0.0.1, or "
                            "0.0.0.0 for every interface)",
                            text, host);
    *ipv4_host_order = ntohl(address.s_addr);
    *port = (uint16_t)number;
    return MM_OK;
}

static enum MHD_Result answer(struct MHD_Connection *connection, unsigned status,
                              const char *content_type, char *body, size_t len)
{
    struct MHD_Response *response =
        mm_httpd()->create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!response) {
        free(body);
        return MHD_NO;
    }
    mm_httpd()->add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    enum MHD_Result result = mm_httpd()->queue_response(connection, status, response);
    mm_httpd()->destroy_response(response);
    return result;
}

static enum MHD_Result answer_text(struct MHD_Connection *connection, unsigned status,
                                   const char *text)
{
    char *body = strdup(text);
    if (!body)
        return MHD_NO;
    return answer(connection, status, "text/plain; charset=utf-8", body, strlen(body));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload;
    mm_metrics_server *server = cls;
    if (!*con_cls) { /* the headers: wait for the (empty) body */
        *con_cls = server;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0; /* a scrape has no body: ignore one */
        return MHD_YES;
    }
    if (strcmp(url, "/metrics") != 0)
        return answer_text(connection, MHD_HTTP_NOT_FOUND, "not found: try GET /metrics\n");
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return answer_text(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET /metrics\n");
    mm_promtext text;
    mm_promtext_init(&text);
    mm_error err = {0};
    if (server->render(server->ctx, &text, &err) != MM_OK || text.failed || !text.data) {
        mm_promtext_free(&text);
        char message[sizeof err.message + 2];
        snprintf(message, sizeof message, "%s\n", err.message[0] ? err.message : "out of memory");
        return answer_text(connection, MHD_HTTP_INTERNAL_SERVER_ERROR, message);
    }
    return answer(connection, MHD_HTTP_OK, MM_PROMTEXT_CONTENT_TYPE, text.data, text.len);
}

mm_status metrics_server_start(const char *addr, metrics_render_fn render, void *ctx,
                               mm_metrics_server **out, mm_error *err)
{
    uint32_t host = 0;
    uint16_t port = 0;
    mm_status st = metrics_listen_parse(addr, &host, &port, err);
    if (st != MM_OK)
        return st;
    if (!mm_httpd_ready(err))
        return err ? err->status : MM_E_INTERNAL;
    mm_metrics_server *server = calloc(1, sizeof *server);
    if (!server)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    server->render = render;
    server->ctx = ctx;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    address.sin_addr.s_addr = htonl(host);
    errno = 0;
    server->daemon = mm_httpd()->start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD, port, NULL, NULL, on_request, server, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&address, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
        MHD_OPTION_END);
    if (!server->daemon) {
        int error = errno;
        free(server);
        return mm_error_set(err, MM_E_IO, "metrics",
                            "cannot listen on %s%s%s (is the port in use? port 0 picks a free one)",
                            addr, error ? ": " : "", error ? strerror(error) : "");
    }
    const union MHD_DaemonInfo *info =
        mm_httpd()->get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
    server->port = info && info->port ? info->port : port;
    *out = server;
    return MM_OK;
}

uint16_t metrics_server_port(const mm_metrics_server *server)
{
    return server->port;
}

void metrics_server_stop(mm_metrics_server *server)
{
    if (!server)
        return;
    mm_httpd()->stop_daemon(server->daemon);
    free(server);
}
