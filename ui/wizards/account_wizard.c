/* The Add Account wizard: pick the provider, that provider's own credential fields (key typed
 * masked), optional limits, Test Connection on a background thread (Esc stops waiting), then
 * save. Validation runs as each step is left and its message stands next to the field. */
#include "wizards/account_wizard.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connection_check.h"
#include "draw.h"
#include "jobs.h"
#include "util/clock.h"
#include "util/text.h"
#include "widgets/dialog.h"
#include "widgets/spinner.h"
#include "widgets/table.h"
#include "wizards/account_fields.h"

typedef enum wizard_step {
    STEP_PROVIDER,
    STEP_CREDENTIALS,
    STEP_LIMITS,
    STEP_TEST,
    STEP_SAVE,
    STEP_COUNT
} wizard_step;

static const char *const STEP_NAMES[STEP_COUNT] = {"Provider", "Credentials", "Limits",
                                                   "Test connection", "Save"};

typedef enum test_state { TEST_IDLE, TEST_RUNNING, TEST_DONE, TEST_STOPPED } test_state;

#define CONTENT_Y 3
#define N_BUTTONS 3

typedef struct wizard {
    ui_modal modal;
    ui_app *app;
    ui_win win;
    wizard_step step;
    ui_table picker;
    const mm_provider_info *provider;
    ui_form cred, limits;
    char note[MM_MESSAGE_MAX];
    test_state test;
    bool test_ok;
    char test_text[8192];
    int test_scroll;
    ui_connection_check
        result; /* the last test (key blanked), recorded on the account once saved */
    mm_account acc;
    char key[MM_API_KEY_MAX];
    int button_focus; /* -1: the step's content has the keys */
    int button_x[N_BUTTONS], button_w[N_BUTTONS], button_y;
    bool saved;
} wizard;

static const ui_column PICKER_COLUMNS[] = {
    {"Provider", 10, 20, UI_ALIGN_LEFT, false, false},
    {"Id", 8, 18, UI_ALIGN_LEFT, false, false},
    {"You will need", 16, 70, UI_ALIGN_LEFT, true, false},
};

/* ---- steps and data ---- */

static void fill_picker(wizard *wz)
{
    ui_table_begin(&wz->picker);
    for (size_t i = 0; i < provider_count(); i++) {
        const mm_provider_info *p = provider_at(i);
        char need[256] = "", optional[256] = "";
        for (size_t f = 0; f < p->n_fields; f++) {
            char *dst = p->fields[f].required ? need : optional;
            size_t used = strlen(dst);
            snprintf(dst + used, sizeof need - used, "%s%s", used ? ", " : "", p->fields[f].label);
        }
        char text[600];
        snprintf(text, sizeof text, "%s%s%s%s", need, *optional ? " (optional: " : "", optional,
                 *optional ? ")" : "");
        const char *cells[] = {p->display_name, p->id, text};
        ui_table_add(&wz->picker, p->id, cells, NULL);
    }
    ui_table_end(&wz->picker);
}

static ui_form *step_form(wizard *wz)
{
    if (wz->step == STEP_CREDENTIALS)
        return &wz->cred;
    if (wz->step == STEP_LIMITS)
        return &wz->limits;
    return NULL;
}

static bool anything_typed(const wizard *wz)
{
    return wz->cred.touched || wz->limits.touched;
}

static void window_box(const wizard *wz, int *y, int *x, int *h, int *w)
{
    getbegyx(wz->win.win, *y, *x);
    getmaxyx(wz->win.win, *h, *w);
}

/* Places the current step's form below its two intro lines; the other form is put away. */
static void place_form(wizard *wz)
{
    ui_form *f = step_form(wz);
    if (f != &wz->cred && wz->cred.win.win)
        ui_form_unplace(&wz->cred);
    if (f != &wz->limits && wz->limits.win.win)
        ui_form_unplace(&wz->limits);
    if (!f)
        return;
    int y, x, h, w;
    window_box(wz, &y, &x, &h, &w);
    ui_form_place(f, wz->app, y + CONTENT_Y + 3, x + 2, w - 4, h - CONTENT_Y - 3 - 3);
    if (wz->app->too_small)
        ui_form_hide(f, true);
}

static void go_to(wizard *wz, wizard_step step)
{
    wz->step = step;
    wz->button_focus = -1;
    place_form(wz);
    wz->app->redraw_needed = true;
}

static void copy_result(wizard *wz, const ui_connection_check *t)
{
    mm_call_result_free(&wz->result.result);
    wz->result = *t;
    sodium_memzero(wz->result.api_key, sizeof wz->result.api_key);
    memset(&wz->result.result.models, 0, sizeof wz->result.result.models);
    wz->result.result.output = NULL;
    for (size_t i = 0; i < t->result.models.count; i++)
        mm_string_list_append(&wz->result.result.models, t->result.models.items[i]);
}

static void test_done(ui_app *app, const ui_connection_check *t, void *owner)
{
    wizard *wz = owner;
    copy_result(wz, t);
    wz->test = TEST_DONE;
    wz->test_ok = t->result.ok;
    wz->test_scroll = 0;
    ui_connection_check_describe(app, t, wz->test_text, sizeof wz->test_text);
    size_t used = strlen(wz->test_text);
    if (t->result.ok)
        snprintf(wz->test_text + used, sizeof wz->test_text - used,
                 "\nEnter continues to Save; the models found are kept for the target "
                 "picker.");
    else
        snprintf(wz->test_text + used, sizeof wz->test_text - used,
                 "\n\nPgUp goes back to fix the fields; r tests again; Enter continues (you "
                 "can save without a successful test).");
    app->redraw_needed = true;
}

static void start_test(wizard *wz)
{
    ui_jobs_cancel_owner(wz->app, wz);
    wz->test_ok = false;
    wz->test_text[0] = '\0';
    wz->test_scroll = 0;
    wz->test = TEST_RUNNING;
    if (!ui_connection_check_start(wz->app, &wz->acc, wz->key, test_done, wz)) {
        wz->test = TEST_DONE;
        snprintf(wz->test_text, sizeof wz->test_text, "Could not start the test thread.");
    }
}

static void stop_test(wizard *wz)
{
    ui_jobs_cancel_owner(wz->app, wz);
    wz->test = TEST_STOPPED;
    snprintf(wz->test_text, sizeof wz->test_text,
             "Stopped waiting for the test (its answer will be ignored).\n\nr tests again; "
             "Enter continues without a test; PgUp goes back.");
}

/* Puts a catalog refusal where it belongs: at its field (moving to that step), or the note. */
static void show_refusal(wizard *wz, const mm_error *err)
{
    if (ui_form_set_error(&wz->cred, err->field, err->message)) {
        ui_form_focus(&wz->cred, err->field);
        go_to(wz, STEP_CREDENTIALS);
    } else if (ui_form_set_error(&wz->limits, err->field, err->message)) {
        ui_form_focus(&wz->limits, err->field);
        go_to(wz, STEP_LIMITS);
    } else {
        snprintf(wz->note, sizeof wz->note, "%s", err->message);
    }
}

/* Reads both forms into acc/key and validates; false (messages shown) if anything is wrong. */
static bool read_and_validate(wizard *wz, ui_form *f)
{
    ui_form_clear_errors(f);
    if (!ui_form_check_all(f))
        return false; /* every bad field says so; the first has the focus */
    if (!account_form_read(f, &wz->acc, f == &wz->cred ? wz->key : NULL, sizeof wz->key))
        return false;
    mm_error err;
    mm_error_clear(&err);
    if (catalog_account_validate(&wz->acc, wz->key, &err) != MM_OK) {
        show_refusal(wz, &err);
        return false;
    }
    if (f == &wz->cred && wz->provider->requires_key && !wz->key[0]) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s needs an API key: paste it here (hidden, stored encrypted).",
                 wz->provider->display_name);
        ui_form_set_error(f, "api_key", msg);
        ui_form_focus(f, "api_key");
        return false;
    }
    return true;
}

static void choose_provider(wizard *wz)
{
    const mm_provider_info *p = provider_find(ui_table_selected_key(&wz->picker));
    if (!p)
        return;
    if (p != wz->provider) {
        char name[MM_NAME_MAX] = "";
        if (wz->provider)
            mm_copy(name, sizeof name, ui_form_value(&wz->cred, "name"));
        ui_form_free(&wz->cred);
        ui_form_init(&wz->cred);
        account_form_add_credentials(&wz->cred, p, NULL);
        ui_form_set_value(&wz->cred, "name", name);
        wz->provider = p;
        mm_account_init(&wz->acc);
        mm_copy(wz->acc.provider, sizeof wz->acc.provider, p->id);
    }
    go_to(wz, STEP_CREDENTIALS);
}

static void save(wizard *wz)
{
    ui_app *app = wz->app;
    if (!wz->test_ok) {
        const char *why = wz->test == TEST_DONE ? "The connection test failed."
                                                : "The connection was not tested.";
        char text[400];
        snprintf(text, sizeof text,
                 "%s Save account '%s' anyway? You can test it later with t on the Provider "
                 "Accounts page.",
                 why, wz->acc.name);
        if (!ui_dialog_confirm(app, "Save without a successful test?", text, "Save anyway",
                               "Go back", false))
            return;
    }
    mm_account acc = wz->acc;
    mm_error err;
    mm_error_clear(&err);
    if (catalog_account_insert(app->cat, &acc, wz->key, &err) != MM_OK) {
        show_refusal(wz, &err);
        return;
    }
    if (wz->test == TEST_DONE) {
        mm_copy(wz->result.account, sizeof wz->result.account, acc.name);
        mm_error rec;
        mm_error_clear(&rec);
        ui_connection_check_record(app, &wz->result, &rec);
    }
    wz->acc = acc;
    wz->saved = true;
    wz->modal.done = true;
}

static void go_next(wizard *wz)
{
    wz->note[0] = '\0';
    switch (wz->step) {
    case STEP_PROVIDER:
        choose_provider(wz);
        break;
    case STEP_CREDENTIALS:
        if (read_and_validate(wz, &wz->cred))
            go_to(wz, STEP_LIMITS);
        break;
    case STEP_LIMITS:
        if (read_and_validate(wz, &wz->limits) && read_and_validate(wz, &wz->cred)) {
            go_to(wz, STEP_TEST);
            start_test(wz);
        }
        break;
    case STEP_TEST:
        if (wz->test == TEST_RUNNING)
            stop_test(wz);
        go_to(wz, STEP_SAVE);
        break;
    case STEP_SAVE:
        save(wz);
        break;
    default:
        break;
    }
}

static void go_back(wizard *wz)
{
    wz->note[0] = '\0';
    if (wz->step == STEP_TEST && wz->test == TEST_RUNNING)
        stop_test(wz);
    if (wz->step > STEP_PROVIDER)
        go_to(wz, wz->step - 1);
}

static void cancel(wizard *wz)
{
    if (wz->step == STEP_TEST && wz->test == TEST_RUNNING) {
        stop_test(wz);
        return;
    }
    ui_form *forms[2] = {&wz->cred, &wz->limits};
    if (anything_typed(wz) && !ui_form_may_discard(wz->app, forms, 2, "Discard this account?"))
        return;
    wz->modal.done = true;
}

/* ---- drawing ---- */

static void draw_steps(wizard *wz, WINDOW *win, int w)
{
    ui_app *app = wz->app;
    int x = 2;
    for (int s = 0; s < STEP_COUNT && x < w - 2; s++) {
        char label[48];
        snprintf(label, sizeof label, " %d %s ", s + 1, STEP_NAMES[s]);
        ui_element el = s == (int)wz->step  ? UI_EL_BUTTON_FOCUS
                        : s < (int)wz->step ? UI_EL_DIALOG
                                            : UI_EL_DIM;
        x += ui_draw_clip(app, win, 1, x, w - 2 - x, el, label);
        if (s + 1 < STEP_COUNT)
            x += ui_draw_clip(app, win, 1, x, w - 2 - x, UI_EL_DIM, app->utf8 ? " › " : " > ");
    }
    ui_draw_hline(app, win, 2, 1, w - 2, UI_EL_BORDER);
}

static int draw_wrapped(ui_app *app, WINDOW *win, int y, int x, int w, int max_lines, ui_element el,
                        const char *text, int skip)
{
    ui_lines lines;
    ui_wrap(text, w, &lines);
    int drawn = 0;
    for (size_t i = (size_t)skip; i < lines.count && drawn < max_lines; i++, drawn++)
        ui_draw_text(app, win, y + drawn, x, w, el, UI_ALIGN_LEFT, lines.items[i]);
    ui_lines_free(&lines);
    return drawn;
}

static void draw_intro(wizard *wz, WINDOW *win, int w)
{
    char text[MM_MESSAGE_MAX * 2];
    if (wz->step == STEP_CREDENTIALS)
        snprintf(text, sizeof text, "%s account. %s", wz->provider->display_name,
                 wz->provider->target_hint ? wz->provider->target_hint : "");
    else
        snprintf(text, sizeof text,
                 "Optional limits for this account: the router skips it while one is reached. "
                 "Leave a field empty for no limit.");
    draw_wrapped(wz->app, win, CONTENT_Y, 2, w - 4, 2, UI_EL_DIALOG, text, 0);
}

static void draw_test(wizard *wz, WINDOW *win, int h, int w)
{
    ui_app *app = wz->app;
    char line[MM_URL_MAX + 160];
    const char *where = wz->acc.endpoint[0]              ? wz->acc.endpoint
                        : wz->provider->default_base_url ? wz->provider->default_base_url
                                                         : "";
    if (wz->test == TEST_RUNNING) {
        snprintf(line, sizeof line, "%s Testing the connection to %s (%s)%s  Esc stops waiting.",
                 ui_spinner_frame(app, mm_monotonic_ms()), wz->provider->display_name, where,
                 ui_glyph(app, UI_G_ELLIPSIS));
        draw_wrapped(app, win, CONTENT_Y, 2, w - 4, 3, UI_EL_DIALOG, line, 0);
        return;
    }
    snprintf(line, sizeof line, "Listing models at %s (%s):", wz->provider->display_name, where);
    draw_wrapped(app, win, CONTENT_Y, 2, w - 4, 1, UI_EL_DIALOG, line, 0);
    ui_element el = wz->test == TEST_DONE ? (wz->test_ok ? UI_EL_OK : UI_EL_BAD) : UI_EL_WARN;
    int room = h - CONTENT_Y - 2 - 3;
    ui_lines lines;
    ui_wrap(wz->test_text, w - 4, &lines);
    if (wz->test_scroll > (int)lines.count - room)
        wz->test_scroll = (int)lines.count > room ? (int)lines.count - room : 0;
    for (int i = 0; i < room && (size_t)(wz->test_scroll + i) < lines.count; i++)
        ui_draw_text(app, win, CONTENT_Y + 2 + i, 2, w - 4,
                     wz->test_scroll + i == 0 ? el : UI_EL_DIALOG, UI_ALIGN_LEFT,
                     lines.items[wz->test_scroll + i]);
    ui_lines_free(&lines);
}

static void summary_line(wizard *wz, WINDOW *win, int *y, int w, const char *label,
                         const char *value)
{
    ui_draw_text(wz->app, win, *y, 2, 20, UI_EL_DIALOG_TITLE, UI_ALIGN_LEFT, label);
    ui_draw_text(wz->app, win, *y, 22, w - 24, UI_EL_DIALOG, UI_ALIGN_LEFT, value);
    (*y)++;
}

static void draw_save(wizard *wz, WINDOW *win, int w)
{
    ui_app *app = wz->app;
    int y = CONTENT_Y;
    const mm_account *a = &wz->acc;
    char hint[MM_HINT_MAX] = "", rpm[32], tpm[32], cap[32], test[MM_MESSAGE_MAX + 64];
    if (wz->key[0])
        catalog_key_hint(wz->key, hint, sizeof hint);
    account_format_limit(app, a->rpm, rpm, sizeof rpm);
    account_format_limit(app, a->tpm, tpm, sizeof tpm);
    account_format_cap(app, a->monthly_cap_cents, cap, sizeof cap);
    if (wz->test == TEST_DONE && wz->test_ok)
        snprintf(test, sizeof test, "%s ok, %zu models found", ui_glyph(app, UI_G_CHECK),
                 wz->result.result.models.count);
    else if (wz->test == TEST_DONE)
        snprintf(test, sizeof test, "%s %s: %s", ui_glyph(app, UI_G_CROSS),
                 mm_error_class_name(wz->result.result.cls), wz->result.result.message);
    else
        snprintf(test, sizeof test, "not tested");
    summary_line(wz, win, &y, w, "Name", a->name);
    summary_line(wz, win, &y, w, "Provider", wz->provider->display_name);
    summary_line(wz, win, &y, w, "Endpoint",
                 a->endpoint[0] ? a->endpoint : "(the provider's default)");
    if (wz->provider->requires_api_version || a->api_version[0])
        summary_line(wz, win, &y, w, "API version", a->api_version);
    summary_line(wz, win, &y, w, "API key", hint[0] ? hint : "none");
    summary_line(wz, win, &y, w, "Requests/min", rpm);
    summary_line(wz, win, &y, w, "Tokens/min", tpm);
    summary_line(wz, win, &y, w, "Monthly cap", cap);
    summary_line(wz, win, &y, w, "Connection test", test);
    y++;
    draw_wrapped(app, win, y, 2, w - 4, 2, UI_EL_DIM,
                 "Enter saves the account (the key is stored encrypted; only its hint is ever "
                 "shown). PgUp goes back; Esc discards.",
                 0);
}

static void draw_buttons(wizard *wz, WINDOW *win, int h, int w)
{
    const char *labels[N_BUTTONS] = {"< Back", wz->step == STEP_SAVE ? "Save" : "Next >", "Cancel"};
    int x = w - 2;
    for (int i = N_BUTTONS - 1; i >= 0; i--) {
        char label[32];
        snprintf(label, sizeof label, "[ %s ]", labels[i]);
        wz->button_w[i] = mm_text_width(label);
        x -= wz->button_w[i] + 1;
        wz->button_x[i] = x;
    }
    wz->button_y = h - 2;
    for (int i = 0; i < N_BUTTONS; i++) {
        char label[32];
        snprintf(label, sizeof label, "[ %s ]", labels[i]);
        ui_element el = i == wz->button_focus                   ? UI_EL_BUTTON_FOCUS
                        : (i == 0 && wz->step == STEP_PROVIDER) ? UI_EL_DIM
                                                                : UI_EL_BUTTON;
        ui_draw_clip(wz->app, win, wz->button_y, wz->button_x[i], wz->button_w[i], el, label);
    }
}

static void wizard_draw(ui_modal *m, ui_app *app)
{
    wizard *wz = m->ctx;
    WINDOW *win = wz->win.win;
    int h, w;
    getmaxyx(win, h, w);
    ui_draw_frame(app, win, UI_EL_DIALOG, UI_EL_BORDER_FOCUS);
    char title[96];
    snprintf(title, sizeof title, " Add provider account: step %d of %d ", (int)wz->step + 1,
             STEP_COUNT);
    ui_draw_clip(app, win, 0, 2, w - 4, UI_EL_DIALOG_TITLE, title);
    draw_steps(wz, win, w);
    switch (wz->step) {
    case STEP_PROVIDER:
        ui_draw_clip(app, win, CONTENT_Y, 2, w - 4, UI_EL_DIALOG,
                     "Which provider is this account for? (arrows or j/k, Enter picks)");
        ui_table_draw(&wz->picker, app, win, (ui_rect){CONTENT_Y + 2, 2, h - CONTENT_Y - 6, w - 4},
                      wz->button_focus < 0);
        break;
    case STEP_CREDENTIALS:
    case STEP_LIMITS:
        draw_intro(wz, win, w);
        break;
    case STEP_TEST:
        draw_test(wz, win, h, w);
        break;
    case STEP_SAVE:
        draw_save(wz, win, w);
        break;
    default:
        break;
    }
    if (wz->note[0])
        ui_draw_text(app, win, h - 3, 2, w - 4, UI_EL_ERROR, UI_ALIGN_LEFT, wz->note);
    draw_buttons(wz, win, h, w);
    ui_form *f = step_form(wz);
    m->wants_cursor = f && wz->button_focus < 0;
    if (f)
        ui_form_draw(f, app); /* last: it places the cursor */
}

/* ---- keys ---- */

static int button_key(wizard *wz, int key)
{
    switch (key) {
    case '\t':
    case UI_FN(KEY_RIGHT):
        wz->button_focus = wz->button_focus + 1 < N_BUTTONS ? wz->button_focus + 1 : -1;
        return UI_HANDLED;
    case UI_FN(KEY_BTAB):
    case UI_FN(KEY_LEFT):
        wz->button_focus--;
        return UI_HANDLED;
    case '\n':
        if (wz->button_focus == 0)
            go_back(wz);
        else if (wz->button_focus == 1)
            go_next(wz);
        else
            cancel(wz);
        return UI_HANDLED;
    default:
        return UI_HANDLED; /* typing while a button has the focus does nothing */
    }
}

static int content_key(wizard *wz, int key)
{
    ui_form *f = step_form(wz);
    if (f) {
        int r = ui_form_handle_key(f, wz->app, key);
        if (r & UI_HANDLED)
            return r;
        if (key == '\n')
            go_next(wz);
        else if (key == '\t' || key == UI_FN(KEY_DOWN))
            wz->button_focus = 1;
        return UI_HANDLED;
    }
    switch (wz->step) {
    case STEP_PROVIDER:
        if (key == '\n')
            go_next(wz);
        else if (key == '\t')
            wz->button_focus = 1;
        else
            ui_table_handle_key(&wz->picker, key);
        return UI_HANDLED;
    case STEP_TEST:
        if (key == 'r')
            start_test(wz);
        else if (key == '\n')
            go_next(wz);
        else if (key == UI_FN(KEY_UP) || key == 'k')
            wz->test_scroll = wz->test_scroll > 0 ? wz->test_scroll - 1 : 0;
        else if (key == UI_FN(KEY_DOWN) || key == 'j')
            wz->test_scroll++;
        else if (key == '\t')
            wz->button_focus = 1;
        return UI_HANDLED;
    default:
        if (key == '\n')
            go_next(wz);
        else if (key == '\t')
            wz->button_focus = 1;
        return UI_HANDLED;
    }
}

static int wizard_key(ui_modal *m, ui_app *app, int key)
{
    wizard *wz = m->ctx;
    app->redraw_needed = true;
    if (key == UI_KEY_ESC) {
        cancel(wz);
        return UI_HANDLED;
    }
    if (key == UI_FN(KEY_PPAGE)) {
        go_back(wz);
        return UI_HANDLED;
    }
    if (key == UI_FN(KEY_NPAGE)) {
        go_next(wz);
        return UI_HANDLED;
    }
    if (wz->button_focus >= 0)
        return button_key(wz, key);
    return content_key(wz, key);
}

static int wizard_mouse(ui_modal *m, ui_app *app, const MEVENT *ev)
{
    wizard *wz = m->ctx;
    app->redraw_needed = true;
    ui_form *f = step_form(wz);
    if (f && (ui_form_handle_mouse(f, ev) & UI_HANDLED)) {
        wz->button_focus = -1;
        return UI_HANDLED;
    }
    int y = ev->y, x = ev->x;
    if (!wmouse_trafo(wz->win.win, &y, &x, FALSE))
        return UI_HANDLED;
    if (y == wz->button_y && (ev->bstate & UI_MOUSE_CLICK)) {
        for (int i = 0; i < N_BUTTONS; i++)
            if (x >= wz->button_x[i] && x < wz->button_x[i] + wz->button_w[i]) {
                wz->button_focus = i;
                return button_key(wz, '\n');
            }
    }
    if (wz->step == STEP_PROVIDER)
        ui_table_handle_mouse(&wz->picker, y - CONTENT_Y - 2, x - 2, ev->bstate);
    return UI_HANDLED;
}

static const ui_binding KEYS_PICK[] = {
    {0, '\n', "Enter", "Next", "use the selected provider", .edits = false},
    {0, '\t', "Tab", "Buttons", "move to the buttons", .edits = false},
    {0, UI_KEY_ESC, "Esc", "Cancel", "leave without saving", .edits = false},
};
static const ui_binding KEYS_FORM[] = {
    {0, '\n', "Enter", "Next field", "next field; on the last field, the next step",
     .edits = false},
    {0, UI_FN(KEY_PPAGE), "PgUp", "Back", "previous step", .edits = false},
    {0, UI_FN(KEY_NPAGE), "PgDn", "Next step", "next step", .edits = false},
    {0, 0, "Ctrl-U", "Clear", "clear the field", .edits = false},
    {0, UI_KEY_ESC, "Esc", "Cancel", "leave without saving", .edits = false},
};
static const ui_binding KEYS_TEST[] = {
    {0, '\n', "Enter", "Next", "continue to Save", .edits = false},
    {0, 'r', "r", "Retest", "test again", .edits = false},
    {0, UI_FN(KEY_PPAGE), "PgUp", "Back", "previous step", .edits = false},
    {0, UI_KEY_ESC, "Esc", "Stop/Cancel", "stop waiting for the test, or leave", .edits = false},
};
static const ui_binding KEYS_SAVE[] = {
    {0, '\n', "Enter", "Save", "save the account", .edits = false},
    {0, UI_FN(KEY_PPAGE), "PgUp", "Back", "previous step", .edits = false},
    {0, UI_KEY_ESC, "Esc", "Cancel", "leave without saving", .edits = false},
};

static const ui_binding *wizard_bindings(ui_modal *m, size_t *count)
{
    wizard *wz = m->ctx;
#define KEYS(a) (*count = sizeof a / sizeof a[0], a)
    switch (wz->step) {
    case STEP_PROVIDER:
        return KEYS(KEYS_PICK);
    case STEP_TEST:
        return KEYS(KEYS_TEST);
    case STEP_SAVE:
        return KEYS(KEYS_SAVE);
    default:
        return KEYS(KEYS_FORM);
    }
#undef KEYS
}

static void wizard_layout(ui_modal *m, ui_app *app)
{
    wizard *wz = m->ctx;
    ui_win_center(app, &wz->win, 32, 100);
    place_form(wz);
}

static void wizard_hide(ui_modal *m, ui_app *app, bool hidden)
{
    (void)app;
    wizard *wz = m->ctx;
    ui_win_hide(&wz->win, hidden);
    ui_form *f = step_form(wz);
    if (f)
        ui_form_hide(f, hidden);
}

static int wizard_timer(ui_modal *m)
{
    wizard *wz = m->ctx;
    return wz->test == TEST_RUNNING ? UI_SPINNER_INTERVAL_MS : -1;
}

bool ui_account_wizard(ui_app *app, char *saved_name, size_t saved_namesz)
{
    wizard *wz = calloc(1, sizeof *wz);
    if (!wz)
        return false;
    wz->app = app;
    wz->button_focus = -1;
    ui_form_init(&wz->cred);
    ui_form_init(&wz->limits);
    account_form_add_limits(&wz->limits, NULL);
    ui_table_init(&wz->picker, PICKER_COLUMNS, sizeof PICKER_COLUMNS / sizeof PICKER_COLUMNS[0],
                  "provider|providers", "");
    ui_table_set_base(&wz->picker, UI_EL_DIALOG);
    fill_picker(wz);
    wz->modal = (ui_modal){.layout = wizard_layout,
                           .draw = wizard_draw,
                           .handle_key = wizard_key,
                           .handle_mouse = wizard_mouse,
                           .hide = wizard_hide,
                           .bindings = wizard_bindings,
                           .timer_ms = wizard_timer,
                           .ctx = wz};
    ui_run_modal(app, &wz->modal);
    ui_jobs_cancel_owner(app, wz);
    bool saved = wz->saved;
    if (saved)
        mm_copy(saved_name, saved_namesz, wz->acc.name);
    ui_form_free(&wz->cred);
    ui_form_free(&wz->limits);
    ui_table_free(&wz->picker);
    ui_win_destroy(&wz->win);
    mm_call_result_free(&wz->result.result);
    sodium_memzero(wz->key, sizeof wz->key);
    free(wz);
    return saved;
}
