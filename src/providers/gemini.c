/* The Google Gemini descriptor and adapter: x-goog-api-key header (never ?key=), paginated
 * /models (pageToken), generateContent / embedContent, google.rpc error bodies. */
#include "providers/tool_shape.h"

#include <string.h>

#define MODELS_PREFIX "models/"

static const mm_credential_field FIELDS[] = {
    {"api_key", "API key", true, true, "AIza...", "Create one in Google AI Studio (Get API key)."},
    ADAPTER_FIELD_BASE_URL("https://generativelanguage.googleapis.com/v1beta", "Google's endpoint"),
    ADAPTER_FIELD_CA_BUNDLE,
};

static const char *strip_models_prefix(const char *name)
{
    return strncmp(name, MODELS_PREFIX, strlen(MODELS_PREFIX)) == 0 ? name + strlen(MODELS_PREFIX)
                                                                    : name;
}

static mm_status gemini_request(const mm_connection *conn, const char *method, const char *path,
                                char *body, mm_http_request *out, mm_error *err)
{
    return adapter_key_request(conn, method, path, body, "x-goog-api-key", out, err);
}

static mm_status gemini_build_list(const mm_connection *conn, const char *page_token,
                                   mm_http_request *out, mm_error *err)
{
    mm_status st = gemini_request(conn, "GET", "/models?pageSize=1000", NULL, out, err);
    if (st != MM_OK)
        return st;
    return adapter_append_page_token(out, "pageToken", page_token, err);
}

static bool gemini_parse_list(const char *body, size_t len, mm_string_list *ids, char **next_page,
                              const char **why)
{
    *next_page = NULL;
    json_t *root = adapter_json_load(body, len);
    json_t *models = adapter_json_array(root, "models");
    /* Google omits empty lists: "{}" is a valid empty page. */
    bool ok = models || (json_is_object(root) && json_object_size(root) == 0);
    if (!ok)
        *why = root ? "it has no \"models\" list" : "the body is not JSON";
    else
        ok = adapter_read_model_list(models, "name", MODELS_PREFIX, ids, NULL, why);
    const char *next = adapter_json_string(root, "nextPageToken");
    if (ok && mm_present(next))
        *next_page = strdup(next);
    json_decref(root);
    return ok;
}

/* POST /models/{model}:{method}; model may carry the "models/" prefix or not. */
static mm_status model_request(const mm_connection *conn, const char *model, const char *method,
                               char *body, mm_http_request *out, mm_error *err)
{
    if (!mm_present(model)) {
        free(body);
        return mm_error_set(err, MM_E_INVALID, "model",
                            "Name the Gemini model, e.g. "
                            "gemini-2.0-flash.");
    }
    char *escaped = mm_url_escape(strip_models_prefix(model));
    char *path = escaped ? adapter_format("/models/%s:%s", escaped, method) : NULL;
    free(escaped);
    if (!path) {
        free(body);
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    }
    mm_status st = gemini_request(conn, "POST", path, body, out, err);
    free(path);
    return st;
}

/* System messages go to "systemInstruction"; the rest are contents with role user/model (tool
 * results in the user's turn as functionResponse parts); tools as tool_shape.c writes them. */
static mm_status gemini_build_chat(const mm_connection *conn, const char *model,
                                   const mm_chat *chat, int max_tokens, mm_http_request *out,
                                   mm_error *err)
{
    json_t *system = NULL, *contents = NULL;
    mm_status st = adapter_chat_turns(chat, TOOL_GEMINI, &contents, &system, err);
    if (st != MM_OK)
        return st;
    json_t *root = json_pack("{s:o}", "contents", contents);
    if (root && system)
        json_object_set_new(root, "systemInstruction",
                            json_pack("{s:[{s:O}]}", "parts", "text", system));
    json_decref(system);
    if (root && max_tokens > 0)
        json_object_set_new(root, "generationConfig",
                            json_pack("{s:i}", "maxOutputTokens", max_tokens));
    if (root && (st = tool_shape_set_tools(root, chat, TOOL_GEMINI, err)) != MM_OK) {
        json_decref(root);
        return st;
    }
    char *body = adapter_dump_owned(root);
    if (!body)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    return model_request(conn, model, "generateContent", body, out, err);
}

/* usageMetadata: input is promptTokenCount (cachedContentTokenCount, billed at the cached
 * price, is a part of it) plus toolUsePromptTokenCount; output is candidatesTokenCount plus
 * thoughtsTokenCount (billed as output). When totalTokenCount says more was billed than those
 * add up to, the rest counts as output (a kind this reader does not know yet). */
static void read_usage_metadata(const json_t *root, mm_call_result *res)
{
    json_t *meta = adapter_json_object(root, "usageMetadata");
    int64_t prompt = 0, candidates = 0, total = 0;
    bool have_in = adapter_read_count(meta, "promptTokenCount", &prompt);
    bool have_out = adapter_read_count(meta, "candidatesTokenCount", &candidates);
    int64_t thoughts = adapter_optional_count(meta, "thoughtsTokenCount");
    int64_t in = prompt + adapter_optional_count(meta, "toolUsePromptTokenCount");
    int64_t out = candidates + thoughts;
    if (adapter_read_count(meta, "totalTokenCount", &total) && total > in + out)
        out = total - in;
    /* Google omits zero counts: with a prompt count present, a missing output count is 0. */
    adapter_set_usage(res, have_in, in, have_in || have_out, out);
    adapter_set_token_kinds(res, adapter_optional_count(meta, "cachedContentTokenCount"), 0,
                            thoughts);
}

/* finishReason values with which Google withholds the answer for its content. */
static const char *blocked_reason(const json_t *root, const json_t *candidate)
{
    static const char *const FILTERS[] = {
        "SAFETY", "OTHER",        "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT",
        "SPII",   "IMAGE_SAFETY", "LANGUAGE"};
    static const char *const SHOWN[] = {"finishReason SAFETY",
                                        "finishReason OTHER",
                                        "finishReason RECITATION",
                                        "finishReason BLOCKLIST",
                                        "finishReason PROHIBITED_CONTENT",
                                        "finishReason SPII",
                                        "finishReason IMAGE_SAFETY",
                                        "finishReason LANGUAGE"};
    const char *finish = adapter_json_string(candidate, "finishReason");
    for (size_t i = 0; finish && i < sizeof FILTERS / sizeof FILTERS[0]; i++)
        if (strcmp(finish, FILTERS[i]) == 0)
            return SHOWN[i];
    if (adapter_json_string(adapter_json_object(root, "promptFeedback"), "blockReason"))
        return "promptFeedback blockReason";
    return NULL;
}

static bool gemini_parse_chat(const char *body, size_t len, mm_call_result *res, const char **why)
{
    json_t *root = adapter_json_load(body, len);
    json_t *candidate = json_array_get(adapter_json_array(root, "candidates"), 0);
    res->blocked = blocked_reason(root, candidate);
    if (!json_is_object(candidate) && !res->blocked) {
        *why = root ? "it has no candidates[0]" : "the body is not JSON";
        json_decref(root);
        return false;
    }
    json_t *parts = adapter_json_array(adapter_json_object(candidate, "content"), "parts");
    bool ok =
        adapter_set_answer(res, adapter_join_text(parts), tool_shape_gemini_calls(parts), why);
    read_usage_metadata(root, res);
    json_decref(root);
    return ok;
}

static mm_status gemini_build_embed(const mm_connection *conn, const char *model, const char *text,
                                    mm_http_request *out, mm_error *err)
{
    json_t *root = json_pack("{s:{s:[{s:s}]}}", "content", "parts", "text", text ? text : "");
    char *body = adapter_dump_owned(root);
    if (!body)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    return model_request(conn, model, "embedContent", body, out, err);
}

static bool gemini_parse_embed(const char *body, size_t len, mm_call_result *res, const char **why)
{
    json_t *root = adapter_json_load(body, len);
    json_t *values = adapter_json_array(adapter_json_object(root, "embedding"), "values");
    bool ok = values != NULL;
    if (!ok)
        *why = root ? "it has no embedding.values" : "the body is not JSON";
    else
        ok = adapter_embedding_output(values, res, why);
    if (ok)
        read_usage_metadata(root, res); /* usually absent: then count nothing */
    json_decref(root);
    return ok;
}

static void gemini_parse_error(long status, const char *body, size_t len, mm_error_body *out);

/* :generateContent -> :streamGenerateContent?alt=sse (SSE framing instead of a JSON array). */
static bool gemini_make_streaming(mm_http_request *req)
{
    char *at = req->url ? strstr(req->url, ":generateContent") : NULL;
    if (!at || at[strlen(":generateContent")] != '\0')
        return false;
    *at = '\0';
    char *url = adapter_format("%s:streamGenerateContent?alt=sse", req->url);
    if (!url) {
        *at = ':';
        return false;
    }
    free(req->url);
    req->url = url;
    return true;
}

/* Each event is a GenerateContentResponse: candidates[0].content.parts' text, finishReason on
 * the last, usageMetadata on chunks (the last one holds the totals). */
static bool gemini_parse_stream(const char *event, const char *data, size_t len,
                                mm_stream_delta *delta, mm_call_result *res, const char **why)
{
    (void)event;
    json_t *root = adapter_json_load(data, len);
    if (!json_is_object(root)) {
        json_decref(root);
        *why = "a data line is not a JSON GenerateContentResponse";
        return false;
    }
    if (adapter_json_object(root, "error")) {
        delta->failed = true;
        gemini_parse_error(200, data, len, &delta->error);
        json_decref(root);
        return true;
    }
    json_t *candidate = json_array_get(adapter_json_array(root, "candidates"), 0);
    json_t *parts = adapter_json_array(adapter_json_object(candidate, "content"), "parts");
    char *text = parts ? adapter_join_text(parts) : NULL;
    delta->tool_calls = tool_shape_gemini_pieces(parts);
    if (text && text[0])
        delta->text = text;
    else
        free(text);
    if (adapter_json_object(root, "usageMetadata"))
        read_usage_metadata(root, res);
    const char *blocked = blocked_reason(root, candidate);
    if (blocked)
        res->blocked = blocked;
    const char *finish = adapter_json_string(candidate, "finishReason");
    if (finish || blocked) {
        mm_copy(res->finish_reason, sizeof res->finish_reason,
                blocked ? "content_filter" : adapter_finish_reason(finish));
        delta->done = true;
    }
    json_decref(root);
    return true;
}

/* True when a QuotaFailure names a daily quota ("...PerDay..."): exhausted until tomorrow. */
static bool daily_quota_exhausted(const json_t *detail)
{
    size_t i;
    json_t *violation;
    json_array_foreach(adapter_json_array(detail, "violations"), i, violation)
    {
        const char *id = adapter_json_string(violation, "quotaId");
        if (id && strstr(id, "PerDay"))
            return true;
    }
    return false;
}

/* Looks through google.rpc details for API_KEY_INVALID, a daily QuotaFailure and
 * RetryInfo.retryDelay. */
static void read_details(const json_t *details, bool *key_invalid, bool *daily_quota,
                         int64_t *retry_ms)
{
    size_t i;
    json_t *detail;
    json_array_foreach(details, i, detail)
    {
        if (daily_quota_exhausted(detail))
            *daily_quota = true;
        const char *reason = adapter_json_string(detail, "reason");
        const char *type = adapter_json_string(detail, "@type");
        const char *delay = adapter_json_string(detail, "retryDelay");
        if (reason && strcmp(reason, "API_KEY_INVALID") == 0)
            *key_invalid = true;
        if (delay && (!type || strstr(type, "RetryInfo")))
            *retry_ms = adapter_parse_duration_ms(delay);
    }
}

static mm_error_class class_from_status_name(const char *status, long http_status, bool key_invalid)
{
    static const struct {
        const char *status;
        mm_error_class cls;
    } STATUSES[] = {
        {"UNAUTHENTICATED", MM_CLASS_AUTH},
        {"PERMISSION_DENIED", MM_CLASS_AUTH},
        {"RESOURCE_EXHAUSTED", MM_CLASS_RATE_LIMITED},
        {"UNAVAILABLE", MM_CLASS_OVERLOADED},
        {"INTERNAL", MM_CLASS_SERVER},
        {"INVALID_ARGUMENT", MM_CLASS_BAD_REQUEST},
        {"NOT_FOUND", MM_CLASS_BAD_REQUEST},
        {"FAILED_PRECONDITION", MM_CLASS_BAD_REQUEST},
    };
    if (key_invalid)
        return MM_CLASS_AUTH;
    if (http_status < 400)
        return MM_CLASS_COUNT;
    for (size_t i = 0; i < sizeof STATUSES / sizeof STATUSES[0]; i++)
        if (strcmp(status, STATUSES[i].status) == 0)
            return STATUSES[i].cls;
    return MM_CLASS_COUNT;
}

static void gemini_parse_error(long status, const char *body, size_t len, mm_error_body *out)
{
    json_t *root = adapter_json_load(body, len);
    /* Some Google front ends wrap the error in a one-element array. */
    json_t *holder = json_is_array(root) ? json_array_get(root, 0) : root;
    json_t *error = adapter_json_object(holder, "error");
    if (error) {
        bool key_invalid = false, daily_quota = false;
        int64_t retry_ms = -1;
        read_details(adapter_json_array(error, "details"), &key_invalid, &daily_quota, &retry_ms);
        const char *status_name = adapter_json_string(error, "status");
        out->recognized = true;
        adapter_set_error_message(out, adapter_json_string(error, "message"));
        if (!out->message[0])
            adapter_set_error_message(out, status_name);
        out->cls = class_from_status_name(status_name ? status_name : "", status, key_invalid);
        if (out->cls == MM_CLASS_RATE_LIMITED && daily_quota)
            out->cls = MM_CLASS_QUOTA; /* retrying within minutes will not help */
        /* RetryInfo's retryDelay ("58s") is the cool-down; the message's "Please retry in
         * 58.2s." stands in when a front end dropped the details */
        const char *full = adapter_json_string(error, "message"); /* not cut to the summary */
        out->retry_after_ms = retry_ms >= 0 ? retry_ms : adapter_retry_after_from_text(full);
    }
    json_decref(root);
}

/* Imagen: POST /models/{imagen-model}:predict {"instances":[{"prompt"}],"parameters":
 * {"sampleCount"}} (PROVIDERS.md "Images and audio"); Gemini has no audio API. */
static mm_status gemini_build_media(const mm_connection *conn, const char *model,
                                    const mm_media_request *media, mm_http_request *out,
                                    mm_error *err)
{
    if (media->kind != MM_MEDIA_IMAGE)
        return mm_error_set(err, MM_E_INVALID, "model",
                            "Google Gemini has no audio API: use an OpenAI or Azure OpenAI "
                            "account for audio models.");
    int n = media->n > 0 ? (media->n < 8 ? media->n : 8) : 1;
    char *body = adapter_dump_owned(json_pack("{s:[{s:s}], s:{s:i}}", "instances", "prompt",
                                              media->text ? media->text : "", "parameters",
                                              "sampleCount", n));
    if (!body)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    return model_request(conn, model, "predict", body, out, err);
}

/* {"predictions":[{"bytesBase64Encoded","mimeType"}]}: billed per image. */
static bool gemini_parse_image(const char *body, size_t len, mm_call_result *res, const char **why)
{
    json_t *root = adapter_json_load(body, len);
    json_t *predictions = root ? adapter_json_array(root, "predictions") : NULL;
    bool ok = predictions && json_array_size(predictions) > 0;
    *why = root ? "it has no \"predictions\" list of images" : "the body is not JSON";
    size_t i;
    json_t *entry;
    json_array_foreach(predictions, i, entry)
    {
        const char *b64 = adapter_json_string(entry, "bytesBase64Encoded");
        if (ok && !(b64 && mm_string_list_append(&res->images_b64, b64))) {
            *why = "an image has no \"bytesBase64Encoded\" string";
            ok = false;
        }
    }
    if (ok)
        res->images = (int64_t)json_array_size(predictions);
    json_decref(root);
    return ok;
}

static const mm_provider_ops OPS = {
    .build_list = gemini_build_list,
    .parse_list = gemini_parse_list,
    .build_chat = gemini_build_chat,
    .parse_chat = gemini_parse_chat,
    .make_streaming = gemini_make_streaming,
    .parse_stream_event = gemini_parse_stream,
    .build_embed = gemini_build_embed,
    .parse_embed = gemini_parse_embed,
    .build_media = gemini_build_media,
    .parse_image = gemini_parse_image,
    .parse_error = gemini_parse_error,
    .read_ratelimit = NULL, /* Google documents no rate-limit headers */
};

const mm_provider_info mm_provider_gemini = {
    ADAPTER_HOSTED_PROVIDER("gemini", "Google Gemini",
                            "https://generativelanguage.googleapis.com/v1beta", FIELDS),
    .supports_embeddings = true,
    .supports_images = true,
    .target_hint = "Targets name a Gemini model without the models/ prefix, e.g. "
                   "gemini-2.0-flash, text-embedding-004 or imagen-3.0-generate-002.",
    .ops = &OPS,
};
