/*
 * order_by: MLflow's SearchUtils._parse_order_by_string (sqlparse, then
 * shlex) and each search's key rules, with the checks the SQL stores add
 * (duplicates, entity types) and their messages.
 */
#include <string.h>

#include "search/pyutil.h"
#include "core/text.h"
#include "store/pystr.h"
#include "search/search.h"
#include "search/search_internal.h"
#include "search/sqlparse.h"

#define MLF__INVALID MLF_ERR_INVALID_PARAMETER_VALUE

static const char *const mlf__exp_order_keys[] = {"name", "experiment_id", "creation_time", "last_update_time", NULL};
static const char *const mlf__eval_ds_order_keys[] = {"name", "created_time", "last_update_time", NULL};
static const char *const mlf__mv_order_keys[] = {"name", "version_number", "creation_timestamp",
                                                 "last_updated_timestamp", NULL};

/* _validate_order_by_and_generate_token + _parse_order_by_string (search_internal.h) */
int mlf__search_order_token(mlf_pool *pool, const char *order_by, const char **ret_value, bool *ret_asc,
                            mlf_error *err)
{
    mlf__tok **stmts;
    size_t n;
    if (mlf__sql_parse(pool, order_by, &stmts, &n) < 0)
        return mlf_error_set(err, pool, MLF__INVALID, "Error on parsing order_by clause '%s'", order_by);
    if (n != 1)
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid order_by clause '%s'. Could not be parsed.", order_by);
    const mlf__tok *st = stmts[0];
    const mlf__tok *first = st->kids[0], *last = st->kids[st->n - 1];
    const char *value;
    if (st->n == 1 && first->cls == MLF__C_IDENTIFIER) {
        value = mlf__sql_text(pool, order_by, first);
    } else if (st->n == 1 && mlf__sql_match(order_by, first, MLF__TT_NAME_BUILTIN, "timestamp")) {
        value = "timestamp";
    } else {
        /* "timestamp" is a builtin type name to sqlparse, never an Identifier */
        bool ok = mlf__sql_match(order_by, first, MLF__TT_NAME_BUILTIN, "timestamp") && last->cls == MLF__C_TOKEN &&
                  last->tt == MLF__TT_KW_ORDER;
        for (size_t k = 1; ok && k + 1 < st->n; k++)
            ok = mlf__sql_is_ws(st->kids[k]);
        if (!ok)
            return mlf_error_set(err, pool, MLF__INVALID, "Invalid order_by clause '%s'. Could not be parsed.",
                                 order_by);
        value = mlf_pool_sprintf(pool, "timestamp %s", mlf__sql_text(pool, order_by, last));
    }

    char *quoted = mlf_pool_strdup(pool, value);
    for (char *p = quoted; *p; p++)
        if (*p == '`')
            *p = '"';
    char **words;
    size_t nw;
    const char *shlex_err;
    if (mlf__shlex_split(pool, quoted, &words, &nw, &shlex_err) < 0)
        /* a ValueError MLflow does not catch: the server answers 500 */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "%s", shlex_err);
    bool asc = true;
    if (nw > 2)
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid order_by clause '%s'. Could not be parsed.", order_by);
    if (nw == 2) {
        char *dir = words[1];
        for (char *p = dir; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p + 32);
        if (strcmp(dir, "asc") != 0 && strcmp(dir, "desc") != 0)
            return mlf_error_set(err, pool, MLF__INVALID, "Invalid ordering key in order_by clause '%s'.", order_by);
        asc = strcmp(dir, "asc") == 0;
        value = words[0];
    }
    *ret_value = mlf_pystr_strip(pool, value);
    *ret_asc = asc;
    return 0;
}

int mlf_search_parse_order_by(mlf_pool *pool, mlf_search_kind kind, char *const *order_by, size_t n,
                              mlf_search_order **ret_orders, size_t *ret_n, mlf_error *err)
{
    *ret_orders = NULL;
    *ret_n = 0;
    if (n == 0) /* no order_by: the store's default order */
        return 0;
    mlf_search_order *orders = MLF_NEW_ARRAY(pool, mlf_search_order, n);
    for (size_t k = 0; k < n; k++) {
        const char *value = NULL;
        bool asc = true;
        int rc = mlf__search_order_token(pool, order_by[k], &value, &asc, err);
        if (rc < 0)
            return rc;
        mlf__ident id = {MLF_ENTITY_ATTRIBUTE, NULL};
        switch (kind) {
        case MLF_SEARCH_RUNS:
            rc = mlf__search_runs_identifier(pool, value, true, &id, err);
            if (rc < 0)
                return rc;
            id.key = mlf__search_translate_alias(id.key);
            if (id.entity == MLF_ENTITY_DATASET) /* _get_orderby_clauses */
                return mlf_error_set(err, pool, MLF__INVALID, "Invalid identifier type '%s'", "dataset");
            break;
        case MLF_SEARCH_EXPERIMENTS:
            rc = mlf__search_exp_identifier(pool, value, mlf__exp_order_keys, MLF__SET_EXP_ORDER_KEYS, true, &id, err);
            if (rc < 0)
                return rc;
            if (id.entity != MLF_ENTITY_ATTRIBUTE)
                return mlf_error_set(err, pool, MLF__INVALID, "Invalid order_by entity: %s", "tag");
            break;
        case MLF_SEARCH_EVAL_DATASETS: {
            /* SearchEvaluationDatasetsUtils._get_identifier, then the store's
             * _get_search_datasets_order_by_clauses refuses tags */
            const char *dot = strchr(value, '.');
            if (dot == NULL) {
                if (!mlf__search_in(value, mlf__eval_ds_order_keys))
                    return mlf_error_set(err, pool, MLF__INVALID,
                                         "Invalid attribute key '%s' specified. Valid keys are: %s", value,
                                         MLF__SET_EVAL_DS_ORDER_KEYS);
                id.key = value;
                break;
            }
            const char *head = mlf_pool_strndup(pool, value, (size_t)(dot - value));
            if (strcmp(head, "tags") != 0)
                return mlf_error_set(err, pool, MLF__INVALID, "Invalid identifier token '%s' specified", head);
            return mlf_error_set(err, pool, MLF__INVALID, "Invalid order_by entity: %s", "tag");
        }
        case MLF_SEARCH_REGISTERED_MODELS:
            /* SearchUtils.parse_order_by_for_search_registered_models; both
             * timestamps sort by the last update time */
            if (strcmp(value, "name") == 0)
                id.key = "name";
            else if (strcmp(value, "timestamp") == 0 || strcmp(value, "last_updated_timestamp") == 0)
                id.key = "last_updated_timestamp";
            else
                return mlf_error_set(err, pool, MLF__INVALID, "Invalid order by key '%s' specified. Valid keys are '%s'",
                                     value, MLF__SET_RM_ORDER_RECOMMENDED);
            id.entity = MLF_ENTITY_ATTRIBUTE;
            break;
        default:
            rc = mlf__search_exp_identifier(pool, value, mlf__mv_order_keys, MLF__SET_MV_ORDER_KEYS, false, &id, err);
            if (rc < 0)
                return rc;
            /* the store looks at the key only: tags.name sorts by name */
            if (!mlf__search_in(id.key, mlf__mv_order_keys))
                return mlf_error_set(err, pool, MLF__INVALID, "Invalid order by key '%s' specified. Valid keys are %s",
                                     id.key, MLF__SET_MV_ORDER_KEYS);
            id.entity = MLF_ENTITY_ATTRIBUTE;
            break;
        }
        if (kind != MLF_SEARCH_EXPERIMENTS && kind != MLF_SEARCH_EVAL_DATASETS) {
            for (size_t j = 0; j < k; j++)
                if (orders[j].entity == id.entity && strcmp(orders[j].key, id.key) == 0)
                    /* raised without an error code: INTERNAL_ERROR, a 500 */
                    return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "`order_by` contains duplicate fields: %s",
                                         mlf_pystr_repr_list(pool, (const char *const *)order_by, n));
        }
        orders[k].entity = id.entity;
        orders[k].key = id.key;
        orders[k].ascending = asc;
    }
    *ret_orders = orders;
    *ret_n = n;
    return 0;
}
