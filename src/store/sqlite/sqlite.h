/*
 * The SQLite backend's internals (not a public header): connections,
 * transactions and the schema; the store functions themselves are the SQL
 * store's (store/sql/sql.h), run on these connections.
 *
 * Connections: one writer connection behind write_mu (every write is
 * BEGIN IMMEDIATE ... COMMIT on it, so writers never deadlock or upgrade a
 * read lock; concurrent writes share one transaction, group_commit in
 * mlf_sql_in_write), plus up to MLF_SQLITE_MAX_READERS reader connections handed out
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

#include "store/sql/sql.h"

/** Reader connections kept open at most. */
#define MLF_SQLITE_MAX_READERS 8
/** Prepared statements cached per connection. */
#define MLF_SQLITE_STMT_CACHE 48
/** How long a connection waits for a lock held by another connection or process (ms). */
#define MLF_SQLITE_BUSY_TIMEOUT_MS 600000

/** A statement of the cache: the SQL store's handle around SQLite's. */
typedef struct mlf_sqlite_stmt {
    mlf_sql_stmt head;
    sqlite3_stmt *st;
    sqlite3 *db;
} mlf_sqlite_stmt;

typedef struct mlf_sqlite_conn {
    mlf_sql_conn head; /** first: the SQL store sees this */
    sqlite3 *db;
    struct {
        mlf_sql_cache_key key; /** first: see mlf_sql_cache_find */
        mlf_sqlite_stmt stmt;
    } cache[MLF_SQLITE_STMT_CACHE];
    uint64_t tick;
    struct mlf_sqlite_conn *next_free;
} mlf_sqlite_conn;

typedef struct mlf_sqlite_store {
    mlf_sql_store sql; /** first: base store, artifact root, transactions */
    char *uri;         /** as given, for messages */
    char *filename;    /** NULL for an in-memory database */

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

/**
 * Locks the writer connection and opens a write transaction on it (BEGIN
 * IMMEDIATE). Only mlf_sql_in_write calls it (and mlf_sqlite_write_end).
 */
int mlf_sqlite_write_begin(mlf_sqlite_store *s, mlf_pool *pool, mlf_sqlite_conn **ret, mlf_error *err);
/** Commits (rc 0) or rolls back and unlocks the writer; *retry is always false (one writer never deadlocks). */
int mlf_sqlite_write_end(mlf_sqlite_store *s, mlf_sqlite_conn *c, int rc, mlf_pool *pool, mlf_error *err, bool *retry);
/** Takes a reader connection (waiting while all are busy) and opens a read transaction on it. */
int mlf_sqlite_read_begin(mlf_sqlite_store *s, mlf_pool *pool, mlf_sqlite_conn **ret, mlf_error *err);
/** Ends the read transaction and gives the connection back. */
void mlf_sqlite_read_end(mlf_sqlite_store *s, mlf_sqlite_conn *c);

/** Resets every cached statement of c so none holds a read snapshot or stale bindings into a freed pool. */
void mlf_sqlite_conn_quiesce(mlf_sqlite_conn *c);

/** Prepares sql on c through its statement cache (mlf_sql_prepare for SQLite connections). */
int mlf_sqlite_prepare(mlf_sqlite_conn *c, mlf_pool *pool, const char *sql, mlf_sql_stmt **ret, mlf_error *err);
/** Runs SQL without results (DDL, pragmas); errors are mapped. */
int mlf_sqlite_exec(mlf_sqlite_conn *c, mlf_pool *pool, const char *sql, mlf_error *err);
/** SQLite's code as MLflow's error (see mlf_sql_error). */
int mlf_sqlite_error(mlf_pool *pool, sqlite3 *db, int rc, mlf_error *err);

/** Creates the schema on an empty database or checks its revision (schema.c). Runs inside a write transaction. */
int mlf_sqlite_schema_init(mlf_sqlite_store *s, mlf_sqlite_conn *c, mlf_pool *pool, mlf_error *err);

/** The schema DDL in creation order, then the workspaces row (schema_ddl.c, generated). */
extern const char *const mlf_sqlite_schema_ddl[];
extern const size_t mlf_sqlite_schema_ddl_count;

#endif
