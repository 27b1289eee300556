/*
 * The local-filesystem artifact repository (MLflow's LocalArtifactRepository)
 * and the path checks that keep every operation inside its root: MLflow's
 * validate_path_is_safe, plus a refusal of NUL bytes, backslash traversal
 * and symlinks that lead out of the root. Paths handed in are relative POSIX
 * paths ("a/b.txt"); roots are absolute directories. Results come from the
 * pool; errors are MLflow's (INVALID_PARAMETER_VALUE "Invalid path").
 */
#ifndef MLF_ARTIFACTS_LOCAL_H
#define MLF_ARTIFACTS_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/pool.h"

/** One entry of a listing, as MLflow's FileInfo: size is -1 for directories. */
typedef struct mlf_artifact_info {
    const char *path; /** relative to the root the listing was asked of */
    bool is_dir;
    int64_t size;
} mlf_artifact_info;

/** Where an upload's bytes are: in memory (data), or in a file (fd >= 0) from offset off. */
typedef struct mlf_artifact_source {
    const char *data;
    int fd;
    uint64_t off;
    uint64_t len;
} mlf_artifact_source;

/**
 * validate_path_is_safe(path) on len bytes: percent-decodes until stable,
 * refuses '#', NUL, `..` segments (split on '/' or '\'), absolute POSIX and
 * Windows paths; turns a file: URI into its path and control characters into
 * %xx as MLflow does. Returns 0 and the checked path in *ret.
 */
int mlf_artifacts_check_path(mlf_pool *pool, const char *path, size_t len, const char **ret, mlf_error *err);

/**
 * Lists the entries directly under root/rel (rel NULL or "" for the root),
 * sorted by path; paths are "rel/name". A missing or non-directory target
 * lists as empty, as in MLflow.
 */
int mlf_artifacts_local_list(mlf_pool *pool, const char *root, const char *rel, mlf_artifact_info **ret,
                             size_t *ret_n, mlf_error *err);

/** True when root/rel (rel already checked) is a directory inside root. */
bool mlf_artifacts_local_is_dir(mlf_pool *pool, const char *root, const char *rel);

/**
 * Opens the regular file root/rel for reading. Returns 0 with the fd (the
 * caller closes it) and its size; a missing file is INTERNAL_ERROR with
 * MLflow's download failure text, a directory INTERNAL_ERROR too.
 */
int mlf_artifacts_local_open(mlf_pool *pool, const char *root, const char *rel, int *ret_fd, uint64_t *ret_size,
                             mlf_error *err);

/**
 * Writes src to root/rel, creating the directories on the way: into a
 * temporary file beside it, renamed over rel only when every byte is written,
 * so that a failed write leaves nothing under the final name.
 */
int mlf_artifacts_local_write(mlf_pool *pool, const char *root, const char *rel, const mlf_artifact_source *src,
                              mlf_error *err);

/** Deletes the file or directory tree root/rel; a missing one is not an error (MLflow's delete_artifacts). */
int mlf_artifacts_local_delete(mlf_pool *pool, const char *root, const char *rel, mlf_error *err);

/** The MIME type MLflow's _guess_mime_type gives file name (its basename is used). */
const char *mlf_artifacts_mime_type(const char *name);

#endif
