/* Bounded copies and terminal-safe sanitizing of untrusted text (provider model names, error
 * messages), the one policy for format characters, UTF-8 decoding and the display width. */
#include "util/text.h"

#include <stdio.h>
#include <stdlib.h>
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
    return len;
}

/* Unicode 15 general category Cf, plus U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR. */
static const uint32_t FORMAT_RANGES[][2] = {
    {0x00AD, 0x00AD},   {0x0600, 0x0605},   {0x061C, 0x061C},   {0x06DD, 0x06DD},
    {0x070F, 0x070F},   {0x0890, 0x0891},   {0x08E2, 0x08E2},   {0x180E, 0x180E},
    {0x200B, 0x200F},   {0x2028, 0x202E},   {0x2060, 0x2064},   {0x2066, 0x206F},
    {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD}, {0x110CD, 0x110CD},
    {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0001, 0xE0001},
    {0xE0020, 0xE007F},
};

bool mm_is_format_char(uint32_t cp)
{
    if (cp < 0xAD)
        return false; /* ASCII and Latin-1 before the soft hyphen: the common case */
    for (size_t i = 0; i < sizeof FORMAT_RANGES / sizeof FORMAT_RANGES[0]; i++)
        if (cp >= FORMAT_RANGES[i][0] && cp <= FORMAT_RANGES[i][1])
            return true;
    return false;
}

static const struct {
    uint32_t cp;
    const char *name;
} FORMAT_NAMES[] = {
    {0x00AD, "SOFT HYPHEN"},
    {0x061C, "ARABIC LETTER MARK"},
    {0x200B, "ZERO WIDTH SPACE"},
    {0x200C, "ZERO WIDTH NON-JOINER"},
    {0x200D, "ZERO WIDTH JOINER"},
    {0x200E, "LEFT-TO-RIGHT MARK"},
    {0x200F, "RIGHT-TO-LEFT MARK"},
    {0x2028, "LINE SEPARATOR"},
    {0x2029, "PARAGRAPH SEPARATOR"},
    {0x202A, "LEFT-TO-RIGHT EMBEDDING"},
    {0x202B, "RIGHT-TO-LEFT EMBEDDING"},
    {0x202C, "POP DIRECTIONAL FORMATTING"},
    {0x202D, "LEFT-TO-RIGHT OVERRIDE"},
    {0x202E, "RIGHT-TO-LEFT OVERRIDE"},
    {0x2060, "WORD JOINER"},
    {0x2066, "LEFT-TO-RIGHT ISOLATE"},
    {0x2067, "RIGHT-TO-LEFT ISOLATE"},
    {0x2068, "FIRST STRONG ISOLATE"},
    {0x2069, "POP DIRECTIONAL ISOLATE"},
    {0xFEFF, "ZERO WIDTH NO-BREAK SPACE"},
};

const char *mm_format_char_name(uint32_t cp)
{
    for (size_t i = 0; i < sizeof FORMAT_NAMES / sizeof FORMAT_NAMES[0]; i++)
        if (FORMAT_NAMES[i].cp == cp)
            return FORMAT_NAMES[i].name;
    return "FORMAT CHARACTER";
}

bool mm_find_format_char(const char *text, uint32_t *cp, size_t *offset)
{
    const char *p = text ? text : "";
    while (*p) {
        const char *at = p;
        uint32_t c = mm_utf8_next(&p);
        if (mm_is_format_char(c)) {
            if (cp)
                *cp = c;
            if (offset)
                *offset = (size_t)(at - text);
            return true;
        }
    }
    return false;
}

void mm_format_char_problem(const char *label, uint32_t cp, char *out, size_t outsz)
{
    snprintf(out, outsz, "the %s contains U+%04X %s, which can disguise text; remove it", label,
             (unsigned)cp, mm_format_char_name(cp));
}

void mm_format_char_escape(uint32_t cp, char *out, size_t outsz)
{
    snprintf(out, outsz, "<U+%04X>", (unsigned)(cp & 0x1FFFFF));
}

/* Provider text keeps a joiner right after a non-ASCII character (emoji, Indic, Arabic). */
static bool kept_joiner(uint32_t cp, uint32_t previous)
{
    return (cp == 0x200C || cp == 0x200D) && previous >= 0x80 && !mm_is_format_char(previous);
}

void mm_sanitize(char *dst, size_t dstsz, const char *src, size_t srclen)
{
    if (dstsz == 0)
        return;
    const unsigned char *s = (const unsigned char *)(src ? src : "");
    size_t out = 0;
    bool pending_space = false;
    uint32_t previous = 0;
    char escape[MM_FORMAT_ESCAPE_MAX];
    for (size_t i = 0; i < srclen && s[i];) {
        if (s[i] < 0x20 || s[i] == 0x7F || s[i] == ' ') {
            pending_space = out > 0;
            previous = ' ';
            i++;
            continue;
        }
        size_t len = utf8_sequence_length(s + i, srclen - i);
        const char *at = (const char *)s + i;
        uint32_t cp = !len ? 0xFFFD : s[i] < 0x80 ? s[i] : mm_utf8_next(&at);
        bool escaped = !len || (mm_is_format_char(cp) && !kept_joiner(cp, previous));
        if (escaped && !len)
            mm_copy(escape, sizeof escape, "?"); /* an invalid byte is drawn as one '?' */
        else if (escaped)
            mm_format_char_escape(cp, escape, sizeof escape);
        size_t emit = escaped ? strlen(escape) : len;
        if (out + (pending_space ? 1 : 0) + emit >= dstsz)
            break;
        if (pending_space)
            dst[out++] = ' ';
        pending_space = false;
        memcpy(dst + out, escaped ? escape : (const char *)s + i, emit);
        out += emit;
        i += len ? len : 1;
        previous = cp;
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

char *mm_sanitize_copy(const char *text, size_t len)
{
    /* the largest growth: a 2-byte character escaped to 8 bytes */
    size_t room = len * 4 + 1;
    char *out = malloc(room);
    if (out)
        mm_sanitize(out, room, text, len);
    return out;
}
