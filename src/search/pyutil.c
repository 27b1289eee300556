/*
 * Python behaviours that MLflow's search messages inherit: see pyutil.h.
 */
#include "search/pyutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search/unicode_tables.inc"

uint32_t mlf__utf8_decode(const char *str, size_t len, size_t i, size_t *clen)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t left = len - i;
    unsigned char c = s[i];
    *clen = 1;
    if (c < 0x80)
        return c;
    int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (n == 0 || (size_t)n > left || c > 0xF4)
        return MLF__CP_INVALID;
    uint32_t cp = c & (0x3F >> (n - 1));
    for (int k = 1; k < n; k++) {
        if ((s[i + k] & 0xC0) != 0x80)
            return MLF__CP_INVALID;
        cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return MLF__CP_INVALID;
    *clen = (size_t)n;
    return cp;
}

void mlf__utf8_put(mlf_buf *buf, uint32_t cp)
{
    char b[4];
    if (cp < 0x80) {
        b[0] = (char)cp;
        mlf_buf_append(buf, b, 1);
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        mlf_buf_append(buf, b, 2);
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        mlf_buf_append(buf, b, 3);
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        mlf_buf_append(buf, b, 4);
    }
}

static long mlf__range_find(const uint32_t (*r)[2], size_t n, uint32_t cp)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < r[mid][0])
            hi = mid;
        else if (cp > r[mid][1])
            lo = mid + 1;
        else
            return (long)mid;
    }
    return -1;
}

#define MLF__IN(table, cp) (mlf__range_find(table, sizeof(table) / sizeof(table[0]), (cp)) >= 0)

bool mlf__py_is_w(uint32_t cp)
{
    return cp != MLF__CP_INVALID && MLF__IN(mlf__uni_word, cp);
}

bool mlf__py_is_s(uint32_t c)
{
    return (c >= 9 && c <= 13) || (c >= 28 && c <= 32) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool mlf__py_is_d(uint32_t cp)
{
    return cp != MLF__CP_INVALID && MLF__IN(mlf__uni_digit, cp);
}

int mlf__py_digit_value(uint32_t cp)
{
    long k = mlf__range_find(mlf__uni_digit, sizeof(mlf__uni_digit) / sizeof(mlf__uni_digit[0]), cp);
    return k < 0 ? -1 : (int)((cp - mlf__uni_digit[k][0]) % 10);
}

bool mlf__py_isprintable(uint32_t cp)
{
    return cp != MLF__CP_INVALID && MLF__IN(mlf__uni_printable, cp);
}

int mlf__py_upper_ascii(const char *s, size_t n, char *out, size_t cap)
{
    /* the non-ASCII characters whose str.upper() is all ASCII */
    static const struct {
        uint32_t cp;
        const char *up;
    } special[] = {{0xDF, "SS"},   {0x131, "I"},   {0x17F, "S"},    {0xFB00, "FF"}, {0xFB01, "FI"},
                   {0xFB02, "FL"}, {0xFB03, "FFI"}, {0xFB04, "FFL"}, {0xFB05, "ST"}, {0xFB06, "ST"}};
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t cl;
        uint32_t cp = mlf__utf8_decode(s, n, i, &cl);
        i += cl;
        const char *up = NULL;
        char one[2] = {0, 0};
        if (cp < 0x80) {
            one[0] = (char)((cp >= 'a' && cp <= 'z') ? cp - 32 : cp);
            up = one;
        } else {
            for (size_t k = 0; k < sizeof(special) / sizeof(special[0]); k++)
                if (special[k].cp == cp)
                    up = special[k].up;
        }
        if (up == NULL)
            return -1;
        size_t ul = strlen(up);
        if (o + ul + 1 > cap)
            return -1;
        memcpy(out + o, up, ul);
        o += ul;
    }
    out[o] = '\0';
    return (int)o;
}

char *mlf__py_repr_str(mlf_pool *pool, const char *s, size_t n)
{
    bool has_sq = memchr(s, '\'', n) != NULL, has_dq = memchr(s, '"', n) != NULL;
    char quote = (has_sq && !has_dq) ? '"' : '\'';
    mlf_buf b;
    mlf_buf_init(&b, pool, n + 3);
    mlf_buf_putc(&b, quote);
    for (size_t i = 0; i < n;) {
        size_t cl;
        uint32_t cp = mlf__utf8_decode(s, n, i, &cl);
        if (cp == MLF__CP_INVALID) /* not valid UTF-8: shown as surrogateescape would */
            cp = 0xDC00 + (unsigned char)s[i];
        if (cp == (uint32_t)quote || cp == '\\') {
            mlf_buf_putc(&b, '\\');
            mlf_buf_putc(&b, (char)cp);
        } else if (cp == '\t')
            mlf_buf_puts(&b, "\\t");
        else if (cp == '\n')
            mlf_buf_puts(&b, "\\n");
        else if (cp == '\r')
            mlf_buf_puts(&b, "\\r");
        else if (cp < 0x20 || cp == 0x7F)
            mlf_buf_printf(&b, "\\x%02x", cp);
        else if (cp < 0x7F)
            mlf_buf_putc(&b, (char)cp);
        else if (mlf__py_isprintable(cp))
            mlf_buf_append(&b, s + i, cl);
        else if (cp <= 0xFF)
            mlf_buf_printf(&b, "\\x%02x", cp);
        else if (cp <= 0xFFFF)
            mlf_buf_printf(&b, "\\u%04x", cp);
        else
            mlf_buf_printf(&b, "\\U%08x", cp);
        i += cl;
    }
    mlf_buf_putc(&b, quote);
    return b.data;
}

char *mlf__py_repr_bytes(mlf_pool *pool, const char *s, size_t n)
{
    bool has_sq = memchr(s, '\'', n) != NULL, has_dq = memchr(s, '"', n) != NULL;
    char quote = (has_sq && !has_dq) ? '"' : '\'';
    mlf_buf b;
    mlf_buf_init(&b, pool, n + 4);
    mlf_buf_putc(&b, 'b');
    mlf_buf_putc(&b, quote);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == (unsigned char)quote || c == '\\') {
            mlf_buf_putc(&b, '\\');
            mlf_buf_putc(&b, (char)c);
        } else if (c == '\t')
            mlf_buf_puts(&b, "\\t");
        else if (c == '\n')
            mlf_buf_puts(&b, "\\n");
        else if (c == '\r')
            mlf_buf_puts(&b, "\\r");
        else if (c < 0x20 || c >= 0x7F)
            mlf_buf_printf(&b, "\\x%02x", c);
        else
            mlf_buf_putc(&b, (char)c);
    }
    mlf_buf_putc(&b, quote);
    return b.data;
}

char *mlf__py_repr_float(mlf_pool *pool, double v)
{
    if (isnan(v))
        return mlf_pool_strdup(pool, "nan");
    if (isinf(v))
        return mlf_pool_strdup(pool, v < 0 ? "-inf" : "inf");
    /* shortest round-tripping digits, then Python's 'r' layout */
    char tmp[64];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    /* tmp is "[-]d.ddde[+-]xx" */
    bool neg = tmp[0] == '-';
    const char *p = tmp + (neg ? 1 : 0);
    char digits[32];
    size_t nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[nd++] = *p;
    int exp10 = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    int decpt = exp10 + 1; /* value = 0.DIGITS * 10^decpt */
    mlf_buf b;
    mlf_buf_init(&b, pool, 32);
    if (neg)
        mlf_buf_putc(&b, '-');
    if (decpt <= -4 || decpt > 16) {
        mlf_buf_putc(&b, digits[0]);
        if (nd > 1) {
            mlf_buf_putc(&b, '.');
            mlf_buf_puts(&b, digits + 1);
        }
        mlf_buf_printf(&b, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
    } else if (decpt <= 0) {
        mlf_buf_puts(&b, "0.");
        for (int k = 0; k < -decpt; k++)
            mlf_buf_putc(&b, '0');
        mlf_buf_puts(&b, digits);
    } else {
        for (int k = 0; k < decpt; k++)
            mlf_buf_putc(&b, (size_t)k < nd ? digits[k] : '0');
        mlf_buf_putc(&b, '.');
        if ((size_t)decpt < nd)
            mlf_buf_puts(&b, digits + decpt);
        else
            mlf_buf_putc(&b, '0');
    }
    return b.data;
}

char *mlf__py_strip(mlf_pool *pool, const char *s)
{
    size_t n = strlen(s), start = 0, end = n;
    while (start < n) {
        size_t cl;
        uint32_t cp = mlf__utf8_decode(s, n, start, &cl);
        if (!mlf__py_is_s(cp))
            break;
        start += cl;
    }
    while (end > start) {
        size_t j = end - 1;
        while (j > start && (((unsigned char)s[j]) & 0xC0) == 0x80)
            j--;
        size_t cl;
        uint32_t cp = mlf__utf8_decode(s, n, j, &cl);
        if (j + cl != end || !mlf__py_is_s(cp))
            break;
        end = j;
    }
    return mlf_pool_strndup(pool, s + start, end - start);
}

bool mlf__py_islower(const char *s)
{
    size_t n = strlen(s);
    bool cased = false;
    for (size_t i = 0; i < n;) {
        size_t cl;
        uint32_t cp = mlf__utf8_decode(s, n, i, &cl);
        i += cl;
        if (cp == MLF__CP_INVALID)
            continue;
        if (MLF__IN(mlf__uni_upper_title, cp))
            return false;
        if (!cased && MLF__IN(mlf__uni_lower, cp))
            cased = true;
    }
    return cased;
}

int mlf__shlex_split(mlf_pool *pool, const char *s, char ***ret_words, size_t *ret_n, const char **err)
{
    /* shlex.split(s): posix mode, whitespace_split, no commenters */
    const char *ws = " \t\r\n";
    size_t n = strlen(s), i = 0, nw = 0, cap = 4;
    char **words = MLF_NEW_ARRAY(pool, char *, cap);
    char state = ' ';
    for (;;) {
        mlf_buf tok;
        mlf_buf_init(&tok, pool, 16);
        bool quoted = false, eof = false;
        char escaped_state = ' ';
        if (state == 0)
            break;
        for (;;) {
            bool at_end = i >= n;
            char c = at_end ? 0 : s[i++];
            if (state == ' ') {
                if (at_end) {
                    state = 0;
                    break;
                } else if (strchr(ws, c)) {
                    if (tok.len || quoted)
                        break;
                } else if (c == '\\') {
                    escaped_state = 'a';
                    state = '\\';
                } else if (c == '\'' || c == '"') {
                    state = c;
                } else {
                    mlf_buf_putc(&tok, c);
                    state = 'a';
                }
            } else if (state == '\'' || state == '"') {
                quoted = true;
                if (at_end) {
                    *err = "No closing quotation";
                    return -1;
                }
                if (c == state)
                    state = 'a';
                else if (c == '\\' && state == '"') {
                    escaped_state = state;
                    state = '\\';
                } else
                    mlf_buf_putc(&tok, c);
            } else if (state == '\\') {
                if (at_end) {
                    *err = "No escaped character";
                    return -1;
                }
                if ((escaped_state == '\'' || escaped_state == '"') && c != state && c != escaped_state)
                    mlf_buf_putc(&tok, '\\');
                mlf_buf_putc(&tok, c);
                state = escaped_state;
            } else { /* 'a' */
                if (at_end) {
                    state = 0;
                    break;
                } else if (strchr(ws, c)) {
                    state = ' ';
                    if (tok.len || quoted)
                        break;
                } else if (c == '\'' || c == '"') {
                    state = c;
                } else if (c == '\\') {
                    escaped_state = 'a';
                    state = '\\';
                } else
                    mlf_buf_putc(&tok, c);
            }
        }
        eof = tok.len == 0 && !quoted;
        if (eof)
            break;
        if (nw == cap) {
            char **nwds = MLF_NEW_ARRAY(pool, char *, cap * 2);
            memcpy(nwds, words, nw * sizeof(*nwds));
            words = nwds;
            cap *= 2;
        }
        words[nw++] = tok.data;
    }
    *ret_words = words;
    *ret_n = nw;
    return 0;
}

int mlf__json_escape_char(uint32_t c)
{
    switch (c) {
    case '"':
    case '\\':
    case '/':
        return (int)c;
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    default:
        return -1;
    }
}
