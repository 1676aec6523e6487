/* The gateway's pool of catalog connections (SQLite handles are one per thread): opened on first
 * use, handed to one request at a time; its size bounds the requests in flight upstream. Also
 * the process's memory policy under load (malloc arenas, returning freed pages). */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gateway/gw_internal.h"

/* Allocations this large get their own mapping, returned to the system when freed (glibc's
 * default threshold rises to the largest block freed, up to 32 MiB, and then keeps request
 * bodies and answers, usage batches and SQLite's larger buffers in the threads' arenas). */
#define GW_MMAP_THRESHOLD (128 * 1024)
/* malloc arenas per core (glibc's default is 8): 1 kept RSS flattest but cost ~15% of the
 * throughput at 64 clients; 2 kept the growth from 20,000 to 100,000 requests under 10% */
#define GW_ARENAS_PER_CORE 2

mm_status gw_pool_init(gw_pool *pool, const char *path, unsigned size, mm_error *err)
{
    memset(pool, 0, sizeof *pool);
    snprintf(pool->path, sizeof pool->path, "%s", path);
    pool->items = calloc(size, sizeof *pool->items);
    pool->busy = calloc(size, sizeof *pool->busy);
    if (!pool->items || !pool->busy) {
        free(pool->items);
        free(pool->busy);
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory for the catalog pool");
    }
    pool->size = size;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->freed, NULL);
    return MM_OK;
}

static long free_slot(const gw_pool *pool)
{
    for (unsigned i = 0; i < pool->size; i++) {
        if (!pool->busy[i])
            return (long)i;
    }
    return -1;
}

static struct timespec deadline_after(long wait_ms)
{
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_sec += wait_ms / 1000;
    at.tv_nsec += (wait_ms % 1000) * 1000000L;
    if (at.tv_nsec >= 1000000000L) {
        at.tv_sec++;
        at.tv_nsec -= 1000000000L;
    }
    return at;
}

mm_catalog *gw_pool_take(gw_pool *pool, long wait_ms, mm_error *err)
{
    struct timespec at = deadline_after(wait_ms);
    pthread_mutex_lock(&pool->lock);
    long slot;
    int rc = 0;
    while ((slot = free_slot(pool)) < 0 && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&pool->freed, &pool->lock, &at);
    if (slot >= 0)
        pool->busy[slot] = true;
    pthread_mutex_unlock(&pool->lock);
    if (slot < 0) {
        mm_error_set(err, MM_E_REFUSED, "",
                     "all %u upstream slots stayed busy for %ld ms; retry shortly", pool->size,
                     wait_ms);
        return NULL;
    }
    if (!pool->items[slot]) {
        mm_catalog_options opts = {.path = pool->path,
                                   .read_only = false,
                                   .create = false,
                                   .cache_kib = GW_CATALOG_CACHE_KIB};
        if (catalog_open(&opts, &pool->items[slot], err) != MM_OK) {
            pool->items[slot] = NULL;
            pthread_mutex_lock(&pool->lock);
            pool->busy[slot] = false;
            pthread_cond_signal(&pool->freed);
            pthread_mutex_unlock(&pool->lock);
            return NULL;
        }
    }
    return pool->items[slot];
}

void gw_pool_give(gw_pool *pool, mm_catalog *cat)
{
    pthread_mutex_lock(&pool->lock);
    for (unsigned i = 0; cat && i < pool->size; i++) {
        if (pool->items[i] == cat)
            pool->busy[i] = false;
    }
    pthread_cond_signal(&pool->freed);
    pthread_mutex_unlock(&pool->lock);
}

void gw_pool_free(gw_pool *pool)
{
    for (unsigned i = 0; pool->items && i < pool->size; i++) {
        if (pool->items[i])
            catalog_close(pool->items[i]);
    }
    free(pool->items);
    free(pool->busy);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->freed);
    memset(pool, 0, sizeof *pool);
}

void gw_memory_configure(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, GW_MMAP_THRESHOLD);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    mallopt(M_ARENA_MAX, GW_ARENAS_PER_CORE * (cores > 0 ? (int)cores : 1));
#endif
}

void gw_memory_release(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}
