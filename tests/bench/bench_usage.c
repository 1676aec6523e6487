/* Benchmark: usage events written per second into a catalog file, batched in transactions of
 * 1,000 (catalog_usage_insert_batch), and router admissions (count + reserve + record) per second.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog/admission.h"
#include "catalog/catalog.h"
#include "util/text.h"

#define TOTAL_EVENTS 500000
#define BATCH 1000
#define ADMISSIONS 2000

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fill_event(mm_usage_event *ev, long i, int64_t now)
{
    memset(ev, 0, sizeof *ev);
    ev->ts_ms = now - (TOTAL_EVENTS - i) * 4000; /* 500,000 events over the last 23 days */
    mm_copy(ev->kind, sizeof ev->kind, "request");
    snprintf(ev->account, sizeof ev->account, "account-%02ld", i % 50);
    mm_copy(ev->provider, sizeof ev->provider, "openai");
    snprintf(ev->workspace, sizeof ev->workspace, "workspace-%ld", i % 7);
    mm_copy(ev->model, sizeof ev->model, "fast-chat");
    mm_copy(ev->provider_model, sizeof ev->provider_model, "gpt-4o-mini");
    mm_copy(ev->outcome, sizeof ev->outcome, i % 20 ? "ok" : "rate_limited");
    ev->http_status = i % 20 ? 200 : 429;
    ev->latency_ms = 100 + i % 900;
    ev->tokens_in = 50 + i % 500;
    ev->tokens_out = 20 + i % 300;
    ev->cost_micros = ev->tokens_in * 15 / 100 + ev->tokens_out * 60 / 100;
    ev->retry_after_ms = i % 20 ? -1 : 7000;
}

static int bench_inserts(mm_catalog *cat, int64_t now)
{
    mm_usage_event *batch = calloc(BATCH, sizeof *batch);
    if (!batch)
        return 1;
    mm_error err;
    double start = seconds_now();
    for (long done = 0; done < TOTAL_EVENTS; done += BATCH) {
        for (long i = 0; i < BATCH; i++)
            fill_event(&batch[i], done + i, now);
        if (catalog_usage_insert_batch(cat, batch, BATCH, &err) != MM_OK) {
            fprintf(stderr, "insert: %s\n", err.message);
            free(batch);
            return 1;
        }
    }
    double elapsed = seconds_now() - start;
    printf("catalog_usage_insert_batch: %.0f events/s (%d events in batches of %d, WAL, "
           "indexed by account, workspace and time) [target > 100,000/s]\n",
           TOTAL_EVENTS / elapsed, TOTAL_EVENTS, BATCH);
    free(batch);
    return 0;
}

/* One router attempt's bookkeeping: the atomic admit (count + reserve) and the record (event +
 * end of the reservation), each its own BEGIN IMMEDIATE transaction. */
static int bench_admissions(mm_catalog *cat, int64_t now, bool capped, long count)
{
    mm_error err;
    double start = seconds_now();
    for (long i = 0; i < count; i++) {
        mm_admission_request req = {.workspace = "workspace-1",
                                    .model = "fast-chat",
                                    .account = "account-01",
                                    .workspace_rpm = 1000000,
                                    .account_rpm = 1000000,
                                    .workspace_monthly_tokens = capped ? 1000000000000 : 0,
                                    .account_monthly_cap_micros = capped ? 1000000000000 : 0,
                                    .tokens_estimate = 300,
                                    .cost_estimate_micros = capped ? 450 : -1,
                                    .now_ms = now + i,
                                    .hold_ms = 60000};
        int64_t reservation = 0;
        mm_admission adm;
        mm_usage_event ev;
        fill_event(&ev, i, now + TOTAL_EVENTS);
        mm_copy(ev.workspace, sizeof ev.workspace, "workspace-1");
        mm_copy(ev.account, sizeof ev.account, "account-01");
        if (catalog_admit(cat, &req, &reservation, &adm, &err) != MM_OK ||
            catalog_admission_record(cat, reservation, &ev, true, &err) != MM_OK) {
            fprintf(stderr, "admission: %s\n", err.message);
            return 1;
        }
    }
    double elapsed = seconds_now() - start;
    printf("router admission (admit + record: 2 transactions, over %d events of this month; "
           "%s): %.0f attempts/s\n",
           TOTAL_EVENTS,
           capped ? "with monthly caps: cached month-to-date sums topped up, estimated tokens "
                    "and cost reserved"
                  : "no monthly caps",
           (double)count / elapsed);
    return 0;
}

int main(void)
{
    char dir[] = "/tmp/mmbench.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[64];
    snprintf(path, sizeof path, "%s/catalog.db", dir);
    mm_catalog_options opts = {.path = path, .read_only = false, .create = true};
    mm_catalog *cat = NULL;
    mm_error err;
    if (catalog_open(&opts, &cat, &err) != MM_OK) {
        fprintf(stderr, "open: %s\n", err.message);
        return 1;
    }
    int64_t now = 1780000000000LL;
    int rc = bench_inserts(cat, now);
    if (rc == 0)
        rc = bench_admissions(cat, now, false, ADMISSIONS);
    if (rc == 0)
        rc = bench_admissions(cat, now + ADMISSIONS, true, ADMISSIONS / 20);
    catalog_close(cat);
    char sidecar[80];
    unlink(path);
    snprintf(sidecar, sizeof sidecar, "%s-wal", path);
    unlink(sidecar);
    snprintf(sidecar, sizeof sidecar, "%s-shm", path);
    unlink(sidecar);
    rmdir(dir);
    return rc;
}
