/* mmsim's streamed answers: the answer text cut into word pieces and written in each
 * provider's stream shape (PROVIDERS.md "Streaming, per dialect"), with the usage where the
 * provider puts it, the stream_break fault that cuts the connection halfway and the
 * stream_stall fault that pauses there. */
#include "sim/sim_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/sim_reply.h"

#define PIECES_MAX 4096

typedef struct event_list {
    char **items;
    size_t count, cap;
    bool crlf; /* Gemini separates events with CRLF */
} event_list;

/* Takes text (heap) as the next event; frees it when the list cannot grow. */
static void push(event_list *list, char *text)
{
    if (text && list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 32;
        char **grown = realloc(list->items, cap * sizeof *grown);
        if (!grown) {
            free(text);
            return;
        }
        list->items = grown;
        list->cap = cap;
    }
    if (text)
        list->items[list->count++] = text;
}

/* Appends "event: NAME\n" (when name) + "data: JSON" + the blank line; takes data. */
static void add_event(event_list *list, const char *name, json_t *data)
{
    char *json = data ? json_dumps(data, JSON_COMPACT) : NULL;
    json_decref(data);
    if (!json)
        return;
    const char *end = list->crlf ? "\r\n\r\n" : "\n\n";
    size_t n = strlen(json) + (name ? strlen(name) : 0) + 32;
    char *text = malloc(n);
    if (text && name)
        snprintf(text, n, "event: %s\ndata: %s%s", name, json, end);
    else if (text)
        snprintf(text, n, "data: %s%s", json, end);
    push(list, text);
    free(json);
}

static void add_done(event_list *list)
{
    push(list, strdup("data: [DONE]\n\n"));
}

/* The answer cut into pieces of one word each, the space before a word kept with it. */
static size_t split_words(const char *text, char **pieces, size_t max)
{
    size_t n = 0;
    const char *p = text;
    while (*p && n < max) {
        const char *end = p;
        while (*end == ' ')
            end++;
        while (*end && *end != ' ')
            end++;
        if (n + 1 == max)
            end = p + strlen(p);
        pieces[n] = strndup(p, (size_t)(end - p));
        if (!pieces[n])
            break;
        n++;
        p = end;
    }
    return n;
}

/* ---- OpenAI, Azure, Mistral, compatible servers ---- */

static json_t *openai_chunk(const json_t *answer, json_t *delta, const char *finish,
                            bool usage_member)
{
    json_t *chunk = json_pack(
        "{s:O, s:s, s:O, s:O, s:s, s:[{s:i, s:o, s:n, s:o}]}", "id", json_object_get(answer, "id"),
        "object", "chat.completion.chunk", "created", json_object_get(answer, "created"), "model",
        json_object_get(answer, "model"), "system_fingerprint", "fp_mmsim", "choices", "index", 0,
        "delta", delta, "logprobs", "finish_reason", finish ? json_string(finish) : json_null());
    if (chunk && usage_member)
        json_object_set_new(chunk, "usage", json_null());
    return chunk;
}

/* The answer as chunks: a role chunk, one chunk a delta (text pieces or tool-call pieces; taken),
 * the finish chunk, the usage. */
static void openai_events(const sim_request *req, json_t *answer, json_t *deltas, event_list *out)
{
    json_t *body = sim_request_json(req);
    bool include_usage =
        json_is_true(json_object_get(json_object_get(body, "stream_options"), "include_usage"));
    json_decref(body);
    bool mistral = req->dialect == SIM_MISTRAL; /* usage in the last chunk, unasked */
    json_t *choice = json_array_get(json_object_get(answer, "choices"), 0);
    const char *finish = json_string_value(json_object_get(choice, "finish_reason"));
    json_t *usage = json_object_get(answer, "usage");
    add_event(
        out, NULL,
        openai_chunk(answer,
                     json_pack("{s:s, s:s, s:n}", "role", "assistant", "content", "", "refusal"),
                     NULL, include_usage));
    size_t i;
    json_t *delta;
    json_array_foreach(deltas, i, delta)
        add_event(out, NULL, openai_chunk(answer, json_incref(delta), NULL, include_usage));
    json_decref(deltas);
    json_t *last = openai_chunk(answer, json_object(), finish ? finish : "stop", include_usage);
    if (mistral && usage)
        json_object_set(last, "usage", usage);
    add_event(out, NULL, last);
    if (include_usage && usage && !mistral) {
        json_t *tail =
            json_pack("{s:O, s:s, s:O, s:O, s:s, s:[], s:O}", "id", json_object_get(answer, "id"),
                      "object", "chat.completion.chunk", "created",
                      json_object_get(answer, "created"), "model", json_object_get(answer, "model"),
                      "system_fingerprint", "fp_mmsim", "choices", "usage", usage);
        add_event(out, NULL, tail);
    }
    add_done(out);
}

/* ---- Anthropic ---- */

static void anthropic_events(json_t *answer, char **pieces, size_t n, event_list *out)
{
    json_t *usage = json_object_get(answer, "usage");
    json_t *start_usage =
        json_pack("{s:O, s:O, s:O, s:i}", "input_tokens", json_object_get(usage, "input_tokens"),
                  "cache_creation_input_tokens",
                  json_object_get(usage, "cache_creation_input_tokens"), "cache_read_input_tokens",
                  json_object_get(usage, "cache_read_input_tokens"), "output_tokens", 1);
    add_event(out, "message_start",
              json_pack("{s:s, s:{s:O, s:s, s:s, s:[], s:O, s:n, s:n, s:o}}", "type",
                        "message_start", "message", "id", json_object_get(answer, "id"), "type",
                        "message", "role", "assistant", "content", "model",
                        json_object_get(answer, "model"), "stop_reason", "stop_sequence", "usage",
                        start_usage));
    add_event(out, "content_block_start",
              json_pack("{s:s, s:i, s:{s:s, s:s}}", "type", "content_block_start", "index", 0,
                        "content_block", "type", "text", "text", ""));
    add_event(out, "ping", json_pack("{s:s}", "type", "ping"));
    for (size_t i = 0; i < n; i++)
        add_event(out, "content_block_delta",
                  json_pack("{s:s, s:i, s:{s:s, s:s}}", "type", "content_block_delta", "index", 0,
                            "delta", "type", "text_delta", "text", pieces[i]));
    add_event(out, "content_block_stop",
              json_pack("{s:s, s:i}", "type", "content_block_stop", "index", 0));
    add_event(out, "message_delta",
              json_pack("{s:s, s:{s:O, s:n}, s:{s:O}}", "type", "message_delta", "delta",
                        "stop_reason", json_object_get(answer, "stop_reason"), "stop_sequence",
                        "usage", "output_tokens", json_object_get(usage, "output_tokens")));
    add_event(out, "message_stop", json_pack("{s:s}", "type", "message_stop"));
}

/* ---- Gemini ---- */

static void gemini_events(json_t *answer, char **pieces, size_t n, event_list *out)
{
    out->crlf = true;
    json_t *candidate = json_array_get(json_object_get(answer, "candidates"), 0);
    json_t *meta = json_object_get(answer, "usageMetadata");
    for (size_t i = 0; i < n; i++) {
        bool last = i + 1 == n;
        json_t *c = json_pack("{s:{s:[{s:s}], s:s}, s:i}", "content", "parts", "text", pieces[i],
                              "role", "model", "index", 0);
        if (last)
            json_object_set(c, "finishReason", json_object_get(candidate, "finishReason"));
        json_t *chunk = json_pack("{s:[o], s:O, s:O}", "candidates", c, "modelVersion",
                                  json_object_get(answer, "modelVersion"), "responseId",
                                  json_object_get(answer, "responseId"));
        if (meta && last)
            json_object_set(chunk, "usageMetadata", meta);
        else if (meta) /* the prompt count on every chunk, the totals on the last */
            json_object_set_new(chunk, "usageMetadata",
                                json_pack("{s:O, s:O}", "promptTokenCount",
                                          json_object_get(meta, "promptTokenCount"),
                                          "totalTokenCount",
                                          json_object_get(meta, "promptTokenCount")));
        add_event(out, NULL, chunk);
    }
}

/* ---- Cohere v2 ---- */

static void cohere_events(json_t *answer, char **pieces, size_t n, event_list *out)
{
    add_event(out, "message-start",
              json_pack("{s:O, s:s, s:{s:{s:s, s:[], s:s, s:[], s:[]}}}", "id",
                        json_object_get(answer, "id"), "type", "message-start", "delta", "message",
                        "role", "assistant", "content", "tool_plan", "", "tool_calls",
                        "citations"));
    add_event(out, "content-start",
              json_pack("{s:s, s:i, s:{s:{s:{s:s, s:s}}}}", "type", "content-start", "index", 0,
                        "delta", "message", "content", "type", "text", "text", ""));
    for (size_t i = 0; i < n; i++)
        add_event(out, "content-delta",
                  json_pack("{s:s, s:i, s:{s:{s:{s:s}}}}", "type", "content-delta", "index", 0,
                            "delta", "message", "content", "text", pieces[i]));
    add_event(out, "content-end", json_pack("{s:s, s:i}", "type", "content-end", "index", 0));
    json_t *delta = json_pack("{s:O}", "finish_reason", json_object_get(answer, "finish_reason"));
    json_t *usage = json_object_get(answer, "usage");
    if (usage)
        json_object_set(delta, "usage", usage);
    add_event(out, "message-end", json_pack("{s:s, s:o}", "type", "message-end", "delta", delta));
}

/* ---- tool calls: the arguments cut into pieces as providers stream them ---- */

#define ARGUMENT_PIECE 8

typedef struct tool_parts {
    const char *id, *name;
    const json_t *args; /* the object */
    char *text;         /* its JSON text */
} tool_parts;

/* The call of a tool answer (sim_tools.c), or false for a text answer. */
static bool tool_of(sim_dialect_id dialect, const json_t *answer, tool_parts *t)
{
    const json_t *call;
    memset(t, 0, sizeof *t);
    if (dialect == SIM_ANTHROPIC) {
        call = json_array_get(json_object_get(answer, "content"), 0);
        const char *type = json_string_value(json_object_get(call, "type"));
        if (!type || strcmp(type, "tool_use") != 0)
            return false;
        t->id = json_string_value(json_object_get(call, "id"));
        t->args = json_object_get(call, "input");
    } else if (dialect == SIM_GEMINI) {
        return false; /* Gemini sends each call whole: its text path carries the part */
    } else {
        const json_t *message =
            dialect == SIM_COHERE
                ? json_object_get(answer, "message")
                : json_object_get(json_array_get(json_object_get(answer, "choices"), 0), "message");
        call = json_array_get(json_object_get(message, "tool_calls"), 0);
        if (!call)
            return false;
        t->id = json_string_value(json_object_get(call, "id"));
        call = json_object_get(call, "function");
        const char *args = json_string_value(json_object_get(call, "arguments"));
        t->text = strdup(args ? args : "{}");
    }
    t->name = json_string_value(json_object_get(call, "name"));
    if (!t->text)
        t->text = json_dumps(t->args, JSON_COMPACT);
    return t->id && t->name && t->text;
}

static char *piece_of(const char *text, size_t at)
{
    return strndup(text + at, ARGUMENT_PIECE);
}

/* A tool call as OpenAI delta pieces: id and name first, then the arguments in pieces of
 * ARGUMENT_PIECE bytes as OpenAI cuts them; Mistral sends each call whole in one delta
 * (arguments included), as its API does (observed by client integrations: Opik, Semantic
 * Kernel, Dust), which its SDK expects. */
static json_t *openai_tool_deltas(const sim_request *req, const tool_parts *t)
{
    bool whole = req->dialect == SIM_MISTRAL;
    json_t *deltas = json_pack("[{s:[{s:i, s:s, s:s, s:{s:s, s:s}}]}]", "tool_calls", "index", 0,
                               "id", t->id, "type", "function", "function", "name", t->name,
                               "arguments", whole ? t->text : "");
    for (size_t at = 0; !whole && at < strlen(t->text); at += ARGUMENT_PIECE) {
        char *piece = piece_of(t->text, at);
        json_array_append_new(deltas, json_pack("{s:[{s:i, s:{s:s}}]}", "tool_calls", "index", 0,
                                                "function", "arguments", piece ? piece : ""));
        free(piece);
    }
    return deltas;
}

/* The text answer's word pieces as OpenAI content deltas. */
static json_t *openai_text_deltas(char **pieces, size_t n)
{
    json_t *deltas = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(deltas, json_pack("{s:s}", "content", pieces[i]));
    return deltas;
}

static void anthropic_tool_events(json_t *answer, const tool_parts *t, event_list *out)
{
    json_t *usage = json_object_get(answer, "usage");
    add_event(out, "message_start",
              json_pack("{s:s, s:{s:O, s:s, s:s, s:[], s:O, s:n, s:n, s:{s:O, s:i}}}", "type",
                        "message_start", "message", "id", json_object_get(answer, "id"), "type",
                        "message", "role", "assistant", "content", "model",
                        json_object_get(answer, "model"), "stop_reason", "stop_sequence", "usage",
                        "input_tokens", json_object_get(usage, "input_tokens"), "output_tokens",
                        1));
    add_event(out, "content_block_start",
              json_pack("{s:s, s:i, s:{s:s, s:s, s:s, s:{}}}", "type", "content_block_start",
                        "index", 0, "content_block", "type", "tool_use", "id", t->id, "name",
                        t->name, "input"));
    for (size_t at = 0; at < strlen(t->text); at += ARGUMENT_PIECE) {
        char *piece = piece_of(t->text, at);
        add_event(out, "content_block_delta",
                  json_pack("{s:s, s:i, s:{s:s, s:s}}", "type", "content_block_delta", "index", 0,
                            "delta", "type", "input_json_delta", "partial_json",
                            piece ? piece : ""));
        free(piece);
    }
    add_event(out, "content_block_stop",
              json_pack("{s:s, s:i}", "type", "content_block_stop", "index", 0));
    add_event(out, "message_delta",
              json_pack("{s:s, s:{s:s, s:n}, s:{s:O}}", "type", "message_delta", "delta",
                        "stop_reason", "tool_use", "stop_sequence", "usage", "output_tokens",
                        json_object_get(usage, "output_tokens")));
    add_event(out, "message_stop", json_pack("{s:s}", "type", "message_stop"));
}

/* Cohere v2: message-start, tool-plan-delta, tool-call-start / -delta / -end, message-end. */
static void cohere_tool_events(json_t *answer, const tool_parts *t, event_list *out)
{
    json_t *message = json_object_get(answer, "message");
    add_event(out, "message-start",
              json_pack("{s:O, s:s, s:{s:{s:s}}}", "id", json_object_get(answer, "id"), "type",
                        "message-start", "delta", "message", "role", "assistant"));
    add_event(out, "tool-plan-delta",
              json_pack("{s:s, s:{s:{s:O}}}", "type", "tool-plan-delta", "delta", "message",
                        "tool_plan", json_object_get(message, "tool_plan")));
    add_event(out, "tool-call-start",
              json_pack("{s:s, s:i, s:{s:{s:{s:s, s:s, s:{s:s, s:s}}}}}", "type", "tool-call-start",
                        "index", 0, "delta", "message", "tool_calls", "id", t->id, "type",
                        "function", "function", "name", t->name, "arguments", ""));
    for (size_t at = 0; at < strlen(t->text); at += ARGUMENT_PIECE) {
        char *piece = piece_of(t->text, at);
        add_event(out, "tool-call-delta",
                  json_pack("{s:s, s:i, s:{s:{s:{s:{s:s}}}}}", "type", "tool-call-delta", "index",
                            0, "delta", "message", "tool_calls", "function", "arguments",
                            piece ? piece : ""));
        free(piece);
    }
    add_event(out, "tool-call-end", json_pack("{s:s, s:i}", "type", "tool-call-end", "index", 0));
    json_t *delta = json_pack("{s:s}", "finish_reason", "TOOL_CALL");
    if (json_object_get(answer, "usage"))
        json_object_set(delta, "usage", json_object_get(answer, "usage"));
    add_event(out, "message-end", json_pack("{s:s, s:o}", "type", "message-end", "delta", delta));
}

/* A Gemini answer whose first part is a functionCall: streamed whole, in one chunk. */
static bool gemini_call(const json_t *answer)
{
    const json_t *parts = json_object_get(
        json_object_get(json_array_get(json_object_get(answer, "candidates"), 0), "content"),
        "parts");
    return json_is_object(json_object_get(json_array_get(parts, 0), "functionCall"));
}

static bool tool_events(const sim_request *req, json_t *answer, event_list *out)
{
    tool_parts t;
    bool tool = tool_of(req->dialect, answer, &t);
    if (tool && req->dialect == SIM_ANTHROPIC)
        anthropic_tool_events(answer, &t, out);
    else if (tool && req->dialect == SIM_COHERE)
        cohere_tool_events(answer, &t, out);
    else if (tool)
        openai_events(req, answer, openai_tool_deltas(req, &t), out);
    free(t.text);
    return tool;
}

/* ---- the answer's text ---- */

static const char *answer_text(sim_dialect_id dialect, const json_t *answer)
{
    switch (dialect) {
    case SIM_ANTHROPIC:
        return json_string_value(
            json_object_get(json_array_get(json_object_get(answer, "content"), 0), "text"));
    case SIM_GEMINI:
        return json_string_value(json_object_get(
            json_array_get(
                json_object_get(
                    json_object_get(json_array_get(json_object_get(answer, "candidates"), 0),
                                    "content"),
                    "parts"),
                0),
            "text"));
    case SIM_COHERE:
        return json_string_value(json_object_get(
            json_array_get(json_object_get(json_object_get(answer, "message"), "content"), 0),
            "text"));
    default:
        return json_string_value(json_object_get(
            json_object_get(json_array_get(json_object_get(answer, "choices"), 0), "message"),
            "content"));
    }
}

bool sim_stream_wanted(const sim_request *req)
{
    if (req->dialect == SIM_GEMINI)
        return strstr(req->path, ":streamGenerateContent") != NULL;
    json_t *body = sim_request_json(req);
    bool wanted = json_is_true(json_object_get(body, "stream"));
    json_decref(body);
    return wanted;
}

void sim_stream_answer(const sim_request *req, sim_reply *reply)
{
    json_t *answer = reply->body ? json_loadb(reply->body, reply->body_len, 0, NULL) : NULL;
    const char *text = answer ? answer_text(req->dialect, answer) : NULL;
    event_list out = {0};
    bool tool = !text && answer && tool_events(req, answer, &out);
    if (!text && !tool && req->dialect == SIM_GEMINI && gemini_call(answer)) {
        out.crlf = true;
        add_event(&out, NULL, json_incref(answer));
        tool = true;
    }
    if (!text && !tool) { /* not a chat answer (an embedding, a malformed fault): as it is */
        json_decref(answer);
        return;
    }
    char **pieces = calloc(PIECES_MAX, sizeof *pieces);
    size_t n = pieces && text ? split_words(text, pieces, PIECES_MAX) : 0;
    if (tool)
        ; /* the events are written */
    else if (req->dialect == SIM_ANTHROPIC)
        anthropic_events(answer, pieces, n, &out);
    else if (req->dialect == SIM_GEMINI)
        gemini_events(answer, pieces, n, &out);
    else if (req->dialect == SIM_COHERE)
        cohere_events(answer, pieces, n, &out);
    else
        openai_events(req, answer, openai_text_deltas(pieces, n), &out);
    for (size_t i = 0; i < n; i++)
        free(pieces[i]);
    free(pieces);
    json_decref(answer);
    free(reply->body);
    reply->body = NULL;
    reply->body_len = 0;
    reply->content_type = "text/event-stream; charset=utf-8";
    reply->events = out.items;
    reply->event_count = out.count;
    reply->token_ms = req->plan.phase.token_ms;
    if (req->plan.fault_fires && req->plan.phase.fault == SIM_FAULT_STREAM_BREAK)
        reply->break_at = out.count / 2 > 0 ? out.count / 2 : 1;
    if (req->plan.fault_fires && req->plan.phase.fault == SIM_FAULT_STREAM_STALL) {
        reply->stall_at = out.count / 2 > 0 ? out.count / 2 : 1;
        reply->stall_ms = (int64_t)req->plan.phase.hang_s * 1000;
    }
}
