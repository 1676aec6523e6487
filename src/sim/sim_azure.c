/* The azure dialect: an Azure OpenAI resource endpoint under /azure (api-key header,
 * ?api-version=, deployments in the path, errors whose "code" is a string). */
#include "sim/sim_content.h"
#include "sim/sim_media.h"
#include "sim/sim_models.h"
#include "sim/sim_openai.h"
#include "sim/sim_reply.h"

#include <stdio.h>
#include <string.h>

static const char *azure_key(const sim_request *req)
{
    return sim_request_header(req, "api-key");
}

static void azure_error_body(sim_reply *reply, unsigned status, const char *code,
                             const char *message)
{
    sim_reply_json(reply, status,
                   json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message));
}

static const char *operation_of(const sim_request *req)
{
    if (strstr(req->path, "/chat/completions"))
        return "ChatCompletions_Create";
    if (strstr(req->path, "/embeddings"))
        return "Embeddings_Create";
    return "Models_List";
}

static void azure_rate_limit(const sim_request *req, sim_reply *reply)
{
    const char *version = sim_request_query(req, "api-version");
    char message[512];
    char retry[64] = "";
    if (req->plan.phase.retry_after_s >= 0)
        snprintf(retry, sizeof retry, " Please retry after %d seconds.",
                 req->plan.phase.retry_after_s);
    snprintf(message, sizeof message,
             "Requests to the %s Operation under Azure OpenAI API version %s have exceeded call "
             "rate limit of your current OpenAI S0 pricing tier.%s Please go here: "
             "https://aka.ms/oai/quotaincrease if you would like to further increase the "
             "default rate limit.",
             operation_of(req), version ? version : "v1", retry);
    azure_error_body(reply, 429, "429", message);
    sim_retry_after_headers(req, reply, true);
}

static void azure_error(const sim_request *req, sim_reply *reply, sim_error_kind kind,
                        const char *detail)
{
    switch (kind) {
    case SIM_ERR_KEY_MISSING:
        azure_error_body(reply, 401, "401",
                         "Access denied due to missing subscription key. Make sure to include "
                         "subscription key when making requests to an API.");
        return;
    case SIM_ERR_KEY_INVALID:
        azure_error_body(reply, 401, "401",
                         "Access denied due to invalid subscription key or wrong API endpoint. "
                         "Make sure to provide a valid key for an active subscription and use a "
                         "correct regional API endpoint for your resource.");
        return;
    case SIM_ERR_QUOTA:
        azure_error_body(reply, 429, "insufficient_quota",
                         "You exceeded your current quota, please check your plan and billing "
                         "details.");
        return;
    case SIM_ERR_RATE_LIMIT:
        azure_rate_limit(req, reply);
        return;
    case SIM_ERR_OVERLOADED:
        azure_error_body(reply, 503, "503",
                         "The service is temporarily unable to process your request. Please "
                         "try again later.");
        return;
    case SIM_ERR_SERVER:
        azure_error_body(reply, 500, "500",
                         "The server had an error while processing your request. Sorry about "
                         "that!");
        return;
    case SIM_ERR_BAD_REQUEST:
        azure_error_body(reply, 400, "BadRequest", detail);
        return;
    case SIM_ERR_BAD_JSON:
        azure_error_body(reply, 400, "BadRequest",
                         "We could not parse the JSON body of your request.");
        return;
    case SIM_ERR_NO_MODEL:
    case SIM_ERR_NO_DEPLOYMENT:
        azure_error_body(reply, 404, "DeploymentNotFound",
                         "The API deployment for this resource does not exist. If you created "
                         "the deployment within the last 5 minutes, please wait a moment and "
                         "try again.");
        return;
    case SIM_ERR_TOO_LARGE:
        azure_error_body(reply, 413, "413", "Request body too large: the limit is 1048576 bytes.");
        return;
    case SIM_ERR_NOT_FOUND:
    default:
        azure_error_body(reply, 404, "404", "Resource not found");
        return;
    }
}

static json_t *azure_model_list(void)
{
    size_t count;
    const sim_model *models = sim_models(SIM_AZURE, &count);
    json_t *data = json_array();
    for (size_t i = 0; i < count; i++) {
        bool chat = models[i].can & SIM_CAN_CHAT;
        json_array_append_new(
            data, json_pack("{s:s,s:s,s:{s:b,s:b,s:b,s:b,s:b},s:s,s:{s:I},s:s,s:I}", "id",
                            models[i].id, "status", "succeeded", "capabilities", "fine_tune", 0,
                            "inference", 1, "completion", 0, "chat_completion", chat, "embeddings",
                            !chat, "lifecycle_status", "generally-available", "deprecation",
                            "inference", (json_int_t)1798761600, "object", "model", "created_at",
                            (json_int_t)models[i].created));
    }
    return json_pack("{s:o,s:s}", "data", data, "object", "list");
}

static bool known_deployment(const sim_request *req, const char *name)
{
    for (size_t i = 0; i < req->scenario->azure_deployment_count; i++) {
        if (strcmp(req->scenario->azure_deployments[i], name) == 0)
            return true;
    }
    return false;
}

/* The model behind a deployment: the first resource model named after it. */
static const char *deployment_model(const char *deployment)
{
    size_t count;
    const sim_model *models = sim_models(SIM_AZURE, &count);
    size_t len = strlen(deployment);
    for (size_t i = 0; i < count; i++) {
        if (strncmp(models[i].id, deployment, len) == 0 &&
            (models[i].id[len] == '\0' || models[i].id[len] == '-'))
            return models[i].id;
    }
    return deployment;
}

static void azure_invoke(const sim_request *req, sim_reply *reply, const char *deployment,
                         bool chat, json_t *body)
{
    if (!known_deployment(req, deployment)) {
        azure_error(req, reply, SIM_ERR_NO_DEPLOYMENT, deployment);
        return;
    }
    bool embedding_model = strstr(deployment, "embedding") != NULL;
    if (chat == embedding_model) {
        char message[256];
        snprintf(message, sizeof message,
                 "The %s operation does not work with the specified model, %s. Please choose "
                 "different model and try again.",
                 chat ? "chatCompletion" : "embeddings", deployment);
        azure_error_body(reply, 400, "OperationNotSupported", message);
        return;
    }
    const char *model = deployment_model(deployment);
    const char *problem = chat ? sim_openai_chat(req, reply, body, model)
                               : sim_openai_embeddings(req, reply, body, model);
    if (problem)
        azure_error(req, reply, SIM_ERR_BAD_REQUEST, problem);
}

/* "/openai/deployments/NAME/chat/completions" → NAME into out; false if not that shape. */
static bool parse_deployment_path(const char *path, char *out, size_t outsz, bool *chat)
{
    static const char prefix[] = "/openai/deployments/";
    if (strncmp(path, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *name = path + sizeof prefix - 1;
    const char *slash = strchr(name, '/');
    if (!slash || slash == name || (size_t)(slash - name) >= outsz)
        return false;
    if (strcmp(slash, "/chat/completions") == 0)
        *chat = true;
    else if (strcmp(slash, "/embeddings") == 0)
        *chat = false;
    else
        return false;
    memcpy(out, name, (size_t)(slash - name));
    out[slash - name] = '\0';
    return true;
}

/* "/openai/deployments/NAME/images/generations" (or audio): answered by sim_media.c with the
 * deployment's name as the model. True when the path was such an operation. */
static bool azure_media(const sim_request *req, sim_reply *reply)
{
    static const char prefix[] = "/openai/deployments/";
    if (strncmp(req->path, prefix, sizeof prefix - 1) != 0 || strcmp(req->method, "POST") != 0)
        return false;
    const char *name = req->path + sizeof prefix - 1;
    const char *slash = strchr(name, '/');
    char deployment[128];
    if (!slash || slash == name || (size_t)(slash - name) >= sizeof deployment ||
        !sim_media_path(slash))
        return false;
    memcpy(deployment, name, (size_t)(slash - name));
    deployment[slash - name] = '\0';
    const char *problem = NULL;
    if (!known_deployment(req, deployment))
        azure_error(req, reply, SIM_ERR_NO_DEPLOYMENT, deployment);
    else if (!sim_media_model(deployment))
        azure_error_body(reply, 400, "OperationNotSupported",
                         "The operation does not work with the specified model. Please choose "
                         "different model and try again.");
    else if ((problem = sim_media_openai(req, reply, slash, deployment)))
        azure_error(req, reply, SIM_ERR_BAD_REQUEST, problem);
    return true;
}

static void azure_post(const sim_request *req, sim_reply *reply, bool v1)
{
    if (!v1 && azure_media(req, reply))
        return;
    char deployment[128];
    bool chat = false;
    bool routed = v1 ? (chat = strcmp(req->path, "/openai/v1/chat/completions") == 0) ||
                           strcmp(req->path, "/openai/v1/embeddings") == 0
                     : parse_deployment_path(req->path, deployment, sizeof deployment, &chat);
    if (!routed || strcmp(req->method, "POST") != 0) {
        azure_error(req, reply, SIM_ERR_NOT_FOUND, NULL);
        return;
    }
    json_t *body = sim_request_json(req);
    if (!body) {
        azure_error(req, reply, SIM_ERR_BAD_JSON, NULL);
        return;
    }
    const char *model = json_string_value(json_object_get(body, "model"));
    if (v1 && !model)
        azure_error(req, reply, SIM_ERR_BAD_REQUEST, "you must provide a model parameter");
    else
        azure_invoke(req, reply, v1 ? model : deployment, chat, body);
    json_decref(body);
}

static void azure_route(const sim_request *req, sim_reply *reply)
{
    bool v1 = strncmp(req->path, "/openai/v1/", 11) == 0;
    if (!v1 && !sim_request_query(req, "api-version")) {
        azure_error(req, reply, SIM_ERR_NOT_FOUND, NULL);
        return;
    }
    if (sim_request_is(req, "GET", "/openai/models") ||
        sim_request_is(req, "GET", "/openai/v1/models")) {
        sim_reply_json(reply, 200, azure_model_list());
        return;
    }
    azure_post(req, reply, v1);
}

static void azure_headers(const sim_request *req, sim_reply *reply)
{
    char id[48];
    sim_make_id(req, "", id, sizeof id);
    sim_reply_set_header(reply, "apim-request-id", id);
    sim_reply_set_header(reply, "x-ms-region", "mmsim");
    bool limited = reply->status == 429 && req->plan.fault_fires &&
                   req->plan.phase.fault == SIM_FAULT_RATE_LIMIT;
    sim_reply_header(reply, "x-ratelimit-remaining-requests", "%d", limited ? 0 : 119);
    sim_reply_header(reply, "x-ratelimit-remaining-tokens", "%d", limited ? 0 : 119950);
}

const sim_dialect sim_azure_dialect = {"azure", azure_key, azure_error, azure_route, azure_headers};
