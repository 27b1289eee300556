/*
 * JSON reader and writer (see json.h).
 *
 * The reader is a recursive-descent parser over a byte range. Containers
 * collect their members on one scratch stack shared by all open containers
 * and copy them into exact-size pool arrays when they close, so a document
 * costs one node per value plus its strings. Numbers and strings use the C
 * locale conventions ('.' as decimal point); the server never calls
 * setlocale().
 */
#include "json/json.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

/* Containers nested deeper than this are written as null: trees built by code could be cyclic or very deep. */
#define MLF__WRITE_MAX_DEPTH 512

typedef struct mlf__member {
    const char *key;
    size_t klen;
    mlf_json *val;
} mlf__member;

typedef struct mlf__parser {
    mlf_pool *pool;
    const unsigned char *start;
    const unsigned char *p;
    const unsigned char *end;
    mlf_error *err;
    int depth;
    int max_depth;
    bool loads;          /* MLF_JSON_LOADS */
    unsigned utf8_flags; /* mlf_text_utf8_len's */
    bool failed;
    mlf__member *stack;
    size_t sp;
    size_t cap;
} mlf__parser;

/* --------------------------------------------------------------- errors */

static mlf_json *mlf__fail(mlf__parser *P, const unsigned char *at, const char *what)
{
    if (P->failed)
        return NULL;
    P->failed = true;
    /* line, column and char (code point) offset, as Python's JSONDecodeError reports them */
    size_t line = 1, col = 1, chars = 0;
    for (const unsigned char *q = P->start; q < at; q++) {
        if ((*q & 0xC0) == 0x80)
            continue;
        chars++;
        if (*q == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    mlf_error_set(P->err, P->pool, MLF_ERR_MALFORMED_REQUEST, "Malformed JSON: %s: line %zu column %zu (char %zu)",
                  what, line, col, chars);
    return NULL;
}

/* --------------------------------------------------------------- parser */

static inline void mlf__skip_ws(mlf__parser *P)
{
    while (P->p < P->end && (*P->p == ' ' || *P->p == '\n' || *P->p == '\r' || *P->p == '\t'))
        P->p++;
}

static void mlf__push(mlf__parser *P, const char *key, size_t klen, mlf_json *val)
{
    if (P->sp == P->cap) {
        size_t cap = P->cap ? P->cap * 2 : 64;
        mlf__member *s = MLF_NEW_ARRAY(P->pool, mlf__member, cap);
        if (P->sp)
            memcpy(s, P->stack, P->sp * sizeof(*s));
        P->stack = s;
        P->cap = cap;
    }
    P->stack[P->sp].key = key;
    P->stack[P->sp].klen = klen;
    P->stack[P->sp].val = val;
    P->sp++;
}

static mlf_json *mlf__new(mlf__parser *P, mlf_json_type type)
{
    mlf_json *v = MLF_NEW(P->pool, mlf_json);
    v->type = type;
    return v;
}

/* The \uXXXX digits at s, or -1 when fewer than four hex digits stand before end. */
static int mlf__hex4(const unsigned char *s, const unsigned char *end)
{
    return end - s < 4 ? -1 : mlf_text_hex4((const char *)s);
}

/* Parses the string literal at P->p (on its opening quote) into *out / *out_len. */
static bool mlf__parse_str(mlf__parser *P, const char **out, size_t *out_len)
{
    const unsigned char *open = P->p;
    const unsigned char *s = P->p + 1;
    const unsigned char *q = s;
    const unsigned char *end = P->end;
    bool escaped = false;

    /* pass 1: find the closing quote, validating UTF-8 and control characters */
    for (;;) {
        while (q < end && *q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\')
            q++;
        if (q >= end) {
            mlf__fail(P, open, "Unterminated string starting at");
            return false;
        }
        unsigned c = *q;
        if (c == '"')
            break;
        if (c == '\\') {
            escaped = true;
            if (q + 1 >= end) {
                mlf__fail(P, open, "Unterminated string starting at");
                return false;
            }
            q += 2; /* the escaped byte is checked in pass 2 */
            continue;
        }
        if (c < 0x20) {
            mlf__fail(P, q, "Invalid control character at");
            return false;
        }
        size_t bad = 0;
        size_t n = mlf_text_utf8_len((const char *)q, (size_t)(end - q), P->utf8_flags, &bad);
        if (n == 0) {
            mlf__fail(P, q, "Invalid UTF-8 at");
            return false;
        }
        q += n;
    }
    size_t raw = (size_t)(q - s);
    P->p = q + 1;
    if (!escaped) {
        *out = mlf_pool_strndup(P->pool, (const char *)s, raw);
        *out_len = raw;
        return true;
    }

    /* pass 2: decode escapes (the result is never longer than the source) */
    char *buf = mlf_pool_alloc(P->pool, raw + 1);
    size_t o = 0;
    const unsigned char *r = s;
    while (r < q) {
        if (*r != '\\') {
            const unsigned char *run = r;
            while (r < q && *r != '\\')
                r++;
            memcpy(buf + o, run, (size_t)(r - run));
            o += (size_t)(r - run);
            continue;
        }
        const unsigned char *esc = r;
        unsigned c = r[1];
        r += 2;
        switch (c) {
        case '"':
            buf[o++] = '"';
            break;
        case '\\':
            buf[o++] = '\\';
            break;
        case '/':
            buf[o++] = '/';
            break;
        case 'b':
            buf[o++] = '\b';
            break;
        case 'f':
            buf[o++] = '\f';
            break;
        case 'n':
            buf[o++] = '\n';
            break;
        case 'r':
            buf[o++] = '\r';
            break;
        case 't':
            buf[o++] = '\t';
            break;
        case 'u': {
            int u = mlf__hex4(r, q);
            if (u < 0) {
                mlf__fail(P, esc, "Invalid \\uXXXX escape at");
                return false;
            }
            r += 4;
            uint32_t cp = (uint32_t)u;
            if (P->loads && cp >= 0xD800 && cp <= 0xDFFF) {
                /* Python keeps a lone surrogate; only \uD8xx\uDCxx pairs combine */
                int lo = (cp <= 0xDBFF && q - r >= 6 && r[0] == '\\' && r[1] == 'u') ? mlf__hex4(r + 2, q) : -1;
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    r += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                mlf__fail(P, esc, "Unpaired surrogate at");
                return false;
            } else if (cp >= 0xD800 && cp <= 0xDBFF) {
                int lo = (q - r >= 6 && r[0] == '\\' && r[1] == 'u') ? mlf__hex4(r + 2, q) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    mlf__fail(P, esc, "Unpaired surrogate at");
                    return false;
                }
                r += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
            }
            o += mlf_text_utf8_encode(cp, buf + o);
            break;
        }
        default:
            mlf__fail(P, esc, "Invalid \\escape at");
            return false;
        }
    }
    buf[o] = '\0';
    *out = buf;
    *out_len = o;
    return true;
}

static bool mlf__match(mlf__parser *P, const char *word, size_t n)
{
    if ((size_t)(P->end - P->p) < n || memcmp(P->p, word, n) != 0)
        return false;
    P->p += n;
    return true;
}

static mlf_json *mlf__number_token(mlf__parser *P, const char *text, double d)
{
    mlf_json *v = mlf__new(P, MLF_JSON_NUMBER);
    v->text = text;
    v->len = strlen(text);
    v->number = d;
    return v;
}

static mlf_json *mlf__parse_number(mlf__parser *P)
{
    const unsigned char *s = P->p;
    const unsigned char *q = s;
    const unsigned char *end = P->end;
    if (*q == '-') {
        q++;
        if (q < end && *q == 'I') {
            P->p = q;
            if (mlf__match(P, "Infinity", 8))
                return mlf__number_token(P, "-Infinity", -INFINITY);
            return mlf__fail(P, s, "Expecting value");
        }
    }
    if (q >= end || *q < '0' || *q > '9')
        return mlf__fail(P, s, "Expecting value");
    bool is_int = true;
    /* Python's NUMBER_RE: a leading 0 ends the integer part ("01" is 0 then extra data) */
    if (*q == '0') {
        q++;
    } else {
        while (q < end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q + 1 < end && *q == '.' && q[1] >= '0' && q[1] <= '9') {
        is_int = false;
        q += 2;
        while (q < end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        const unsigned char *e = q + 1;
        if (e < end && (*e == '+' || *e == '-'))
            e++;
        if (e < end && *e >= '0' && *e <= '9') {
            is_int = false;
            while (e < end && *e >= '0' && *e <= '9')
                e++;
            q = e;
        }
    }
    size_t len = (size_t)(q - s);
    P->p = q;
    mlf_json *v = mlf__new(P, MLF_JSON_NUMBER);
    if (P->loads && is_int && len == 2 && s[0] == '-' && s[1] == '0') {
        s++; /* Python's int has no -0 */
        len = 1;
    }
    char *text = mlf_pool_strndup(P->pool, (const char *)s, len);
    v->text = text;
    v->len = len;
    size_t digits = len - (*s == '-');
    if (is_int && digits <= 15) {
        /* exact: every integer below 10^15 is a double */
        int64_t acc = 0;
        for (const unsigned char *d = s + (*s == '-'); d < q; d++)
            acc = acc * 10 + (*d - '0');
        v->number = (double)(*s == '-' ? -acc : acc); /* "-0" is Python's int 0, not -0.0 */
    } else {
        v->number = strtod(text, NULL);
    }
    return v;
}

static mlf_json *mlf__parse_value(mlf__parser *P);

/* (key, position) pairs sorted by mlf__dedupe */
typedef struct mlf__keyidx {
    const char *key;
    size_t klen;
    size_t idx;
} mlf__keyidx;

static int mlf__cmp_keyidx(const void *a, const void *b)
{
    const mlf__keyidx *x = a, *y = b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    if (c != 0)
        return c;
    if (x->klen != y->klen)
        return x->klen < y->klen ? -1 : 1;
    return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

/*
 * Collapses repeated keys of m[0..n) in place, Python-dict style (first
 * position, last value). Returns the new count. Small objects compare
 * pairwise; large ones sort an index so that hostile input stays O(n log n).
 */
static size_t mlf__dedupe(mlf__parser *P, mlf__member *m, size_t n)
{
    if (n < 2)
        return n;
    if (n <= 16) {
        size_t out = 0;
        for (size_t i = 0; i < n; i++) {
            size_t j = 0;
            for (; j < out; j++)
                if (m[j].klen == m[i].klen && memcmp(m[j].key, m[i].key, m[i].klen) == 0)
                    break;
            if (j < out)
                m[j].val = m[i].val;
            else
                m[out++] = m[i];
        }
        return out;
    }
    mlf__keyidx *ix = MLF_NEW_ARRAY(P->pool, mlf__keyidx, n);
    for (size_t i = 0; i < n; i++) {
        ix[i].key = m[i].key;
        ix[i].klen = m[i].klen;
        ix[i].idx = i;
    }
    qsort(ix, n, sizeof(*ix), mlf__cmp_keyidx);
    bool any = false;
    for (size_t i = 1; i < n; i++)
        if (ix[i].klen == ix[i - 1].klen && memcmp(ix[i].key, ix[i - 1].key, ix[i].klen) == 0)
            any = true;
    if (!any)
        return n;
    /* within each run of equal keys: the first index keeps the last value, the others are dropped */
    bool *drop = MLF_NEW_ARRAY(P->pool, bool, n);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && ix[j].klen == ix[i].klen && memcmp(ix[j].key, ix[i].key, ix[i].klen) == 0)
            j++;
        if (j - i > 1) {
            m[ix[i].idx].val = m[ix[j - 1].idx].val;
            for (size_t k = i + 1; k < j; k++)
                drop[ix[k].idx] = true;
        }
        i = j;
    }
    size_t out = 0;
    for (size_t i = 0; i < n; i++)
        if (!drop[i])
            m[out++] = m[i];
    return out;
}

static mlf_json *mlf__parse_container(mlf__parser *P, bool object)
{
    const unsigned char *open = P->p;
    if (++P->depth > P->max_depth)
        return mlf__fail(P, open, "Maximum nesting depth exceeded at");
    P->p++;
    size_t base = P->sp;
    mlf__skip_ws(P);
    char close = object ? '}' : ']';
    if (P->p < P->end && *P->p == close) {
        P->p++;
    } else {
        for (;;) {
            const char *key = NULL;
            size_t klen = 0;
            if (object) {
                mlf__skip_ws(P);
                if (P->p >= P->end || *P->p != '"')
                    return mlf__fail(P, P->p, "Expecting property name enclosed in double quotes");
                const unsigned char *kpos = P->p;
                if (!mlf__parse_str(P, &key, &klen))
                    return NULL;
                /* keys are C strings: a truncated key could alias a real field name */
                if (!P->loads && strlen(key) != klen)
                    return mlf__fail(P, kpos, "Object key containing U+0000 at");
                mlf__skip_ws(P);
                if (P->p >= P->end || *P->p != ':')
                    return mlf__fail(P, P->p, "Expecting ':' delimiter");
                P->p++;
            }
            mlf_json *v = mlf__parse_value(P);
            if (v == NULL)
                return NULL;
            mlf__push(P, key, klen, v);
            mlf__skip_ws(P);
            if (P->p < P->end && *P->p == ',') {
                P->p++;
                continue;
            }
            if (P->p < P->end && *P->p == close) {
                P->p++;
                break;
            }
            return mlf__fail(P, P->p, "Expecting ',' delimiter");
        }
    }
    P->depth--;
    mlf_json *v = mlf__new(P, object ? MLF_JSON_OBJECT : MLF_JSON_ARRAY);
    mlf__member *m = P->stack + base;
    size_t n = P->sp - base;
    if (object)
        n = mlf__dedupe(P, m, n);
    if (n > 0) {
        v->items = MLF_NEW_ARRAY(P->pool, mlf_json *, n);
        if (object)
            v->keys = MLF_NEW_ARRAY(P->pool, const char *, n);
        size_t *klens = object && P->loads ? MLF_NEW_ARRAY(P->pool, size_t, n) : NULL;
        for (size_t i = 0; i < n; i++) {
            v->items[i] = m[i].val;
            if (object)
                v->keys[i] = m[i].key;
            if (klens != NULL)
                klens[i] = m[i].klen;
        }
        v->key_lens = klens;
    }
    v->n = n;
    P->sp = base;
    return v;
}

static mlf_json *mlf__parse_value(mlf__parser *P)
{
    mlf__skip_ws(P);
    if (P->p >= P->end)
        return mlf__fail(P, P->p, "Expecting value");
    /* json.loads reaches Python's recursion limit on a scalar as deep as on a container */
    if (P->loads && P->depth >= P->max_depth && *P->p != '{' && *P->p != '[')
        return mlf__fail(P, P->p, "Maximum nesting depth exceeded at");
    mlf_json *v;
    switch (*P->p) {
    case '{':
        return mlf__parse_container(P, true);
    case '[':
        return mlf__parse_container(P, false);
    case '"': {
        const char *s;
        size_t len;
        if (!mlf__parse_str(P, &s, &len))
            return NULL;
        v = mlf__new(P, MLF_JSON_STRING);
        v->text = s;
        v->len = len;
        return v;
    }
    case 't':
        if (!mlf__match(P, "true", 4))
            break;
        v = mlf__new(P, MLF_JSON_BOOL);
        v->boolean = true;
        return v;
    case 'f':
        if (!mlf__match(P, "false", 5))
            break;
        return mlf__new(P, MLF_JSON_BOOL);
    case 'n':
        if (!mlf__match(P, "null", 4))
            break;
        return mlf__new(P, MLF_JSON_NULL);
    case 'N':
        if (!mlf__match(P, "NaN", 3))
            break;
        return mlf__number_token(P, "NaN", NAN);
    case 'I':
        if (!mlf__match(P, "Infinity", 8))
            break;
        return mlf__number_token(P, "Infinity", INFINITY);
    default:
        if (*P->p == '-' || (*P->p >= '0' && *P->p <= '9'))
            return mlf__parse_number(P);
        break;
    }
    return mlf__fail(P, P->p, "Expecting value");
}

/*
 * json.loads(bytes)'s first step: the encoding json.detect_encoding finds
 * (UTF-8, UTF-16 or UTF-32, with or without a BOM), decoded with
 * 'surrogatepass'. UTF-16 and UTF-32 are rewritten as UTF-8 (a lone surrogate
 * as its three-byte form); UTF-8 is used in place. False where Python raises.
 */
static bool mlf__loads_text(mlf_pool *pool, const unsigned char *b, size_t n, const char **ret, size_t *ret_len)
{
    size_t i = 0;
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
        } else if (!b[1]) {
            width = 2;
        }
    }
    if (width == 1) {
        *ret = (const char *)b + i;
        *ret_len = n - i;
        return true;
    }
    if ((n - i) % (size_t)width)
        return false;
    char *out = mlf_pool_alloc(pool, (n - i) * 2 + 1); /* at most 3 bytes a UTF-16 unit, 4 a UTF-32 one */
    size_t o = 0;
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
            return false;
        o += mlf_text_utf8_encode(u, out + o);
    }
    out[o] = '\0';
    *ret = out;
    *ret_len = o;
    return true;
}

int mlf_json_parse_ex(mlf_pool *pool, const char *text, size_t len, unsigned flags, mlf_json **ret, mlf_error *err)
{
    mlf__parser P = {0};
    P.pool = pool;
    P.err = err;
    P.max_depth = MLF_JSON_MAX_DEPTH;
    if (flags & MLF_JSON_LOADS) {
        P.loads = true;
        P.utf8_flags = MLF_TEXT_UTF8_SURROGATES;
        P.max_depth = MLF_JSON_LOADS_MAX_DEPTH;
        if (!mlf__loads_text(pool, (const unsigned char *)text, len, &text, &len))
            return mlf_error_set(err, pool, MLF_ERR_MALFORMED_REQUEST, "Malformed JSON: cannot decode the bytes");
    } else if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        /* error positions count from the start of the bytes, BOM included */
        P.start = (const unsigned char *)text;
        P.p = P.start + 3;
    }
    if (P.start == NULL) {
        P.start = (const unsigned char *)text;
        P.p = P.start;
    }
    P.end = (const unsigned char *)text + len;
    mlf_json *v = mlf__parse_value(&P);
    if (v == NULL)
        return err ? -err->code : -MLF_ERR_MALFORMED_REQUEST;
    mlf__skip_ws(&P);
    if (P.p != P.end) {
        mlf__fail(&P, P.p, "Extra data");
        return err ? -err->code : -MLF_ERR_MALFORMED_REQUEST;
    }
    *ret = v;
    return 0;
}

int mlf_json_parse(mlf_pool *pool, const char *text, size_t len, mlf_json **ret, mlf_error *err)
{
    return mlf_json_parse_ex(pool, text, len, 0, ret, err);
}

const mlf_json *mlf_json_get(const mlf_json *obj, const char *key)
{
    if (obj == NULL || obj->type != MLF_JSON_OBJECT)
        return NULL;
    for (size_t i = obj->n; i-- > 0;)
        if (strcmp(obj->keys[i], key) == 0)
            return obj->items[i];
    return NULL;
}

bool mlf_json_is_int(const mlf_json *v)
{
    if (v == NULL || v->type != MLF_JSON_NUMBER || v->text == NULL)
        return false;
    for (size_t i = 0; i < v->len; i++) {
        char c = v->text[i];
        if (!(c == '-' || (c >= '0' && c <= '9')))
            return false;
    }
    return v->len > 0;
}

bool mlf_json_truthy(const mlf_json *v)
{
    if (v == NULL)
        return false;
    switch (v->type) {
    case MLF_JSON_NULL:
        return false;
    case MLF_JSON_BOOL:
        return v->boolean;
    case MLF_JSON_NUMBER:
        return v->number != 0; /* NaN too, as bool(float("nan")) */
    case MLF_JSON_STRING:
        return v->len > 0;
    default:
        return v->n > 0;
    }
}

const char *mlf_json_py_type(const mlf_json *v)
{
    if (v == NULL)
        return "NoneType";
    switch (v->type) {
    case MLF_JSON_NULL:
        return "NoneType";
    case MLF_JSON_BOOL:
        return "bool";
    case MLF_JSON_NUMBER:
        return mlf_json_is_int(v) ? "int" : "float";
    case MLF_JSON_STRING:
        return "str";
    case MLF_JSON_ARRAY:
        return "list";
    case MLF_JSON_OBJECT:
        return "dict";
    }
    return "NoneType";
}

/* --------------------------------------------------------------- writer */

static void mlf__put_u(mlf_buf *buf, uint32_t u)
{
    char e[6] = {'\\',
                 'u',
                 mlf_text_hex_lower[(u >> 12) & 15],
                 mlf_text_hex_lower[(u >> 8) & 15],
                 mlf_text_hex_lower[(u >> 4) & 15],
                 mlf_text_hex_lower[u & 15]};
    mlf_buf_append(buf, e, 6);
}

/*
 * Python's json string escaping; ascii selects ensure_ascii. Bytes that are
 * not UTF-8 (possible in stored data, never in parsed input) become U+FFFD so
 * the output stays valid JSON.
 */
static void mlf__write_str(mlf_buf *buf, const char *str, size_t len, bool ascii)
{
    const unsigned char *s = (const unsigned char *)str;
    mlf_buf_reserve(buf, len + 2);
    mlf_buf_putc(buf, '"');
    size_t i = 0, run = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            i++;
            continue;
        }
        if (c == 0x7F && !ascii) {
            i++;
            continue;
        }
        if (c >= 0x80 && !ascii) {
            size_t bad = 0;
            size_t n = mlf_text_utf8_len((const char *)s + i, len - i, 0, &bad);
            if (n > 0) {
                i += n;
                continue;
            }
        }
        if (i > run)
            mlf_buf_append(buf, s + run, i - run);
        switch (c) {
        case '"':
            mlf_buf_append(buf, "\\\"", 2);
            i++;
            break;
        case '\\':
            mlf_buf_append(buf, "\\\\", 2);
            i++;
            break;
        case '\n':
            mlf_buf_append(buf, "\\n", 2);
            i++;
            break;
        case '\r':
            mlf_buf_append(buf, "\\r", 2);
            i++;
            break;
        case '\t':
            mlf_buf_append(buf, "\\t", 2);
            i++;
            break;
        case '\b':
            mlf_buf_append(buf, "\\b", 2);
            i++;
            break;
        case '\f':
            mlf_buf_append(buf, "\\f", 2);
            i++;
            break;
        default:
            if (c < 0x80) {
                mlf__put_u(buf, c);
                i++;
            } else {
                size_t n;
                uint32_t cp = mlf_text_utf8_decode((const char *)s + i, len - i, 0, &n);
                if (cp == MLF_TEXT_CP_INVALID) {
                    size_t bad = 0;
                    (void)mlf_text_utf8_len((const char *)s + i, len - i, 0, &bad);
                    if (ascii)
                        mlf__put_u(buf, 0xFFFD);
                    else
                        mlf_buf_append(buf, "\xEF\xBF\xBD", 3);
                    i += bad;
                } else {
                    if (cp >= 0x10000) {
                        cp -= 0x10000;
                        mlf__put_u(buf, 0xD800 + (cp >> 10));
                        mlf__put_u(buf, 0xDC00 + (cp & 0x3FF));
                    } else {
                        mlf__put_u(buf, cp);
                    }
                    i += n;
                }
            }
            break;
        }
        run = i;
    }
    if (i > run)
        mlf_buf_append(buf, s + run, i - run);
    mlf_buf_putc(buf, '"');
}

void mlf_json_write_string(mlf_buf *buf, const char *s, size_t len)
{
    mlf__write_str(buf, s, len, false);
}

void mlf_json_write_string_ascii(mlf_buf *buf, const char *s, size_t len)
{
    mlf__write_str(buf, s, len, true);
}

/* src/json/dtoa.cc: double-conversion's shortest round-trip digits */
int mlf__dtoa_shortest(double v, char *digits, int cap, int *ret_len, int *ret_point);

/* The shortest digits that round-trip (Python's repr), d finite and > 0; value = d1.d2d3... x 10^exp10. */
static void mlf__shortest(double d, char *digits, int *n, int *exp10)
{
    int point = 0;
    mlf__dtoa_shortest(d, digits, 24, n, &point);
    *exp10 = point - 1;
}

/*
 * Fast path for the common short values: d == N / 10^k with k <= 8 decimals
 * is tried for increasing k. Keeping |N| below 2^50 makes llround(d * 10^k)
 * the nearest k-decimal for sure, and N / 10^k (one correctly rounded
 * division) reads back exactly as strtod would; the first k that gives d back
 * is the shortest repr. Values Python writes with an exponent are left to
 * the general path.
 */
static bool mlf__write_short_double(mlf_buf *buf, double d)
{
    static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
    double a = fabs(d);
    if (!(a >= 1e-4 && a < 1125899906842624.0)) /* 2^50 */
        return false;
    for (int k = 0; k <= 8; k++) {
        double t = a * pow10[k];
        if (t >= 1125899906842624.0)
            return false;
        long long n = (long long)(t + 0.5); /* t >= 0: llround without the libm call */
        if ((double)n / pow10[k] != a)
            continue;
        char tmp[40];
        char *e = tmp + sizeof(tmp), *p = e;
        long long ip = n, frac = 0;
        if (k > 0) {
            long long div = (long long)pow10[k];
            ip = n / div;
            frac = n % div;
            for (int i = 0; i < k; i++, frac /= 10)
                *--p = (char)('0' + frac % 10);
        } else {
            *--p = '0';
        }
        *--p = '.';
        do {
            *--p = (char)('0' + ip % 10);
            ip /= 10;
        } while (ip > 0);
        if (signbit(d))
            *--p = '-';
        mlf_buf_append(buf, p, (size_t)(e - p));
        return true;
    }
    return false;
}

void mlf_json_write_double(mlf_buf *buf, double d)
{
    if (mlf__write_short_double(buf, d))
        return;
    if (isnan(d)) {
        mlf_buf_puts(buf, "NaN");
        return;
    }
    if (isinf(d)) {
        mlf_buf_puts(buf, d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    char out[64];
    int k = 0;
    if (signbit(d)) {
        out[k++] = '-';
        d = -d;
    }
    if (d == 0) {
        memcpy(out + k, "0.0", 3);
        mlf_buf_append(buf, out, (size_t)k + 3);
        return;
    }
    char digits[24];
    int n, e;
    mlf__shortest(d, digits, &n, &e);
    if (e >= -4 && e < 16) {
        if (e >= 0) {
            for (int i = 0; i <= e; i++)
                out[k++] = i < n ? digits[i] : '0';
            out[k++] = '.';
            if (n > e + 1) {
                for (int i = e + 1; i < n; i++)
                    out[k++] = digits[i];
            } else {
                out[k++] = '0';
            }
        } else {
            out[k++] = '0';
            out[k++] = '.';
            for (int i = 0; i < -e - 1; i++)
                out[k++] = '0';
            for (int i = 0; i < n; i++)
                out[k++] = digits[i];
        }
    } else {
        out[k++] = digits[0];
        if (n > 1) {
            out[k++] = '.';
            for (int i = 1; i < n; i++)
                out[k++] = digits[i];
        }
        k += snprintf(out + k, sizeof(out) - (size_t)k, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    }
    mlf_buf_append(buf, out, (size_t)k);
}

static void mlf__write(mlf_buf *buf, const mlf_json *v, int depth)
{
    if (v == NULL || depth > MLF__WRITE_MAX_DEPTH) {
        mlf_buf_puts(buf, "null");
        return;
    }
    switch (v->type) {
    case MLF_JSON_NULL:
        mlf_buf_puts(buf, "null");
        break;
    case MLF_JSON_BOOL:
        mlf_buf_puts(buf, v->boolean ? "true" : "false");
        break;
    case MLF_JSON_NUMBER:
        if (v->text != NULL && v->len > 0)
            mlf_buf_append(buf, v->text, v->len);
        else
            mlf_json_write_double(buf, v->number);
        break;
    case MLF_JSON_STRING:
        mlf__write_str(buf, v->text ? v->text : "", v->text ? v->len : 0, false);
        break;
    case MLF_JSON_ARRAY:
        mlf_buf_putc(buf, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                mlf_buf_putc(buf, ',');
            mlf__write(buf, v->items[i], depth + 1);
        }
        mlf_buf_putc(buf, ']');
        break;
    case MLF_JSON_OBJECT:
        mlf_buf_putc(buf, '{');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                mlf_buf_putc(buf, ',');
            mlf__write_str(buf, v->keys[i], strlen(v->keys[i]), false);
            mlf_buf_putc(buf, ':');
            mlf__write(buf, v->items[i], depth + 1);
        }
        mlf_buf_putc(buf, '}');
        break;
    }
}

void mlf_json_write(mlf_buf *buf, const mlf_json *v)
{
    mlf__write(buf, v, 0);
}

/* qsort has no context pointer: sort (key, index) pairs instead */
typedef struct mlf__sorted {
    const char *key;
    size_t idx;
} mlf__sorted;

static int mlf__cmp_sorted(const void *a, const void *b)
{
    const mlf__sorted *x = a, *y = b;
    /* strcmp on UTF-8 orders by code point, as Python sorts str keys */
    int c = strcmp(x->key, y->key);
    return c ? c : (x->idx < y->idx ? -1 : (x->idx > y->idx));
}

/* json.dumps with ensure_ascii; flags: MLF_JSON_DUMPS_SORT_KEYS, MLF_JSON_DUMPS_COMPACT (separators "," ":") */
static void mlf__write_py(mlf_buf *buf, const mlf_json *v, unsigned flags, int depth)
{
    if (v == NULL || depth > MLF__WRITE_MAX_DEPTH) {
        mlf_buf_puts(buf, "null");
        return;
    }
    const char *item_sep = flags & MLF_JSON_DUMPS_COMPACT ? "," : ", ";
    const char *key_sep = flags & MLF_JSON_DUMPS_COMPACT ? ":" : ": ";
    switch (v->type) {
    case MLF_JSON_NUMBER:
        if (mlf_json_is_int(v)) {
            /* Python's int: "-0" is 0 */
            if (v->len == 2 && v->text[0] == '-' && v->text[1] == '0')
                mlf_buf_putc(buf, '0');
            else
                mlf_buf_append(buf, v->text, v->len);
        } else {
            mlf_json_write_double(buf, v->number);
        }
        break;
    case MLF_JSON_STRING:
        mlf__write_str(buf, v->text ? v->text : "", v->text ? v->len : 0, true);
        break;
    case MLF_JSON_ARRAY:
        mlf_buf_putc(buf, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                mlf_buf_puts(buf, item_sep);
            mlf__write_py(buf, v->items[i], flags, depth + 1);
        }
        mlf_buf_putc(buf, ']');
        break;
    case MLF_JSON_OBJECT: {
        mlf__sorted stack_ix[16];
        mlf__sorted *ix = v->n <= 16 ? stack_ix : MLF_NEW_ARRAY(buf->pool, mlf__sorted, v->n);
        for (size_t i = 0; i < v->n; i++) {
            ix[i].key = v->keys[i];
            ix[i].idx = i;
        }
        if (v->n > 1 && (flags & MLF_JSON_DUMPS_SORT_KEYS))
            qsort(ix, v->n, sizeof(*ix), mlf__cmp_sorted);
        mlf_buf_putc(buf, '{');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                mlf_buf_puts(buf, item_sep);
            size_t klen = v->key_lens != NULL ? v->key_lens[ix[i].idx] : strlen(ix[i].key);
            mlf__write_str(buf, ix[i].key, klen, true);
            mlf_buf_puts(buf, key_sep);
            mlf__write_py(buf, v->items[ix[i].idx], flags, depth + 1);
        }
        mlf_buf_putc(buf, '}');
        break;
    }
    default:
        mlf__write(buf, v, depth);
        break;
    }
}

void mlf_json_write_python(mlf_buf *buf, const mlf_json *v)
{
    mlf__write_py(buf, v, MLF_JSON_DUMPS_SORT_KEYS | MLF_JSON_DUMPS_COMPACT, 0);
}

void mlf_json_write_dumps(mlf_buf *buf, const mlf_json *v, unsigned flags)
{
    mlf__write_py(buf, v, flags, 0);
}
