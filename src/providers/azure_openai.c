/* The Azure OpenAI descriptor and its request builders (api-key header, ?api-version=, paths
 * naming deployments); bodies, usage and errors are OpenAI-shaped (openai_shape.c). */
#include "providers/openai_shape.h"

#include "providers/adapter.h"

#define AZURE_DEFAULT_API_VERSION "2024-10-21"

static const mm_credential_field FIELDS[] = {
    {"endpoint", "Resource endpoint", true, false, "https://my-resource.openai.azure.com",
     "The resource's endpoint from the Azure portal (Keys and Endpoint)."},
    {"api_key", "API key", true, true, "KEY1 or KEY2 from the portal",
     "Either key of the resource (Keys and Endpoint)."},
    {"api_version", "API version", true, false, AZURE_DEFAULT_API_VERSION,
     "The data-plane API version, e.g. 2024-10-21 (previews end in -preview)."},
    ADAPTER_FIELD_CA_BUNDLE,
};

static const char *api_version(const mm_connection *conn)
{
    return mm_present(conn->api_version) ? conn->api_version : AZURE_DEFAULT_API_VERSION;
}

static mm_status azure_request(const mm_connection *conn, const char *method, const char *path,
                               char *body, mm_http_request *out, mm_error *err)
{
    char *version = mm_url_escape(api_version(conn));
    if (!version) {
        free(body);
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    }
    mm_status st = adapter_request_init(conn, method, path, body, out, err);
    if (st == MM_OK)
        st = adapter_url_append_query(out, "api-version", version, err);
    free(version);
    if (st == MM_OK && mm_present(conn->api_key) &&
        !mm_http_add_header(out, "api-key", conn->api_key))
        st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    if (st != MM_OK)
        mm_http_request_free(out);
    return st;
}

static mm_status deployment_request(const mm_connection *conn, const char *deployment,
                                    const char *operation, char *body, mm_http_request *out,
                                    mm_error *err)
{
    if (!mm_present(deployment)) {
        free(body);
        return mm_error_set(err, MM_E_INVALID, "model",
                            "Azure needs a deployment name: type the deployment's name as the "
                            "target's model.");
    }
    char *escaped = mm_url_escape(deployment);
    char *path = escaped ? adapter_format("/openai/deployments/%s/%s", escaped, operation) : NULL;
    free(escaped);
    if (!path) {
        free(body);
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    }
    mm_status st = azure_request(conn, "POST", path, body, out, err);
    free(path);
    return st;
}

static mm_status azure_build_list(const mm_connection *conn, const char *page_token,
                                  mm_http_request *out, mm_error *err)
{
    (void)page_token; /* the resource's model list is not paginated */
    return azure_request(conn, "GET", "/openai/models", NULL, out, err);
}

static mm_status azure_build_chat(const mm_connection *conn, const char *model, const mm_chat *chat,
                                  int max_tokens, mm_http_request *out, mm_error *err)
{
    char *body = openai_shape_chat_body(NULL, chat, max_tokens);
    if (!body)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    return deployment_request(conn, model, "chat/completions", body, out, err);
}

static mm_status azure_build_embed(const mm_connection *conn, const char *model, const char *text,
                                   mm_http_request *out, mm_error *err)
{
    char *body = openai_shape_embed_body(NULL, text);
    if (!body)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    return deployment_request(conn, model, "embeddings", body, out, err);
}

static mm_status azure_build_media(const mm_connection *conn, const char *model,
                                   const mm_media_request *media, mm_http_request *out,
                                   mm_error *err)
{
    mm_status st =
        deployment_request(conn, model, openai_media_operation(media->kind), NULL, out, err);
    if (st == MM_OK)
        st = openai_media_fill(NULL, media, out, err);
    if (st != MM_OK)
        mm_http_request_free(out);
    return st;
}

static const mm_provider_ops OPS = {
    .build_list = azure_build_list,
    .parse_list = openai_shape_parse_list,
    .build_chat = azure_build_chat,
    .parse_chat = openai_shape_parse_chat,
    .build_embed = azure_build_embed,
    .parse_embed = openai_shape_parse_embed,
    .make_streaming = openai_shape_make_streaming,
    .parse_stream_event = openai_shape_parse_stream,
    .build_media = azure_build_media,
    .parse_image = openai_media_parse_image,
    .parse_transcription = openai_media_parse_transcription,
    .parse_error = openai_shape_parse_error,
    .read_ratelimit = openai_shape_read_ratelimit,
};

const mm_provider_info mm_provider_azure_openai = {
    .id = "azure-openai",
    .display_name = "Azure OpenAI",
    .default_base_url = NULL,
    .default_api_version = AZURE_DEFAULT_API_VERSION,
    .fields = FIELDS,
    .n_fields = sizeof FIELDS / sizeof FIELDS[0],
    .requires_endpoint = true,
    .requires_api_version = true,
    .requires_key = true,
    .supports_chat = true,
    .supports_embeddings = true,
    .supports_images = true,
    .supports_audio = true,
    .target_hint = "Azure targets name a deployment (your deployment name), which the "
                   "resource's model list does not show",
    .targets_not_listed = true,
    .ops = &OPS,
};
