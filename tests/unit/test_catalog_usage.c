/* Unit tests of the append-only usage events (insert, batch, streaming by id and time, the
 * totals behind limits and their index use), prices, the prober lease election between two
 * sessions with expiry, settings, which writes notify other sessions (PostgreSQL), and a
 * streamed event's time to first token (migration 11). */
#include "test_catalog_util.h"

#include <math.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catalog/admission.h"
#include "catalog/catalog_internal.h"
#include "catalog/month_cost.h"
#include "catalog/usage_tail.h"
#include "util/clock.h"

static mm_usage_event make_event(int64_t ts, const char *kind, const char *account,
                                 const char *workspace, const char *model, int64_t tokens,
                                 int64_t cost)
{
    mm_usage_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts_ms = ts;
    mm_copy(ev.kind, sizeof ev.kind, kind);
    mm_copy(ev.account, sizeof ev.account, account);
    mm_copy(ev.provider, sizeof ev.provider, "openai");
    mm_copy(ev.workspace, sizeof ev.workspace, workspace);
    mm_copy(ev.model, sizeof ev.model, model);
    mm_copy(ev.provider_model, sizeof ev.provider_model, "gpt-4o-mini");
    mm_copy(ev.outcome, sizeof ev.outcome, "ok");
    ev.http_status = 200;
    ev.latency_ms = 120;
    ev.tokens_in = tokens / 2;
    ev.tokens_out = tokens - tokens / 2;
    ev.cost_micros = cost;
    ev.retry_after_ms = -1;
    return ev;
}

typedef struct collected {
    int64_t ids[64];
    int64_t ts[64];
    size_t count;
} collected;

static void collect(const mm_usage_event *ev, void *ctx)
{
    collected *c = ctx;
    if (c->count < 64) {
        c->ids[c->count] = ev->id;
        c->ts[c->count] = ev->ts_ms;
    }
    c->count++;
}

static void insert_and_stream_by_id_and_time(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err = {0};
    assert_int_equal(newest_event_id(fx->cat), 0);
    mm_usage_event one = make_event(1000, "probe", "acc", "", "", 0, -1);
    mm_copy(one.message, sizeof one.message, "bad\x1b[31m gateway");
    mm_copy(one.outcome, sizeof one.outcome, "server");
    assert_int_equal(catalog_usage_insert(fx->cat, &one, &err), MM_OK);
    assert_true(one.id > 0);
    mm_usage_event batch[5];
    for (int i = 0; i < 5; i++)
        batch[i] = make_event(2000 + i * 100, "request", i % 2 ? "acc" : "other", "team-a",
                              "fast-chat", 10, 5);
    assert_int_equal(catalog_usage_insert_batch(fx->cat, batch, 5, &err), MM_OK);
    for (int i = 0; i < 5; i++)
        assert_int_equal(batch[i].id, one.id + 1 + i);
    assert_int_equal(newest_event_id(fx->cat), batch[4].id);
    assert_int_equal(catalog_usage_count(fx->cat), 6);

    collected c = {0};
    size_t count = 0;
    assert_int_equal(catalog_usage_since_id(fx->cat, one.id, 3, collect, &c, &count, &err), MM_OK);
    assert_int_equal(count, 3);
    assert_int_equal(c.ids[0], batch[0].id);
    assert_int_equal(c.ids[2], batch[2].id);
    memset(&c, 0, sizeof c);
    assert_int_equal(catalog_usage_since_id(fx->cat, 0, 0, collect, &c, &count, &err), MM_OK);
    assert_int_equal(count, 6);

    memset(&c, 0, sizeof c);
    assert_int_equal(catalog_usage_since_time(fx->cat, "acc", 1000, collect, &c, &err), MM_OK);
    assert_int_equal(c.count, 3); /* the probe and two requests */
    assert_int_equal(c.ts[0], 1000);
    assert_int_equal(c.ts[1], 2100);
    memset(&c, 0, sizeof c);
    assert_int_equal(catalog_usage_since_time(fx->cat, NULL, 2200, collect, &c, &err), MM_OK);
    assert_int_equal(c.count, 3);

    /* messages are stored sanitized; events are not audited */
    memset(&c, 0, sizeof c);
    mm_audit_list audit;
    assert_int_equal(catalog_audit_list(fx->cat, 0, &audit, &err), MM_OK);
    assert_int_equal(audit.count, 0);
    mm_audit_list_free(&audit);
}

static void store_message(const mm_usage_event *ev, void *ctx)
{
    mm_copy(ctx, MM_MESSAGE_MAX, ev->message);
}

static void stored_messages_are_sanitized(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err = {0};
    mm_usage_event ev = make_event(5, "probe", "acc", "", "", 0, -1);
    mm_copy(ev.message, sizeof ev.message, "bad\x1b[2J gateway\r\n");
    assert_int_equal(catalog_usage_insert(fx->cat, &ev, &err), MM_OK);
    char message[MM_MESSAGE_MAX] = "";
    assert_int_equal(catalog_usage_since_id(fx->cat, 0, 1, store_message, message, NULL, &err),
                     MM_OK);
    assert_null(strchr(message, '\x1b'));
    assert_null(strchr(message, '\r'));
    mm_usage_event bad = make_event(5, "other", "acc", "", "", 0, -1);
    assert_int_equal(catalog_usage_insert(fx->cat, &bad, &err), MM_E_INVALID);
    assert_string_equal(err.field, "kind");
}

static void read_message(mm_catalog *cat, int64_t id, char *message)
{
    mm_error err = {0};
    message[0] = '\0';
    assert_int_equal(catalog_usage_since_id(cat, id - 1, 1, store_message, message, NULL, &err),
                     MM_OK);
}

static mm_admission_request unlimited(int64_t now_ms)
{
    mm_admission_request req = {.workspace = "ws", .model = "m", .account = "acc"};
    req.workspace_rpm = req.workspace_tpm = req.workspace_monthly_tokens = MM_LIMIT_UNSET;
    req.account_rpm = req.account_tpm = req.account_monthly_cap_micros = MM_LIMIT_UNSET;
    req.now_ms = now_ms;
    return req;
}

/* The router's admission records through the same insert: the same sanitizing, the same
 * refusals (and a refused event leaves the reservation as it was). */
static void admission_events_are_checked_like_any_other(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err = {0};
    const char *hostile = "bad\x1b[2J gate\x07way\r\n\x1b]0;title\x07 done";
    mm_usage_event direct = make_event(5, "request", "acc", "ws", "m", 2, 1);
    mm_copy(direct.message, sizeof direct.message, hostile);
    assert_int_equal(catalog_usage_insert(fx->cat, &direct, &err), MM_OK);
    int64_t reservation = 0;
    mm_admission adm;
    mm_admission_request req = unlimited(6);
    assert_int_equal(catalog_admit(fx->cat, &req, &reservation, &adm, &err), MM_OK);
    assert_true(reservation > 0);
    mm_usage_event admitted = make_event(6, "request", "acc", "ws", "m", 2, 1);
    mm_copy(admitted.message, sizeof admitted.message, hostile);
    assert_int_equal(catalog_admission_record(fx->cat, reservation, &admitted, false, &err), MM_OK);
    char via_usage[MM_MESSAGE_MAX], via_admission[MM_MESSAGE_MAX];
    read_message(fx->cat, direct.id, via_usage);
    read_message(fx->cat, admitted.id, via_admission);
    assert_null(strchr(via_admission, '\x1b'));
    assert_null(strchr(via_admission, '\x07'));
    assert_string_equal(via_admission, via_usage);

    mm_usage_event bad = make_event(7, "other", "acc", "ws", "m", 2, 1);
    assert_int_equal(catalog_admission_record(fx->cat, reservation, &bad, true, &err),
                     MM_E_INVALID);
    assert_string_equal(err.field, "kind");
    mm_usage_event unterminated = make_event(7, "request", "acc", "ws", "m", 2, 1);
    memset(unterminated.message, 'x', sizeof unterminated.message);
    assert_int_equal(catalog_admission_record(fx->cat, reservation, &unterminated, true, &err),
                     MM_E_INVALID);
    assert_int_equal(catalog_usage_insert(fx->cat, &unterminated, &err), MM_E_INVALID);
    assert_int_equal(catalog_usage_count(fx->cat), 2);
    mm_usage_counters c;
    assert_int_equal(catalog_workspace_counters(fx->cat, "ws", "m", 7, false, &c, &err), MM_OK);
    assert_int_equal(c.requests_window, 3); /* two served events and the reservation still held */
}

static void batch_is_all_or_nothing(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err = {0};
    mm_usage_event evs[3];
    for (int i = 0; i < 3; i++)
        evs[i] = make_event(100 + i, "request", "acc", "ws", "m", 1, 1);
    mm_copy(evs[2].kind, sizeof evs[2].kind, "nope");
    snapshot before = snapshot_take(fx->path);
    assert_int_equal(catalog_usage_insert_batch(fx->cat, evs, 3, &err), MM_E_INVALID);
    assert_int_equal(evs[0].id, 0);
    assert_int_equal(catalog_usage_count(fx->cat), 0);
    snapshot_assert_same(fx->path, &before);
}

static void totals_per_account_workspace_and_model(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err = {0};
    mm_usage_event evs[] = {
        make_event(1000, "request", "acc", "team-a", "fast-chat", 100, 2000),
        make_event(2000, "request", "acc", "team-b", "fast-chat", 50, -1), /* no price */
        make_event(3000, "request", "acc", "team-a", "code-gen", 30, 700),
        make_event(3500, "probe", "acc", "", "", 8, 10), /* probes do not count */
        make_event(4000, "request", "other", "team-a", "fast-chat", 7, 1),
        make_event(500, "request", "acc", "team-a", "fast-chat", 1000, 1000), /* too old */
    };
    assert_int_equal(catalog_usage_insert_batch(fx->cat, evs, 6, &err), MM_OK);
    mm_usage_totals t;
    assert_int_equal(catalog_usage_totals(fx->cat, "acc", NULL, NULL, 1000, &t, &err), MM_OK);
    assert_int_equal(t.requests, 3);
    assert_int_equal(t.tokens, 180);
    assert_int_equal(t.cost_micros, 2700);
    assert_int_equal(t.first_ts_ms, 1000);
    assert_int_equal(catalog_usage_totals(fx->cat, "acc", NULL, "fast-chat", 1000, &t, &err),
                     MM_OK);
    assert_int_equal(t.requests, 2);
    assert_int_equal(t.tokens, 150);
    assert_int_equal(catalog_usage_totals(fx->cat, NULL, "team-a", NULL, 1000, &t, &err), MM_OK);
    assert_int_equal(t.requests, 3);
    assert_int_equal(t.tokens, 137);
    assert_int_equal(t.cost_micros, 2701);
    assert_int_equal(catalog_usage_totals(fx->cat, NULL, "team-a", "fast-chat", 1500, &t, &err),
                     MM_OK);
    assert_int_equal(t.requests, 1);
    assert_int_equal(t.first_ts_ms, 4000);
    assert_int_equal(catalog_usage_totals(fx->cat, NULL, "nobody", NULL, 0, &t, &err), MM_OK);
    assert_int_equal(t.requests, 0);
    assert_int_equal(t.first_ts_ms, 0);
    assert_int_equal(catalog_usage_totals(fx->cat, NULL, NULL, NULL, 0, &t, &err), MM_E_INTERNAL);
}

/* The plan SQLite picks for sql, joined into one line, from a separate connection. */
static void query_plan(const char *path, const char *sql, char *out, size_t outsz)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    char explain[2048];
    snprintf(explain, sizeof explain, "EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(db, explain, -1, &stmt, NULL), SQLITE_OK);
    out[0] = '\0';
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        size_t used = strlen(out);
        snprintf(out + used, outsz - used, "%s; ", (const char *)sqlite3_column_text(stmt, 3));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

static void usage_queries_use_their_indexes(void **state)
{
    SQLITE_ONLY("SQLite's query plans (EXPLAIN QUERY PLAN)");
    catalog_fixture *fx = *state;
    mm_error err = {0};
    static mm_usage_event evs[3000];
    const char *accounts[] = {"a1", "a2", "a3", "a4", "a5", "a6"};
    const char *workspaces[] = {"w1", "w2", "w3", "w4"};
    for (int i = 0; i < 3000; i++)
        evs[i] = make_event(1000000 + i * 10, i % 7 ? "request" : "probe", accounts[i % 6],
                            workspaces[i % 4], "fast-chat", 10, 3);
    assert_int_equal(catalog_usage_insert_batch(fx->cat, evs, 3000, &err), MM_OK);
    struct {
        const char *sql, *index;
    } cases[] = {
        {CAT_SQL_USAGE_TOTALS_ACCOUNT, "usage_by_account_ts"},
        {CAT_SQL_USAGE_TOTALS_WORKSPACE, "usage_by_workspace_ts"},
        {CAT_SQL_USAGE_SINCE_TIME_ACCOUNT, "usage_by_account_ts"},
        {CAT_SQL_USAGE_SINCE_TIME_ALL, "usage_by_ts"},
    };
    for (int pass = 0; pass < 2; pass++) { /* with the statistics of an empty table, then fresh */
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            char plan[1024];
            query_plan(fx->path, cases[i].sql, plan, sizeof plan);
            if (!strstr(plan, "USING INDEX") && !strstr(plan, "USING COVERING INDEX"))
                fail_msg("no index in plan of [%s]: %s", cases[i].sql, plan);
            if (!strstr(plan, cases[i].index))
                fail_msg("plan of [%s] does not use %s: %s", cases[i].sql, cases[i].index, plan);
            assert_null(strstr(plan, "TEMP B-TREE"));
        }
        sqlite3 *db;
        assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, "ANALYZE", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
    }
    mm_usage_totals t;
    assert_int_equal(catalog_usage_totals(fx->cat, "a1", NULL, NULL, 0, &t, &err), MM_OK);
    assert_true(t.requests > 0);
}

/* The month's costs read this month's day rollups by the primary key's start_ms range, never by
 * walking every day row of every account through the name index (O(history)). */
static void month_costs_read_the_month_by_time(void **state)
{
    SQLITE_ONLY("SQLite's query plans (EXPLAIN QUERY PLAN)");
    catalog_fixture *fx = *state;
    mm_error err = {0};
    static mm_usage_event evs[3000];
    char name[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(name, sizeof name, "acct-%d", i % 300);
        evs[i] =
            make_event(1000000 + (int64_t)i * 3600000, "request", name, "w1", "fast-chat", 10, 3);
    }
    assert_int_equal(catalog_usage_insert_batch(fx->cat, evs, 3000, &err), MM_OK);
    for (int pass = 0; pass < 2; pass++) { /* with the statistics of an empty table, then fresh */
        char plan[1024];
        query_plan(fx->path, CAT_SQL_MONTH_ROWS, plan, sizeof plan);
        if (!strstr(plan, "usage_rollup_day USING PRIMARY KEY (start_ms>?)"))
            fail_msg("the month's costs are not read by time: %s", plan);
        sqlite3 *db;
        assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, "ANALYZE", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
    }
}

static void prices_set_get_list_and_import(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err = {0};
    mm_price price;
    assert_int_equal(catalog_price_get(fx->cat, "openai", "gpt-4o", &price, &err), MM_E_NOT_FOUND);
    assert_non_null(strstr(err.message, "no price is known"));
    memset(&price, 0, sizeof price);
    mm_copy(price.provider, sizeof price.provider, "openai");
    mm_copy(price.model, sizeof price.model, "gpt-4o");
    price.input_per_mtok = 2.5;
    price.output_per_mtok = 10.0;
    mm_copy(price.source, sizeof price.source, "manual");
    assert_int_equal(catalog_price_set(fx->cat, &price, &err), MM_OK);
    price.input_per_mtok = 2.0;
    assert_int_equal(catalog_price_set(fx->cat, &price, &err), MM_OK);
    mm_price got;
    assert_int_equal(catalog_price_get(fx->cat, "openai", "gpt-4o", &got, &err), MM_OK);
    assert_true(got.input_per_mtok == 2.0);
    assert_true(got.output_per_mtok == 10.0);
    assert_string_equal(got.source, "manual");

    mm_price batch[3];
    memset(batch, 0, sizeof batch);
    const char *models[] = {"text-embedding-3-small", "claude-haiku", "mistral-small"};
    const char *providers[] = {"openai", "anthropic", "mistral"};
    for (int i = 0; i < 3; i++) {
        mm_copy(batch[i].provider, sizeof batch[i].provider, providers[i]);
        mm_copy(batch[i].model, sizeof batch[i].model, models[i]);
        batch[i].input_per_mtok = 0.02 * (i + 1);
        batch[i].output_per_mtok = i == 0 ? -1 : 1.0;
        mm_copy(batch[i].source, sizeof batch[i].source, "builtin 2025-06");
    }
    assert_int_equal(catalog_price_set_batch(fx->cat, batch, 3, &err), MM_OK);
    assert_int_equal(catalog_price_get(fx->cat, "openai", "text-embedding-3-small", &got, &err),
                     MM_OK);
    assert_true(got.output_per_mtok < 0); /* unknown stays unknown */
    mm_price_list list;
    assert_int_equal(catalog_price_list(fx->cat, &list, &err), MM_OK);
    assert_int_equal(list.count, 4);
    assert_string_equal(list.items[0].provider, "anthropic");
    assert_string_equal(list.items[1].provider, "mistral");
    assert_string_equal(list.items[2].model, "gpt-4o");
    assert_string_equal(list.items[3].model, "text-embedding-3-small");
    mm_price_list_free(&list);

    /* one bad price refuses the whole import */
    batch[1].input_per_mtok = NAN;
    snapshot before = snapshot_take(fx->path);
    assert_int_equal(catalog_price_set_batch(fx->cat, batch, 3, &err), MM_E_INVALID);
    assert_non_null(strstr(err.message, "price 2 (anthropic/claude-haiku)"));
    assert_non_null(strstr(err.message, "nothing was imported"));
    snapshot_assert_same(fx->path, &before);

    mm_audit_list audit;
    assert_int_equal(catalog_audit_list(fx->cat, 0, &audit, &err), MM_OK);
    assert_int_equal(audit.count, 3);
    assert_string_equal(audit.items[0].action, "import");
    assert_non_null(strstr(audit.items[0].after_json, "\"count\":3"));
    assert_string_equal(audit.items[1].action, "set");
    assert_string_equal(audit.items[1].entity_name, "openai/gpt-4o");
    assert_non_null(audit.items[1].before_json);
    assert_null(audit.items[2].before_json);
    mm_audit_list_free(&audit);
}

static void lease_election_between_two_sessions(void **state)
{
    catalog_fixture *fx = *state;
    mm_catalog *other = fixture_open(fx->path);
    mm_error err = {0};
    bool got = false;
    char holder[64];
    int64_t expires = 0;
    setenv("MM_FAKE_NOW_MS", "1000000", 1);
    assert_int_equal(catalog_lease_holder(fx->cat, "prober", holder, sizeof holder, &expires, &err),
                     MM_OK);
    assert_string_equal(holder, "");
    assert_int_equal(catalog_lease_acquire(fx->cat, "prober", "host-a:1", 10000, &got, &err),
                     MM_OK);
    assert_true(got);
    assert_int_equal(catalog_lease_acquire(other, "prober", "host-b:2", 10000, &got, &err), MM_OK);
    assert_false(got);
    assert_int_equal(catalog_lease_holder(other, "prober", holder, sizeof holder, &expires, &err),
                     MM_OK);
    assert_string_equal(holder, "host-a:1");
    assert_int_equal(expires, 1010000);
    /* the holder renews */
    setenv("MM_FAKE_NOW_MS", "1005000", 1);
    assert_int_equal(catalog_lease_acquire(fx->cat, "prober", "host-a:1", 10000, &got, &err),
                     MM_OK);
    assert_true(got);
    setenv("MM_FAKE_NOW_MS", "1014999", 1);
    assert_int_equal(catalog_lease_acquire(other, "prober", "host-b:2", 10000, &got, &err), MM_OK);
    assert_false(got);
    /* it lapses: the other takes over */
    setenv("MM_FAKE_NOW_MS", "1015000", 1);
    assert_int_equal(catalog_lease_holder(other, "prober", holder, sizeof holder, &expires, &err),
                     MM_OK);
    assert_string_equal(holder, "");
    assert_int_equal(catalog_lease_acquire(other, "prober", "host-b:2", 10000, &got, &err), MM_OK);
    assert_true(got);
    assert_int_equal(catalog_lease_acquire(fx->cat, "prober", "host-a:1", 10000, &got, &err),
                     MM_OK);
    assert_false(got);
    /* releasing someone else's lease does nothing; releasing ours frees it */
    assert_int_equal(catalog_lease_release(fx->cat, "prober", "host-a:1", &err), MM_OK);
    assert_int_equal(catalog_lease_holder(fx->cat, "prober", holder, sizeof holder, NULL, &err),
                     MM_OK);
    assert_string_equal(holder, "host-b:2");
    assert_int_equal(catalog_lease_release(other, "prober", "host-b:2", &err), MM_OK);
    assert_int_equal(catalog_lease_acquire(fx->cat, "prober", "host-a:1", 10000, &got, &err),
                     MM_OK);
    assert_true(got);
    assert_int_equal(catalog_lease_acquire(fx->cat, "prober", "", 10000, &got, &err), MM_E_INVALID);
    catalog_close(other);
}

static void settings_get_and_set(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err = {0};
    char value[64];
    assert_int_equal(catalog_setting_get(fx->cat, "health.p95_ms", value, sizeof value, &err),
                     MM_E_NOT_FOUND);
    assert_int_equal(catalog_setting_set(fx->cat, "health.p95_ms", "4000", &err), MM_OK);
    assert_int_equal(catalog_setting_get(fx->cat, "health.p95_ms", value, sizeof value, &err),
                     MM_OK);
    assert_string_equal(value, "4000");
    assert_int_equal(catalog_setting_set(fx->cat, "health.p95_ms", "5000", &err), MM_OK);
    assert_int_equal(catalog_setting_get(fx->cat, "health.p95_ms", value, sizeof value, &err),
                     MM_OK);
    assert_string_equal(value, "5000");
    assert_int_equal(catalog_setting_set(fx->cat, "", "x", &err), MM_E_INVALID);
    mm_audit_list audit;
    assert_int_equal(catalog_audit_list(fx->cat, 0, &audit, &err), MM_OK);
    assert_int_equal(audit.count, 2);
    assert_string_equal(audit.items[0].entity_kind, "setting");
    assert_non_null(strstr(audit.items[0].before_json, "4000"));
    mm_audit_list_free(&audit);
}

/* PostgreSQL NOTIFYs configuration changes only: a usage batch, a lease and a refused change wake
 * no LISTENing console or gateway; adding a model does, at once. */
static void only_configuration_changes_notify(void **state)
{
    POSTGRES_ONLY("LISTEN/NOTIFY (SQLite's data_version counts every write)");
    catalog_fixture *fx = *state;
    mm_catalog *watcher = fixture_open(fx->path);
    int64_t baseline = version_after_wait(watcher, 0);
    mm_error err = {0};
    mm_usage_event evs[50];
    for (int i = 0; i < 50; i++)
        evs[i] = make_event(1000000 + i, "request", "a1", "w1", "chat", 10, 3);
    assert_int_equal(catalog_usage_insert_batch(fx->cat, evs, 50, &err), MM_OK);
    bool acquired = false;
    assert_int_equal(catalog_lease_acquire(fx->cat, "prober", "me", 60000, &acquired, &err), MM_OK);
    assert_true(acquired);
    assert_int_equal(version_after_wait(watcher, 500), baseline);
    add_model(fx->cat, "chat");
    int64_t after_model = version_after_wait(watcher, 5000);
    assert_true(after_model > baseline);
    assert_int_equal(version_after_wait(watcher, 300), after_model); /* one change, one wake */
    assert_int_equal(catalog_usage_insert_batch(fx->cat, evs, 50, &err), MM_OK);
    mm_model dup;
    mm_model_init(&dup);
    mm_copy(dup.name, sizeof dup.name, "chat");
    assert_int_equal(catalog_model_insert(fx->cat, &dup, &err), MM_E_EXISTS);
    assert_int_equal(version_after_wait(watcher, 500), after_model);
    catalog_close(watcher);
}

/* Reads the stored ttft_ms of event id: -1 for NULL. */
static int64_t stored_ttft(mm_catalog *cat, int64_t id)
{
    mm_error err = {0};
    char sql[160];
    int64_t nulls = -1, value = -1;
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM usage_events WHERE id = %lld AND ttft_ms IS NULL",
             (long long)id);
    assert_int_equal(cat_query_int(cat, sql, NULL, &nulls, &err), MM_OK);
    if (nulls == 1)
        return -1;
    snprintf(sql, sizeof sql, "SELECT ttft_ms FROM usage_events WHERE id = %lld", (long long)id);
    assert_int_equal(cat_query_int(cat, sql, NULL, &value, &err), MM_OK);
    return value;
}

typedef struct read_back {
    bool streamed[8];
    int64_t ttft[8];
    size_t count;
} read_back;

static void collect_ttft(const mm_usage_event *ev, void *ctx)
{
    read_back *r = ctx;
    if (r->count < 8) {
        r->streamed[r->count] = ev->streamed;
        r->ttft[r->count] = ev->ttft_ms;
    }
    r->count++;
}

/* A streamed event stores its time to first token; a non-streamed one (and a streamed one with
 * no first byte) stores NULL; one at a time and in a batch (many rows a statement). */
static void streamed_events_store_ttft_and_others_null(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err = {0};
    mm_usage_event streamed = make_event(1000, "request", "acc", "team-a", "chat", 10, 5);
    streamed.streamed = true;
    streamed.ttft_ms = 321;
    mm_usage_event plain = make_event(1100, "request", "acc", "team-a", "chat", 10, 5);
    plain.ttft_ms = 99; /* not streamed: not stored */
    assert_int_equal(catalog_usage_insert(fx->cat, &streamed, &err), MM_OK);
    assert_int_equal(catalog_usage_insert(fx->cat, &plain, &err), MM_OK);
    assert_int_equal(stored_ttft(fx->cat, streamed.id), 321);
    assert_int_equal(stored_ttft(fx->cat, plain.id), -1);
    mm_usage_event batch[3];
    for (int i = 0; i < 3; i++)
        batch[i] = make_event(2000 + i, "request", "acc", "team-a", "chat", 10, 5);
    batch[0].streamed = true;
    batch[0].ttft_ms = 45;
    batch[2].streamed = true;
    batch[2].ttft_ms = -1; /* the stream failed before its first byte */
    assert_int_equal(catalog_usage_insert_batch(fx->cat, batch, 3, &err), MM_OK);
    assert_int_equal(stored_ttft(fx->cat, batch[0].id), 45);
    assert_int_equal(stored_ttft(fx->cat, batch[1].id), -1);
    assert_int_equal(stored_ttft(fx->cat, batch[2].id), -1);
    read_back r = {0};
    assert_int_equal(catalog_usage_since_id(fx->cat, 0, 0, collect_ttft, &r, NULL, &err), MM_OK);
    assert_int_equal(r.count, 5);
    assert_true(r.streamed[0] && r.ttft[0] == 321);
    assert_true(!r.streamed[1] && r.ttft[1] == -1);
    assert_true(r.streamed[2] && r.ttft[2] == 45);
    assert_true(!r.streamed[3] && r.ttft[3] == -1);
    assert_true(!r.streamed[4] && r.ttft[4] == -1);
}

/* Migration 11 on a catalog of schema 10: the events stay, their ttft_ms NULL. */
static void migration_11_keeps_the_events(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err = {0};
    for (int i = 0; i < 4; i++) {
        mm_usage_event ev = make_event(1000 + i, "request", "acc", "team-a", "chat", 10, 5);
        assert_int_equal(catalog_usage_insert(fx->cat, &ev, &err), MM_OK);
    }
    assert_int_equal(cat_exec(fx->cat,
                              fx->postgres ? "ALTER TABLE usage_events DROP COLUMN ttft_ms; "
                                             "ALTER TABLE usage_rollup_minute DROP COLUMN ttft; "
                                             "UPDATE mmadmin_schema SET version = 10"
                                           : "ALTER TABLE usage_events DROP COLUMN ttft_ms; "
                                             "ALTER TABLE usage_rollup_minute DROP COLUMN ttft; "
                                             "PRAGMA user_version = 10",
                              &err),
                     MM_OK);
    catalog_close(fx->cat);
    fx->cat = fixture_open(fx->path);
    assert_int_equal(catalog_usage_count(fx->cat), 4);
    int64_t nulls = 0;
    assert_int_equal(cat_query_int(fx->cat,
                                   "SELECT count(*) FROM usage_events WHERE ttft_ms IS NULL", NULL,
                                   &nulls, &err),
                     MM_OK);
    assert_int_equal(nulls, 4);
    mm_usage_event ev = make_event(2000, "request", "acc", "team-a", "chat", 10, 5);
    ev.streamed = true;
    ev.ttft_ms = 7;
    assert_int_equal(catalog_usage_insert(fx->cat, &ev, &err), MM_OK);
    assert_int_equal(stored_ttft(fx->cat, ev.id), 7);
}

#define FIXTURE_TEST(fn)                                                                           \
    cmocka_unit_test_setup_teardown(fn, catalog_fixture_setup, catalog_fixture_teardown)

/* ---- odd values through the batch insert (PostgreSQL: COPY from 64 rows) ---- */

/* Texts COPY's text format escapes or could mistake (tab, newline, CR, backslash, "\N" and "\."
 * as a whole field, the empty string), quotes, NULL as a word, and UTF-8 without NULs. */
static const char *const ODD_TEXTS[] = {
    "tab\there", "nl\nand\rcr", "back\\slash\\", "\\N", "\\.", "", "q\"u'o`te", "NULL", "ünï✓日本"};
#define N_ODD (sizeof ODD_TEXTS / sizeof ODD_TEXTS[0])

static mm_usage_event odd_event(size_t i, int64_t ts)
{
    mm_usage_event ev =
        make_event(ts + (int64_t)(i % 1000), i % 7 ? "request" : "probe", ODD_TEXTS[i % N_ODD],
                   ODD_TEXTS[(i + 1) % N_ODD], ODD_TEXTS[(i + 2) % N_ODD], 0, 0);
    mm_copy(ev.provider_model, sizeof ev.provider_model, ODD_TEXTS[(i + 3) % N_ODD]);
    mm_copy(ev.outcome, sizeof ev.outcome, ODD_TEXTS[(i + 4) % N_ODD]);
    mm_copy(ev.message, sizeof ev.message, ODD_TEXTS[(i + 5) % N_ODD]);
    ev.http_status = i % 2 ? -1 : 2147483647;
    ev.latency_ms = i % 3 ? -5 : INT64_MAX;
    ev.tokens_in = i % 3 ? -7 - (int64_t)i : MM_USAGE_TOKENS_MAX - (int64_t)i; /* the bound */
    ev.tokens_out = i % 5 ? 2147483648 + (int64_t)i : 0;
    ev.cost_micros = i % 4 == 0 ? -1 : i % 4 == 1 ? 0 : MM_USAGE_COST_MAX - (int64_t)i;
    ev.retry_after_ms = i % 2 ? -1 : INT64_MIN + 1;
    ev.tokens_cache_read = i % 2 ? -3 : 0;
    ev.tokens_cache_write = -(int64_t)i;
    return ev;
}

typedef struct odd_read {
    mm_usage_event *items;
    size_t count, cap;
} odd_read;

static void keep_event(const mm_usage_event *ev, void *ctx)
{
    odd_read *r = ctx;
    if (r->count == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 1024;
        r->items = realloc(r->items, r->cap * sizeof *r->items);
        assert_non_null(r->items);
    }
    r->items[r->count++] = *ev;
}

static odd_read read_all(mm_catalog *cat)
{
    odd_read r = {0};
    size_t count = 0;
    mm_error err = {0};
    assert_int_equal(catalog_usage_since_id(cat, 0, 0, keep_event, &r, &count, &err), MM_OK);
    assert_int_equal(count, r.count);
    return r;
}

static void assert_same_event(const mm_usage_event *want, const mm_usage_event *got)
{
    char message[MM_MESSAGE_MAX];
    mm_sanitize(message, sizeof message, want->message, SIZE_MAX);
    assert_int_equal(got->id, want->id);
    assert_int_equal(got->ts_ms, want->ts_ms);
    assert_string_equal(got->kind, want->kind);
    assert_string_equal(got->account, want->account);
    assert_string_equal(got->provider, want->provider);
    assert_string_equal(got->workspace, want->workspace);
    assert_string_equal(got->model, want->model);
    assert_string_equal(got->provider_model, want->provider_model);
    assert_string_equal(got->outcome, want->outcome);
    assert_string_equal(got->message, message);
    assert_int_equal(got->http_status, want->http_status);
    assert_int_equal(got->latency_ms, want->latency_ms);
    assert_int_equal(got->tokens_in, want->tokens_in);
    assert_int_equal(got->tokens_out, want->tokens_out);
    assert_int_equal(got->cost_micros, want->cost_micros);
    assert_int_equal(got->retry_after_ms, want->retry_after_ms);
    assert_int_equal(got->tokens_cache_read, want->tokens_cache_read);
    assert_int_equal(got->tokens_cache_write, want->tokens_cache_write);
}

/* The day rollups' month costs against a recount of the raw events read back. */
static void assert_month_costs_recount(mm_catalog *cat, int64_t month_start, const odd_read *r)
{
    mm_month_cost want[N_ODD];
    memset(want, 0, sizeof want);
    for (size_t i = 0; i < r->count; i++) {
        const mm_usage_event *ev = &r->items[i];
        if (strcmp(ev->kind, "request") != 0)
            continue;
        size_t a = 0;
        while (a < N_ODD && strcmp(ODD_TEXTS[a], ev->account) != 0)
            a++;
        assert_true(a < N_ODD);
        if (ev->cost_micros >= 0)
            want[a].cost_micros += ev->cost_micros;
        else
            want[a].unpriced++;
    }
    mm_month_cost *items = NULL;
    size_t count = 0;
    int64_t upto = 0;
    mm_error err = {0};
    assert_int_equal(catalog_usage_month_costs(cat, month_start, &items, &count, &upto, &err),
                     MM_OK);
    size_t expected = 0;
    for (size_t a = 0; a < N_ODD; a++) {
        if (!want[a].cost_micros && !want[a].unpriced)
            continue;
        expected++;
        size_t k = 0;
        while (k < count && strcmp(items[k].account, ODD_TEXTS[a]) != 0)
            k++;
        assert_true(k < count);
        assert_int_equal(items[k].cost_micros, want[a].cost_micros);
        assert_int_equal(items[k].unpriced, want[a].unpriced);
    }
    assert_int_equal(count, expected);
    assert_int_equal(upto, r->count ? r->items[r->count - 1].id : 0);
    free(items);
}

/* Batches of 1, 200 and 10,000 odd events: each stored exactly (ids ascending in batch order)
 * and the day rollups equal to a recount of the raw events. */
static void odd_values_are_stored_exactly_and_rolled_up(void **state)
{
    catalog_fixture *fx = *state;
    int64_t ts = mm_month_start_ms(mm_now_ms()) + 3600000;
    static const size_t SIZES[] = {1, 200, 10000};
    size_t total = 0;
    for (size_t s = 0; s < 3; s++)
        total += SIZES[s];
    mm_usage_event *evs = calloc(total, sizeof *evs);
    assert_non_null(evs);
    for (size_t i = 0; i < total; i++)
        evs[i] = odd_event(i, ts);
    mm_error err = {0};
    for (size_t s = 0, at = 0; s < 3; at += SIZES[s], s++)
        assert_int_equal(catalog_usage_insert_batch(fx->cat, evs + at, SIZES[s], &err), MM_OK);
    odd_read r = read_all(fx->cat);
    assert_int_equal(r.count, total);
    for (size_t i = 0; i < total; i++)
        assert_same_event(&evs[i], &r.items[i]);
    assert_month_costs_recount(fx->cat, mm_month_start_ms(ts), &r);
    free(r.items);
    free(evs);
}

/* Two processes ingest batches at once: every id unique, every event in, the rollups exact. */
static void two_processes_ingest_at_once(void **state)
{
    catalog_fixture *fx = *state;
    int64_t ts = mm_month_start_ms(mm_now_ms()) + 3600000;
    enum { BATCHES = 5, BATCH = 400 };
    pid_t pids[2];
    for (int p = 0; p < 2; p++) {
        pids[p] = fork();
        assert_true(pids[p] >= 0);
        if (pids[p] == 0) {
            mm_catalog *cat = fixture_open(fx->path);
            mm_usage_event *evs = calloc(BATCH, sizeof *evs);
            int failed = !evs;
            for (int b = 0; b < BATCHES && !failed; b++) {
                for (size_t i = 0; i < BATCH; i++)
                    evs[i] = odd_event((size_t)(p * BATCHES + b) * BATCH + i, ts);
                mm_error err = {0};
                failed = catalog_usage_insert_batch(cat, evs, BATCH, &err) != MM_OK;
                if (failed)
                    fprintf(stderr, "child %d: %s\n", p, err.message);
            }
            free(evs);
            catalog_close(cat);
            _exit(failed); /* not the parent's atexit handlers nor its connection */
        }
    }
    for (int p = 0; p < 2; p++) {
        int status = 0;
        assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    odd_read r = read_all(fx->cat);
    assert_int_equal(r.count, 2 * BATCHES * BATCH);
    for (size_t i = 1; i < r.count; i++) /* ascending: no id twice */
        assert_true(r.items[i].id > r.items[i - 1].id);
    assert_month_costs_recount(fx->cat, mm_month_start_ms(ts), &r);
    free(r.items);
}

/* An event stored with the given id around the catalog's writes (what a transaction holding a
 * sequence id commits later looks like to a reader). */
static void insert_with_id(catalog_fixture *fx, int64_t id, int64_t ts)
{
    db_conn *db = NULL;
    mm_error err = {0};
    db_open_options opts = {0};
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO usage_events(id, ts_ms, kind, account, provider, workspace, model, "
             "provider_model, outcome, http_status, latency_ms, tokens_in, tokens_out, "
             "cost_micros, retry_after_ms, message) VALUES (%lld, %lld, 'request', 'acct', "
             "'openai', '', '', '', 'ok', 200, 100, 1, 1, 0, -1, '')",
             (long long)id, (long long)ts);
    if (db_open(fx->path, &opts, &db, &err) != MM_OK || db_exec(db, sql, "test", &err) != MM_OK)
        fail_msg("%s: %s", sql, err.message);
    db_close(db);
}

static void count_tailed(const mm_usage_event *ev, void *ctx)
{
    collected *c = ctx;
    if (c->count < 64)
        c->ids[c->count++] = ev->id;
}

/* The tail's bounds: of a jump of 3,000 ids it remembers the newest 1,024 (an event committed
 * later among them is read once, one below them is not), and it gives them up after 60 s. */
static void the_tail_remembers_late_ids_within_its_bounds(void **state)
{
    POSTGRES_ONLY("SQLite commits ids in order: the tail keeps no gaps");
    catalog_fixture *fx = *state;
    const int64_t t0 = INT64_C(1772409600000);
    setenv("MM_FAKE_NOW_MS", "1772409600000", 1);
    mm_usage_event first = make_event(t0 - 1000, "request", "acct", "", "", 10, 0);
    mm_error err = {0};
    assert_int_equal(catalog_usage_insert(fx->cat, &first, &err), MM_OK);
    mm_usage_tail tail = {0};
    assert_int_equal(catalog_usage_tail_start(fx->cat, &tail, first.id, &err), MM_OK);
    assert_int_equal(tail.gaps.count, 0);
    insert_with_id(fx, first.id + 3000, t0 - 900);
    collected seen = {0};
    size_t count = 0;
    assert_int_equal(catalog_usage_tail_read(fx->cat, &tail, 0, count_tailed, &seen, &count, &err),
                     MM_OK);
    assert_int_equal(count, 1);
    assert_int_equal(tail.last_id, first.id + 3000);
    assert_int_equal(tail.gaps.count, MM_ID_GAPS_MAX);
    assert_int_equal(tail.gaps.items[0].id, first.id + 3000 - MM_ID_GAPS_MAX);
    insert_with_id(fx, first.id + 2500, t0 - 800); /* remembered */
    insert_with_id(fx, first.id + 100, t0 - 700);  /* below the newest 1,024 */
    seen.count = 0;
    for (int round = 0; round < 2; round++)
        assert_int_equal(
            catalog_usage_tail_read(fx->cat, &tail, 0, count_tailed, &seen, &count, &err), MM_OK);
    assert_int_equal(seen.count, 1);
    assert_int_equal(seen.ids[0], first.id + 2500);
    assert_int_equal(tail.gaps.count, MM_ID_GAPS_MAX - 1);
    char later[32];
    snprintf(later, sizeof later, "%lld", (long long)(t0 + MM_ID_GAP_AGE_MS + 1));
    setenv("MM_FAKE_NOW_MS", later, 1);
    insert_with_id(fx, first.id + 2600, t0 - 600); /* in flight longer than the age: given up */
    seen.count = 0;
    assert_int_equal(catalog_usage_tail_read(fx->cat, &tail, 0, count_tailed, &seen, &count, &err),
                     MM_OK);
    assert_int_equal(seen.count, 0);
    assert_int_equal(tail.gaps.count, 0);
    catalog_usage_tail_free(&tail);
    unsetenv("MM_FAKE_NOW_MS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(insert_and_stream_by_id_and_time),
        FIXTURE_TEST(stored_messages_are_sanitized),
        FIXTURE_TEST(admission_events_are_checked_like_any_other),
        FIXTURE_TEST(batch_is_all_or_nothing),
        FIXTURE_TEST(totals_per_account_workspace_and_model),
        FIXTURE_TEST(usage_queries_use_their_indexes),
        FIXTURE_TEST(month_costs_read_the_month_by_time),
        FIXTURE_TEST(prices_set_get_list_and_import),
        FIXTURE_TEST(lease_election_between_two_sessions),
        FIXTURE_TEST(settings_get_and_set),
        FIXTURE_TEST(only_configuration_changes_notify),
        FIXTURE_TEST(streamed_events_store_ttft_and_others_null),
        FIXTURE_TEST(migration_11_keeps_the_events),
        FIXTURE_TEST(odd_values_are_stored_exactly_and_rolled_up),
        FIXTURE_TEST(two_processes_ingest_at_once),
        FIXTURE_TEST(the_tail_remembers_late_ids_within_its_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
