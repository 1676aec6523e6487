/* The router: an in-memory snapshot of the catalog (accounts, models, entitlements, usage
 * counters, health, cool-downs), the pure planning core over it, and the sender that runs a plan.
 */
#ifndef MM_ROUTER_H
#define MM_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/admission.h"
#include "catalog/catalog.h"
#include "error.h"
#include "health/health.h"
#include "providers/provider.h"
#include "router/pricing.h"

/* ---- configuration (catalog settings "router.*") ---- */
#define ROUTER_WINDOW_MS 60000            /* the sliding window of every RPM / TPM limit */
#define ROUTER_RETRY_AFTER_CAP_MS 3600000 /* a provider's Retry-After is honoured up to 1 h */

typedef struct router_config {
    int cooldown_failures;         /* consecutive counting failures that cool an account (3) */
    int64_t cooldown_ms;           /* how long those failures cool it (30 s) */
    int64_t rate_limit_default_ms; /* cool-down after a 429 without Retry-After (10 s) */
} router_config;

#define ROUTER_SETTING_PREFIX "router." /* every router setting's key starts so */
#define ROUTER_SETTING_FAILURES "router.cooldown_failures"
#define ROUTER_SETTING_COOLDOWN "router.cooldown_seconds"
#define ROUTER_SETTING_RATE_LIMIT_DEFAULT "router.rate_limit_default_seconds"
#define ROUTER_FAILURES_MAX 1000
#define ROUTER_SECONDS_MAX 86400

void router_config_default(router_config *cfg);
/* Defaults overridden by the catalog settings present; a setting that is not a valid number is
 * refused with a message naming it and how to fix it. */
mm_status router_config_load(mm_catalog *cat, router_config *cfg, mm_error *err);
/* Validates and stores every field of cfg. */
mm_status router_config_save(mm_catalog *cat, const router_config *cfg, mm_error *err);
mm_status router_config_validate(const router_config *cfg, mm_error *err);

/* Whether a failed attempt of this class / HTTP status makes the router try the next target
 * (network, timeout, auth, quota, 408, 429, 5xx, overloaded, bad_response), and whether it
 * counts towards a cool-down (the same set: a failure the caller is not told about is an
 * account problem; a request error, 400/404/422, never counts). */
bool router_class_falls_through(mm_error_class cls, int http_status);
bool router_class_counts_for_cooldown(mm_error_class cls, int http_status);

/* ---- the snapshot (immutable once built; one per decision batch) ---- */
#define ROUTER_COOLING_REASON_MAX 160

typedef struct router_account {
    char name[MM_NAME_MAX];
    char provider[MM_PROVIDER_ID_MAX];
    bool enabled;
    char disabled_reason[MM_REASON_MAX];
    int64_t rpm, tpm;           /* MM_LIMIT_UNSET or the limit */
    int64_t monthly_cap_micros; /* MM_LIMIT_UNSET or USD * 1e6 */
    int64_t requests_window;    /* requests in the last minute (all workspaces) */
    int64_t tokens_window;      /* tokens in the last minute */
    int64_t window_oldest_ms;   /* oldest event of that minute (0: none): when it frees */
    int64_t cost_month_micros;  /* spent this calendar month (UTC), reservations' estimates in */
    int64_t reserved_ended;     /* reservations counted above whose process ended (killed) */
    int64_t reserved_ended_until_ms; /* when the last of them expires (0: none) */
    mm_health health;
    int64_t cooling_until_ms;                       /* 0 = not cooling */
    char cooling_reason[ROUTER_COOLING_REASON_MAX]; /* "3 consecutive failures (last: timeout)" */
} router_account;

typedef struct router_target {
    uint32_t account; /* index into router_snapshot.accounts */
    int priority;
    char model[MM_PROVIDER_MODEL_MAX];
} router_target;

typedef struct router_model {
    char name[MM_NAME_MAX];
    char type[16];
    size_t n_targets; /* by priority */
    router_target targets[MM_MAX_TARGETS];
} router_model;

typedef struct router_workspace {
    char name[MM_NAME_MAX];
} router_workspace;

typedef struct router_entitlement {
    uint32_t workspace, model;                                /* indexes */
    int64_t rpm, tpm, monthly_tokens;                         /* MM_LIMIT_UNSET or the limit */
    int64_t requests_window, tokens_window, window_oldest_ms; /* served in the last minute */
    int64_t tokens_month;                                     /* served this calendar month */
    int64_t reserved_ended;          /* reservations counted above whose process ended (killed) */
    int64_t reserved_ended_until_ms; /* when the last of them expires (0: none) */
} router_entitlement;

typedef struct router_index router_index; /* name -> position hash tables */

typedef struct router_snapshot {
    int64_t taken_ms;
    router_config config;
    router_account *accounts;
    size_t n_accounts;
    router_model *models;
    size_t n_models;
    router_workspace *workspaces;
    size_t n_workspaces;
    router_entitlement *entitlements;
    size_t n_entitlements;
    router_index *index;
} router_snapshot;

/* Building a snapshot by hand (tests, benchmarks): reserve capacities, append, then
 * router_snapshot_finish builds the hash indexes (refusing duplicate names). */
mm_status router_snapshot_new(size_t accounts, size_t models, size_t workspaces,
                              size_t entitlements, router_snapshot **out, mm_error *err);
router_account *router_snapshot_add_account(router_snapshot *snap, const char *name,
                                            const char *provider);
router_model *router_snapshot_add_model(router_snapshot *snap, const char *name, const char *type);
/* Appends a target to model (by priority order); false when the chain is full or the account
 * is unknown (call after adding accounts; uses a linear search until finished). */
bool router_model_add_target(router_snapshot *snap, router_model *model, const char *account,
                             const char *provider_model, int priority);
router_workspace *router_snapshot_add_workspace(router_snapshot *snap, const char *name);
router_entitlement *router_snapshot_add_entitlement(router_snapshot *snap, const char *workspace,
                                                    const char *model);
/* Indexes the accounts early so that adding many targets looks them up by hash (optional). */
mm_status router_snapshot_index_accounts(router_snapshot *snap, mm_error *err);
mm_status router_snapshot_finish(router_snapshot *snap, mm_error *err);
void router_snapshot_free(router_snapshot *snap);

/* Lookups (hash, O(1)); -1 when absent. */
long router_find_account(const router_snapshot *snap, const char *name);
long router_find_model(const router_snapshot *snap, const char *name);
long router_find_workspace(const router_snapshot *snap, const char *name);
long router_find_entitlement(const router_snapshot *snap, uint32_t workspace, uint32_t model);

typedef struct router_load_options {
    /* NULL: every model, account and health (the gateway's view). Else only that model, its
     * chain's accounts and their health, read by index (`send`, `route`): the load costs the
     * same at 10 accounts or 10,000. */
    const char *model;
    const char *workspace;       /* NULL: every workspace; else only it and its entitlements */
    const mm_health_map *health; /* NULL: computed from the catalog's usage events */
    /* non-NULL (with model): receives the rows of the chain's accounts as the load read them
     * (send connects with them rather than reading them again); mm_account_list_free */
    mm_account_list *accounts;
    /* true: an account's or an entitlement's usage counters and ended reservations are read only
     * when it has a limit they are judged against (a plan without explain reads no other) */
    bool counters_for_limits_only;
} router_load_options;

/* Builds a snapshot from the catalog at now_ms: the catalog rows, the usage counters of the
 * last minute and of the month, health, the router settings and each account's cool-down
 * (derived from its latest request events, so it holds across processes), all read in one read
 * transaction (catalog_read_begin; joining one the caller has open). */
mm_status router_snapshot_load(mm_catalog *cat, int64_t now_ms, const router_load_options *opts,
                               router_snapshot **out, mm_error *err);

/* Cool-down of one account from its latest request events, newest first (outcome class, HTTP
 * status, time, retry-after). Pure; used by the loader and by tests. */
typedef struct router_recent_event {
    mm_error_class cls;
    int http_status;
    int64_t ts_ms;
    int64_t retry_after_ms; /* -1 when not given */
} router_recent_event;

int64_t router_cooling_until(const router_config *cfg, const router_recent_event *newest_first,
                             size_t count, int64_t now_ms, char *reason, size_t reasonsz);

/* ---- planning ---- */
#define ROUTER_MAX_DOWN 16
#define ROUTER_EXPLAIN_MAX (4 + 3 * MM_MAX_TARGETS)
#define ROUTER_EXPLAIN_TEXT_MAX 240

typedef struct router_request {
    const char *workspace;
    const char *model;
    int64_t tokens_estimate; /* 0 when unknown */
    const char *const *down; /* what-if: these accounts taken as unreachable */
    size_t n_down;
    bool explain; /* fill router_plan.explain */
} router_request;

typedef enum router_refusal {
    ROUTER_ADMITTED = 0,
    ROUTER_UNKNOWN_MODEL,
    ROUTER_UNKNOWN_WORKSPACE,
    ROUTER_NOT_ENTITLED,
    ROUTER_WORKSPACE_RPM,
    ROUTER_WORKSPACE_TPM,
    ROUTER_WORKSPACE_MONTHLY_TOKENS,
    ROUTER_NO_TARGETS,
    ROUTER_NO_USABLE_TARGET
} router_refusal;

const char *router_refusal_name(router_refusal refusal); /* "not_entitled", ... */

typedef enum router_step {
    ROUTER_STEP_CHECK,   /* a request-level rule that passed */
    ROUTER_STEP_INCLUDE, /* a target kept in the plan */
    ROUTER_STEP_SKIP,    /* a target left out, with why */
    ROUTER_STEP_REORDER, /* a target moved for its health */
    ROUTER_STEP_REFUSE   /* the refusal */
} router_step;

const char *router_step_name(router_step step); /* "check", "include", ... */

typedef struct router_explain_line {
    router_step step;
    int priority; /* the target's, 0 for request-level lines */
    char text[ROUTER_EXPLAIN_TEXT_MAX];
} router_explain_line;

typedef struct router_attempt {
    const router_account *account;
    const router_target *target;
    mm_health health; /* as planned (what-if applied) */
    bool down;        /* named by the what-if */
    bool cooling;     /* cooling, but tried anyway (the only target of its chain) */
} router_attempt;

typedef struct router_plan {
    router_refusal refusal;       /* ROUTER_ADMITTED when attempts holds the plan */
    mm_status status;             /* MM_OK, MM_E_REFUSED or MM_E_NOT_FOUND */
    char message[MM_MESSAGE_MAX]; /* why refused, and what to do */
    int64_t frees_at_ms;          /* refused: when it can pass again (0: not by waiting) */
    const router_model *model;
    const router_entitlement *entitlement;
    size_t n_attempts;
    router_attempt attempts[MM_MAX_TARGETS];
    size_t n_explain;
    router_explain_line explain[ROUTER_EXPLAIN_MAX];
} router_plan;

/* Decides, without I/O or allocation, what to try for req at now_ms. Always fills out (the
 * plan refers into snap, which must outlive it). Returns out->status. */
mm_status router_plan_request(const router_snapshot *snap, const router_request *req,
                              int64_t now_ms, router_plan *out);

/* "in 12 s", "in 3 min", "on 2026-12-01 00:00:00 UTC" for frees-at messages. */
void router_format_wait(int64_t now_ms, int64_t at_ms, char *out, size_t outsz);

/* ---- sending ---- */
/* How a sender admits and records attempts. NULL (or a NULL member): the catalog's exact,
 * transactional steps (catalog_admit, catalog_admission_record, catalog_admission_release).
 * A long-running server substitutes its own (mmadmin serve skips the transactions for requests
 * no limit applies to and batches their usage events); the rules stay the router's. */
typedef struct router_send_hooks {
    mm_status (*admit)(void *ctx, mm_catalog *cat, const mm_admission_request *req,
                       int64_t *reservation, mm_admission *out, mm_error *err);
    mm_status (*record)(void *ctx, mm_catalog *cat, int64_t reservation, mm_usage_event *ev,
                        bool final, mm_error *err);
    mm_status (*release)(void *ctx, mm_catalog *cat, int64_t reservation, mm_error *err);
    /* The account's connection; the strings it points to (the decrypted key included) belong
     * to the hook and stay valid until router_send returns. NULL: the catalog row and key. */
    mm_status (*connect)(void *ctx, const char *account, mm_connection *conn, mm_error *err);
    /* USD micros for tokens on (provider, model), -1 when no price. NULL: pricing_cost_of. */
    mm_status (*cost)(void *ctx, mm_catalog *cat, const char *provider, const char *model,
                      const pricing_tokens *tokens, int64_t *cost, mm_error *err);
    void *ctx;
} router_send_hooks;

typedef struct router_attempt_result router_attempt_result;

typedef struct router_send_request {
    const char *workspace;
    const char *model;
    const char *input; /* prompt (chat) or text (embedding); NULL for media */
    /* Chat: the whole conversation (serve's messages), sent as messages to each dialect; NULL:
     * input as one user message. input stays the text admission estimates tokens from. */
    const mm_chat *chat;
    /* Image and audio models (issue 16): what to make; NULL for chat and embedding. The
     * model's type must fit (image for MM_MEDIA_IMAGE, audio for transcription and speech). */
    const mm_media_request *media;
    int max_tokens;  /* chat; 0 = 256 */
    long timeout_ms; /* per attempt; 0 = the provider default */
    /* Streaming (on_text): when > 0, timeout_ms bounds an attempt until its first byte (the
     * fallback window) and this the longest pause between bytes after it; a long but live
     * stream is not cut. 0: timeout_ms bounds the whole attempt. */
    long stream_idle_timeout_ms;
    /* NULL: a snapshot is loaded for this request. Else a shared one (mmadmin serve keeps one,
     * refreshed when the catalog changes), borrowed: it must outlive the result, whose plan
     * refers into it. Admission stays exact either way (catalog/admission.h). */
    const router_snapshot *snapshot;
    const router_send_hooks *hooks; /* NULL: the catalog's admission and recording */
    /* Streaming (chat models): each piece of the answer as it arrives, with the attempt that
     * serves it (account, provider, model filled; its outcome not yet) and how many attempts
     * came before it plus one. The next target is tried only while no piece went out; after
     * that a failure ends the request (MM_E_PROVIDER, res->streamed set). Return false to stop
     * (the client went away): the transfer is cut and what was used is recorded. NULL: the
     * whole answer at the end (res->output). */
    bool (*on_text)(void *ctx, const router_attempt_result *serving, size_t attempts,
                    const char *text, size_t len);
    /* With on_text: the answer's tool calls as they stream, in OpenAI's delta shape (a JSON
     * array text; mm_tool_calls_fn in provider.h), with the same serving attempt; a delta
     * counts as a piece that went out (no fallback after it). NULL: the tool calls come whole
     * in res->tool_calls only. */
    bool (*on_tool_calls)(void *ctx, const router_attempt_result *serving, size_t attempts,
                          const char *deltas, size_t len);
    void *stream_ctx;
} router_send_request;

struct router_attempt_result {
    char account[MM_NAME_MAX];
    char provider[MM_PROVIDER_ID_MAX];
    char model[MM_PROVIDER_MODEL_MAX];
    int priority;
    mm_error_class cls;
    int http_status;
    int64_t latency_ms;
    int64_t retry_after_ms;
    bool skipped;       /* not sent: the account's limits were reached meanwhile */
    bool falls_through; /* failed in a way that lets the next target try */
    char message[MM_MESSAGE_MAX];
};

typedef struct router_send_result {
    router_plan plan;
    bool served;
    int served_index; /* into attempts, -1 when not served */
    size_t n_attempts;
    router_attempt_result attempts[MM_MAX_TARGETS];
    int64_t tokens_in, tokens_out;
    int64_t tokens_cache_read, tokens_cache_write, tokens_reasoning; /* parts, as billed */
    bool usage_estimated; /* the answer had no usable usage: tokens and cost are the estimate */
    int64_t cost_micros;  /* -1 when some served token has no price */
    char *output;         /* the answer (sanitized); free with router_send_result_free */
    char *tool_calls;     /* chat: the tool calls asked for, OpenAI's JSON (provider.h), or NULL */
    double *embedding;    /* embedding models: the vector (freed with the result), else NULL */
    size_t embedding_dims;
    /* Streaming: pieces went out (a failure after that is not retried), the client stopped
     * the stream, how the answer ended ("stop", "length", ...; "" unknown), and the serving
     * attempt's time to its first byte (-1: none). */
    bool streamed, stopped;
    char finish_reason[24];
    int64_t first_byte_ms;
    /* Media answers, moved from the serving call (provider.h): images as base64 or URLs, the
     * speech audio and its MIME type (a transcription's text is output), and the billed units
     * (images, audio_ms, characters) the cost was computed from. */
    mm_string_list images_b64, image_urls;
    unsigned char *media;
    size_t media_len;
    char media_type[64];
    int64_t images, audio_ms, characters;
    router_snapshot *snapshot; /* what plan refers into; freed with the result (NULL when the
                                  request lent its own) */
} router_send_result;

/* Plans and runs one request: each attempt is admitted atomically against the limits shared by
 * every process (catalog/admission.h), sent, and recorded as a usage event. Returns MM_OK when
 * served; MM_E_REFUSED / MM_E_NOT_FOUND when refused before sending; MM_E_INVALID for a request
 * error returned by the provider (not retried elsewhere); MM_E_PROVIDER when every attempt
 * failed (err lists them). res is always filled. */
mm_status router_send(mm_catalog *cat, const router_send_request *req, router_send_result *res,
                      mm_error *err);
void router_send_result_free(router_send_result *res);

#endif
