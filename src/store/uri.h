/*
 * URI and POSIX path helpers with the exact results of the Python functions
 * MLflow uses for artifact locations: urllib.parse (CPython 3.11: urlsplit,
 * urlparse, urlunparse, unquote), posixpath.normpath, and mlflow/utils/uri.py
 * (append_to_uri_path, resolve_uri_if_local, is_local_uri,
 * validate_query_string). POSIX behaviour only (no Windows drive rules).
 * Results come from the pool.
 */
#ifndef MLF_STORE_URI_H
#define MLF_STORE_URI_H

#include <stdbool.h>

#include "core/error.h"
#include "core/pool.h"

/** The six components of urllib.parse.urlparse (never NULL; "" when absent). */
typedef struct mlf_url {
    const char *scheme; /** lower-cased */
    const char *netloc;
    const char *path;
    const char *params; /** only split off for the schemes in uses_params */
    const char *query;
    const char *fragment;
} mlf_url;

/**
 * urlparse(url). Fails (INTERNAL_ERROR, Python's ValueError text, e.g.
 * "Invalid IPv6 URL") only where Python raises.
 */
int mlf_uri_parse(mlf_pool *pool, const char *url, mlf_url *ret, mlf_error *err);
/** urlsplit(url): as mlf_uri_parse but params stay in path. */
int mlf_uri_split(mlf_pool *pool, const char *url, mlf_url *ret, mlf_error *err);
/** urlunparse(components) (urlunsplit when params is ""). */
char *mlf_uri_unparse(mlf_pool *pool, const mlf_url *url);

/** The hostname property of a parse result: lower-cased, NULL when empty. */
const char *mlf_uri_hostname(mlf_pool *pool, const mlf_url *url);

/**
 * validate_query_string(query): decodes repeatedly and refuses `..`
 * (INVALID_PARAMETER_VALUE "Invalid query string").
 */
int mlf_uri_validate_query_string(mlf_pool *pool, const char *query, mlf_error *err);

/** is_local_uri(uri): no scheme, or file: on this host. A file: URI naming another host is an error, as in MLflow. */
int mlf_uri_is_local(mlf_pool *pool, const char *uri, bool *ret, mlf_error *err);

/** resolve_uri_if_local(uri): relative local paths and file: URIs become absolute against the cwd. */
int mlf_uri_resolve_if_local(mlf_pool *pool, const char *uri, char **ret, mlf_error *err);

/** append_to_uri_path(uri, path): appends a POSIX path to the URI's path component, keeping query and fragment. */
int mlf_uri_append_path(mlf_pool *pool, const char *uri, const char *path, char **ret, mlf_error *err);

/** local_file_uri_to_path(uri): the path of a file: URI (or the unquoted text of a plain path). */
int mlf_uri_local_file_to_path(mlf_pool *pool, const char *uri, char **ret, mlf_error *err);

/** posixpath.normpath(path). */
char *mlf_path_normpath(mlf_pool *pool, const char *path);

/** posixpath.join(a, b) for two components. */
char *mlf_path_join(mlf_pool *pool, const char *a, const char *b);

/**
 * os.getcwd() as a pool string, the base that relative local paths resolve
 * against; when getcwd() fails (a removed or too deep directory) $PWD, then
 * "/", so that a resolution never fails on it.
 */
char *mlf_path_getcwd(mlf_pool *pool);

#endif
