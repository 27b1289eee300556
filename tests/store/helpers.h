/*
 * Shared helpers of the store tests: temp directories, fixture copies, raw
 * SQL on a database file. Included by each test file (static functions).
 *
 * Fixtures are read from $MLF_FIXTURES_DIR (default /work/shared/fixtures)
 * and the reference schema from $MLF_REFERENCE_DIR (default
 * /work/shared/reference); they are copied into the temp dir before use, and
 * tests that need them skip when they are absent.
 */
#ifndef MLF_TESTS_STORE_HELPERS_H
#define MLF_TESTS_STORE_HELPERS_H

#include <setjmp.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/error.h"
#include "core/pool.h"
#include "store/store.h"

static char mlf_test_tmpdir[512];

/* Creates a fresh temp dir for one test. */
static inline void mlf_test_make_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(mlf_test_tmpdir, sizeof(mlf_test_tmpdir), "%s/mlfc-store-XXXXXX", base != NULL ? base : "/tmp");
    assert_non_null(mkdtemp(mlf_test_tmpdir));
}

static inline void mlf_test_remove_tmpdir(void)
{
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

/* Runs SQL on a database file through a separate connection (as another process would). */
static inline void mlf_test_sql(const char *db_path, const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
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

/* A store on a fresh database file (artifact root <tmp>/artifacts) in a new temp dir. */
typedef struct mlf_test_store {
    mlf_pool *pool;
    mlf_store *store;
    char *db_path;
} mlf_test_store;

static inline mlf_test_store *mlf_test_store_open(void)
{
    mlf_test_store *f = calloc(1, sizeof(*f));
    f->pool = mlf_pool_create();
    mlf_test_make_tmpdir();
    f->db_path = mlf_test_path(f->pool, "mlflow.db");
    mlf_store_config cfg = {.default_artifact_root = mlf_test_path(f->pool, "artifacts")};
    mlf_error err = {0};
    if (mlf_store_open(mlf_pool_sprintf(f->pool, "sqlite:///%s", f->db_path), &cfg, f->pool, &f->store, &err) != 0)
        fail_msg("open: %s", err.message);
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

#define assert_error(rc, err, want_code, want_msg)                                                                     \
    do {                                                                                                               \
        assert_int_equal((rc), -(want_code));                                                                          \
        assert_int_equal((err).code, (want_code));                                                                     \
        assert_string_equal((err).message, (want_msg));                                                                \
    } while (0)

#define assert_error_prefix(rc, err, want_code, want_prefix)                                                           \
    do {                                                                                                               \
        assert_int_equal((rc), -(want_code));                                                                          \
        assert_int_equal((err).code, (want_code));                                                                     \
        if (strncmp((err).message, (want_prefix), strlen(want_prefix)) != 0)                                           \
            fail_msg("message '%s' does not start with '%s'", (err).message, (want_prefix));                          \
    } while (0)

#endif
