/*
 * The plain filters the web UI writes for the searches whose full grammar
 * (sqlparse-based SearchTraceUtils / SearchEvaluationDatasetsUtils) is not
 * ported yet: comparisons joined by AND, each `identifier op value`. A filter
 * outside this subset is reported as such, so that the caller refuses it
 * rather than guessing.
 */
#include <string.h>
#include <strings.h>

#include "search/search.h"

typedef struct {
    const char *p;
} mlf__lex;

static void mlf__skip_ws(mlf__lex *l)
{
    while (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' || *l->p == '\r')
        l->p++;
}

/* A quoted token (', " or `), or a run of identifier characters; NULL when there is none. */
static char *mlf__word(mlf_pool *pool, mlf__lex *l, bool *quoted)
{
    mlf__skip_ws(l);
    const char *s = l->p;
    *quoted = false;
    if (*s == '\'' || *s == '"' || *s == '`') {
        const char *e = strchr(s + 1, *s);
        if (e == NULL)
            return NULL;
        l->p = e + 1;
        *quoted = true;
        return mlf_pool_strndup(pool, s + 1, (size_t)(e - s - 1));
    }
    const char *e = s;
    while ((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') || (*e >= '0' && *e <= '9') || *e == '_' ||
           *e == '-' || *e == '.')
        e++;
    if (e == s)
        return NULL;
    l->p = e;
    return mlf_pool_strndup(pool, s, (size_t)(e - s));
}

static const char *mlf__op(mlf__lex *l)
{
    static const char *const ops[] = {"!=", "<=", ">=", "=", "<", ">"};
    static const char *const words[] = {"LIKE", "ILIKE"};
    mlf__skip_ws(l);
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(words[i]);
        char next = l->p[n];
        if (strncasecmp(l->p, words[i], n) == 0 &&
            (next == ' ' || next == '\t' || next == '\n' || next == '\'' || next == '"')) {
            l->p += n;
            return words[i];
        }
    }
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (strncmp(l->p, ops[i], strlen(ops[i])) == 0) {
            l->p += strlen(ops[i]);
            return ops[i];
        }
    return NULL;
}

int mlf_search_parse_simple(mlf_pool *pool, const char *filter, mlf_search_simple **ret, size_t *ret_n)
{
    size_t cap = 4, n = 0;
    mlf_search_simple *out = MLF_NEW_ARRAY(pool, mlf_search_simple, cap);
    mlf__lex l = {filter};
    for (;;) {
        bool quoted;
        char *ident = mlf__word(pool, &l, &quoted);
        if (ident == NULL || quoted || strchr(ident, '-') != NULL)
            return -1;
        mlf_search_simple c = {0};
        c.key = ident;
        char *dot = strchr(ident, '.');
        if (dot != NULL) {
            *dot = '\0';
            c.entity = ident;
            c.key = dot + 1;
            if (*c.key == '\0') { /* entity.`key` */
                char *k2 = mlf__word(pool, &l, &quoted);
                if (k2 == NULL || !quoted)
                    return -1;
                c.key = k2;
                c.key_quoted = true;
            }
        }
        c.op = mlf__op(&l);
        if (c.op == NULL)
            return -1;
        c.value = mlf__word(pool, &l, &c.value_quoted);
        if (c.value == NULL)
            return -1;
        if (n == cap) {
            mlf_search_simple *o2 = MLF_NEW_ARRAY(pool, mlf_search_simple, cap * 2);
            memcpy(o2, out, n * sizeof(*out));
            out = o2;
            cap *= 2;
        }
        out[n++] = c;
        mlf__skip_ws(&l);
        if (*l.p == '\0')
            break;
        if (strncasecmp(l.p, "AND", 3) != 0 || (l.p[3] != ' ' && l.p[3] != '\t' && l.p[3] != '\n'))
            return -1;
        l.p += 3;
    }
    *ret = out;
    *ret_n = n;
    return 0;
}
