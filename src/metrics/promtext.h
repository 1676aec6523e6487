/* The Prometheus text exposition format (version 0.0.4) written into a growing buffer: HELP and
 * TYPE lines once per family, samples with escaped label values, histograms with cumulative
 * buckets. Knows the format only, not what mmadmin measures (exposition.c does). */
#ifndef MM_METRICS_PROMTEXT_H
#define MM_METRICS_PROMTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The Content-Type of the format (https://prometheus.io/docs/instrumenting/exposition_formats/). */
#define MM_PROMTEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct mm_promtext {
    char *data; /* NUL-terminated text written so far (NULL before the first write) */
    size_t len, cap;
    bool failed; /* out of memory: the text is incomplete and must not be served */
} mm_promtext;

/* One label: name (a Prometheus label name, [a-zA-Z_][a-zA-Z0-9_]*) and any UTF-8 value. */
typedef struct mm_prom_label {
    const char *name;
    const char *value;
} mm_prom_label;

typedef enum mm_prom_type { MM_PROM_COUNTER, MM_PROM_GAUGE, MM_PROM_HISTOGRAM } mm_prom_type;

void mm_promtext_init(mm_promtext *out);
void mm_promtext_free(mm_promtext *out);
/* Starts a family: "# HELP name help" (help escaped: \\ and \n) and "# TYPE name type". name is
 * the metric name (for a histogram, without _bucket/_sum/_count). */
void mm_promtext_family(mm_promtext *out, const char *name, mm_prom_type type, const char *help);
/* One sample line: name{labels} value. Label values are escaped (\\, \", \n); the value is
 * written with the fewest digits (15 or 17) that read back exactly (+Inf, -Inf and NaN as
 * Prometheus spells them). */
void mm_promtext_sample(mm_promtext *out, const char *name, const mm_prom_label *labels,
                        size_t n_labels, double value);
/* A histogram's samples: name_bucket for each upper bound in `bounds` (ascending, seconds or
 * whatever unit the name says) with the cumulative counts in `cumulative` (same length), then
 * le="+Inf" (= count), name_sum and name_count. labels gets le appended (n_labels < 8). */
void mm_promtext_histogram(mm_promtext *out, const char *name, const mm_prom_label *labels,
                           size_t n_labels, const double *bounds, const uint64_t *cumulative,
                           size_t n_bounds, double sum, uint64_t count);
/* Appends text as a label value between quotes would hold it: \ -> \\, " -> \", newline -> \n
 * (exposed for tests). */
void mm_promtext_escape_label(mm_promtext *out, const char *value);

#endif
