/* mmsim's shared types: the reply being built, the request being answered, the error kinds
 * every dialect can answer in its own shape, and the dialect descriptor table. */
#ifndef MM_SIM_SIM_H
#define MM_SIM_SIM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim_scenario.h"

#define SIM_MAX_BODY_BYTES (1024 * 1024)
#define SIM_MAX_HEADERS 24

typedef struct sim_header {
    char name[48];
    char value[96];
} sim_header;

/* A response under construction: status, content type, owned body and extra headers. */
typedef struct sim_reply {
    unsigned status;
    const char *content_type;
    char *body; /* malloc'd */
    size_t body_len;
    sim_header headers[SIM_MAX_HEADERS];
    size_t header_count;
    const char *note; /* for the log line: the fault applied, or NULL */
    /* A streamed answer (sim_stream.c): server-sent events written one by one, token_ms apart;
     * the connection is cut before event break_at when break_at > 0, and the writer pauses
     * stall_ms before event stall_at when stall_at > 0. body is then unused. */
    char **events;
    size_t event_count;
    int token_ms;
    size_t break_at;
    size_t stall_at;
    int64_t stall_ms;
} sim_reply;

/* Error kinds every dialect answers in its provider's shape. */
typedef enum sim_error_kind {
    SIM_ERR_KEY_MISSING,
    SIM_ERR_KEY_INVALID,
    SIM_ERR_QUOTA,
    SIM_ERR_RATE_LIMIT,
    SIM_ERR_OVERLOADED,
    SIM_ERR_SERVER,
    SIM_ERR_BAD_REQUEST,  /* detail: what is wrong */
    SIM_ERR_BAD_JSON,     /* the body is not JSON */
    SIM_ERR_NOT_FOUND,    /* unknown path */
    SIM_ERR_NO_MODEL,     /* detail: the unknown model id */
    SIM_ERR_TOO_LARGE,    /* body over SIM_MAX_BODY_BYTES */
    SIM_ERR_NO_DEPLOYMENT /* Azure: detail: the deployment */
} sim_error_kind;

/* Lookup of request headers and query arguments (backed by libmicrohttpd in the server). */
typedef const char *(*sim_lookup_fn)(void *source, const char *name);

typedef struct sim_request {
    sim_dialect_id dialect;
    const char *method;
    const char *path; /* after the prefix: "/models", "/v1/messages" */
    const char *body;
    size_t body_len;
    bool body_too_large;
    sim_lookup_fn header;
    sim_lookup_fn query;
    void *lookup_source;
    const char *key; /* the credential sent, or NULL */
    const sim_scenario *scenario;
    sim_plan plan; /* the rule's phase now, and whether its fault fires for this request */
    uint64_t seed; /* for this request's deterministic answer */
    char request_id[40];
} sim_request;

typedef struct sim_dialect {
    const char *prefix;
    /* The credential the request carries, or NULL. */
    const char *(*key_of)(const sim_request *req);
    void (*error)(const sim_request *req, sim_reply *reply, sim_error_kind kind,
                  const char *detail);
    void (*route)(const sim_request *req, sim_reply *reply);
    /* Headers every answer carries (rate-limit headers, request ids). */
    void (*headers)(const sim_request *req, sim_reply *reply);
} sim_dialect;

extern const sim_dialect sim_openai_dialect;
extern const sim_dialect sim_anthropic_dialect;
extern const sim_dialect sim_azure_dialect;
extern const sim_dialect sim_gemini_dialect;
extern const sim_dialect sim_cohere_dialect;
extern const sim_dialect sim_mistral_dialect;
extern const sim_dialect sim_compat_dialect;

/* The dialect for a prefix ("openai"), or NULL; and by id. */
const sim_dialect *sim_dialect_by_prefix(const char *prefix, size_t len, sim_dialect_id *id);
const sim_dialect *sim_dialect_by_id(sim_dialect_id id);

#endif
