/* The cohere dialect (https://api.cohere.com under /cohere): bearer key, /v1/models paginated
 * with next_page_token, /v2/chat and /v2/embed, {"message": ...} errors (bad key 401 or 498,
 * billing 402). */
#include "sim/sim_content.h"
#include "sim/sim_tools.h"
#include "sim/sim_models.h"
#include "sim/sim_openai.h"
#include "sim/sim_reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COHERE_DEFAULT_PAGE 20
#define COHERE_MAX_PAGE 1000

static const char *cohere_key(const sim_request *req)
{
    return sim_request_bearer(req);
}

static void message_body(sim_reply *reply, unsigned status, const char *message)
{
    sim_reply_json(reply, status, json_pack("{s:s}", "message", message));
}

static void cohere_error(const sim_request *req, sim_reply *reply, sim_error_kind kind,
                         const char *detail)
{
    char message[320];
    switch (kind) {
    case SIM_ERR_KEY_MISSING:
        message_body(reply, 401, "no api key supplied");
        return;
    case SIM_ERR_KEY_INVALID:
        message_body(reply, req->scenario->cohere_invalid_status, "invalid api token");
        return;
    case SIM_ERR_QUOTA:
        message_body(reply, 402,
                     "Please add or update a payment method at "
                     "https://dashboard.cohere.com/billing?tab=payment, or raise the maximum "
                     "billing amount of this key, to continue.");
        return;
    case SIM_ERR_RATE_LIMIT:
        message_body(reply, 429,
                     "You are past the per minute request limit, please wait and try again "
                     "later.");
        sim_retry_after_headers(req, reply, false);
        return;
    case SIM_ERR_OVERLOADED:
        message_body(reply, 503,
                     "service unavailable: the model is overloaded, please try "
                     "again later");
        return;
    case SIM_ERR_SERVER:
        snprintf(message, sizeof message,
                 "internal server error, this has been reported to our developers. id %s",
                 req->request_id);
        message_body(reply, 500, message);
        return;
    case SIM_ERR_BAD_REQUEST:
        snprintf(message, sizeof message, "invalid request: %s", detail);
        message_body(reply, 400, message);
        return;
    case SIM_ERR_BAD_JSON:
        message_body(reply, 400, "invalid request: the body is not valid JSON");
        return;
    case SIM_ERR_NO_MODEL:
    case SIM_ERR_NO_DEPLOYMENT:
        snprintf(message, sizeof message,
                 "model '%s' not found, make sure the correct model ID was used and that you "
                 "have access to the model.",
                 detail);
        message_body(reply, 404, message);
        return;
    case SIM_ERR_TOO_LARGE:
        message_body(reply, 413, "request body too large: the limit is 1048576 bytes");
        return;
    case SIM_ERR_NOT_FOUND:
    default:
        message_body(reply, 404, "Not Found");
        return;
    }
}

static json_t *model_object(const sim_model *model)
{
    json_t *endpoints = model->can & SIM_CAN_CHAT
                            ? json_pack("[s,s,s]", "generate", "chat", "summarize")
                        : model->can & SIM_CAN_EMBED ? json_pack("[s]", "embed")
                                                     : json_pack("[s]", "rerank");
    return json_pack(
        "{s:s,s:o,s:b,s:I,s:s,s:[]}", "name", model->id, "endpoints", endpoints, "finetuned", 0,
        "context_length", (json_int_t)model->context_length, "tokenizer_url",
        "https://storage.googleapis.com/cohere-public/tokenizers/mmsim.json", "default_endpoints");
}

static bool serves(const sim_model *model, const char *endpoint)
{
    if (!endpoint || !*endpoint)
        return true;
    if (model->can & SIM_CAN_CHAT)
        return !strcmp(endpoint, "chat") || !strcmp(endpoint, "generate") ||
               !strcmp(endpoint, "summarize");
    if (model->can & SIM_CAN_EMBED)
        return !strcmp(endpoint, "embed");
    return !strcmp(endpoint, "rerank");
}

static void list_models(const sim_request *req, sim_reply *reply)
{
    size_t count, page;
    const sim_model *models = sim_models(SIM_COHERE, &count);
    if (!sim_request_page_size(req, "page_size", COHERE_DEFAULT_PAGE,
                               sim_page_cap(req, COHERE_MAX_PAGE), &page)) {
        cohere_error(req, reply, SIM_ERR_BAD_REQUEST, "page_size must be a positive number");
        return;
    }
    const char *endpoint = sim_request_query(req, "endpoint");
    const char *token = sim_request_query(req, "page_token");
    size_t start = 0;
    if (token && *token) {
        char *end = NULL;
        bool ours = strncmp(token, "mmsim-", 6) == 0;
        start = ours ? strtoul(token + 6, &end, 16) : 0;
        if (!ours || *end || end == token + 6 || start >= count) {
            cohere_error(req, reply, SIM_ERR_BAD_REQUEST, "invalid page_token");
            return;
        }
    }
    json_t *list = json_array();
    size_t i = start;
    for (; i < count && json_array_size(list) < page; i++) {
        if (serves(&models[i], endpoint))
            json_array_append_new(list, model_object(&models[i]));
    }
    while (i < count && !serves(&models[i], endpoint))
        i++;
    json_t *answer = json_pack("{s:o}", "models", list);
    if (i < count) {
        char next[32];
        snprintf(next, sizeof next, "mmsim-%zx", i);
        json_object_set_new(answer, "next_page_token", json_string(next));
    }
    sim_reply_json(reply, 200, answer);
}

static void chat(const sim_request *req, sim_reply *reply, json_t *body, const char *model)
{
    json_t *messages = json_object_get(body, "messages");
    if (!json_is_array(messages) || json_array_size(messages) == 0) {
        cohere_error(req, reply, SIM_ERR_BAD_REQUEST, "messages must not be empty");
        return;
    }
    json_t *limit = json_object_get(body, "max_tokens");
    long input = sim_messages_tokens(messages, "content");
    sim_completion completion =
        sim_complete(req->seed, json_is_integer(limit) ? (long)json_integer_value(limit) : 0);
    char id[48];
    sim_make_id(req, "", id, sizeof id);
    sim_reply_json(reply, 200,
                   json_pack("{s:s,s:{s:s,s:[{s:s,s:s}]},s:s,s:{s:{s:I,s:I},s:{s:I,s:I}},s:s}",
                             "id", id, "message", "role", "assistant", "content", "type", "text",
                             "text", completion.text ? completion.text : "", "finish_reason",
                             completion.truncated ? "MAX_TOKENS" : "COMPLETE", "usage",
                             "billed_units", "input_tokens", (json_int_t)input, "output_tokens",
                             (json_int_t)completion.output_tokens, "tokens", "input_tokens",
                             (json_int_t)(input + 60), "output_tokens",
                             (json_int_t)completion.output_tokens, "model", model));
    sim_completion_free(&completion);
    sim_tool_answer(req, reply, body);
}

static void embed(const sim_request *req, sim_reply *reply, json_t *body, const char *model)
{
    json_t *texts = json_object_get(body, "texts");
    bool valid = json_is_array(texts) && json_array_size(texts) > 0;
    size_t i;
    json_t *text;
    json_array_foreach(texts, i, text) valid = valid && json_is_string(text);
    if (!valid) {
        cohere_error(req, reply, SIM_ERR_BAD_REQUEST, "texts must be a non-empty list of strings");
        return;
    }
    if (strstr(model, "v3") && !json_is_string(json_object_get(body, "input_type"))) {
        cohere_error(req, reply, SIM_ERR_BAD_REQUEST,
                     "valid input_type must be provided with the provided model");
        return;
    }
    json_t *vectors = json_array();
    long tokens = 0;
    json_array_foreach(texts, i, text)
    {
        tokens += sim_tokens_for_bytes(json_string_length(text));
        json_array_append_new(
            vectors, sim_embedding(req->seed, json_string_value(text), json_string_length(text)));
    }
    char id[48];
    sim_make_id(req, "", id, sizeof id);
    sim_reply_json(reply, 200,
                   json_pack("{s:s,s:{s:o},s:O,s:{s:{s:s},s:{s:I}},s:s}", "id", id, "embeddings",
                             "float", vectors, "texts", texts, "meta", "api_version", "version",
                             "2", "billed_units", "input_tokens", (json_int_t)tokens,
                             "response_type", "embeddings_by_type"));
}

static void invoke(const sim_request *req, sim_reply *reply, bool is_chat)
{
    json_t *body = sim_request_json(req);
    if (!body) {
        cohere_error(req, reply, SIM_ERR_BAD_JSON, NULL);
        return;
    }
    const char *model = json_string_value(json_object_get(body, "model"));
    const sim_model *known = sim_model_find(SIM_COHERE, model);
    if (!model)
        cohere_error(req, reply, SIM_ERR_BAD_REQUEST, "model is required");
    else if (!known || !(known->can & (is_chat ? SIM_CAN_CHAT : SIM_CAN_EMBED)))
        cohere_error(req, reply, SIM_ERR_NO_MODEL, model);
    else if (is_chat)
        chat(req, reply, body, model);
    else
        embed(req, reply, body, model);
    json_decref(body);
}

static void cohere_route(const sim_request *req, sim_reply *reply)
{
    if (sim_request_is(req, "GET", "/v1/models")) {
        list_models(req, reply);
    } else if (strcmp(req->method, "GET") == 0 && strncmp(req->path, "/v1/models/", 11) == 0) {
        const sim_model *model = sim_model_find(SIM_COHERE, req->path + 11);
        if (model)
            sim_reply_json(reply, 200, model_object(model));
        else
            cohere_error(req, reply, SIM_ERR_NO_MODEL, req->path + 11);
    } else if (sim_request_is(req, "POST", "/v2/chat")) {
        invoke(req, reply, true);
    } else if (sim_request_is(req, "POST", "/v2/embed")) {
        invoke(req, reply, false);
    } else {
        cohere_error(req, reply, SIM_ERR_NOT_FOUND, NULL);
    }
}

static void cohere_headers(const sim_request *req, sim_reply *reply)
{
    sim_reply_set_header(reply, "x-trace-id", req->request_id);
}

const sim_dialect sim_cohere_dialect = {"cohere", cohere_key, cohere_error, cohere_route,
                                        cohere_headers};
