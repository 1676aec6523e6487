/* The text of a catalog file: YAML and JSON read through libfyaml into JSON values with their
 * positions, and a tree written as YAML (libfyaml's emitter) or JSON (jansson). */
#include "ascode/ascode.h"

#include <errno.h>
#include <libfyaml.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "util/module.h"

/* libfyaml is opened (dlopen) when a catalog file is first read or written as YAML, so other
 * commands never map it. Each libfyaml function this file calls is listed here once; calls go
 * through the table (fy.fy_document_root(...)), loaded once per process (util/module.h). */
/* clang-format off */
#define FY_FUNCTIONS(X) \
    X(fy_diag_cfg_default) X(fy_diag_create) X(fy_diag_destroy) X(fy_diag_errors_iterate) \
    X(fy_diag_set_collect_errors) X(fy_document_build_from_string) X(fy_document_create) \
    X(fy_document_destroy) X(fy_document_root) X(fy_document_set_root) \
    X(fy_emit_document_to_string) X(fy_node_build_from_malloc_string) X(fy_node_create_mapping) \
    X(fy_node_create_scalar_copy) X(fy_node_create_sequence) X(fy_node_get_scalar) \
    X(fy_node_get_scalar_token) X(fy_node_get_style) X(fy_node_get_type) \
    X(fy_node_mapping_append) X(fy_node_mapping_iterate) X(fy_node_pair_key) \
    X(fy_node_pair_value) X(fy_node_sequence_append) X(fy_node_sequence_iterate) \
    X(fy_token_start_mark)
/* clang-format on */

#define MM_LIBFYAML_SONAME "libfyaml.so.0" /* libfyaml's ABI */
#define FY_POINTER(name) __typeof__(name) *name;
#define FY_NAME(name) #name,
#define FY_COUNT_ONE(name) +1
enum { FY_COUNT = 0 FY_FUNCTIONS(FY_COUNT_ONE) };

typedef struct fy_api {
    union {
        struct {
            FY_FUNCTIONS(FY_POINTER)
        };
        void *slot[FY_COUNT]; /* what mm_library_load fills */
    };
    bool loaded;
    char error[256]; /* why it did not load */
} fy_api;

static fy_api fy; /* written once under fy_once, then only read */
static pthread_once_t fy_once = PTHREAD_ONCE_INIT;

static void fy_open(void)
{
    static const char *const names[FY_COUNT] = {FY_FUNCTIONS(FY_NAME)};
    fy.loaded =
        mm_library_load(MM_LIBFYAML_SONAME, names, fy.slot, FY_COUNT, fy.error, sizeof fy.error);
}

/* MM_OK once libfyaml is usable; else MM_E_IO saying it is not installed. */
static mm_status fy_load(mm_error *err)
{
    pthread_once(&fy_once, fy_open);
    return fy.loaded ? MM_OK
                     : mm_error_set(err, MM_E_IO, "yaml",
                                    "reading and writing YAML needs libfyaml (%s), which did not "
                                    "load: %s; install it (Debian: libfyaml0)",
                                    MM_LIBFYAML_SONAME, fy.error);
}

static void report_add(mm_string_list *list, const asc_doc *doc, const json_t *value,
                       const char *fmt, va_list ap)
{
    int line = 1, column = 1;
    if (doc)
        asc_doc_position(doc, value, &line, &column);
    char message[1024];
    vsnprintf(message, sizeof message, fmt, ap);
    char text[1100];
    snprintf(text, sizeof text, "%d:%d: %s", line, column, message);
    mm_string_list_append(list, text);
}

void asc_report_error(asc_report *report, const asc_doc *doc, const json_t *value, const char *fmt,
                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_add(&report->errors, doc, value, fmt, ap);
    va_end(ap);
}

void asc_report_note(asc_report *report, const asc_doc *doc, const json_t *value, const char *fmt,
                     ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_add(&report->notes, doc, value, fmt, ap);
    va_end(ap);
}

static void position_of(const char *text, long *line, long *column)
{
    char *end = NULL;
    *line = strtol(text, &end, 10);
    *column = end && *end == ':' ? strtol(end + 1, NULL, 10) : 0;
}

static int compare_positions(const void *a, const void *b)
{
    long la, ca, lb, cb;
    position_of(*(char *const *)a, &la, &ca);
    position_of(*(char *const *)b, &lb, &cb);
    if (la != lb)
        return la < lb ? -1 : 1;
    return ca < cb ? -1 : ca > cb;
}

void asc_report_sort(asc_report *report)
{
    if (report->errors.count > 1)
        qsort(report->errors.items, report->errors.count, sizeof *report->errors.items,
              compare_positions);
}

void asc_report_free(asc_report *report)
{
    mm_string_list_free(&report->errors);
    mm_string_list_free(&report->notes);
}

/* ---- positions ---- */

static void remember(asc_doc *doc, const json_t *value, struct fy_node *node);

static bool node_mark(struct fy_node *node, int *line, int *column)
{
    if (!node)
        return false;
    if (fy.fy_node_get_type(node) == FYNT_SCALAR) {
        const struct fy_mark *mark = fy.fy_token_start_mark(fy.fy_node_get_scalar_token(node));
        if (!mark)
            return false;
        *line = mark->line + 1;
        *column = mark->column + 1;
        return true;
    }
    void *iter = NULL;
    if (fy.fy_node_get_type(node) == FYNT_MAPPING) { /* a mapping: where its first key is */
        struct fy_node_pair *pair = fy.fy_node_mapping_iterate(node, &iter);
        return pair && node_mark(fy.fy_node_pair_key(pair), line, column);
    }
    return node_mark(fy.fy_node_sequence_iterate(node, &iter), line, column);
}

static void remember(asc_doc *doc, const json_t *value, struct fy_node *node)
{
    int line, column; /* true, false and null are jansson singletons: they have no one place */
    if (!value || json_is_boolean(value) || json_is_null(value) || !node_mark(node, &line, &column))
        return;
    if (doc->n_pos == doc->cap_pos) {
        size_t cap = doc->cap_pos ? doc->cap_pos * 2 : 64;
        asc_pos *pos = realloc(doc->pos, cap * sizeof *pos);
        if (!pos)
            return; /* positions are for messages only */
        doc->pos = pos;
        doc->cap_pos = cap;
    }
    doc->pos[doc->n_pos++] = (asc_pos){value, line, column};
}

static int compare_pos(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const asc_pos *)a)->value;
    uintptr_t y = (uintptr_t)((const asc_pos *)b)->value;
    return x < y ? -1 : x > y;
}

bool asc_doc_position(const asc_doc *doc, const json_t *value, int *line, int *column)
{
    asc_pos key = {value, 0, 0};
    const asc_pos *found =
        doc->pos ? bsearch(&key, doc->pos, doc->n_sorted, sizeof key, compare_pos) : NULL;
    for (size_t i = doc->n_sorted; !found && i < doc->n_pos; i++)
        if (doc->pos[i].value == value)
            found = &doc->pos[i];
    if (!found)
        return false;
    *line = found->line;
    *column = found->column;
    return true;
}

/* ---- YAML nodes to JSON values ---- */

static bool plain_integer(const char *s, json_int_t *out)
{
    char *end = NULL;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (errno || end == s || *end || s[0] == '+' || (s[0] == '0' && s[1]) ||
        (s[0] == '-' && s[1] == '0'))
        return false;
    *out = n;
    return true;
}

static bool plain_real(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    if (!strpbrk(s, ".eE") || strpbrk(s, "xXnN") || !strchr("+-.0123456789", s[0]))
        return false;
    *out = strtod(s, &end);
    return !errno && end != s && !*end;
}

static json_t *scalar_value(struct fy_node *node)
{
    size_t len = 0;
    const char *text = fy.fy_node_get_scalar(node, &len);
    char *s = strndup(text ? text : "", len);
    if (!s)
        return NULL;
    json_t *value = NULL;
    json_int_t n;
    double d;
    if (fy.fy_node_get_style(node) != FYNS_PLAIN || memchr(text ? text : "", '\0', len))
        value = json_stringn(text ? text : "", len);
    else if (len == 0 || !strcmp(s, "null") || !strcmp(s, "~") || !strcmp(s, "Null"))
        value = json_null();
    else if (!strcmp(s, "true") || !strcmp(s, "True"))
        value = json_true();
    else if (!strcmp(s, "false") || !strcmp(s, "False"))
        value = json_false();
    else if (plain_integer(s, &n))
        value = json_integer(n);
    else if (plain_real(s, &d))
        value = json_real(d);
    else
        value = json_stringn(s, len);
    free(s);
    return value;
}

static json_t *node_value(asc_doc *doc, struct fy_node *node, asc_report *report);

static json_t *mapping_value(asc_doc *doc, struct fy_node *node, asc_report *report)
{
    json_t *obj = json_object();
    void *iter = NULL;
    struct fy_node_pair *pair;
    while (obj && (pair = fy.fy_node_mapping_iterate(node, &iter))) {
        struct fy_node *key = fy.fy_node_pair_key(pair);
        json_t *key_value = key ? node_value(doc, key, report) : NULL;
        if (!json_is_string(key_value) && !json_is_number(key_value)) {
            asc_report_error(report, doc, key_value, "a key must be a plain word");
            json_decref(key_value);
            continue;
        }
        size_t len = 0;
        const char *text = fy.fy_node_get_scalar(key, &len);
        char *name = strndup(text, len);
        json_t *value = node_value(doc, fy.fy_node_pair_value(pair), report);
        if (name && value)
            json_object_set_new(obj, name, value);
        else
            json_decref(value);
        free(name);
        json_decref(key_value);
    }
    return obj;
}

static json_t *node_value(asc_doc *doc, struct fy_node *node, asc_report *report)
{
    json_t *value = NULL;
    if (!node)
        return json_null();
    switch (fy.fy_node_get_type(node)) {
    case FYNT_SCALAR:
        value = scalar_value(node);
        break;
    case FYNT_MAPPING:
        value = mapping_value(doc, node, report);
        break;
    case FYNT_SEQUENCE: {
        value = json_array();
        void *iter = NULL;
        struct fy_node *item;
        while (value && (item = fy.fy_node_sequence_iterate(node, &iter)))
            json_array_append_new(value, node_value(doc, item, report));
        break;
    }
    }
    remember(doc, value, node);
    return value;
}

/* ---- reading a file ---- */

static mm_status read_all(const char *path, char **text, size_t *len, asc_report *report,
                          mm_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return mm_error_set(err, MM_E_IO, "file", "cannot read %s: %s", path, strerror(errno));
    if (st.st_size > ASC_FILE_MAX) {
        asc_report_error(report, NULL, NULL,
                         "the file is %lld bytes; a catalog file may have at most %d bytes "
                         "(4 MiB) — it was not read",
                         (long long)st.st_size, ASC_FILE_MAX);
        return mm_error_set(err, MM_E_INVALID, "file", "%s is too big to be a catalog file", path);
    }
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return mm_error_set(err, MM_E_IO, "file", "cannot read %s: %s", path, strerror(errno));
    *text = malloc(ASC_FILE_MAX + 1);
    *len = *text ? fread(*text, 1, ASC_FILE_MAX + 1, fp) : 0;
    bool failed = !*text || ferror(fp);
    fclose(fp);
    if (failed || *len > ASC_FILE_MAX) {
        free(*text);
        *text = NULL;
        return failed ? mm_error_set(err, MM_E_IO, "file", "cannot read %s", path)
                      : mm_error_set(err, MM_E_INVALID, "file",
                                     "%s grew past %d bytes while it was read", path, ASC_FILE_MAX);
    }
    return MM_OK;
}

static void collect_syntax_errors(struct fy_diag *diag, asc_report *report)
{
    void *iter = NULL;
    struct fy_diag_error *e;
    while ((e = fy.fy_diag_errors_iterate(diag, &iter))) {
        char line[1100];
        snprintf(line, sizeof line, "%d:%d: YAML syntax: %s", e->line + 1, e->column + 1, e->msg);
        mm_string_list_append(&report->errors, line);
    }
    if (report->errors.count == 0)
        mm_string_list_append(&report->errors, "1:1: YAML syntax: the file cannot be parsed");
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 when it is not one (overlong
 * forms, surrogates and code points past U+10FFFF included). */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
    size_t len = s[0] < 0xC2 ? 0 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : s[0] < 0xF5 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
        (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
        return 0;
    return len;
}

/* YAML's character set before the parser sees the text (libfyaml 0.7 can loop on invalid
 * UTF-8 inside a directive): valid UTF-8, no control characters but tab, line feed and
 * carriage return. Adds "line:column: ..." to report and returns false on the first fault. */
static bool text_is_yaml_characters(const char *text, size_t len, asc_report *report)
{
    const unsigned char *s = (const unsigned char *)text;
    int line = 1, column = 1;
    for (size_t i = 0; i < len; column++) {
        char why[96] = "";
        size_t step = 1;
        if (s[i] >= 0x80) {
            step = utf8_sequence(s + i, len - i);
            if (step == 0)
                snprintf(why, sizeof why, "byte 0x%02X is not valid UTF-8", s[i]);
        } else if (s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') {
            snprintf(why, sizeof why, "control character U+%04X is not allowed", s[i]);
        } else if (s[i] == 0x7F) {
            snprintf(why, sizeof why, "control character U+007F is not allowed");
        }
        if (why[0]) {
            char message[160];
            snprintf(message, sizeof message, "%d:%d: %s; save the file as UTF-8 text", line,
                     column, why);
            mm_string_list_append(&report->errors, message);
            return false;
        }
        if (s[i] == '\n') {
            line++;
            column = 0;
        }
        i += step;
    }
    return true;
}

mm_status asc_doc_parse(const char *text, size_t len, const char *name, asc_doc *doc,
                        asc_report *report, mm_error *err)
{
    memset(doc, 0, sizeof *doc);
    if (!text_is_yaml_characters(text, len, report))
        return mm_error_set(err, MM_E_INVALID, "file", "%s is not UTF-8 YAML or JSON text", name);
    mm_status st = fy_load(err);
    if (st != MM_OK)
        return st;
    struct fy_diag_cfg dcfg;
    fy.fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = NULL;
    struct fy_diag *diag = fy.fy_diag_create(&dcfg);
    if (!diag)
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory reading %s", name);
    fy.fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG, .diag = diag};
    struct fy_document *fyd = fy.fy_document_build_from_string(&cfg, text, len);
    if (!fyd) {
        collect_syntax_errors(diag, report);
        fy.fy_diag_destroy(diag);
        return mm_error_set(err, MM_E_INVALID, "file", "%s is not valid YAML or JSON", name);
    }
    doc->root = node_value(doc, fy.fy_document_root(fyd), report);
    fy.fy_document_destroy(fyd);
    fy.fy_diag_destroy(diag);
    asc_doc_sort(doc);
    if (!doc->root)
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory reading %s", name);
    return MM_OK;
}

mm_status asc_doc_read(const char *path, asc_doc *doc, asc_report *report, mm_error *err)
{
    memset(doc, 0, sizeof *doc);
    char *text = NULL;
    size_t len = 0;
    mm_status st = read_all(path, &text, &len, report, err);
    if (st == MM_OK)
        st = asc_doc_parse(text, len, path, doc, report, err);
    free(text);
    return st;
}

void asc_doc_alias(asc_doc *doc, const json_t *value, const json_t *like)
{
    int line, column;
    if (!value || !asc_doc_position(doc, like, &line, &column))
        return;
    if (doc->n_pos == doc->cap_pos) {
        size_t cap = doc->cap_pos ? doc->cap_pos * 2 : 64;
        asc_pos *pos = realloc(doc->pos, cap * sizeof *pos);
        if (!pos)
            return;
        doc->pos = pos;
        doc->cap_pos = cap;
    }
    doc->pos[doc->n_pos++] = (asc_pos){value, line, column};
}

void asc_doc_sort(asc_doc *doc)
{
    if (doc->pos)
        qsort(doc->pos, doc->n_pos, sizeof *doc->pos, compare_pos);
    doc->n_sorted = doc->n_pos;
}

void asc_doc_free(asc_doc *doc)
{
    json_decref(doc->root);
    json_decref(doc->source);
    free(doc->pos);
    memset(doc, 0, sizeof *doc);
}

/* ---- writing ---- */

/* A string that would read back as something else (a number, a boolean, null, "") is written
 * double-quoted: jansson's JSON string is a valid YAML double-quoted scalar. */
static struct fy_node *string_node(struct fy_document *fyd, const json_t *value)
{
    const char *s = json_string_value(value);
    json_int_t n;
    double d;
    bool quote = !s[0] || plain_integer(s, &n) || plain_real(s, &d) || !strcmp(s, "null") ||
                 !strcmp(s, "~") || !strcasecmp(s, "true") || !strcasecmp(s, "false") ||
                 !strcasecmp(s, "null");
    if (!quote)
        return fy.fy_node_create_scalar_copy(fyd, s, json_string_length(value));
    char *quoted = json_dumps(value, JSON_ENCODE_ANY);
    struct fy_node *node =
        quoted ? fy.fy_node_build_from_malloc_string(fyd, quoted, strlen(quoted)) : NULL;
    if (!node) /* on success the document owns quoted */
        free(quoted);
    return node;
}

static struct fy_node *yaml_node(struct fy_document *fyd, const json_t *value)
{
    char buf[64] = "";
    const char *text = buf;
    switch (json_typeof(value)) {
    case JSON_OBJECT: {
        struct fy_node *map = fy.fy_node_create_mapping(fyd);
        const char *key;
        json_t *item;
        json_object_foreach((json_t *)value, key, item)
        {
            struct fy_node *k = fy.fy_node_create_scalar_copy(fyd, key, strlen(key));
            if (!map || fy.fy_node_mapping_append(map, k, yaml_node(fyd, item)) != 0)
                return NULL;
        }
        return map;
    }
    case JSON_ARRAY: {
        struct fy_node *seq = fy.fy_node_create_sequence(fyd);
        size_t i;
        json_t *item;
        json_array_foreach(value, i, item)
        {
            if (!seq || fy.fy_node_sequence_append(seq, yaml_node(fyd, item)) != 0)
                return NULL;
        }
        return seq;
    }
    case JSON_STRING:
        return string_node(fyd, value);
    case JSON_INTEGER:
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        break;
    case JSON_REAL:
        snprintf(buf, sizeof buf, "%.15g", json_real_value(value));
        if (!strpbrk(buf, ".eEn"))
            strcat(buf, ".0");
        break;
    case JSON_TRUE:
        text = "true";
        break;
    case JSON_FALSE:
        text = "false";
        break;
    case JSON_NULL:
        text = "null";
        break;
    }
    return fy.fy_node_create_scalar_copy(fyd, text, strlen(text));
}

mm_status asc_text_write(const json_t *root, bool yaml, char **text, mm_error *err)
{
    *text = NULL;
    if (!yaml) {
        char *json =
            json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
        if (json && (*text = malloc(strlen(json) + 2)))
            sprintf(*text, "%s\n", json);
        free(json);
    } else {
        mm_status st = fy_load(err);
        if (st != MM_OK)
            return st;
        struct fy_document *fyd = fy.fy_document_create(NULL);
        struct fy_node *node = fyd ? yaml_node(fyd, root) : NULL;
        if (node && fy.fy_document_set_root(fyd, node) == 0)
            *text =
                fy.fy_emit_document_to_string(fyd, FYECF_MODE_BLOCK | FYECF_INDENT_2 |
                                                       FYECF_WIDTH_INF | FYECF_DOC_START_MARK_OFF);
        fy.fy_document_destroy(fyd);
        size_t len = *text ? strlen(*text) : 0;
        char *grown = len && (*text)[len - 1] != '\n' ? realloc(*text, len + 2) : NULL;
        if (grown) { /* the emitter may leave the last line open */
            grown[len] = '\n';
            grown[len + 1] = '\0';
            *text = grown;
        }
    }
    if (!*text)
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory writing the catalog's text");
    return MM_OK;
}
