/*
 * Page tokens: base64 of the JSON {"offset": N}, decoded as MLflow's
 * SearchUtils.parse_start_offset_from_page_token does (base64.b64decode,
 * json.loads, int()), with its messages. Self-contained on purpose: the JSON
 * reading here follows Python's json module, including how the parsed value
 * is printed back (repr) in "Invalid page token, parsed value=...".
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "search/pyutil.h"
#include "json/json.h"
#include "search/search.h"

#define MLF__INVALID MLF_ERR_INVALID_PARAMETER_VALUE

/* ------------------------------------------------------------------ */
/* base64                                                              */
/* ------------------------------------------------------------------ */

static const char mlf__b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int mlf__b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* binascii.a2b_base64 in non-strict mode: characters outside the alphabet are
 * skipped, and a complete padding stops the decoding. Returns -1 where it
 * raises binascii.Error. */
static long mlf__b64_decode(const char *in, size_t n, unsigned char *out)
{
    size_t o = 0;
    int quad = 0, pads = 0;
    unsigned left = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '=') {
            if (quad >= 2 && quad + ++pads >= 4)
                return (long)o;
            continue;
        }
        int v = mlf__b64_value(c);
        if (v < 0)
            continue;
        pads = 0;
        switch (quad) {
        case 0:
            quad = 1;
            left = (unsigned)v;
            break;
        case 1:
            quad = 2;
            out[o++] = (unsigned char)((left << 2) | ((unsigned)v >> 4));
            left = (unsigned)v & 0x0F;
            break;
        case 2:
            quad = 3;
            out[o++] = (unsigned char)((left << 4) | ((unsigned)v >> 2));
            left = (unsigned)v & 0x03;
            break;
        default:
            quad = 0;
            out[o++] = (unsigned char)((left << 6) | (unsigned)v);
            left = 0;
            break;
        }
    }
    return quad == 0 ? (long)o : -1;
}

static char *mlf__b64_encode(mlf_pool *pool, const unsigned char *in, size_t n)
{
    char *out = mlf_pool_alloc(pool, (n + 2) / 3 * 4 + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = mlf__b64[(v >> 18) & 63];
        out[o++] = mlf__b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? mlf__b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? mlf__b64[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

/* ------------------------------------------------------------------ */
/* json.loads                                                          */
/* ------------------------------------------------------------------ */

typedef enum mlf__jk { MLF__J_NULL, MLF__J_BOOL, MLF__J_INT, MLF__J_FLOAT, MLF__J_STR, MLF__J_LIST, MLF__J_DICT } mlf__jk;

typedef struct mlf__jv {
    mlf__jk kind;
    bool b;
    char *text; /* int digits (with sign), or UTF-8 string */
    size_t len;
    double num;
    struct mlf__jv **items; /* list items; dict as key, value pairs */
    size_t n, cap;
} mlf__jv;

typedef struct mlf__jp {
    mlf_pool *pool;
    const uint32_t *s; /* code points */
    size_t n, i;
    int depth;
} mlf__jp;

static mlf__jv *mlf__jv_new(mlf__jp *p, mlf__jk kind)
{
    mlf__jv *v = MLF_NEW(p->pool, mlf__jv);
    v->kind = kind;
    return v;
}

static void mlf__jv_push(mlf__jp *p, mlf__jv *list, mlf__jv *v)
{
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 4;
        mlf__jv **items = MLF_NEW_ARRAY(p->pool, mlf__jv *, cap);
        if (list->n)
            memcpy(items, list->items, list->n * sizeof(*items));
        list->items = items;
        list->cap = cap;
    }
    list->items[list->n++] = v;
}

static void mlf__jws(mlf__jp *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
}

static bool mlf__jlit(mlf__jp *p, const char *w)
{
    size_t n = strlen(w);
    if (p->n - p->i < n)
        return false;
    for (size_t k = 0; k < n; k++)
        if (p->s[p->i + k] != (uint32_t)(unsigned char)w[k])
            return false;
    p->i += n;
    return true;
}

static int mlf__jhex(uint32_t c)
{
    if (c >= '0' && c <= '9')
        return (int)(c - '0');
    if (c >= 'a' && c <= 'f')
        return (int)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F')
        return (int)(c - 'A' + 10);
    return -1;
}

static bool mlf__ju4(mlf__jp *p, uint32_t *out)
{
    if (p->n - p->i < 4)
        return false;
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        int h = mlf__jhex(p->s[p->i + (size_t)k]);
        if (h < 0)
            return false;
        v = v * 16 + (uint32_t)h;
    }
    p->i += 4;
    *out = v;
    return true;
}

static mlf__jv *mlf__jstring(mlf__jp *p)
{
    mlf_buf b;
    mlf_buf_init(&b, p->pool, 16);
    p->i++; /* opening quote */
    for (;;) {
        if (p->i >= p->n)
            return NULL;
        uint32_t c = p->s[p->i++];
        if (c == '"')
            break;
        if (c < 0x20)
            return NULL; /* strict: no control characters */
        if (c != '\\') {
            mlf__utf8_put(&b, c);
            continue;
        }
        if (p->i >= p->n)
            return NULL;
        uint32_t e = p->s[p->i++];
        int simple = mlf__json_escape_char(e);
        if (simple >= 0) {
            mlf_buf_putc(&b, (char)simple);
            continue;
        }
        switch (e) {
        case 'u': {
            uint32_t u, lo;
            if (!mlf__ju4(p, &u))
                return NULL;
            if (u >= 0xD800 && u <= 0xDBFF && p->n - p->i >= 6 && p->s[p->i] == '\\' && p->s[p->i + 1] == 'u') {
                size_t save = p->i;
                p->i += 2;
                if (mlf__ju4(p, &lo) && lo >= 0xDC00 && lo <= 0xDFFF)
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                else
                    p->i = save;
            }
            mlf__utf8_put(&b, u);
            break;
        }
        default:
            return NULL;
        }
    }
    mlf__jv *v = mlf__jv_new(p, MLF__J_STR);
    v->text = b.data;
    v->len = b.len;
    return v;
}

static mlf__jv *mlf__jvalue(mlf__jp *p);

static mlf__jv *mlf__jnumber(mlf__jp *p)
{
    size_t start = p->i;
    if (p->i < p->n && p->s[p->i] == '-')
        p->i++;
    if (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '9')
        return NULL;
    if (p->s[p->i] == '0')
        p->i++;
    else
        while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
            p->i++;
    bool is_float = false;
    if (p->i + 1 < p->n && p->s[p->i] == '.' && p->s[p->i + 1] >= '0' && p->s[p->i + 1] <= '9') {
        is_float = true;
        p->i++;
        while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
            p->i++;
    }
    if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        size_t j = p->i + 1;
        if (j < p->n && (p->s[j] == '+' || p->s[j] == '-'))
            j++;
        if (j < p->n && p->s[j] >= '0' && p->s[j] <= '9') {
            is_float = true;
            p->i = j;
            while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
                p->i++;
        }
    }
    char *text = mlf_pool_alloc(p->pool, p->i - start + 1);
    for (size_t k = start; k < p->i; k++)
        text[k - start] = (char)p->s[k];
    mlf__jv *v = mlf__jv_new(p, is_float ? MLF__J_FLOAT : MLF__J_INT);
    if (is_float)
        v->num = strtod(text, NULL);
    else
        v->text = strcmp(text, "-0") == 0 ? "0" : text;
    return v;
}

static mlf__jv *mlf__jvalue(mlf__jp *p)
{
    mlf__jws(p);
    /* Python's json recursion limit raises RecursionError (not a ValueError);
     * such nesting is treated as invalid JSON here */
    if (p->i >= p->n || ++p->depth > 900)
        return NULL;
    uint32_t c = p->s[p->i];
    mlf__jv *v = NULL;
    if (c == '"')
        v = mlf__jstring(p);
    else if (c == '{') {
        p->i++;
        v = mlf__jv_new(p, MLF__J_DICT);
        mlf__jws(p);
        if (p->i < p->n && p->s[p->i] == '}')
            p->i++;
        else
            for (;;) {
                mlf__jws(p);
                if (p->i >= p->n || p->s[p->i] != '"')
                    return NULL;
                mlf__jv *k = mlf__jstring(p);
                if (k == NULL)
                    return NULL;
                mlf__jws(p);
                if (p->i >= p->n || p->s[p->i] != ':')
                    return NULL;
                p->i++;
                mlf__jv *val = mlf__jvalue(p);
                if (val == NULL)
                    return NULL;
                /* a repeated key keeps its first position and takes the new value */
                bool replaced = false;
                for (size_t j = 0; j + 1 < v->n; j += 2)
                    if (v->items[j]->len == k->len && memcmp(v->items[j]->text, k->text, k->len) == 0) {
                        v->items[j + 1] = val;
                        replaced = true;
                    }
                if (!replaced) {
                    mlf__jv_push(p, v, k);
                    mlf__jv_push(p, v, val);
                }
                mlf__jws(p);
                if (p->i < p->n && p->s[p->i] == ',') {
                    p->i++;
                    continue;
                }
                if (p->i < p->n && p->s[p->i] == '}') {
                    p->i++;
                    break;
                }
                return NULL;
            }
    } else if (c == '[') {
        p->i++;
        v = mlf__jv_new(p, MLF__J_LIST);
        mlf__jws(p);
        if (p->i < p->n && p->s[p->i] == ']')
            p->i++;
        else
            for (;;) {
                mlf__jv *item = mlf__jvalue(p);
                if (item == NULL)
                    return NULL;
                mlf__jv_push(p, v, item);
                mlf__jws(p);
                if (p->i < p->n && p->s[p->i] == ',') {
                    p->i++;
                    continue;
                }
                if (p->i < p->n && p->s[p->i] == ']') {
                    p->i++;
                    break;
                }
                return NULL;
            }
    } else if (mlf__jlit(p, "null")) {
        v = mlf__jv_new(p, MLF__J_NULL);
    } else if (mlf__jlit(p, "true")) {
        v = mlf__jv_new(p, MLF__J_BOOL);
        v->b = true;
    } else if (mlf__jlit(p, "false")) {
        v = mlf__jv_new(p, MLF__J_BOOL);
    } else if (mlf__jlit(p, "NaN")) {
        v = mlf__jv_new(p, MLF__J_FLOAT);
        v->num = NAN;
    } else if (mlf__jlit(p, "Infinity")) {
        v = mlf__jv_new(p, MLF__J_FLOAT);
        v->num = INFINITY;
    } else if (mlf__jlit(p, "-Infinity")) {
        v = mlf__jv_new(p, MLF__J_FLOAT);
        v->num = -INFINITY;
    } else
        v = mlf__jnumber(p);
    p->depth--;
    return v;
}

/* json.loads(bytes): the encoding is detected as json.detect_encoding does,
 * then decoded with 'surrogatepass'. NULL where Python raises ValueError. */
static mlf__jv *mlf__json_loads(mlf_pool *pool, const unsigned char *b, size_t n)
{
    uint32_t *cps = MLF_NEW_ARRAY(pool, uint32_t, n + 1);
    size_t m = 0, i = 0;
    int width = 1;
    bool be = false;
    if (n >= 4 && ((b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF) ||
                   (b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0))) {
        width = 4;
        be = b[0] == 0;
        i = 4;
    } else if (n >= 2 && ((b[0] == 0xFE && b[1] == 0xFF) || (b[0] == 0xFF && b[1] == 0xFE))) {
        width = 2;
        be = b[0] == 0xFE;
        i = 2;
    } else if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        i = 3;
    } else if (n >= 4) {
        if (!b[0]) {
            width = b[1] ? 2 : 4;
            be = true;
        } else if (!b[1]) {
            width = (b[2] || b[3]) ? 2 : 4;
        }
    } else if (n == 2) {
        if (!b[0]) {
            width = 2;
            be = true;
        } else if (!b[1])
            width = 2;
    }
    if (width == 1) {
        while (i < n) {
            size_t cl;
            uint32_t cp = mlf__utf8_decode((const char *)b, n, i, &cl);
            if (cp == MLF__CP_INVALID)
                return NULL;
            cps[m++] = cp;
            i += cl;
        }
    } else {
        if ((n - i) % (size_t)width)
            return NULL;
        for (; i < n; i += (size_t)width) {
            uint32_t u = 0;
            for (int k = 0; k < width; k++)
                u |= (uint32_t)b[i + (size_t)k] << (8 * (be ? width - 1 - k : k));
            if (width == 2 && u >= 0xD800 && u <= 0xDBFF && i + 3 < n) {
                uint32_t lo = be ? ((uint32_t)b[i + 2] << 8 | b[i + 3]) : ((uint32_t)b[i + 3] << 8 | b[i + 2]);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                    i += 2;
                }
            }
            if (u > 0x10FFFF)
                return NULL;
            cps[m++] = u;
        }
    }
    mlf__jp p = {pool, cps, m, 0, 0};
    mlf__jv *v = mlf__jvalue(&p);
    if (v == NULL)
        return NULL;
    mlf__jws(&p);
    return p.i == p.n ? v : NULL;
}

/* repr() of a parsed JSON value */
static void mlf__jrepr(mlf_pool *pool, mlf_buf *b, const mlf__jv *v)
{
    switch (v->kind) {
    case MLF__J_NULL:
        mlf_buf_puts(b, "None");
        break;
    case MLF__J_BOOL:
        mlf_buf_puts(b, v->b ? "True" : "False");
        break;
    case MLF__J_INT:
        mlf_buf_puts(b, v->text);
        break;
    case MLF__J_FLOAT:
        mlf_buf_puts(b, mlf__py_repr_float(pool, v->num));
        break;
    case MLF__J_STR:
        mlf_buf_puts(b, mlf__py_repr_str(pool, v->text, v->len));
        break;
    case MLF__J_LIST:
        mlf_buf_putc(b, '[');
        for (size_t k = 0; k < v->n; k++) {
            if (k)
                mlf_buf_puts(b, ", ");
            mlf__jrepr(pool, b, v->items[k]);
        }
        mlf_buf_putc(b, ']');
        break;
    case MLF__J_DICT:
        mlf_buf_putc(b, '{');
        for (size_t k = 0; k + 1 < v->n; k += 2) {
            if (k)
                mlf_buf_puts(b, ", ");
            mlf__jrepr(pool, b, v->items[k]);
            mlf_buf_puts(b, ": ");
            mlf__jrepr(pool, b, v->items[k + 1]);
        }
        mlf_buf_putc(b, '}');
        break;
    }
}

static bool mlf__jfalsy(const mlf__jv *v)
{
    switch (v->kind) {
    case MLF__J_NULL:
        return true;
    case MLF__J_BOOL:
        return !v->b;
    case MLF__J_INT:
        return strcmp(v->text, "0") == 0;
    case MLF__J_FLOAT:
        return v->num == 0;
    case MLF__J_STR:
        return v->len == 0;
    default:
        return v->n == 0;
    }
}

/* Decimal digits (sign allowed) to int64; false when out of range. */
static bool mlf__to_int64(const char *digits, int64_t *out)
{
    bool neg = digits[0] == '-';
    uint64_t v = 0;
    const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (const char *p = digits + (neg || digits[0] == '+'); *p; p++) {
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* Python's int(str): blanks around, a sign, decimal digits (any script) with
 * single underscores between them. Writes ASCII digits; false if invalid. */
static bool mlf__py_int_str(mlf_pool *pool, const char *s, char **digits)
{
    const char *t = mlf__py_strip(pool, s);
    size_t n = strlen(t), i = 0;
    mlf_buf b;
    mlf_buf_init(&b, pool, n + 2);
    if (i < n && (t[i] == '+' || t[i] == '-')) {
        if (t[i] == '-')
            mlf_buf_putc(&b, '-');
        i++;
    }
    bool any = false, last_us = false;
    while (i < n) {
        size_t cl;
        uint32_t cp = mlf__utf8_decode(t, n, i, &cl);
        if (cp == '_') {
            if (!any || last_us)
                return false;
            last_us = true;
        } else {
            int d = mlf__py_is_d(cp) ? mlf__py_digit_value(cp) : -1;
            if (d < 0)
                return false;
            mlf_buf_putc(&b, (char)('0' + d));
            any = true;
            last_us = false;
        }
        i += cl;
    }
    if (!any || last_us)
        return false;
    *digits = b.data;
    return true;
}

int mlf_search_page_token_decode(mlf_pool *pool, const char *token, int64_t *ret_offset, mlf_error *err)
{
    *ret_offset = 0;
    if (token == NULL || token[0] == '\0')
        return 0;
    size_t n = strlen(token);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)token[i] >= 0x80) /* base64.b64decode raises ValueError, uncaught: 500 */
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                 "string argument should contain only ASCII characters");
    unsigned char *raw = mlf_pool_alloc(pool, n / 4 * 3 + 4);
    long raw_n = mlf__b64_decode(token, n, raw);
    if (raw_n < 0)
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid page token, could not base64-decode");

    mlf__jv *parsed = mlf__json_loads(pool, raw, (size_t)raw_n);
    if (parsed == NULL)
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid page token, decoded value=%s",
                             mlf__py_repr_bytes(pool, (const char *)raw, (size_t)raw_n));
    if (parsed->kind != MLF__J_DICT) /* AttributeError: no .get(), uncaught: 500 */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' object has no attribute 'get'",
                             parsed->kind == MLF__J_LIST    ? "list"
                             : parsed->kind == MLF__J_STR   ? "str"
                             : parsed->kind == MLF__J_INT   ? "int"
                             : parsed->kind == MLF__J_FLOAT ? "float"
                             : parsed->kind == MLF__J_BOOL  ? "bool"
                                                            : "NoneType");
    const mlf__jv *offset = NULL;
    for (size_t k = 0; k + 1 < parsed->n; k += 2)
        if (parsed->items[k]->len == 6 && memcmp(parsed->items[k]->text, "offset", 6) == 0)
            offset = parsed->items[k + 1];
    if (offset == NULL || mlf__jfalsy(offset)) {
        mlf_buf b;
        mlf_buf_init(&b, pool, 64);
        mlf__jrepr(pool, &b, parsed);
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid page token, parsed value=%s", b.data);
    }

    const char *digits = NULL;
    switch (offset->kind) {
    case MLF__J_INT:
        digits = offset->text;
        break;
    case MLF__J_BOOL:
        digits = "1";
        break;
    case MLF__J_FLOAT:
        if (isnan(offset->num))
            return mlf_error_set(err, pool, MLF__INVALID, "Invalid page token, not stringable nan");
        if (isinf(offset->num))
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "cannot convert float infinity to integer");
        if (offset->num >= 9223372036854775808.0 || offset->num < -9223372036854775808.0)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "page token offset out of range");
        *ret_offset = (int64_t)offset->num; /* int() truncates toward zero */
        return 0;
    case MLF__J_STR: {
        char *d;
        if (!mlf__py_int_str(pool, offset->text, &d))
            return mlf_error_set(err, pool, MLF__INVALID, "Invalid page token, not stringable %s", offset->text);
        digits = d;
        break;
    }
    default: /* TypeError from int(), uncaught: 500 */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                             "int() argument must be a string, a bytes-like object or a real number, not '%s'",
                             offset->kind == MLF__J_LIST ? "list" : "dict");
    }
    /* Python has no limit; the database would reject an offset past int64. */
    if (!mlf__to_int64(digits, ret_offset))
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "page token offset out of range");
    return 0;
}

char *mlf_search_page_token_encode(mlf_pool *pool, int64_t offset)
{
    /* json.dumps({"offset": offset}) */
    char *json = mlf_pool_sprintf(pool, "{\"offset\": %lld}", (long long)offset);
    return mlf__b64_encode(pool, (const unsigned char *)json, strlen(json));
}

/* ------------------------------------------------------------------ */
/* searchLoggedModels: SearchLoggedModelsPaginationToken               */
/* ------------------------------------------------------------------ */

static const mlf__jv *mlf__jget(const mlf__jv *dict, const char *key)
{
    size_t n = strlen(key);
    const mlf__jv *found = NULL;
    for (size_t k = 0; k + 1 < dict->n; k += 2)
        if (dict->items[k]->len == n && memcmp(dict->items[k]->text, key, n) == 0)
            found = dict->items[k + 1];
    return found;
}

static bool mlf__jstr_eq(const mlf__jv *v, const char *s)
{
    if (s == NULL)
        return v == NULL || v->kind == MLF__J_NULL;
    return v != NULL && v->kind == MLF__J_STR && v->len == strlen(s) && memcmp(v->text, s, v->len) == 0;
}

/* Python's == between a json.loads value and True/False (1 == True, 0.0 == False). */
static bool mlf__jbool_eq(const mlf__jv *v, bool b)
{
    if (v == NULL)
        return false;
    switch (v->kind) {
    case MLF__J_BOOL:
        return v->b == b;
    case MLF__J_INT:
        return strcmp(v->text, b ? "1" : "0") == 0 || (!b && strcmp(v->text, "-0") == 0);
    case MLF__J_FLOAT:
        return v->num == (b ? 1.0 : 0.0);
    default:
        return false;
    }
}

static void mlf__repr_opt_str(mlf_pool *pool, mlf_buf *b, const char *s)
{
    mlf_buf_puts(b, s != NULL ? mlf__py_repr_str(pool, s, strlen(s)) : "None");
}

/* repr() of the handler's order_by list of dicts, or None. */
static char *mlf__orders_repr(mlf_pool *pool, const mlf_search_lm_order *orders, size_t n)
{
    if (n == 0)
        return "None";
    mlf_buf b;
    mlf_buf_init(&b, pool, 128);
    mlf_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        mlf_buf_puts(&b, i ? ", {'field_name': " : "{'field_name': ");
        mlf__repr_opt_str(pool, &b, orders[i].field_name);
        mlf_buf_puts(&b, orders[i].ascending ? ", 'ascending': True, 'dataset_name': "
                                             : ", 'ascending': False, 'dataset_name': ");
        mlf__repr_opt_str(pool, &b, orders[i].dataset_name);
        mlf_buf_puts(&b, ", 'dataset_digest': ");
        mlf__repr_opt_str(pool, &b, orders[i].dataset_digest);
        mlf_buf_putc(&b, '}');
    }
    mlf_buf_putc(&b, ']');
    return b.data;
}

static bool mlf__orders_eq(const mlf__jv *v, const mlf_search_lm_order *orders, size_t n)
{
    if (n == 0)
        return v == NULL || mlf__jfalsy(v);
    if (v == NULL || v->kind != MLF__J_LIST || v->n != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        const mlf__jv *d = v->items[i];
        if (d->kind != MLF__J_DICT || d->n != 8)
            return false;
        const mlf__jv *asc = mlf__jget(d, "ascending");
        if (!mlf__jstr_eq(mlf__jget(d, "field_name"), orders[i].field_name) || !mlf__jbool_eq(asc, orders[i].ascending))
            return false;
        const mlf__jv *name = mlf__jget(d, "dataset_name"), *digest = mlf__jget(d, "dataset_digest");
        if (name == NULL || digest == NULL || !mlf__jstr_eq(name, orders[i].dataset_name) ||
            !mlf__jstr_eq(digest, orders[i].dataset_digest))
            return false;
    }
    return true;
}

static char *mlf__jrepr_opt(mlf_pool *pool, const mlf__jv *v)
{
    if (v == NULL)
        return "None";
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    mlf__jrepr(pool, &b, v);
    return b.data;
}

int mlf_search_logged_model_token_decode(mlf_pool *pool, const char *token, char *const *experiment_ids, size_t n_ids,
                                         const char *filter, const mlf_search_lm_order *orders, size_t n_orders,
                                         int64_t *ret_offset, mlf_error *err)
{
    *ret_offset = 0;
    size_t n = strlen(token);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)token[i] >= 0x80) /* ValueError from b64decode, uncaught: 500 */
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                 "string argument should contain only ASCII characters");
    unsigned char *raw = mlf_pool_alloc(pool, n / 4 * 3 + 4);
    long raw_n = mlf__b64_decode(token, n, raw);
    if (raw_n < 0) /* binascii.Error, uncaught: 500 */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "Incorrect padding");
    /* .decode("utf-8") before json.loads: a UnicodeDecodeError is not caught either */
    for (long i = 0; i < raw_n;) {
        size_t cl;
        if (mlf__utf8_decode((const char *)raw, (size_t)raw_n, (size_t)i, &cl) == MLF__CP_INVALID)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'utf-8' codec can't decode byte 0x%02x",
                                 raw[i]);
        i += (long)cl;
    }
    mlf__jv *parsed = mlf__json_loads(pool, raw, (size_t)raw_n);
    if (parsed == NULL) {
        /* JSONDecodeError: its position is reproduced only for a first character that starts no value */
        long i = 0;
        while (i < raw_n && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r'))
            i++;
        bool starts_value = i < raw_n && raw[i] != 0 && strchr("{[\"-0123456789", raw[i]) != NULL;
        static const char *const literals[] = {"true", "false", "null", "NaN", "Infinity"};
        for (size_t k = 0; k < 5 && !starts_value; k++)
            starts_value = (size_t)(raw_n - i) >= strlen(literals[k]) &&
                           memcmp(raw + i, literals[k], strlen(literals[k])) == 0;
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid page token: %s. %s", token,
                             starts_value ? "Invalid JSON"
                                          : mlf_pool_sprintf(pool, "Expecting value: line 1 column %ld (char %ld)",
                                                             i + 1, i));
    }
    if (parsed->kind != MLF__J_DICT)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' object has no attribute 'get'",
                             parsed->kind == MLF__J_LIST ? "list" : parsed->kind == MLF__J_STR ? "str" : "int");

    /* validate(): experiment ids, filter string, order by, in that order */
    const mlf__jv *ids = mlf__jget(parsed, "experiment_ids");
    bool same = ids != NULL && ids->kind == MLF__J_LIST && ids->n == n_ids;
    for (size_t i = 0; same && i < n_ids; i++)
        same = mlf__jstr_eq(ids->items[i], experiment_ids[i] != NULL ? experiment_ids[i] : "");
    if (!same) {
        mlf_buf b;
        mlf_buf_init(&b, pool, 64);
        mlf_buf_putc(&b, '[');
        for (size_t i = 0; i < n_ids; i++) {
            if (i)
                mlf_buf_puts(&b, ", ");
            mlf__repr_opt_str(pool, &b, experiment_ids[i] != NULL ? experiment_ids[i] : "");
        }
        mlf_buf_putc(&b, ']');
        return mlf_error_set(err, pool, MLF__INVALID,
                             "Experiment IDs in the page token do not match the requested experiment IDs. "
                             "Expected: %s. Found: %s",
                             b.data, mlf__jrepr_opt(pool, ids));
    }
    const mlf__jv *fs = mlf__jget(parsed, "filter_string");
    if (fs != NULL && mlf__jfalsy(fs))
        fs = NULL; /* `or None` */
    if (!mlf__jstr_eq(fs, filter)) {
        const char *found = fs == NULL ? "None" : fs->kind == MLF__J_STR ? fs->text : mlf__jrepr_opt(pool, fs);
        return mlf_error_set(err, pool, MLF__INVALID,
                             "Filter string in the page token does not match the requested filter string. "
                             "Expected: %s. Found: %s",
                             filter != NULL ? filter : "None", found);
    }
    const mlf__jv *ob = mlf__jget(parsed, "order_by");
    if (!mlf__orders_eq(ob, orders, n_orders))
        return mlf_error_set(err, pool, MLF__INVALID,
                             "Order by in the page token does not match the requested order by. "
                             "Expected: %s. Found: %s",
                             mlf__orders_repr(pool, orders, n_orders),
                             ob == NULL || mlf__jfalsy(ob) ? "None" : mlf__jrepr_opt(pool, ob));
    const mlf__jv *off = mlf__jget(parsed, "offset");
    if (off == NULL || mlf__jfalsy(off))
        return 0;
    /* `token.get("offset") or 0`, then SQLAlchemy's int() of it; what int() refuses is a 500 */
    char *digits = NULL;
    switch (off->kind) {
    case MLF__J_INT:
        digits = off->text;
        break;
    case MLF__J_BOOL:
        digits = "1";
        break;
    case MLF__J_STR:
        if (!mlf__py_int_str(pool, off->text, &digits))
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "invalid literal for int() with base 10: %s",
                                 mlf__py_repr_str(pool, off->text, off->len));
        break;
    case MLF__J_FLOAT:
        if (isfinite(off->num) && fabs(off->num) < 9.2e18) {
            *ret_offset = (int64_t)off->num; /* int() truncates toward zero */
            return 0;
        }
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "cannot convert float %s to integer",
                             isnan(off->num) ? "NaN" : "infinity");
    default:
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                             "int() argument must be a string, a bytes-like object or a real number, not '%s'",
                             off->kind == MLF__J_LIST ? "list" : "dict");
    }
    if (!mlf__to_int64(digits, ret_offset))
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "page token offset out of range");
    return 0;
}

/* json.dumps of a str or None (ensure_ascii). */
static void mlf__dumps_opt_str(mlf_buf *b, const char *s)
{
    if (s == NULL)
        mlf_buf_puts(b, "null");
    else
        mlf_json_write_string_ascii(b, s, strlen(s));
}

char *mlf_search_logged_model_token_encode(mlf_pool *pool, char *const *experiment_ids, size_t n_ids,
                                           const char *filter, const mlf_search_lm_order *orders, size_t n_orders,
                                           int64_t offset)
{
    /* json.dumps(asdict(token)): experiment_ids, filter_string, order_by, offset */
    mlf_buf b;
    mlf_buf_init(&b, pool, 256);
    mlf_buf_puts(&b, "{\"experiment_ids\": [");
    for (size_t i = 0; i < n_ids; i++) {
        if (i)
            mlf_buf_puts(&b, ", ");
        mlf__dumps_opt_str(&b, experiment_ids[i] != NULL ? experiment_ids[i] : "");
    }
    mlf_buf_puts(&b, "], \"filter_string\": ");
    mlf__dumps_opt_str(&b, filter);
    mlf_buf_puts(&b, ", \"order_by\": ");
    if (n_orders == 0)
        mlf_buf_puts(&b, "null");
    else {
        mlf_buf_putc(&b, '[');
        for (size_t i = 0; i < n_orders; i++) {
            mlf_buf_puts(&b, i ? ", {\"field_name\": " : "{\"field_name\": ");
            mlf__dumps_opt_str(&b, orders[i].field_name);
            mlf_buf_puts(&b, orders[i].ascending ? ", \"ascending\": true, \"dataset_name\": "
                                                 : ", \"ascending\": false, \"dataset_name\": ");
            mlf__dumps_opt_str(&b, orders[i].dataset_name);
            mlf_buf_puts(&b, ", \"dataset_digest\": ");
            mlf__dumps_opt_str(&b, orders[i].dataset_digest);
            mlf_buf_putc(&b, '}');
        }
        mlf_buf_putc(&b, ']');
    }
    mlf_buf_printf(&b, ", \"offset\": %lld}", (long long)offset);
    return mlf__b64_encode(pool, (const unsigned char *)b.data, b.len);
}
