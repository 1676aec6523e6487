/* The OpenAI wire shape, written once and reused by the OpenAI, Azure OpenAI, Mistral and
 * OpenAI-compatible adapters: bodies, list/chat/embedding parsers, errors, x-ratelimit-*. */
#ifndef MM_PROVIDERS_OPENAI_SHAPE_H
#define MM_PROVIDERS_OPENAI_SHAPE_H

#include "providers/adapter.h"

/* Request bodies (heap JSON); model NULL omits the field (Azure names the deployment in the
 * path). NULL on out-of-memory. */
char *openai_shape_chat_body(const char *model, const mm_chat *chat, int max_tokens);
/* The chat body as a JSON object (new reference) for a dialect that adjusts it (Mistral's
 * tool call ids); NULL on out-of-memory. */
json_t *openai_shape_chat_root(const char *model, const mm_chat *chat, int max_tokens);
char *openai_shape_embed_body(const char *model, const char *text);

/* Builders for base-URL + Bearer-key providers (OpenAI, Mistral, compatible servers). */
mm_status openai_shape_build_list(const mm_connection *conn, const char *page_token,
                                  mm_http_request *out, mm_error *err);
mm_status openai_shape_build_chat(const mm_connection *conn, const char *model, const mm_chat *chat,
                                  int max_tokens, mm_http_request *out, mm_error *err);
mm_status openai_shape_build_embed(const mm_connection *conn, const char *model, const char *text,
                                   mm_http_request *out, mm_error *err);

/* {"data":[{"id":…}]} or a bare array (Together); follows has_more/last_id when present. */
bool openai_shape_parse_list(const char *body, size_t len, mm_string_list *ids, char **next_page,
                             const char **why);
bool openai_shape_parse_chat(const char *body, size_t len, mm_call_result *res, const char **why);
bool openai_shape_parse_embed(const char *body, size_t len, mm_call_result *res, const char **why);
/* {"error":{"message","type","code"}} (code a string or a number, as on Azure), vLLM's
 * top-level {"object":"error",…}, Mistral's {"message"} / {"detail"}. */
void openai_shape_parse_error(long status, const char *body, size_t len, mm_error_body *out);
/* x-ratelimit-{limit,remaining,reset}-{requests,tokens} (resets are durations). */
void openai_shape_read_ratelimit(const mm_http_response *resp, int64_t now_ms, mm_ratelimit *rl);
/* Streaming: "stream": true with stream_options.include_usage (OpenAI, Azure, compatible
 * servers), and the chunk parser ({"choices":[{"delta":{"content"}, "finish_reason"}]}, the
 * usage chunk, an {"error"} chunk, data: [DONE]). */
bool openai_shape_make_streaming(mm_http_request *req);
bool openai_shape_parse_stream(const char *event, const char *data, size_t len,
                               mm_stream_delta *delta, mm_call_result *res, const char **why);
/* Images and audio in the OpenAI shape (openai_media.c). model NULL omits the field (Azure).
 * Image body {"model","prompt","n","size","response_format":"b64_json" (dall-e only: gpt-image
 * always answers base64)}; speech body {"model","input","voice","response_format"}; a
 * transcription is multipart (file, model, response_format verbose_json for whisper, whose
 * answer then says its duration, else json). Adds the body or the parts to req. */
mm_status openai_media_fill(const char *model, const mm_media_request *media, mm_http_request *req,
                            mm_error *err);
/* The path after the base URL: "images/generations", "audio/transcriptions", "audio/speech". */
const char *openai_media_operation(mm_media_kind kind);
mm_status openai_media_build(const mm_connection *conn, const char *model,
                             const mm_media_request *media, mm_http_request *out, mm_error *err);
/* {"data":[{"b64_json"|"url"}],"usage"?} (gpt-image-1 bills tokens: usage.input_tokens). */
bool openai_media_parse_image(const char *body, size_t len, mm_call_result *res, const char **why);
/* {"text","duration"?} */
bool openai_media_parse_transcription(const char *body, size_t len, mm_call_result *res,
                                      const char **why);

/* Every operation above, as OpenAI and OpenAI-compatible servers use them unchanged. */
extern const mm_provider_ops openai_shape_ops;

#endif
