/* The log-bucketed latency histogram: bucket arithmetic, the sparse-then-dense storage, add,
 * merge, quantile and mean. */
#include "health/histogram.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double log_gamma(void)
{
    return log((1.0 + MM_HIST_RELATIVE_ERROR) / (1.0 - MM_HIST_RELATIVE_ERROR));
}

int mm_histogram_bucket_of(int64_t value_ms)
{
    if (value_ms <= 0)
        return 0;
    double index = ceil(log((double)value_ms) / log_gamma());
    if (index >= MM_HIST_BUCKETS - 2)
        return MM_HIST_BUCKETS - 1;
    return 1 + (int)index;
}

double mm_histogram_bucket_value(int bucket)
{
    if (bucket <= 0)
        return 0.0;
    double gamma = (1.0 + MM_HIST_RELATIVE_ERROR) / (1.0 - MM_HIST_RELATIVE_ERROR);
    /* the point of (g^(k-1), g^k] whose relative distance to both ends is a */
    return 2.0 * exp((double)(bucket - 1) * log_gamma()) / (gamma + 1.0);
}

void mm_histogram_init(mm_histogram *h)
{
    memset(h, 0, sizeof *h);
}

void mm_histogram_reset(mm_histogram *h)
{
    uint32_t *dense = h->dense;
    if (dense)
        memset(dense, 0, MM_HIST_BUCKETS * sizeof *dense);
    memset(h, 0, sizeof *h);
    h->dense = dense;
}

void mm_histogram_free(mm_histogram *h)
{
    free(h->dense);
    memset(h, 0, sizeof *h);
}

static bool go_dense(mm_histogram *h)
{
    if (!h->dense) {
        h->dense = calloc(MM_HIST_BUCKETS, sizeof *h->dense);
        if (!h->dense)
            return false;
    }
    for (int i = 0; i < h->n_sparse; i++)
        h->dense[h->sparse_bucket[i]] += h->sparse_count[i];
    h->n_sparse = 0;
    return true;
}

/* Keeps the sparse pairs sorted; turns dense when they are full. */
static bool add_to_bucket(mm_histogram *h, int bucket, uint32_t n)
{
    if (!h->dense || h->n_sparse) {
        int i = 0;
        while (i < h->n_sparse && h->sparse_bucket[i] < bucket)
            i++;
        if (i < h->n_sparse && h->sparse_bucket[i] == bucket) {
            h->sparse_count[i] += n;
            return true;
        }
        if (h->n_sparse < MM_HIST_SPARSE) {
            memmove(&h->sparse_bucket[i + 1], &h->sparse_bucket[i],
                    (size_t)(h->n_sparse - i) * sizeof h->sparse_bucket[0]);
            memmove(&h->sparse_count[i + 1], &h->sparse_count[i],
                    (size_t)(h->n_sparse - i) * sizeof h->sparse_count[0]);
            h->sparse_bucket[i] = (uint16_t)bucket;
            h->sparse_count[i] = n;
            h->n_sparse++;
            return true;
        }
        if (!go_dense(h))
            return false;
    }
    h->dense[bucket] += n;
    return true;
}

bool mm_histogram_add(mm_histogram *h, int64_t value_ms)
{
    if (value_ms < 0)
        value_ms = 0;
    if (!add_to_bucket(h, mm_histogram_bucket_of(value_ms), 1))
        return false;
    h->count++;
    h->sum += value_ms;
    return true;
}

bool mm_histogram_merge(mm_histogram *dst, const mm_histogram *src)
{
    if (src->count == 0)
        return true;
    for (int i = 0; i < src->n_sparse; i++)
        if (!add_to_bucket(dst, src->sparse_bucket[i], src->sparse_count[i]))
            return false;
    if (src->dense && !src->n_sparse) {
        if (!go_dense(dst))
            return false;
        for (int b = 0; b < MM_HIST_BUCKETS; b++)
            dst->dense[b] += src->dense[b];
    }
    dst->count += src->count;
    dst->sum += src->sum;
    return true;
}

double mm_histogram_quantile(const mm_histogram *h, double q)
{
    if (h->count == 0)
        return -1.0;
    if (q < 0)
        q = 0;
    if (q > 1)
        q = 1;
    uint64_t rank = (uint64_t)ceil(q * (double)h->count - 1e-9);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    if (h->n_sparse || !h->dense) {
        for (int i = 0; i < h->n_sparse; i++) {
            seen += h->sparse_count[i];
            if (seen >= rank)
                return mm_histogram_bucket_value(h->sparse_bucket[i]);
        }
    } else {
        for (int b = 0; b < MM_HIST_BUCKETS; b++) {
            seen += h->dense[b];
            if (seen >= rank)
                return mm_histogram_bucket_value(b);
        }
    }
    return -1.0; /* unreachable while count matches the buckets */
}

double mm_histogram_mean(const mm_histogram *h)
{
    return h->count ? (double)h->sum / (double)h->count : -1.0;
}
