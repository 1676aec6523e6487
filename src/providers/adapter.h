/* Helpers shared by every provider adapter: request assembly from a connection, defensive
 * JSON reading, model-id lists, and the time formats providers use for retry-after/resets. */
#ifndef MM_PROVIDERS_ADAPTER_H
#define MM_PROVIDERS_ADAPTER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "providers/provider_ops.h"
#include "util/text.h"

/* Credential fields and descriptor members the providers share (provider.h): the CA bundle
 * field, the optional base-URL override of a hosted API (host: what the empty field means),
 * and the members of a hosted chat provider with a fixed base URL and a required key (its id,
 * display name, default base URL and credential fields). */
#define ADAPTER_FIELD_CA_BUNDLE                                                                    \
    {                                                                                              \
        "ca_bundle", "CA bundle file", false, false, "/etc/ssl/private-ca.pem",                    \
            "Only for a private endpoint whose certificate the system does not trust."             \
    }
#define ADAPTER_FIELD_BASE_URL(url, host)                                                          \
    {                                                                                              \
        "endpoint", "Base URL", false, false, url,                                                 \
            "Leave empty for " host "; set it for a proxy or a private endpoint."                  \
    }
#define ADAPTER_HOSTED_PROVIDER(provider_id, name, base_url, field_table)                          \
    .id = provider_id, .display_name = name, .default_base_url = base_url, .fields = field_table,  \
    .n_fields = sizeof field_table / sizeof field_table[0], .requires_endpoint = false,            \
    .requires_api_version = false, .requires_key = true, .supports_chat = true

/* Heap printf; NULL on out-of-memory. */
char *adapter_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The account's base URL override, else the provider's default; "" when neither. */
const char *adapter_base_url(const mm_connection *conn);
/* Fills out with method, base URL + path, the connection's timeouts and CA bundle, Accept and
 * (with a body) Content-Type headers. Takes ownership of body (freed on failure, when out is
 * left empty). Refuses an empty or non-http(s) base URL with an MM_E_INVALID "endpoint". */
mm_status adapter_request_init(const mm_connection *conn, const char *method, const char *path,
                               char *body, mm_http_request *out, mm_error *err);
/* Appends "?name=value" or "&name=value" (value already escaped). */
mm_status adapter_url_append_query(mm_http_request *req, const char *name, const char *value,
                                   mm_error *err);
/* Adds "Authorization: Bearer KEY" when the connection has a key. */
mm_status adapter_add_bearer(const mm_connection *conn, mm_http_request *req, mm_error *err);
/* adapter_request_init then adapter_add_bearer; out is left empty on failure. */
mm_status adapter_bearer_request(const mm_connection *conn, const char *method, const char *path,
                                 char *body, mm_http_request *out, mm_error *err);
/* adapter_request_init, then "<key_header>: KEY" when the connection has a key (Anthropic's
 * x-api-key, Gemini's x-goog-api-key, Azure's api-key); out is left empty on failure. */
mm_status adapter_key_request(const mm_connection *conn, const char *method, const char *path,
                              char *body, const char *key_header, mm_http_request *out,
                              mm_error *err);
/* Appends the next page's token (escaped) as query parameter name; does nothing when token is
 * NULL. On failure frees req (as a builder must leave it). */
mm_status adapter_append_page_token(mm_http_request *req, const char *name, const char *token,
                                    mm_error *err);

/* Parses a JSON object or array (never a bare scalar); NULL when the body is not JSON, too deep
 * (jansson's depth limit), invalid UTF-8 or empty. */
json_t *adapter_json_load(const char *body, size_t len);
/* Typed field access: NULL / false when absent or of another type. */
const char *adapter_json_string(const json_t *obj, const char *key);
json_t *adapter_json_object(const json_t *obj, const char *key);
json_t *adapter_json_array(const json_t *obj, const char *key);
/* Reads a token count: a finite, non-negative whole number below 2^53; false otherwise
 * (absent, negative, 12.5, 2^63; numbers beyond what JSON parsers hold, such as 1e400, were
 * read as null by adapter_json_load). */
bool adapter_read_count(const json_t *obj, const char *key, int64_t *out);
/* An optional count (cache, reasoning tokens): the count, or 0 when absent or unreadable. */
int64_t adapter_optional_count(const json_t *obj, const char *key);
/* Serializes compactly; NULL on out-of-memory. Steals no reference. */
char *adapter_dump(const json_t *value);
/* adapter_dump, then releases root (NULL in, NULL out): for request bodies. */
char *adapter_dump_owned(json_t *root);
/* The answer text of an array of content blocks: the "text" of blocks typed "text" /
 * "output_text" or untyped, concatenated; reasoning ("thinking" chunks, Gemini parts with
 * "thought": true) and tool blocks are left out. Heap, NULL on out-of-memory. */
char *adapter_join_text(const json_t *blocks);
/* True when some block of the array has "type": type ("tool_use", ...). */
bool adapter_blocks_have_type(const json_t *blocks, const char *type);
/* Takes text (heap) as res->output and calls (an OpenAI tool_calls array, stolen; NULL or
 * empty when none) as res->tool_calls with finish_reason "tool_calls". False, with why, when
 * text is NULL (out of memory) or the answer carries nothing — empty text and no tool calls —
 * unless res->blocked is set: an empty 200 is bad_response (the router tries the next
 * target), a blocked one a request outcome. */
bool adapter_set_answer(mm_call_result *res, char *text, json_t *calls, const char **why);

/* Sets usage from a count pair; known only when both are present. Clears the token kinds. */
void adapter_set_usage(mm_call_result *res, bool have_in, int64_t in, bool have_out, int64_t out);
/* Sets the billed kinds inside the totals (after adapter_set_usage; ignored when usage is
 * unknown): cache reads and writes are parts of tokens_in, reasoning a part of tokens_out; each
 * is clamped to what the total holds, so a kind is never counted twice. */
void adapter_set_token_kinds(mm_call_result *res, int64_t cache_read, int64_t cache_write,
                             int64_t reasoning);
/* Checks vec is a non-empty array of numbers and sets res->output to "N-dimensional vector". */
bool adapter_embedding_output(const json_t *vec, mm_call_result *res, const char **why);
#define MM_MODELS_MAX 5000 /* more ids than any provider lists: a hostile or broken body */
/* Appends id to ids unless empty or already present; false (why set) on out-of-memory or when
 * the list would pass MM_MODELS_MAX. */
bool adapter_add_model_id(mm_string_list *ids, const char *id, const char **why);
/* Appends the id_key string of each entry (strip_prefix removed when present; NULL for none)
 * to ids; *last_id (when not NULL) gets the last id read. False, why set, on an entry without
 * one, out of memory or too many ids. */
bool adapter_read_model_list(const json_t *entries, const char *id_key, const char *strip_prefix,
                             mm_string_list *ids, const char **last_id, const char **why);
/* "a model entry has no \"<id_key>\" string" for the two keys providers use. */
const char *adapter_missing_id_why(const char *id_key);
/* One list page {"<list_key>":[{"<id_key>":…}], "<next_key>":"token"} (Cohere, and the shape
 * Gemini and Anthropic extend): appends ids; *next_page gets a heap token or NULL. */
bool adapter_list_page(const char *body, size_t len, const char *list_key, const char *id_key,
                       const char *next_key, mm_string_list *ids, char **next_page,
                       const char **why);
/* Streaming: sets each member of fields (borrowed) in the request's JSON body; false when the
 * body is not a JSON object or on out-of-memory. */
bool adapter_body_merge(mm_http_request *req, const json_t *fields);
/* Reads one named event of a streamed chat (Anthropic, Cohere v2) into delta and res. */
typedef void (*adapter_event_reader)(const char *type, const json_t *event, mm_stream_delta *delta,
                                     mm_call_result *res);
/* parse_stream_event for dialects with named events: the data parsed, its "type" (else the
 * event's name) handed with it to read. False (why set) when the data is not a JSON object. */
bool adapter_parse_named_event(const char *event, const char *data, size_t len,
                               mm_stream_delta *delta, mm_call_result *res, const char **why,
                               adapter_event_reader read);
/* make_streaming for dialects that stream on "stream": true alone (Anthropic, Cohere v2,
 * Mistral, which sends its usage unasked). */
bool adapter_make_streaming(mm_http_request *req);
/* The finish reason in OpenAI's words ("stop", "length", "tool_calls", "content_filter") for a
 * provider's own ("end_turn", "MAX_TOKENS", "COMPLETE", ...); unknown ones read "stop". */
const char *adapter_finish_reason(const char *provider_reason);
/* Copies a heap string; NULL in, NULL out. */
char *adapter_strdup(const char *s);

/* "1s", "6m0s", "20ms", "1h2m3.5s", "0.5s", bare "12" (seconds) -> ms; -1 when invalid. */
int64_t adapter_parse_duration_ms(const char *s);
/* RFC 3339 time ("2025-05-22T12:34:56.123Z", "+02:00" offsets) -> ms since epoch; -1. */
int64_t adapter_parse_rfc3339_ms(const char *s);
/* retry-after-ms, else retry-after (seconds or an HTTP date); -1 when absent or invalid. */
int64_t adapter_retry_after_from_headers(const mm_http_response *resp, int64_t now_ms);
/* "Please try again in 18.642s" / "Please retry after 7 seconds" / "try again in 250ms" inside
 * a message -> ms; -1 when not found. */
int64_t adapter_retry_after_from_text(const char *message);
/* An integer header value; -1 when absent or not a number. */
int64_t adapter_header_int(const mm_http_response *resp, const char *name);
/* Copies raw provider text into an error body's message (bounded; sanitized later). */
void adapter_set_error_message(mm_error_body *out, const char *message);

/* Conversations (mm_chat), for each dialect's chat body. [{"role","content"}] as OpenAI and
 * Cohere v2 take them; NULL on out-of-memory. */
json_t *adapter_chat_messages(const mm_chat *chat);
/* How a dialect writes tools, tool results and images (tool_shape.c). */
typedef enum tool_dialect {
    TOOL_OPENAI,    /* OpenAI, Azure, Mistral, compatible servers: as given */
    TOOL_ANTHROPIC, /* tools[].input_schema, tool_use / tool_result / image blocks */
    TOOL_GEMINI,    /* functionDeclarations, functionCall / functionResponse / inlineData parts */
    TOOL_COHERE     /* v2: OpenAI's messages and tools, tool_choice REQUIRED / NONE */
} tool_dialect;
/* For dialects with a top-level system field and alternating turns (Anthropic: system and
 * messages user/assistant; Gemini: systemInstruction and contents user/model): *system gets
 * the system messages joined by a blank line (a new reference, NULL when none); *turns the
 * other messages with assistant renamed "model" for Gemini, tool results in the user's turn,
 * consecutive messages of one role merged (texts joined by a blank line). Anthropic turns
 * carry "content" (a string when text only, else blocks), Gemini turns "parts". A conversation
 * of system messages only is sent as one user turn. Errors as tool_shape_blocks. */
mm_status adapter_chat_turns(const mm_chat *chat, tool_dialect dialect, json_t **turns,
                             json_t **system, mm_error *err);

#endif
