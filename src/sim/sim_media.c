/* mmsim's image and audio answers: a 1x1 PNG as base64 or a URL, a transcript naming the
 * audio's size and duration (verbose_json adds "duration", as whisper does), a short WAV or
 * MP3-framed blob for speech, and Imagen predictions; every answer deterministic. */
#include "sim/sim_media.h"
#include "sim/sim_openai.h"
#include "sim/sim_reply.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A valid 1x1 transparent PNG. */
static const char PNG_B64[] = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAC"
                              "hwGA60e6kgAAAABJRU5ErkJggg==";
#define IMAGES_MAX 10
#define SPEECH_SAMPLE_RATE 8000 /* the WAV blob: 8 kHz mono 8-bit, 1 ms a character */

bool sim_media_path(const char *path)
{
    return strcmp(path, "/images/generations") == 0 || strcmp(path, "/audio/transcriptions") == 0 ||
           strcmp(path, "/audio/speech") == 0;
}

static bool has(const char *s, const char *needle)
{
    return s && strstr(s, needle) != NULL;
}

bool sim_media_model(const char *model)
{
    return has(model, "dall-e") || has(model, "gpt-image") || has(model, "whisper") ||
           has(model, "tts") || has(model, "transcribe") || has(model, "imagen");
}

static int image_count(json_t *body, const char *key, int *n)
{
    json_t *value = json_object_get(body, key);
    *n = json_is_integer(value) ? (int)json_integer_value(value) : 1;
    return *n >= 1 && *n <= IMAGES_MAX;
}

static const char *image(const sim_request *req, sim_reply *reply, json_t *body, const char *model)
{
    const char *prompt = json_string_value(json_object_get(body, "prompt"));
    if (!prompt || !prompt[0])
        return "'prompt' is a required property";
    int n;
    if (!image_count(body, "n", &n))
        return "Invalid 'n': must be from 1 to 10.";
    const char *format = json_string_value(json_object_get(body, "response_format"));
    bool b64 = has(model, "gpt-image") || (format && strcmp(format, "b64_json") == 0);
    json_t *data = json_array();
    for (int i = 0; i < n; i++) {
        char url[128], id[48];
        sim_make_id(req, "img-", id, sizeof id);
        snprintf(url, sizeof url, "https://mmsim.invalid/images/%s-%d.png", id, i);
        json_array_append_new(
            data, b64 ? json_pack("{s:s,s:s}", "b64_json", PNG_B64, "revised_prompt", prompt)
                      : json_pack("{s:s,s:s}", "url", url, "revised_prompt", prompt));
    }
    json_t *answer = json_pack("{s:I,s:o}", "created", (json_int_t)time(NULL), "data", data);
    if (has(model, "gpt-image")) /* billed by tokens: its answer says how many */
        json_object_set_new(answer, "usage",
                            json_pack("{s:I,s:I,s:I}", "input_tokens",
                                      (json_int_t)(strlen(prompt) + 3) / 4, "output_tokens",
                                      (json_int_t)272 * n, "total_tokens",
                                      (json_int_t)((strlen(prompt) + 3) / 4 + 272 * (size_t)n)));
    sim_reply_json(reply, 200, answer);
    return NULL;
}

/* ---- speech ---- */

static void put_le(unsigned char *p, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* A WAV of one 1 ms tone step per character (deterministic), or the same framed as MP3. */
static void speech_blob(const sim_request *req, const char *input, bool wav, sim_reply *reply)
{
    size_t chars = strlen(input);
    size_t samples = chars * SPEECH_SAMPLE_RATE / 1000 + 8;
    size_t len = (wav ? 44 : 10) + samples;
    unsigned char *blob = calloc(1, len + 1);
    if (!blob)
        return;
    unsigned char *pcm = blob + (wav ? 44 : 10);
    if (wav) {
        memcpy(blob, "RIFF", 4);
        put_le(blob + 4, (uint32_t)(len - 8), 4);
        memcpy(blob + 8, "WAVEfmt ", 8);
        put_le(blob + 16, 16, 4);
        put_le(blob + 20, 1, 2); /* PCM */
        put_le(blob + 22, 1, 2); /* mono */
        put_le(blob + 24, SPEECH_SAMPLE_RATE, 4);
        put_le(blob + 28, SPEECH_SAMPLE_RATE, 4);
        put_le(blob + 32, 1, 2);
        put_le(blob + 34, 8, 2);
        memcpy(blob + 36, "data", 4);
        put_le(blob + 40, (uint32_t)samples, 4);
    } else {
        memcpy(blob, "ID3\x04\0\0\0\0\0\0", 10);
    }
    for (size_t i = 0; i < samples; i++)
        pcm[i] = (unsigned char)(128 + ((i + req->seed) % 32));
    free(reply->body);
    reply->status = 200;
    reply->content_type = wav ? "audio/wav" : "audio/mpeg";
    reply->body = (char *)blob;
    reply->body_len = len;
}

static const char *speech(const sim_request *req, sim_reply *reply, json_t *body)
{
    const char *input = json_string_value(json_object_get(body, "input"));
    if (!input || !input[0])
        return "'input' is a required property";
    if (strlen(input) > 4096)
        return "'input' is too long: the limit is 4096 characters.";
    if (!json_string_value(json_object_get(body, "voice")))
        return "'voice' is a required property";
    const char *format = json_string_value(json_object_get(body, "response_format"));
    speech_blob(req, input, format && strcmp(format, "wav") == 0, reply);
    return NULL;
}

/* ---- transcription (multipart/form-data) ---- */

typedef struct form_part {
    const char *data;
    size_t len;
    bool found;
} form_part;

/* Finds the part called name in a multipart body delimited by "--boundary". */
static form_part find_part(const char *body, size_t len, const char *boundary, const char *name)
{
    form_part out = {NULL, 0, false};
    char needle[96], delimiter[96];
    snprintf(needle, sizeof needle, "name=\"%s\"", name);
    snprintf(delimiter, sizeof delimiter, "\r\n--%s", boundary);
    const char *end = body + len;
    const char *at = memmem(body, len, needle, strlen(needle));
    const char *start = at ? memmem(at, (size_t)(end - at), "\r\n\r\n", 4) : NULL;
    if (!start)
        return out;
    start += 4;
    const char *stop = memmem(start, (size_t)(end - start), delimiter, strlen(delimiter));
    if (!stop)
        return out;
    out = (form_part){start, (size_t)(stop - start), true};
    return out;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A canonical 44-byte-header WAV's duration; else one second per 16 kB (as 128 kb/s MP3). */
static double audio_seconds(const form_part *file)
{
    const unsigned char *p = (const unsigned char *)file->data;
    if (file->len >= 44 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 36, "data", 4) == 0 &&
        le32(p + 28) > 0)
        return (double)le32(p + 40) / le32(p + 28);
    return (double)file->len / 16000.0;
}

static const char *transcription(const sim_request *req, sim_reply *reply, const char *model)
{
    const char *type = sim_request_header(req, "Content-Type");
    const char *b = type ? strstr(type, "boundary=") : NULL;
    if (!type || strncmp(type, "multipart/form-data", 19) != 0 || !b)
        return "Invalid Content-Type header: a transcription is multipart/form-data.";
    char boundary[72];
    snprintf(boundary, sizeof boundary, "%s", b + 9);
    if (boundary[0] == '"')
        memmove(boundary, boundary + 1, strlen(boundary));
    boundary[strcspn(boundary, "\";")] = '\0';
    form_part file = find_part(req->body, req->body_len, boundary, "file");
    if (!file.found || file.len == 0)
        return "'file' is a required property";
    form_part model_part = find_part(req->body, req->body_len, boundary, "model");
    if (!model && !model_part.found)
        return "you must provide a model parameter";
    form_part format = find_part(req->body, req->body_len, boundary, "response_format");
    bool verbose = format.found && format.len == 12 && memcmp(format.data, "verbose_json", 12) == 0;
    bool text = format.found && format.len == 4 && memcmp(format.data, "text", 4) == 0;
    double seconds = audio_seconds(&file);
    char said[160];
    snprintf(said, sizeof said, "mmsim heard %zu bytes of audio (%.2f seconds).", file.len,
             seconds);
    if (text) {
        sim_reply_text(reply, 200, "text/plain", said);
        return NULL;
    }
    json_t *answer = json_pack("{s:s}", "text", said);
    if (verbose) {
        json_object_set_new(answer, "task", json_string("transcribe"));
        json_object_set_new(answer, "language", json_string("english"));
        json_object_set_new(answer, "duration", json_real(seconds));
        json_object_set_new(answer, "segments", json_array());
    }
    sim_reply_json(reply, 200, answer);
    return NULL;
}

const char *sim_media_openai(const sim_request *req, sim_reply *reply, const char *path,
                             const char *model)
{
    if (strcmp(path, "/audio/transcriptions") == 0)
        return transcription(req, reply, model);
    json_t *body = sim_request_json(req);
    if (!body)
        return "We could not parse the JSON body of your request.";
    const char *name = model ? model : json_string_value(json_object_get(body, "model"));
    const char *problem = NULL;
    if (!name)
        problem = "you must provide a model parameter";
    else if (!sim_media_model(name))
        problem = "The model does not support this operation.";
    else if (strcmp(path, "/images/generations") == 0)
        problem = image(req, reply, body, name);
    else
        problem = speech(req, reply, body);
    json_decref(body);
    return problem;
}

const char *sim_media_imagen(const sim_request *req, sim_reply *reply)
{
    json_t *body = sim_request_json(req);
    json_t *instance = json_array_get(json_object_get(body, "instances"), 0);
    const char *prompt = json_string_value(json_object_get(instance, "prompt"));
    int n = 1;
    bool ok = prompt && prompt[0] &&
              image_count(json_object_get(body, "parameters"), "sampleCount", &n) && n <= 8;
    json_decref(body);
    if (!ok)
        return "instances[0].prompt is required and parameters.sampleCount must be 1 to 8";
    json_t *predictions = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(predictions, json_pack("{s:s,s:s}", "bytesBase64Encoded", PNG_B64,
                                                     "mimeType", "image/png"));
    sim_reply_json(reply, 200, json_pack("{s:o}", "predictions", predictions));
    return NULL;
}
