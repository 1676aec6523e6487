/* The catalog's input rules shared by every entity: names, free text, limits, endpoints, API
 * versions, CA bundles, API keys, key hints (USD: util/money.c). Messages say how to fix it. */
#include "catalog/catalog_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/curl_lib.h"
#include "util/count.h"
#include "util/text.h"

bool val_terminated(const char *s, size_t cap)
{
    return s && memchr(s, '\0', cap) != NULL;
}

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

mm_status catalog_validate_name(const char *kind, const char *name, mm_error *err)
{
    if (!mm_present(name))
        return mm_error_set(err, MM_E_INVALID, "name", "the %s needs a name, e.g. 'prod-%s'", kind,
                            kind);
    size_t len = strnlen(name, MM_NAME_MAX);
    if (len >= MM_NAME_MAX)
        return mm_error_set(err, MM_E_INVALID, "name",
                            "the %s name is too long: at most %d characters", kind,
                            MM_NAME_MAX - 1);
    uint32_t cp;
    if (mm_find_format_char(name, &cp, NULL)) { /* said by name: '?' would hide what it is */
        char label[48], problem[MM_MESSAGE_MAX];
        snprintf(label, sizeof label, "%s name", kind);
        mm_format_char_problem(label, cp, problem, sizeof problem);
        return mm_error_set(err, MM_E_INVALID, "name", "%s", problem);
    }
    if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')))
        return mm_error_set(err, MM_E_INVALID, "name",
                            "the %s name must start with a lowercase letter or a digit", kind);
    for (size_t i = 1; i < len; i++)
        if (!name_char(name[i]))
            return mm_error_set(err, MM_E_INVALID, "name",
                                "the %s name may hold only lowercase letters, digits, '.', '_' and "
                                "'-' (found '%c'), e.g. 'team-a'",
                                kind, isprint((unsigned char)name[i]) ? name[i] : '?');
    return MM_OK;
}

/* Length of one valid UTF-8 character at s that is not a control character, else 0. */
static size_t text_char_length(const unsigned char *s)
{
    if (s[0] < 0x20 || s[0] == 0x7F)
        return 0;
    if (s[0] < 0x80)
        return 1;
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (len == 0 || s[0] > 0xF4)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (len == 2 && s[0] == 0xC2 && s[1] < 0xA0) /* C1 controls */
        return 0;
    if (len == 3 && ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0)))
        return 0;
    if (len == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90)))
        return 0;
    return len;
}

mm_status val_text(const char *field, const char *label, const char *s, size_t cap,
                   bool allow_empty, mm_error *err)
{
    if (!s || !val_terminated(s, cap) || strlen(s) >= cap)
        return mm_error_set(err, MM_E_INVALID, field, "the %s is too long: at most %zu bytes",
                            label, cap - 1);
    if (!allow_empty && *s == '\0')
        return mm_error_set(err, MM_E_INVALID, field, "the %s must not be empty", label);
    uint32_t cp;
    if (mm_find_format_char(s, &cp, NULL)) {
        char problem[MM_MESSAGE_MAX];
        mm_format_char_problem(label, cp, problem, sizeof problem);
        return mm_error_set(err, MM_E_INVALID, field, "%s", problem);
    }
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t len = text_char_length(p);
        if (len == 0)
            return mm_error_set(err, MM_E_INVALID, field,
                                "the %s contains a control character or invalid UTF-8 at byte "
                                "%zu; use plain text on one line",
                                label, (size_t)(p - (const unsigned char *)s) + 1);
        p += len;
    }
    return MM_OK;
}

mm_status val_limit(const char *field, const char *label, int64_t value, int64_t max, mm_error *err)
{
    if (value == MM_LIMIT_UNSET)
        return MM_OK;
    if (value < 1 || value > max)
        return mm_error_set(err, MM_E_INVALID, field,
                            "the %s must be a whole number from 1 to %lld (got %lld); leave it "
                            "unset for no limit",
                            label, (long long)max, (long long)value);
    return MM_OK;
}

mm_status catalog_parse_limit(const char *text, const char *field, int64_t max, int64_t *out,
                              mm_error *err)
{
    const char *trimmed = text;
    while (trimmed && isspace((unsigned char)*trimmed))
        trimmed++;
    return mm_limit_parse(mm_present(trimmed) ? text : NULL, field, max, out, err);
}

void catalog_key_hint(const char *key, char *out, size_t outsz)
{
    size_t len = key ? strlen(key) : 0;
    if (len == 0)
        snprintf(out, outsz, "%s", "");
    else if (len < 12)
        snprintf(out, outsz, "\u2026%s", key + (len >= 2 ? len - 2 : 0));
    else
        snprintf(out, outsz, "%.3s\u2026%s", key, key + len - 4);
}

static bool host_is_loopback(const char *host)
{
    if (strcasecmp(host, "localhost") == 0)
        return true;
    struct in_addr v4;
    if (inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    struct in6_addr v6;
    if (inet_pton(AF_INET6, host, &v6) == 1)
        return memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
    return false;
}

static bool host_char(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_';
}

static mm_status endpoint_refused(mm_error *err, const char *message)
{
    return mm_error_set(err, MM_E_INVALID, "endpoint", "%s", message);
}

static const char NO_HOST[] = "the endpoint has no host; use a URL like https://api.example.com/v1";
static const char BAD_HOST[] = "the endpoint's host name has an invalid character; use a URL "
                               "like https://api.example.com/v1";
static const char BAD_PORT[] = "the endpoint's port is not a number from 1 to 65535";
static const char USERINFO[] = "the endpoint must not carry a user name or password; put the key "
                               "in the API key field instead";

/* The rule broken by a URL that curl_url refuses to parse; written is the text after
 * "scheme://". */
static mm_status endpoint_unparsed(CURLUcode rc, const char *written, mm_error *err)
{
    const char *close = written[0] == '[' ? strchr(written, ']') : NULL;
    switch (rc) {
    case CURLUE_NO_HOST:
        return endpoint_refused(err, NO_HOST);
    case CURLUE_BAD_PORT_NUMBER:
        if (close && close[1] != ':')
            return endpoint_refused(err, "the endpoint has text after the IPv6 address; use "
                                         "https://[::1]:8080/v1");
        return endpoint_refused(err, BAD_PORT);
    case CURLUE_BAD_IPV6:
        return endpoint_refused(err, close ? "the endpoint's IPv6 address is not valid; use "
                                             "https://[::1]:8080/v1"
                                           : "the endpoint's IPv6 address lacks its closing ']'");
    case CURLUE_BAD_LOGIN:
    case CURLUE_BAD_USER:
    case CURLUE_BAD_PASSWORD:
        return endpoint_refused(err, USERINFO);
    case CURLUE_BAD_HOSTNAME:
        return endpoint_refused(err, BAD_HOST);
    default:
        return mm_error_set(err, MM_E_INVALID, "endpoint",
                            "the endpoint is not a valid URL (%s); use a URL like "
                            "https://api.example.com/v1",
                            mm_curl()->url_strerror(rc));
    }
}

static bool url_has(CURLU *url, CURLUPart part)
{
    char *value = NULL;
    bool has = mm_curl()->url_get(url, part, &value, 0) == CURLUE_OK;
    mm_curl()->free(value);
    return has;
}

/* The host and port of a URL curl parsed, checked against the rules. The rules read the host
 * as typed (curl would decode %XX and rewrite short IPv4 forms; an endpoint is stored as typed),
 * an IPv6 host as curl parsed it. host gets the name without brackets (for the loopback rule). */
static mm_status check_authority(CURLU *url, const char *written, char *host, size_t hostsz,
                                 mm_error *err)
{
    char *parsed = NULL, *port = NULL;
    mm_status st = MM_OK;
    if (mm_curl()->url_get(url, CURLUPART_HOST, &parsed, 0) != CURLUE_OK)
        return endpoint_refused(err, NO_HOST);
    bool bracketed = parsed[0] == '[' && written[0] == '[';
    const char *name = bracketed ? parsed + 1 : written;
    size_t len = bracketed ? strlen(parsed) - 2 : strcspn(written, ":/?#");
    const char *end = bracketed ? strchr(written, ']') + 1 : written + len;
    if (len == 0 || len >= hostsz)
        st = endpoint_refused(err, NO_HOST);
    for (size_t i = 0; st == MM_OK && !bracketed && i < len; i++)
        if (!host_char(name[i]))
            st = endpoint_refused(err, BAD_HOST);
    if (st == MM_OK) {
        bool has_port = mm_curl()->url_get(url, CURLUPART_PORT, &port, 0) == CURLUE_OK;
        bool too_long = *end == ':' && strspn(end + 1, "0123456789") > 5;
        if (has_port ? too_long || strtol(port, NULL, 10) < 1 : *end == ':')
            st = endpoint_refused(err, BAD_PORT);
        snprintf(host, hostsz, "%.*s", (int)len, name);
    }
    mm_curl()->free(parsed);
    mm_curl()->free(port);
    return st;
}

mm_status val_endpoint(const char *url, mm_error *err)
{
    if (!val_terminated(url, MM_URL_MAX))
        return mm_error_set(err, MM_E_INVALID, "endpoint",
                            "the endpoint is too long: at most %d characters", MM_URL_MAX - 1);
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7F)
            return mm_error_set(err, MM_E_INVALID, "endpoint",
                                "the endpoint contains a space or a non-ASCII character; write "
                                "it as a plain URL like https://api.example.com/v1");
    bool https = strncasecmp(url, "https://", 8) == 0;
    bool http = strncasecmp(url, "http://", 7) == 0;
    if (!https && !http)
        return mm_error_set(err, MM_E_INVALID, "endpoint",
                            "the endpoint must be an http(s) URL starting with https://, e.g. "
                            "https://my-resource.openai.azure.com");
    if (!mm_curl_ready(err))
        return err ? err->status : MM_E_INTERNAL;
    CURLU *parsed = mm_curl()->url();
    if (!parsed)
        return mm_error_set(err, MM_E_INTERNAL, "endpoint", "out of memory");
    char host[256];
    CURLUcode rc = mm_curl()->url_set(parsed, CURLUPART_URL, url, 0);
    mm_status st = MM_OK;
    if (rc != CURLUE_OK)
        st = endpoint_unparsed(rc, url + (https ? 8 : 7), err);
    else if (url_has(parsed, CURLUPART_USER) || url_has(parsed, CURLUPART_PASSWORD))
        st = endpoint_refused(err, USERINFO);
    else
        st = check_authority(parsed, url + (https ? 8 : 7), host, sizeof host, err);
    mm_curl()->url_cleanup(parsed);
    if (st == MM_OK && http && !host_is_loopback(host))
        return mm_error_set(err, MM_E_INVALID, "endpoint",
                            "plain http is allowed only for this machine (localhost, 127.0.0.1, "
                            "::1); use https://%s instead",
                            host);
    return st;
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

mm_status val_api_version(const char *version, mm_error *err)
{
    static const char *const how = "use the form YYYY-MM-DD or YYYY-MM-DD-preview, e.g. "
                                   "2024-10-21";
    if (!val_terminated(version, MM_API_VERSION_MAX))
        return mm_error_set(err, MM_E_INVALID, "api_version", "the API version is too long; %s",
                            how);
    size_t len = strlen(version);
    bool shape = (len == 10 || (len == 18 && strcmp(version + 10, "-preview") == 0)) &&
                 digits(version, 4) && version[4] == '-' && digits(version + 5, 2) &&
                 version[7] == '-' && digits(version + 8, 2);
    if (shape) {
        int month = atoi(version + 5), day = atoi(version + 8);
        shape = month >= 1 && month <= 12 && day >= 1 && day <= 31;
    }
    if (!shape)
        return mm_error_set(err, MM_E_INVALID, "api_version",
                            "the API version '%.31s' is not a date; %s", version, how);
    return MM_OK;
}

mm_status val_ca_bundle(const char *path, mm_error *err)
{
    if (!val_terminated(path, MM_URL_MAX))
        return mm_error_set(err, MM_E_INVALID, "ca_bundle",
                            "the CA bundle path is too long: at most %d characters",
                            MM_URL_MAX - 1);
    if (path[0] != '/')
        return mm_error_set(err, MM_E_INVALID, "ca_bundle",
                            "the CA bundle '%.200s' must be a full path starting with '/', so the "
                            "monitor finds it from any folder",
                            path);
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || access(path, R_OK) != 0)
        return mm_error_set(err, MM_E_INVALID, "ca_bundle",
                            "the CA bundle %.200s is not a readable file; give the path of a PEM "
                            "file, or leave it empty to use the system store",
                            path);
    return MM_OK;
}

mm_status val_api_key(const char *key, mm_error *err)
{
    size_t len = strnlen(key, MM_API_KEY_MAX);
    if (len >= MM_API_KEY_MAX)
        return mm_error_set(err, MM_E_INVALID, "api_key",
                            "the API key is too long: at most %d characters", MM_API_KEY_MAX - 1);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)key[i] <= 0x20 || (unsigned char)key[i] >= 0x7F)
            return mm_error_set(err, MM_E_INVALID, "api_key",
                                "the API key contains a space, line break or non-ASCII "
                                "character at position %zu; paste the key alone",
                                i + 1);
    return MM_OK;
}
