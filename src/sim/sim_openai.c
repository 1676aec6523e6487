/* The openai dialect (https://api.openai.com/v1 under /openai) and the OpenAI-shaped bodies
 * and headers the azure, mistral and compat dialects reuse (embeddings as float arrays or, as
 * the official clients ask by default, base64 of little-endian float32). */
#include "sim/sim_openai.h"
#include "sim/sim_tools.h"
#include "sim/sim_content.h"
#include "sim/sim_media.h"
#include "sim/sim_models.h"
#include "sim/sim_reply.h"
#include "sim/sim_rng.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sim_make_id(const sim_request *req, const char *prefix, char *out, size_t outsz)
{
    uint64_t stream = sim_hash(req->request_id, strlen(req->request_id), req->seed);
    snprintf(out, outsz, "%s%016llx%08llx", prefix, (unsigned long long)sim_rng_next(&stream),
             (unsigned long long)(sim_rng_next(&stream) & 0xFFFFFFFFULL));
}

static long max_tokens_of(json_t *body)
{
    json_t *value = json_object_get(body, "max_completion_tokens");
    if (!json_is_integer(value))
        value = json_object_get(body, "max_tokens");
    return json_is_integer(value) ? (long)json_integer_value(value) : 0;
}

const char *sim_openai_chat(const sim_request *req, sim_reply *reply, json_t *body,
                            const char *model)
{
    json_t *messages = json_object_get(body, "messages");
    if (!json_is_array(messages))
        return "'messages' is a required property";
    if (json_array_size(messages) == 0)
        return "Invalid 'messages': empty array. Expected an array with minimum length 1, but "
               "got an empty array instead.";
    json_t *max_tokens = json_object_get(body, "max_tokens");
    if (max_tokens && !json_is_null(max_tokens) &&
        (!json_is_integer(max_tokens) || json_integer_value(max_tokens) < 1))
        return "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1.";
    long prompt = sim_messages_tokens(messages, "content");
    sim_completion completion = sim_complete(req->seed, max_tokens_of(body));
    if (!completion.text)
        return "out of memory";
    char id[48];
    sim_make_id(req, "chatcmpl-", id, sizeof id);
    json_t *choice = json_pack("{s:i,s:{s:s,s:s,s:n},s:n,s:s}", "index", 0, "message", "role",
                               "assistant", "content", completion.text, "refusal", "logprobs",
                               "finish_reason", completion.truncated ? "length" : "stop");
    json_t *answer = json_pack("{s:s,s:s,s:I,s:s,s:[o],s:{s:I,s:I,s:I},s:s}", "id", id, "object",
                               "chat.completion", "created", (json_int_t)time(NULL), "model", model,
                               "choices", choice, "usage", "prompt_tokens", (json_int_t)prompt,
                               "completion_tokens", (json_int_t)completion.output_tokens,
                               "total_tokens", (json_int_t)(prompt + completion.output_tokens),
                               "system_fingerprint", "fp_mmsim");
    sim_completion_free(&completion);
    sim_reply_json(reply, 200, answer);
    sim_tool_answer(req, reply, body);
    return NULL;
}

/* The vector as the official clients ask for it by default (encoding_format "base64"): the
 * base64 of its values as little-endian float32. NULL when out of memory. */
static json_t *embedding_base64(const json_t *vector)
{
    size_t n = json_array_size(vector);
    unsigned char *bytes = malloc(n * 4 + 1);
    size_t b64len = sodium_base64_encoded_len(n * 4, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64len);
    json_t *out = NULL;
    if (bytes && b64) {
        for (size_t i = 0; i < n; i++) {
            float value = (float)json_real_value(json_array_get(vector, i));
            uint32_t word;
            memcpy(&word, &value, sizeof word);
            for (int b = 0; b < 4; b++)
                bytes[i * 4 + (size_t)b] = (unsigned char)(word >> (8 * b));
        }
        sodium_bin2base64(b64, b64len, bytes, n * 4, sodium_base64_VARIANT_ORIGINAL);
        out = json_string(b64);
    }
    free(bytes);
    free(b64);
    return out;
}

/* encoding_format: absent or "float" (an array), "base64" (a string); else NULL. */
static const char *encoding_format(const json_t *body)
{
    const json_t *format = json_object_get(body, "encoding_format");
    if (!format || json_is_null(format))
        return "float";
    const char *name = json_string_value(format);
    return name && (strcmp(name, "float") == 0 || strcmp(name, "base64") == 0) ? name : NULL;
}

const char *sim_openai_embeddings(const sim_request *req, sim_reply *reply, json_t *body,
                                  const char *model)
{
    const char *format = encoding_format(body);
    if (!format)
        return "'encoding_format' must be one of 'float', 'base64'";
    bool base64 = strcmp(format, "base64") == 0;
    json_t *input = json_object_get(body, "input");
    json_t *texts = json_is_string(input) ? json_pack("[O]", input) : json_incref(input);
    bool valid = json_is_array(texts) && json_array_size(texts) > 0;
    size_t i;
    json_t *text;
    json_array_foreach(texts, i, text) valid = valid && json_is_string(text);
    if (!valid) {
        json_decref(texts);
        return "'input' is a required property: a string or a non-empty array of strings";
    }
    json_t *data = json_array();
    long tokens = 0;
    json_array_foreach(texts, i, text)
    {
        tokens += sim_tokens_for_bytes(json_string_length(text));
        json_t *vector =
            sim_embedding(req->seed, json_string_value(text), json_string_length(text));
        if (base64) {
            json_t *encoded = embedding_base64(vector);
            json_decref(vector);
            vector = encoded;
        }
        json_array_append_new(data, json_pack("{s:s,s:I,s:o}", "object", "embedding", "index",
                                              (json_int_t)i, "embedding", vector));
    }
    json_decref(texts);
    json_t *answer =
        json_pack("{s:s,s:o,s:s,s:{s:I,s:I}}", "object", "list", "data", data, "model", model,
                  "usage", "prompt_tokens", (json_int_t)tokens, "total_tokens", (json_int_t)tokens);
    if (req->dialect == SIM_MISTRAL) { /* Mistral's answer has an id (its SDK requires it) */
        char id[64];
        sim_make_id(req, "embd-", id, sizeof id);
        json_object_set_new(answer, "id", json_string(id));
        json_object_set_new(json_object_get(answer, "usage"), "completion_tokens", json_integer(0));
    }
    sim_reply_json(reply, 200, answer);
    return NULL;
}

json_t *sim_openai_model_list(sim_dialect_id dialect)
{
    size_t count;
    const sim_model *models = sim_models(dialect, &count);
    json_t *data = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(data, json_pack("{s:s,s:s,s:I,s:s}", "id", models[i].id, "object",
                                              "model", "created", (json_int_t)models[i].created,
                                              "owned_by", models[i].owner));
    return json_pack("{s:s,s:o}", "object", "list", "data", data);
}

static bool rate_limited(const sim_request *req, const sim_reply *reply)
{
    return reply->status == 429 && req->plan.fault_fires &&
           req->plan.phase.fault == SIM_FAULT_RATE_LIMIT;
}

void sim_openai_ratelimit_headers(const sim_request *req, sim_reply *reply)
{
    bool limited = rate_limited(req, reply);
    int retry = req->plan.phase.retry_after_s;
    sim_reply_header(reply, "x-ratelimit-limit-requests", "%d", 500);
    sim_reply_header(reply, "x-ratelimit-limit-tokens", "%d", 200000);
    sim_reply_header(reply, "x-ratelimit-remaining-requests", "%d", limited ? 0 : 499);
    sim_reply_header(reply, "x-ratelimit-remaining-tokens", "%d", limited ? 0 : 199950);
    if (limited && retry >= 0) {
        sim_reply_header(reply, "x-ratelimit-reset-requests", "%ds", retry);
        sim_reply_header(reply, "x-ratelimit-reset-tokens", "%ds", retry);
    } else {
        sim_reply_header(reply, "x-ratelimit-reset-requests", "120ms");
        sim_reply_header(reply, "x-ratelimit-reset-tokens", "15ms");
    }
}

void sim_retry_after_headers(const sim_request *req, sim_reply *reply, bool with_ms)
{
    int retry = req->plan.phase.retry_after_s;
    if (retry < 0)
        return;
    sim_reply_header(reply, "retry-after", "%d", retry);
    if (with_ms)
        sim_reply_header(reply, "retry-after-ms", "%d", retry * 1000);
}

/* ---- the openai dialect ---- */

static void openai_error_body(sim_reply *reply, unsigned status, const char *message,
                              const char *type, const char *code)
{
    sim_reply_json(reply, status,
                   json_pack("{s:{s:s,s:s,s:n,s:s?}}", "error", "message", message, "type", type,
                             "param", "code", code));
}

static void openai_error(const sim_request *req, sim_reply *reply, sim_error_kind kind,
                         const char *detail)
{
    char message[512];
    char hint[32];
    switch (kind) {
    case SIM_ERR_KEY_MISSING:
        openai_error_body(reply, 401,
                          "You didn't provide an API key. You need to provide your API key in "
                          "an Authorization header using Bearer auth (i.e. Authorization: "
                          "Bearer YOUR_KEY). You can obtain an API key from "
                          "https://platform.openai.com/account/api-keys.",
                          "invalid_request_error", NULL);
        return;
    case SIM_ERR_KEY_INVALID:
        sim_key_hint(req->key, hint, sizeof hint);
        snprintf(message, sizeof message,
                 "Incorrect API key provided: %s. You can find your API key at "
                 "https://platform.openai.com/account/api-keys.",
                 hint);
        openai_error_body(reply, 401, message, "invalid_request_error", "invalid_api_key");
        return;
    case SIM_ERR_QUOTA:
        openai_error_body(reply, 429,
                          "You exceeded your current quota, please check your plan and billing "
                          "details. For more information on this error, read the docs: "
                          "https://platform.openai.com/docs/guides/error-codes/api-errors.",
                          "insufficient_quota", "insufficient_quota");
        return;
    case SIM_ERR_RATE_LIMIT:
        if (req->plan.phase.retry_after_s >= 0)
            snprintf(message, sizeof message,
                     "Rate limit reached for requests in organization org-mmsim on requests "
                     "per min (RPM): Limit 500, Used 500, Requested 1. Please try again in %ds. "
                     "Visit https://platform.openai.com/account/rate-limits to learn more.",
                     req->plan.phase.retry_after_s);
        else
            snprintf(message, sizeof message,
                     "Rate limit reached for requests in organization org-mmsim on requests "
                     "per min (RPM): Limit 500, Used 500, Requested 1. Visit "
                     "https://platform.openai.com/account/rate-limits to learn more.");
        openai_error_body(reply, 429, message, "requests", "rate_limit_exceeded");
        sim_retry_after_headers(req, reply, false);
        return;
    case SIM_ERR_OVERLOADED:
        openai_error_body(reply, 503, "The engine is currently overloaded, please try again later",
                          "server_error", NULL);
        return;
    case SIM_ERR_SERVER:
        openai_error_body(reply, 500,
                          "The server had an error while processing your request. Sorry about "
                          "that!",
                          "server_error", NULL);
        return;
    case SIM_ERR_BAD_REQUEST:
        openai_error_body(reply, 400, detail, "invalid_request_error", NULL);
        return;
    case SIM_ERR_BAD_JSON:
        openai_error_body(reply, 400,
                          "We could not parse the JSON body of your request. (HINT: This likely "
                          "means you aren't using your HTTP library correctly. The OpenAI API "
                          "expects a JSON payload, but what was sent was not valid JSON.)",
                          "invalid_request_error", NULL);
        return;
    case SIM_ERR_NO_MODEL:
    case SIM_ERR_NO_DEPLOYMENT:
        snprintf(message, sizeof message,
                 "The model `%s` does not exist or you do not have access to it.", detail);
        openai_error_body(reply, 404, message, "invalid_request_error", "model_not_found");
        return;
    case SIM_ERR_TOO_LARGE:
        openai_error_body(reply, 413, "Request body too large: the limit is 1048576 bytes.",
                          "invalid_request_error", "request_too_large");
        return;
    case SIM_ERR_NOT_FOUND:
    default:
        snprintf(message, sizeof message, "Invalid URL (%s /v1%s)", req->method, req->path);
        openai_error_body(reply, 404, message, "invalid_request_error", NULL);
        return;
    }
}

/* Routes the OpenAI surface (/models, /chat/completions, /embeddings, and the media operations
 * of sim_media.c); shared with compat,
 * which accepts any model name. */
static void openai_like_route(const sim_request *req, sim_reply *reply, bool any_model,
                              const sim_dialect *dialect)
{
    bool chat = sim_request_is(req, "POST", "/chat/completions");
    bool embed = sim_request_is(req, "POST", "/embeddings");
    if (sim_request_is(req, "GET", "/models")) {
        sim_reply_json(reply, 200, sim_openai_model_list(req->dialect));
        return;
    }
    if (strcmp(req->method, "POST") == 0 && sim_media_path(req->path)) {
        const char *problem = sim_media_openai(req, reply, req->path, NULL);
        if (problem)
            dialect->error(req, reply, SIM_ERR_BAD_REQUEST, problem);
        return;
    }
    if (!chat && !embed) {
        dialect->error(req, reply, SIM_ERR_NOT_FOUND, NULL);
        return;
    }
    json_t *body = sim_request_json(req);
    if (!body) {
        dialect->error(req, reply, SIM_ERR_BAD_JSON, NULL);
        return;
    }
    const char *model = json_string_value(json_object_get(body, "model"));
    const char *problem = NULL;
    if (!model)
        dialect->error(req, reply, SIM_ERR_BAD_REQUEST, "you must provide a model parameter");
    else if (!any_model && !sim_model_find(req->dialect, model))
        dialect->error(req, reply, SIM_ERR_NO_MODEL, model);
    else if ((problem = chat ? sim_openai_chat(req, reply, body, model)
                             : sim_openai_embeddings(req, reply, body, model)))
        dialect->error(req, reply, SIM_ERR_BAD_REQUEST, problem);
    json_decref(body);
}

static void openai_route(const sim_request *req, sim_reply *reply)
{
    openai_like_route(req, reply, false, &sim_openai_dialect);
}

static void openai_headers(const sim_request *req, sim_reply *reply)
{
    char id[48];
    sim_make_id(req, "req_", id, sizeof id);
    sim_reply_set_header(reply, "x-request-id", id);
    sim_reply_header(reply, "openai-processing-ms", "%d", req->plan.delay_ms + 1);
    sim_openai_ratelimit_headers(req, reply);
}

static const char *bearer_key(const sim_request *req)
{
    return sim_request_bearer(req);
}

const sim_dialect sim_openai_dialect = {"openai", bearer_key, openai_error, openai_route,
                                        openai_headers};

/* ---- the compat dialect (vLLM, Ollama, Together, Groq...) ---- */

static void vllm_error_body(sim_reply *reply, unsigned status, const char *message,
                            const char *type)
{
    sim_reply_json(reply, status,
                   json_pack("{s:s,s:s,s:s,s:n,s:i}", "object", "error", "message", message, "type",
                             type, "param", "code", (int)status));
}

static void compat_error(const sim_request *req, sim_reply *reply, sim_error_kind kind,
                         const char *detail)
{
    openai_error(req, reply, kind, detail);
    if (!req->scenario->compat_vllm_errors)
        return;
    json_t *shaped = json_loadb(reply->body, reply->body_len, 0, NULL);
    const char *message =
        json_string_value(json_object_get(json_object_get(shaped, "error"), "message"));
    static const struct {
        unsigned status;
        const char *type;
    } types[] = {{400, "BadRequestError"}, {401, "AuthenticationError"},
                 {404, "NotFoundError"},   {413, "BadRequestError"},
                 {429, "RateLimitError"},  {503, "ServiceUnavailableError"}};
    const char *type = "InternalServerError";
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        type = types[i].status == reply->status ? types[i].type : type;
    vllm_error_body(reply, reply->status, message ? message : "error", type);
    json_decref(shaped);
}

static void compat_route(const sim_request *req, sim_reply *reply)
{
    if (sim_request_is(req, "GET", "/models") && req->scenario->compat_bare_array) {
        size_t count;
        const sim_model *models = sim_models(SIM_COMPAT, &count);
        json_t *list = json_array();
        for (size_t i = 0; i < count; i++)
            json_array_append_new(
                list, json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:I}", "id", models[i].id, "object",
                                "model", "created", (json_int_t)models[i].created, "type",
                                models[i].can & SIM_CAN_EMBED ? "embedding" : "chat",
                                "display_name", models[i].display_name, "organization", "mmsim",
                                "context_length", (json_int_t)models[i].context_length));
        sim_reply_json(reply, 200, list);
        return;
    }
    openai_like_route(req, reply, true, &sim_compat_dialect);
}

static void compat_headers(const sim_request *req, sim_reply *reply)
{
    sim_openai_ratelimit_headers(req, reply);
}

const sim_dialect sim_compat_dialect = {"compat", bearer_key, compat_error, compat_route,
                                        compat_headers};
