/* The per-provider operations table (request builders and response parsers) behind each
 * descriptor, and the request/parse split the monitor drives with libcurl multi. */
#ifndef MM_PROVIDER_OPS_H
#define MM_PROVIDER_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/http.h"
#include "providers/provider.h"

#define MM_LIST_PAGE_CAP 100  /* provider_list_models follows at most this many pages */
#define MM_ERROR_TEXT_MAX 400 /* the provider's own error text kept from a body */

/* What an error body says. cls is MM_CLASS_COUNT when the body does not decide the class (the
 * HTTP status then does). message is the provider's own text (raw; sanitized later). */
typedef struct mm_error_body {
    bool recognized; /* the body is JSON in an error shape this provider uses */
    mm_error_class cls;
    char message[MM_ERROR_TEXT_MAX];
    int64_t retry_after_ms; /* -1 unless the body says when to retry */
} mm_error_body;

/* Success parsers return false when the body is not the documented shape (bad_response) and
 * then describe the problem in `why` (static text). They never trust types or sizes. */
struct mm_provider_ops {
    /* page_token: NULL for the first page. */
    mm_status (*build_list)(const mm_connection *conn, const char *page_token, mm_http_request *out,
                            mm_error *err);
    /* Appends the page's model ids to ids; *next_page gets a heap token or NULL when done. */
    bool (*parse_list)(const char *body, size_t len, mm_string_list *ids, char **next_page,
                       const char **why);
    mm_status (*build_chat)(const mm_connection *conn, const char *model, const char *prompt,
                            int max_tokens, mm_http_request *out, mm_error *err);
    /* Sets res->output (heap, raw text), usage_known, tokens_in/out. */
    bool (*parse_chat)(const char *body, size_t len, mm_call_result *res, const char **why);
    /* NULL where the provider has no embeddings endpoint. */
    mm_status (*build_embed)(const mm_connection *conn, const char *model, const char *text,
                             mm_http_request *out, mm_error *err);
    /* Sets res->output ("N-dimensional vector") and usage. */
    bool (*parse_embed)(const char *body, size_t len, mm_call_result *res, const char **why);
    /* Reads an error body of any status. */
    void (*parse_error)(long status, const char *body, size_t len, mm_error_body *out);
    /* Reads the provider's rate-limit headers into rl (already set to -1s); NULL if none. */
    void (*read_ratelimit)(const mm_http_response *resp, int64_t now_ms, mm_ratelimit *rl);
};

/* Builds the request for one list-models page (page_token NULL for the first). */
mm_status provider_build_list_request(const mm_connection *conn, const char *page_token,
                                      mm_http_request *out, mm_error *err);
/* Parses one list-models page into res (appends ids without duplicates; sets ok, cls, message,
 * http_status, latency, retry_after, ratelimit, request_id); *next_page gets a heap token or
 * NULL when done or on failure. */
void provider_parse_list_response(const mm_connection *conn, const mm_http_response *resp,
                                  mm_call_result *res, char **next_page);
/* The same split for chat and embeddings (the router and benchmarks may drive them). */
mm_status provider_build_chat_request(const mm_connection *conn, const char *model,
                                      const char *prompt, int max_tokens, mm_http_request *out,
                                      mm_error *err);
void provider_parse_chat_response(const mm_connection *conn, const mm_http_response *resp,
                                  mm_call_result *res);
mm_status provider_build_embed_request(const mm_connection *conn, const char *model,
                                       const char *text, mm_http_request *out, mm_error *err);
void provider_parse_embed_response(const mm_connection *conn, const mm_http_response *resp,
                                   mm_call_result *res);

/* Resets res to "nothing known yet" (keeps and empties nothing: call on a zeroed or freed
 * result). */
void mm_call_result_init(mm_call_result *res);

/* Reads a failed (or transport-failed) response into res: class, message with the provider's
 * own words and what to do, retry-after. Exposed for tests and the monitor. */
void provider_classify_failure(const mm_connection *conn, const mm_http_response *resp,
                               mm_call_result *res);

#endif
