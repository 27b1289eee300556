/*
 * PostgreSQL connections: the pool, prepared statements over libpq, the
 * transactions of the SQL store, and the mapping of PostgreSQL errors to
 * MLflow's (as psycopg2 and SqlAlchemyStore report them).
 */
#include "store/postgres/postgres.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void mlf__pg_destroy(mlf_store *store);

static const mlf_store_ops mlf__pg_ops = {.backend = "postgresql", .destroy = mlf__pg_destroy};

/* ---- errors ---- */

static void mlf__set_error(mlf_pg_conn *c, const char *sqlstate, const char *msg)
{
    snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", sqlstate != NULL ? sqlstate : "");
    free(c->errmsg);
    c->errmsg = strdup(msg != NULL ? msg : "");
    if (c->errmsg == NULL)
        abort();
    /* kept as psycopg2's str() of the error has it: the server's message, its DETAIL line, a final newline;
       psycopg2 sends parameters inside the statement, so the CONTEXT line naming a bound one is not its */
    char *ctx = strstr(c->errmsg, "CONTEXT:  unnamed portal parameter");
    if (ctx != NULL)
        *ctx = '\0';
}

/* The error class of a failed result (or of the connection when res is NULL), remembering its message. */
static int mlf__result_error(mlf_pg_conn *c, PGresult *res)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(c->pg);
    if (msg != NULL && strncmp(msg, "ERROR:  ", 8) == 0)
        msg += 8;
    mlf__set_error(c, state, msg);
    if (PQstatus(c->pg) != CONNECTION_OK || state == NULL || strncmp(state, "08", 2) == 0 ||
        strncmp(state, "57P", 3) == 0)
        return MLF_SQL_IOERR; /* the connection is gone or the server is shutting down */
    if (strncmp(state, "23", 2) == 0)
        return MLF_SQL_CONSTRAINT;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
        return MLF_SQL_BUSY;
    if (strcmp(state, "53300") == 0 || strncmp(state, "53", 2) == 0)
        return MLF_SQL_IOERR; /* too many connections, out of resources */
    return MLF_SQL_ERROR;
}

const char *mlf_pg_errmsg(mlf_pg_conn *c)
{
    return c->errmsg != NULL ? c->errmsg : "";
}

/* psycopg2.errors' class for a SQLSTATE (PostgreSQL's condition name in CamelCase), NULL when not listed */
static const char *mlf__psycopg2_name(const char *state)
{
    static const struct {
        const char *state, *name;
    } names[] = {
        {"23505", "UniqueViolation"},
        {"23503", "ForeignKeyViolation"},
        {"23502", "NotNullViolation"},
        {"23514", "CheckViolation"},
        {"22001", "StringDataRightTruncation"},
        {"22P02", "InvalidTextRepresentation"},
        {"22003", "NumericValueOutOfRange"},
        {"2201W", "InvalidRowCountInLimitClause"},
        {"2201X", "InvalidRowCountInResultOffsetClause"},
        {"22007", "InvalidDatetimeFormat"},
        {"22008", "DatetimeFieldOverflow"},
        {"22012", "DivisionByZero"},
        {"22021", "CharacterNotInRepertoire"},
        {"40001", "SerializationFailure"},
        {"40P01", "DeadlockDetected"},
        {"25P02", "InFailedSqlTransaction"},
        {"42601", "SyntaxError"},
        {"42703", "UndefinedColumn"},
        {"42P01", "UndefinedTable"},
        {"42883", "UndefinedFunction"},
        {"42804", "DatatypeMismatch"},
        {"42725", "AmbiguousFunction"},
        {"42P18", "IndeterminateDatatype"},
        {"57014", "QueryCanceled"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(state, names[i].state) == 0)
            return names[i].name;
    return NULL;
}

const char *mlf_pg_integrity_error_name(mlf_pg_conn *c)
{
    const char *name = mlf__psycopg2_name(c->sqlstate);
    if (name == NULL || strncmp(c->sqlstate, "23", 2) != 0)
        return "psycopg2.IntegrityError";
    static __thread char buf[64];
    snprintf(buf, sizeof(buf), "psycopg2.errors.%s", name);
    return buf;
}

int mlf_pg_error(mlf_pool *pool, mlf_pg_conn *c, int rc, mlf_error *err)
{
    const char *msg = mlf_pg_errmsg(c);
    switch (rc & 0xFF) {
    case MLF_SQL_CONSTRAINT:
        return mlf_error_set(err, pool, MLF_ERR_BAD_REQUEST, "(%s) %s", mlf_pg_integrity_error_name(c), msg);
    case MLF_SQL_BUSY:
        return mlf_error_set(err, pool, MLF_ERR_TEMPORARILY_UNAVAILABLE, "(psycopg2.errors.%s) %s",
                             strcmp(c->sqlstate, "40P01") == 0 ? "DeadlockDetected" : "SerializationFailure", msg);
    case MLF_SQL_IOERR:
        return mlf_error_set(err, pool, MLF_ERR_TEMPORARILY_UNAVAILABLE,
                             "(psycopg2.OperationalError) The database is unavailable: %s", msg);
    default: {
        /* SqlAlchemyStore's session turns every other SQLAlchemyError into BAD_REQUEST */
        const char *name = mlf__psycopg2_name(c->sqlstate);
        if (name != NULL)
            return mlf_error_set(err, pool, MLF_ERR_BAD_REQUEST, "(psycopg2.errors.%s) %s", name, msg);
        return mlf_error_set(err, pool, MLF_ERR_BAD_REQUEST, "(psycopg2.%s) %s",
                             strncmp(c->sqlstate, "22", 2) == 0 ? "DataError" : "DatabaseError", msg);
    }
    }
}

/* ---- statements ---- */

static void mlf__stmt_free(mlf_pg_stmt *st)
{
    if (st == NULL)
        return;
    free(st->text);
    mlf_pg_clear_bindings(st);
    PQclear(st->res);
    free(st->values);
    free(st);
}

/* Drops the statement's server-side twin. */
static void mlf__deallocate(mlf_pg_stmt *st)
{
    if (!st->prepared)
        return;
    char dealloc[64];
    snprintf(dealloc, sizeof(dealloc), "DEALLOCATE %s", st->name);
    PQclear(PQexec(st->conn->pg, dealloc));
    st->prepared = false;
}

/*
 * Prepares the statement on the server for the kinds of values bound now:
 * parameters bound as doubles are declared double precision, so that
 * `creation_time > 1.5` compares numerically as psycopg2's float literal
 * would, where an inferred bigint parameter would reject "1.5"; the others
 * take the type PostgreSQL infers. Prepared again only when that changes.
 */
static int mlf__server_prepare(mlf_pg_stmt *st)
{
    mlf_pg_conn *c = st->conn;
    if (st->prepared && st->prep_doubles == st->doubles)
        return 0;
    mlf__deallocate(st);
    Oid *types = calloc((size_t)st->n_params + 1, sizeof(Oid));
    if (types == NULL)
        abort();
    for (int i = 0; i < st->n_params && i < 64; i++)
        types[i] = (st->doubles >> i) & 1 ? 701 /* float8 */ : 0;
    snprintf(st->name, sizeof(st->name), "mlf_s%u", c->next_name++);
    PGresult *res = PQprepare(c->pg, st->name, st->text, st->n_params, types);
    free(types);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        int rc = mlf__result_error(c, res);
        PQclear(res);
        return rc;
    }
    PQclear(res);
    st->prepared = true;
    st->prep_doubles = st->doubles;
    return 0;
}

/* Forgets every prepared statement (after a reset the server has none). */
static void mlf__cache_clear(mlf_pg_conn *c)
{
    for (int i = 0; i < MLF_PG_STMT_CACHE; i++) {
        mlf__stmt_free(c->cache[i].stmt);
        free(c->cache[i].key.sql);
        c->cache[i].stmt = NULL;
        c->cache[i].key.sql = NULL;
    }
}

int mlf_pg_prepare(mlf_pg_conn *c, mlf_pool *pool, const char *sql, mlf_sql_stmt **ret, mlf_error *err)
{
    (void)pool;
    (void)err; /* the server sees the statement at its first step (mlf__server_prepare) */
    bool hit;
    int slot = mlf_sql_cache_find(c->cache, sizeof(c->cache[0]), MLF_PG_STMT_CACHE, &c->tick, sql, &hit);
    if (hit) {
        mlf_pg_stmt *st = c->cache[slot].stmt;
        mlf_pg_reset(st);
        mlf_pg_clear_bindings(st);
        *ret = &st->head;
        return 0;
    }
    int n_params;
    mlf_pg_stmt *st = calloc(1, sizeof(*st));
    if (st == NULL)
        abort();
    st->text = mlf_pg_translate(sql, &n_params);
    st->head.dialect = MLF_SQL_POSTGRES;
    st->conn = c;
    st->n_params = n_params;
    st->values = calloc((size_t)n_params + 1, sizeof(char *));
    if (st->values == NULL)
        abort();
    if (c->cache[slot].key.sql != NULL) {
        /* evict the least recently used statement, on the server too */
        mlf__deallocate(c->cache[slot].stmt);
        mlf__stmt_free(c->cache[slot].stmt);
    }
    mlf_sql_cache_take(&c->cache[slot].key, &c->tick, sql);
    c->cache[slot].stmt = st;
    *ret = &st->head;
    return 0;
}

int mlf_pg_exec(mlf_pg_conn *c, mlf_pool *pool, const char *sql, mlf_error *err)
{
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType s = PQresultStatus(res);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        int rc = mlf__result_error(c, res);
        PQclear(res);
        return mlf_pg_error(pool, c, rc, err);
    }
    PQclear(res);
    return 0;
}

int mlf_pg_bind(mlf_pg_stmt *st, int idx, const char *s, size_t n)
{
    if (idx < 1 || idx > st->n_params)
        return MLF_SQL_ERROR; /* SQLITE_RANGE's job: a parameter the statement does not have */
    free(st->values[idx - 1]);
    st->values[idx - 1] = NULL;
    if (idx <= 64)
        st->doubles &= ~((uint64_t)1 << (idx - 1));
    if (s == NULL)
        return 0;
    char *v = malloc(n + 1);
    if (v == NULL)
        abort();
    memcpy(v, s, n);
    v[n] = '\0';
    st->values[idx - 1] = v;
    return 0;
}

int mlf_pg_bind_int64(mlf_pg_stmt *st, int idx, int64_t v)
{
    char b[32];
    int n = snprintf(b, sizeof(b), "%" PRId64, v);
    return mlf_pg_bind(st, idx, b, (size_t)n);
}

int mlf_pg_bind_double(mlf_pg_stmt *st, int idx, double v)
{
    char b[40];
    int n;
    if (isnan(v))
        n = snprintf(b, sizeof(b), "NaN");
    else if (isinf(v))
        n = snprintf(b, sizeof(b), "%s", v > 0 ? "Infinity" : "-Infinity");
    else
        n = snprintf(b, sizeof(b), "%.17g", v);
    int rc = mlf_pg_bind(st, idx, b, (size_t)n);
    if (rc == 0 && idx <= 64)
        st->doubles |= (uint64_t)1 << (idx - 1);
    return rc;
}

void mlf_pg_clear_bindings(mlf_pg_stmt *st)
{
    for (int i = 0; i < st->n_params; i++) {
        free(st->values[i]);
        st->values[i] = NULL;
    }
    st->doubles = 0;
}

void mlf_pg_reset(mlf_pg_stmt *st)
{
    PQclear(st->res);
    st->res = NULL;
    st->row = 0;
}

int mlf_pg_step(mlf_pg_stmt *st)
{
    if (st->res == NULL) {
        mlf_pg_conn *c = st->conn;
        int prc = mlf__server_prepare(st);
        if (prc != 0)
            return prc;
        PGresult *res = PQexecPrepared(c->pg, st->name, st->n_params, (const char *const *)st->values, NULL, NULL, 0);
        ExecStatusType s = PQresultStatus(res);
        if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
            int rc = mlf__result_error(c, res);
            PQclear(res);
            return rc;
        }
        if (s == PGRES_COMMAND_OK || strncmp(PQcmdStatus(res), "SELECT", 6) != 0) {
            /* INSERT/UPDATE/DELETE, with or without RETURNING */
            const char *n = PQcmdTuples(res);
            c->changes = n[0] != '\0' ? strtoll(n, NULL, 10) : 0;
        }
        st->res = res;
        st->row = 0;
    } else {
        st->row++;
    }
    return st->row < PQntuples(st->res) ? MLF_SQL_ROW : MLF_SQL_DONE;
}

int mlf_pg_column_type(mlf_pg_stmt *st, int col)
{
    if (st->res == NULL || st->row >= PQntuples(st->res) || PQgetisnull(st->res, st->row, col))
        return MLF_SQL_NULL;
    switch (PQftype(st->res, col)) {
    case 16: /* bool */
    case 20: /* int8 */
    case 21: /* int2 */
    case 23: /* int4 */
    case 26: /* oid */
        return MLF_SQL_INTEGER;
    case 700: /* float4 */
    case 701: /* float8 */
        return MLF_SQL_FLOAT;
    case 1700: /* numeric: sum() of integers is one */
        return strpbrk(PQgetvalue(st->res, st->row, col), ".eEN") != NULL ? MLF_SQL_FLOAT : MLF_SQL_INTEGER;
    default:
        return MLF_SQL_TEXT;
    }
}

const char *mlf_pg_column_value(mlf_pg_stmt *st, int col)
{
    if (st->res == NULL || st->row >= PQntuples(st->res) || col >= PQnfields(st->res))
        return "";
    return PQgetvalue(st->res, st->row, col);
}

int mlf_pg_column_length(mlf_pg_stmt *st, int col)
{
    if (st->res == NULL || st->row >= PQntuples(st->res) || col >= PQnfields(st->res))
        return 0;
    return PQgetlength(st->res, st->row, col);
}

int64_t mlf_pg_column_int64(mlf_pg_stmt *st, int col)
{
    const char *v = mlf_pg_column_value(st, col);
    if (v[0] == 't' && v[1] == '\0')
        return 1;
    if (v[0] == 'f' && v[1] == '\0')
        return 0;
    if (PQftype(st->res, col) == 700 || PQftype(st->res, col) == 701 || PQftype(st->res, col) == 1700) {
        double d = strtod(v, NULL);
        return isnan(d) ? 0 : (int64_t)d;
    }
    return strtoll(v, NULL, 10);
}

double mlf_pg_column_double(mlf_pg_stmt *st, int col)
{
    const char *v = mlf_pg_column_value(st, col);
    if (v[0] == 't' && v[1] == '\0')
        return 1;
    if (v[0] == 'f' && v[1] == '\0')
        return 0;
    return strtod(v, NULL);
}

/* ---- connections ---- */

static void mlf__conn_close(mlf_pg_conn *c)
{
    if (c == NULL)
        return;
    mlf__cache_clear(c);
    PQfinish(c->pg);
    free(c->errmsg);
    free(c);
}

/* Ignores NOTICE messages (e.g. "relation already exists, skipping") instead of printing them to stderr. */
static void mlf__notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

PGconn *mlf_pg_connect(const char *conninfo)
{
    /* the URI's own connect_timeout wins: expanded dbname parameters override earlier ones */
    const char *keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *values[] = {MLF_PG_CONNECT_TIMEOUT, "mlflow-c", conninfo, NULL};
    PGconn *pg = PQconnectdbParams(keys, values, 1);
    if (pg == NULL)
        abort();
    return pg;
}

/* A new or reset connection's session: UTC timestamps and UTF-8 text whatever the server's defaults. */
static int mlf__session_setup(mlf_pg_conn *c, mlf_pool *pool, mlf_error *err)
{
    return mlf_pg_exec(c, pool, "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'", err);
}

static int mlf__conn_open(mlf_pg_store *s, mlf_pool *pool, mlf_pg_conn **ret, mlf_error *err)
{
    mlf_pg_conn *c = calloc(1, sizeof(*c));
    if (c == NULL)
        abort();
    c->head.dialect = MLF_SQL_POSTGRES;
    c->pg = mlf_pg_connect(s->conninfo);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        int rc = mlf_error_set(err, pool, MLF_ERR_TEMPORARILY_UNAVAILABLE,
                               "(psycopg2.OperationalError) Could not connect to the database of %s: %s", s->uri,
                               PQerrorMessage(c->pg));
        mlf__conn_close(c);
        return rc;
    }
    PQsetNoticeProcessor(c->pg, mlf__notice, NULL);
    int rc = mlf__session_setup(c, pool, err);
    if (rc < 0) {
        mlf__conn_close(c);
        return rc;
    }
    *ret = c;
    return 0;
}

/* Connects c again (the server restarted or dropped it), with a fresh statement cache. */
static int mlf__reconnect(mlf_pg_conn *c, mlf_pool *pool, mlf_error *err)
{
    mlf__cache_clear(c);
    PQreset(c->pg);
    if (PQstatus(c->pg) != CONNECTION_OK || mlf__session_setup(c, pool, err) < 0)
        return mlf_error_set(err, pool, MLF_ERR_TEMPORARILY_UNAVAILABLE,
                             "(psycopg2.OperationalError) The database is unavailable: %s", PQerrorMessage(c->pg));
    return 0;
}

/* Puts c on the free list and wakes a waiter. */
static void mlf__give_back(mlf_pg_store *s, mlf_pg_conn *c)
{
    pthread_mutex_lock(&s->mu);
    c->next_free = s->free_conns;
    s->free_conns = c;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Takes a connection from the pool (opening one when none is free and the pool has room), healthy. */
static int mlf__acquire(mlf_pg_store *s, mlf_pool *pool, mlf_pg_conn **ret, mlf_error *err)
{
    mlf_pg_conn *c = NULL;
    pthread_mutex_lock(&s->mu);
    while (s->free_conns == NULL && s->n_conns >= MLF_PG_MAX_CONNS)
        pthread_cond_wait(&s->cv, &s->mu);
    if (s->free_conns != NULL) {
        c = s->free_conns;
        s->free_conns = c->next_free;
        pthread_mutex_unlock(&s->mu);
    } else {
        int slot = s->n_conns++;
        pthread_mutex_unlock(&s->mu);
        int rc = mlf__conn_open(s, pool, &c, err);
        pthread_mutex_lock(&s->mu);
        if (rc < 0) {
            s->n_conns--;
            pthread_cond_signal(&s->cv);
            pthread_mutex_unlock(&s->mu);
            return rc;
        }
        s->conns[slot] = c;
        pthread_mutex_unlock(&s->mu);
    }
    if (PQstatus(c->pg) != CONNECTION_OK) {
        int rc = mlf__reconnect(c, pool, err);
        if (rc < 0) {
            mlf__give_back(s, c);
            return rc;
        }
    }
    c->sqlstate[0] = '\0';
    *ret = c;
    return 0;
}

static void mlf__release(mlf_pg_store *s, mlf_pg_conn *c)
{
    for (int i = 0; i < MLF_PG_STMT_CACHE; i++) {
        if (c->cache[i].stmt != NULL) {
            mlf_pg_reset(c->cache[i].stmt);
            mlf_pg_clear_bindings(c->cache[i].stmt);
        }
    }
    if (PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        PQclear(PQexec(c->pg, "ROLLBACK"));
    mlf__give_back(s, c);
}

/* ---- transactions ---- */

/* True when the operation lost a deadlock or a serialization conflict and may run again. */
static bool mlf__retryable(mlf_pg_conn *c)
{
    return strcmp(c->sqlstate, "40001") == 0 || strcmp(c->sqlstate, "40P01") == 0;
}

static int mlf__begin(mlf_pg_store *s, mlf_pool *pool, const char *begin, mlf_sql_conn **ret, mlf_error *err)
{
    mlf_pg_conn *c;
    int rc = mlf__acquire(s, pool, &c, err);
    if (rc < 0)
        return rc;
    rc = mlf_pg_exec(c, pool, begin, err);
    if (rc < 0 && PQstatus(c->pg) != CONNECTION_OK) {
        /* a pooled connection the server dropped (a restart): nothing ran yet, so reconnect and begin once more */
        rc = mlf__reconnect(c, pool, err);
        if (rc == 0)
            rc = mlf_pg_exec(c, pool, begin, err);
    }
    if (rc < 0) {
        mlf__release(s, c);
        return rc;
    }
    *ret = &c->head;
    return 0;
}

int mlf_pg_write_begin(mlf_pg_store *s, mlf_pool *pool, mlf_sql_conn **ret, mlf_error *err)
{
    return mlf__begin(s, pool, "BEGIN", ret, err);
}

int mlf_pg_write_end(mlf_pg_store *s, mlf_pg_conn *c, int rc, mlf_pool *pool, mlf_error *err, bool *retry)
{
    if (rc == 0)
        rc = mlf_pg_exec(c, pool, "COMMIT", err);
    *retry = rc < 0 && mlf__retryable(c);
    mlf__release(s, c); /* rolls back what is still open */
    return rc;
}

int mlf_pg_read_begin(mlf_pg_store *s, mlf_pool *pool, mlf_sql_conn **ret, mlf_error *err)
{
    return mlf__begin(s, pool, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", ret, err);
}

void mlf_pg_read_end(mlf_pg_store *s, mlf_pg_conn *c)
{
    mlf__release(s, c);
}

/* ---- the store ---- */

static void mlf__pg_destroy(mlf_store *store)
{
    mlf_pg_store *s = (mlf_pg_store *)store;
    for (int i = 0; i < s->n_conns; i++)
        mlf__conn_close(s->conns[i]);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s->uri);
    free(s->conninfo);
    mlf_sql_store_fini(&s->sql);
    free(s->sql.artifact_root);
    free(s);
}

/* postgresql+psycopg2://... -> postgresql://... (libpq knows no driver suffix) */
char *mlf_pg_conninfo(const char *uri)
{
    const char *rest = strstr(uri, "://");
    size_t n = strlen("postgresql") + strlen(rest) + 1;
    char *out = malloc(n);
    if (out == NULL)
        abort();
    snprintf(out, n, "postgresql%s", rest);
    return out;
}

typedef struct mlf__init_arg {
    mlf_pg_store *s;
} mlf__init_arg;

static int mlf__init_in_tx(mlf_sql_conn *conn, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__init_arg *a = arg;
    mlf_pg_conn *c = (mlf_pg_conn *)conn;
    /* processes starting together on an empty database: one creates the schema, the others then find it */
    int rc = mlf_pg_exec(c, pool, "SELECT pg_advisory_xact_lock(7277346559027381)", err);
    if (rc == 0)
        rc = mlf_pg_schema_init(a->s, c, pool, err);
    if (rc == 0)
        rc = mlf_sql_ensure_default_experiment(&a->s->sql, conn, pool, err);
    return rc;
}

int mlf_pg_store_open(const char *uri, const char *display_uri, const mlf_store_config *config, mlf_pool *pool,
                      mlf_store **ret, mlf_error *err)
{
    mlf_pg_store *s = calloc(1, sizeof(*s));
    if (s == NULL)
        abort();
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    int rc = mlf_sql_store_init(&s->sql, &mlf__pg_ops, MLF_SQL_POSTGRES, config, pool, err);
    if (rc < 0) {
        mlf__pg_destroy(&s->sql.base);
        return rc;
    }
    s->uri = strdup(display_uri);
    s->conninfo = mlf_pg_conninfo(uri);
    if (s->uri == NULL)
        abort();
    mlf__init_arg a = {.s = s};
    rc = mlf_sql_in_write(&s->sql, pool, mlf__init_in_tx, &a, err);
    if (rc < 0) {
        mlf__pg_destroy(&s->sql.base);
        return rc;
    }
    *ret = &s->sql.base;
    return 0;
}
