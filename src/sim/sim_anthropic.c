/* The anthropic dialect (https://api.anthropic.com under /anthropic): x-api-key and
 * anthropic-version headers, paginated /v1/models, /v1/messages, typed error bodies and the
 * anthropic-ratelimit-* headers. */
#include "sim/sim_content.h"
#include "sim/sim_models.h"
#include "sim/sim_openai.h"
#include "sim/sim_reply.h"
#include "sim/sim_tools.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define ANTHROPIC_DEFAULT_PAGE 20
#define ANTHROPIC_MAX_PAGE 1000

static const char *anthropic_key(const sim_request *req)
{
    /* API keys come in x-api-key; the SDKs' authToken (OAuth) as Authorization: Bearer, which
     * mmsim checks by the same rules */
    const char *key = sim_request_header(req, "x-api-key");
    return key ? key : sim_request_bearer(req);
}

static void anthropic_error_body(const sim_request *req, sim_reply *reply, unsigned status,
                                 const char *type, const char *message)
{
    char id[48];
    sim_make_id(req, "req_", id, sizeof id);
    sim_reply_json(reply, status,
                   json_pack("{s:s,s:{s:s,s:s},s:s}", "type", "error", "error", "type", type,
                             "message", message, "request_id", id));
}

static void anthropic_error(const sim_request *req, sim_reply *reply, sim_error_kind kind,
                            const char *detail)
{
    char message[256];
    switch (kind) {
    case SIM_ERR_KEY_MISSING:
        anthropic_error_body(req, reply, 401, "authentication_error",
                             "x-api-key header is required");
        return;
    case SIM_ERR_KEY_INVALID:
        anthropic_error_body(req, reply, 401, "authentication_error", "invalid x-api-key");
        return;
    case SIM_ERR_QUOTA:
        anthropic_error_body(req, reply, 402, "billing_error",
                             "Your credit balance is too low to access the Anthropic API. "
                             "Please go to Plans & Billing to upgrade or purchase credits.");
        return;
    case SIM_ERR_RATE_LIMIT:
        anthropic_error_body(req, reply, 429, "rate_limit_error",
                             "This request would exceed the rate limit for your organization "
                             "(mmsim) of 50 requests per minute. For details, refer to: "
                             "https://docs.anthropic.com/en/api/rate-limits. You can see the "
                             "response headers for current usage. Please reduce the prompt "
                             "length or the maximum tokens requested, or try again later.");
        sim_retry_after_headers(req, reply, false);
        return;
    case SIM_ERR_OVERLOADED:
        anthropic_error_body(req, reply, 529, "overloaded_error", "Overloaded");
        return;
    case SIM_ERR_SERVER:
        anthropic_error_body(req, reply, 500, "api_error", "Internal server error");
        return;
    case SIM_ERR_BAD_REQUEST:
        anthropic_error_body(req, reply, 400, "invalid_request_error", detail);
        return;
    case SIM_ERR_BAD_JSON:
        anthropic_error_body(req, reply, 400, "invalid_request_error",
                             "There was an issue with the format of your request: the body is "
                             "not valid JSON");
        return;
    case SIM_ERR_NO_MODEL:
    case SIM_ERR_NO_DEPLOYMENT:
        snprintf(message, sizeof message, "model: %s", detail);
        anthropic_error_body(req, reply, 404, "not_found_error", message);
        return;
    case SIM_ERR_TOO_LARGE:
        anthropic_error_body(req, reply, 413, "request_too_large",
                             "Request exceeds the maximum allowed number of bytes.");
        return;
    case SIM_ERR_NOT_FOUND:
    default:
        anthropic_error_body(req, reply, 404, "not_found_error", "Not found");
        return;
    }
}

static json_t *model_object(const sim_model *model)
{
    return json_pack("{s:s,s:s,s:s,s:s}", "type", "model", "id", model->id, "display_name",
                     model->display_name, "created_at", model->created_iso);
}

/* Index of the model with this id, or -1. */
static long model_index(const sim_model *models, size_t count, const char *id)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(models[i].id, id) == 0)
            return (long)i;
    }
    return -1;
}

static void list_models(const sim_request *req, sim_reply *reply)
{
    size_t count, limit;
    const sim_model *models = sim_models(SIM_ANTHROPIC, &count);
    if (!sim_request_page_size(req, "limit", ANTHROPIC_DEFAULT_PAGE,
                               sim_page_cap(req, ANTHROPIC_MAX_PAGE), &limit)) {
        anthropic_error(req, reply, SIM_ERR_BAD_REQUEST,
                        "limit: Input should be a valid integer from 1 to 1000");
        return;
    }
    const char *after = sim_request_query(req, "after_id");
    const char *before = sim_request_query(req, "before_id");
    long start = 0, end = (long)count;
    if (after && (start = model_index(models, count, after) + 1) == 0) {
        anthropic_error(req, reply, SIM_ERR_BAD_REQUEST, "after_id: no model has this id");
        return;
    }
    if (before && (end = model_index(models, count, before)) < 0) {
        anthropic_error(req, reply, SIM_ERR_BAD_REQUEST, "before_id: no model has this id");
        return;
    }
    if (before && !after && end - start > (long)limit)
        start = end - (long)limit;
    long stop = start + (long)limit < end ? start + (long)limit : end;
    json_t *data = json_array();
    for (long i = start; i < stop; i++)
        json_array_append_new(data, model_object(&models[i]));
    bool has_more = before && !after ? start > 0 : stop < end;
    sim_reply_json(reply, 200,
                   json_pack("{s:o,s:b,s:s?,s:s?}", "data", data, "has_more", has_more, "first_id",
                             stop > start ? models[start].id : NULL, "last_id",
                             stop > start ? models[stop - 1].id : NULL));
}

static const char *check_message_request(json_t *body)
{
    json_t *max_tokens = json_object_get(body, "max_tokens");
    json_t *messages = json_object_get(body, "messages");
    if (!json_is_string(json_object_get(body, "model")))
        return "model: Field required";
    if (!max_tokens)
        return "max_tokens: Field required";
    if (!json_is_integer(max_tokens) || json_integer_value(max_tokens) < 1)
        return "max_tokens: Input should be a valid integer greater than or equal to 1";
    if (!json_is_array(messages) || json_array_size(messages) == 0)
        return "messages: Field required (at least one message)";
    return NULL;
}

static void create_message(const sim_request *req, sim_reply *reply)
{
    json_t *body = sim_request_json(req);
    if (!body) {
        anthropic_error(req, reply, SIM_ERR_BAD_JSON, NULL);
        return;
    }
    const char *problem = check_message_request(body);
    const char *model = json_string_value(json_object_get(body, "model"));
    if (problem) {
        anthropic_error(req, reply, SIM_ERR_BAD_REQUEST, problem);
    } else if (!sim_model_find(SIM_ANTHROPIC, model)) {
        anthropic_error(req, reply, SIM_ERR_NO_MODEL, model);
    } else {
        long input = sim_messages_tokens(json_object_get(body, "messages"), "content") +
                     sim_tokens_for_bytes(sim_content_bytes(json_object_get(body, "system")));
        sim_completion completion =
            sim_complete(req->seed, (long)json_integer_value(json_object_get(body, "max_tokens")));
        char id[48];
        sim_make_id(req, "msg_", id, sizeof id);
        sim_reply_json(reply, 200,
                       json_pack("{s:s,s:s,s:s,s:s,s:[{s:s,s:s}],s:s,s:n,s:{s:I,s:I,s:i,s:i}}",
                                 "id", id, "type", "message", "role", "assistant", "model", model,
                                 "content", "type", "text", "text",
                                 completion.text ? completion.text : "", "stop_reason",
                                 completion.truncated ? "max_tokens" : "end_turn", "stop_sequence",
                                 "usage", "input_tokens", (json_int_t)input, "output_tokens",
                                 (json_int_t)completion.output_tokens,
                                 "cache_creation_input_tokens", 0, "cache_read_input_tokens", 0));
        sim_completion_free(&completion);
        sim_tool_answer(req, reply, body);
    }
    json_decref(body);
}

static void anthropic_route(const sim_request *req, sim_reply *reply)
{
    if (!sim_request_header(req, "anthropic-version")) {
        anthropic_error(req, reply, SIM_ERR_BAD_REQUEST, "anthropic-version: header is required");
        return;
    }
    if (sim_request_is(req, "GET", "/v1/models")) {
        list_models(req, reply);
    } else if (strcmp(req->method, "GET") == 0 && strncmp(req->path, "/v1/models/", 11) == 0) {
        const sim_model *model = sim_model_find(SIM_ANTHROPIC, req->path + 11);
        if (model)
            sim_reply_json(reply, 200, model_object(model));
        else
            anthropic_error(req, reply, SIM_ERR_NO_MODEL, req->path + 11);
    } else if (sim_request_is(req, "POST", "/v1/messages")) {
        create_message(req, reply);
    } else {
        anthropic_error(req, reply, SIM_ERR_NOT_FOUND, NULL);
    }
}

static void ratelimit_group(sim_reply *reply, const char *group, long limit, long remaining,
                            const char *reset)
{
    char name[64];
    snprintf(name, sizeof name, "anthropic-ratelimit-%s-limit", group);
    sim_reply_header(reply, name, "%ld", limit);
    snprintf(name, sizeof name, "anthropic-ratelimit-%s-remaining", group);
    sim_reply_header(reply, name, "%ld", remaining);
    snprintf(name, sizeof name, "anthropic-ratelimit-%s-reset", group);
    sim_reply_set_header(reply, name, reset);
}

static void anthropic_headers(const sim_request *req, sim_reply *reply)
{
    char id[48];
    sim_make_id(req, "req_", id, sizeof id);
    sim_reply_set_header(reply, "request-id", id);
    bool limited = reply->status == 429 && req->plan.fault_fires &&
                   req->plan.phase.fault == SIM_FAULT_RATE_LIMIT;
    int wait_s = limited && req->plan.phase.retry_after_s >= 0 ? req->plan.phase.retry_after_s : 1;
    time_t reset_at = time(NULL) + wait_s;
    struct tm tm;
    gmtime_r(&reset_at, &tm);
    char reset[32];
    strftime(reset, sizeof reset, "%Y-%m-%dT%H:%M:%SZ", &tm);
    ratelimit_group(reply, "requests", 50, limited ? 0 : 49, reset);
    ratelimit_group(reply, "tokens", 480000, limited ? 0 : 479000, reset);
    ratelimit_group(reply, "input-tokens", 400000, limited ? 0 : 399000, reset);
    ratelimit_group(reply, "output-tokens", 80000, limited ? 0 : 80000, reset);
}

const sim_dialect sim_anthropic_dialect = {"anthropic", anthropic_key, anthropic_error,
                                           anthropic_route, anthropic_headers};
