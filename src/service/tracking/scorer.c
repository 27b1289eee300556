/*
 * Scorers: registerScorer, listScorers, listScorerVersions, getScorer and
 * deleteScorer as mlflow/server/handlers.py (3.18) answers them
 * (_register_scorer ... _delete_scorer), over the store's scorer.c. The
 * server never runs a scorer: registerScorer's checks of the payload
 * (_validate_serialized_scorer_payload) are MLflow's, which refuse custom
 * (@scorer) code unless MLFLOW_SERVER_ENABLE_CUSTOM_SCORERS is set.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "generated/service_api.h"
#include "service/tracking/scorer.h"
#include "service/validate.h"
#include "store/pystr.h"

/* MLflow's DECORATOR_SCORER_REGISTRATION_NOT_SUPPORTED_ERROR */
#define MLF__CUSTOM_SCORER_BLOCKED                                                                                     \
    "Custom scorer registration (using @scorer decorator) is disabled by default outside of Databricks tracking "   \
    "environments due to security concerns. Custom scorers require arbitrary code execution during "                \
    "deserialization.\n\nTo use custom scorers:\n1. Configure MLflow to use a Databricks tracking URI, or\n2. "      \
    "Manage your custom scorer code in a source code repository (e.g., GitHub) and import it directly, or\n3. On "  \
    "a self-managed MLflow server (or local environment) that you trust to run the scorer's code, set the "         \
    "MLFLOW_SERVER_ENABLE_CUSTOM_SCORERS environment variable to true, or\n4. Use built-in scorers or "             \
    "make_judge() scorers instead."

/* GATEWAY_DESTINATION_KEYS, sorted as the message lists them */
static const char *const mlf__destination_keys[] = {"api_base", "base_url", "custom_llm_provider", "fallbacks",
                                                    "model_list"};
#define MLF__N_DEST (sizeof(mlf__destination_keys) / sizeof(mlf__destination_keys[0]))

/* MLFLOW_SERVER_ENABLE_CUSTOM_SCORERS, read as MLflow's boolean variables are ("true" or "1") */
static bool mlf__custom_scorers_enabled(void)
{
    const char *v = getenv("MLFLOW_SERVER_ENABLE_CUSTOM_SCORERS");
    return v != NULL && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* _obj_has_call_source: a dict anywhere with a non-null "call_source" */
static bool mlf__has_call_source(const mlf_json *v, int depth)
{
    if (v == NULL || depth > MLF_JSON_LOADS_MAX_DEPTH)
        return false;
    if (v->type == MLF_JSON_OBJECT) {
        const mlf_json *cs = mlf_json_get(v, "call_source");
        if (cs != NULL && cs->type != MLF_JSON_NULL)
            return true;
    }
    if (v->type == MLF_JSON_OBJECT || v->type == MLF_JSON_ARRAY)
        for (size_t i = 0; i < v->n; i++)
            if (mlf__has_call_source(v->items[i], depth + 1))
                return true;
    return false;
}

/* str() of a name value */
static const char *mlf__py_str(mlf_pool *pool, const mlf_json *v)
{
    if (v->type == MLF_JSON_STRING)
        return v->text;
    if (v->type == MLF_JSON_BOOL)
        return v->boolean ? "True" : "False";
    mlf_buf b;
    mlf_buf_init(&b, pool, 32);
    mlf_json_write_python(&b, v);
    return b.data;
}

/* find_custom_scorer_without_source: the name of a dict whose call_source is a blank string, or NULL */
static const char *mlf__without_source(mlf_pool *pool, const mlf_json *v, int depth)
{
    if (v == NULL || depth > MLF_JSON_LOADS_MAX_DEPTH)
        return NULL;
    if (v->type == MLF_JSON_OBJECT) {
        const mlf_json *cs = mlf_json_get(v, "call_source");
        if (cs != NULL && cs->type == MLF_JSON_STRING && mlf_pystr_strip(pool, cs->text)[0] == '\0') {
            const mlf_json *name = mlf_json_get(v, "name");
            if (!mlf_json_truthy(name))
                name = mlf_json_get(v, "original_func_name");
            return mlf_json_truthy(name) ? mlf__py_str(pool, name) : "";
        }
    }
    if (v->type == MLF_JSON_OBJECT || v->type == MLF_JSON_ARRAY)
        for (size_t i = 0; i < v->n; i++) {
            const char *name = mlf__without_source(pool, v->items[i], depth + 1);
            if (name != NULL)
                return name;
        }
    return NULL;
}

/* _find_destination_keys: marks the GATEWAY_DESTINATION_KEYS found anywhere in v */
static void mlf__dest_keys(const mlf_json *v, bool *found, int depth)
{
    if (v == NULL || depth > MLF_JSON_LOADS_MAX_DEPTH)
        return;
    if (v->type == MLF_JSON_OBJECT) {
        for (size_t i = 0; i < v->n; i++) {
            for (size_t k = 0; k < MLF__N_DEST; k++)
                if (strcmp(v->keys[i], mlf__destination_keys[k]) == 0)
                    found[k] = true;
            mlf__dest_keys(v->items[i], found, depth + 1);
        }
    } else if (v->type == MLF_JSON_ARRAY) {
        for (size_t i = 0; i < v->n; i++) {
            const mlf_json *e = v->items[i];
            /* a list of two-item pairs, as dict() takes it */
            if (e->type == MLF_JSON_ARRAY && e->n == 2 && e->items[0]->type == MLF_JSON_STRING)
                for (size_t k = 0; k < MLF__N_DEST; k++)
                    if (strcmp(e->items[0]->text, mlf__destination_keys[k]) == 0)
                        found[k] = true;
            mlf__dest_keys(e, found, depth + 1);
        }
    }
}

/* _validate_third_party_scorer_data: every third_party_scorer_data object, depth first */
static int mlf__third_party(mlf_pool *pool, const mlf_json *v, int depth, mlf_error *err)
{
    if (v == NULL || depth > MLF_JSON_LOADS_MAX_DEPTH)
        return 0;
    if (v->type == MLF_JSON_OBJECT) {
        const mlf_json *data = mlf_json_get(v, "third_party_scorer_data");
        if (data != NULL && data->type == MLF_JSON_OBJECT) {
            const mlf_json *kwargs = mlf_json_get(data, "kwargs");
            if (kwargs != NULL && kwargs->type != MLF_JSON_NULL && kwargs->type != MLF_JSON_OBJECT)
                return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                     "third_party_scorer_data.kwargs must be a JSON object, got %s.",
                                     mlf_json_py_type(kwargs));
            bool found[MLF__N_DEST] = {false};
            mlf__dest_keys(kwargs, found, 0);
            mlf_buf b;
            mlf_buf_init(&b, pool, 64);
            for (size_t k = 0; k < MLF__N_DEST; k++)
                if (found[k])
                    mlf_buf_printf(&b, "%s'%s'", b.len ? ", " : "", mlf__destination_keys[k]);
            if (b.len > 0)
                return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                     "third_party_scorer_data.kwargs must not contain %s: these options choose where "
                                     "the scorer's LLM client sends requests. Configure the judge endpoint on the "
                                     "server instead, for example through a gateway endpoint ('gateway:/<name>') or "
                                     "the provider's environment variables.",
                                     b.data);
        }
    }
    if (v->type == MLF_JSON_OBJECT || v->type == MLF_JSON_ARRAY)
        for (size_t i = 0; i < v->n; i++) {
            int rc = mlf__third_party(pool, v->items[i], depth + 1, err);
            if (rc < 0)
                return rc;
        }
    return 0;
}

/* _validate_serialized_scorer_payload */
static int mlf__check_payload(mlf_pool *pool, const char *serialized, mlf_error *err)
{
    mlf_json *data;
    mlf_error perr = {0};
    if (mlf_json_parse_ex(pool, serialized, strlen(serialized), MLF_JSON_LOADS, &data, &perr) < 0)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "serialized_scorer must be valid JSON");
    if (mlf__has_call_source(data, 0) && !mlf__custom_scorers_enabled())
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, MLF__CUSTOM_SCORER_BLOCKED);
    const char *name = mlf__without_source(pool, data, 0);
    if (name != NULL)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Scorer '%s' has no source code: the body of its function is empty or could not be "
                             "read. Common causes: a lambda (use `def` instead), a body with only a docstring (add "
                             "the scoring code), an `async def` function (not supported), or a function defined "
                             "with `exec`, in a REPL, or in a file that changed after it was imported (define it "
                             "in a file or notebook cell, and register it before you change the file).",
                             name[0] != '\0' ? name : "<unnamed>");
    return mlf__third_party(pool, data, 0, err);
}

/* ScorerVersion.to_proto */
static Mlflow__Scorer *mlf__to_proto(mlf_pool *pool, const mlf_store_scorer *s)
{
    Mlflow__Scorer *p = MLF_NEW(pool, Mlflow__Scorer);
    mlflow__scorer__init(p);
    p->has_experiment_id = 1;
    p->experiment_id = (int32_t)s->experiment_id;
    p->scorer_name = (char *)s->name;
    p->has_scorer_version = 1;
    p->scorer_version = (int32_t)s->version;
    p->serialized_scorer = (char *)s->serialized;
    p->has_creation_time = 1;
    p->creation_time = s->creation_time;
    p->scorer_id = (char *)s->scorer_id;
    return p;
}

static Mlflow__Scorer **mlf__to_protos(mlf_pool *pool, const mlf_store_scorer *rows, size_t n)
{
    Mlflow__Scorer **out = MLF_NEW_ARRAY(pool, Mlflow__Scorer *, n ? n : 1);
    for (size_t i = 0; i < n; i++)
        out[i] = mlf__to_proto(pool, &rows[i]);
    return out;
}

int mlf_tracking_register_scorer(mlf_ctx *ctx, const Mlflow__RegisterScorer *req,
                                 Mlflow__RegisterScorer__Response *resp, mlf_error *err)
{
    int rc = mlf__check_payload(ctx->pool, req->serialized_scorer != NULL ? req->serialized_scorer : "", err);
    if (rc < 0)
        return rc;
    return mlf_tracking_register_scorer_store(ctx, req, resp, err);
}

/* The store's register_scorer, answered as the handler shapes its RegisterScorer.Response. */
int mlf_tracking_register_scorer_store(mlf_ctx *ctx, const Mlflow__RegisterScorer *req,
                                       Mlflow__RegisterScorer__Response *resp, mlf_error *err)
{
    mlf_store_scorer s;
    int rc = mlf_store_register_scorer(ctx->svc->store, ctx->pool, req->experiment_id, req->name,
                                       req->serialized_scorer, &s, err);
    if (rc < 0)
        return rc;
    resp->has_version = 1;
    resp->version = (int32_t)s.version;
    resp->scorer_id = (char *)s.scorer_id;
    resp->experiment_id = mlf_pool_sprintf(ctx->pool, "%" PRId64, s.experiment_id);
    resp->name = (char *)s.name;
    resp->serialized_scorer = (char *)s.serialized;
    resp->has_creation_time = 1;
    resp->creation_time = s.creation_time;
    return 0;
}

int mlf_tracking_list_scorers(mlf_ctx *ctx, const Mlflow__ListScorers *req, Mlflow__ListScorers__Response *resp,
                              mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    bool has_ids = mlf_ctx_has_field(ctx, "experiment_ids", "experimentIds", req->n_experiment_ids);
    bool has_id = req->experiment_id != NULL && req->experiment_id[0] != '\0';
    if (has_id && has_ids)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Cannot specify both 'experiment_id' and 'experiment_ids'. Use 'experiment_ids' to "
                             "scope the query to multiple experiments, or 'experiment_id' to scope it to a single "
                             "experiment.");
    mlf_store_scorer *rows;
    size_t n;
    int rc;
    if (has_ids) {
        /* dict.fromkeys: the distinct ids in their order, each checked, then int() of each */
        size_t m = req->n_experiment_ids;
        int64_t *ids = MLF_NEW_ARRAY(pool, int64_t, m ? m : 1);
        for (size_t i = 0; i < m; i++) {
            rc = mlf_validate_experiment_id(pool, req->experiment_ids[i], err);
            if (rc < 0)
                return rc;
        }
        for (size_t i = 0; i < m; i++) {
            int prc = mlf_pystr_parse_int(req->experiment_ids[i], &ids[i]);
            if (prc == -1)
                return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                     "Invalid experiment ID '%s'. Experiment ID must be a valid integer.",
                                     req->experiment_ids[i]);
            if (prc < 0)
                return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                     "Python int too large to convert to SQLite INTEGER");
        }
        rc = mlf_store_list_scorers(ctx->svc->store, pool, NULL, ids, m, false, &rows, &n, err);
    } else if (has_id) {
        rc = mlf_store_list_scorers(ctx->svc->store, pool, req->experiment_id, NULL, 0, false, &rows, &n, err);
    } else {
        rc = mlf_store_list_scorers(ctx->svc->store, pool, NULL, NULL, 0, true, &rows, &n, err);
    }
    if (rc < 0)
        return rc;
    resp->scorers = mlf__to_protos(pool, rows, n);
    resp->n_scorers = n;
    return 0;
}

int mlf_tracking_list_scorer_versions(mlf_ctx *ctx, const Mlflow__ListScorerVersions *req,
                                      Mlflow__ListScorerVersions__Response *resp, mlf_error *err)
{
    mlf_store_scorer *rows;
    size_t n;
    int rc = mlf_store_list_scorer_versions(ctx->svc->store, ctx->pool, req->experiment_id, req->name, &rows, &n, err);
    if (rc < 0)
        return rc;
    resp->scorers = mlf__to_protos(ctx->pool, rows, n);
    resp->n_scorers = n;
    return 0;
}

int mlf_tracking_get_scorer(mlf_ctx *ctx, const Mlflow__GetScorer *req, Mlflow__GetScorer__Response *resp,
                            mlf_error *err)
{
    int64_t version = req->version;
    mlf_store_scorer s;
    int rc = mlf_store_get_scorer(ctx->svc->store, ctx->pool, req->experiment_id, req->name,
                                  req->has_version ? &version : NULL, &s, err);
    if (rc < 0)
        return rc;
    resp->scorer = mlf__to_proto(ctx->pool, &s);
    return 0;
}

int mlf_tracking_delete_scorer(mlf_ctx *ctx, const Mlflow__DeleteScorer *req, Mlflow__DeleteScorer__Response *resp,
                               mlf_error *err)
{
    (void)resp;
    int64_t version = req->version;
    return mlf_store_delete_scorer(ctx->svc->store, ctx->pool, req->experiment_id, req->name,
                                   req->has_version ? &version : NULL, err);
}

int mlf_tracking_invoke_scorer(mlf_ctx *ctx, const mlf_json *body, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    if (body == NULL || body->type != MLF_JSON_OBJECT) /* args.get(...) on what request.json gave */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' object has no attribute 'get'",
                             mlf_json_py_type(body));
    const mlf_json *experiment_id = mlf_json_get(body, "experiment_id");
    const mlf_json *serialized = mlf_json_get(body, "serialized_scorer");
    const mlf_json *name = mlf_json_get(body, "scorer_name");
    const mlf_json *version = mlf_json_get(body, "scorer_version");
    const mlf_json *trace_ids = mlf_json_get(body, "trace_ids");
    if (!mlf_json_truthy(experiment_id))
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Missing required parameter: experiment_id");
    if (!mlf_json_truthy(serialized))
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Missing required parameter: serialized_scorer");
    if (!mlf_json_truthy(trace_ids))
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Please select at least one trace to evaluate.");
    bool ids_ok = trace_ids->type == MLF_JSON_ARRAY;
    for (size_t i = 0; ids_ok && i < trace_ids->n; i++)
        ids_ok = trace_ids->items[i]->type == MLF_JSON_STRING;
    if (!ids_ok)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "trace_ids must be a list of strings");
    bool has_name = name != NULL && name->type != MLF_JSON_NULL;
    bool has_version = version != NULL && version->type != MLF_JSON_NULL;
    if (has_name != has_version)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "scorer_name and scorer_version must be specified together");
    if (has_name && (name->type != MLF_JSON_STRING || !mlf_json_is_int(version)))
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "scorer_name must be a string and scorer_version must be an integer");
    if (serialized->type != MLF_JSON_STRING) /* json.loads of a dict or list */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                             "the JSON object must be str, bytes or bytearray, not %s", mlf_json_py_type(serialized));
    int rc = mlf__check_payload(pool, serialized->text, err);
    if (rc < 0)
        return rc;
    if (has_name) {
        if (experiment_id->type != MLF_JSON_STRING)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "experiment_id must be a string");
        /* _get_registered_scorer, then the payload checks of the stored scorer */
        int64_t v;
        if (mlf_pystr_parse_int(version->text, &v) < 0)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "Python int too large to convert to SQLite INTEGER");
        mlf_store_scorer s;
        rc = mlf_store_get_scorer(ctx->svc->store, pool, experiment_id->text, name->text, &v, &s, err);
        if (rc < 0)
            return rc;
        rc = mlf__check_payload(pool, s.serialized, err);
        if (rc < 0)
            return rc;
    }
    /* Scorer.model_validate_json, the traces' experiment and batching need MLflow's Python; submit_job then refuses */
    return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, MLF_JOBS_DISABLED_MESSAGE);
}
