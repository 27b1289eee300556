/*
 * A port of sqlparse 0.5.3's lexer (keywords.SQL_REGEX), StatementSplitter and
 * engine/grouping.py, closely following the Python so that the token tree,
 * and therefore MLflow's verdicts and error messages, come out the same.
 * sqlparse is BSD-3-Clause, copyright the sqlparse authors.
 *
 * Known approximations: Python's Unicode classes (\w, \s, \d, case folding)
 * are approximated for non-ASCII text (ASCII digits only for \d); a nesting
 * depth past MLF__MAX_DEPTH stands for Python's RecursionError.
 */
#include "search/sqlparse.h"

#include "core/text.h"
#include "store/pystr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MLF__MAX_DEPTH 900

typedef struct mlf__kw {
    const char *word;
    mlf__tt tt;
} mlf__kw;

static const mlf__kw mlf__keywords[] = {
#include "search/sql_keywords.inc"
};

/* ------------------------------------------------------------------ */
/* Characters                                                          */
/* ------------------------------------------------------------------ */

typedef struct mlf__lx {
    const char *s;
    size_t len;
    mlf_pool *pool;
    /* scratch for mlf__lex_quoted, allocated once per parse */
    size_t *stack_pos;
    unsigned char *stack_alt;
    unsigned char *dead;
} mlf__lx;

static uint32_t mlf__cp(const mlf__lx *lx, size_t i, size_t *clen)
{
    return mlf_text_utf8_decode(lx->s + i, lx->len - i, MLF_TEXT_UTF8_SURROGATES, clen);
}

/* The code point before i, or 0xFFFFFFFE at the start. */
static uint32_t mlf__cp_before(const mlf__lx *lx, size_t i)
{
    if (i == 0)
        return 0xFFFFFFFEu;
    size_t j = i - 1;
    for (int k = 0; k < 3 && j > 0 && (((unsigned char)lx->s[j]) & 0xC0) == 0x80; k++)
        j--;
    size_t clen;
    uint32_t cp = mlf__cp(lx, j, &clen);
    return j + clen == i ? cp : MLF_TEXT_CP_INVALID;
}

#define mlf__is_s mlf_pystr_is_space
#define mlf__is_w mlf_pystr_is_word_char

/* [A-ZÀ-Ü] under re.IGNORECASE (as Python 3.11 matches it). */
static bool mlf__is_letter(uint32_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= 0xC0 && c <= 0xDC) || (c >= 0xE0 && c <= 0xF6) ||
           (c >= 0xF8 && c <= 0xFC) || c == 0x130 || c == 0x131 || c == 0x17F || c == 0x212A || c == 0x212B;
}

static uint32_t mlf__at(const mlf__lx *lx, size_t i, size_t *clen)
{
    if (i >= lx->len) {
        *clen = 0;
        return 0xFFFFFFFEu;
    }
    return mlf__cp(lx, i, clen);
}

static bool mlf__w_at(const mlf__lx *lx, size_t i)
{
    size_t n;
    return i < lx->len && mlf__is_w(mlf__at(lx, i, &n));
}

/* End of a \s* run starting at i. */
static size_t mlf__ws_run(const mlf__lx *lx, size_t i)
{
    size_t n;
    while (i < lx->len && mlf__is_s(mlf__at(lx, i, &n)))
        i += n;
    return i;
}

/* End of a \w* run starting at i. */
static size_t mlf__w_run(const mlf__lx *lx, size_t i)
{
    size_t n;
    while (i < lx->len && mlf__is_w(mlf__at(lx, i, &n)))
        i += n;
    return i;
}

/* \d at i: its byte length, or 0. */
static size_t mlf__d_at(const mlf__lx *lx, size_t i)
{
    size_t n;
    return i < lx->len && mlf_pystr_is_decimal(mlf__at(lx, i, &n)) ? n : 0;
}

/* End of a \d* run starting at i; *last gets the start of its last digit. */
static size_t mlf__digit_run2(const mlf__lx *lx, size_t i, size_t *last)
{
    size_t n;
    *last = i;
    while ((n = mlf__d_at(lx, i)) > 0) {
        *last = i;
        i += n;
    }
    return i;
}

static size_t mlf__digit_run(const mlf__lx *lx, size_t i)
{
    size_t last;
    return mlf__digit_run2(lx, i, &last);
}

/* An upper-case ASCII literal at i under re.IGNORECASE: its end, or 0.
 * Python also folds İ/ı to I, K (Kelvin) to K and ſ to S. */
static size_t mlf__ci(const mlf__lx *lx, size_t i, const char *word)
{
    for (const char *w = word; *w; w++) {
        if (i >= lx->len)
            return 0;
        size_t cl;
        uint32_t c = mlf__cp(lx, i, &cl);
        bool ok = c == (uint32_t)*w || (*w >= 'A' && *w <= 'Z' && c == (uint32_t)(*w + 32)) ||
                  (*w == 'I' && (c == 0x130 || c == 0x131)) || (*w == 'K' && c == 0x212A) || (*w == 'S' && c == 0x17F);
        if (!ok)
            return 0;
        i += cl;
    }
    return i;
}

/* \b after a word character: end of text or a non-word character. */
static bool mlf__boundary(const mlf__lx *lx, size_t i)
{
    return !mlf__w_at(lx, i);
}

/* WORD\b: end or 0. */
static size_t mlf__kw_b(const mlf__lx *lx, size_t i, const char *word)
{
    size_t e = mlf__ci(lx, i, word);
    return e && mlf__boundary(lx, e) ? e : 0;
}

/* \s+WORD (no boundary check): end or 0. */
static size_t mlf__ws_word(const mlf__lx *lx, size_t i, const char *word)
{
    size_t j = mlf__ws_run(lx, i);
    if (j == i)
        return 0;
    return mlf__ci(lx, j, word);
}

/* ------------------------------------------------------------------ */
/* Lexer rules, in SQL_REGEX order                                     */
/* ------------------------------------------------------------------ */

/* (--|# )\+?.*?(\r\n|\r|\n|$) */
static size_t mlf__lex_line_comment(const mlf__lx *lx, size_t i, bool *hint)
{
    if (!(mlf__ci(lx, i, "--") || (lx->len - i >= 2 && lx->s[i] == '#' && lx->s[i + 1] == ' ')))
        return 0;
    *hint = i + 2 < lx->len && lx->s[i + 2] == '+';
    size_t j = i + 2;
    while (j < lx->len && lx->s[j] != '\r' && lx->s[j] != '\n')
        j++;
    if (j < lx->len) {
        if (lx->s[j] == '\r' && j + 1 < lx->len && lx->s[j + 1] == '\n')
            j += 2;
        else
            j += 1;
    }
    return j;
}

/* /\*[\s\S]*?\*\/ (and the /\*+ hint variant) */
static size_t mlf__lex_block_comment(const mlf__lx *lx, size_t i, bool *hint)
{
    if (lx->len - i < 2 || lx->s[i] != '/' || lx->s[i + 1] != '*')
        return 0;
    const char *end = NULL;
    for (size_t j = i + 2; j + 1 < lx->len; j++) {
        if (lx->s[j] == '*' && lx->s[j + 1] == '/') {
            end = lx->s + j + 2;
            break;
        }
    }
    if (end == NULL)
        return 0;
    *hint = lx->s[i + 2] == '+' && (size_t)(end - lx->s) >= i + 5;
    return (size_t)(end - lx->s);
}

/* Python's backtracking for  Q(QQ|\\Q|[^Q])*Q  (escape=true) or
 * Q(QQ|[^Q])*Q (escape=false): the first match in priority order, found by
 * an explicit depth-first search that remembers positions known to fail, so
 * that it stays linear in the text's length. */
static size_t mlf__lex_quoted(mlf__lx *lx, size_t i, const char *q, bool escape)
{
    size_t ql = strlen(q);
    if (lx->len - i < ql || memcmp(lx->s + i, q, ql) != 0)
        return 0;
    if (lx->dead == NULL) {
        lx->stack_pos = MLF_NEW_ARRAY(lx->pool, size_t, lx->len + 2);
        lx->stack_alt = MLF_NEW_ARRAY(lx->pool, unsigned char, lx->len + 2);
        lx->dead = MLF_NEW_ARRAY(lx->pool, unsigned char, lx->len + 2);
    }
    size_t start = i + ql, n = lx->len, far = start;
    size_t *pos = lx->stack_pos;
    unsigned char *alt = lx->stack_alt, *dead = lx->dead;
    size_t result = 0, sp = 1;
    pos[0] = start;
    alt[0] = 0;
    while (sp > 0) {
        size_t p = pos[sp - 1];
        unsigned char a = alt[sp - 1];
        size_t adv = 0;
        /* alternatives: 0 = QQ, 1 = \Q, 2 = any character but Q, 3 = close */
        while (a < 4 && adv == 0) {
            if (a == 0) {
                if (n - p >= 2 * ql && memcmp(lx->s + p, q, ql) == 0 && memcmp(lx->s + p + ql, q, ql) == 0)
                    adv = 2 * ql;
            } else if (a == 1) {
                if (escape && n - p >= 1 + ql && lx->s[p] == '\\' && memcmp(lx->s + p + 1, q, ql) == 0)
                    adv = 1 + ql;
            } else if (a == 2) {
                if (p < n && !(n - p >= ql && memcmp(lx->s + p, q, ql) == 0)) {
                    size_t cl;
                    (void)mlf__cp(lx, p, &cl);
                    adv = cl;
                }
            } else if (n - p >= ql && memcmp(lx->s + p, q, ql) == 0) {
                result = p + ql;
                goto done;
            }
            a++;
        }
        if (adv == 0) {
            dead[p] = 1;
            sp--;
            continue;
        }
        alt[sp - 1] = a;
        size_t np = p + adv;
        if (np > far)
            far = np;
        if (dead[np])
            continue;
        pos[sp] = np;
        alt[sp] = 0;
        sp++;
    }
done:
    memset(dead + start, 0, far - start + 1);
    return result;
}

/* ((?<![\w\"\$])\$(?:[_A-ZÀ-Ü]\w*)?\$)[\s\S]*?\1 */
static size_t mlf__lex_dollar(const mlf__lx *lx, size_t i)
{
    if (lx->s[i] != '$')
        return 0;
    uint32_t b = mlf__cp_before(lx, i);
    if (b != 0xFFFFFFFEu && (mlf__is_w(b) || b == '"' || b == '$'))
        return 0;
    size_t j = i + 1, cl;
    if (j < lx->len && lx->s[j] != '$') {
        uint32_t c = mlf__at(lx, j, &cl);
        if (!(c == '_' || mlf__is_letter(c)))
            return 0;
        j = mlf__w_run(lx, j + cl);
    }
    if (j >= lx->len || lx->s[j] != '$')
        return 0;
    size_t dlen = j + 1 - i;
    /* \1 under IGNORECASE */
    for (size_t k = j + 1; k + dlen <= lx->len; k++) {
        size_t m = 0;
        for (; m < dlen; m++) {
            char x = lx->s[i + m], y = lx->s[k + m];
            if (x >= 'a' && x <= 'z')
                x = (char)(x - 32);
            if (y >= 'a' && y <= 'z')
                y = (char)(y - 32);
            if (x != y)
                break;
        }
        if (m == dlen)
            return k + dlen;
    }
    return 0;
}

/* -?\d+(\.\d+)?E-?\d+ */
static size_t mlf__lex_exp_float(const mlf__lx *lx, size_t i)
{
    size_t j = i;
    if (j < lx->len && lx->s[j] == '-')
        j++;
    size_t d = mlf__digit_run(lx, j);
    if (d == j)
        return 0;
    j = d;
    if (j < lx->len && lx->s[j] == '.' && mlf__d_at(lx, j + 1)) {
        size_t f = mlf__digit_run(lx, j + 1);
        if (f < lx->len && (lx->s[f] == 'e' || lx->s[f] == 'E'))
            j = f;
    }
    if (j >= lx->len || (lx->s[j] != 'e' && lx->s[j] != 'E'))
        return 0;
    j++;
    if (j < lx->len && lx->s[j] == '-' && mlf__d_at(lx, j + 1))
        j++;
    size_t e = mlf__digit_run(lx, j);
    return e == j ? 0 : e;
}

static bool mlf__not_letter_at(const mlf__lx *lx, size_t i)
{
    size_t n;
    if (i >= lx->len)
        return true;
    uint32_t c = mlf__at(lx, i, &n);
    return !(c == '_' || mlf__is_letter(c));
}

/* (?![_A-ZÀ-Ü])-?(\d+(\.\d*)|\.\d+)(?![_A-ZÀ-Ü]) with Python's backtracking:
 * when a letter follows, the last digit is given back. */
static size_t mlf__lex_float(const mlf__lx *lx, size_t i)
{
    size_t j = i, last;
    if (j < lx->len && lx->s[j] == '-')
        j++;
    size_t d = mlf__digit_run(lx, j);
    if (d > j && d < lx->len && lx->s[d] == '.') {
        size_t f = mlf__digit_run2(lx, d + 1, &last);
        if (mlf__not_letter_at(lx, f))
            return f;
        if (f > d + 1)
            return last;
    }
    if (j < lx->len && lx->s[j] == '.') {
        size_t f = mlf__digit_run2(lx, j + 1, &last);
        if (f > j + 1) {
            if (mlf__not_letter_at(lx, f))
                return f;
            if (last > j + 1)
                return last;
        }
    }
    return 0;
}

/* (?![_A-ZÀ-Ü])-?\d+(?![_A-ZÀ-Ü]) */
static size_t mlf__lex_int(const mlf__lx *lx, size_t i)
{
    size_t j = i, last;
    if (j < lx->len && lx->s[j] == '-')
        j++;
    size_t d = mlf__digit_run2(lx, j, &last);
    if (d == j)
        return 0;
    if (mlf__not_letter_at(lx, d))
        return d;
    return last > j ? last : 0;
}

/* ((LEFT\s+|RIGHT\s+|FULL\s+)?(INNER\s+|OUTER\s+|STRAIGHT\s+)?|(CROSS\s+|NATURAL\s+)?)?JOIN\b */
static size_t mlf__lex_join(const mlf__lx *lx, size_t i)
{
    static const char *const a_words[] = {"LEFT", "RIGHT", "FULL", NULL};
    static const char *const b_words[] = {"INNER", "OUTER", "STRAIGHT", NULL};
    static const char *const c_words[] = {"CROSS", "NATURAL", NULL};
    size_t a_opts[2], na = 0;
    for (int k = 0; a_words[k]; k++) {
        size_t e = mlf__ci(lx, i, a_words[k]);
        size_t w = e ? mlf__ws_run(lx, e) : 0;
        if (e && w > e) {
            a_opts[na++] = w;
            break;
        }
    }
    a_opts[na++] = i;
    for (size_t x = 0; x < na; x++) {
        size_t b_opts[2], nb = 0;
        for (int k = 0; b_words[k]; k++) {
            size_t e = mlf__ci(lx, a_opts[x], b_words[k]);
            size_t w = e ? mlf__ws_run(lx, e) : 0;
            if (e && w > e) {
                b_opts[nb++] = w;
                break;
            }
        }
        b_opts[nb++] = a_opts[x];
        for (size_t y = 0; y < nb; y++) {
            size_t e = mlf__kw_b(lx, b_opts[y], "JOIN");
            if (e)
                return e;
        }
    }
    for (int k = 0; c_words[k]; k++) {
        size_t e = mlf__ci(lx, i, c_words[k]);
        size_t w = e ? mlf__ws_run(lx, e) : 0;
        if (e && w > e) {
            size_t j = mlf__kw_b(lx, w, "JOIN");
            if (j)
                return j;
            break;
        }
    }
    return 0;
}

/* KW1\s+KW2\b */
static size_t mlf__lex_two(const mlf__lx *lx, size_t i, const char *w1, const char *w2)
{
    size_t e = mlf__ci(lx, i, w1);
    if (!e)
        return 0;
    e = mlf__ws_word(lx, e, w2);
    return e && mlf__boundary(lx, e) ? e : 0;
}

/* (NOT\s+)?(W1|W2|...)\b */
static size_t mlf__lex_not_op(const mlf__lx *lx, size_t i, const char *const *words)
{
    size_t starts[2], ns = 0;
    size_t e = mlf__ci(lx, i, "NOT");
    if (e) {
        size_t w = mlf__ws_run(lx, e);
        if (w > e)
            starts[ns++] = w;
    }
    starts[ns++] = i;
    for (size_t s = 0; s < ns; s++)
        for (int k = 0; words[k]; k++) {
            size_t x = mlf__kw_b(lx, starts[s], words[k]);
            if (x)
                return x;
        }
    return 0;
}

static int mlf__kw_cmp(const void *a, const void *b)
{
    return strcmp((const char *)a, ((const mlf__kw *)b)->word);
}

static mlf__tt mlf__keyword_type(const char *s, size_t n)
{
    char buf[64];
    if (mlf_pystr_upper_ascii(s, n, buf, sizeof(buf)) < 0)
        return MLF__TT_NAME;
    const mlf__kw *kw = bsearch(buf, mlf__keywords, sizeof(mlf__keywords) / sizeof(mlf__keywords[0]),
                                sizeof(mlf__keywords[0]), mlf__kw_cmp);
    return kw ? kw->tt : MLF__TT_NAME;
}

/* One token at i: its end and type. */
static size_t mlf__lex_one(mlf__lx *lx, size_t i, mlf__tt *tt)
{
    const char *s = lx->s;
    size_t len = lx->len, e, cl;
    bool hint;
    uint32_t c = mlf__at(lx, i, &cl);

    if ((e = mlf__lex_line_comment(lx, i, &hint))) {
        *tt = hint ? MLF__TT_COMMENT_SINGLE_HINT : MLF__TT_COMMENT_SINGLE;
        return e;
    }
    if ((e = mlf__lex_block_comment(lx, i, &hint))) {
        *tt = hint ? MLF__TT_COMMENT_MULTI_HINT : MLF__TT_COMMENT_MULTI;
        return e;
    }
    if (c == '\r' || c == '\n') {
        *tt = MLF__TT_NEWLINE;
        return (c == '\r' && i + 1 < len && s[i + 1] == '\n') ? i + 2 : i + 1;
    }
    if (mlf__is_s(c)) {
        *tt = MLF__TT_WHITESPACE;
        return i + cl;
    }
    if (c == ':' && i + 1 < len && s[i + 1] == '=') {
        *tt = MLF__TT_ASSIGNMENT;
        return i + 2;
    }
    if (c == ':' && i + 1 < len && s[i + 1] == ':') {
        *tt = MLF__TT_PUNCTUATION;
        return i + 2;
    }
    if (c == '*') {
        *tt = MLF__TT_WILDCARD;
        return i + 1;
    }
    if ((e = mlf__lex_quoted(lx, i, "`", false))) {
        *tt = MLF__TT_NAME;
        return e;
    }
    if ((e = mlf__lex_quoted(lx, i, "\xC2\xB4", false))) {
        *tt = MLF__TT_NAME;
        return e;
    }
    if ((e = mlf__lex_dollar(lx, i))) {
        *tt = MLF__TT_LITERAL;
        return e;
    }
    if (c == '?') {
        *tt = MLF__TT_NAME_PLACEHOLDER;
        return i + 1;
    }
    if (c == '%') { /* %(\(\w+\))?s */
        size_t j = i + 1;
        if (j < len && s[j] == '(') {
            size_t w = mlf__w_run(lx, j + 1);
            size_t e2 = (w > j + 1 && w < len && s[w] == ')') ? mlf__ci(lx, w + 1, "S") : 0;
            if (e2) {
                *tt = MLF__TT_NAME_PLACEHOLDER;
                return e2;
            }
        }
        if ((e = mlf__ci(lx, j, "S"))) {
            *tt = MLF__TT_NAME_PLACEHOLDER;
            return e;
        }
    }
    if (c == '$' || c == ':' || c == '?') { /* (?<!\w)[$:?]\w+ */
        uint32_t b = mlf__cp_before(lx, i);
        size_t w = mlf__w_run(lx, i + 1);
        if (!(b != 0xFFFFFFFEu && mlf__is_w(b)) && w > i + 1) {
            *tt = MLF__TT_NAME_PLACEHOLDER;
            return w;
        }
    }
    if (c == '\\') {
        size_t w = mlf__w_run(lx, i + 1);
        if (w > i + 1) {
            *tt = MLF__TT_COMMAND;
            return w;
        }
    }
    {
        static const char *const kws[] = {"CASE", "IN", "VALUES", "USING", "FROM", "AS", NULL};
        for (int k = 0; kws[k]; k++)
            if ((e = mlf__kw_b(lx, i, kws[k]))) {
                *tt = MLF__TT_KEYWORD;
                return e;
            }
    }
    if (c == '@' || c == '#') { /* (@|##|#)[A-ZÀ-Ü]\w+ */
        size_t starts[2], ns = 0;
        if (c == '@')
            starts[ns++] = i + 1;
        else {
            if (i + 1 < len && s[i + 1] == '#')
                starts[ns++] = i + 2;
            starts[ns++] = i + 1;
        }
        for (size_t k = 0; k < ns; k++) {
            size_t l;
            uint32_t f = mlf__at(lx, starts[k], &l);
            if (starts[k] < len && mlf__is_letter(f)) {
                size_t w = mlf__w_run(lx, starts[k] + l);
                if (w > starts[k] + l) {
                    *tt = MLF__TT_NAME;
                    return w;
                }
            }
        }
    }
    if (mlf__is_letter(c)) {
        size_t w = mlf__w_run(lx, i + cl);
        size_t after = mlf__ws_run(lx, w);
        if (after < len && s[after] == '.') { /* [A-ZÀ-Ü]\w*(?=\s*\.) */
            *tt = MLF__TT_NAME;
            return w;
        }
        if (mlf__cp_before(lx, i) == '.') { /* (?<=\.)[A-ZÀ-Ü]\w* */
            *tt = MLF__TT_NAME;
            return w;
        }
        if (w < len && s[w] == '(') { /* [A-ZÀ-Ü]\w*(?=\() */
            *tt = MLF__TT_NAME;
            return w;
        }
    }
    { /* -?0x[\dA-F]+ */
        size_t j = i;
        if (j < len && s[j] == '-')
            j++;
        if (j + 2 < len && s[j] == '0' && (s[j + 1] == 'x' || s[j + 1] == 'X')) {
            size_t h = j + 2;
            for (;;) {
                size_t dl = mlf__d_at(lx, h);
                if (dl)
                    h += dl;
                else if (h < len && ((s[h] >= 'a' && s[h] <= 'f') || (s[h] >= 'A' && s[h] <= 'F')))
                    h++;
                else
                    break;
            }
            if (h > j + 2) {
                *tt = MLF__TT_NUM_HEX;
                return h;
            }
        }
    }
    if (c == '-' || c == '.' || mlf_pystr_is_decimal(c)) {
        if ((e = mlf__lex_exp_float(lx, i))) {
            *tt = MLF__TT_NUM_FLOAT;
            return e;
        }
        if ((e = mlf__lex_float(lx, i))) {
            *tt = MLF__TT_NUM_FLOAT;
            return e;
        }
        if ((e = mlf__lex_int(lx, i))) {
            *tt = MLF__TT_NUM_INT;
            return e;
        }
    }
    if ((e = mlf__lex_quoted(lx, i, "'", true))) {
        *tt = MLF__TT_STR_SINGLE;
        return e;
    }
    /* The second String.Symbol rule, (""|".*?[^\\]"), can only match where this
     * one does, so it is left out. */
    if ((e = mlf__lex_quoted(lx, i, "\"", true))) {
        *tt = MLF__TT_STR_SYMBOL;
        return e;
    }
    if (c == '[') { /* (?<![\w\])])(\[[^\]\[]+\]) */
        uint32_t b = mlf__cp_before(lx, i);
        if (!(b != 0xFFFFFFFEu && (mlf__is_w(b) || b == ']' || b == ')'))) {
            size_t j = i + 1;
            while (j < len && s[j] != ']' && s[j] != '[')
                j++;
            if (j > i + 1 && j < len && s[j] == ']') {
                *tt = MLF__TT_NAME;
                return j + 1;
            }
        }
    }
    if ((e = mlf__lex_join(lx, i))) {
        *tt = MLF__TT_KEYWORD;
        return e;
    }
    if ((e = mlf__ci(lx, i, "END"))) { /* END(\s+IF|\s+LOOP|\s+WHILE)?\b */
        static const char *const ends[] = {"IF", "LOOP", "WHILE", NULL};
        for (int k = 0; ends[k]; k++) {
            size_t x = mlf__ws_word(lx, e, ends[k]);
            if (x && mlf__boundary(lx, x)) {
                *tt = MLF__TT_KEYWORD;
                return x;
            }
        }
        if (mlf__boundary(lx, e)) {
            *tt = MLF__TT_KEYWORD;
            return e;
        }
    }
    if ((e = mlf__lex_two(lx, i, "NOT", "NULL"))) {
        *tt = MLF__TT_KEYWORD;
        return e;
    }
    { /* (ASC|DESC)(\s+NULLS\s+(FIRST|LAST))?\b */
        size_t d = mlf__ci(lx, i, "ASC");
        if (!d)
            d = mlf__ci(lx, i, "DESC");
        if (d) {
            size_t n = mlf__ws_word(lx, d, "NULLS");
            if (n) {
                size_t x = mlf__ws_word(lx, n, "FIRST");
                if (!x)
                    x = mlf__ws_word(lx, n, "LAST");
                if (x && mlf__boundary(lx, x)) {
                    *tt = MLF__TT_KW_ORDER;
                    return x;
                }
            }
            if (mlf__boundary(lx, d)) {
                *tt = MLF__TT_KW_ORDER;
                return d;
            }
        }
    }
    if ((e = mlf__lex_two(lx, i, "NULLS", "FIRST")) || (e = mlf__lex_two(lx, i, "NULLS", "LAST"))) {
        *tt = MLF__TT_KW_ORDER;
        return e;
    }
    if ((e = mlf__lex_two(lx, i, "UNION", "ALL"))) {
        *tt = MLF__TT_KEYWORD;
        return e;
    }
    if ((e = mlf__ci(lx, i, "CREATE"))) { /* CREATE(\s+OR\s+REPLACE)?\b */
        size_t o = mlf__ws_word(lx, e, "OR");
        size_t r = o ? mlf__ws_word(lx, o, "REPLACE") : 0;
        if (r && mlf__boundary(lx, r)) {
            *tt = MLF__TT_KW_DDL;
            return r;
        }
        if (mlf__boundary(lx, e)) {
            *tt = MLF__TT_KW_DDL;
            return e;
        }
    }
    if ((e = mlf__lex_two(lx, i, "DOUBLE", "PRECISION"))) {
        *tt = MLF__TT_NAME_BUILTIN;
        return e;
    }
    if ((e = mlf__lex_two(lx, i, "GROUP", "BY")) || (e = mlf__lex_two(lx, i, "ORDER", "BY")) ||
        (e = mlf__lex_two(lx, i, "PRIMARY", "KEY")) || (e = mlf__lex_two(lx, i, "HANDLER", "FOR"))) {
        *tt = MLF__TT_KEYWORD;
        return e;
    }
    if ((e = mlf__ci(lx, i, "GO")) && e < len) { /* GO(\s\d+)\b */
        size_t l;
        if (mlf__is_s(mlf__at(lx, e, &l))) {
            /* a shorter digit run would end between two digits: no \b there */
            size_t d0 = e + l, d = mlf__digit_run(lx, d0);
            if (d > d0 && mlf__boundary(lx, d)) {
                *tt = MLF__TT_KEYWORD;
                return d;
            }
        }
    }
    if ((e = mlf__ci(lx, i, "LATERAL"))) {
        size_t v = mlf__ws_word(lx, e, "VIEW");
        size_t w = v ? mlf__ws_run(lx, v) : 0;
        if (v && w > v) {
            static const char *const fns[] = {"EXPLODE", "INLINE", "PARSE_URL_TUPLE", "POSEXPLODE", "STACK", NULL};
            for (int k = 0; fns[k]; k++)
                if ((e = mlf__kw_b(lx, w, fns[k]))) {
                    *tt = MLF__TT_KEYWORD;
                    return e;
                }
        }
    }
    { /* (AT|WITH')\s+TIME\s+ZONE\s+'[^']+' */
        size_t a = mlf__ci(lx, i, "AT");
        if (!a)
            a = mlf__ci(lx, i, "WITH'");
        size_t t = a ? mlf__ws_word(lx, a, "TIME") : 0;
        size_t z = t ? mlf__ws_word(lx, t, "ZONE") : 0;
        size_t q = z ? mlf__ws_run(lx, z) : 0;
        if (z && q > z && q < len && s[q] == '\'') {
            size_t j = q + 1;
            while (j < len && s[j] != '\'')
                j++;
            if (j > q + 1 && j < len) {
                *tt = MLF__TT_KW_TZCAST;
                return j + 1;
            }
        }
    }
    {
        static const char *const likes[] = {"LIKE", "ILIKE", "RLIKE", NULL};
        static const char *const regexp[] = {"REGEXP", NULL};
        if ((e = mlf__lex_not_op(lx, i, likes)) || (e = mlf__lex_not_op(lx, i, regexp))) {
            *tt = MLF__TT_OP_COMPARISON;
            return e;
        }
    }
    if (mlf__is_w(c)) { /* \w[$#\w]* then the keyword tables */
        size_t j = i + cl, l;
        while (j < len) {
            uint32_t x = mlf__at(lx, j, &l);
            if (!(x == '$' || x == '#' || mlf__is_w(x)))
                break;
            j += l;
        }
        *tt = mlf__keyword_type(s + i, j - i);
        return j;
    }
    if (c != 0 && c < 0x80 && strchr(";:()[],.", (int)c)) {
        *tt = MLF__TT_PUNCTUATION;
        return i + 1;
    }
    { /* (\->>?|#>>?|@>|<@|\?\|?|\?&|\-|#\-) */
        const char *p = s + i;
        size_t left = len - i;
        if (left >= 3 && (memcmp(p, "->>", 3) == 0 || memcmp(p, "#>>", 3) == 0)) {
            *tt = MLF__TT_OPERATOR;
            return i + 3;
        }
        if (left >= 2 && (memcmp(p, "->", 2) == 0 || memcmp(p, "#>", 2) == 0 || memcmp(p, "@>", 2) == 0 ||
                          memcmp(p, "<@", 2) == 0)) {
            *tt = MLF__TT_OPERATOR;
            return i + 2;
        }
        if (c == '-') {
            *tt = MLF__TT_OPERATOR;
            return i + 1;
        }
        if (left >= 2 && memcmp(p, "#-", 2) == 0) {
            *tt = MLF__TT_OPERATOR;
            return i + 2;
        }
    }
    if (c != 0 && c < 0x80 && strchr("<>=~!", (int)c)) {
        size_t j = i;
        while (j < len && s[j] != 0 && strchr("<>=~!", s[j]))
            j++;
        *tt = MLF__TT_OP_COMPARISON;
        return j;
    }
    if (c != 0 && c < 0x80 && strchr("+/@#%^&|-", (int)c)) {
        size_t j = i;
        while (j < len && s[j] != 0 && strchr("+/@#%^&|-", s[j]))
            j++;
        *tt = MLF__TT_OPERATOR;
        return j;
    }
    *tt = MLF__TT_ERROR;
    return i + cl;
}

/* ------------------------------------------------------------------ */
/* Token tree                                                          */
/* ------------------------------------------------------------------ */

typedef struct mlf__ps {
    mlf_pool *pool;
    const char *src;
    int depth;
    bool too_deep;
} mlf__ps;

bool mlf__sql_is_string_value(const mlf__tok *t)
{
    return t->cls == MLF__C_IDENTIFIER || (t->cls == MLF__C_TOKEN && t->tt == MLF__TT_STR_SINGLE);
}

bool mlf__sql_is_number_value(const mlf__tok *t)
{
    return t->cls == MLF__C_TOKEN && (t->tt == MLF__TT_NUM_INT || t->tt == MLF__TT_NUM_FLOAT);
}

bool mlf__sql_is_ws(const mlf__tok *t)
{
    return t != NULL && (t->tt == MLF__TT_WHITESPACE || t->tt == MLF__TT_NEWLINE);
}

bool mlf__sql_is_keyword(const mlf__tok *t)
{
    return t != NULL && t->tt >= MLF__TT_KEYWORD && t->tt <= MLF__TT_KW_TZCAST;
}

static bool mlf__is_group(const mlf__tok *t)
{
    return t->cls != MLF__C_TOKEN;
}

static bool mlf__is_comment_tt(mlf__tt tt)
{
    return tt >= MLF__TT_COMMENT_SINGLE && tt <= MLF__TT_COMMENT_MULTI_HINT;
}

static bool mlf__is_name_tt(mlf__tt tt) /* T.Name and its children */
{
    return tt == MLF__TT_NAME || tt == MLF__TT_NAME_BUILTIN || tt == MLF__TT_NAME_PLACEHOLDER;
}

static bool mlf__is_number_tt(mlf__tt tt) /* T.Number and its children */
{
    return tt == MLF__TT_NUM_HEX || tt == MLF__TT_NUM_FLOAT || tt == MLF__TT_NUM_INT;
}

/* ttype in (Number, Number.Integer, Number.Float, String, String.Single,
 * String.Symbol, Name, Name.Placeholder): T_NUMERICAL + T_STRING + T_NAME,
 * compared exactly since imt() gets a plain tuple. */
static bool mlf__is_operand_tt(mlf__tt tt)
{
    return tt == MLF__TT_NUM_INT || tt == MLF__TT_NUM_FLOAT || tt == MLF__TT_STR_SINGLE || tt == MLF__TT_STR_SYMBOL ||
           tt == MLF__TT_NAME || tt == MLF__TT_NAME_PLACEHOLDER;
}

/* Token.normalized == value (value.upper() for keywords) */
static bool mlf__norm_eq(const char *src, const mlf__tok *t, const char *value)
{
    size_t n = t->end - t->start;
    if (!mlf__sql_is_keyword(t))
        return strlen(value) == n && memcmp(src + t->start, value, n) == 0;
    char buf[256];
    int m = mlf_pystr_upper_ascii(src + t->start, n, buf, sizeof(buf));
    return m >= 0 && strcmp(buf, value) == 0;
}

bool mlf__sql_match(const char *src, const mlf__tok *t, mlf__tt tt, const char *value)
{
    if (t == NULL || t->cls != MLF__C_TOKEN || t->tt != tt)
        return false;
    if (value == NULL)
        return true;
    char up[64];
    size_t n = strlen(value);
    if (mlf__sql_is_keyword(t) && n < sizeof(up)) {
        for (size_t k = 0; k <= n; k++)
            up[k] = (value[k] >= 'a' && value[k] <= 'z') ? (char)(value[k] - 32) : value[k];
        value = up;
    }
    return mlf__norm_eq(src, t, value);
}

static bool mlf__match_any(const char *src, const mlf__tok *t, mlf__tt tt, const char *const *values)
{
    for (int k = 0; values[k]; k++)
        if (mlf__sql_match(src, t, tt, values[k]))
            return true;
    return false;
}

char *mlf__sql_text(mlf_pool *pool, const char *src, const mlf__tok *t)
{
    return mlf_pool_strndup(pool, src + t->start, t->end - t->start);
}

static void mlf__push(mlf_pool *pool, mlf__tok *tl, mlf__tok *t)
{
    if (tl->n == tl->cap) {
        size_t cap = tl->cap ? tl->cap * 2 : 8;
        mlf__tok **k = MLF_NEW_ARRAY(pool, mlf__tok *, cap);
        if (tl->n)
            memcpy(k, tl->kids, tl->n * sizeof(*k));
        tl->kids = k;
        tl->cap = cap;
    }
    tl->kids[tl->n++] = t;
}

/* TokenList.group_tokens(grp_cls, start, end, include_end=True, extend) */
static mlf__tok *mlf__group_tokens(mlf__ps *ps, mlf__tok *tl, mlf__cls cls, long start, long end, bool extend)
{
    mlf__tok *first = tl->kids[start];
    size_t end_idx = (size_t)end + 1;
    mlf__tok *grp;
    if (extend && mlf__is_group(first) && (first->cls == cls || cls == MLF__C_TOKENLIST)) {
        grp = first;
        for (size_t k = (size_t)start + 1; k < end_idx; k++)
            mlf__push(ps->pool, grp, tl->kids[k]);
        grp->end = tl->kids[end_idx - 1]->end;
        memmove(tl->kids + start + 1, tl->kids + end_idx, (tl->n - end_idx) * sizeof(*tl->kids));
        tl->n -= end_idx - (size_t)start - 1;
    } else {
        grp = MLF_NEW(ps->pool, mlf__tok);
        grp->tt = MLF__TT_NONE;
        grp->cls = cls;
        for (size_t k = (size_t)start; k < end_idx; k++)
            mlf__push(ps->pool, grp, tl->kids[k]);
        grp->start = first->start;
        grp->end = tl->kids[end_idx - 1]->end;
        tl->kids[start] = grp;
        memmove(tl->kids + start + 1, tl->kids + end_idx, (tl->n - end_idx) * sizeof(*tl->kids));
        tl->n -= end_idx - (size_t)start - 1;
    }
    return grp;
}

/* token_next(idx, skip_ws=True, skip_cm=False): index or -1 */
static long mlf__next(const mlf__tok *tl, long idx)
{
    if (idx < -1)
        return -1;
    for (size_t k = (size_t)(idx + 1); k < tl->n; k++)
        if (!mlf__sql_is_ws(tl->kids[k]))
            return (long)k;
    return -1;
}

/* token_prev(idx) */
static long mlf__prev(const mlf__tok *tl, long idx)
{
    for (long k = idx - 1; k >= 0; k--)
        if (!mlf__sql_is_ws(tl->kids[k]))
            return k;
    return -1;
}

static mlf__tok *mlf__at_idx(const mlf__tok *tl, long idx)
{
    return idx >= 0 && (size_t)idx < tl->n ? tl->kids[idx] : NULL;
}

typedef bool (*mlf__pred)(const mlf__ps *ps, const mlf__tok *t);

/* token_next_by(...) with a predicate, starting after idx */
static long mlf__next_by(const mlf__ps *ps, const mlf__tok *tl, mlf__pred pred, long idx)
{
    for (size_t k = (size_t)(idx + 1); k < tl->n; k++)
        if (pred(ps, tl->kids[k]))
            return (long)k;
    return -1;
}

static bool mlf__enter(mlf__ps *ps)
{
    if (++ps->depth > MLF__MAX_DEPTH) {
        ps->too_deep = true;
        ps->depth--;
        return false;
    }
    return true;
}

static void mlf__leave(mlf__ps *ps)
{
    ps->depth--;
}

/* ------------------------------------------------------------------ */
/* _group_matching                                                     */
/* ------------------------------------------------------------------ */

typedef struct mlf__pair {
    mlf__tt tt;
    const char *const *open;
    const char *const *close;
} mlf__pair;

static void mlf__group_matching(mlf__ps *ps, mlf__tok *tl, mlf__cls cls, const mlf__pair *m)
{
    if (!mlf__enter(ps))
        return;
    size_t n = tl->n;
    mlf__tok **snap = MLF_NEW_ARRAY(ps->pool, mlf__tok *, n ? n : 1);
    memcpy(snap, tl->kids, n * sizeof(*snap));
    long *opens = MLF_NEW_ARRAY(ps->pool, long, n ? n : 1);
    size_t n_opens = 0;
    long offset = 0;
    for (size_t idx = 0; idx < n && !ps->too_deep; idx++) {
        mlf__tok *t = snap[idx];
        long tidx = (long)idx - offset;
        if (mlf__sql_is_ws(t))
            continue;
        if (mlf__is_group(t) && t->cls != cls) {
            mlf__group_matching(ps, t, cls, m);
            continue;
        }
        if (mlf__match_any(ps->src, t, m->tt, m->open))
            opens[n_opens++] = tidx;
        else if (mlf__match_any(ps->src, t, m->tt, m->close)) {
            if (n_opens == 0)
                continue;
            long open_idx = opens[--n_opens];
            mlf__group_tokens(ps, tl, cls, open_idx, tidx, false);
            offset += tidx - open_idx;
        }
    }
    mlf__leave(ps);
}

/* ------------------------------------------------------------------ */
/* _group                                                              */
/* ------------------------------------------------------------------ */

typedef enum mlf__post_kind {
    MLF__POST_PREV_NEXT, /* (pidx, nidx) */
    MLF__POST_PREV_CUR,  /* (pidx, tidx) */
    MLF__POST_CUR_NEXT,  /* (tidx, nidx) */
    MLF__POST_PERIOD,
    MLF__POST_OPERATOR,
    MLF__POST_ASSIGNMENT,
} mlf__post_kind;

typedef struct mlf__grouper {
    mlf__cls cls;
    mlf__pred match, valid_prev, valid_next;
    mlf__post_kind post;
    bool extend, recurse;
} mlf__grouper;

static bool mlf__pred_period_next(const mlf__ps *ps, const mlf__tok *t);

static void mlf__group(mlf__ps *ps, mlf__tok *tl, const mlf__grouper *g, bool recurse)
{
    if (!mlf__enter(ps))
        return;
    size_t n = tl->n;
    mlf__tok **snap = MLF_NEW_ARRAY(ps->pool, mlf__tok *, n ? n : 1);
    memcpy(snap, tl->kids, n * sizeof(*snap));
    long offset = 0, pidx = -1;
    mlf__tok *prev = NULL;
    for (size_t idx = 0; idx < n && !ps->too_deep; idx++) {
        mlf__tok *t = snap[idx];
        long tidx = (long)idx - offset;
        if (tidx < 0)
            continue;
        if (mlf__sql_is_ws(t))
            continue;
        if (recurse && mlf__is_group(t) && t->cls != g->cls)
            mlf__group(ps, t, g, true);
        if (g->match(ps, t)) {
            long nidx = mlf__next(tl, tidx);
            mlf__tok *next = mlf__at_idx(tl, nidx);
            if (prev != NULL && g->valid_prev(ps, prev) && g->valid_next(ps, next)) {
                long from = pidx, to = nidx;
                switch (g->post) {
                case MLF__POST_PREV_NEXT:
                    break;
                case MLF__POST_PREV_CUR:
                    to = tidx;
                    break;
                case MLF__POST_CUR_NEXT:
                    from = tidx;
                    break;
                case MLF__POST_PERIOD:
                    if (!mlf__pred_period_next(ps, next))
                        to = tidx;
                    break;
                case MLF__POST_OPERATOR:
                    tl->kids[tidx]->tt = MLF__TT_OPERATOR;
                    break;
                case MLF__POST_ASSIGNMENT:
                    for (size_t k = (size_t)nidx + 1; k < tl->n; k++)
                        if (mlf__sql_match(ps->src, tl->kids[k], MLF__TT_PUNCTUATION, ";")) {
                            to = (long)k;
                            break;
                        }
                    break;
                }
                mlf__tok *grp = mlf__group_tokens(ps, tl, g->cls, from, to, g->extend);
                offset += to - from;
                pidx = from;
                prev = grp;
                continue;
            }
        }
        pidx = tidx;
        prev = t;
    }
    mlf__leave(ps);
}

/* ------------------------------------------------------------------ */
/* Predicates                                                          */
/* ------------------------------------------------------------------ */

static bool mlf__p_not_null(const mlf__ps *ps, const mlf__tok *t)
{
    (void)ps;
    return t != NULL;
}

static bool mlf__p_true(const mlf__ps *ps, const mlf__tok *t)
{
    (void)ps;
    (void)t;
    return true;
}

static bool mlf__p_typecast(const mlf__ps *ps, const mlf__tok *t)
{
    return mlf__sql_match(ps->src, t, MLF__TT_PUNCTUATION, "::");
}

static bool mlf__p_tzcast(const mlf__ps *ps, const mlf__tok *t)
{
    (void)ps;
    return t->cls == MLF__C_TOKEN && t->tt == MLF__TT_KW_TZCAST;
}

static bool mlf__p_tzcast_next(const mlf__ps *ps, const mlf__tok *t)
{
    return t != NULL && (mlf__sql_is_ws(t) || mlf__sql_match(ps->src, t, MLF__TT_KEYWORD, "AS") ||
                         mlf__sql_match(ps->src, t, MLF__TT_STR_SINGLE, NULL));
}

static bool mlf__p_typed_open(const mlf__ps *ps, const mlf__tok *t)
{
    return mlf__sql_match(ps->src, t, MLF__TT_NAME_BUILTIN, NULL) ||
           mlf__sql_match(ps->src, t, MLF__TT_KEYWORD, "TIMESTAMP");
}

static bool mlf__p_typed_close(const mlf__ps *ps, const mlf__tok *t)
{
    return t != NULL && mlf__sql_match(ps->src, t, MLF__TT_STR_SINGLE, NULL);
}

static bool mlf__p_is_typed(const mlf__ps *ps, const mlf__tok *t)
{
    (void)ps;
    return t->cls == MLF__C_TYPED_LITERAL;
}

static bool mlf__p_typed_extend(const mlf__ps *ps, const mlf__tok *t)
{
    static const char *const units[] = {"DAY", "HOUR", "MINUTE", "MONTH", "SECOND", "YEAR", NULL};
    return t != NULL && mlf__match_any(ps->src, t, MLF__TT_KEYWORD, units);
}

static bool mlf__p_period(const mlf__ps *ps, const mlf__tok *t)
{
    return mlf__sql_match(ps->src, t, MLF__TT_PUNCTUATION, ".") || mlf__sql_match(ps->src, t, MLF__TT_OPERATOR, "->") ||
           mlf__sql_match(ps->src, t, MLF__TT_OPERATOR, "->>");
}

static bool mlf__p_period_prev(const mlf__ps *ps, const mlf__tok *t)
{
    (void)ps;
    return t->cls == MLF__C_SQUARE_BRACKETS || t->cls == MLF__C_IDENTIFIER ||
           (t->cls == MLF__C_TOKEN && (t->tt == MLF__TT_NAME || t->tt == MLF__TT_STR_SYMBOL));
}

static bool mlf__pred_period_next(const mlf__ps *ps, const mlf__tok *t)
{
    (void)ps;
    if (t == NULL)
        return false;
    return t->cls == MLF__C_SQUARE_BRACKETS || t->cls == MLF__C_FUNCTION ||
           (t->cls == MLF__C_TOKEN && (t->tt == MLF__TT_NAME || t->tt == MLF__TT_STR_SYMBOL ||
                                       t->tt == MLF__TT_WILDCARD || t->tt == MLF__TT_STR_SINGLE));
}

static bool mlf__p_is_square(const mlf__ps *ps, const mlf__tok *t)
{
    (void)ps;
    return t->cls == MLF__C_SQUARE_BRACKETS;
}

static bool mlf__p_array_prev(const mlf__ps *ps, const mlf__tok *t)
{
    (void)ps;
    return t->cls == MLF__C_SQUARE_BRACKETS || t->cls == MLF__C_IDENTIFIER || t->cls == MLF__C_FUNCTION ||
           (t->cls == MLF__C_TOKEN && (t->tt == MLF__TT_NAME || t->tt == MLF__TT_STR_SYMBOL));
}

static bool mlf__p_operator(const mlf__ps *ps, const mlf__tok *t)
{
    (void)ps;
    return t->cls == MLF__C_TOKEN && (t->tt == MLF__TT_OPERATOR || t->tt == MLF__TT_WILDCARD);
}

static bool mlf__p_operand(const mlf__ps *ps, const mlf__tok *t)
{
    static const char *const cur[] = {"CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", NULL};
    if (t == NULL)
        return false;
    switch (t->cls) {
    case MLF__C_SQUARE_BRACKETS:
    case MLF__C_PARENTHESIS:
    case MLF__C_FUNCTION:
    case MLF__C_IDENTIFIER:
    case MLF__C_OPERATION:
    case MLF__C_TYPED_LITERAL:
        return true;
    case MLF__C_TOKEN:
        return mlf__is_operand_tt(t->tt) || mlf__match_any(ps->src, t, MLF__TT_KEYWORD, cur);
    default:
        return false;
    }
}

static bool mlf__p_comparison(const mlf__ps *ps, const mlf__tok *t)
{
    (void)ps;
    return t->cls == MLF__C_TOKEN && t->tt == MLF__TT_OP_COMPARISON;
}

static bool mlf__p_compared(const mlf__ps *ps, const mlf__tok *t)
{
    if (t == NULL)
        return false;
    switch (t->cls) {
    case MLF__C_PARENTHESIS:
    case MLF__C_FUNCTION:
    case MLF__C_IDENTIFIER:
    case MLF__C_OPERATION:
    case MLF__C_TYPED_LITERAL:
        return true;
    case MLF__C_TOKEN:
        return mlf__is_operand_tt(t->tt) || (mlf__sql_is_keyword(t) && mlf__norm_eq(ps->src, t, "NULL"));
    default:
        return false;
    }
}

static bool mlf__p_as(const mlf__ps *ps, const mlf__tok *t)
{
    return mlf__sql_is_keyword(t) && mlf__norm_eq(ps->src, t, "AS");
}

static bool mlf__p_as_prev(const mlf__ps *ps, const mlf__tok *t)
{
    /* normalized == 'NULL' or not is_keyword; a group's normalized is its text */
    return mlf__norm_eq(ps->src, t, "NULL") || !mlf__sql_is_keyword(t);
}

static bool mlf__p_as_next(const mlf__ps *ps, const mlf__tok *t)
{
    (void)ps;
    return t != NULL && !(t->cls == MLF__C_TOKEN &&
                          (t->tt == MLF__TT_KW_DML || t->tt == MLF__TT_KW_DDL || t->tt == MLF__TT_KW_CTE));
}

static bool mlf__p_assign(const mlf__ps *ps, const mlf__tok *t)
{
    return mlf__sql_match(ps->src, t, MLF__TT_ASSIGNMENT, ":=");
}

static bool mlf__p_assign_valid(const mlf__ps *ps, const mlf__tok *t)
{
    (void)ps;
    return t != NULL && !(t->cls == MLF__C_TOKEN && t->tt == MLF__TT_KEYWORD);
}

static bool mlf__p_comma(const mlf__ps *ps, const mlf__tok *t)
{
    return mlf__sql_match(ps->src, t, MLF__TT_PUNCTUATION, ",");
}

static bool mlf__p_list_item(const mlf__ps *ps, const mlf__tok *t)
{
    static const char *const role[] = {"NULL", "ROLE", NULL};
    if (t == NULL)
        return false;
    switch (t->cls) {
    case MLF__C_FUNCTION:
    case MLF__C_CASE:
    case MLF__C_IDENTIFIER:
    case MLF__C_COMPARISON:
    case MLF__C_IDENTIFIER_LIST:
    case MLF__C_OPERATION:
        return true;
    case MLF__C_TOKEN:
        return mlf__match_any(ps->src, t, MLF__TT_KEYWORD, role) || mlf__is_operand_tt(t->tt) ||
               t->tt == MLF__TT_KEYWORD || t->tt == MLF__TT_WILDCARD;
    default:
        return false;
    }
}

static bool mlf__p_comment_tt(const mlf__ps *ps, const mlf__tok *t)
{
    (void)ps;
    return t->cls == MLF__C_TOKEN && mlf__is_comment_tt(t->tt);
}

static bool mlf__p_name_tt(const mlf__ps *ps, const mlf__tok *t)
{
    (void)ps;
    return t->cls == MLF__C_TOKEN && mlf__is_name_tt(t->tt);
}

static bool mlf__p_ident_tt(const mlf__ps *ps, const mlf__tok *t)
{
    (void)ps;
    return t->cls == MLF__C_TOKEN && (t->tt == MLF__TT_STR_SYMBOL || t->tt == MLF__TT_NAME);
}

static bool mlf__p_order_tt(const mlf__ps *ps, const mlf__tok *t)
{
    (void)ps;
    return t->cls == MLF__C_TOKEN && t->tt == MLF__TT_KW_ORDER;
}

static bool mlf__p_over(const mlf__ps *ps, const mlf__tok *t)
{
    return mlf__sql_match(ps->src, t, MLF__TT_KEYWORD, "OVER");
}

static bool mlf__p_where(const mlf__ps *ps, const mlf__tok *t)
{
    return mlf__sql_match(ps->src, t, MLF__TT_KEYWORD, "WHERE");
}

static bool mlf__p_where_close(const mlf__ps *ps, const mlf__tok *t)
{
    static const char *const close[] = {"ORDER BY", "GROUP BY", "LIMIT",     "UNION", "UNION ALL",
                                        "EXCEPT",   "HAVING",   "RETURNING", "INTO",  NULL};
    return mlf__match_any(ps->src, t, MLF__TT_KEYWORD, close);
}

static bool mlf__p_alias_base(const mlf__ps *ps, const mlf__tok *t)
{
    (void)ps;
    switch (t->cls) {
    case MLF__C_PARENTHESIS:
    case MLF__C_FUNCTION:
    case MLF__C_CASE:
    case MLF__C_IDENTIFIER:
    case MLF__C_OPERATION:
    case MLF__C_COMPARISON:
        return true;
    case MLF__C_TOKEN:
        return mlf__is_number_tt(t->tt);
    default:
        return false;
    }
}

static bool mlf__p_is_comment_group(const mlf__ps *ps, const mlf__tok *t)
{
    (void)ps;
    return t->cls == MLF__C_COMMENT;
}

static bool mlf__p_values(const mlf__ps *ps, const mlf__tok *t)
{
    return mlf__sql_match(ps->src, t, MLF__TT_KEYWORD, "VALUES");
}

/* ------------------------------------------------------------------ */
/* The grouping functions                                              */
/* ------------------------------------------------------------------ */

typedef void (*mlf__fn)(mlf__ps *ps, mlf__tok *tl);

/* The @recurse(*cls) decorator: sublists first (except class skip), then f. */
static void mlf__recurse(mlf__ps *ps, mlf__tok *tl, mlf__cls skip, mlf__fn f)
{
    if (!mlf__enter(ps))
        return;
    for (size_t k = 0; k < tl->n && !ps->too_deep; k++) {
        mlf__tok *t = tl->kids[k];
        if (mlf__is_group(t) && (skip == MLF__C_TOKEN || t->cls != skip))
            mlf__recurse(ps, t, skip, f);
    }
    if (!ps->too_deep)
        f(ps, tl);
    mlf__leave(ps);
}

static void mlf__f_comments(mlf__ps *ps, mlf__tok *tl)
{
    long tidx = mlf__next_by(ps, tl, mlf__p_comment_tt, -1);
    while (tidx >= 0) {
        long eidx = -1;
        for (size_t k = (size_t)tidx; k < tl->n; k++) {
            mlf__tok *t = tl->kids[k];
            bool cm = t->cls == MLF__C_TOKEN && (mlf__is_comment_tt(t->tt) || t->tt == MLF__TT_NEWLINE);
            if (!cm) {
                eidx = (long)k;
                break;
            }
        }
        if (eidx >= 0)
            mlf__group_tokens(ps, tl, MLF__C_COMMENT, tidx, eidx - 1, false);
        tidx = mlf__next_by(ps, tl, mlf__p_comment_tt, tidx);
    }
}

static void mlf__f_over(mlf__ps *ps, mlf__tok *tl)
{
    long tidx = mlf__next_by(ps, tl, mlf__p_over, -1);
    while (tidx >= 0) {
        long nidx = mlf__next(tl, tidx);
        mlf__tok *next = mlf__at_idx(tl, nidx);
        if (next != NULL && (next->cls == MLF__C_PARENTHESIS || (next->cls == MLF__C_TOKEN && mlf__is_name_tt(next->tt))))
            mlf__group_tokens(ps, tl, MLF__C_OVER, tidx, nidx, false);
        tidx = mlf__next_by(ps, tl, mlf__p_over, tidx);
    }
}

static bool mlf__text_upper_eq(const mlf__ps *ps, const mlf__tok *t, const char *word)
{
    size_t n = t->end - t->start;
    if (n != strlen(word))
        return false;
    for (size_t k = 0; k < n; k++) {
        char c = ps->src[t->start + k];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        if (c != word[k])
            return false;
    }
    return true;
}

static void mlf__f_functions(mlf__ps *ps, mlf__tok *tl)
{
    bool has_create = false, has_table = false, has_as = false;
    for (size_t k = 0; k < tl->n; k++) {
        mlf__tok *t = tl->kids[k];
        if (mlf__text_upper_eq(ps, t, "CREATE"))
            has_create = true;
        if (mlf__text_upper_eq(ps, t, "TABLE"))
            has_table = true;
        if (t->end - t->start == 2 && memcmp(ps->src + t->start, "AS", 2) == 0)
            has_as = true;
    }
    if (has_create && has_table && !has_as)
        return;
    long tidx = mlf__next_by(ps, tl, mlf__p_name_tt, -1);
    while (tidx >= 0) {
        long nidx = mlf__next(tl, tidx);
        mlf__tok *next = mlf__at_idx(tl, nidx);
        if (next != NULL && next->cls == MLF__C_PARENTHESIS) {
            long over_idx = mlf__next(tl, nidx);
            mlf__tok *over = mlf__at_idx(tl, over_idx);
            long eidx = (over != NULL && over->cls == MLF__C_OVER) ? over_idx : nidx;
            mlf__group_tokens(ps, tl, MLF__C_FUNCTION, tidx, eidx, false);
        }
        tidx = mlf__next_by(ps, tl, mlf__p_name_tt, tidx);
    }
}

static void mlf__f_where(mlf__ps *ps, mlf__tok *tl)
{
    long tidx = mlf__next_by(ps, tl, mlf__p_where, -1);
    while (tidx >= 0) {
        long eidx = mlf__next_by(ps, tl, mlf__p_where_close, tidx);
        if (eidx < 0) {
            /* _groupable_tokens[-1]: a parenthesis' last token is its ')' */
            bool bracketed = tl->cls == MLF__C_PARENTHESIS || tl->cls == MLF__C_SQUARE_BRACKETS;
            eidx = (long)tl->n - (bracketed ? 2 : 1);
        } else {
            eidx = eidx - 1;
        }
        mlf__group_tokens(ps, tl, MLF__C_WHERE, tidx, eidx, false);
        tidx = mlf__next_by(ps, tl, mlf__p_where, tidx);
    }
}

static void mlf__f_identifier(mlf__ps *ps, mlf__tok *tl)
{
    long tidx = mlf__next_by(ps, tl, mlf__p_ident_tt, -1);
    while (tidx >= 0) {
        mlf__group_tokens(ps, tl, MLF__C_IDENTIFIER, tidx, tidx, false);
        tidx = mlf__next_by(ps, tl, mlf__p_ident_tt, tidx);
    }
}

static void mlf__f_order(mlf__ps *ps, mlf__tok *tl)
{
    long tidx = mlf__next_by(ps, tl, mlf__p_order_tt, -1);
    while (tidx >= 0) {
        long pidx = mlf__prev(tl, tidx);
        mlf__tok *prev = mlf__at_idx(tl, pidx);
        if (prev != NULL && (prev->cls == MLF__C_IDENTIFIER || (prev->cls == MLF__C_TOKEN && mlf__is_number_tt(prev->tt)))) {
            mlf__group_tokens(ps, tl, MLF__C_IDENTIFIER, pidx, tidx, false);
            tidx = pidx;
        }
        tidx = mlf__next_by(ps, tl, mlf__p_order_tt, tidx);
    }
}

static void mlf__f_aliased(mlf__ps *ps, mlf__tok *tl)
{
    long tidx = mlf__next_by(ps, tl, mlf__p_alias_base, -1);
    while (tidx >= 0) {
        long nidx = mlf__next(tl, tidx);
        mlf__tok *next = mlf__at_idx(tl, nidx);
        if (next != NULL && next->cls == MLF__C_IDENTIFIER)
            mlf__group_tokens(ps, tl, MLF__C_IDENTIFIER, tidx, nidx, true);
        tidx = mlf__next_by(ps, tl, mlf__p_alias_base, tidx);
    }
}

static void mlf__f_align_comments(mlf__ps *ps, mlf__tok *tl)
{
    long tidx = mlf__next_by(ps, tl, mlf__p_is_comment_group, -1);
    while (tidx >= 0) {
        long pidx = mlf__prev(tl, tidx);
        mlf__tok *prev = mlf__at_idx(tl, pidx);
        if (prev != NULL && mlf__is_group(prev)) {
            mlf__group_tokens(ps, tl, MLF__C_TOKENLIST, pidx, tidx, true);
            tidx = pidx;
        }
        tidx = mlf__next_by(ps, tl, mlf__p_is_comment_group, tidx);
    }
}

static void mlf__f_values(mlf__ps *ps, mlf__tok *tl)
{
    long tidx = mlf__next_by(ps, tl, mlf__p_values, -1);
    long start = tidx, end = -1;
    while (tidx >= 0) {
        if (tl->kids[tidx]->cls == MLF__C_PARENTHESIS)
            end = tidx;
        tidx = mlf__next(tl, tidx);
    }
    if (end != -1)
        mlf__group_tokens(ps, tl, MLF__C_VALUES, start, end, true);
}

static const char *const mlf__s_open_sq[] = {"[", NULL}, *const mlf__s_close_sq[] = {"]", NULL};
static const char *const mlf__s_open_par[] = {"(", NULL}, *const mlf__s_close_par[] = {")", NULL};
static const char *const mlf__s_case[] = {"CASE", NULL}, *const mlf__s_end[] = {"END", NULL};
static const char *const mlf__s_if[] = {"IF", NULL}, *const mlf__s_end_if[] = {"END IF", NULL};
static const char *const mlf__s_for[] = {"FOR", "FOREACH", NULL}, *const mlf__s_end_loop[] = {"END LOOP", NULL};
static const char *const mlf__s_begin[] = {"BEGIN", NULL};

static void mlf__group_all(mlf__ps *ps, mlf__tok *stmt)
{
    static const mlf__pair sq = {MLF__TT_PUNCTUATION, mlf__s_open_sq, mlf__s_close_sq};
    static const mlf__pair par = {MLF__TT_PUNCTUATION, mlf__s_open_par, mlf__s_close_par};
    static const mlf__pair cas = {MLF__TT_KEYWORD, mlf__s_case, mlf__s_end};
    static const mlf__pair iff = {MLF__TT_KEYWORD, mlf__s_if, mlf__s_end_if};
    static const mlf__pair forr = {MLF__TT_KEYWORD, mlf__s_for, mlf__s_end_loop};
    static const mlf__pair begin = {MLF__TT_KEYWORD, mlf__s_begin, mlf__s_end};

    static const mlf__grouper period = {MLF__C_IDENTIFIER, mlf__p_period, mlf__p_period_prev, mlf__p_true,
                                        MLF__POST_PERIOD, true, true};
    static const mlf__grouper arrays = {MLF__C_IDENTIFIER, mlf__p_is_square, mlf__p_array_prev, mlf__p_true,
                                        MLF__POST_PREV_CUR, true, false};
    static const mlf__grouper typecasts = {MLF__C_IDENTIFIER, mlf__p_typecast, mlf__p_not_null, mlf__p_not_null,
                                           MLF__POST_PREV_NEXT, true, true};
    static const mlf__grouper tzcasts = {MLF__C_IDENTIFIER, mlf__p_tzcast, mlf__p_not_null, mlf__p_tzcast_next,
                                         MLF__POST_PREV_NEXT, true, true};
    static const mlf__grouper typed1 = {MLF__C_TYPED_LITERAL, mlf__p_typed_open, mlf__p_not_null, mlf__p_typed_close,
                                        MLF__POST_CUR_NEXT, false, true};
    static const mlf__grouper typed2 = {MLF__C_TYPED_LITERAL, mlf__p_is_typed, mlf__p_not_null, mlf__p_typed_extend,
                                        MLF__POST_CUR_NEXT, true, true};
    static const mlf__grouper operation = {MLF__C_OPERATION, mlf__p_operator, mlf__p_operand, mlf__p_operand,
                                           MLF__POST_OPERATOR, false, true};
    static const mlf__grouper comparison = {MLF__C_COMPARISON, mlf__p_comparison, mlf__p_compared, mlf__p_compared,
                                            MLF__POST_PREV_NEXT, false, true};
    static const mlf__grouper as = {MLF__C_IDENTIFIER, mlf__p_as, mlf__p_as_prev, mlf__p_as_next,
                                    MLF__POST_PREV_NEXT, true, true};
    static const mlf__grouper assignment = {MLF__C_ASSIGNMENT, mlf__p_assign, mlf__p_assign_valid,
                                            mlf__p_assign_valid, MLF__POST_ASSIGNMENT, true, true};
    static const mlf__grouper idlist = {MLF__C_IDENTIFIER_LIST, mlf__p_comma, mlf__p_list_item, mlf__p_list_item,
                                        MLF__POST_PREV_NEXT, true, true};

    mlf__recurse(ps, stmt, MLF__C_COMMENT, mlf__f_comments);
    mlf__group_matching(ps, stmt, MLF__C_SQUARE_BRACKETS, &sq);
    mlf__group_matching(ps, stmt, MLF__C_PARENTHESIS, &par);
    mlf__group_matching(ps, stmt, MLF__C_CASE, &cas);
    mlf__group_matching(ps, stmt, MLF__C_IF, &iff);
    mlf__group_matching(ps, stmt, MLF__C_FOR, &forr);
    mlf__group_matching(ps, stmt, MLF__C_BEGIN, &begin);
    mlf__recurse(ps, stmt, MLF__C_OVER, mlf__f_over);
    mlf__recurse(ps, stmt, MLF__C_FUNCTION, mlf__f_functions);
    mlf__recurse(ps, stmt, MLF__C_WHERE, mlf__f_where);
    mlf__group(ps, stmt, &period, period.recurse);
    mlf__group(ps, stmt, &arrays, arrays.recurse);
    mlf__recurse(ps, stmt, MLF__C_IDENTIFIER, mlf__f_identifier);
    mlf__recurse(ps, stmt, MLF__C_IDENTIFIER, mlf__f_order);
    mlf__group(ps, stmt, &typecasts, true);
    mlf__group(ps, stmt, &tzcasts, true);
    mlf__group(ps, stmt, &typed1, true);
    mlf__group(ps, stmt, &typed2, true);
    mlf__group(ps, stmt, &operation, true);
    mlf__group(ps, stmt, &comparison, true);
    mlf__group(ps, stmt, &as, true);
    mlf__recurse(ps, stmt, MLF__C_TOKEN, mlf__f_aliased);
    mlf__group(ps, stmt, &assignment, true);
    mlf__recurse(ps, stmt, MLF__C_TOKEN, mlf__f_align_comments);
    mlf__group(ps, stmt, &idlist, true);
    mlf__f_values(ps, stmt);
}

/* ------------------------------------------------------------------ */
/* StatementSplitter and parse()                                       */
/* ------------------------------------------------------------------ */

typedef struct mlf__splitter {
    bool in_declare, in_case, is_create;
    int begin_depth;
    bool consume_ws;
    long level;
} mlf__splitter;

/* value.upper().startswith(word) for an ASCII word (DDL tokens are ASCII) */
static bool mlf__text_starts_ci(const char *s, const char *word)
{
    for (; *word; s++, word++)
        if ((*s >= 'a' && *s <= 'z' ? *s - 32 : *s) != *word)
            return false;
    return true;
}

static long mlf__split_level(mlf__splitter *sp, const char *src, const mlf__tok *t)
{
    if (t->tt == MLF__TT_PUNCTUATION && t->end - t->start == 1 && src[t->start] == '(')
        return 1;
    if (t->tt == MLF__TT_PUNCTUATION && t->end - t->start == 1 && src[t->start] == ')')
        return -1;
    if (!mlf__sql_is_keyword(t))
        return 0;
    if (t->tt == MLF__TT_KW_DDL && t->end - t->start >= 6 && mlf__text_starts_ci(src + t->start, "CREATE")) {
        sp->is_create = true;
        return 0;
    }
    if (mlf__norm_eq(src, t, "DECLARE") && sp->is_create && sp->begin_depth == 0) {
        sp->in_declare = true;
        return 1;
    }
    if (mlf__norm_eq(src, t, "BEGIN")) {
        sp->begin_depth++;
        return sp->is_create ? 1 : 0;
    }
    if (mlf__norm_eq(src, t, "END")) {
        if (!sp->in_case)
            sp->begin_depth = sp->begin_depth > 0 ? sp->begin_depth - 1 : 0;
        else
            sp->in_case = false;
        return -1;
    }
    if ((mlf__norm_eq(src, t, "IF") || mlf__norm_eq(src, t, "FOR") || mlf__norm_eq(src, t, "WHILE") ||
         mlf__norm_eq(src, t, "CASE")) &&
        sp->is_create && sp->begin_depth > 0) {
        if (mlf__norm_eq(src, t, "CASE"))
            sp->in_case = true;
        return 1;
    }
    if (mlf__norm_eq(src, t, "END IF") || mlf__norm_eq(src, t, "END FOR") || mlf__norm_eq(src, t, "END WHILE"))
        return -1;
    return 0;
}

/* value.split()[0] == 'GO' */
static bool mlf__is_go(const char *src, const mlf__tok *t)
{
    size_t i = t->start;
    while (i < t->end && (src[i] == ' ' || (src[i] >= 9 && src[i] <= 13)))
        i++;
    return t->end - i >= 2 && src[i] == 'G' && src[i + 1] == 'O' &&
           (t->end - i == 2 || src[i + 2] == ' ' || (src[i + 2] >= 9 && src[i + 2] <= 13));
}

int mlf__sql_parse(mlf_pool *pool, const char *text, mlf__tok ***ret_stmts, size_t *ret_n)
{
    mlf__lx lx = {text, strlen(text), pool, NULL, NULL, NULL};
    mlf__ps ps = {pool, text, 0, false};
    mlf__tok **stmts = NULL;
    size_t n_stmts = 0, cap_stmts = 0;
    mlf__splitter sp = {0};
    mlf__tok *cur = MLF_NEW(pool, mlf__tok);
    cur->cls = MLF__C_STATEMENT;
    long nesting = 0;

    for (size_t i = 0; i < lx.len;) {
        mlf__tt tt;
        size_t e = mlf__lex_one(&lx, i, &tt);
        mlf__tok *t = MLF_NEW(pool, mlf__tok);
        t->tt = tt;
        t->cls = MLF__C_TOKEN;
        t->start = i;
        t->end = e;
        i = e;
        if (tt == MLF__TT_PUNCTUATION && text[t->start] == '(' && ++nesting > MLF__MAX_DEPTH)
            return -1;
        if (tt == MLF__TT_PUNCTUATION && text[t->start] == ')' && nesting > 0)
            nesting--;

        if (sp.consume_ws && tt != MLF__TT_WHITESPACE && tt != MLF__TT_COMMENT_SINGLE) {
            if (n_stmts == cap_stmts) {
                cap_stmts = cap_stmts ? cap_stmts * 2 : 4;
                mlf__tok **ns = MLF_NEW_ARRAY(pool, mlf__tok *, cap_stmts);
                if (n_stmts)
                    memcpy(ns, stmts, n_stmts * sizeof(*ns));
                stmts = ns;
            }
            stmts[n_stmts++] = cur;
            cur = MLF_NEW(pool, mlf__tok);
            cur->cls = MLF__C_STATEMENT;
            memset(&sp, 0, sizeof(sp));
        }
        sp.level += mlf__split_level(&sp, text, t);
        if (cur->n == 0)
            cur->start = t->start;
        mlf__push(pool, cur, t);
        cur->end = t->end;
        if ((sp.level <= 0 && tt == MLF__TT_PUNCTUATION && text[t->start] == ';') ||
            (tt == MLF__TT_KEYWORD && mlf__is_go(text, t)))
            sp.consume_ws = true;
    }
    bool all_ws = true;
    for (size_t k = 0; k < cur->n; k++)
        if (!mlf__sql_is_ws(cur->kids[k]))
            all_ws = false;
    if (cur->n > 0 && !all_ws) {
        if (n_stmts == cap_stmts) {
            cap_stmts = cap_stmts ? cap_stmts * 2 : 4;
            mlf__tok **ns = MLF_NEW_ARRAY(pool, mlf__tok *, cap_stmts);
            if (n_stmts)
                memcpy(ns, stmts, n_stmts * sizeof(*ns));
            stmts = ns;
        }
        stmts[n_stmts++] = cur;
    }
    for (size_t k = 0; k < n_stmts; k++) {
        mlf__group_all(&ps, stmts[k]);
        if (ps.too_deep)
            return -1;
    }
    *ret_stmts = stmts;
    *ret_n = n_stmts;
    return 0;
}
