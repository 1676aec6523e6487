/* Allocation functions that wipe every block before it is freed, installed into libcurl and
 * jansson so a request's headers or an answer echoing a key leave no copy in freed memory. */
#ifndef MM_UTIL_WIPE_H
#define MM_UTIL_WIPE_H

#include <stddef.h>

/* malloc/free/realloc/calloc/strdup whose free (and realloc's move) zero the whole usable
 * block first (malloc_usable_size). Same contracts as the libc functions. */
void *mm_wipe_malloc(size_t size);
void mm_wipe_free(void *ptr);
void *mm_wipe_realloc(void *ptr, size_t size);
void *mm_wipe_calloc(size_t count, size_t size);
char *mm_wipe_strdup(const char *s);
/* Zeroes n bytes in a way the compiler cannot drop as a dead store. */
void mm_wipe(void *ptr, size_t n);
/* Installs the wiping functions into jansson (json_set_alloc_funcs); call once, early. */
void mm_wipe_install_json(void);

#endif
