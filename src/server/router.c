/*
 * Literal routes (most of them) are found by binary search on the path;
 * routes with captures are tried in table order after that.
 */
#include "server/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mlf__pattern {
    const mlf_route *route;
    char *path; /** the full pattern, prefix applied */
    int literal;
} mlf__pattern;

struct mlf_router {
    mlf__pattern *literal; /** sorted by path */
    size_t n_literal;
    mlf__pattern *captured;
    size_t n_captured;
};

static int mlf__cmp_pattern(const void *a, const void *b)
{
    const mlf__pattern *pa = a, *pb = b;
    return strcmp(pa->path, pb->path);
}

mlf_router *mlf_router_create(const char *static_prefix)
{
    mlf_router *r = calloc(1, sizeof(*r));
    r->literal = calloc(mlf_n_routes, sizeof(*r->literal));
    r->captured = calloc(mlf_n_routes, sizeof(*r->captured));
    if (static_prefix == NULL)
        static_prefix = "";
    for (size_t i = 0; i < mlf_n_routes; i++) {
        const mlf_route *rt = &mlf_routes[i];
        const char *prefix = rt->prefixed ? static_prefix : "";
        size_t n = strlen(prefix) + strlen(rt->pattern) + 1;
        char *path = malloc(n);
        snprintf(path, n, "%s%s", prefix, rt->pattern);
        if (strchr(path, '{') == NULL)
            r->literal[r->n_literal++] = (mlf__pattern){rt, path, 1};
        else
            r->captured[r->n_captured++] = (mlf__pattern){rt, path, 0};
    }
    qsort(r->literal, r->n_literal, sizeof(*r->literal), mlf__cmp_pattern);
    return r;
}

void mlf_router_destroy(mlf_router *router)
{
    if (router == NULL)
        return;
    for (size_t i = 0; i < router->n_literal; i++)
        free(router->literal[i].path);
    for (size_t i = 0; i < router->n_captured; i++)
        free(router->captured[i].path);
    free(router->literal);
    free(router->captured);
    free(router);
}

/* Werkzeug gives every GET rule HEAD too. */
static int mlf__method_is(const mlf_route *rt, const char *method, size_t len)
{
    if (strlen(rt->method) == len && memcmp(rt->method, method, len) == 0)
        return 1;
    return len == 4 && memcmp(method, "HEAD", 4) == 0 && strcmp(rt->method, "GET") == 0;
}

/* An rpc not ported yet is no path of ours: another method on it is a 404, not a 405 (MLflow's
   _not_implemented ones are routes MLflow has, so they keep their 405). */
static int mlf__knows_path(const mlf_route *rt)
{
    return rt->rpc < 0 || mlf_rpcs[rt->rpc].call != NULL || (rt->flags & MLF_ROUTE_EMPTY_404);
}

/* Matches path against a pattern with {name} (one non-empty segment) and {+name} (the non-empty rest). */
static int mlf__match_captures(const char *pat, const char *path, size_t path_len, mlf_pool *pool,
                               mlf_route_match *m)
{
    const char *end = path + path_len;
    const char *p = path;
    m->n_params = 0;
    while (*pat) {
        if (*pat == '{') {
            const char *close = strchr(pat, '}');
            int rest = pat[1] == '+';
            const char *name = pat + 1 + rest;
            const char *seg_end = rest ? end : memchr(p, '/', (size_t)(end - p));
            if (seg_end == NULL)
                seg_end = end;
            /* Werkzeug's path converter does not start with a slash: "a//b" merges into a redirect */
            if (seg_end == p || (rest && *p == '/') || m->n_params == MLF_ROUTER_MAX_PARAMS)
                return 0;
            m->param_names[m->n_params] = mlf_pool_strndup(pool, name, (size_t)(close - name));
            m->param_values[m->n_params] = mlf_pool_strndup(pool, p, (size_t)(seg_end - p));
            m->n_params++;
            p = seg_end;
            pat = close + 1;
            continue;
        }
        if (p == end || *p != *pat)
            return 0;
        p++;
        pat++;
    }
    return p == end;
}

mlf_route_result mlf_router_match(const mlf_router *router, mlf_pool *pool, const char *method, size_t method_len,
                                  const char *path, size_t path_len, mlf_route_match *ret)
{
    const mlf_route *path_known = NULL;
    /* literal: find the first entry with this path, then scan its methods */
    size_t lo = 0, hi = router->n_literal;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *mp = router->literal[mid].path;
        int c = strncmp(mp, path, path_len);
        if (c == 0 && mp[path_len] != '\0')
            c = 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < router->n_literal; i++) {
        const char *mp = router->literal[i].path;
        if (strncmp(mp, path, path_len) != 0 || mp[path_len] != '\0')
            break;
        if (path_known == NULL && mlf__knows_path(router->literal[i].route))
            path_known = router->literal[i].route;
        if (mlf__method_is(router->literal[i].route, method, method_len)) {
            ret->route = router->literal[i].route;
            ret->n_params = 0;
            return MLF_ROUTE_FOUND;
        }
    }
    for (size_t i = 0; i < router->n_captured; i++) {
        mlf_route_match m;
        if (!mlf__match_captures(router->captured[i].path, path, path_len, pool, &m))
            continue;
        if (path_known == NULL && mlf__knows_path(router->captured[i].route))
            path_known = router->captured[i].route;
        if (mlf__method_is(router->captured[i].route, method, method_len)) {
            *ret = m;
            ret->route = router->captured[i].route;
            return MLF_ROUTE_FOUND;
        }
    }
    ret->route = path_known;
    ret->n_params = 0;
    return path_known != NULL ? MLF_ROUTE_BAD_METHOD : MLF_ROUTE_NOT_FOUND;
}
