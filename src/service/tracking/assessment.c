/*
 * Trace assessments: createAssessment, GetAssessment, updateAssessment and
 * deleteAssessment (mlflow/server/handlers.py _create_assessment,
 * _get_assessment, _update_assessment, _delete_assessment of MLflow 3.18).
 * The handlers' part is Assessment.from_proto (Feedback, Expectation and
 * IssueReference each read only their own fields) and the update mask turned
 * into update_assessment's keyword arguments; the store does the rest.
 */
#include <string.h>

#include "generated/service_api.h"
#include "service/tracking/assessment.h"

static const char *mlf__or_none(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : NULL;
}

/* MessageToDict(Value) is None: unset, or null_value */
static bool mlf__pb_none(const Google__Protobuf__Value *v)
{
    return v == NULL || v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND__NOT_SET ||
           v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE;
}

/* ExpectationValue.from_proto, then Expectation's refusal of None; x may be NULL (another oneof member). */
static int mlf__expectation_value(mlf_pool *pool, const Mlflow__Assessments__Expectation *x,
                                  mlf_store_assessment_value *ret, mlf_error *err)
{
    memset(ret, 0, sizeof(*ret));
    if (x != NULL && x->serialized_value != NULL) {
        const Mlflow__Assessments__Expectation__SerializedValue *sv = x->serialized_value;
        const char *fmt = sv->serialization_format != NULL ? sv->serialization_format : "";
        if (strcmp(fmt, "JSON_FORMAT") != 0)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Unknown serialization format: %s. Only JSON_FORMAT is supported.", fmt);
        const char *text = sv->value != NULL ? sv->value : "";
        mlf_json *v;
        mlf_error e = {0};
        if (mlf_json_parse_ex(pool, text, strlen(text), MLF_JSON_LOADS, &v, &e) < 0) {
            /* json.loads' JSONDecodeError escapes the handler */
            int rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "%s", e.message != NULL ? e.message : "");
            err->uncaught = true;
            return rc;
        }
        if (v->type != MLF_JSON_NULL)
            ret->json = v;
    } else if (x != NULL && !mlf__pb_none(x->value)) {
        ret->pb = x->value;
    }
    if (ret->json == NULL && ret->pb == NULL)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "The `value` field must be specified.");
    return 0;
}

/* AssessmentSource.from_proto: the SourceType's name (ValueError for a number it does not name). */
static int mlf__source_type(mlf_pool *pool, const Mlflow__Assessments__AssessmentSource *s, const char **ret,
                            mlf_error *err)
{
    int v = s != NULL ? (int)s->source_type : 0;
    const ProtobufCEnumValue *ev =
        protobuf_c_enum_descriptor_get_value(&mlflow__assessments__assessment_source__source_type__descriptor, v);
    if (ev == NULL) {
        int rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "Enum SourceType has no name defined for value %d",
                               v);
        err->uncaught = true;
        return rc;
    }
    *ret = ev->name;
    return 0;
}

/* Timestamp.ToMilliseconds */
static int64_t mlf__ms(const Google__Protobuf__Timestamp *ts)
{
    if (ts == NULL)
        return 0;
    int64_t n = ts->nanos;
    return ts->seconds * 1000 + (n >= 0 ? n / 1000000 : -((-n + 999999) / 1000000));
}

/* Assessment.from_proto: the entity the handler gives create_assessment. */
int mlf_tracking_assessment_from_proto(mlf_pool *pool, const Mlflow__Assessments__Assessment *p, mlf_store_assessment *a,
                                       mlf_error *err)
{
    memset(a, 0, sizeof(*a));
    int rc = 0;
    switch (p->value_case) {
    case MLFLOW__ASSESSMENTS__ASSESSMENT__VALUE_FEEDBACK:
        a->type = MLF_STORE_ASSESSMENT_FEEDBACK;
        if (p->feedback != NULL) {
            a->value.pb = mlf__pb_none(p->feedback->value) ? NULL : p->feedback->value;
            a->error = p->feedback->error;
        }
        a->rationale = mlf__or_none(p->rationale);
        a->overrides = mlf__or_none(p->overrides);
        break;
    case MLFLOW__ASSESSMENTS__ASSESSMENT__VALUE_EXPECTATION:
        a->type = MLF_STORE_ASSESSMENT_EXPECTATION;
        rc = mlf__expectation_value(pool, p->expectation, &a->value, err);
        break;
    case MLFLOW__ASSESSMENTS__ASSESSMENT__VALUE_ISSUE:
        a->type = MLF_STORE_ASSESSMENT_ISSUE;
        a->issue_name = p->issue != NULL && p->issue->issue_name != NULL ? p->issue->issue_name : "";
        a->rationale = mlf__or_none(p->rationale);
        break;
    default:
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Unknown assessment type: None");
    }
    if (rc == 0)
        rc = mlf__source_type(pool, p->source, &a->source_type, err);
    if (rc < 0)
        return rc;
    a->source_id = p->source != NULL ? mlf__or_none(p->source->source_id) : NULL;
    a->assessment_id = mlf__or_none(p->assessment_id);
    a->trace_id = p->trace_id != NULL ? p->trace_id : "";
    a->name = p->assessment_name != NULL ? p->assessment_name : "";
    a->span_id = mlf__or_none(p->span_id);
    a->create_time_ms = mlf__ms(p->create_time);
    a->last_update_time_ms = mlf__ms(p->last_update_time);
    if (p->n_metadata > 0) {
        const char **keys = MLF_NEW_ARRAY(pool, const char *, p->n_metadata);
        const char **values = MLF_NEW_ARRAY(pool, const char *, p->n_metadata);
        for (size_t i = 0; i < p->n_metadata; i++) {
            keys[i] = p->metadata[i]->key != NULL ? p->metadata[i]->key : "";
            values[i] = p->metadata[i]->value != NULL ? p->metadata[i]->value : "";
        }
        a->n_metadata = p->n_metadata;
        a->metadata_keys = keys;
        a->metadata_values = values;
    }
    return 0;
}

/*
 * The store's Python caller's extras (MLF_STORE_ASSESSMENT_EXTRAS_FIELD: the entity's run_id and its value as
 * json.dumps writes it) onto a; a JSON request (HTTP) has none. A malformed field is ignored.
 */
static void mlf__apply_extras(mlf_pool *pool, const Mlflow__Assessments__Assessment *p, mlf_store_assessment *a)
{
    for (unsigned i = 0; p != NULL && i < p->base.n_unknown_fields; i++) {
        const ProtobufCMessageUnknownField *u = &p->base.unknown_fields[i];
        if (u->tag != MLF_STORE_ASSESSMENT_EXTRAS_FIELD || u->wire_type != PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED)
            continue;
        /* protobuf-c keeps the length prefix in data */
        uint64_t len = 0;
        size_t off = 0;
        for (int shift = 0; off < u->len && shift < 64; shift += 7) {
            uint8_t byte = u->data[off++];
            len |= (uint64_t)(byte & 0x7f) << shift;
            if (!(byte & 0x80))
                break;
        }
        mlf_json *x;
        mlf_error e = {0};
        if (len != u->len - off ||
            mlf_json_parse_ex(pool, (const char *)u->data + off, (size_t)len, MLF_JSON_LOADS, &x, &e) < 0 ||
            x->type != MLF_JSON_OBJECT)
            continue;
        const mlf_json *run_id = mlf_json_get(x, "run_id");
        if (run_id != NULL && run_id->type == MLF_JSON_STRING)
            a->run_id = run_id->text;
        const mlf_json *value = mlf_json_get(x, "value");
        if (value != NULL && value->type != MLF_JSON_NULL &&
            (a->type == MLF_STORE_ASSESSMENT_FEEDBACK || a->type == MLF_STORE_ASSESSMENT_EXPECTATION)) {
            a->value.json = value;
            a->value.pb = NULL;
        }
    }
}

int mlf_tracking_create_assessment(mlf_ctx *ctx, const Mlflow__CreateAssessment *req,
                                   Mlflow__CreateAssessment__Response *resp, mlf_error *err)
{
    mlf_store_assessment a;
    int rc = mlf_tracking_assessment_from_proto(ctx->pool, req->assessment, &a, err);
    if (rc < 0)
        return rc;
    mlf__apply_extras(ctx->pool, req->assessment, &a);
    return mlf_store_create_assessment(ctx->svc->store, ctx->pool, &a, &resp->assessment, err);
}

int mlf_tracking_get_assessment(mlf_ctx *ctx, const Mlflow__GetAssessmentRequest *req,
                                Mlflow__GetAssessmentRequest__Response *resp, mlf_error *err)
{
    return mlf_store_get_assessment(ctx->svc->store, ctx->pool, req->trace_id != NULL ? req->trace_id : "",
                                    req->assessment_id != NULL ? req->assessment_id : "", &resp->assessment, err);
}

/* A path parameter of the route; outside HTTP (the FFI) the request's assessment names its trace and itself. */
static const char *mlf__path_param(const mlf_ctx *ctx, const char *name, const char *fallback)
{
    for (size_t i = 0; i < ctx->n_path_params; i++)
        if (strcmp(ctx->path_param_names[i], name) == 0)
            return ctx->path_param_values[i];
    return fallback != NULL ? fallback : "";
}

int mlf_tracking_update_assessment(mlf_ctx *ctx, const Mlflow__UpdateAssessment *req,
                                   Mlflow__UpdateAssessment__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    const Mlflow__Assessments__Assessment *p = req->assessment;
    mlf_store_assessment_update u = {0};
    bool valid = false;
    /* the handler's loop over update_mask.paths: the last of a repeated path wins, others are ignored */
    for (size_t i = 0; req->update_mask != NULL && i < req->update_mask->n_paths; i++) {
        const char *path = req->update_mask->paths[i];
        int rc = 0;
        if (strcmp(path, "assessment_name") == 0) {
            u.name = p->assessment_name != NULL ? p->assessment_name : "";
        } else if (strcmp(path, "expectation") == 0) {
            rc = mlf__expectation_value(
                pool, p->value_case == MLFLOW__ASSESSMENTS__ASSESSMENT__VALUE_EXPECTATION ? p->expectation : NULL,
                &u.expectation, err);
            u.has_expectation = true;
        } else if (strcmp(path, "feedback") == 0) {
            const Mlflow__Assessments__Feedback *f =
                p->value_case == MLFLOW__ASSESSMENTS__ASSESSMENT__VALUE_FEEDBACK ? p->feedback : NULL;
            memset(&u.feedback, 0, sizeof(u.feedback));
            u.feedback.pb = f != NULL && !mlf__pb_none(f->value) ? f->value : NULL;
            u.feedback_error = f != NULL ? f->error : NULL;
            u.has_feedback = true;
        } else if (strcmp(path, "rationale") == 0) {
            u.rationale = p->rationale != NULL ? p->rationale : "";
        } else if (strcmp(path, "metadata") == 0) {
            const char **keys = MLF_NEW_ARRAY(pool, const char *, p->n_metadata ? p->n_metadata : 1);
            const char **values = MLF_NEW_ARRAY(pool, const char *, p->n_metadata ? p->n_metadata : 1);
            for (size_t j = 0; j < p->n_metadata; j++) {
                keys[j] = p->metadata[j]->key != NULL ? p->metadata[j]->key : "";
                values[j] = p->metadata[j]->value != NULL ? p->metadata[j]->value : "";
            }
            u.has_metadata = true;
            u.n_metadata = p->n_metadata;
            u.metadata_keys = keys;
            u.metadata_values = values;
        } else if (strcmp(path, "valid") == 0) {
            valid = true;
        }
        if (rc < 0)
            return rc;
    }
    if (valid) {
        /* the handler passes valid=, which update_assessment does not take: a TypeError */
        int rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                               "SqlAlchemyStore.update_assessment() got an unexpected keyword argument 'valid'");
        err->uncaught = true;
        return rc;
    }
    return mlf_store_update_assessment(ctx->svc->store, pool, mlf__path_param(ctx, "trace_id", p->trace_id),
                                       mlf__path_param(ctx, "assessment_id", p->assessment_id), &u,
                                       &resp->assessment, err);
}

int mlf_tracking_delete_assessment(mlf_ctx *ctx, const Mlflow__DeleteAssessment *req,
                                   Mlflow__DeleteAssessment__Response *resp, mlf_error *err)
{
    (void)resp;
    return mlf_store_delete_assessment(ctx->svc->store, ctx->pool, req->trace_id != NULL ? req->trace_id : "",
                                       req->assessment_id != NULL ? req->assessment_id : "", err);
}
