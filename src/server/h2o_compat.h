/*
 * Every workaround for h2o 2.2 (Debian's libh2o-dev) in one place: the only
 * file that reaches into h2o's private fields or replaces its callbacks.
 * Each exists because:
 *
 * 1. One body limit. h2o 2.2 has a single request body limit
 *    (globalconf.max_request_entity_size), checked against Content-Length
 *    inside its read callback as soon as a head is parsed, before any
 *    handler runs. Artifact uploads may be up to the upload limit, every
 *    other request only --max-body-size. So each worker has its own
 *    globalconf copy, and mlf_h2o_conn_hook_read wraps h2o's read callback
 *    (libuv's uv_stream_t.read_cb, which h2o sets again whenever it resumes
 *    reading) with one that sets the limit from the request line pending in
 *    the socket buffer just before h2o parses it.
 * 2. Bodies in files. h2o 2.2 reads a whole body before calling the
 *    handler; a body over the mmap threshold (mlf_h2o_spool_to) sits in a
 *    temporary file h2o maps, whose descriptor is h2o_buffer_t's private
 *    _fd. mlf_h2o_body_file hands that file on instead of its mapped bytes;
 *    mlf_h2o_conn_trim drops the received pages from memory while a large
 *    upload arrives, and stops reading a body past --max-body-size that no
 *    route takes (h2o would read it whole before refusing it).
 * 3. The request line, scanned once (mlf_h2o_request_line): 1 and 2 need it
 *    before h2o has parsed the request.
 * (Shutdown has one more h2o 2.2 constraint, h2o_context_dispose asserting
 * that every connection is closed; server.c drains them with public calls.)
 */
#ifndef MLF_SERVER_H2O_COMPAT_H
#define MLF_SERVER_H2O_COMPAT_H

#include <stdbool.h>
#include <stddef.h>

#include <h2o.h>
#include <uv.h>

#include "server/http.h"

/** A worker's body limits: the globalconf copy whose limit is set per request, and what sets it. */
typedef struct mlf_h2o_limits {
    h2o_globalconf_t *gconf;   /* the worker's own copy */
    size_t max_body_size;      /* every request but artifact uploads */
    size_t max_upload_size;    /* artifact uploads */
    const char *static_prefix; /* NULL or e.g. "/mlflow" */
} mlf_h2o_limits;

/** An accepted connection; the worker keeps a list of them (a ring with a head element). */
typedef struct mlf_h2o_conn {
    uv_tcp_t tcp; /* first: h2o's close callback hands us its address */
    h2o_socket_t *sock;
    struct mlf_h2o_conn *prev, *next;
    const mlf_h2o_limits *limits;
    uv_read_cb h2o_read_cb;  /* h2o's own read callback, which ours calls */
    const char *advised_map; /* the mapping advised so far, and up to where */
    size_t advised_end;
} mlf_h2o_conn;

/**
 * Sets h2o's mmap threshold (8 MiB) and the temporary files' directory (dir,
 * or $TMPDIR, or /tmp). h2o_socket_buffer_mmap_settings is h2o's own
 * process-wide variable: call this before any worker starts.
 */
void mlf_h2o_spool_to(const char *dir);

/**
 * Reads the request line's method and path (up to '?', ' ' or the line's
 * end, at most 4096 bytes) from the raw bytes buf[0, len) into hr. Returns
 * false when no method ends within the first 16 bytes.
 */
bool mlf_h2o_request_line(const char *buf, size_t len, mlf_http_request *hr);

/**
 * PUT [prefix]/api/2.0|/ajax-api/2.0/mlflow-artifacts/artifacts/...: the one
 * route whose body may pass max_body_size. Only for h2o's limit before the
 * body arrives (the request is not routed yet); once it is, the route's
 * unlimited-body flag decides (mlf_http_route answers 413 otherwise).
 */
bool mlf_h2o_is_upload(const char *static_prefix, const mlf_http_request *hr);

/** Wraps h2o's read callback on c when h2o has (again) set it; call before each poll. */
void mlf_h2o_conn_hook_read(mlf_h2o_conn *c);

/** After each poll: drops c's received body pages from memory; stops reading a refused oversized body. */
void mlf_h2o_conn_trim(mlf_h2o_conn *c, size_t page);

/**
 * When hr's body lies in a file-backed socket buffer of a connection of the
 * ring head, turns it into body_in_file (h2o's descriptor, not duplicated)
 * with body NULL.
 */
void mlf_h2o_body_file(const mlf_h2o_conn *head, mlf_http_request *hr);

#endif
