/* Test Connection as a background job: the UI thread copies an account's connection data
 * (with its key) into a job, a worker thread calls provider_list_models on that copy, and the
 * UI thread records and shows the result. The worker opens no catalog and touches no curses. */
#ifndef MM_UI_CONNECTION_CHECK_H
#define MM_UI_CONNECTION_CHECK_H

#include <stdbool.h>

#include "app.h"
#include "catalog/catalog.h"
#include "providers/provider.h"

typedef struct ui_connection_check {
    char account[MM_NAME_MAX];
    char provider[MM_PROVIDER_ID_MAX];
    char base_url[MM_URL_MAX];
    char api_version[MM_API_VERSION_MAX];
    char ca_bundle[MM_URL_MAX];
    char api_key[MM_API_KEY_MAX]; /* wiped when the job is freed */
    mm_call_result result;
    bool ran;
} ui_connection_check;

typedef void (*ui_connection_check_done_fn)(ui_app *app, const ui_connection_check *test,
                                            void *owner);

/* Starts testing acc with api_key (NULL/"" = none). done runs on the UI thread with the result
 * unless the owner cancelled (ui_jobs_cancel_owner). Returns false (message set) on failure. */
bool ui_connection_check_start(ui_app *app, const mm_account *acc, const char *api_key,
                               ui_connection_check_done_fn done, void *owner);
/* Records a finished test on a saved account (catalog_probe_record: the last-test result, the
 * discovered models and a probe usage event). */
mm_status ui_connection_check_record(ui_app *app, const ui_connection_check *test, mm_error *err);
/* The result in words for a dialog: models found, or class, the provider's message and the
 * hint of what to do. */
void ui_connection_check_describe(const ui_app *app, const ui_connection_check *test, char *out,
                                  size_t outsz);

#endif
