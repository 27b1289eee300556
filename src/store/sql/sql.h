/*
 * The SQL store: MLflow's tracking and registry tables read and written with
 * one set of statements for every SQL backend (SQLite, PostgreSQL). Not a
 * public header; the service layer sees only store/store.h.
 *
 * A backend provides connections (a struct whose first member is
 * mlf_sql_conn), transactions (mlf_sql_read_begin / _end, and writes only
 * through mlf_sql_in_write) and the statement primitives below; the store's
 * dialect picks the backend's with an `if` (there are two), with no function
 * table. Statements are written in the SQL both backends share; the
 * PostgreSQL backend rewrites the few SQLite spellings that remain when it
 * prepares them (`?`/`?N` placeholders, json_each, rowid, `IS [NOT] ?`,
 * `CROSS JOIN ... ON`, empty IN lists), see src/store/postgres/translate.c.
 * Where the dialects need
 * different statements, mlf_sql_dialect_of(c) picks.
 *
 * Result codes follow SQLite's numbering so that both backends report the
 * same way: MLF_SQL_ROW / MLF_SQL_DONE from mlf_sql_step, otherwise one of
 * the MLF_SQL_* error classes, which mlf_sql_error turns into MLflow's error.
 */
#ifndef MLF_STORE_SQL_SQL_H
#define MLF_STORE_SQL_SQL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/** Alembic head of the schema every backend creates and accepts (MLflow 3.18.0). */
#define MLF_SQL_SCHEMA_REVISION "f4a9b2c7d1e6"

/**
 * MLflow's default workspace. Workspaces are off (MLflow's single-tenant mode), so every row of a table
 * with a workspace column has it; the statements over the tables whose primary key or unique index
 * starts with workspace (experiments' (workspace, name), the registry's (workspace, name, ...)) name it,
 * as MLflow's registry store does, so that those indexes serve lookups by name.
 */
#define MLF_SQL_WORKSPACE "default"
/** MLF_SQL_WORKSPACE as an SQL literal, to paste into statement texts: "WHERE t.workspace = " MLF_SQL_WS. */
#define MLF_SQL_WS "'" MLF_SQL_WORKSPACE "'"

/* step results and error classes (SQLite's primary result codes) */
#define MLF_SQL_OK 0
#define MLF_SQL_ERROR 1       /** anything else */
#define MLF_SQL_BUSY 5        /** lock timeout, deadlock, serialization failure: retry */
#define MLF_SQL_IOERR 10      /** the database is unreachable or failing */
#define MLF_SQL_CORRUPT 11    /** a row the store cannot read */
#define MLF_SQL_CONSTRAINT 19 /** a unique, foreign-key, check or not-null violation */
#define MLF_SQL_ROW 100
#define MLF_SQL_DONE 101

/* column types (SQLite's fundamental datatypes) */
#define MLF_SQL_INTEGER 1
#define MLF_SQL_FLOAT 2
#define MLF_SQL_TEXT 3
#define MLF_SQL_BLOB 4
#define MLF_SQL_NULL 5

typedef enum mlf_sql_dialect { MLF_SQL_SQLITE = 1, MLF_SQL_POSTGRES = 2 } mlf_sql_dialect;

/** The common head of a backend's connection. */
typedef struct mlf_sql_conn {
    mlf_sql_dialect dialect;
} mlf_sql_conn;

/** A prepared statement: owned by its connection's cache, never freed by callers. */
typedef struct mlf_sql_stmt {
    mlf_sql_dialect dialect;
} mlf_sql_stmt;

/** A store operation's body, run inside a transaction on c. */
typedef int (*mlf_sql_tx_fn)(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err);

/** Reruns of a write that lost a deadlock or a serialization conflict (PostgreSQL), see mlf_sql_in_write. */
#define MLF_SQL_WRITE_RETRIES 8
/** Most callers of mlf_sql_in_write one group transaction takes (group_commit stores). */
#define MLF_SQL_GROUP_MAX 64

/** The common head of a SQL backend's store. */
typedef struct mlf_sql_store {
    mlf_store base;
    mlf_sql_dialect dialect; /** picks the backend's transactions and statement primitives */
    char *artifact_root;     /** default_artifact_root after resolve_uri_if_local */

    /**
     * Set by a backend with a single writer (SQLite): concurrent writes are
     * committed together, see mlf_sql_in_write. The queue of waiting writers
     * (under queue_mu, the store's own; mlf_sql_store_init makes it and
     * mlf_sql_store_fini ends it).
     */
    bool group_commit;
    pthread_mutex_t queue_mu;
    struct mlf_sql_writer *queue_head, *queue_tail;
    int queue_len; /** writers queued, the running group's included */
} mlf_sql_store;

/** The default artifact root as SqlAlchemyStore.__init__ resolves it (a local one is not created). */
int mlf_sql_artifact_root(mlf_pool *pool, const char *root, char **ret, mlf_error *err);

/**
 * Creates MLflow's schema on an empty database (ddl in order, then the
 * alembic revision) or checks the revision of a database that has tables,
 * refusing any other with MLflow's message naming `mlflow-c db upgrade
 * display_uri`. tables_sql answers one row: the number of tables and of
 * alembic_version tables. Runs inside the caller's write transaction.
 */
int mlf_sql_schema_init(mlf_sql_conn *c, mlf_pool *pool, const char *display_uri, const char *tables_sql,
                        const char *const *ddl, size_t n_ddl, mlf_error *err);

/**
 * Fills the common head of a backend's new (zeroed) store: its ops
 * (destroy, batching), dialect and artifact root (config's default_artifact_root, else
 * ./mlruns, resolved and created as MLflow does; malloc'd, the backend frees
 * it).
 */
int mlf_sql_store_init(mlf_sql_store *s, const mlf_store_ops *ops, mlf_sql_dialect dialect,
                       const mlf_store_config *config, mlf_pool *pool, mlf_error *err);
/** Ends what mlf_sql_store_init made but the artifact root (also after a failed init). */
void mlf_sql_store_fini(mlf_sql_store *s);

static inline mlf_sql_dialect mlf_sql_dialect_of(const mlf_sql_conn *c)
{
    return c->dialect;
}

/** Starts a read transaction (one snapshot for all its statements); the backend's, by dialect. */
int mlf_sql_read_begin(mlf_sql_store *s, mlf_pool *pool, mlf_sql_conn **ret, mlf_error *err);
void mlf_sql_read_end(mlf_sql_store *s, mlf_sql_conn *c);

/**
 * The one way to write: runs fn(conn, pool, arg, err) in a write transaction
 * of s and returns its final code (fn's error, else the COMMIT's). A
 * transaction that lost a deadlock or a serialization conflict runs fn again
 * in a new one (at most MLF_SQL_WRITE_RETRIES times, backing off), so fn must
 * be safe to rerun. On a group_commit store, concurrent callers share one
 * transaction (up to MLF_SQL_GROUP_MAX of them, fn running on the leader's
 * thread): each fn runs in its own savepoint (its failure undoes only
 * itself), one COMMIT serves all, and each caller returns once its changes
 * are committed or lost; a failed COMMIT is every successful member's error,
 * set in its own pool and err. A caller that is alone commits at once.
 * fn must not call mlf_sql_in_write itself.
 */
int mlf_sql_in_write(mlf_sql_store *s, mlf_pool *pool, mlf_sql_tx_fn fn, void *arg, mlf_error *err);

/** fn(conn, pool, arg, err) in a read transaction of s. */
int mlf_sql_in_read(mlf_sql_store *s, mlf_pool *pool, mlf_sql_tx_fn fn, void *arg, mlf_error *err);

/** The key of an entry of a connection's statement cache: the first member of each backend's entry. */
typedef struct mlf_sql_cache_key {
    char *sql; /** malloc'd: the statement as the store wrote it; NULL for an empty entry */
    uint64_t last_use;
} mlf_sql_cache_key;

/**
 * Looks sql up in a statement cache of n entries of stride bytes, each
 * starting with an mlf_sql_cache_key. Found: returns its index with *hit
 * set, its use recorded. Not found: returns the entry to take (an empty one,
 * else the least recently used) with *hit clear; the caller drops that
 * entry's statement when its key is set, then calls mlf_sql_cache_take.
 */
int mlf_sql_cache_find(void *entries, size_t stride, int n, uint64_t *tick, const char *sql, bool *hit);
/** Makes key sql's (freeing the key it had), most recently used. */
void mlf_sql_cache_take(mlf_sql_cache_key *key, uint64_t *tick, const char *sql);

/**
 * Returns a prepared statement for sql from the connection's cache (reset,
 * bindings cleared). The statement belongs to the connection: never finalize it.
 */
int mlf_sql_prepare(mlf_sql_conn *c, mlf_pool *pool, const char *sql, mlf_sql_stmt **ret, mlf_error *err);
/** Runs SQL without results (DDL, transaction control); errors are mapped. */
int mlf_sql_exec(mlf_sql_conn *c, mlf_pool *pool, const char *sql, mlf_error *err);
/**
 * Maps a result code to MLflow's error the way SqlAlchemyStore's session
 * wrapper does for the backend's driver: constraint failures ->
 * BAD_REQUEST "(<driver>.IntegrityError) ...", lock and connection trouble
 * -> TEMPORARILY_UNAVAILABLE, anything else -> INTERNAL_ERROR.
 */
int mlf_sql_error(mlf_pool *pool, mlf_sql_conn *c, int rc, mlf_error *err);
/** The Python driver's exception for the last constraint failure on c, as MLflow's messages name it. */
const char *mlf_sql_integrity_error_name(mlf_sql_conn *c);
/**
 * SQLAlchemy's note for an error raised by an autoflush, which MLflow's
 * messages carry on PostgreSQL where its session flushed the failing write
 * at a later query ("" on SQLite, where those writes fail at once).
 */
const char *mlf_sql_autoflush_note(mlf_sql_conn *c);
/** On PostgreSQL, puts mlf_sql_autoflush_note in front of err's message; returns rc. */
int mlf_sql_autoflushed(mlf_sql_conn *c, mlf_pool *pool, int rc, mlf_error *err);
/**
 * Binds a number of a search filter that MLflow converts to a Python number
 * first: SQLite gets the text (its affinity converts it);
 * PostgreSQL the integer, or a double when it has a fraction, an exponent or
 * is beyond int64, as psycopg2 sends a Python int or float.
 */
int mlf_sql_bind_number(mlf_sql_stmt *st, int idx, const char *literal);
/** The last error message on c (the driver's text). */
const char *mlf_sql_errmsg(mlf_sql_conn *c);
/** Rows changed by the last INSERT, UPDATE or DELETE on c. */
int64_t mlf_sql_changes(mlf_sql_conn *c);

/** Binds a string (NULL binds SQL NULL); the text must outlive the statement's use. */
int mlf_sql_bind_text(mlf_sql_stmt *st, int idx, const char *s);
/** Binds n bytes of text (copied). */
int mlf_sql_bind_textn(mlf_sql_stmt *st, int idx, const char *s, size_t n);
int mlf_sql_bind_int64(mlf_sql_stmt *st, int idx, int64_t v);
/** Binds a double; NaN and infinities as the backend spells them. */
int mlf_sql_bind_double(mlf_sql_stmt *st, int idx, double v);
int mlf_sql_bind_null(mlf_sql_stmt *st, int idx);

/** The next row (MLF_SQL_ROW), the end (MLF_SQL_DONE) or an error class. */
int mlf_sql_step(mlf_sql_stmt *st);
/** Back to before the first step; bindings are kept. */
void mlf_sql_reset(mlf_sql_stmt *st);
/** Clears the bindings to NULL. */
void mlf_sql_clear_bindings(mlf_sql_stmt *st);

/** MLF_SQL_NULL, _INTEGER, _FLOAT, _TEXT or _BLOB for the current row's column. */
int mlf_sql_column_type(mlf_sql_stmt *st, int col);
/** Integer value (booleans as 0/1); 0 for NULL. */
int64_t mlf_sql_column_int64(mlf_sql_stmt *st, int col);
static inline int mlf_sql_column_int(mlf_sql_stmt *st, int col)
{
    return (int)mlf_sql_column_int64(st, col);
}
double mlf_sql_column_double(mlf_sql_stmt *st, int col);
/** Text of the column ("" for NULL), valid until the next step or reset. */
const unsigned char *mlf_sql_column_text(mlf_sql_stmt *st, int col);
/** Bytes of mlf_sql_column_text's value. */
int mlf_sql_column_bytes(mlf_sql_stmt *st, int col);
/** A blob's bytes (PostgreSQL: the text), valid until the next step or reset. */
const void *mlf_sql_column_blob(mlf_sql_stmt *st, int col);
/** Text of a column copied into the pool, NULL for SQL NULL. */
char *mlf_sql_column_text_dup(mlf_pool *pool, mlf_sql_stmt *st, int col);

/**
 * An integer id that psycopg2 would send as a literal no integer column
 * holds (beyond int32: PostgreSQL's experiment_id is an integer) as one that
 * matches no row; ids as given elsewhere. overflow: int() gave a value
 * beyond int64 (SQLite's driver raises for those instead).
 */
static inline int64_t mlf_sql_pg_unmatched_id(int64_t id, bool overflow)
{
    return overflow || id > INT32_MAX || id < INT32_MIN ? INT32_MIN : id;
}

/** Milliseconds since the epoch (MLflow's get_current_time_millis). */
int64_t mlf_sql_now_ms(void);

/**
 * plain_filter.c: appends " AND ..." for each condition to sql (id_column: the searched table's
 * key, which the tag table's rows name too), as SQLAlchemy writes them on c's dialect.
 */
void mlf__sql_filter_conds(mlf_sql_conn *c, mlf_buf *sql, const mlf_store_filter_cond *conds, size_t n,
                           const char *id_column);
/** Binds the conditions' values from parameter *p on (advancing it), in mlf__sql_filter_conds' order. */
void mlf__sql_filter_bind(mlf_sql_stmt *st, int *p, const mlf_store_filter_cond *conds, size_t n);

/**
 * Prepares, binds and runs one write statement: spec gives each parameter's type, 't' text (args[i] the
 * string, NULL binds SQL NULL) or 'i' int64 (args[i] points at it); errors mapped.
 */
int mlf__sql_exec(mlf_sql_conn *c, mlf_pool *pool, const char *sql, const char *spec, const void *const *args,
                  mlf_error *err);
/** Steps a write statement to completion and resets it; errors mapped. */
int mlf__sql_step_done(mlf_sql_conn *c, mlf_pool *pool, mlf_sql_stmt *st, mlf_error *err);

/* entity_tag.c: setTag / deleteTag of experiments, registered models and model versions */

/** The owner of a tag row as bound to its table's owner columns: an integer id, or one or two texts. */
typedef struct mlf_sql_tag_owner {
    bool by_id; /** one integer column: id */
    int64_t id;
    const char *text[2]; /** else text[0] and, when not NULL, text[1] */
} mlf_sql_tag_owner;

/** One kind of entity tag: its table, its entity's lookup and the message of a missing tag. */
typedef struct mlf_sql_tag_kind {
    const char *table;      /** with a "key" and a value column */
    const char *columns[2]; /** naming the owner (as mlf_sql_tag_owner binds them); columns[1] may be NULL */
    /**
     * Looks the entity named by ids up on c (its not-found and state errors are
     * the entity's) and fills the owner the statements bind; deleting tells
     * which operation asks (their id checks differ for experiments).
     */
    int (*owner)(mlf_sql_conn *c, mlf_pool *pool, const char *const *ids, bool deleting, mlf_sql_tag_owner *ret,
                 mlf_error *err);
    /** NULL: deleting a missing tag is not an error; else RESOURCE_DOES_NOT_EXIST's format (key, ids[0]). */
    const char *missing_fmt;
    /** the table's primary key includes MLflow's workspace column (the registry's tags, 3.18's schema) */
    bool in_workspace;
} mlf_sql_tag_kind;

/** Sets (upserts) the tag key of the entity ids of kind in a write transaction of s. */
int mlf_sql_entity_tag_set(mlf_sql_store *s, mlf_pool *pool, const mlf_sql_tag_kind *kind, const char *const *ids,
                           const char *key, const char *value, mlf_error *err);
/** Deletes the tag key of the entity ids of kind in a write transaction of s. */
int mlf_sql_entity_tag_delete(mlf_sql_store *s, mlf_pool *pool, const mlf_sql_tag_kind *kind, const char *const *ids,
                              const char *key, mlf_error *err);

/** Creates the Default experiment (id 0) when it is missing (experiment.c). Runs inside a write transaction. */
int mlf_sql_ensure_default_experiment(mlf_sql_store *s, mlf_sql_conn *c, mlf_pool *pool, mlf_error *err);

/* ---- runs (run.c, metric.c, param.c, tag.c) ---- */

/** mlf__sql_load_runs_ex flag: also load inputs.model_inputs (get_run does; search_runs does not). */
#define MLF_SQL_LOAD_MODEL_INPUTS 1u

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
 * does not load them; mlf__sql_load_runs_ex with
 * MLF_SQL_LOAD_MODEL_INPUTS does (get_run).
 */
int mlf__sql_load_runs(mlf_sql_conn *conn, mlf_pool *pool, const char *const *run_uuids, size_t n,
                       Mlflow__Run **ret_runs, mlf_error *err);
/** mlf__sql_load_runs with flags (MLF_SQL_LOAD_*). */
int mlf__sql_load_runs_ex(mlf_sql_conn *conn, mlf_pool *pool, const char *const *run_uuids, size_t n, unsigned flags,
                          Mlflow__Run **ret_runs, mlf_error *err);

/** RunStatus.from_string for a runs.status value (unknown or NULL reads as RUNNING). */
Mlflow__RunStatus mlf__sql_run_status_from_string(const char *s);

/** Metric.to_proto of a row (key, value, timestamp, step, is_nan) starting at col; is_nan gives NaN. */
Mlflow__Metric *mlf__sql_row_to_metric(mlf_pool *pool, mlf_sql_stmt *st, int col);

/** What the write paths need of a run row (run.c). */
typedef struct mlf__sql_run_row {
    bool active;
    const char *lifecycle_stage; /** "None" when NULL */
    int64_t experiment_id;
} mlf__sql_run_row;

/** SqlAlchemyStore._get_run in the caller's transaction: RESOURCE_DOES_NOT_EXIST "Run with id=<id> not found". */
int mlf__sql_run_lookup(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, mlf__sql_run_row *ret, mlf_error *err);
/**
 * _get_run then _check_run_is_active ("The run <id> must be in the 'active' state. ..."); ret may be NULL.
 * For write transactions only: on PostgreSQL it locks the run's row until the transaction ends.
 */
int mlf__sql_run_require_active(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, mlf__sql_run_row *ret,
                                mlf_error *err);
/** Sets runs.name and the mlflow.runName tag (update_run_info with a run_name). */
int mlf__sql_rename_run(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, const char *name, mlf_error *err);
/** Inserts or overwrites one run tag (session.merge(SqlTag)). */
int mlf__sql_upsert_tag(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, const char *key, const char *value,
                        mlf_error *err);
/** A JSON array of the strings (NULL as ""), to bind as one parameter of json_each whatever their number. */
const char *mlf__sql_json_strings(mlf_pool *pool, const char *const *items, size_t n);
/** Fills buf with n random bytes from the kernel (aborts if it cannot). */
void mlf__sql_random(void *buf, size_t n);
/** A name as MLflow's _generate_random_name makes them: "<adjective>-<noun>-<0..1000>", at most 20 characters. */
char *mlf__sql_generate_run_name(mlf_pool *pool);

/* metric.c, param.c, tag.c: the bodies of log_batch, inside its write transaction, after the run check */
/** _log_params: new params inserted; any changed value fails the whole batch with MLflow's list message. */
int mlf__sql_log_params(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, Mlflow__Param *const *params, size_t n,
                        mlf_error *err);
/** _log_metrics + _update_latest_metrics_if_necessary + _log_model_metrics. */
int mlf__sql_log_metrics(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, int64_t experiment_id,
                         Mlflow__Metric *const *metrics, size_t n, mlf_error *err);
/** _set_tags: mlflow.runName renames the run, other keys upserted (the last value of a repeated key wins). */
int mlf__sql_set_tags(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, Mlflow__RunTag *const *tags, size_t n,
                      mlf_error *err);

/* ---- evaluation datasets (evaluation_dataset.c, evaluation_dataset_record.c) ---- */

/** The dataset's row (with its tags when with_tags) as its proto, or *ret NULL when there is none. */
int mlf__sql_eval_dataset_fetch(mlf_sql_conn *c, mlf_pool *pool, const char *dataset_id, bool with_tags,
                                Mlflow__Datasets__Dataset **ret, mlf_error *err);
/** _compute_dataset_digest: the first 8 hex digits of sha256("<name>:<time>"). */
const char *mlf__sql_eval_dataset_digest(mlf_pool *pool, const char *name, int64_t time_ms);
/** Python's `key in container` for a json.loads result (INTERNAL_ERROR "... is not iterable" for numbers). */
int mlf__sql_py_in(mlf_pool *pool, const mlf_json *container, const char *key, bool *ret, mlf_error *err);
/** `tags[MLFLOW_USER] if tags and MLFLOW_USER in tags else None`, with Python's errors for a str or list. */
int mlf__sql_py_user(mlf_pool *pool, const mlf_json *tags, const char **ret, mlf_error *err);

/* ---- search runs, inputs, outputs (search_runs.c, dataset.c, logged_model_io.c) ---- */

/** uuid.uuid4().hex: 32 lower-case hex digits from the pool (dataset.c). */
char *mlf__sql_uuid4_hex(mlf_pool *pool);

/**
 * SqlAlchemyStore._get_run + _check_run_is_active inside the caller's
 * transaction (dataset.c): RESOURCE_DOES_NOT_EXIST "Run with id=<id> not
 * found", or INVALID_PARAMETER_VALUE when the run is deleted. Sets
 * *ret_experiment_id when not NULL.
 */
int mlf__sql_active_run(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, int64_t *ret_experiment_id,
                        mlf_error *err);

/**
 * SqlAlchemyStore.get_experiment in the caller's transaction (run.c): int() of experiment_id (MLflow's
 * errors when not an int), then its row, deleted ones included (RESOURCE_DOES_NOT_EXIST without one);
 * *ret_location its artifact location, *ret_stage its lifecycle stage.
 */
int mlf__sql_get_experiment(mlf_sql_conn *c, mlf_pool *pool, const char *experiment_id, int64_t *ret_id,
                            char **ret_location, char **ret_stage, mlf_error *err);

/**
 * SqlAlchemyStore.get_experiment + _check_experiment_is_active in the
 * caller's transaction (run.c): experiment_id "" or NULL means "0"; int() of
 * it (a 500 when not an int); *ret_location is its artifact location.
 */
int mlf__sql_active_experiment(mlf_sql_conn *c, mlf_pool *pool, const char *experiment_id, char **ret_location,
                               mlf_error *err);

#endif
