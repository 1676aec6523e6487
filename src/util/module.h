/* Loading at run time what only some commands need, so a command such as `send` never maps it:
 * mmadmin's own modules (the console, mmadmin-console.so) and system libraries (libpq, libfyaml).
 */
#ifndef MM_UTIL_MODULE_H
#define MM_UTIL_MODULE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Opens the module named file (e.g. "mmadmin-console.so") and returns the address of its
 * symbol. It is looked for beside the running binary (the build folder), then in
 * ../lib/mmadmin/ from it (where `make install` puts it). The module stays loaded until the
 * process exits. NULL with err set (MM_E_NOT_FOUND: missing; MM_E_IO: it would not load or
 * lacks the symbol), the message naming the places looked in. */
void *mm_module_symbol(const char *file, const char *symbol, mm_error *err);

/* Opens the system library soname (dlopen; e.g. "libpq.so.5") and fills slots[i] with the
 * address of names[i], for i < n. False when it is missing or lacks a name; error (errsz bytes)
 * then says which. Its dependencies' functions are bound at their first call (RTLD_LAZY), those
 * named here at once. The library stays loaded until the process exits. Callers keep the slots in a
 * table of typed pointers, filled once per process (pthread_once). */
bool mm_library_load(const char *soname, const char *const names[], void *slots[], size_t n,
                     char *error, size_t errsz);

/* Opens each library of sonames (space-separated, e.g. "libz.so.1 libssl.so.3"), in that
 * order, ahead of a library that depends on them: listed deepest first, each one's symbols are
 * looked up along its own dependencies instead of along all of the later library's (the
 * relocation work of a dlopen grows with both). A library that will not open is skipped: the
 * later mm_library_load says what is missing. They stay loaded until the process exits. */
void mm_library_preload(const char *sonames);

#endif
