/* Unit tests of the probe round's window against a loopback listener that counts the
 * connections open at once: with a window of 4 (connections allowed: 32) never more than 4
 * probes are in flight, whether the endpoint hangs or answers, and every account is still
 * probed once in the round, with the same records as before (one event per account). */
#include "test_catalog_util.h"

#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "health/prober.h"

#define ACCOUNTS 50
#define WINDOW 4
#define MAX_CLIENTS 128

/* A listener on 127.0.0.1 that hangs (accepts, never answers) or answers every request with
 * an empty model list and closes; it counts the connections open at once. */
typedef struct listener {
    int fd, port;
    bool answer;
    atomic_bool stop;
    pthread_t thread;
    int clients[MAX_CLIENTS];
    int open, peak, accepted; /* written by the listener thread; read after the join */
} listener;

static void close_client(listener *l, int i)
{
    close(l->clients[i]);
    l->clients[i] = -1;
    l->open--;
}

static void accept_client(listener *l)
{
    int fd = accept(l->fd, NULL, NULL);
    if (fd < 0)
        return;
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (l->clients[i] < 0) {
            l->clients[i] = fd;
            l->accepted++;
            if (++l->open > l->peak)
                l->peak = l->open;
            return;
        }
    close(fd);
}

static void serve_client(listener *l, int i)
{
    char buf[4096];
    ssize_t n = read(l->clients[i], buf, sizeof buf);
    if (n <= 0) {
        close_client(l, i); /* the prober gave up (timeout) or closed */
        return;
    }
    if (!l->answer)
        return; /* hang: read the request, never answer */
    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                "Content-Length: 11\r\nConnection: close\r\n\r\n{\"data\":[]}";
    ssize_t w = write(l->clients[i], reply, sizeof reply - 1);
    (void)w;
    close_client(l, i);
}

static void *listener_main(void *arg)
{
    listener *l = arg;
    while (!atomic_load(&l->stop)) {
        struct pollfd fds[MAX_CLIENTS + 1];
        int map[MAX_CLIENTS + 1], n = 0;
        fds[n] = (struct pollfd){.fd = l->fd, .events = POLLIN};
        map[n++] = -1;
        for (int i = 0; i < MAX_CLIENTS; i++)
            if (l->clients[i] >= 0) {
                fds[n] = (struct pollfd){.fd = l->clients[i], .events = POLLIN};
                map[n++] = i;
            }
        if (poll(fds, (nfds_t)n, 50) <= 0)
            continue;
        /* the clients first: a connection the prober closed is counted closed before the
         * one it opened next is accepted */
        for (int k = 1; k < n; k++)
            if (fds[k].revents & (POLLIN | POLLHUP | POLLERR))
                serve_client(l, map[k]);
        if (fds[0].revents & POLLIN)
            accept_client(l);
    }
    return NULL;
}

static void listener_start(listener *l, bool answer)
{
    memset(l, 0, sizeof *l);
    l->answer = answer;
    for (int i = 0; i < MAX_CLIENTS; i++)
        l->clients[i] = -1;
    l->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(l->fd >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(l->fd, (struct sockaddr *)&addr, sizeof addr), 0); /* port 0: free */
    socklen_t len = sizeof addr;
    assert_int_equal(getsockname(l->fd, (struct sockaddr *)&addr, &len), 0);
    l->port = ntohs(addr.sin_port);
    assert_int_equal(listen(l->fd, 256), 0);
    assert_int_equal(pthread_create(&l->thread, NULL, listener_main, l), 0);
}

static void listener_stop(listener *l)
{
    atomic_store(&l->stop, true);
    pthread_join(l->thread, NULL);
    for (int i = 0; i < MAX_CLIENTS; i++)
        if (l->clients[i] >= 0)
            close(l->clients[i]);
    close(l->fd);
}

typedef struct fixture {
    catalog_fixture *base; /* the catalog (test_catalog_util.h) */
    mm_catalog *cat;
    listener server;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    void *base = NULL;
    catalog_fixture_setup(&base);
    f->base = base;
    f->cat = f->base->cat;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    void *base = f->base;
    catalog_fixture_teardown(&base);
    free(f);
    return 0;
}

static void add_accounts(fixture *f, int port)
{
    for (int i = 0; i < ACCOUNTS; i++) {
        mm_account acc;
        mm_account_init(&acc);
        snprintf(acc.name, sizeof acc.name, "acct-%02d", i);
        strcpy(acc.provider, "openai-compatible");
        snprintf(acc.endpoint, sizeof acc.endpoint, "http://127.0.0.1:%d/v1", port);
        mm_error err = {0};
        if (catalog_account_insert(f->cat, &acc, NULL, &err) != MM_OK)
            fail_msg("account insert: %s", err.message);
    }
}

/* Runs one round (every account streamed from the catalog) to its end, collecting as the
 * monitor does; checks the window held and each account came out once. */
static void run_round(fixture *f, long timeout_ms, size_t *ok_out)
{
    mm_prober *prober = NULL;
    mm_error err = {0};
    assert_int_equal(prober_create(32, WINDOW, &prober, &err), MM_OK);
    assert_int_equal(prober_start_round_all(prober, f->cat, timeout_ms, &err), MM_OK);
    mm_prober_stats stats = prober_stats(prober);
    assert_int_equal(stats.started, ACCOUNTS);
    assert_int_equal(stats.in_flight, WINDOW);
    assert_int_equal(stats.waiting, ACCOUNTS - WINDOW); /* queued as records, not sent */
    mm_probe_record *records = NULL;
    size_t n = 0, cap = 0;
    while (prober_busy(prober)) {
        bool extra;
        prober_wait(prober, -1, 1000, &extra);
        assert_true(prober_stats(prober).in_flight <= WINDOW);
        assert_true(prober_collect(prober, &records, &n, &cap));
    }
    assert_true(prober_collect(prober, &records, &n, &cap));
    stats = prober_stats(prober);
    assert_int_equal(stats.finished, ACCOUNTS);
    assert_int_equal(stats.waiting, 0);
    assert_int_equal(stats.peak_in_flight, WINDOW);
    assert_int_equal(n, ACCOUNTS);
    int seen[ACCOUNTS] = {0};
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        int at = -1;
        assert_int_equal(sscanf(records[i].event.account, "acct-%d", &at), 1);
        assert_true(at >= 0 && at < ACCOUNTS);
        seen[at]++;
        assert_string_equal(records[i].event.kind, "probe");
        ok += strcmp(records[i].event.outcome, "ok") == 0;
    }
    for (int i = 0; i < ACCOUNTS; i++)
        assert_int_equal(seen[i], 1);
    free(records);
    prober_destroy(prober);
    *ok_out = ok;
}

/* Endpoints that accept and never answer: each probe waits out its own timeout with at most
 * the window of connections open; every account is still probed (and times out). */
static void hanging_endpoints_keep_the_window(void **state)
{
    fixture *f = *state;
    listener_start(&f->server, false);
    add_accounts(f, f->server.port);
    size_t ok = 0;
    run_round(f, 200, &ok);
    listener_stop(&f->server);
    assert_int_equal(ok, 0);
    assert_int_equal(f->server.accepted, ACCOUNTS); /* each probe reached the endpoint */
    assert_true(f->server.peak >= 1);
    assert_true(f->server.peak <= WINDOW); /* not 32 (the connections) nor 50 */
}

/* Endpoints that answer: the same window, every probe ok. */
static void answering_endpoints_keep_the_window(void **state)
{
    fixture *f = *state;
    listener_start(&f->server, true);
    add_accounts(f, f->server.port);
    size_t ok = 0;
    run_round(f, 5000, &ok);
    listener_stop(&f->server);
    assert_int_equal(ok, ACCOUNTS);
    assert_true(f->server.peak <= WINDOW);
}

/* Accounts that cannot be sent (unknown provider) finish at once, take no place in the
 * window, and come out in batches of at most about a window between collections. */
static void unsendable_accounts_finish_without_a_place(void **state)
{
    fixture *f = *state;
    mm_account_list list = {0};
    list.items = calloc(ACCOUNTS, sizeof *list.items);
    list.count = ACCOUNTS;
    for (int i = 0; i < ACCOUNTS; i++) {
        mm_account_init(&list.items[i]);
        snprintf(list.items[i].name, sizeof list.items[i].name, "gone-%02d", i);
        strcpy(list.items[i].provider, "no-such-provider");
    }
    list.items[7].enabled = false; /* not due */
    mm_prober *prober = NULL;
    mm_error err = {0};
    assert_int_equal(prober_create(32, WINDOW, &prober, &err), MM_OK);
    assert_int_equal(prober_start_round(prober, f->cat, &list, 1000, &err), MM_OK);
    mm_account_list_free(&list); /* the round copied what it needs */
    assert_int_equal(prober_stats(prober).started, ACCOUNTS - 1);
    mm_probe_record *records = NULL;
    size_t n = 0, cap = 0, total = 0;
    while (prober_busy(prober)) {
        bool extra;
        prober_wait(prober, -1, 1000, &extra);
        n = 0;
        assert_true(prober_collect(prober, &records, &n, &cap));
        assert_true(n <= 2 * WINDOW);
        for (size_t i = 0; i < n; i++)
            assert_non_null(strstr(records[i].event.message, "unknown provider"));
        total += n;
    }
    n = 0;
    assert_true(prober_collect(prober, &records, &n, &cap));
    total += n;
    assert_int_equal(total, ACCOUNTS - 1);
    assert_int_equal(prober_stats(prober).peak_in_flight, 0);
    free(records);
    prober_destroy(prober);
}

/* Aborting mid-round drops what waits and what is in flight; a new round starts clean. */
static void abort_drops_the_queue(void **state)
{
    fixture *f = *state;
    listener_start(&f->server, false);
    add_accounts(f, f->server.port);
    mm_prober *prober = NULL;
    mm_error err = {0};
    assert_int_equal(prober_create(32, WINDOW, &prober, &err), MM_OK);
    assert_int_equal(prober_start_round_all(prober, f->cat, 10000, &err), MM_OK);
    assert_true(prober_busy(prober));
    prober_abort(prober);
    assert_false(prober_busy(prober));
    mm_prober_stats stats = prober_stats(prober);
    assert_int_equal(stats.in_flight, 0);
    assert_int_equal(stats.waiting, 0);
    prober_destroy(prober);
    listener_stop(&f->server);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(hanging_endpoints_keep_the_window, setup, teardown),
        cmocka_unit_test_setup_teardown(answering_endpoints_keep_the_window, setup, teardown),
        cmocka_unit_test_setup_teardown(unsendable_accounts_finish_without_a_place, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(abort_drops_the_queue, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
