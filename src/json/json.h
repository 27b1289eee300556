/*
 * A small JSON reader and writer over the request pool.
 *
 * The reader is strict where MLflow's (Python's json) is strict: RFC 8259
 * plus the bare NaN, Infinity and -Infinity tokens that Python accepts.
 * Invalid UTF-8, unpaired surrogates, nesting deeper than MLF_JSON_MAX_DEPTH
 * and trailing garbage are errors. A leading UTF-8 BOM is skipped (Flask
 * decodes bodies as utf-8-sig). Repeated object keys are collapsed as
 * Python's dict does: the key keeps its first position and takes the last
 * value, so every object in a parsed tree has distinct keys. Object keys
 * containing U+0000 are refused (keys are C strings; strings values keep
 * their length and may contain it).
 */
#ifndef MLF_JSON_JSON_H
#define MLF_JSON_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/pool.h"

#define MLF_JSON_MAX_DEPTH 64
/* Python's recursion limit, counted as json.loads meets it (scalars count one level) */
#define MLF_JSON_LOADS_MAX_DEPTH 900

typedef enum mlf_json_type {
    MLF_JSON_NULL,
    MLF_JSON_BOOL,
    MLF_JSON_NUMBER,
    MLF_JSON_STRING,
    MLF_JSON_ARRAY,
    MLF_JSON_OBJECT,
} mlf_json_type;

typedef struct mlf_json mlf_json;

struct mlf_json {
    mlf_json_type type;
    bool boolean;        /** MLF_JSON_BOOL */
    double number;       /** MLF_JSON_NUMBER (NaN/Infinity tokens included) */
    const char *text;    /** MLF_JSON_NUMBER: the literal; MLF_JSON_STRING: decoded UTF-8, NUL-terminated */
    size_t len;          /** length of text */
    mlf_json **items;    /** MLF_JSON_ARRAY items / MLF_JSON_OBJECT values */
    const char **keys;   /** MLF_JSON_OBJECT keys (decoded, NUL-terminated) */
    const size_t *key_lens; /** MLF_JSON_OBJECT key lengths, from MLF_JSON_LOADS only (its keys may hold U+0000) */
    size_t n;            /** number of items / members */
};

/**
 * Parses text[0..len) into a tree allocated from pool. Returns 0, or a
 * negative code with a MALFORMED_REQUEST-style message in err.
 */
int mlf_json_parse(mlf_pool *pool, const char *text, size_t len, mlf_json **ret, mlf_error *err);

/**
 * mlf_json_parse_ex flag: read the bytes as Python's json.loads(bytes) does,
 * for values MLflow itself wrote and reads back (page tokens): the encoding is
 * detected (UTF-8, UTF-16, UTF-32, BOM or not) and decoded with
 * 'surrogatepass'; lone surrogates (escaped or encoded) are kept, encoded as
 * three bytes; keys may hold U+0000 (see key_lens); an integer -0 reads as 0;
 * nesting may reach MLF_JSON_LOADS_MAX_DEPTH. NaN, Infinity, repeated keys
 * and big integers are read as mlf_json_parse reads them. Error messages are
 * not Python's: callers that echo one build it themselves.
 */
#define MLF_JSON_LOADS 1u

/** mlf_json_parse with flags (MLF_JSON_LOADS, or 0 for mlf_json_parse itself). */
int mlf_json_parse_ex(mlf_pool *pool, const char *text, size_t len, unsigned flags, mlf_json **ret, mlf_error *err);

/** The value of key in obj (the last one when repeated), or NULL. */
const mlf_json *mlf_json_get(const mlf_json *obj, const char *key);

/** Appends s[0..len) as a JSON string literal, quotes included. */
void mlf_json_write_string(mlf_buf *buf, const char *s, size_t len);
/**
 * Appends a double the way Python's json.dumps writes it: repr's shortest
 * round-trip form ("3.0", "1e+16", "1e-05"); NaN, Infinity and -Infinity as
 * json.dumps' bare tokens (writing them as strings is the caller's choice).
 */
void mlf_json_write_double(mlf_buf *buf, double d);
/** Appends v re-serialized compactly: separators "," and ":", numbers as their literal text, UTF-8 kept. */
void mlf_json_write(mlf_buf *buf, const mlf_json *v);

/** Like mlf_json_write_string with ensure_ascii: non-ASCII as \uXXXX (surrogate pairs above U+FFFF). */
void mlf_json_write_string_ascii(mlf_buf *buf, const char *s, size_t len);
/**
 * Appends v as Python writes the value json.loads gave for it with
 * json.dumps(v, sort_keys=True, separators=(",", ":")) (ASCII-only), which is
 * how MLflow quotes a bad value in "Invalid value <v> for parameter ...":
 * integer literals as written, other numbers as Python's float repr.
 */
void mlf_json_write_python(mlf_buf *buf, const mlf_json *v);
/** mlf_json_write_dumps flags: json.dumps' sort_keys=True; separators=(",", ":") */
#define MLF_JSON_DUMPS_SORT_KEYS 1u
#define MLF_JSON_DUMPS_COMPACT 2u
/**
 * Appends v as Python's json.dumps(v) writes what json.loads gave for it:
 * ensure_ascii, separators ", " and ": " unless MLF_JSON_DUMPS_COMPACT, keys
 * in their order unless MLF_JSON_DUMPS_SORT_KEYS; integer literals as
 * written, other numbers as Python's float repr. Flags 0 are Python's
 * defaults (how MLflow re-serializes stored JSON).
 */
void mlf_json_write_dumps(mlf_buf *buf, const mlf_json *v, unsigned flags);
/** True when v is a number written without fraction or exponent (a Python int). */
bool mlf_json_is_int(const mlf_json *v);
/** Python's truth value of what json.loads gives v (NULL: false): null, false, 0, "", [] and {} are false. */
bool mlf_json_truthy(const mlf_json *v);
/** The Python type name json.loads gives v: NoneType, bool, int, float, str, list or dict. */
const char *mlf_json_py_type(const mlf_json *v);

#endif
