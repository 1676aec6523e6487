/* Money in US dollars: parsing amounts as people type them, formatting micros and cents per
 * purpose with integer rounding, cents <-> micros, and the spending-cap rule. */
#include "util/money.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIGITS "0123456789"
#define MICROS_SCALE 6 /* decimals of a micros amount */
#define CENTS_SCALE 2  /* decimals of a cents amount */

static const uint64_t POW10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};

/* ---- parsing ---- */

/* Dollars and up to two decimals after p as cents, or what is wrong with them. */
static const char *read_cents(const char *p, money_entry entry, int64_t *cents)
{
    size_t whole = strspn(p, DIGITS);
    const char *dot = p + whole;
    size_t decimals = *dot == '.' ? strspn(dot + 1, DIGITS) : 0;
    const char *end = *dot == '.' ? dot + 1 + decimals : dot;
    if (whole == 0 || *end != '\0' || (*dot == '.' && decimals == 0 && entry != MONEY_FROM_FORM))
        return "is not an amount of dollars";
    if (decimals > 2)
        return "has more than two decimals";
    int64_t value = 0;
    for (size_t i = 0; i < whole; i++) {
        value = value * 10 + (p[i] - '0');
        if (value > MONEY_CENTS_MAX) /* dollars: surely too large, and no overflow */
            return "is more than 100000000.00";
    }
    value *= 100;
    if (decimals >= 1)
        value += (dot[1] - '0') * 10;
    if (decimals == 2)
        value += dot[2] - '0';
    if (value < 1)
        return "is less than 0.01";
    if (value > MONEY_CENTS_MAX)
        return "is more than 100000000.00";
    *cents = value;
    return NULL;
}

/* What is wrong with text as an amount, or NULL when *cents holds it. */
static const char *amount_fault(const char *text, money_entry entry, int64_t *cents)
{
    if (*text == '-')
        return "is negative";
    if (*text == '$' && entry != MONEY_FROM_FORM)
        return "starts with '$' (leave it out: a shell expands $12)";
    return read_cents(*text == '$' ? text + 1 : text, entry, cents);
}

mm_status money_parse_cents(const char *text, const money_input *in, int64_t *cents, mm_error *err)
{
    static const char how[] = "give US dollars with at most two decimals, from 0.01 to "
                              "100000000.00, e.g. 250 or 99.50";
    if (!text || !*text)
        return mm_error_set(err, MM_E_INVALID, in->field, "%s needs an amount; %s", in->label, how);
    int64_t value = 0;
    const char *fault = amount_fault(text, in->entry, &value);
    if (fault)
        return mm_error_set(err, MM_E_INVALID, in->field, "%s '%.40s' %s; %s", in->label, text,
                            fault, how);
    *cents = value;
    return MM_OK;
}

/* A plain non-negative number up to MONEY_PER_MTOK_MAX; per says what the USD are per. */
static mm_status parse_usd(const char *text, const money_input *in, const char *per,
                           const char *example, double *usd, mm_error *err)
{
    char *end = NULL;
    errno = 0;
    double value = text ? strtod(text, &end) : NAN;
    if (!text || errno != 0 || end == text || *end != '\0' || !isfinite(value) || value < 0 ||
        value > MONEY_PER_MTOK_MAX)
        return mm_error_set(err, MM_E_INVALID, in->field,
                            "%s '%s' is not a price: give USD per %s as a plain "
                            "number from 0 to %.0f, e.g. %s",
                            in->label, text ? text : "", per, MONEY_PER_MTOK_MAX, example);
    *usd = value;
    return MM_OK;
}

mm_status money_parse_per_mtok(const char *text, const money_input *in, double *per_mtok,
                               mm_error *err)
{
    return parse_usd(text, in, "million tokens", "2.50", per_mtok, err);
}

mm_status money_parse_per_unit(const char *text, const money_input *in, const char *unit,
                               double *usd, mm_error *err)
{
    return parse_usd(text, in, unit, "0.04", usd, err);
}

/* ---- formatting ---- */

/* An amount as sign and magnitude in units of 10^-scale USD (scale 6: micros, 2: cents). */
typedef struct amount {
    bool negative;
    uint64_t magnitude;
    int scale;
} amount;

static amount amount_of(int64_t value, int scale)
{
    amount a = {value < 0, value < 0 ? 0 - (uint64_t)value : (uint64_t)value, scale};
    return a;
}

/* True when the amount is below `micros` (a multiple of a cent) in magnitude. */
static bool below(const amount *a, uint64_t micros)
{
    return a->magnitude < micros / POW10[MICROS_SCALE - a->scale];
}

/* Writes [-][$]whole[.decimals]suffix, rounded half away from zero to `decimals`; with
 * drop_zero_cents, whole dollars lose their ".00". */
static void put_amount(const amount *a, bool dollar, int decimals, bool drop_zero_cents,
                       const char *suffix, char *out, size_t outsz)
{
    uint64_t whole, fraction;
    if (decimals >= a->scale) {
        whole = a->magnitude / POW10[a->scale];
        fraction = a->magnitude % POW10[a->scale] * POW10[decimals - a->scale];
    } else {
        uint64_t unit = POW10[a->scale - decimals];
        uint64_t rounded = a->magnitude / unit + (a->magnitude % unit * 2 >= unit);
        whole = rounded / POW10[decimals];
        fraction = rounded % POW10[decimals];
    }
    char decimals_text[16] = "";
    if (decimals && !(drop_zero_cents && fraction == 0))
        snprintf(decimals_text, sizeof decimals_text, ".%0*" PRIu64, decimals, fraction);
    snprintf(out, outsz, "%s%s%" PRIu64 "%s%s", a->negative ? "-" : "", dollar ? "$" : "", whole,
             decimals_text, suffix);
}

static void format_amount(const amount *a, money_style style, const char *suffix, char *out,
                          size_t outsz)
{
    switch (style) {
    case MONEY_PLAIN:
        put_amount(a, false, 2, false, suffix, out, outsz);
        break;
    case MONEY_DOLLARS:
        put_amount(a, true, 2, false, suffix, out, outsz);
        break;
    case MONEY_WHOLE:
        put_amount(a, true, 2, true, suffix, out, outsz);
        break;
    case MONEY_DETAIL:
        if (a->magnitude != 0 && below(a, (uint64_t)MONEY_MICROS_PER_CENT))
            put_amount(a, true, 6, false, suffix, out, outsz);
        else if (a->magnitude != 0 && below(a, (uint64_t)MONEY_MICROS_PER_USD))
            put_amount(a, true, 4, false, suffix, out, outsz);
        else
            put_amount(a, true, 2, false, suffix, out, outsz);
        break;
    case MONEY_CELL:
        if (!a->negative && a->magnitude != 0 && below(a, (uint64_t)MONEY_MICROS_PER_CENT))
            snprintf(out, outsz, "<$0.01%s", suffix);
        else if (below(a, 10000 * (uint64_t)MONEY_MICROS_PER_USD))
            put_amount(a, true, 2, false, suffix, out, outsz);
        else
            put_amount(a, true, 0, false, suffix, out, outsz);
        break;
    case MONEY_EXACT:
    default:
        put_amount(a, true, 6, false, suffix, out, outsz);
        break;
    }
}

void money_format_micros(int64_t micros, money_style style, char *out, size_t outsz)
{
    amount a = amount_of(micros, MICROS_SCALE);
    format_amount(&a, style, "", out, outsz);
}

void money_format_cents(int64_t cents, money_style style, char *out, size_t outsz)
{
    amount a = amount_of(cents, CENTS_SCALE);
    format_amount(&a, style, "", out, outsz);
}

void money_format_spend(int64_t micros, int64_t unpriced, money_style style, char *out,
                        size_t outsz)
{
    if (micros == 0 && unpriced > 0) {
        snprintf(out, outsz, "no price");
        return;
    }
    amount a = amount_of(micros, MICROS_SCALE);
    format_amount(&a, style, unpriced > 0 ? "+" : "", out, outsz);
}

void money_format_cost(int64_t cost_micros, char *out, size_t outsz)
{
    if (cost_micros < 0)
        snprintf(out, outsz, "no price");
    else
        money_format_micros(cost_micros, MONEY_EXACT, out, outsz);
}

void money_format_per_mtok(double per_mtok, char *out, size_t outsz)
{
    if (per_mtok < 0)
        snprintf(out, outsz, "-");
    else
        snprintf(out, outsz, "%.4g", per_mtok);
}

/* ---- conversions ---- */

int64_t money_cents_to_micros(int64_t cents)
{
    if (cents > INT64_MAX / MONEY_MICROS_PER_CENT)
        return INT64_MAX;
    if (cents < INT64_MIN / MONEY_MICROS_PER_CENT)
        return INT64_MIN;
    return cents * MONEY_MICROS_PER_CENT;
}

int64_t money_micros_to_cents(int64_t micros)
{
    amount a = amount_of(micros, MICROS_SCALE);
    uint64_t unit = (uint64_t)MONEY_MICROS_PER_CENT;
    int64_t cents = (int64_t)(a.magnitude / unit + (a.magnitude % unit * 2 >= unit));
    return a.negative ? -cents : cents;
}

double money_micros_to_usd(int64_t micros)
{
    return (double)micros / 1e6;
}

double money_cents_to_usd(int64_t cents)
{
    return (double)cents / 100.0;
}

/* ---- the spending cap ---- */

bool money_cap_reached(int64_t spent_micros, int64_t cap_micros)
{
    return cap_micros != 0 && spent_micros >= cap_micros;
}

double money_cap_share(int64_t spent_micros, int64_t cap_micros)
{
    return cap_micros != 0 ? (double)spent_micros / (double)cap_micros : 0.0;
}
