/*
 * SQLite connections: the writer, the reader pool, the statement cache and
 * the mapping of SQLite errors to MLflow's.
 */
#include "store/sqlite/sqlite.h"

#include <regex.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/uri.h"

static void mlf__sqlite_destroy(mlf_store *store);

static const mlf_store_ops mlf__sqlite_ops = {.backend = "sqlite", .destroy = mlf__sqlite_destroy};

int mlf_sqlite_error(mlf_pool *pool, sqlite3 *db, int rc, mlf_error *err)
{
    const char *msg = db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    switch (rc & 0xFF) {
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
        return mlf_error_set(err, pool, MLF_ERR_BAD_REQUEST, "(sqlite3.IntegrityError) %s", msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
        return mlf_error_set(err, pool, MLF_ERR_TEMPORARILY_UNAVAILABLE, "(sqlite3.OperationalError) %s", msg);
    default:
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "(sqlite3.DatabaseError) %s", msg);
    }
}

int mlf_sqlite_exec(mlf_sqlite_conn *c, mlf_pool *pool, const char *sql, mlf_error *err)
{
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return mlf_sqlite_error(pool, c->db, rc, err);
    return 0;
}

int mlf_sqlite_prepare(mlf_sqlite_conn *c, mlf_pool *pool, const char *sql, mlf_sql_stmt **ret, mlf_error *err)
{
    bool hit;
    int slot = mlf_sql_cache_find(c->cache, sizeof(c->cache[0]), MLF_SQLITE_STMT_CACHE, &c->tick, sql, &hit);
    if (hit) {
        sqlite3_reset(c->cache[slot].stmt.st);
        sqlite3_clear_bindings(c->cache[slot].stmt.st);
        *ret = &c->cache[slot].stmt.head;
        return 0;
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK)
        return mlf_sqlite_error(pool, c->db, rc, err);
    if (c->cache[slot].key.sql != NULL)
        sqlite3_finalize(c->cache[slot].stmt.st); /* evict the least recently used statement */
    mlf_sql_cache_take(&c->cache[slot].key, &c->tick, sql);
    c->cache[slot].stmt = (mlf_sqlite_stmt){.head.dialect = MLF_SQL_SQLITE, .st = st, .db = c->db};
    *ret = &c->cache[slot].stmt.head;
    return 0;
}

void mlf_sqlite_conn_quiesce(mlf_sqlite_conn *c)
{
    for (int i = 0; i < MLF_SQLITE_STMT_CACHE; i++) {
        if (c->cache[i].stmt.st != NULL) {
            sqlite3_reset(c->cache[i].stmt.st);
            sqlite3_clear_bindings(c->cache[i].stmt.st);
        }
    }
}

static void mlf__conn_close(mlf_sqlite_conn *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < MLF_SQLITE_STMT_CACHE; i++) {
        if (c->cache[i].stmt.st != NULL)
            sqlite3_finalize(c->cache[i].stmt.st);
        free(c->cache[i].key.sql);
    }
    sqlite3_close_v2(c->db);
    free(c);
}

/* traces: search. MLflow registers regexp(pattern, string) on its SQLite connections for RLIKE
 * (re.search; NULL or a bad pattern: false). Here POSIX extended regular expressions with the GNU
 * escapes (\\w \\s \\b ...) and Python's common spellings translated: \\d \\D, \\A \\Z, (?:, a leading
 * (?i), lazy quantifiers (as greedy: re.search finds a match either way). The compiled pattern is kept by
 * SQLite for the statement (auxdata). Other Python-only syntax (lookarounds, named groups) does not match. */
static void mlf__regex_free(void *p)
{
    regfree(p);
    free(p);
}

/* Python's pattern as a POSIX ERE (malloc'd); *flags gets REG_ICASE for a leading (?i). */
static char *mlf__regex_translate(const char *pattern, int *flags)
{
    size_t n = strlen(pattern);
    char *ere = malloc(6 * n + 1);
    if (ere == NULL)
        abort();
    size_t k = 0, i = 0;
    if (strncmp(pattern, "(?i)", 4) == 0) {
        *flags |= REG_ICASE;
        i = 4;
    }
    bool bracket = false;
    for (; i < n; i++) {
        char ch = pattern[i], next = pattern[i + 1];
        if (bracket) {
            if (ch == '\\' && (next == 'd' || next == 'w' || next == 's')) {
                const char *cls = next == 'd' ? "0-9" : next == 'w' ? "[:alnum:]_" : "[:space:]";
                memcpy(ere + k, cls, strlen(cls));
                k += strlen(cls);
                i++;
                continue;
            }
            if (ch == ']')
                bracket = false;
            ere[k++] = ch;
            continue;
        }
        if (ch == '\\' && next != '\0') {
            const char *rep = next == 'd' ? "[0-9]" : next == 'D' ? "[^0-9]" : next == 'A' ? "^" : next == 'Z' ? "$"
                                                                                                                  : NULL;
            if (rep != NULL) {
                memcpy(ere + k, rep, strlen(rep));
                k += strlen(rep);
            } else {
                ere[k++] = ch;
                ere[k++] = next;
            }
            i++;
            continue;
        }
        if (ch == '[') {
            bracket = true;
            ere[k++] = ch;
            /* a leading ^ and ] belong to the set */
            if (pattern[i + 1] == '^')
                ere[k++] = pattern[++i];
            if (pattern[i + 1] == ']')
                ere[k++] = pattern[++i];
            continue;
        }
        if (ch == '(' && next == '?' && pattern[i + 2] == ':') {
            ere[k++] = '(';
            i += 2;
            continue;
        }
        ere[k++] = ch;
        if ((ch == '*' || ch == '+' || ch == '?' || ch == '}') && next == '?')
            i++; /* lazy: the same matches exist */
    }
    ere[k] = '\0';
    return ere;
}

static void mlf__fn_regexp(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *pattern = (const char *)sqlite3_value_text(argv[0]);
    const char *text = (const char *)sqlite3_value_text(argv[1]);
    if (pattern == NULL || text == NULL) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    regex_t *re = sqlite3_get_auxdata(ctx, 0);
    if (re == NULL) {
        int flags = REG_EXTENDED | REG_NOSUB;
        char *ere = mlf__regex_translate(pattern, &flags);
        re = malloc(sizeof(*re));
        if (re == NULL)
            abort();
        int rc = regcomp(re, ere, flags);
        free(ere);
        if (rc != 0) {
            free(re);
            sqlite3_result_int(ctx, 0);
            return;
        }
        sqlite3_set_auxdata(ctx, 0, re, mlf__regex_free);
        re = sqlite3_get_auxdata(ctx, 0);
        if (re == NULL) { /* SQLite freed it at once */
            sqlite3_result_int(ctx, 0);
            return;
        }
    }
    sqlite3_result_int(ctx, regexec(re, text, 0, NULL, 0) == 0);
}

/* traces: search. MLflow's PercentileAggregate (percentile(value, p), p in 0..100): linear interpolation
 * between the sorted values' neighbours at p/100 * (n - 1); NULL without values. */
typedef struct mlf__pct {
    double *v;
    size_t n, cap;
    double p;
    bool has_p;
} mlf__pct;

static void mlf__pct_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    mlf__pct *a = sqlite3_aggregate_context(ctx, sizeof(*a));
    if (a == NULL)
        return;
    if (sqlite3_value_type(argv[0]) != SQLITE_NULL) {
        if (a->n == a->cap) {
            size_t cap = a->cap ? a->cap * 2 : 16;
            double *v = realloc(a->v, cap * sizeof(*v));
            if (v == NULL)
                abort();
            a->v = v;
            a->cap = cap;
        }
        a->v[a->n++] = sqlite3_value_double(argv[0]);
    }
    if (!a->has_p && sqlite3_value_type(argv[1]) != SQLITE_NULL) {
        a->p = sqlite3_value_double(argv[1]);
        a->has_p = true;
    }
}

static int mlf__cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static void mlf__pct_final(sqlite3_context *ctx)
{
    mlf__pct *a = sqlite3_aggregate_context(ctx, 0);
    if (a == NULL || a->n == 0 || !a->has_p) {
        sqlite3_result_null(ctx);
        if (a != NULL)
            free(a->v);
        return;
    }
    qsort(a->v, a->n, sizeof(double), mlf__cmp_double);
    double index = a->p / 100.0 * (double)(a->n - 1);
    size_t lo = (size_t)index, hi = lo + 1 < a->n ? lo + 1 : a->n - 1;
    if (lo >= a->n)
        lo = hi = a->n - 1;
    double frac = index - (double)lo;
    sqlite3_result_double(ctx, a->v[lo] + frac * (a->v[hi] - a->v[lo]));
    free(a->v);
}

static int mlf__conn_open(mlf_sqlite_store *s, bool writer, mlf_pool *pool, mlf_sqlite_conn **ret, mlf_error *err)
{
    mlf_sqlite_conn *c = calloc(1, sizeof(*c));
    if (c == NULL)
        abort();
    c->head.dialect = MLF_SQL_SQLITE;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (writer)
        flags |= SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(s->filename != NULL ? s->filename : ":memory:", &c->db, flags, NULL);
    if (rc != SQLITE_OK) {
        rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "Could not open the SQLite database of %s: %s", s->uri,
                           c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        mlf__conn_close(c);
        return rc;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, MLF_SQLITE_BUSY_TIMEOUT_MS);
    /* MLflow's session runs foreign_keys=ON and case_sensitive_like=true on every connection */
    static const char *const setup = "PRAGMA foreign_keys = ON;"
                                     "PRAGMA case_sensitive_like = ON;"
                                     "PRAGMA synchronous = NORMAL;";
    rc = mlf_sqlite_exec(c, pool, setup, err);
    /* traces: search (RLIKE) */
    if (rc == 0 && sqlite3_create_function(c->db, "regexp", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                           mlf__fn_regexp, NULL, NULL) != SQLITE_OK)
        rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "Could not register regexp(): %s",
                           sqlite3_errmsg(c->db));
    if (rc == 0 && sqlite3_create_function(c->db, "mlf_percentile", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, NULL,
                                           mlf__pct_step, mlf__pct_final) != SQLITE_OK)
        rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "Could not register mlf_percentile(): %s",
                           sqlite3_errmsg(c->db));
    if (rc == 0 && writer && s->filename != NULL) {
        /* WAL persists in the file; readers then never block the writer. Checkpoint
           every 8192 pages rather than 1000: each checkpoint syncs, and with group
           commit the WAL fills fast (measured +12% log-batch req/s). */
        rc = mlf_sqlite_exec(c, pool, "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 8192;", err);
    }
    if (rc == 0 && writer) {
        /* each request's savepoint keeps a sub-journal: in memory, not a temp file opened and unlinked */
        rc = mlf_sqlite_exec(c, pool, "PRAGMA temp_store = MEMORY;", err);
    }
    if (rc < 0) {
        mlf__conn_close(c);
        return rc;
    }
    *ret = c;
    return 0;
}

int mlf_sqlite_read_begin(mlf_sqlite_store *s, mlf_pool *pool, mlf_sqlite_conn **ret, mlf_error *err)
{
    mlf_sqlite_conn *c;
    if (s->filename == NULL) {
        pthread_mutex_lock(&s->write_mu);
        c = s->writer;
    } else {
        pthread_mutex_lock(&s->read_mu);
        while (s->free_readers == NULL && s->n_readers >= MLF_SQLITE_MAX_READERS)
            pthread_cond_wait(&s->read_cv, &s->read_mu);
        if (s->free_readers != NULL) {
            c = s->free_readers;
            s->free_readers = c->next_free;
            pthread_mutex_unlock(&s->read_mu);
        } else {
            /* reserve the slot, then open outside the lock */
            int slot = s->n_readers++;
            pthread_mutex_unlock(&s->read_mu);
            int rc = mlf__conn_open(s, false, pool, &c, err);
            pthread_mutex_lock(&s->read_mu);
            if (rc < 0) {
                s->n_readers--;
                pthread_cond_signal(&s->read_cv);
                pthread_mutex_unlock(&s->read_mu);
                return rc;
            }
            s->readers[slot] = c;
            pthread_mutex_unlock(&s->read_mu);
        }
    }
    int rc = mlf_sqlite_exec(c, pool, "BEGIN", err);
    if (rc < 0) {
        if (s->filename == NULL) {
            pthread_mutex_unlock(&s->write_mu);
        } else {
            pthread_mutex_lock(&s->read_mu);
            c->next_free = s->free_readers;
            s->free_readers = c;
            pthread_cond_signal(&s->read_cv);
            pthread_mutex_unlock(&s->read_mu);
        }
        return rc;
    }
    *ret = c;
    return 0;
}

void mlf_sqlite_read_end(mlf_sqlite_store *s, mlf_sqlite_conn *c)
{
    mlf_sqlite_conn_quiesce(c);
    if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    if (s->filename == NULL) {
        pthread_mutex_unlock(&s->write_mu);
        return;
    }
    pthread_mutex_lock(&s->read_mu);
    c->next_free = s->free_readers;
    s->free_readers = c;
    pthread_cond_signal(&s->read_cv);
    pthread_mutex_unlock(&s->read_mu);
}

/* Locks the writer and opens a write transaction on it (BEGIN IMMEDIATE: writers never upgrade a read lock). */
int mlf_sqlite_write_begin(mlf_sqlite_store *s, mlf_pool *pool, mlf_sqlite_conn **ret, mlf_error *err)
{
    pthread_mutex_lock(&s->write_mu);
    int rc = mlf_sqlite_exec(s->writer, pool, "BEGIN IMMEDIATE", err);
    if (rc < 0) {
        pthread_mutex_unlock(&s->write_mu);
        return rc;
    }
    *ret = s->writer;
    return 0;
}

/* Commits (rc 0) or rolls back the write transaction and unlocks the writer; one writer never deadlocks. */
int mlf_sqlite_write_end(mlf_sqlite_store *s, mlf_sqlite_conn *c, int rc, mlf_pool *pool, mlf_error *err, bool *retry)
{
    mlf_sqlite_conn_quiesce(c);
    if (rc == 0) {
        rc = mlf_sqlite_exec(c, pool, "COMMIT", err);
        if (rc < 0)
            sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    } else {
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    }
    pthread_mutex_unlock(&s->write_mu);
    *retry = false;
    return rc;
}

static void mlf__sqlite_destroy(mlf_store *store)
{
    mlf_sqlite_store *s = (mlf_sqlite_store *)store;
    for (int i = 0; i < s->n_readers; i++)
        mlf__conn_close(s->readers[i]);
    mlf__conn_close(s->writer);
    pthread_mutex_destroy(&s->write_mu);
    pthread_mutex_destroy(&s->read_mu);
    pthread_cond_destroy(&s->read_cv);
    free(s->uri);
    free(s->filename);
    mlf_sql_store_fini(&s->sql);
    free(s->sql.artifact_root);
    free(s);
}

/* Before SQLite initializes (a no-op when the process used it already, e.g. Python's sqlite3 via the FFI):
   no global memory statistics, whose mutex every allocation of every connection took. */
static void mlf__sqlite_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int mlf__init_in_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf_sqlite_store *s = arg;
    int rc = mlf_sqlite_schema_init(s, (mlf_sqlite_conn *)c, pool, err);
    if (rc == 0)
        rc = mlf_sql_ensure_default_experiment(&s->sql, c, pool, err);
    return rc;
}

int mlf_sqlite_store_open(const char *uri, const char *filename, const mlf_store_config *config, mlf_pool *pool,
                          mlf_store **ret, mlf_error *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, mlf__sqlite_configure);
    mlf_sqlite_store *s = calloc(1, sizeof(*s));
    if (s == NULL)
        abort();
    int rc = mlf_sql_store_init(&s->sql, &mlf__sqlite_ops, MLF_SQL_SQLITE, config, pool, err);
    if (rc < 0) {
        mlf_sql_store_fini(&s->sql);
        free(s);
        return rc;
    }
    s->sql.group_commit = true; /* one writer connection: concurrent writes share its transactions */
    s->uri = strdup(uri);
    s->filename = filename != NULL ? strdup(filename) : NULL;
    if (s->uri == NULL || (filename != NULL && s->filename == NULL))
        abort();
    pthread_mutex_init(&s->write_mu, NULL);
    pthread_mutex_init(&s->read_mu, NULL);
    pthread_cond_init(&s->read_cv, NULL);

    rc = mlf__conn_open(s, true, pool, &s->writer, err);
    if (rc < 0)
        goto fail;
    rc = mlf_sql_in_write(&s->sql, pool, mlf__init_in_tx, s, err);
    if (rc < 0)
        goto fail;
    *ret = &s->sql.base;
    return 0;
fail:
    mlf__sqlite_destroy(&s->sql.base);
    return rc;
}
