/*
 * `mlflow-c server`: h2o on libuv, one event loop per worker thread, each
 * with its own SO_REUSEPORT listener, so the kernel spreads connections.
 */
#ifndef MLF_SERVER_SERVER_H
#define MLF_SERVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "server/http.h"

typedef struct mlf_server_config {
    const char *host;          /** 127.0.0.1 */
    int port;                  /** 5000 */
    int workers;               /** threads; 0 = number of cores */
    const char *static_prefix; /** NULL or e.g. "/mlflow" */
    bool artifacts_only;
    bool access_log;
    size_t max_body_size;      /** bytes; larger requests get 413 (but artifact uploads) */
    size_t max_upload_size;    /** bytes; the limit of an artifact upload (PUT .../mlflow-artifacts/artifacts/...) */
    const char *spool_dir;     /** where bodies over 8 MiB are kept while they arrive (NULL: $TMPDIR or /tmp) */
    int store_threads;         /** threads running the store lane off the event loops; 0 = run every lane inline */
    int transfer_threads;      /** threads running the transfer lane; 0 = on the store threads */
} mlf_server_config;

/** Where a request runs, decided once by routing. */
typedef enum mlf_server_lane {
    MLF_LANE_LOOP = 0,     /* on the event loop, inline: cheap GET reads, 404/405 answers, /health */
    MLF_LANE_STORE = 1,    /* on the store threads: POST reads (searches), every store write */
    MLF_LANE_TRANSFER = 2, /* artifact transfers (uploads, proxied rpcs with streamed bodies) */
} mlf_server_lane;

/** The application the server drives: routes a request once, then answers it with that match. */
typedef struct mlf_server_app {
    void *app;
    /* Routes req; returns its lane and sets *ret_match (memory from pool, which is the request's own pool:
       the same pool is later passed to handle, on whichever thread runs it). Called on the loop thread.
       req's method, path, query and content type live in pool too, so the match may point into them; its
       body may still be h2o's (it is copied, or its file duplicated, when the request leaves the loop). */
    mlf_server_lane (*route)(void *app, mlf_pool *pool, const mlf_http_request *req, const void **ret_match);
    /* Answers req into ret (memory from pool) with the match route() returned. */
    void (*handle)(void *app, mlf_pool *pool, const mlf_http_request *req, const void *match,
                   mlf_http_response *ret);
} mlf_server_app;

/**
 * Serves app until SIGINT or SIGTERM, then shuts down cleanly. Returns 0, or
 * 1 after printing why it could not start (e.g. the port is taken). Every
 * answer with status >= 500 is written to stderr with its request line and
 * res->log_message, access log or not. The server keeps no process-wide
 * state of its own (h2o's mmap settings are h2o's: see h2o_compat.h); it
 * blocks SIGINT and SIGTERM in the calling thread while it runs.
 * `mlflow-c server` passes the HTTP routes; tools/bare_server.c an app that
 * answers {} (the benchmark's baseline).
 */
int mlf_server_run(const mlf_server_config *config, const mlf_server_app *app);

#endif
