/* Unit tests of tools and images across dialects (tool_shape.c): OpenAI's tools, tool_choice,
 * tool calls, tool results and image parts written in each dialect's request, and each
 * dialect's tool calls (recorded answers, recorded-style streams) read back as OpenAI's. */
#include "test_provider_util.h"

#include <jansson.h>

#include "net/sse.h"
#include "providers/tool_shape.h"

static const char TOOLS[] =
    "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Weather "
    "now\","
    "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
    "\"required\":[\"city\"],\"additionalProperties\":false}}},"
    "{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}]";
static const char CALLS[] = "[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":"
                            "\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]";
static const char IMAGES[] =
    "[{\"type\":\"text\",\"text\":\"What is this?\"},"
    "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0KGgo=\"}},"
    "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.webp\"}}]";

static const mm_chat_message ROUND_TRIP[] = {
    {.role = "system", .content = "Be brief."},
    {.role = "user", .content = "What is this?", .parts = IMAGES},
    {.role = "assistant", .content = "", .tool_calls = CALLS},
    {.role = "tool", .content = "{\"t\":21}", .tool_call_id = "call_1"},
    {.role = "user", .content = "Thanks"},
};

/* The chat request body built for provider (tool_choice as given), parsed. */
static json_t *body_for(const char *provider, const char *choice)
{
    mm_chat chat = {.messages = ROUND_TRIP, .n = 5, .tools = TOOLS, .tool_choice = choice};
    mm_connection conn = tp_conn(provider, NULL, "k");
    mm_http_request req;
    mm_error err = {0};
    assert_int_equal(provider_build_chat_messages_request(&conn, "m", &chat, 32, &req, &err),
                     MM_OK);
    json_t *body = json_loads(req.body, 0, NULL);
    assert_non_null(body);
    mm_http_request_free(&req);
    return body;
}

static void assert_json(const json_t *value, const char *expected)
{
    json_t *want = json_loads(expected, JSON_DECODE_ANY, NULL);
    assert_non_null(want);
    if (!json_equal(value, want)) {
        char *got = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
        print_error("got %s\nwant %s\n", got ? got : "(null)", expected);
        free(got);
    }
    assert_true(json_equal(value, want));
    json_decref(want);
}

static void anthropic_gets_blocks_tools_and_choice(void **state)
{
    (void)state;
    json_t *body = body_for("anthropic", "\"required\"");
    json_t *messages = json_object_get(body, "messages");
    assert_int_equal(json_array_size(messages), 3);
    assert_json(json_object_get(json_array_get(messages, 0), "content"),
                "[{\"type\":\"text\",\"text\":\"What is this?\"},"
                "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\","
                "\"data\":\"iVBORw0KGgo=\"}},"
                "{\"type\":\"image\",\"source\":{\"type\":\"url\","
                "\"url\":\"https://example.com/cat.webp\"}}]");
    assert_json(json_array_get(messages, 1),
                "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"call_1\","
                "\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}}]}");
    assert_json(json_array_get(messages, 2),
                "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":"
                "\"call_1\",\"content\":\"{\\\"t\\\":21}\"},{\"type\":\"text\",\"text\":"
                "\"Thanks\"}]}");
    assert_json(json_object_get(body, "tools"),
                "[{\"name\":\"get_weather\",\"description\":\"Weather now\",\"input_schema\":"
                "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
                "\"required\":[\"city\"],\"additionalProperties\":false}},"
                "{\"name\":\"get_time\",\"input_schema\":{\"type\":\"object\"}}]");
    assert_json(json_object_get(body, "tool_choice"), "{\"type\":\"any\"}");
    json_decref(body);
    body = body_for("anthropic", "{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}");
    assert_json(json_object_get(body, "tool_choice"), "{\"type\":\"tool\",\"name\":\"get_time\"}");
    json_decref(body);
}

static void gemini_gets_parts_declarations_and_config(void **state)
{
    (void)state;
    json_t *body =
        body_for("gemini", "{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}");
    json_t *contents = json_object_get(body, "contents");
    assert_int_equal(json_array_size(contents), 3);
    assert_json(json_array_get(contents, 0),
                "{\"role\":\"user\",\"parts\":[{\"text\":\"What is this?\"},"
                "{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"iVBORw0KGgo=\"}},"
                "{\"fileData\":{\"mimeType\":\"image/webp\","
                "\"fileUri\":\"https://example.com/cat.webp\"}}]}");
    assert_json(json_array_get(contents, 1),
                "{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"get_weather\","
                "\"args\":{\"city\":\"Paris\"}}}]}");
    assert_json(json_array_get(contents, 2),
                "{\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":\"get_weather\","
                "\"response\":{\"t\":21}}},{\"text\":\"Thanks\"}]}");
    assert_json(json_object_get(body, "tools"),
                "[{\"functionDeclarations\":[{\"name\":\"get_weather\",\"description\":"
                "\"Weather now\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":"
                "{\"type\":\"string\"}},\"required\":[\"city\"]}},{\"name\":\"get_time\"}]}]");
    assert_json(json_object_get(body, "toolConfig"), "{\"functionCallingConfig\":{\"mode\":\"ANY\","
                                                     "\"allowedFunctionNames\":[\"get_time\"]}}");
    assert_json(json_object_get(body, "systemInstruction"),
                "{\"parts\":[{\"text\":\"Be brief.\"}]}");
    json_decref(body);
}

static void openai_shapes_and_cohere_pass_openai_messages(void **state)
{
    (void)state;
    static const char *const PROVIDERS[] = {"openai", "mistral", "cohere"};
    for (size_t p = 0; p < 3; p++) {
        json_t *body = body_for(PROVIDERS[p], "\"required\"");
        json_t *messages = json_object_get(body, "messages");
        assert_int_equal(json_array_size(messages), 5);
        assert_json(json_object_get(json_array_get(messages, 1), "content"), IMAGES);
        assert_json(json_array_get(messages, 2),
                    "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"call_1\",\"type\":"
                    "\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
                    "\"{\\\"city\\\":\\\"Paris\\\"}\"}}]}");
        assert_json(json_array_get(messages, 3),
                    "{\"role\":\"tool\",\"content\":\"{\\\"t\\\":21}\",\"tool_call_id\":"
                    "\"call_1\"}");
        assert_json(json_object_get(body, "tools"), TOOLS);
        assert_json(json_object_get(body, "tool_choice"),
                    strcmp(PROVIDERS[p], "cohere") ? "\"required\"" : "\"REQUIRED\"");
        json_decref(body);
    }
    /* Cohere has no named choice: REQUIRED with only that tool offered; auto is left out */
    json_t *body =
        body_for("cohere", "{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}");
    assert_json(json_object_get(body, "tool_choice"), "\"REQUIRED\"");
    assert_int_equal(json_array_size(json_object_get(body, "tools")), 1);
    json_decref(body);
    body = body_for("cohere", "\"auto\"");
    assert_null(json_object_get(body, "tool_choice"));
    json_decref(body);
}

static void what_a_dialect_cannot_take_names_the_field(void **state)
{
    (void)state;
    static const mm_chat_message BMP[] = {
        {.role = "user",
         .content = "x",
         .parts = "[{\"type\":\"text\",\"text\":\"x\"},{\"type\":\"image_url\",\"image_url\":"
                  "{\"url\":\"data:image/bmp;base64,Qk0=\"}}]"}};
    mm_chat chat = {.messages = BMP, .n = 1};
    mm_connection conn = tp_conn("anthropic", NULL, "k");
    mm_http_request req;
    mm_error err = {0};
    assert_int_equal(provider_build_chat_messages_request(&conn, "m", &chat, 8, &req, &err),
                     MM_E_INVALID);
    assert_string_equal(err.field, "messages[0].content[1]");
    conn = tp_conn("gemini", NULL, "k"); /* Gemini takes any image type */
    assert_int_equal(provider_build_chat_messages_request(&conn, "m", &chat, 8, &req, &err), MM_OK);
    mm_http_request_free(&req);
    /* Gemini answers a call by name: a result whose call is unknown cannot be sent */
    static const mm_chat_message ORPHAN[] = {
        {.role = "user", .content = "hi"},
        {.role = "tool", .content = "x", .tool_call_id = "nowhere"}};
    chat = (mm_chat){.messages = ORPHAN, .n = 2};
    assert_int_equal(provider_build_chat_messages_request(&conn, "m", &chat, 8, &req, &err),
                     MM_E_INVALID);
    assert_string_equal(err.field, "messages[1].tool_call_id");
}

/* ---- answers ---- */

static void parse_recorded(const char *provider, const char *file, mm_call_result *res)
{
    mm_connection conn = tp_conn(provider, "http://127.0.0.1:1", "k");
    mm_http_response resp;
    char rel[128];
    snprintf(rel, sizeof rel, "recorded/%s", file);
    tp_response_file(&resp, 200, rel, NULL);
    mm_call_result_init(res);
    provider_parse_chat_response(&conn, &resp, res);
    mm_http_response_free(&resp);
    assert_true(res->ok);
    assert_string_equal(res->finish_reason, "tool_calls");
}

static void recorded_answers_read_as_openai_tool_calls(void **state)
{
    (void)state;
    mm_call_result res;
    parse_recorded("anthropic", "anthropic_tool_use.json", &res);
    json_t *calls = json_loads(res.tool_calls, 0, NULL);
    assert_json(calls, "[{\"id\":\"toolu_01UKDf4fk894G2BEpiPSwL6s\",\"type\":\"function\","
                       "\"function\":{\"name\":\"final_result\",\"arguments\":"
                       "\"{\\\"city\\\":\\\"Mexico City\\\",\\\"country\\\":\\\"Mexico\\\"}\"}}]");
    assert_int_equal(res.tokens_in, 762);
    assert_int_equal(res.tokens_out, 56);
    json_decref(calls);
    mm_call_result_free(&res);

    parse_recorded("cohere", "cohere_tool_call.json", &res);
    calls = json_loads(res.tool_calls, 0, NULL);
    assert_json(calls,
                "[{\"id\":\"get_weather_2adgpp9xp3h5\",\"type\":\"function\",\"function\":"
                "{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]");
    assert_int_equal(res.tokens_in, 35);
    json_decref(calls);
    mm_call_result_free(&res);

    parse_recorded("mistral", "mistral_tool_call.json", &res);
    calls = json_loads(res.tool_calls, 0, NULL);
    assert_json(calls, "[{\"id\":\"9v45XkLNV\",\"type\":\"function\",\"function\":"
                       "{\"name\":\"get_image\",\"arguments\":\"{}\"}}]");
    assert_string_equal(res.output, "");
    json_decref(calls);
    mm_call_result_free(&res);
}

/* Gemini gives no ids (made up: call_…) and Gemini 3 wants each thoughtSignature back: it
 * travels in the id and returns to the functionCall part it came with. */
static void gemini_calls_get_ids_and_keep_their_signature(void **state)
{
    (void)state;
    mm_call_result res;
    parse_recorded("gemini", "gemini_function_calls.json", &res);
    json_t *calls = json_loads(res.tool_calls, 0, NULL);
    assert_int_equal(json_array_size(calls), 3);
    const char *first = json_string_value(json_object_get(json_array_get(calls, 0), "id"));
    const char *second = json_string_value(json_object_get(json_array_get(calls, 1), "id"));
    assert_true(strncmp(first, "call_", 5) == 0 && strncmp(second, "call_", 5) == 0);
    assert_non_null(strstr(first, "__thought__EqoICqcIAXLI2nz"));
    assert_null(strstr(second, "__thought__"));
    assert_int_equal(res.tokens_in, 83);
    assert_int_equal(res.tokens_out, 30 + 292);

    char *text = json_dumps(calls, JSON_COMPACT);
    mm_chat_message turn[] = {{.role = "user", .content = "jokes"},
                              {.role = "assistant", .content = "", .tool_calls = text}};
    mm_chat chat = {.messages = turn, .n = 2};
    mm_connection conn = tp_conn("gemini", NULL, "k");
    mm_http_request req;
    assert_int_equal(provider_build_chat_messages_request(&conn, "m", &chat, 8, &req, NULL), MM_OK);
    json_t *body = json_loads(req.body, 0, NULL);
    json_t *parts = json_object_get(json_array_get(json_object_get(body, "contents"), 1), "parts");
    assert_int_equal(json_array_size(parts), 3);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(parts, 0), "thoughtSignature")),
        "EqoICqcIAXLI2nzcOyNtSiJhND+bU4eI7ZVnOTaxeFLU[…]");
    assert_null(json_object_get(json_array_get(parts, 1), "thoughtSignature"));
    json_decref(body);
    mm_http_request_free(&req);
    free(text);
    json_decref(calls);
    mm_call_result_free(&res);
}

/* ---- streams ---- */

typedef struct merged {
    const mm_provider_info *provider;
    mm_call_result res;
    json_t *calls;
    char text[256];
    bool done;
} merged;

static bool merge_event(void *ctx, const char *name, const char *data, size_t len)
{
    merged *m = ctx;
    mm_stream_delta d = {.error = {.cls = MM_CLASS_COUNT, .retry_after_ms = -1}};
    const char *why = NULL;
    assert_true(m->provider->ops->parse_stream_event(name, data, len, &d, &m->res, &why));
    if (d.text)
        strncat(m->text, d.text, sizeof m->text - strlen(m->text) - 1);
    free(d.text);
    if (d.tool_calls)
        assert_true(tool_shape_merge(m->calls, d.tool_calls));
    json_decref(d.tool_calls);
    m->done |= d.done;
    return true;
}

/* Reads stream/<file> in chunks of 7 bytes; returns the merged calls (parsed). */
static json_t *stream_calls(const char *provider, const char *file, merged *m)
{
    memset(m, 0, sizeof *m);
    m->provider = provider_find(provider);
    m->calls = json_array();
    mm_call_result_init(&m->res);
    char rel[128];
    snprintf(rel, sizeof rel, "stream/%s", file);
    size_t len = 0;
    char *body = tp_load(rel, &len);
    mm_sse_parser p;
    mm_sse_init(&p, merge_event, m);
    for (size_t at = 0; at < len; at += 7)
        assert_true(mm_sse_feed(&p, body + at, len - at < 7 ? len - at : 7));
    mm_sse_free(&p);
    free(body);
    assert_true(m->done);
    char *text = tool_shape_finish(m->calls);
    json_decref(m->calls);
    json_t *calls = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    mm_call_result_free(&m->res);
    return calls;
}

static void streamed_pieces_merge_into_whole_calls(void **state)
{
    (void)state;
    merged m;
    json_t *calls = stream_calls("openai", "openai_tools.sse", &m);
    assert_json(calls, "[{\"id\":\"call_abc\",\"type\":\"function\",\"function\":{\"name\":"
                       "\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
                       "{\"id\":\"call_def\",\"type\":\"function\",\"function\":{\"name\":"
                       "\"get_time\",\"arguments\":\"{}\"}}]");
    assert_string_equal(m.res.finish_reason, "tool_calls");
    json_decref(calls);

    calls = stream_calls("anthropic", "anthropic_tools.sse", &m);
    assert_string_equal(m.text, "Okay, let me check.");
    assert_json(calls, "[{\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"type\":\"function\","
                       "\"function\":{\"name\":\"get_weather\",\"arguments\":"
                       "\"{\\\"location\\\": \\\"San Francisco, CA\\\"}\"}}]");
    assert_string_equal(m.res.finish_reason, "tool_calls");
    json_decref(calls);

    calls = stream_calls("cohere", "cohere_tools.sse", &m);
    assert_json(calls, "[{\"id\":\"get_weather_nsz5zm3w56q3\",\"type\":\"function\",\"function\":"
                       "{\"name\":\"get_weather\",\"arguments\":"
                       "\"{\\n    \\\"location\\\": \\\"Toronto\\\"\\n}\"}}]");
    assert_string_equal(m.res.finish_reason, "tool_calls");
    json_decref(calls);

    calls = stream_calls("gemini", "gemini_tools.sse", &m);
    const json_t *fn = json_object_get(json_array_get(calls, 0), "function");
    assert_string_equal(json_string_value(json_object_get(fn, "name")), "get_weather");
    assert_string_equal(json_string_value(json_object_get(fn, "arguments")),
                        "{\"city\":\"Paris\"}");
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(calls, 0), "id")),
                           "__thought__c2ln"));
    json_decref(calls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(anthropic_gets_blocks_tools_and_choice),
        cmocka_unit_test(gemini_gets_parts_declarations_and_config),
        cmocka_unit_test(openai_shapes_and_cohere_pass_openai_messages),
        cmocka_unit_test(what_a_dialect_cannot_take_names_the_field),
        cmocka_unit_test(recorded_answers_read_as_openai_tool_calls),
        cmocka_unit_test(gemini_calls_get_ids_and_keep_their_signature),
        cmocka_unit_test(streamed_pieces_merge_into_whole_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
