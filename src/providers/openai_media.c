/* Images and audio in the OpenAI wire shape (OpenAI and Azure OpenAI): the image and speech
 * JSON bodies, the transcription's multipart parts (libcurl curl_mime), and the answer parsers. */
#include "providers/openai_shape.h"

#include <math.h>
#include <string.h>

#define MEDIA_IMAGES_MAX 10 /* OpenAI's own cap on n */

const char *openai_media_operation(mm_media_kind kind)
{
    switch (kind) {
    case MM_MEDIA_IMAGE:
        return "images/generations";
    case MM_MEDIA_TRANSCRIPTION:
        return "audio/transcriptions";
    case MM_MEDIA_SPEECH:
        return "audio/speech";
    default:
        return NULL;
    }
}

static bool starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static json_t *image_body(const char *model, const mm_media_request *media)
{
    int n = media->n > 0 ? media->n : 1;
    json_t *root = json_pack("{s:s, s:i}", "prompt", media->text ? media->text : "", "n",
                             n > MEDIA_IMAGES_MAX ? MEDIA_IMAGES_MAX : n);
    if (root && model)
        json_object_set_new(root, "model", json_string(model));
    if (root && media->size)
        json_object_set_new(root, "size", json_string(media->size));
    /* dall-e answers URLs unless asked; gpt-image-1 always answers base64 and refuses the
     * parameter. Azure names the deployment, not the model: it is asked for base64 too. */
    if (root && (!model || starts_with(model, "dall-e")))
        json_object_set_new(root, "response_format", json_string("b64_json"));
    return root;
}

static json_t *speech_body(const char *model, const mm_media_request *media)
{
    json_t *root = json_pack("{s:s, s:s, s:s}", "input", media->text ? media->text : "", "voice",
                             media->voice ? media->voice : "alloy", "response_format",
                             media->format ? media->format : "mp3");
    if (root && model)
        json_object_set_new(root, "model", json_string(model));
    return root;
}

static mm_status transcription_parts(const char *model, const mm_media_request *media,
                                     mm_http_request *req, mm_error *err)
{
    /* whisper's verbose_json says the audio's duration, which it bills by */
    const char *format = !model || starts_with(model, "whisper") ? "verbose_json" : "json";
    bool ok = mm_http_add_part(req, "file", media->filename ? media->filename : "audio.wav", NULL,
                               media->audio, media->audio_len) &&
              mm_http_add_part(req, "response_format", NULL, NULL, format, strlen(format)) &&
              (!model || mm_http_add_part(req, "model", NULL, NULL, model, strlen(model)));
    return ok ? MM_OK : mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
}

mm_status openai_media_fill(const char *model, const mm_media_request *media, mm_http_request *req,
                            mm_error *err)
{
    if (media->kind == MM_MEDIA_TRANSCRIPTION)
        return transcription_parts(model, media, req, err);
    json_t *root =
        media->kind == MM_MEDIA_IMAGE ? image_body(model, media) : speech_body(model, media);
    char *body = adapter_dump_owned(root);
    if (!body)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    free(req->body);
    req->body = body;
    return mm_http_add_header(req, "Content-Type", "application/json")
               ? MM_OK
               : mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
}

mm_status openai_media_build(const mm_connection *conn, const char *model,
                             const mm_media_request *media, mm_http_request *out, mm_error *err)
{
    char *path = adapter_format("/%s", openai_media_operation(media->kind));
    if (!path)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    mm_status st = adapter_bearer_request(conn, "POST", path, NULL, out, err);
    free(path);
    if (st == MM_OK)
        st = openai_media_fill(model, media, out, err);
    if (st != MM_OK)
        mm_http_request_free(out);
    return st;
}

/* One data entry: its base64 image or its URL appended to res. */
static bool read_image_entry(const json_t *entry, mm_call_result *res, const char **why)
{
    const char *b64 = adapter_json_string(entry, "b64_json");
    const char *url = adapter_json_string(entry, "url");
    bool ok = b64 ? mm_string_list_append(&res->images_b64, b64)
                  : url && mm_string_list_append(&res->image_urls, url);
    if (!ok)
        *why = b64 || url ? "out of memory" : "an image has neither \"b64_json\" nor \"url\"";
    return ok;
}

bool openai_media_parse_image(const char *body, size_t len, mm_call_result *res, const char **why)
{
    json_t *root = adapter_json_load(body, len);
    json_t *data = root ? adapter_json_array(root, "data") : NULL;
    bool ok = data && json_array_size(data) > 0;
    *why = root ? "it has no \"data\" list of images" : "the body is not JSON";
    size_t i;
    json_t *entry;
    json_array_foreach(data, i, entry)
    {
        if (ok && !read_image_entry(entry, res, why))
            ok = false;
    }
    if (ok) {
        res->images = (int64_t)json_array_size(data);
        json_t *usage = adapter_json_object(root, "usage");
        int64_t in = 0, out = 0;
        bool have_in = usage && adapter_read_count(usage, "input_tokens", &in);
        bool have_out = usage && adapter_read_count(usage, "output_tokens", &out);
        adapter_set_usage(res, have_in, in, have_out, out);
    }
    json_decref(root);
    return ok;
}

bool openai_media_parse_transcription(const char *body, size_t len, mm_call_result *res,
                                      const char **why)
{
    json_t *root = adapter_json_load(body, len);
    const char *text = root ? adapter_json_string(root, "text") : NULL;
    *why = root ? "it has no \"text\" string" : "the body is not JSON";
    if (!text) {
        json_decref(root);
        return false;
    }
    res->output = adapter_strdup(text);
    json_t *duration = json_object_get(root, "duration");
    double seconds = json_is_number(duration) ? json_number_value(duration) : -1;
    if (seconds >= 0 && seconds < 1e7)
        res->audio_ms = (int64_t)llround(seconds * 1000.0);
    json_decref(root);
    if (!res->output)
        *why = "out of memory";
    return res->output != NULL;
}
