/* The one sentence for a full disk: which file's disk, how many bytes are left, and that the
 * change was not made (the catalog and the key file both use it). */
#ifndef MM_UTIL_DISK_H
#define MM_UTIL_DISK_H

#include <stdint.h>

#include "error.h"

/* Bytes free to this user on the file system holding path (its folder when path does not
 * exist); -1 when unknown. */
int64_t mm_disk_free_bytes(const char *path);
/* Sets err to MM_E_IO "the disk holding PATH is full (N bytes free); nothing was changed" and
 * returns MM_E_IO. */
mm_status mm_disk_full_error(const char *path, mm_error *err);

#endif
