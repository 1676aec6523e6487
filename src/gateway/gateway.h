/* `mmadmin serve`: an OpenAI-compatible HTTP gateway over the router — workspace keys, the
 * model picker, chat, embeddings — with bounded resources, a shared routing view and counters. */
#ifndef MM_GATEWAY_H
#define MM_GATEWAY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "health/monitor.h"
#include "metrics/counters.h"

#define GW_DEFAULT_ADDRESS "127.0.0.1"
#define GW_DEFAULT_PORT 8088

/* What the gateway counts, read lock-free by anyone (the metrics renderer, tests, the log). */
typedef struct gw_counters {
    atomic_long in_flight;          /* requests being handled now */
    atomic_long upstream_in_flight; /* of which waiting on a provider */
    atomic_ullong requests_total;
    atomic_ullong responses_by_class[6]; /* index status / 100 (1xx..5xx; 0 unused) */
    atomic_ullong attempts_total;        /* provider attempts (fallbacks included) */
    atomic_ullong fallbacks_total;       /* requests served by a target other than the first */
    atomic_ullong duration_us_sum;
    /* request durations per bucket of mm_metrics_latency_bounds_s (not cumulative; the last one
     * counts those above the last bound), as the exposition's histogram reads them */
    atomic_ullong duration_buckets[MM_METRICS_LATENCY_BUCKETS + 1];
    /* streamed chats' time to first token (gw_stream.c), summed and bucketed the same way */
    atomic_ullong ttft_us_sum;
    atomic_ullong ttft_buckets[MM_METRICS_LATENCY_BUCKETS + 1];
    atomic_ullong view_refreshes_total; /* routing view rebuilds */
} gw_counters;

typedef struct gw_options {
    const char *catalog_path; /* the catalog file; each worker opens its own connection */
    const char *address;      /* NULL: 127.0.0.1 (IPv4 or IPv6 literal) */
    uint16_t port;            /* 0: a free port (see gateway_port) */
    const char *tls_cert;     /* PEM files: both or neither */
    const char *tls_key;
    size_t max_body_bytes;       /* 0: 4 MiB; larger bodies get 413 */
    size_t max_header_bytes;     /* 0: 16 KiB per connection (request line + headers) */
    unsigned max_connections;    /* 0: 256 */
    unsigned max_upstream;       /* 0: 32 requests talking to providers at once */
    long attempt_timeout_ms;     /* 0: 30000, per provider attempt; a stream's until its first byte
                                    (the fallback window) */
    long stream_idle_timeout_ms; /* 0: 30000, a stream's longest pause between bytes after the
                                    first (a long but live stream is not cut) */
    long request_timeout_ms;     /* 0: 120000, the whole request, every attempt included */
    long refresh_ms;             /* 0: 200, how often the catalog is checked for changes */
    bool metrics;                /* serve GET /metrics (Prometheus text, src/metrics; no key) */
    mm_monitor *monitor;         /* with metrics: the in-process monitor whose health snapshot a
                                    scrape reads (NULL: the health report is loaded per scrape) */
    void (*log)(void *ctx, const char *line); /* NULL: silent */
    void *log_ctx;
} gw_options;

typedef struct gateway gateway;

/* Opens the catalog, builds the routing view and key table, and starts listening. MM_E_SECRET
 * when the master key is missing (keys cannot be checked), MM_E_IO when the address is taken or
 * the TLS files cannot be read. */
mm_status gateway_start(const gw_options *opts, gateway **out, mm_error *err);
uint16_t gateway_port(const gateway *gw);
const gw_counters *gateway_counters(const gateway *gw);
/* Stops accepting, lets requests in flight finish for up to drain_ms, then stops and frees.
 * Returns the number of requests still in flight when it gave up (0: drained). */
long gateway_stop(gateway *gw, long drain_ms);

#endif
