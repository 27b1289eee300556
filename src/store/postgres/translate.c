/*
 * The SQL store's statements in PostgreSQL's spelling. The store writes its
 * SQL once, in the dialect both backends share, except for a few SQLite
 * spellings that have no common form; they are rewritten here once per
 * statement (the result is prepared and cached with the connection).
 */
#include "store/postgres/postgres.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct mlf__out {
    char *s;
    size_t n, cap;
} mlf__out;

static void mlf__put(mlf__out *o, const char *s, size_t n)
{
    if (o->n + n + 1 > o->cap) {
        o->cap = (o->n + n + 1) * 2;
        o->s = realloc(o->s, o->cap);
        if (o->s == NULL)
            abort();
    }
    memcpy(o->s + o->n, s, n);
    o->n += n;
    o->s[o->n] = '\0';
}

static void mlf__puts(mlf__out *o, const char *s)
{
    mlf__put(o, s, strlen(s));
}

static bool mlf__word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* Length of the word at p, 0 when none. */
static size_t mlf__word(const char *p)
{
    size_t n = 0;
    if (!isalpha((unsigned char)p[0]) && p[0] != '_')
        return 0;
    while (mlf__word_char(p[n]))
        n++;
    return n;
}

static bool mlf__is(const char *p, size_t n, const char *kw)
{
    return strlen(kw) == n && strncasecmp(p, kw, n) == 0;
}

static const char *mlf__skip_space(const char *p)
{
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

/* A row's ctid as a bigint that orders as the ctid does: insertion order for rows never updated, as SQLite's rowid. */
static void mlf__rowid(mlf__out *o, const char *qual, size_t qual_n)
{
    char q[160];
    if (qual_n > 0 && qual_n < 100)
        snprintf(q, sizeof(q), "%.*s.ctid", (int)qual_n, qual);
    else
        snprintf(q, sizeof(q), "ctid");
    char e[512];
    snprintf(e, sizeof(e), "((%s::text::point)[0]::bigint * 65536 + (%s::text::point)[1]::bigint)", q, q);
    mlf__puts(o, e);
}

char *mlf_pg_translate(const char *sql, int *ret_n_params)
{
    mlf__out o = {0};
    mlf__put(&o, "", 0);
    int max_param = 0;
    /* the parenthesis depths at which a json_each( call closes */
    int depth = 0, json_depth[32], n_json = 0;
    const char *p = sql;
    while (*p != '\0') {
        if (*p == '\'' || *p == '"') {
            char q = *p;
            const char *e = p + 1;
            while (*e != '\0' && !(*e == q && e[1] != q))
                e += (*e == q) ? 2 : 1;
            if (*e == q)
                e++;
            mlf__put(&o, p, (size_t)(e - p));
            p = e;
            continue;
        }
        if (*p == '?') {
            p++;
            int n;
            if (isdigit((unsigned char)*p)) {
                n = (int)strtol(p, (char **)&p, 10);
            } else {
                n = max_param + 1;
            }
            if (n > max_param)
                max_param = n;
            char num[16];
            snprintf(num, sizeof(num), "$%d", n);
            mlf__puts(&o, num);
            continue;
        }
        if (*p == '(') {
            depth++;
            mlf__put(&o, p++, 1);
            continue;
        }
        if (*p == ')') {
            if (n_json > 0 && json_depth[n_json - 1] == depth) {
                n_json--;
                mlf__puts(&o, "::json)");
                p++;
                depth--;
                /* `json_each(x) AS j`: j.value and j.key (the element's position) as SQLite names them */
                const char *a = mlf__skip_space(p);
                size_t an = mlf__word(a);
                if (an > 0 && mlf__is(a, an, "AS")) {
                    const char *id = mlf__skip_space(a + an);
                    size_t idn = mlf__word(id);
                    if (idn > 0) {
                        mlf__puts(&o, " WITH ORDINALITY AS ");
                        mlf__put(&o, id, idn);
                        mlf__puts(&o, "(value, \"key\")");
                        p = id + idn;
                    }
                }
                continue;
            }
            depth--;
            mlf__put(&o, p++, 1);
            continue;
        }
        size_t wn = mlf__word(p);
        if (wn == 0 || (p > sql && (mlf__word_char(p[-1]) || p[-1] == '$'))) {
            if (wn == 0)
                wn = 1;
            mlf__put(&o, p, wn);
            p += wn;
            continue;
        }
        if (mlf__is(p, wn, "json_each") && *mlf__skip_space(p + wn) == '(' && n_json < 32) {
            mlf__puts(&o, "json_array_elements_text(");
            p = mlf__skip_space(p + wn) + 1;
            depth++;
            json_depth[n_json++] = depth;
            continue;
        }
        if (mlf__is(p, wn, "rowid")) {
            size_t qn = 0;
            if (o.n > 0 && o.s[o.n - 1] == '.') {
                size_t end = o.n - 1;
                while (qn < end && mlf__word_char(o.s[end - qn - 1]))
                    qn++;
                o.n = end - qn;
                char qual[128];
                snprintf(qual, sizeof(qual), "%.*s", (int)qn, o.s + o.n);
                o.s[o.n] = '\0';
                mlf__rowid(&o, qual, qn);
            } else {
                mlf__rowid(&o, NULL, 0);
            }
            p += wn;
            continue;
        }
        if (mlf__is(p, wn, "CROSS")) {
            /* `CROSS JOIN t ON ...` is SQLite's planner hint for an inner join; PostgreSQL wants JOIN ... ON */
            const char *a = mlf__skip_space(p + wn);
            size_t an = mlf__word(a);
            if (an > 0 && mlf__is(a, an, "JOIN")) {
                p = a;
                continue;
            }
        }
        if (mlf__is(p, wn, "IN")) {
            const char *a = mlf__skip_space(p + wn);
            if (*a == '(' && *mlf__skip_space(a + 1) == ')') {
                /* SQLite's empty list: no row matches IN, every row NOT IN (an untyped '{}' takes the column's type) */
                bool neg = o.n >= 4 && strncasecmp(o.s + o.n - 4, "NOT ", 4) == 0;
                if (neg)
                    o.n -= 4;
                mlf__puts(&o, neg ? "<> ALL ('{}')" : "= ANY ('{}')");
                p = mlf__skip_space(a + 1) + 1;
                continue;
            }
        }
        if (mlf__is(p, wn, "IS")) {
            const char *a = mlf__skip_space(p + wn);
            size_t an = mlf__word(a);
            bool neg = an > 0 && mlf__is(a, an, "NOT");
            const char *b = neg ? mlf__skip_space(a + an) : a;
            if (*b == '?') {
                /* `IS ?` takes only NULL or a boolean in PostgreSQL; SQLite's IS is null-safe equality */
                mlf__puts(&o, neg ? "IS DISTINCT FROM " : "IS NOT DISTINCT FROM ");
                p = b;
                continue;
            }
        }
        mlf__put(&o, p, wn);
        p += wn;
    }
    *ret_n_params = max_param;
    return o.s;
}
