/*
 * logModel: mlflow/server/handlers.py (_log_model) and what
 * Model.from_dict(...).get_tags_dict() makes of the model JSON before
 * SqlAlchemyStore.record_logged_model appends it to the run's
 * mlflow.log-model.history tag.
 */
#include <string.h>
#include <time.h>

#include "generated/service_api.h"
#include "store/pystr.h"
#include "json/json.h"

static mlf_json *mlf__json_new(mlf_pool *pool, mlf_json_type type)
{
    mlf_json *v = MLF_NEW(pool, mlf_json);
    v->type = type;
    return v;
}

static mlf_json *mlf__json_text(mlf_pool *pool, const char *s)
{
    mlf_json *v = mlf__json_new(pool, MLF_JSON_STRING);
    v->text = s;
    v->len = strlen(s);
    return v;
}

/* An object with room for cap members. */
static mlf_json *mlf__json_object(mlf_pool *pool, size_t cap)
{
    mlf_json *v = mlf__json_new(pool, MLF_JSON_OBJECT);
    v->keys = MLF_NEW_ARRAY(pool, const char *, cap + 1);
    v->items = MLF_NEW_ARRAY(pool, mlf_json *, cap + 1);
    return v;
}

static void mlf__json_put(mlf_json *obj, const char *key, mlf_json *value)
{
    obj->keys[obj->n] = key;
    obj->items[obj->n++] = value;
}

/* An exception _log_model lets escape (Werkzeug's HTML 500 page): rc with err marked. */
static int mlf__uncaught(mlf_error *err, int rc)
{
    if (err != NULL)
        err->uncaught = true;
    return rc;
}

/* str(datetime.now(timezone.utc).replace(tzinfo=None)): microseconds only when not zero. */
static char *mlf__utc_now(mlf_pool *pool)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    long us = ts.tv_nsec / 1000;
    char *s = mlf_pool_sprintf(pool, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                               tm.tm_hour, tm.tm_min, tm.tm_sec);
    return us != 0 ? mlf_pool_sprintf(pool, "%s.%06ld", s, us) : s;
}

/* Model(utc_time_created=...): str(value or now). */
static const char *mlf__utc_time_created(mlf_pool *pool, const mlf_json *v)
{
    if (v == NULL || !mlf_json_truthy(v))
        return mlf__utc_now(pool);
    if (v->type == MLF_JSON_STRING)
        return v->text;
    mlf_buf b;
    mlf_buf_init(&b, pool, 32);
    mlf_pystr_put_json_repr(pool, &b, v, MLF_JSON_MAX_DEPTH);
    return b.data;
}

/*
 * Model.from_dict(model).get_tags_dict(): run_id and artifact_path unless
 * null, utc_time_created as str, model_uuid (null when absent), and flavors
 * with every flavor's "config" dropped. A flavors value that is not an
 * object (nor null) makes MLflow fail on .items() with a 500.
 */
static int mlf__tags_dict(mlf_pool *pool, const mlf_json *model, mlf_json **ret, mlf_error *err)
{
    const mlf_json *flavors = mlf_json_get(model, "flavors");
    if (flavors != NULL && flavors->type != MLF_JSON_NULL && flavors->type != MLF_JSON_OBJECT)
        return mlf__uncaught(err, mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                                "'%s' object has no attribute 'items'", mlf_json_py_type(flavors)));
    mlf_json *tags = mlf__json_object(pool, 5);
    const mlf_json *run_id = mlf_json_get(model, "run_id");
    if (run_id != NULL && run_id->type != MLF_JSON_NULL)
        mlf__json_put(tags, "run_id", (mlf_json *)run_id);
    const mlf_json *artifact_path = mlf_json_get(model, "artifact_path");
    if (artifact_path != NULL && artifact_path->type != MLF_JSON_NULL)
        mlf__json_put(tags, "artifact_path", (mlf_json *)artifact_path);
    mlf__json_put(tags, "utc_time_created",
                  mlf__json_text(pool, mlf__utc_time_created(pool, mlf_json_get(model, "utc_time_created"))));
    const mlf_json *uuid = mlf_json_get(model, "model_uuid");
    mlf__json_put(tags, "model_uuid", uuid != NULL ? (mlf_json *)uuid : mlf__json_new(pool, MLF_JSON_NULL));

    size_t n_flavors = flavors != NULL && flavors->type == MLF_JSON_OBJECT ? flavors->n : 0;
    mlf_json *out = mlf__json_object(pool, n_flavors);
    for (size_t i = 0; i < n_flavors; i++) {
        const mlf_json *config = flavors->items[i];
        if (config->type != MLF_JSON_OBJECT) {
            mlf__json_put(out, flavors->keys[i], (mlf_json *)config);
            continue;
        }
        mlf_json *kept = mlf__json_object(pool, config->n);
        for (size_t j = 0; j < config->n; j++)
            if (strcmp(config->keys[j], "config") != 0)
                mlf__json_put(kept, config->keys[j], config->items[j]);
        mlf__json_put(out, flavors->keys[i], kept);
    }
    mlf__json_put(tags, "flavors", out);
    *ret = tags;
    return 0;
}

/* Appends the model's tags dict to the run's log-model history. */
int mlf_tracking_log_model(mlf_ctx *ctx, const Mlflow__LogModel *req, Mlflow__LogModel__Response *resp, mlf_error *err)
{
    (void)resp;
    mlf_pool *pool = ctx->pool;
    const char *text = req->model_json != NULL ? req->model_json : "";
    size_t len = strlen(text);
    mlf_json *model = NULL;
    /* json.loads of a str refuses a BOM, which our reader would skip */
    bool bom = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0;
    if (bom || mlf_json_parse(pool, text, len, &model, NULL) < 0)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Malformed model info. \n %s \n is not a valid JSON.", text);
    if (model->type != MLF_JSON_OBJECT)
        /* model.keys() on a non-dict: an AttributeError the handler lets escape */
        return mlf__uncaught(err, mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                                "'%s' object has no attribute 'keys'", mlf_json_py_type(model)));
    static const char *const mandatory[] = {"artifact_path", "flavors", "utc_time_created", "run_id"};
    mlf_buf missing;
    mlf_buf_init(&missing, pool, 64);
    for (size_t i = 0; i < sizeof(mandatory) / sizeof(mandatory[0]); i++) {
        if (mlf_json_get(model, mandatory[i]) != NULL)
            continue;
        mlf_buf_printf(&missing, "%s'%s'", missing.len > 0 ? ", " : "", mandatory[i]);
    }
    if (missing.len > 0)
        /* MLflow prints a Python set, whose order varies between processes; ours is the list's */
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Model json is missing mandatory fields: {%s}",
                             missing.data);
    mlf_json *tags = NULL;
    int rc = mlf__tags_dict(pool, model, &tags, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    return mlf_store_record_logged_model(store, pool, req->run_id != NULL ? req->run_id : "", tags, err);
}
