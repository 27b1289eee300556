/*
 * Internal to src/search: the pieces of Python's behaviour that MLflow's
 * search parsing inherits beyond str (shlex.split(), ast.literal_eval() on a
 * list); the str tools (Unicode classes, repr(), strip()) are store/pystr.h.
 */
#ifndef MLF_SEARCH_PYUTIL_H
#define MLF_SEARCH_PYUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"

/* The byte a one-character JSON escape (\" \\ \/ \b \f \n \r \t, given without its backslash) stands
   for, or -1 (\u and anything else). */
int mlf__json_escape_char(uint32_t c);

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
