/* Unit tests of tools and images across dialects (tool_shape.c): OpenAI's tools, tool_choice,
 * tool calls, tool results and image parts written in each dialect's request, and each
 * dialect's tool calls (recorded answers) read back as OpenAI's, Mistral's call ids; streamed
 * tool calls: test_stream.c. */
#include "test_provider_util.h"

#include <ctype.h>
#include <jansson.h>

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

/* Mistral's form of "call_1": the first 9 characters of its BLAKE2b hash in [a-zA-Z0-9]. */
#define MISTRAL_CALL_1 "2uEuv0Ula"

#define NAMED_TIME "{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}"

/* What a dialect's body holds for ROUND_TRIP: the turns of its list (NULL: not checked) and
 * some top-level members, as JSON. */
typedef struct expected_body {
    const char *provider, *choice, *list;
    const char *turns[3];
    const char *members[3][2];
} expected_body;

static const expected_body EXPECTED[] = {
    {"anthropic",
     "\"required\"",
     "messages",
     {"{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is this?\"},"
      "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\","
      "\"data\":\"iVBORw0KGgo=\"}},{\"type\":\"image\",\"source\":{\"type\":\"url\","
      "\"url\":\"https://example.com/cat.webp\"}}]}",
      "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"call_1\","
      "\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}}]}",
      "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"call_1\","
      "\"content\":\"{\\\"t\\\":21}\"},{\"type\":\"text\",\"text\":\"Thanks\"}]}"},
     {{"tools", "[{\"name\":\"get_weather\",\"description\":\"Weather now\",\"input_schema\":"
                "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
                "\"required\":[\"city\"],\"additionalProperties\":false}},"
                "{\"name\":\"get_time\",\"input_schema\":{\"type\":\"object\"}}]"},
      {"tool_choice", "{\"type\":\"any\"}"},
      {"system", "\"Be brief.\""}}},
    {"anthropic",
     NAMED_TIME,
     "messages",
     {NULL, NULL, NULL},
     {{"tool_choice", "{\"type\":\"tool\",\"name\":\"get_time\"}"}}},
    {"gemini",
     NAMED_TIME,
     "contents",
     {"{\"role\":\"user\",\"parts\":[{\"text\":\"What is this?\"},"
      "{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"iVBORw0KGgo=\"}},"
      "{\"fileData\":{\"mimeType\":\"image/webp\",\"fileUri\":\"https://example.com/cat.webp\"}}]}",
      "{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"get_weather\","
      "\"args\":{\"city\":\"Paris\"}}}]}",
      "{\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":\"get_weather\","
      "\"response\":{\"t\":21}}},{\"text\":\"Thanks\"}]}"},
     {{"tools", "[{\"functionDeclarations\":[{\"name\":\"get_weather\",\"description\":"
                "\"Weather now\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":"
                "{\"type\":\"string\"}},\"required\":[\"city\"]}},{\"name\":\"get_time\"}]}]"},
      {"toolConfig", "{\"functionCallingConfig\":{\"mode\":\"ANY\","
                     "\"allowedFunctionNames\":[\"get_time\"]}}"},
      {"systemInstruction", "{\"parts\":[{\"text\":\"Be brief.\"}]}"}}},
};

/* Anthropic: image / tool_use / tool_result blocks, tools with input_schema, tool_choice any /
 * tool; Gemini: inlineData / fileData / functionCall / functionResponse parts, declarations
 * without the schema members Gemini refuses, toolConfig. */
static void dialect_bodies_hold_blocks_tools_and_choice(void **state)
{
    (void)state;
    for (size_t e = 0; e < sizeof EXPECTED / sizeof EXPECTED[0]; e++) {
        const expected_body *x = &EXPECTED[e];
        json_t *body = body_for(x->provider, x->choice);
        json_t *list = json_object_get(body, x->list);
        assert_int_equal(json_array_size(list), 3);
        for (size_t t = 0; t < 3; t++)
            if (x->turns[t])
                assert_json(json_array_get(list, t), x->turns[t]);
        for (size_t k = 0; k < 3 && x->members[k][0]; k++)
            assert_json(json_object_get(body, x->members[k][0]), x->members[k][1]);
        json_decref(body);
    }
}

static void openai_shapes_and_cohere_pass_openai_messages(void **state)
{
    (void)state;
    static const char *const PROVIDERS[] = {"openai", "mistral", "cohere"};
    for (size_t p = 0; p < 3; p++) {
        json_t *body = body_for(PROVIDERS[p], "\"required\"");
        json_t *messages = json_object_get(body, "messages");
        /* Mistral gets the id in its form (mistral_ids_are_nine_characters_of_a_hash) */
        const char *id = strcmp(PROVIDERS[p], "mistral") ? "call_1" : MISTRAL_CALL_1;
        char want[512];
        assert_int_equal(json_array_size(messages), 5);
        assert_json(json_object_get(json_array_get(messages, 1), "content"), IMAGES);
        snprintf(want, sizeof want,
                 "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"%s\",\"type\":"
                 "\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
                 "\"{\\\"city\\\":\\\"Paris\\\"}\"}}]}",
                 id);
        assert_json(json_array_get(messages, 2), want);
        snprintf(want, sizeof want,
                 "{\"role\":\"tool\",\"content\":\"{\\\"t\\\":21}\",\"tool_call_id\":"
                 "\"%s\"}",
                 id);
        assert_json(json_array_get(messages, 3), want);
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

/* Mistral takes only ids of 9 characters [a-zA-Z0-9]: others (OpenAI's call_…, Anthropic's
 * toolu_…, Gemini's with a thought signature) are mapped, the same id always to the same one;
 * a valid one stays; an assistant's call and the tool message answering it still match. */
static void mistral_ids_are_nine_characters_of_a_hash(void **state)
{
    (void)state;
    static const char *const IDS[] = {"call_1",
                                      "call_abc123DEF456ghi789",
                                      "toolu_01T1x1fJ34qAmk2",
                                      "call_a__thought__c2ln",
                                      "",
                                      "9v45XkLN",
                                      "9v45XkLNV_",
                                      "9v45-kLNV"};
    char seen[sizeof IDS / sizeof IDS[0]][TOOL_SHAPE_MISTRAL_ID_LEN + 1];
    for (size_t i = 0; i < sizeof IDS / sizeof IDS[0]; i++) {
        char again[TOOL_SHAPE_MISTRAL_ID_LEN + 1];
        tool_shape_mistral_id(IDS[i], seen[i]);
        tool_shape_mistral_id(IDS[i], again);
        assert_string_equal(seen[i], again);
        assert_int_equal(strlen(seen[i]), TOOL_SHAPE_MISTRAL_ID_LEN);
        for (size_t k = 0; k < TOOL_SHAPE_MISTRAL_ID_LEN; k++)
            assert_true(isalnum((unsigned char)seen[i][k]) && (unsigned char)seen[i][k] < 128);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(seen[i], seen[j]);
    }
    assert_string_equal(seen[0], MISTRAL_CALL_1);
    char kept[TOOL_SHAPE_MISTRAL_ID_LEN + 1];
    tool_shape_mistral_id("9v45XkLNV", kept); /* Mistral's own (a recorded answer) */
    assert_string_equal(kept, "9v45XkLNV");

    /* a conversation begun on Anthropic, replayed to Mistral: two calls, two results */
    static const char ANTHROPIC_CALLS[] =
        "[{\"id\":\"toolu_01A\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
        "\"arguments\":\"{}\"}},{\"id\":\"9v45XkLNV\",\"type\":\"function\",\"function\":"
        "{\"name\":\"get_time\",\"arguments\":\"{}\"}}]";
    const mm_chat_message replay[] = {
        {.role = "user", .content = "Weather and time?"},
        {.role = "assistant", .content = "", .tool_calls = ANTHROPIC_CALLS},
        {.role = "tool", .content = "sunny", .tool_call_id = "toolu_01A"},
        {.role = "tool", .content = "noon", .tool_call_id = "9v45XkLNV"},
    };
    mm_chat chat = {.messages = replay, .n = 4};
    mm_connection conn = tp_conn("mistral", NULL, "k");
    mm_http_request req;
    mm_error err = {0};
    assert_int_equal(provider_build_chat_messages_request(&conn, "m", &chat, 32, &req, &err),
                     MM_OK);
    json_t *body = json_loads(req.body, 0, NULL);
    json_t *messages = json_object_get(body, "messages");
    json_t *calls = json_object_get(json_array_get(messages, 1), "tool_calls");
    char mapped[TOOL_SHAPE_MISTRAL_ID_LEN + 1];
    tool_shape_mistral_id("toolu_01A", mapped);
    assert_string_equal(json_string_value(json_object_get(json_array_get(calls, 0), "id")), mapped);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(messages, 2), "tool_call_id")), mapped);
    assert_string_equal(json_string_value(json_object_get(json_array_get(calls, 1), "id")),
                        "9v45XkLNV");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(messages, 3), "tool_call_id")),
        "9v45XkLNV");
    json_decref(body);
    mm_http_request_free(&req);
    /* other OpenAI-shaped dialects keep the ids as sent */
    conn = tp_conn("openai", NULL, "k");
    assert_int_equal(provider_build_chat_messages_request(&conn, "m", &chat, 32, &req, &err),
                     MM_OK);
    assert_non_null(strstr(req.body, "\"tool_call_id\":\"toolu_01A\""));
    mm_http_request_free(&req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dialect_bodies_hold_blocks_tools_and_choice),
        cmocka_unit_test(openai_shapes_and_cohere_pass_openai_messages),
        cmocka_unit_test(what_a_dialect_cannot_take_names_the_field),
        cmocka_unit_test(recorded_answers_read_as_openai_tool_calls),
        cmocka_unit_test(gemini_calls_get_ids_and_keep_their_signature),
        cmocka_unit_test(mistral_ids_are_nine_characters_of_a_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
