/* Delivery of alert events off the monitor's path: a queue and one worker thread that POSTs
 * each event's JSON to the rule's webhook (libcurl, retried with backoff) and/or runs its
 * command (JSON on stdin, MM_ALERT_* in the environment), recording every attempt in the
 * catalog with the webhook redacted to its scheme and host. */
#ifndef MM_ALERTS_ALERT_DELIVERY_H
#define MM_ALERTS_ALERT_DELIVERY_H

#include <stdint.h>

#include "alerts/alert_rules.h"
#include "catalog/alerts.h"
#include "error.h"

typedef struct mm_alert_delivery_config {
    const char *catalog_path;   /* the worker opens its own connection (copied) */
    int webhook_attempts;       /* 0: 4 */
    int64_t backoff_ms;         /* first wait between attempts, doubled each time; 0: 1000 */
    int64_t webhook_timeout_ms; /* per attempt; 0: 10000 */
    int64_t command_timeout_ms; /* 0: 30000; the command is killed past it */
    size_t queue_max;           /* events waiting at most (older ones are dropped); 0: 1000 */
} mm_alert_delivery_config;

typedef struct mm_alert_delivery_queue mm_alert_delivery_queue;

mm_status alert_delivery_start(const mm_alert_delivery_config *cfg, mm_alert_delivery_queue **out,
                               mm_error *err);
/* Queues event ("firing" or "resolved") of alert to channels; never blocks on the network.
 * false when the queue is full (the event is dropped: the caller says so in its log). */
bool alert_delivery_enqueue(mm_alert_delivery_queue *q, const mm_alert *alert, const char *event,
                            const mm_alert_channels *channels);
/* Stops promptly: the attempt in progress ends (within its timeout), waiting events are
 * dropped. NULL is ignored. */
void alert_delivery_stop(mm_alert_delivery_queue *q);
/* The JSON body of an event (allocated; free()). NULL when out of memory. */
char *alert_event_json(const mm_alert *alert, const char *event);

#endif
