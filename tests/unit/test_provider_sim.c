/* Integration tests of every provider adapter against the real mmsim: list-models with
 * pagination, chat and embeddings usage, and each fault (wrong key, quota, 429 with
 * retry-after, overloaded, 5xx, hang, malformed JSON, HTML page), plus refused and TLS. */
#include "test_provider_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct sim {
    pid_t pid;
    int port;
} sim;

typedef struct kind {
    const char *provider, *prefix, *chat_model, *embed_model, *known_id;
} kind;

static const kind KINDS[] = {
    {"openai", "openai", "gpt-4o-mini", "text-embedding-3-small", "gpt-4o"},
    {"anthropic", "anthropic", "claude-3-5-haiku-20241022", NULL, "claude-sonnet-4-20250514"},
    {"azure-openai", "azure", "gpt-4o-mini", "text-embedding-3-small", "gpt-4o-2024-08-06"},
    {"gemini", "gemini", "gemini-2.0-flash", "text-embedding-004", "gemini-2.0-flash"},
    {"cohere", "cohere", "command-r", "embed-english-v3.0", "command-r-plus"},
    {"mistral", "mistral", "mistral-large-latest", "mistral-embed", "mistral-embed"},
    {"openai-compatible", "compat", "llama-3.1-8b-instruct", "nomic-embed-text",
     "qwen2.5-7b-instruct"},
};
#define N_KINDS (sizeof KINDS / sizeof KINDS[0])

/* Starts `mmsim --port 0 --quiet`, reading the port from its first stdout line. */
static int start_sim(void **state)
{
    const char *build = getenv("MM_BUILD_DIR");
    static char path[1024];
    snprintf(path, sizeof path, "%s/mmsim", build ? build : ".");
    sim *s = calloc(1, sizeof *s);
    *state = s;
    if (access(path, X_OK) != 0)
        return 0; /* each test skips with a message */
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    s->pid = fork();
    if (s->pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl(path, path, "--port", "0", "--quiet", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *out = fdopen(fds[0], "r");
    char line[64] = "";
    if (!out || !fgets(line, sizeof line, out))
        s->port = 0;
    else
        s->port = atoi(line);
    if (out)
        fclose(out);
    return s->port > 0 ? 0 : -1;
}

static int stop_sim(void **state)
{
    sim *s = *state;
    if (s && s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
    free(s);
    return 0;
}

static sim *need_sim(void **state)
{
    sim *s = *state;
    if (!s || s->port <= 0) {
        print_message("mmsim is not built in $MM_BUILD_DIR: build the mmsim target first\n");
        skip();
    }
    return s;
}

static void admin(const sim *s, const char *method, const char *path, const char *body)
{
    mm_http_request req = {.method = method, .timeout_ms = 5000, .connect_timeout_ms = 2000};
    req.url = NULL;
    assert_true(asprintf(&req.url, "http://127.0.0.1:%d%s", s->port, path) > 0);
    if (body) {
        req.body = strdup(body);
        assert_true(mm_http_add_header(&req, "Content-Type", "application/json"));
    }
    mm_http_response resp;
    assert_int_equal(net_perform(&req, &resp, NULL), MM_OK);
    if (resp.status != 200)
        fail_msg("mmsim %s %s answered %ld: %s", method, path, resp.status,
                 resp.body ? resp.body : "");
    mm_http_request_free(&req);
    mm_http_response_free(&resp);
}

static void scenario(const sim *s, const char *json)
{
    admin(s, "PUT", "/_sim/scenario", json);
}

/* A scenario where the prefix's every request gets fault. */
static void fault_scenario(const sim *s, const char *prefix, const char *fault)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"seed\":42,\"rules\":[{\"prefix\":\"%s\",\"phases\":[{\"fault\":\"%s\","
             "\"fault_rate\":1.0,\"retry_after_s\":7,\"hang_s\":5,\"latency_ms\":0}]}]}",
             prefix, fault);
    scenario(s, json);
}

static mm_connection connect_to(const sim *s, const kind *k, char *url, size_t urlsz,
                                const char *key)
{
    snprintf(url, urlsz, "http://127.0.0.1:%d/%s", s->port, k->prefix);
    mm_connection conn = tp_conn(k->provider, url, key);
    conn.timeout_ms = 10000;
    conn.connect_timeout_ms = 2000;
    return conn;
}

/* Asserts a failed call: class, status, and a message that names the class and says what to do. */
static void assert_failure(const kind *k, const mm_call_result *res, mm_error_class cls)
{
    if (res->ok || res->cls != cls)
        fail_msg("%s: expected %s, got %s: %s", k->provider, mm_error_class_name(cls),
                 res->ok ? "ok" : mm_error_class_name(res->cls), res->message);
    assert_true(strncmp(res->message, mm_error_class_name(cls), strlen(mm_error_class_name(cls))) ==
                0);
    const char *todo =
        cls == MM_CLASS_BAD_RESPONSE ? "check the endpoint" : mm_error_class_hint(cls);
    /* a listing says what to do about a listing (the base URL rather than a model name) */
    const char *list_todo =
        cls == MM_CLASS_BAD_RESPONSE ? todo : mm_error_class_list_hint(cls, res->http_status);
    if (!strstr(res->message, todo) && !strstr(res->message, list_todo))
        fail_msg("%s: message does not say what to do: %s", k->provider, res->message);
    assert_true(tp_terminal_safe(res->message));
    assert_int_equal(res->models.count, 0);
}

static mm_status list(const sim *s, const kind *k, const char *key, mm_call_result *res)
{
    char url[128];
    mm_connection conn = connect_to(s, k, url, sizeof url, key);
    mm_error err = {0};
    mm_status st = provider_list_models(&conn, res, &err);
    assert_int_equal(st, res->ok ? MM_OK : MM_E_PROVIDER);
    if (!res->ok)
        assert_string_equal(err.message, res->message);
    return st;
}

static void lists_follow_every_page(void **state)
{
    sim *s = need_sim(state);
    for (size_t i = 0; i < N_KINDS; i++) {
        admin(s, "POST", "/_sim/reset", NULL);
        mm_call_result whole;
        list(s, &KINDS[i], "sk-good", &whole);
        assert_true(whole.ok);
        scenario(s, "{\"seed\":42,\"max_page_size\":2}");
        mm_call_result paged;
        list(s, &KINDS[i], "sk-good", &paged);
        if (!paged.ok)
            fail_msg("%s: %s", KINDS[i].provider, paged.message);
        assert_true(paged.models.count > 2);
        assert_int_equal(paged.models.count, whole.models.count);
        assert_true(mm_string_list_contains(&paged.models, KINDS[i].known_id));
        for (size_t a = 0; a < paged.models.count; a++) {
            assert_null(strstr(paged.models.items[a], "models/"));
            for (size_t b = a + 1; b < paged.models.count; b++)
                assert_string_not_equal(paged.models.items[a], paged.models.items[b]);
        }
        assert_int_equal(paged.http_status, 200);
        mm_call_result_free(&whole);
        mm_call_result_free(&paged);
    }
}

static void a_wrong_key_is_auth(void **state)
{
    sim *s = need_sim(state);
    admin(s, "POST", "/_sim/reset", NULL);
    for (size_t i = 0; i < N_KINDS; i++) {
        mm_call_result res;
        list(s, &KINDS[i], "invalid-key", &res);
        assert_failure(&KINDS[i], &res, MM_CLASS_AUTH);
        assert_null(strstr(res.message, "invalid-key"));
        mm_call_result_free(&res);
    }
}

/* Runs list-models under a fault on every prefix and checks the class. */
static void fault_gives(void **state, const char *fault, mm_error_class cls, long status)
{
    sim *s = need_sim(state);
    for (size_t i = 0; i < N_KINDS; i++) {
        fault_scenario(s, KINDS[i].prefix, fault);
        mm_call_result res;
        list(s, &KINDS[i], "sk-good", &res);
        assert_failure(&KINDS[i], &res, cls);
        if (status)
            assert_int_equal(res.http_status, status);
        if (cls == MM_CLASS_RATE_LIMITED && res.retry_after_ms != 7000)
            fail_msg("%s: retry-after %lld, expected 7000: %s", KINDS[i].provider,
                     (long long)res.retry_after_ms, res.message);
        mm_call_result_free(&res);
    }
    admin(s, "POST", "/_sim/reset", NULL);
}

static void quota_is_quota(void **state)
{
    fault_gives(state, "quota", MM_CLASS_QUOTA, 0);
}

static void rate_limit_reads_retry_after(void **state)
{
    fault_gives(state, "rate_limit", MM_CLASS_RATE_LIMITED, 429);
}

/* mmsim's Mistral answers carry the current headers (issue 12), which the adapter reads */
static void mistral_ratelimit_headers_are_read(void **state)
{
    sim *s = need_sim(state);
    admin(s, "POST", "/_sim/reset", NULL);
    mm_call_result res;
    list(s, &KINDS[5], "sk-good", &res);
    assert_string_equal(KINDS[5].provider, "mistral");
    assert_true(res.ok);
    assert_int_equal(res.ratelimit.limit_requests, 120);
    assert_int_equal(res.ratelimit.remaining_requests, 119);
    assert_int_equal(res.ratelimit.limit_tokens, 500000);
    assert_int_equal(res.ratelimit.remaining_tokens, 499950);
    mm_call_result_free(&res);
}

static void overloaded_is_overloaded(void **state)
{
    fault_gives(state, "overloaded", MM_CLASS_OVERLOADED, 0);
}

static void server_error_is_server(void **state)
{
    fault_gives(state, "server", MM_CLASS_SERVER, 0);
}

static void malformed_json_is_bad_response(void **state)
{
    fault_gives(state, "malformed", MM_CLASS_BAD_RESPONSE, 0);
}

static void html_page_is_bad_response_with_status(void **state)
{
    fault_gives(state, "html", MM_CLASS_BAD_RESPONSE, 502);
    sim *s = need_sim(state);
    fault_scenario(s, "openai", "html");
    mm_call_result res;
    list(s, &KINDS[0], "sk-good", &res);
    assert_non_null(strstr(res.message, "HTTP 502 with an HTML page"));
    assert_non_null(strstr(res.message, "proxy"));
    mm_call_result_free(&res);
    admin(s, "POST", "/_sim/reset", NULL);
}

static void bad_request_is_bad_request(void **state)
{
    fault_gives(state, "bad_request", MM_CLASS_BAD_REQUEST, 0);
}

static void a_hang_is_a_timeout(void **state)
{
    sim *s = need_sim(state);
    for (size_t i = 0; i < N_KINDS; i++) {
        fault_scenario(s, KINDS[i].prefix, "hang");
        char url[128];
        mm_connection conn = connect_to(s, &KINDS[i], url, sizeof url, "sk-good");
        conn.timeout_ms = 500;
        mm_call_result res;
        provider_list_models(&conn, &res, NULL);
        assert_failure(&KINDS[i], &res, MM_CLASS_TIMEOUT);
        assert_non_null(strstr(res.message, "500 ms"));
        mm_call_result_free(&res);
    }
    admin(s, "POST", "/_sim/reset", NULL);
}

static void chat_and_embeddings_report_usage(void **state)
{
    sim *s = need_sim(state);
    admin(s, "POST", "/_sim/reset", NULL);
    for (size_t i = 0; i < N_KINDS; i++) {
        char url[128];
        mm_connection conn = connect_to(s, &KINDS[i], url, sizeof url, "sk-good");
        mm_call_result res;
        mm_error err = {0};
        if (provider_chat(&conn, KINDS[i].chat_model, "Say hello to the admin console.", 32, &res,
                          &err) != MM_OK)
            fail_msg("%s chat: %s", KINDS[i].provider, err.message);
        assert_true(res.ok);
        assert_non_null(res.output);
        assert_true(strlen(res.output) > 0);
        assert_true(res.usage_known);
        assert_true(res.tokens_in > 0);
        assert_true(res.tokens_out > 0);
        mm_call_result_free(&res);

        mm_status st = provider_embed(&conn, KINDS[i].embed_model ? KINDS[i].embed_model : "x",
                                      "some text to embed", &res, &err);
        if (!KINDS[i].embed_model) {
            assert_int_equal(st, MM_E_INVALID);
            assert_false(res.ok);
            assert_non_null(strstr(res.message, "no embeddings"));
        } else {
            if (st != MM_OK)
                fail_msg("%s embed: %s", KINDS[i].provider, err.message);
            assert_non_null(strstr(res.output, "-dimensional vector"));
            if (strcmp(KINDS[i].provider, "gemini") != 0) { /* Gemini reports no usage */
                assert_true(res.usage_known);
                assert_true(res.tokens_in > 0);
            }
        }
        mm_call_result_free(&res);
    }
}

static void chat_faults_are_classified_too(void **state)
{
    sim *s = need_sim(state);
    for (size_t i = 0; i < N_KINDS; i++) {
        fault_scenario(s, KINDS[i].prefix, "rate_limit");
        char url[128];
        mm_connection conn = connect_to(s, &KINDS[i], url, sizeof url, "sk-good");
        mm_call_result res;
        provider_chat(&conn, KINDS[i].chat_model, "hi", 8, &res, NULL);
        assert_failure(&KINDS[i], &res, MM_CLASS_RATE_LIMITED);
        assert_int_equal(res.retry_after_ms, 7000);
        assert_null(res.output);
        assert_false(res.usage_known);
        mm_call_result_free(&res);
    }
    admin(s, "POST", "/_sim/reset", NULL);
}

/* A port on 127.0.0.1 with nothing listening. */
static int unused_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    close(fd);
    return ntohs(addr.sin_port);
}

static void a_refused_connection_is_network(void **state)
{
    (void)state;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1", unused_port());
    mm_connection conn = tp_conn("openai-compatible", url, NULL);
    mm_call_result res;
    mm_error err = {0};
    assert_int_equal(provider_list_models(&conn, &res, &err), MM_E_PROVIDER);
    assert_failure(&KINDS[6], &res, MM_CLASS_NETWORK);
    assert_non_null(strstr(res.message, "could not connect"));
    assert_int_equal(res.http_status, 0);
    mm_call_result_free(&res);
}

static void tls_to_a_plain_server_is_network(void **state)
{
    sim *s = need_sim(state);
    char url[64];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/openai", s->port);
    mm_connection conn = tp_conn("openai", url, "sk-good");
    mm_call_result res;
    provider_list_models(&conn, &res, NULL);
    assert_failure(&KINDS[0], &res, MM_CLASS_NETWORK);
    assert_non_null(strstr(res.message, "TLS"));
    mm_call_result_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lists_follow_every_page),
        cmocka_unit_test(a_wrong_key_is_auth),
        cmocka_unit_test(quota_is_quota),
        cmocka_unit_test(rate_limit_reads_retry_after),
        cmocka_unit_test(mistral_ratelimit_headers_are_read),
        cmocka_unit_test(overloaded_is_overloaded),
        cmocka_unit_test(server_error_is_server),
        cmocka_unit_test(malformed_json_is_bad_response),
        cmocka_unit_test(html_page_is_bad_response_with_status),
        cmocka_unit_test(bad_request_is_bad_request),
        cmocka_unit_test(a_hang_is_a_timeout),
        cmocka_unit_test(chat_and_embeddings_report_usage),
        cmocka_unit_test(chat_faults_are_classified_too),
        cmocka_unit_test(a_refused_connection_is_network),
        cmocka_unit_test(tls_to_a_plain_server_is_network),
    };
    return cmocka_run_group_tests(tests, start_sim, stop_sim);
}
