/* The health monitor: one worker thread (per console, or headless for `mmadmin monitor`) that
 * elects itself prober through the catalog lease, probes every enabled account, tails every
 * process's usage events into the rolling windows and publishes immutable snapshots. */
#ifndef MM_HEALTH_MONITOR_H
#define MM_HEALTH_MONITOR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "health/report.h"

#define MM_PROBER_LEASE "prober"
#define MM_LEASE_HOLDER_MAX 128

typedef struct mm_monitor_config {
    const char *catalog_path; /* the catalog file (copied); the monitor opens its own connection */
    int wake_fd;              /* -1, or a pipe: one byte is written per new snapshot */
    bool probe;               /* take part in the prober election (false: only watch) */
    int64_t interval_ms;      /* 0: setting health.probe_interval_ms, else 30 s (jittered 10%) */
    int64_t lease_ms;         /* 0: setting health.lease_ms, else 15 s */
    int64_t probe_timeout_ms; /* 0: setting health.probe_timeout_ms, else 10 s */
    int max_connections;      /* 0: 32 */
    int probe_window;         /* most probes in flight at once; 0: max_connections */
    /* > 0: after the first figures, wait for health_monitor_frame_shown (at most this many ms)
     * before making the prober and taking part in the election, so that a console's first frame
     * with figures is drawn without the prober's set-up beside it; 0: no wait. */
    int64_t frame_wait_ms;
    /* Publish the first figures before the month-to-date cost is read (a snapshot with
     * month_pending), then again with it, read once the first frame is drawn (frame_wait_ms): a
     * console's first frame does not wait for, nor run beside, a scan of the month's day
     * rollups (tens of ms at 10,000 accounts). false: one first snapshot, whole. */
    bool month_later;
    /* Called on the monitor thread with one line per probe round, prober change and status
     * change (NULL: silent). */
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
} mm_monitor_config;

typedef struct mm_health_snapshot {
    mm_health_report report;          /* figures per account at report.now_ms */
    bool probing;                     /* this monitor takes part in the election */
    bool is_prober;                   /* this monitor holds the lease */
    char prober[MM_LEASE_HOLDER_MAX]; /* the holder ("" when nobody probes) */
    int64_t probe_interval_ms;
    int64_t next_probe_ms; /* wall clock; 0 when not the prober */
    int64_t last_round_ms; /* wall clock of the end of our latest round; 0 = none */
    int64_t last_round_duration_ms;
    size_t last_round_probes, last_round_failures;
    int last_round_peak_connections;
    int64_t last_event_id; /* newest usage event folded */
    /* the month-to-date cost is not read yet (mm_monitor_config.month_later, or its read
     * failed: then it is read again each second, the problem published beside it): every
     * figures' cost_micros_month and month_unpriced are 0 until a later snapshot with it; what
     * judges spend (alert rules) waits for that snapshot */
    bool month_pending;
    char problem[MM_MESSAGE_MAX]; /* the monitor's own trouble (catalog busy, ...) or "" */
    atomic_int refs_;             /* internal: readers holding it */
} mm_health_snapshot;

typedef struct mm_monitor mm_monitor;

/* Opens the monitor's catalog connection and starts its thread. The thread publishes the first
 * figures, then (with frame_wait_ms, once they are drawn) makes the prober (libcurl, TLS
 * set-up); a prober that cannot be made is the snapshot's problem, not an error here. */
mm_status health_monitor_start(const mm_monitor_config *cfg, mm_monitor **out, mm_error *err);
/* Stops the thread promptly (no waiting out a probe interval), releases the lease if held,
 * and frees the monitor. Snapshots still held by readers stay valid until released. */
void health_monitor_stop(mm_monitor *mon);
/* The latest snapshot with a reference for the caller (release it), or NULL before the first
 * one (the last hour is still loading). Never blocks for long; safe from any thread. */
mm_health_snapshot *health_monitor_snapshot(mm_monitor *mon);
void health_snapshot_release(mm_health_snapshot *snap);
/* Another reference to a snapshot the caller holds (a page keeping the one its rows show);
 * returns snap (NULL stays NULL). Release it with health_snapshot_release. */
mm_health_snapshot *health_snapshot_retain(mm_health_snapshot *snap);
/* Asks the monitor to re-read accounts and settings and recompute now (after an edit). */
void health_monitor_refresh(mm_monitor *mon);
/* Asks the prober to start a round now (ignored when not the prober or a round is running). */
void health_monitor_probe_now(mm_monitor *mon);
/* Tells a monitor started with frame_wait_ms that the first figures are on the screen: it
 * makes its prober now. Safe from any thread; later calls do nothing. */
void health_monitor_frame_shown(mm_monitor *mon);

#endif
