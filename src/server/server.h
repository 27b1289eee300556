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
    int store_threads;         /** threads running non-GET requests off the event loops; 0 = run them inline */

    /*
     * Optional, with store_threads > 0: non-GET requests for which may_write
     * (called on a loop thread, pool reset afterwards) is true run on one
     * writer thread instead, in batches bracketed by batch_begin/batch_end
     * (see mlf_store_batch_begin): no answer leaves before its batch is
     * committed. batch_end returns 0, or -1 with *lost (from pool) set to the
     * answer each member that had succeeded gets instead.
     */
    bool (*may_write)(void *app, mlf_pool *pool, const mlf_http_request *req);
    void (*batch_begin)(void *app);
    int (*batch_end)(void *app, mlf_pool *pool, mlf_http_response *lost);
} mlf_server_config;

/** Answers one request into ret from pool memory; called on the worker's thread. */
typedef void (*mlf_server_handler)(void *app, mlf_pool *pool, const mlf_http_request *req, mlf_http_response *ret);

/**
 * Serves handler(app, ...) until SIGINT or SIGTERM, then shuts down cleanly.
 * Returns 0, or 1 after printing why it could not start (e.g. the port is
 * taken). `mlflow-c server` passes mlf_http_handle; tools/bare_server.c a
 * handler that answers {} (the benchmark's baseline).
 */
int mlf_server_run(const mlf_server_config *config, mlf_server_handler handler, void *app);

#endif
