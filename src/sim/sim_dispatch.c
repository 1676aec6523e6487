/* mmsim request flow: pick the dialect from the first path segment, consult the scenario
 * (latency, fault draw), check the key the provider's way, then answer with the fault or the
 * dialect's route, and finish with the dialect's headers and the statistics. */
#include "sim/sim_dispatch.h"
#include "sim/sim_reply.h"
#include "sim/sim_rng.h"
#include "sim/sim_stream.h"
#include "util/clock.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define SIM_MAX_PATH_BYTES 4096

static const sim_dialect *const dialects[SIM_DIALECT_COUNT] = {
    [SIM_OPENAI] = &sim_openai_dialect, [SIM_ANTHROPIC] = &sim_anthropic_dialect,
    [SIM_AZURE] = &sim_azure_dialect,   [SIM_GEMINI] = &sim_gemini_dialect,
    [SIM_COHERE] = &sim_cohere_dialect, [SIM_MISTRAL] = &sim_mistral_dialect,
    [SIM_COMPAT] = &sim_compat_dialect,
};

const sim_dialect *sim_dialect_by_id(sim_dialect_id id)
{
    return id < SIM_DIALECT_COUNT ? dialects[id] : NULL;
}

const sim_dialect *sim_dialect_by_prefix(const char *prefix, size_t len, sim_dialect_id *id)
{
    return sim_dialect_parse(prefix, len, id) ? dialects[*id] : NULL;
}

static const char html_page[] =
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
    "Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

static void unknown_prefix(sim_reply *reply)
{
    sim_reply_json(reply, 404,
                   json_pack("{s:s}", "error",
                             "unknown path: mmsim serves /openai, /anthropic, /azure, /gemini, "
                             "/cohere, /mistral, /compat and its admin API under /_sim/"));
}

/* Cuts a successful answer in half so it is no longer valid JSON. */
static void make_malformed(sim_reply *reply)
{
    reply->status = 200;
    reply->content_type = "application/json";
    if (reply->body && reply->body_len > 1) {
        reply->body_len /= 2;
        reply->body[reply->body_len] = '\0';
    }
}

/* Drops the usage members of a JSON answer, as servers that report none do. */
static void drop_usage(sim_reply *reply)
{
    json_error_t jerr;
    json_t *root = reply->body ? json_loadb(reply->body, reply->body_len, 0, &jerr) : NULL;
    if (!json_is_object(root)) {
        json_decref(root);
        return;
    }
    json_object_del(root, "usage");
    json_object_del(root, "usageMetadata");
    json_object_del(root, "meta");
    sim_reply_json(reply, reply->status, root);
}

/* Answers with the phase's fault. Returns false if the server stopped during a hang. */
static bool answer_fault(sim_state *state, const sim_dialect *dialect, const sim_request *req,
                         sim_reply *reply)
{
    reply->note = sim_fault_name(req->plan.phase.fault);
    switch (req->plan.phase.fault) {
    case SIM_FAULT_AUTH:
        dialect->error(req, reply, SIM_ERR_KEY_INVALID, NULL);
        break;
    case SIM_FAULT_QUOTA:
        dialect->error(req, reply, SIM_ERR_QUOTA, NULL);
        break;
    case SIM_FAULT_RATE_LIMIT:
        dialect->error(req, reply, SIM_ERR_RATE_LIMIT, NULL);
        break;
    case SIM_FAULT_OVERLOADED:
        dialect->error(req, reply, SIM_ERR_OVERLOADED, NULL);
        break;
    case SIM_FAULT_SERVER:
        dialect->error(req, reply, SIM_ERR_SERVER, NULL);
        break;
    case SIM_FAULT_BAD_REQUEST:
        dialect->error(req, reply, SIM_ERR_BAD_REQUEST,
                       "The request is invalid (simulated by mmsim's bad_request fault).");
        break;
    case SIM_FAULT_HTML:
        sim_reply_text(reply, 502, "text/html", html_page);
        return true;
    case SIM_FAULT_HANG:
        if (!sim_state_sleep(state, (int64_t)req->plan.phase.hang_s * 1000))
            return false;
        dialect->route(req, reply);
        break;
    case SIM_FAULT_MALFORMED:
        dialect->route(req, reply);
        make_malformed(reply);
        break;
    case SIM_FAULT_NO_USAGE:
        dialect->route(req, reply);
        drop_usage(reply);
        break;
    case SIM_FAULT_STREAM_BREAK: /* cut in sim_stream_answer; a whole answer is unaffected */
    case SIM_FAULT_STREAM_STALL: /* paused in sim_stream_answer; likewise */
    case SIM_FAULT_NONE:
    default:
        dialect->route(req, reply);
        break;
    }
    return true;
}

static void answer(sim_state *state, const sim_dialect *dialect, sim_request *req, sim_reply *reply,
                   bool *alive)
{
    bool optional = req->dialect == SIM_COMPAT && !req->scenario->compat_require_key;
    sim_key_verdict verdict =
        sim_scenario_check_key(req->scenario, req->dialect, req->key, optional);
    if (req->body_too_large)
        dialect->error(req, reply, SIM_ERR_TOO_LARGE, NULL);
    else if (verdict == SIM_KEY_MISSING)
        dialect->error(req, reply, SIM_ERR_KEY_MISSING, NULL);
    else if (verdict == SIM_KEY_INVALID)
        dialect->error(req, reply, SIM_ERR_KEY_INVALID, NULL);
    else if (req->plan.fault_fires)
        *alive = answer_fault(state, dialect, req, reply);
    else
        dialect->route(req, reply);
    if (*alive && reply->status == 200 && sim_stream_wanted(req))
        sim_stream_answer(req, reply);
    if (*alive && reply->status != 502)
        dialect->headers(req, reply);
}

static void fill_request(const sim_incoming *in, sim_dialect_id id, const char *path,
                         sim_request *req)
{
    memset(req, 0, sizeof *req);
    req->dialect = id;
    req->method = in->method;
    req->path = path;
    req->body = in->body;
    req->body_len = in->body_len;
    req->body_too_large = in->body_too_large;
    req->header = in->header;
    req->query = in->query;
    req->lookup_source = in->lookup_source;
}

static void make_request_id(sim_request *req)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t stream = sim_hash(&now, sizeof now, req->seed);
    snprintf(req->request_id, sizeof req->request_id, "%016llx",
             (unsigned long long)sim_rng_next(&stream));
}

bool sim_dispatch(sim_state *state, const sim_incoming *in, sim_reply *reply)
{
    const char *url = in->url[0] == '/' ? in->url + 1 : in->url;
    if (strncmp(url, "_sim/", 5) == 0 || strcmp(url, "_sim") == 0) {
        sim_admin_route(state, in, reply);
        return true;
    }
    const char *slash = strchr(url, '/');
    size_t len = slash ? (size_t)(slash - url) : strlen(url);
    sim_dialect_id id;
    const sim_dialect *dialect = sim_dialect_by_prefix(url, len, &id);
    if (!dialect) {
        unknown_prefix(reply);
        return true;
    }
    /* Paths are echoed in error bodies: keep them valid UTF-8 without control characters. */
    char path[SIM_MAX_PATH_BYTES];
    const char *raw_path = slash ? slash : "/";
    mm_sanitize(path, sizeof path, raw_path, strlen(raw_path));
    sim_request req;
    fill_request(in, id, path, &req);
    req.scenario = sim_state_acquire(state);
    req.key = dialect->key_of(&req);
    sim_state_plan(state, req.scenario, id, req.key, &req.plan);
    req.seed = sim_hash(in->body ? in->body : "", in->body ? in->body_len : 0,
                        sim_hash(in->url, strlen(in->url), req.scenario->seed));
    make_request_id(&req);
    if (strcmp(in->method, "POST") == 0 && in->body)
        sim_state_note_request(state, id, path, in->body, in->body_len);
    bool alive = sim_state_sleep(state, req.plan.delay_ms);
    if (alive)
        answer(state, dialect, &req, reply, &alive);
    sim_state_release(state, req.scenario);
    if (alive)
        sim_state_count(state, id, reply->status);
    return alive;
}
