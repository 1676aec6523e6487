/* Latency histogram with log-spaced buckets (DDSketch-style): any quantile within a stated
 * relative error, exact mean, add/merge in O(1)/O(buckets) and bounded memory. */
#ifndef MM_UTIL_HISTOGRAM_H
#define MM_UTIL_HISTOGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every quantile is within this relative error of the true value (for values >= 1 ms). */
#define MM_HIST_RELATIVE_ERROR 0.02
/* Bucket 0 holds zeros; buckets 1.. cover (g^(i-2), g^(i-1)] ms with g = (1+a)/(1-a); the
 * last bucket also takes anything larger (about 27 minutes and up). */
#define MM_HIST_BUCKETS 360
/* Histograms with few distinct values (a minute of probes) stay in this many inline pairs;
 * the dense array (MM_HIST_BUCKETS counts) is allocated on the first value beyond them. */
#define MM_HIST_SPARSE 6

typedef struct mm_histogram {
    uint64_t count;
    int64_t sum; /* exact sum of the values added, for the mean */
    uint32_t *dense;
    uint8_t n_sparse; /* sorted by bucket */
    uint16_t sparse_bucket[MM_HIST_SPARSE];
    uint32_t sparse_count[MM_HIST_SPARSE];
} mm_histogram;

void mm_histogram_init(mm_histogram *h);
/* Empties h, keeping its dense array (if any) for reuse. */
void mm_histogram_reset(mm_histogram *h);
void mm_histogram_free(mm_histogram *h);
/* Adds one value in ms (negative values count as 0). false only when out of memory. */
bool mm_histogram_add(mm_histogram *h, int64_t value_ms);
/* Adds one value whose bucket (mm_histogram_bucket_of(value_ms)) the caller computed once for
 * several histograms. false only when out of memory. */
bool mm_histogram_add_in_bucket(mm_histogram *h, int bucket, int64_t value_ms);
/* dst += src. false only when out of memory. */
bool mm_histogram_merge(mm_histogram *dst, const mm_histogram *src);
/* Nearest-rank quantile (q in 0..1: the value at rank ceil(q*count)), within
 * MM_HIST_RELATIVE_ERROR; -1 when empty. */
double mm_histogram_quantile(const mm_histogram *h, double q);
/* Exact mean; -1 when empty. */
double mm_histogram_mean(const mm_histogram *h);

/* The stored form (the catalog's rollups): count, sum, then (bucket, count) pairs of the
 * non-empty buckets only, each a little-endian u16 and u32 — 16 + 6 bytes a bucket used.
 * Size of h's encoding in bytes: */
size_t mm_histogram_encoded_size(const mm_histogram *h);
/* Writes h's encoding into out (mm_histogram_encoded_size bytes). */
void mm_histogram_encode(const mm_histogram *h, unsigned char *out);
/* h += the histogram encoded in data (size bytes). false when data is malformed (h unchanged)
 * or out of memory. */
bool mm_histogram_merge_encoded(mm_histogram *h, const void *data, size_t size);

/* Bucket arithmetic (exposed for tests). */
int mm_histogram_bucket_of(int64_t value_ms);
double mm_histogram_bucket_value(int bucket);

#endif
