/* Loading on first use (util/module.h): mmadmin's modules, found beside the binary then in
 * ../lib/mmadmin/ (from /proc/self/exe, so neither PATH nor the working folder matters), and
 * system libraries by soname with the functions a caller lists (their dependencies opened
 * first, deepest first, when the caller names them). */
#include "util/module.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The folder holding the running binary, without the final slash. */
static bool binary_folder(char *out, size_t outsz)
{
    ssize_t n = readlink("/proc/self/exe", out, outsz - 1);
    if (n <= 0 || (size_t)n >= outsz - 1)
        return false;
    out[n] = '\0';
    char *slash = strrchr(out, '/');
    if (!slash)
        return false;
    *slash = '\0';
    return true;
}

void *mm_module_symbol(const char *file, const char *symbol, mm_error *err)
{
    char folder[PATH_MAX], beside[PATH_MAX + 64], installed[PATH_MAX + 64];
    if (!binary_folder(folder, sizeof folder)) {
        mm_error_set(err, MM_E_NOT_FOUND, "module",
                     "cannot tell where mmadmin runs from (/proc/self/exe) to find %s", file);
        return NULL;
    }
    snprintf(beside, sizeof beside, "%s/%s", folder, file);
    snprintf(installed, sizeof installed, "%s/../lib/mmadmin/%s", folder, file);
    const char *path = access(beside, F_OK) == 0 ? beside : installed;
    if (access(path, F_OK) != 0) {
        mm_error_set(err, MM_E_NOT_FOUND, "module",
                     "the module %s is missing (looked in %s and %s/../lib/mmadmin); build it "
                     "with the binary, or reinstall mmadmin",
                     file, folder, folder);
        return NULL;
    }
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    void *address = handle ? dlsym(handle, symbol) : NULL;
    if (!address)
        mm_error_set(err, MM_E_IO, "module", "cannot load the module %s (%s)", path, dlerror());
    return address; /* the handle stays open: the module's code runs until exit */
}

bool mm_library_load(const char *soname, const char *const names[], void *slots[], size_t n,
                     char *error, size_t errsz)
{
    /* RTLD_LAZY: a dependency not linked with -z now (libcurl's LDAP, Kerberos, SSH, HTTP/2
     * libraries) binds each function at its first call instead of all of them here: ~1,800
     * symbol lookups (2.6 M instructions) fewer for libcurl; the names asked for are still
     * checked below, as dlsym resolves them at once. */
    void *library = dlopen(soname, RTLD_LAZY | RTLD_LOCAL);
    if (!library) {
        snprintf(error, errsz, "%s", dlerror());
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(slots[i] = dlsym(library, names[i]))) {
            snprintf(error, errsz, "%s lacks %s", soname, names[i]);
            return false;
        }
    }
    return true; /* the library stays open: the callers' tables point into it */
}

void mm_library_preload(const char *sonames)
{
    char soname[256];
    for (const char *p = sonames; *p;) {
        size_t len = strcspn(p, " ");
        if (len > 0 && len < sizeof soname) {
            memcpy(soname, p, len);
            soname[len] = '\0';
            if (!dlopen(soname, RTLD_LAZY | RTLD_LOCAL))
                (void)dlerror(); /* skipped: not left behind for the next dlerror() */
        }
        p += len + strspn(p + len, " ");
    }
}
