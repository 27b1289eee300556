/*
 * The trace info lifecycle rpcs of MLflow 3.18 (mlflow/server/handlers.py:
 * _start_trace_v3, _get_trace_info_v3, _batch_get_trace_infos,
 * _delete_traces, _set_trace_tag(_v3), _delete_trace_tag(_v3),
 * _link_traces_to_run, _link_prompts_to_trace and the deprecated v2
 * _deprecated_start_trace_v2, _deprecated_end_trace_v2,
 * _deprecated_get_trace_info_v2), with AbstractStore.delete_traces' checks
 * and SqlAlchemyStore.set_trace_tag's _validate_trace_tag. The store
 * (src/store/sql/trace.c) does what SqlAlchemyStore's methods do.
 */
#include <inttypes.h>
#include <string.h>

#include "generated/service_api.h"
#include "json/json.h"
#include "service/tracking/assessment.h"
#include "service/tracking/trace.h"
#include "service/validate.h"
#include "store/pystr.h"

#define MLF__TRACE_NAME_TAG "mlflow.traceName"

/* _HANDLER_BLOCKED_TRACE_TAGS: system-managed tags a client may not write */
static bool mlf__blocked_tag(const char *key)
{
    return key != NULL && (strcmp(key, "mlflow.artifactLocation") == 0 || strcmp(key, "mlflow.trace.spansLocation") == 0 ||
                           strcmp(key, "mlflow.trace.archiveLocation") == 0 ||
                           strcmp(key, "mlflow.trace.archivalFailure") == 0);
}

/* _validate_trace_tag_handler_mutation: archivalFailure may be deleted (to allow a retry), not set */
static int mlf__check_mutation(mlf_pool *pool, const char *key, bool deleting, mlf_error *err)
{
    if (mlf__blocked_tag(key) && !(deleting && strcmp(key, "mlflow.trace.archivalFailure") == 0))
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Tag '%s' is immutable and cannot be %s on a trace.", key, deleting ? "deleted" : "set");
    return 0;
}

static Mlflow__Trace *mlf__trace(mlf_pool *pool, Mlflow__TraceInfoV3 *info)
{
    Mlflow__Trace *t = MLF_NEW(pool, Mlflow__Trace);
    mlflow__trace__init(t);
    t->trace_info = info;
    return t;
}

/* MLflow's repr of a location of type other than its kind's, for TraceLocation.__post_init__'s message */
static const char *mlf__location_type_name(Mlflow__TraceLocation__TraceLocationType type)
{
    switch (type) {
    case MLFLOW__TRACE_LOCATION__TRACE_LOCATION_TYPE__MLFLOW_EXPERIMENT:
        return "MLFLOW_EXPERIMENT";
    case MLFLOW__TRACE_LOCATION__TRACE_LOCATION_TYPE__INFERENCE_TABLE:
        return "INFERENCE_TABLE";
    default:
        return "TRACE_LOCATION_TYPE_UNSPECIFIED";
    }
}

/*
 * TraceInfo.from_proto's location: the experiment id of an experiment location (*ret NULL for none),
 * refusing a location whose type is not its kind's as TraceLocation.__post_init__ does.
 */
static int mlf__location_experiment(mlf_pool *pool, const Mlflow__TraceLocation *loc, const char **ret, mlf_error *err)
{
    *ret = NULL;
    if (loc == NULL)
        return 0;
    Mlflow__TraceLocation__TraceLocationType type =
        loc->has_type ? loc->type : MLFLOW__TRACE_LOCATION__TRACE_LOCATION_TYPE__TRACE_LOCATION_TYPE_UNSPECIFIED;
    if (loc->identifier_case == MLFLOW__TRACE_LOCATION__IDENTIFIER_MLFLOW_EXPERIMENT) {
        const char *id = loc->mlflow_experiment->experiment_id != NULL ? loc->mlflow_experiment->experiment_id : "";
        if (type != MLFLOW__TRACE_LOCATION__TRACE_LOCATION_TYPE__MLFLOW_EXPERIMENT)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Trace location type TraceLocationType.%s does not match the provided location "
                                 "MlflowExperimentLocation(experiment_id=%s).",
                                 mlf__location_type_name(type), mlf_pystr_repr(pool, id));
        *ret = id;
    } else if (loc->identifier_case == MLFLOW__TRACE_LOCATION__IDENTIFIER_INFERENCE_TABLE) {
        const char *name =
            loc->inference_table->full_table_name != NULL ? loc->inference_table->full_table_name : "";
        if (type != MLFLOW__TRACE_LOCATION__TRACE_LOCATION_TYPE__INFERENCE_TABLE)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Trace location type TraceLocationType.%s does not match the provided location "
                                 "InferenceTableLocation(full_table_name=%s).",
                                 mlf__location_type_name(type), mlf_pystr_repr(pool, name));
    }
    return 0;
}

int mlf_tracking_start_trace_v3_store(mlf_ctx *ctx, const Mlflow__StartTraceV3 *req,
                                      Mlflow__StartTraceV3__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    Mlflow__TraceInfoV3 empty;
    mlflow__trace_info_v3__init(&empty);
    const Mlflow__TraceInfoV3 *info =
        req->trace != NULL && req->trace->trace_info != NULL ? req->trace->trace_info : &empty;
    const char *experiment_id;
    int rc = mlf__location_experiment(pool, info->trace_location, &experiment_id, err);
    if (rc < 0)
        return rc;
    /* TraceInfo.from_proto reads each assessment (Assessment.from_proto) */
    mlf_store_assessment *assessments = MLF_NEW_ARRAY(pool, mlf_store_assessment, info->n_assessments + 1);
    for (size_t i = 0; i < info->n_assessments; i++) {
        rc = mlf_tracking_assessment_from_proto(pool, info->assessments[i], &assessments[i], err);
        if (rc < 0)
            return rc;
    }
    Mlflow__TraceInfoV3 *stored;
    rc = mlf_store_start_trace(ctx->svc->store, pool, info, experiment_id, assessments, info->n_assessments, &stored,
                               err);
    if (rc < 0)
        return rc;
    resp->trace = mlf__trace(pool, stored);
    return 0;
}

int mlf_tracking_start_trace_v3(mlf_ctx *ctx, const Mlflow__StartTraceV3 *req, Mlflow__StartTraceV3__Response *resp,
                                mlf_error *err)
{
    if (req->trace == NULL || req->trace->trace_info == NULL)
        return mlf_tracking_start_trace_v3_store(ctx, req, resp, err);
    /* the handler drops the system-managed tags a client sent (_drop_blocked_trace_tags) */
    mlf_pool *pool = ctx->pool;
    Mlflow__TraceInfoV3 *info = MLF_NEW(pool, Mlflow__TraceInfoV3);
    *info = *req->trace->trace_info;
    info->tags = MLF_NEW_ARRAY(pool, Mlflow__TraceInfoV3__TagsEntry *, info->n_tags + 1);
    info->n_tags = 0;
    for (size_t i = 0; i < req->trace->trace_info->n_tags; i++)
        if (!mlf__blocked_tag(req->trace->trace_info->tags[i]->key))
            info->tags[info->n_tags++] = req->trace->trace_info->tags[i];
    Mlflow__Trace *trace = MLF_NEW(pool, Mlflow__Trace);
    *trace = *req->trace;
    trace->trace_info = info;
    Mlflow__StartTraceV3 r = *req;
    r.trace = trace;
    return mlf_tracking_start_trace_v3_store(ctx, &r, resp, err);
}

int mlf_tracking_get_trace_info_v3(mlf_ctx *ctx, const Mlflow__GetTraceInfoV3 *req,
                                   Mlflow__GetTraceInfoV3__Response *resp, mlf_error *err)
{
    Mlflow__TraceInfoV3 *info;
    int rc = mlf_store_get_trace_info(ctx->svc->store, ctx->pool, req->trace_id, &info, err);
    if (rc < 0)
        return rc;
    resp->trace = mlf__trace(ctx->pool, info);
    return 0;
}

int mlf_tracking_batch_get_trace_infos(mlf_ctx *ctx, const Mlflow__BatchGetTraceInfos *req,
                                       Mlflow__BatchGetTraceInfos__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    if (req->n_trace_ids == 0)
        return 0;
    /* experiment_ids scope the query when the request has the field, even empty (_raw_request_has_field) */
    static const char *const none[] = {NULL};
    const char *const *exp = NULL;
    if (mlf_ctx_has_field(ctx, "experiment_ids", "experimentIds", req->n_experiment_ids))
        exp = req->n_experiment_ids > 0 ? (const char *const *)req->experiment_ids : none;
    Mlflow__TraceInfoV3 **infos;
    size_t n;
    int rc = mlf_store_batch_get_trace_infos(ctx->svc->store, pool, (const char *const *)req->trace_ids,
                                             req->n_trace_ids, exp, req->n_experiment_ids, &infos, &n, err);
    if (rc < 0)
        return rc;
    resp->trace_infos = infos;
    resp->n_trace_infos = n;
    return 0;
}

/* The tag rpcs: the handler's mutation check, then the store's _validate_trace_tag. */
static int mlf__set_tag(mlf_ctx *ctx, const char *trace_id, const char *key, const char *value, bool handler,
                        mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    key = key != NULL ? key : "";
    int rc = handler ? mlf__check_mutation(pool, key, false, err) : 0;
    const char *v;
    if (rc == 0)
        rc = mlf_validate_tag(pool, key, value != NULL ? value : "", "", &v, err);
    if (rc < 0)
        return rc;
    return mlf_store_set_trace_tag(ctx->svc->store, pool, trace_id, key, v, err);
}

int mlf_tracking_set_trace_tag_v3_store(mlf_ctx *ctx, const Mlflow__SetTraceTagV3 *req,
                                        Mlflow__SetTraceTagV3__Response *resp, mlf_error *err)
{
    (void)resp;
    return mlf__set_tag(ctx, req->trace_id, req->key, req->value, false, err);
}

int mlf_tracking_set_trace_tag_v3(mlf_ctx *ctx, const Mlflow__SetTraceTagV3 *req, Mlflow__SetTraceTagV3__Response *resp,
                                  mlf_error *err)
{
    (void)resp;
    return mlf__set_tag(ctx, req->trace_id, req->key, req->value, true, err);
}

int mlf_tracking_set_trace_tag(mlf_ctx *ctx, const Mlflow__SetTraceTag *req, Mlflow__SetTraceTag__Response *resp,
                               mlf_error *err)
{
    (void)resp;
    return mlf__set_tag(ctx, req->request_id, req->key, req->value, true, err);
}

int mlf_tracking_delete_trace_tag_v3_store(mlf_ctx *ctx, const Mlflow__DeleteTraceTagV3 *req,
                                           Mlflow__DeleteTraceTagV3__Response *resp, mlf_error *err)
{
    (void)resp;
    return mlf_store_delete_trace_tag(ctx->svc->store, ctx->pool, req->trace_id, req->key, err);
}

int mlf_tracking_delete_trace_tag_v3(mlf_ctx *ctx, const Mlflow__DeleteTraceTagV3 *req,
                                     Mlflow__DeleteTraceTagV3__Response *resp, mlf_error *err)
{
    int rc = mlf__check_mutation(ctx->pool, req->key != NULL ? req->key : "", true, err);
    if (rc < 0)
        return rc;
    return mlf_tracking_delete_trace_tag_v3_store(ctx, req, resp, err);
}

int mlf_tracking_delete_trace_tag(mlf_ctx *ctx, const Mlflow__DeleteTraceTag *req,
                                  Mlflow__DeleteTraceTag__Response *resp, mlf_error *err)
{
    (void)resp;
    int rc = mlf__check_mutation(ctx->pool, req->key != NULL ? req->key : "", true, err);
    if (rc < 0)
        return rc;
    return mlf_store_delete_trace_tag(ctx->svc->store, ctx->pool, req->request_id, req->key, err);
}

/* AbstractStore.delete_traces' checks, then _delete_traces */
static int mlf__delete_traces(mlf_ctx *ctx, const Mlflow__DeleteTraces *req, int32_t *ret, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    bool has_ids = req->n_request_ids > 0;
    if (!req->has_max_timestamp_millis && !has_ids)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Either `max_timestamp_millis` or `trace_ids` must be specified.");
    if (req->has_max_timestamp_millis && has_ids)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Only one of `max_timestamp_millis` and `trace_ids` can be specified.");
    if (has_ids && req->has_max_traces)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "`max_traces` can't be specified if `trace_ids` is specified.");
    if (req->has_max_traces && req->max_traces <= 0)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "`max_traces` must be a positive integer, received %d.", (int)req->max_traces);
    int64_t max_traces = req->max_traces, deleted = 0;
    int rc = mlf_store_delete_traces(ctx->svc->store, pool, req->experiment_id,
                                     req->has_max_timestamp_millis ? &req->max_timestamp_millis : NULL,
                                     req->has_max_traces ? &max_traces : NULL, (const char *const *)req->request_ids,
                                     req->n_request_ids, &deleted, err);
    if (rc < 0)
        return rc;
    *ret = (int32_t)deleted;
    return 0;
}

int mlf_tracking_delete_traces(mlf_ctx *ctx, const Mlflow__DeleteTraces *req, Mlflow__DeleteTraces__Response *resp,
                               mlf_error *err)
{
    int rc = mlf__delete_traces(ctx, req, &resp->traces_deleted, err);
    resp->has_traces_deleted = rc == 0;
    return rc;
}

int mlf_tracking_delete_traces_v3(mlf_ctx *ctx, const Mlflow__DeleteTracesV3 *req,
                                  Mlflow__DeleteTracesV3__Response *resp, mlf_error *err)
{
    /* MLflow serves the v3 path with the same handler and its DeleteTraces message */
    Mlflow__DeleteTraces r;
    mlflow__delete_traces__init(&r);
    r.experiment_id = req->experiment_id;
    r.has_max_timestamp_millis = req->has_max_timestamp_millis;
    r.max_timestamp_millis = req->max_timestamp_millis;
    r.has_max_traces = req->has_max_traces;
    r.max_traces = req->max_traces;
    r.n_request_ids = req->n_request_ids;
    r.request_ids = req->request_ids;
    int rc = mlf__delete_traces(ctx, &r, &resp->traces_deleted, err);
    resp->has_traces_deleted = rc == 0;
    return rc;
}

/* ---- the deprecated v2 rpcs ---- */

/*
 * _assert_map_key_present: every entry of a repeated key/value field has a key, else the generic
 * "Invalid value <the list as JSON> for parameter '<name>'" of _validate_param_against_schema.
 */
static int mlf__map_keys_present(mlf_pool *pool, const char *name, Mlflow__TraceTag *const *tags,
                                 Mlflow__TraceRequestMetadata *const *meta, size_t n, mlf_error *err)
{
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        const char *k = tags != NULL ? tags[i]->key : meta[i]->key;
        ok = k != NULL && k[0] != '\0';
    }
    if (ok)
        return 0;
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    mlf_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        const char *k = tags != NULL ? tags[i]->key : meta[i]->key;
        const char *v = tags != NULL ? tags[i]->value : meta[i]->value;
        mlf_buf_puts(&b, i ? ",{" : "{");
        if (k != NULL) {
            mlf_buf_puts(&b, "\"key\":");
            mlf_json_write_string(&b, k, strlen(k));
        }
        if (v != NULL) {
            mlf_buf_puts(&b, k != NULL ? ",\"value\":" : "\"value\":");
            mlf_json_write_string(&b, v, strlen(v));
        }
        mlf_buf_putc(&b, '}');
    }
    mlf_buf_putc(&b, ']');
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Invalid value %s for parameter '%s' supplied:  Hint: Value was of type 'list'. See the API "
                         "docs for more information about request parameters.",
                         b.data, name);
}

/* The pairs of a repeated TraceTag / TraceRequestMetadata field as a dict, the blocked tags dropped. */
static mlf_store_kv mlf__kv(mlf_pool *pool, Mlflow__TraceTag *const *tags, Mlflow__TraceRequestMetadata *const *meta,
                            size_t n)
{
    const char **k = MLF_NEW_ARRAY(pool, const char *, n + 1), **v = MLF_NEW_ARRAY(pool, const char *, n + 1);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *key = tags != NULL ? tags[i]->key : meta[i]->key;
        const char *value = tags != NULL ? tags[i]->value : meta[i]->value;
        if (tags != NULL && mlf__blocked_tag(key))
            continue;
        k[m] = key != NULL ? key : "";
        v[m++] = value != NULL ? value : "";
    }
    return (mlf_store_kv){k, v, m};
}

/* MAX_CHARS_IN_TRACE_INFO_METADATA, _TAGS_KEY, _TAGS_VALUE: TraceInfoV2.to_proto cuts keys and values */
static char *mlf__cut(mlf_pool *pool, const char *s, size_t limit)
{
    size_t i = 0, count = 0;
    while (s[i] != '\0' && count < limit) {
        uint32_t cp;
        i += mlf_pystr_utf8_next(s + i, &cp);
        count++;
    }
    return s[i] == '\0' ? (char *)s : mlf_pool_strndup(pool, s, i);
}

Mlflow__TraceInfo *mlf_tracking_trace_info_v2(mlf_pool *pool, const Mlflow__TraceInfoV3 *v3)
{
    Mlflow__TraceInfo *ti = MLF_NEW(pool, Mlflow__TraceInfo);
    mlflow__trace_info__init(ti);
    ti->request_id = v3->trace_id;
    ti->experiment_id = v3->trace_location != NULL && v3->trace_location->mlflow_experiment != NULL
                            ? v3->trace_location->mlflow_experiment->experiment_id
                            : NULL;
    ti->has_timestamp_ms = 1;
    ti->timestamp_ms = v3->request_time != NULL ? v3->request_time->seconds * 1000 + v3->request_time->nanos / 1000000
                                                : 0;
    ti->has_execution_time_ms = 1; /* None is sent as 0 */
    ti->execution_time_ms = v3->execution_duration != NULL
                                ? v3->execution_duration->seconds * 1000 + v3->execution_duration->nanos / 1000000
                                : 0;
    ti->has_status = 1;
    switch (v3->state) { /* TraceStatus.from_state */
    case MLFLOW__TRACE_INFO_V3__STATE__OK:
        ti->status = MLFLOW__TRACE_STATUS__OK;
        break;
    case MLFLOW__TRACE_INFO_V3__STATE__ERROR:
        ti->status = MLFLOW__TRACE_STATUS__ERROR;
        break;
    case MLFLOW__TRACE_INFO_V3__STATE__IN_PROGRESS:
        ti->status = MLFLOW__TRACE_STATUS__IN_PROGRESS;
        break;
    default:
        ti->status = MLFLOW__TRACE_STATUS__TRACE_STATUS_UNSPECIFIED;
    }
    ti->request_metadata = MLF_NEW_ARRAY(pool, Mlflow__TraceRequestMetadata *, v3->n_trace_metadata + 1);
    for (size_t i = 0; i < v3->n_trace_metadata; i++) {
        Mlflow__TraceRequestMetadata *m = MLF_NEW(pool, Mlflow__TraceRequestMetadata);
        mlflow__trace_request_metadata__init(m);
        m->key = mlf__cut(pool, v3->trace_metadata[i]->key, 250);
        m->value = mlf__cut(pool, v3->trace_metadata[i]->value, 250);
        ti->request_metadata[ti->n_request_metadata++] = m;
    }
    ti->tags = MLF_NEW_ARRAY(pool, Mlflow__TraceTag *, v3->n_tags + 1);
    for (size_t i = 0; i < v3->n_tags; i++) {
        Mlflow__TraceTag *t = MLF_NEW(pool, Mlflow__TraceTag);
        mlflow__trace_tag__init(t);
        t->key = mlf__cut(pool, v3->tags[i]->key, 250);
        t->value = mlf__cut(pool, v3->tags[i]->value, 4096);
        ti->tags[ti->n_tags++] = t;
    }
    return ti;
}

int mlf_tracking_start_trace(mlf_ctx *ctx, const Mlflow__StartTrace *req, Mlflow__StartTrace__Response *resp,
                             mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    int rc = mlf__map_keys_present(pool, "request_metadata", NULL, req->request_metadata, req->n_request_metadata, err);
    if (rc == 0)
        rc = mlf__map_keys_present(pool, "tags", req->tags, NULL, req->n_tags, err);
    if (rc < 0)
        return rc;
    mlf_store_kv meta = mlf__kv(pool, NULL, req->request_metadata, req->n_request_metadata);
    mlf_store_kv tags = mlf__kv(pool, req->tags, NULL, req->n_tags);
    Mlflow__TraceInfoV3 *info;
    rc = mlf_store_start_trace_v2(ctx->svc->store, pool, req->experiment_id != NULL ? req->experiment_id : "",
                                  req->has_timestamp_ms ? req->timestamp_ms : 0, &meta, &tags, &info, err);
    if (rc < 0)
        return rc;
    resp->trace_info = mlf_tracking_trace_info_v2(pool, info);
    return 0;
}

int mlf_tracking_end_trace(mlf_ctx *ctx, const Mlflow__EndTrace *req, Mlflow__EndTrace__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    int rc = mlf__map_keys_present(pool, "request_metadata", NULL, req->request_metadata, req->n_request_metadata, err);
    if (rc == 0)
        rc = mlf__map_keys_present(pool, "tags", req->tags, NULL, req->n_tags, err);
    if (rc < 0)
        return rc;
    mlf_store_kv meta = mlf__kv(pool, NULL, req->request_metadata, req->n_request_metadata);
    mlf_store_kv tags = mlf__kv(pool, req->tags, NULL, req->n_tags);
    static const char *const status_names[] = {"TRACE_STATUS_UNSPECIFIED", "OK", "ERROR", "IN_PROGRESS"};
    const char *status = req->has_status && req->status >= 0 && req->status <= 3 ? status_names[req->status]
                                                                                 : status_names[0];
    Mlflow__TraceInfoV3 *info;
    rc = mlf_store_end_trace_v2(ctx->svc->store, pool, req->request_id,
                                req->has_timestamp_ms ? req->timestamp_ms : 0, status, &meta, &tags, &info, err);
    if (rc < 0)
        return rc;
    resp->trace_info = mlf_tracking_trace_info_v2(pool, info);
    return 0;
}

int mlf_tracking_get_trace_info(mlf_ctx *ctx, const Mlflow__GetTraceInfo *req, Mlflow__GetTraceInfo__Response *resp,
                                mlf_error *err)
{
    Mlflow__TraceInfoV3 *info;
    int rc = mlf_store_get_trace_info(ctx->svc->store, ctx->pool, req->request_id, &info, err);
    if (rc < 0)
        return rc;
    resp->trace_info = mlf_tracking_trace_info_v2(ctx->pool, info);
    return 0;
}

/* ---- links ---- */

int mlf_tracking_link_traces_to_run(mlf_ctx *ctx, const Mlflow__LinkTracesToRun *req,
                                    Mlflow__LinkTracesToRun__Response *resp, mlf_error *err)
{
    (void)resp;
    return mlf_store_link_traces_to_run(ctx->svc->store, ctx->pool, (const char *const *)req->trace_ids,
                                        req->n_trace_ids, req->run_id, err);
}

int mlf_tracking_link_prompts_to_trace(mlf_ctx *ctx, const Mlflow__LinkPromptsToTrace *req,
                                       Mlflow__LinkPromptsToTrace__Response *resp, mlf_error *err)
{
    (void)resp;
    mlf_pool *pool = ctx->pool;
    /* PromptVersion(name, int(version)): "name/version" ids; int() of a version that is no integer raises a
     * ValueError the handler does not catch (Werkzeug's 500 page) */
    const char **ids = MLF_NEW_ARRAY(pool, const char *, req->n_prompt_versions + 1);
    for (size_t i = 0; i < req->n_prompt_versions; i++) {
        const Mlflow__LinkPromptsToTrace__PromptVersionRef *pv = req->prompt_versions[i];
        const char *v = pv->version != NULL ? pv->version : "";
        int64_t version;
        if (mlf_pystr_parse_int(v, &version) != 0) {
            int rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "invalid literal for int() with base 10: %s",
                                   mlf_pystr_repr(pool, v));
            err->uncaught = true;
            return rc;
        }
        ids[i] = mlf_pool_sprintf(pool, "%s/%" PRId64, pv->name != NULL ? pv->name : "", version);
    }
    return mlf_store_link_prompts_to_trace(ctx->svc->store, pool, req->trace_id, ids, req->n_prompt_versions, err);
}
