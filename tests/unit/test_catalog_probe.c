/* Unit tests of recording connection tests and probes (catalog_probe_record): the probe event,
 * the last test and discovered models in one transaction, a monitor batch that keeps the
 * stored models, an account deleted meanwhile, all-or-nothing on a bad record, and the wake a
 * result gives a LISTENing console on PostgreSQL. */
#include "test_catalog_util.h"

#include "catalog/probe.h"

static const char *const KEY = "sk-proj-SECRETSECRET-wxyz";

static void fill_result(mm_call_result *res, bool ok, mm_error_class cls, const char *message)
{
    memset(res, 0, sizeof *res);
    res->retry_after_ms = -1;
    res->ok = ok;
    res->cls = ok ? MM_CLASS_OK : cls;
    res->http_status = ok ? 200 : 401;
    res->latency_ms = 42;
    mm_copy(res->message, sizeof res->message, message);
}

static void store_event(const mm_usage_event *ev, void *ctx)
{
    *(mm_usage_event *)ctx = *ev;
}

static mm_usage_event last_event(mm_catalog *cat)
{
    mm_usage_event ev = {0};
    mm_error err = {0};
    assert_int_equal(
        catalog_usage_since_id(cat, newest_event_id(cat) - 1, 1, store_event, &ev, NULL, &err),
        MM_OK);
    return ev;
}

static void a_failed_result_in_the_probe_event(void **state)
{
    (void)state;
    mm_call_result res;
    fill_result(&res, false, MM_CLASS_AUTH, "bad key\x1b[2J here");
    res.retry_after_ms = 1500;
    mm_usage_event ev;
    catalog_probe_event(&ev, "acc", "openai", &res, 1234);
    assert_string_equal(ev.kind, "probe");
    assert_string_equal(ev.account, "acc");
    assert_string_equal(ev.provider, "openai");
    assert_string_equal(ev.outcome, "auth");
    assert_int_equal(ev.ts_ms, 1234);
    assert_int_equal(ev.http_status, 401);
    assert_int_equal(ev.latency_ms, 42);
    assert_int_equal(ev.retry_after_ms, 1500);
    assert_int_equal(ev.cost_micros, 0);
    assert_null(strchr(ev.message, '\x1b'));
    fill_result(&res, true, MM_CLASS_OK, "ignored when ok");
    catalog_probe_event(&ev, "acc", "openai", &res, 1234);
    assert_string_equal(ev.outcome, "ok");
    assert_string_equal(ev.message, "");
}

static void a_test_records_event_status_and_models_at_once(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "acc", "openai", KEY);
    mm_error err = {0};
    mm_call_result res;
    fill_result(&res, true, MM_CLASS_OK, "");
    mm_string_list models = {0};
    assert_true(mm_string_list_append(&models, "o3"));
    assert_true(mm_string_list_append(&models, "gpt-4.1"));
    mm_probe_record rec = {.discovered = &models};
    catalog_probe_event(&rec.event, "acc", "openai", &res, 1700000000000LL);
    assert_int_equal(catalog_probe_record(fx->cat, &rec, 1, &err), MM_OK);
    assert_true(rec.event.id > 0);
    mm_account acc;
    assert_int_equal(catalog_account_get(fx->cat, "acc", &acc, &err), MM_OK);
    assert_true(acc.last_test_ok);
    assert_string_equal(acc.last_test_class, "ok");
    assert_int_equal(acc.last_test_ms, 1700000000000LL);
    assert_int_equal(acc.last_test_latency_ms, 42);
    assert_int_equal(acc.version, 1); /* not an edit */
    mm_string_list list;
    assert_int_equal(catalog_account_discovered(fx->cat, "acc", &list, &err), MM_OK);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.items[0], "gpt-4.1");
    mm_string_list_free(&list);
    mm_usage_event stored = last_event(fx->cat);
    assert_int_equal(stored.id, rec.event.id);
    assert_string_equal(stored.kind, "probe");
    assert_string_equal(stored.outcome, "ok");

    /* a failure keeps the models it could not list, and its message is cleaned */
    fill_result(&res, false, MM_CLASS_AUTH, "bad key\x1b]0;title\x07 here");
    catalog_probe_event(&rec.event, "acc", "openai", &res, 1700000001000LL);
    assert_int_equal(catalog_probe_record(fx->cat, &rec, 1, &err), MM_OK);
    assert_int_equal(catalog_account_get(fx->cat, "acc", &acc, &err), MM_OK);
    assert_false(acc.last_test_ok);
    assert_string_equal(acc.last_test_class, "auth");
    assert_null(strchr(acc.last_test_message, '\x1b'));
    assert_non_null(strstr(acc.last_test_message, "bad key"));
    assert_string_equal(last_event(fx->cat).message, acc.last_test_message);
    assert_int_equal(catalog_account_discovered(fx->cat, "acc", &list, &err), MM_OK);
    assert_int_equal(list.count, 2);
    mm_string_list_free(&list);
    mm_string_list_free(&models);
}

static void a_monitor_batch_keeps_models_and_skips_deleted_accounts(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "acc", "openai", KEY);
    mm_error err = {0};
    const char *ids[] = {"gpt-4o"};
    assert_int_equal(catalog_account_set_discovered(fx->cat, "acc", ids, 1, &err), MM_OK);
    mm_call_result res;
    fill_result(&res, true, MM_CLASS_OK, "");
    mm_probe_record batch[2] = {{.discovered = NULL}, {.discovered = NULL}};
    catalog_probe_event(&batch[0].event, "acc", "openai", &res, 5000);
    catalog_probe_event(&batch[1].event, "gone", "openai", &res, 5001);
    assert_int_equal(catalog_probe_record(fx->cat, batch, 2, &err), MM_OK);
    assert_true(batch[0].event.id > 0 && batch[1].event.id == batch[0].event.id + 1);
    assert_int_equal(catalog_usage_count(fx->cat), 2); /* the deleted one's event stays */
    mm_account acc;
    assert_int_equal(catalog_account_get(fx->cat, "acc", &acc, &err), MM_OK);
    assert_true(acc.last_test_ok);
    assert_int_equal(acc.last_test_ms, 5000);
    mm_string_list list;
    assert_int_equal(catalog_account_discovered(fx->cat, "acc", &list, &err), MM_OK);
    assert_int_equal(list.count, 1);
    mm_string_list_free(&list);
    mm_call_result_free(&res);
}

static void a_bad_record_stores_nothing(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "acc", "openai", KEY);
    mm_error err = {0};
    mm_call_result res;
    fill_result(&res, true, MM_CLASS_OK, "");
    mm_probe_record batch[2] = {{.discovered = NULL}, {.discovered = NULL}};
    catalog_probe_event(&batch[0].event, "acc", "openai", &res, 5000);
    catalog_probe_event(&batch[1].event, "acc", "openai", &res, 5001);
    mm_copy(batch[1].event.kind, sizeof batch[1].event.kind, "request");
    snapshot before = snapshot_take(fx->path);
    assert_int_equal(catalog_probe_record(fx->cat, batch, 2, &err), MM_E_INVALID);
    assert_string_equal(err.field, "kind");
    assert_int_equal(batch[0].event.id, 0);
    snapshot_assert_same(fx->path, &before);
    mm_copy(batch[1].event.kind, sizeof batch[1].event.kind, "probe");
    memset(batch[1].event.message, 'x', sizeof batch[1].event.message);
    assert_int_equal(catalog_probe_record(fx->cat, batch, 2, &err), MM_E_INVALID);
    assert_int_equal(catalog_usage_count(fx->cat), 0);
    mm_call_result_free(&res);
}

/* A test's or a probe round's result wakes a LISTENing console on PostgreSQL (its Accounts page
 * shows the last test, as it does on SQLite, where data_version counts every write). */
static void a_recorded_result_notifies(void **state)
{
    POSTGRES_ONLY("LISTEN/NOTIFY (SQLite's data_version counts every write)");
    catalog_fixture *fx = *state;
    add_account(fx->cat, "acc", "openai", KEY);
    mm_catalog *watcher = fixture_open(fx->path);
    int64_t baseline = version_after_wait(watcher, 0);
    mm_error err = {0};
    assert_int_equal(catalog_account_set_test_result(fx->cat, "acc", true, "ok", "", 12, &err),
                     MM_OK);
    int64_t after_test = version_after_wait(watcher, 5000);
    assert_true(after_test > baseline);
    mm_call_result res;
    fill_result(&res, true, MM_CLASS_OK, "");
    mm_probe_record batch[1] = {{.discovered = NULL}};
    catalog_probe_event(&batch[0].event, "acc", "openai", &res, 5000);
    assert_int_equal(catalog_probe_record(fx->cat, batch, 1, &err), MM_OK);
    int64_t after_probe = version_after_wait(watcher, 5000);
    assert_true(after_probe > after_test);
    mm_copy(batch[0].event.kind, sizeof batch[0].event.kind, "request"); /* refused: no wake */
    assert_int_equal(catalog_probe_record(fx->cat, batch, 1, &err), MM_E_INVALID);
    assert_int_equal(version_after_wait(watcher, 300), after_probe);
    mm_call_result_free(&res);
    catalog_close(watcher);
}

#define FIXTURE_TEST(fn)                                                                           \
    cmocka_unit_test_setup_teardown(fn, catalog_fixture_setup, catalog_fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_failed_result_in_the_probe_event),
        FIXTURE_TEST(a_test_records_event_status_and_models_at_once),
        FIXTURE_TEST(a_monitor_batch_keeps_models_and_skips_deleted_accounts),
        FIXTURE_TEST(a_bad_record_stores_nothing),
        FIXTURE_TEST(a_recorded_result_notifies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
