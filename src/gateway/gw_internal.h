/* Private to src/gateway/: the gateway's state, the shared routing view (snapshot + key table,
 * reference-counted, rebuilt when the catalog changes) and the pool of catalog connections. */
#ifndef MM_GW_INTERNAL_H
#define MM_GW_INTERNAL_H

#include <jansson.h>
#include <pthread.h>

#include "catalog/admission.h"
#include "catalog/workspace_key.h"
#include "gateway/gateway.h"
#include "health/report.h"
#include "metrics/scrape.h"
#include "router/router.h"
#include "util/trouble.h"

typedef struct gw_call gw_call;

/* ---- a failing catalog, said once per trouble (util/trouble.h; over: mm_trouble_over) ---- */
/* mm_trouble_log through gw's log (gw_view.c). */
void gw_trouble_log(gateway *gw, mm_trouble *t, const char *what, const char *message);

/* ---- the routing view (gw_view.c) ---- */
typedef struct gw_key {
    unsigned char hash[MM_WORKSPACE_KEY_HASH_BYTES];
    int64_t id;
    char workspace[MM_NAME_MAX];
    atomic_llong used_ms; /* last use seen by this process, 0: none since the view was built */
} gw_key;

/* An account's connection details and decrypted key, read once per view (not per request). */
typedef struct gw_account {
    mm_account row;
    const mm_provider_info *provider;
    char *key; /* inside gw_view.secrets (guarded memory) */
    bool key_ok;
} gw_account;

typedef struct gw_view {
    atomic_long refs;
    router_snapshot *snapshot;
    gw_key *keys; /* sorted by hash */
    size_t n_keys;
    gw_account *accounts; /* parallel to snapshot->accounts */
    char *secrets;        /* sodium_malloc'ed: MM_API_KEY_MAX per account */
    mm_price_list prices; /* sorted by provider, model */
} gw_view;

/* ---- the catalog pool (gw_pool.c): at most `size` connections, one per request in flight to
 * the providers; this is also the bound on upstream concurrency. */
typedef struct gw_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    char path[4096];
    mm_catalog **items;
    bool *busy;
    unsigned size;
} gw_pool;

/* Each gateway connection's SQLite page cache (KiB): up to max_upstream + 3 connections read
 * small rows; SQLite's 2 MiB default each grew serve's memory with the usage tables. */
#define GW_CATALOG_CACHE_KIB 256

mm_status gw_pool_init(gw_pool *pool, const char *path, unsigned size, mm_error *err);
/* Waits up to wait_ms for a free connection (opening it on first use); NULL with err when none
 * came free in time (MM_E_REFUSED) or the catalog cannot be opened. */
mm_catalog *gw_pool_take(gw_pool *pool, long wait_ms, mm_error *err);
void gw_pool_give(gw_pool *pool, mm_catalog *cat);
void gw_pool_free(gw_pool *pool);

/* The memory policy of a process that serves (glibc; no-ops elsewhere). Memory in use stays
 * flat under load (~11 MB: malloc_stats) but the request threads allocate from up to 8 malloc
 * arenas per core, where freed chunks stayed resident, so RSS crept up with the requests served
 * (18 -> 45 MB over 100,000). gw_memory_configure (at start) pins the mmap threshold, so large
 * transient blocks are mapped and unmapped instead of fragmenting the arenas, and allows two
 * arenas per core; gw_memory_release (the writer, at most once a second while requests come)
 * hands the arenas' free pages back to the system (malloc_trim). */
void gw_memory_configure(void);
void gw_memory_release(void);

/* ---- leases on limits (gw_lease.c): per workspace model and per account with a limit, the
 * slice this process holds in the catalog (catalog_lease_take) and what it has admitted against
 * it and not yet recorded; admitted in memory, under one lock. */
typedef struct gw_lease {
    char workspace[MM_NAME_MAX], model[MM_NAME_MAX], account[MM_NAME_MAX];
    mm_limit_scope limits;    /* its names point at the three above */
    int64_t id;               /* the catalog row, 0: none */
    mm_lease_amounts row;     /* what the row holds */
    mm_lease_amounts pending; /* admitted, not yet written by a flush: at most row */
    int64_t last_used_ms, expires_ms;
    int64_t exact_until_ms; /* no slice was left: the exact path until then */
} gw_lease;

typedef struct gw_leases {
    pthread_mutex_t lock;
    gw_lease **items;
    size_t count, capacity;
    int64_t hold_ms; /* a row outlives a killed holder by this much (attempt timeout + margin) */
    int64_t maintained_ms;
    mm_trouble taking, upkeep; /* under lock; upkeep: renewing and returning rows */
} gw_leases;

void gw_leases_init(gw_leases *leases, int64_t hold_ms);
/* Admits need (requests, tokens, USD micros) against this process's slice of scope's limits,
 * taking a new slice on cat when it does not fit. The lease charged, or NULL when no slice is
 * left to lease (or the catalog failed): the caller takes the exact path (catalog_admit). */
gw_lease *gw_lease_admit(gateway *gw, mm_catalog *cat, const mm_limit_scope *scope,
                         const mm_lease_amounts *need, int64_t now_ms);
/* Takes back what an admission charged (the request ended before it was recorded). */
void gw_lease_undo(gw_leases *leases, gw_lease *lease, const mm_lease_amounts *admitted);
/* After a flush: the admitted amounts leave pending, what the flush used leaves the row. */
void gw_lease_settle(gw_leases *leases, gw_lease *lease, const mm_lease_amounts *admitted,
                     const mm_lease_amounts *used);
int64_t gw_lease_id(gw_leases *leases, const gw_lease *lease);
/* Renews rows before they expire and returns what idle leases do not use (on cat). */
void gw_leases_maintain(gateway *gw, mm_catalog *cat, int64_t now_ms);
/* Returns every row (on cat) and frees the table. */
void gw_leases_free(gateway *gw, mm_catalog *cat);

/* ---- admission and batched usage events (gw_record.c) ---- */
typedef struct gw_settlement {
    gw_lease *workspace, *account; /* NULL: none */
    mm_lease_amounts workspace_admitted, account_admitted;
} gw_settlement;

typedef struct gw_recorder {
    pthread_mutex_t lock;
    pthread_cond_t drained;
    mm_admission_record *items; /* queued, written by the next flush */
    gw_settlement *settlements; /* parallel to items */
    size_t count, capacity;
    /* the last flush's arrays, emptied: the next flush swaps them in, so the queue's pages
     * stay mapped instead of being allocated and faulted in again every 50 ms */
    mm_admission_record *spare_items;
    gw_settlement *spare_settlements;
    size_t spare_capacity;
    /* events a flush could not write (the catalog failed: a server down, SQLITE_BUSY, a full
     * disk), oldest first, with their leases still pending: written again, ahead of the queue,
     * by each next flush until the catalog takes them (the writer's alone) */
    mm_admission_record *kept_items;
    gw_settlement *kept_settlements;
    size_t kept_count, kept_capacity;
    /* the kept events' last write, when its COMMIT may have been made unanswered (PostgreSQL's
     * transaction id, 0: none) and how many of the kept (the first) it held */
    int64_t kept_transaction;
    size_t kept_unsure;
    mm_trouble trouble; /* the writer's trouble writing them */
    mm_catalog *cat;    /* the writer's own connection */
    pthread_t writer;
    atomic_bool stopping;
    gw_leases leases;
} gw_recorder;

/* One request's admission by the gateway (per router_send). */
typedef struct gw_admission {
    gw_lease *workspace; /* NULL: no workspace limit, or not yet admitted */
    gw_lease *account;   /* the current attempt's account lease */
    mm_lease_amounts workspace_admitted, account_admitted;
    int64_t account_reservation; /* an exact account-only reservation, 0: none */
} gw_admission;

/* ---- GET /metrics (gw_metrics.c): refusals counted here, the scrape rendered by src/metrics */
typedef struct gw_metrics {
    pthread_mutex_t refusals_lock;
    struct metrics_gateway_stats refusals; /* only its refusal table is used */
    pthread_mutex_t scrape_lock;           /* one scrape at a time (its connection, counters) */
    mm_metrics_scrape scrape;
    bool scrape_open;
} gw_metrics;

struct gateway {
    gw_options opts;
    gw_counters counters;
    struct MHD_Daemon *daemon;
    char *tls_cert_pem, *tls_key_pem;
    uint16_t port;
    gw_pool pool;
    mm_catalog *watch; /* the refresher's own connection */
    unsigned char key_secret[MM_WORKSPACE_KEY_SECRET_BYTES];
    pthread_mutex_t view_lock;
    gw_view *view;
    int64_t view_data_version;
    int64_t view_audit_top; /* newest audit row when the view was built */
    int64_t view_built_ms;
    /* the last hour's usage per account for the view's health: loaded once, then tailed by
     * event id at each rebuild (the refresher's alone), ids committed late included */
    mm_window_set health_windows;
    mm_usage_tail health_tail;
    bool health_loaded;
    pthread_t refresher;
    atomic_bool stopping;
    gw_recorder recorder;
    gw_metrics metrics;
    /* requests answered 503 catalog_unavailable: their detail said in the log once per trouble,
     * over when the refresher finds the catalog back (gw_view.c) */
    pthread_mutex_t unavailable_lock;
    mm_trouble unavailable;
};

/* Starts / stops the usage writer. A flush the catalog refuses loses nothing: its events are
 * kept, in order, and written again by the next flush (every 50 ms) until the catalog answers;
 * beyond GW_KEPT_MAX kept events the oldest are dropped with one log line saying how many. Stop
 * makes a last attempt to write everything kept and queued, and logs what it could not. */
#define GW_KEPT_MAX 100000
mm_status gw_recorder_start(gateway *gw, mm_error *err);
void gw_recorder_stop(gateway *gw);
/* The hooks router_send uses for this call (catalog path when a limit applies; connections and
 * prices from the call's view). */
const router_send_hooks *gw_send_hooks(gw_call *call);
/* The view's cached connection of an account / price of a provider model. */
mm_status gw_view_connect(const gw_view *view, const char *account, mm_connection *conn,
                          mm_error *err);
const mm_price *gw_view_price(const gw_view *view, const char *provider, const char *model);

/* Builds the first view (and derives the key secret); MM_E_SECRET without a master key. */
mm_status gw_view_start(gateway *gw, mm_error *err);
/* The current view, referenced; give it back with gw_view_release. */
gw_view *gw_view_acquire(gateway *gw);
void gw_view_release(gw_view *view);
/* Stops the refresher, records the keys' last use, drops the view. */
void gw_view_stop(gateway *gw);
/* The live key matching a bearer token, or NULL (unknown, revoked, expired). Marks its use. */
const gw_key *gw_view_authenticate(gateway *gw, const gw_view *view, const char *token);

/* ---- the HTTP side (gw_http.c) and the OpenAI endpoints (gw_openai.c) ---- */
typedef struct gw_stream gw_stream;

typedef struct gw_response {
    int status;
    gw_stream *stream; /* set: the body is this stream's server-sent events (gw_stream.c) */
    char *body;        /* malloc'ed */
    size_t body_len;
    const char *content_type;
    char headers[6][2][160]; /* name, value */
    size_t n_headers;
} gw_response;

void gw_response_header(gw_response *resp, const char *name, const char *value);
/* An error in the OpenAI shape {"error":{"message","type","code"}} (code may be NULL). */
void gw_response_error(gw_response *resp, int status, const char *type, const char *code,
                       const char *message);
/* The same with "param": the request field at fault ("messages[2].role"). */
void gw_response_error_param(gw_response *resp, int status, const char *type, const char *code,
                             const char *param, const char *message);
/* Takes ownership of json. */
void gw_response_json(gw_response *resp, int status, json_t *json);

struct gw_call {
    gateway *gw;
    struct MHD_Connection *connection; /* for the multipart reader (gw_media.c) */
    gw_view *view;
    const gw_key *key;
    const char *body;
    size_t body_len;
    router_send_hooks hooks; /* ctx = this call */
    gw_admission admission;
};

/* Runs one request through the router on a pooled catalog connection (counters, refusal
 * metrics). false (resp filled with a 503) when no connection came free in time. */
bool gw_send_one(gw_call *call, router_send_request *req, router_send_result *res, mm_status *st,
                 mm_error *err, gw_response *resp);
/* Answers a request that was not served (refusal, request error, every attempt failed). A
 * failing catalog is answered 503 catalog_unavailable without its address; the detail goes to
 * gw's log (once per trouble). */
void gw_openai_failure(gateway *gw, const router_send_result *res, mm_status st,
                       const mm_error *err, gw_response *resp);
/* x-mmadmin-account / -provider / -provider-model / -attempts of the serving attempt. */
void gw_served_headers(const router_attempt_result *a, size_t attempts, gw_response *resp);
/* prefix + 24 random hex digits ("chatcmpl-…"). */
void gw_random_id(const char *prefix, char *out, size_t outsz);

/* ---- streamed chat (gw_stream.c) ---- */
/* Runs req (model, input, max_tokens set; borrowed) on a worker thread and waits for its first
 * piece: then resp->stream carries the answer as OpenAI chat.completion.chunk events (usage
 * chunk when include_usage, data: [DONE]); a request that fails before its first piece is
 * answered like a non-streamed one (fallback happened inside the router). */
void gw_stream_chat(gw_call *call, const router_send_request *req, bool include_usage,
                    gw_response *resp);
/* MHD's content reader over a stream: blocks until bytes are ready (at most the attempt time);
 * the end of the events ends the response. */
ssize_t gw_stream_read(void *cls, uint64_t pos, char *buf, size_t max);
/* MHD's free callback: the client is done or gone (the upstream transfer is then cut). */
void gw_stream_release(void *cls);

void gw_openai_models(gw_call *call, gw_response *resp);
void gw_openai_chat(gw_call *call, gw_response *resp);
void gw_openai_embeddings(gw_call *call, gw_response *resp);

/* The body read as a JSON object with a string "model"; NULL (resp filled with a 400)
 * otherwise (shared with gw_media.c). */
json_t *gw_parse_body(gw_call *call, gw_response *resp);

/* ---- images and audio (gw_media.c): POST /v1/images/generations, /v1/audio/transcriptions
 * (multipart/form-data read with libmicrohttpd's post processor, bounded by max_body_bytes),
 * /v1/audio/speech (the audio bytes answered) ---- */
void gw_media_images(gw_call *call, gw_response *resp);
void gw_media_transcriptions(gw_call *call, gw_response *resp);
void gw_media_speech(gw_call *call, gw_response *resp);

/* Starts / frees the metrics state (the scrape's catalog connection opens on the first scrape). */
void gw_metrics_init(gateway *gw);
void gw_metrics_free(gateway *gw);
/* Counts a request the router refused before sending (reason: router_refusal_name). */
void gw_metrics_refusal(gateway *gw, const char *workspace, const char *model, const char *reason);
/* Counts a streamed chat's time to first token (microseconds from the request to the first
 * answer piece it sent), for mmadmin_gateway_time_to_first_token_seconds. */
void gw_metrics_first_token(gateway *gw, int64_t micros);
/* GET /metrics: the exposition (text/plain; version=0.0.4), or a 500 naming what failed. */
void gw_metrics_serve(gateway *gw, gw_response *resp);

void gw_log(const gateway *gw, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
