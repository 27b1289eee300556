/*
 * The evaluation dataset rpcs. searchEvaluationDatasets: mlflow/server/handlers.py
 * (_search_evaluation_datasets_handler) and the steps of
 * SqlAlchemyStore.search_datasets before its query, in MLflow's order:
 * max_results, the page token, the filter, the order_by.
 */
#include "generated/service_api.h"
#include "search/search.h"
#include "service/validate.h"
#include "store/pystr.h"

#include <string.h>

/* SEARCH_MAX_RESULTS_THRESHOLD */
#define MLF__EDS_MAX_RESULTS 50000

/*
 * The filter, the plain subset ported so far (mlf_search_parse_simple): the
 * string attributes name, created_by, last_updated_by and tags.KEY with =, !=,
 * LIKE or ILIKE and a quoted string; the numeric attributes created_time and
 * last_update_time with = != < <= > >= and an integer. Anything else is
 * refused (INVALID_PARAMETER_VALUE), never ignored.
 */
static int mlf__parse_filter(mlf_pool *pool, const char *filter, mlf_store_filter_cond **ret, size_t *ret_n,
                             mlf_error *err)
{
    mlf_search_simple *cmps;
    size_t n;
    bool ok = mlf_search_parse_simple(pool, filter, &cmps, &n) == 0;
    mlf_store_filter_cond *conds = MLF_NEW_ARRAY(pool, mlf_store_filter_cond, ok && n ? n : 1);
    for (size_t i = 0; ok && i < n; i++) {
        const mlf_search_simple *m = &cmps[i];
        mlf_store_filter_cond *c = &conds[i];
        bool pattern = strcmp(m->op, "LIKE") == 0 || strcmp(m->op, "ILIKE") == 0;
        bool string_op = pattern || strcmp(m->op, "=") == 0 || strcmp(m->op, "!=") == 0;
        c->op = m->op;
        c->str = m->value;
        if (m->entity != NULL && strcmp(m->entity, "tags") != 0) {
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid identifier token '%s' specified",
                                 m->entity);
        } else if (m->entity != NULL) {
            /* a quoted key keeps its quotes in MLflow's _get_identifier: not taken */
            ok = strcmp(m->entity, "tags") == 0 && !m->key_quoted && m->value_quoted && string_op;
            c->table = "evaluation_dataset_tags";
            c->key = m->key;
        } else if (strcmp(m->key, "name") == 0 || strcmp(m->key, "created_by") == 0 ||
                   strcmp(m->key, "last_updated_by") == 0) {
            ok = m->value_quoted && string_op;
            c->column = m->key;
        } else if (strcmp(m->key, "created_time") == 0 || strcmp(m->key, "last_update_time") == 0) {
            ok = !m->value_quoted && !pattern && mlf_pystr_parse_int(m->value, &c->num) == 0;
            c->column = m->key;
            c->numeric = true;
        } else {
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Invalid attribute key '%s' specified. Valid keys are: {'created_by', "
                                 "'created_time', 'last_update_time', 'last_updated_by', 'name'}",
                                 m->key);
        }
    }
    if (!ok)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid filter '%s': mlflow-c's searchEvaluationDatasets does not support this filter "
                             "yet (only comparisons of name, created_by, last_updated_by, tags with =, !=, LIKE, "
                             "ILIKE and of created_time, last_update_time with numbers, joined by AND)",
                             filter);
    *ret = conds;
    *ret_n = n;
    return 0;
}

/* Fills resp with one page of datasets and, when more remain, the next page's token. */
int mlf_tracking_search_evaluation_datasets(mlf_ctx *ctx, const Mlflow__SearchEvaluationDatasets *req,
                                            Mlflow__SearchEvaluationDatasets__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    /* the handler passes `max_results or None`: unset reads as the proto's default 1000, 0 as None */
    bool has_value = !(req->has_max_results && req->max_results == 0);
    int64_t max_results = req->has_max_results ? req->max_results : 1000;
    int rc = mlf_validate_max_results(pool, has_value, (long long)max_results, MLF__EDS_MAX_RESULTS, err);
    if (rc < 0)
        return rc;
    int64_t offset;
    rc = mlf_search_page_token_decode(pool, req->page_token, &offset, err);
    if (rc < 0)
        return rc;
    mlf_store_filter_cond *conds = NULL;
    size_t n_conds = 0;
    if (req->filter_string != NULL && req->filter_string[0] != '\0') {
        rc = mlf__parse_filter(pool, req->filter_string, &conds, &n_conds, err);
        if (rc < 0)
            return rc;
    }
    mlf_search_order *orders = NULL;
    size_t n_orders = 0;
    rc = mlf_search_parse_order_by(pool, MLF_SEARCH_EVAL_DATASETS, req->order_by, req->n_order_by, &orders,
                                   &n_orders, err);
    if (rc < 0)
        return rc;
    mlf_store_eval_dataset_page page = {0};
    rc = mlf_store_search_evaluation_datasets(ctx->svc->store, pool, req->experiment_ids, req->n_experiment_ids, conds,
                                              n_conds, max_results, orders, n_orders, offset, &page, err);
    if (rc < 0)
        return rc;
    resp->datasets = page.datasets;
    resp->n_datasets = page.n;
    if (page.next_page_token != NULL)
        resp->next_page_token = (char *)page.next_page_token;
    return 0;
}

/*
 * The dataset handlers (_create_dataset_handler ... _delete_dataset_records_handler): json.loads of
 * the request's JSON strings, whose JSONDecodeError escapes the handler (Flask's 500 page), then the
 * store method.
 */
static int mlf__loads(mlf_pool *pool, const char *text, mlf_json **ret, mlf_error *err)
{
    mlf_error e = {0};
    size_t len = strlen(text);
    /* the strict reader first (the common case, faster); a BOM, which it would skip, goes to json.loads' rules */
    bool bom = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0;
    if ((!bom && mlf_json_parse(pool, text, len, ret, NULL) == 0) ||
        mlf_json_parse_ex(pool, text, len, MLF_JSON_LOADS, ret, &e) == 0)
        return 0;
    int rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "%s", e.message != NULL ? e.message : "");
    err->uncaught = true;
    return rc;
}

static const char *mlf__s(const char *s)
{
    return s != NULL ? s : "";
}

int mlf_tracking_create_dataset(mlf_ctx *ctx, const Mlflow__CreateDataset *req, Mlflow__CreateDataset__Response *resp,
                                mlf_error *err)
{
    mlf_json *tags = NULL;
    if (req->tags != NULL && req->tags[0] != '\0') {
        int rc = mlf__loads(ctx->pool, req->tags, &tags, err);
        if (rc < 0)
            return rc;
        if (!mlf_json_truthy(tags)) /* `tags or {}` */
            tags = NULL;
    }
    return mlf_store_create_evaluation_dataset(ctx->svc->store, ctx->pool, mlf__s(req->name), tags,
                                               req->experiment_ids, req->n_experiment_ids, &resp->dataset, err);
}

int mlf_tracking_get_dataset(mlf_ctx *ctx, const Mlflow__GetDataset *req, Mlflow__GetDataset__Response *resp,
                             mlf_error *err)
{
    return mlf_store_get_evaluation_dataset(ctx->svc->store, ctx->pool, mlf__s(req->dataset_id), &resp->dataset, err);
}

int mlf_tracking_delete_dataset(mlf_ctx *ctx, const Mlflow__DeleteDataset *req, Mlflow__DeleteDataset__Response *resp,
                                mlf_error *err)
{
    (void)resp;
    return mlf_store_delete_evaluation_dataset(ctx->svc->store, ctx->pool, mlf__s(req->dataset_id), err);
}

int mlf_tracking_set_dataset_tags(mlf_ctx *ctx, const Mlflow__SetDatasetTags *req,
                                  Mlflow__SetDatasetTags__Response *resp, mlf_error *err)
{
    (void)resp;
    mlf_json *tags;
    int rc = mlf__loads(ctx->pool, mlf__s(req->tags), &tags, err);
    if (rc < 0)
        return rc;
    return mlf_store_set_evaluation_dataset_tags(ctx->svc->store, ctx->pool, mlf__s(req->dataset_id), tags, err);
}

int mlf_tracking_delete_dataset_tag(mlf_ctx *ctx, const Mlflow__DeleteDatasetTag *req,
                                    Mlflow__DeleteDatasetTag__Response *resp, mlf_error *err)
{
    (void)resp;
    return mlf_store_delete_evaluation_dataset_tag(ctx->svc->store, ctx->pool, mlf__s(req->dataset_id),
                                                   mlf__s(req->key), err);
}

int mlf_tracking_upsert_dataset_records(mlf_ctx *ctx, const Mlflow__UpsertDatasetRecords *req,
                                        Mlflow__UpsertDatasetRecords__Response *resp, mlf_error *err)
{
    mlf_json *records;
    int rc = mlf__loads(ctx->pool, mlf__s(req->records), &records, err);
    if (rc < 0)
        return rc;
    int64_t inserted, updated;
    rc = mlf_store_upsert_evaluation_dataset_records(ctx->svc->store, ctx->pool, mlf__s(req->dataset_id), records,
                                                     &inserted, &updated, err);
    if (rc < 0)
        return rc;
    resp->has_inserted_count = resp->has_updated_count = 1;
    resp->inserted_count = (int32_t)inserted;
    resp->updated_count = (int32_t)updated;
    return 0;
}

int mlf_tracking_get_dataset_experiment_ids(mlf_ctx *ctx, const Mlflow__GetDatasetExperimentIds *req,
                                            Mlflow__GetDatasetExperimentIds__Response *resp, mlf_error *err)
{
    return mlf_store_get_evaluation_dataset_experiment_ids(ctx->svc->store, ctx->pool, mlf__s(req->dataset_id),
                                                           &resp->experiment_ids, &resp->n_experiment_ids, err);
}

int mlf_tracking_get_dataset_records(mlf_ctx *ctx, const Mlflow__GetDatasetRecords *req,
                                     Mlflow__GetDatasetRecords__Response *resp, mlf_error *err)
{
    /* `max_results or 1000` (the proto's default when unset) */
    int64_t max_results = req->has_max_results && req->max_results != 0 ? req->max_results : 1000;
    const char *token = req->page_token != NULL && req->page_token[0] != '\0' ? req->page_token : NULL;
    return mlf_store_get_evaluation_dataset_records(ctx->svc->store, ctx->pool, mlf__s(req->dataset_id), max_results,
                                                    token, &resp->records, &resp->next_page_token, err);
}

int mlf_tracking_delete_dataset_records(mlf_ctx *ctx, const Mlflow__DeleteDatasetRecords *req,
                                        Mlflow__DeleteDatasetRecords__Response *resp, mlf_error *err)
{
    int64_t deleted;
    int rc = mlf_store_delete_evaluation_dataset_records(ctx->svc->store, ctx->pool, mlf__s(req->dataset_id),
                                                         req->dataset_record_ids, req->n_dataset_record_ids, &deleted,
                                                         err);
    if (rc < 0)
        return rc;
    resp->has_deleted_count = 1;
    resp->deleted_count = (int32_t)deleted;
    return 0;
}

int mlf_tracking_add_dataset_to_experiments(mlf_ctx *ctx, const Mlflow__AddDatasetToExperiments *req,
                                            Mlflow__AddDatasetToExperiments__Response *resp, mlf_error *err)
{
    return mlf_store_link_evaluation_dataset(ctx->svc->store, ctx->pool, mlf__s(req->dataset_id), req->experiment_ids,
                                             req->n_experiment_ids, true, &resp->dataset, err);
}

int mlf_tracking_remove_dataset_from_experiments(mlf_ctx *ctx, const Mlflow__RemoveDatasetFromExperiments *req,
                                                 Mlflow__RemoveDatasetFromExperiments__Response *resp, mlf_error *err)
{
    return mlf_store_link_evaluation_dataset(ctx->svc->store, ctx->pool, mlf__s(req->dataset_id), req->experiment_ids,
                                             req->n_experiment_ids, false, &resp->dataset, err);
}
