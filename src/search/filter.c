/*
 * Search filters: MLflow's SearchUtils / SearchExperimentsUtils /
 * SearchModelUtils / SearchModelVersionUtils.parse_search_filter, followed by
 * the comparator checks their SQL stores make (sqlalchemy_store.py), so that
 * every filter MLflow rejects is rejected here with the same message, in the
 * same order (all clauses are parsed before any comparator is checked).
 *
 * The token tree comes from sqlparse.c, a port of the sqlparse library MLflow
 * relies on; the validation below walks it exactly as MLflow's Python does.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "search/pyutil.h"
#include "core/text.h"
#include "store/pystr.h"
#include "search/search.h"
#include "search/search_internal.h"
#include "search/sqlparse.h"

#define MLF__INVALID MLF_ERR_INVALID_PARAMETER_VALUE

static const char *const mlf__run_search_keys[] = {"artifact_uri", "end_time", "run_id",   "run_name",
                                                   "start_time",   "status",   "user_id",  "created",
                                                   "Created",      "run name", "Run name", "Run Name",
                                                   NULL};
static const char *const mlf__run_order_keys[] = {"artifact_uri", "end_time", "run_id",  "run_name", "start_time",
                                                  "status",       "user_id",  "created", "Created",  NULL};
static const char *const mlf__run_numeric_keys[] = {"start_time", "end_time", "created", "Created", NULL};
static const char *const mlf__dataset_keys[] = {"name", "digest", "context", NULL};
static const char *const mlf__exp_search_keys[] = {"name", "experiment_id", "creation_time", "last_update_time", NULL};
static const char *const mlf__exp_numeric_keys[] = {"creation_time", "last_update_time", NULL};
static const char *const mlf__rm_search_keys[] = {"name", NULL};
static const char *const mlf__mv_search_keys[] = {"name", "version_number", "run_id", "source_path", NULL};
static const char *const mlf__mv_numeric_keys[] = {"version_number", "creation_timestamp", "last_updated_timestamp",
                                                   NULL};
static const char *const mlf__numeric_comparators[] = {">", ">=", "!=", "=", "<", "<=", NULL};
static const char *const mlf__string_comparators[] = {"!=", "=", "LIKE", "ILIKE", "IN", "NOT IN", NULL};
static const char *const mlf__param_comparators[] = {"!=", "=", "LIKE", "ILIKE", NULL};
/* runs' params and tags (SearchUtils.VALID_PARAM_COMPARATORS / VALID_TAG_COMPARATORS) */
static const char *const mlf__kv_comparators[] = {"!=", "=", "LIKE", "ILIKE", "IS NULL", "IS NOT NULL", NULL};

/* ------------------------------------------------------------------ */
/* Shared helpers (search_internal.h)                                  */
/* ------------------------------------------------------------------ */

bool mlf__search_in(const char *key, const char *const *list)
{
    for (int k = 0; list[k]; k++)
        if (strcmp(key, list[k]) == 0)
            return true;
    return false;
}

static bool mlf__is_quoted(const char *v, char q)
{
    size_t n = strlen(v);
    return n >= 2 && v[0] == q && v[n - 1] == q;
}

const char *mlf__search_strip_quotes(mlf_pool *pool, const char *value)
{
    if (mlf__is_quoted(value, '\'') || mlf__is_quoted(value, '"'))
        return mlf_pool_strndup(pool, value + 1, strlen(value) - 2);
    return value;
}

const char *mlf__search_trim_backticks(mlf_pool *pool, const char *value)
{
    if (mlf__is_quoted(value, '`'))
        return mlf_pool_strndup(pool, value + 1, strlen(value) - 2);
    return value;
}

const char *mlf__search_translate_alias(const char *key)
{
    if (strcmp(key, "created") == 0 || strcmp(key, "Created") == 0)
        return "start_time";
    if (strcmp(key, "run name") == 0 || strcmp(key, "Run name") == 0 || strcmp(key, "Run Name") == 0)
        return "run_name";
    return key;
}

/* SearchUtils._valid_entity_type */
static int mlf__runs_entity(mlf_pool *pool, const char *raw, mlf_search_entity *out, mlf_error *err)
{
    static const struct {
        const char *name;
        mlf_search_entity entity;
    } names[] = {
        {"metric", MLF_ENTITY_METRIC},       {"metrics", MLF_ENTITY_METRIC},    {"parameter", MLF_ENTITY_PARAM},
        {"parameters", MLF_ENTITY_PARAM},    {"param", MLF_ENTITY_PARAM},       {"params", MLF_ENTITY_PARAM},
        {"tag", MLF_ENTITY_TAG},             {"tags", MLF_ENTITY_TAG},          {"attribute", MLF_ENTITY_ATTRIBUTE},
        {"attr", MLF_ENTITY_ATTRIBUTE},      {"attributes", MLF_ENTITY_ATTRIBUTE}, {"run", MLF_ENTITY_ATTRIBUTE},
        {"dataset", MLF_ENTITY_DATASET},     {"datasets", MLF_ENTITY_DATASET},
    };
    const char *entity = mlf__search_trim_backticks(pool, raw);
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
        if (strcmp(entity, names[k].name) == 0) {
            *out = names[k].entity;
            return 0;
        }
    return mlf_error_set(err, pool, MLF__INVALID, "Invalid entity type '%s'. Valid values are %s", entity,
                         MLF__LIST_IDENTIFIERS);
}

int mlf__search_runs_identifier(mlf_pool *pool, const char *identifier, bool order_by, mlf__ident *out,
                                mlf_error *err)
{
    const char *dot = strchr(identifier, '.');
    const char *key;
    mlf_search_entity entity = MLF_ENTITY_ATTRIBUTE;
    if (dot == NULL) {
        key = identifier;
    } else {
        int rc = mlf__runs_entity(pool, mlf_pool_strndup(pool, identifier, (size_t)(dot - identifier)), &entity, err);
        if (rc < 0)
            return rc;
        key = dot + 1;
    }
    key = mlf__search_trim_backticks(pool, mlf__search_strip_quotes(pool, key));
    if (entity == MLF_ENTITY_ATTRIBUTE && !mlf__search_in(key, order_by ? mlf__run_order_keys : mlf__run_search_keys))
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid attribute key '%s' specified. Valid keys are '%s'", key,
                             order_by ? MLF__SET_RUN_ORDER_KEYS : MLF__SET_RUN_SEARCH_KEYS);
    if (entity == MLF_ENTITY_DATASET && !mlf__search_in(key, mlf__dataset_keys))
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid dataset key '%s' specified. Valid keys are '%s'", key,
                             MLF__SET_DATASET_KEYS);
    out->entity = entity;
    out->key = key;
    return 0;
}

/* The entity part of the experiments and model registry identifiers. */
static int mlf__model_entity(mlf_pool *pool, const char *identifier, const char **key, mlf_search_entity *entity,
                             mlf_error *err)
{
    const char *dot = strchr(identifier, '.');
    if (dot == NULL) {
        *key = identifier;
        *entity = MLF_ENTITY_ATTRIBUTE;
        return 0;
    }
    char *name = mlf_pool_strndup(pool, identifier, (size_t)(dot - identifier));
    if (strcmp(name, "attribute") == 0)
        *entity = MLF_ENTITY_ATTRIBUTE;
    else if (strcmp(name, "tag") == 0 || strcmp(name, "tags") == 0)
        *entity = MLF_ENTITY_TAG;
    else
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid entity type '%s'. Valid entity types are %s", name,
                             MLF__TUPLE_MODEL_ENTITIES);
    *key = dot + 1;
    return 0;
}

/* SearchExperimentsUtils._get_identifier's entity part: ('attribute', 'attributes', 'tag', 'tags') */
static int mlf__exp_entity(mlf_pool *pool, const char *identifier, const char **key, mlf_search_entity *entity,
                           mlf_error *err)
{
    const char *dot = strchr(identifier, '.');
    if (dot == NULL) {
        *key = identifier;
        *entity = MLF_ENTITY_ATTRIBUTE;
        return 0;
    }
    char *name = mlf_pool_strndup(pool, identifier, (size_t)(dot - identifier));
    if (strcmp(name, "attribute") == 0 || strcmp(name, "attributes") == 0)
        *entity = MLF_ENTITY_ATTRIBUTE;
    else if (strcmp(name, "tag") == 0 || strcmp(name, "tags") == 0)
        *entity = MLF_ENTITY_TAG;
    else
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid entity type '%s'. Valid entity types are %s", name,
                             MLF__TUPLE_EXP_ENTITIES);
    *key = dot + 1;
    return 0;
}

int mlf__search_exp_identifier(mlf_pool *pool, const char *identifier, const char *const *valid_keys,
                               const char *valid_keys_set, bool experiments, mlf__ident *out, mlf_error *err)
{
    const char *key = identifier;
    mlf_search_entity entity = MLF_ENTITY_ATTRIBUTE;
    int rc = experiments ? mlf__exp_entity(pool, identifier, &key, &entity, err)
                         : mlf__model_entity(pool, identifier, &key, &entity, err);
    if (rc < 0)
        return rc;
    key = mlf__search_trim_backticks(pool, mlf__search_strip_quotes(pool, key));
    if (entity == MLF_ENTITY_ATTRIBUTE && !mlf__search_in(key, valid_keys))
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid attribute key '%s' specified. Valid keys are '%s'", key,
                             valid_keys_set);
    out->entity = entity;
    out->key = key;
    return 0;
}

/* SearchModelUtils._get_model_search_identifier and its model-version twin:
 * the attribute key is checked before its quotes are removed. */
static int mlf__model_identifier(mlf_pool *pool, const char *identifier, const char *const *valid_keys,
                                 const char *valid_keys_set, mlf__ident *out, mlf_error *err)
{
    const char *key = identifier;
    mlf_search_entity entity = MLF_ENTITY_ATTRIBUTE;
    int rc = mlf__model_entity(pool, identifier, &key, &entity, err);
    if (rc < 0)
        return rc;
    if (entity == MLF_ENTITY_ATTRIBUTE && !mlf__search_in(key, valid_keys))
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid attribute key '%s' specified. Valid keys are '%s'", key,
                             valid_keys_set);
    out->entity = entity;
    out->key = mlf__search_trim_backticks(pool, mlf__search_strip_quotes(pool, key));
    return 0;
}

/* ------------------------------------------------------------------ */
/* Comparisons                                                         */
/* ------------------------------------------------------------------ */

typedef struct mlf__fctx {
    mlf_pool *pool;
    const char *src;
    mlf_search_kind kind;
    mlf_error *err;
} mlf__fctx;

static char *mlf__text(const mlf__fctx *c, const mlf__tok *t)
{
    return mlf__sql_text(c->pool, c->src, t);
}

/* Python's float() of a sqlparse number (Unicode digits included). */
double mlf__search_number_value(mlf_pool *pool, const char *text)
{
    mlf_buf b;
    size_t n = strlen(text);
    mlf_buf_init(&b, pool, n + 1);
    for (size_t i = 0; i < n;) {
        size_t cl;
        uint32_t cp = mlf_text_utf8_decode(text + i, n - i, MLF_TEXT_UTF8_SURROGATES, &cl);
        int d = cp < 0x80 ? -1 : mlf_pystr_digit_value(cp);
        if (d >= 0)
            mlf_buf_putc(&b, (char)('0' + d));
        else
            mlf_buf_append(&b, text + i, cl);
        i += cl;
    }
    return strtod(b.data, NULL);
}

/* _strip_quotes(value, expect_quoted_value=True) */
static int mlf__expect_quoted(const mlf__fctx *c, const char *value, const char **out)
{
    if (mlf__is_quoted(value, '\'') || mlf__is_quoted(value, '"')) {
        *out = mlf_pool_strndup(c->pool, value + 1, strlen(value) - 2);
        return 0;
    }
    return mlf_error_set(c->err, c->pool, MLF__INVALID,
                         "Parameter value is either not quoted or unidentified quote types used for string value %s. "
                         "Use either single or double quotes.",
                         value);
}

static int mlf__set_string(const mlf__fctx *c, mlf_search_clause *cl, const mlf__tok *t)
{
    cl->value_kind = MLF_VALUE_STRING;
    return mlf__expect_quoted(c, mlf__text(c, t), &cl->str);
}

static void mlf__set_number(const mlf__fctx *c, mlf_search_clause *cl, const mlf__tok *t)
{
    cl->value_kind = MLF_VALUE_NUMBER;
    cl->num_is_float = t->tt == MLF__TT_NUM_FLOAT;
    cl->num_text = mlf__text(c, t);
    cl->num = mlf__search_number_value(c->pool, cl->num_text);
}

/* SearchUtils._parse_run_ids: ast.literal_eval of the parenthesis. MLflow then
 * keeps only the values for which Python's str.islower() is true (run ids are
 * lower-case hex; MySQL's IN is case-insensitive); that filter is left to the
 * store (see mlf_search_value_kept_in_list), so the clause has every value. */
static int mlf__set_list(const mlf__fctx *c, mlf_search_clause *cl, const mlf__tok *t)
{
    const char **strs;
    size_t n;
    int rc = mlf__search_parse_list(c->pool, mlf__text(c, t), &strs, &n, c->err);
    if (rc < 0)
        return rc;
    cl->value_kind = MLF_VALUE_LIST;
    cl->list = strs;
    cl->n_list = n;
    return 0;
}

int mlf__search_parse_list(mlf_pool *pool, const char *text, const char ***ret, size_t *ret_n, mlf_error *err)
{
    const mlf__fctx cc = {pool, text, MLF_SEARCH_RUNS, err};
    const mlf__fctx *c = &cc;
    const char **strs;
    size_t n;
    const char *repr;
    switch (mlf__py_literal_tuple(c->pool, text, &strs, &n, &repr)) {
    case MLF__PYLIT_SYNTAX_ERROR:
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "While parsing a list in the query, expected a non-empty list of string values, but got "
                             "ill-formed list.");
    case MLF__PYLIT_VALUE_ERROR:
        /* Python raises ValueError("malformed node or string ..."), which
         * MLflow does not catch: the server answers 500. */
        return mlf_error_set(c->err, c->pool, MLF_ERR_INTERNAL_ERROR, "malformed node or string: %s", text);
    case MLF__PYLIT_OK:
        break;
    }
    if (n == 0)
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "While parsing a list in the query, expected a non-empty list of string values, but got "
                             "empty list");
    if (strs == NULL)
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "While parsing a list in the query, expected string value, punctuation, or whitespace, "
                             "but got different type in list: %s",
                             repr);
    *ret = strs;
    *ret_n = n;
    return 0;
}

/* SearchUtils._get_value (runs and experiments) */
static int mlf__value_runs(const mlf__fctx *c, mlf_search_clause *cl, const char *key, const mlf__tok *t)
{
    char *v = mlf__text(c, t);
    switch (cl->entity) {
    case MLF_ENTITY_METRIC:
        if (!mlf__sql_is_number_value(t))
            return mlf_error_set(c->err, c->pool, MLF__INVALID, "Expected numeric value type for metric. Found %s", v);
        mlf__set_number(c, cl, t);
        return 0;
    case MLF_ENTITY_PARAM:
    case MLF_ENTITY_TAG:
        if (mlf__sql_is_string_value(t))
            return mlf__set_string(c, cl, t);
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "Expected a quoted string value for %s (e.g. 'my-value'). Got value %s",
                             cl->entity == MLF_ENTITY_PARAM ? "parameter" : "tag", v);
    case MLF_ENTITY_ATTRIBUTE: {
        const char *const *numeric = c->kind == MLF_SEARCH_RUNS ? mlf__run_numeric_keys : mlf__exp_numeric_keys;
        if (mlf__search_in(key, numeric)) {
            if (!mlf__sql_is_number_value(t))
                return mlf_error_set(c->err, c->pool, MLF__INVALID,
                                     "Expected numeric value type for numeric attribute: %s. Found %s", key, v);
            mlf__set_number(c, cl, t);
            return 0;
        }
        if (mlf__sql_is_string_value(t))
            return mlf__set_string(c, cl, t);
        if (t->cls == MLF__C_PARENTHESIS) {
            /* validate_list_supported: LIST_SUPPORTED_KEYS */
            const char *listable = c->kind == MLF_SEARCH_RUNS ? "run_id" : "experiment_id";
            if (strcmp(key, listable) != 0)
                return mlf_error_set(c->err, c->pool, MLF__INVALID,
                                     "Only ['%s'] attributes support comparison with a list of quoted string values.",
                                     listable);
            return mlf__set_list(c, cl, t);
        }
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "Expected a quoted string value for attributes. Got value %s", v);
    }
    case MLF_ENTITY_DATASET:
        if (mlf__sql_is_string_value(t))
            return mlf__set_string(c, cl, t);
        if (t->cls == MLF__C_PARENTHESIS)
            return mlf__set_list(c, cl, t);
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "Expected a quoted string value for dataset attributes. Got value %s", v);
    }
    return mlf_error_set(c->err, c->pool, MLF_ERR_INTERNAL_ERROR, "Invalid identifier type.");
}

/* SearchModelUtils._get_value and SearchModelVersionUtils._get_value */
static int mlf__value_models(const mlf__fctx *c, mlf_search_clause *cl, const char *key, const mlf__tok *t)
{
    char *v = mlf__text(c, t);
    if (cl->entity == MLF_ENTITY_TAG) {
        if (mlf__sql_is_string_value(t))
            return mlf__set_string(c, cl, t);
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "Expected a quoted string value for tag (e.g. 'my-value'). Got value %s", v);
    }
    if (mlf__sql_is_string_value(t))
        return mlf__set_string(c, cl, t);
    if (t->cls == MLF__C_PARENTHESIS) {
        /* LIST_SUPPORTED_KEYS: name for models, name and run_id for versions */
        bool versions = c->kind == MLF_SEARCH_MODEL_VERSIONS;
        if (strcmp(key, "name") != 0 && !(versions && strcmp(key, "run_id") == 0))
            return mlf_error_set(c->err, c->pool, MLF__INVALID,
                                 "Only %s attributes support comparison with a list of quoted string values.",
                                 versions ? "['name', 'run_id']" : "['name']");
        return mlf__set_list(c, cl, t);
    }
    if (c->kind == MLF_SEARCH_MODEL_VERSIONS && mlf__sql_is_number_value(t)) {
        if (!mlf__search_in(key, mlf__mv_numeric_keys))
            return mlf_error_set(c->err, c->pool, MLF__INVALID,
                                 "Only the '%s' attributes support comparison with numeric values.",
                                 MLF__SET_MV_NUMERIC_KEYS);
        mlf__set_number(c, cl, t);
        return 0;
    }
    return mlf_error_set(c->err, c->pool, MLF__INVALID,
                         "Expected a quoted string value or a list of quoted string values for attributes. Got value "
                         "%s",
                         v);
}

static bool mlf__op_from(const char *upper, mlf_search_op *op)
{
    static const struct {
        const char *text;
        mlf_search_op op;
    } ops[] = {{"=", MLF_OP_EQ},      {"!=", MLF_OP_NE},      {"<", MLF_OP_LT},  {"<=", MLF_OP_LE},
               {">", MLF_OP_GT},      {">=", MLF_OP_GE},      {"LIKE", MLF_OP_LIKE}, {"ILIKE", MLF_OP_ILIKE},
               {"IN", MLF_OP_IN},     {"NOT IN", MLF_OP_NOT_IN}, {"IS NULL", MLF_OP_IS_NULL},
               {"IS NOT NULL", MLF_OP_IS_NOT_NULL}};
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
        if (strcmp(upper, ops[k].text) == 0) {
            *op = ops[k].op;
            return true;
        }
    return false;
}

/* Python's str.upper() for a comparator token ("lıke" gives "LIKE"). A
 * character without an ASCII upper case (the Kelvin sign the lexer accepts
 * for K) is kept, so such a comparator never matches, as in Python. */
char *mlf__search_upper(mlf_pool *pool, const char *s)
{
    size_t n = strlen(s);
    char *out = mlf_pool_alloc(pool, 3 * n + 8);
    if (mlf_pystr_upper_ascii(s, n, out, 3 * n + 8) >= 0)
        return out;
    for (size_t i = 0; i <= n; i++)
        out[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32) : s[i];
    return out;
}

/* _get_comparison for one comparison: fills cl, comparator text in *cmp. */
static int mlf__comparison(const mlf__fctx *c, mlf__tok **parts, size_t n, const char *comparator,
                           mlf_search_clause *cl, const char **cmp)
{
    /* `x IS NULL` / `x IS NOT NULL`, joined by _join_in_comparison_tokens: an identifier and the comparator */
    bool is_null = n == 2 && comparator != NULL &&
                   (strcmp(comparator, "IS NULL") == 0 || strcmp(comparator, "IS NOT NULL") == 0);
    if (n != 3 && !is_null)
        return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid comparison clause. Expected 3 tokens found %zu",
                             n);
    if (parts[0]->cls != MLF__C_IDENTIFIER)
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "Invalid comparison clause. Expected 'Identifier' found '%s'", mlf__text(c, parts[0]));
    if (is_null && c->kind == MLF_SEARCH_REGISTERED_MODELS)
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "IS NULL / IS NOT NULL is not supported for registered model search.");
    if (is_null && c->kind == MLF_SEARCH_MODEL_VERSIONS)
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "IS NULL / IS NOT NULL is not supported for model version search.");
    if (comparator == NULL)
        comparator = mlf__text(c, parts[1]);
    const char *ident = mlf__text(c, parts[0]);
    mlf__ident id = {MLF_ENTITY_ATTRIBUTE, NULL};
    int rc;
    switch (c->kind) {
    case MLF_SEARCH_RUNS:
        rc = mlf__search_runs_identifier(c->pool, ident, false, &id, c->err);
        break;
    case MLF_SEARCH_EXPERIMENTS:
        rc = mlf__search_exp_identifier(c->pool, ident, mlf__exp_search_keys, MLF__SET_EXP_SEARCH_KEYS, true, &id,
                                        c->err);
        break;
    case MLF_SEARCH_REGISTERED_MODELS:
        rc = mlf__model_identifier(c->pool, ident, mlf__rm_search_keys, MLF__SET_RM_SEARCH_KEYS, &id, c->err);
        break;
    default:
        rc = mlf__model_identifier(c->pool, ident, mlf__mv_search_keys, MLF__SET_MV_SEARCH_KEYS, &id, c->err);
        break;
    }
    if (rc < 0)
        return rc;
    /* the model registry upper-cases the comparator while parsing */
    if (c->kind == MLF_SEARCH_REGISTERED_MODELS || c->kind == MLF_SEARCH_MODEL_VERSIONS)
        comparator = mlf__search_upper(c->pool, comparator);
    *cmp = comparator;
    cl->entity = id.entity;
    cl->key = id.key;
    if (is_null) {
        if (c->kind == MLF_SEARCH_RUNS && id.entity != MLF_ENTITY_TAG && id.entity != MLF_ENTITY_PARAM) {
            static const char *const types[] = {"attribute", "metric", "parameter", "tag", "dataset"};
            return mlf_error_set(c->err, c->pool, MLF__INVALID,
                                 "IS NULL / IS NOT NULL is only supported for tags and params, not for '%s' '%s'",
                                 types[id.entity], id.key);
        }
        if (c->kind == MLF_SEARCH_EXPERIMENTS && id.entity != MLF_ENTITY_TAG)
            return mlf_error_set(c->err, c->pool, MLF__INVALID,
                                 "IS NULL / IS NOT NULL is only supported for tags, not for attribute '%s'", id.key);
        cl->value_kind = MLF_VALUE_STRING;
        cl->str = NULL;
        return 0;
    }
    if (c->kind == MLF_SEARCH_RUNS || c->kind == MLF_SEARCH_EXPERIMENTS)
        return mlf__value_runs(c, cl, id.key, parts[2]);
    return mlf__value_models(c, cl, id.key, parts[2]);
}

/* ------------------------------------------------------------------ */
/* The stores' comparator checks                                       */
/* ------------------------------------------------------------------ */

static int mlf__check_runs(const mlf__fctx *c, mlf_search_clause *cl, const char *raw_cmp)
{
    const char *cmp = mlf__search_upper(c->pool, raw_cmp);
    /* sic: the store translates the aliases whatever the entity, so
     * tags.created searches the tag "start_time" */
    const char *key = mlf__search_translate_alias(cl->key);
    cl->key = key;
    switch (cl->entity) {
    case MLF_ENTITY_ATTRIBUTE:
        if (!mlf__search_in(key, mlf__run_numeric_keys)) {
            if (!mlf__search_in(cmp, mlf__string_comparators))
                return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid comparator '%s' not one of '%s'", cmp,
                                     MLF__SET_STRING_COMPARATORS);
        } else if (!mlf__search_in(cmp, mlf__numeric_comparators)) {
            /* sic: MLflow prints the string comparators here, without the closing quote */
            return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid comparator '%s' not one of '%s", cmp,
                                 MLF__SET_STRING_COMPARATORS);
        }
        break;
    case MLF_ENTITY_METRIC:
        if (!mlf__search_in(cmp, mlf__numeric_comparators))
            return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid comparator '%s' not one of '%s", cmp,
                                 MLF__SET_NUMERIC_COMPARATORS);
        break;
    case MLF_ENTITY_PARAM:
        if (!mlf__search_in(cmp, mlf__kv_comparators))
            return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid comparator '%s' not one of '%s'", cmp,
                                 MLF__SET_KV_COMPARATORS);
        break;
    case MLF_ENTITY_TAG:
        if (!mlf__search_in(cmp, mlf__kv_comparators))
            return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid comparator '%s' not one of '%s", cmp,
                                 MLF__SET_KV_COMPARATORS);
        break;
    case MLF_ENTITY_DATASET:
        if (!mlf__search_in(cmp, mlf__string_comparators))
            return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid comparator '%s' not one of '%s", cmp,
                                 MLF__SET_STRING_COMPARATORS);
        break;
    }
    mlf__op_from(cmp, &cl->op);
    return 0;
}

/* int(value) of a filter's experiment id, with _parse_experiment_id's error (a number too large for the
 * database is left to the store, which fails as the driver does) */
static int mlf__check_experiment_id(const mlf__fctx *c, const char *value)
{
    int64_t id;
    if (mlf_pystr_parse_int(value != NULL ? value : "", &id) == -1)
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "Invalid experiment ID '%s'. Experiment ID must be a valid integer.", value);
    return 0;
}

/* _get_search_experiments_filter_clauses (3.18): the comparator upper-cased; experiment_id takes =, !=, IN,
 * NOT IN and integer strings; the numeric attributes take integers only. */
static int mlf__check_experiments(const mlf__fctx *c, mlf_search_clause *cl, const char *raw_cmp)
{
    const char *cmp = mlf__search_upper(c->pool, raw_cmp);
    if (cl->entity == MLF_ENTITY_ATTRIBUTE && strcmp(cl->key, "experiment_id") == 0) {
        static const char *const id_ops[] = {"=", "!=", "IN", "NOT IN", NULL};
        if (!mlf__search_in(cmp, id_ops))
            return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid comparator for experiment_id: %s", cmp);
        for (size_t i = 0; i < (cl->value_kind == MLF_VALUE_LIST ? cl->n_list : 1); i++) {
            int rc = mlf__check_experiment_id(c, cl->value_kind == MLF_VALUE_LIST ? cl->list[i] : cl->str);
            if (rc < 0)
                return rc;
        }
    } else if (cl->entity == MLF_ENTITY_ATTRIBUTE) {
        if (!mlf__search_in(cl->key, mlf__exp_numeric_keys)) {
            if (!mlf__search_in(cmp, mlf__string_comparators))
                return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid comparator '%s' not one of '%s'", cmp,
                                     MLF__SET_STRING_COMPARATORS);
            if (!mlf__search_in(cmp, mlf__param_comparators))
                return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid comparator for string attribute: %s",
                                     cmp);
        } else {
            if (!mlf__search_in(cmp, mlf__numeric_comparators))
                return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid comparator '%s' not one of '%s", cmp,
                                     MLF__SET_STRING_COMPARATORS);
            /* _get_value gave a float for a float literal: refused */
            if (cl->value_kind == MLF_VALUE_NUMBER && cl->num_is_float)
                return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid value for numeric attribute '%s': '%s'",
                                     cl->key, mlf_pystr_repr_float(c->pool, cl->num));
        }
    } else if (!mlf__search_in(cmp, mlf__kv_comparators)) {
        return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid comparator for tag: %s", cmp);
    }
    mlf__op_from(cmp, &cl->op);
    return 0;
}

static int mlf__check_registered_models(const mlf__fctx *c, mlf_search_clause *cl, const char *cmp)
{
    /* the name attribute also takes IN and NOT IN lists; tags only the four */
    bool attribute = cl->entity == MLF_ENTITY_ATTRIBUTE;
    if (!mlf__search_in(cmp, attribute ? mlf__string_comparators : mlf__param_comparators))
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             attribute ? "Invalid comparator for attribute: %s" : "Invalid comparator for tag: %s",
                             cmp);
    mlf__op_from(cmp, &cl->op);
    return 0;
}

static int mlf__check_model_versions(const mlf__fctx *c, mlf_search_clause *cl, const char *cmp)
{
    if (cl->entity == MLF_ENTITY_ATTRIBUTE) {
        if (mlf__search_in(cl->key, mlf__mv_numeric_keys)) {
            if (!mlf__search_in(cmp, mlf__numeric_comparators))
                return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid comparator for attribute %s: %s", cl->key,
                                     cmp);
        } else if (!mlf__search_in(cmp, mlf__string_comparators) ||
                   ((strcmp(cmp, "IN") == 0 || strcmp(cmp, "NOT IN") == 0) && strcmp(cl->key, "run_id") != 0 &&
                    strcmp(cl->key, "name") != 0)) {
            return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid comparator for attribute: %s", cmp);
        }
        if (strcmp(cl->key, "source_path") == 0)
            cl->key = "source";
    } else if (!mlf__search_in(cmp, mlf__param_comparators)) {
        return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid comparator for tag: %s", cmp);
    }
    mlf__op_from(cmp, &cl->op);
    return 0;
}

/* ------------------------------------------------------------------ */
/* parse_search_filter                                                 */
/* ------------------------------------------------------------------ */

/* _join_in_comparison_tokens (search_internal.h); traces: search_traces=True */
static mlf__item *mlf__join_in(mlf_pool *pool, const char *src, const mlf__tok *stmt, bool traces, size_t *ret_n)
{
    const mlf__fctx cc = {pool, src, MLF_SEARCH_RUNS, NULL};
    const mlf__fctx *c = &cc;
    size_t n = 0;
    mlf__tok **toks = MLF_NEW_ARRAY(c->pool, mlf__tok *, stmt->n ? stmt->n : 1);
    for (size_t k = 0; k < stmt->n; k++)
        if (!mlf__sql_is_ws(stmt->kids[k]))
            toks[n++] = stmt->kids[k];
    mlf__item *out = MLF_NEW_ARRAY(c->pool, mlf__item, n ? 2 * n : 1); /* traces may repeat a token */
    size_t m = 0, i = 0;
    while (i < n) {
        mlf__tok *first = toks[i];
        if (n - i < 3) {
            for (; i < n; i++)
                out[m++].tok = toks[i];
            break;
        }
        if (traces && (mlf__sql_match(c->src, first, MLF__TT_NAME_BUILTIN, "timestamp") ||
                       mlf__sql_match(c->src, first, MLF__TT_NAME_BUILTIN, "timestamp_ms"))) {
            static const char *const numeric_ops[] = {">", ">=", "!=", "=", "<", "<=", NULL};
            mlf__tok *second = toks[i + 1], *third = toks[i + 2];
            bool op = second->cls == MLF__C_TOKEN && second->tt == MLF__TT_OP_COMPARISON &&
                      mlf__search_in(mlf__text(c, second), numeric_ops);
            i += 3;
            if (op && third->cls == MLF__C_TOKEN && third->tt == MLF__TT_NUM_INT) {
                out[m].parts[0] = first;
                out[m].parts[1] = second;
                out[m].parts[2] = third;
                m++;
                continue;
            }
            /* sic: the three are kept, then the first once more (it is no Identifier) */
            out[m++].tok = first;
            out[m++].tok = second;
            out[m++].tok = third;
            out[m++].tok = first;
            continue;
        }
        if (first->cls != MLF__C_IDENTIFIER) {
            out[m++].tok = first;
            i++;
            continue;
        }
        mlf__tok *second = toks[i + 1], *third = toks[i + 2];
        if (mlf__sql_match(c->src, second, MLF__TT_KEYWORD, "IN") && third->cls == MLF__C_PARENTHESIS) {
            out[m].parts[0] = first;
            out[m].parts[1] = second;
            out[m].parts[2] = third;
            m++;
            i += 3;
            continue;
        }
        /* `IS NULL` / `IS NOT NULL` (3.18): the identifier with the comparator, no value */
        if (mlf__sql_match(c->src, second, MLF__TT_KEYWORD, "IS")) {
            const char *null_cmp = NULL;
            if (mlf__sql_match(c->src, third, MLF__TT_KEYWORD, "NULL"))
                null_cmp = "IS NULL";
            else if (third->cls == MLF__C_TOKEN && third->tt == MLF__TT_KEYWORD &&
                     strcmp(mlf__search_upper(c->pool, mlf__text(c, third)), "NOT NULL") == 0)
                null_cmp = "IS NOT NULL";
            if (null_cmp != NULL) {
                out[m].parts[0] = first;
                out[m].null_cmp = null_cmp;
                m++;
                i += 3;
                continue;
            }
        }
        if (i + 3 >= n) {
            out[m++].tok = first;
            out[m++].tok = second;
            out[m++].tok = third;
            i += 3;
            break;
        }
        mlf__tok *fourth = toks[i + 3];
        if (mlf__sql_match(c->src, second, MLF__TT_KEYWORD, "NOT") &&
            mlf__sql_match(c->src, third, MLF__TT_KEYWORD, "IN") && fourth->cls == MLF__C_PARENTHESIS) {
            out[m].parts[0] = first;
            out[m].parts[2] = fourth;
            out[m].not_in = true;
            m++;
            i += 4;
            continue;
        }
        out[m++].tok = first;
        out[m++].tok = second;
        out[m++].tok = third;
        out[m++].tok = fourth;
        i += 4;
    }
    *ret_n = m;
    return out;
}

mlf__item *mlf__search_join_in(mlf_pool *pool, const char *src, const mlf__tok *stmt, size_t *ret_n)
{
    return mlf__join_in(pool, src, stmt, false, ret_n);
}

int mlf__search_items(mlf_pool *pool, const char *filter, bool traces, bool quote_bad, mlf__item **ret,
                      size_t *ret_n, size_t *ret_n_cmp, mlf_error *err)
{
    mlf__tok **stmts;
    size_t n_stmts;
    if (mlf__sql_parse(pool, filter, &stmts, &n_stmts) < 0)
        return mlf_error_set(err, pool, MLF__INVALID, "Error on parsing filter '%s'", filter);
    if (n_stmts == 0)
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid filter '%s'. Could not be parsed.", filter);
    if (n_stmts > 1)
        return mlf_error_set(err, pool, MLF__INVALID,
                             "Search filter contained multiple expression %s. Provide AND-ed expression list.",
                             mlf_pystr_repr(pool, filter));
    size_t n_items;
    mlf__item *items = mlf__join_in(pool, filter, stmts[0], traces, &n_items);
    mlf_buf bad;
    mlf_buf_init(&bad, pool, 64);
    size_t n_bad = 0, n_cmp = 0;
    for (size_t k = 0; k < n_items; k++) {
        mlf__tok *t = items[k].tok;
        if (t == NULL || t->cls == MLF__C_COMPARISON) {
            n_cmp++;
            continue;
        }
        if (mlf__sql_is_ws(t) || mlf__sql_match(filter, t, MLF__TT_KEYWORD, "AND"))
            continue;
        if (n_bad++)
            mlf_buf_puts(&bad, ", ");
        if (quote_bad)
            mlf_buf_printf(&bad, "'%s'", mlf__sql_text(pool, filter, t));
        else
            mlf_buf_puts(&bad, mlf__sql_text(pool, filter, t));
    }
    if (n_bad)
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid clause(s) in filter string: %s", bad.data);
    *ret = items;
    *ret_n = n_items;
    *ret_n_cmp = n_cmp;
    return 0;
}

int mlf_search_parse_filter_syntax(mlf_pool *pool, mlf_search_kind kind, const char *filter,
                                   mlf_search_clause **ret_clauses, size_t *ret_n, mlf_error *err)
{
    *ret_clauses = NULL;
    *ret_n = 0;
    if (filter == NULL || filter[0] == '\0')
        return 0;
    mlf__fctx c = {pool, filter, kind, err};
    size_t n_items, n_cmp;
    mlf__item *items;
    int prc = mlf__search_items(pool, filter, false, kind == MLF_SEARCH_RUNS, &items, &n_items, &n_cmp, err);
    if (prc < 0)
        return prc;

    mlf_search_clause *clauses = MLF_NEW_ARRAY(pool, mlf_search_clause, n_cmp ? n_cmp : 1);
    size_t m = 0;
    for (size_t k = 0; k < n_items; k++) {
        mlf__tok *t = items[k].tok;
        int rc;
        if (t == NULL && items[k].null_cmp != NULL) {
            rc = mlf__comparison(&c, items[k].parts, 2, items[k].null_cmp, &clauses[m], &clauses[m].comparator);
        } else if (t == NULL) {
            rc = mlf__comparison(&c, items[k].parts, 3,
                                 items[k].not_in ? "NOT IN" : mlf__text(&c, items[k].parts[1]), &clauses[m],
                                 &clauses[m].comparator);
        } else if (t->cls == MLF__C_COMPARISON) {
            mlf__tok **parts = MLF_NEW_ARRAY(pool, mlf__tok *, t->n ? t->n : 1);
            size_t n = 0;
            for (size_t j = 0; j < t->n; j++)
                if (!mlf__sql_is_ws(t->kids[j]))
                    parts[n++] = t->kids[j];
            rc = mlf__comparison(&c, parts, n, NULL, &clauses[m], &clauses[m].comparator);
        } else
            continue;
        if (rc < 0)
            return rc;
        m++;
    }

    *ret_clauses = clauses;
    *ret_n = m;
    return 0;
}

int mlf_search_check_filter(mlf_pool *pool, mlf_search_kind kind, mlf_search_clause *clauses, size_t m,
                            mlf_error *err)
{
    mlf__fctx c = {pool, "", kind, err};
    for (size_t k = 0; k < m; k++) {
        int rc;
        switch (kind) {
        case MLF_SEARCH_RUNS:
            rc = mlf__check_runs(&c, &clauses[k], clauses[k].comparator);
            break;
        case MLF_SEARCH_EXPERIMENTS:
            rc = mlf__check_experiments(&c, &clauses[k], clauses[k].comparator);
            break;
        case MLF_SEARCH_REGISTERED_MODELS:
            rc = mlf__check_registered_models(&c, &clauses[k], clauses[k].comparator);
            break;
        default:
            rc = mlf__check_model_versions(&c, &clauses[k], clauses[k].comparator);
            break;
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

int mlf_search_parse_filter(mlf_pool *pool, mlf_search_kind kind, const char *filter, mlf_search_clause **ret_clauses,
                            size_t *ret_n, mlf_error *err)
{
    int rc = mlf_search_parse_filter_syntax(pool, kind, filter, ret_clauses, ret_n, err);
    if (rc < 0)
        return rc;
    rc = mlf_search_check_filter(pool, kind, *ret_clauses, *ret_n, err);
    if (rc < 0) {
        *ret_clauses = NULL;
        *ret_n = 0;
    }
    return rc;
}

bool mlf_search_value_kept_in_list(const char *value)
{
    return mlf_pystr_islower(value);
}
