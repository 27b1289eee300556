#include "server/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <h2o.h>
#include <uv.h>

#include "server/http.h"

typedef struct mlf__worker {
    pthread_t thread;
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_async_t stop;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    mlf_pool *pool; /* reset after every inline request: those never overlap on a loop */
    int fd;
    uv_async_t done;            /* store threads post finished jobs here */
    pthread_mutex_t done_mu;
    struct mlf__job *done_head; /* finished jobs, under done_mu */
} mlf__worker;

/*
 * A request handed to the store threads. Requests that may write (every
 * method but GET) run there, so that an event loop never waits on SQLite and
 * many writes are in flight at once, which is what lets the store commit
 * them in groups. The request's data is copied into the job's own pool: the
 * client may go away (and h2o free the request) while the job runs.
 */
typedef struct mlf__job {
    mlf__worker *w;
    h2o_req_t *req;             /* NULL once h2o disposed the request */
    struct mlf__job_hook *hook; /* in req->pool, tells us when that happens */
    mlf_pool *pool;
    mlf_http_request hr;
    mlf_http_response res;
    struct timespec t0;
    struct mlf__job *next;
} mlf__job;

typedef struct mlf__job_hook {
    mlf__job *job;
} mlf__job_hook;

typedef struct mlf__jobq {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    mlf__job *head, *tail;
    bool stop;
} mlf__jobq;

/* The store threads' queue (requests that only read), and the writer
   thread's: it runs the writes that queue up while it is busy back to back in
   one batch and commits them once, with no thread handing a lock to another
   in between (that hand-off, not SQLite, bounded log-batch before). */
static mlf__jobq mlf__queue = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, false};
static mlf__jobq mlf__writes = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, false};

/* Writes committed together at most; a bound on the wait of the first. */
#define MLF__BATCH_MAX 64

typedef struct mlf__handler {
    h2o_handler_t super;
    mlf_server_handler handle;
    void *app;
    const mlf_server_config *config;
} mlf__handler;

static __thread mlf__worker *mlf__self;

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

static void mlf__send(const mlf__handler *h, h2o_req_t *req, const mlf_http_response *res, const struct timespec *t0)
{
    req->res.status = res->status;
    req->res.reason = res->status == 200 ? "OK" : "";
    if (res->content_type != NULL)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, res->content_type,
                       strlen(res->content_type));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0, NULL,
                          H2O_STRLIT("nosniff"));
    h2o_send_inline(req, res->body, res->body_len); /* copies the body into req->pool */
    if (h->config->access_log)
        mlf__access_log(req, res->status, res->body_len, mlf__ms_since(t0));
}

static void mlf__read_request(h2o_req_t *req, mlf_http_request *hr)
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
    hr->body = req->entity.base;
    hr->body_len = req->entity.base != NULL ? req->entity.len : 0;
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

static mlf__handler *mlf__the_handler;

static int mlf__on_req(h2o_handler_t *self, h2o_req_t *req)
{
    mlf__handler *h = (mlf__handler *)self;
    struct timespec t0 = {0};
    if (h->config->access_log)
        clock_gettime(CLOCK_MONOTONIC, &t0);
    mlf_http_request hr;
    mlf__read_request(req, &hr);

    if (h->config->store_threads > 0 && !(hr.method_len == 3 && memcmp(hr.method, "GET", 3) == 0)) {
        mlf__jobq *q = &mlf__queue;
        if (h->config->may_write != NULL) {
            if (h->config->may_write(h->app, mlf__self->pool, &hr))
                q = &mlf__writes;
            mlf_pool_reset(mlf__self->pool);
        }
        mlf__job *job = calloc(1, sizeof(*job));
        job->w = mlf__self;
        job->req = req;
        job->t0 = t0;
        job->pool = mlf_pool_create();
        job->hr = hr;
        job->hr.method = mlf__copy(job->pool, hr.method, hr.method_len);
        job->hr.path = mlf__copy(job->pool, hr.path, hr.path_len);
        job->hr.query = mlf__copy(job->pool, hr.query, hr.query_len);
        job->hr.content_type = mlf__copy(job->pool, hr.content_type, hr.content_type_len);
        job->hr.body = mlf__copy(job->pool, hr.body, hr.body_len);
        job->hook = h2o_mem_alloc_shared(&req->pool, sizeof(*job->hook), mlf__on_req_dispose);
        job->hook->job = job;
        pthread_mutex_lock(&q->mu);
        if (q->tail != NULL)
            q->tail->next = job;
        else
            q->head = job;
        q->tail = job;
        pthread_cond_signal(&q->cv);
        pthread_mutex_unlock(&q->mu);
        return 0;
    }

    mlf_pool *pool = mlf__self->pool;
    mlf_http_response res = {0};
    h->handle(h->app, pool, &hr, &res);
    mlf__send(h, req, &res, &t0);
    mlf_pool_reset(pool);
    return 0;
}

static void mlf__job_free(mlf__job *job)
{
    if (job->req != NULL)
        job->hook->job = NULL; /* the request lives on: its dispose must not touch the job */
    mlf_pool_destroy(job->pool);
    free(job);
}

/* On the loop thread: answer the jobs the store threads finished. */
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
            mlf__send(mlf__the_handler, job->req, &job->res, &job->t0);
        mlf__job_free(job);
        job = next;
    }
}

/* Takes up to max jobs off q, waiting for one when wait is set; NULL once q stops (or, without wait, is empty). */
static mlf__job *mlf__jobq_take(mlf__jobq *q, int max, bool wait)
{
    pthread_mutex_lock(&q->mu);
    while (wait && q->head == NULL && !q->stop)
        pthread_cond_wait(&q->cv, &q->mu);
    mlf__job *first = q->head, *last = first;
    for (int n = 1; last != NULL && n < max && last->next != NULL; n++)
        last = last->next;
    if (last != NULL) {
        q->head = last->next;
        if (q->head == NULL)
            q->tail = NULL;
        last->next = NULL;
    }
    pthread_mutex_unlock(&q->mu);
    return first;
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

static void *mlf__store_thread(void *arg)
{
    mlf__handler *h = arg;
    mlf__job *job;
    while ((job = mlf__jobq_take(&mlf__queue, 1, true)) != NULL) {
        h->handle(h->app, job->pool, &job->hr, &job->res);
        mlf__post_done(job);
    }
    return NULL;
}

static void *mlf__writer_thread(void *arg)
{
    mlf__handler *h = arg;
    const mlf_server_config *cfg = h->config;
    mlf_pool *pool = mlf_pool_create();
    mlf__job *batch;
    while ((batch = mlf__jobq_take(&mlf__writes, MLF__BATCH_MAX, true)) != NULL) {
        if (cfg->batch_begin != NULL)
            cfg->batch_begin(h->app);
        /* the writes that arrive while the batch runs join it too: a batch grows to what is in flight */
        int n = 0;
        for (mlf__job *job = batch, *more = NULL; job != NULL; job = job->next) {
            h->handle(h->app, job->pool, &job->hr, &job->res);
            n++;
            if (job->next == NULL && n < MLF__BATCH_MAX) {
                more = mlf__jobq_take(&mlf__writes, MLF__BATCH_MAX - n, false);
                if (more == NULL) {
                    sched_yield(); /* let the loops queue what they have read before we commit */
                    more = mlf__jobq_take(&mlf__writes, MLF__BATCH_MAX - n, false);
                }
                job->next = more;
            }
        }
        mlf_http_response lost = {0};
        if (cfg->batch_end != NULL && cfg->batch_end(h->app, pool, &lost) != 0) {
            /* the commit failed: what the members did is gone, whatever they answered */
            for (mlf__job *job = batch; job != NULL; job = job->next) {
                if (job->res.status >= 400)
                    continue;
                job->res = lost;
                job->res.body = mlf__copy(job->pool, lost.body, lost.body_len);
                job->res.content_type = mlf__copy(job->pool, lost.content_type,
                                                   lost.content_type ? strlen(lost.content_type) : 0);
            }
        }
        mlf_pool_reset(pool);
        while (batch != NULL) {
            mlf__job *next = batch->next;
            mlf__post_done(batch);
            batch = next;
        }
    }
    mlf_pool_destroy(pool);
    return NULL;
}

static void mlf__on_accept(uv_stream_t *listener, int status)
{
    if (status != 0)
        return;
    mlf__worker *w = listener->data;
    uv_tcp_t *conn = h2o_mem_alloc(sizeof(*conn));
    uv_tcp_init(listener->loop, conn);
    if (uv_accept(listener, (uv_stream_t *)conn) != 0) {
        uv_close((uv_handle_t *)conn, (uv_close_cb)free);
        return;
    }
    uv_tcp_nodelay(conn, 1);
    h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)conn, (uv_close_cb)free);
    h2o_accept(&w->accept_ctx, sock);
}

static void mlf__on_stop(uv_async_t *async)
{
    mlf__worker *w = async->data;
    mlf__on_done(&w->done); /* the store threads are gone: answer what they finished */
    uv_close((uv_handle_t *)&w->listener, NULL);
    uv_close((uv_handle_t *)&w->stop, NULL);
    uv_close((uv_handle_t *)&w->done, NULL);
    uv_stop(&w->loop);
}

static void *mlf__worker_main(void *arg)
{
    mlf__worker *w = arg;
    mlf__self = w;
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

static volatile sig_atomic_t mlf__signalled;

static void mlf__on_signal(int sig)
{
    (void)sig;
    mlf__signalled = 1;
}

int mlf_server_run(const mlf_server_config *config, mlf_server_handler handle, void *app)
{
    int nworkers = config->workers > 0 ? config->workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nworkers < 1)
        nworkers = 1;

    h2o_globalconf_t globalconf;
    h2o_config_init(&globalconf);
    globalconf.max_request_entity_size = config->max_body_size;
    globalconf.server_name = h2o_iovec_init(H2O_STRLIT("mlflow-c"));
    h2o_hostconf_t *hostconf = h2o_config_register_host(&globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pathconf = h2o_config_register_path(hostconf, "/", 0);
    mlf__handler *handler = (mlf__handler *)h2o_create_handler(pathconf, sizeof(*handler));
    handler->super.on_req = mlf__on_req;
    handler->handle = handle;
    handler->app = app;
    mlf__the_handler = handler;
    handler->config = config;

    /* block the stop signals in workers; the main thread waits for them */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    signal(SIGPIPE, SIG_IGN);

    mlf__worker *workers = calloc((size_t)nworkers, sizeof(*workers));
    int started = 0, rc = 0;
    for (int i = 0; i < nworkers; i++) {
        mlf__worker *w = &workers[i];
        w->fd = mlf__listen_fd(config->host, config->port);
        if (w->fd < 0) {
            rc = 1;
            break;
        }
        uv_loop_init(&w->loop);
        h2o_context_init(&w->ctx, &w->loop, &globalconf);
        w->accept_ctx.ctx = &w->ctx;
        w->accept_ctx.hosts = globalconf.hosts;
        w->pool = mlf_pool_create();
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

    int nstore = rc == 0 ? config->store_threads : 0;
    pthread_t *store_threads = calloc((size_t)(nstore > 0 ? nstore : 1), sizeof(pthread_t));
    mlf__queue.stop = false;
    mlf__writes.stop = false;
    for (int i = 0; i < nstore; i++)
        pthread_create(&store_threads[i], NULL, mlf__store_thread, handler);
    bool writer = nstore > 0 && config->may_write != NULL;
    pthread_t writer_thread;
    if (writer)
        pthread_create(&writer_thread, NULL, mlf__writer_thread, handler);

    if (rc == 0) {
        fprintf(stderr, "mlflow-c: listening on http://%s:%d (%d workers)\n", config->host, config->port, nworkers);
        struct sigaction sa = {0};
        sa.sa_handler = mlf__on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigset_t waitset = old;
        sigdelset(&waitset, SIGINT);
        sigdelset(&waitset, SIGTERM);
        while (!mlf__signalled)
            sigsuspend(&waitset);
        fprintf(stderr, "mlflow-c: shutting down\n");
    }
    /* First the store threads finish what they run (jobs still queued are
       dropped), while the loops still answer; then the loops stop. */
    mlf__job *dropped = NULL;
    mlf__jobq *queues[] = {&mlf__queue, &mlf__writes};
    for (size_t i = 0; i < sizeof(queues) / sizeof(queues[0]); i++) {
        mlf__jobq *q = queues[i];
        pthread_mutex_lock(&q->mu);
        q->stop = true;
        if (q->tail != NULL) {
            q->tail->next = dropped;
            dropped = q->head;
        }
        q->head = q->tail = NULL;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
    }
    for (int i = 0; i < nstore; i++)
        pthread_join(store_threads[i], NULL);
    if (writer)
        pthread_join(writer_thread, NULL);
    free(store_threads);
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
    return rc;
}
