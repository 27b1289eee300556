/*
 * Online scoring configurations (online_scoring_config.h): the request checks
 * of handlers.py, the checks SqlAlchemyStore.upsert_online_scoring_config makes
 * before its transaction, and the answers as json.dumps writes them. mlflow-c
 * stores the configurations; it never runs online scoring (that is a job of
 * MLflow's job runner, which a default `mlflow server` does not start either).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/rpc.h"
#include "search/search.h"
#include "service/tracking/online_scoring_config.h"
#include "store/pystr.h"
#include "store/store.h"

/* The schema of a handler that validates a request dict (_get_validated_flask_request_json). */
static int mlf__validate(mlf_pool *pool, const mlf_rule *rules, size_t n, const mlf_json *request, mlf_error *err)
{
    mlf_rpc rpc = {.rules = rules, .n_rules = n};
    mlf_rpc_request req = {.raw = request, .parse_failed = true};
    return mlf_rpc_validate(pool, &rpc, &req, err);
}

static void mlf__put_config(mlf_buf *b, const mlf_store_online_config *c)
{
    mlf_buf_puts(b, "{\"online_scoring_config_id\": ");
    mlf_json_write_string_ascii(b, c->id, strlen(c->id));
    mlf_buf_puts(b, ", \"scorer_id\": ");
    mlf_json_write_string_ascii(b, c->scorer_id, strlen(c->scorer_id));
    mlf_buf_puts(b, ", \"sample_rate\": ");
    mlf_json_write_double(b, c->sample_rate);
    mlf_buf_printf(b, ", \"experiment_id\": \"%" PRId64 "\"", c->experiment_id);
    if (c->filter_string != NULL) {
        mlf_buf_puts(b, ", \"filter_string\": ");
        mlf_json_write_string_ascii(b, c->filter_string, strlen(c->filter_string));
    }
    mlf_buf_putc(b, '}');
}

int mlf_tracking_get_online_scoring_configs(mlf_ctx *ctx, const mlf_json *request, const char **ret_json,
                                            mlf_error *err)
{
    static const mlf_rule rules[] = {
        {.field = "scorer_ids", .kind = MLF_RULE_REQUIRED},
        {.field = "scorer_ids", .kind = MLF_RULE_TYPE_ARRAY},
        {.field = "scorer_ids", .kind = MLF_RULE_TYPE_ITEMS_STRING},
    };
    mlf_pool *pool = ctx->pool;
    int rc = mlf__validate(pool, rules, sizeof(rules) / sizeof(rules[0]), request, err);
    if (rc < 0)
        return rc;
    const mlf_json *ids = mlf_json_get(request, "scorer_ids");
    size_t n = ids != NULL && ids->type == MLF_JSON_ARRAY ? ids->n : 0;
    const char **texts = MLF_NEW_ARRAY(pool, const char *, n ? n : 1);
    for (size_t i = 0; i < n; i++)
        texts[i] = ids->items[i]->text;
    mlf_store_online_config *configs;
    size_t n_configs;
    rc = mlf_store_get_online_scoring_configs(ctx->svc->store, pool, texts, n, &configs, &n_configs, err);
    if (rc < 0)
        return rc;
    mlf_buf b;
    mlf_buf_init(&b, pool, 128);
    mlf_buf_puts(&b, "{\"configs\": [");
    for (size_t i = 0; i < n_configs; i++) {
        if (i > 0)
            mlf_buf_puts(&b, ", ");
        mlf__put_config(&b, &configs[i]);
    }
    mlf_buf_puts(&b, "]}");
    *ret_json = b.data;
    return 0;
}

/* Python's float(str): surrounding whitespace, a decimal or inf/nan literal, '_' between digits. */
static bool mlf__py_float_str(mlf_pool *pool, const char *s, double *ret)
{
    char *t = mlf_pystr_strip(pool, s);
    size_t n = strlen(t);
    char *clean = mlf_pool_alloc(pool, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = t[i];
        if (ch == '_') {
            if (i == 0 || i + 1 == n || !isdigit((unsigned char)t[i - 1]) || !isdigit((unsigned char)t[i + 1]))
                return false;
            continue;
        }
        if (ch == 'x' || ch == 'X' || ch == '(' || ch == 'p' || ch == 'P')
            return false;
        clean[k++] = ch;
    }
    clean[k] = '\0';
    if (k == 0)
        return false;
    char *end;
    errno = 0;
    *ret = strtod(clean, &end);
    return *end == '\0';
}

int mlf_tracking_upsert_online_scoring_config(mlf_ctx *ctx, const mlf_json *request, const char **ret_json,
                                              bool *ret_uncaught, mlf_error *err)
{
    static const mlf_rule rules[] = {
        {.field = "experiment_id", .kind = MLF_RULE_REQUIRED},
        {.field = "experiment_id", .kind = MLF_RULE_TYPE_STRING},
        {.field = "name", .kind = MLF_RULE_REQUIRED},
        {.field = "name", .kind = MLF_RULE_TYPE_STRING},
        {.field = "sample_rate", .kind = MLF_RULE_REQUIRED},
    };
    mlf_pool *pool = ctx->pool;
    *ret_uncaught = false;
    int rc = mlf__validate(pool, rules, sizeof(rules) / sizeof(rules[0]), request, err);
    if (rc < 0)
        return rc;
    const mlf_json *filter = mlf_json_get(request, "filter_string");
    if (filter != NULL && filter->type != MLF_JSON_NULL && filter->type != MLF_JSON_STRING) {
        mlf_buf b;
        mlf_buf_init(&b, pool, 32);
        mlf_pystr_put_json_repr(pool, &b, filter, MLF_JSON_LOADS_MAX_DEPTH);
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid value %s for parameter 'filter_string' supplied: Value was of type '%s'. "
                             "Expected type 'str' or None.",
                             b.data, mlf_json_py_type(filter));
    }
    const char *filter_string = filter != NULL && filter->type == MLF_JSON_STRING ? filter->text : NULL;
    /* float(request_json["sample_rate"]) */
    const mlf_json *rate = mlf_json_get(request, "sample_rate");
    double sample_rate = 0;
    bool ok = true;
    if (rate->type == MLF_JSON_NUMBER)
        sample_rate = rate->number;
    else if (rate->type == MLF_JSON_BOOL)
        sample_rate = rate->boolean ? 1.0 : 0.0;
    else
        ok = rate->type == MLF_JSON_STRING && mlf__py_float_str(pool, rate->text, &sample_rate);
    if (!ok) {
        *ret_uncaught = true;
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "could not convert sample_rate to float");
    }
    if (!(sample_rate >= 0.0 && sample_rate <= 1.0))
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "sample_rate must be between 0.0 and 1.0, got %s", mlf_pystr_repr_float(pool, sample_rate));
    if (filter_string != NULL && filter_string[0] != '\0') {
        mlf_search_trace_clause *clauses;
        size_t n_clauses;
        rc = mlf_search_parse_trace_filter(pool, filter_string, &clauses, &n_clauses, err);
        if (rc < 0)
            return rc;
    }
    mlf_store_online_config config;
    rc = mlf_store_upsert_online_scoring_config(ctx->svc->store, pool, mlf_json_get(request, "experiment_id")->text,
                                                mlf_json_get(request, "name")->text, sample_rate, filter_string,
                                                &config, err);
    if (rc < 0)
        return rc;
    mlf_buf b;
    mlf_buf_init(&b, pool, 128);
    mlf_buf_puts(&b, "{\"config\": ");
    mlf__put_config(&b, &config);
    mlf_buf_putc(&b, '}');
    *ret_json = b.data;
    return 0;
}
