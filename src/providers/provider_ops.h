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

/* One event of a streamed chat as a dialect's stream parser reads it (the common delta). */
typedef struct mm_stream_delta {
    char *text; /* a piece of the answer (heap, raw provider text), NULL when none */
    /* pieces of tool calls in OpenAI's delta shape, whatever the dialect (a new reference,
     * NULL when none): [{"index","id"?,"type"?,"function":{"name"?,"arguments"?}}]; index -1
     * starts a new call (Gemini sends each whole). Merged by tool_shape_merge. */
    struct json_t *tool_calls;
    bool done;   /* the dialect's end marker: [DONE], message_stop, message-end, finishReason */
    bool failed; /* an error event after the 200: error says what */
    mm_error_body error;
} mm_stream_delta;

/* Success parsers return false when the body is not the documented shape (bad_response) and
 * then describe the problem in `why` (static text). They never trust types or sizes. */
struct mm_provider_ops {
    /* page_token: NULL for the first page. */
    mm_status (*build_list)(const mm_connection *conn, const char *page_token, mm_http_request *out,
                            mm_error *err);
    /* Appends the page's model ids to ids; *next_page gets a heap token or NULL when done. */
    bool (*parse_list)(const char *body, size_t len, mm_string_list *ids, char **next_page,
                       const char **why);
    /* chat: at least one message, roles system/user/assistant (checked before). */
    mm_status (*build_chat)(const mm_connection *conn, const char *model, const mm_chat *chat,
                            int max_tokens, mm_http_request *out, mm_error *err);
    /* Sets res->output (heap, raw text), usage_known, tokens_in/out. */
    bool (*parse_chat)(const char *body, size_t len, mm_call_result *res, const char **why);
    /* NULL where the provider has no embeddings endpoint. */
    mm_status (*build_embed)(const mm_connection *conn, const char *model, const char *text,
                             mm_http_request *out, mm_error *err);
    /* Sets res->output ("N-dimensional vector") and usage. */
    bool (*parse_embed)(const char *body, size_t len, mm_call_result *res, const char **why);
    /* Turns a built chat request into its streaming form (body "stream": true, Gemini's
     * :streamGenerateContent?alt=sse); false on out-of-memory. NULL: the provider cannot
     * stream (provider_chat_stream then sends the whole answer as one piece). */
    bool (*make_streaming)(mm_http_request *req);
    /* Reads one server-sent event (name "" when the stream names none) of a streamed chat:
     * text into delta, usage into res (usage_known once the totals came), res->blocked and
     * res->finish_reason when the answer ends. False (why) when the event is not the
     * documented shape. Facts: /work/shared/PROVIDERS.md "Streaming, per dialect". */
    bool (*parse_stream_event)(const char *event, const char *data, size_t len,
                               mm_stream_delta *delta, mm_call_result *res, const char **why);
    /* Media (NULL where the provider has no such API): one builder for the three kinds;
     * parse_image reads a 2xx image body (images_b64 / image_urls, images, usage if any),
     * parse_transcription a transcription ({"text"}, audio_ms from "duration"); speech answers
     * are the audio bytes themselves, read by provider_media.c. */
    mm_status (*build_media)(const mm_connection *conn, const char *model,
                             const mm_media_request *req, mm_http_request *out, mm_error *err);
    bool (*parse_image)(const char *body, size_t len, mm_call_result *res, const char **why);
    bool (*parse_transcription)(const char *body, size_t len, mm_call_result *res,
                                const char **why);
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
/* The same for a conversation (errors as provider_chat_messages). */
mm_status provider_build_chat_messages_request(const mm_connection *conn, const char *model,
                                               const mm_chat *chat, int max_tokens,
                                               mm_http_request *out, mm_error *err);
void provider_parse_chat_response(const mm_connection *conn, const mm_http_response *resp,
                                  mm_call_result *res);
mm_status provider_build_embed_request(const mm_connection *conn, const char *model,
                                       const char *text, mm_http_request *out, mm_error *err);
void provider_parse_embed_response(const mm_connection *conn, const mm_http_response *resp,
                                   mm_call_result *res);

/* How a streamed chat's transfer ended, for provider_parse_stream_end. */
typedef struct mm_stream_end {
    const char *bad_why; /* an event was not the documented shape (static text), or NULL */
    bool failed;         /* an error event came after the 200 */
    mm_error_body error; /* what it said */
    bool done;           /* the dialect's end marker came */
} mm_stream_end;
/* Fills res for a streamed chat whose transfer is over (res->output, usage, streamed_bytes and
 * stopped already set by the stream): status, latency, request id and rate-limit headers, then
 * the class — HTTP/transport failure as provider_parse_chat_response, an error event, a shape
 * problem or a stream cut before its end marker (bad_response), a withheld answer, nothing
 * streamed — or ok (also when the caller stopped it). Redacts like every answer. */
void provider_parse_stream_end(const mm_connection *conn, const mm_http_response *resp,
                               const mm_stream_end *end, mm_call_result *res);
/* Reads a response with a success parser: classification of failures, the parser on a 2xx
 * (bad_response when it says no), sanitizing and redaction — as chat and embeddings do. */
typedef bool (*provider_success_parser)(const char *body, size_t len, mm_call_result *res,
                                        const char **why);
void provider_parse_answer(const mm_connection *conn, const mm_http_response *resp,
                           mm_call_result *res, provider_success_parser parse);

/* Resets res to "nothing known yet" (keeps and empties nothing: call on a zeroed or freed
 * result). */
void mm_call_result_init(mm_call_result *res);

/* Reads a failed (or transport-failed) response into res: class, message with the provider's
 * own words and what to do, retry-after. Exposed for tests and the monitor. */
void provider_classify_failure(const mm_connection *conn, const mm_http_response *resp,
                               mm_call_result *res);

#endif
