#include "server/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <h2o.h>
#include <uv.h>

#include "server/http.h"

/*
 * An accepted connection. The worker keeps a list of them to find the
 * socket buffer a request body lies in: h2o 2.2 reads a whole body before
 * calling us, and a body larger than the mmap threshold sits in a temporary
 * file h2o maps (h2o_socket_buffer_mmap_settings). See mlf__on_check.
 */
typedef struct mlf__conn {
    uv_tcp_t tcp; /* first: h2o's close callback hands us its address */
    h2o_socket_t *sock;
    struct mlf__conn *prev, *next;
    const char *advised_map; /* the mapping advised so far, and up to where */
    size_t advised_end;
} mlf__conn;

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
    uv_check_t check;           /* after each poll: drop received body pages from memory */
    uv_prepare_t prepare;       /* before each poll: route socket reads through mlf__on_read */
    mlf__conn conns;            /* list head of the open connections */
    h2o_globalconf_t gconf;     /* this worker's copy, whose body limit mlf__on_read sets per request */
    size_t max_body_size, max_upload_size;
    uv_timer_t drain;           /* at shutdown: waits for the connections to close */
    int drain_ticks;
} mlf__worker;

/*
 * A request handed to the store threads. Requests routed off the loop (the
 * store and transfer lanes) run there, so that an event loop never waits on
 * SQLite and many writes are in flight at once, which is what lets the store
 * commit them in groups. The job's pool is the one the request was routed in
 * (it holds the match); the request's data is copied into it: the client may
 * go away (and h2o free the request) while the job runs.
 */
typedef struct mlf__job {
    mlf__worker *w;
    h2o_req_t *req;             /* NULL once h2o disposed the request */
    struct mlf__job_hook *hook; /* in req->pool, tells us when that happens */
    mlf_pool *pool;
    mlf_http_request hr;
    const void *match; /* what routing found, in pool */
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

/* The store threads' queue: the requests routed off the loop (the store and transfer lanes). */
static mlf__jobq mlf__queue = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, false};

typedef struct mlf__handler {
    h2o_handler_t super;
    const mlf_server_app *app;
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

static void mlf__send(const mlf__handler *h, h2o_req_t *req, const mlf_http_response *res, const struct timespec *t0)
{
    req->res.status = res->status;
    req->res.reason = res->status == 200 ? "OK" : "";
    if (res->content_type != NULL)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, res->content_type,
                       strlen(res->content_type));
    if (res->content_disposition != NULL)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_DISPOSITION, NULL,
                       h2o_strdup(&req->pool, res->content_disposition, SIZE_MAX).base,
                       strlen(res->content_disposition));
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
        if (h->config->access_log)
            mlf__access_log(req, res->status, (size_t)res->file_size, mlf__ms_since(t0));
        if (req->method.len == 4 && memcmp(req->method.base, "HEAD", 4) == 0)
            g->left = 0;
        mlf__file_proceed(&g->super, req);
        return;
    }
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
    /* a body in a file-backed socket buffer: hand its file on instead of its mapped bytes */
    if (hr->body_len >= h2o_socket_buffer_mmap_settings.threshold / 2 && mlf__self != NULL) {
        for (mlf__conn *c = mlf__self->conns.next; c != &mlf__self->conns; c = c->next) {
            h2o_buffer_t *in = c->sock != NULL ? c->sock->input : NULL;
            if (in == NULL || in->bytes == NULL || in->_fd == -1)
                continue;
            if (hr->body < in->bytes || hr->body + hr->body_len > in->bytes + in->size)
                continue;
            /* h2o maps the file from offset 0 with the buffer's header first */
            hr->body_in_file = true;
            hr->body_fd = in->_fd;
            hr->body_off = (uint64_t)(hr->body - (const char *)in);
            hr->body = NULL;
            break;
        }
    }
}

/* PUT [prefix]/api/2.0|/ajax-api/2.0/mlflow-artifacts/artifacts/...: the one route whose body may pass max_body_size. */
static bool mlf__is_artifact_upload(const mlf__handler *h, const mlf_http_request *hr)
{
    if (hr->method_len != 3 || memcmp(hr->method, "PUT", 3) != 0)
        return false;
    static const char api[] = "/api/2.0/mlflow-artifacts/artifacts/";
    static const char ajax[] = "/ajax-api/2.0/mlflow-artifacts/artifacts/";
    if (hr->path_len > sizeof(api) - 1 && memcmp(hr->path, api, sizeof(api) - 1) == 0)
        return true;
    const char *p = hr->path;
    size_t n = hr->path_len;
    const char *prefix = h->config->static_prefix;
    if (prefix != NULL) {
        size_t pl = strlen(prefix);
        if (n < pl || memcmp(p, prefix, pl) != 0)
            return false;
        p += pl;
        n -= pl;
    }
    return n > sizeof(ajax) - 1 && memcmp(p, ajax, sizeof(ajax) - 1) == 0;
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

    /* only artifact uploads may be larger than --max-body-size (h2o's limit is theirs) */
    if (hr.body_len > h->config->max_body_size && !mlf__is_artifact_upload(h, &hr)) {
        mlf_http_response res = {0};
        static const char msg[] = "request entity is too large";
        mlf_http_respond(&res, 413, "text/plain; charset=utf-8", msg, sizeof(msg) - 1);
        req->http1_is_persistent = 0;
        mlf__send(h, req, &res, &t0);
        return 0;
    }

    /* routed once: the match lives in the request's pool, which goes with the request to its thread */
    mlf_pool *pool = mlf__self->pool;
    const void *match = NULL;
    mlf_server_lane lane = h->app->route(h->app->app, pool, &hr, &match);
    if (h->config->store_threads > 0 && lane != MLF_LANE_LOOP) {
        mlf__jobq *q = &mlf__queue;
        mlf__job *job = calloc(1, sizeof(*job));
        job->w = mlf__self;
        job->req = req;
        job->t0 = t0;
        job->pool = pool;
        mlf__self->pool = mlf_pool_create();
        job->match = match;
        job->hr = hr;
        job->hr.method = mlf__copy(job->pool, hr.method, hr.method_len);
        job->hr.path = mlf__copy(job->pool, hr.path, hr.path_len);
        job->hr.query = mlf__copy(job->pool, hr.query, hr.query_len);
        job->hr.content_type = mlf__copy(job->pool, hr.content_type, hr.content_type_len);
        job->hr.body = mlf__copy(job->pool, hr.body, hr.body_len);
        if (hr.body_in_file)
            job->hr.body_fd = fcntl(hr.body_fd, F_DUPFD_CLOEXEC, 0); /* h2o may close its own when the client goes */
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

    mlf_http_response res = {0};
    if (hr.body_in_file)
        hr.body_fd = fcntl(hr.body_fd, F_DUPFD_CLOEXEC, 0);
    h->app->handle(h->app->app, pool, &hr, match, &res);
    if (hr.body_in_file && hr.body_fd >= 0)
        close(hr.body_fd);
    mlf__send(h, req, &res, &t0);
    mlf_pool_reset(pool);
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
        else if (job->res.send_file)
            close(job->res.file_fd); /* nobody to send it to */
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
        h->app->handle(h->app->app, job->pool, &job->hr, job->match, &job->res);
        mlf__post_done(job);
    }
    return NULL;
}

static int mlf__fd(uv_tcp_t *tcp)
{
    uv_os_fd_t fd = -1;
    uv_fileno((uv_handle_t *)tcp, &fd);
    return fd;
}

static void mlf__on_conn_close(uv_handle_t *handle)
{
    mlf__conn *c = (mlf__conn *)handle;
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
    mlf__conn *conn = h2o_mem_alloc(sizeof(*conn));
    memset(conn, 0, sizeof(*conn));
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

/*
 * h2o 2.2 has one request body limit (globalconf.max_request_entity_size),
 * checked against Content-Length as soon as the head is parsed, inside its
 * read callback. Each worker has its own globalconf copy, and this wrapper
 * of h2o's read callback sets the limit from the request line pending in
 * the buffer just before h2o parses it: the upload limit for an artifact
 * PUT, --max-body-size for everything else.
 */
static uv_read_cb mlf__h2o_on_read;

static void mlf__on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    mlf__conn *c = (mlf__conn *)stream;
    mlf__worker *w = mlf__self;
    h2o_buffer_t *in = c->sock != NULL ? c->sock->input : NULL;
    if (nread > 0 && w != NULL && mlf__the_handler != NULL && in != NULL) {
        /* the pending request starts at the buffer's bytes (h2o consumes finished ones); the new bytes follow */
        const char *head = in->bytes != NULL && in->size > 0 ? in->bytes : buf->base;
        size_t len = in->bytes != NULL && in->size > 0 ? in->size + (size_t)nread : (size_t)nread;
        mlf_http_request hr = {0};
        const char *sp = memchr(head, ' ', len < 16 ? len : 16);
        if (sp != NULL) {
            hr.method = head;
            hr.method_len = (size_t)(sp - head);
            hr.path = sp + 1;
            size_t room = len - (size_t)(hr.path - head);
            while (hr.path_len < room && hr.path_len < 4096 && strchr(" ?\r\n", hr.path[hr.path_len]) == NULL)
                hr.path_len++;
        }
        bool upload = sp != NULL && mlf__is_artifact_upload(mlf__the_handler, &hr);
        w->gconf.max_request_entity_size = upload ? w->max_upload_size : w->max_body_size;
    }
    mlf__h2o_on_read(stream, nread, buf);
}

static void mlf__on_prepare(uv_prepare_t *prepare)
{
    mlf__worker *w = prepare->data;
    for (mlf__conn *c = w->conns.next; c != &w->conns; c = c->next) {
        uv_read_cb cb = c->tcp.read_cb;
        if (cb == NULL || cb == mlf__on_read)
            continue;
        if (mlf__h2o_on_read == NULL)
            mlf__h2o_on_read = cb;
        if (cb == mlf__h2o_on_read)
            c->tcp.read_cb = mlf__on_read;
    }
}

/*
 * After each poll: the pages of a file-backed socket buffer that hold
 * received bytes are dropped from this process (MADV_DONTNEED on a shared
 * file mapping keeps the data in the file and the page cache), so a large
 * upload costs disk, not memory, while it arrives.
 */
static void mlf__on_check(uv_check_t *check)
{
    mlf__worker *w = check->data;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    for (mlf__conn *c = w->conns.next; c != &w->conns; c = c->next) {
        h2o_buffer_t *in = c->sock != NULL ? c->sock->input : NULL;
        if (in == NULL || in->bytes == NULL || in->_fd == -1)
            continue;
        const char *map = (const char *)in;
        size_t end = ((size_t)(in->bytes + in->size - map)) & ~(page - 1);
        if (c->advised_map != map || c->advised_end > end) {
            c->advised_map = map;
            c->advised_end = page; /* the first page holds h2o's buffer header: keep it */
        }
        if (end > c->advised_end) {
            madvise((void *)(map + c->advised_end), end - c->advised_end, MADV_DONTNEED);
            c->advised_end = end;
        }
        /* a body past max_body_size for a route that will refuse it: stop taking it in (the request head is at bytes) */
        const mlf__handler *h = mlf__the_handler;
        if (h != NULL && in->size > h->config->max_body_size + (64u << 10)) {
            mlf_http_request hr = {0};
            const char *sp = memchr(in->bytes, ' ', 16);
            if (sp != NULL) {
                hr.method = in->bytes;
                hr.method_len = (size_t)(sp - in->bytes);
                hr.path = sp + 1;
                size_t room = in->size - (size_t)(hr.path - in->bytes);
                while (hr.path_len < room && hr.path_len < 4096 && strchr(" ?\r\n", hr.path[hr.path_len]) == NULL)
                    hr.path_len++;
            }
            if (sp == NULL || !mlf__is_artifact_upload(h, &hr))
                shutdown(mlf__fd(&c->tcp), SHUT_RD);
        }
    }
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
    mlf__on_done(&w->done); /* the store threads are gone: answer what they finished */
    uv_check_stop(&w->check);
    uv_close((uv_handle_t *)&w->check, NULL);
    uv_prepare_stop(&w->prepare);
    uv_close((uv_handle_t *)&w->prepare, NULL);
    uv_close((uv_handle_t *)&w->listener, NULL);
    uv_close((uv_handle_t *)&w->stop, NULL);
    uv_close((uv_handle_t *)&w->done, NULL);
    for (mlf__conn *c = w->conns.next; c != &w->conns; c = c->next) {
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

int mlf_server_run(const mlf_server_config *config, const mlf_server_app *app)
{
    int nworkers = config->workers > 0 ? config->workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nworkers < 1)
        nworkers = 1;

    h2o_globalconf_t globalconf;
    h2o_config_init(&globalconf);
    /* h2o's one limit must admit artifact uploads; mlf__on_req holds the other routes to max_body_size */
    globalconf.max_request_entity_size =
        config->max_upload_size > config->max_body_size ? config->max_upload_size : config->max_body_size;
    /* the whole request is read within this time (h2o 2.2 times the body too): room for large uploads */
    globalconf.http1.req_timeout = config->max_upload_size > config->max_body_size ? 3600 * 1000 : 60 * 1000;
    /* bodies past the threshold go to a temporary file on disk, not to memory (see mlf__on_check) */
    {
        const char *dir = config->spool_dir != NULL ? config->spool_dir : getenv("TMPDIR");
        if (dir == NULL || *dir == '\0')
            dir = "/tmp";
        h2o_socket_buffer_mmap_settings.threshold = 8u << 20;
        snprintf(h2o_socket_buffer_mmap_settings.fn_template, sizeof(h2o_socket_buffer_mmap_settings.fn_template),
                 "%s/mlflow-c-body.XXXXXX", dir);
    }
    globalconf.server_name = h2o_iovec_init(H2O_STRLIT("mlflow-c"));
    h2o_hostconf_t *hostconf = h2o_config_register_host(&globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pathconf = h2o_config_register_path(hostconf, "/", 0);
    mlf__handler *handler = (mlf__handler *)h2o_create_handler(pathconf, sizeof(*handler));
    handler->super.on_req = mlf__on_req;
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
        /* a shallow copy: the hosts and handlers stay shared; only the body limit differs per worker */
        w->gconf = globalconf;
        w->max_body_size = config->max_body_size;
        w->max_upload_size = globalconf.max_request_entity_size;
        w->gconf.max_request_entity_size = config->max_body_size;
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

    int nstore = rc == 0 ? config->store_threads : 0;
    pthread_t *store_threads = calloc((size_t)(nstore > 0 ? nstore : 1), sizeof(pthread_t));
    mlf__queue.stop = false;
    for (int i = 0; i < nstore; i++)
        pthread_create(&store_threads[i], NULL, mlf__store_thread, handler);

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
    mlf__jobq *queues[] = {&mlf__queue};
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
