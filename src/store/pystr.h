/*
 * Python-compatible string tools: MLflow builds its messages with repr(),
 * json.dumps() and len() over code points, parses ids with int(), and its
 * search grammar inherits the Unicode classes of re and str. These reproduce
 * those results so our messages, limits and parses match byte for byte.
 * Input strings are UTF-8 (an ill-formed byte stands for itself, as Python's
 * surrogateescape shows it); the Unicode classes are Python 3.11's (Unicode
 * 14, search/unicode_tables.inc); all results come from the pool.
 */
#ifndef MLF_STORE_PYSTR_H
#define MLF_STORE_PYSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"
#include "json/json.h"

/* ------------------------------------------------------------ code points */

/**
 * Decodes one code point at s (NUL-terminated) into *cp and returns the
 * number of bytes used (at least 1): mlf_text_utf8_decode with surrogates
 * allowed, so an ill-formed byte gives MLF_TEXT_CP_INVALID, which no class
 * below contains.
 */
size_t mlf_pystr_utf8_next(const char *s, uint32_t *cp);

/** re `\w` on a str: str.isalnum() or '_'. */
bool mlf_pystr_is_word_char(uint32_t cp);
/** re `\s` on a str, str.isspace(). */
bool mlf_pystr_is_space(uint32_t cp);
/** re `\d` on a str, str.isdecimal(). */
bool mlf_pystr_is_decimal(uint32_t cp);
/** The value (0 to 9) of a str.isdecimal() code point (what int() reads), or -1 for any other. */
int mlf_pystr_digit_value(uint32_t cp);
/** str.isprintable() of one code point (what repr() leaves unescaped). */
bool mlf_pystr_is_printable(uint32_t cp);

/* ------------------------------------------------------------------ str */

/** len(s) in Python: the number of code points (invalid bytes count one each). */
size_t mlf_pystr_len(const char *s);

/**
 * repr() of the str s[0..n) (which may hold NUL bytes): quotes chosen as
 * Python does, escapes for \\, the quote, controls and what is not printable;
 * a byte that is not UTF-8 shows as \udcXX (surrogateescape).
 */
char *mlf_pystr_repr_n(mlf_pool *pool, const char *s, size_t n);
/** mlf_pystr_repr_n of a NUL-terminated string. */
char *mlf_pystr_repr(mlf_pool *pool, const char *s);
/** repr() of a list of n str: ['a', 'b']. */
char *mlf_pystr_repr_list(mlf_pool *pool, const char *const *items, size_t n);
/** repr() of the bytes s[0..n). */
char *mlf_pystr_repr_bytes(mlf_pool *pool, const char *s, size_t n);
/** repr() of a float: the shortest round trip in Python's layout, nan, inf, -inf. */
char *mlf_pystr_repr_float(mlf_pool *pool, double v);

/**
 * Appends repr() of a parsed JSON value (what json.loads returned): None,
 * True, False, ints as written (but -0 as 0), floats, strs and keys by their
 * lengths (json.loads keys may hold U+0000), lists, dicts. A value nested
 * deeper than max_depth prints as "...".
 */
void mlf_pystr_put_json_repr(mlf_pool *pool, mlf_buf *b, const mlf_json *v, int max_depth);

/** json.dumps(s) with Python's defaults (ensure_ascii: non-ASCII as \uXXXX, surrogate pairs above U+FFFF). */
char *mlf_pystr_json_dumps(mlf_pool *pool, const char *s);

/**
 * int(s) for a str in base 10, ASCII digits: surrounding whitespace, one
 * sign, digits with single underscores between them. Returns 0 and sets *ret;
 * -1 when Python raises ValueError; -2 when the value parses but does not fit
 * in int64 (Python would accept it; callers decide what that means).
 */
int mlf_pystr_parse_int(const char *s, int64_t *ret);

/** str.strip() with no argument (any str.isspace() code point). */
char *mlf_pystr_strip(mlf_pool *pool, const char *s);
/** str.islower(). */
bool mlf_pystr_islower(const char *s);

/**
 * str.upper() restricted to ASCII results: writes the upper-cased text of
 * s[0..n) to out (NUL-terminated) and returns its length, or -1 when some
 * character does not upper-case to ASCII or out is too small. Enough to
 * compare with ASCII keywords exactly as Python does ("ın".upper() == "IN").
 */
int mlf_pystr_upper_ascii(const char *s, size_t n, char *out, size_t cap);

#endif
