/* mmsim scenarios: the JSON file format (parsed and validated strictly), and the shared live
 * state (current scenario, phase clock, seeded fault draws, request statistics, shutdown). */
#ifndef MM_SIM_SIM_SCENARIO_H
#define MM_SIM_SIM_SCENARIO_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sim_dialect_id {
    SIM_OPENAI,
    SIM_ANTHROPIC,
    SIM_AZURE,
    SIM_GEMINI,
    SIM_COHERE,
    SIM_MISTRAL,
    SIM_COMPAT,
    SIM_DIALECT_COUNT
} sim_dialect_id;

/* "openai", "anthropic", ... for an id; and the reverse (false if unknown). */
const char *sim_dialect_name(sim_dialect_id id);
bool sim_dialect_parse(const char *name, size_t len, sim_dialect_id *id);

typedef enum sim_fault {
    SIM_FAULT_NONE,
    SIM_FAULT_AUTH,
    SIM_FAULT_QUOTA,
    SIM_FAULT_RATE_LIMIT,
    SIM_FAULT_OVERLOADED,
    SIM_FAULT_SERVER,
    SIM_FAULT_HANG,
    SIM_FAULT_MALFORMED,
    SIM_FAULT_HTML,
    SIM_FAULT_BAD_REQUEST,
    SIM_FAULT_NO_USAGE, /* a normal answer without its usage object (usage / usageMetadata / meta)
                         */
    SIM_FAULT_STREAM_BREAK, /* a streamed answer cut (connection closed) halfway through its events
                             */
    SIM_FAULT_STREAM_STALL  /* a streamed answer that pauses hang_s halfway, then goes on */
} sim_fault;

const char *sim_fault_name(sim_fault fault);

typedef struct sim_phase {
    double duration_s; /* 0 = lasts forever (only the last phase of a non-looping rule) */
    int latency_ms;
    int jitter_ms;
    sim_fault fault;
    double fault_rate;
    int retry_after_s; /* -1 = not given */
    int hang_s;
    int token_ms; /* streamed answers: the pause before each event after the first */
} sim_phase;

typedef struct sim_rule {
    sim_dialect_id prefix;
    char *key; /* NULL = any key */
    bool loop;
    size_t max_page_size; /* 0 = not set */
    sim_phase *phases;
    size_t phase_count;
} sim_rule;

typedef struct sim_key_list {
    char **keys;
    size_t count;
    bool present; /* the scenario lists keys for this prefix */
} sim_key_list;

typedef struct sim_scenario {
    json_t *source; /* as loaded, for GET /_sim/scenario */
    uint64_t seed;
    size_t max_page_size; /* 0 = not set */
    sim_key_list keys[SIM_DIALECT_COUNT];
    char **azure_deployments;
    size_t azure_deployment_count;
    bool compat_bare_array;
    bool compat_vllm_errors;
    bool compat_require_key;
    unsigned cohere_invalid_status; /* 401 or 498 */
    sim_rule *rules;
    size_t rule_count;
    size_t refs; /* holders: the state while current, plus each request using it */
} sim_scenario;

/* Parses and validates a scenario. On error returns NULL and writes a message naming the
 * offending field into err. default_seed applies when the scenario has no "seed". */
sim_scenario *sim_scenario_parse(const char *text, size_t len, uint64_t default_seed, char *err,
                                 size_t errsz);
sim_scenario *sim_scenario_load_file(const char *path, uint64_t default_seed, char *err,
                                     size_t errsz);
/* The empty scenario: everything healthy. */
sim_scenario *sim_scenario_empty(uint64_t default_seed);
void sim_scenario_free(sim_scenario *scenario);

typedef enum sim_key_verdict { SIM_KEY_OK, SIM_KEY_MISSING, SIM_KEY_INVALID } sim_key_verdict;

/* Whether key (NULL or "" = none sent) is accepted for the prefix: the scenario's list when it
 * has one, else every non-empty key not beginning with "invalid". */
sim_key_verdict sim_scenario_check_key(const sim_scenario *scenario, sim_dialect_id prefix,
                                       const char *key, bool key_optional);

/* What the scenario says about one request. */
typedef struct sim_plan {
    sim_phase phase;      /* current phase of the matching rule (all zero: healthy) */
    bool fault_fires;     /* phase.fault applies to this request */
    int delay_ms;         /* latency plus jitter */
    size_t max_page_size; /* 0 = provider maximum */
} sim_plan;

typedef struct sim_status_count {
    unsigned status;
    uint64_t count;
} sim_status_count;

#define SIM_MAX_STATUSES 64

/* Live state shared by all connection threads; every field is guarded by lock. */
#define SIM_LAST_PATH_BYTES 256
#define SIM_LAST_BODY_MAX (64 * 1024) /* bodies kept whole up to this size */

typedef struct sim_state {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* broadcast on shutdown */
    sim_scenario *scenario;
    int64_t loaded_ms; /* monotonic time the scenario was loaded */
    uint64_t draws;    /* fault draws since load */
    uint64_t default_seed;
    bool stopping;
    uint64_t requests[SIM_DIALECT_COUNT];
    sim_status_count statuses[SIM_MAX_STATUSES];
    size_t status_count;
    /* The last provider POST received (GET /_sim/last-request): dialect, path and body. */
    sim_dialect_id last_dialect;
    char last_path[SIM_LAST_PATH_BYTES];
    char *last_body; /* heap, NULL before the first */
} sim_state;

/* Takes ownership of scenario. Returns false if threads primitives cannot be created. */
bool sim_state_init(sim_state *state, sim_scenario *scenario, uint64_t default_seed);
void sim_state_destroy(sim_state *state);
/* Replaces the scenario (takes ownership) and restarts the phase clock. */
void sim_state_replace(sim_state *state, sim_scenario *scenario);
/* The current scenario, valid until released (a replacement does not free it meanwhile). */
const sim_scenario *sim_state_acquire(sim_state *state);
void sim_state_release(sim_state *state, const sim_scenario *scenario);
/* The matching rule's phase now, the fault draw and the delay for one request. Draws come
 * from a stream seeded by the scenario's seed, in request order since the scenario loaded. */
void sim_state_plan(sim_state *state, const sim_scenario *scenario, sim_dialect_id prefix,
                    const char *key, sim_plan *plan);
/* Sleeps ms milliseconds; returns false at once if the server is stopping. */
bool sim_state_sleep(sim_state *state, int64_t ms);
void sim_state_stop(sim_state *state);
void sim_state_count(sim_state *state, sim_dialect_id prefix, unsigned status);
void sim_state_reset_stats(sim_state *state);
/* {"requests":{"openai":N,...},"by_status":{"200":N,...}} (new reference). */
json_t *sim_state_stats(sim_state *state);
/* Keeps a copy of a provider POST's body (up to SIM_LAST_BODY_MAX bytes) as the last one. */
void sim_state_note_request(sim_state *state, sim_dialect_id prefix, const char *path,
                            const char *body, size_t len);
/* {"dialect","path","body"} of the last provider POST: body as JSON when it parses, else as a
 * string; {} before any (new reference). */
json_t *sim_state_last_request(sim_state *state);
/* A copy of the current scenario's source JSON (new reference). */
json_t *sim_state_scenario_json(sim_state *state);

#endif
