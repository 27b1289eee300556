/*
 * MLflow's search language, parsed into clauses that each store backend turns
 * into SQL with bound parameters. No text from a request ever reaches SQL
 * except as a bound value.
 *
 * The grammar and every error message follow mlflow/utils/search_utils.py
 * (inventory section 4): comparisons joined by AND, `entity.key` identifiers
 * with backtick or double-quote quoting, quoted string values, numeric values,
 * and ('a', 'b') lists for IN / NOT IN.
 */
#ifndef MLF_SEARCH_SEARCH_H
#define MLF_SEARCH_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/** What is being searched: each has its own identifiers and comparators. */
typedef enum mlf_search_kind {
    MLF_SEARCH_RUNS,
    MLF_SEARCH_EXPERIMENTS,
    MLF_SEARCH_REGISTERED_MODELS,
    MLF_SEARCH_MODEL_VERSIONS,
    MLF_SEARCH_EVAL_DATASETS, /* order_by only (searchEvaluationDatasets) */
} mlf_search_kind;

/** The entity an identifier names. */
typedef enum mlf_search_entity {
    MLF_ENTITY_ATTRIBUTE,
    MLF_ENTITY_METRIC,
    MLF_ENTITY_PARAM,
    MLF_ENTITY_TAG,
    MLF_ENTITY_DATASET, /* runs only: key is name, digest or context */
} mlf_search_entity;

typedef enum mlf_search_op {
    MLF_OP_EQ,
    MLF_OP_NE,
    MLF_OP_LT,
    MLF_OP_LE,
    MLF_OP_GT,
    MLF_OP_GE,
    MLF_OP_LIKE,
    MLF_OP_ILIKE,
    MLF_OP_IN,
    MLF_OP_NOT_IN,
    MLF_OP_IS_NULL,     /* runs: params and tags; experiments: tags (no value) */
    MLF_OP_IS_NOT_NULL,
} mlf_search_op;

typedef enum mlf_search_value_kind {
    MLF_VALUE_STRING,
    MLF_VALUE_NUMBER,
    MLF_VALUE_LIST, /* strings, for IN / NOT IN */
} mlf_search_value_kind;

/** One `identifier comparator value` comparison. */
typedef struct mlf_search_clause {
    mlf_search_entity entity;
    /** Key with quotes removed. Attributes are canonical: aliases are
     *  resolved (e.g. runs `created` -> `start_time`, `run name` -> `run_name`,
     *  model versions `source_path` -> `source`). */
    const char *key;
    mlf_search_op op;
    mlf_search_value_kind value_kind;
    const char *str;     /** MLF_VALUE_STRING */
    double num;          /** MLF_VALUE_NUMBER */
    const char *num_text; /** MLF_VALUE_NUMBER: the literal as written (exact int64s) */
    bool num_is_float;    /** MLF_VALUE_NUMBER: a float literal (Python's _get_value gives a float) */
    const char **list;   /** MLF_VALUE_LIST */
    size_t n_list;
    const char *comparator; /** as written, for the checks of mlf_search_check_filter */
} mlf_search_clause;

/** One order_by entry. */
typedef struct mlf_search_order {
    mlf_search_entity entity;
    const char *key; /** canonical, as in mlf_search_clause */
    bool ascending;
} mlf_search_order;

/**
 * Parses filter (NULL or "" means no clauses) for kind. On success sets
 * *ret_clauses (pool memory) and *ret_n and returns 0; otherwise returns a
 * negative code with MLflow's INVALID_PARAMETER_VALUE message in err.
 *
 * As in MLflow, a filter of only whitespace is an error ("Invalid filter
 * '   '. Could not be parsed."), and the comparator checks MLflow makes in its
 * SQL stores are made here too. A few inputs make MLflow fail with a Python
 * exception it does not catch (an HTTP 500); those return MLF_ERR_INTERNAL_ERROR.
 * List values (IN / NOT IN, run ids and dataset fields) are all kept: the
 * store drops those that mlf_search_value_kept_in_list() rejects, as MLflow does.
 */
int mlf_search_parse_filter(mlf_pool *pool, mlf_search_kind kind, const char *filter, mlf_search_clause **ret_clauses,
                            size_t *ret_n, mlf_error *err);

/**
 * The two halves of mlf_search_parse_filter, for searchRuns: MLflow 3.18's
 * SqlAlchemyStore._search_runs parses the filter (parse_search_filter), then
 * the order_by, and only then checks the filter's comparators (as it builds
 * the filter clauses). Clauses from the first are not usable before the
 * second succeeded (their op is not set).
 */
int mlf_search_parse_filter_syntax(mlf_pool *pool, mlf_search_kind kind, const char *filter,
                                   mlf_search_clause **ret_clauses, size_t *ret_n, mlf_error *err);
int mlf_search_check_filter(mlf_pool *pool, mlf_search_kind kind, mlf_search_clause *clauses, size_t n,
                            mlf_error *err);

/**
 * Whether MLflow 3.6 kept value in an IN / NOT IN list of run ids (or dataset
 * names, digests, contexts): Python's str.islower(), i.e. at least one cased
 * character and no upper-case one. (3.18's searchRuns keeps every value.)
 */
bool mlf_search_value_kept_in_list(const char *value);

/**
 * Parses the order_by strings ("metrics.loss DESC", "name") for kind, with
 * MLflow's validation (unknown keys, bad direction, duplicates) and messages.
 * n == 0 gives *ret_orders NULL and *ret_n 0 (the store's default order).
 */
int mlf_search_parse_order_by(mlf_pool *pool, mlf_search_kind kind, char *const *order_by, size_t n,
                              mlf_search_order **ret_orders, size_t *ret_n, mlf_error *err);

/**
 * Parses a searchLoggedModels filter as mlflow.utils.search_logged_model_utils
 * .parse_filter_string does (NULL or "" means no clauses): comparisons joined
 * by AND, identifiers `attributes|metrics|params|tags.<key>` or a bare
 * attribute (creation_time / creation_timestamp / last_updated_timestamp are
 * aliases), operators exactly as written (no upper-casing). Numeric entities
 * (metrics, the two timestamps) give MLF_VALUE_NUMBER; the others
 * MLF_VALUE_STRING, or MLF_VALUE_LIST for a parenthesised value (list NULL
 * when some item is not a str). Attribute keys are not checked against the
 * table here (MLflow does that when it builds the query). Errors are MLflow's
 * INVALID_PARAMETER_VALUE, or INTERNAL_ERROR where Python raises an exception
 * MLflow does not catch (float() or literal_eval failing).
 */
int mlf_search_parse_logged_model_filter(mlf_pool *pool, const char *filter, mlf_search_clause **ret_clauses,
                                         size_t *ret_n, mlf_error *err);

/**
 * Page tokens are base64 of JSON {"offset": N}, as MLflow's. NULL or "" gives
 * offset 0. A bad token returns INVALID_PARAMETER_VALUE with MLflow's message.
 */
int mlf_search_page_token_decode(mlf_pool *pool, const char *token, int64_t *ret_offset, mlf_error *err);
char *mlf_search_page_token_encode(mlf_pool *pool, int64_t offset);

/** One searchLoggedModels order_by entry as the handler passes it (NULL strings are None). */
typedef struct mlf_search_lm_order {
    const char *field_name;
    bool ascending;
    const char *dataset_name;
    const char *dataset_digest;
} mlf_search_lm_order;

/**
 * SearchLoggedModelsPaginationToken.decode(token).validate(...): the token
 * (not NULL nor "") must carry the same experiment ids, filter (NULL: None)
 * and order_by (n_orders 0: None) as the request; sets *ret_offset. Errors
 * are MLflow's INVALID_PARAMETER_VALUE messages, or INTERNAL_ERROR where
 * Python fails with an exception MLflow does not catch.
 */
int mlf_search_logged_model_token_decode(mlf_pool *pool, const char *token, char *const *experiment_ids, size_t n_ids,
                                         const char *filter, const mlf_search_lm_order *orders, size_t n_orders,
                                         int64_t *ret_offset, mlf_error *err);
/** The token of the next page: base64 of json.dumps of the same fields and offset. */
char *mlf_search_logged_model_token_encode(mlf_pool *pool, char *const *experiment_ids, size_t n_ids,
                                           const char *filter, const mlf_search_lm_order *orders, size_t n_orders,
                                           int64_t offset);

/** One comparison of a plain filter (mlf_search_parse_simple). */
typedef struct mlf_search_simple {
    const char *entity; /** the identifier's part before its first '.', or NULL */
    const char *key;    /** the rest (a quoted `key` / "key" after `entity.` without its quotes) */
    bool key_quoted;
    const char *op;     /** = != < <= > >= LIKE ILIKE (the words upper-cased) */
    const char *value;  /** without its quotes */
    bool value_quoted;
} mlf_search_simple;

/**
 * Parses the plain subset of MLflow's filters that searches not ported to the
 * full grammar take: comparisons `identifier op value` joined by AND (any
 * case), the identifier [A-Za-z0-9_.]+ or `entity.` then a quoted key, the
 * value quoted ('...', "...", `...`, no escapes) or a bare word. Returns 0
 * with the comparisons (pool memory), or -1 when filter is outside the subset
 * (the caller refuses it: it never ignores a filter).
 */
int mlf_search_parse_simple(mlf_pool *pool, const char *filter, mlf_search_simple **ret, size_t *ret_n);

/* ---- traces (searchTracesV3, searchTraces, calculateTraceFilterCorrelation, queryTraceMetrics) ---- */

/** What a trace filter clause names (SearchTraceUtils' identifier types, aliases resolved). */
typedef enum mlf_search_trace_type {
    MLF_TRACE_ATTRIBUTE,
    MLF_TRACE_TAG,
    MLF_TRACE_METADATA,
    MLF_TRACE_SPAN,
    MLF_TRACE_FEEDBACK,
    MLF_TRACE_EXPECTATION,
    MLF_TRACE_ISSUE,
} mlf_search_trace_type;

/** One clause of a trace filter, as SqlAlchemyStore's _get_filter_clauses_for_search_traces sees it. */
typedef struct mlf_search_trace_clause {
    mlf_search_trace_type type;
    /** after _replace_key_to_tag_or_metadata: name -> tag mlflow.traceName, run_id -> metadata
     *  mlflow.sourceRun, prompt -> tag mlflow.linkedPrompts, text -> span content, timestamp -> timestamp_ms,
     *  execution_time -> execution_time_ms, end_time -> end_time_ms */
    const char *key;
    const char *comparator; /** upper-cased: = != < <= > >= LIKE ILIKE RLIKE IN NOT IN IS NULL IS NOT NULL */
    mlf_search_value_kind value_kind; /** STRING (str NULL for IS [NOT] NULL), NUMBER or LIST */
    const char *str;
    double num;
    const char *num_text;
    bool num_is_float;
    const char **list;
    size_t n_list;
} mlf_search_trace_clause;

/**
 * Parses a searchTracesV3 filter (NULL or "": no clauses) as SearchTraceUtils
 * .parse_search_filter_for_search_traces does, then makes the comparator and value checks
 * _get_filter_clauses_for_search_traces makes clause by clause (issue, attribute, tag, metadata,
 * span, assessment comparators; the prompt filter's format; the reserved token/cost metadata),
 * with MLflow's messages; INTERNAL_ERROR where Python fails with an exception MLflow does not catch.
 */
int mlf_search_parse_trace_filter(mlf_pool *pool, const char *filter, mlf_search_trace_clause **ret, size_t *ret_n,
                                  mlf_error *err);

/** One searchTracesV3 order_by entry (parse_order_by_for_search_traces: aliases resolved). */
typedef struct mlf_search_trace_order {
    mlf_search_trace_type type; /** ATTRIBUTE, TAG or METADATA */
    const char *key;
    bool ascending;
} mlf_search_trace_order;

/**
 * Parses searchTracesV3's order_by as _get_orderby_clauses_for_search_traces does, entry by entry:
 * the clause's syntax, its identifier, the reserved metadata refusal, duplicates (a 500, as MLflow's
 * MlflowException without a code). n == 0 gives *ret NULL.
 */
int mlf_search_parse_trace_order_by(mlf_pool *pool, char *const *order_by, size_t n, mlf_search_trace_order **ret,
                                    mlf_error *err);

/** One queryTraceMetrics filter (SearchTraceMetricsUtils: `view.entity[.key] = 'value'`). */
typedef enum mlf_metrics_filter_view {
    MLF_METRICS_FILTER_TRACE,
    MLF_METRICS_FILTER_SPAN,
    MLF_METRICS_FILTER_ASSESSMENT,
} mlf_metrics_filter_view;

typedef struct mlf_search_metrics_filter {
    mlf_metrics_filter_view view;
    const char *entity; /** trace: status, tag, metadata; span: name, status, type; assessment: name, type */
    const char *key;    /** tag and metadata only */
    const char *value;
} mlf_search_metrics_filter;

/**
 * Parses one queryTraceMetrics filter string as SearchTraceMetricsUtils.parse_search_filter does (exactly
 * one `=` comparison with a quoted value), with MLflow's messages.
 */
int mlf_search_parse_trace_metrics_filter(mlf_pool *pool, const char *filter, mlf_search_metrics_filter *out,
                                          mlf_error *err);

#endif
