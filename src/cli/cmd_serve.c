/* `mmadmin serve`: runs the OpenAI-compatible gateway (src/gateway) on the catalog, optionally
 * with the health monitor in the same process; SIGTERM/SIGINT drain requests and exit 0. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "gateway/gateway.h"
#include "health/monitor.h"
#include "util/clock.h"
#include "util/process.h"

#define DRAIN_MS 10000
#define TIMEOUT_S_MAX 3600
#define CONNECTIONS_MAX 10000
#define BODY_MIB_MAX 1024

enum {
    OPT_LISTEN = 256,
    OPT_TLS_CERT,
    OPT_TLS_KEY,
    OPT_MONITOR,
    OPT_MAX_CONNECTIONS,
    OPT_MAX_UPSTREAM,
    OPT_MAX_BODY,
    OPT_ATTEMPT_TIMEOUT,
    OPT_REQUEST_TIMEOUT,
    OPT_STREAM_IDLE_TIMEOUT
};

static const cli_option serve_options[] = {
    {"listen", "ADDR:PORT", OPT_LISTEN, "where to listen (default 127.0.0.1:8088; port 0: any)"},
    {"tls-cert", "FILE", OPT_TLS_CERT, "serve HTTPS with this PEM certificate (with --tls-key)"},
    {"tls-key", "FILE", OPT_TLS_KEY, "the PEM private key of --tls-cert"},
    {"monitor", NULL, OPT_MONITOR, "also run the health monitor (probes) in this process"},
    {"max-connections", "N", OPT_MAX_CONNECTIONS, "most client connections at once (256)"},
    {"max-upstream", "N", OPT_MAX_UPSTREAM, "most requests talking to providers at once (32)"},
    {"max-body-mib", "N", OPT_MAX_BODY, "largest request body in MiB (4); larger get 413"},
    {"attempt-timeout", "S", OPT_ATTEMPT_TIMEOUT,
     "seconds per provider attempt; a stream's to its first byte (30)"},
    {"stream-idle-timeout", "S", OPT_STREAM_IDLE_TIMEOUT,
     "seconds a stream may pause between chunks before it is cut (30)"},
    {"request-timeout", "S", OPT_REQUEST_TIMEOUT, "seconds a request may wait for a slot (120)"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec serve_spec = {
    .command = "serve",
    .synopsis = "[--listen ADDR:PORT] [--tls-cert FILE --tls-key FILE] [--monitor] "
                "[--max-connections N] [--max-upstream N] [--max-body-mib N] "
                "[--attempt-timeout S] [--stream-idle-timeout S] [--request-timeout S]",
    .description =
        "Serves the OpenAI API to workspaces' pipelines: GET /v1/models (the models the key's\n"
        "workspace is entitled to), POST /v1/chat/completions (JSON or stream), POST\n"
        "/v1/embeddings, POST /v1/images/generations, POST /v1/audio/transcriptions (multipart)\n"
        "and POST /v1/audio/speech, through the router's fallback chains with its admission,\n"
        "prices and usage events. Clients send a workspace key (mmadmin workspace key add) as\n"
        "'Authorization: Bearer KEY'. Errors use OpenAI's shape: 400 naming a malformed field,\n"
        "401 unknown key, 403 not entitled, 429 with Retry-After for workspace limits, the\n"
        "provider's 4xx as is, 502/503 listing every attempt. Answers name the account and "
        "provider model that served in\n"
        "x-mmadmin-account / x-mmadmin-provider-model and the attempts in x-mmadmin-attempts.\n"
        "GET /metrics (no key) is the Prometheus exposition of `monitor --metrics` plus the\n"
        "gateway's in-flight requests, request durations and refusals by reason.\n"
        "Prints the port it listens on; SIGTERM or Ctrl-C finishes requests in flight (up to\n"
        "10 s) and exits 0.",
    .options = serve_options,
    .example = "mmadmin serve --listen 0.0.0.0:8088 --monitor\n"
               "curl -s localhost:8088/v1/models -H \"Authorization: Bearer $KEY\"",
    .min_args = 0,
    .max_args = 0,
};

typedef struct serve_args {
    gw_options gw;
    char address[64];
    bool monitor;
} serve_args;

static mm_status parse_listen(const char *text, serve_args *a, mm_error *err)
{
    const char *colon = strrchr(text, ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    size_t host_len = colon ? (size_t)(colon - text) : 0;
    if (!colon || end == colon + 1 || *end || port < 0 || port > 65535 || host_len == 0 ||
        host_len >= sizeof a->address)
        return mm_error_set(err, MM_E_INVALID, "listen",
                            "--listen '%s' is not ADDR:PORT (e.g. 127.0.0.1:8088 or [::1]:8088)",
                            text);
    if (text[0] == '[' && host_len > 2 && text[host_len - 1] == ']')
        snprintf(a->address, sizeof a->address, "%.*s", (int)host_len - 2, text + 1);
    else
        snprintf(a->address, sizeof a->address, "%.*s", (int)host_len, text);
    a->gw.address = a->address;
    a->gw.port = (uint16_t)port;
    return MM_OK;
}

static mm_status parse_option(cli_parser *p, int id, serve_args *a, mm_error *err)
{
    int64_t n = 0;
    switch (id) {
    case OPT_LISTEN:
        return parse_listen(p->arg, a, err);
    case OPT_TLS_CERT:
        a->gw.tls_cert = p->arg;
        return MM_OK;
    case OPT_TLS_KEY:
        a->gw.tls_key = p->arg;
        return MM_OK;
    case OPT_MONITOR:
        a->monitor = true;
        return MM_OK;
    case OPT_MAX_CONNECTIONS:
    case OPT_MAX_UPSTREAM: {
        mm_status st =
            cli_parse_positive(id == OPT_MAX_UPSTREAM ? "--max-upstream" : "--max-connections",
                               p->arg, CONNECTIONS_MAX, &n, err);
        if (id == OPT_MAX_UPSTREAM)
            a->gw.max_upstream = (unsigned)n;
        else
            a->gw.max_connections = (unsigned)n;
        return st;
    }
    case OPT_MAX_BODY: {
        mm_status st = cli_parse_positive("--max-body-mib", p->arg, BODY_MIB_MAX, &n, err);
        a->gw.max_body_bytes = (size_t)n * 1024 * 1024;
        return st;
    }
    case OPT_STREAM_IDLE_TIMEOUT: {
        mm_status st = cli_parse_positive("--stream-idle-timeout", p->arg, TIMEOUT_S_MAX, &n, err);
        a->gw.stream_idle_timeout_ms = (long)n * 1000;
        return st;
    }
    default: {
        bool attempt = id == OPT_ATTEMPT_TIMEOUT;
        mm_status st = cli_parse_positive(attempt ? "--attempt-timeout" : "--request-timeout",
                                          p->arg, TIMEOUT_S_MAX, &n, err);
        if (attempt)
            a->gw.attempt_timeout_ms = (long)n * 1000;
        else
            a->gw.request_timeout_ms = (long)n * 1000;
        return st;
    }
    }
}

static void log_line(void *ctx, const char *line)
{
    (void)ctx;
    char now[32];
    mm_format_time(now, sizeof now, mm_now_ms());
    fprintf(stderr, "%s %s\n", now, line);
}

static int run_serve(serve_args *a, const char *catalog_path)
{
    mm_error err = {0};
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL); /* before any thread starts */
    /* a log (stderr) nobody reads any more, or a peer gone under a write, fails that write
     * (EPIPE): it must not kill the gateway with its requests and their usage unwritten */
    mm_process_block_sigpipe();
    a->gw.catalog_path = catalog_path;
    a->gw.log = log_line;
    a->gw.metrics = true;
    mm_monitor *mon = NULL;
    mm_monitor_config mcfg = {
        .catalog_path = catalog_path, .wake_fd = -1, .probe = true, .log = log_line};
    if (a->monitor && health_monitor_start(&mcfg, &mon, &err) != MM_OK)
        return cli_report(&err);
    a->gw.monitor = mon; /* GET /metrics reads its snapshot */
    gateway *gw = NULL;
    if (gateway_start(&a->gw, &gw, &err) != MM_OK) {
        if (mon)
            health_monitor_stop(mon);
        return cli_report(&err);
    }
    printf("%u\n", (unsigned)gateway_port(gw));
    fflush(stdout);
    log_line(NULL, "serving the OpenAI API; SIGTERM or Ctrl-C drains and stops");
    int sig = 0;
    sigwait(&stop, &sig);
    log_line(NULL, sig == SIGTERM ? "SIGTERM: draining" : "SIGINT: draining");
    long left = gateway_stop(gw, DRAIN_MS); /* before the monitor its scrapes read */
    if (mon)
        health_monitor_stop(mon);
    if (left > 0)
        fprintf(stderr, "mmadmin: %ld request(s) were still running after %d s\n", left,
                DRAIN_MS / 1000);
    return CLI_EXIT_OK;
}

int cmd_serve(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &serve_spec, argc, argv);
    serve_args a;
    memset(&a, 0, sizeof a);
    a.gw.port = 8088;
    mm_error err = {0};
    int id;
    while ((id = cli_next_option(&p)) > 0) {
        if (parse_option(&p, id, &a, &err) != MM_OK)
            return cli_report(&err);
    }
    if (id == CLI_STOP)
        return p.exit_code;
    if (!a.gw.tls_cert != !a.gw.tls_key)
        return cli_usage_error("serve", "give both --tls-cert FILE and --tls-key FILE, or neither");
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat)
        return cli_report(&err);
    if (catalog_is_read_only(cat)) {
        mm_error_set(&err, MM_E_READONLY, NULL,
                     "serve records usage events, so it needs a writable catalog (%s)",
                     catalog_display(cat));
        return cli_report(&err);
    }
    return run_serve(&a, catalog_path(cat));
}
