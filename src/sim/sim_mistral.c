/* The mistral dialect (https://api.mistral.ai/v1 under /mistral): bearer key, unpaginated
 * /models with capabilities, OpenAI-shaped chat and embeddings, Mistral's error bodies and
 * the current x-ratelimit-{limit,remaining}-{req,tokens}-minute headers. */
#include "sim/sim_models.h"
#include "sim/sim_openai.h"
#include "sim/sim_reply.h"
#include "sim/sim_tools.h"

#include <stdio.h>
#include <string.h>

static const char *mistral_key(const sim_request *req)
{
    return sim_request_bearer(req);
}

static void error_object(sim_reply *reply, unsigned status, const char *message, const char *type,
                         const char *code)
{
    sim_reply_json(reply, status,
                   json_pack("{s:s,s:s,s:s,s:n,s:s?}", "object", "error", "message", message,
                             "type", type, "param", "code", code));
}

static void mistral_error(const sim_request *req, sim_reply *reply, sim_error_kind kind,
                          const char *detail)
{
    char message[256];
    switch (kind) {
    case SIM_ERR_KEY_MISSING:
    case SIM_ERR_KEY_INVALID:
        sim_reply_json(
            reply, 401,
            json_pack("{s:s,s:s}", "message", "Unauthorized", "request_id", req->request_id));
        return;
    case SIM_ERR_QUOTA:
        error_object(reply, 402,
                     "Your workspace has no credit left. Add credits or a payment method at "
                     "https://console.mistral.ai/billing to continue.",
                     "payment_required", NULL);
        return;
    case SIM_ERR_RATE_LIMIT:
        error_object(reply, 429, "Rate limit exceeded", "rate_limited", "1300");
        sim_retry_after_headers(req, reply, false);
        return;
    case SIM_ERR_OVERLOADED:
        error_object(reply, 503,
                     "Service unavailable: the model is overloaded, please try "
                     "again later",
                     "service_unavailable", NULL);
        return;
    case SIM_ERR_SERVER:
        error_object(reply, 500, "Internal server error", "internal_server_error", NULL);
        return;
    case SIM_ERR_BAD_REQUEST:
        error_object(reply, 400, detail, "invalid_request_error", NULL);
        return;
    case SIM_ERR_BAD_JSON:
        error_object(reply, 400, "Invalid JSON body", "invalid_request_error", NULL);
        return;
    case SIM_ERR_NO_MODEL:
    case SIM_ERR_NO_DEPLOYMENT:
        snprintf(message, sizeof message, "Invalid model: %s", detail);
        error_object(reply, 400, message, "invalid_model", "1500");
        return;
    case SIM_ERR_TOO_LARGE:
        error_object(reply, 413, "Request body too large: the limit is 1048576 bytes",
                     "invalid_request_error", NULL);
        return;
    case SIM_ERR_NOT_FOUND:
    default:
        sim_reply_json(reply, 404, json_pack("{s:s}", "detail", "Not Found"));
        return;
    }
}

static json_t *model_object(const sim_model *model)
{
    bool chat = model->can & SIM_CAN_CHAT;
    bool code = strncmp(model->id, "codestral", 9) == 0;
    return json_pack("{s:s,s:s,s:I,s:s,s:{s:b,s:b,s:b,s:b,s:b},s:s,s:s,s:I,s:[],s:n,s:s,s:b}", "id",
                     model->id, "object", "model", "created", (json_int_t)model->created,
                     "owned_by", model->owner, "capabilities", "completion_chat", chat,
                     "completion_fim", code, "function_calling", chat, "fine_tuning", 0, "vision",
                     strncmp(model->id, "pixtral", 7) == 0, "name", model->id, "description",
                     model->display_name, "max_context_length", (json_int_t)model->context_length,
                     "aliases", "deprecation", "type", "base", "archived", 0);
}

static void list_models(sim_reply *reply)
{
    size_t count;
    const sim_model *models = sim_models(SIM_MISTRAL, &count);
    json_t *data = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(data, model_object(&models[i]));
    sim_reply_json(reply, 200, json_pack("{s:s,s:o}", "object", "list", "data", data));
}

static void invoke(const sim_request *req, sim_reply *reply, bool chat)
{
    json_t *body = sim_request_json(req);
    if (!body) {
        mistral_error(req, reply, SIM_ERR_BAD_JSON, NULL);
        return;
    }
    const char *model = json_string_value(json_object_get(body, "model"));
    const char *problem = NULL, *bad_id = chat ? sim_tool_mistral_bad_id(body) : NULL;
    char message[256];
    if (!model)
        mistral_error(req, reply, SIM_ERR_BAD_REQUEST, "model: Field required");
    else if (bad_id) { /* Mistral's words and codes (seen in clients' bug reports) */
        snprintf(message, sizeof message,
                 "Tool call id was %.64s but must be a-z, A-Z, 0-9, with a length of 9.", bad_id);
        error_object(reply, 400, message, "invalid_function_call", "3280");
    } else if (!sim_model_find(SIM_MISTRAL, model))
        mistral_error(req, reply, SIM_ERR_NO_MODEL, model);
    else if ((problem = chat ? sim_openai_chat(req, reply, body, model)
                             : sim_openai_embeddings(req, reply, body, model)))
        mistral_error(req, reply, SIM_ERR_BAD_REQUEST, problem);
    json_decref(body);
}

/* /mistral stands for https://api.mistral.ai/v1 (mmadmin's base URL) and, for the official SDKs
 * whose server URL is https://api.mistral.ai and which append /v1/..., /mistral/v1/... too. */
static void mistral_route(const sim_request *given, sim_reply *reply)
{
    sim_request stripped = *given;
    if (strncmp(stripped.path, "/v1/", 4) == 0)
        stripped.path += 3;
    const sim_request *req = &stripped;
    if (sim_request_is(req, "GET", "/models")) {
        list_models(reply);
    } else if (strcmp(req->method, "GET") == 0 && strncmp(req->path, "/models/", 8) == 0) {
        const sim_model *model = sim_model_find(SIM_MISTRAL, req->path + 8);
        if (model)
            sim_reply_json(reply, 200, model_object(model));
        else
            mistral_error(req, reply, SIM_ERR_NO_MODEL, req->path + 8);
    } else if (sim_request_is(req, "POST", "/chat/completions")) {
        invoke(req, reply, true);
    } else if (sim_request_is(req, "POST", "/embeddings")) {
        invoke(req, reply, false);
    } else {
        mistral_error(req, reply, SIM_ERR_NOT_FOUND, NULL);
    }
}

static void mistral_headers(const sim_request *req, sim_reply *reply)
{
    bool limited = reply->status == 429 && req->plan.fault_fires &&
                   req->plan.phase.fault == SIM_FAULT_RATE_LIMIT;
    sim_reply_set_header(reply, "mistral-correlation-id", req->request_id);
    /* the current family (a recorded answer of mid-2026); no reset header is sent */
    sim_reply_header(reply, "x-ratelimit-limit-req-minute", "%d", 120);
    sim_reply_header(reply, "x-ratelimit-remaining-req-minute", "%d", limited ? 0 : 119);
    sim_reply_header(reply, "x-ratelimit-limit-tokens-minute", "%d", 500000);
    sim_reply_header(reply, "x-ratelimit-remaining-tokens-minute", "%d", limited ? 0 : 499950);
}

const sim_dialect sim_mistral_dialect = {"mistral", mistral_key, mistral_error, mistral_route,
                                         mistral_headers};
