/*
 * Python-compatible string helpers: MLflow builds its messages with repr(),
 * json.dumps() and len() over code points, and parses ids with int(). These
 * reproduce those results so our messages and limits match byte for byte.
 * Input strings are UTF-8; all results come from the pool.
 */
#ifndef MLF_STORE_PYSTR_H
#define MLF_STORE_PYSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"

/** len(s) in Python: the number of code points (invalid bytes count one each). */
size_t mlf_pystr_len(const char *s);

/** repr(s) of a Python str: quotes chosen as Python does, escapes for \\, quotes and control characters. */
char *mlf_pystr_repr(mlf_pool *pool, const char *s);

/** json.dumps(s) with Python's defaults (ensure_ascii: non-ASCII as \uXXXX, surrogate pairs above U+FFFF). */
char *mlf_pystr_json_dumps(mlf_pool *pool, const char *s);

/**
 * int(s) for a str in base 10: surrounding whitespace, one sign, digits with
 * single underscores between them. Returns 0 and sets *ret; -1 when Python
 * raises ValueError; -2 when the value parses but does not fit in int64
 * (Python would accept it; callers decide what that means).
 */
int mlf_pystr_parse_int(const char *s, int64_t *ret);

/** True when the code point is matched by Python's re `\w` on a str (str.isalnum() or '_'). */
bool mlf_pystr_is_word_char(uint32_t cp);

/**
 * Decodes one UTF-8 code point at s (NUL-terminated) into *cp and returns
 * the number of bytes used (at least 1; an invalid byte decodes as itself).
 */
size_t mlf_pystr_utf8_next(const char *s, uint32_t *cp);

#endif
