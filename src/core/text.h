/*
 * The small text tools every layer needs, in one place: hex digits, UTF-8
 * well-formedness, percent-decoding and base64. Each decoder follows the
 * Python function MLflow calls at that spot; the flags name the variant.
 */
#ifndef MLF_CORE_TEXT_H
#define MLF_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"

/* ------------------------------------------------------------------ hex */

/** "0123456789abcdef" and "0123456789ABCDEF". */
extern const char mlf_text_hex_lower[17];
extern const char mlf_text_hex_upper[17];

/** The value (0 to 15) of the hex digit c, either case; -1 when c is not one. */
int mlf_text_hex_value(int c);
/** The value of the four hex digits at s (which must hold four bytes), or -1 when one is not a hex digit. */
int mlf_text_hex4(const char *s);

/* ---------------------------------------------------------------- UTF-8 */

/** mlf_text_utf8_len: also take encoded UTF-16 surrogates (U+D800..U+DFFF), as Python's 'surrogatepass'. */
#define MLF_TEXT_UTF8_SURROGATES 1u

/**
 * Length (1 to 4) of the well-formed UTF-8 sequence at s[0..n), n > 0; or 0
 * when it is ill-formed (overlong, surrogate, above U+10FFFF, truncated), with
 * *bad set to the length of its maximal ill-formed subpart, the bytes one
 * replacement character stands for (Python's decoder and werkzeug agree).
 */
size_t mlf_text_utf8_len(const char *s, size_t n, unsigned flags, size_t *bad);

/** What mlf_text_utf8_decode returns for a byte that does not start a well-formed sequence. */
#define MLF_TEXT_CP_INVALID 0xFFFFFFFFu

/**
 * The code point of the UTF-8 sequence at s[0..n), n > 0, with its length
 * (1 to 4) in *clen; an ill-formed sequence (as mlf_text_utf8_len, same
 * flags) gives MLF_TEXT_CP_INVALID with *clen 1, so a caller walking a string
 * meets each bad byte once (as Python's surrogateescape sees them).
 */
uint32_t mlf_text_utf8_decode(const char *s, size_t n, unsigned flags, size_t *clen);
/**
 * Writes cp (<= 0x10FFFF; a lone surrogate too, as Python's 'surrogatepass')
 * as UTF-8 to out[0..4) and returns its length (1 to 4).
 */
size_t mlf_text_utf8_encode(uint32_t cp, char *out);
/** Appends cp as UTF-8, as mlf_text_utf8_encode writes it. */
void mlf_text_utf8_put(mlf_buf *buf, uint32_t cp);

/* ------------------------------------------------------ percent-decoding */

enum {
    /** '+' decodes to a space (form data; urllib.parse.unquote_plus). */
    MLF_TEXT_PLUS_SPACE = 1u << 0,
    /**
     * urllib.parse.unquote(str): each run of ASCII input is decoded to bytes
     * read as UTF-8 with errors='replace'; non-ASCII input is kept as it is.
     */
    MLF_TEXT_UTF8_REPLACE = 1u << 1,
    /** werkzeug's url_quote error handler: decoded bytes that do not form UTF-8 are quoted back as %XX. */
    MLF_TEXT_UTF8_REQUOTE = 1u << 2,
};

/**
 * Decodes the %XX escapes of s[0..len) into a NUL-terminated pool string;
 * an escape without two hex digits stays as it is (as Python's unquote and
 * werkzeug leave it). flags: MLF_TEXT_* above. The decoded length (which
 * counts decoded NUL bytes) goes to *ret_len when it is not NULL.
 */
char *mlf_text_percent_decode(mlf_pool *pool, const char *s, size_t len, unsigned flags, size_t *ret_len);
/** Appends c as %xx (lower-case digits) or %XX (upper). */
void mlf_text_percent_put(mlf_buf *buf, unsigned char c, bool upper);

/* --------------------------------------------------------------- base64 */

/** mlf_text_b64_decode: also take the URL-safe alphabet's '-' and '_' (base64.urlsafe_b64decode). */
#define MLF_TEXT_B64_URLSAFE 1u

/**
 * base64.b64decode(s) (binascii.a2b_base64 in non-strict mode): bytes outside
 * the alphabet are skipped, a padding that completes a quantum ends the
 * decoding, a dangling partial quantum is an error. Writes the bytes (NUL
 * terminated, for convenience) to *ret from pool and returns 0, or -1 where
 * Python raises binascii.Error.
 */
int mlf_text_b64_decode(mlf_pool *pool, const char *s, size_t len, unsigned flags, unsigned char **ret,
                        size_t *ret_len);
/** Appends base64.b64encode(data[0..len)) (standard alphabet, '=' padding). */
void mlf_text_b64_put(mlf_buf *buf, const void *data, size_t len);
/** base64.b64encode(data[0..len)) as a NUL-terminated pool string. */
char *mlf_text_b64_encode(mlf_pool *pool, const void *data, size_t len);

#endif
