/*
 * The store interface. Service code calls only these; SQL dialect details
 * stay inside src/store/<backend>/. Each store operation is declared here
 * once and defined once, in src/store/sql/<entity>.c, for every SQL backend
 * (SQLite, PostgreSQL); what a backend does its own way (closing) goes
 * through its mlf_store_ops. Entities are the protobuf-c messages of
 * service.proto / model_registry.proto, allocated from the caller's pool.
 *
 * Every function returns 0 or a negative code with MLflow's error in err.
 * Store functions are safe to call from many threads at once.
 */
#ifndef MLF_STORE_STORE_H
#define MLF_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/pool.h"
#include "json/json.h"
#include "search/search.h"
#include "model_registry.pb-c.h"
#include "service.pb-c.h"
#include "webhooks.pb-c.h"

typedef struct mlf_store mlf_store;

/** What a store needs to know at open time. */
typedef struct mlf_store_config {
    /** Root under which experiments without an artifact_location get `<root>/<id>`. */
    const char *default_artifact_root;
} mlf_store_config;

/** The result of a search: items from the pool and the next page's token (NULL when last page). */
typedef struct mlf_store_experiment_page {
    Mlflow__Experiment **experiments;
    size_t n;
    const char *next_page_token;
} mlf_store_experiment_page;

/* search runs, inputs, outputs */
/** A page of searchRuns: full runs (info, data, dataset inputs, outputs) and the next page's token or NULL. */
typedef struct mlf_store_run_page {
    Mlflow__Run **runs;
    size_t n;
    const char *next_page_token;
} mlf_store_run_page;

/* runs */
/** A page of metric history: rows from the pool and the next page's token (NULL when last page). */
typedef struct mlf_store_metric_page {
    Mlflow__Metric **metrics;
    size_t n;
    const char *next_page_token;
} mlf_store_metric_page;

/* model registry: search results and createModelVersion's input */

/** A page of registered models (pool memory); next_page_token NULL on the last page. */
typedef struct mlf_store_registered_model_page {
    Mlflow__RegisteredModel **models;
    size_t n;
    const char *next_page_token;
} mlf_store_registered_model_page;

/** A page of model versions (pool memory); next_page_token NULL on the last page. */
typedef struct mlf_store_model_version_page {
    Mlflow__ModelVersion **versions;
    size_t n;
    const char *next_page_token;
} mlf_store_model_version_page;

/**
 * The row createModelVersion writes, after the service resolved the source
 * (SqlAlchemyStore.create_model_version's arguments plus storage_location).
 * NULL strings are stored as SQL NULL.
 */
typedef struct mlf_store_new_model_version {
    const char *name;
    const char *source;
    const char *storage_location;
    const char *run_id;
    const char *run_link;
    const char *description;
    Mlflow__ModelVersionTag *const *tags;
    size_t n_tags;
} mlf_store_new_model_version;

/* logged models */

/** A searchLoggedModels `datasets` entry: digest NULL matches metrics logged without a digest. */
typedef struct mlf_store_logged_model_dataset {
    const char *name;
    const char *digest; /** NULL: the digest IS NULL (the handler passes None), unless any_digest */
    bool any_digest;    /** no condition on the digest (a store caller's dict without the key) */
} mlf_store_logged_model_dataset;

/** SqlAlchemyStore.search_logged_models' query, after the page token was read. */
typedef struct mlf_store_logged_model_query {
    char *const *experiment_ids; /** as text: int() of each, a 500 when one is not an int */
    size_t n_experiment_ids;
    const mlf_search_clause *clauses; /** from mlf_search_parse_logged_model_filter */
    size_t n_clauses;
    const mlf_store_logged_model_dataset *datasets;
    size_t n_datasets;
    const mlf_search_lm_order *orders;
    size_t n_orders;
    int64_t max_results; /** Python slicing semantics when < 1 */
    int64_t offset;
} mlf_store_logged_model_query;

/** A page of logged models (pool memory); has_more when a next page exists. */
typedef struct mlf_store_logged_model_page {
    Mlflow__LoggedModel **models;
    size_t n;
    bool has_more;
} mlf_store_logged_model_page;

/** What each backend implements its own way (the operations below are shared). */
typedef struct mlf_store_ops {
    const char *backend; /** "sqlite", "postgresql" */
    void (*destroy)(mlf_store *store);
} mlf_store_ops;

struct mlf_store {
    const mlf_store_ops *ops;
};

/**
 * Opens the store named by uri (`sqlite:///path`, `sqlite:////abs/path`,
 * `sqlite://` for in-memory), creating MLflow's schema on an empty database
 * and refusing one at another alembic revision. On failure returns a negative
 * code with the reason in err (message from pool).
 */
int mlf_store_open(const char *uri, const mlf_store_config *config, mlf_pool *pool, mlf_store **ret, mlf_error *err);

/** uri with its password replaced by ***, fit for messages (pool memory, or uri itself). */
const char *mlf_store_redact_uri(mlf_pool *pool, const char *uri);
/** Closes the store; NULL is a no-op. */
void mlf_store_destroy(mlf_store *store);

/* ---- the store operations (src/store/sql/<entity>.c, one implementation for every SQL backend) ---- */

/* experiments (mirrors SqlAlchemyStore's experiment methods) */
int mlf_store_create_experiment(mlf_store *store, mlf_pool *pool, const char *name, const char *artifact_location,
                                Mlflow__ExperimentTag *const *tags, size_t n_tags, const char **ret_id, mlf_error *err);
int mlf_store_get_experiment(mlf_store *store, mlf_pool *pool, const char *experiment_id, Mlflow__Experiment **ret,
                             mlf_error *err);
/** *ret is NULL when no experiment has that name. */
int mlf_store_get_experiment_by_name(mlf_store *store, mlf_pool *pool, const char *name, Mlflow__Experiment **ret,
                                     mlf_error *err);
int mlf_store_delete_experiment(mlf_store *store, mlf_pool *pool, const char *experiment_id, mlf_error *err);
int mlf_store_restore_experiment(mlf_store *store, mlf_pool *pool, const char *experiment_id, mlf_error *err);
int mlf_store_rename_experiment(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *new_name,
                                mlf_error *err);
int mlf_store_set_experiment_tag(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *key,
                                 const char *value, mlf_error *err);
int mlf_store_delete_experiment_tag(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *key,
                                    mlf_error *err);
int mlf_store_search_experiments(mlf_store *store, mlf_pool *pool, Mlflow__ViewType view_type, int64_t max_results,
                                 const mlf_search_clause *clauses, size_t n_clauses, const mlf_search_order *orders,
                                 size_t n_orders, int64_t offset, mlf_store_experiment_page *ret, mlf_error *err);

/* runs (mirror SqlAlchemyStore's run methods; the validation of mlflow/utils/validation.py, truncation of
 * long values included, is the caller's, as are the handlers' checks) */
/**
 * create_run: the experiment (experiment_id as text, "" meaning "0") must exist and be active; run_name
 * and an mlflow.runName tag must agree; a name is generated when neither is given. start_time NULL means
 * now. *ret is the new run as MLflow's create_run returns it (info, data.tags, empty inputs, no outputs).
 */
int mlf_store_create_run(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *user_id,
                         const int64_t *start_time, Mlflow__RunTag *const *tags, size_t n_tags, const char *run_name,
                         Mlflow__Run **ret, mlf_error *err);
/** get_run: the full run (info, data, inputs with model inputs, outputs). */
int mlf_store_get_run(mlf_store *store, mlf_pool *pool, const char *run_id, Mlflow__Run **ret, mlf_error *err);
/** update_run_info: NULL status/end_time leave them; a non-empty run_name renames (tag too). */
int mlf_store_update_run_info(mlf_store *store, mlf_pool *pool, const char *run_id, const Mlflow__RunStatus *status,
                              const int64_t *end_time, const char *run_name, Mlflow__RunInfo **ret, mlf_error *err);
int mlf_store_delete_run(mlf_store *store, mlf_pool *pool, const char *run_id, mlf_error *err);
int mlf_store_restore_run(mlf_store *store, mlf_pool *pool, const char *run_id, mlf_error *err);
/** log_metric: history row (re-logging an existing row is a no-op), latest_metrics, and the logged-model
 * metric when metric->model_id is set. NaN and +-Inf are stored as MLflow stores them. */
int mlf_store_log_metric(mlf_store *store, mlf_pool *pool, const char *run_id, const Mlflow__Metric *metric,
                         mlf_error *err);
/** log_param: a param is immutable; re-logging the same value is a no-op. */
int mlf_store_log_param(mlf_store *store, mlf_pool *pool, const char *run_id, const Mlflow__Param *param,
                        mlf_error *err);
/** set_tag: upsert; mlflow.runName renames the run (a no-op when empty). */
int mlf_store_set_tag(mlf_store *store, mlf_pool *pool, const char *run_id, const Mlflow__RunTag *tag, mlf_error *err);
int mlf_store_delete_tag(mlf_store *store, mlf_pool *pool, const char *run_id, const char *key, mlf_error *err);
/** log_batch: params, metrics, logged-model metrics, tags in one transaction (all or nothing). */
int mlf_store_log_batch(mlf_store *store, mlf_pool *pool, const char *run_id, Mlflow__Metric *const *metrics,
                        size_t n_metrics, Mlflow__Param *const *params, size_t n_params, Mlflow__RunTag *const *tags,
                        size_t n_tags, mlf_error *err);
/**
 * get_metric_history: rows ordered by timestamp, step, value from offset; max_results NULL means all of
 * them (no token), else MLflow 3's paging (max_results + 1 rows asked for; token when one more exists).
 */
int mlf_store_get_metric_history(mlf_store *store, mlf_pool *pool, const char *run_id, const char *metric_key,
                                 const int64_t *max_results, int64_t offset, mlf_store_metric_page *ret,
                                 mlf_error *err);
/** get_metric_history_bulk: the runs' rows ordered by run, timestamp, step, value, at most max_results. */
int mlf_store_get_metric_history_bulk(mlf_store *store, mlf_pool *pool, char *const *run_ids, size_t n_run_ids,
                                      const char *metric_key, int64_t max_results, Mlflow__MetricWithRunId ***ret,
                                      size_t *ret_n, mlf_error *err);
/**
 * get_metric_history_bulk_interval: up to max_results sampled steps (min and max of each run kept) between
 * start_step and end_step (both NULL: 0 to the largest step), then each run's rows at those steps.
 */
int mlf_store_get_metric_history_bulk_interval(mlf_store *store, mlf_pool *pool, char *const *run_ids, size_t n_run_ids,
                                               const char *metric_key, int64_t max_results, const int64_t *start_step,
                                               const int64_t *end_step, Mlflow__MetricWithRunId ***ret, size_t *ret_n,
                                               mlf_error *err);

/* search runs, inputs, outputs (mirror SqlAlchemyStore's _search_runs, log_inputs, log_outputs,
 * record_logged_model, _search_datasets; request validation is the caller's) */
/**
 * One page of the runs of experiment_ids (each as text: int() of it, MLflow's error when not an int)
 * matching every clause, in orders' order then start_time DESC (unless ordered by it) then run_uuid.
 */
int mlf_store_search_runs(mlf_store *store, mlf_pool *pool, char *const *experiment_ids, size_t n_experiment_ids,
                          const mlf_search_clause *clauses, size_t n_clauses, Mlflow__ViewType run_view_type,
                          int64_t max_results, const mlf_search_order *orders, size_t n_orders, int64_t offset,
                          mlf_store_run_page *ret, mlf_error *err);
/** Datasets (deduplicated by name and digest) with their input tags, and model inputs, of an active run. */
int mlf_store_log_inputs(mlf_store *store, mlf_pool *pool, const char *run_id, Mlflow__DatasetInput *const *datasets,
                         size_t n_datasets, Mlflow__ModelInput *const *models, size_t n_models, mlf_error *err);
/** Model outputs (model id and step) of an active run. */
int mlf_store_log_outputs(mlf_store *store, mlf_pool *pool, const char *run_id, Mlflow__ModelOutput *const *models,
                          size_t n_models, mlf_error *err);
/** Appends model_dict (a JSON object: Model.get_tags_dict()) to the run's mlflow.log-model.history tag. */
int mlf_store_record_logged_model(mlf_store *store, mlf_pool *pool, const char *run_id, const mlf_json *model_dict,
                                  mlf_error *err);
/** The (experiment, name, digest, context) summaries of the experiments' datasets, at most 1000. */
int mlf_store_search_datasets(mlf_store *store, mlf_pool *pool, char *const *experiment_ids, size_t n_experiment_ids,
                              Mlflow__DatasetSummary ***ret, size_t *ret_n, mlf_error *err);
/*
 * model registry (mirrors the model registry's SqlAlchemyStore). Names are
 * matched exactly; versions are the request's text, compared as MLflow's
 * driver binds them (SQLite's integer affinity applies). Validation of
 * names, versions, tags, aliases and stages is the caller's
 * (service/validate.h); stages given here are canonical.
 */
int mlf_store_create_registered_model(mlf_store *store, mlf_pool *pool, const char *name,
                                      Mlflow__RegisteredModelTag *const *tags, size_t n_tags, const char *description,
                                      Mlflow__RegisteredModel **ret, mlf_error *err);
int mlf_store_get_registered_model(mlf_store *store, mlf_pool *pool, const char *name, Mlflow__RegisteredModel **ret,
                                   mlf_error *err);
int mlf_store_update_registered_model(mlf_store *store, mlf_pool *pool, const char *name, const char *description,
                                      Mlflow__RegisteredModel **ret, mlf_error *err);
int mlf_store_rename_registered_model(mlf_store *store, mlf_pool *pool, const char *name, const char *new_name,
                                      Mlflow__RegisteredModel **ret, mlf_error *err);
int mlf_store_delete_registered_model(mlf_store *store, mlf_pool *pool, const char *name, mlf_error *err);
/** max_results as given (Python slicing semantics when < 1); clauses and orders from src/search. */
int mlf_store_search_registered_models(mlf_store *store, mlf_pool *pool, int64_t max_results,
                                       const mlf_search_clause *clauses, size_t n_clauses,
                                       const mlf_search_order *orders, size_t n_orders, int64_t offset,
                                       mlf_store_registered_model_page *ret, mlf_error *err);
/** n_stages 0 means every stage. */
int mlf_store_get_latest_versions(mlf_store *store, mlf_pool *pool, const char *name, const char *const *stages,
                                  size_t n_stages, Mlflow__ModelVersion ***ret, size_t *ret_n, mlf_error *err);
int mlf_store_set_registered_model_tag(mlf_store *store, mlf_pool *pool, const char *name, const char *key,
                                       const char *value, mlf_error *err);
int mlf_store_delete_registered_model_tag(mlf_store *store, mlf_pool *pool, const char *name, const char *key,
                                          mlf_error *err);
/** Takes max(version) + 1 over every version of the model (deleted ones too) inside the write transaction. */
int mlf_store_create_model_version(mlf_store *store, mlf_pool *pool, const mlf_store_new_model_version *mv,
                                   Mlflow__ModelVersion **ret, mlf_error *err);
int mlf_store_get_model_version(mlf_store *store, mlf_pool *pool, const char *name, const char *version,
                                Mlflow__ModelVersion **ret, mlf_error *err);
/** description NULL clears it. */
int mlf_store_update_model_version(mlf_store *store, mlf_pool *pool, const char *name, const char *version,
                                   const char *description, Mlflow__ModelVersion **ret, mlf_error *err);
int mlf_store_transition_model_version_stage(mlf_store *store, mlf_pool *pool, const char *name, const char *version,
                                             const char *stage, bool archive_existing_versions,
                                             Mlflow__ModelVersion **ret, mlf_error *err);
int mlf_store_delete_model_version(mlf_store *store, mlf_pool *pool, const char *name, const char *version,
                                   mlf_error *err);
int mlf_store_get_model_version_download_uri(mlf_store *store, mlf_pool *pool, const char *name, const char *version,
                                             const char **ret, mlf_error *err);
/** max_results must be at least 1. */
int mlf_store_search_model_versions(mlf_store *store, mlf_pool *pool, int64_t max_results,
                                    const mlf_search_clause *clauses, size_t n_clauses, const mlf_search_order *orders,
                                    size_t n_orders, int64_t offset, mlf_store_model_version_page *ret, mlf_error *err);
int mlf_store_set_model_version_tag(mlf_store *store, mlf_pool *pool, const char *name, const char *version,
                                    const char *key, const char *value, mlf_error *err);
int mlf_store_delete_model_version_tag(mlf_store *store, mlf_pool *pool, const char *name, const char *version,
                                       const char *key, mlf_error *err);
int mlf_store_set_registered_model_alias(mlf_store *store, mlf_pool *pool, const char *name, const char *alias,
                                         const char *version, mlf_error *err);
int mlf_store_delete_registered_model_alias(mlf_store *store, mlf_pool *pool, const char *name, const char *alias,
                                            mlf_error *err);
/** The model must exist; "latest" (any case) is the highest of its latest versions (one per stage). */
int mlf_store_get_model_version_by_alias(mlf_store *store, mlf_pool *pool, const char *name, const char *alias,
                                         Mlflow__ModelVersion **ret, mlf_error *err);
/** The artifact_uri of a run (for source validation): "Run with id=<id> not found" when absent. */
int mlf_store_get_source_run_artifact_uri(mlf_store *store, mlf_pool *pool, const char *run_id, const char **ret,
                                          mlf_error *err);
/** A logged model's artifact_location and source_run_id (NULL when unset); deleted models are absent. */
int mlf_store_get_source_logged_model(mlf_store *store, mlf_pool *pool, const char *model_id,
                                      const char **ret_artifact_location, const char **ret_source_run_id,
                                      mlf_error *err);
/** Appends {"name", "version"} to the logged model's mlflow.modelVersions tag (set_model_versions_tags). */
int mlf_store_set_model_versions_tags(mlf_store *store, mlf_pool *pool, const char *name, int64_t version,
                                      const char *model_id, mlf_error *err);

/* ---------------------------------------------------------------- webhooks (store/sql/webhook.c) */

/**
 * A webhook's columns for create and update (SqlAlchemyStore.create_webhook /
 * update_webhook): NULL leaves a field as it is on update (and stores NULL on
 * create); events replace the stored ones when set_events. secret is stored
 * as given (the caller encrypts it); status is "ACTIVE" or "DISABLED".
 */
typedef struct mlf_store_webhook_fields {
    const char *name;
    const char *description;
    const char *url;
    const char *secret;
    const char *status;
    Mlflow__WebhookEvent *const *events; /** entity and action set, a valid pair each */
    size_t n_events;
    bool set_events;
} mlf_store_webhook_fields;

/** create_webhook: a new row with a uuid4 id, both timestamps now; *ret as to_proto() shapes it. */
int mlf_store_create_webhook(mlf_store *store, mlf_pool *pool, const mlf_store_webhook_fields *f,
                             Mlflow__Webhook **ret, mlf_error *err);
/**
 * get_webhook: the webhook unless (soft) deleted, and its stored secret (NULL:
 * none) in *ret_secret when that is not NULL; RESOURCE_DOES_NOT_EXIST "Webhook
 * with ID <id> not found." otherwise.
 */
int mlf_store_get_webhook(mlf_store *store, mlf_pool *pool, const char *webhook_id, Mlflow__Webhook **ret,
                          const char **ret_secret, mlf_error *err);
/**
 * list_webhooks (event NULL) / list_webhooks_by_event: up to limit webhooks
 * not deleted, newest first, from offset; their stored secrets in
 * (*ret_secrets)[i] when ret_secrets is not NULL.
 */
int mlf_store_list_webhooks(mlf_store *store, mlf_pool *pool, const Mlflow__WebhookEvent *event, int64_t limit,
                            int64_t offset, Mlflow__Webhook ***ret, const char ***ret_secrets, size_t *ret_n,
                            mlf_error *err);
/** update_webhook: sets the fields given and last_updated_timestamp; *ret as stored then. */
int mlf_store_update_webhook(mlf_store *store, mlf_pool *pool, const char *webhook_id,
                             const mlf_store_webhook_fields *f, Mlflow__Webhook **ret, mlf_error *err);
/** delete_webhook: a soft delete (deleted_timestamp and last_updated_timestamp now). */
int mlf_store_delete_webhook(mlf_store *store, mlf_pool *pool, const char *webhook_id, mlf_error *err);

/*
 * logged models (mirror SqlAlchemyStore's logged-model methods; the name
 * check of _validate_logged_model_name is the caller's). A model is read
 * as LoggedModel.to_proto gives it: tags and params by key, every metric
 * row in logging order. Models are looked up with session.get (deleted
 * ones too) except by get_logged_model and the search.
 */
/** name NULL: a generated one. Experiment must exist and be active. */
int mlf_store_create_logged_model(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *name,
                                  const char *model_type, const char *source_run_id,
                                  Mlflow__LoggedModelParameter *const *params, size_t n_params,
                                  Mlflow__LoggedModelTag *const *tags, size_t n_tags, Mlflow__LoggedModel **ret,
                                  mlf_error *err);
/** allow_deleted false: a deleted model is not found. */
int mlf_store_get_logged_model(mlf_store *store, mlf_pool *pool, const char *model_id, bool allow_deleted,
                               Mlflow__LoggedModel **ret, mlf_error *err);
int mlf_store_finalize_logged_model(mlf_store *store, mlf_pool *pool, const char *model_id,
                                    Mlflow__LoggedModelStatus status, Mlflow__LoggedModel **ret, mlf_error *err);
int mlf_store_delete_logged_model(mlf_store *store, mlf_pool *pool, const char *model_id, mlf_error *err);
/** Upserts (the last value of a repeated key wins). */
int mlf_store_set_logged_model_tags(mlf_store *store, mlf_pool *pool, const char *model_id,
                                    Mlflow__LoggedModelTag *const *tags, size_t n_tags, mlf_error *err);
int mlf_store_delete_logged_model_tag(mlf_store *store, mlf_pool *pool, const char *model_id, const char *key,
                                      mlf_error *err);
/** Inserts; a key logged before is the primary key's IntegrityError, as in MLflow. */
int mlf_store_log_logged_model_params(mlf_store *store, mlf_pool *pool, const char *model_id,
                                      Mlflow__LoggedModelParameter *const *params, size_t n_params, mlf_error *err);
int mlf_store_search_logged_models(mlf_store *store, mlf_pool *pool, const mlf_store_logged_model_query *query,
                                   mlf_store_logged_model_page *ret, mlf_error *err);

/* ---- traces: info lifecycle (tracecore; SqlAlchemyStore.start_trace, get_trace_info, batch_get_trace_infos,
 * set_trace_tag, delete_trace_tag, _delete_traces, link_traces_to_run, link_prompts_to_trace and the
 * deprecated v2 start/end, MLflow 3.18). Request checks of the handlers are the caller's. ---- */

/** A list of string pairs (tags or metadata) as a Python dict: a later key replaces an earlier one. */
typedef struct mlf_store_kv {
    const char *const *keys;
    const char *const *values;
    size_t n;
} mlf_store_kv;

struct mlf_store_assessment; /* below, with the assessment rpcs */

/**
 * start_trace: creates the trace of info in experiment experiment_id (NULL: the location named none,
 * which MLflow's int() refuses after the experiment checks), its tags (the name in trace_info, the
 * artifact location tag added) and metadata (the promoted keys in trace_info's columns,
 * mlflow.trace.infoFinalized added) and assessments (info's, as the service read them: written as
 * assessments of this trace, its experiment and time copied in); a trace already there (made by spans) is
 * merged into as MLflow does (assessments by id; one of another trace is INVALID_PARAMETER_VALUE). *ret: the
 * trace as stored.
 */
int mlf_store_start_trace(mlf_store *store, mlf_pool *pool, const Mlflow__TraceInfoV3 *info, const char *experiment_id,
                          const struct mlf_store_assessment *assessments, size_t n_assessments,
                          Mlflow__TraceInfoV3 **ret, mlf_error *err);

/** get_trace_info: RESOURCE_DOES_NOT_EXIST "Trace with ID '<id>' not found." when missing. */
int mlf_store_get_trace_info(mlf_store *store, mlf_pool *pool, const char *trace_id, Mlflow__TraceInfoV3 **ret,
                             mlf_error *err);

/**
 * batch_get_trace_infos: the traces of ids that exist (in experiment_ids, int() of each, when it is not
 * NULL), ordered by the last mention of each id in ids as MLflow sorts them.
 */
int mlf_store_batch_get_trace_infos(mlf_store *store, mlf_pool *pool, const char *const *ids, size_t n,
                                    const char *const *experiment_ids, size_t n_experiment_ids,
                                    Mlflow__TraceInfoV3 ***ret, size_t *ret_n, mlf_error *err);

/** set_trace_tag after _validate_trace_tag (key and value checked by the caller): the name goes to trace_info. */
int mlf_store_set_trace_tag(mlf_store *store, mlf_pool *pool, const char *trace_id, const char *key, const char *value,
                            mlf_error *err);

/** delete_trace_tag: RESOURCE_DOES_NOT_EXIST when the trace has no such tag. */
int mlf_store_delete_trace_tag(mlf_store *store, mlf_pool *pool, const char *trace_id, const char *key,
                               mlf_error *err);

/**
 * _delete_traces: the traces of experiment_id (text, int() of it) at or before *max_timestamp_ms, or
 * among ids (n > 0), at most *max_traces of them oldest first; their rows (and by the schema's
 * cascades their tags, metadata, spans, assessments, metrics) and review queue items go. *ret: how many.
 */
int mlf_store_delete_traces(mlf_store *store, mlf_pool *pool, const char *experiment_id,
                            const int64_t *max_timestamp_ms, const int64_t *max_traces, const char *const *ids,
                            size_t n, int64_t *ret, mlf_error *err);

/** deprecated_start_trace_v2: a new IN_PROGRESS trace (uuid4 id) of experiment_id; *ret as stored. */
int mlf_store_start_trace_v2(mlf_store *store, mlf_pool *pool, const char *experiment_id, int64_t timestamp_ms,
                             const mlf_store_kv *metadata, const mlf_store_kv *tags, Mlflow__TraceInfoV3 **ret,
                             mlf_error *err);

/** deprecated_end_trace_v2: status is a TraceStatus name; metadata and tags merged in; *ret as stored. */
int mlf_store_end_trace_v2(mlf_store *store, mlf_pool *pool, const char *request_id, int64_t timestamp_ms,
                           const char *status, const mlf_store_kv *metadata, const mlf_store_kv *tags,
                           Mlflow__TraceInfoV3 **ret, mlf_error *err);

/** link_traces_to_run: entity associations trace -> run for the ids not linked yet (at most 100 ids). */
int mlf_store_link_traces_to_run(mlf_store *store, mlf_pool *pool, const char *const *ids, size_t n,
                                 const char *run_id, mlf_error *err);

/** link_prompts_to_trace: associations trace -> prompt_version ("name/version" each) not there yet. */
int mlf_store_link_prompts_to_trace(mlf_store *store, mlf_pool *pool, const char *trace_id,
                                    const char *const *prompt_ids, size_t n, mlf_error *err);

/* the web UI's experiment-page reads: evaluation datasets and traces (mirror SqlAlchemyStore's
 * search_datasets, query_trace_metrics and search_traces; request checks are the caller's) */

/**
 * One condition of a plain filter (searchEvaluationDatasets; trace searches take the whole grammar,
 * mlf_search_trace_clause), all text fixed by the service (request values are bound).
 */
typedef struct mlf_store_filter_cond {
    const char *column; /** a column or expression of the searched table, or NULL: a tag / metadata row's value */
    const char *table;  /** with column NULL: the tag table (evaluation_dataset_tags) */
    const char *key;    /** that row's key (bound) */
    const char *op;     /** =, !=, <, <=, >, >=, LIKE, ILIKE */
    bool numeric;
    int64_t num;     /** numeric */
    const char *str; /** else */
} mlf_store_filter_cond;

/** A page of searchEvaluationDatasets: datasets (tags as MLflow's json.dumps, no experiment ids) and the next token. */
typedef struct mlf_store_eval_dataset_page {
    Mlflow__Datasets__Dataset **datasets;
    size_t n;
    const char *next_page_token;
} mlf_store_eval_dataset_page;

/**
 * One page (max_results from offset) of the evaluation datasets associated with one of
 * experiment_ids (n_ids 0: every dataset) matching every condition, in orders' order (none:
 * created_time DESC), then dataset_id DESC unless ordered by it.
 */
int mlf_store_search_evaluation_datasets(mlf_store *store, mlf_pool *pool, char *const *experiment_ids, size_t n_ids,
                                         const mlf_store_filter_cond *conds, size_t n_conds, int64_t max_results,
                                         const mlf_search_order *orders, size_t n_orders, int64_t offset,
                                         mlf_store_eval_dataset_page *ret, mlf_error *err);

/* evaluation datasets (evaluation_dataset.c, evaluation_dataset_record.c): SqlAlchemyStore's dataset
 * methods of MLflow 3.18; the JSON arguments are json.loads' results of the request's strings */

/**
 * create_dataset: a dataset "d-<uuid hex>" with tags (a JSON object, or NULL: none; created_by from
 * its mlflow.user) associated with each experiment id (not checked, as in MLflow). *ret is the
 * dataset with its tags and experiment ids. Errors: INTERNAL_ERROR (Python's message) for tags that
 * are no dict.
 */
int mlf_store_create_evaluation_dataset(mlf_store *store, mlf_pool *pool, const char *name, const mlf_json *tags,
                                        char *const *experiment_ids, size_t n_ids, Mlflow__Datasets__Dataset **ret,
                                        mlf_error *err);
/** get_dataset: the dataset with its tags; RESOURCE_DOES_NOT_EXIST without one. */
int mlf_store_get_evaluation_dataset(mlf_store *store, mlf_pool *pool, const char *dataset_id,
                                     Mlflow__Datasets__Dataset **ret, mlf_error *err);
/** delete_dataset: the dataset, its tags, records and associations; an unknown id is no error. */
int mlf_store_delete_evaluation_dataset(mlf_store *store, mlf_pool *pool, const char *dataset_id, mlf_error *err);
/** set_dataset_tags: upserts str(value) of each non-null value of the tags object. */
int mlf_store_set_evaluation_dataset_tags(mlf_store *store, mlf_pool *pool, const char *dataset_id,
                                          const mlf_json *tags, mlf_error *err);
/** delete_dataset_tag: idempotent, an unknown dataset included. */
int mlf_store_delete_evaluation_dataset_tag(mlf_store *store, mlf_pool *pool, const char *dataset_id,
                                            const char *key, mlf_error *err);
/** get_dataset_experiment_ids: ordered by association time, then id. */
int mlf_store_get_evaluation_dataset_experiment_ids(mlf_store *store, mlf_pool *pool, const char *dataset_id,
                                                    char ***ret, size_t *ret_n, mlf_error *err);
/**
 * add_dataset_to_experiments / remove_dataset_from_experiments (remove: add false): *ret the
 * dataset after the change. RESOURCE_DOES_NOT_EXIST for an unknown dataset or (add) experiment.
 */
int mlf_store_link_evaluation_dataset(mlf_store *store, mlf_pool *pool, const char *dataset_id,
                                      char *const *experiment_ids, size_t n_ids, bool add,
                                      Mlflow__Datasets__Dataset **ret, mlf_error *err);
/**
 * upsert_dataset_records: records (json.loads' result) inserted or merged by the sha256 of their
 * inputs, then the dataset's schema, profile, digest and last update; all or nothing. Errors are
 * MLflow's (INTERNAL_ERROR with Python's message for records of the wrong shape).
 */
int mlf_store_upsert_evaluation_dataset_records(mlf_store *store, mlf_pool *pool, const char *dataset_id,
                                                const mlf_json *records, int64_t *inserted, int64_t *updated,
                                                mlf_error *err);
/**
 * _load_dataset_records: one page (max_results) after page_token (NULL: the start), *ret_json the
 * handler's json.dumps of the records' dicts, *ret_token the next page's token or NULL.
 */
int mlf_store_get_evaluation_dataset_records(mlf_store *store, mlf_pool *pool, const char *dataset_id,
                                             int64_t max_results, const char *page_token, char **ret_json,
                                             char **ret_token, mlf_error *err);
/** delete_dataset_records: the number deleted; the profile's count goes down by it. */
int mlf_store_delete_evaluation_dataset_records(mlf_store *store, mlf_pool *pool, const char *dataset_id,
                                                char *const *record_ids, size_t n, int64_t *deleted,
                                                mlf_error *err);

/** queryTraceMetrics' views (MetricViewType) and aggregations (AggregationType), as the proto numbers them. */
typedef enum mlf_store_metrics_view {
    MLF_STORE_METRICS_TRACES = 1,
    MLF_STORE_METRICS_SPANS = 2,
    MLF_STORE_METRICS_ASSESSMENTS = 3,
} mlf_store_metrics_view;

typedef enum mlf_store_agg_type {
    MLF_STORE_AGG_COUNT = 1,
    MLF_STORE_AGG_SUM = 2,
    MLF_STORE_AGG_AVG = 3,
    MLF_STORE_AGG_PERCENTILE = 4,
    MLF_STORE_AGG_MIN = 5,
    MLF_STORE_AGG_MAX = 6,
} mlf_store_agg_type;

typedef struct mlf_store_metrics_agg {
    mlf_store_agg_type type;
    double percentile; /** PERCENTILE: 0..100 */
} mlf_store_metrics_agg;

/** A validated queryTraceMetrics request (validate_query_trace_metrics_params and the filters parsed). */
typedef struct mlf_store_metrics_query {
    const int64_t *ids;
    size_t n_ids;
    mlf_store_metrics_view view;
    const char *metric;
    const mlf_store_metrics_agg *aggs;
    size_t n_aggs;
    const char *const *dims; /** the view's dimension names, each once */
    size_t n_dims;
    const mlf_search_metrics_filter *filters; /** each of the view it may filter */
    size_t n_filters;
    int64_t bucket_ms; /** 0: none */
    const int64_t *start, *end; /** inclusive bounds (ms), NULL: none */
    int64_t max_results;
} mlf_store_metrics_query;

/** One group of queryTraceMetrics: its bucket, dimension values (NULL never: filtered) and values (NULL skipped). */
typedef struct mlf_store_metrics_row {
    bool has_bucket;
    int64_t bucket_ms;
    const char **dims;
    double *values;
    bool *has_value;
} mlf_store_metrics_row;

/**
 * query_metrics' raw path: the metric of the view over the experiments' traces (spans, assessments),
 * filtered, per time bucket and dimension value, in that order, at most max_results groups.
 */
int mlf_store_query_trace_metrics(mlf_store *store, mlf_pool *pool, const mlf_store_metrics_query *query,
                                  mlf_store_metrics_row **ret, size_t *ret_n, mlf_error *err);

/** One searchTracesV3 order: an SQL expression over trace_info columns (the service's text, never the request's). */
typedef struct mlf_store_trace_order {
    const char *expr;
    bool nullable; /** NULLs sort last, whatever the direction (MLflow's CASE clause) */
    bool ascending;
} mlf_store_trace_order;

/** A page of searchTracesV3. */
typedef struct mlf_store_trace_page {
    Mlflow__TraceInfoV3 **traces;
    size_t n;
    const char *next_page_token;
} mlf_store_trace_page;

/**
 * One page (max_results from offset) of the traces of experiment_ids matching every clause of a
 * trace filter (mlf_search_parse_trace_filter's, as SqlAlchemyStore.search_traces applies them), in
 * orders' order (mlf_search_parse_trace_order_by's) then timestamp_ms DESC and request_id ASC (each
 * unless ordered by already), as TraceInfoV3 with tags and metadata (the promoted columns folded in
 * as MLflow does) and their assessments.
 */
int mlf_store_search_traces(mlf_store *store, mlf_pool *pool, const int64_t *experiment_ids, size_t n_ids,
                            const mlf_search_trace_clause *clauses, size_t n_clauses,
                            const mlf_search_trace_order *orders, size_t n_orders, int64_t max_results,
                            int64_t offset, mlf_store_trace_page *ret, mlf_error *err);

/** A parsed trace filter (the clauses of one filter string). */
typedef struct mlf_store_trace_filter {
    const mlf_search_trace_clause *clauses;
    size_t n;
} mlf_store_trace_filter;

/** The counts of calculate_trace_filter_correlation. */
typedef struct mlf_store_trace_correlation {
    int64_t total, filter1, filter2, joint;
} mlf_store_trace_correlation;

/**
 * _get_trace_correlation_counts: the traces of experiment_ids (or, with base, those matching base),
 * how many match filter1, filter2, and both.
 */
int mlf_store_trace_filter_correlation(mlf_store *store, mlf_pool *pool, const int64_t *experiment_ids, size_t n_ids,
                                       const mlf_store_trace_filter *filter1, const mlf_store_trace_filter *filter2,
                                       const mlf_store_trace_filter *base, mlf_store_trace_correlation *ret,
                                       mlf_error *err);

/* traces: assessments (SqlAlchemyStore.create_assessment, get_assessment, update_assessment,
 * delete_assessment of MLflow 3.18; the handler's Assessment.from_proto is the caller's) */

/** An assessment's value as the Python entity holds it: MessageToDict of pb, or json.loads' json; neither: None. */
typedef struct mlf_store_assessment_value {
    const Google__Protobuf__Value *pb;
    const mlf_json *json;
} mlf_store_assessment_value;

typedef enum mlf_store_assessment_type {
    MLF_STORE_ASSESSMENT_FEEDBACK,
    MLF_STORE_ASSESSMENT_EXPECTATION,
    MLF_STORE_ASSESSMENT_ISSUE,
} mlf_store_assessment_type;

/**
 * What the Assessment entity holds and its proto cannot carry (run_id, a value's Python type: 5 and 5.0 are
 * one number_value), for the store's Python callers alone: a JSON object ({"run_id": ..., "value": ...}) in
 * this unknown length-delimited field of the Assessment proto, which the FFI's binary messages keep and
 * JSON (HTTP) never has. The store sets it on the assessments it reads; createAssessment reads it.
 */
#define MLF_STORE_ASSESSMENT_EXTRAS_FIELD 10000

/** A new assessment, as the Feedback, Expectation or IssueReference entity from_proto made holds it. */
typedef struct mlf_store_assessment {
    const char *assessment_id; /** NULL: generated (a-<uuid4 hex>) */
    const char *trace_id, *name;
    mlf_store_assessment_type type;
    mlf_store_assessment_value value;                   /** feedback, expectation */
    const Mlflow__Assessments__AssessmentError *error; /** feedback's, or NULL */
    const char *issue_name;                             /** issue */
    const char *source_type, *source_id;                /** source_id may be NULL */
    const char *run_id, *span_id, *rationale, *overrides; /** each may be NULL */
    size_t n_metadata;                                  /** 0: None */
    const char *const *metadata_keys, *const *metadata_values;
    int64_t create_time_ms, last_update_time_ms; /** 0: now */
} mlf_store_assessment;

/**
 * create_assessment: the trace must exist (RESOURCE_DOES_NOT_EXIST); a feedback overriding another marks
 * that one valid = false (which must exist on the trace). *ret is the stored assessment as to_proto shows it.
 */
int mlf_store_create_assessment(mlf_store *store, mlf_pool *pool, const mlf_store_assessment *a,
                                Mlflow__Assessments__Assessment **ret, mlf_error *err);
/** get_assessment: MLflow's RESOURCE_DOES_NOT_EXIST for an unknown trace, then for an unknown assessment. */
int mlf_store_get_assessment(mlf_store *store, mlf_pool *pool, const char *trace_id, const char *assessment_id,
                             Mlflow__Assessments__Assessment **ret, mlf_error *err);

/** update_assessment's keyword arguments; a NULL (or has_* false) one keeps the stored value. */
typedef struct mlf_store_assessment_update {
    const char *name;
    bool has_expectation, has_feedback;
    mlf_store_assessment_value expectation, feedback;
    const Mlflow__Assessments__AssessmentError *feedback_error;
    const char *rationale;
    bool has_metadata; /** merged into the stored metadata */
    size_t n_metadata;
    const char *const *metadata_keys, *const *metadata_values;
} mlf_store_assessment_update;

/** update_assessment: its checks and messages; source, span, validity and overrides are kept. */
int mlf_store_update_assessment(mlf_store *store, mlf_pool *pool, const char *trace_id, const char *assessment_id,
                                const mlf_store_assessment_update *u, Mlflow__Assessments__Assessment **ret,
                                mlf_error *err);
/** delete_assessment: a missing one is no error; deleting an override makes the overridden one valid again. */
int mlf_store_delete_assessment(mlf_store *store, mlf_pool *pool, const char *trace_id, const char *assessment_id,
                                mlf_error *err);

/* ---- spans: log_spans, getTrace, batchGetTraces (sql/span.c; SqlAlchemyStore.log_spans, get_trace and
 * batch_get_traces of MLflow 3.18) ---- */

/** A key and its text. */
typedef struct mlf_store_span_kv {
    const char *key;
    const char *value;
} mlf_store_span_kv;

/**
 * One span to log, as the service made it from an OTLP span (Span.from_otel_proto, the OTLP route's root-span
 * edits and translate_span_when_storing): the spans row's columns, its stored attributes (JSON texts) for the
 * trace's aggregates, and what the trace takes from it (tags and ids already validated).
 */
typedef struct mlf_store_span {
    const char *trace_id;  /** "tr-<32 hex>" */
    const char *span_id;   /** 16 hex */
    const char *parent_id; /** NULL for a root span */
    const char *name;
    const char *type; /** the span type, or NULL */
    const char *status; /** "OK", "ERROR" or "UNSET" */
    int64_t start_ns, end_ns;
    bool no_end; /** the store's span has no end time (end_time_ns None: the row's NULL), not an end of 0 */
    const char *content; /** json.dumps of the span's dict */
    const mlf_store_span_kv *attributes;
    size_t n_attributes;
    const double *input_cost, *output_cost, *total_cost; /** NULL: none */
    const char *model_name, *model_provider;
    const char *session_id, *user_id; /** from session.id / gen_ai.conversation.id and user.id, or NULL */
    const mlf_store_span_kv *resource_tags; /** the span's OTLP resource attributes that become trace tags */
    size_t n_resource_tags;
    bool has_resource; /** the span's resource had attributes (the first such span's tags are the trace's) */
    const mlf_store_span_kv *trace_tags; /** a root span's mlflow.traceTag.<key> attributes */
    size_t n_trace_tags;
    const char *trace_name; /** a root span's mlflow.traceTag.mlflow.traceName, or NULL */
} mlf_store_span;

/**
 * SqlAlchemyStore._log_spans_once: the traces of the spans made or updated (experiment_id is the location
 * of new traces: RESOURCE_DOES_NOT_EXIST when it does not exist; a trace of another experiment is
 * INVALID_PARAMETER_VALUE), the spans upserted, the trace's times, state, previews, name, token and cost
 * columns, session and user, the spans-location and resource tags, in one write. Rollups are not written
 * (MLflow's are opt-in, MLFLOW_SQL_TRACE_ROLLUPS_ENABLED). An empty experiment_id finds experiment 0 but
 * makes no trace, as with MLflow (SQLite: its insert fails the foreign key and the spans are dropped;
 * PostgreSQL: the driver's BAD_REQUEST). *ret_unexpected is set for a failure that is no MlflowException
 * in MLflow (none yet: the OTLP route would answer it 422).
 */
int mlf_store_log_spans(mlf_store *store, mlf_pool *pool, const char *experiment_id, const mlf_store_span *spans,
                        size_t n, bool *ret_unexpected, mlf_error *err);

/** A trace as read for getTrace: its info and its spans' stored contents (root first, then by start time). */
typedef struct mlf_store_trace_data {
    Mlflow__TraceInfoV3 *info;
    const char **contents;
    size_t n_spans;
} mlf_store_trace_data;

/**
 * The trace trace_id with its spans from the spans table (none when its spans are not in the store).
 * RESOURCE_DOES_NOT_EXIST "Trace with ID <id> is not found." when there is no such trace.
 */
int mlf_store_get_trace(mlf_store *store, mlf_pool *pool, const char *trace_id, mlf_store_trace_data *ret,
                        mlf_error *err);

/**
 * The traces of ids that exist (in experiment_ids when has_experiment_ids), in the order of ids (each once),
 * with their spans as mlf_store_get_trace reads them.
 */
int mlf_store_batch_get_traces(mlf_store *store, mlf_pool *pool, const char *const *ids, size_t n_ids,
                               bool has_experiment_ids, const char *const *experiment_ids, size_t n_experiment_ids,
                               mlf_store_trace_data **ret, size_t *ret_n, mlf_error *err);

/* ---- scorers and their online scoring configurations (sql/scorer.c) ---- */

/**
 * One scorer version as MLflow's ScorerVersion entity: serialized is the stored JSON text
 * (register, get) or json.dumps of it (the lists), a gateway model's endpoint id resolved to
 * its name in both. Everything from the pool.
 */
typedef struct mlf_store_scorer {
    int64_t experiment_id;
    const char *scorer_id; /** str(uuid4()) */
    const char *name;
    int64_t version;
    const char *serialized;
    int64_t creation_time;
} mlf_store_scorer;

/**
 * SqlAlchemyStore.register_scorer: validate_scorer_name, the active experiment, the model of
 * the payload (validate_scorer_model; a gateway model's endpoint by name, stored as its id),
 * then version max + 1 of the experiment's scorer name (the scorer made at version 1).
 * INVALID_PARAMETER_VALUE / RESOURCE_DOES_NOT_EXIST as MLflow; a payload that is no JSON
 * object is MLflow's 500 (INTERNAL_ERROR).
 */
int mlf_store_register_scorer(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *name,
                              const char *serialized, mlf_store_scorer *ret, mlf_error *err);
/**
 * list_scorers_across_experiments: the latest version of every scorer of the experiments ids
 * (all_active: of every active experiment; else only the active ones among ids), ordered by
 * experiment id then name (code points). With experiment_id (not NULL): list_scorers, its
 * get_experiment and active check first.
 */
int mlf_store_list_scorers(mlf_store *store, mlf_pool *pool, const char *experiment_id, const int64_t *ids,
                           size_t n_ids, bool all_active, mlf_store_scorer **ret, size_t *ret_n, mlf_error *err);
/** list_scorer_versions: every version of the experiment's scorer name, oldest first (RESOURCE_DOES_NOT_EXIST). */
int mlf_store_list_scorer_versions(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *name,
                                   mlf_store_scorer **ret, size_t *ret_n, mlf_error *err);
/** get_scorer: version *version, or the latest when version is NULL. */
int mlf_store_get_scorer(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *name,
                         const int64_t *version, mlf_store_scorer *ret, mlf_error *err);
/** delete_scorer: version *version, or (NULL) every version, the scorer and its endpoint bindings. */
int mlf_store_delete_scorer(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *name,
                            const int64_t *version, mlf_error *err);

/** OnlineScoringConfig (mlflow/genai/scorers/online/entities.py). */
typedef struct mlf_store_online_config {
    const char *id; /** uuid4().hex */
    const char *scorer_id;
    double sample_rate;
    int64_t experiment_id;
    const char *filter_string; /** NULL when none */
} mlf_store_online_config;

/** get_online_scoring_configs: the configurations of the scorers ids (table order). */
int mlf_store_get_online_scoring_configs(mlf_store *store, mlf_pool *pool, const char *const *scorer_ids, size_t n,
                                         mlf_store_online_config **ret, size_t *ret_n, mlf_error *err);
/**
 * upsert_online_scoring_config after its sample_rate and filter checks: the active experiment,
 * its scorer name, the latest version's online checks when sample_rate > 0 (a gateway model),
 * then the scorer's configurations replaced by a new one.
 */
int mlf_store_upsert_online_scoring_config(mlf_store *store, mlf_pool *pool, const char *experiment_id,
                                           const char *name, double sample_rate, const char *filter_string,
                                           mlf_store_online_config *ret, mlf_error *err);

/** Whether the jobs table has the job job_id (job.c), or with job_id NULL any job at all. */
int mlf_store_job_exists(mlf_store *store, mlf_pool *pool, const char *job_id, bool *ret, mlf_error *err);

/* ---- issues (issue.c; SqlAlchemyStore.create_issue, get_issue, update_issue, search_issues of MLflow 3.18).
 * The field checks (issue_utils.validate_issue_fields) are the caller's. ---- */

/** A new issue: NULL / has_ 0 for what the caller did not give. Pool memory of the caller. */
typedef struct mlf_store_issue_new {
    const char *issue_id;      /** NULL: "iss-" + uuid4().hex */
    const char *experiment_id;
    const char *name, *description;
    const char *status;        /** NULL: "pending" */
    const char *severity, *source_run_id, *created_by;
    char *const *root_causes;  /** stored as json.dumps when n > 0 */
    size_t n_root_causes;
    char *const *categories;
    size_t n_categories;
    bool has_last_seen;
    int64_t last_seen_timestamp;
    mlf_store_kv metadata;     /** n 0: none */
} mlf_store_issue_new;

/**
 * create_issue: the active experiment, a free issue id (RESOURCE_ALREADY_EXISTS "Issue ID already exists"),
 * the source run of the same experiment, then the row and its issue_categories. *ret from pool.
 */
int mlf_store_create_issue(mlf_store *store, mlf_pool *pool, const mlf_store_issue_new *in,
                           Mlflow__Issues__Issue **ret, mlf_error *err);
/** get_issue: RESOURCE_DOES_NOT_EXIST "Issue with ID '<id>' not found" without one. */
int mlf_store_get_issue(mlf_store *store, mlf_pool *pool, const char *issue_id, Mlflow__Issues__Issue **ret,
                        mlf_error *err);

/** What update_issue changes: NULL / false for what stays. */
typedef struct mlf_store_issue_update {
    const char *issue_id;
    const char *status, *name, *description, *severity, *last_updated_by;
    bool set_categories; /** replace them (n 0: clear) */
    char *const *categories;
    size_t n_categories;
    bool has_last_seen; /** never moves backwards */
    int64_t last_seen_timestamp;
    bool has_metadata;   /** merge metadata, then drop delete_keys */
    mlf_store_kv metadata;
    char *const *delete_keys;
    size_t n_delete_keys;
} mlf_store_issue_update;

/** update_issue: the issue (RESOURCE_DOES_NOT_EXIST), its changes, last_updated_timestamp now. */
int mlf_store_update_issue(mlf_store *store, mlf_pool *pool, const mlf_store_issue_update *in,
                           Mlflow__Issues__Issue **ret, mlf_error *err);

/** One sort key of search_issues' order_by: an SQL expression the service fixed (no request text). */
typedef struct mlf_store_issue_order {
    const char *expr;
    bool desc;
    bool text; /** its values are strings (name, issue_id), else integers */
} mlf_store_issue_order;

/** A search_issues query, already checked and parsed by the service. */
typedef struct mlf_store_issue_query {
    const char *experiment_id;          /** NULL: every experiment */
    const mlf_store_filter_cond *conds; /** filter_string's comparisons on issues' columns */
    size_t n_conds;
    const char *name;                   /** case-insensitive substring */
    char *const *statuses;
    size_t n_statuses;
    char *const *severities;
    size_t n_severities;
    char *const *category_hashes;
    size_t n_category_hashes;
    const mlf_store_issue_order *order; /** n_order 0: severity, [trace count], created desc, issue id desc */
    size_t n_order;                     /** the issue id key included last when > 0 */
    const mlf_json *after;              /** the keyset cursor (a checked array of n_order values), or NULL */
    int64_t offset;
    int64_t max_results;
    bool trace_count, total_count, basic;
} mlf_store_issue_query;

/** A page of search_issues; last_keys: with more and n_order > 0, the sort values of the page's last row. */
typedef struct mlf_store_issue_page {
    Mlflow__Issues__Issue **issues;
    size_t n;
    bool more;
    int64_t total_count;
    mlf_json *last_keys;
} mlf_store_issue_page;

/** issue_utils.issue_category_hash: sha256 hex of category.strip().lower() (ASCII letters lowered), from pool. */
char *mlf_store_issue_category_hash(mlf_pool *pool, const char *category);

/**
 * search_issues after its checks: the page of q (max_results + 1 rows read to tell whether more follow),
 * total_count when q->total_count.
 */
int mlf_store_search_issues(mlf_store *store, mlf_pool *pool, const mlf_store_issue_query *q,
                            mlf_store_issue_page *ret, mlf_error *err);

#endif
