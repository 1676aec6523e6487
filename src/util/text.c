/* Bounded copies and terminal-safe sanitizing of untrusted text (provider model names, error
 * messages): no control character or invalid UTF-8 ever reaches the screen. */
#include "util/text.h"

#include <string.h>

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
