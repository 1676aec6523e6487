/* The image and audio endpoints of `mmadmin serve` (issue 16): POST /v1/images/generations,
 * /v1/audio/transcriptions (multipart/form-data read with libmicrohttpd's post processor) and
 * /v1/audio/speech, each sent through the router like chat, answered in OpenAI's shapes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/gw_internal.h"
#include "net/httpd_lib.h"

#define FIELD_MAX 256        /* model, response_format, ... */
#define TEXT_MAX (32 * 1024) /* an image prompt or the text to speak, in bytes */
#define POST_BUFFER 16384    /* the post processor's own buffer */
#define IMAGES_MAX 10

/* Sends req and answers a failure; true when served (res then holds the answer). */
static bool route_media(gw_call *call, router_send_request *req, router_send_result *res,
                        gw_response *resp)
{
    mm_error err = {0};
    mm_status st = MM_E_INTERNAL;
    if (!gw_send_one(call, req, res, &st, &err, resp))
        return false;
    if (st != MM_OK) {
        gw_openai_failure(call->gw, res, st, &err, resp);
        return false;
    }
    gw_served_headers(&res->attempts[res->served_index], res->n_attempts, resp);
    return true;
}

static const char *text_field(json_t *root, const char *key, size_t max)
{
    const char *text = json_string_value(json_object_get(root, key));
    return text && text[0] && strlen(text) <= max ? text : NULL;
}

static void bad_request(gw_response *resp, const char *code, const char *message)
{
    gw_response_error(resp, 400, "invalid_request_error", code, message);
}

/* ---- images ---- */

static json_t *images_json(const router_send_result *res)
{
    json_t *data = json_array();
    for (size_t i = 0; i < res->images_b64.count; i++)
        json_array_append_new(data, json_pack("{s:s}", "b64_json", res->images_b64.items[i]));
    for (size_t i = 0; i < res->image_urls.count; i++)
        json_array_append_new(data, json_pack("{s:s}", "url", res->image_urls.items[i]));
    return json_pack("{s:I, s:o}", "created", (json_int_t)time(NULL), "data", data);
}

void gw_media_images(gw_call *call, gw_response *resp)
{
    json_t *root = gw_parse_body(call, resp);
    if (!root)
        return;
    const char *prompt = text_field(root, "prompt", TEXT_MAX);
    json_t *n_value = json_object_get(root, "n");
    json_int_t n = json_is_integer(n_value) ? json_integer_value(n_value) : 1;
    json_t *size = json_object_get(root, "size");
    router_send_result *res = calloc(1, sizeof *res);
    if (!prompt || n < 1 || n > IMAGES_MAX || (size && !json_is_string(size)) || !res) {
        bad_request(resp, "invalid_prompt",
                    "'prompt' must be a non-empty string of at most 32768 bytes, 'n' 1 to 10 and "
                    "'size' a string such as \"1024x1024\"");
    } else {
        mm_media_request media = {
            .kind = MM_MEDIA_IMAGE, .text = prompt, .n = (int)n, .size = json_string_value(size)};
        router_send_request req = {.model = json_string_value(json_object_get(root, "model")),
                                   .media = &media};
        if (route_media(call, &req, res, resp))
            gw_response_json(resp, 200, images_json(res));
        router_send_result_free(res);
    }
    free(res);
    json_decref(root);
}

/* ---- speech ---- */

/* A static MIME type for the response (the result's own string is freed with it). */
static const char *audio_type(const char *given)
{
    static const char *const KNOWN[] = {"audio/mpeg", "audio/wav",  "audio/ogg", "audio/opus",
                                        "audio/aac",  "audio/flac", "audio/pcm", "audio/L16"};
    for (size_t i = 0; given && i < sizeof KNOWN / sizeof KNOWN[0]; i++)
        if (strncmp(given, KNOWN[i], strlen(KNOWN[i])) == 0)
            return KNOWN[i];
    return "application/octet-stream";
}

void gw_media_speech(gw_call *call, gw_response *resp)
{
    json_t *root = gw_parse_body(call, resp);
    if (!root)
        return;
    const char *input = text_field(root, "input", TEXT_MAX);
    router_send_result *res = calloc(1, sizeof *res);
    if (!input || !res) {
        bad_request(resp, "invalid_input",
                    "'input' must be a non-empty string of at most 32768 bytes");
    } else {
        mm_media_request media = {
            .kind = MM_MEDIA_SPEECH,
            .text = input,
            .voice = text_field(root, "voice", FIELD_MAX),
            .format = text_field(root, "response_format", FIELD_MAX),
        };
        router_send_request req = {.model = json_string_value(json_object_get(root, "model")),
                                   .media = &media};
        if (route_media(call, &req, res, resp)) {
            free(resp->body);
            resp->status = 200;
            resp->body = (char *)res->media; /* moved: the response frees it */
            resp->body_len = res->media_len;
            resp->content_type = audio_type(res->media_type);
            res->media = NULL;
        }
        router_send_result_free(res);
    }
    free(res);
    json_decref(root);
}

/* ---- transcriptions (multipart/form-data) ---- */

typedef struct form {
    size_t max_file;
    unsigned char *file;
    size_t file_len;
    char filename[FIELD_MAX];
    char model[FIELD_MAX], format[FIELD_MAX];
    bool too_large;
} form;

static void append_field(char *field, const char *data, size_t size)
{
    size_t used = strlen(field);
    size_t room = FIELD_MAX - 1 - used;
    size_t n = size < room ? size : room;
    memcpy(field + used, data, n);
    field[used + n] = '\0';
}

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *content_type,
                               const char *transfer_encoding, const char *data, uint64_t off,
                               size_t size)
{
    (void)kind, (void)content_type, (void)transfer_encoding, (void)off;
    form *f = cls;
    if (strcmp(key, "model") == 0)
        append_field(f->model, data, size);
    else if (strcmp(key, "response_format") == 0)
        append_field(f->format, data, size);
    if (strcmp(key, "file") != 0 || size == 0)
        return MHD_YES;
    if (filename && !f->filename[0])
        snprintf(f->filename, sizeof f->filename, "%s", filename);
    if (f->file_len + size > f->max_file) {
        f->too_large = true;
        return MHD_NO;
    }
    unsigned char *grown = realloc(f->file, f->file_len + size);
    if (!grown)
        return MHD_NO;
    memcpy(grown + f->file_len, data, size);
    f->file = grown;
    f->file_len += size;
    return MHD_YES;
}

/* Reads the multipart body; false (resp filled) when it is not a valid form. */
static bool read_form(gw_call *call, form *f, gw_response *resp)
{
    f->max_file = call->gw->opts.max_body_bytes;
    struct MHD_PostProcessor *pp =
        mm_httpd()->create_post_processor(call->connection, POST_BUFFER, on_part, f);
    if (!pp) {
        bad_request(resp, "invalid_content_type",
                    "a transcription is sent as multipart/form-data with a 'file' and a 'model'");
        return false;
    }
    enum MHD_Result ok = mm_httpd()->post_process(pp, call->body, call->body_len);
    mm_httpd()->destroy_post_processor(pp);
    if (ok != MHD_YES || !f->file_len || !f->model[0]) {
        bad_request(resp, "invalid_form",
                    f->too_large ? "the audio file is larger than the gateway's body limit"
                                 : "the form needs a non-empty 'file' and a 'model'");
        return false;
    }
    return true;
}

static void transcription_answer(const router_send_result *res, const char *format,
                                 gw_response *resp)
{
    const char *text = res->output ? res->output : "";
    if (strcmp(format, "text") == 0) {
        free(resp->body);
        resp->status = 200;
        resp->body = strdup(text);
        resp->body_len = resp->body ? strlen(resp->body) : 0;
        resp->content_type = "text/plain; charset=utf-8";
        return;
    }
    json_t *answer = json_pack("{s:s}", "text", text);
    if (strcmp(format, "verbose_json") == 0) {
        json_object_set_new(answer, "task", json_string("transcribe"));
        json_object_set_new(answer, "duration", json_real((double)res->audio_ms / 1000.0));
    }
    gw_response_json(resp, 200, answer);
}

void gw_media_transcriptions(gw_call *call, gw_response *resp)
{
    form f;
    memset(&f, 0, sizeof f);
    if (!read_form(call, &f, resp)) {
        free(f.file);
        return;
    }
    const char *format = f.format[0] ? f.format : "json";
    router_send_result *res = calloc(1, sizeof *res);
    if (strcmp(format, "json") != 0 && strcmp(format, "text") != 0 &&
        strcmp(format, "verbose_json") != 0) {
        bad_request(resp, "unsupported_response_format",
                    "'response_format' must be json, text or verbose_json");
    } else if (res) {
        mm_media_request media = {.kind = MM_MEDIA_TRANSCRIPTION,
                                  .audio = f.file,
                                  .audio_len = f.file_len,
                                  .filename = f.filename[0] ? f.filename : "audio.wav"};
        router_send_request req = {.model = f.model, .media = &media};
        if (route_media(call, &req, res, resp))
            transcription_answer(res, format, resp);
        router_send_result_free(res);
    }
    free(res);
    free(f.file);
}
