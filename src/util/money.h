/* Money in US dollars: amounts as integers (micros for costs and spend, cents for what people
 * set), parsed as people type them, formatted per purpose, converted, and the spending-cap rule. */
#ifndef MM_UTIL_MONEY_H
#define MM_UTIL_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Units. USD micros (USD * 1e6): a request's cost, a usage event's cost_micros, a month's spend;
 * a price in USD per million tokens times tokens is micros. USD cents (USD * 100): amounts a
 * person sets, e.g. an account's monthly_cap_cents. */
#define MONEY_MICROS_PER_CENT 10000LL
#define MONEY_MICROS_PER_USD 1000000LL
#define MONEY_CENTS_MAX 10000000000LL /* USD 100,000,000.00: the largest amount one may type */
#define MONEY_PER_MTOK_MAX 1000000.0  /* USD per million tokens: the largest price */
#define MONEY_PER_UNIT_MAX 1000.0     /* USD per image, second or character: the largest */
#define MONEY_TEXT_MAX 32             /* bytes that hold any formatted amount, "+" included */

/* ---- parsing what people type ---- */

/* Where an amount is typed. A form takes what people type there; a command-line option takes
 * plain numbers only (a shell expands an unquoted "$12" to nothing). */
typedef enum money_entry {
    MONEY_FROM_OPTION, /* "250", "12.5", "12.50" */
    MONEY_FROM_FORM,   /* also "$250" and "250." */
} money_entry;

/* How a refusal names the amount. */
typedef struct money_input {
    const char *label; /* in the message: "--monthly-cap", "the spending cap" */
    const char *field; /* err->field: "monthly_cap", "input" */
    money_entry entry; /* what is accepted (cents only; prices parse alike everywhere) */
} money_input;

/* Parses whole dollars with at most two decimals into cents, 1..MONEY_CENTS_MAX (USD 0.01 to
 * 100,000,000.00): digits, then "." and one or two digits; a form also takes a leading "$" and a
 * trailing ".". No sign, space, thousands separator or exponent. Refused: MM_E_INVALID with
 * err->field = in->field and one message saying what is wrong and how to fix it, e.g.
 * "--monthly-cap '12.345' has more than two decimals; give US dollars with at most two
 * decimals, from 0.01 to 100000000.00, e.g. 250 or 99.50". *cents is untouched then. */
mm_status money_parse_cents(const char *text, const money_input *in, int64_t *cents, mm_error *err);

/* Parses a price in USD per million tokens: a plain number from 0 to MONEY_PER_MTOK_MAX as
 * strtod reads it ("2.50", "10", "1e-3"). Refused: MM_E_INVALID, err->field = in->field,
 * "<label> '<text>' is not a price: give USD per million tokens as a plain number from 0 to
 * 1000000, e.g. 2.50". */
mm_status money_parse_per_mtok(const char *text, const money_input *in, double *per_mtok,
                               mm_error *err);

/* The same parser for a media price in USD per unit (unit: "image", "second", "character"):
 * refused with "<label> '<text>' is not a price: give USD per <unit> as a plain number from 0
 * to 1000000, e.g. 0.04". */
mm_status money_parse_per_unit(const char *text, const money_input *in, const char *unit,
                               double *usd, mm_error *err);

/* ---- formatting ---- */

/* One style per purpose. Each rounds half away from zero to its last decimal
 * (0.005 -> 0.01, 0.0049 -> 0.00). */
typedef enum money_style {
    MONEY_PLAIN,   /* "1234.50": two decimals, no "$"; CLI tables and form fields */
    MONEY_DOLLARS, /* "$1234.50": two decimals; sentences (the cap in a refusal, a detail line) */
    MONEY_WHOLE,   /* "$2500" for whole dollars, else "$25.50": the accounts table's cap */
    MONEY_DETAIL,  /* "$12.34", "$0.1234" under $1, "$0.000017" under $0.01 (a few tokens stay
                    * visible); "$0.00" for 0: the Health detail */
    MONEY_CELL,    /* at most 8 columns: "<$0.01" for a few tokens, "$12.34", and whole dollars
                    * from $10000 ("$123456"): the Health table */
    MONEY_EXACT,   /* "$0.000123": every micro; one request's cost */
} money_style;

/* Formats USD micros in a style. A negative amount (no caller has one: costs are never
 * negative) is its magnitude in the same style with "-" in front ("-$1.50", "-1.50"); every
 * int64 is exact, INT64_MIN included. MONEY_TEXT_MAX bytes always suffice. */
void money_format_micros(int64_t micros, money_style style, char *out, size_t outsz);
/* Formats USD cents alike, exactly for every int64 (no overflow through micros). */
void money_format_cents(int64_t cents, money_style style, char *out, size_t outsz);
/* A sum of costs of which `unpriced` had no price: "no price" when nothing was priced (micros
 * 0) but something was not, never "$0"; else the amount with a "+" after it when unpriced > 0
 * (the sum is a floor): "$12.34+", "1.25+". */
void money_format_spend(int64_t micros, int64_t unpriced, money_style style, char *out,
                        size_t outsz);
/* One cost: "no price" when negative (unknown, -1), else MONEY_EXACT: "$0.000123". */
void money_format_cost(int64_t cost_micros, char *out, size_t outsz);
/* A price in USD per million tokens as printf's %.4g ("2.5", "0.02", "1e+04"); "-" when
 * negative (unknown). */
void money_format_per_mtok(double per_mtok, char *out, size_t outsz);

/* ---- conversions ---- */

/* cents * 10000, saturating at INT64_MAX / INT64_MIN when it does not fit (|cents| above
 * 922,337,203,685,477): such a cap is never reached. */
int64_t money_cents_to_micros(int64_t cents);
/* micros / 10000 rounded half away from zero: 5000 -> 1, 4999 -> 0, -5000 -> -1. */
int64_t money_micros_to_cents(int64_t micros);
/* USD as a double for JSON: micros / 1e6 and cents / 100 (the nearest double). */
double money_micros_to_usd(int64_t micros);
double money_cents_to_usd(int64_t cents);

/* ---- the spending cap ---- */

/* The one rule: a monthly spending cap is reached once the month's spend (priced events only)
 * is at or above it; the router skips the account, admission refuses it, the Health page marks
 * it. cap_micros 0 (MM_LIMIT_UNSET) is no cap and is never reached. */
bool money_cap_reached(int64_t spent_micros, int64_t cap_micros);
/* How much of the cap is spent: 0.5 is half, 1.0 reached, above 1 over; 0 with no cap. */
double money_cap_share(int64_t spent_micros, int64_t cap_micros);

#endif
