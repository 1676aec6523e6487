/* The generic table: row storage (lazy rows formatted when first needed), live filter,
 * natural-order sort, column width fitting, drawing with the selection and a status line, keys
 * and mouse. */
#include "widgets/table.h"

#include <ctype.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "util/clock.h"
#include "util/hash_index.h"

void ui_table_init(ui_table *t, const ui_column *cols, size_t ncols, const char *noun,
                   const char *empty_text)
{
    memset(t, 0, sizeof *t);
    t->cols = cols;
    t->ncols = ncols > UI_TABLE_MAX_COLUMNS ? UI_TABLE_MAX_COLUMNS : ncols;
    t->sort_col = -1;
    t->noun = noun;
    t->empty_text = empty_text;
}

void ui_table_elide_middle(ui_table *t, size_t col)
{
    if (col < UI_TABLE_MAX_COLUMNS)
        t->elide_middle |= 1u << col;
}

void ui_table_whole(ui_table *t, size_t col, int outranks)
{
    if (col < UI_TABLE_MAX_COLUMNS)
        t->whole_over[col] = outranks;
}

void ui_table_set_compact(ui_table *t, size_t col, ui_compact_fn *compact)
{
    if (col < UI_TABLE_MAX_COLUMNS)
        t->compact[col] = compact;
}

void ui_table_set_keep(ui_table *t, const int *keep)
{
    t->keep = keep;
}

void ui_table_set_base(ui_table *t, ui_element base)
{
    t->base = base;
}

/* A cell's element on the table's background. */
static ui_element on_base(const ui_table *t, ui_element el)
{
    if (t->base != UI_EL_NORMAL && (el == UI_EL_NORMAL || el == UI_EL_DIM))
        return t->base;
    return el;
}

/* Lazy row `row`'s texts read for a filter or a sort go (it changed, or it is formatted now);
 * ui_table_idle reads them again from there. */
static void drop_texts_read(ui_table *t, size_t row)
{
    free(t->rows[row].texts_read);
    t->rows[row].texts_read = NULL;
    if (row < t->unread_from)
        t->unread_from = row;
}

/* Row `row`'s cells or texts changed since the view was built: ui_table_update_end moves it
 * alone, unless so many changed that building the view again costs less. */
static void note_changed(ui_table *t, size_t row)
{
    if (t->changed_all)
        return;
    if (t->nchanged == t->changed_cap) {
        size_t cap = t->changed_cap ? t->changed_cap * 2 : 64;
        size_t *grown = cap <= t->nrows / 4 + 64 ? realloc(t->changed, cap * sizeof *grown) : NULL;
        if (!grown) {
            t->changed_all = true;
            return;
        }
        t->changed = grown;
        t->changed_cap = cap;
    }
    t->changed[t->nchanged++] = row;
}

static void free_cells(ui_table *t, ui_row *row)
{
    for (size_t c = 0; row->cells && c < t->ncols; c++) {
        free(row->cells[c].text);
        free(row->cells[c].compact);
    }
    free(row->cells);
    row->cells = NULL;
    free(row->texts_read);
    row->texts_read = NULL;
    row->stale = false;
    row->placed = false;
}

static void free_rows(ui_table *t)
{
    t->changed_all = true;
    for (size_t i = 0; i < t->nrows; i++) {
        free_cells(t, &t->rows[i]);
        free(t->rows[i].key);
    }
    t->nrows = 0;
    t->unread_from = 0;
}

void ui_table_free(ui_table *t)
{
    free_rows(t);
    free(t->rows);
    free(t->view);
    free(t->pending_key);
    free(t->changed);
    t->rows = NULL;
    t->view = NULL;
    t->pending_key = NULL;
    t->changed = NULL;
    t->cap = t->nview = t->nchanged = t->changed_cap = 0;
}

const char *ui_table_selected_key(const ui_table *t)
{
    if (t->nview == 0 || t->sel >= t->nview)
        return NULL;
    return t->rows[t->view[t->sel]].key;
}

void ui_table_begin(ui_table *t)
{
    const char *key = ui_table_selected_key(t);
    if (key && !t->pending_key)
        t->pending_key = strdup(key);
    free_rows(t);
    t->nview = 0;
    t->loads++;
    memset(t->content_widths, 0, sizeof t->content_widths);
    memset(t->compact_widths, 0, sizeof t->compact_widths);
    t->stale_widths = 0;
}

/* The column's compact form of text (NULL when the column has none or out of memory). */
static char *compact_text(const ui_table *t, size_t c, const char *text)
{
    if (!t->compact[c])
        return NULL;
    char out[256];
    out[0] = '\0';
    t->compact[c](out, sizeof out, text);
    return strdup(out);
}

static int cell_width(const char *text)
{
    return text ? mm_text_width(text) : 0;
}

void ui_table_set_format(ui_table *t, ui_row_format_fn *format, void *ctx)
{
    t->format = format;
    t->format_ctx = ctx;
}

void ui_table_set_sort_value(ui_table *t, size_t col, ui_row_value_fn *value)
{
    t->sort_value = value;
    if (col < t->ncols)
        t->value_cols |= 1u << col;
}

void ui_table_add_lazy(ui_table *t, const char *key)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        ui_row *grown = realloc(t->rows, cap * sizeof *grown);
        if (!grown)
            return;
        t->rows = grown;
        t->cap = cap;
    }
    t->changed_all = true; /* a row the view does not hold yet */
    ui_row *row = &t->rows[t->nrows];
    row->cells = NULL;
    row->texts_read = NULL;
    row->stale = false;
    row->placed = false;
    row->key = strdup(key ? key : "");
    if (row->key)
        t->nrows++;
}

void ui_table_add(ui_table *t, const char *key, const char *const *texts,
                  const ui_element *elements)
{
    size_t before = t->nrows;
    ui_table_add_lazy(t, key);
    if (t->nrows > before)
        ui_table_set_row(t, before, texts, elements);
}

/* Row i's cells, formatted first when it is a lazy row not formatted yet (NULL only when out of
 * memory). */
static bool cells_from_texts_read(ui_table *t, size_t i);

static const ui_cell *row_cells(ui_table *t, size_t i)
{
    if (!t->rows[i].cells && t->format) {
        t->formats++;
        t->keeps_place = true; /* the texts a filter or a sort read, or would */
        if (!cells_from_texts_read(t, i))
            t->format(t->format_ctx, t, i);
        t->keeps_place = false;
    }
    return t->rows[i].cells;
}

static void rebuild_view(ui_table *t);

void ui_table_forget_cells(ui_table *t)
{
    if (!t->format)
        return;
    for (size_t i = 0; i < t->nrows; i++)
        free_cells(t, &t->rows[i]);
    t->unread_from = 0;
    memset(t->content_widths, 0, sizeof t->content_widths);
    memset(t->compact_widths, 0, sizeof t->compact_widths);
    t->stale_widths = 0;
    if (t->filter[0] || t->sort_col >= 0)
        rebuild_view(t);
}

void ui_table_refresh_row(ui_table *t, size_t row)
{
    if (row >= t->nrows)
        return;
    if (t->rows[row].cells && t->format) {
        t->formats++;
        t->format(t->format_ctx, t, row);
    } else if (t->rows[row].texts_read || t->rows[row].placed) {
        drop_texts_read(t, row);
        t->rows[row].placed = false;
        note_changed(t, row); /* read again when the view moves it */
    }
}

void ui_table_refresh_cells(ui_table *t, size_t row, unsigned columns)
{
    bool moves = t->filter[0] || (t->sort_col >= 0 && (columns >> t->sort_col & 1u));
    if (moves || row >= t->nrows) {
        ui_table_refresh_row(t, row);
        return;
    }
    if (t->rows[row].cells && t->format) { /* its place in the view stays */
        t->formats++;
        t->keeps_place = true;
        t->format(t->format_ctx, t, row);
        t->keeps_place = false;
    } else if (t->rows[row].texts_read) {
        drop_texts_read(t, row); /* read again between keys (ui_table_idle) */
        t->rows[row].placed = true;
    }
}

bool ui_table_row_read(const ui_table *t, size_t row)
{
    return row < t->nrows && (t->rows[row].cells || t->rows[row].texts_read || t->rows[row].placed);
}

/* Lazy row i's texts and elements (ui_row.texts_read), read through the page's format call
 * when not read yet; NULL for a formatted row, or when out of memory. */
static const char *texts_read(ui_table *t, size_t i)
{
    ui_row *row = &t->rows[i];
    if (!row->texts_read && !row->cells && t->format) {
        t->reading = true;
        t->reading_row = i;
        t->probes++;
        t->format(t->format_ctx, t, i);
        t->reading = false;
    }
    return row->texts_read;
}

/* ui_table_set_row for the row being read: its elements (a byte each) then its texts, each
 * ending in NUL, in one allocation. */
static void keep_texts_read(ui_table *t, const char *const *texts, const ui_element *elements)
{
    size_t len = t->ncols;
    for (size_t c = 0; c < t->ncols; c++)
        len += strlen(texts[c] ? texts[c] : "") + 1;
    char *kept = malloc(len);
    if (!kept)
        return;
    char *out = kept + t->ncols;
    for (size_t c = 0; c < t->ncols; c++) {
        kept[c] = (char)(elements ? elements[c] : UI_EL_NORMAL);
        size_t n = strlen(texts[c] ? texts[c] : "") + 1;
        memcpy(out, texts[c] ? texts[c] : "", n);
        out += n;
    }
    ui_row *row = &t->rows[t->reading_row];
    free(row->texts_read);
    row->texts_read = kept;
    row->placed = false;
}

/* Column col's text and element of texts read (keep_texts_read's layout). */
static ui_cell read_cell(const ui_table *t, const char *read, size_t col)
{
    const char *text = read + t->ncols;
    for (size_t c = 0; c < col; c++)
        text += strlen(text) + 1;
    return (ui_cell){(char *)text, NULL, (ui_element)(unsigned char)read[col]};
}

/* A row read (not stale) takes its cells from the texts read, as its format call would give
 * them (the row has not changed since: a change drops them); false when not read. */
static bool cells_from_texts_read(ui_table *t, size_t i)
{
    ui_row *row = &t->rows[i];
    if (!row->texts_read || row->stale)
        return false;
    const char *texts[UI_TABLE_MAX_COLUMNS];
    ui_element elements[UI_TABLE_MAX_COLUMNS];
    for (size_t c = 0; c < t->ncols; c++) {
        ui_cell cell = read_cell(t, row->texts_read, c);
        texts[c] = cell.text;
        elements[c] = cell.element;
    }
    char *read = row->texts_read;
    row->texts_read = NULL; /* the cells now */
    bool set = ui_table_set_row(t, i, texts, elements);
    free(read);
    return set;
}

bool ui_table_idle(ui_table *t, int64_t until_us)
{
    if (!t->format)
        return false;
    size_t i = t->unread_from, read = 0;
    for (; i < t->nrows; i++) {
        ui_row *row = &t->rows[i];
        if (row->cells)
            continue;
        if (row->stale && row->texts_read) { /* "2m ago" read again */
            row->stale = false;
            free(row->texts_read);
            row->texts_read = NULL;
        }
        if (!row->texts_read) {
            texts_read(t, i);
            if (++read % 4 == 0 && mm_monotonic_us() >= until_us) {
                i++;
                break;
            }
        }
    }
    t->unread_from = i;
    return i < t->nrows;
}

/* The filter as a scan compares it: each byte's lowercase (tolower, as strcasestr compares) in a
 * table built once a scan, and the filter folded so. */
typedef struct filter_fold {
    unsigned char lower[256];
    unsigned char needle[sizeof((ui_table *)0)->filter];
    size_t len;
} filter_fold;

static void fold_filter(const ui_table *t, filter_fold *f)
{
    for (int c = 0; c < 256; c++)
        f->lower[c] = (unsigned char)tolower(c);
    f->len = strlen(t->filter);
    for (size_t k = 0; k <= f->len; k++)
        f->needle[k] = f->lower[(unsigned char)t->filter[k]];
}

/* Whether text contains the filter, case-insensitive (strcasestr's matches); when not, *end is
 * text's NUL. */
static bool text_contains(const filter_fold *f, const char *text, const char **end)
{
    const unsigned char *s = (const unsigned char *)text;
    for (; *s; s++) {
        if (f->lower[*s] != f->needle[0])
            continue;
        size_t k = 1;
        while (k < f->len && f->lower[s[k]] == f->needle[k]) /* a NUL stops it: never in needle */
            k++;
        if (k == f->len)
            return true;
    }
    *end = (const char *)s;
    return false;
}

/* Whether row i passes the filter folded in f (every row when the filter is empty). */
static bool row_matches(ui_table *t, size_t i, const filter_fold *f)
{
    if (!f->len)
        return true;
    const char *end;
    if (!t->rows[i].cells) { /* a lazy row: the texts read */
        const char *read = texts_read(t, i);
        const char *text = read ? read + t->ncols : NULL;
        for (size_t c = 0; text && c < t->ncols; c++, text = end + 1)
            if (text_contains(f, text, &end))
                return true;
        return false;
    }
    const ui_cell *cells = t->rows[i].cells;
    for (size_t c = 0; cells && c < t->ncols; c++)
        if (cells[c].text && text_contains(f, cells[c].text, &end))
            return true;
    return false;
}

/* The number a digit run at s starts (strtod's), its end in *end. A run of at most 15 digits,
 * with a fraction when the locale's decimal point is '.' (dot_decimal; else no '.' or ','
 * follows), that no 'e' or 'x' follows is read here: its digits as an integer (exact in a double)
 * over a power of ten (exact), one correctly rounded division, as strtod rounds ("127.0.0.1":
 * 127.0, then 0.0, then 1). The others go to strtod (several times slower; a sort reads every
 * row's runs). */
static double digit_run(const char *s, const char **end, bool dot_decimal)
{
    static const double POW10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    uint64_t digits = 0;
    int count = 0, fraction = 0;
    const char *p = s;
    for (; isdigit((unsigned char)*p) && count <= 15; p++, count++)
        digits = digits * 10 + (uint64_t)(*p - '0');
    if (*p == '.' && dot_decimal && count <= 15)
        for (p++; isdigit((unsigned char)*p) && count <= 15; p++, count++, fraction++)
            digits = digits * 10 + (uint64_t)(*p - '0');
    const char *ends_not = dot_decimal ? "eExX" : ".,eExX"; /* strtod would read on */
    if (count <= 15 && !isdigit((unsigned char)*p) && (!*p || !strchr(ends_not, *p))) {
        *end = p;
        return (double)digits / POW10[fraction];
    }
    char *e;
    double value = strtod(s, &e);
    *end = e;
    return value;
}

/* Severity of a cell's look: lower sorts first (ascending = worst first). */
static int severity_rank(ui_element el)
{
    switch (el) {
    case UI_EL_BAD:
    case UI_EL_ERROR:
        return 0;
    case UI_EL_WARN:
        return 1;
    case UI_EL_DIM:
        return 2;
    case UI_EL_OK:
        return 4;
    default:
        return 3;
    }
}

/* The sort keys of the rows of the view, while sorting: bytes in one buffer, memcmp's order. */
typedef struct sort_keys {
    const ui_table *t;
    unsigned char *bytes;
    size_t len, cap;
    size_t *from, *size; /* indexed by row: the key's offset in bytes and its length */
} sort_keys;

static bool reserve_key(sort_keys *k, size_t more)
{
    if (k->len + more <= k->cap)
        return true;
    size_t cap = k->cap ? k->cap * 2 : 4096;
    while (cap < k->len + more)
        cap *= 2;
    unsigned char *grown = realloc(k->bytes, cap);
    if (!grown)
        return false;
    k->bytes = grown;
    k->cap = cap;
    return true;
}

/* Appends cell's sort key for row r. Natural, case-insensitive order (digit runs compare as
 * numbers: "rpm 50" < "rpm 500"), as bytes memcmp orders the same way: a by_severity column
 * first the look's rank; then a character is its lowercase byte, a digit run (as strtod reads
 * it from its first digit) is '0' and its value's 8 bytes, most significant first (the bits of
 * a non-negative double order as its value). No character is a digit outside a run, so a run
 * sorts against a character as its first digit does; a text that ends sorts first. Built once a
 * sort (n keys), not for each of its n log n comparisons. */
static bool append_key(sort_keys *k, size_t r, const ui_cell *cell, bool by_severity,
                       bool dot_decimal)
{
    const char *text = cell->text;
    if (!reserve_key(k, 1 + 9 * strlen(text)))
        return false;
    unsigned char *out = k->bytes + k->len;
    if (by_severity)
        *out++ = (unsigned char)severity_rank(cell->element);
    while (*text) {
        if (!isdigit((unsigned char)*text)) {
            *out++ = (unsigned char)tolower((unsigned char)*text++);
            continue;
        }
        double value = digit_run(text, &text, dot_decimal);
        uint64_t bits;
        memcpy(&bits, &value, sizeof bits);
        *out++ = '0';
        for (int shift = 56; shift >= 0; shift -= 8)
            *out++ = (unsigned char)(bits >> shift);
    }
    k->from[r] = k->len;
    k->size[r] = (size_t)(out - (k->bytes + k->len));
    k->len += k->size[r];
    return true;
}

/* Rows ra's and rb's keys in memcmp's order (ascending, without the ties' rule). */
static int compare_keys(const sort_keys *k, size_t ra, size_t rb)
{
    size_t la = k->size[ra], lb = k->size[rb];
    int cmp = memcmp(k->bytes + k->from[ra], k->bytes + k->from[rb], la < lb ? la : lb);
    return cmp ? cmp : (la > lb) - (la < lb);
}

static int compare_view(const void *a, const void *b, void *ctx)
{
    const sort_keys *k = ctx;
    size_t ra = *(const size_t *)a, rb = *(const size_t *)b;
    int cmp = compare_keys(k, ra, rb);
    if (k->t->sort_desc)
        cmp = -cmp;
    if (cmp)
        return cmp;
    return ra < rb ? -1 : ra > rb; /* ties keep the natural order: a stable sort */
}

/* Row r's sort cell (its texts read first when it is a lazy row not formatted). */
static ui_cell sort_cell(ui_table *t, size_t r)
{
    const char *read = t->rows[r].cells ? NULL : texts_read(t, r);
    ui_cell cell = {"", NULL, UI_EL_NORMAL}; /* a row out of memory sorts as empty */
    if (t->rows[r].cells)
        cell = t->rows[r].cells[t->sort_col];
    else if (read)
        cell = read_cell(t, read, (size_t)t->sort_col);
    if (!cell.text)
        cell.text = "";
    return cell;
}

/* Empty keys for t's rows (from and size indexed by row); false when out of memory. */
static bool keys_init(sort_keys *k, const ui_table *t)
{
    size_t n = t->nrows ? t->nrows : 1;
    *k = (sort_keys){t, NULL, 0, 0, malloc(n * sizeof *k->from), malloc(n * sizeof *k->size)};
    return k->from && k->size;
}

static void keys_free(sort_keys *k)
{
    free(k->bytes);
    free(k->from);
    free(k->size);
}

/* Appends row r's sort key to k (append_key of its sort cell). */
static bool append_row_key(ui_table *t, sort_keys *k, size_t r, bool dot_decimal)
{
    if ((t->value_cols >> t->sort_col & 1u) &&
        t->sort_value) { /* 8 bytes, memcmp orders as int64 */
        if (!reserve_key(k, 8))
            return false;
        uint64_t bits =
            (uint64_t)t->sort_value(t->format_ctx, r, (size_t)t->sort_col) ^ (UINT64_C(1) << 63);
        for (int shift = 56; shift >= 0; shift -= 8)
            k->bytes[k->len++] = (unsigned char)(bits >> shift);
        k->from[r] = k->len - 8;
        k->size[r] = 8;
        return true;
    }
    ui_cell cell = sort_cell(t, r);
    return append_key(k, r, &cell, t->cols[t->sort_col].by_severity, dot_decimal);
}

/* O(n log n) over keys built in O(n): a key that sorts 10,000 rows stays within a frame; O(n)
 * when the column is in order already. The view is in the natural order (rebuild_view). */
static void sort_view(ui_table *t)
{
    if (t->sort_col < 0 || t->nview < 2)
        return;
    sort_keys k;
    bool ok = keys_init(&k, t);
    bool dot_decimal = strcmp(localeconv()->decimal_point, ".") == 0; /* strtod's */
    for (size_t i = 0; ok && i < t->nview; i++) /* a sort reads every row's sort cell */
        ok = append_row_key(t, &k, t->view[i], dot_decimal);
    /* the view is in the natural order: a column already in order (names read ORDER BY name,
     * a column of one value) is left so, or reversed for descending when no two keys tie */
    bool ascending = true, strictly = true, equal = true;
    for (size_t i = 0; ok && i + 1 < t->nview && (ascending || equal); i++) {
        int cmp = compare_keys(&k, t->view[i], t->view[i + 1]);
        ascending &= cmp <= 0;
        strictly &= cmp < 0;
        equal &= cmp == 0;
    }
    if (ok && t->sort_desc && strictly)
        for (size_t i = 0, j = t->nview - 1; i < j; i++, j--) {
            size_t row = t->view[i];
            t->view[i] = t->view[j];
            t->view[j] = row;
        }
    else if (ok && !(t->sort_desc ? equal : ascending))
        qsort_r(t->view, t->nview, sizeof *t->view, compare_view, &k);
    keys_free(&k);
}

/* ---- moving the rows changed (ui_table_update_end) ---- */

/* The keys of the rows moved (the first moved_len bytes), then of the row of the view each is
 * compared with. */
typedef struct move_keys {
    sort_keys k;
    size_t moved_len;
    bool dot_decimal;
} move_keys;

/* Whether row r of the view goes before moved row m in the view's order (compare_view's: the
 * sort key, then the natural order; without a sort the natural order). */
static bool goes_before(ui_table *t, move_keys *mk, size_t r, size_t m)
{
    if (t->sort_col < 0)
        return r < m;
    mk->k.len = mk->moved_len;
    if (!append_row_key(t, &mk->k, r, mk->dot_decimal))
        return true; /* out of memory: the row keeps a place, the view stays whole */
    return compare_view(&r, &m, &mk->k) < 0;
}

static int compare_index(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* The rows changed since the view was built, each once, in *out (NULL when out of memory);
 * mark[r] set for each. */
static size_t changed_rows(ui_table *t, unsigned char *mark, size_t **out)
{
    *out = malloc((t->nchanged ? t->nchanged : 1) * sizeof **out);
    size_t n = 0;
    for (size_t i = 0; *out && i < t->nchanged; i++)
        if (t->changed[i] < t->nrows && !mark[t->changed[i]]) {
            mark[t->changed[i]] = 1;
            (*out)[n++] = t->changed[i];
        }
    return n;
}

/* Puts moved rows (in the view's order) back into the view of kept rows: each one's place in
 * the kept rows by binary search (place: n entries, non-decreasing), then one pass from the end. */
static void merge_moved(ui_table *t, move_keys *mk, size_t kept, const size_t *moved, size_t n,
                        size_t *place)
{
    for (size_t j = 0, lo = 0; j < n; j++) {
        size_t hi = kept;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (goes_before(t, mk, t->view[mid], moved[j]))
                lo = mid + 1;
            else
                hi = mid;
        }
        place[j] = lo;
    }
    size_t from = kept, to = kept + n;
    for (size_t j = n; j-- > 0;) {
        while (from > place[j])
            t->view[--to] = t->view[--from];
        t->view[--to] = moved[j];
    }
    t->nview = kept + n;
}

/* The changed rows taken out of the view and put back where the filter and the sort place them
 * (the view a whole rebuild gives: the order is total), the selection kept on its row (the
 * first row when the filter hides it now, as a rebuild leaves it). false when out of memory
 * (then the view is built again whole). */
static bool move_changed(ui_table *t)
{
    unsigned char *mark = calloc(t->nrows ? t->nrows : 1, 1);
    size_t *moved = NULL, n = mark ? changed_rows(t, mark, &moved) : 0;
    move_keys mk = {.dot_decimal = strcmp(localeconv()->decimal_point, ".") == 0};
    bool ok = moved && keys_init(&mk.k, t);
    filter_fold fold;
    fold_filter(t, &fold);
    size_t back = 0; /* the moved rows the filter keeps, with their keys */
    for (size_t i = 0; ok && i < n; i++)
        if (row_matches(t, moved[i], &fold)) {
            moved[back++] = moved[i];
            ok = t->sort_col < 0 || append_row_key(t, &mk.k, moved[i], mk.dot_decimal);
        }
    mk.moved_len = mk.k.len;
    size_t *place = ok ? malloc((back ? back : 1) * sizeof *place) : NULL;
    ok = place != NULL;
    if (ok) {
        if (t->sort_col >= 0)
            qsort_r(moved, back, sizeof *moved, compare_view, &mk.k);
        else
            qsort(moved, back, sizeof *moved, compare_index);
        size_t sel_row = t->sel < t->nview ? t->view[t->sel] : SIZE_MAX, kept = 0;
        for (size_t i = 0; i < t->nview; i++) /* the view without the moved rows */
            if (!mark[t->view[i]])
                t->view[kept++] = t->view[i];
        merge_moved(t, &mk, kept, moved, back, place);
        t->sel = 0;
        for (size_t i = 0; i < t->nview; i++)
            if (t->view[i] == sel_row)
                t->sel = i;
    }
    free(place);
    keys_free(&mk.k);
    free(moved);
    free(mark);
    return ok;
}

static void rebuild_view(ui_table *t)
{
    const char *key = t->pending_key ? t->pending_key : ui_table_selected_key(t);
    char *keep = key ? strdup(key) : NULL;
    free(t->view);
    t->view = calloc(t->nrows ? t->nrows : 1, sizeof *t->view);
    t->nview = 0;
    filter_fold fold;
    fold_filter(t, &fold);
    for (size_t i = 0; t->view && i < t->nrows; i++)
        if (row_matches(t, i, &fold))
            t->view[t->nview++] = i;
    sort_view(t);
    t->nchanged = 0;
    t->changed_all = false;
    t->rebuilds++;
    t->sel = 0;
    if (keep)
        ui_table_select_key(t, keep);
    free(keep);
    free(t->pending_key);
    t->pending_key = NULL;
}

void ui_table_end(ui_table *t)
{
    rebuild_view(t);
}

bool ui_table_set_row(ui_table *t, size_t row, const char *const *texts, const ui_element *elements)
{
    if (row >= t->nrows)
        return false;
    if (t->reading && t->reading_row == row) {
        keep_texts_read(t, texts, elements);
        return true;
    }
    if (t->rows[row].texts_read) /* the cells now: the texts read go */
        drop_texts_read(t, row);
    t->rows[row].placed = false;
    if (!t->keeps_place)
        note_changed(t, row);
    char *copies[UI_TABLE_MAX_COLUMNS] = {0};
    for (size_t c = 0; c < t->ncols; c++)
        if (!(copies[c] = strdup(texts[c] ? texts[c] : ""))) {
            for (size_t k = 0; k < c; k++)
                free(copies[k]);
            return false;
        }
    ui_cell *cells = t->rows[row].cells;
    if (!cells && !(cells = t->rows[row].cells = calloc(t->ncols, sizeof *cells))) {
        for (size_t c = 0; c < t->ncols; c++)
            free(copies[c]);
        return false;
    }
    for (size_t c = 0; c < t->ncols; c++) {
        int before = cell_width(cells[c].text);
        int after = mm_text_width(copies[c]);
        if (after > t->content_widths[c])
            t->content_widths[c] = after;
        else if (before == t->content_widths[c] && after < before)
            t->stale_widths |= 1u << c;
        char *compact = compact_text(t, c, copies[c]);
        before = cell_width(cells[c].compact);
        after = cell_width(compact);
        if (after > t->compact_widths[c])
            t->compact_widths[c] = after;
        else if (before == t->compact_widths[c] && after < before)
            t->stale_widths |= 1u << c;
        free(cells[c].compact);
        cells[c].compact = compact;
        free(cells[c].text);
        cells[c].text = copies[c];
        cells[c].element = elements ? elements[c] : UI_EL_NORMAL;
    }
    return true;
}

/* The widest cell of each stale column, measured again over every row. */
static void measure_stale_widths(ui_table *t)
{
    for (size_t c = 0; c < t->ncols && t->stale_widths; c++) {
        if (!(t->stale_widths & (1u << c)))
            continue;
        int widest = 0, widest_compact = 0;
        for (size_t r = 0; r < t->nrows; r++) {
            if (!t->rows[r].cells)
                continue; /* a lazy row not formatted yet */
            int w = cell_width(t->rows[r].cells[c].text);
            if (w > widest)
                widest = w;
            w = cell_width(t->rows[r].cells[c].compact);
            if (w > widest_compact)
                widest_compact = w;
        }
        t->content_widths[c] = widest;
        t->compact_widths[c] = widest_compact;
        t->stale_widths &= ~(1u << c);
    }
}

void ui_table_update_end(ui_table *t)
{
    measure_stale_widths(t);
    bool moves = t->filter[0] || t->sort_col >= 0;
    if (moves && (t->changed_all || t->pending_key || !t->view || !move_changed(t)))
        rebuild_view(t);
    t->nchanged = 0;
}

void ui_table_mark_stale(ui_table *t)
{
    for (size_t i = 0; t->format && i < t->nrows; i++)
        t->rows[i].stale = t->rows[i].cells || t->rows[i].texts_read;
    t->unread_from = 0;
}

void ui_table_refresh_formatted(ui_table *t)
{
    for (size_t i = 0; i < t->nrows; i++)
        ui_table_refresh_row(t, i);
    ui_table_update_end(t);
}

void ui_table_refresh_shown(ui_table *t)
{
    for (int i = 0; i < t->body_h && t->top + (size_t)i < t->nview; i++)
        ui_table_refresh_row(t, t->view[t->top + (size_t)i]);
    ui_table_update_end(t);
}

size_t ui_table_shown_rows(const ui_table *t, size_t *out, size_t max)
{
    size_t n = 0;
    for (int i = 0; i < t->body_h && t->top + (size_t)i < t->nview && n < max; i++)
        out[n++] = t->view[t->top + (size_t)i];
    return n;
}

bool ui_table_reread_row(ui_table *t, size_t row)
{
    if (row >= t->nrows || !t->format)
        return false;
    ui_row *r = &t->rows[row];
    if (r->cells) {
        ui_table_refresh_row(t, row);
        return true;
    }
    if (!r->texts_read && !r->placed)
        return false; /* not read yet: read with the page's data of then */
    free(r->texts_read);
    r->texts_read = NULL;
    r->stale = false;
    texts_read(t, row); /* read again now: a filter or a sort reads no row of its own */
    note_changed(t, row);
    return true;
}

size_t ui_table_reread(ui_table *t, size_t from, int64_t until_us)
{
    /* half the slice for reading: the rows' moves (O(n + k log n)) take the rest */
    int64_t now = mm_monotonic_us();
    until_us = now + (until_us - now) / 2;
    size_t i = from, done = 0;
    for (; t->format && i < t->nrows; i++) {
        if (!ui_table_reread_row(t, i))
            continue;
        if (++done % 8 == 0 && mm_monotonic_us() >= until_us) {
            i++;
            break;
        }
    }
    if (done)
        ui_table_update_end(t);
    return i < t->nrows ? i : t->nrows;
}

/* ---- syncing with the page's list ---- */

/* The rows already have the list's keys, in its order. */
static bool keys_in_place(const ui_table *t, size_t n, ui_row_key_fn *key, void *ctx)
{
    if (t->nrows != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(t->rows[i].key, key(ctx, i)) != 0)
            return false;
    return true;
}

/* A row not moved yet (key NULL once moved) with key. */
static bool row_has_key(const void *data, size_t position, const void *key)
{
    const char *k = ((const ui_row *)data)[position].key;
    return k && strcmp(k, key) == 0;
}

/* The old row of each item (-1: a new row), or NULL when out of memory. */
static long *match_rows(const ui_table *t, size_t n, ui_row_key_fn *key, void *ctx)
{
    mm_hash_index index = {0};
    long *from = malloc((n ? n : 1) * sizeof *from);
    bool ok = from && mm_hash_index_reserve(&index, t->nrows);
    for (size_t r = 0; ok && r < t->nrows; r++)
        ok = mm_hash_index_add(&index, mm_hash_string(t->rows[r].key), r);
    /* a duplicate key takes the next old row of that key: keys are marked taken as they go */
    char **taken = ok ? calloc(t->nrows ? t->nrows : 1, sizeof *taken) : NULL;
    for (size_t i = 0; taken && i < n; i++) {
        const char *k = key(ctx, i);
        from[i] = mm_hash_index_find(&index, mm_hash_string(k), k, row_has_key, t->rows);
        if (from[i] >= 0) {
            taken[from[i]] = t->rows[from[i]].key;
            t->rows[from[i]].key = NULL;
        }
    }
    for (size_t r = 0; taken && r < t->nrows; r++)
        if (taken[r])
            t->rows[r].key = taken[r];
    mm_hash_index_free(&index);
    if (!taken) {
        free(from);
        return NULL;
    }
    free(taken);
    return from;
}

/* The rows rebuilt in the list's order from the old rows (from[i]) and new lazy ones; the rows
 * to format again marked in refresh. false when out of memory (the table unchanged). */
static bool move_rows(ui_table *t, size_t n, ui_row_key_fn *key, ui_row_same_fn *same, void *ctx,
                      const long *from, bool *refresh)
{
    ui_row *rows = calloc(n ? n : 1, sizeof *rows);
    for (size_t i = 0; rows && i < n; i++)
        if (from[i] < 0 && !(rows[i].key = strdup(key(ctx, i)))) {
            for (size_t k = 0; k < i; k++)
                free(from[k] < 0 ? rows[k].key : NULL);
            free(rows);
            rows = NULL;
        }
    if (!rows)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (from[i] < 0)
            continue;
        ui_row *old = &t->rows[from[i]];
        bool changed = (old->cells || old->texts_read) && !same(ctx, (size_t)from[i], i);
        refresh[i] = changed && old->cells;
        if (changed && !old->cells) { /* read again when next needed */
            free(old->texts_read);
            old->texts_read = NULL;
        }
        rows[i] = *old;
        old->key = NULL;
        old->cells = NULL;
        old->texts_read = NULL;
    }
    for (size_t r = 0; r < t->nrows; r++) { /* the rows gone */
        if (t->rows[r].cells)
            t->stale_widths = (1u << t->ncols) - 1; /* one may have been the widest */
        free_cells(t, &t->rows[r]);
        free(t->rows[r].key);
    }
    free(t->rows);
    t->rows = rows;
    t->nrows = t->cap = n;
    t->unread_from = 0;
    return true;
}

void ui_table_sync(ui_table *t, size_t n, ui_row_key_fn *key, ui_row_same_fn *same, void *ctx)
{
    if (keys_in_place(t, n, key, ctx)) { /* the same rows: only the changed ones again */
        bool changed = false;
        for (size_t i = 0; i < n; i++)
            if (ui_table_row_read(t, i) && !same(ctx, i, i)) {
                ui_table_refresh_row(t, i);
                changed = true;
            }
        if (changed)
            ui_table_update_end(t);
        if (t->pending_key) { /* a selection asked for (a jump from another page) */
            ui_table_select_key(t, t->pending_key);
            free(t->pending_key);
            t->pending_key = NULL;
        }
        return;
    }
    long *from = match_rows(t, n, key, ctx);
    bool *refresh = from ? calloc(n ? n : 1, sizeof *refresh) : NULL;
    const char *selected = ui_table_selected_key(t);
    if (selected && !t->pending_key)
        t->pending_key = strdup(selected);
    if (refresh && move_rows(t, n, key, same, ctx, from, refresh)) {
        t->loads++;
        for (size_t i = 0; i < n; i++)
            if (refresh[i])
                ui_table_refresh_row(t, i);
        measure_stale_widths(t);
        rebuild_view(t);
    }
    free(refresh);
    free(from);
}

void ui_table_select_key(ui_table *t, const char *key)
{
    for (size_t i = 0; i < t->nview; i++)
        if (strcmp(t->rows[t->view[i]].key, key) == 0) {
            t->sel = i;
            return;
        }
    if (t->sel >= t->nview)
        t->sel = t->nview ? t->nview - 1 : 0;
}

bool ui_table_filter_editing(const ui_table *t)
{
    return t->filter_editing;
}

/* ---- widths ---- */

/* The column that goes first when the pane is too narrow: lowest keep, ties the rightmost. */
static int column_to_drop(const ui_table *t)
{
    int drop = -1;
    for (size_t i = 0; i < t->ncols; i++)
        if (t->widths[i] > 0 && (drop < 0 || !t->keep || t->keep[i] <= t->keep[drop]))
            drop = (int)i;
    return drop;
}

/* The widest cell was kept as rows were added: a redraw does not measure every row. */
static int preferred_width(const ui_table *t, size_t c)
{
    int w = mm_text_width(t->cols[c].title) + ((int)c == t->sort_col); /* the sort mark */
    int content = t->compacted & (1u << c) ? t->compact_widths[c] : t->content_widths[c];
    if (content > w)
        w = content;
    if (w > t->cols[c].max_width)
        w = t->cols[c].max_width;
    return w < t->cols[c].min_width ? t->cols[c].min_width : w;
}

/* The room the shown columns need, each with its separator: a flex column at its minimum, or
 * (with_whole) at its preferred width when it is a whole column. */
static int room_needed(const ui_table *t, bool with_whole)
{
    int room = 0;
    for (size_t c = 0; c < t->ncols; c++) {
        if (t->widths[c] == 0)
            continue;
        bool at_min = t->cols[c].flex && !(with_whole && t->whole_over[c] > 0);
        room += (at_min ? t->cols[c].min_width : t->widths[c]) + 1;
    }
    return room;
}

/* The room the shown columns take at their preferred widths, separators included. */
static int preferred_room(const ui_table *t)
{
    int room = 0;
    for (size_t c = 0; c < t->ncols; c++)
        room += t->widths[c] ? t->widths[c] + 1 : 0;
    return room;
}

static int keep_of(const ui_table *t, int c)
{
    return t->keep ? t->keep[c] : 0;
}

/* A whole column shown that would be cut and that outranks column drop. */
static bool whole_column_outranks(const ui_table *t, int drop, int width)
{
    if (room_needed(t, true) <= width)
        return false;
    for (size_t c = 0; c < t->ncols; c++)
        if (t->widths[c] > 0 && (int)c != drop && keep_of(t, drop) < t->whole_over[c])
            return true;
    return false;
}

/* The shown column whose compact form saves the most, lowest keep first; -1 when none. */
static int column_to_compact(const ui_table *t)
{
    int best = -1;
    for (size_t c = 0; c < t->ncols; c++) {
        if (t->widths[c] == 0 || !t->compact[c] || (t->compacted & (1u << c)))
            continue;
        if (best < 0 || keep_of(t, (int)c) < keep_of(t, best))
            best = (int)c;
    }
    return best;
}

/* The flex column shown after column after in shrinking order (-1: the first): lowest keep
 * first, ties in column order; -1 when none is left. */
static int flex_after(const ui_table *t, int after)
{
    int best = -1;
    for (size_t c = 0; c < t->ncols; c++) {
        if (t->widths[c] == 0 || !t->cols[c].flex)
            continue;
        int k = keep_of(t, (int)c);
        bool later =
            after < 0 || k > keep_of(t, after) || (k == keep_of(t, after) && (int)c > after);
        bool earlier = best < 0 || k < keep_of(t, best) || (k == keep_of(t, best) && (int)c < best);
        if (later && earlier)
            best = (int)c;
    }
    return best;
}

/* Widths: preferred (content, capped). While the columns at their preferred widths do not
 * fit, a column takes its compact form, lowest keep first (before any flex column is cut);
 * while they still do not fit (non-flex ones at their preferred width, flex ones at their
 * minimum, a whole column at its preferred width against the columns it outranks), a column
 * goes (readable columns beat many squeezed ones); then flex columns shrink, lowest
 * keep first; room left goes to the flex column of lowest keep up to its max width, the rest
 * to the last column. */
static void fit_widths(ui_table *t, int width)
{
    t->compacted = 0;
    for (size_t c = 0; c < t->ncols; c++)
        t->widths[c] = preferred_width(t, c);
    for (;;) {
        int drop = column_to_drop(t);
        bool must_drop =
            drop >= 0 && (room_needed(t, false) > width || whole_column_outranks(t, drop, width));
        int compact = column_to_compact(t);
        if (compact >= 0 && (must_drop || preferred_room(t) > width)) {
            t->compacted |= 1u << compact;
            t->widths[compact] = preferred_width(t, (size_t)compact);
        } else if (must_drop) {
            t->widths[drop] = 0;
        } else {
            break;
        }
    }
    int total = 0;
    for (size_t c = 0; c < t->ncols; c++)
        total += t->widths[c] ? t->widths[c] + 1 : 0;
    for (int i = flex_after(t, -1); i >= 0 && total > width; i = flex_after(t, i)) {
        int spare = t->widths[i] - t->cols[i].min_width;
        int cut = total - width < spare ? total - width : spare;
        t->widths[i] -= cut;
        total -= cut;
    }
    int grow = flex_after(t, -1);
    if (grow >= 0 && total < width && t->widths[grow] < t->cols[grow].max_width) {
        int room = t->cols[grow].max_width - t->widths[grow];
        room = room < width - total ? room : width - total;
        t->widths[grow] += room;
        total += room;
    }
    if (grow >= 0 && total < width)
        grow = -1; /* the rest goes to the last column shown */
    for (size_t i = t->ncols; grow < 0 && i-- > 0;)
        if (t->widths[i] > 0)
            grow = (int)i;
    if (grow >= 0 && total < width)
        t->widths[grow] += width - total;
    else if (grow >= 0 && total > width) /* a single column wider than the pane */
        t->widths[grow] -= total - width < t->widths[grow] ? total - width : t->widths[grow] - 1;
}

/* ---- drawing ---- */

static void draw_header(ui_table *t, ui_app *app, WINDOW *win, ui_rect a)
{
    int x = a.x;
    ui_draw_text(app, win, a.y, a.x, a.w, UI_EL_TABLE_HEADER, UI_ALIGN_LEFT, "");
    for (size_t c = 0; c < t->ncols; c++) {
        if (t->widths[c] == 0)
            continue;
        char title[64];
        if ((int)c == t->sort_col)
            snprintf(title, sizeof title, "%s%s", t->cols[c].title,
                     ui_glyph(app, t->sort_desc ? UI_G_DOWN : UI_G_UP));
        else
            snprintf(title, sizeof title, "%s", t->cols[c].title);
        ui_draw_text(app, win, a.y, x, t->widths[c], UI_EL_TABLE_HEADER, t->cols[c].align, title);
        x += t->widths[c] + 1;
    }
}

static void draw_row(ui_table *t, ui_app *app, WINDOW *win, int y, ui_rect a, const ui_row *row,
                     ui_element selected)
{
    int x = a.x;
    if (selected != UI_EL_NORMAL)
        ui_draw_text(app, win, y, a.x, a.w, selected, UI_ALIGN_LEFT, "");
    for (size_t c = 0; row->cells && c < t->ncols; c++) {
        if (t->widths[c] == 0)
            continue;
        ui_element el = selected != UI_EL_NORMAL ? selected : on_base(t, row->cells[c].element);
        const char *text = row->cells[c].text;
        if ((t->compacted & (1u << c)) && row->cells[c].compact)
            text = row->cells[c].compact;
        char shortened[512];
        if (t->elide_middle & (1u << c)) {
            ui_shorten_middle(app, shortened, sizeof shortened, text, t->widths[c]);
            text = shortened;
        }
        ui_draw_text(app, win, y, x, t->widths[c], el, t->cols[c].align, text);
        x += t->widths[c] + 1;
    }
}

static void draw_status(ui_table *t, ui_app *app, WINDOW *win, ui_rect a)
{
    char line[256];
    int y = a.y + a.h - 1;
    if (t->filter_editing || t->filter[0]) {
        snprintf(line, sizeof line, "filter: %s%s  (%zu of %zu)  %s", t->filter,
                 t->filter_editing ? "_" : "", t->nview, t->nrows,
                 t->filter_editing ? "Enter keeps it, Esc clears it"
                                   : "/ changes it, Esc clears it");
        ui_draw_text(app, win, y, a.x, a.w, UI_EL_FILTER, UI_ALIGN_LEFT, line);
        return;
    }
    char sort[96] = "";
    if (t->sort_col >= 0)
        snprintf(sort, sizeof sort, "  sorted by %s %s", t->cols[t->sort_col].title,
                 t->sort_desc ? "(descending)" : "(ascending)");
    const char *bar = strchr(t->noun, '|');
    int one_len = bar ? (int)(bar - t->noun) : (int)strlen(t->noun);
    if (t->nrows == 1 || !bar)
        snprintf(line, sizeof line, "%zu %.*s%s", t->nrows, one_len, t->noun, sort);
    else
        snprintf(line, sizeof line, "%zu %s%s", t->nrows, bar + 1, sort);
    ui_draw_text(app, win, y, a.x, a.w, on_base(t, UI_EL_DIM), UI_ALIGN_LEFT, line);
}

void ui_table_layout(ui_table *t, ui_rect a)
{
    t->body_h = a.h > 2 ? a.h - 2 : 0;
    if (t->sel >= t->nview)
        t->sel = t->nview ? t->nview - 1 : 0;
    if (t->sel < t->top)
        t->top = t->sel;
    if (t->sel >= t->top + (size_t)t->body_h)
        t->top = t->sel - (size_t)t->body_h + 1;
    if (t->top + (size_t)t->body_h > t->nview)
        t->top = t->nview > (size_t)t->body_h ? t->nview - (size_t)t->body_h : 0;
    for (int i = 0; i < t->body_h && t->top + (size_t)i < t->nview; i++) {
        size_t row = t->view[t->top + (size_t)i]; /* the rows shown, and no other */
        if (t->rows[row].stale) {
            t->rows[row].stale = false;
            ui_table_refresh_row(t, row);
        }
        row_cells(t, row);
    }
    measure_stale_widths(t);
    fit_widths(t, a.w);
}

void ui_table_draw(ui_table *t, ui_app *app, WINDOW *win, ui_rect a, bool focused)
{
    if (a.h < 3 || a.w < 10)
        return;
    ui_table_layout(t, a);
    draw_header(t, app, win, a);
    if (t->nview == 0) {
        const char *text = t->nrows ? "No row matches the filter (Esc clears it)." : t->empty_text;
        ui_draw_clip(app, win, a.y + 2, a.x + 1, a.w - 2, on_base(t, UI_EL_DIM), text);
    }
    for (int i = 0; i < t->body_h && t->top + (size_t)i < t->nview; i++) {
        size_t index = t->top + (size_t)i;
        ui_element sel = UI_EL_NORMAL;
        if (index == t->sel)
            sel = focused ? UI_EL_ROW_SELECTED : UI_EL_ROW_SELECTED_UNFOCUSED;
        draw_row(t, app, win, a.y + 1 + i, a, &t->rows[t->view[index]], sel);
    }
    draw_status(t, app, win, a);
}

/* ---- keys and mouse ---- */

static void move_selection(ui_table *t, long delta)
{
    if (t->nview == 0)
        return;
    long sel = (long)t->sel + delta;
    if (sel < 0)
        sel = 0;
    if (sel >= (long)t->nview)
        sel = (long)t->nview - 1;
    t->sel = (size_t)sel;
}

static void filter_backspace(ui_table *t)
{
    size_t len = strlen(t->filter);
    while (len > 0) {
        len--;
        if (((unsigned char)t->filter[len] & 0xC0) != 0x80)
            break;
    }
    t->filter[len] = '\0';
}

static void filter_append(ui_table *t, int key)
{
    char utf8[8];
    wchar_t wc = (wchar_t)key;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t n = wcrtomb(utf8, wc, &st);
    if (n == (size_t)-1) {
        utf8[0] = (char)(key & 0x7f);
        n = 1;
    }
    size_t len = strlen(t->filter);
    if (len + n + 1 >= sizeof t->filter)
        return;
    memcpy(t->filter + len, utf8, n);
    t->filter[len + n] = '\0';
}

/* A longer filter keeps only rows of the current view (they keep their order): typing a
 * character scans the rows still shown, not the whole table. */
static void narrow_view(ui_table *t)
{
    const char *key = ui_table_selected_key(t);
    char *keep = key ? strdup(key) : NULL;
    size_t kept = 0;
    filter_fold fold;
    fold_filter(t, &fold);
    for (size_t i = 0; i < t->nview; i++)
        if (row_matches(t, t->view[i], &fold))
            t->view[kept++] = t->view[i];
    t->nview = kept;
    t->sel = 0;
    if (keep)
        ui_table_select_key(t, keep);
    free(keep);
}

static int filter_key(ui_table *t, int key)
{
    if (!UI_IS_FN(key) && key >= 32 && key != 127) {
        filter_append(t, key);
        narrow_view(t);
        return UI_HANDLED | UI_REDRAW;
    }
    if (key == UI_KEY_ESC) {
        t->filter[0] = '\0';
        t->filter_editing = false;
    } else if (key == '\n') {
        t->filter_editing = false;
    } else if (key == UI_FN(KEY_BACKSPACE) || key == 127 || key == 8) {
        filter_backspace(t);
    } else if (!UI_IS_FN(key) && key >= 32) {
        filter_append(t, key);
    } else {
        return UI_IGNORED; /* arrows still move while filtering */
    }
    rebuild_view(t);
    return UI_HANDLED | UI_REDRAW;
}

/* The next column shown (a column the width left out is never the sort: its mark would not
 * show), then natural order. */
static void next_sort(ui_table *t)
{
    bool drawn = false;
    for (size_t c = 0; c < t->ncols; c++)
        drawn |= t->widths[c] > 0;
    t->sort_desc = false;
    do
        t->sort_col = t->sort_col + 1 < (int)t->ncols ? t->sort_col + 1 : -1;
    while (drawn && t->sort_col >= 0 && t->widths[t->sort_col] == 0);
}

int ui_table_handle_key(ui_table *t, int key)
{
    if (t->filter_editing) {
        int r = filter_key(t, key);
        if (r != UI_IGNORED)
            return r;
    }
    long page = t->body_h > 1 ? t->body_h - 1 : 1;
    switch (key) {
    case UI_FN(KEY_UP):
    case 'k':
        move_selection(t, -1);
        break;
    case UI_FN(KEY_DOWN):
    case 'j':
        move_selection(t, 1);
        break;
    case UI_FN(KEY_PPAGE):
        move_selection(t, -page);
        break;
    case UI_FN(KEY_NPAGE):
        move_selection(t, page);
        break;
    case UI_FN(KEY_HOME):
    case 'g':
        t->sel = 0;
        break;
    case UI_FN(KEY_END):
    case 'G':
        move_selection(t, (long)t->nview);
        break;
    case '/':
        t->filter_editing = true;
        break;
    case 's':
        next_sort(t);
        rebuild_view(t);
        break;
    case 'S':
        if (t->sort_col >= 0)
            t->sort_desc = !t->sort_desc;
        rebuild_view(t);
        break;
    case UI_KEY_ESC:
        if (!t->filter[0])
            return UI_IGNORED;
        t->filter[0] = '\0';
        rebuild_view(t);
        break;
    default:
        return UI_IGNORED;
    }
    return UI_HANDLED | UI_REDRAW;
}

int ui_table_handle_mouse(ui_table *t, int y, int x, mmask_t bstate)
{
    if (bstate & BUTTON4_PRESSED) {
        move_selection(t, -3);
        return UI_HANDLED | UI_REDRAW;
    }
    if (bstate & BUTTON5_PRESSED) {
        move_selection(t, 3);
        return UI_HANDLED | UI_REDRAW;
    }
    if (!(bstate & UI_MOUSE_CLICK))
        return UI_IGNORED;
    if (y == 0) { /* header: sort by the clicked column */
        int cx = 0;
        for (size_t c = 0; c < t->ncols; c++) {
            if (t->widths[c] && x >= cx && x < cx + t->widths[c]) {
                t->sort_desc = t->sort_col == (int)c ? !t->sort_desc : false;
                t->sort_col = (int)c;
                rebuild_view(t);
                break;
            }
            cx += t->widths[c] ? t->widths[c] + 1 : 0;
        }
        return UI_HANDLED | UI_REDRAW;
    }
    size_t index = t->top + (size_t)(y - 1);
    if (y >= 1 && y <= t->body_h && index < t->nview)
        t->sel = index;
    return UI_HANDLED | UI_REDRAW;
}
