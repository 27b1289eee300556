/*
 * Internal to src/search: the pieces of Python's behaviour that MLflow's
 * search messages and parsing inherit (Unicode classes of re and str,
 * repr(), str.strip(), shlex.split(), ast.literal_eval() on a list).
 */
#ifndef MLF_SEARCH_PYUTIL_H
#define MLF_SEARCH_PYUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"

#define MLF__CP_INVALID 0xFFFFFFFFu

/** The code point at s[i] (i < len); invalid UTF-8 yields MLF__CP_INVALID for one byte. */
uint32_t mlf__utf8_decode(const char *s, size_t len, size_t i, size_t *clen);
/** Appends cp as UTF-8 (lone surrogates too, as Python's surrogatepass). */
void mlf__utf8_put(mlf_buf *buf, uint32_t cp);
/* The byte a one-character JSON escape (\" \\ \/ \b \f \n \r \t, given without its backslash) stands
   for, or -1 (\u and anything else). */
int mlf__json_escape_char(uint32_t c);

bool mlf__py_is_w(uint32_t cp);         /* re \w */
bool mlf__py_is_s(uint32_t cp);         /* re \s, str.isspace() */
bool mlf__py_is_d(uint32_t cp);         /* re \d, str.isdecimal() */
int mlf__py_digit_value(uint32_t cp);   /* 0-9 for a \d code point */
bool mlf__py_isprintable(uint32_t cp);  /* str.isprintable() */

/**
 * str.upper() restricted to ASCII results: writes the upper-cased text to
 * out (NUL-terminated) and returns its length, or -1 when some character does
 * not upper-case to ASCII or out is too small. Enough to compare with ASCII
 * keywords exactly as Python does ("ın".upper() == "IN").
 */
int mlf__py_upper_ascii(const char *s, size_t n, char *out, size_t cap);

/** repr(str) of UTF-8 text. */
char *mlf__py_repr_str(mlf_pool *pool, const char *s, size_t n);
/** repr(bytes). */
char *mlf__py_repr_bytes(mlf_pool *pool, const char *s, size_t n);
/** repr(float). */
char *mlf__py_repr_float(mlf_pool *pool, double v);
/** str.strip() with no argument. */
char *mlf__py_strip(mlf_pool *pool, const char *s);
/** str.islower(). */
bool mlf__py_islower(const char *s);

/**
 * shlex.split(s) (posix, no comments). Returns 0 with the words, or -1 with
 * *err set to Python's ValueError text ("No closing quotation", ...).
 */
int mlf__shlex_split(mlf_pool *pool, const char *s, char ***ret_words, size_t *ret_n, const char **err);

/* ast.literal_eval() of a "( ... )" token, as MLflow's list parsing uses it. */
typedef enum mlf__pylit_status {
    MLF__PYLIT_OK,
    MLF__PYLIT_SYNTAX_ERROR, /* SyntaxError: MLflow's "ill-formed list" */
    MLF__PYLIT_VALUE_ERROR,  /* ValueError: not caught by MLflow, a 500 */
} mlf__pylit_status;

/**
 * Evaluates text as ast.literal_eval(text) followed by MLflow's
 * `parsed if isinstance(parsed, tuple) else (parsed,)`. On MLF__PYLIT_OK sets
 * *ret_strs (NULL when some item is not a str), *ret_n, and *ret_repr to
 * repr() of the resulting tuple.
 */
mlf__pylit_status mlf__py_literal_tuple(mlf_pool *pool, const char *text, const char ***ret_strs, size_t *ret_n,
                                        const char **ret_repr);

#endif
