/*
 * The SQLite backend's internals, shared by its files (not a public header).
 *
 * Connections: one writer connection behind write_mu (every write is
 * BEGIN IMMEDIATE ... COMMIT on it, so writers never deadlock or upgrade a
 * read lock), plus up to MLF_SQLITE_MAX_READERS reader connections handed out
 * under read_mu, so that many threads read at once (WAL lets readers run
 * beside the writer). An in-memory database has only the writer: readers use
 * it under write_mu, because a private :memory: database cannot be shared
 * between connections without shared-cache table locks.
 */
#ifndef MLF_STORE_SQLITE_SQLITE_H
#define MLF_STORE_SQLITE_SQLITE_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/** Alembic head of the schema we create and accept (MLflow 3.6). */
#define MLF_SQLITE_SCHEMA_REVISION "bf29a5ff90ea"
/** Reader connections kept open at most. */
#define MLF_SQLITE_MAX_READERS 8
/** Prepared statements cached per connection. */
#define MLF_SQLITE_STMT_CACHE 48
/** How long a connection waits for a lock held by another connection or process (ms). */
#define MLF_SQLITE_BUSY_TIMEOUT_MS 600000

typedef struct mlf_sqlite_conn {
    sqlite3 *db;
    struct {
        char *sql; /** malloc'd key */
        sqlite3_stmt *stmt;
        uint64_t last_use;
    } cache[MLF_SQLITE_STMT_CACHE];
    uint64_t tick;
    struct mlf_sqlite_conn *next_free;
} mlf_sqlite_conn;

typedef struct mlf_sqlite_store {
    mlf_store base;
    char *uri;           /** as given, for messages */
    char *filename;      /** NULL for an in-memory database */
    char *artifact_root; /** default_artifact_root after resolve_uri_if_local */

    pthread_mutex_t write_mu;
    mlf_sqlite_conn *writer;

    /* group commit (file databases only), see mlf_sqlite_write_end */
    int write_waiters;           /** threads waiting for write_mu (atomic) */
    bool txn_open;               /** a group transaction is open on writer */
    int batch;                   /** requests in the open group */
    struct mlf_sqlite_group_waiter *group; /** requests of the open group waiting for its COMMIT */
    bool batching;               /** a thread batches its writes (mlf_store_batch_begin) */
    pthread_t batch_owner;       /** that thread */
    int batch_rc;                /** 0, or how the batch's writes were lost before its end */
    pthread_cond_t commit_cv;

    pthread_mutex_t read_mu;
    pthread_cond_t read_cv;
    mlf_sqlite_conn *free_readers;
    mlf_sqlite_conn *readers[MLF_SQLITE_MAX_READERS];
    int n_readers;
} mlf_sqlite_store;

/**
 * Opens the SQLite store: filename NULL means in-memory. Creates MLflow's
 * schema on an empty database, refuses one at another revision, and makes
 * sure the Default experiment exists.
 */
int mlf_sqlite_store_open(const char *uri, const char *filename, const mlf_store_config *config, mlf_pool *pool,
                          mlf_store **ret, mlf_error *err);

/** Takes a reader connection (waiting while all are busy) and opens a read transaction on it. */
int mlf_sqlite_read_begin(mlf_sqlite_store *s, mlf_pool *pool, mlf_sqlite_conn **ret, mlf_error *err);
/** Ends the read transaction and gives the connection back. */
void mlf_sqlite_read_end(mlf_sqlite_store *s, mlf_sqlite_conn *c);

/** Most requests one group transaction takes before it commits. */
#define MLF_SQLITE_GROUP_MAX 64

/**
 * Locks the writer and starts the request's write: BEGIN IMMEDIATE, or, on a
 * file database while a group transaction is open, joins it; either way the
 * request's work runs inside its own SAVEPOINT.
 */
int mlf_sqlite_write_begin(mlf_sqlite_store *s, mlf_pool *pool, mlf_sqlite_conn **ret, mlf_error *err);
/**
 * Ends the request's write: releases its savepoint when rc is 0, otherwise
 * rolls the savepoint back (the request's changes only). Then, with group
 * commit: when other writers are waiting, the transaction stays open for
 * them and this call waits until the group's COMMIT; the last request of a
 * group commits for all. So each caller returns only once its changes are
 * durable (or failed), and one COMMIT serves many concurrent requests.
 * Unlocks the writer; returns the final code (a failed COMMIT becomes every
 * member's error).
 */
int mlf_sqlite_write_end(mlf_sqlite_store *s, mlf_sqlite_conn *c, int rc, mlf_pool *pool, mlf_error *err);

/** A store operation's body, run inside a transaction on c. */
typedef int (*mlf_sqlite_tx_fn)(mlf_sqlite_conn *c, mlf_pool *pool, void *arg, mlf_error *err);
/** fn(conn, pool, arg, err) between mlf_sqlite_write_begin and _end; returns the final code. */
int mlf_sqlite_in_write(mlf_sqlite_store *s, mlf_pool *pool, mlf_sqlite_tx_fn fn, void *arg, mlf_error *err);
/** fn(conn, pool, arg, err) between mlf_sqlite_read_begin and _end. */
int mlf_sqlite_in_read(mlf_sqlite_store *s, mlf_pool *pool, mlf_sqlite_tx_fn fn, void *arg, mlf_error *err);

/**
 * Returns a prepared statement for sql from the connection's cache (reset,
 * bindings cleared). The statement belongs to the connection: never finalize it.
 */
int mlf_sqlite_prepare(mlf_sqlite_conn *c, mlf_pool *pool, const char *sql, sqlite3_stmt **ret, mlf_error *err);

/** Runs SQL without results (DDL, pragmas); errors are mapped. */
int mlf_sqlite_exec(mlf_sqlite_conn *c, mlf_pool *pool, const char *sql, mlf_error *err);

/**
 * Maps a SQLite result code to MLflow's error the way SqlAlchemyStore's
 * session wrapper does: constraint failures -> BAD_REQUEST
 * "(sqlite3.IntegrityError) ...", lock/IO trouble -> TEMPORARILY_UNAVAILABLE
 * "(sqlite3.OperationalError) ...", anything else -> INTERNAL_ERROR.
 */
int mlf_sqlite_error(mlf_pool *pool, sqlite3 *db, int rc, mlf_error *err);

/** Binds a string (NULL binds SQL NULL); the text must outlive the statement's use. */
int mlf_sqlite_bind_text(sqlite3_stmt *st, int idx, const char *s);

/** Text of a column copied into the pool, NULL for SQL NULL. */
char *mlf_sqlite_column_text(mlf_pool *pool, sqlite3_stmt *st, int col);

/** Milliseconds since the epoch (MLflow's get_current_time_millis). */
int64_t mlf_sqlite_now_ms(void);

/** Creates the schema on an empty database or checks its revision (schema.c). Runs inside a write transaction. */
int mlf_sqlite_schema_init(mlf_sqlite_store *s, mlf_sqlite_conn *c, mlf_pool *pool, mlf_error *err);

/** The schema DDL in creation order (schema.c), for tests. */
extern const char *const mlf_sqlite_schema_ddl[];
extern const size_t mlf_sqlite_schema_ddl_count;

/* experiment.c: the experiment functions of the ops table */
int mlf_sqlite_create_experiment(mlf_store *store, mlf_pool *pool, const char *name, const char *artifact_location,
                                 Mlflow__ExperimentTag *const *tags, size_t n_tags, const char **ret_id,
                                 mlf_error *err);
int mlf_sqlite_get_experiment(mlf_store *store, mlf_pool *pool, const char *experiment_id, Mlflow__Experiment **ret,
                              mlf_error *err);
int mlf_sqlite_get_experiment_by_name(mlf_store *store, mlf_pool *pool, const char *name, Mlflow__Experiment **ret,
                                      mlf_error *err);
int mlf_sqlite_delete_experiment(mlf_store *store, mlf_pool *pool, const char *experiment_id, mlf_error *err);
int mlf_sqlite_restore_experiment(mlf_store *store, mlf_pool *pool, const char *experiment_id, mlf_error *err);
int mlf_sqlite_rename_experiment(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *new_name,
                                 mlf_error *err);
int mlf_sqlite_set_experiment_tag(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *key,
                                  const char *value, mlf_error *err);
int mlf_sqlite_delete_experiment_tag(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *key,
                                     mlf_error *err);
int mlf_sqlite_search_experiments(mlf_store *store, mlf_pool *pool, Mlflow__ViewType view_type, int64_t max_results,
                                  const mlf_search_clause *clauses, size_t n_clauses, const mlf_search_order *orders,
                                  size_t n_orders, int64_t offset, mlf_store_experiment_page *ret, mlf_error *err);

/** Creates the Default experiment (id 0) when it is missing (experiment.c). Runs inside a write transaction. */
int mlf_sqlite_ensure_default_experiment(mlf_sqlite_store *s, mlf_sqlite_conn *c, mlf_pool *pool, mlf_error *err);


/* ---- runs (run.c, metric.c, param.c, tag.c) ---- */

/** mlf__sqlite_load_runs_ex flag: also load inputs.model_inputs (get_run does; search_runs does not). */
#define MLF_SQLITE_LOAD_MODEL_INPUTS 1u

/**
 * Loads full Run messages for n run uuids with a fixed number of queries
 * (one per table, whatever n), inside the caller's read or write
 * transaction on conn. ret_runs (an array of n the caller provides) gets,
 * in the order of run_uuids, the Run as SqlAlchemyStore._search_runs builds
 * it: info (RunInfo.to_proto: run_name falls back to the mlflow.runName tag,
 * end_time and artifact_uri only when set), data (latest metrics with NaN
 * restored, params, tags, each in logging order), inputs.dataset_inputs
 * (datasets with their input tags) and outputs.model_outputs; inputs and
 * outputs are always present, possibly empty. A uuid with no run gives
 * NULL (no error); a uuid listed twice gives the same message twice.
 * Everything comes from pool. Used by get_run and by searchRuns (pages of up
 * to 50,000 runs). MLflow's search_runs returns no model_inputs, so this
 * does not load them; mlf__sqlite_load_runs_ex with
 * MLF_SQLITE_LOAD_MODEL_INPUTS does (get_run).
 */
int mlf__sqlite_load_runs(mlf_sqlite_conn *conn, mlf_pool *pool, const char *const *run_uuids, size_t n,
                          Mlflow__Run **ret_runs, mlf_error *err);
/** mlf__sqlite_load_runs with flags (MLF_SQLITE_LOAD_*). */
int mlf__sqlite_load_runs_ex(mlf_sqlite_conn *conn, mlf_pool *pool, const char *const *run_uuids, size_t n,
                             unsigned flags, Mlflow__Run **ret_runs, mlf_error *err);

/** RunStatus.from_string for a runs.status value (unknown or NULL reads as RUNNING). */
Mlflow__RunStatus mlf__sqlite_run_status_from_string(const char *s);

/** Metric.to_proto of a row (key, value, timestamp, step, is_nan) starting at col; is_nan gives NaN. */
Mlflow__Metric *mlf__sqlite_row_to_metric(mlf_pool *pool, sqlite3_stmt *st, int col);

/** What the write paths need of a run row (run.c). */
typedef struct mlf__sqlite_run_row {
    bool active;
    const char *lifecycle_stage; /** "None" when NULL */
    int64_t experiment_id;
} mlf__sqlite_run_row;

/** SqlAlchemyStore._get_run in the caller's transaction: RESOURCE_DOES_NOT_EXIST "Run with id=<id> not found". */
int mlf__sqlite_run_lookup(mlf_sqlite_conn *c, mlf_pool *pool, const char *run_id, mlf__sqlite_run_row *ret,
                           mlf_error *err);
/** _get_run then _check_run_is_active ("The run <id> must be in the 'active' state. ..."); ret may be NULL. */
int mlf__sqlite_run_require_active(mlf_sqlite_conn *c, mlf_pool *pool, const char *run_id, mlf__sqlite_run_row *ret,
                                   mlf_error *err);
/** Sets runs.name and the mlflow.runName tag (update_run_info with a run_name). */
int mlf__sqlite_rename_run(mlf_sqlite_conn *c, mlf_pool *pool, const char *run_id, const char *name, mlf_error *err);
/** Inserts or overwrites one run tag (session.merge(SqlTag)). */
int mlf__sqlite_upsert_tag(mlf_sqlite_conn *c, mlf_pool *pool, const char *run_id, const char *key,
                           const char *value, mlf_error *err);
/** Steps a write statement to completion and resets it; errors mapped. */
int mlf__sqlite_step_done(mlf_sqlite_conn *c, mlf_pool *pool, sqlite3_stmt *st, mlf_error *err);
/** A JSON array of the strings (NULL as ""), to bind as one parameter of json_each whatever their number. */
const char *mlf__sqlite_json_strings(mlf_pool *pool, const char *const *items, size_t n);
/** Fills buf with n random bytes from the kernel (aborts if it cannot). */
void mlf__sqlite_random(void *buf, size_t n);
/** A name as MLflow's _generate_random_name makes them: "<adjective>-<noun>-<0..1000>", at most 20 characters. */
char *mlf__sqlite_generate_run_name(mlf_pool *pool);

/* run.c, metric.c, param.c, tag.c: the run functions of the ops table (contracts in store.h) */
int mlf_sqlite_create_run(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *user_id,
                          const int64_t *start_time, Mlflow__RunTag *const *tags, size_t n_tags, const char *run_name,
                          Mlflow__Run **ret, mlf_error *err);
int mlf_sqlite_get_run(mlf_store *store, mlf_pool *pool, const char *run_id, Mlflow__Run **ret, mlf_error *err);
int mlf_sqlite_update_run_info(mlf_store *store, mlf_pool *pool, const char *run_id, const Mlflow__RunStatus *status,
                               const int64_t *end_time, const char *run_name, Mlflow__RunInfo **ret, mlf_error *err);
int mlf_sqlite_delete_run(mlf_store *store, mlf_pool *pool, const char *run_id, mlf_error *err);
int mlf_sqlite_restore_run(mlf_store *store, mlf_pool *pool, const char *run_id, mlf_error *err);
int mlf_sqlite_log_metric(mlf_store *store, mlf_pool *pool, const char *run_id, const Mlflow__Metric *metric,
                          mlf_error *err);
int mlf_sqlite_log_param(mlf_store *store, mlf_pool *pool, const char *run_id, const Mlflow__Param *param,
                         mlf_error *err);
int mlf_sqlite_set_tag(mlf_store *store, mlf_pool *pool, const char *run_id, const Mlflow__RunTag *tag,
                       mlf_error *err);
int mlf_sqlite_delete_tag(mlf_store *store, mlf_pool *pool, const char *run_id, const char *key, mlf_error *err);
int mlf_sqlite_log_batch(mlf_store *store, mlf_pool *pool, const char *run_id, Mlflow__Metric *const *metrics,
                         size_t n_metrics, Mlflow__Param *const *params, size_t n_params, Mlflow__RunTag *const *tags,
                         size_t n_tags, mlf_error *err);
int mlf_sqlite_get_metric_history(mlf_store *store, mlf_pool *pool, const char *run_id, const char *metric_key,
                                  const int64_t *max_results, int64_t offset, mlf_store_metric_page *ret,
                                  mlf_error *err);
int mlf_sqlite_get_metric_history_bulk(mlf_store *store, mlf_pool *pool, char *const *run_ids, size_t n_run_ids,
                                       const char *metric_key, int64_t max_results, Mlflow__MetricWithRunId ***ret,
                                       size_t *ret_n, mlf_error *err);
int mlf_sqlite_get_metric_history_bulk_interval(mlf_store *store, mlf_pool *pool, char *const *run_ids,
                                                size_t n_run_ids, const char *metric_key, int64_t max_results,
                                                const int64_t *start_step, const int64_t *end_step,
                                                Mlflow__MetricWithRunId ***ret, size_t *ret_n, mlf_error *err);

/* metric.c, param.c, tag.c: the bodies of log_batch, inside its write transaction, after the run check */
/** _log_params: new params inserted; any changed value fails the whole batch with MLflow's list message. */
int mlf__sqlite_log_params(mlf_sqlite_conn *c, mlf_pool *pool, const char *run_id, Mlflow__Param *const *params,
                           size_t n, mlf_error *err);
/** _log_metrics + _update_latest_metrics_if_necessary + _log_model_metrics. */
int mlf__sqlite_log_metrics(mlf_sqlite_conn *c, mlf_pool *pool, const char *run_id, int64_t experiment_id,
                            Mlflow__Metric *const *metrics, size_t n, mlf_error *err);
/** _set_tags: mlflow.runName renames the run, other keys upserted (the last value of a repeated key wins). */
int mlf__sqlite_set_tags(mlf_sqlite_conn *c, mlf_pool *pool, const char *run_id, Mlflow__RunTag *const *tags,
                         size_t n, mlf_error *err);


/* ---- search runs, inputs, outputs (search_runs.c, dataset.c, logged_model_io.c) ---- */
/* The ops of the same names in store.h; each runs in one read or write transaction. */

/** One page of runs: the run ids by one query, the page picked in C, the runs by mlf__sqlite_load_runs. */
int mlf_sqlite_search_runs(mlf_store *store, mlf_pool *pool, char *const *experiment_ids, size_t n_experiment_ids,
                           const mlf_search_clause *clauses, size_t n_clauses, Mlflow__ViewType run_view_type,
                           int64_t max_results, const mlf_search_order *orders, size_t n_orders, int64_t offset,
                           mlf_store_run_page *ret, mlf_error *err);
/** Datasets (looked up by name and digest in every experiment, as MLflow does), input edges, tags, model inputs. */
int mlf_sqlite_log_inputs(mlf_store *store, mlf_pool *pool, const char *run_id, Mlflow__DatasetInput *const *datasets,
                          size_t n_datasets, Mlflow__ModelInput *const *models, size_t n_models, mlf_error *err);
/** _search_datasets: DISTINCT (experiment, name, digest, context) of the experiments' datasets, at most 1000. */
int mlf_sqlite_search_datasets(mlf_store *store, mlf_pool *pool, char *const *experiment_ids, size_t n_experiment_ids,
                               Mlflow__DatasetSummary ***ret, size_t *ret_n, mlf_error *err);
/** RUN_OUTPUT -> MODEL_OUTPUT edges with their step; a repeated model is the primary key's IntegrityError. */
int mlf_sqlite_log_outputs(mlf_store *store, mlf_pool *pool, const char *run_id, Mlflow__ModelOutput *const *models,
                           size_t n_models, mlf_error *err);
/** Appends model_dict to the mlflow.log-model.history tag, re-serialized as json.dumps, cut at 8000 characters. */
int mlf_sqlite_record_logged_model(mlf_store *store, mlf_pool *pool, const char *run_id, const mlf_json *model_dict,
                                   mlf_error *err);

/** uuid.uuid4().hex: 32 lower-case hex digits from the pool (dataset.c). */
char *mlf__sqlite_uuid4_hex(mlf_pool *pool);

/**
 * SqlAlchemyStore._get_run + _check_run_is_active inside the caller's
 * transaction (dataset.c): RESOURCE_DOES_NOT_EXIST "Run with id=<id> not
 * found", or INVALID_PARAMETER_VALUE when the run is deleted. Sets
 * *ret_experiment_id when not NULL.
 */
int mlf__sqlite_active_run(mlf_sqlite_conn *c, mlf_pool *pool, const char *run_id, int64_t *ret_experiment_id,
                           mlf_error *err);

/**
 * SqlAlchemyStore.get_experiment + _check_experiment_is_active in the
 * caller's transaction (run.c): experiment_id "" or NULL means "0"; int() of
 * it (a 500 when not an int); *ret_location is its artifact location.
 */
int mlf__sqlite_active_experiment(mlf_sqlite_conn *c, mlf_pool *pool, const char *experiment_id, char **ret_location,
                                  mlf_error *err);

/* ---- logged models (logged_model.c; contracts in store.h) ---- */
int mlf_sqlite_create_logged_model(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *name,
                                   const char *model_type, const char *source_run_id,
                                   Mlflow__LoggedModelParameter *const *params, size_t n_params,
                                   Mlflow__LoggedModelTag *const *tags, size_t n_tags, Mlflow__LoggedModel **ret,
                                   mlf_error *err);
int mlf_sqlite_get_logged_model(mlf_store *store, mlf_pool *pool, const char *model_id, Mlflow__LoggedModel **ret,
                                mlf_error *err);
int mlf_sqlite_finalize_logged_model(mlf_store *store, mlf_pool *pool, const char *model_id,
                                     Mlflow__LoggedModelStatus status, Mlflow__LoggedModel **ret, mlf_error *err);
int mlf_sqlite_delete_logged_model(mlf_store *store, mlf_pool *pool, const char *model_id, mlf_error *err);
int mlf_sqlite_set_logged_model_tags(mlf_store *store, mlf_pool *pool, const char *model_id,
                                     Mlflow__LoggedModelTag *const *tags, size_t n_tags, mlf_error *err);
int mlf_sqlite_delete_logged_model_tag(mlf_store *store, mlf_pool *pool, const char *model_id, const char *key,
                                       mlf_error *err);
int mlf_sqlite_log_logged_model_params(mlf_store *store, mlf_pool *pool, const char *model_id,
                                       Mlflow__LoggedModelParameter *const *params, size_t n_params, mlf_error *err);
int mlf_sqlite_search_logged_models(mlf_store *store, mlf_pool *pool, const mlf_store_logged_model_query *query,
                                    mlf_store_logged_model_page *ret, mlf_error *err);

/* ---- model registry (registered_model.c, model_version.c, registry_search.c; contracts in store.h) ---- */
int mlf_sqlite_create_registered_model(mlf_store *store, mlf_pool *pool, const char *name,
                                       Mlflow__RegisteredModelTag *const *tags, size_t n_tags, const char *description,
                                       Mlflow__RegisteredModel **ret, mlf_error *err);
int mlf_sqlite_get_registered_model(mlf_store *store, mlf_pool *pool, const char *name, Mlflow__RegisteredModel **ret,
                                    mlf_error *err);
int mlf_sqlite_update_registered_model(mlf_store *store, mlf_pool *pool, const char *name, const char *description,
                                       Mlflow__RegisteredModel **ret, mlf_error *err);
int mlf_sqlite_rename_registered_model(mlf_store *store, mlf_pool *pool, const char *name, const char *new_name,
                                       Mlflow__RegisteredModel **ret, mlf_error *err);
int mlf_sqlite_delete_registered_model(mlf_store *store, mlf_pool *pool, const char *name, mlf_error *err);
int mlf_sqlite_search_registered_models(mlf_store *store, mlf_pool *pool, int64_t max_results,
                                        const mlf_search_clause *clauses, size_t n_clauses,
                                        const mlf_search_order *orders, size_t n_orders, int64_t offset,
                                        mlf_store_registered_model_page *ret, mlf_error *err);
int mlf_sqlite_get_latest_versions(mlf_store *store, mlf_pool *pool, const char *name, const char *const *stages,
                                   size_t n_stages, Mlflow__ModelVersion ***ret, size_t *ret_n, mlf_error *err);
int mlf_sqlite_set_registered_model_tag(mlf_store *store, mlf_pool *pool, const char *name, const char *key,
                                        const char *value, mlf_error *err);
int mlf_sqlite_delete_registered_model_tag(mlf_store *store, mlf_pool *pool, const char *name, const char *key,
                                           mlf_error *err);
int mlf_sqlite_create_model_version(mlf_store *store, mlf_pool *pool, const mlf_store_new_model_version *mv,
                                    Mlflow__ModelVersion **ret, mlf_error *err);
int mlf_sqlite_get_model_version(mlf_store *store, mlf_pool *pool, const char *name, const char *version,
                                 Mlflow__ModelVersion **ret, mlf_error *err);
int mlf_sqlite_update_model_version(mlf_store *store, mlf_pool *pool, const char *name, const char *version,
                                    const char *description, Mlflow__ModelVersion **ret, mlf_error *err);
int mlf_sqlite_transition_model_version_stage(mlf_store *store, mlf_pool *pool, const char *name,
                                              const char *version, const char *stage, bool archive_existing_versions,
                                              Mlflow__ModelVersion **ret, mlf_error *err);
int mlf_sqlite_delete_model_version(mlf_store *store, mlf_pool *pool, const char *name, const char *version,
                                    mlf_error *err);
int mlf_sqlite_get_model_version_download_uri(mlf_store *store, mlf_pool *pool, const char *name,
                                              const char *version, const char **ret, mlf_error *err);
int mlf_sqlite_search_model_versions(mlf_store *store, mlf_pool *pool, int64_t max_results,
                                     const mlf_search_clause *clauses, size_t n_clauses,
                                     const mlf_search_order *orders, size_t n_orders, int64_t offset,
                                     mlf_store_model_version_page *ret, mlf_error *err);
int mlf_sqlite_set_model_version_tag(mlf_store *store, mlf_pool *pool, const char *name, const char *version,
                                     const char *key, const char *value, mlf_error *err);
int mlf_sqlite_delete_model_version_tag(mlf_store *store, mlf_pool *pool, const char *name, const char *version,
                                        const char *key, mlf_error *err);
int mlf_sqlite_set_registered_model_alias(mlf_store *store, mlf_pool *pool, const char *name, const char *alias,
                                          const char *version, mlf_error *err);
int mlf_sqlite_delete_registered_model_alias(mlf_store *store, mlf_pool *pool, const char *name, const char *alias,
                                             mlf_error *err);
int mlf_sqlite_get_model_version_by_alias(mlf_store *store, mlf_pool *pool, const char *name, const char *alias,
                                          Mlflow__ModelVersion **ret, mlf_error *err);
int mlf_sqlite_get_source_run_artifact_uri(mlf_store *store, mlf_pool *pool, const char *run_id, const char **ret,
                                           mlf_error *err);
int mlf_sqlite_get_source_logged_model(mlf_store *store, mlf_pool *pool, const char *model_id,
                                       const char **ret_artifact_location, const char **ret_source_run_id,
                                       mlf_error *err);
int mlf_sqlite_set_model_versions_tags(mlf_store *store, mlf_pool *pool, const char *name, int64_t version,
                                       const char *model_id, mlf_error *err);

#endif
