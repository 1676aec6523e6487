/* Bounded copies and terminal-safe sanitizing of untrusted text (provider model names, error
 * messages), UTF-8 decoding and the one display width (terminal columns) of text. */
#include "util/text.h"

#include <string.h>
#include <wchar.h>

bool mm_copy(char *dst, size_t dstsz, const char *src)
{
    if (dstsz == 0)
        return false;
    if (!src)
        src = "";
    size_t n = strlen(src);
    if (n >= dstsz) {
        memcpy(dst, src, dstsz - 1);
        dst[dstsz - 1] = '\0';
        return false;
    }
    memcpy(dst, src, n + 1);
    return true;
}

/* Length of the valid UTF-8 sequence at s (at most avail bytes), or 0 if invalid. */
static size_t utf8_sequence_length(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    size_t len;
    unsigned int cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (avail < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    if (cp >= 0x80 && cp <= 0x9F) /* C1 controls */
        return 0;
    if (cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
        (cp >= 0x2066 && cp <= 0x2069)) /* line separators and bidi overrides */
        return 0;
    return len;
}

void mm_sanitize(char *dst, size_t dstsz, const char *src, size_t srclen)
{
    if (dstsz == 0)
        return;
    const unsigned char *s = (const unsigned char *)(src ? src : "");
    size_t out = 0;
    bool pending_space = false;
    for (size_t i = 0; i < srclen && s[i];) {
        if (s[i] < 0x20 || s[i] == 0x7F || s[i] == ' ') {
            pending_space = out > 0;
            i++;
            continue;
        }
        size_t len = utf8_sequence_length(s + i, srclen - i);
        size_t emit = len ? len : 1; /* an invalid byte is drawn as one '?' */
        if (out + (pending_space ? 1 : 0) + emit >= dstsz)
            break;
        if (pending_space)
            dst[out++] = ' ';
        pending_space = false;
        if (len)
            memcpy(dst + out, s + i, len);
        else
            dst[out] = '?';
        out += emit;
        i += emit;
    }
    dst[out] = '\0';
}

uint32_t mm_utf8_next(const char **p)
{
    const unsigned char *s = (const unsigned char *)*p;
    uint32_t cp;
    int extra;
    if (s[0] < 0x80) {
        *p += 1;
        return s[0];
    } else if ((s[0] & 0xE0) == 0xC0) {
        cp = s[0] & 0x1F;
        extra = 1;
    } else if ((s[0] & 0xF0) == 0xE0) {
        cp = s[0] & 0x0F;
        extra = 2;
    } else if ((s[0] & 0xF8) == 0xF0) {
        cp = s[0] & 0x07;
        extra = 3;
    } else {
        *p += 1;
        return 0xFFFD;
    }
    for (int i = 1; i <= extra; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *p += 1;
            return 0xFFFD;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    *p += 1 + extra;
    return cp;
}

int mm_char_width(uint32_t cp)
{
    return wcwidth((wchar_t)cp);
}

int mm_text_width(const char *text)
{
    int total = 0;
    const char *p = text ? text : "";
    while (*p) {
        uint32_t cp = mm_utf8_next(&p);
        int w = cp < 0x80 || cp == 0xFFFD ? 1 : mm_char_width(cp);
        total += w < 0 ? 1 : w;
    }
    return total;
}
