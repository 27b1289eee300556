/*
 * ast.literal_eval() for the "( ... )" list of an IN / NOT IN comparison, as
 * MLflow's _parse_list_from_sql_token runs it: a small Python expression
 * parser that tells a SyntaxError (MLflow: "ill-formed list") from a valid
 * expression that is not a literal (a ValueError that MLflow lets escape),
 * and evaluates literals far enough to build repr() of the resulting tuple.
 *
 * Not covered (they count as SyntaxError): comprehensions, generator
 * expressions, and \N{...} escapes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "search/pyutil.h"
#include "store/pystr.h"

typedef enum mlf__pv_kind {
    MLF__PV_STR,
    MLF__PV_BYTES,
    MLF__PV_INT,
    MLF__PV_FLOAT,
    MLF__PV_IMAG,
    MLF__PV_BOOL,
    MLF__PV_NONE,
    MLF__PV_ELLIPSIS,
    MLF__PV_TUPLE,
    MLF__PV_LIST,
    MLF__PV_SET,
    MLF__PV_DICT,
    MLF__PV_NONLITERAL, /* valid syntax, not a literal: ValueError */
} mlf__pv_kind;

typedef struct mlf__pv {
    mlf__pv_kind kind;
    char *text; /* str/bytes contents (UTF-8 / raw), int decimal digits with sign */
    size_t len;
    double num;  /* float; the imaginary part of a complex; bool as 0/1 */
    double real; /* the real part of a complex */
    bool from_unary;    /* the value of a UnaryOp, not a Constant */
    bool starred;       /* a *item */
    struct mlf__pv **items; /* tuple/list/set; dict as key, value pairs */
    size_t n;
} mlf__pv;

typedef struct mlf__pp {
    mlf_pool *pool;
    const char *s;
    size_t len, i;
    int depth;
    bool syntax_error;
} mlf__pp;

static mlf__pv *mlf__pv_new(mlf__pp *p, mlf__pv_kind kind)
{
    mlf__pv *v = MLF_NEW(p->pool, mlf__pv);
    v->kind = kind;
    return v;
}

static mlf__pv *mlf__fail(mlf__pp *p)
{
    p->syntax_error = true;
    return NULL;
}

/* ---------------------------------------------------------------- */
/* Lexical helpers                                                  */
/* ---------------------------------------------------------------- */

/* Skips blanks, newlines (we are always inside brackets), comments and
 * backslash continuations; a stray backslash is a syntax error. */
static void mlf__skip(mlf__pp *p)
{
    while (p->i < p->len) {
        char c = p->s[p->i];
        if (c == ' ' || c == '\t' || c == '\f' || c == '\n' || c == '\r')
            p->i++;
        else if (c == '#') {
            while (p->i < p->len && p->s[p->i] != '\n' && p->s[p->i] != '\r')
                p->i++;
        } else if (c == '\\') {
            if (p->i + 1 < p->len && p->s[p->i + 1] == '\n')
                p->i += 2;
            else if (p->i + 2 < p->len && p->s[p->i + 1] == '\r' && p->s[p->i + 2] == '\n')
                p->i += 3;
            else if (p->i + 1 < p->len && p->s[p->i + 1] == '\r')
                p->i += 2;
            else {
                p->syntax_error = true;
                return;
            }
        } else
            break;
    }
}

static bool mlf__id_start(uint32_t c)
{
    return c == '_' ||
           (c < 0x80 ? ((c | 32) >= 'a' && (c | 32) <= 'z') : (mlf_pystr_is_word_char(c) && !mlf_pystr_is_decimal(c)));
}

static bool mlf__id_cont(uint32_t c)
{
    return c == '_' ||
           (c < 0x80 ? ((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9') : mlf_pystr_is_word_char(c));
}

/* An identifier at p->i: its length (0 if none). */
static size_t mlf__ident_len(const mlf__pp *p, size_t at)
{
    size_t j = at, cl;
    if (j >= p->len || !mlf__id_start(mlf_text_utf8_decode(p->s + j, p->len - j, MLF_TEXT_UTF8_SURROGATES, &cl)))
        return 0;
    j += cl;
    while (j < p->len && mlf__id_cont(mlf_text_utf8_decode(p->s + j, p->len - j, MLF_TEXT_UTF8_SURROGATES, &cl)))
        j += cl;
    return j - at;
}

static bool mlf__peek_word(mlf__pp *p, const char *w)
{
    mlf__skip(p);
    size_t n = mlf__ident_len(p, p->i);
    return n == strlen(w) && memcmp(p->s + p->i, w, n) == 0;
}

static bool mlf__eat_word(mlf__pp *p, const char *w)
{
    if (!mlf__peek_word(p, w))
        return false;
    p->i += strlen(w);
    return true;
}

static bool mlf__is_pykeyword(const char *s, size_t n)
{
    static const char *const kws[] = {"False", "None",   "True",    "and",      "as",     "assert", "async",
                                      "await", "break",  "class",   "continue", "def",    "del",    "elif",
                                      "else",  "except", "finally", "for",      "from",   "global", "if",
                                      "import", "in",    "is",      "lambda",   "nonlocal", "not",  "or",
                                      "pass",  "raise",  "return",  "try",      "while",  "with",   "yield",
                                      NULL};
    for (int k = 0; kws[k]; k++)
        if (strlen(kws[k]) == n && memcmp(kws[k], s, n) == 0)
            return true;
    return false;
}

/* Operator at p->i (after skipping): returns true and consumes op if it
 * matches exactly (longest-match aware for the given candidates). */
static bool mlf__peek_op(mlf__pp *p, const char *op)
{
    mlf__skip(p);
    size_t n = strlen(op);
    if (p->len - p->i < n || memcmp(p->s + p->i, op, n) != 0)
        return false;
    /* do not split longer operators: "*" must not match "**", "<" not "<=" ... */
    static const char *const longer[] = {"**=", "//=", ">>=", "<<=", "**", "//", ">>", "<<", "<=", ">=", "==", "!=",
                                         "->", ":=",  "+=",  "-=",  "*=", "/=", "%=", "&=", "|=", "^=", "@=", "...",
                                         NULL};
    for (int k = 0; longer[k]; k++) {
        size_t ln = strlen(longer[k]);
        if (ln > n && p->len - p->i >= ln && memcmp(p->s + p->i, longer[k], ln) == 0 && memcmp(longer[k], op, n) == 0)
            return false;
    }
    return true;
}

static bool mlf__eat_op(mlf__pp *p, const char *op)
{
    if (!mlf__peek_op(p, op))
        return false;
    p->i += strlen(op);
    return true;
}

/* ---------------------------------------------------------------- */
/* Literals                                                         */
/* ---------------------------------------------------------------- */

/* One string literal (prefix already read) into out; false on syntax error. */
static bool mlf__string_body(mlf__pp *p, bool raw, bool bytes, mlf_buf *out)
{
    char q = p->s[p->i];
    bool triple = p->len - p->i >= 3 && p->s[p->i + 1] == q && p->s[p->i + 2] == q;
    p->i += triple ? 3 : 1;
    for (;;) {
        if (p->i >= p->len)
            return false;
        char c = p->s[p->i];
        if (c == q) {
            if (!triple) {
                p->i++;
                return true;
            }
            if (p->len - p->i >= 3 && p->s[p->i + 1] == q && p->s[p->i + 2] == q) {
                p->i += 3;
                return true;
            }
        }
        if (!triple && (c == '\n' || c == '\r'))
            return false;
        if (bytes && (unsigned char)c >= 0x80)
            return false;
        if (c != '\\') {
            size_t cl;
            (void)mlf_text_utf8_decode(p->s + p->i, p->len - p->i, MLF_TEXT_UTF8_SURROGATES, &cl);
            mlf_buf_append(out, p->s + p->i, cl);
            p->i += cl;
            continue;
        }
        /* backslash */
        if (p->i + 1 >= p->len)
            return false;
        char e = p->s[p->i + 1];
        if (raw) {
            /* kept as is; \<quote> does not end the literal */
            mlf_buf_putc(out, '\\');
            size_t cl;
            (void)mlf_text_utf8_decode(p->s + p->i + 1, p->len - (p->i + 1), MLF_TEXT_UTF8_SURROGATES, &cl);
            if (bytes && (unsigned char)e >= 0x80)
                return false;
            mlf_buf_append(out, p->s + p->i + 1, cl);
            p->i += 1 + cl;
            continue;
        }
        p->i += 2;
        switch (e) {
        case '\n':
            break;
        case '\r':
            if (p->i < p->len && p->s[p->i] == '\n')
                p->i++;
            break;
        case '\\': mlf_buf_putc(out, '\\'); break;
        case '\'': mlf_buf_putc(out, '\''); break;
        case '"': mlf_buf_putc(out, '"'); break;
        case 'a': mlf_buf_putc(out, '\a'); break;
        case 'b': mlf_buf_putc(out, '\b'); break;
        case 'f': mlf_buf_putc(out, '\f'); break;
        case 'n': mlf_buf_putc(out, '\n'); break;
        case 'r': mlf_buf_putc(out, '\r'); break;
        case 't': mlf_buf_putc(out, '\t'); break;
        case 'v': mlf_buf_putc(out, '\v'); break;
        case 'x': {
            int h1 = p->i < p->len ? mlf_text_hex_value(p->s[p->i]) : -1;
            int h2 = p->i + 1 < p->len ? mlf_text_hex_value(p->s[p->i + 1]) : -1;
            if (h1 < 0 || h2 < 0)
                return false;
            p->i += 2;
            if (bytes)
                mlf_buf_putc(out, (char)(h1 * 16 + h2));
            else
                mlf_text_utf8_put(out, (uint32_t)(h1 * 16 + h2));
            break;
        }
        case 'u':
        case 'U':
            if (bytes) {
                mlf_buf_putc(out, '\\');
                mlf_buf_putc(out, e);
                break;
            } else {
                int nd = e == 'u' ? 4 : 8;
                uint32_t cp = 0;
                for (int k = 0; k < nd; k++) {
                    int h = p->i < p->len ? mlf_text_hex_value(p->s[p->i]) : -1;
                    if (h < 0)
                        return false;
                    cp = cp * 16 + (uint32_t)h;
                    p->i++;
                }
                if (cp > 0x10FFFF)
                    return false;
                mlf_text_utf8_put(out, cp);
            }
            break;
        case 'N':
            if (bytes) {
                mlf_buf_puts(out, "\\N");
                break;
            }
            return false; /* named escapes need Unicode's name table */
        default:
            if (e >= '0' && e <= '7') {
                uint32_t v = (uint32_t)(e - '0');
                for (int k = 0; k < 2 && p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '7'; k++)
                    v = v * 8 + (uint32_t)(p->s[p->i++] - '0');
                if (bytes)
                    mlf_buf_putc(out, (char)(v & 0xFF));
                else
                    mlf_text_utf8_put(out, v);
            } else {
                /* unknown escape: kept with its backslash */
                mlf_buf_putc(out, '\\');
                p->i--;
                size_t cl;
                (void)mlf_text_utf8_decode(p->s + p->i, p->len - p->i, MLF_TEXT_UTF8_SURROGATES, &cl);
                if (bytes && (unsigned char)e >= 0x80)
                    return false;
                mlf_buf_append(out, p->s + p->i, cl);
                p->i += cl;
            }
        }
    }
}

/* String prefix at p->i followed by a quote: sets flags and length. */
static bool mlf__string_prefix(const mlf__pp *p, size_t *plen, bool *raw, bool *bytes, bool *fstr)
{
    size_t j = p->i;
    *raw = *bytes = *fstr = false;
    bool u = false;
    while (j < p->len && j - p->i < 3) {
        char c = (char)(p->s[j] | 32);
        if (c == 'r' && !*raw)
            *raw = true;
        else if (c == 'b' && !*bytes && !*fstr && !u)
            *bytes = true;
        else if (c == 'f' && !*fstr && !*bytes && !u)
            *fstr = true;
        else if (c == 'u' && j == p->i && !u)
            u = true;
        else
            break;
        j++;
    }
    if (u && (*raw || j - p->i > 1))
        return false;
    if (j < p->len && (p->s[j] == '\'' || p->s[j] == '"')) {
        *plen = j - p->i;
        return true;
    }
    return false;
}

static bool mlf__is_digit_c(char c)
{
    return c >= '0' && c <= '9';
}

/* Digits with single underscores between them; returns the end. */
static size_t mlf__digits(const mlf__pp *p, size_t j, int base, mlf_buf *out)
{
    size_t start = j;
    for (;;) {
        if (j >= p->len)
            break;
        char c = p->s[j];
        int v = mlf_text_hex_value(c);
        if (v >= 0 && v < base && !(base <= 10 && !mlf__is_digit_c(c))) {
            if (out)
                mlf_buf_putc(out, c);
            j++;
        } else if (c == '_' && j > start && j + 1 < p->len) {
            int v2 = mlf_text_hex_value(p->s[j + 1]);
            if (v2 < 0 || v2 >= base || (base <= 10 && !mlf__is_digit_c(p->s[j + 1])))
                return (size_t)-1;
            j++;
        } else
            break;
    }
    return j;
}

/* Converts digits in base to a decimal string (arbitrary size). */
static char *mlf__to_decimal(mlf_pool *pool, const char *digits, int base)
{
    size_t n = strlen(digits);
    uint32_t *limbs = MLF_NEW_ARRAY(pool, uint32_t, n + 1); /* base 1e9, little endian */
    size_t nl = 1;
    limbs[0] = 0;
    for (size_t k = 0; k < n; k++) {
        uint64_t carry = (uint64_t)mlf_text_hex_value(digits[k]);
        for (size_t l = 0; l < nl; l++) {
            uint64_t v = (uint64_t)limbs[l] * (uint64_t)base + carry;
            limbs[l] = (uint32_t)(v % 1000000000u);
            carry = v / 1000000000u;
        }
        while (carry) {
            limbs[nl++] = (uint32_t)(carry % 1000000000u);
            carry /= 1000000000u;
        }
    }
    mlf_buf b;
    mlf_buf_init(&b, pool, nl * 9 + 1);
    mlf_buf_printf(&b, "%u", limbs[nl - 1]);
    for (size_t l = nl - 1; l-- > 0;)
        mlf_buf_printf(&b, "%09u", limbs[l]);
    return b.data;
}

static mlf__pv *mlf__number(mlf__pp *p)
{
    size_t j = p->i;
    mlf_buf digits;
    mlf_buf_init(&digits, p->pool, 16);
    mlf__pv *v;
    char c1 = j + 1 < p->len ? (char)(p->s[j + 1] | 32) : 0;
    if (p->s[j] == '0' && (c1 == 'x' || c1 == 'o' || c1 == 'b')) {
        int base = c1 == 'x' ? 16 : c1 == 'o' ? 8 : 2;
        j += 2;
        if (j < p->len && p->s[j] == '_')
            j++;
        size_t e = mlf__digits(p, j, base, &digits);
        if (e == (size_t)-1 || e == j)
            return mlf__fail(p);
        j = e;
        v = mlf__pv_new(p, MLF__PV_INT);
        v->text = mlf__to_decimal(p->pool, digits.data, base);
    } else {
        size_t e = mlf__digits(p, j, 10, &digits);
        if (e == (size_t)-1)
            return mlf__fail(p);
        bool is_float = false;
        size_t int_end = e;
        if (e < p->len && p->s[e] == '.') {
            is_float = true;
            mlf_buf_putc(&digits, '.');
            size_t f = mlf__digits(p, e + 1, 10, &digits);
            if (f == (size_t)-1)
                return mlf__fail(p);
            e = f;
        }
        if (int_end == j && (!is_float || e == int_end + 1))
            return mlf__fail(p); /* "." alone */
        if (e < p->len && (p->s[e] | 32) == 'e') {
            size_t x = e + 1;
            mlf_buf_putc(&digits, 'e');
            if (x < p->len && (p->s[x] == '+' || p->s[x] == '-'))
                mlf_buf_putc(&digits, p->s[x++]);
            size_t f = mlf__digits(p, x, 10, &digits);
            if (f != (size_t)-1 && f > x) {
                is_float = true;
                e = f;
            } else
                return mlf__fail(p);
        }
        bool imag = e < p->len && (p->s[e] | 32) == 'j';
        if (imag)
            e++;
        j = e;
        if (imag) {
            v = mlf__pv_new(p, MLF__PV_IMAG);
            v->num = strtod(digits.data, NULL);
        } else if (is_float) {
            v = mlf__pv_new(p, MLF__PV_FLOAT);
            v->num = strtod(digits.data, NULL);
        } else {
            /* leading zeros are only allowed in zero itself */
            const char *d = digits.data;
            bool all_zero = strspn(d, "0") == strlen(d);
            if (d[0] == '0' && !all_zero)
                return mlf__fail(p);
            v = mlf__pv_new(p, MLF__PV_INT);
            v->text = all_zero ? mlf_pool_strdup(p->pool, "0") : mlf_pool_strdup(p->pool, d);
        }
    }
    size_t cl;
    if (j < p->len && mlf__id_cont(mlf_text_utf8_decode(p->s + j, p->len - j, MLF_TEXT_UTF8_SURROGATES, &cl)))
        return mlf__fail(p); /* "invalid decimal literal" */
    p->i = j;
    return v;
}

/* ---------------------------------------------------------------- */
/* Expressions                                                      */
/* ---------------------------------------------------------------- */

static mlf__pv *mlf__test(mlf__pp *p);
static mlf__pv *mlf__binary(mlf__pp *p, int level);

static mlf__pv *mlf__nonliteral(mlf__pp *p)
{
    return mlf__pv_new(p, MLF__PV_NONLITERAL);
}

static void mlf__items_push(mlf__pp *p, mlf__pv ***items, size_t *n, size_t *cap, mlf__pv *v)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        mlf__pv **ni = MLF_NEW_ARRAY(p->pool, mlf__pv *, nc);
        if (*n)
            memcpy(ni, *items, *n * sizeof(*ni));
        *items = ni;
        *cap = nc;
    }
    (*items)[(*n)++] = v;
}

/* Comma-separated tests up to close; *trailing_comma tells "(x,)" from "(x)". */
static bool mlf__test_list(mlf__pp *p, const char *close, mlf__pv ***items, size_t *n, bool *comma)
{
    size_t cap = 0;
    *n = 0;
    *comma = false;
    for (;;) {
        if (mlf__eat_op(p, close))
            return true;
        bool starred = mlf__eat_op(p, "*");
        mlf__pv *v = starred ? mlf__binary(p, 0) : mlf__test(p);
        if (v != NULL && starred) {
            v = mlf__nonliteral(p);
            v->starred = true;
        }
        if (v == NULL)
            return false;
        mlf__items_push(p, items, n, &cap, v);
        if (mlf__eat_op(p, ","))
            *comma = true;
        else if (mlf__eat_op(p, close))
            return true;
        else
            return false;
    }
}

static mlf__pv *mlf__atom(mlf__pp *p)
{
    mlf__skip(p);
    if (p->syntax_error || p->i >= p->len)
        return mlf__fail(p);
    if (++p->depth > 200) /* Python: "too many nested parentheses" */
        return mlf__fail(p);
    mlf__pv *v = NULL;
    char c = p->s[p->i];
    size_t plen;
    bool raw, bytes, fstr;
    if (c == '(' || c == '[') {
        p->i++;
        mlf__pv **items = NULL;
        size_t n;
        bool comma;
        if (!mlf__test_list(p, c == '(' ? ")" : "]", &items, &n, &comma))
            return mlf__fail(p);
        if (c == '(' && n == 1 && !comma && items[0]->starred)
            return mlf__fail(p); /* "(*a)": cannot use starred expression here */
        if (c == '(' && n == 1 && !comma)
            v = items[0];
        else {
            v = mlf__pv_new(p, c == '(' ? MLF__PV_TUPLE : MLF__PV_LIST);
            v->items = items;
            v->n = n;
        }
    } else if (c == '{') {
        p->i++;
        mlf__pv **items = NULL;
        size_t n = 0, cap = 0;
        int is_dict = -1;
        while (!mlf__eat_op(p, "}")) {
            bool starred = is_dict != 1 && mlf__eat_op(p, "*");
            mlf__pv *k = starred ? mlf__binary(p, 0) : mlf__test(p);
            if (k != NULL && starred) {
                k = mlf__nonliteral(p);
                is_dict = 0;
            }
            if (k == NULL)
                return mlf__fail(p);
            mlf__items_push(p, &items, &n, &cap, k);
            if (is_dict != 0 && mlf__eat_op(p, ":")) {
                if (is_dict == -1)
                    is_dict = 1;
                mlf__pv *val = mlf__test(p);
                if (val == NULL)
                    return mlf__fail(p);
                mlf__items_push(p, &items, &n, &cap, val);
            } else if (is_dict == 1)
                return mlf__fail(p);
            else
                is_dict = 0;
            if (!mlf__eat_op(p, ",")) {
                if (!mlf__eat_op(p, "}"))
                    return mlf__fail(p);
                break;
            }
        }
        v = mlf__pv_new(p, is_dict == 0 ? MLF__PV_SET : MLF__PV_DICT);
        v->items = items;
        v->n = n;
    } else if (mlf__string_prefix(p, &plen, &raw, &bytes, &fstr)) {
        mlf_buf out;
        mlf_buf_init(&out, p->pool, 16);
        int kind = -1; /* 0 str, 1 bytes */
        bool any_f = false;
        while (mlf__string_prefix(p, &plen, &raw, &bytes, &fstr)) {
            if (kind != -1 && kind != (int)bytes)
                return mlf__fail(p); /* cannot mix bytes and nonbytes literals */
            kind = bytes;
            any_f |= fstr;
            p->i += plen;
            if (!mlf__string_body(p, raw, bytes, &out))
                return mlf__fail(p);
            mlf__skip(p);
        }
        if (any_f)
            v = mlf__nonliteral(p);
        else {
            v = mlf__pv_new(p, kind ? MLF__PV_BYTES : MLF__PV_STR);
            v->text = out.data;
            v->len = out.len;
        }
    } else if (mlf__is_digit_c(c) || (c == '.' && p->i + 1 < p->len && mlf__is_digit_c(p->s[p->i + 1]))) {
        v = mlf__number(p);
    } else if (mlf__eat_op(p, "...")) {
        v = mlf__pv_new(p, MLF__PV_ELLIPSIS);
    } else {
        size_t n = mlf__ident_len(p, p->i);
        if (n == 0)
            return mlf__fail(p);
        const char *w = p->s + p->i;
        if (n == 4 && memcmp(w, "True", 4) == 0) {
            v = mlf__pv_new(p, MLF__PV_BOOL);
            v->num = 1;
        } else if (n == 5 && memcmp(w, "False", 5) == 0) {
            v = mlf__pv_new(p, MLF__PV_BOOL);
        } else if (n == 4 && memcmp(w, "None", 4) == 0) {
            v = mlf__pv_new(p, MLF__PV_NONE);
        } else if (mlf__is_pykeyword(w, n)) {
            return mlf__fail(p);
        } else {
            v = mlf__nonliteral(p);
            /* set() is the one call literal_eval accepts */
            if (n == 3 && memcmp(w, "set", 3) == 0) {
                size_t save = p->i;
                p->i += 3;
                if (mlf__eat_op(p, "(") && mlf__eat_op(p, ")")) {
                    v = mlf__pv_new(p, MLF__PV_SET);
                    p->depth--;
                    return v;
                }
                p->i = save;
            }
        }
        p->i += n;
    }
    p->depth--;
    return v;
}

static mlf__pv *mlf__factor(mlf__pp *p);

/* atom trailers: calls, subscripts, attributes make it a non-literal */
static mlf__pv *mlf__power(mlf__pp *p)
{
    mlf__pv *v = mlf__atom(p);
    if (v == NULL)
        return NULL;
    for (;;) {
        if (mlf__eat_op(p, "(")) {
            /* call arguments: tests, keyword=test */
            while (!mlf__eat_op(p, ")")) {
                size_t save = p->i;
                size_t n = (mlf__skip(p), mlf__ident_len(p, p->i));
                if (n && !mlf__is_pykeyword(p->s + p->i, n)) {
                    p->i += n;
                    if (!mlf__eat_op(p, "="))
                        p->i = save;
                }
                if (mlf__test(p) == NULL)
                    return mlf__fail(p);
                if (!mlf__eat_op(p, ",")) {
                    if (!mlf__eat_op(p, ")"))
                        return mlf__fail(p);
                    break;
                }
            }
            v = mlf__nonliteral(p);
        } else if (mlf__eat_op(p, "[")) {
            mlf__pv **items = NULL;
            size_t n;
            bool comma;
            if (!mlf__test_list(p, "]", &items, &n, &comma) || n == 0)
                return mlf__fail(p);
            v = mlf__nonliteral(p);
        } else if (mlf__eat_op(p, ".")) {
            mlf__skip(p);
            size_t n = mlf__ident_len(p, p->i);
            if (n == 0 || mlf__is_pykeyword(p->s + p->i, n))
                return mlf__fail(p);
            p->i += n;
            v = mlf__nonliteral(p);
        } else
            break;
    }
    if (mlf__eat_op(p, "**")) {
        if (mlf__factor(p) == NULL)
            return NULL;
        v = mlf__nonliteral(p);
    }
    return v;
}

static mlf__pv *mlf__factor(mlf__pp *p)
{
    bool plus = mlf__peek_op(p, "+"), minus = mlf__peek_op(p, "-"), inv = mlf__peek_op(p, "~");
    if (!(plus || minus || inv))
        return mlf__power(p);
    p->i++;
    if (++p->depth > 200)
        return mlf__fail(p);
    mlf__pv *o = mlf__factor(p);
    p->depth--;
    if (o == NULL)
        return NULL;
    /* literal_eval's _convert_signed_num: + or - directly on an int, float or
     * complex constant (not a bool, not another sign) */
    if (inv || o->from_unary)
        return mlf__nonliteral(p);
    mlf__pv *v = mlf__pv_new(p, o->kind);
    v->from_unary = true;
    switch (o->kind) {
    case MLF__PV_INT:
        v->text = (minus && strcmp(o->text, "0") != 0) ? mlf_pool_sprintf(p->pool, "-%s", o->text) : o->text;
        return v;
    case MLF__PV_FLOAT:
        v->num = minus ? -o->num : o->num;
        return v;
    case MLF__PV_IMAG:
        v->num = minus ? -o->num : o->num;
        v->real = minus ? -o->real : o->real;
        return v;
    default:
        return mlf__nonliteral(p);
    }
}

/* Binary operator levels, loosest first; all make a non-literal here. */
static const char *const *const mlf__binops[] = {
    (const char *const[]){"|", NULL},
    (const char *const[]){"^", NULL},
    (const char *const[]){"&", NULL},
    (const char *const[]){"<<", ">>", NULL},
    (const char *const[]){"+", "-", NULL},
    (const char *const[]){"*", "/", "//", "%", "@", NULL},
};

static mlf__pv *mlf__binary(mlf__pp *p, int level)
{
    if (level == 6)
        return mlf__factor(p);
    mlf__pv *v = mlf__binary(p, level + 1);
    if (v == NULL)
        return NULL;
    for (bool first = true;; first = false) {
        int found = -1;
        for (int k = 0; mlf__binops[level][k]; k++)
            if (mlf__eat_op(p, mlf__binops[level][k])) {
                found = k;
                break;
            }
        if (found < 0)
            return v;
        mlf__pv *r = mlf__binary(p, level + 1);
        if (r == NULL)
            return NULL;
        /* literal_eval's one BinOp: a (signed) int or float plus or minus an
         * imaginary constant, e.g. 1+2j */
        if (level == 4 && first && (v->kind == MLF__PV_INT || v->kind == MLF__PV_FLOAT) && r->kind == MLF__PV_IMAG &&
            !r->from_unary) {
            double left = v->kind == MLF__PV_INT ? strtod(v->text, NULL) : v->num;
            mlf__pv *c = mlf__pv_new(p, MLF__PV_IMAG);
            c->from_unary = true; /* a BinOp: no further sign or sum applies */
            c->real = found == 0 ? left + r->real : left - r->real;
            c->num = found == 0 ? 0.0 + r->num : 0.0 - r->num;
            v = c;
            continue;
        }
        v = mlf__nonliteral(p);
    }
}

static mlf__pv *mlf__comparison(mlf__pp *p)
{
    mlf__pv *v = mlf__binary(p, 0);
    if (v == NULL)
        return NULL;
    for (;;) {
        static const char *const ops[] = {"<", ">", "==", ">=", "<=", "!=", NULL};
        bool found = false;
        for (int k = 0; ops[k]; k++)
            if (mlf__eat_op(p, ops[k]))
                found = true;
        if (!found && mlf__eat_word(p, "in"))
            found = true;
        if (!found && mlf__peek_word(p, "not")) {
            size_t save = p->i;
            p->i += 3;
            if (mlf__eat_word(p, "in"))
                found = true;
            else
                p->i = save;
        }
        if (!found && mlf__eat_word(p, "is")) {
            (void)mlf__eat_word(p, "not");
            found = true;
        }
        if (!found)
            return v;
        if (mlf__binary(p, 0) == NULL)
            return NULL;
        v = mlf__nonliteral(p);
    }
}

static mlf__pv *mlf__not_test(mlf__pp *p)
{
    if (mlf__eat_word(p, "not")) {
        if (++p->depth > 200)
            return mlf__fail(p);
        mlf__pv *v = mlf__not_test(p);
        p->depth--;
        return v ? mlf__nonliteral(p) : NULL;
    }
    return mlf__comparison(p);
}

static mlf__pv *mlf__test(mlf__pp *p)
{
    if (mlf__eat_word(p, "lambda")) {
        /* parameters: [*|**]name[=default], ... then ':' body */
        while (!mlf__eat_op(p, ":")) {
            (void)(mlf__eat_op(p, "**") || mlf__eat_op(p, "*") || mlf__eat_op(p, "/"));
            mlf__skip(p);
            size_t n = mlf__ident_len(p, p->i);
            if (n && !mlf__is_pykeyword(p->s + p->i, n)) {
                p->i += n;
                if (mlf__eat_op(p, "=") && mlf__test(p) == NULL)
                    return mlf__fail(p);
            }
            if (!mlf__eat_op(p, ",")) {
                if (!mlf__eat_op(p, ":"))
                    return mlf__fail(p);
                break;
            }
        }
        return mlf__test(p) ? mlf__nonliteral(p) : NULL;
    }
    mlf__pv *v = mlf__not_test(p);
    if (v == NULL)
        return NULL;
    for (;;) {
        if (mlf__eat_word(p, "and") || mlf__eat_word(p, "or")) {
            if (mlf__not_test(p) == NULL)
                return NULL;
            v = mlf__nonliteral(p);
        } else if (mlf__eat_word(p, "if")) {
            if (mlf__test(p) == NULL || !mlf__eat_word(p, "else") || mlf__test(p) == NULL)
                return mlf__fail(p);
            return mlf__nonliteral(p);
        } else if (mlf__eat_op(p, ":=")) {
            if (mlf__test(p) == NULL)
                return NULL;
            return mlf__nonliteral(p);
        } else
            return v;
    }
}

/* ---------------------------------------------------------------- */
/* repr                                                             */
/* ---------------------------------------------------------------- */

static bool mlf__has_nonliteral(const mlf__pv *v)
{
    if (v->kind == MLF__PV_NONLITERAL)
        return true;
    for (size_t k = 0; k < v->n; k++)
        if (mlf__has_nonliteral(v->items[k]))
            return true;
    return false;
}

static void mlf__repr(mlf_pool *pool, mlf_buf *b, const mlf__pv *v)
{
    switch (v->kind) {
    case MLF__PV_STR:
        mlf_buf_puts(b, mlf_pystr_repr_n(pool, v->text, v->len));
        break;
    case MLF__PV_BYTES:
        mlf_buf_puts(b, mlf_pystr_repr_bytes(pool, v->text, v->len));
        break;
    case MLF__PV_INT:
        mlf_buf_puts(b, v->text);
        break;
    case MLF__PV_FLOAT:
        mlf_buf_puts(b, mlf_pystr_repr_float(pool, v->num));
        break;
    case MLF__PV_IMAG: {
        /* repr(complex): parts without ".0"; the real part only when it is
         * not +0.0 */
        char *im = mlf_pystr_repr_float(pool, v->num);
        size_t il = strlen(im);
        if (il > 2 && strcmp(im + il - 2, ".0") == 0)
            im[il - 2] = '\0';
        if (v->real == 0 && !signbit(v->real)) {
            mlf_buf_printf(b, "%sj", im);
            break;
        }
        char *re = mlf_pystr_repr_float(pool, v->real);
        size_t rl = strlen(re);
        if (rl > 2 && strcmp(re + rl - 2, ".0") == 0)
            re[rl - 2] = '\0';
        mlf_buf_printf(b, "(%s%s%sj)", re, (signbit(v->num) || isnan(v->num)) && im[0] == '-' ? "" : "+", im);
        break;
    }
    case MLF__PV_BOOL:
        mlf_buf_puts(b, v->num ? "True" : "False");
        break;
    case MLF__PV_NONE:
        mlf_buf_puts(b, "None");
        break;
    case MLF__PV_ELLIPSIS:
        mlf_buf_puts(b, "Ellipsis");
        break;
    case MLF__PV_TUPLE:
    case MLF__PV_LIST:
    case MLF__PV_SET: {
        if (v->kind == MLF__PV_SET && v->n == 0) {
            mlf_buf_puts(b, "set()");
            break;
        }
        mlf_buf_putc(b, v->kind == MLF__PV_TUPLE ? '(' : v->kind == MLF__PV_LIST ? '[' : '{');
        for (size_t k = 0; k < v->n; k++) {
            if (k)
                mlf_buf_puts(b, ", ");
            mlf__repr(pool, b, v->items[k]);
        }
        if (v->kind == MLF__PV_TUPLE && v->n == 1)
            mlf_buf_putc(b, ',');
        mlf_buf_putc(b, v->kind == MLF__PV_TUPLE ? ')' : v->kind == MLF__PV_LIST ? ']' : '}');
        break;
    }
    case MLF__PV_DICT:
        mlf_buf_putc(b, '{');
        for (size_t k = 0; k + 1 < v->n; k += 2) {
            if (k)
                mlf_buf_puts(b, ", ");
            mlf__repr(pool, b, v->items[k]);
            mlf_buf_puts(b, ": ");
            mlf__repr(pool, b, v->items[k + 1]);
        }
        mlf_buf_putc(b, '}');
        break;
    case MLF__PV_NONLITERAL:
        break;
    }
}

mlf__pylit_status mlf__py_literal_tuple(mlf_pool *pool, const char *text, const char ***ret_strs, size_t *ret_n,
                                        const char **ret_repr)
{
    mlf__pp p = {pool, text, strlen(text), 0, 0, false};
    while (p.i < p.len && (text[p.i] == ' ' || text[p.i] == '\t')) /* literal_eval's lstrip(" \t") */
        p.i++;
    mlf__pv *v = mlf__test(&p);
    if (v != NULL && !p.syntax_error) {
        mlf__skip(&p);
        if (p.i != p.len || p.syntax_error)
            v = NULL;
    }
    if (v == NULL)
        return MLF__PYLIT_SYNTAX_ERROR;
    if (mlf__has_nonliteral(v))
        return MLF__PYLIT_VALUE_ERROR;
    if (v->kind != MLF__PV_TUPLE) {
        mlf__pv *t = mlf__pv_new(&p, MLF__PV_TUPLE);
        t->items = MLF_NEW_ARRAY(pool, mlf__pv *, 1);
        t->items[0] = v;
        t->n = 1;
        v = t;
    }
    const char **strs = MLF_NEW_ARRAY(pool, const char *, v->n ? v->n : 1);
    bool all_str = true;
    for (size_t k = 0; k < v->n; k++) {
        if (v->items[k]->kind != MLF__PV_STR)
            all_str = false;
        else
            strs[k] = v->items[k]->text;
    }
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    mlf__repr(pool, &b, v);
    *ret_strs = all_str ? strs : NULL;
    *ret_n = v->n;
    *ret_repr = b.data;
    return MLF__PYLIT_OK;
}
