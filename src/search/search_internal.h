/*
 * Internal to src/search: helpers shared by filter.c and order_by.c, named
 * after the SearchUtils methods they port.
 */
#ifndef MLF_SEARCH_INTERNAL_H
#define MLF_SEARCH_INTERNAL_H

#include <stdbool.h>

#include "core/error.h"
#include "core/pool.h"
#include "search/search.h"

/*
 * Python prints MLflow's key and comparator sets with str(set), whose order
 * depends on string hashing (random per process); we print them in the order
 * the source lists them. MLflow's tests match only the text before the set.
 */
#define MLF__SET_RUN_SEARCH_KEYS                                                                                       \
    "{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created', 'Created', "    \
    "'run name', 'Run name', 'Run Name'}"
#define MLF__SET_RUN_ORDER_KEYS                                                                                        \
    "{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created', 'Created'}"
#define MLF__SET_DATASET_KEYS "{'name', 'digest', 'context'}"
#define MLF__SET_EXP_SEARCH_KEYS "{'name', 'experiment_id', 'creation_time', 'last_update_time'}"
/* a Python set: its order depends on the server's string hashing (PYTHONHASHSEED) */
#define MLF__SET_EVAL_DS_ORDER_KEYS "{'name', 'created_time', 'last_update_time'}"
#define MLF__SET_EXP_ORDER_KEYS "{'name', 'experiment_id', 'creation_time', 'last_update_time'}"
#define MLF__SET_RM_SEARCH_KEYS "{'name'}"
#define MLF__SET_RM_ORDER_RECOMMENDED "{'name', 'timestamp'}"
#define MLF__SET_MV_SEARCH_KEYS "{'name', 'version_number', 'run_id', 'source_path'}"
#define MLF__SET_MV_ORDER_KEYS "{'name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'}"
#define MLF__SET_MV_NUMERIC_KEYS "{'version_number', 'creation_timestamp', 'last_updated_timestamp'}"
#define MLF__SET_NUMERIC_COMPARATORS "{'>', '>=', '!=', '=', '<', '<='}"
#define MLF__SET_STRING_COMPARATORS "{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}"
#define MLF__SET_PARAM_COMPARATORS "{'!=', '=', 'LIKE', 'ILIKE'}"
#define MLF__SET_KV_COMPARATORS "{'!=', '=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'}"
#define MLF__LIST_IDENTIFIERS "['metric', 'parameter', 'tag', 'attribute', 'dataset']"
#define MLF__TUPLE_MODEL_ENTITIES "('attribute', 'tag', 'tags')"
#define MLF__TUPLE_EXP_ENTITIES "('attribute', 'attributes', 'tag', 'tags')"

/** An identifier split into entity and key, as MLflow's _get_identifier returns it. */
typedef struct mlf__ident {
    mlf_search_entity entity;
    const char *key; /* quotes and backticks removed, alias not yet translated */
} mlf__ident;

/** SearchUtils._strip_quotes(value, expect_quoted_value=False). */
const char *mlf__search_strip_quotes(mlf_pool *pool, const char *value);
/** SearchUtils._trim_backticks. */
const char *mlf__search_trim_backticks(mlf_pool *pool, const char *value);
/** SearchUtils.translate_key_alias (runs). */
const char *mlf__search_translate_alias(const char *key);

/** SearchUtils._get_identifier (runs), with MLflow's messages. */
int mlf__search_runs_identifier(mlf_pool *pool, const char *identifier, bool order_by, mlf__ident *out,
                                mlf_error *err);
/** SearchExperimentsUtils._get_identifier (experiments: also `attributes.`; otherwise the model
 *  registry's entities), with valid_keys_set printed in errors. */
int mlf__search_exp_identifier(mlf_pool *pool, const char *identifier, const char *const *valid_keys,
                               const char *valid_keys_set, bool experiments, mlf__ident *out, mlf_error *err);
/** One entry of _join_in_comparison_tokens' result. */
typedef struct mlf__item {
    struct mlf__tok *tok;      /* an original statement token, or NULL for a joined IN */
    struct mlf__tok *parts[3]; /* joined: identifier, IN keyword (NULL for NOT IN), parenthesis */
    bool not_in;
    const char *null_cmp;      /* joined `IS NULL` / `IS NOT NULL`: the comparator; parts[0] only */
} mlf__item;

/** _join_in_comparison_tokens (sqlparse >= 0.4.4) over a statement's tokens, whitespace dropped. */
mlf__item *mlf__search_join_in(mlf_pool *pool, const char *src, const struct mlf__tok *stmt, size_t *ret_n);

/** SearchUtils._parse_order_by_string (with _validate_order_by_and_generate_token): the key text, stripped,
 *  and the direction, with MLflow's messages. */
int mlf__search_order_token(mlf_pool *pool, const char *order_by, const char **ret_value, bool *ret_asc,
                            mlf_error *err);

/**
 * SearchUtils.parse_search_filter's statement and _process_statement's clause check: the items of filter's
 * one statement (traces: joined as for search_traces), with MLflow's errors for a filter that does not parse,
 * that holds several statements, or with parts that are no comparison (quote_bad: each named in quotes, as
 * the run and trace searches name them). *ret_n_cmp: how many items are comparisons.
 */
int mlf__search_items(mlf_pool *pool, const char *filter, bool traces, bool quote_bad, mlf__item **ret,
                      size_t *ret_n, size_t *ret_n_cmp, mlf_error *err);

/** SearchUtils._parse_list_from_sql_token of a "( ... )" token's text: its strings, or MLflow's error. */
int mlf__search_parse_list(mlf_pool *pool, const char *text, const char ***ret, size_t *ret_n, mlf_error *err);
/** float() of a sqlparse number token's text. */
double mlf__search_number_value(mlf_pool *pool, const char *text);
/** str.upper() of a comparator token. */
char *mlf__search_upper(mlf_pool *pool, const char *s);

/** Whether key is one of the NULL-terminated list. */
bool mlf__search_in(const char *key, const char *const *list);

#endif
