/* mmsim's tool calls: reading the tools and tool choice a request offers in each dialect's
 * shape, deciding whether to call one, and making up arguments from its JSON schema. */
#include "sim/sim_tools.h"

#include "sim/sim_reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The tools' declarations in the dialect's shape: [{name, parameters-schema}]. */
static json_t *declarations(const json_t *body, sim_dialect_id dialect, const char **schema_key)
{
    json_t *tools = json_object_get(body, "tools");
    json_t *out = json_array();
    size_t i;
    json_t *tool;
    *schema_key = dialect == SIM_ANTHROPIC ? "input_schema" : "parameters";
    json_array_foreach(tools, i, tool)
    {
        if (dialect == SIM_GEMINI) {
            size_t k;
            json_t *decl;
            json_array_foreach(json_object_get(tool, "functionDeclarations"), k, decl)
                json_array_append(out, decl);
        } else if (dialect == SIM_ANTHROPIC) {
            json_array_append(out, tool);
        } else if (json_is_object(json_object_get(tool, "function"))) {
            json_array_append(out, json_object_get(tool, "function"));
        }
    }
    return out;
}

/* The last message / content of the request, in the dialect's shape. */
static const json_t *last_turn(const json_t *body, sim_dialect_id dialect)
{
    const json_t *list = json_object_get(body, dialect == SIM_GEMINI ? "contents" : "messages");
    return json_array_get(list, json_array_size(list) - 1);
}

/* Whether the last turn is a tool result (OpenAI/Cohere role tool, Anthropic tool_result
 * blocks, Gemini functionResponse parts); *text gets its text otherwise. */
static bool answers_a_tool(const json_t *turn, sim_dialect_id dialect, const char **text)
{
    const char *role = json_string_value(json_object_get(turn, "role"));
    const json_t *content = json_object_get(turn, dialect == SIM_GEMINI ? "parts" : "content");
    *text = json_string_value(content);
    if (role && !strcmp(role, "tool"))
        return true;
    size_t i;
    json_t *block;
    json_array_foreach(content, i, block)
    {
        const char *type = json_string_value(json_object_get(block, "type"));
        if ((type && !strcmp(type, "tool_result")) || json_object_get(block, "functionResponse"))
            return true;
        if (json_is_string(json_object_get(block, "text")))
            *text = json_string_value(json_object_get(block, "text"));
    }
    return false;
}

/* The tool choice: "none", "force" or "auto"; *named the forced tool's name or NULL. */
static const char *choice_of(const json_t *body, sim_dialect_id dialect, const char **named)
{
    const json_t *choice = json_object_get(body, "tool_choice");
    const char *word = json_string_value(choice);
    *named = NULL;
    if (dialect == SIM_GEMINI) {
        const json_t *config =
            json_object_get(json_object_get(body, "toolConfig"), "functionCallingConfig");
        const char *mode = json_string_value(json_object_get(config, "mode"));
        *named =
            json_string_value(json_array_get(json_object_get(config, "allowedFunctionNames"), 0));
        return !mode                   ? "auto"
               : !strcmp(mode, "NONE") ? "none"
               : !strcmp(mode, "ANY")  ? "force"
                                       : "auto";
    }
    if (dialect == SIM_ANTHROPIC) {
        const char *type = json_string_value(json_object_get(choice, "type"));
        *named = json_string_value(json_object_get(choice, "name"));
        return !type                   ? "auto"
               : !strcmp(type, "none") ? "none"
               : !strcmp(type, "auto") ? "auto"
                                       : "force";
    }
    if (word) /* OpenAI "none"/"auto"/"required", Mistral also "any", Cohere "NONE"/"REQUIRED" */
        return !strcasecmp(word, "none")                                   ? "none"
               : !strcasecmp(word, "required") || !strcasecmp(word, "any") ? "force"
                                                                           : "auto";
    *named = json_string_value(json_object_get(json_object_get(choice, "function"), "name"));
    return *named ? "force" : "auto";
}

/* A value of the schema's type: strings "mmsim", numbers 1, booleans true, arrays [], objects
 * {} (Gemini writes the types in capitals). */
static json_t *value_for(const json_t *schema)
{
    const char *type = json_string_value(json_object_get(schema, "type"));
    if (!type || !strcasecmp(type, "string"))
        return json_string("mmsim");
    if (!strcasecmp(type, "integer") || !strcasecmp(type, "number"))
        return json_integer(1);
    if (!strcasecmp(type, "boolean"))
        return json_true();
    return !strcasecmp(type, "array") ? json_array() : json_object();
}

static json_t *arguments_for(const json_t *schema)
{
    json_t *args = json_object();
    const json_t *props = json_object_get(schema, "properties");
    const json_t *required = json_object_get(schema, "required");
    size_t i;
    json_t *name;
    json_array_foreach(required, i, name)
    {
        const char *key = json_string_value(name);
        if (key)
            json_object_set_new(args, key, value_for(json_object_get(props, key)));
    }
    return args;
}

static const json_t *pick(const json_t *decls, const char *choice, const char *named,
                          const char *text)
{
    size_t i;
    json_t *decl;
    json_array_foreach(decls, i, decl)
    {
        const char *name = json_string_value(json_object_get(decl, "name"));
        if (!name)
            continue;
        if (named ? !strcmp(name, named) : !strcmp(choice, "force") || (text && strstr(text, name)))
            return decl;
    }
    return NULL;
}

#define MISTRAL_ID_LEN 9
static const char ALNUM[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/* Mistral's own call ids: 9 characters of [a-zA-Z0-9] ("9v45XkLNV" in a recorded answer). */
static void mistral_id(uint64_t seed, char out[MISTRAL_ID_LEN + 1])
{
    for (size_t i = 0; i < MISTRAL_ID_LEN; i++, seed /= 62)
        out[i] = ALNUM[seed % 62];
    out[MISTRAL_ID_LEN] = '\0';
}

static bool mistral_id_ok(const char *id)
{
    return id && strlen(id) == MISTRAL_ID_LEN && strspn(id, ALNUM) == MISTRAL_ID_LEN;
}

const char *sim_tool_mistral_bad_id(const json_t *body)
{
    size_t i, k;
    json_t *m, *call;
    json_array_foreach(json_object_get(body, "messages"), i, m)
    {
        const char *answered = json_string_value(json_object_get(m, "tool_call_id"));
        if (answered && !mistral_id_ok(answered))
            return answered;
        json_array_foreach(json_object_get(m, "tool_calls"), k, call)
        {
            const char *id = json_string_value(json_object_get(call, "id"));
            if (id && !mistral_id_ok(id))
                return id;
        }
    }
    return NULL;
}

bool sim_tool_wanted(const json_t *body, sim_dialect_id dialect, uint64_t seed, sim_tool_call *call)
{
    memset(call, 0, sizeof *call);
    const char *schema_key, *named, *text = NULL;
    json_t *decls = declarations(body, dialect, &schema_key);
    const char *choice = choice_of(body, dialect, &named);
    const json_t *decl = NULL;
    if (json_array_size(decls) > 0 && strcmp(choice, "none") != 0 &&
        !answers_a_tool(last_turn(body, dialect), dialect, &text))
        decl = pick(decls, choice, named, text);
    if (decl) {
        snprintf(call->name, sizeof call->name, "%s",
                 json_string_value(json_object_get(decl, "name")));
        if (dialect == SIM_MISTRAL)
            mistral_id(seed, call->id);
        else
            snprintf(call->id, sizeof call->id, "%s%016llx",
                     dialect == SIM_ANTHROPIC ? "toolu_" : "call_", (unsigned long long)seed);
        call->args = arguments_for(json_object_get(decl, schema_key));
    }
    json_decref(decls);
    return decl != NULL;
}

void sim_tool_call_free(sim_tool_call *call)
{
    json_decref(call->args);
    call->args = NULL;
}

char *sim_tool_arguments(const sim_tool_call *call)
{
    return json_dumps(call->args, JSON_COMPACT);
}

static json_t *openai_calls(const sim_tool_call *call)
{
    char *args = sim_tool_arguments(call);
    json_t *calls = json_pack("[{s:s, s:s, s:{s:s, s:s}}]", "id", call->id, "type", "function",
                              "function", "name", call->name, "arguments", args ? args : "{}");
    free(args);
    return calls;
}

/* Puts the call into a dialect's answer object. */
static void rewrite(json_t *answer, sim_dialect_id dialect, const sim_tool_call *call)
{
    if (dialect == SIM_ANTHROPIC) {
        json_object_set_new(answer, "content",
                            json_pack("[{s:s, s:s, s:s, s:O}]", "type", "tool_use", "id", call->id,
                                      "name", call->name, "input", call->args));
        json_object_set_new(answer, "stop_reason", json_string("tool_use"));
    } else if (dialect == SIM_GEMINI) {
        json_t *content =
            json_object_get(json_array_get(json_object_get(answer, "candidates"), 0), "content");
        json_object_set_new(
            content, "parts",
            json_pack("[{s:{s:s, s:O}}]", "functionCall", "name", call->name, "args", call->args));
    } else if (dialect == SIM_COHERE) {
        json_t *message = json_object_get(answer, "message");
        json_object_del(message, "content");
        json_object_set_new(message, "tool_plan", json_sprintf("I will use %s.", call->name));
        json_object_set_new(message, "tool_calls", openai_calls(call));
        json_object_set_new(answer, "finish_reason", json_string("TOOL_CALL"));
    } else {
        json_t *choice = json_array_get(json_object_get(answer, "choices"), 0);
        json_t *message = json_object_get(choice, "message");
        json_object_set_new(message, "content", json_null());
        json_object_set_new(message, "tool_calls", openai_calls(call));
        json_object_set_new(choice, "finish_reason", json_string("tool_calls"));
    }
}

void sim_tool_answer(const sim_request *req, sim_reply *reply, const json_t *body)
{
    sim_tool_call call;
    if (reply->status != 200 || !reply->body ||
        !sim_tool_wanted(body, req->dialect, req->seed, &call))
        return;
    json_t *answer = json_loadb(reply->body, reply->body_len, 0, NULL);
    if (json_is_object(answer)) {
        rewrite(answer, req->dialect, &call);
        sim_reply_json(reply, 200, answer);
    } else {
        json_decref(answer);
    }
    sim_tool_call_free(&call);
}
