/*
 * Hex, UTF-8, percent-decoding and base64 (see text.h).
 */
#include "core/text.h"

#include <string.h>

const char mlf_text_hex_lower[17] = "0123456789abcdef";
const char mlf_text_hex_upper[17] = "0123456789ABCDEF";

int mlf_text_hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int mlf_text_hex4(const char *s)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int h = mlf_text_hex_value((unsigned char)s[i]);
        if (h < 0)
            return -1;
        v = (v << 4) | h;
    }
    return v;
}

/* ---------------------------------------------------------------- UTF-8 */

size_t mlf_text_utf8_len(const char *str, size_t n, unsigned flags, size_t *bad)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned c = s[0];
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED && !(flags & MLF_TEXT_UTF8_SURROGATES))
            hi = 0x9F; /* UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        *bad = 1;
        return 0;
    }
    for (size_t i = 1; i <= need; i++) {
        if (i >= n || s[i] < lo || s[i] > hi) {
            *bad = i;
            return 0;
        }
        lo = 0x80;
        hi = 0xBF;
    }
    return need + 1;
}

uint32_t mlf_text_utf8_decode(const char *str, size_t n, unsigned flags, size_t *clen)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t bad, k = s[0] < 0x80 ? 1 : mlf_text_utf8_len(str, n, flags, &bad);
    *clen = k == 0 ? 1 : k;
    switch (k) {
    case 0:
        return MLF_TEXT_CP_INVALID;
    case 1:
        return s[0];
    case 2:
        return ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    case 3:
        return ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    default:
        return ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) | ((uint32_t)(s[2] & 0x3F) << 6) |
               (s[3] & 0x3F);
    }
}

size_t mlf_text_utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

void mlf_text_utf8_put(mlf_buf *buf, uint32_t cp)
{
    char b[4];
    mlf_buf_append(buf, b, mlf_text_utf8_encode(cp, b));
}

/* ------------------------------------------------------ percent-decoding */

/* Appends b[0..n) read as UTF-8: each ill-formed subpart becomes U+FFFD (replace) or %XX per byte (requote). */
static void mlf__put_utf8(mlf_buf *out, const char *b, size_t n, bool replace)
{
    for (size_t i = 0; i < n;) {
        size_t run = i;
        while (run < n && (unsigned char)b[run] < 0x80)
            run++;
        mlf_buf_append(out, b + i, run - i);
        i = run;
        if (i >= n)
            break;
        size_t bad = 0, k = mlf_text_utf8_len(b + i, n - i, 0, &bad);
        if (k > 0) {
            mlf_buf_append(out, b + i, k);
            i += k;
            continue;
        }
        if (replace)
            mlf_buf_append(out, "\xEF\xBF\xBD", 3);
        else
            for (size_t j = 0; j < bad; j++)
                mlf_text_percent_put(out, (unsigned char)b[i + j], true);
        i += bad;
    }
}

char *mlf_text_percent_decode(mlf_pool *pool, const char *s, size_t len, unsigned flags, size_t *ret_len)
{
    bool plus = (flags & MLF_TEXT_PLUS_SPACE) != 0;
    bool replace = (flags & MLF_TEXT_UTF8_REPLACE) != 0;
    char *d = mlf_pool_alloc(pool, len + 1);
    size_t o = 0;
    bool high = false;
    /* replace: the decoded bytes of the current ASCII run start at d[seg] */
    size_t seg = 0;
    mlf_buf out = {0};
    if (replace)
        mlf_buf_init(&out, pool, len + 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (replace && c >= 0x80) {
            mlf__put_utf8(&out, d + seg, o - seg, true);
            size_t j = i;
            while (j < len && (unsigned char)s[j] >= 0x80)
                j++;
            mlf_buf_append(&out, s + i, j - i);
            i = j - 1;
            seg = o;
            continue;
        }
        if (c == '%' && i + 2 < len) {
            int hi = mlf_text_hex_value((unsigned char)s[i + 1]);
            int lo = mlf_text_hex_value((unsigned char)s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                c = (unsigned char)(hi << 4 | lo);
                i += 2;
            }
        } else if (c == '+' && plus) {
            c = ' ';
        }
        high |= c >= 0x80;
        d[o++] = (char)c;
    }
    d[o] = '\0';
    if (replace) {
        if (high)
            mlf__put_utf8(&out, d + seg, o - seg, true);
        else
            mlf_buf_append(&out, d + seg, o - seg);
        d = out.data;
        o = out.len;
    } else if (high && (flags & MLF_TEXT_UTF8_REQUOTE)) {
        mlf_buf_init(&out, pool, o + 8);
        mlf__put_utf8(&out, d, o, false);
        d = out.data;
        o = out.len;
    }
    if (ret_len != NULL)
        *ret_len = o;
    return d;
}

void mlf_text_percent_put(mlf_buf *buf, unsigned char c, bool upper)
{
    const char *digits = upper ? mlf_text_hex_upper : mlf_text_hex_lower;
    char esc[3] = {'%', digits[c >> 4], digits[c & 15]};
    mlf_buf_append(buf, esc, 3);
}

/* --------------------------------------------------------------- base64 */

static const char mlf__b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int mlf__b64_value(unsigned char c, bool urlsafe)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || (urlsafe && c == '-'))
        return 62;
    if (c == '/' || (urlsafe && c == '_'))
        return 63;
    return -1;
}

int mlf_text_b64_decode(mlf_pool *pool, const char *s, size_t len, unsigned flags, unsigned char **ret,
                        size_t *ret_len)
{
    bool urlsafe = (flags & MLF_TEXT_B64_URLSAFE) != 0;
    unsigned char *out = mlf_pool_alloc(pool, len / 4 * 3 + 4);
    size_t o = 0;
    unsigned quad = 0, pads = 0, left = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '=') {
            if (quad >= 2 && quad + ++pads >= 4)
                goto done;
            continue;
        }
        int v = mlf__b64_value(c, urlsafe);
        if (v < 0)
            continue;
        pads = 0;
        switch (quad) {
        case 0:
            left = (unsigned)v;
            quad = 1;
            break;
        case 1:
            out[o++] = (unsigned char)((left << 2) | ((unsigned)v >> 4));
            left = (unsigned)v & 0x0F;
            quad = 2;
            break;
        case 2:
            out[o++] = (unsigned char)((left << 4) | ((unsigned)v >> 2));
            left = (unsigned)v & 0x03;
            quad = 3;
            break;
        default:
            out[o++] = (unsigned char)((left << 6) | (unsigned)v);
            quad = 0;
            break;
        }
    }
    if (quad != 0)
        return -1;
done:
    out[o] = '\0';
    *ret = out;
    *ret_len = o;
    return 0;
}

void mlf_text_b64_put(mlf_buf *buf, const void *data, size_t len)
{
    const unsigned char *in = data;
    mlf_buf_reserve(buf, (len + 2) / 3 * 4);
    char *o = buf->data + buf->len;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        *o++ = mlf__b64[v >> 18];
        *o++ = mlf__b64[(v >> 12) & 63];
        *o++ = mlf__b64[(v >> 6) & 63];
        *o++ = mlf__b64[v & 63];
    }
    if (i < len) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0);
        *o++ = mlf__b64[v >> 18];
        *o++ = mlf__b64[(v >> 12) & 63];
        *o++ = i + 1 < len ? mlf__b64[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    buf->len = (size_t)(o - buf->data);
    buf->data[buf->len] = '\0';
}

char *mlf_text_b64_encode(mlf_pool *pool, const void *data, size_t len)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, (len + 2) / 3 * 4 + 1);
    mlf_text_b64_put(&b, data, len);
    return b.data;
}
