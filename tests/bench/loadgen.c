/* A small HTTP load generator for the gateway bench (libcurl multi, keep-alive): N clients each
 * POST a JSON body in a loop until M requests are done; prints p50/p99/mean latency and req/s.
 * Arguments after REQUESTS are extra "Name: value" headers (e.g. a gateway's routing headers). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct client {
    CURL *easy;
    double started;
    struct curl_slist *headers;
} client;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t discard(char *data, size_t size, size_t n, void *ctx)
{
    (void)data;
    (void)ctx;
    return size * n;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void start(CURLM *multi, client *c)
{
    c->started = now_s();
    curl_multi_remove_handle(multi, c->easy);
    curl_multi_add_handle(multi, c->easy);
}

static void setup(client *c, const char *url, const char *key, const char *body, int n_extra,
                  char **extra)
{
    c->easy = curl_easy_init();
    char auth[512];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    c->headers = curl_slist_append(NULL, "Content-Type: application/json");
    c->headers = curl_slist_append(c->headers, auth);
    for (int i = 0; i < n_extra; i++)
        c->headers = curl_slist_append(c->headers, extra[i]);
    curl_easy_setopt(c->easy, CURLOPT_URL, url);
    curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c->easy, CURLOPT_PRIVATE, c);
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: loadgen URL KEY BODY CLIENTS REQUESTS [HEADER...]\n");
        return 2;
    }
    int clients = atoi(argv[4]);
    long total = atol(argv[5]);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)clients);
    client *cs = calloc((size_t)clients, sizeof *cs);
    double *lat = calloc((size_t)total, sizeof *lat);
    long started = 0, done = 0, failed = 0;
    double t0 = now_s();
    for (int i = 0; i < clients && started < total; i++, started++) {
        setup(&cs[i], argv[1], argv[2], argv[3], argc - 6, argv + 6);
        start(multi, &cs[i]);
    }
    while (done < total) {
        int running = 0, left = 0;
        curl_multi_perform(multi, &running);
        CURLMsg *msg;
        while ((msg = curl_multi_info_read(multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            client *c;
            long status = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            if (msg->data.result != CURLE_OK || status != 200)
                failed++;
            lat[done++] = (now_s() - c->started) * 1000.0;
            if (started < total) {
                started++;
                start(multi, c);
            }
        }
        if (done < total)
            curl_multi_poll(multi, NULL, 0, 100, NULL);
    }
    double elapsed = now_s() - t0, sum = 0;
    qsort(lat, (size_t)total, sizeof *lat, compare_doubles);
    for (long i = 0; i < total; i++)
        sum += lat[i];
    printf("p50_ms=%.3f p99_ms=%.3f mean_ms=%.3f rps=%.0f failed=%ld\n", lat[total / 2],
           lat[(long)((double)total * 0.99)], sum / (double)total, (double)total / elapsed, failed);
    for (int i = 0; i < clients; i++) {
        curl_multi_remove_handle(multi, cs[i].easy);
        curl_easy_cleanup(cs[i].easy);
        curl_slist_free_all(cs[i].headers);
    }
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    free(cs);
    free(lat);
    return failed ? 1 : 0;
}
