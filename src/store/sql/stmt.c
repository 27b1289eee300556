/*
 * The transactions and statement primitives of the SQL store, dispatched on
 * the backend's dialect (one `if`, no function table): SQLite statements go
 * straight to sqlite3_*, PostgreSQL ones to src/store/postgres.
 */
#include "store/sql/sql.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/spin.h"
#include "store/postgres/postgres.h"
#include "store/sqlite/sqlite.h"

_Static_assert(MLF_SQL_ROW == SQLITE_ROW && MLF_SQL_DONE == SQLITE_DONE && MLF_SQL_CONSTRAINT == SQLITE_CONSTRAINT &&
                   MLF_SQL_BUSY == SQLITE_BUSY && MLF_SQL_IOERR == SQLITE_IOERR && MLF_SQL_CORRUPT == SQLITE_CORRUPT &&
                   MLF_SQL_ERROR == SQLITE_ERROR,
               "the SQL store's result codes are SQLite's");
_Static_assert(MLF_SQL_INTEGER == SQLITE_INTEGER && MLF_SQL_FLOAT == SQLITE_FLOAT && MLF_SQL_TEXT == SQLITE_TEXT &&
                   MLF_SQL_BLOB == SQLITE_BLOB && MLF_SQL_NULL == SQLITE_NULL,
               "the SQL store's column types are SQLite's");

#define MLF__LITE(st) (((mlf_sqlite_stmt *)(st))->st)
#define MLF__IS_LITE(x) ((x)->dialect == MLF_SQL_SQLITE)

int64_t mlf_sql_now_ms(void)
{
    return mlf_clock_now_ms();
}

int mlf_sql_cache_find(void *entries, size_t stride, int n, uint64_t *tick, const char *sql, bool *hit)
{
#define MLF__KEY(i) ((mlf_sql_cache_key *)((char *)entries + (size_t)(i)*stride))
    int slot = -1;
    for (int i = 0; i < n; i++) {
        mlf_sql_cache_key *k = MLF__KEY(i);
        if (k->sql == NULL) {
            if (slot < 0 || MLF__KEY(slot)->sql != NULL)
                slot = i;
            continue;
        }
        if (strcmp(k->sql, sql) == 0) {
            k->last_use = ++*tick;
            *hit = true;
            return i;
        }
        if (slot < 0 || (MLF__KEY(slot)->sql != NULL && k->last_use < MLF__KEY(slot)->last_use))
            slot = i;
    }
#undef MLF__KEY
    *hit = false;
    return slot;
}

void mlf_sql_cache_take(mlf_sql_cache_key *key, uint64_t *tick, const char *sql)
{
    free(key->sql);
    key->sql = strdup(sql);
    if (key->sql == NULL)
        abort();
    key->last_use = ++*tick;
}

/* The backend's write transaction, by the store's dialect: only mlf_sql_in_write below begins and ends one. */
static int mlf__write_begin(mlf_sql_store *s, mlf_pool *pool, mlf_sql_conn **ret, mlf_error *err)
{
    if (MLF__IS_LITE(s))
        return mlf_sqlite_write_begin((mlf_sqlite_store *)s, pool, (mlf_sqlite_conn **)ret, err);
    return mlf_pg_write_begin((mlf_pg_store *)s, pool, ret, err);
}

/* Commits (rc 0) or rolls back; *retry when the transaction lost a deadlock or a serialization conflict. */
static int mlf__write_end(mlf_sql_store *s, mlf_sql_conn *c, int rc, mlf_pool *pool, mlf_error *err, bool *retry)
{
    if (MLF__IS_LITE(s))
        return mlf_sqlite_write_end((mlf_sqlite_store *)s, (mlf_sqlite_conn *)c, rc, pool, err, retry);
    return mlf_pg_write_end((mlf_pg_store *)s, (mlf_pg_conn *)c, rc, pool, err, retry);
}

int mlf_sql_read_begin(mlf_sql_store *s, mlf_pool *pool, mlf_sql_conn **ret, mlf_error *err)
{
    if (MLF__IS_LITE(s))
        return mlf_sqlite_read_begin((mlf_sqlite_store *)s, pool, (mlf_sqlite_conn **)ret, err);
    return mlf_pg_read_begin((mlf_pg_store *)s, pool, ret, err);
}

void mlf_sql_read_end(mlf_sql_store *s, mlf_sql_conn *c)
{
    if (MLF__IS_LITE(s))
        mlf_sqlite_read_end((mlf_sqlite_store *)s, (mlf_sqlite_conn *)c);
    else
        mlf_pg_read_end((mlf_pg_store *)s, (mlf_pg_conn *)c);
}

/* Waits a few ms, longer with each rerun, so that the transactions that collided do not collide again. */
static void mlf__backoff(int attempt)
{
    struct timespec ts = {0, (long)(1 + attempt * 3 + rand() % 5) * 1000000L};
    nanosleep(&ts, NULL);
}

/* fn in a transaction of its own, run again while it loses deadlocks or serialization conflicts. */
static int mlf__write_alone(mlf_sql_store *s, mlf_pool *pool, mlf_sql_tx_fn fn, void *arg, mlf_error *err)
{
    for (int attempt = 0;; attempt++) {
        mlf_sql_conn *c;
        int rc = mlf__write_begin(s, pool, &c, err);
        if (rc < 0)
            return rc;
        rc = fn(c, pool, arg, err);
        bool retry = false;
        rc = mlf__write_end(s, c, rc, pool, err, &retry);
        if (!retry || attempt >= MLF_SQL_WRITE_RETRIES)
            return rc;
        if (err != NULL)
            *err = (mlf_error){0};
        mlf__backoff(attempt);
    }
}

/* A caller of mlf_sql_in_write in its store's write queue (on the caller's stack). */
/* How long (PAUSE steps, some microseconds) a queued writer spins before it sleeps until its group is done
   (see mlf__write_grouped). */
#define MLF__WAIT_SPINS 512
/* Then how often it yields the CPU before it sleeps: a small write's group ends within a few time slices,
   and a futex sleep and wake-up per member cost more than such a write (runs/create at 8 clients: 15 %
   fewer requests a second without them); a long group (100-span OTLP requests) is not worth thousands. */
#define MLF__WAIT_YIELDS 64

typedef struct mlf_sql_writer {
    mlf_sql_tx_fn fn;
    void *arg;
    mlf_pool *pool;
    mlf_error *err;
    int rc;
    bool done; /* rc is final: the caller may return */
    int ready; /* done, or the lead is ours: set (atomically) with them, for a caller that yields while it waits */
    pthread_cond_t cv;
    struct mlf_sql_writer *next;
} mlf_sql_writer;

/* Resets the connection's statements so that none holds a snapshot or stale bindings into a member's pool. */
static void mlf__quiesce(mlf_sql_conn *c)
{
    if (MLF__IS_LITE(c))
        mlf_sqlite_conn_quiesce((mlf_sqlite_conn *)c);
}

/*
 * Runs w's fn in its own savepoint of the open transaction on c: released
 * on success, rolled back on failure so that only w's changes go. False when
 * the transaction itself is gone (the database rolled it back) or w's
 * changes could not be told apart: then w->rc is w's error.
 */
static bool mlf__member_run(mlf_sql_conn *c, mlf_sql_writer *w)
{
    w->rc = mlf_sql_exec(c, w->pool, "SAVEPOINT mlf_req", w->err);
    if (w->rc < 0)
        return false;
    w->rc = w->fn(c, w->pool, w->arg, w->err);
    mlf__quiesce(c);
    if (w->rc == 0) {
        w->rc = mlf_sql_exec(c, w->pool, "RELEASE mlf_req", w->err);
        if (w->rc == 0)
            return true;
    }
    if (mlf_sql_exec(c, w->pool, "ROLLBACK TO mlf_req", NULL) < 0)
        return false;
    return mlf_sql_exec(c, w->pool, "RELEASE mlf_req", NULL) == 0;
}

/* Sets w's error to cause's, in w's own pool (cause lives in the leader's). */
static void mlf__member_fail(mlf_sql_writer *w, const mlf_error *cause)
{
    w->rc = mlf_error_set(w->err, w->pool, cause->code, "%s", cause->message != NULL ? cause->message : "");
}

/* The writer queued after w, or NULL. */
static mlf_sql_writer *mlf__next_writer(mlf_sql_store *s, mlf_sql_writer *w)
{
    pthread_mutex_lock(&s->queue_mu);
    mlf_sql_writer *next = w->next;
    pthread_mutex_unlock(&s->queue_mu);
    return next;
}

/*
 * The leader's work: the writers queued from first on (first is the
 * leader), in one transaction with one COMMIT. Writers queued while the
 * group runs join it, up to MLF_SQL_GROUP_MAX. Sets each settled writer's
 * rc and returns how many are settled (from first on); when the transaction
 * was lost midway, the writers after the last settled stay queued for the
 * next leader. pool is the leader's, for what no member owns.
 */
static int mlf__group_run(mlf_sql_store *s, mlf_pool *pool, mlf_sql_writer *first)
{
    /* Alone: let the threads that are about to write queue first (the
       server's writer thread did the same). It costs nothing on an idle
       machine, where no other thread is ready to run; on a busy one it turns
       many small commits into fewer group ones (log-batch with 8 clients on 2
       cores: from ~1.5 to ~6.5 writes a commit, and more requests a second). */
    if (mlf__next_writer(s, first) == NULL)
        sched_yield();
    mlf_sql_conn *c;
    mlf_error cerr = {0};
    bool retry;
    int rc = mlf__write_begin(s, pool, &c, &cerr);
    if (rc < 0) {
        mlf__member_fail(first, &cerr); /* the others may find the database well again */
        return 1;
    }
    mlf_sql_writer *w = first;
    int settled = 1;
    bool lost = false;
    if (mlf__next_writer(s, first) == NULL) {
        /* alone so far: no savepoint; who comes later joins when it succeeded */
        first->rc = first->fn(c, first->pool, first->arg, first->err);
        mlf__quiesce(c);
        if (first->rc < 0) {
            mlf__write_end(s, c, first->rc, first->pool, first->err, &retry);
            return 1;
        }
    } else {
        lost = !mlf__member_run(c, first);
    }
    while (!lost && settled < MLF_SQL_GROUP_MAX) {
        mlf_sql_writer *next = mlf__next_writer(s, w);
        if (next == NULL)
            break;
        w = next;
        settled++;
        lost = !mlf__member_run(c, w);
    }
    rc = mlf__write_end(s, c, lost ? -MLF_ERR_TEMPORARILY_UNAVAILABLE : 0, pool, &cerr, &retry);
    if (lost)
        mlf_error_set(&cerr, pool, MLF_ERR_TEMPORARILY_UNAVAILABLE,
                      "The write transaction could not be committed; retry the request.");
    if (lost || rc < 0) {
        /* nothing of the group is kept: who had succeeded learns so */
        w = first;
        for (int i = 0; i < settled; i++, w = w->next)
            if (w->rc == 0)
                mlf__member_fail(w, &cerr);
    }
    return settled;
}

/*
 * Group commit (after LevelDB's write queue): each caller queues itself; the
 * one at the head leads, running the queued writes (up to
 * MLF_SQL_GROUP_MAX, joined by those that queue meanwhile) in one
 * transaction, then wakes each with its own result and hands the lead to
 * the next head. The busier the store, the larger the groups; a caller that
 * is alone runs and commits on its own thread, without a savepoint.
 */
static int mlf__write_grouped(mlf_sql_store *s, mlf_pool *pool, mlf_sql_tx_fn fn, void *arg, mlf_error *err)
{
    mlf_sql_writer me = {.fn = fn, .arg = arg, .pool = pool, .err = err};
    pthread_cond_init(&me.cv, NULL);
    pthread_mutex_lock(&s->queue_mu);
    if (s->queue_tail != NULL)
        s->queue_tail->next = &me;
    else
        s->queue_head = &me;
    s->queue_tail = &me;
    s->queue_len++;
    if (s->queue_head != &me) {
        /* A short group ends within microseconds: spin a little before sleeping on the condition. Not
           sched_yield in a loop: under OTLP ingest those yields (a system call each, often a context
           switch) took a third of the server's CPU samples, CPU the leader needed on a busy machine. */
        pthread_mutex_unlock(&s->queue_mu);
        for (int i = 0; i < MLF__WAIT_SPINS && !__atomic_load_n(&me.ready, __ATOMIC_ACQUIRE); i++)
            mlf_spin_pause();
        for (int i = 0; i < MLF__WAIT_YIELDS && !__atomic_load_n(&me.ready, __ATOMIC_ACQUIRE); i++)
            sched_yield();
        pthread_mutex_lock(&s->queue_mu);
    }
    while (!me.done && s->queue_head != &me)
        pthread_cond_wait(&me.cv, &s->queue_mu);
    if (!me.done) {
        pthread_mutex_unlock(&s->queue_mu); /* the group runs while others queue */
        int settled = mlf__group_run(s, pool, &me);
        pthread_mutex_lock(&s->queue_mu);
        mlf_sql_writer *w = s->queue_head;
        for (int i = 0; i < settled; i++) {
            mlf_sql_writer *next = w->next;
            w->done = true;
            if (w != &me) {
                __atomic_store_n(&w->ready, 1, __ATOMIC_RELEASE);
                pthread_cond_signal(&w->cv);
            }
            w = next;
        }
        s->queue_head = w;
        s->queue_len -= settled;
        if (w == NULL)
            s->queue_tail = NULL;
        else {
            __atomic_store_n(&w->ready, 1, __ATOMIC_RELEASE); /* the next leader */
            pthread_cond_signal(&w->cv);
        }
    }
    pthread_mutex_unlock(&s->queue_mu);
    pthread_cond_destroy(&me.cv);
    return me.rc;
}

int mlf_sql_in_write(mlf_sql_store *s, mlf_pool *pool, mlf_sql_tx_fn fn, void *arg, mlf_error *err)
{
    if (s->group_commit)
        return mlf__write_grouped(s, pool, fn, arg, err);
    return mlf__write_alone(s, pool, fn, arg, err);
}

int mlf_sql_in_read(mlf_sql_store *s, mlf_pool *pool, mlf_sql_tx_fn fn, void *arg, mlf_error *err)
{
    mlf_sql_conn *c;
    int rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    rc = fn(c, pool, arg, err);
    mlf_sql_read_end(s, c);
    return rc;
}

int mlf_sql_prepare(mlf_sql_conn *c, mlf_pool *pool, const char *sql, mlf_sql_stmt **ret, mlf_error *err)
{
    if (MLF__IS_LITE(c))
        return mlf_sqlite_prepare((mlf_sqlite_conn *)c, pool, sql, ret, err);
    return mlf_pg_prepare((mlf_pg_conn *)c, pool, sql, ret, err);
}

int mlf_sql_exec(mlf_sql_conn *c, mlf_pool *pool, const char *sql, mlf_error *err)
{
    if (MLF__IS_LITE(c))
        return mlf_sqlite_exec((mlf_sqlite_conn *)c, pool, sql, err);
    return mlf_pg_exec((mlf_pg_conn *)c, pool, sql, err);
}

int mlf_sql_error(mlf_pool *pool, mlf_sql_conn *c, int rc, mlf_error *err)
{
    if (MLF__IS_LITE(c))
        return mlf_sqlite_error(pool, ((mlf_sqlite_conn *)c)->db, rc, err);
    return mlf_pg_error(pool, (mlf_pg_conn *)c, rc, err);
}

const char *mlf_sql_errmsg(mlf_sql_conn *c)
{
    if (MLF__IS_LITE(c))
        return sqlite3_errmsg(((mlf_sqlite_conn *)c)->db);
    return mlf_pg_errmsg((mlf_pg_conn *)c);
}

const char *mlf_sql_integrity_error_name(mlf_sql_conn *c)
{
    if (MLF__IS_LITE(c))
        return "sqlite3.IntegrityError";
    return mlf_pg_integrity_error_name((mlf_pg_conn *)c);
}

const char *mlf_sql_autoflush_note(mlf_sql_conn *c)
{
    if (MLF__IS_LITE(c))
        return "";
    return "(raised as a result of Query-invoked autoflush; consider using a session.no_autoflush block if this "
           "flush is occurring prematurely)\n";
}

int mlf_sql_autoflushed(mlf_sql_conn *c, mlf_pool *pool, int rc, mlf_error *err)
{
    if (rc < 0 && !MLF__IS_LITE(c) && err != NULL && err->message != NULL)
        err->message = mlf_pool_sprintf(pool, "%s%s", mlf_sql_autoflush_note(c), err->message);
    return rc;
}

int64_t mlf_sql_changes(mlf_sql_conn *c)
{
    if (MLF__IS_LITE(c))
        return sqlite3_changes(((mlf_sqlite_conn *)c)->db);
    return ((mlf_pg_conn *)c)->changes;
}

int mlf_sql_bind_text(mlf_sql_stmt *st, int idx, const char *s)
{
    if (MLF__IS_LITE(st))
        return s == NULL ? sqlite3_bind_null(MLF__LITE(st), idx)
                         : sqlite3_bind_text(MLF__LITE(st), idx, s, -1, SQLITE_STATIC);
    return mlf_pg_bind((mlf_pg_stmt *)st, idx, s, s != NULL ? strlen(s) : 0);
}

int mlf_sql_bind_textn(mlf_sql_stmt *st, int idx, const char *s, size_t n)
{
    if (MLF__IS_LITE(st))
        return sqlite3_bind_text(MLF__LITE(st), idx, s, (int)n, SQLITE_TRANSIENT);
    return mlf_pg_bind((mlf_pg_stmt *)st, idx, s, n);
}

int mlf_sql_bind_int64(mlf_sql_stmt *st, int idx, int64_t v)
{
    if (MLF__IS_LITE(st))
        return sqlite3_bind_int64(MLF__LITE(st), idx, v);
    return mlf_pg_bind_int64((mlf_pg_stmt *)st, idx, v);
}

int mlf_sql_bind_double(mlf_sql_stmt *st, int idx, double v)
{
    if (MLF__IS_LITE(st))
        return sqlite3_bind_double(MLF__LITE(st), idx, v);
    return mlf_pg_bind_double((mlf_pg_stmt *)st, idx, v);
}

int mlf_sql_bind_null(mlf_sql_stmt *st, int idx)
{
    if (MLF__IS_LITE(st))
        return sqlite3_bind_null(MLF__LITE(st), idx);
    return mlf_pg_bind((mlf_pg_stmt *)st, idx, NULL, 0);
}

int mlf_sql_bind_number(mlf_sql_stmt *st, int idx, const char *literal)
{
    if (MLF__IS_LITE(st))
        return mlf_sql_bind_text(st, idx, literal);
    if (strpbrk(literal, ".eEnN") == NULL) {
        errno = 0;
        char *end;
        long long v = strtoll(literal, &end, 10);
        if (errno == 0 && *end == '\0')
            return mlf_sql_bind_int64(st, idx, v);
    }
    return mlf_sql_bind_double(st, idx, strtod(literal, NULL));
}

int mlf_sql_step(mlf_sql_stmt *st)
{
    if (MLF__IS_LITE(st))
        return sqlite3_step(MLF__LITE(st));
    return mlf_pg_step((mlf_pg_stmt *)st);
}

void mlf_sql_reset(mlf_sql_stmt *st)
{
    if (MLF__IS_LITE(st))
        sqlite3_reset(MLF__LITE(st));
    else
        mlf_pg_reset((mlf_pg_stmt *)st);
}

void mlf_sql_clear_bindings(mlf_sql_stmt *st)
{
    if (MLF__IS_LITE(st))
        sqlite3_clear_bindings(MLF__LITE(st));
    else
        mlf_pg_clear_bindings((mlf_pg_stmt *)st);
}

int mlf_sql_column_type(mlf_sql_stmt *st, int col)
{
    if (MLF__IS_LITE(st))
        return sqlite3_column_type(MLF__LITE(st), col);
    return mlf_pg_column_type((mlf_pg_stmt *)st, col);
}

int64_t mlf_sql_column_int64(mlf_sql_stmt *st, int col)
{
    if (MLF__IS_LITE(st))
        return sqlite3_column_int64(MLF__LITE(st), col);
    return mlf_pg_column_int64((mlf_pg_stmt *)st, col);
}

double mlf_sql_column_double(mlf_sql_stmt *st, int col)
{
    if (MLF__IS_LITE(st))
        return sqlite3_column_double(MLF__LITE(st), col);
    return mlf_pg_column_double((mlf_pg_stmt *)st, col);
}

const unsigned char *mlf_sql_column_text(mlf_sql_stmt *st, int col)
{
    if (MLF__IS_LITE(st))
        return sqlite3_column_text(MLF__LITE(st), col);
    return (const unsigned char *)mlf_pg_column_value((mlf_pg_stmt *)st, col);
}

int mlf_sql_column_bytes(mlf_sql_stmt *st, int col)
{
    if (MLF__IS_LITE(st))
        return sqlite3_column_bytes(MLF__LITE(st), col);
    return mlf_pg_column_length((mlf_pg_stmt *)st, col);
}

const void *mlf_sql_column_blob(mlf_sql_stmt *st, int col)
{
    if (MLF__IS_LITE(st))
        return sqlite3_column_blob(MLF__LITE(st), col);
    return mlf_pg_column_value((mlf_pg_stmt *)st, col);
}

char *mlf_sql_column_text_dup(mlf_pool *pool, mlf_sql_stmt *st, int col)
{
    if (mlf_sql_column_type(st, col) == MLF_SQL_NULL)
        return NULL;
    const unsigned char *t = mlf_sql_column_text(st, col);
    int n = mlf_sql_column_bytes(st, col);
    return mlf_pool_strndup(pool, (const char *)t, (size_t)n);
}
