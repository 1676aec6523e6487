/* Full-disk reporting: statvfs of the file (or its folder) for the bytes left, and the one
 * message both the catalog and the key file give when a write found no room. */
#include "util/disk.h"

#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

int64_t mm_disk_free_bytes(const char *path)
{
    struct statvfs vfs;
    if (statvfs(path, &vfs) != 0) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (!slash)
            snprintf(dir, sizeof dir, ".");
        else if (slash == dir)
            slash[1] = '\0';
        else
            *slash = '\0';
        if (statvfs(dir, &vfs) != 0)
            return -1;
    }
    return (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
}

mm_status mm_disk_full_error(const char *path, mm_error *err)
{
    int64_t free_bytes = mm_disk_free_bytes(path);
    if (free_bytes < 0)
        return mm_error_set(err, MM_E_IO, "",
                            "the disk holding %s is full; nothing was changed — free some space "
                            "and try again",
                            path);
    return mm_error_set(err, MM_E_IO, "",
                        "the disk holding %s is full (%lld bytes free); nothing was changed — "
                        "free some space and try again",
                        path, (long long)free_bytes);
}
