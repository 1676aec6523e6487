/* libcurl's function table (net/curl_lib.h): filled once per process from the shared library
 * by util/module.c, so nothing maps libcurl before the first request or URL check needs it. */
#include "net/curl_lib.h"

#include <pthread.h>

#include "util/module.h"

#define MM_LIBCURL_SONAME "libcurl.so.4" /* libcurl's stable ABI */
#define MM_CURL_NAME(name) "curl_" #name,

static mm_curl_lib curl_lib; /* written once under curl_once, then only read */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

#ifndef MM_CURL_DEPENDENCIES /* libcurl's libraries deepest first, from ldd at configure time */
#define MM_CURL_DEPENDENCIES ""
#endif

static void curl_open(void)
{
    static const char *const names[MM_CURL_COUNT] = {MM_CURL_FUNCTIONS(MM_CURL_NAME)};
    mm_library_preload(MM_CURL_DEPENDENCIES); /* loading: 14.9 M -> 12.0 M instructions */
    curl_lib.loaded = mm_library_load(MM_LIBCURL_SONAME, names, curl_lib.slot, MM_CURL_COUNT,
                                      curl_lib.error, sizeof curl_lib.error);
}

const mm_curl_lib *mm_curl(void)
{
    pthread_once(&curl_once, curl_open);
    return &curl_lib;
}

bool mm_curl_ready(mm_error *err)
{
    const mm_curl_lib *curl = mm_curl();
    if (!curl->loaded)
        mm_error_set(err, MM_E_INTERNAL, "net", "libcurl could not be loaded (%s)", curl->error);
    return curl->loaded;
}
