/* Background jobs of the console (Test Connection now, more later): a pthread runs the work
 * on its own copy of the data, touches neither curses nor the UI's catalog, then wakes the UI,
 * whose loop joins it and hands the result to the owner on the UI thread. */
#ifndef MM_UI_JOBS_H
#define MM_UI_JOBS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "modal.h"

typedef void (*ui_job_work_fn)(void *data);                           /* worker thread */
typedef void (*ui_job_done_fn)(ui_app *app, void *data, void *owner); /* UI thread */
typedef void (*ui_job_free_fn)(void *data);

struct ui_job {
    pthread_t thread;
    atomic_bool finished;
    bool cancelled; /* the owner stopped waiting: the result is discarded */
    ui_job_work_fn work;
    ui_job_done_fn done;
    ui_job_free_fn free_data;
    void *data;
    void *owner;
    int wake_fd;
    ui_job *next;
};

/* Starts work(data) on a new thread; done(app, data, owner) runs on the UI thread once it has
 * finished (unless cancelled), then free_data(data). Returns NULL (data freed) on failure. */
ui_job *ui_job_start(ui_app *app, ui_job_work_fn work, ui_job_done_fn done,
                     ui_job_free_fn free_data, void *data, void *owner);
/* Stop waiting: the thread runs to its end, its result is discarded and it is joined. */
void ui_job_cancel(ui_job *job);
/* Cancels every job of an owner (an owner going away). */
void ui_jobs_cancel_owner(ui_app *app, const void *owner);
/* Joins finished jobs and delivers their results. Called by the loop after a wake. */
void ui_jobs_collect(ui_app *app);
/* True while a job of this owner (NULL: any) is running and not cancelled. */
bool ui_jobs_running(ui_app *app, const void *owner);
/* At exit: waits for every thread and frees everything without delivering results. */
void ui_jobs_join_all(ui_app *app);

#endif
