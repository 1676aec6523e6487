/* The alert delivery worker (alert_delivery.h): a bounded queue, one thread, webhook POSTs with
 * backoff and commands with a timeout, each attempt recorded in the catalog. */
#include "alerts/alert_delivery.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/curl_lib.h"
#include "util/clock.h"
#include "util/process.h"
#include "util/text.h"

extern char **environ;

typedef struct job {
    mm_alert alert;
    char event[16];
    mm_alert_channels channels;
} job;

struct mm_alert_delivery_queue {
    mm_alert_delivery_config cfg;
    char path[4096];
    mm_catalog *cat;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    job *jobs; /* ring */
    size_t head, count;
};

char *alert_event_json(const mm_alert *alert, const char *event)
{
    json_t *body = json_pack(
        "{s:s,s:s,s:{s:I,s:s,s:s,s:s,s:s,s:f,s:I,s:I,s:I,s:s}}", "source", "mmadmin", "event",
        event, "alert", "id", (json_int_t)alert->id, "rule", alert->rule, "subject", alert->subject,
        "severity", alert->severity, "why", alert->why, "value", alert->value, "started_ms",
        (json_int_t)alert->started_ms, "fired_ms", (json_int_t)alert->fired_ms, "resolved_ms",
        (json_int_t)alert->resolved_ms, "resolved_why", alert->resolved_why);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return text;
}

static void record(mm_alert_delivery_queue *q, const job *j, const char *channel,
                   const char *target, int attempt, bool ok, const char *detail)
{
    mm_alert_delivery d = {.alert_id = j->alert.id, .attempt = attempt, .ok = ok};
    d.ts_ms = mm_now_ms();
    mm_copy(d.event, sizeof d.event, j->event);
    mm_copy(d.channel, sizeof d.channel, channel);
    mm_copy(d.target, sizeof d.target, target);
    mm_copy(d.detail, sizeof d.detail, detail);
    mm_error err = {0};
    catalog_alert_delivery_insert(q->cat, &d, &err); /* a lost record is no reason to stop */
}

/* Waits ms unless stopping; true when stopping. */
static bool pause_or_stop(mm_alert_delivery_queue *q, int64_t ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&q->lock);
    while (!q->stopping && pthread_cond_timedwait(&q->wake, &q->lock, &until) != ETIMEDOUT)
        ;
    bool stopping = q->stopping;
    pthread_mutex_unlock(&q->lock);
    return stopping;
}

static size_t discard(char *data, size_t size, size_t n, void *ctx)
{
    (void)data;
    (void)ctx;
    return size * n;
}

/* One POST; true on a 2xx answer. detail says what happened (never the URL). */
static bool post_once(const mm_alert_delivery_queue *q, const char *url, const char *body,
                      char *detail, size_t detailsz)
{
    CURL *curl = mm_curl()->loaded ? mm_curl()->easy_init() : NULL;
    if (!curl) {
        snprintf(detail, detailsz, "libcurl could not start%s%s", mm_curl()->loaded ? "" : ": ",
                 mm_curl()->error);
        return false;
    }
    struct curl_slist *headers = mm_curl()->slist_append(NULL, "Content-Type: application/json");
    mm_curl()->easy_setopt(curl, CURLOPT_URL, url);
    mm_curl()->easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    mm_curl()->easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    mm_curl()->easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)q->cfg.webhook_timeout_ms);
    mm_curl()->easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    mm_curl()->easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    mm_curl()->easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    mm_curl()->easy_setopt(curl, CURLOPT_USERAGENT, "mmadmin-alerts/" MM_VERSION);
    CURLcode code = mm_curl()->easy_perform(curl);
    long status = 0;
    mm_curl()->easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    mm_curl()->slist_free_all(headers);
    mm_curl()->easy_cleanup(curl);
    if (code != CURLE_OK) {
        snprintf(detail, detailsz, "%s", mm_curl()->easy_strerror(code));
        return false;
    }
    snprintf(detail, detailsz, "HTTP %ld", status);
    return status >= 200 && status < 300;
}

static void deliver_webhook(mm_alert_delivery_queue *q, const job *j, const char *body)
{
    char target[MM_ALERT_TARGET_MAX], detail[MM_MESSAGE_MAX];
    alert_webhook_redact(j->channels.webhook, target, sizeof target);
    int64_t backoff = q->cfg.backoff_ms;
    for (int attempt = 1; attempt <= q->cfg.webhook_attempts; attempt++) {
        bool ok = post_once(q, j->channels.webhook, body, detail, sizeof detail);
        record(q, j, "webhook", target, attempt, ok, detail);
        if (ok || attempt == q->cfg.webhook_attempts || pause_or_stop(q, backoff))
            return;
        backoff *= 2;
    }
}

static void set_env(char **env, size_t *n, const char *name, const char *value)
{
    if (asprintf(&env[*n], "%s=%s", name, value) >= 0)
        (*n)++;
}

/* Runs the command with /bin/sh -c, body on stdin; true when it exits 0 in time. */
static bool run_command(const mm_alert_delivery_queue *q, const job *j, const char *body,
                        char *detail, size_t detailsz)
{
    size_t n_environ = 0;
    while (environ[n_environ])
        n_environ++;
    char **env = calloc(n_environ + 8, sizeof *env);
    int in[2];
    if (!env || pipe(in) != 0) {
        free(env);
        snprintf(detail, detailsz, "could not start the command: %s", strerror(errno));
        return false;
    }
    size_t n = 0;
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)j->alert.id);
    set_env(env, &n, "MM_ALERT_EVENT", j->event);
    set_env(env, &n, "MM_ALERT_ID", id);
    set_env(env, &n, "MM_ALERT_RULE", j->alert.rule);
    set_env(env, &n, "MM_ALERT_SUBJECT", j->alert.subject);
    set_env(env, &n, "MM_ALERT_SEVERITY", j->alert.severity);
    set_env(env, &n, "MM_ALERT_WHY", j->alert.why);
    size_t own = n;
    for (size_t i = 0; i < n_environ; i++)
        env[n++] = environ[i];
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_addclose(&actions, in[1]);
    char *argv[] = {"sh", "-c", (char *)j->channels.command, NULL};
    /* the command starts with no signal blocked and SIGPIPE, SIGINT, SIGTERM at their defaults,
     * not with the mask of the thread that spawns it (Debian's dash clears an inherited mask at
     * its start; a /bin/sh that does not would run the command deaf to SIGTERM) */
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    int rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, env);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    for (size_t i = 0; i < own; i++)
        free(env[i]);
    free(env);
    close(in[0]);
    if (rc != 0) {
        close(in[1]);
        snprintf(detail, detailsz, "could not start the command: %s", strerror(rc));
        return false;
    }
    ssize_t ignored = write(in[1], body, strlen(body));
    (void)ignored;
    close(in[1]);
    int status = 0;
    int64_t deadline = mm_monotonic_ms() + q->cfg.command_timeout_ms;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (mm_monotonic_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            snprintf(detail, detailsz, "killed after %lld ms",
                     (long long)q->cfg.command_timeout_ms);
            return false;
        }
        struct timespec tick = {0, 20 * 1000000L};
        nanosleep(&tick, NULL);
    }
    if (WIFEXITED(status))
        snprintf(detail, detailsz, "exit %d", WEXITSTATUS(status));
    else
        snprintf(detail, detailsz, "killed by signal %d", WTERMSIG(status));
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void deliver(mm_alert_delivery_queue *q, const job *j)
{
    char *body = alert_event_json(&j->alert, j->event);
    if (!body)
        return;
    if (j->channels.webhook[0])
        deliver_webhook(q, j, body);
    if (j->channels.command[0] && !pause_or_stop(q, 0)) {
        char detail[MM_MESSAGE_MAX], name[MM_ALERT_TARGET_MAX];
        bool ok = run_command(q, j, body, detail, sizeof detail);
        /* the command's first word only: its arguments may carry a token */
        snprintf(name, sizeof name, "%.*s", (int)strcspn(j->channels.command, " \t"),
                 j->channels.command);
        record(q, j, "command", name, 1, ok, detail);
    }
    free(body);
}

static void *worker(void *arg)
{
    mm_alert_delivery_queue *q = arg;
    mm_process_block_sigpipe(); /* a command that does not read its stdin must not end us */
    for (;;) {
        pthread_mutex_lock(&q->lock);
        while (!q->stopping && q->count == 0)
            pthread_cond_wait(&q->wake, &q->lock);
        if (q->stopping) {
            pthread_mutex_unlock(&q->lock);
            return NULL;
        }
        job j = q->jobs[q->head];
        q->head = (q->head + 1) % q->cfg.queue_max;
        q->count--;
        pthread_mutex_unlock(&q->lock);
        deliver(q, &j);
    }
}

mm_status alert_delivery_start(const mm_alert_delivery_config *cfg, mm_alert_delivery_queue **out,
                               mm_error *err)
{
    mm_alert_delivery_queue *q = calloc(1, sizeof *q);
    if (!q)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    q->cfg = *cfg;
    q->cfg.webhook_attempts = cfg->webhook_attempts > 0 ? cfg->webhook_attempts : 4;
    q->cfg.backoff_ms = cfg->backoff_ms > 0 ? cfg->backoff_ms : 1000;
    q->cfg.webhook_timeout_ms = cfg->webhook_timeout_ms > 0 ? cfg->webhook_timeout_ms : 10000;
    q->cfg.command_timeout_ms = cfg->command_timeout_ms > 0 ? cfg->command_timeout_ms : 30000;
    q->cfg.queue_max = cfg->queue_max > 0 ? cfg->queue_max : 1000;
    mm_copy(q->path, sizeof q->path, cfg->catalog_path ? cfg->catalog_path : "");
    q->jobs = calloc(q->cfg.queue_max, sizeof *q->jobs);
    mm_catalog_options opts = {.path = q->path[0] ? q->path : NULL};
    mm_status st = q->jobs ? catalog_open(&opts, &q->cat, err)
                           : mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    if (st != MM_OK) {
        free(q->jobs);
        free(q);
        return st;
    }
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->wake, NULL);
    if (pthread_create(&q->thread, NULL, worker, q) != 0) {
        catalog_close(q->cat);
        free(q->jobs);
        free(q);
        return mm_error_set(err, MM_E_INTERNAL, NULL, "could not start the alert delivery thread");
    }
    *out = q;
    return MM_OK;
}

bool alert_delivery_enqueue(mm_alert_delivery_queue *q, const mm_alert *alert, const char *event,
                            const mm_alert_channels *channels)
{
    if (!channels->webhook[0] && !channels->command[0])
        return true;
    pthread_mutex_lock(&q->lock);
    bool room = q->count < q->cfg.queue_max;
    if (room) {
        job *j = &q->jobs[(q->head + q->count) % q->cfg.queue_max];
        j->alert = *alert;
        mm_copy(j->event, sizeof j->event, event);
        j->channels = *channels;
        q->count++;
        pthread_cond_signal(&q->wake);
    }
    pthread_mutex_unlock(&q->lock);
    return room;
}

void alert_delivery_stop(mm_alert_delivery_queue *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->lock);
    q->stopping = true;
    pthread_cond_broadcast(&q->wake);
    pthread_mutex_unlock(&q->lock);
    pthread_join(q->thread, NULL);
    pthread_cond_destroy(&q->wake);
    pthread_mutex_destroy(&q->lock);
    catalog_close(q->cat);
    free(q->jobs);
    free(q);
}
