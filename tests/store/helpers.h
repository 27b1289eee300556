/*
 * Shared helpers of the store tests: temp directories, fixture copies, raw
 * SQL on a database file. Included by each test file (static functions).
 *
 * The backend under test: SQLite, or PostgreSQL when
 * MLF_TEST_STORE_BACKEND=postgresql (tests/meson.build registers the store
 * tests a second time as store-pg/<name>). Then mlf_test_store_uri() creates a
 * fresh database on the cluster at $MLFLOW_C_TEST_PG_URI (a maintenance URI,
 * postgresql://user@host:port/postgres) and mlf_test_remove_tmpdir() drops
 * it; without MLFLOW_C_TEST_PG_URI the executable exits 77 (meson's SKIP).
 * mlf_test_sql / mlf_test_query1 take either a file path or such a
 * database's postgresql:// URI, so raw SQL that both dialects accept runs on
 * both; mlf_test_pg() tells the tests which one they are on.
 *
 * Fixtures are read from $MLF_FIXTURES_DIR (default /work/shared/fixtures)
 * and the reference schema from $MLF_REFERENCE_DIR (default
 * /work/shared/reference); they are copied into the temp dir before use, and
 * tests that need them skip when they are absent.
 */
#ifndef MLF_TESTS_STORE_HELPERS_H
#define MLF_TESTS_STORE_HELPERS_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "core/error.h"
#include "core/pool.h"
#include "store/store.h"

static char mlf_test_tmpdir[512];

/* True when the store under test is PostgreSQL (MLF_TEST_STORE_BACKEND=postgresql). */
static inline bool mlf_test_pg(void)
{
    const char *b = getenv("MLF_TEST_STORE_BACKEND");
    return b != NULL && strcmp(b, "postgresql") == 0;
}

/* The PostgreSQL run of a test executable skips whole (exit 77) without a cluster to use. */
__attribute__((constructor)) static void mlf_test_check_backend(void)
{
    const char *b = getenv("MLF_TEST_STORE_BACKEND");
    if (b == NULL || b[0] == '\0' || strcmp(b, "sqlite") == 0)
        return;
    if (strcmp(b, "postgresql") != 0) {
        fprintf(stderr, "MLF_TEST_STORE_BACKEND=%s: want sqlite or postgresql\n", b);
        exit(1);
    }
    const char *uri = getenv("MLFLOW_C_TEST_PG_URI");
    if (uri == NULL || uri[0] == '\0') {
        fprintf(stderr, "MLF_TEST_STORE_BACKEND=postgresql without MLFLOW_C_TEST_PG_URI: skipped\n");
        exit(77);
    }
}

static inline bool mlf_test_is_pg_uri(const char *db)
{
    return strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0;
}

/* Databases made by mlf_test_new_database, dropped by mlf_test_remove_tmpdir. */
static char mlf_test_pg_dbs[16][64];
static int mlf_test_n_pg_dbs;

/* Runs one statement on the cluster's maintenance database; a failure fails the test, or is printed when !fatal. */
static inline void mlf_test_pg_admin(const char *sql, bool fatal)
{
    PGconn *c = PQconnectdb(getenv("MLFLOW_C_TEST_PG_URI"));
    PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
    if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
        if (fatal)
            fail_msg("%s: %s", sql, PQerrorMessage(c));
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
    }
    PQclear(r);
    PQfinish(c);
}

/* The maintenance URI with its database replaced by name (query arguments kept). */
static inline char *mlf_test_pg_database_uri(mlf_pool *pool, const char *name)
{
    const char *uri = getenv("MLFLOW_C_TEST_PG_URI");
    const char *auth = strstr(uri, "://");
    assert_non_null(auth);
    auth += 3;
    size_t host_len = strcspn(auth, "/?");
    const char *query = strchr(auth + host_len, '?');
    return mlf_pool_sprintf(pool, "%.*s/%s%s", (int)(auth + host_len - uri), uri, name, query != NULL ? query : "");
}

/* A new empty database on the test cluster; returns its libpq URI. */
static inline char *mlf_test_pg_new_database(mlf_pool *pool)
{
    static unsigned counter;
    assert_true(mlf_test_n_pg_dbs < (int)(sizeof(mlf_test_pg_dbs) / sizeof(mlf_test_pg_dbs[0])));
    char *name = mlf_test_pg_dbs[mlf_test_n_pg_dbs];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(name, sizeof(mlf_test_pg_dbs[0]), "mlfc_s_%ld_%u_%ld", (long)getpid(), ++counter,
             (long)(ts.tv_sec % 100000) * 1000 + ts.tv_nsec / 1000000);
    char sql[1200];
    snprintf(sql, sizeof(sql), "CREATE DATABASE \"%s\"", name);
    mlf_test_pg_admin(sql, true);
    mlf_test_n_pg_dbs++;
    return mlf_test_pg_database_uri(pool, name);
}

static inline void mlf_test_pg_drop_databases_(bool fatal)
{
    int n = mlf_test_n_pg_dbs;
    mlf_test_n_pg_dbs = 0;
    for (int i = 0; i < n; i++) {
        char sql[1200];
        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", mlf_test_pg_dbs[i]);
        mlf_test_pg_admin(sql, fatal);
    }
}

static inline void mlf_test_pg_drop_databases(void)
{
    mlf_test_pg_drop_databases_(true);
}

/* at exit: what a test whose setup failed (so no teardown ran) left */
__attribute__((destructor)) static void mlf_test_pg_drop_leftovers(void)
{
    mlf_test_pg_drop_databases_(false);
}

/* Creates a fresh temp dir for one test (and drops the databases of an earlier test that did not tear down). */
static inline void mlf_test_make_tmpdir(void)
{
    mlf_test_pg_drop_databases_(false);
    const char *base = getenv("TMPDIR");
    snprintf(mlf_test_tmpdir, sizeof(mlf_test_tmpdir), "%s/mlfc-store-XXXXXX", base != NULL ? base : "/tmp");
    assert_non_null(mkdtemp(mlf_test_tmpdir));
}

/* Removes the temp dir, and drops the databases the test made on the cluster (close their stores first). */
static inline void mlf_test_remove_tmpdir(void)
{
    mlf_test_pg_drop_databases();
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", mlf_test_tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", mlf_test_tmpdir);
}

static inline char *mlf_test_path(mlf_pool *pool, const char *name)
{
    return mlf_pool_sprintf(pool, "%s/%s", mlf_test_tmpdir, name);
}

static inline const char *mlf_test_dir(const char *env, const char *fallback)
{
    const char *d = getenv(env);
    return d != NULL && d[0] != '\0' ? d : fallback;
}

/* Copies src into the temp dir as name; returns the copy's path or NULL when src is missing. */
static inline char *mlf_test_copy(mlf_pool *pool, const char *src, const char *name)
{
    FILE *in = fopen(src, "rb");
    if (in == NULL)
        return NULL;
    char *dst = mlf_test_path(pool, name);
    FILE *out = fopen(dst, "wb");
    assert_non_null(out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
    return dst;
}

static inline char *mlf_test_fixture(mlf_pool *pool, const char *file)
{
    const char *dir = mlf_test_dir("MLF_FIXTURES_DIR", "/work/shared/fixtures");
    return mlf_test_copy(pool, mlf_pool_sprintf(pool, "%s/%s", dir, file), file);
}

static inline PGconn *mlf_test_pg_connect(const char *uri)
{
    PGconn *c = PQconnectdb(uri);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect to %s: %s", uri, PQerrorMessage(c));
    return c;
}

/*
 * Runs SQL on a database file (or a postgresql:// database) through a
 * separate connection (as another process would).
 */
static inline void mlf_test_sql(const char *db_path, const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    if (mlf_test_is_pg_uri(db_path)) {
        PGconn *c = mlf_test_pg_connect(db_path);
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
            fail_msg("SQL failed: %s: %s", sql, PQerrorMessage(c));
        PQclear(r);
        PQfinish(c);
        return;
    }
    sqlite3 *db;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 60000);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("SQL failed: %s: %s", sql, msg);
    sqlite3_close(db);
}

/* The first column of the first row of a query, as text in the pool (NULL when no row or NULL). */
static inline char *mlf_test_query1(mlf_pool *pool, const char *db_path, const char *sql)
{
    if (mlf_test_is_pg_uri(db_path)) {
        PGconn *c = mlf_test_pg_connect(db_path);
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
            fail_msg("query failed: %s: %s", sql, PQerrorMessage(c));
        char *out = NULL;
        if (PQntuples(r) > 0 && PQnfields(r) > 0 && !PQgetisnull(r, 0, 0))
            out = mlf_pool_strdup(pool, PQgetvalue(r, 0, 0));
        PQclear(r);
        PQfinish(c);
        return out;
    }
    sqlite3 *db;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 60000);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("prepare failed: %s: %s", sql, sqlite3_errmsg(db));
    char *out = NULL;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        out = mlf_pool_strdup(pool, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

/*
 * A fresh database of the backend under test, for a test that made its temp
 * dir: returns the store URI (sqlite:///<tmp>/mlflow.db, or
 * postgresql://.../<new database>) and sets *db to what mlf_test_sql and
 * mlf_test_query1 take (the file's path, or the same postgresql:// URI).
 */
static inline char *mlf_test_store_uri(mlf_pool *pool, char **db)
{
    if (mlf_test_pg()) {
        char *uri = mlf_test_pg_new_database(pool);
        *db = uri;
        return uri;
    }
    *db = mlf_test_path(pool, "mlflow.db");
    return mlf_pool_sprintf(pool, "sqlite:///%s", *db);
}

/*
 * Every row of a query as text in the pool: columns joined by ':', rows by
 * ',' (NULL as "null"); the portable form of SQLite's group_concat checks.
 */
static inline char *mlf_test_query_all(mlf_pool *pool, const char *db_path, const char *sql)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    mlf_buf_puts(&b, "");
    if (mlf_test_is_pg_uri(db_path)) {
        PGconn *c = mlf_test_pg_connect(db_path);
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
            fail_msg("query failed: %s: %s", sql, PQerrorMessage(c));
        for (int i = 0; i < PQntuples(r); i++)
            for (int j = 0; j < PQnfields(r); j++) {
                if (i > 0 || j > 0)
                    mlf_buf_putc(&b, j > 0 ? ':' : ',');
                mlf_buf_puts(&b, PQgetisnull(r, i, j) ? "null" : PQgetvalue(r, i, j));
            }
        PQclear(r);
        PQfinish(c);
        return b.data;
    }
    sqlite3 *db;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 60000);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("prepare failed: %s: %s", sql, sqlite3_errmsg(db));
    for (int i = 0; sqlite3_step(st) == SQLITE_ROW; i++)
        for (int j = 0; j < sqlite3_column_count(st); j++) {
            if (i > 0 || j > 0)
                mlf_buf_putc(&b, j > 0 ? ':' : ',');
            const char *v = (const char *)sqlite3_column_text(st, j);
            mlf_buf_puts(&b, v != NULL ? v : "null");
        }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return b.data;
}

/* A store on a fresh database (artifact root <tmp>/artifacts) in a new temp dir. */
typedef struct mlf_test_store {
    mlf_pool *pool;
    mlf_store *store;
    char *db_path; /* the database for mlf_test_sql / mlf_test_query1: a file path or a postgresql:// URI */
    char *uri;     /* the store URI it was opened with */
} mlf_test_store;

static inline mlf_test_store *mlf_test_store_open(void)
{
    mlf_test_store *f = calloc(1, sizeof(*f));
    f->pool = mlf_pool_create();
    mlf_test_make_tmpdir();
    f->uri = mlf_test_store_uri(f->pool, &f->db_path);
    mlf_store_config cfg = {.default_artifact_root = mlf_test_path(f->pool, "artifacts")};
    mlf_error err = {0};
    if (mlf_store_open(f->uri, &cfg, f->pool, &f->store, &err) != 0)
        fail_msg("open %s: %s", f->uri, err.message);
    return f;
}

/* Closes the store and removes the temp dir. */
static inline void mlf_test_store_close(mlf_test_store *f)
{
    mlf_store_destroy(f->store);
    mlf_pool_destroy(f->pool);
    mlf_test_remove_tmpdir();
    free(f);
}

/* rc is -want_code; else the test fails showing rc and the message it got */
#define assert_rc(rc, err, want_code)                                                                                  \
    do {                                                                                                               \
        int rc_ = (rc);                                                                                                \
        if (rc_ != -(want_code))                                                                                       \
            fail_msg("rc %d, want %d; message: %s", rc_, -(want_code),                                                 \
                     (err).message != NULL ? (err).message : "(none)");                                                \
    } while (0)

#define assert_error(rc, err, want_code, want_msg)                                                                     \
    do {                                                                                                               \
        assert_rc((rc), (err), (want_code));                                                                           \
        assert_int_equal((err).code, (want_code));                                                                     \
        assert_string_equal((err).message, (want_msg));                                                                \
    } while (0)

/*
 * MLflow's IntegrityError messages differ by database: the SQLite text
 * (`(sqlite3.IntegrityError) UNIQUE constraint failed: t.c`), and on
 * PostgreSQL psycopg2's (`(psycopg2.errors.UniqueViolation) duplicate key
 * value violates unique constraint "<name>"\nDETAIL:  Key (...)=(...) already
 * exists.` then SQLAlchemy's [SQL: ...] and [parameters: ...]), often after
 * SQLAlchemy's autoflush note. The PostgreSQL expectations below are what
 * MLflow 3.5's SqlAlchemyStore answers on PostgreSQL 15, checked up to the
 * DETAIL line (the SQL text and parameters are checked where they are fixed).
 */
#define MLF_TEST_AUTOFLUSH                                                                                             \
    "(raised as a result of Query-invoked autoflush; consider using a session.no_autoflush block if this flush is "    \
    "occurring prematurely)\n"
#define MLF_TEST_PG_UNIQUE "(psycopg2.errors.UniqueViolation) duplicate key value violates unique constraint "

/* what MLflow answers for a negative LIMIT on PostgreSQL (SQLite's means none) */
#define MLF_TEST_PG_NEGATIVE_LIMIT "(psycopg2.errors.InvalidRowCountInLimitClause) LIMIT must not be negative\n"

/* the whole message on SQLite, its start on PostgreSQL */
#define assert_integrity_error(rc, err, want_code, sqlite_msg, pg_prefix)                                              \
    do {                                                                                                               \
        if (mlf_test_pg())                                                                                             \
            assert_error_prefix(rc, err, want_code, pg_prefix);                                                        \
        else                                                                                                           \
            assert_error(rc, err, want_code, sqlite_msg);                                                              \
    } while (0)

#define assert_integrity_error_prefix(rc, err, want_code, sqlite_prefix, pg_prefix)                                    \
    do {                                                                                                               \
        if (mlf_test_pg())                                                                                             \
            assert_error_prefix(rc, err, want_code, pg_prefix);                                                        \
        else                                                                                                           \
            assert_error_prefix(rc, err, want_code, sqlite_prefix);                                                    \
    } while (0)

/* A boolean from mlf_test_query1: SQLite's 1 / 0, PostgreSQL's t / f. */
#define MLF_TEST_TRUE (mlf_test_pg() ? "t" : "1")
#define MLF_TEST_FALSE (mlf_test_pg() ? "f" : "0")

#define assert_error_prefix(rc, err, want_code, want_prefix)                                                           \
    do {                                                                                                               \
        assert_rc((rc), (err), (want_code));                                                                           \
        assert_int_equal((err).code, (want_code));                                                                     \
        if (strncmp((err).message, (want_prefix), strlen(want_prefix)) != 0)                                           \
            fail_msg("message '%s' does not start with '%s'", (err).message, (want_prefix));                           \
    } while (0)

#endif
