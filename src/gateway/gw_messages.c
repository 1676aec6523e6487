/* Reading an OpenAI chat request's conversation: each message's text, image parts, tool calls
 * and tool results, and the request's tools and tool_choice, checked against OpenAI's API
 * reference (chat completions) before any dialect sees them. */
#include "gateway/gw_messages.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOOLS_MAX 128
#define TOOL_NAME_MAX 64

static bool refuse(gw_conversation_fault *fault, const char *fmt_field, size_t i,
                   const char *message)
{
    snprintf(fault->field, sizeof fault->field, fmt_field, i);
    snprintf(fault->message, sizeof fault->message, "Invalid '%s': %s", fault->field, message);
    return false;
}

/* Appends text (n bytes) to *buf; false past GW_PROMPT_MAX or on out-of-memory. */
static bool append_text(char **buf, size_t *len, const char *text, size_t n)
{
    if (*len + n + 2 > GW_PROMPT_MAX)
        return false;
    char *grown = realloc(*buf, *len + n + 2);
    if (!grown)
        return false;
    memcpy(grown + *len, text, n);
    *len += n;
    grown[*len] = '\0';
    *buf = grown;
    return true;
}

static bool is_image_url(const json_t *part)
{
    const json_t *image = json_object_get(part, "image_url");
    const char *url = json_is_string(image) ? json_string_value(image)
                                            : json_string_value(json_object_get(image, "url"));
    return url && (!strncmp(url, "data:", 5) || !strncmp(url, "https://", 8) ||
                   !strncmp(url, "http://", 7));
}

/* The text of a message's content: a string, or parts {"type":"text","text"} and
 * {"type":"image_url","image_url":{"url"}} (data: or http(s) URLs). NULL when it is neither
 * (or too long): *bad_part gets the offending part's index or -1. *images tells whether some
 * part is an image. */
static char *content_text(const json_t *content, long *bad_part, bool *images)
{
    char *buf = NULL;
    size_t len = 0, i;
    const json_t *part;
    *bad_part = -1;
    *images = false;
    if (json_is_string(content)) {
        if (append_text(&buf, &len, json_string_value(content), json_string_length(content)))
            return buf ? buf : strdup("");
        free(buf);
        return NULL;
    }
    if (!json_is_array(content) || json_array_size(content) == 0)
        return NULL;
    json_array_foreach(content, i, part)
    {
        const json_t *text = json_object_get(part, "text");
        const char *type = json_string_value(json_object_get(part, "type"));
        bool image = type && !strcmp(type, "image_url") && is_image_url(part);
        *images = *images || image;
        if (!image &&
            (!json_is_string(text) || (type && strcmp(type, "text") != 0) ||
             !append_text(&buf, &len, json_string_value(text), json_string_length(text)))) {
            *bad_part = (long)i;
            free(buf);
            return NULL;
        }
    }
    return buf ? buf : strdup("");
}

/* A tool or function name as OpenAI takes it: 1 to 64 of a-z, A-Z, 0-9, _ and -. */
static bool good_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > TOOL_NAME_MAX)
        return false;
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* An assistant message's tool_calls: [{"id","type":"function","function":{"name","arguments"
 * (a JSON object as text)}}]. */
static bool check_tool_calls(const json_t *calls, size_t i, gw_conversation_fault *fault)
{
    if (!json_is_array(calls) || json_array_size(calls) == 0 || json_array_size(calls) > TOOLS_MAX)
        return refuse(fault, "messages[%zu].tool_calls", i, "a non-empty array of tool calls");
    size_t k;
    const json_t *call;
    json_array_foreach(calls, k, call)
    {
        const json_t *fn = json_object_get(call, "function");
        const char *type = json_string_value(json_object_get(call, "type"));
        const char *args = json_string_value(json_object_get(fn, "arguments"));
        json_t *parsed = args && args[0] ? json_loads(args, 0, NULL) : json_object();
        bool ok =
            json_string_value(json_object_get(call, "id")) && type && !strcmp(type, "function") &&
            good_name(json_string_value(json_object_get(fn, "name"))) && json_is_object(parsed);
        json_decref(parsed);
        if (!ok) {
            char field[48];
            snprintf(field, sizeof field, "messages[%%zu].tool_calls[%zu]", k);
            return refuse(fault, field, i,
                          "each tool call is {id, type: \"function\", function: {name, arguments "
                          "(a JSON object as text)}}");
        }
    }
    return true;
}

/* Keeps a JSON value as text in *out (heap). */
static bool keep_json(const json_t *value, const char **out)
{
    *out = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    return *out != NULL;
}

static bool read_role(const json_t *msg, size_t i, const char **role, gw_conversation_fault *fault)
{
    static const char *const ROLES[] = {"system", "user", "assistant", "tool"};
    const char *said = json_string_value(json_object_get(msg, "role"));
    *role = NULL;
    if (said && !strcmp(said, "developer")) /* OpenAI's newer name, sent as system */
        *role = "system";
    for (size_t k = 0; said && !*role && k < sizeof ROLES / sizeof ROLES[0]; k++)
        if (!strcmp(said, ROLES[k]))
            *role = ROLES[k];
    if (said && !strcmp(said, "function"))
        return refuse(fault, "messages[%zu].role", i,
                      "the function role is deprecated: answer a tool call with role \"tool\" and "
                      "its tool_call_id");
    if (!*role)
        return refuse(fault, json_is_object(msg) ? "messages[%zu].role" : "messages[%zu]", i,
                      "a message is {role, content} with role system, developer, user, assistant "
                      "or tool");
    return true;
}

/* Reads message i into c->messages[i]. */
static bool read_message(const json_t *msg, size_t i, gw_conversation *c,
                         gw_conversation_fault *fault)
{
    mm_chat_message *m = &c->messages[i];
    if (!read_role(msg, i, &m->role, fault))
        return false;
    c->chat.n = i + 1;
    const json_t *content = json_object_get(msg, "content");
    const json_t *calls = json_object_get(msg, "tool_calls");
    bool assistant_calls = !strcmp(m->role, "assistant") && calls && !json_is_null(calls);
    if (assistant_calls && !check_tool_calls(calls, i, fault))
        return false;
    if (assistant_calls && (!keep_json(calls, &m->tool_calls)))
        return refuse(fault, "messages[%zu]", i, "out of memory");
    long bad_part = -1;
    bool images = false;
    char *text = assistant_calls && (!content || json_is_null(content))
                     ? strdup("")
                     : content_text(content, &bad_part, &images);
    m->content = text;
    if (!text) {
        char field[48];
        snprintf(field, sizeof field, "messages[%%zu].content[%ld]", bad_part);
        return refuse(fault, bad_part >= 0 ? field : "messages[%zu].content", i,
                      "content is a string or an array of text and image_url parts (data: or "
                      "http(s) URLs), at most 1 MiB of text");
    }
    if (images && (strcmp(m->role, "user") != 0 || !keep_json(content, &m->parts)))
        return refuse(fault, "messages[%zu].content", i, "only user messages carry images");
    if (!strcmp(m->role, "tool")) {
        const char *id = json_string_value(json_object_get(msg, "tool_call_id"));
        if (!id || !id[0] || !(m->tool_call_id = strdup(id)))
            return refuse(fault, "messages[%zu].tool_call_id", i,
                          "a tool message names the tool call it answers in tool_call_id");
    }
    if (!append_text(&c->joined, &c->joined_len, text, strlen(text)) ||
        (m->tool_calls &&
         !append_text(&c->joined, &c->joined_len, m->tool_calls, strlen(m->tool_calls))) ||
        !append_text(&c->joined, &c->joined_len, "\n", 1))
        return refuse(fault, "messages", 0, "at most 1 MiB of text in all");
    return true;
}

/* tools: [{"type":"function","function":{"name","description"?,"parameters"?}}]; *names gets
 * how many, so that tool_choice can be checked against them. */
static bool read_tools(const json_t *tools, gw_conversation *c, gw_conversation_fault *fault)
{
    if (!tools || json_is_null(tools))
        return true;
    if (!json_is_array(tools) || json_array_size(tools) == 0 || json_array_size(tools) > TOOLS_MAX)
        return refuse(fault, "tools", 0, "a non-empty array of at most 128 tools");
    size_t i;
    const json_t *tool;
    json_array_foreach(tools, i, tool)
    {
        const json_t *fn = json_object_get(tool, "function");
        const char *type = json_string_value(json_object_get(tool, "type"));
        const json_t *params = json_object_get(fn, "parameters");
        const json_t *description = json_object_get(fn, "description");
        if (!type || strcmp(type, "function") != 0)
            return refuse(fault, "tools[%zu].type", i, "the only tool type is \"function\"");
        if (!good_name(json_string_value(json_object_get(fn, "name"))))
            return refuse(fault, "tools[%zu].function.name", i,
                          "1 to 64 letters, digits, underscores or dashes");
        if ((params && !json_is_object(params)) || (description && !json_is_string(description)))
            return refuse(fault, "tools[%zu].function", i,
                          "parameters is a JSON Schema object and description a string");
    }
    const char *text;
    if (!keep_json(tools, &text))
        return refuse(fault, "tools", 0, "out of memory");
    c->chat.tools = text;
    if (!append_text(&c->joined, &c->joined_len, text, strlen(text)))
        return refuse(fault, "tools", 0, "at most 1 MiB of text and tools in all");
    return true;
}

static bool tool_named(const json_t *tools, const char *name)
{
    size_t i;
    const json_t *tool;
    json_array_foreach(tools, i, tool)
    {
        const char *n =
            json_string_value(json_object_get(json_object_get(tool, "function"), "name"));
        if (n && name && !strcmp(n, name))
            return true;
    }
    return false;
}

static bool read_tool_choice(const json_t *root, gw_conversation *c, gw_conversation_fault *fault)
{
    const json_t *choice = json_object_get(root, "tool_choice");
    if (!choice || json_is_null(choice))
        return true;
    const char *word = json_string_value(choice);
    const json_t *tools = json_object_get(root, "tools");
    bool ok = word ? !strcmp(word, "auto") || !strcmp(word, "none") || !strcmp(word, "required")
                   : tool_named(tools, json_string_value(json_object_get(
                                           json_object_get(choice, "function"), "name")));
    if (!ok)
        return refuse(fault, "tool_choice", 0,
                      "\"auto\", \"none\", \"required\" or {type: \"function\", function: {name}} "
                      "naming one of the tools");
    if (!word && !c->chat.tools)
        return refuse(fault, "tool_choice", 0, "a named tool choice needs tools");
    const char *text;
    if (!keep_json(choice, &text))
        return refuse(fault, "tool_choice", 0, "out of memory");
    c->chat.tool_choice = text;
    return true;
}

/* The legacy members, refused naming their replacement. */
static bool refuse_legacy(const json_t *root, gw_conversation_fault *fault)
{
    if (json_object_get(root, "functions"))
        return refuse(fault, "functions", 0,
                      "'functions' is deprecated: send 'tools' ([{type: \"function\", function: "
                      "{name, description, parameters}}])");
    if (json_object_get(root, "function_call"))
        return refuse(fault, "function_call", 0,
                      "'function_call' is deprecated: send 'tool_choice' (auto, none, required "
                      "or {type: \"function\", function: {name}})");
    return true;
}

bool gw_conversation_read(const json_t *root, gw_conversation *c, gw_conversation_fault *fault)
{
    memset(c, 0, sizeof *c);
    const json_t *messages = json_object_get(root, "messages");
    size_t n = json_array_size(messages);
    bool ok = refuse_legacy(root, fault);
    if (ok && (n == 0 || !(c->messages = calloc(n, sizeof *c->messages))))
        ok =
            refuse(fault, "messages", 0, "'messages' must be a non-empty array of {role, content}");
    c->chat.messages = c->messages;
    for (size_t i = 0; ok && i < n; i++)
        ok = read_message(json_array_get(messages, i), i, c, fault);
    ok = ok && read_tools(json_object_get(root, "tools"), c, fault) &&
         read_tool_choice(root, c, fault);
    if (!ok)
        gw_conversation_free(c);
    return ok;
}

void gw_conversation_free(gw_conversation *c)
{
    for (size_t i = 0; c->messages && i < c->chat.n; i++) {
        mm_chat_message *m = &c->messages[i];
        free((char *)m->content);
        free((char *)m->parts);
        free((char *)m->tool_calls);
        free((char *)m->tool_call_id);
    }
    free(c->messages);
    free((char *)c->chat.tools);
    free((char *)c->chat.tool_choice);
    free(c->joined);
    memset(c, 0, sizeof *c);
}
