/* libcurl opened on first use (dlopen through util/module.c): a command or a console frame that
 * makes no HTTP request never maps libcurl and its TLS, Kerberos, LDAP and HTTP/2 libraries. */
#ifndef MM_NET_CURL_LIB_H
#define MM_NET_CURL_LIB_H

#include <stdbool.h>

#include <curl/curl.h>

#include "error.h"

/* Each libcurl function mmadmin calls, listed once without its curl_ prefix: the table's
 * member easy_setopt is curl_easy_setopt (the prefix is left off so curl.h's type-checking
 * macros, such as curl_easy_setopt(h, opt, value), do not expand at a call through the table). */
/* clang-format off */
#define MM_CURL_FUNCTIONS(X) \
    X(easy_cleanup) X(easy_escape) X(easy_getinfo) X(easy_init) X(easy_perform) X(easy_reset) \
    X(easy_setopt) X(easy_strerror) X(free) X(getdate) X(global_init_mem) X(mime_addpart) \
    X(mime_data) X(mime_filename) X(mime_free) X(mime_init) X(mime_name) X(mime_type) \
    X(multi_add_handle) X(multi_cleanup) X(multi_info_read) X(multi_init) X(multi_perform) \
    X(multi_poll) X(multi_remove_handle) X(multi_setopt) X(share_cleanup) X(share_init) \
    X(share_setopt) X(slist_append) X(slist_free_all) X(url) X(url_cleanup) X(url_get) \
    X(url_set) X(url_strerror)
/* clang-format on */

#define MM_CURL_POINTER(name) __typeof__(curl_##name) *name;
#define MM_CURL_COUNT_ONE(name) +1
enum { MM_CURL_COUNT = 0 MM_CURL_FUNCTIONS(MM_CURL_COUNT_ONE) };

typedef struct mm_curl_lib {
    union {
        struct {
            MM_CURL_FUNCTIONS(MM_CURL_POINTER)
        };
        void *slot[MM_CURL_COUNT]; /* what mm_library_load fills */
    };
    bool loaded;
    char error[256]; /* why it did not load */
} mm_curl_lib;

/* The table, libcurl ("libcurl.so.4", its stable ABI) opened the first time in the process
 * (thread-safe). Never NULL; its functions are usable only when loaded is true (else error says
 * why: libcurl is not installed). Callers that start a transfer or parse a URL check it with
 * mm_curl_ready first; code that runs only after one of those (callbacks, cleanup) may call
 * through mm_curl() directly. */
const mm_curl_lib *mm_curl(void);
/* True when libcurl is usable; else false with err set (MM_E_INTERNAL, "net": libcurl could
 * not be loaded, and why). */
bool mm_curl_ready(mm_error *err);

#endif
