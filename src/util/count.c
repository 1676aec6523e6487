/* Parsing of counts as the tables show them (50k, 1.5M, 12,345): the rule for the CLI's and
 * the console's limit fields. */
#include "util/count.h"

#include <ctype.h>
#include <string.h>

/* Digits with optional thousands commas (groups of three after the first) into *whole; the
 * digits after a '.' into *frac (scaled by *frac_scale). Returns the end of what was read. */
static const char *read_number(const char *p, int64_t *whole, int64_t *frac, int64_t *frac_scale,
                               bool *ok)
{
    *whole = 0, *frac = 0, *frac_scale = 1;
    int digits = 0, group = -1; /* digits since the last comma (-1: no comma yet) */
    for (; isdigit((unsigned char)*p) || (*p == ',' && digits > 0); p++) {
        if (*p == ',') {
            if (group >= 0 && group != 3)
                *ok = false;
            if (group < 0 && digits > 3)
                *ok = false;
            group = 0;
            continue;
        }
        if (*whole > (INT64_MAX - (*p - '0')) / 10)
            *ok = false;
        else
            *whole = *whole * 10 + (*p - '0');
        digits++;
        if (group >= 0)
            group++;
    }
    if (digits == 0 || (group >= 0 && group != 3))
        *ok = false;
    if (*p == '.') {
        int n = 0;
        for (p++; isdigit((unsigned char)*p); p++, n++)
            if (n < 6) {
                *frac = *frac * 10 + (*p - '0');
                *frac_scale *= 10;
            }
        if (n == 0)
            *ok = false;
    }
    return p;
}

bool mm_count_parse(const char *text, int64_t *out)
{
    if (!text)
        return false;
    const char *p = text;
    while (*p == ' ')
        p++;
    bool ok = true;
    int64_t whole, frac, scale;
    p = read_number(p, &whole, &frac, &scale, &ok);
    int64_t unit = 1;
    if (*p == 'k' || *p == 'K')
        unit = 1000, p++;
    else if (*p == 'm' || *p == 'M')
        unit = 1000000, p++;
    while (*p == ' ')
        p++;
    if (!ok || *p || (scale > 1 && unit == 1) || whole > INT64_MAX / unit)
        return false;
    int64_t part = frac * unit; /* frac < scale <= 1e6, unit <= 1e6: no overflow */
    if (part % scale != 0)
        return false; /* 1.2345k is not a whole number */
    if (whole * unit > INT64_MAX - part / scale)
        return false;
    *out = whole * unit + part / scale;
    return true;
}

mm_status mm_limit_parse(const char *text, const char *label, int64_t max, int64_t *out,
                         mm_error *err)
{
    const char *name = label ? label : "limit";
    int64_t value = 0;
    if (!text || !*text)
        return mm_error_set(err, MM_E_INVALID, name,
                            "the %s needs a value: a whole number from 1 to %lld", name,
                            (long long)max);
    if (!mm_count_parse(text, &value) || value < 1 || value > max)
        return mm_error_set(err, MM_E_INVALID, name,
                            "the %s must be a whole number from 1 to %lld, e.g. 50000, 50k or "
                            "1.5M (not '%.40s')",
                            name, (long long)max, text);
    *out = value;
    return MM_OK;
}

const char *mm_count_decimal(char digits[MM_DECIMAL_MAX], int64_t value, size_t *len)
{
    char *p = digits + MM_DECIMAL_MAX;
    uint64_t magnitude = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
    do
        *--p = (char)('0' + magnitude % 10);
    while ((magnitude /= 10) != 0);
    if (value < 0)
        *--p = '-';
    *len = (size_t)(digits + MM_DECIMAL_MAX - p);
    return p;
}
