/*
 * A stand-in for src/search while that module is being written: the store
 * and service test builds compile this file only when no source in
 * src/search defines mlf_search_page_token_encode.
 *
 * Page tokens have MLflow's format (base64 of {"offset": N}). The parsers
 * are minimal: a blank filter gives no clauses (anything else is refused),
 * order_by entries are `<attribute> [ASC|DESC]`.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "search/search.h"

static const char mlf__b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *mlf_search_page_token_encode(mlf_pool *pool, int64_t offset)
{
    char *json = mlf_pool_sprintf(pool, "{\"offset\": %" PRId64 "}", offset);
    size_t n = strlen(json);
    char *out = mlf_pool_alloc(pool, (n + 2) / 3 * 4 + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)json[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)json[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)json[i + 2];
        out[o++] = mlf__b64[(v >> 18) & 63];
        out[o++] = mlf__b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? mlf__b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? mlf__b64[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

int mlf_search_page_token_decode(mlf_pool *pool, const char *token, int64_t *ret_offset, mlf_error *err)
{
    *ret_offset = 0;
    if (token == NULL || token[0] == '\0')
        return 0;
    size_t n = strlen(token);
    char *json = mlf_pool_alloc(pool, n + 1);
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n && token[i] != '='; i++) {
        const char *p = strchr(mlf__b64, token[i]);
        if (p == NULL)
            goto bad;
        acc = (acc << 6) | (unsigned)(p - mlf__b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            json[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    json[o] = '\0';
    const char *num = strstr(json, "\"offset\":");
    if (num == NULL)
        goto bad;
    *ret_offset = strtoll(num + 9, NULL, 10);
    return 0;
bad:
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid page token, could not base64-decode");
}

int mlf_search_parse_filter(mlf_pool *pool, mlf_search_kind kind, const char *filter, mlf_search_clause **ret_clauses,
                            size_t *ret_n, mlf_error *err)
{
    (void)kind;
    *ret_clauses = NULL;
    *ret_n = 0;
    for (const char *p = filter != NULL ? filter : ""; *p != '\0'; p++)
        if (!isspace((unsigned char)*p))
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "search stub: filters are not supported");
    return 0;
}

int mlf_search_parse_order_by(mlf_pool *pool, mlf_search_kind kind, char *const *order_by, size_t n,
                              mlf_search_order **ret_orders, size_t *ret_n, mlf_error *err)
{
    (void)kind;
    (void)err;
    mlf_search_order *orders = MLF_NEW_ARRAY(pool, mlf_search_order, n + 1);
    for (size_t i = 0; i < n; i++) {
        char *s = mlf_pool_strdup(pool, order_by[i]);
        char *sp = strchr(s, ' ');
        orders[i].entity = MLF_ENTITY_ATTRIBUTE;
        orders[i].ascending = true;
        if (sp != NULL) {
            *sp = '\0';
            orders[i].ascending = strcmp(sp + 1, "DESC") != 0 && strcmp(sp + 1, "desc") != 0;
        }
        orders[i].key = s;
    }
    *ret_orders = orders;
    *ret_n = n;
    return 0;
}
