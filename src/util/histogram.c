/* The log-bucketed latency histogram: bucket arithmetic, the sparse-then-dense storage, add,
 * merge, quantile and mean. */
#include "util/histogram.h"

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
    return mm_histogram_add_in_bucket(h, mm_histogram_bucket_of(value_ms), value_ms);
}

bool mm_histogram_add_in_bucket(mm_histogram *h, int bucket, int64_t value_ms)
{
    if (value_ms < 0)
        value_ms = 0;
    if (!add_to_bucket(h, bucket, 1))
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

/* Calls fn(bucket, count) for each non-empty bucket in order. */
static void each_bucket(const mm_histogram *h, void (*fn)(int, uint32_t, void *), void *ctx)
{
    if (h->n_sparse || !h->dense) {
        for (int i = 0; i < h->n_sparse; i++)
            fn(h->sparse_bucket[i], h->sparse_count[i], ctx);
        return;
    }
    for (int b = 0; b < MM_HIST_BUCKETS; b++)
        if (h->dense[b])
            fn(b, h->dense[b], ctx);
}

static void count_bucket(int bucket, uint32_t n, void *ctx)
{
    (void)bucket;
    (void)n;
    (*(size_t *)ctx)++;
}

#define ENCODED_HEADER 16
#define ENCODED_PAIR 6

size_t mm_histogram_encoded_size(const mm_histogram *h)
{
    size_t buckets = 0;
    each_bucket(h, count_bucket, &buckets);
    return ENCODED_HEADER + buckets * ENCODED_PAIR;
}

static void put_le(unsigned char *out, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        out[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *in, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)in[i] << (8 * i);
    return v;
}

static void write_bucket(int bucket, uint32_t n, void *ctx)
{
    unsigned char **out = ctx;
    put_le(*out, (uint64_t)bucket, 2);
    put_le(*out + 2, n, 4);
    *out += ENCODED_PAIR;
}

void mm_histogram_encode(const mm_histogram *h, unsigned char *out)
{
    put_le(out, h->count, 8);
    put_le(out + 8, (uint64_t)h->sum, 8);
    unsigned char *pairs = out + ENCODED_HEADER;
    each_bucket(h, write_bucket, &pairs);
}

bool mm_histogram_merge_encoded(mm_histogram *h, const void *data, size_t size)
{
    const unsigned char *in = data;
    if (size < ENCODED_HEADER || (size - ENCODED_HEADER) % ENCODED_PAIR)
        return false;
    uint64_t total = 0;
    for (size_t at = ENCODED_HEADER; at < size; at += ENCODED_PAIR) {
        if (get_le(in + at, 2) >= MM_HIST_BUCKETS)
            return false;
        total += get_le(in + at + 2, 4);
    }
    if (total != get_le(in, 8))
        return false;
    mm_histogram part;
    mm_histogram_init(&part);
    bool ok = true;
    for (size_t at = ENCODED_HEADER; ok && at < size; at += ENCODED_PAIR)
        ok = add_to_bucket(&part, (int)get_le(in + at, 2), (uint32_t)get_le(in + at + 2, 4));
    part.count = total;
    part.sum = (int64_t)get_le(in + 8, 8);
    ok = ok && mm_histogram_merge(h, &part);
    mm_histogram_free(&part);
    return ok;
}
