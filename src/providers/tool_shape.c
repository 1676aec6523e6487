/* Tools and images across dialects: OpenAI's request members written as Anthropic blocks,
 * Gemini parts and Cohere v2 choices, and every dialect's tool calls read back as OpenAI's. */
#include "providers/tool_shape.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#define TOOL_CALLS_MAX 128
/* Gemini 3 wants each functionCall's thoughtSignature back with it; OpenAI's shape has no
 * place for it but the call id, so it travels there after this mark (as LiteLLM does). */
#define THOUGHT_MARK "__thought__"

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static json_t *load(const char *text)
{
    return text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
}

static mm_status invalid(mm_error *err, const char *field, const char *why)
{
    return mm_error_set(err, MM_E_INVALID, field, "Invalid '%s': %s", field, why);
}

static mm_status no_memory(mm_error *err)
{
    return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
}

json_t *tool_shape_text_block(const char *text, tool_dialect dialect)
{
    if (dialect == TOOL_GEMINI)
        return json_pack("{s:s}", "text", text);
    return json_pack("{s:s, s:s}", "type", "text", "text", text);
}

const char *tool_shape_block_text(const json_t *block, tool_dialect dialect)
{
    size_t members = dialect == TOOL_GEMINI ? 1 : 2;
    const char *type = adapter_json_string(block, "type");
    if (json_object_size(block) != members ||
        (dialect != TOOL_GEMINI && (!type || strcmp(type, "text"))))
        return NULL;
    return adapter_json_string(block, "text");
}

/* ---- images ---- */

/* The MIME type an https image's name suggests (Gemini's fileData needs one). */
static const char *mime_of_url(const char *url)
{
    static const char *const TYPES[][2] = {
        {".png", "image/png"}, {".gif", "image/gif"}, {".webp", "image/webp"}};
    for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
        if (strcasestr(url, TYPES[i][0]))
            return TYPES[i][1];
    return "image/jpeg";
}

/* An image_url part as the dialect's block: a data: URL as base64 (Anthropic source base64,
 * Gemini inlineData), an http(s) URL as a reference (Anthropic source url, Gemini fileData). */
static mm_status image_block(const json_t *part, tool_dialect dialect, const char *field,
                             json_t **out, mm_error *err)
{
    const json_t *image = json_object_get(part, "image_url");
    const char *url =
        json_is_string(image) ? json_string_value(image) : adapter_json_string(image, "url");
    if (!url)
        return invalid(err, field, "an image_url part needs image_url.url");
    bool data = strncmp(url, "data:", 5) == 0;
    const char *comma = data ? strstr(url, ";base64,") : NULL;
    if (!data && strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
        return invalid(err, field, "image_url.url must be a data: URL (base64) or an http(s) URL");
    if (data && (!comma || comma == url + 5))
        return invalid(err, field, "a data: URL must read data:<media type>;base64,<data>");
    char mime[64] = "";
    if (data)
        snprintf(mime, sizeof mime, "%.*s", (int)(comma - url - 5), url + 5);
    static const char *const ANTHROPIC_TYPES[] = {"image/jpeg", "image/png", "image/gif",
                                                  "image/webp"};
    bool known = !data || dialect != TOOL_ANTHROPIC;
    for (size_t i = 0; !known && i < sizeof ANTHROPIC_TYPES / sizeof ANTHROPIC_TYPES[0]; i++)
        known = strcmp(mime, ANTHROPIC_TYPES[i]) == 0;
    if (!known)
        return invalid(err, field, "Anthropic takes JPEG, PNG, GIF and WebP images only");
    if (dialect == TOOL_ANTHROPIC)
        *out = data ? json_pack("{s:s, s:{s:s, s:s, s:s}}", "type", "image", "source", "type",
                                "base64", "media_type", mime, "data", comma + 8)
                    : json_pack("{s:s, s:{s:s, s:s}}", "type", "image", "source", "type", "url",
                                "url", url);
    else
        *out = data ? json_pack("{s:{s:s, s:s}}", "inlineData", "mimeType", mime, "data", comma + 8)
                    : json_pack("{s:{s:s, s:s}}", "fileData", "mimeType", mime_of_url(url),
                                "fileUri", url);
    return *out ? MM_OK : no_memory(err);
}

/* Makes the dialect's block for one item of a message's list (content parts, tool calls);
 * field names the item for a refusal. */
typedef mm_status (*block_maker)(const json_t *item, const char *field, tool_dialect dialect,
                                 json_t **block, mm_error *err);

/* Appends a block for each item of a JSON array text (NULL: none) to blocks; item j of message
 * i is named by field_format (two %zu: i, j). */
static mm_status append_each(const char *list, size_t i, const char *field_format,
                             tool_dialect dialect, block_maker make, json_t *blocks, mm_error *err)
{
    json_t *items = load(list);
    mm_status st = MM_OK;
    size_t j;
    json_t *item;
    json_array_foreach(items, j, item)
    {
        char field[96];
        snprintf(field, sizeof field, field_format, i, j);
        json_t *block = NULL;
        if ((st = make(item, field, dialect, &block, err)) != MM_OK)
            break;
        if (json_array_append_new(blocks, block) != 0) {
            st = no_memory(err);
            break;
        }
    }
    json_decref(items);
    return st;
}

/* A content part: text, or an image (image_block). */
static mm_status part_block(const json_t *part, const char *field, tool_dialect dialect,
                            json_t **block, mm_error *err)
{
    const char *text = adapter_json_string(part, "text");
    if (!text)
        return image_block(part, dialect, field, block, err);
    *block = tool_shape_text_block(text, dialect);
    return *block ? MM_OK : no_memory(err);
}

/* Appends the message's content to blocks: its parts, else its text (none for an empty text
 * beside tool calls: Anthropic and Gemini refuse empty text blocks). */
static mm_status content_blocks(const mm_chat_message *m, size_t i, tool_dialect dialect,
                                json_t *blocks, mm_error *err)
{
    if (m->parts)
        return append_each(m->parts, i, "messages[%zu].content[%zu]", dialect, part_block, blocks,
                           err);
    bool empty = !m->content[0] && (m->tool_calls || m->tool_call_id);
    if (!empty && json_array_append_new(blocks, tool_shape_text_block(m->content, dialect)))
        return no_memory(err);
    return MM_OK;
}

/* A call's arguments (OpenAI: a JSON text) as the object Anthropic's input / Gemini's args
 * are; "" reads {}. */
static json_t *arguments_object(const json_t *call)
{
    const char *text = adapter_json_string(adapter_json_object(call, "function"), "arguments");
    if (!text || !text[0])
        return json_object();
    json_t *args = json_loads(text, 0, NULL);
    if (json_is_object(args))
        return args;
    json_decref(args);
    return NULL;
}

/* An assistant's tool call: Anthropic tool_use, Gemini functionCall (with the
 * thoughtSignature its id carries). */
static mm_status call_block(const json_t *call, const char *field, tool_dialect dialect,
                            json_t **block, mm_error *err)
{
    json_t *args = arguments_object(call);
    const char *name = adapter_json_string(adapter_json_object(call, "function"), "name");
    const char *id = adapter_json_string(call, "id");
    if (!args)
        return invalid(err, field, "the arguments must be a JSON object (as text)");
    *block =
        dialect == TOOL_GEMINI
            ? json_pack("{s:{s:s, s:o}}", "functionCall", "name", name ? name : "", "args", args)
            : json_pack("{s:s, s:s, s:s, s:o}", "type", "tool_use", "id", id ? id : "", "name",
                        name ? name : "", "input", args);
    const char *signature = id ? strstr(id, THOUGHT_MARK) : NULL;
    if (*block && dialect == TOOL_GEMINI && signature)
        json_object_set_new(*block, "thoughtSignature",
                            json_string(signature + strlen(THOUGHT_MARK)));
    return *block ? MM_OK : no_memory(err);
}

/* The function an earlier assistant message called with this id (Gemini answers by name). */
static const char *called_name(const mm_chat *chat, size_t before, const char *id, char *out,
                               size_t outsz)
{
    for (size_t i = before; id && i-- > 0;) {
        json_t *calls = load(chat->messages[i].tool_calls);
        size_t k;
        json_t *call;
        json_array_foreach(calls, k, call)
        {
            const char *name = adapter_json_string(adapter_json_object(call, "function"), "name");
            if (name && !strcmp(id, or_empty(adapter_json_string(call, "id")))) {
                snprintf(out, outsz, "%s", name);
                json_decref(calls);
                return out;
            }
        }
        json_decref(calls);
    }
    return NULL;
}

/* A tool message: Anthropic's tool_result block, Gemini's functionResponse part (the result
 * as its response when it is a JSON object, else {"content": text}). */
static mm_status result_block(const mm_chat *chat, size_t i, tool_dialect dialect, json_t *blocks,
                              mm_error *err)
{
    const mm_chat_message *m = &chat->messages[i];
    char field[64], name[256];
    snprintf(field, sizeof field, "messages[%zu].tool_call_id", i);
    json_t *block;
    if (dialect == TOOL_ANTHROPIC) {
        block = json_pack("{s:s, s:s, s:s}", "type", "tool_result", "tool_use_id",
                          m->tool_call_id ? m->tool_call_id : "", "content", m->content);
    } else {
        if (!called_name(chat, i, m->tool_call_id, name, sizeof name))
            return invalid(err, field, "no earlier assistant message has a tool call with this id");
        json_t *response = json_loads(m->content, 0, NULL);
        if (!json_is_object(response)) {
            json_decref(response);
            response = json_pack("{s:s}", "content", m->content);
        }
        block = json_pack("{s:{s:s, s:o}}", "functionResponse", "name", name, "response", response);
    }
    return json_array_append_new(blocks, block) == 0 ? MM_OK : no_memory(err);
}

mm_status tool_shape_blocks(const mm_chat *chat, size_t i, tool_dialect dialect, json_t **blocks,
                            mm_error *err)
{
    const mm_chat_message *m = &chat->messages[i];
    *blocks = json_array();
    if (!*blocks)
        return no_memory(err);
    mm_status st = !strcmp(m->role, "tool") ? result_block(chat, i, dialect, *blocks, err)
                                            : content_blocks(m, i, dialect, *blocks, err);
    if (st == MM_OK && m->tool_calls)
        st = append_each(m->tool_calls, i, "messages[%zu].tool_calls[%zu].function.arguments",
                         dialect, call_block, *blocks, err);
    if (st != MM_OK) {
        json_decref(*blocks);
        *blocks = NULL;
    }
    return st;
}

json_t *tool_shape_openai_message(const mm_chat_message *m)
{
    json_t *parts = load(m->parts);
    json_t *msg = json_pack("{s:s, s:o}", "role", m->role, "content",
                            parts ? parts : json_string(m->content));
    if (msg && m->tool_calls && !parts && !m->content[0]) /* a call without text: no content */
        json_object_del(msg, "content");
    if (msg && m->tool_calls && json_object_set_new(msg, "tool_calls", load(m->tool_calls)))
        json_decref(msg), msg = NULL;
    if (msg && m->tool_call_id &&
        json_object_set_new(msg, "tool_call_id", json_string(m->tool_call_id)))
        json_decref(msg), msg = NULL;
    return msg;
}

/* ---- tools and tool_choice ---- */

/* Drops the JSON Schema members Gemini's Schema refuses ($schema, additionalProperties). */
static void gemini_schema(json_t *schema)
{
    if (json_is_array(schema)) {
        size_t i;
        json_t *item;
        json_array_foreach(schema, i, item) gemini_schema(item);
        return;
    }
    if (!json_is_object(schema))
        return;
    json_object_del(schema, "$schema");
    json_object_del(schema, "additionalProperties");
    const char *key;
    json_t *value;
    json_object_foreach(schema, key, value) gemini_schema(value);
}

/* One OpenAI tool as the dialect declares a function. */
static json_t *declaration(const json_t *tool, tool_dialect dialect)
{
    const json_t *fn = adapter_json_object(tool, "function");
    const char *name = adapter_json_string(fn, "name");
    const char *description = adapter_json_string(fn, "description");
    json_t *params = json_object_get(fn, "parameters");
    if (!name || (params && !json_is_object(params)))
        return NULL;
    json_t *out = json_pack("{s:s}", "name", name);
    if (out && description)
        json_object_set_new(out, "description", json_string(description));
    if (dialect == TOOL_ANTHROPIC) {
        json_object_set_new(out, "input_schema",
                            params ? json_deep_copy(params) : json_pack("{s:s}", "type", "object"));
    } else if (params && json_object_size(adapter_json_object(params, "properties")) > 0) {
        json_t *schema = json_deep_copy(params);
        gemini_schema(schema);
        json_object_set_new(out, "parameters", schema);
    } /* Gemini refuses an object schema without properties: no parameters then */
    return out;
}

/* The function a tool_choice names, "" for auto/none/required, NULL when malformed. */
static const char *choice_of(const json_t *choice, const char **named)
{
    *named = NULL;
    if (!choice)
        return "auto";
    const char *word = json_string_value(choice);
    if (word)
        return strcmp(word, "auto") && strcmp(word, "none") && strcmp(word, "required") ? NULL
                                                                                        : word;
    *named = adapter_json_string(adapter_json_object(choice, "function"), "name");
    return *named ? "function" : NULL;
}

static json_t *anthropic_choice(const char *choice, const char *named)
{
    if (named)
        return json_pack("{s:s, s:s}", "type", "tool", "name", named);
    return json_pack("{s:s}", "type", !strcmp(choice, "required") ? "any" : choice);
}

static json_t *gemini_config(const char *choice, const char *named)
{
    const char *mode = named || !strcmp(choice, "required") ? "ANY"
                       : !strcmp(choice, "none")            ? "NONE"
                                                            : "AUTO";
    json_t *config = json_pack("{s:s}", "mode", mode);
    if (config && named)
        json_object_set_new(config, "allowedFunctionNames", json_pack("[s]", named));
    return json_pack("{s:o}", "functionCallingConfig", config);
}

/* Cohere v2 has no named choice: REQUIRED with only the named tool offered. */
static json_t *cohere_tools(const json_t *tools, const char *named)
{
    json_t *out = json_array();
    size_t i;
    json_t *tool;
    json_array_foreach(tools, i, tool)
    {
        const char *name = adapter_json_string(adapter_json_object(tool, "function"), "name");
        if (!named || (name && !strcmp(name, named)))
            json_array_append(out, tool);
    }
    return out;
}

static json_t *declarations(const json_t *tools, tool_dialect dialect)
{
    json_t *out = json_array();
    size_t i;
    json_t *tool;
    json_array_foreach(tools, i, tool)
    {
        json_t *decl = declaration(tool, dialect);
        if (!decl || json_array_append_new(out, decl)) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

mm_status tool_shape_set_tools(json_t *body, const mm_chat *chat, tool_dialect dialect,
                               mm_error *err)
{
    if (!chat->tools && !chat->tool_choice)
        return MM_OK;
    json_t *tools = load(chat->tools), *choice_json = load(chat->tool_choice);
    const char *named, *choice = choice_of(choice_json, &named);
    json_t *decls = NULL, *choice_out = NULL;
    mm_status st = MM_OK;
    if (!json_is_array(tools) || !(decls = declarations(tools, dialect)))
        st = invalid(err, "tools", "an array of {type: function, function: {name, ...}}");
    else if (!choice)
        st = invalid(err, "tool_choice", "auto, none, required or {type: function, ...}");
    if (st == MM_OK && dialect == TOOL_OPENAI) {
        json_object_set(body, "tools", tools);
        if (choice_json)
            json_object_set(body, "tool_choice", choice_json);
    } else if (st == MM_OK && dialect == TOOL_ANTHROPIC) {
        json_object_set(body, "tools", decls);
        if (choice_json)
            json_object_set_new(body, "tool_choice", anthropic_choice(choice, named));
    } else if (st == MM_OK && dialect == TOOL_GEMINI) {
        json_object_set_new(body, "tools", json_pack("[{s:O}]", "functionDeclarations", decls));
        if (choice_json)
            json_object_set_new(body, "toolConfig", gemini_config(choice, named));
    } else if (st == MM_OK) {
        json_object_set_new(body, "tools", cohere_tools(tools, named));
        choice_out = named || !strcmp(choice, "required") ? json_string("REQUIRED")
                     : !strcmp(choice, "none")            ? json_string("NONE")
                                                          : NULL;
        if (choice_out)
            json_object_set_new(body, "tool_choice", choice_out);
    }
    json_decref(tools);
    json_decref(choice_json);
    json_decref(decls);
    return st;
}

/* ---- answers ---- */

static json_t *openai_call(const char *id, const char *name, const char *arguments)
{
    return json_pack("{s:s, s:s, s:{s:s, s:s}}", "id", id, "type", "function", "function", "name",
                     name, "arguments", arguments);
}

/* A call id for a dialect that gives none (Gemini): call_ and 24 hex digits. */
static void make_id(char *out, size_t outsz)
{
    unsigned char raw[12];
    char hex[25];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    snprintf(out, outsz, "call_%s", hex);
}

/* Appends one call whose arguments are a JSON value (dumped as OpenAI's text). */
static void append_call(json_t *calls, const char *id, const char *name, const json_t *args,
                        int index)
{
    char made[48];
    if (!id) {
        make_id(made, sizeof made);
        id = made;
    }
    char *text = args ? json_dumps(args, JSON_COMPACT) : NULL;
    json_t *call = openai_call(id, name, text ? text : "{}");
    free(text);
    if (call && index != -2)
        json_object_set_new(call, "index", json_integer(index));
    json_array_append_new(calls, call);
}

/* Reads one item of a dialect's list into calls (nothing when it is not a call); index as
 * append_call's. */
typedef void (*call_reader)(json_t *calls, const json_t *item, int index);

static json_t *read_calls(const json_t *items, call_reader read, int index)
{
    json_t *calls = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) read(calls, item, index);
    return calls;
}

static void anthropic_block(json_t *calls, const json_t *block, int index)
{
    const char *type = adapter_json_string(block, "type");
    const char *name = adapter_json_string(block, "name");
    if (type && !strcmp(type, "tool_use") && name)
        append_call(calls, adapter_json_string(block, "id"), name, json_object_get(block, "input"),
                    index);
}

json_t *tool_shape_anthropic_calls(const json_t *content)
{
    return read_calls(content, anthropic_block, -2);
}

/* A Gemini part's call id: its own or a made-up one, with the part's thoughtSignature after
 * THOUGHT_MARK when it has one (heap). */
static char *gemini_id(const json_t *part)
{
    const char *given = adapter_json_string(adapter_json_object(part, "functionCall"), "id");
    const char *signature = adapter_json_string(part, "thoughtSignature");
    char made[48];
    if (!given) {
        make_id(made, sizeof made);
        given = made;
    }
    return signature ? adapter_format("%s" THOUGHT_MARK "%s", given, signature) : strdup(given);
}

static void gemini_part(json_t *calls, const json_t *part, int index)
{
    json_t *call = adapter_json_object(part, "functionCall");
    const char *name = adapter_json_string(call, "name");
    char *id = name ? gemini_id(part) : NULL;
    if (id)
        append_call(calls, id, name, json_object_get(call, "args"), index);
    free(id);
}

json_t *tool_shape_gemini_calls(const json_t *parts)
{
    return read_calls(parts, gemini_part, -2);
}

static void openai_item(json_t *calls, const json_t *call, int index)
{
    (void)index;
    const json_t *fn = adapter_json_object(call, "function");
    const char *name = adapter_json_string(fn, "name");
    const char *args = adapter_json_string(fn, "arguments");
    const char *id = adapter_json_string(call, "id");
    char made[48];
    if (!id)
        make_id(made, sizeof made);
    if (name)
        json_array_append_new(calls, openai_call(id ? id : made, name, args ? args : "{}"));
}

json_t *tool_shape_openai_calls(const json_t *tool_calls)
{
    return read_calls(tool_calls, openai_item, -2);
}

/* ---- stream pieces ---- */

static json_t *piece(json_int_t index, const char *id, const char *name, const char *arguments)
{
    json_t *fn = json_object();
    if (name)
        json_object_set_new(fn, "name", json_string(name));
    if (arguments)
        json_object_set_new(fn, "arguments", json_string(arguments));
    json_t *out = json_pack("{s:I, s:o}", "index", index, "function", fn);
    if (out && id) {
        json_object_set_new(out, "id", json_string(id));
        json_object_set_new(out, "type", json_string("function"));
    }
    return json_pack("[o]", out);
}

json_t *tool_shape_anthropic_piece(const char *type, const json_t *event)
{
    json_int_t index = json_integer_value(json_object_get(event, "index"));
    const json_t *block = adapter_json_object(event, "content_block");
    const json_t *delta = adapter_json_object(event, "delta");
    const char *kind =
        adapter_json_string(!strcmp(type, "content_block_start") ? block : delta, "type");
    if (!strcmp(type, "content_block_start") && kind && !strcmp(kind, "tool_use"))
        return piece(index, or_empty(adapter_json_string(block, "id")),
                     or_empty(adapter_json_string(block, "name")), "");
    if (!strcmp(type, "content_block_delta") && kind && !strcmp(kind, "input_json_delta"))
        return piece(index, NULL, NULL, or_empty(adapter_json_string(delta, "partial_json")));
    return NULL;
}

json_t *tool_shape_cohere_piece(const char *type, const json_t *event)
{
    json_int_t index = json_integer_value(json_object_get(event, "index"));
    const json_t *call = adapter_json_object(
        adapter_json_object(adapter_json_object(event, "delta"), "message"), "tool_calls");
    const json_t *fn = adapter_json_object(call, "function");
    if (!strcmp(type, "tool-call-start"))
        return piece(index, or_empty(adapter_json_string(call, "id")),
                     or_empty(adapter_json_string(fn, "name")),
                     or_empty(adapter_json_string(fn, "arguments")));
    if (!strcmp(type, "tool-call-delta"))
        return piece(index, NULL, NULL, or_empty(adapter_json_string(fn, "arguments")));
    return NULL;
}

json_t *tool_shape_gemini_pieces(const json_t *parts)
{
    json_t *calls = read_calls(parts, gemini_part, -1);
    if (json_array_size(calls) == 0) {
        json_decref(calls);
        return NULL;
    }
    return calls;
}

/* The call of acc with this dialect index (its position in *at), NULL when none. */
static json_t *find_call(json_t *acc, json_int_t index, size_t *at)
{
    size_t i;
    json_t *call;
    json_array_foreach(acc, i, call)
    {
        if (json_integer_value(json_object_get(call, "index")) == index) {
            *at = i;
            return call;
        }
    }
    return NULL;
}

/* Appends more to a string member of obj. */
static bool extend(json_t *obj, const char *key, const char *more)
{
    if (!more || !more[0])
        return true;
    const char *had = adapter_json_string(obj, key);
    json_t *joined = json_sprintf("%s%s", had ? had : "", more);
    return joined && json_object_set_new(obj, key, joined) == 0;
}

/* Starts a call in acc for piece p (dialect index at): its id, or one made up. */
static json_t *start_call(json_t *acc, const json_t *p, json_int_t at)
{
    if (json_array_size(acc) >= TOOL_CALLS_MAX)
        return NULL;
    char made[48];
    const char *id = adapter_json_string(p, "id");
    if (!id || !id[0])
        make_id(made, sizeof made);
    json_t *call = openai_call(id && id[0] ? id : made, "", "");
    if (!call || json_object_set_new(call, "index", json_integer(at)) ||
        json_array_append_new(acc, call))
        return NULL;
    return call;
}

/* The OpenAI delta of one piece of call number position: a new call's index, id, type, name
 * and arguments so far ("" when none yet), as OpenAI's first delta of a call; a known call's
 * name and arguments pieces (NULL when the piece brings neither). */
static json_t *delta_of(const json_t *call, size_t position, bool started, const char *name,
                        const char *arguments)
{
    bool has_name = name && name[0], has_arguments = arguments && arguments[0];
    if (!started && !has_name && !has_arguments)
        return NULL;
    json_t *fn = json_object();
    if (started || has_name)
        json_object_set_new(fn, "name", json_string(has_name ? name : ""));
    if (started || has_arguments)
        json_object_set_new(fn, "arguments", json_string(has_arguments ? arguments : ""));
    json_t *delta = json_pack("{s:I, s:o}", "index", (json_int_t)position, "function", fn);
    if (delta && started) {
        json_object_set(delta, "id", json_object_get(call, "id"));
        json_object_set_new(delta, "type", json_string("function"));
    }
    return delta;
}

bool tool_shape_merge(json_t *acc, const json_t *pieces, json_t *deltas)
{
    size_t i;
    json_t *p;
    json_array_foreach(pieces, i, p)
    {
        json_t *index = json_object_get(p, "index");
        json_int_t at = json_is_integer(index) ? json_integer_value(index) : -1;
        if (at < 0)
            at = 1000000 + (json_int_t)json_array_size(acc); /* a whole call: its own index */
        const json_t *fn = adapter_json_object(p, "function");
        const char *name = adapter_json_string(fn, "name");
        const char *arguments = adapter_json_string(fn, "arguments");
        size_t position = json_array_size(acc);
        json_t *call = find_call(acc, at, &position);
        bool started = call == NULL;
        if (started && !(call = start_call(acc, p, at)))
            return false;
        json_t *target = json_object_get(call, "function");
        if (!extend(target, "name", name) || !extend(target, "arguments", arguments))
            return false;
        json_t *delta = deltas ? delta_of(call, position, started, name, arguments) : NULL;
        if (delta && json_array_append_new(deltas, delta) != 0)
            return false;
    }
    return true;
}

char *tool_shape_finish(json_t *acc)
{
    if (json_array_size(acc) == 0)
        return NULL;
    size_t i;
    json_t *call;
    json_array_foreach(acc, i, call)
    {
        json_object_del(call, "index");
        json_t *fn = json_object_get(call, "function");
        if (!adapter_json_string(fn, "arguments")[0])
            json_object_set_new(fn, "arguments", json_string("{}"));
    }
    return json_dumps(acc, JSON_COMPACT);
}

/* ---- Mistral's call ids ---- */

static bool mistral_id_ok(const char *id)
{
    size_t n = 0;
    while (id[n] && n <= TOOL_SHAPE_MISTRAL_ID_LEN &&
           ((id[n] >= 'a' && id[n] <= 'z') || (id[n] >= 'A' && id[n] <= 'Z') ||
            (id[n] >= '0' && id[n] <= '9')))
        n++;
    return n == TOOL_SHAPE_MISTRAL_ID_LEN && !id[n];
}

void tool_shape_mistral_id(const char *id, char out[TOOL_SHAPE_MISTRAL_ID_LEN + 1])
{
    static const char ALPHABET[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    if (mistral_id_ok(id)) {
        memcpy(out, id, TOOL_SHAPE_MISTRAL_ID_LEN + 1);
        return;
    }
    unsigned char hash[16];
    crypto_generichash(hash, sizeof hash, (const unsigned char *)id, strlen(id), NULL, 0);
    for (size_t i = 0; i < TOOL_SHAPE_MISTRAL_ID_LEN; i++)
        out[i] = ALPHABET[hash[i] % (sizeof ALPHABET - 1)];
    out[TOOL_SHAPE_MISTRAL_ID_LEN] = '\0';
}

/* Rewrites obj[key] (a string) as Mistral's id for it; nothing when absent. */
static bool mistral_member(json_t *obj, const char *key)
{
    const char *id = adapter_json_string(obj, key);
    char mapped[TOOL_SHAPE_MISTRAL_ID_LEN + 1];
    if (!id)
        return true;
    tool_shape_mistral_id(id, mapped);
    return strcmp(id, mapped) == 0 || json_object_set_new(obj, key, json_string(mapped)) == 0;
}

bool tool_shape_mistral_ids(json_t *messages)
{
    size_t i, k;
    json_t *m, *call;
    json_array_foreach(messages, i, m)
    {
        if (!mistral_member(m, "tool_call_id"))
            return false;
        json_array_foreach(json_object_get(m, "tool_calls"), k,
                           call) if (!mistral_member(call, "id")) return false;
    }
    return true;
}
