/*
 * MLflow's web UI: the build that ships in the `mlflow` wheel
 * (mlflow/server/js/build), served as `mlflow server` serves it: `/` is its
 * index.html, `/static-files/<path>` its files (both under --static-prefix),
 * and Flask's own static route of the build, `/build/<path>` (never under the
 * prefix). mlflow-c never ships the build: it is found once at start-up
 * (--ui-dir, MLFLOW_C_UI_DIR, else an installed `mlflow` package); without
 * one `/` answers a page of ours that says how to get it.
 *
 * The build's file list is read once when it is opened; each file is read
 * (and gzipped, when that pays) on its first request and kept in memory for
 * the life of the server, so answers never touch the disk again.
 */
#ifndef MLF_SERVER_UI_H
#define MLF_SERVER_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

typedef struct mlf_ui mlf_ui;

/**
 * Opens the build in dir: lists its files (regular files under real
 * directories; symbolic links are left out). Returns NULL, with the reason
 * in why (why_len bytes), when dir has no index.html or cannot be read.
 */
mlf_ui *mlf_ui_open(const char *dir, char *why, size_t why_len);
/** NULL is a no-op. The memory of every answer made from ui goes with it. */
void mlf_ui_close(mlf_ui *ui);
/** The build's directory, as given to mlf_ui_open. */
const char *mlf_ui_dir(const mlf_ui *ui);

/**
 * The build directory of the `mlflow` package that python (NULL: the
 * MLFLOW_C_PYTHON-less default, `python3`, then the interpreter of an
 * `mlflow` command on PATH) imports, found by running it once (no import of
 * mlflow itself) and killed after timeout_ms. Returns a malloc'd path (that
 * may not exist: mlf_ui_open says), or NULL when there is no such package.
 */
char *mlf_ui_find_installed(const char *python, int timeout_ms);

/* The pure parts, for tests/server/test_ui.c. */

/** The Content-Type MLflow (Python's mimetypes, Flask's charset for text) gives a file name. */
const char *mlf_ui_content_type(const char *name);
/** True when the file name carries a content hash (a dot-separated part of 8 or more hex digits before its extension). */
bool mlf_ui_is_hashed(const char *name);
/** True when an Accept-Encoding header value (len bytes) accepts gzip (q > 0, or `*`). */
bool mlf_ui_accepts_gzip(const char *value, size_t len);
/**
 * True when an If-None-Match value (len bytes) names etag ("\"...\"") or is
 * `*`: weak comparison (W/ ignored), and a "-gz" variant of the tag counts.
 */
bool mlf_ui_etag_matches(const char *value, size_t len, const char *etag);
/** Parses an HTTP date (IMF-fixdate) of len bytes into *ret; false when it is not one. */
bool mlf_ui_parse_http_date(const char *value, size_t len, time_t *ret);

#endif
