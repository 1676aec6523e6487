/* Redacting a secret from text: 8-byte windows of the secret kept as sorted integers so a long
 * answer is scanned in O(n log k), each match extended to its longest run, then replaced. */
#include "util/redact.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HINT_MAX 32
#define FILTER_BITS 65536u

static unsigned filter_slot(uint64_t gram)
{
    return (unsigned)((gram * 0x9E3779B97F4A7C15ull) >> 48); /* 16 bits of a Fibonacci hash */
}

typedef struct redactor {
    const char *secret;
    size_t secret_len;
    uint64_t *grams; /* every MM_REDACT_MIN_RUN-byte window of secret, sorted */
    size_t n_grams;
    uint8_t filter[FILTER_BITS / 8]; /* a bit per hashed window: most text is rejected here */
    char hint[HINT_MAX];
} redactor;

static uint64_t gram_at(const char *p)
{
    uint64_t g;
    memcpy(&g, p, sizeof g);
    return g;
}

static int compare_grams(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static bool redactor_init(redactor *r, const char *secret)
{
    _Static_assert(MM_REDACT_MIN_RUN == sizeof(uint64_t), "a window is one 64-bit integer");
    memset(r, 0, sizeof *r);
    r->secret = secret;
    r->secret_len = secret ? strlen(secret) : 0;
    if (r->secret_len < 4)
        return true;
    snprintf(r->hint, sizeof r->hint, "%.3s\xe2\x80\xa6%s", secret, secret + r->secret_len - 4);
    if (r->secret_len < MM_REDACT_MIN_RUN)
        return true;
    r->n_grams = r->secret_len - MM_REDACT_MIN_RUN + 1;
    r->grams = malloc(r->n_grams * sizeof *r->grams);
    if (!r->grams)
        return false;
    for (size_t i = 0; i < r->n_grams; i++) {
        r->grams[i] = gram_at(secret + i);
        unsigned slot = filter_slot(r->grams[i]);
        r->filter[slot / 8] |= (uint8_t)(1u << (slot % 8));
    }
    qsort(r->grams, r->n_grams, sizeof *r->grams, compare_grams);
    return true;
}

static void redactor_free(redactor *r)
{
    free(r->grams);
    r->grams = NULL;
}

/* Length of the longest run of secret starting at text[0] (0 when shorter than a match). */
static size_t match_at(const redactor *r, const char *text, size_t avail)
{
    if (r->secret_len < 4)
        return 0;
    if (r->secret_len < MM_REDACT_MIN_RUN)
        return avail >= r->secret_len && memcmp(text, r->secret, r->secret_len) == 0 ? r->secret_len
                                                                                     : 0;
    if (avail < MM_REDACT_MIN_RUN)
        return 0;
    uint64_t g = gram_at(text);
    unsigned slot = filter_slot(g);
    if (!(r->filter[slot / 8] & (1u << (slot % 8))) ||
        !bsearch(&g, r->grams, r->n_grams, sizeof g, compare_grams))
        return 0;
    size_t best = 0;
    for (size_t j = 0; j + MM_REDACT_MIN_RUN <= r->secret_len; j++) {
        size_t n = 0;
        while (n < avail && j + n < r->secret_len && text[n] == r->secret[j + n])
            n++;
        if (n > best)
            best = n;
    }
    return best >= MM_REDACT_MIN_RUN ? best : 0;
}

char *mm_redact_copy(const char *text, size_t len, const char *secret, bool *changed)
{
    if (changed)
        *changed = false;
    redactor r;
    if (!redactor_init(&r, secret))
        return NULL;
    size_t cap = len + HINT_MAX + 1; /* grown when replacements are longer than their runs */
    char *out = malloc(cap);
    size_t o = 0;
    for (size_t i = 0; out && i < len;) {
        size_t run = match_at(&r, text + i, len - i);
        const char *mark = run == 0 ? NULL : run == r.secret_len ? r.hint : MM_REDACT_MARK;
        size_t add = mark ? strlen(mark) : 1;
        if (o + add + 1 > cap) {
            char *grown = realloc(out, cap * 2);
            if (!grown) {
                free(out);
                out = NULL;
                break;
            }
            out = grown;
            cap *= 2;
        }
        if (!mark) {
            out[o++] = text[i++];
            continue;
        }
        memcpy(out + o, mark, add);
        o += add;
        i += run;
        if (changed)
            *changed = true;
    }
    if (!out) {
        redactor_free(&r);
        return NULL;
    }
    out[o] = '\0';
    redactor_free(&r);
    return out;
}

bool mm_redact(char *buf, size_t bufsz, const char *secret)
{
    if (bufsz == 0 || !secret || strlen(secret) < 4)
        return true;
    bool changed = false;
    size_t len = strnlen(buf, bufsz - 1);
    char *clean = mm_redact_copy(buf, len, secret, &changed);
    if (!clean) {
        memset(buf, 0, bufsz);
        return false;
    }
    if (changed) {
        size_t n = strlen(clean);
        if (n >= bufsz) /* cut on a character boundary */
            for (n = bufsz - 1; n > 0 && ((unsigned char)clean[n] & 0xC0) == 0x80;)
                n--;
        memset(buf, 0, bufsz);
        memcpy(buf, clean, n);
    }
    free(clean);
    return true;
}

/* ---- catalog addresses ---- */

#define REDACT_HIDDEN "***"

/* Appends n bytes of text to out (NUL kept, truncated to outsz). */
static void append(char *out, size_t outsz, size_t *used, const char *text, size_t n)
{
    while (n-- > 0 && *used + 1 < outsz)
        out[(*used)++] = *text++;
    out[*used < outsz ? *used : outsz - 1] = '\0';
}

/* The end of a conninfo value starting at p: a quoted value ('...' with \' and \\ escapes) or
 * up to the next space. */
static const char *conninfo_value_end(const char *p)
{
    if (*p != '\'') {
        while (*p && !isspace((unsigned char)*p))
            p++;
        return p;
    }
    for (p++; *p && *p != '\''; p++)
        if (*p == '\\' && p[1])
            p++;
    return *p ? p + 1 : p;
}

/* True when p starts the keyword "password" followed by optional spaces and '='; *value then
 * points after the '=' and its spaces. */
static bool password_keyword(const char *p, const char **value)
{
    if (strncmp(p, "password", 8) != 0)
        return false;
    p += 8;
    while (isspace((unsigned char)*p))
        p++;
    if (*p != '=')
        return false;
    for (p++; isspace((unsigned char)*p);)
        p++;
    *value = p;
    return true;
}

static void redact_conninfo(const char *address, char *out, size_t outsz)
{
    size_t used = 0;
    bool word_start = true;
    for (const char *p = address; *p;) {
        const char *value;
        if (word_start && password_keyword(p, &value)) {
            append(out, outsz, &used, p, (size_t)(value - p));
            append(out, outsz, &used, REDACT_HIDDEN, strlen(REDACT_HIDDEN));
            p = conninfo_value_end(value);
            continue;
        }
        if (*p == '\'') { /* a quoted value is copied whole: "password=" inside it is text */
            const char *end = conninfo_value_end(p);
            append(out, outsz, &used, p, (size_t)(end - p));
            p = end;
            word_start = false;
            continue;
        }
        word_start = isspace((unsigned char)*p);
        append(out, outsz, &used, p, 1);
        p++;
    }
}

static void redact_url(const char *address, const char *scheme_end, char *out, size_t outsz)
{
    size_t used = 0;
    append(out, outsz, &used, address, (size_t)(scheme_end - address));
    const char *authority = scheme_end;
    const char *authority_end = authority + strcspn(authority, "/?#");
    const char *at = NULL;
    for (const char *q = authority; q < authority_end; q++)
        if (*q == '@')
            at = q; /* the last '@' ends the user info */
    const char *colon = at ? memchr(authority, ':', (size_t)(at - authority)) : NULL;
    const char *p = authority;
    if (colon) {
        append(out, outsz, &used, p, (size_t)(colon + 1 - p));
        append(out, outsz, &used, REDACT_HIDDEN, strlen(REDACT_HIDDEN));
        p = at;
    }
    const char *query = strchr(p, '?');
    if (!query) {
        append(out, outsz, &used, p, strlen(p));
        return;
    }
    append(out, outsz, &used, p, (size_t)(query + 1 - p));
    for (p = query + 1; *p;) {
        size_t len = strcspn(p, "&");
        if (len >= 9 && strncmp(p, "password=", 9) == 0) {
            append(out, outsz, &used, "password=" REDACT_HIDDEN, 9 + strlen(REDACT_HIDDEN));
        } else {
            append(out, outsz, &used, p, len);
        }
        p += len;
        if (*p == '&')
            append(out, outsz, &used, p++, 1);
    }
}

void mm_redact_address(const char *address, char *out, size_t outsz)
{
    if (!outsz)
        return;
    out[0] = '\0';
    if (!address)
        return;
    static const char *const schemes[] = {"postgresql://", "postgres://"};
    for (size_t i = 0; i < 2; i++)
        if (strncmp(address, schemes[i], strlen(schemes[i])) == 0) {
            redact_url(address, address + strlen(schemes[i]), out, outsz);
            return;
        }
    redact_conninfo(address, out, outsz); /* a path has no "password=" word: copied as is */
}

/* ---- passwords echoed in a message about an address ---- */

#define MAX_PASSWORDS 8

typedef struct span {
    const char *at;
    size_t len;
} span;

static void add_span(span *spans, size_t *n, const char *at, size_t len)
{
    if (len > 0 && *n < MAX_PASSWORDS)
        spans[(*n)++] = (span){at, len};
}

/* The password values an address carries: a URL's user:PASSWORD@ and ?password=, a conninfo's
 * password=VALUE (quoted: also the text between the quotes). */
static size_t password_spans(const char *address, span *spans)
{
    size_t n = 0;
    const char *body = NULL;
    static const char *const schemes[] = {"postgresql://", "postgres://"};
    for (size_t i = 0; i < 2 && !body; i++)
        if (strncmp(address, schemes[i], strlen(schemes[i])) == 0)
            body = address + strlen(schemes[i]);
    if (!body) {
        bool word_start = true;
        for (const char *p = address; *p;) {
            const char *value;
            if (word_start && password_keyword(p, &value)) {
                const char *end = conninfo_value_end(value);
                add_span(spans, &n, value, (size_t)(end - value));
                if (*value == '\'' && end > value + 1)
                    add_span(spans, &n, value + 1, (size_t)(end - value - 1 - (end[-1] == '\'')));
                p = end;
                continue;
            }
            word_start = isspace((unsigned char)*p);
            p++;
        }
        return n;
    }
    const char *authority_end = body + strcspn(body, "/?#");
    const char *at = NULL;
    for (const char *q = body; q < authority_end; q++)
        if (*q == '@')
            at = q;
    const char *colon = at ? memchr(body, ':', (size_t)(at - body)) : NULL;
    if (colon)
        add_span(spans, &n, colon + 1, (size_t)(at - colon - 1));
    for (const char *q = strchr(body, '?'); q && *q;) {
        q++;
        size_t len = strcspn(q, "&");
        if (len > 9 && strncmp(q, "password=", 9) == 0)
            add_span(spans, &n, q + 9, len - 9);
        q += len;
    }
    return n;
}

/* Replaces every occurrence of needle (len bytes) in text with repl; only inside "..." when
 * quoted_only. Truncated to textsz. */
static void replace_all(char *text, size_t textsz, const char *needle, size_t len, const char *repl,
                        bool quoted_only)
{
    char out[2048];
    size_t used = 0;
    bool quoted = false;
    out[0] = '\0';
    for (const char *p = text; *p;) {
        if ((quoted || !quoted_only) && strncmp(p, needle, len) == 0) {
            append(out, sizeof out, &used, repl, strlen(repl));
            p += len;
            continue;
        }
        if (*p == '"')
            quoted = !quoted;
        append(out, sizeof out, &used, p++, 1);
    }
    snprintf(text, textsz, "%s", out);
}

void mm_redact_address_in(char *text, size_t textsz, const char *address)
{
    if (!text || !textsz || !address || !address[0])
        return;
    char shown[1024];
    mm_redact_address(address, shown, sizeof shown);
    if (strcmp(shown, address) == 0)
        return; /* no password in it */
    replace_all(text, textsz, address, strlen(address), shown, false);
    span spans[MAX_PASSWORDS];
    size_t n = password_spans(address, spans);
    for (size_t i = 0; i < n; i++) {
        char needle[512];
        if (spans[i].len >= sizeof needle)
            continue;
        memcpy(needle, spans[i].at, spans[i].len);
        needle[spans[i].len] = '\0';
        /* libpq quotes the values it cannot take ("s3cr%t"): any length there; elsewhere only a
         * needle long enough not to be ordinary words */
        replace_all(text, textsz, needle, spans[i].len, REDACT_HIDDEN, spans[i].len < 4);
    }
}
