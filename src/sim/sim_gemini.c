/* The gemini dialect (Generative Language API v1beta under /gemini): x-goog-api-key or ?key=,
 * paginated models with nextPageToken, :generateContent / :embedContent, google.rpc errors
 * (a bad key is a 400 with API_KEY_INVALID, a 429 carries RetryInfo). */
#include "sim/sim_content.h"
#include "sim/sim_tools.h"
#include "sim/sim_media.h"
#include "sim/sim_models.h"
#include "sim/sim_openai.h"
#include "sim/sim_reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEMINI_DEFAULT_PAGE 50
#define GEMINI_MAX_PAGE 1000

static const char *gemini_key(const sim_request *req)
{
    const char *key = sim_request_header(req, "x-goog-api-key");
    return key ? key : sim_request_query(req, "key");
}

static void gemini_error_body(sim_reply *reply, int code, const char *status, const char *message,
                              json_t *details)
{
    json_t *error = json_pack("{s:i,s:s,s:s}", "code", code, "message", message, "status", status);
    if (details)
        json_object_set_new(error, "details", details);
    sim_reply_json(reply, (unsigned)code, json_pack("{s:o}", "error", error));
}

static json_t *quota_failure(const char *quota_id, const char *value)
{
    return json_pack("{s:s,s:[{s:s,s:s,s:{s:s,s:s},s:s}]}", "@type",
                     "type.googleapis.com/google.rpc.QuotaFailure", "violations", "quotaMetric",
                     "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                     "quotaId", quota_id, "quotaDimensions", "location", "global", "model",
                     "gemini-2.0-flash", "quotaValue", value);
}

static json_t *help_links(void)
{
    return json_pack("{s:s,s:[{s:s,s:s}]}", "@type", "type.googleapis.com/google.rpc.Help", "links",
                     "description", "Learn more about Gemini API quotas", "url",
                     "https://ai.google.dev/gemini-api/docs/rate-limits");
}

/* A 429 RESOURCE_EXHAUSTED as the API sends it: QuotaFailure, Help and, for a per-minute limit
 * with retry_after_s, RetryInfo with the whole seconds ("58s") and a message ending "Please retry
 * in 58.2s." (the API's message carries the fraction the RetryInfo rounds down). */
static void gemini_rate_limit(const sim_request *req, sim_reply *reply, bool quota)
{
    json_t *details = json_array();
    json_array_append_new(
        details, quota_failure(quota ? "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
                                     : "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                               quota ? "1500" : "15"));
    json_array_append_new(details, help_links());
    char message[512];
    int retry_s = req->plan.phase.retry_after_s;
    if (!quota && retry_s >= 0) {
        char delay[24];
        snprintf(delay, sizeof delay, "%ds", retry_s);
        json_array_append_new(details, json_pack("{s:s,s:s}", "@type",
                                                 "type.googleapis.com/google.rpc.RetryInfo",
                                                 "retryDelay", delay));
        snprintf(message, sizeof message,
                 "You exceeded your current quota, please check your plan and billing details. "
                 "For more information on this error, head to: "
                 "https://ai.google.dev/gemini-api/docs/rate-limits.\n* Quota exceeded for "
                 "metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, "
                 "limit: 15, model: gemini-2.0-flash\nPlease retry in %d.2s.",
                 retry_s);
    } else {
        snprintf(message, sizeof message, "%s",
                 quota ? "You exceeded your current quota, please check your plan and "
                         "billing details. For more information on this error, head to: "
                         "https://ai.google.dev/gemini-api/docs/rate-limits."
                       : "Resource has been exhausted (e.g. check quota).");
    }
    gemini_error_body(reply, 429, "RESOURCE_EXHAUSTED", message, details);
}

static void gemini_bad_key(sim_reply *reply)
{
    const char *message = "API key not valid. Please pass a valid API key.";
    json_t *details = json_pack(
        "[{s:s,s:s,s:s,s:{s:s}},{s:s,s:s,s:s}]", "@type",
        "type.googleapis.com/google.rpc.ErrorInfo", "reason", "API_KEY_INVALID", "domain",
        "googleapis.com", "metadata", "service", "generativelanguage.googleapis.com", "@type",
        "type.googleapis.com/google.rpc.LocalizedMessage", "locale", "en-US", "message", message);
    gemini_error_body(reply, 400, "INVALID_ARGUMENT", message, details);
}

static void gemini_error(const sim_request *req, sim_reply *reply, sim_error_kind kind,
                         const char *detail)
{
    char message[320];
    switch (kind) {
    case SIM_ERR_KEY_MISSING:
        gemini_error_body(reply, 403, "PERMISSION_DENIED",
                          "Method doesn't allow unregistered callers (callers without "
                          "established identity). Please use API Key or other form of API "
                          "consumer identity to call this API.",
                          NULL);
        return;
    case SIM_ERR_KEY_INVALID:
        gemini_bad_key(reply);
        return;
    case SIM_ERR_QUOTA:
    case SIM_ERR_RATE_LIMIT:
        gemini_rate_limit(req, reply, kind == SIM_ERR_QUOTA);
        return;
    case SIM_ERR_OVERLOADED:
        gemini_error_body(reply, 503, "UNAVAILABLE",
                          "The model is overloaded. Please try again later.", NULL);
        return;
    case SIM_ERR_SERVER:
        gemini_error_body(reply, 500, "INTERNAL",
                          "An internal error has occurred. Please retry or report in "
                          "https://developers.generativeai.google/guide/troubleshooting",
                          NULL);
        return;
    case SIM_ERR_BAD_REQUEST:
        gemini_error_body(reply, 400, "INVALID_ARGUMENT", detail, NULL);
        return;
    case SIM_ERR_BAD_JSON:
        gemini_error_body(reply, 400, "INVALID_ARGUMENT",
                          "Invalid JSON payload received. Unexpected token.", NULL);
        return;
    case SIM_ERR_NO_MODEL:
    case SIM_ERR_NO_DEPLOYMENT:
        snprintf(message, sizeof message,
                 "models/%s is not found for API version v1beta, or is not supported for %s. "
                 "Call ListModels to see the list of available models and their supported "
                 "methods.",
                 detail,
                 strstr(req->path, ":batchEmbedContents") ? "batchEmbedContents"
                 : strstr(req->path, ":embedContent")     ? "embedContent"
                                                          : "generateContent");
        gemini_error_body(reply, 404, "NOT_FOUND", message, NULL);
        return;
    case SIM_ERR_TOO_LARGE:
        gemini_error_body(reply, 413, "INVALID_ARGUMENT",
                          "Request payload size exceeds the limit: 1048576 bytes.", NULL);
        return;
    case SIM_ERR_NOT_FOUND:
    default:
        gemini_error_body(reply, 404, "NOT_FOUND", "Method not found.", NULL);
        return;
    }
}

static json_t *model_object(const sim_model *model)
{
    char name[96];
    snprintf(name, sizeof name, "models/%s", model->id);
    json_t *methods = model->can & SIM_CAN_CHAT ? json_pack("[s,s,s]", "generateContent",
                                                            "countTokens", "createCachedContent")
                                                : json_pack("[s]", "embedContent");
    return json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:o}", "name", name, "version", "001", "displayName",
                     model->display_name, "description", model->display_name, "inputTokenLimit",
                     (json_int_t)model->context_length, "outputTokenLimit",
                     (json_int_t)model->max_output, "supportedGenerationMethods", methods);
}

static void list_models(const sim_request *req, sim_reply *reply)
{
    size_t count, page;
    const sim_model *models = sim_models(SIM_GEMINI, &count);
    if (!sim_request_page_size(req, "pageSize", GEMINI_DEFAULT_PAGE,
                               sim_page_cap(req, GEMINI_MAX_PAGE), &page)) {
        gemini_error(req, reply, SIM_ERR_BAD_REQUEST,
                     "Invalid pageSize: must be a positive number.");
        return;
    }
    const char *token = sim_request_query(req, "pageToken");
    size_t start = 0;
    if (token && *token) {
        char *end;
        unsigned long offset = strncmp(token, "mmsim-", 6) == 0 ? strtoul(token + 6, &end, 16) : 0;
        if (strncmp(token, "mmsim-", 6) != 0 || *end || end == token + 6 || offset >= count) {
            gemini_error(req, reply, SIM_ERR_BAD_REQUEST, "Invalid page token.");
            return;
        }
        start = (size_t)offset;
    }
    size_t stop = start + page < count ? start + page : count;
    json_t *list = json_array();
    for (size_t i = start; i < stop; i++)
        json_array_append_new(list, model_object(&models[i]));
    json_t *answer = json_pack("{s:o}", "models", list);
    if (stop < count) {
        char next[32];
        snprintf(next, sizeof next, "mmsim-%zx", stop);
        json_object_set_new(answer, "nextPageToken", json_string(next));
    }
    sim_reply_json(reply, 200, answer);
}

static void generate(const sim_request *req, sim_reply *reply, const sim_model *model, json_t *body)
{
    json_t *contents = json_object_get(body, "contents");
    if (!json_is_array(contents) || json_array_size(contents) == 0) {
        gemini_error(req, reply, SIM_ERR_BAD_REQUEST,
                     "* GenerateContentRequest.contents: contents is not specified");
        return;
    }
    json_t *limit = json_object_get(json_object_get(body, "generationConfig"), "maxOutputTokens");
    long prompt =
        sim_messages_tokens(contents, "parts") +
        sim_tokens_for_bytes(sim_content_bytes(json_object_get(body, "systemInstruction")));
    sim_completion completion =
        sim_complete(req->seed, json_is_integer(limit) ? (long)json_integer_value(limit) : 0);
    char id[48];
    sim_make_id(req, "", id, sizeof id);
    sim_reply_json(reply, 200,
                   json_pack("{s:[{s:{s:[{s:s}],s:s},s:s,s:i}],s:{s:I,s:I,s:I},s:s,s:s}",
                             "candidates", "content", "parts", "text",
                             completion.text ? completion.text : "", "role", "model",
                             "finishReason", completion.truncated ? "MAX_TOKENS" : "STOP", "index",
                             0, "usageMetadata", "promptTokenCount", (json_int_t)prompt,
                             "candidatesTokenCount", (json_int_t)completion.output_tokens,
                             "totalTokenCount", (json_int_t)(prompt + completion.output_tokens),
                             "modelVersion", model->id, "responseId", id));
    sim_completion_free(&completion);
    sim_tool_answer(req, reply, body);
}

static void embed(const sim_request *req, sim_reply *reply, json_t *body)
{
    json_t *parts = json_object_get(json_object_get(body, "content"), "parts");
    json_t *first = json_object_get(json_array_get(parts, 0), "text");
    if (!json_is_string(first)) {
        gemini_error(req, reply, SIM_ERR_BAD_REQUEST,
                     "* EmbedContentRequest.content: content is not specified");
        return;
    }
    sim_reply_json(
        reply, 200,
        json_pack("{s:{s:o}}", "embedding", "values",
                  sim_embedding(req->seed, json_string_value(first), json_string_length(first))));
}

/* :batchEmbedContents, through which the official SDK (@google/genai) embeds:
 * {"requests":[{"model":"models/…","content":{"parts":[{"text":…}]}}, …]} →
 * {"embeddings":[{"values":[…]}, …]}, one per request. */
static void batch_embed(const sim_request *req, sim_reply *reply, json_t *body)
{
    json_t *requests = json_object_get(body, "requests");
    if (!json_is_array(requests) || json_array_size(requests) == 0) {
        gemini_error(req, reply, SIM_ERR_BAD_REQUEST,
                     "* BatchEmbedContentsRequest.requests: requests is not specified");
        return;
    }
    json_t *embeddings = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(requests, i, item)
    {
        json_t *parts = json_object_get(json_object_get(item, "content"), "parts");
        json_t *text = json_object_get(json_array_get(parts, 0), "text");
        if (!json_is_string(text)) {
            json_decref(embeddings);
            gemini_error(req, reply, SIM_ERR_BAD_REQUEST,
                         "* BatchEmbedContentsRequest.requests[].content: content is not "
                         "specified");
            return;
        }
        json_array_append_new(
            embeddings,
            json_pack("{s:o}", "values",
                      sim_embedding(req->seed, json_string_value(text), json_string_length(text))));
    }
    sim_reply_json(reply, 200, json_pack("{s:o}", "embeddings", embeddings));
}

static void invoke(const sim_request *req, sim_reply *reply, const char *name_and_method)
{
    const char *colon = strrchr(name_and_method, ':');
    char model_id[128];
    size_t len = colon ? (size_t)(colon - name_and_method) : 0;
    bool chat = colon && (strcmp(colon, ":generateContent") == 0 ||
                          strcmp(colon, ":streamGenerateContent") == 0);
    bool batch = colon && strcmp(colon, ":batchEmbedContents") == 0;
    bool embedding = batch || (colon && strcmp(colon, ":embedContent") == 0);
    bool predict = colon && strcmp(colon, ":predict") == 0;
    if (predict && len > 0 && strncmp(name_and_method, "imagen", 6) == 0) {
        const char *problem = sim_media_imagen(req, reply);
        if (problem)
            gemini_error(req, reply, SIM_ERR_BAD_REQUEST, problem);
        return;
    }
    if ((!chat && !embedding) || len == 0 || len >= sizeof model_id) {
        gemini_error(req, reply, SIM_ERR_NOT_FOUND, NULL);
        return;
    }
    memcpy(model_id, name_and_method, len);
    model_id[len] = '\0';
    const sim_model *model = sim_model_find(SIM_GEMINI, model_id);
    if (!model || !(model->can & (chat ? SIM_CAN_CHAT : SIM_CAN_EMBED))) {
        gemini_error(req, reply, SIM_ERR_NO_MODEL, model_id);
        return;
    }
    json_t *body = sim_request_json(req);
    if (!body)
        gemini_error(req, reply, SIM_ERR_BAD_JSON, NULL);
    else if (chat)
        generate(req, reply, model, body);
    else if (batch)
        batch_embed(req, reply, body);
    else
        embed(req, reply, body);
    json_decref(body);
}

/* /gemini stands for https://generativelanguage.googleapis.com/v1beta (mmadmin's base URL) and,
 * for the official SDK whose base URL is the host and which adds /v1beta/..., /gemini/v1beta/...
 * too. */
static void gemini_route(const sim_request *given, sim_reply *reply)
{
    sim_request stripped = *given;
    if (strncmp(stripped.path, "/v1beta/", 8) == 0)
        stripped.path += 7;
    const sim_request *req = &stripped;
    bool get = strcmp(req->method, "GET") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    if (get && strcmp(req->path, "/models") == 0) {
        list_models(req, reply);
    } else if (strncmp(req->path, "/models/", 8) == 0 && post) {
        invoke(req, reply, req->path + 8);
    } else if (strncmp(req->path, "/models/", 8) == 0 && get) {
        const sim_model *model = sim_model_find(SIM_GEMINI, req->path + 8);
        if (model)
            sim_reply_json(reply, 200, model_object(model));
        else
            gemini_error(req, reply, SIM_ERR_NO_MODEL, req->path + 8);
    } else {
        gemini_error(req, reply, SIM_ERR_NOT_FOUND, NULL);
    }
}

static void gemini_headers(const sim_request *req, sim_reply *reply)
{
    (void)req;
    sim_reply_set_header(reply, "server", "scaffolding on HTTPServer2");
}

const sim_dialect sim_gemini_dialect = {"gemini", gemini_key, gemini_error, gemini_route,
                                        gemini_headers};
