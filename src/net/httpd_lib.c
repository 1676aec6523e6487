/* libmicrohttpd's function table (net/httpd_lib.h): filled once per process from the shared
 * library by util/module.c, so nothing maps it before a server starts. */
#include "net/httpd_lib.h"

#include <pthread.h>

#include "util/module.h"

#define MM_LIBMICROHTTPD_SONAME "libmicrohttpd.so.12" /* libmicrohttpd's stable ABI */
#define MM_HTTPD_NAME(name) "MHD_" #name,

static mm_httpd_lib httpd_lib; /* written once under httpd_once, then only read */
static pthread_once_t httpd_once = PTHREAD_ONCE_INIT;

static void httpd_open(void)
{
    static const char *const names[MM_HTTPD_COUNT] = {MM_HTTPD_FUNCTIONS(MM_HTTPD_NAME)};
    httpd_lib.loaded = mm_library_load(MM_LIBMICROHTTPD_SONAME, names, httpd_lib.slot,
                                       MM_HTTPD_COUNT, httpd_lib.error, sizeof httpd_lib.error);
}

const mm_httpd_lib *mm_httpd(void)
{
    pthread_once(&httpd_once, httpd_open);
    return &httpd_lib;
}

bool mm_httpd_ready(mm_error *err)
{
    const mm_httpd_lib *httpd = mm_httpd();
    if (!httpd->loaded)
        mm_error_set(err, MM_E_INTERNAL, "listen", "libmicrohttpd could not be loaded (%s)",
                     httpd->error);
    return httpd->loaded;
}
