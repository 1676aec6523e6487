/* The monitor thread: prober election through the catalog lease, probe rounds, tailing usage
 * events into the windows, and publishing refcounted snapshots with a wake byte to the UI. */
#include "health/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "health/prober.h"
#include "health/status.h"
#include "util/clock.h"
#include "util/text.h"
#include "util/trouble.h"

#define TAIL_TICK_MS 1000
#define ACCOUNTS_TICK_MS 5000
#define TAIL_BATCH 10000
/* The prober prunes old usage events (catalog_usage_prune) in steps of PRUNE_ROWS rows and
 * PRUNE_PAGES freed pages: one step a second while there is more, else every PRUNE_TICK_MS. */
#define PRUNE_ROWS 2000
#define PRUNE_PAGES 256
#define PRUNE_TICK_MS (10 * 60 * 1000)
#define PRUNE_AGAIN_MS 1000
#define PUBLISH_GAP_MS 200 /* at most 5 snapshots a second, however busy a probe round is */
/* Finished probes are recorded in one transaction when RECORD_BATCH of them wait, RECORD_GAP_MS
 * after the first of them finished, or when the round has no more in flight: a round of 10,000
 * fast failures is ~20 transactions, not one per window of probes. */
#define RECORD_BATCH 512
#define RECORD_GAP_MS 250

/* What failed: each said once per trouble (util/trouble.h), so two failing at once during an
 * outage do not alternate in the log every second. */
typedef enum monitor_trouble {
    TROUBLE_LOAD,     /* the first figures */
    TROUBLE_ACCOUNTS, /* reading the accounts (a reload, a probe round's start) */
    TROUBLE_TAIL,     /* tailing usage events */
    TROUBLE_MONTH,    /* the month-to-date cost read later */
    TROUBLE_LEASE,    /* taking or renewing the prober lease */
    TROUBLE_RECORD,   /* recording probe results */
    TROUBLE_PROBER,   /* making the prober */
    TROUBLE_COUNT
} monitor_trouble;

struct mm_monitor {
    mm_monitor_config cfg;
    char path[4096];
    char holder[MM_LEASE_HOLDER_MAX];
    mm_catalog *cat; /* used by the monitor thread only */
    pthread_t thread;
    int control[2]; /* self-pipe: stop / refresh / probe-now wake the thread */
    atomic_bool stop, refresh, probe_now, frame_shown;
    pthread_mutex_t lock; /* guards `current` */
    mm_health_snapshot *current;

    /* everything below belongs to the monitor thread */
    mm_health_thresholds thresholds;
    int64_t interval_ms, lease_ms, timeout_ms;
    mm_health_account_list accounts; /* what the figures read (not the full accounts) */
    mm_window_set windows;
    mm_usage_tail tail;       /* the events after the hour's load, and ids committed late */
    mm_id_gaps month_missing; /* ids in flight when the month was read: not in its sums */
    mm_prober *prober;
    bool is_prober, dirty;
    bool month_pending; /* the windows have no month-to-date cost yet (cfg.month_later) */
    char lease_holder[MM_LEASE_HOLDER_MAX];
    int64_t lease_until_mono; /* when the lease we last took runs out */
    int64_t next_probe, next_lease, next_tail, next_accounts, next_publish; /* monotonic */
    int64_t next_prune;                                                     /* monotonic */
    int64_t current_minute;
    mm_probe_record *pending;
    size_t n_pending, cap_pending;
    int64_t record_by; /* monotonic: when the pending probes are recorded at the latest */
    mm_write_retry
        probe_write; /* the pending probes' last failed write (catalog_probe_record_retry) */
    int64_t last_round_ms, last_round_duration_ms;
    size_t last_round_probes, last_round_failures;
    int last_round_peak;
    char problem[MM_MESSAGE_MAX];          /* the latest catalog failure, until one succeeds */
    char settings_problem[MM_MESSAGE_MAX]; /* a "health.*" setting that is not valid */
    mm_trouble troubles[TROUBLE_COUNT];    /* what the log said of each failure */
};

static void monitor_log(mm_monitor *mon, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void monitor_log(mm_monitor *mon, const char *fmt, ...)
{
    if (!mon->cfg.log)
        return;
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    mon->cfg.log(mon->cfg.log_ctx, line);
}

/* err is the latest problem (published); the log says it once per trouble of which. */
static void set_problem(mm_monitor *mon, monitor_trouble which, const mm_error *err)
{
    mm_trouble_log(&mon->troubles[which], mon->cfg.log, mon->cfg.log_ctx, "problem", err->message);
    if (strcmp(mon->problem, err->message) != 0) {
        mm_copy(mon->problem, sizeof mon->problem, err->message);
        mon->dirty = true;
    }
}

/* which succeeded: its trouble is over; the log says so when it was the last one. */
static void trouble_over(mm_monitor *mon, monitor_trouble which)
{
    double lasted_s;
    if (!mm_trouble_over(&mon->troubles[which], &lasted_s))
        return;
    for (int i = 0; i < TROUBLE_COUNT; i++)
        if (mon->troubles[i].since_ms)
            return;
    monitor_log(mon, "problem over after %.1f s", lasted_s);
}

static void clear_problem(mm_monitor *mon)
{
    if (mon->problem[0]) {
        mon->problem[0] = '\0';
        mon->dirty = true;
    }
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* ---- settings and accounts ---- */

static int64_t read_ms_setting(mm_monitor *mon, mm_health_setting_id id, bool *valid, mm_error *err)
{
    double value;
    *valid = health_setting_read(mon->cat, id, &value, NULL, err) == MM_OK && *valid;
    return (int64_t)value;
}

static bool same_thresholds(const mm_health_thresholds *a, const mm_health_thresholds *b)
{
    return a->recent_window_ms == b->recent_window_ms &&
           a->degraded_error_rate == b->degraded_error_rate &&
           a->degraded_rate_limit_hits == b->degraded_rate_limit_hits &&
           a->degraded_p95_ms == b->degraded_p95_ms &&
           a->unreachable_failed_probes == b->unreachable_failed_probes &&
           a->unreachable_no_success_ms == b->unreachable_no_success_ms;
}

/* Reads the thresholds and timing from the catalog (at start, on refresh, before each probe
 * round and on every accounts tick, so a `mmadmin health config` change reaches a running
 * console within seconds); recomputes the figures when they changed. */
static void load_settings(mm_monitor *mon)
{
    mm_error err = {0};
    mm_health_thresholds thresholds;
    bool valid = health_thresholds_load(mon->cat, &thresholds, &err) == MM_OK;
    int64_t interval = read_ms_setting(mon, MM_HSET_PROBE_INTERVAL, &valid, &err);
    int64_t timeout = read_ms_setting(mon, MM_HSET_PROBE_TIMEOUT, &valid, &err);
    int64_t lease = read_ms_setting(mon, MM_HSET_LEASE, &valid, &err);
    const char *now = valid ? "" : err.message;
    if (strcmp(now, mon->settings_problem) != 0) {
        mm_copy(mon->settings_problem, sizeof mon->settings_problem, now);
        if (!valid)
            monitor_log(mon, "settings: %s", now);
        mon->dirty = true;
    }
    if (!same_thresholds(&thresholds, &mon->thresholds)) {
        mon->thresholds = thresholds;
        mon->dirty = true;
    }
    interval = mon->cfg.interval_ms > 0 ? mon->cfg.interval_ms : interval;
    if (interval != mon->interval_ms) {
        /* a shorter interval applies now, not after the longer wait already scheduled */
        int64_t sooner = mm_monotonic_ms() + interval;
        if (mon->interval_ms && mon->next_probe > sooner)
            mon->next_probe = sooner;
        mon->interval_ms = interval;
        mon->dirty = true;
    }
    mon->timeout_ms = mon->cfg.probe_timeout_ms > 0 ? mon->cfg.probe_timeout_ms : timeout;
    lease = mon->cfg.lease_ms > 0 ? mon->cfg.lease_ms : lease;
    if (lease != mon->lease_ms) {
        mon->lease_ms = lease;
        mon->next_lease = min64(mon->next_lease, mm_monotonic_ms()); /* renew on the new terms */
    }
}

static void reload_accounts(mm_monitor *mon)
{
    mm_health_account_list fresh = {0};
    mm_error err = {0};
    if (health_accounts_load(mon->cat, &fresh, &err) != MM_OK) {
        set_problem(mon, TROUBLE_ACCOUNTS, &err);
        return;
    }
    trouble_over(mon, TROUBLE_ACCOUNTS);
    bool changed = !health_accounts_same(&fresh, &mon->accounts);
    health_accounts_free(&mon->accounts);
    mon->accounts = fresh;
    if (changed)
        mon->dirty = true;
}

/* ---- snapshots ---- */

static void snapshot_free(mm_health_snapshot *snap)
{
    health_report_free(&snap->report);
    free(snap);
}

void health_snapshot_release(mm_health_snapshot *snap)
{
    if (snap && atomic_fetch_sub(&snap->refs_, 1) == 1)
        snapshot_free(snap);
}

mm_health_snapshot *health_snapshot_retain(mm_health_snapshot *snap)
{
    if (snap)
        atomic_fetch_add(&snap->refs_, 1);
    return snap;
}

mm_health_snapshot *health_monitor_snapshot(mm_monitor *mon)
{
    pthread_mutex_lock(&mon->lock);
    mm_health_snapshot *snap = mon->current;
    if (snap)
        atomic_fetch_add(&snap->refs_, 1);
    pthread_mutex_unlock(&mon->lock);
    return snap;
}

static bool same_figures(const mm_health_snapshot *a, const mm_health_snapshot *b)
{
    bool same = a->report.count == b->report.count && a->is_prober == b->is_prober &&
                same_thresholds(&a->report.thresholds, &b->report.thresholds) &&
                a->probe_interval_ms == b->probe_interval_ms && strcmp(a->prober, b->prober) == 0 &&
                strcmp(a->problem, b->problem) == 0 && a->last_round_ms == b->last_round_ms &&
                a->month_pending == b->month_pending;
    for (size_t i = 0; same && i < a->report.count; i++)
        same = health_figures_same(&a->report.accounts[i], &b->report.accounts[i]);
    return same;
}

static void log_status_changes(mm_monitor *mon, const mm_health_snapshot *old,
                               const mm_health_snapshot *now)
{
    for (size_t i = 0; i < now->report.count; i++) {
        const mm_health_figures *f = &now->report.accounts[i];
        const mm_health_figures *before = NULL;
        if (old && i < old->report.count && !strcmp(old->report.accounts[i].account, f->account))
            before = &old->report.accounts[i]; /* the same list: the same place */
        else if (old)
            before = health_report_find(&old->report, f->account);
        mm_health was = before ? before->status : MM_HEALTH_UNKNOWN;
        if (f->status != was)
            monitor_log(mon, "%s: %s -> %s (%s)", f->account, mm_health_name(was),
                        mm_health_name(f->status), f->status_reason);
    }
}

static void wake_reader(mm_monitor *mon)
{
    if (mon->cfg.wake_fd < 0)
        return;
    ssize_t n;
    do
        n = write(mon->cfg.wake_fd, "h", 1);
    while (n < 0 && errno == EINTR);
}

static void fill_monitor_fields(mm_monitor *mon, mm_health_snapshot *snap)
{
    snap->probing = mon->cfg.probe;
    snap->is_prober = mon->is_prober;
    mm_copy(snap->prober, sizeof snap->prober, mon->lease_holder);
    snap->probe_interval_ms = mon->interval_ms;
    snap->next_probe_ms = mon->is_prober ? mm_now_ms() + (mon->next_probe - mm_monotonic_ms()) : 0;
    snap->last_round_ms = mon->last_round_ms;
    snap->last_round_duration_ms = mon->last_round_duration_ms;
    snap->last_round_probes = mon->last_round_probes;
    snap->last_round_failures = mon->last_round_failures;
    snap->last_round_peak_connections = mon->last_round_peak;
    snap->last_event_id = mon->tail.last_id;
    snap->month_pending = mon->month_pending;
    /* the catalog's trouble first: it stops figures; a bad setting only keeps a default */
    mm_copy(snap->problem, sizeof snap->problem,
            mon->problem[0] ? mon->problem : mon->settings_problem);
}

/* Swaps in snap, its report built (and wakes the reader), only when it changed. */
static void publish_built(mm_monitor *mon, mm_health_snapshot *snap)
{
    fill_monitor_fields(mon, snap);
    atomic_init(&snap->refs_, 1);
    /* compared outside the lock (current is only replaced on this thread): the UI thread
     * taking a snapshot never waits for 10,000 accounts' figures compared */
    mm_health_snapshot *old = mon->current;
    if (old && same_figures(old, snap)) {
        snapshot_free(snap);
        return;
    }
    pthread_mutex_lock(&mon->lock);
    mon->current = snap;
    pthread_mutex_unlock(&mon->lock);
    log_status_changes(mon, old, snap);
    health_snapshot_release(old);
    wake_reader(mon);
}

/* Builds the figures now; swaps them in (and wakes the reader) only when they changed. */
static void publish(mm_monitor *mon)
{
    mm_health_snapshot *snap = calloc(1, sizeof *snap);
    mm_error err = {0};
    int64_t now = mm_now_ms();
    /* current is only replaced on this thread: no lock needed to read it here */
    const mm_health_report *previous = mon->current ? &mon->current->report : NULL;
    if (!snap || health_report_build_next(&mon->windows, &mon->accounts, now, &mon->thresholds,
                                          previous, &snap->report, &err) != MM_OK) {
        free(snap);
        return;
    }
    publish_built(mon, snap);
}

/* The figures published last with the month just read (health_report_with_month), when the
 * windows changed in nothing else since they were built, in the same minute: not every
 * account's figures built again (3-5 ms at 10,000 accounts). Else publish. */
static void publish_month(mm_monitor *mon)
{
    const mm_health_report *previous = mon->current ? &mon->current->report : NULL;
    if (!previous || previous->now_ms / MM_MINUTE_MS != mm_now_ms() / MM_MINUTE_MS) {
        publish(mon);
        return;
    }
    mm_health_snapshot *snap = calloc(1, sizeof *snap);
    mm_error err = {0};
    if (!snap || health_report_with_month(previous, &mon->windows, &snap->report, &err) != MM_OK) {
        free(snap);
        return;
    }
    publish_built(mon, snap);
}

/* ---- tailing usage events ---- */

typedef struct fold_context {
    mm_monitor *mon;
    bool out_of_memory;
} fold_context;

static void fold_tailed(const mm_usage_event *ev, void *ctx)
{
    fold_context *fold = ctx;
    if (!health_windows_fold_tailed(&fold->mon->windows, &fold->mon->month_missing, ev))
        fold->out_of_memory = true;
}

static void tail(mm_monitor *mon)
{
    fold_context fold = {.mon = mon};
    size_t count;
    do {
        mm_error err = {0};
        count = 0;
        if (catalog_usage_tail_read(mon->cat, &mon->tail, TAIL_BATCH, fold_tailed, &fold, &count,
                                    &err) != MM_OK) {
            set_problem(mon, TROUBLE_TAIL, &err);
            return;
        }
        if (count)
            mon->dirty = true;
        clear_problem(mon);
        trouble_over(mon, TROUBLE_TAIL);
    } while (count == TAIL_BATCH && !atomic_load(&mon->stop));
    int64_t now = mm_now_ms();
    mm_window_set_roll_month(&mon->windows, now);
    if (now / MM_MINUTE_MS != mon->current_minute) {
        mon->current_minute = now / MM_MINUTE_MS;
        mon->dirty = true;
    }
}

static bool any_failing(const mm_monitor *mon)
{
    for (size_t i = 0; i < mon->windows.count; i++)
        if (mon->windows.items[i]->failing_since_ms)
            return true;
    return false;
}

/* ---- the lease and probing ---- */

static int64_t jittered(const mm_monitor *mon)
{
    int64_t spread = mon->interval_ms / 5; /* +-10% */
    int64_t offset = spread ? (int64_t)randombytes_uniform((uint32_t)(spread + 1)) - spread / 2 : 0;
    return mon->interval_ms + offset;
}

static void lose_lease(mm_monitor *mon, const char *why)
{
    if (!mon->is_prober)
        return;
    mon->is_prober = false;
    prober_abort(mon->prober);
    mon->n_pending = 0;
    mon->dirty = true;
    monitor_log(mon, "no longer the prober: %s", why);
}

static void lease_step(mm_monitor *mon, int64_t mono)
{
    /* A monitor that was stopped (SIGSTOP, a stalled disk) longer than its lease may have been
     * replaced: its probes in flight timed out for its own reasons, so drop them. */
    if (mon->is_prober && mono > mon->lease_until_mono)
        lose_lease(mon, "the lease lapsed while this process was not running");
    bool acquired = false;
    mm_error err = {0};
    if (mon->cfg.probe && catalog_lease_acquire(mon->cat, MM_PROBER_LEASE, mon->holder,
                                                mon->lease_ms, &acquired, &err) != MM_OK) {
        set_problem(mon, TROUBLE_LEASE, &err);
        acquired = false;
        /* not another holder: the catalog did not answer (its lease lapses unrenewed there) */
        lose_lease(mon, "its lease could not be renewed (the catalog did not answer)");
    } else if (mon->cfg.probe) {
        trouble_over(mon, TROUBLE_LEASE);
    }
    if (acquired) {
        mon->lease_until_mono = mono + mon->lease_ms;
        if (!mon->is_prober) {
            mon->is_prober = true;
            mon->dirty = true;
            mon->next_probe = mono; /* probe at once */
            monitor_log(mon, "prober now (lease %lld ms)", (long long)mon->lease_ms);
        }
        mm_copy(mon->lease_holder, sizeof mon->lease_holder, mon->holder);
    } else if (!mon->troubles[TROUBLE_LEASE].since_ms) {
        lose_lease(mon, "another process holds the lease");
        char holder[MM_LEASE_HOLDER_MAX] = "";
        int64_t expires = 0;
        catalog_lease_holder(mon->cat, MM_PROBER_LEASE, holder, sizeof holder, &expires, &err);
        if (strcmp(holder, mon->lease_holder) != 0) {
            mm_copy(mon->lease_holder, sizeof mon->lease_holder, holder);
            mon->dirty = true;
        }
    }
    /* the holder renews at a third of the lease; the others check often so that a lapse is
     * noticed well within one lease period */
    int64_t step = mon->is_prober ? mon->lease_ms / 3 : min64(mon->lease_ms / 5, 1000);
    mon->next_lease = mono + (step < 100 ? 100 : step);
}

/* The prober streams the accounts (endpoints, CA bundles) into its own queue of small
 * records: no full account list in memory. */
static void start_round(mm_monitor *mon, int64_t mono)
{
    load_settings(mon);
    reload_accounts(mon);
    mm_error err = {0};
    if (prober_start_round_all(mon->prober, mon->cat, (long)mon->timeout_ms, &err) != MM_OK)
        set_problem(mon, TROUBLE_ACCOUNTS, &err);
    else
        trouble_over(mon, TROUBLE_ACCOUNTS);
    mon->next_probe = mono + jittered(mon);
}

/* The accounts the prober skipped (a stored key that cannot be decrypted): no probe event,
 * their last test says why and what to do (the Accounts page, `mmadmin account show`). A write
 * that fails is the problem published; the next round skips them again. */
static void record_skipped(mm_monitor *mon)
{
    mm_probe_skip *skipped;
    size_t count = prober_take_skipped(mon->prober, &skipped);
    for (size_t i = 0; i < count; i++) {
        mm_error err = {0};
        if (catalog_account_set_test_result(mon->cat, skipped[i].account, false,
                                            mm_error_class_name(MM_CLASS_AUTH), skipped[i].message,
                                            0, &err) != MM_OK &&
            err.status != MM_E_NOT_FOUND) /* deleted meanwhile */
            set_problem(mon, TROUBLE_RECORD, &err);
    }
    if (count) { /* the statuses say why at once, not at the next reload of the accounts */
        monitor_log(mon, "%zu accounts not probed: their API key cannot be decrypted (e.g. %s)",
                    count, skipped[0].account);
        reload_accounts(mon);
    }
    free(skipped);
}

static void record_probes(mm_monitor *mon, int64_t mono)
{
    record_skipped(mon);
    size_t before = mon->n_pending;
    if (!prober_collect(mon->prober, &mon->pending, &mon->n_pending, &mon->cap_pending) ||
        mon->n_pending == 0)
        return;
    if (before == 0 && mon->n_pending)
        mon->record_by = mono + RECORD_GAP_MS;
    bool full = mon->n_pending >= RECORD_BATCH && mon->n_pending > before;
    if (!full && mono < mon->record_by && prober_busy(mon->prober))
        return; /* more finish soon: one transaction for them all */
    mm_error err = {0};
    /* a failed write whose COMMIT was made unanswered is not written again */
    if (catalog_probe_record_retry(mon->cat, mon->pending, mon->n_pending, &mon->probe_write,
                                   &err) != MM_OK) {
        /* kept pending: retried a gap later or with the next ones */
        set_problem(mon, TROUBLE_RECORD, &err);
        mon->record_by = mono + RECORD_GAP_MS;
        return;
    }
    if (mon->probe_write.found)
        monitor_log(mon,
                    "%zu probe results were written by a commit whose answer was lost; not "
                    "written again",
                    mon->probe_write.found);
    mon->n_pending = 0;
    clear_problem(mon);
    trouble_over(mon, TROUBLE_RECORD);
    tail(mon); /* fold our own probes at once */
}

static void finish_round_if_done(mm_monitor *mon)
{
    mm_prober_stats stats = prober_stats(mon->prober);
    if (prober_busy(mon->prober) || stats.started == 0 || mon->n_pending)
        return;
    if (stats.round_started_ms == 0)
        return;
    mon->last_round_ms = mm_now_ms();
    mon->last_round_duration_ms = mm_monotonic_ms() - stats.round_started_ms;
    mon->last_round_probes = stats.finished - stats.skipped;
    mon->last_round_failures = stats.failed;
    mon->last_round_peak = stats.peak_connections;
    mon->dirty = true;
    char skipped[64] = "";
    if (stats.skipped)
        snprintf(skipped, sizeof skipped, ", %zu skipped (key unreadable)", stats.skipped);
    monitor_log(mon,
                "probe round: %zu accounts in %.2f s, %zu ok, %zu failed%s, peak %d connections",
                stats.finished, (double)mon->last_round_duration_ms / 1000.0,
                stats.finished - stats.failed - stats.skipped, stats.failed, skipped,
                stats.peak_connections);
    prober_abort(mon->prober); /* frees the finished round, keeps the connections */
}

/* ---- the thread ---- */

static void drain_control(mm_monitor *mon)
{
    char buf[64];
    while (read(mon->control[0], buf, sizeof buf) > 0)
        ;
}

static void handle_requests(mm_monitor *mon, int64_t mono)
{
    if (atomic_exchange(&mon->refresh, false)) {
        load_settings(mon);
        reload_accounts(mon);
        tail(mon); /* a result just recorded (a console's Test Connection) counts at once */
        mon->dirty = true;
    }
    if (atomic_exchange(&mon->probe_now, false) && mon->is_prober && !prober_busy(mon->prober))
        mon->next_probe = mono;
}

/* One small step of retention, by the prober only (one process prunes). */
static void prune_step(mm_monitor *mon, int64_t mono)
{
    mm_error err = {0};
    mm_usage_prune_result pruned;
    if (catalog_usage_prune(mon->cat, mm_now_ms(), PRUNE_ROWS, PRUNE_PAGES, &pruned, &err) !=
        MM_OK) {
        monitor_log(mon, "pruning old usage events failed (retried later): %s", err.message);
        pruned.more = false;
    } else if (pruned.events_deleted || pruned.minutes_deleted) {
        monitor_log(mon, "pruned %lld usage events and %lld minute rollups",
                    (long long)pruned.events_deleted, (long long)pruned.minutes_deleted);
    }
    mon->next_prune = mono + (pruned.more ? PRUNE_AGAIN_MS : PRUNE_TICK_MS);
}

/* The month-to-date cost into the windows; false (the problem set) when the catalog cannot be
 * read: the month then stays pending and is read again on the next tail tick. A month taken as
 * 0 would show no spend for good (the windows fold no month until it is read), and a monthly
 * cap's alert would clear on it. */
static bool read_month(mm_monitor *mon)
{
    mm_error err = {0};
    if (health_windows_load_month(mon->cat, &mon->windows, &mon->month_missing, &err) != MM_OK) {
        set_problem(mon, TROUBLE_MONTH, &err); /* published as the next change is */
        return false;
    }
    trouble_over(mon, TROUBLE_MONTH);
    mon->month_pending = false;
    return true;
}

/* The month read after figures without it were published (cfg.month_later, or a failed read),
 * and the figures with it: only the month added to the last ones when the windows did not
 * change since (unchanged: nothing tailed nor reloaded after they were built). */
static void load_month_later(mm_monitor *mon, bool unchanged)
{
    if (!mon->month_pending || !read_month(mon))
        return;
    if (unchanged)
        publish_month(mon);
    else
        publish(mon);
}

static void run_once(mm_monitor *mon)
{
    int64_t mono = mm_monotonic_ms();
    handle_requests(mon, mono);
    if (mono >= mon->next_lease)
        lease_step(mon, mono);
    /* record what finished before a new round starts: starting one clears the last */
    record_probes(mon, mono);
    finish_round_if_done(mon);
    if (mon->is_prober && !prober_busy(mon->prober) && mono >= mon->next_probe)
        start_round(mon, mono);
    bool ticked = mono >= mon->next_tail;
    if (ticked) {
        tail(mon);
        /* after the tail: a failed read's problem is not cleared by it */
        load_month_later(mon, false);
        mon->next_tail = mono + TAIL_TICK_MS;
    }
    if (mon->is_prober && mono >= mon->next_prune)
        prune_step(mon, mono);
    if (mono >= mon->next_accounts) {
        load_settings(mon);
        reload_accounts(mon);
        mon->next_accounts = mono + ACCOUNTS_TICK_MS;
    }
    /* a failing account can turn unreachable by time alone: recompute on each tick then */
    if (ticked && any_failing(mon))
        mon->dirty = true;
    if (mon->dirty && mono >= mon->next_publish) {
        mon->dirty = false;
        mon->next_publish = mono + PUBLISH_GAP_MS;
        publish(mon);
    }
}

static void wait_for_work(mm_monitor *mon)
{
    int64_t mono = mm_monotonic_ms();
    int64_t until = min64(min64(mon->next_tail, mon->next_accounts), mon->next_lease);
    if (mon->dirty)
        until = min64(until, mon->next_publish);
    if (mon->is_prober && !prober_busy(mon->prober))
        until = min64(until, mon->next_probe);
    if (mon->n_pending)
        until = min64(until, mon->record_by);
    bool control = false;
    prober_wait(mon->prober, mon->control[0], (int)(until > mono ? until - mono : 0), &control);
    if (control)
        drain_control(mon);
}

static void initial_load(mm_monitor *mon)
{
    /* a refresh asked before this point (a console showing the Health page as it starts) is
     * what this load reads anyway; one asked during it is still done after */
    atomic_store(&mon->refresh, false);
    load_settings(mon);
    reload_accounts(mon);
    mm_error err = {0};
    /* the month stays pending until it is read: with month_later after the first frame, and
     * whenever its read fails (then again each tail tick): never a month summed from 0 */
    mon->month_pending = true;
    mm_status st = health_windows_load_hour_tail(mon->cat, &mon->accounts, mm_now_ms(),
                                                 &mon->windows, &mon->tail, &err);
    if (st != MM_OK)
        set_problem(mon, TROUBLE_LOAD, &err);
    else if (!mon->cfg.month_later)
        read_month(mon); /* published with the first figures */
    mon->current_minute = mm_now_ms() / MM_MINUTE_MS;
    int64_t mono = mm_monotonic_ms();
    mon->next_lease = mon->next_tail = mono;
    mon->next_accounts = mono + ACCOUNTS_TICK_MS;
    mon->next_probe = mono;
    mon->dirty = true;
}

/* The prober, made on this thread once the first figures are out: it loads libcurl and sets up
 * TLS (tens of ms at start-up) that a console's first Health frame does not wait for. False
 * (the problem published) when it could not be made. */
static bool start_prober(mm_monitor *mon)
{
    mm_error err = {0};
    if (prober_create(mon->cfg.max_connections, mon->cfg.probe_window, &mon->prober, &err) == MM_OK)
        return true;
    set_problem(mon, TROUBLE_PROBER, &err);
    publish(mon);
    return false;
}

/* With frame_wait_ms: until the console says its first figures are drawn (or stop, or that
 * long), so that the prober's set-up (libcurl's libraries mapped, TLS) and
 * the lease's first write do not run beside that frame. */
static void wait_for_first_frame(mm_monitor *mon)
{
    if (mon->cfg.frame_wait_ms <= 0)
        return;
    int64_t until = mm_monotonic_ms() + mon->cfg.frame_wait_ms;
    struct pollfd control = {.fd = mon->control[0], .events = POLLIN};
    int64_t left;
    while (!atomic_load(&mon->frame_shown) && !atomic_load(&mon->stop) &&
           (left = until - mm_monotonic_ms()) > 0) {
        if (poll(&control, 1, (int)left) > 0)
            drain_control(mon); /* a refresh or probe-now stays flagged for run_once */
    }
}

/* Without a prober: the figures stay as published, the thread waits to be stopped. */
static void idle_until_stop(mm_monitor *mon)
{
    struct pollfd control = {.fd = mon->control[0], .events = POLLIN};
    while (!atomic_load(&mon->stop)) {
        if (poll(&control, 1, -1) > 0)
            drain_control(mon);
    }
}

static void *monitor_main(void *arg)
{
    mm_monitor *mon = arg;
    initial_load(mon);
    /* the first figures before the first probe round is set up (10,000 accounts queued): a
     * console's first Health frame waits only for the catalog's figures */
    mon->next_publish = mm_monotonic_ms() + PUBLISH_GAP_MS; /* dirty: the lease's state next */
    publish(mon);
    wait_for_first_frame(mon);   /* the month's scan does not run beside that frame either */
    load_month_later(mon, true); /* nothing tailed nor reloaded since the first figures */
    if (!start_prober(mon)) {
        idle_until_stop(mon);
        return NULL;
    }
    while (!atomic_load(&mon->stop)) {
        run_once(mon);
        if (!atomic_load(&mon->stop))
            wait_for_work(mon);
    }
    prober_abort(mon->prober);
    if (mon->is_prober) {
        mm_error err = {0};
        catalog_lease_release(mon->cat, MM_PROBER_LEASE, mon->holder, &err);
        monitor_log(mon, "released the prober lease");
    }
    return NULL;
}

/* ---- start / stop ---- */

static void monitor_free(mm_monitor *mon)
{
    prober_destroy(mon->prober);
    if (mon->cat)
        catalog_close(mon->cat);
    health_accounts_free(&mon->accounts);
    mm_window_set_free(&mon->windows);
    catalog_usage_tail_free(&mon->tail);
    mm_id_gaps_free(&mon->month_missing);
    free(mon->pending);
    if (mon->control[0] >= 0)
        close(mon->control[0]);
    if (mon->control[1] >= 0)
        close(mon->control[1]);
    health_snapshot_release(mon->current);
    pthread_mutex_destroy(&mon->lock);
    free(mon);
}

static mm_status open_control_pipe(mm_monitor *mon, mm_error *err)
{
    if (pipe(mon->control) != 0)
        return mm_error_set(err, MM_E_IO, NULL, "could not create the monitor's pipe: %s",
                            strerror(errno));
    for (int i = 0; i < 2; i++) {
        fcntl(mon->control[i], F_SETFL, fcntl(mon->control[i], F_GETFL) | O_NONBLOCK);
        fcntl(mon->control[i], F_SETFD, FD_CLOEXEC);
    }
    return MM_OK;
}

static void make_holder_name(mm_monitor *mon)
{
    char host[64] = "";
    gethostname(host, sizeof host - 1);
    uint32_t tag = randombytes_random();
    snprintf(mon->holder, sizeof mon->holder, "%s:%ld:%08x", host[0] ? host : "localhost",
             (long)getpid(), tag);
}

mm_status health_monitor_start(const mm_monitor_config *cfg, mm_monitor **out, mm_error *err)
{
    *out = NULL;
    if (sodium_init() < 0)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "libsodium could not start");
    mm_monitor *mon = calloc(1, sizeof *mon);
    if (!mon)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory starting the monitor");
    mon->cfg = *cfg;
    mon->control[0] = mon->control[1] = -1;
    pthread_mutex_init(&mon->lock, NULL);
    mm_window_set_init(&mon->windows, mm_now_ms());
    if (cfg->catalog_path)
        mm_copy(mon->path, sizeof mon->path, cfg->catalog_path);
    mon->cfg.catalog_path = mon->path[0] ? mon->path : NULL;
    make_holder_name(mon);
    mm_catalog_options opts = {.path = mon->cfg.catalog_path, .read_only = !cfg->probe};
    mm_status st = catalog_open(&opts, &mon->cat, err);
    if (st == MM_OK)
        st = open_control_pipe(mon, err);
    if (st == MM_OK && pthread_create(&mon->thread, NULL, monitor_main, mon) != 0)
        st = mm_error_set(err, MM_E_INTERNAL, NULL, "could not start the monitor thread");
    if (st != MM_OK) {
        monitor_free(mon);
        return st;
    }
    *out = mon;
    return MM_OK;
}

static void poke(mm_monitor *mon)
{
    ssize_t n;
    do
        n = write(mon->control[1], "x", 1);
    while (n < 0 && errno == EINTR);
}

void health_monitor_stop(mm_monitor *mon)
{
    if (!mon)
        return;
    atomic_store(&mon->stop, true);
    poke(mon);
    pthread_join(mon->thread, NULL);
    monitor_free(mon);
}

void health_monitor_refresh(mm_monitor *mon)
{
    atomic_store(&mon->refresh, true);
    poke(mon);
}

void health_monitor_probe_now(mm_monitor *mon)
{
    atomic_store(&mon->probe_now, true);
    poke(mon);
}

void health_monitor_frame_shown(mm_monitor *mon)
{
    if (!atomic_exchange(&mon->frame_shown, true))
        poke(mon);
}
