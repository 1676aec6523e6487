/* Background job threads: start, wake the UI through the self-pipe when done, join and deliver
 * the result on the UI thread, or discard it when the owner cancelled. */
#include "jobs.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static void *job_thread(void *arg)
{
    ui_job *job = arg;
    job->work(job->data);
    atomic_store_explicit(&job->finished, true, memory_order_release);
    char byte = 'j';
    ssize_t ignored = write(job->wake_fd, &byte, 1);
    (void)ignored; /* a full pipe already means "wake up" */
    return NULL;
}

ui_job *ui_job_start(ui_app *app, ui_job_work_fn work, ui_job_done_fn done,
                     ui_job_free_fn free_data, void *data, void *owner)
{
    ui_job *job = calloc(1, sizeof *job);
    if (!job) {
        free_data(data);
        return NULL;
    }
    job->work = work;
    job->done = done;
    job->free_data = free_data;
    job->data = data;
    job->owner = owner;
    job->wake_fd = ui_wake_fd(app);
    atomic_init(&job->finished, false);
    /* The worker must never take the console's signals (resize, hang-up). */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&job->thread, NULL, job_thread, job);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        free_data(data);
        free(job);
        errno = rc;
        return NULL;
    }
    ui_job **list = ui_job_list(app);
    job->next = *list;
    *list = job;
    return job;
}

void ui_job_cancel(ui_job *job)
{
    if (job)
        job->cancelled = true;
}

void ui_jobs_cancel_owner(ui_app *app, const void *owner)
{
    for (ui_job *job = *ui_job_list(app); job; job = job->next)
        if (job->owner == owner)
            job->cancelled = true;
}

static void job_finish(ui_app *app, ui_job *job, bool deliver)
{
    pthread_join(job->thread, NULL);
    if (deliver && !job->cancelled && job->done)
        job->done(app, job->data, job->owner);
    job->free_data(job->data);
    free(job);
}

void ui_jobs_collect(ui_app *app)
{
    ui_job **link = ui_job_list(app);
    while (*link) {
        ui_job *job = *link;
        if (atomic_load_explicit(&job->finished, memory_order_acquire)) {
            *link = job->next;
            job_finish(app, job, true);
        } else {
            link = &job->next;
        }
    }
}

bool ui_jobs_running(ui_app *app, const void *owner)
{
    for (const ui_job *job = *ui_job_list(app); job; job = job->next)
        if (!job->cancelled && (!owner || job->owner == owner) &&
            !atomic_load_explicit(&job->finished, memory_order_acquire))
            return true;
    return false;
}

void ui_jobs_join_all(ui_app *app)
{
    ui_job **list = ui_job_list(app);
    while (*list) {
        ui_job *job = *list;
        *list = job->next;
        job_finish(app, job, false);
    }
}
