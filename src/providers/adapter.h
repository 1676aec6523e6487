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
/* Reads a token count: a finite, non-negative, integral-enough number below 2^53. */
bool adapter_read_count(const json_t *obj, const char *key, int64_t *out);
/* Serializes compactly; NULL on out-of-memory. Steals no reference. */
char *adapter_dump(const json_t *value);
/* The "text" strings of an array of content blocks, concatenated (blocks without one count as
 * empty); heap, NULL on out-of-memory. */
char *adapter_join_text(const json_t *blocks);

/* Sets usage from a count pair; known only when both are present. */
void adapter_set_usage(mm_call_result *res, bool have_in, int64_t in, bool have_out, int64_t out);
/* Checks vec is a non-empty array of numbers and sets res->output to "N-dimensional vector". */
bool adapter_embedding_output(const json_t *vec, mm_call_result *res, const char **why);
#define MM_MODELS_MAX 5000 /* more ids than any provider lists: a hostile or broken body */
/* Appends id to ids unless empty or already present; false (why set) on out-of-memory or when
 * the list would pass MM_MODELS_MAX. */
bool adapter_add_model_id(mm_string_list *ids, const char *id, const char **why);
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

#endif
