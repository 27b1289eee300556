/*
 * The PostgreSQL backend's internals (not a public header): libpq
 * connections, the statement primitives of the SQL store over them,
 * transactions and the schema. The store functions are the SQL store's
 * (store/sql/sql.h).
 *
 * Connections: a pool of up to MLF_PG_MAX_CONNS per process, opened on
 * demand and reused; each keeps its prepared statements (PQprepare, named
 * s<N>) in a small LRU cache. Writes run in READ COMMITTED transactions, as
 * SQLAlchemy's sessions do; a deadlock or serialization failure reruns the
 * whole operation (at most MLF_SQL_WRITE_RETRIES times), so it never reaches a
 * client. Reads run in REPEATABLE READ READ ONLY transactions: the several
 * statements that load one answer see one snapshot. A connection the server
 * dropped is reset before its next use; while the database is unreachable,
 * operations fail at once with TEMPORARILY_UNAVAILABLE (503).
 */
#ifndef MLF_STORE_POSTGRES_POSTGRES_H
#define MLF_STORE_POSTGRES_POSTGRES_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/migrate.h"
#include "store/sql/sql.h"

/** Connections one process keeps at most (the server runs at most 17 store threads). */
#define MLF_PG_MAX_CONNS 24
/** Prepared statements kept per connection. */
#define MLF_PG_STMT_CACHE 96
/** Seconds libpq waits for a connection (unless the URI says otherwise). */
#define MLF_PG_CONNECT_TIMEOUT "5"

typedef struct mlf_pg_conn mlf_pg_conn;

typedef struct mlf_pg_stmt {
    mlf_sql_stmt head;
    mlf_pg_conn *conn;
    char name[24];         /** the server-side prepared statement */
    char *text;            /** the statement in PostgreSQL's spelling */
    bool prepared;         /** on the server, with the parameter types of prep_doubles */
    uint64_t prep_doubles; /** parameters prepared as double precision (bit i: $i+1) */
    uint64_t doubles;      /** parameters bound as doubles now */
    int n_params;
    char **values; /** malloc'd texts, NULL binds SQL NULL */
    PGresult *res; /** the executed statement's rows, NULL before the first step */
    int row;       /** the current row */
} mlf_pg_stmt;

struct mlf_pg_conn {
    mlf_sql_conn head; /** first: the SQL store sees this */
    PGconn *pg;
    struct {
        mlf_sql_cache_key key; /** first: see mlf_sql_cache_find */
        mlf_pg_stmt *stmt;
    } cache[MLF_PG_STMT_CACHE];
    uint64_t tick;
    unsigned next_name;
    int64_t changes;  /** rows of the last INSERT/UPDATE/DELETE */
    char sqlstate[6]; /** of the last error, "" when none */
    char *errmsg;     /** malloc'd text of the last error */
    mlf_pg_conn *next_free;
};

typedef struct mlf_pg_store {
    mlf_sql_store sql; /** first: base store, artifact root, transactions */
    char *uri;         /** for messages: the password hidden */
    char *conninfo;    /** the libpq URI (the SQLAlchemy driver suffix dropped) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    mlf_pg_conn *free_conns;
    mlf_pg_conn *conns[MLF_PG_MAX_CONNS];
    int n_conns;
} mlf_pg_store;

/**
 * Opens the PostgreSQL store at uri (postgresql://, postgresql+<driver>://):
 * connects, creates MLflow's schema on an empty database (under an advisory
 * lock, so processes starting together create it once), refuses one at
 * another revision, and makes sure the Default experiment exists. Messages
 * name the database by display_uri (the URI with its password hidden).
 */
int mlf_pg_store_open(const char *uri, const char *display_uri, const mlf_store_config *config, mlf_pool *pool,
                      mlf_store **ret, mlf_error *err);

/* the SQL store's transactions and primitives on PostgreSQL (see store/sql/sql.h for their contracts) */
int mlf_pg_write_begin(mlf_pg_store *s, mlf_pool *pool, mlf_sql_conn **ret, mlf_error *err);
int mlf_pg_write_end(mlf_pg_store *s, mlf_pg_conn *c, int rc, mlf_pool *pool, mlf_error *err, bool *retry);
int mlf_pg_read_begin(mlf_pg_store *s, mlf_pool *pool, mlf_sql_conn **ret, mlf_error *err);
void mlf_pg_read_end(mlf_pg_store *s, mlf_pg_conn *c);
int mlf_pg_prepare(mlf_pg_conn *c, mlf_pool *pool, const char *sql, mlf_sql_stmt **ret, mlf_error *err);
int mlf_pg_exec(mlf_pg_conn *c, mlf_pool *pool, const char *sql, mlf_error *err);
int mlf_pg_error(mlf_pool *pool, mlf_pg_conn *c, int rc, mlf_error *err);
const char *mlf_pg_errmsg(mlf_pg_conn *c);
const char *mlf_pg_integrity_error_name(mlf_pg_conn *c);
int mlf_pg_bind(mlf_pg_stmt *st, int idx, const char *s, size_t n);
int mlf_pg_bind_int64(mlf_pg_stmt *st, int idx, int64_t v);
int mlf_pg_bind_double(mlf_pg_stmt *st, int idx, double v);
int mlf_pg_step(mlf_pg_stmt *st);
void mlf_pg_reset(mlf_pg_stmt *st);
void mlf_pg_clear_bindings(mlf_pg_stmt *st);
int mlf_pg_column_type(mlf_pg_stmt *st, int col);
int64_t mlf_pg_column_int64(mlf_pg_stmt *st, int col);
double mlf_pg_column_double(mlf_pg_stmt *st, int col);
/** The column's text ("" for NULL), valid until the next step or reset. */
const char *mlf_pg_column_value(mlf_pg_stmt *st, int col);
int mlf_pg_column_length(mlf_pg_stmt *st, int col);

/**
 * The store's SQL in PostgreSQL's spelling (translate.c): `?N` and `?`
 * placeholders as `$N`, `json_each(x)` as json_array_elements_text, `rowid`
 * as a bigint of the row's ctid, `IS [NOT] ?` as `IS [NOT] DISTINCT FROM`,
 * `CROSS JOIN t ON` as `JOIN t ON`, `[NOT] IN ()` as `= ANY ('{}')` /
 * `<> ALL ('{}')`. Quoted strings and identifiers are left alone. Returns malloc'd text and
 * the number of parameters.
 */
char *mlf_pg_translate(const char *sql, int *ret_n_params);

/** Creates the schema on an empty database or checks its revision (schema.c), inside a write transaction. */
int mlf_pg_schema_init(mlf_pg_store *s, mlf_pg_conn *c, mlf_pool *pool, mlf_error *err);

/** `db current` on PostgreSQL (migrate.c): the revision, "None" for MLflow tables without alembic_version. */
int mlf_pg_db_current(const char *conninfo, const char *display, mlf_pool *pool, const char **ret, mlf_error *err);
/** `db upgrade` on PostgreSQL (migrate.c): every step of the chain from the database's revision (or MLflow's initial
 * tables), each in its own transaction (see there). */
int mlf_pg_db_upgrade(const char *conninfo, const char *display, const mlf_migrate_options *opts, mlf_pool *pool,
                      const char **ret_from, int *ret_steps, mlf_error *err);
/** A new libpq connection to conninfo (check PQstatus), named mlflow-c, with our default connect timeout. */
PGconn *mlf_pg_connect(const char *conninfo);
/** The libpq URI of a store URI (the SQLAlchemy driver suffix dropped), malloc'd. */
char *mlf_pg_conninfo(const char *uri);

/** One revision of the chain on PostgreSQL: its statements (none: nothing to do there), NULL where its data
 * migration runs. */
typedef struct mlf_pg_chain_step {
    const char *revision;
    const char *const *stmts;
    size_t n_stmts;
} mlf_pg_chain_step;

/** Every revision of migrations.def, in chain order (chain_ddl.c, generated). */
extern const mlf_pg_chain_step mlf_pg_chain[];
extern const size_t mlf_pg_chain_count;

/** The schema DDL in creation order (schema_ddl.c). */
extern const char *const mlf_pg_schema_ddl[];
extern const size_t mlf_pg_schema_ddl_count;

#endif
