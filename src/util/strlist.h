/* A growable, owned list of strings (model ids, names): append, sort, free. */
#ifndef MM_UTIL_STRLIST_H
#define MM_UTIL_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct mm_string_list {
    char **items;
    size_t count;
    size_t capacity;
} mm_string_list;

/* Appends a copy of s; returns false on out-of-memory. */
bool mm_string_list_append(mm_string_list *list, const char *s);
bool mm_string_list_contains(const mm_string_list *list, const char *s);
void mm_string_list_sort(mm_string_list *list);
void mm_string_list_free(mm_string_list *list);

#endif
