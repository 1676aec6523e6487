/* libmicrohttpd opened on first use (dlopen through util/module.c): only a process that serves
 * (the gateway, the /metrics endpoint) maps it; a command or the console's first frame does not. */
#ifndef MM_NET_HTTPD_LIB_H
#define MM_NET_HTTPD_LIB_H

#include <stdbool.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "error.h"

/* Each libmicrohttpd function mmadmin calls, listed once without its MHD_ prefix: the table's
 * member start_daemon is MHD_start_daemon. */
/* clang-format off */
#define MM_HTTPD_FUNCTIONS(X) \
    X(add_response_header) X(create_post_processor) X(create_response_from_buffer) \
    X(create_response_from_callback) X(destroy_post_processor) X(destroy_response) \
    X(get_connection_values_n) X(get_daemon_info) X(is_feature_supported) X(lookup_connection_value) X(post_process) \
    X(queue_response) X(quiesce_daemon) X(start_daemon) X(stop_daemon)
/* clang-format on */

#define MM_HTTPD_POINTER(name) __typeof__(MHD_##name) *name;
#define MM_HTTPD_COUNT_ONE(name) +1
enum { MM_HTTPD_COUNT = 0 MM_HTTPD_FUNCTIONS(MM_HTTPD_COUNT_ONE) };

typedef struct mm_httpd_lib {
    union {
        struct {
            MM_HTTPD_FUNCTIONS(MM_HTTPD_POINTER)
        };
        void *slot[MM_HTTPD_COUNT]; /* what mm_library_load fills */
    };
    bool loaded;
    char error[256]; /* why it did not load */
} mm_httpd_lib;

/* The table, libmicrohttpd ("libmicrohttpd.so.12", its stable ABI) opened the first time in
 * the process (thread-safe). Never NULL; its functions are usable only when loaded is true
 * (else error says why). A server checks mm_httpd_ready before it starts a daemon; its request
 * handlers and stop then call through mm_httpd() directly. */
const mm_httpd_lib *mm_httpd(void);
/* True when libmicrohttpd is usable; else false with err set (MM_E_INTERNAL, "listen": it could
 * not be loaded, and why). */
bool mm_httpd_ready(mm_error *err);

#endif
