/* Implementation of mm_string_list: an owned array of heap strings that doubles as it grows. */
#include "util/strlist.h"

#include <stdlib.h>
#include <string.h>

bool mm_string_list_append(mm_string_list *list, const char *s)
{
    if (list->count == list->capacity) {
        size_t cap = list->capacity ? list->capacity * 2 : 16;
        char **items = realloc(list->items, cap * sizeof *items);
        if (!items)
            return false;
        list->items = items;
        list->capacity = cap;
    }
    char *copy = strdup(s ? s : "");
    if (!copy)
        return false;
    list->items[list->count++] = copy;
    return true;
}

bool mm_string_list_contains(const mm_string_list *list, const char *s)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->items[i], s) == 0)
            return true;
    return false;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void mm_string_list_sort(mm_string_list *list)
{
    if (list->count > 1)
        qsort(list->items, list->count, sizeof *list->items, compare_strings);
}

void mm_string_list_free(mm_string_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = list->capacity = 0;
}
