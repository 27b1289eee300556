/*
 * Run inputs and outputs: mlflow/server/handlers.py (_log_inputs,
 * _log_outputs, search_datasets_impl) and the checks SqlAlchemyStore.log_inputs
 * makes before its session (_validate_run_id, _validate_dataset_inputs).
 */
#include "service/tracking/dataset.h"

#include "generated/service_api.h"
#include "service/validate.h"

/* MAX_EXPERIMENT_IDS_PER_REQUEST of search_datasets_impl */
#define MLF__MAX_EXPERIMENT_IDS_PER_REQUEST 20

/* An unset proto2 string reads as "" in Python. */
static const char *mlf__str(const char *s)
{
    return s != NULL ? s : "";
}

/*
 * For a store caller an unset field is Python's None, which
 * _validate_dataset / _validate_input_tag refuse by name (over HTTP it reads as "").
 */
static int mlf__none_fields(mlf_pool *pool, const Mlflow__DatasetInput *in, mlf_error *err)
{
    const Mlflow__Dataset *d = in->dataset;
    const char *none = d == NULL              ? "Dataset"
                       : d->name == NULL        ? "Dataset name"
                       : d->digest == NULL      ? "Dataset digest"
                       : d->source_type == NULL ? "Dataset source_type"
                       : d->source == NULL      ? "Dataset source"
                                                : NULL;
    for (size_t j = 0; none == NULL && j < in->n_tags; j++)
        none = in->tags[j]->key == NULL ? "InputTag key" : in->tags[j]->value == NULL ? "InputTag value" : NULL;
    if (none != NULL)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "%s cannot be None", none);
    return 0;
}

/* _validate_dataset_inputs: each dataset, then its tags, in request order. */
static int mlf__validate_dataset_inputs(mlf_pool *pool, Mlflow__DatasetInput *const *inputs, size_t n,
                                        bool store_semantics, mlf_error *err)
{
    for (size_t i = 0; i < n; i++) {
        const Mlflow__DatasetInput *in = inputs[i];
        if (store_semantics && in != NULL) {
            int rc = mlf__none_fields(pool, in, err);
            if (rc < 0)
                return rc;
        }
        /* Dataset.from_proto of an unset dataset is all "" (never None) */
        const Mlflow__Dataset *d = in != NULL ? in->dataset : NULL;
        int rc = mlf_validate_dataset(pool, mlf__str(d != NULL ? d->name : NULL),
                                      mlf__str(d != NULL ? d->digest : NULL), mlf__str(d != NULL ? d->source : NULL),
                                      d != NULL ? d->schema : NULL, d != NULL ? d->profile : NULL, err);
        if (rc < 0)
            return rc;
        for (size_t j = 0; in != NULL && j < in->n_tags; j++) {
            const Mlflow__InputTag *t = in->tags[j];
            rc = mlf_validate_input_tag(pool, mlf__str(t != NULL ? t->key : NULL),
                                        mlf__str(t != NULL ? t->value : NULL), err);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* Logs the run's dataset inputs (with their tags) and model inputs. */
int mlf_tracking_log_inputs(mlf_ctx *ctx, const Mlflow__LogInputs *req, Mlflow__LogInputs__Response *resp,
                            mlf_error *err)
{
    (void)resp;
    mlf_pool *pool = ctx->pool;
    const char *run_id = mlf__str(req->run_id);
    int rc = mlf_validate_run_id(pool, run_id, err);
    if (rc < 0)
        return rc;
    rc = mlf__validate_dataset_inputs(pool, req->datasets, req->n_datasets, ctx->store_semantics, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    return mlf_store_log_inputs(store, pool, run_id, req->datasets, req->n_datasets, req->models, req->n_models, err);
}

/* Logs the run's model outputs (model id and step); nothing is checked beyond the run being active. */
int mlf_tracking_log_outputs(mlf_ctx *ctx, const Mlflow__LogOutputs *req, Mlflow__LogOutputs__Response *resp,
                             mlf_error *err)
{
    (void)resp;
    mlf_store *store = ctx->svc->store;
    return mlf_store_log_outputs(store, ctx->pool, mlf__str(req->run_id), req->models, req->n_models, err);
}

int mlf_tracking_search_datasets(mlf_ctx *ctx, const Mlflow__SearchDatasets *req,
                                 Mlflow__SearchDatasets__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    if (req->n_experiment_ids == 0)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "SearchDatasets request must specify at least one experiment_id.");
    if (req->n_experiment_ids > MLF__MAX_EXPERIMENT_IDS_PER_REQUEST)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "SearchDatasets request cannot specify more than %d experiment_ids. Received %zu "
                             "experiment_ids.",
                             MLF__MAX_EXPERIMENT_IDS_PER_REQUEST, req->n_experiment_ids);
    mlf_store *store = ctx->svc->store;
    Mlflow__DatasetSummary **summaries = NULL;
    size_t n = 0;
    int rc = mlf_store_search_datasets(store, pool, req->experiment_ids, req->n_experiment_ids, &summaries, &n, err);
    if (rc < 0)
        return rc;
    resp->dataset_summaries = summaries;
    resp->n_dataset_summaries = n;
    return 0;
}
