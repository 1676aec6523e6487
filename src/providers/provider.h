/* The provider registry and the calls every caller uses (CLI, console, router, monitor): one
 * data descriptor per provider, and list-models / chat / embed with classified failures. */
#ifndef MM_PROVIDER_H
#define MM_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "util/strlist.h"

/* A credential field of a provider's add-account form. `name` is one of "endpoint",
 * "api_key", "api_version", "ca_bundle" (the mm_account field it fills). */
typedef struct mm_credential_field {
    const char *name;
    const char *label; /* "API key", "Resource endpoint", ... */
    bool required;
    bool secret;             /* typed masked, stored encrypted */
    const char *placeholder; /* "https://my-resource.openai.azure.com" */
    const char *help;        /* one line shown under the field */
} mm_credential_field;

typedef struct mm_provider_ops mm_provider_ops; /* request builders and response parsers */

typedef struct mm_provider_info {
    const char *id;                  /* "openai", "anthropic", "azure-openai", "gemini", "cohere",
                                        "mistral", "openai-compatible" */
    const char *display_name;        /* "OpenAI", "Azure OpenAI", ... */
    const char *default_base_url;    /* NULL when the admin must give one */
    const char *default_api_version; /* Azure: "2024-10-21"; else NULL */
    const mm_credential_field *fields;
    size_t n_fields;
    bool requires_endpoint;
    bool requires_api_version;
    bool requires_key;
    bool supports_chat;
    bool supports_embeddings;
    bool supports_images;    /* POST /images/generations or Imagen :predict (provider_media.c) */
    bool supports_audio;     /* POST /audio/transcriptions and /audio/speech */
    const char *target_hint; /* shown by the target picker, e.g. Azure's deployment note */
    bool targets_not_listed; /* targets name what list-models does not show (Azure deployments) */
    const mm_provider_ops *ops;
} mm_provider_info;

const mm_provider_info *provider_find(const char *id); /* NULL when unknown */
size_t provider_count(void);
const mm_provider_info *provider_at(size_t index);
/* "openai, anthropic, azure-openai, ..." for messages. */
const char *provider_id_list(void);

/* Everything needed to call one account. Strings are borrowed. */
typedef struct mm_connection {
    const mm_provider_info *provider;
    const char *base_url;        /* NULL or "" = provider default */
    const char *api_key;         /* NULL or "" = none */
    const char *api_version;     /* Azure */
    const char *ca_bundle;       /* NULL = system store; TLS verification is always on */
    long connect_timeout_ms;     /* 0 = default 5000 */
    long timeout_ms;             /* 0 = default 30000; a stream with an idle timeout: to its first
                                    byte */
    long stream_idle_timeout_ms; /* streams: longest pause between bytes after the first (then
                                    no bound on the whole stream); 0 = timeout_ms bounds it */
} mm_connection;

/* Rate-limit figures read from response headers; -1 where not given. */
typedef struct mm_ratelimit {
    int64_t limit_requests, remaining_requests, reset_requests_ms;
    int64_t limit_tokens, remaining_tokens, reset_tokens_ms;
} mm_ratelimit;

typedef struct mm_call_result {
    bool ok;
    mm_error_class cls; /* MM_CLASS_OK when ok */
    int http_status;    /* 0 when no HTTP response */
    int64_t latency_ms;
    int64_t retry_after_ms; /* -1 unless the provider said when to retry */
    char message[512];      /* sanitized; says what is wrong and what to do */
    char request_id[128];
    mm_ratelimit ratelimit;
    /* Usage as the provider bills it. usage_known is false when the answer carries no usable
     * count (absent, negative, fractional, beyond 2^53): the router then records its own
     * admission estimate, marked usage_estimated, never zero. tokens_in counts every input
     * token, cache reads and writes included; the cache figures are the parts of tokens_in
     * billed at the cache-read / cache-write price (Anthropic's cache_read_input_tokens and
     * cache_creation_input_tokens, OpenAI's prompt_tokens_details.cached_tokens, Gemini's
     * cachedContentTokenCount). tokens_out counts every billed output token, reasoning
     * included; tokens_reasoning is the part of it spent thinking (shown, never added again). */
    bool usage_known;
    int64_t tokens_in, tokens_out;
    int64_t tokens_cache_read, tokens_cache_write, tokens_reasoning;
    /* Set by a chat parser when the provider withheld the answer for its content (OpenAI
     * finish_reason content_filter, Anthropic stop_reason refusal, Gemini finishReason SAFETY
     * or a promptFeedback blockReason, ...): the reason, static text. The call then fails as a
     * request outcome (class bad_request: returned, not retried, not a health fault). */
    const char *blocked;
    /* Streamed chats (provider_chat_stream): how the answer ended in OpenAI's words ("stop",
     * "length", ...; "" when unknown), the bytes of answer handed to the caller (text,
     * tool-call ids, names and arguments), whether the caller stopped the stream (its client
     * went away), and the time to the first byte. */
    char finish_reason[24];
    size_t streamed_bytes;
    bool stopped;
    int64_t first_byte_ms;
    mm_string_list models; /* list-models: ids (Gemini's "models/" prefix stripped) */
    char *output;          /* chat: the answer text (sanitized); embed: "N-dimensional vector" */
    /* chat: the tool calls the model asked for, in OpenAI's shape whatever the dialect (a JSON
     * array text [{"id","type":"function","function":{"name","arguments":"<JSON text>"}}],
     * heap; tool_shape.c), NULL when none. finish_reason then reads "tool_calls". */
    char *tool_calls;
    double *embedding;     /* embed: the vector itself (heap), NULL otherwise */
    size_t embedding_dims; /* its length */
    /* Media answers (provider_media.c). images: each image as base64 (images_b64) or as the
     * provider's URL (image_urls). speech: the audio bytes (media, heap) and their MIME type.
     * transcription: the text in output. The billed units, as providers bill them: images made,
     * audio_ms transcribed (the answer's duration, else the WAV header's), characters read. */
    mm_string_list images_b64, image_urls;
    unsigned char *media;
    size_t media_len;
    char media_type[64];
    int64_t images, audio_ms, characters;
} mm_call_result;

void mm_call_result_free(mm_call_result *res);

/* A chat conversation as OpenAI clients send it (issue 16): each message a role ("system",
 * "user", "assistant" or "tool") and its text. Each dialect's builder maps it to its wire shape
 * (PROVIDERS.md: OpenAI messages, Anthropic top-level system, Gemini systemInstruction and
 * user/model contents, Cohere v2 messages; tools and images: tool_shape.c). The JSON members
 * are OpenAI's own shapes as JSON text (checked by the caller), NULL when absent. */
typedef struct mm_chat_message {
    const char *role;
    const char *content;      /* the text (a message's text parts joined) */
    const char *parts;        /* content parts when some is an image: [{"type":"text","text"} |
                                 {"type":"image_url","image_url":{"url"}}], else NULL */
    const char *tool_calls;   /* assistant: [{"id","type":"function","function":{"name",
                                 "arguments"}}] */
    const char *tool_call_id; /* tool: the call this message answers */
} mm_chat_message;
typedef struct mm_chat {
    const mm_chat_message *messages;
    size_t n;
    const char *tools;       /* [{"type":"function","function":{"name","description",
                                "parameters"}}] */
    const char *tool_choice; /* "auto" | "none" | "required" | {"type":"function",
                                "function":{"name"}} */
} mm_chat;
/* A copy of chat in one heap block (messages and their text): free() it. NULL on
 * out-of-memory. */
mm_chat *mm_chat_dup(const mm_chat *chat);

/* Each call fills res completely (always, even on failure) and returns MM_OK when res->ok,
 * else MM_E_PROVIDER with err->message = res->message. */
mm_status provider_list_models(const mm_connection *conn, mm_call_result *res, mm_error *err);
mm_status provider_chat(const mm_connection *conn, const char *model, const char *prompt,
                        int max_tokens, mm_call_result *res, mm_error *err);
/* Receives each piece of a streamed answer (sanitized and redacted like provider_chat's
 * output), in order. Return false to stop the stream (the transfer is cut). */
typedef bool (*mm_text_fn)(void *ctx, const char *text, size_t len);
/* Receives the tool calls of a streamed answer as OpenAI streams them, whatever the dialect:
 * deltas is a JSON array text of chat.completion.chunk delta.tool_calls items — a call's first
 * {"index","id","type":"function","function":{"name","arguments"}} then {"index","function":
 * {"arguments"}} per piece of its arguments (tool_shape_merge) — in order with the text pieces.
 * Return false to stop the stream. */
typedef bool (*mm_tool_calls_fn)(void *ctx, const char *deltas, size_t len);
/* Where a streamed answer goes: on_text required; on_tool_calls NULL: the tool calls come only
 * whole at the end (res->tool_calls) and count as nothing streamed. */
typedef struct mm_stream_sink {
    mm_text_fn on_text;
    mm_tool_calls_fn on_tool_calls;
    void *ctx;
} mm_stream_sink;
/* provider_chat with the provider's streaming API: each piece of the answer goes to on_text as
 * it arrives; res ends as provider_chat's would (output = the whole text, tool_calls whole,
 * usage as the stream reported it), plus finish_reason, streamed_bytes (text, and tool-call
 * ids, names and arguments when the sink takes them) and first_byte_ms. A failure after pieces
 * went out (an error event, a cut connection, no end marker) fails res with its class; a stop
 * asked by the sink leaves res ok (stopped set). Providers without streaming answer in one
 * piece (text, then each tool call whole). Errors as provider_chat. */
mm_status provider_chat_stream(const mm_connection *conn, const char *model, const char *prompt,
                               int max_tokens, mm_text_fn on_text, void *ctx, mm_call_result *res,
                               mm_error *err);
/* provider_chat and provider_chat_stream for a whole conversation (the prompt forms send one
 * user message). MM_E_INVALID when it is empty, a role is unknown or a text not UTF-8. */
mm_status provider_chat_messages(const mm_connection *conn, const char *model, const mm_chat *chat,
                                 int max_tokens, mm_call_result *res, mm_error *err);
mm_status provider_chat_stream_messages(const mm_connection *conn, const char *model,
                                        const mm_chat *chat, int max_tokens,
                                        const mm_stream_sink *sink, mm_call_result *res,
                                        mm_error *err);
mm_status provider_embed(const mm_connection *conn, const char *model, const char *text,
                         mm_call_result *res, mm_error *err);

/* ---- images and audio (provider_media.c; wire facts in PROVIDERS.md "Images and audio") ---- */
typedef enum mm_media_kind {
    MM_MEDIA_NONE = 0,
    MM_MEDIA_IMAGE,         /* OpenAI/Azure POST /images/generations, Gemini Imagen :predict */
    MM_MEDIA_TRANSCRIPTION, /* OpenAI/Azure POST /audio/transcriptions (multipart/form-data) */
    MM_MEDIA_SPEECH         /* OpenAI/Azure POST /audio/speech (JSON in, audio bytes out) */
} mm_media_kind;

typedef struct mm_media_request {
    mm_media_kind kind;
    const char *text;           /* image: the prompt; speech: the text to read */
    int n;                      /* image: how many (0 = 1, at most 10) */
    const char *size;           /* image: "1024x1024" (NULL: the provider's default) */
    const char *voice;          /* speech: "alloy" when NULL */
    const char *format;         /* speech: "mp3" when NULL (mp3, opus, aac, flac, wav, pcm) */
    const unsigned char *audio; /* transcription: the file's bytes */
    size_t audio_len;
    const char *filename; /* transcription: its name ("clip.wav"): providers read the format */
} mm_media_request;

/* "image" for MM_MEDIA_IMAGE, "audio" for transcription and speech, NULL for none: the
 * logical model type a media request needs. */
const char *provider_media_model_type(mm_media_kind kind);
/* Whether the provider serves a logical model of this type (chat, embedding, image, audio). */
bool provider_supports_type(const mm_provider_info *provider, const char *model_type);
/* The sentence refusing type on provider ("Anthropic has no image API: ..."). */
void provider_type_refusal(const mm_provider_info *provider, const char *model_type, char *out,
                           size_t outsz);
/* One media call; fills res like provider_chat (units, images, media, output). MM_E_INVALID
 * (res->cls bad_request) when the provider has no such API or the request is malformed. */
mm_status provider_media(const mm_connection *conn, const char *model, const mm_media_request *req,
                         mm_call_result *res, mm_error *err);

#endif
