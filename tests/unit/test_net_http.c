/* Unit tests of the HTTP layer against a one-shot loopback server: what is sent (User-Agent,
 * headers, body, no Expect), what is captured (status, headers case-insensitively, body), the
 * 16 MiB body cap, the libcurl multi path the monitor uses, and URL escaping. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/http.h"

typedef struct mini_server {
    int listen_fd, port;
    pthread_t thread;
    char *response; /* owned */
    size_t response_len;
    char request[16384];
    size_t request_len;
} mini_server;

static void read_request(mini_server *s, int fd)
{
    size_t want = 0;
    for (;;) {
        ssize_t n =
            recv(fd, s->request + s->request_len, sizeof s->request - 1 - s->request_len, 0);
        if (n <= 0)
            break;
        s->request_len += (size_t)n;
        s->request[s->request_len] = '\0';
        char *end = strstr(s->request, "\r\n\r\n");
        if (!end)
            continue;
        if (!want) {
            const char *cl = strcasestr(s->request, "Content-Length:");
            want = (size_t)(end + 4 - s->request) + (cl ? strtoul(cl + 15, NULL, 10) : 0);
        }
        if (s->request_len >= want)
            break;
    }
}

static void *serve_once(void *arg)
{
    mini_server *s = arg;
    int fd = accept(s->listen_fd, NULL, NULL);
    if (fd < 0)
        return NULL;
    read_request(s, fd);
    for (size_t sent = 0; sent < s->response_len;) {
        ssize_t n = send(fd, s->response + sent, s->response_len - sent, MSG_NOSIGNAL);
        if (n <= 0)
            break; /* the client gave up (body cap): fine */
        sent += (size_t)n;
    }
    close(fd);
    return NULL;
}

static void server_start(mini_server *s, char *response, size_t len)
{
    memset(s, 0, sizeof *s);
    s->response = response;
    s->response_len = len;
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(listen(s->listen_fd, 4), 0);
    assert_int_equal(getsockname(s->listen_fd, (struct sockaddr *)&addr, &alen), 0);
    s->port = ntohs(addr.sin_port);
    assert_int_equal(pthread_create(&s->thread, NULL, serve_once, s), 0);
}

static void server_stop(mini_server *s)
{
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
    free(s->response);
}

static void request_to(mm_http_request *req, const mini_server *s, const char *method)
{
    memset(req, 0, sizeof *req);
    req->method = method;
    assert_true(asprintf(&req->url, "http://127.0.0.1:%d/v1/models", s->port) > 0);
    req->timeout_ms = 10000;
}

static void sends_user_agent_headers_and_body(void **state)
{
    (void)state;
    mini_server s;
    server_start(&s,
                 strdup("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-RateLimit-Remaining-Requests: "
                        "7\r\nretry-after:  3 \r\n\r\n{}"),
                 0);
    s.response_len = strlen(s.response);
    mm_http_request req;
    request_to(&req, &s, "POST");
    req.body = strdup("{\"a\":1}");
    assert_true(mm_http_add_header(&req, "Authorization", "Bearer k\r\nX-Injected: 1"));
    mm_http_response resp;
    assert_int_equal(net_perform(&req, &resp, NULL), MM_OK);
    server_stop(&s);
    assert_int_equal(resp.transport_class, MM_CLASS_OK);
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.body, "{}");
    assert_int_equal(resp.body_len, 2);
    assert_string_equal(mm_http_header(&resp, "x-ratelimit-remaining-requests"), "7");
    assert_string_equal(mm_http_header(&resp, "Retry-After"), "3");
    assert_null(mm_http_header(&resp, "x-missing"));
    assert_true(resp.latency_ms >= 0);
    assert_non_null(strstr(s.request, "POST /v1/models HTTP/1.1\r\n"));
    assert_non_null(strstr(s.request, "User-Agent: mmadmin/" MM_VERSION "\r\n"));
    assert_non_null(strstr(s.request, "Authorization: Bearer kX-Injected: 1\r\n"));
    assert_null(strstr(s.request, "\r\nX-Injected"));
    assert_null(strstr(s.request, "Expect:"));
    assert_non_null(strstr(s.request, "\r\n\r\n{\"a\":1}"));
    mm_http_request_free(&req);
    mm_http_response_free(&resp);
}

static void only_the_final_response_headers_are_kept(void **state)
{
    (void)state;
    mini_server s;
    char *text = strdup("HTTP/1.1 100 Continue\r\nX-Early: 1\r\n\r\nHTTP/1.1 404 Not Found\r\n"
                        "Content-Length: 0\r\nx-request-id: abc\r\n\r\n");
    server_start(&s, text, strlen(text));
    mm_http_request req;
    request_to(&req, &s, "GET");
    mm_http_response resp;
    assert_int_equal(net_perform(&req, &resp, NULL), MM_OK);
    server_stop(&s);
    assert_int_equal(resp.status, 404);
    assert_null(mm_http_header(&resp, "x-early"));
    assert_string_equal(mm_http_header(&resp, "X-Request-Id"), "abc");
    assert_null(resp.body);
    assert_int_equal(resp.body_len, 0);
    mm_http_request_free(&req);
    mm_http_response_free(&resp);
}

static char *big_response(bool with_length, size_t *len)
{
    size_t body = MM_HTTP_BODY_CAP + 1024 * 1024;
    char head[128];
    int hl =
        with_length
            ? snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", body)
            : snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
    char *out = malloc((size_t)hl + body);
    assert_non_null(out);
    memcpy(out, head, (size_t)hl);
    memset(out + hl, 'x', body);
    *len = (size_t)hl + body;
    return out;
}

static void bodies_over_16_mib_are_refused(void **state)
{
    (void)state;
    for (int with_length = 0; with_length < 2; with_length++) {
        mini_server s;
        size_t len;
        char *text = big_response(with_length, &len);
        server_start(&s, text, len);
        mm_http_request req;
        request_to(&req, &s, "GET");
        mm_http_response resp;
        assert_int_equal(net_perform(&req, &resp, NULL), MM_OK);
        server_stop(&s);
        assert_int_equal(resp.transport_class, MM_CLASS_BAD_RESPONSE);
        assert_non_null(strstr(resp.transport_message, "response too large"));
        assert_true(resp.body_len <= MM_HTTP_BODY_CAP);
        mm_http_request_free(&req);
        mm_http_response_free(&resp);
    }
}

static void the_multi_path_uses_the_same_preparation(void **state)
{
    (void)state;
    mini_server a, b;
    char *ta = strdup("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n[1]");
    char *tb = strdup("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
    server_start(&a, ta, strlen(ta));
    server_start(&b, tb, strlen(tb));
    mm_http_request ra, rb;
    request_to(&ra, &a, "GET");
    request_to(&rb, &b, "GET");
    mm_http_response pa, pb;
    CURL *ea = net_easy_prepare(&ra, &pa, NULL);
    CURL *eb = net_easy_prepare(&rb, &pb, NULL);
    assert_non_null(ea);
    assert_non_null(eb);
    mm_http_request_free(&ra); /* the handle keeps its own copies */
    mm_http_request_free(&rb);
    CURLM *multi = mm_curl()->multi_init();
    mm_curl()->multi_add_handle(multi, ea);
    mm_curl()->multi_add_handle(multi, eb);
    int running = 1, done = 0;
    while (done < 2) {
        mm_curl()->multi_perform(multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = mm_curl()->multi_info_read(multi, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            mm_http_response *resp = msg->easy_handle == ea ? &pa : &pb;
            mm_curl()->multi_remove_handle(multi, msg->easy_handle);
            net_easy_finish(msg->easy_handle, msg->data.result, resp);
            done++;
        }
        if (done < 2)
            mm_curl()->multi_poll(multi, NULL, 0, 100, NULL);
    }
    server_stop(&a);
    server_stop(&b);
    assert_int_equal(pa.status, 200);
    assert_string_equal(pa.body, "[1]");
    assert_int_equal(pb.status, 503);
    assert_int_equal(pb.transport_class, MM_CLASS_OK);
    mm_curl()->easy_cleanup(ea);
    mm_curl()->easy_cleanup(eb);
    mm_curl()->multi_cleanup(multi);
    mm_http_response_free(&pa);
    mm_http_response_free(&pb);
}

static void non_http_urls_are_refused_by_the_transport(void **state)
{
    (void)state;
    mm_http_request req = {.method = "GET", .timeout_ms = 5000};
    req.url = strdup("file:///etc/passwd"); /* only http and https are ever spoken */
    mm_http_response resp;
    assert_int_equal(net_perform(&req, &resp, NULL), MM_OK);
    assert_int_equal(resp.transport_class, MM_CLASS_NETWORK);
    assert_int_equal(resp.status, 0);
    assert_null(resp.body);
    assert_non_null(strstr(resp.transport_message, "not a valid http(s) URL"));
    mm_http_request_free(&req);
    mm_http_response_free(&resp);
}

static void url_escaping(void **state)
{
    (void)state;
    char *e = mm_url_escape("a b/c?d=e&f~g.h_i-j\xc3\xa9");
    assert_string_equal(e, "a%20b%2Fc%3Fd%3De%26f~g.h_i-j%C3%A9");
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sends_user_agent_headers_and_body),
        cmocka_unit_test(only_the_final_response_headers_are_kept),
        cmocka_unit_test(bodies_over_16_mib_are_refused),
        cmocka_unit_test(the_multi_path_uses_the_same_preparation),
        cmocka_unit_test(non_http_urls_are_refused_by_the_transport),
        cmocka_unit_test(url_escaping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
