/* Unit tests of conversations (issue 16): each dialect's chat request body, non-streaming and
 * streaming, for a system+user+assistant+user conversation, and the checks before building. */
#include "test_provider_util.h"

#include <jansson.h>

static const mm_chat_message CONVERSATION[] = {
    {.role = "system", .content = "Be brief."},
    {.role = "user", .content = "Name a colour."},
    {.role = "assistant", .content = "Blue."},
    {.role = "user", .content = "Another one?"},
};
static const mm_chat CHAT = {.messages = CONVERSATION, .n = 4};

/* Builds the chat request (streaming too when stream) and returns its body parsed. */
static json_t *built_body(const char *provider, const char *endpoint, bool stream)
{
    mm_connection conn = tp_conn(provider, endpoint, "k");
    mm_http_request req;
    mm_error err = {0};
    assert_int_equal(provider_build_chat_messages_request(&conn, "m", &CHAT, 32, &req, &err),
                     MM_OK);
    if (stream)
        assert_true(conn.provider->ops->make_streaming(&req));
    json_error_t jerr;
    json_t *body = json_loads(req.body, 0, &jerr);
    assert_non_null(body);
    if (stream && strcmp(provider, "gemini") != 0)
        assert_true(json_is_true(json_object_get(body, "stream")));
    mm_http_request_free(&req);
    return body;
}

static void assert_message(const json_t *messages, size_t i, const char *role, const char *text)
{
    const json_t *m = json_array_get(messages, i);
    assert_string_equal(json_string_value(json_object_get(m, "role")), role);
    assert_string_equal(json_string_value(json_object_get(m, "content")), text);
}

/* OpenAI, Azure, Mistral, compatible servers and Cohere v2: the messages as they are. */
static void openai_shapes_and_cohere_pass_the_messages(void **state)
{
    (void)state;
    static const char *const PROVIDERS[][2] = {{"openai", NULL},
                                               {"azure-openai", "https://r.openai.azure.com"},
                                               {"mistral", NULL},
                                               {"openai-compatible", "http://127.0.0.1:1/v1"},
                                               {"cohere", NULL}};
    for (size_t p = 0; p < sizeof PROVIDERS / sizeof PROVIDERS[0]; p++) {
        for (int stream = 0; stream < 2; stream++) {
            json_t *body = built_body(PROVIDERS[p][0], PROVIDERS[p][1], stream);
            json_t *messages = json_object_get(body, "messages");
            assert_int_equal(json_array_size(messages), 4);
            for (size_t i = 0; i < 4; i++)
                assert_message(messages, i, CONVERSATION[i].role, CONVERSATION[i].content);
            json_decref(body);
        }
    }
}

/* Anthropic: the system message in the top-level "system", turns user/assistant/user. */
static void anthropic_moves_system_to_the_top(void **state)
{
    (void)state;
    for (int stream = 0; stream < 2; stream++) {
        json_t *body = built_body("anthropic", NULL, stream);
        assert_string_equal(json_string_value(json_object_get(body, "system")), "Be brief.");
        json_t *messages = json_object_get(body, "messages");
        assert_int_equal(json_array_size(messages), 3);
        assert_message(messages, 0, "user", "Name a colour.");
        assert_message(messages, 1, "assistant", "Blue.");
        assert_message(messages, 2, "user", "Another one?");
        json_decref(body);
    }
}

static void assert_content(const json_t *contents, size_t i, const char *role, const char *text)
{
    const json_t *c = json_array_get(contents, i);
    assert_string_equal(json_string_value(json_object_get(c, "role")), role);
    const json_t *part = json_array_get(json_object_get(c, "parts"), 0);
    assert_string_equal(json_string_value(json_object_get(part, "text")), text);
}

/* Gemini: systemInstruction, contents with roles user/model. */
static void gemini_uses_system_instruction_and_model_role(void **state)
{
    (void)state;
    for (int stream = 0; stream < 2; stream++) {
        json_t *body = built_body("gemini", NULL, stream);
        const json_t *sys = json_object_get(body, "systemInstruction");
        const json_t *part = json_array_get(json_object_get(sys, "parts"), 0);
        assert_string_equal(json_string_value(json_object_get(part, "text")), "Be brief.");
        json_t *contents = json_object_get(body, "contents");
        assert_int_equal(json_array_size(contents), 3);
        assert_content(contents, 0, "user", "Name a colour.");
        assert_content(contents, 1, "model", "Blue.");
        assert_content(contents, 2, "user", "Another one?");
        json_decref(body);
    }
}

/* Turns of one role in a row are merged (Anthropic and Gemini want them alternating); a
 * conversation of system messages only becomes one user turn. */
static void runs_of_one_role_are_merged(void **state)
{
    (void)state;
    static const mm_chat_message RUN[] = {{.role = "user", .content = "a"},
                                          {.role = "system", .content = "s1"},
                                          {.role = "user", .content = "b"},
                                          {.role = "system", .content = "s2"}};
    mm_chat chat = {.messages = RUN, .n = 4};
    mm_connection conn = tp_conn("anthropic", NULL, "k");
    mm_http_request req;
    assert_int_equal(provider_build_chat_messages_request(&conn, "m", &chat, 8, &req, NULL), MM_OK);
    json_t *body = json_loads(req.body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(body, "system")), "s1\n\ns2");
    assert_int_equal(json_array_size(json_object_get(body, "messages")), 1);
    assert_message(json_object_get(body, "messages"), 0, "user", "a\n\nb");
    json_decref(body);
    mm_http_request_free(&req);

    mm_chat only_system = {.messages = RUN + 1, .n = 1};
    mm_connection gem = tp_conn("gemini", NULL, "k");
    assert_int_equal(provider_build_chat_messages_request(&gem, "m", &only_system, 8, &req, NULL),
                     MM_OK);
    body = json_loads(req.body, 0, NULL);
    assert_null(json_object_get(body, "systemInstruction"));
    assert_content(json_object_get(body, "contents"), 0, "user", "s1");
    json_decref(body);
    mm_http_request_free(&req);
}

/* The prompt form stays one user message (mmadmin send --prompt). */
static void a_prompt_is_one_user_message(void **state)
{
    (void)state;
    mm_connection conn = tp_conn("anthropic", NULL, "k");
    mm_http_request req;
    assert_int_equal(provider_build_chat_request(&conn, "m", "hi", 8, &req, NULL), MM_OK);
    json_t *body = json_loads(req.body, 0, NULL);
    assert_null(json_object_get(body, "system"));
    assert_int_equal(json_array_size(json_object_get(body, "messages")), 1);
    assert_message(json_object_get(body, "messages"), 0, "user", "hi");
    json_decref(body);
    mm_http_request_free(&req);
}

static void bad_conversations_are_refused(void **state)
{
    (void)state;
    mm_connection conn = tp_conn("openai", NULL, "k");
    mm_http_request req;
    mm_error err = {0};
    mm_chat empty = {.messages = CONVERSATION, .n = 0};
    assert_int_equal(provider_build_chat_messages_request(&conn, "m", &empty, 8, &req, &err),
                     MM_E_INVALID);
    assert_string_equal(err.field, "messages");
    static const mm_chat_message TOOL[] = {{.role = "user", .content = "a"},
                                           {.role = "tool", .content = "b"}};
    mm_chat tool = {.messages = TOOL, .n = 2};
    assert_int_equal(provider_build_chat_messages_request(&conn, "m", &tool, 8, &req, &err),
                     MM_E_INVALID);
    assert_non_null(strstr(err.message, "Message 1 has role \"tool\""));
    static const mm_chat_message BAD[] = {{.role = "user", .content = "bad \xff byte"}};
    mm_chat bad = {.messages = BAD, .n = 1};
    assert_int_equal(provider_build_chat_messages_request(&conn, "m", &bad, 8, &req, &err),
                     MM_E_INVALID);
}

static void a_chat_copy_is_one_block(void **state)
{
    (void)state;
    mm_chat *copy = mm_chat_dup(&CHAT);
    assert_non_null(copy);
    assert_int_equal(copy->n, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(copy->messages[i].role, CONVERSATION[i].role);
        assert_string_equal(copy->messages[i].content, CONVERSATION[i].content);
        assert_ptr_not_equal(copy->messages[i].content, CONVERSATION[i].content);
    }
    free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(openai_shapes_and_cohere_pass_the_messages),
        cmocka_unit_test(anthropic_moves_system_to_the_top),
        cmocka_unit_test(gemini_uses_system_instruction_and_model_role),
        cmocka_unit_test(runs_of_one_role_are_merged),
        cmocka_unit_test(a_prompt_is_one_user_message),
        cmocka_unit_test(bad_conversations_are_refused),
        cmocka_unit_test(a_chat_copy_is_one_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
