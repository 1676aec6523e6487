/* Image, transcription and speech calls (issue 16): which providers serve which model type, the
 * refusal sentence, and one call with its billed units (images, audio ms, characters). */
#include "providers/provider_ops.h"

#include <stdio.h>
#include <string.h>

#include "providers/adapter.h"

#define MEDIA_TEXT_MAX 32768 /* characters: OpenAI's speech input takes 4096, prompts 32000 */

const char *provider_media_model_type(mm_media_kind kind)
{
    if (kind == MM_MEDIA_IMAGE)
        return "image";
    if (kind == MM_MEDIA_TRANSCRIPTION || kind == MM_MEDIA_SPEECH)
        return "audio";
    return NULL;
}

bool provider_supports_type(const mm_provider_info *provider, const char *model_type)
{
    if (!provider || !model_type)
        return false;
    if (strcmp(model_type, "chat") == 0)
        return provider->supports_chat;
    if (strcmp(model_type, "embedding") == 0)
        return provider->supports_embeddings;
    if (strcmp(model_type, "image") == 0)
        return provider->supports_images;
    if (strcmp(model_type, "audio") == 0)
        return provider->supports_audio;
    return false;
}

void provider_type_refusal(const mm_provider_info *provider, const char *model_type, char *out,
                           size_t outsz)
{
    const char *api = strcmp(model_type, "embedding") == 0 ? "embeddings" : model_type;
    const char *who = strcmp(model_type, "image") == 0   ? "OpenAI, Azure OpenAI or Gemini"
                      : strcmp(model_type, "audio") == 0 ? "OpenAI or Azure OpenAI"
                                                         : "another provider's";
    snprintf(out, outsz, "%s has no %s API: use an %s account for %s models",
             provider ? provider->display_name : "this provider", api, who, model_type);
}

/* Counts UTF-8 characters (what speech is billed by). */
static int64_t utf8_characters(const char *text)
{
    int64_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; p && *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A RIFF/WAVE file's duration from its fmt byte rate and data size; -1 when not a WAV. */
static int64_t wav_duration_ms(const unsigned char *data, size_t len)
{
    if (!data || len < 12 || memcmp(data, "RIFF", 4) != 0 || memcmp(data + 8, "WAVE", 4) != 0)
        return -1;
    uint32_t byte_rate = 0;
    for (size_t at = 12; at + 8 <= len;) {
        uint32_t size = le32(data + at + 4);
        if (memcmp(data + at, "fmt ", 4) == 0 && size >= 12 && at + 20 <= len)
            byte_rate = le32(data + at + 16);
        if (memcmp(data + at, "data", 4) == 0)
            return byte_rate ? (int64_t)((uint64_t)size * 1000 / byte_rate) : -1;
        if (size > len - at - 8)
            return -1;
        at += 8 + size + (size & 1);
    }
    return -1;
}

/* A speech answer is the audio itself: any non-empty body. */
static bool parse_speech(const char *body, size_t len, mm_call_result *res, const char **why)
{
    *why = "the audio is empty";
    if (!body || len == 0)
        return false;
    res->media = malloc(len);
    if (!res->media) {
        *why = "out of memory";
        return false;
    }
    memcpy(res->media, body, len);
    res->media_len = len;
    return true;
}

static mm_status refuse(mm_call_result *res, mm_status st, const mm_error *err)
{
    res->ok = false;
    res->cls = MM_CLASS_BAD_REQUEST;
    mm_copy(res->message, sizeof res->message, err->message);
    return st;
}

static mm_status check_request(const mm_connection *conn, const mm_media_request *req,
                               mm_error *err)
{
    const char *type = provider_media_model_type(req ? req->kind : MM_MEDIA_NONE);
    if (!conn || !conn->provider || !conn->provider->ops || !type)
        return mm_error_set(err, MM_E_INVALID, "provider", "no provider or no media request");
    char why[200];
    provider_type_refusal(conn->provider, type, why, sizeof why);
    if (!provider_supports_type(conn->provider, type) || !conn->provider->ops->build_media)
        return mm_error_set(err, MM_E_INVALID, "model", "%s.", why);
    if (req->kind == MM_MEDIA_TRANSCRIPTION && (!req->audio || req->audio_len == 0))
        return mm_error_set(err, MM_E_INVALID, "file", "the audio file is empty");
    if (req->kind != MM_MEDIA_TRANSCRIPTION &&
        (!mm_present(req->text) || utf8_characters(req->text) > MEDIA_TEXT_MAX))
        return mm_error_set(err, MM_E_INVALID, "text", "the %s must be 1 to %d characters of text",
                            req->kind == MM_MEDIA_IMAGE ? "prompt" : "input", MEDIA_TEXT_MAX);
    return MM_OK;
}

static provider_success_parser parser_for(const mm_connection *conn, mm_media_kind kind)
{
    if (kind == MM_MEDIA_IMAGE)
        return conn->provider->ops->parse_image;
    if (kind == MM_MEDIA_TRANSCRIPTION)
        return conn->provider->ops->parse_transcription;
    return parse_speech;
}

/* Billed units the answer did not say: characters read, a WAV file's duration. */
static void fill_units(const mm_media_request *req, const mm_http_response *resp,
                       mm_call_result *res)
{
    if (!res->ok)
        return;
    if (req->kind == MM_MEDIA_SPEECH) {
        res->characters = utf8_characters(req->text);
        const char *type = mm_http_header(resp, "content-type");
        mm_copy(res->media_type, sizeof res->media_type, type ? type : "application/octet-stream");
    }
    if (req->kind == MM_MEDIA_TRANSCRIPTION && res->audio_ms <= 0)
        res->audio_ms = wav_duration_ms(req->audio, req->audio_len);
}

mm_status provider_media(const mm_connection *conn, const char *model, const mm_media_request *req,
                         mm_call_result *res, mm_error *err)
{
    mm_error local;
    err = err ? err : &local;
    mm_call_result_init(res);
    mm_http_request http;
    memset(&http, 0, sizeof http);
    mm_status st = check_request(conn, req, err);
    if (st == MM_OK)
        st = conn->provider->ops->build_media(conn, model, req, &http, err);
    provider_success_parser parse = st == MM_OK ? parser_for(conn, req->kind) : NULL;
    if (st == MM_OK && !parse) {
        mm_http_request_free(&http);
        st = mm_error_set(err, MM_E_INVALID, "model", "%s cannot read this kind of answer",
                          conn->provider->display_name);
    }
    if (st != MM_OK)
        return refuse(res, st, err);
    mm_http_response resp;
    st = net_perform(&http, &resp, err);
    mm_http_request_free(&http);
    if (st != MM_OK) {
        res->cls = MM_CLASS_NETWORK;
        mm_copy(res->message, sizeof res->message, err->message);
        return st;
    }
    provider_parse_answer(conn, &resp, res, parse);
    fill_units(req, &resp, res);
    mm_http_response_free(&resp);
    return res->ok ? MM_OK : mm_error_set(err, MM_E_PROVIDER, NULL, "%s", res->message);
}
