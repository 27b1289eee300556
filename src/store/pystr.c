/*
 * Python-compatible string tools: see pystr.h.
 */
#include "store/pystr.h"

#include <math.h>
#include <string.h>

#include "core/text.h"
#include "search/unicode_tables.inc"

/* ------------------------------------------------------------ code points */

size_t mlf_pystr_utf8_next(const char *s, uint32_t *cp)
{
    size_t clen;
    *cp = mlf_text_utf8_decode(s, strnlen(s, 4), MLF_TEXT_UTF8_SURROGATES, &clen);
    return clen;
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

bool mlf_pystr_is_word_char(uint32_t cp)
{
    return cp != MLF_TEXT_CP_INVALID && MLF__IN(mlf__uni_word, cp);
}

bool mlf_pystr_is_space(uint32_t c)
{
    return (c >= 9 && c <= 13) || (c >= 28 && c <= 32) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool mlf_pystr_is_decimal(uint32_t cp)
{
    return cp != MLF_TEXT_CP_INVALID && MLF__IN(mlf__uni_digit, cp);
}

int mlf_pystr_digit_value(uint32_t cp)
{
    long k = mlf__range_find(mlf__uni_digit, sizeof(mlf__uni_digit) / sizeof(mlf__uni_digit[0]), cp);
    return k < 0 ? -1 : (int)((cp - mlf__uni_digit[k][0]) % 10);
}

bool mlf_pystr_is_printable(uint32_t cp)
{
    return cp != MLF_TEXT_CP_INVALID && MLF__IN(mlf__uni_printable, cp);
}

/* ------------------------------------------------------------------ str */

size_t mlf_pystr_len(const char *s)
{
    size_t n = 0;
    uint32_t cp;
    while (*s != '\0') {
        s += mlf_pystr_utf8_next(s, &cp);
        n++;
    }
    return n;
}

/* repr() of a str (UTF-8, an ill-formed byte as surrogateescape's U+DCxx) or of bytes (each byte itself). */
static char *mlf__repr(mlf_pool *pool, const char *s, size_t n, bool bytes)
{
    bool has_sq = memchr(s, '\'', n) != NULL, has_dq = memchr(s, '"', n) != NULL;
    char quote = (has_sq && !has_dq) ? '"' : '\'';
    mlf_buf b;
    mlf_buf_init(&b, pool, n + 4);
    if (bytes)
        mlf_buf_putc(&b, 'b');
    mlf_buf_putc(&b, quote);
    for (size_t i = 0; i < n;) {
        size_t cl = 1;
        uint32_t cp = bytes ? (unsigned char)s[i] : mlf_text_utf8_decode(s + i, n - i, MLF_TEXT_UTF8_SURROGATES, &cl);
        if (cp == MLF_TEXT_CP_INVALID)
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
        else if (cp < 0x20 || cp == 0x7F || (bytes && cp > 0x7F))
            mlf_buf_printf(&b, "\\x%02x", cp);
        else if (cp < 0x7F)
            mlf_buf_putc(&b, (char)cp);
        else if (mlf_pystr_is_printable(cp))
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

char *mlf_pystr_repr_n(mlf_pool *pool, const char *s, size_t n)
{
    return mlf__repr(pool, s, n, false);
}

char *mlf_pystr_repr(mlf_pool *pool, const char *s)
{
    return mlf__repr(pool, s, strlen(s), false);
}

char *mlf_pystr_repr_list(mlf_pool *pool, const char *const *items, size_t n)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    mlf_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            mlf_buf_puts(&b, ", ");
        mlf_buf_puts(&b, mlf_pystr_repr(pool, items[i]));
    }
    mlf_buf_putc(&b, ']');
    return b.data;
}

char *mlf_pystr_repr_bytes(mlf_pool *pool, const char *s, size_t n)
{
    return mlf__repr(pool, s, n, true);
}

char *mlf_pystr_repr_float(mlf_pool *pool, double v)
{
    if (isnan(v))
        return mlf_pool_strdup(pool, "nan");
    if (isinf(v))
        return mlf_pool_strdup(pool, v < 0 ? "-inf" : "inf");
    /* json.dumps writes a finite float with float.__repr__ */
    mlf_buf b;
    mlf_buf_init(&b, pool, 32);
    mlf_json_write_double(&b, v);
    return b.data;
}

void mlf_pystr_put_json_repr(mlf_pool *pool, mlf_buf *b, const mlf_json *v, int max_depth)
{
    if (max_depth < 0) {
        mlf_buf_puts(b, "...");
        return;
    }
    switch (v->type) {
    case MLF_JSON_NULL:
        mlf_buf_puts(b, "None");
        break;
    case MLF_JSON_BOOL:
        mlf_buf_puts(b, v->boolean ? "True" : "False");
        break;
    case MLF_JSON_NUMBER:
        if (!mlf_json_is_int(v))
            mlf_buf_puts(b, mlf_pystr_repr_float(pool, v->number));
        else if (v->len == 2 && v->text[0] == '-' && v->text[1] == '0')
            mlf_buf_putc(b, '0'); /* int("-0") */
        else
            mlf_buf_append(b, v->text, v->len);
        break;
    case MLF_JSON_STRING:
        mlf_buf_puts(b, mlf_pystr_repr_n(pool, v->text, v->len));
        break;
    case MLF_JSON_ARRAY:
        mlf_buf_putc(b, '[');
        for (size_t k = 0; k < v->n; k++) {
            if (k > 0)
                mlf_buf_puts(b, ", ");
            mlf_pystr_put_json_repr(pool, b, v->items[k], max_depth - 1);
        }
        mlf_buf_putc(b, ']');
        break;
    case MLF_JSON_OBJECT:
        mlf_buf_putc(b, '{');
        for (size_t k = 0; k < v->n; k++) {
            if (k > 0)
                mlf_buf_puts(b, ", ");
            /* only json.loads mode records key lengths; built objects have NUL-terminated keys */
            size_t kn = v->key_lens != NULL ? v->key_lens[k] : strlen(v->keys[k]);
            mlf_buf_puts(b, mlf_pystr_repr_n(pool, v->keys[k], kn));
            mlf_buf_puts(b, ": ");
            mlf_pystr_put_json_repr(pool, b, v->items[k], max_depth - 1);
        }
        mlf_buf_putc(b, '}');
        break;
    }
}

char *mlf_pystr_json_dumps(mlf_pool *pool, const char *s)
{
    size_t n = strlen(s);
    mlf_buf b;
    mlf_buf_init(&b, pool, n + 8);
    mlf_json_write_string_ascii(&b, s, n);
    return b.data;
}

/* str.strip() whitespace, ASCII part (Python also strips \x1c-\x1f). */
static bool mlf__is_py_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
}

int mlf_pystr_parse_int(const char *s, int64_t *ret)
{
    while (mlf__is_py_space(*s))
        s++;
    bool neg = false;
    if (*s == '+' || *s == '-') {
        neg = *s == '-';
        s++;
    }
    if (!(*s >= '0' && *s <= '9'))
        return -1;
    uint64_t v = 0;
    bool overflow = false;
    for (;;) {
        if (*s >= '0' && *s <= '9') {
            unsigned d = (unsigned)(*s - '0');
            if (v > (UINT64_MAX - d) / 10)
                overflow = true;
            else
                v = v * 10 + d;
            s++;
        } else if (*s == '_' && s[1] >= '0' && s[1] <= '9') {
            s++;
        } else {
            break;
        }
    }
    while (mlf__is_py_space(*s))
        s++;
    if (*s != '\0')
        return -1;
    if (overflow || v > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
        return -2;
    *ret = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

char *mlf_pystr_strip(mlf_pool *pool, const char *s)
{
    size_t n = strlen(s), start = 0, end = n;
    while (start < n) {
        size_t cl;
        uint32_t cp = mlf_text_utf8_decode(s + start, n - start, MLF_TEXT_UTF8_SURROGATES, &cl);
        if (!mlf_pystr_is_space(cp))
            break;
        start += cl;
    }
    while (end > start) {
        size_t j = end - 1;
        while (j > start && (((unsigned char)s[j]) & 0xC0) == 0x80)
            j--;
        size_t cl;
        uint32_t cp = mlf_text_utf8_decode(s + j, n - j, MLF_TEXT_UTF8_SURROGATES, &cl);
        if (j + cl != end || !mlf_pystr_is_space(cp))
            break;
        end = j;
    }
    return mlf_pool_strndup(pool, s + start, end - start);
}

bool mlf_pystr_islower(const char *s)
{
    size_t n = strlen(s);
    bool cased = false;
    for (size_t i = 0; i < n;) {
        size_t cl;
        uint32_t cp = mlf_text_utf8_decode(s + i, n - i, MLF_TEXT_UTF8_SURROGATES, &cl);
        i += cl;
        if (cp == MLF_TEXT_CP_INVALID)
            continue;
        if (MLF__IN(mlf__uni_upper_title, cp))
            return false;
        if (!cased && MLF__IN(mlf__uni_lower, cp))
            cased = true;
    }
    return cased;
}

int mlf_pystr_upper_ascii(const char *s, size_t n, char *out, size_t cap)
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
        uint32_t cp = mlf_text_utf8_decode(s + i, n - i, MLF_TEXT_UTF8_SURROGATES, &cl);
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
