#include "server/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <h2o.h>
#include <uv.h>

#include "core/spin.h"
#include "server/h2o_compat.h"
#include "server/http.h"

/*
 * Everything the server keeps lives in one mlf__server (on mlf_server_run's
 * stack), reached from h2o's handler (mlf__handler.srv) and from each
 * worker (mlf__worker.srv; a loop's data is its worker): no static or
 * thread-local variable holds state, so nothing is shared by accident.
 */
typedef struct mlf__server mlf__server;
typedef struct mlf__job mlf__job;

typedef struct mlf__worker {
    mlf__server *srv;
    pthread_t thread;
    uv_loop_t loop; /* loop.data is this worker */
    uv_tcp_t listener;
    uv_async_t stop;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    mlf_pool *pool; /* the next request's pool: reset after an inline answer, handed to a queued job and replaced */
    int fd;
    uv_async_t done;        /* lane threads post finished jobs here */
    pthread_mutex_t done_mu;
    mlf__job *done_head;    /* finished jobs, under done_mu */
    uv_check_t check;       /* after each poll: drop received body pages from memory */
    uv_prepare_t prepare;   /* before each poll: route socket reads through our read callback */
    mlf_h2o_conn conns;     /* ring head of the open connections */
    h2o_globalconf_t gconf; /* this worker's copy, whose body limit is set per request (h2o_compat.h) */
    mlf_h2o_limits limits;
    uv_timer_t drain;       /* at shutdown: waits for the connections to close */
    int drain_ticks;
} mlf__worker;

/*
 * A request handed to a lane's threads, so that an event loop never waits
 * on the store or on a long transfer, and many writes are in flight at once
 * (which is what lets the store commit them in groups). It owns the pool
 * the request was routed in, with the request's data copied there: the
 * client may go away (and h2o free the request) while the job runs.
 */
struct mlf__job {
    mlf__worker *w;
    h2o_req_t *req;             /* NULL once h2o disposed the request */
    struct mlf__job_hook *hook; /* in req->pool, tells us when that happens */
    mlf_pool *pool;
    mlf_http_request hr;
    const void *match;
    mlf_http_response res;
    struct timespec t0;
    mlf__job *next;
};

typedef struct mlf__job_hook {
    mlf__job *job;
} mlf__job_hook;

/* A lane's threads and their queue. */
/* How long (PAUSE steps, some microseconds) a lane thread spins, with nothing queued, before it sleeps
   (see mlf__lane_take). */
#define MLF__LANE_SPINS 512

typedef struct mlf__lane {
    mlf__server *srv;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    mlf__job *head, *tail; /* under mu */
    int queued;            /* jobs in the queue: written under mu, read atomically by threads about to sleep */
    bool stop;             /* under mu */
    pthread_t *threads;
    int nthreads;
} mlf__lane;

/*
 * Two pools of threads. Transfers (artifact uploads and downloads through
 * the proxy) get their own, small one: they take as long as the client's
 * bandwidth, and a few of them on the store threads could hold every one
 * of those while searches and writes wait behind them.
 */
struct mlf__server {
    const mlf_server_config *config;
    const mlf_server_app *app;
    mlf__lane store, transfer;
};

typedef struct mlf__handler {
    h2o_handler_t super;
    mlf__server *srv;
} mlf__handler;

static void mlf__access_log(h2o_req_t *req, int status, size_t len, double ms)
{
    char addr[INET6_ADDRSTRLEN] = "-";
    struct sockaddr_storage ss;
    socklen_t sl = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
    if (sl > 0) {
        if (ss.ss_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr, sizeof(addr));
        else if (ss.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, addr, sizeof(addr));
    }
    /* one write per line, so lines from workers do not interleave */
    char line[1024];
    int n = snprintf(line, sizeof(line), "%s \"%.*s %.*s\" %d %zu %.3fms\n", addr, (int)req->method.len,
                     req->method.base, (int)(req->path.len > 800 ? 800 : req->path.len), req->path.base, status, len, ms);
    if (n > 0)
        fwrite(line, 1, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1, stderr);
}

static double mlf__ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/*
 * A file answer, read and sent one chunk at a time: h2o calls proceed when
 * the previous chunk is written, so memory stays at one chunk whatever the
 * file's size.
 */
#define MLF__FILE_CHUNK (1u << 20)

typedef struct mlf__file_gen {
    h2o_generator_t super;
    int fd;
    uint64_t off, left;
    char *buf;
} mlf__file_gen;

static void mlf__file_gen_dispose(void *p)
{
    mlf__file_gen *g = p;
    if (g->fd >= 0)
        close(g->fd);
    free(g->buf);
}

static void mlf__file_proceed(h2o_generator_t *self, h2o_req_t *req)
{
    mlf__file_gen *g = (mlf__file_gen *)self;
    size_t want = g->left < MLF__FILE_CHUNK ? (size_t)g->left : MLF__FILE_CHUNK;
    ssize_t n;
    do
        n = pread(g->fd, g->buf, want, (off_t)g->off);
    while (n < 0 && errno == EINTR);
    if (n <= 0 && want > 0) {
        h2o_send(req, NULL, 0, H2O_SEND_STATE_ERROR); /* the file shrank or failed: cut the response */
        return;
    }
    g->off += (uint64_t)(n > 0 ? n : 0);
    g->left -= (uint64_t)(n > 0 ? n : 0);
    h2o_iovec_t buf = h2o_iovec_init(g->buf, (size_t)(n > 0 ? n : 0));
    h2o_send(req, &buf, 1, g->left == 0 ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
}

static void mlf__file_stop(h2o_generator_t *self, h2o_req_t *req)
{
    (void)self;
    (void)req;
}

/* a static body goes in one h2o_send with the final state: nothing is left to proceed with or stop */
static void mlf__static_noop(h2o_generator_t *self, h2o_req_t *req)
{
    (void)self;
    (void)req;
}

static void mlf__send(const mlf__server *srv, h2o_req_t *req, const mlf_http_response *res, const struct timespec *t0)
{
    req->res.status = res->status;
    req->res.reason = res->status == 200 ? "OK" : "";
    if (res->close_connection)
        req->http1_is_persistent = 0;
    if (res->content_type != NULL)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, res->content_type,
                       strlen(res->content_type));
    if (res->content_disposition != NULL)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_DISPOSITION, NULL,
                       h2o_strdup(&req->pool, res->content_disposition, SIZE_MAX).base,
                       strlen(res->content_disposition));
    if (res->location != NULL)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_LOCATION, NULL,
                       h2o_strdup(&req->pool, res->location, SIZE_MAX).base, strlen(res->location));
    /* the UI's caching headers: their values live as long as the server (ui.c) or are literals */
    const struct {
        const h2o_token_t *token;
        const char *value;
    } cache[] = {{H2O_TOKEN_CACHE_CONTROL, res->cache_control},
                 {H2O_TOKEN_ETAG, res->etag},
                 {H2O_TOKEN_LAST_MODIFIED, res->last_modified},
                 {H2O_TOKEN_CONTENT_ENCODING, res->content_encoding},
                 {H2O_TOKEN_VARY, res->vary}};
    for (size_t i = 0; i < sizeof(cache) / sizeof(cache[0]); i++)
        if (cache[i].value != NULL)
            h2o_add_header(&req->pool, &req->res.headers, cache[i].token, NULL, cache[i].value, strlen(cache[i].value));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0, NULL,
                          H2O_STRLIT("nosniff"));
    if (res->send_file) {
        mlf__file_gen *g = h2o_mem_alloc_shared(&req->pool, sizeof(*g), mlf__file_gen_dispose);
        g->super.proceed = mlf__file_proceed;
        g->super.stop = mlf__file_stop;
        g->fd = res->file_fd;
        g->off = 0;
        g->left = res->file_size;
        g->buf = h2o_mem_alloc(MLF__FILE_CHUNK);
        req->res.content_length = (size_t)res->file_size;
        h2o_start_response(req, &g->super);
        if (srv->config->access_log)
            mlf__access_log(req, res->status, (size_t)res->file_size, mlf__ms_since(t0));
        if (req->method.len == 4 && memcmp(req->method.base, "HEAD", 4) == 0)
            g->left = 0;
        mlf__file_proceed(&g->super, req);
        return;
    }
    if (res->body_static) {
        /* the body outlives the request (the UI's cached files): sent from where it is, no copy */
        h2o_generator_t *g = h2o_mem_alloc_shared(&req->pool, sizeof(*g), NULL);
        g->proceed = mlf__static_noop;
        g->stop = mlf__static_noop;
        req->res.content_length = res->body_len;
        h2o_start_response(req, g);
        if (srv->config->access_log)
            mlf__access_log(req, res->status, res->body_len, mlf__ms_since(t0));
        bool head = req->method.len == 4 && memcmp(req->method.base, "HEAD", 4) == 0;
        h2o_iovec_t buf = h2o_iovec_init(res->body, head ? 0 : res->body_len);
        h2o_send(req, &buf, 1, H2O_SEND_STATE_FINAL);
        return;
    }
    h2o_send_inline(req, res->body, res->body_len); /* copies the body into req->pool */
    if (srv->config->access_log)
        mlf__access_log(req, res->status, res->body_len, mlf__ms_since(t0));
}

/*
 * Answers a routed request on the calling thread (a loop or a lane's). An
 * answer >= 500 is a fault of ours or of the store that a client cannot
 * fix: it goes to stderr with its request line, access log or not.
 */
static void mlf__answer(const mlf__server *srv, mlf_pool *pool, const mlf_http_request *hr, const void *match,
                        mlf_http_response *res)
{
    srv->app->handle(srv->app->app, pool, hr, match, res);
    if (res->status < 500)
        return;
    /* without an error's text (a 5xx not made by mlf_http_respond_error), the body's first line says why */
    const char *msg = res->log_message;
    size_t mlen = msg != NULL ? strlen(msg) : 0;
    if (msg == NULL && !res->send_file && res->body != NULL) {
        msg = res->body;
        const char *nl = memchr(msg, '\n', res->body_len);
        mlen = nl != NULL ? (size_t)(nl - msg) : res->body_len;
    }
    if (msg == NULL)
        msg = "";
    while (mlen > 0 && (msg[mlen - 1] == '\n' || msg[mlen - 1] == '\r'))
        mlen--;
    char line[4096]; /* one write per line, so lines from threads do not interleave */
    int n = snprintf(line, sizeof(line), "mlflow-c: error %d on \"%.*s %.*s%s%.*s\": %.*s\n", res->status,
                     (int)hr->method_len, hr->method, (int)(hr->path_len > 800 ? 800 : hr->path_len), hr->path,
                     hr->query != NULL ? "?" : "", (int)(hr->query_len > 800 ? 800 : hr->query_len),
                     hr->query != NULL ? hr->query : "", (int)(mlen > 2000 ? 2000 : mlen), msg);
    if (n > 0) {
        if ((size_t)n >= sizeof(line))
            line[sizeof(line) - 2] = '\n';
        fwrite(line, 1, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1, stderr);
    }
}

/* hr from h2o's request: the strings are h2o's, a body in a file-backed socket buffer becomes body_in_file. */
static void mlf__read_request(const mlf__worker *w, h2o_req_t *req, mlf_http_request *hr)
{
    memset(hr, 0, sizeof(*hr));
    hr->method = req->method.base;
    hr->method_len = req->method.len;
    hr->path = req->path.base;
    hr->path_len = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    if (req->query_at != SIZE_MAX) {
        hr->query = req->path.base + req->query_at + 1;
        hr->query_len = req->path.len - req->query_at - 1;
    }
    ssize_t ct = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    if (ct != -1) {
        hr->content_type = req->headers.entries[ct].value.base;
        hr->content_type_len = req->headers.entries[ct].value.len;
    }
    hr->host = req->authority.base;
    hr->host_len = req->authority.len;
    const struct {
        const h2o_token_t *token;
        const char **value;
        size_t *len;
    } conditional[] = {{H2O_TOKEN_ACCEPT_ENCODING, &hr->accept_encoding, &hr->accept_encoding_len},
                       {H2O_TOKEN_IF_NONE_MATCH, &hr->if_none_match, &hr->if_none_match_len},
                       {H2O_TOKEN_IF_MODIFIED_SINCE, &hr->if_modified_since, &hr->if_modified_since_len}};
    for (size_t i = 0; i < sizeof(conditional) / sizeof(conditional[0]); i++) {
        ssize_t at = h2o_find_header(&req->headers, conditional[i].token, -1);
        if (at != -1) {
            *conditional[i].value = req->headers.entries[at].value.base;
            *conditional[i].len = req->headers.entries[at].value.len;
        }
    }
    /* spans: the OTLP headers (h2o keeps names lower-cased) */
    ssize_t ce = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_ENCODING, -1);
    if (ce != -1) {
        hr->content_encoding = req->headers.entries[ce].value.base;
        hr->content_encoding_len = req->headers.entries[ce].value.len;
    }
    ssize_t xe = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-mlflow-experiment-id"), -1);
    if (xe != -1) {
        hr->mlflow_experiment_id = req->headers.entries[xe].value.base;
        hr->mlflow_experiment_id_len = req->headers.entries[xe].value.len;
    }
    ssize_t xr = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-mlflow-run-id"), -1);
    if (xr != -1) {
        hr->mlflow_run_id = req->headers.entries[xr].value.base;
        hr->mlflow_run_id_len = req->headers.entries[xr].value.len;
    }
    hr->body = req->entity.base;
    hr->body_len = req->entity.base != NULL ? req->entity.len : 0;
    mlf_h2o_body_file(&w->conns, hr);
}

static const char *mlf__copy(mlf_pool *pool, const char *s, size_t len)
{
    return s == NULL ? NULL : mlf_pool_strndup(pool, s, len);
}

static void mlf__on_req_dispose(void *p)
{
    mlf__job_hook *hook = p;
    if (hook->job != NULL)
        hook->job->req = NULL;
}

/* The lane's threads that run lane, or NULL: inline on the loop. */
static mlf__lane *mlf__lane_of(mlf__server *srv, mlf_server_lane lane)
{
    if (lane == MLF_LANE_LOOP || srv->store.nthreads == 0)
        return NULL;
    if (lane == MLF_LANE_TRANSFER && srv->transfer.nthreads > 0)
        return &srv->transfer;
    return &srv->store;
}

static int mlf__on_req(h2o_handler_t *self, h2o_req_t *req)
{
    mlf__server *srv = ((mlf__handler *)self)->srv;
    mlf__worker *w = req->conn->ctx->loop->data;
    struct timespec t0 = {0};
    if (srv->config->access_log)
        clock_gettime(CLOCK_MONOTONIC, &t0);
    mlf_http_request hr;
    mlf__read_request(w, req, &hr);

    /* the request's pool, where it is routed once and answered, on this thread or a lane's */
    mlf_pool *pool = w->pool;
    hr.method = mlf__copy(pool, hr.method, hr.method_len);
    hr.path = mlf__copy(pool, hr.path, hr.path_len);
    hr.query = mlf__copy(pool, hr.query, hr.query_len);
    hr.content_type = mlf__copy(pool, hr.content_type, hr.content_type_len);
    hr.host = mlf__copy(pool, hr.host, hr.host_len);
    hr.accept_encoding = mlf__copy(pool, hr.accept_encoding, hr.accept_encoding_len);
    hr.if_none_match = mlf__copy(pool, hr.if_none_match, hr.if_none_match_len);
    hr.if_modified_since = mlf__copy(pool, hr.if_modified_since, hr.if_modified_since_len);
    hr.content_encoding = mlf__copy(pool, hr.content_encoding, hr.content_encoding_len);
    hr.mlflow_experiment_id = mlf__copy(pool, hr.mlflow_experiment_id, hr.mlflow_experiment_id_len);
    hr.mlflow_run_id = mlf__copy(pool, hr.mlflow_run_id, hr.mlflow_run_id_len);
    if (hr.body_in_file)
        hr.body_fd = fcntl(hr.body_fd, F_DUPFD_CLOEXEC, 0); /* h2o may close its own when the client goes */
    const void *match = NULL;
    mlf__lane *lane = mlf__lane_of(srv, srv->app->route(srv->app->app, pool, &hr, &match));

    if (lane == NULL) {
        mlf_http_response res = {0};
        mlf__answer(srv, pool, &hr, match, &res);
        if (hr.body_in_file && hr.body_fd >= 0)
            close(hr.body_fd);
        mlf__send(srv, req, &res, &t0);
        mlf_pool_reset(pool);
        return 0;
    }

    mlf__job *job = calloc(1, sizeof(*job));
    job->w = w;
    job->req = req;
    job->t0 = t0;
    job->pool = pool;
    w->pool = mlf_pool_create(); /* the job takes the pool along: no copy of what route() made */
    job->hr = hr;
    job->hr.body = mlf__copy(pool, hr.body, hr.body_len);
    job->match = match;
    job->hook = h2o_mem_alloc_shared(&req->pool, sizeof(*job->hook), mlf__on_req_dispose);
    job->hook->job = job;
    pthread_mutex_lock(&lane->mu);
    if (lane->tail != NULL)
        lane->tail->next = job;
    else
        lane->head = job;
    lane->tail = job;
    __atomic_add_fetch(&lane->queued, 1, __ATOMIC_RELEASE);
    pthread_cond_signal(&lane->cv);
    pthread_mutex_unlock(&lane->mu);
    return 0;
}

static void mlf__job_free(mlf__job *job)
{
    if (job->req != NULL)
        job->hook->job = NULL; /* the request lives on: its dispose must not touch the job */
    if (job->hr.body_in_file && job->hr.body_fd >= 0)
        close(job->hr.body_fd);
    mlf_pool_destroy(job->pool);
    free(job);
}

/* On the loop thread: answer the jobs the lane threads finished. */
static void mlf__on_done(uv_async_t *async)
{
    mlf__worker *w = async->data;
    pthread_mutex_lock(&w->done_mu);
    mlf__job *job = w->done_head;
    w->done_head = NULL;
    pthread_mutex_unlock(&w->done_mu);
    while (job != NULL) {
        mlf__job *next = job->next;
        if (job->req != NULL)
            mlf__send(w->srv, job->req, &job->res, &job->t0);
        else if (job->res.send_file)
            close(job->res.file_fd); /* nobody to send it to */
        mlf__job_free(job);
        job = next;
    }
}

/* Takes the next job off the lane's queue, waiting for one; NULL once the lane stops. */
static mlf__job *mlf__lane_take(mlf__lane *lane)
{
    /* Under load the next job often comes within microseconds: a thread that just finished one spins a
       little before it sleeps, so that the loop may hand the next to a thread awake. Only a short spin:
       sched_yield loops here took a third of the CPU samples under trace load (each yield a system call
       and often a context switch, CPU taken from the threads doing the work on a busy machine). */
    for (int i = 0; i < MLF__LANE_SPINS && __atomic_load_n(&lane->queued, __ATOMIC_ACQUIRE) == 0; i++)
        mlf_spin_pause();
    pthread_mutex_lock(&lane->mu);
    while (lane->head == NULL && !lane->stop)
        pthread_cond_wait(&lane->cv, &lane->mu);
    mlf__job *job = lane->head;
    if (job != NULL) {
        lane->head = job->next;
        if (lane->head == NULL)
            lane->tail = NULL;
        job->next = NULL;
        __atomic_sub_fetch(&lane->queued, 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&lane->mu);
    return job;
}

/* Hands a finished job to its loop thread. */
static void mlf__post_done(mlf__job *job)
{
    mlf__worker *w = job->w;
    pthread_mutex_lock(&w->done_mu);
    job->next = w->done_head;
    w->done_head = job;
    pthread_mutex_unlock(&w->done_mu);
    uv_async_send(&w->done);
}

static void *mlf__lane_main(void *arg)
{
    mlf__lane *lane = arg;
    mlf__job *job;
    while ((job = mlf__lane_take(lane)) != NULL) {
        mlf__answer(lane->srv, job->pool, &job->hr, job->match, &job->res);
        mlf__post_done(job);
    }
    return NULL;
}

static void mlf__lane_start(mlf__server *srv, mlf__lane *lane, int nthreads)
{
    lane->srv = srv;
    pthread_mutex_init(&lane->mu, NULL);
    pthread_cond_init(&lane->cv, NULL);
    lane->threads = calloc((size_t)(nthreads > 0 ? nthreads : 1), sizeof(pthread_t));
    for (int i = 0; i < nthreads; i++)
        if (pthread_create(&lane->threads[i], NULL, mlf__lane_main, lane) == 0)
            lane->nthreads++;
}

/* Lets the lane's threads finish what they run and joins them; returns the jobs still queued (never run). */
static mlf__job *mlf__lane_stop(mlf__lane *lane, mlf__job *dropped)
{
    pthread_mutex_lock(&lane->mu);
    lane->stop = true;
    if (lane->tail != NULL) {
        lane->tail->next = dropped;
        dropped = lane->head;
    }
    lane->head = lane->tail = NULL;
    pthread_cond_broadcast(&lane->cv);
    pthread_mutex_unlock(&lane->mu);
    for (int i = 0; i < lane->nthreads; i++)
        pthread_join(lane->threads[i], NULL);
    free(lane->threads);
    pthread_cond_destroy(&lane->cv);
    pthread_mutex_destroy(&lane->mu);
    return dropped;
}

static int mlf__fd(uv_tcp_t *tcp)
{
    uv_os_fd_t fd = -1;
    uv_fileno((uv_handle_t *)tcp, &fd);
    return fd;
}

static void mlf__on_conn_close(uv_handle_t *handle)
{
    mlf_h2o_conn *c = (mlf_h2o_conn *)handle;
    if (c->next != NULL) {
        c->prev->next = c->next;
        c->next->prev = c->prev;
    }
    free(c);
}

static void mlf__on_accept(uv_stream_t *listener, int status)
{
    if (status != 0)
        return;
    mlf__worker *w = listener->data;
    mlf_h2o_conn *conn = h2o_mem_alloc(sizeof(*conn));
    memset(conn, 0, sizeof(*conn));
    conn->limits = &w->limits;
    uv_tcp_init(listener->loop, &conn->tcp);
    if (uv_accept(listener, (uv_stream_t *)&conn->tcp) != 0) {
        uv_close((uv_handle_t *)&conn->tcp, mlf__on_conn_close);
        return;
    }
    uv_tcp_nodelay(&conn->tcp, 1);
    conn->sock = h2o_uv_socket_create((uv_stream_t *)&conn->tcp, mlf__on_conn_close);
    conn->next = w->conns.next;
    conn->prev = &w->conns;
    w->conns.next->prev = conn;
    w->conns.next = conn;
    h2o_accept(&w->accept_ctx, conn->sock);
}

static void mlf__on_prepare(uv_prepare_t *prepare)
{
    mlf__worker *w = prepare->data;
    for (mlf_h2o_conn *c = w->conns.next; c != &w->conns; c = c->next)
        mlf_h2o_conn_hook_read(c);
}

static void mlf__on_check(uv_check_t *check)
{
    mlf__worker *w = check->data;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    for (mlf_h2o_conn *c = w->conns.next; c != &w->conns; c = c->next)
        mlf_h2o_conn_trim(c, page);
}

/*
 * Shutdown: h2o_context_dispose requires every connection of the context
 * closed (it asserts that their timers are gone), and HTTP/1 clients keep
 * idle connections open. Shutting the sockets down makes h2o read EOF and
 * close each connection its own way; the loop stops once they are all gone
 * (or after 3 s).
 */
static void mlf__on_drain(uv_timer_t *timer)
{
    mlf__worker *w = timer->data;
    if (w->conns.next != &w->conns && ++w->drain_ticks < 300)
        return;
    uv_timer_stop(timer);
    uv_close((uv_handle_t *)timer, NULL);
    uv_stop(&w->loop);
}

static void mlf__on_stop(uv_async_t *async)
{
    mlf__worker *w = async->data;
    mlf__on_done(&w->done); /* the lane threads are gone: answer what they finished */
    uv_check_stop(&w->check);
    uv_close((uv_handle_t *)&w->check, NULL);
    uv_prepare_stop(&w->prepare);
    uv_close((uv_handle_t *)&w->prepare, NULL);
    uv_close((uv_handle_t *)&w->listener, NULL);
    uv_close((uv_handle_t *)&w->stop, NULL);
    uv_close((uv_handle_t *)&w->done, NULL);
    for (mlf_h2o_conn *c = w->conns.next; c != &w->conns; c = c->next) {
        int fd = mlf__fd(&c->tcp);
        if (fd >= 0)
            shutdown(fd, SHUT_RDWR);
    }
    w->drain.data = w;
    uv_timer_init(&w->loop, &w->drain);
    uv_timer_start(&w->drain, mlf__on_drain, 0, 10);
}

static void *mlf__worker_main(void *arg)
{
    mlf__worker *w = arg;
    uv_run(&w->loop, UV_RUN_DEFAULT);
    return NULL;
}

/* A listening socket with SO_REUSEPORT, so each worker can have its own. */
static int mlf__listen_fd(const char *host, int port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *res = NULL;
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    int rc = getaddrinfo(host, portstr, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "mlflow-c: cannot resolve host %s: %s\n", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1024) == 0)
            break;
        close(fd);
        fd = -1;
    }
    if (fd < 0)
        fprintf(stderr, "mlflow-c: cannot listen on %s:%d: %s\n", host, port, strerror(errno));
    freeaddrinfo(res);
    return fd;
}

int mlf_server_run(const mlf_server_config *config, const mlf_server_app *app)
{
    int nworkers = config->workers > 0 ? config->workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nworkers < 1)
        nworkers = 1;
    mlf__server srv = {.config = config, .app = app};

    h2o_globalconf_t globalconf;
    h2o_config_init(&globalconf);
    /* h2o's one limit must admit artifact uploads; mlf__on_req holds the other routes to max_body_size */
    globalconf.max_request_entity_size =
        config->max_upload_size > config->max_body_size ? config->max_upload_size : config->max_body_size;
    /* the whole request is read within this time (h2o 2.2 times the body too): room for large uploads */
    globalconf.http1.req_timeout = config->max_upload_size > config->max_body_size ? 3600 * 1000 : 60 * 1000;
    /* bodies past the threshold go to a temporary file on disk, not to memory (h2o_compat.h) */
    mlf_h2o_spool_to(config->spool_dir);
    globalconf.server_name = h2o_iovec_init(H2O_STRLIT("mlflow-c"));
    h2o_hostconf_t *hostconf = h2o_config_register_host(&globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pathconf = h2o_config_register_path(hostconf, "/", 0);
    mlf__handler *handler = (mlf__handler *)h2o_create_handler(pathconf, sizeof(*handler));
    handler->super.on_req = mlf__on_req;
    handler->srv = &srv;

    /* SIGINT and SIGTERM stay blocked in every thread (the workers inherit the mask); this one takes them with
       sigwait, so no signal handler, and no static flag for one to set, is needed */
    sigset_t stop_signals, old;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &old);
    signal(SIGPIPE, SIG_IGN);

    /* the lanes first: a worker may hand a job to them as soon as it runs */
    mlf__lane_start(&srv, &srv.store, config->store_threads);
    mlf__lane_start(&srv, &srv.transfer, config->store_threads > 0 ? config->transfer_threads : 0);

    mlf__worker *workers = calloc((size_t)nworkers, sizeof(*workers));
    int started = 0, rc = 0;
    for (int i = 0; i < nworkers; i++) {
        mlf__worker *w = &workers[i];
        w->srv = &srv;
        w->fd = mlf__listen_fd(config->host, config->port);
        if (w->fd < 0) {
            rc = 1;
            break;
        }
        uv_loop_init(&w->loop);
        w->loop.data = w;
        /* a shallow copy: the hosts and handlers stay shared; only the body limit differs per worker */
        w->gconf = globalconf;
        w->gconf.max_request_entity_size = config->max_body_size;
        w->limits = (mlf_h2o_limits){.gconf = &w->gconf,
                                     .max_body_size = config->max_body_size,
                                     .max_upload_size = globalconf.max_request_entity_size,
                                     .static_prefix = config->static_prefix};
        h2o_context_init(&w->ctx, &w->loop, &w->gconf);
        w->accept_ctx.ctx = &w->ctx;
        w->accept_ctx.hosts = globalconf.hosts;
        w->pool = mlf_pool_create();
        w->conns.next = w->conns.prev = &w->conns;
        uv_check_init(&w->loop, &w->check);
        w->check.data = w;
        uv_check_start(&w->check, mlf__on_check);
        uv_prepare_init(&w->loop, &w->prepare);
        w->prepare.data = w;
        uv_prepare_start(&w->prepare, mlf__on_prepare);
        uv_tcp_init(&w->loop, &w->listener);
        uv_tcp_open(&w->listener, w->fd);
        w->listener.data = w;
        if (uv_listen((uv_stream_t *)&w->listener, 1024, mlf__on_accept) != 0) {
            fprintf(stderr, "mlflow-c: cannot listen on %s:%d\n", config->host, config->port);
            rc = 1;
            break;
        }
        uv_async_init(&w->loop, &w->stop, mlf__on_stop);
        w->stop.data = w;
        uv_async_init(&w->loop, &w->done, mlf__on_done);
        w->done.data = w;
        pthread_mutex_init(&w->done_mu, NULL);
        pthread_create(&w->thread, NULL, mlf__worker_main, w);
        started++;
    }

    if (rc == 0) {
        fprintf(stderr, "mlflow-c: listening on http://%s:%d (%d workers)\n", config->host, config->port, nworkers);
        int sig = 0;
        while (sigwait(&stop_signals, &sig) != 0)
            ;
        fprintf(stderr, "mlflow-c: shutting down\n");
    }
    /* First the lane threads finish what they run (jobs still queued are
       dropped), while the loops still answer; then the loops stop. */
    mlf__job *dropped = mlf__lane_stop(&srv.transfer, NULL);
    dropped = mlf__lane_stop(&srv.store, dropped);
    for (int i = 0; i < started; i++)
        uv_async_send(&workers[i].stop);
    for (int i = 0; i < started; i++)
        pthread_join(workers[i].thread, NULL);
    while (dropped != NULL) {
        mlf__job *next = dropped->next;
        mlf__job_free(dropped);
        dropped = next;
    }
    for (int i = 0; i < started; i++)
        pthread_mutex_destroy(&workers[i].done_mu);
    for (int i = 0; i < started; i++) {
        /* let h2o close its connections and timers */
        h2o_context_dispose(&workers[i].ctx);
        uv_run(&workers[i].loop, UV_RUN_NOWAIT);
        uv_loop_close(&workers[i].loop);
        mlf_pool_destroy(workers[i].pool);
    }
    free(workers);
    h2o_config_dispose(&globalconf);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}
