/* The table every page reuses (k9s/htop style): columns with widths and alignment, rows of
 * strings with a per-cell look, selection and scrolling, `/` live filter (case-insensitive
 * substring over every column), `s` sort by the next column, mouse select and wheel. */
#ifndef MM_UI_TABLE_H
#define MM_UI_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modal.h"
#include "draw.h"

#define UI_TABLE_MAX_COLUMNS 16

typedef struct ui_column {
    const char *title;
    int min_width; /* never narrower (the column is dropped instead) */
    int max_width; /* never wider, even when the content is */
    ui_align align;
    bool flex; /* shrinks first, and takes the room that is left */
    /* sorts by the cells' look as severity (bad/error, warn, dim, the rest, ok), then text:
     * a status column puts "unreachable" first, not in alphabetical order */
    bool by_severity;
} ui_column;

/* Writes the compact form of a cell's text into out (at most outsz bytes). */
typedef void ui_compact_fn(char *out, size_t outsz, const char *text);

typedef struct ui_cell {
    char *text;
    char *compact; /* the column's compact form of text, or NULL (no compact form) */
    ui_element element;
} ui_cell;

typedef struct ui_row {
    char *key;      /* identifies the row across reloads (an account name) */
    ui_cell *cells; /* NULL: a lazy row not formatted yet (ui_table_add_lazy) */
    /* A lazy row not formatted, read by a filter or a sort (or between keys, ui_table_idle):
     * one allocation with its cells' elements (a byte each) then their texts, each ending in
     * NUL; no widths, no compact forms. NULL when not read (or changed since). */
    char *texts_read;
    bool stale; /* formatted (or read) again when next shown (ui_table_mark_stale) */
    /* Its texts read went (ui_table_refresh_cells, a change to columns the view does not read)
     * while its place in the view came from them: a later change still moves it. */
    bool placed;
} ui_row;

struct ui_table;
/* Formats lazy row `row` (its position in the order rows were added) by giving its cells to
 * ui_table_set_row(t, row, ...). */
typedef void ui_row_format_fn(void *ctx, struct ui_table *t, size_t row);
/* Row `row`'s value in column col (ui_table_set_sort_value), as of the page's data now. */
typedef int64_t ui_row_value_fn(void *ctx, size_t row, size_t col);

typedef struct ui_table {
    const ui_column *cols;
    size_t ncols;
    ui_row *rows;
    size_t nrows, cap;
    size_t *view; /* indices of rows that pass the filter, in sort order */
    size_t nview;
    size_t sel, top;
    char filter[128];
    bool filter_editing;
    int sort_col; /* -1: natural order */
    bool sort_desc;
    char *pending_key; /* selection to restore after a reload */
    const char *noun;  /* "account|accounts": "1 account", "3 accounts" */
    const char *empty_text;
    ui_element base;       /* look of plain cells: UI_EL_NORMAL, or UI_EL_DIALOG inside a dialog */
    const int *keep;       /* optional, one per column: when columns must go, lowest first */
    unsigned elide_middle; /* bit c: column c's long cells keep their start and end */
    int whole_over[UI_TABLE_MAX_COLUMNS]; /* > 0: columns of lower keep go before c is cut */
    ui_compact_fn *compact[UI_TABLE_MAX_COLUMNS]; /* per column, optional */
    int widths[UI_TABLE_MAX_COLUMNS];
    int content_widths[UI_TABLE_MAX_COLUMNS]; /* widest cell per column, kept as rows are added */
    int compact_widths[UI_TABLE_MAX_COLUMNS]; /* widest compact form per column */
    unsigned compacted;    /* bit c: column c shows its compact form at the last draw */
    unsigned stale_widths; /* bit c: a widest cell of column c was replaced by a narrower one */
    int body_h;            /* rows shown at the last draw (for PgUp/PgDn) */
    unsigned long loads;   /* whole reloads (ui_table_begin): a page updating in place keeps it */
    ui_row_format_fn *format; /* formats lazy rows when first needed (ui_table_set_format) */
    void *format_ctx;
    ui_row_value_fn *sort_value; /* the values of the columns in value_cols */
    unsigned value_cols;         /* bit c: column c sorts by sort_value, not by its text */
    unsigned long formats;       /* lazy rows formatted and kept: O(visible rows) a draw */
    /* A filter or a sort reading a lazy row not formatted yet: the page's format call gives its
     * cells to ui_table_set_row, which keeps their texts and elements only (ui_row.texts_read:
     * no widths or compact forms), so the rows kept formatted stay the rows shown and the next
     * filter or sort formats nothing. */
    bool reading;
    size_t reading_row;
    size_t unread_from;   /* rows before it have their texts (ui_table_idle's cursor) */
    unsigned long probes; /* lazy rows read so (a format call each) */
    /* Rows whose cells or texts the page changed since the view was built (ui_table_set_row,
     * ui_table_refresh_row): ui_table_update_end moves only them when they are few. */
    size_t *changed;
    size_t nchanged, changed_cap;
    bool changed_all;       /* too many, or the rows moved: the view is built again whole */
    bool keeps_place;       /* the row formatted now keeps its place in the view */
    unsigned long rebuilds; /* views built whole (every row's filter and sort cell read) */
} ui_table;

void ui_table_init(ui_table *t, const ui_column *cols, size_t ncols, const char *noun,
                   const char *empty_text);
void ui_table_free(ui_table *t);
/* When the pane is too narrow for every column, columns go lowest keep first (ties: the
 * rightmost); without this, from the right. keep has ncols entries and must outlive t. */
void ui_table_set_keep(ui_table *t, const int *keep);
/* A cell of column col too long for it keeps its start and its end ("127.0.0.1:18…/openai"):
 * for URLs and paths, where the part that tells rows apart is at the end. */
void ui_table_elide_middle(ui_table *t, size_t col);
/* Flex column col shows its cells whole (a fallback chain): columns whose keep is below
 * outranks take their compact form or go before col is cut below its content (the other
 * columns stay and col shrinks, as any flex column). */
void ui_table_whole(ui_table *t, size_t col, int outranks);
/* Column col has a compact form ("✓ 216ms 2m" for "✓ ok 216ms 2m ago"): when the columns do
 * not fit, a column shows its compact form (lowest keep first) before any column goes. Call
 * before adding rows. */
void ui_table_set_compact(ui_table *t, size_t col, ui_compact_fn *compact);
/* Plain and dim cells take this element's look (a table inside a dialog: UI_EL_DIALOG). */
void ui_table_set_base(ui_table *t, ui_element base);
/* Reloading: begin (remembers the selected key), add every row, end (filter, sort, restore). */
void ui_table_begin(ui_table *t);
/* texts has ncols entries; elements NULL = all normal. */
void ui_table_add(ui_table *t, const char *key, const char *const *texts,
                  const ui_element *elements);
void ui_table_end(ui_table *t);
/* Lazy rows (10,000 accounts: the first frame formats only the rows it shows): the table calls
 * format for a row the first time it needs its cells to draw it; the cells are then kept. A
 * filter or a sort reads a row not formatted yet through the same format call and keeps only its
 * texts and elements (the same texts: the same matches and order; the row stays lazy), until the
 * row changes (ui_table_refresh_row, ui_table_sync, ui_table_refresh_formatted). Column widths
 * come from the rows formatted so far (the widest cell seen), so scrolling to a wider cell
 * widens its column. */
void ui_table_set_format(ui_table *t, ui_row_format_fn *format, void *ctx);
/* Column col sorts by value (called with the format's ctx: a time, oldest first ascending), not
 * by its text ("3m ago" sorts as text, and ages between keys). A row whose value changed is
 * refreshed as for a change to its texts (ui_table_refresh_cells with the column): it moves. */
void ui_table_set_sort_value(ui_table *t, size_t col, ui_row_value_fn *value);
/* Adds a lazy row with its key only (between ui_table_begin and ui_table_end). */
void ui_table_add_lazy(ui_table *t, const char *key);
/* Lazy row `row` changed: formatted again now when it was formatted (drawn), else its texts read
 * for a filter or a sort are dropped (read again when next needed). Then ui_table_update_end. */
void ui_table_refresh_row(ui_table *t, size_t row);
/* ui_table_refresh_row for a change to these columns alone (bit c: column c): while no filter
 * is on and the sort is by another column, the row keeps its place in the view, and
 * ui_table_update_end moves nothing for it (a probe's result on 10,000 accounts sorted by
 * name: no row read for the view, the rows read drop their texts, read again between keys). */
void ui_table_refresh_cells(ui_table *t, size_t row, unsigned columns);
/* The key of item `item` of the page's list, and whether item `item` shows as row `row` did
 * (the page compares its list before the change with the new one). */
typedef const char *ui_row_key_fn(void *ctx, size_t item);
typedef bool ui_row_same_fn(void *ctx, size_t row, size_t item);
/* Makes the lazy rows the page's list of n items, in its order, without formatting any row that
 * is not shown (a catalog change: O(n) keys compared, O(rows changed) formatted): a row whose key
 * is still there and whose item is the same keeps its cells; a changed row that was formatted
 * is formatted again now (from the new list: call after the page holds it), else left lazy; new
 * rows are lazy; gone rows go. The selection keeps its key (or takes pending_key when set),
 * the filter and sort stay. A list whose
 * keys changed (added, removed, moved) counts as a whole reload (loads). Needs
 * ui_table_set_format. */
void ui_table_sync(ui_table *t, size_t n, ui_row_key_fn *key, ui_row_same_fn *same, void *ctx);
/* Every row formatted so far formatted again now (what they show moved: a health snapshot), the
 * others left lazy (their texts read for a filter or a sort dropped): O(rows formatted), then
 * the filter and sort applied again. */
void ui_table_refresh_formatted(ui_table *t);
/* The rows on screen (as last laid out) formatted again now: O(rows shown), then the filter and
 * sort applied again. With ui_table_reread for the others between keys. */
void ui_table_refresh_shown(ui_table *t);
/* The rows on screen as last laid out (positions in the order rows were added), at most max;
 * how many. */
size_t ui_table_shown_rows(const ui_table *t, size_t *out, size_t max);
/* Row `row`, when formatted or read so far, formatted or read again now through the page's
 * format call (its data of now: no texts dropped for a later key to read) and moved by the next
 * ui_table_update_end; false when it was not read (it is read with the data of then). */
bool ui_table_reread_row(ui_table *t, size_t row);
/* ui_table_refresh_formatted in pieces between keys: the rows from `from` formatted or read so far
 * are formatted or read again now (through the page's format call, with the page's data of now)
 * until until_us (mm_monotonic_us), then moved alone where the filter and sort place them.
 * Returns the row to go on from (t->nrows once every row is done). */
size_t ui_table_reread(ui_table *t, size_t from, int64_t until_us);
/* The lazy rows' cells say how long ago something was ("2m ago"): each formatted row is
 * formatted again when it is next shown (O(rows shown) a draw), each row read for a filter or a
 * sort is read again between keys (ui_table_idle); a filter and a sort go on with the cells and
 * texts they have meanwhile. */
void ui_table_mark_stale(ui_table *t);
/* Whether lazy row `row` was formatted or read (a filter, a sort; its texts dropped since by
 * ui_table_refresh_cells count: the view placed it): a page that follows a change the rows' list
 * does not show (a health status) refreshes these rows (ui_table_refresh_row). */
bool ui_table_row_read(const ui_table *t, size_t row);
/* Between keys: reads the texts of the lazy rows not read yet (or marked stale) until
 * until_us (mm_monotonic_us), so the first filter or sort key formats no row. Returns true
 * while rows are left to read. */
bool ui_table_idle(ui_table *t, int64_t until_us);
/* Every lazy row's look changed (the Health page's sparkline width): their cells go and are
 * formatted again when next needed (O(rows shown) without a filter or a sort); the rows, their
 * keys, the selection, filter and sort stay. */
void ui_table_forget_cells(ui_table *t);
/* Updating in place (O(rows changed), not a reload): replaces the cells of row (a position in
 * the order rows were added; its key stays), then ui_table_update_end re-filters and re-sorts
 * only when a filter or a sort is on (the selection keeps its key): the rows changed alone are
 * taken out of the view and put back where the filter and the sort place them (O(n + k log n)
 * for k rows changed, the same view a whole re-sort gives), the whole view built again only
 * when many rows changed. false when out of memory (the row keeps its old cells). */
bool ui_table_set_row(ui_table *t, size_t row, const char *const *texts,
                      const ui_element *elements);
void ui_table_update_end(ui_table *t);
/* The data side of a draw into area: scrolls to the selection, formats the lazy rows that
 * show and fits the column widths (ui_table_draw calls it; tests call it without a screen). */
void ui_table_layout(ui_table *t, ui_rect area);
/* Draws header, rows and the status/filter line into area. */
void ui_table_draw(ui_table *t, ui_app *app, WINDOW *win, ui_rect area, bool focused);
/* Movement, filter and sort keys. While the filter is being typed every printable key is
 * taken. Returns a UI_* bitmask. */
int ui_table_handle_key(ui_table *t, int key);
/* y, x relative to the area the table was drawn in. */
int ui_table_handle_mouse(ui_table *t, int y, int x, mmask_t bstate);
/* The selected row's key, or NULL when the view is empty. */
const char *ui_table_selected_key(const ui_table *t);
void ui_table_select_key(ui_table *t, const char *key);
bool ui_table_filter_editing(const ui_table *t);

#endif
