/* The Prometheus text exposition format writer: a growing buffer, HELP/TYPE lines, samples
 * with escaped labels and cumulative histogram buckets (promtext.h). */
#include "metrics/promtext.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LABELS 8

void mm_promtext_init(mm_promtext *out)
{
    memset(out, 0, sizeof *out);
}

void mm_promtext_free(mm_promtext *out)
{
    free(out->data);
    mm_promtext_init(out);
}

static bool reserve(mm_promtext *out, size_t more)
{
    if (out->failed)
        return false;
    if (out->len + more + 1 <= out->cap)
        return true;
    size_t cap = out->cap ? out->cap : 4096;
    while (cap < out->len + more + 1)
        cap *= 2;
    char *data = realloc(out->data, cap);
    if (!data) {
        out->failed = true;
        return false;
    }
    out->data = data;
    out->cap = cap;
    return true;
}

static void put(mm_promtext *out, const char *text, size_t len)
{
    if (!reserve(out, len))
        return;
    memcpy(out->data + out->len, text, len);
    out->len += len;
    out->data[out->len] = '\0';
}

static void puts_(mm_promtext *out, const char *text)
{
    put(out, text, strlen(text));
}

/* Escapes backslash and newline always, the double quote when quoted (label values). */
static void put_escaped(mm_promtext *out, const char *text, bool quoted)
{
    for (const char *p = text ? text : ""; *p; p++) {
        if (*p == '\\')
            put(out, "\\\\", 2);
        else if (*p == '\n')
            put(out, "\\n", 2);
        else if (*p == '"' && quoted)
            put(out, "\\\"", 2);
        else
            put(out, p, 1);
    }
}

void mm_promtext_escape_label(mm_promtext *out, const char *value)
{
    put_escaped(out, value, true);
}

static const char *type_name(mm_prom_type type)
{
    switch (type) {
    case MM_PROM_COUNTER:
        return "counter";
    case MM_PROM_GAUGE:
        return "gauge";
    case MM_PROM_HISTOGRAM:
        return "histogram";
    }
    return "untyped";
}

void mm_promtext_family(mm_promtext *out, const char *name, mm_prom_type type, const char *help)
{
    puts_(out, "# HELP ");
    puts_(out, name);
    puts_(out, " ");
    put_escaped(out, help, false);
    puts_(out, "\n# TYPE ");
    puts_(out, name);
    puts_(out, " ");
    puts_(out, type_name(type));
    puts_(out, "\n");
}

static void put_value(mm_promtext *out, double value)
{
    char text[40];
    if (isnan(value))
        snprintf(text, sizeof text, "NaN");
    else if (isinf(value))
        snprintf(text, sizeof text, "%s", value > 0 ? "+Inf" : "-Inf");
    else if (value == floor(value) && fabs(value) < 1e15)
        snprintf(text, sizeof text, "%.0f", value);
    else if (snprintf(text, sizeof text, "%.15g", value) > 0 && strtod(text, NULL) != value)
        snprintf(text, sizeof text, "%.17g", value); /* the shortest that reads back exactly */
    puts_(out, text);
}

void mm_promtext_sample(mm_promtext *out, const char *name, const mm_prom_label *labels,
                        size_t n_labels, double value)
{
    puts_(out, name);
    if (n_labels) {
        puts_(out, "{");
        for (size_t i = 0; i < n_labels; i++) {
            if (i)
                puts_(out, ",");
            puts_(out, labels[i].name);
            puts_(out, "=\"");
            put_escaped(out, labels[i].value, true);
            puts_(out, "\"");
        }
        puts_(out, "}");
    }
    puts_(out, " ");
    put_value(out, value);
    puts_(out, "\n");
}

static void bucket_line(mm_promtext *out, const char *bucket_name, const mm_prom_label *labels,
                        size_t n_labels, const char *le, uint64_t count)
{
    mm_prom_label with_le[MAX_LABELS + 1];
    if (n_labels)
        memcpy(with_le, labels, n_labels * sizeof *labels);
    with_le[n_labels] = (mm_prom_label){"le", le};
    mm_promtext_sample(out, bucket_name, with_le, n_labels + 1, (double)count);
}

void mm_promtext_histogram(mm_promtext *out, const char *name, const mm_prom_label *labels,
                           size_t n_labels, const double *bounds, const uint64_t *cumulative,
                           size_t n_bounds, double sum, uint64_t count)
{
    if (n_labels > MAX_LABELS) {
        out->failed = true;
        return;
    }
    char bucket_name[128], sum_name[128], count_name[128];
    snprintf(bucket_name, sizeof bucket_name, "%s_bucket", name);
    snprintf(sum_name, sizeof sum_name, "%s_sum", name);
    snprintf(count_name, sizeof count_name, "%s_count", name);
    for (size_t i = 0; i < n_bounds; i++) {
        char le[40];
        snprintf(le, sizeof le, "%g", bounds[i]);
        bucket_line(out, bucket_name, labels, n_labels, le, cumulative[i]);
    }
    bucket_line(out, bucket_name, labels, n_labels, "+Inf", count);
    mm_promtext_sample(out, sum_name, labels, n_labels, sum);
    mm_promtext_sample(out, count_name, labels, n_labels, (double)count);
}
