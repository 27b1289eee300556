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

/** Locks the writer and runs BEGIN IMMEDIATE on it. */
int mlf_sqlite_write_begin(mlf_sqlite_store *s, mlf_pool *pool, mlf_sqlite_conn **ret, mlf_error *err);
/**
 * Commits when rc is 0 (a failed COMMIT becomes the error), otherwise rolls
 * back; then unlocks the writer. Returns the final code.
 */
int mlf_sqlite_write_end(mlf_sqlite_store *s, mlf_sqlite_conn *c, int rc, mlf_pool *pool, mlf_error *err);

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

#endif
