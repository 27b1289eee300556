/*
 * The local-filesystem artifact repository; see local.h. Every operation
 * joins the checked relative path to the root and then verifies, with
 * realpath() of the deepest part that exists, that the result is still
 * inside the root: a symlink planted in the tree cannot lead elsewhere.
 */
#define _GNU_SOURCE
#include "artifacts/local.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/text.h"
#include "store/uri.h"

static int mlf__invalid_path(mlf_pool *pool, mlf_error *err)
{
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid path");
}

int mlf_artifacts_check_path(mlf_pool *pool, const char *path, size_t len, const char **ret, mlf_error *err)
{
    /* _decode: unquote until nothing changes (at most 10 rounds, as MLflow) */
    const char *p = path;
    size_t n = len;
    for (int round = 0;; round++) {
        if (memchr(p, '\0', n) != NULL)
            return mlf__invalid_path(pool, err);
        if (round == 10)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "Failed to decode url");
        size_t dn;
        char *d = mlf_text_percent_decode(pool, p, n, 0, &dn);
        if (dn == n) /* each decoded escape shortens the text: nothing changed */
            break;
        p = d;
        n = dn;
    }
    if (memchr(p, '\0', n) != NULL)
        return mlf__invalid_path(pool, err);
    /* urlsplit (inside _decode) strips leading C0 controls and spaces and drops tabs and newlines;
       _escape_control_characters then writes the other controls as %xx */
    mlf_buf b;
    mlf_buf_init(&b, pool, n + 16);
    bool leading = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((leading && c <= 32) || c == '\t' || c == '\r' || c == '\n')
            continue;
        leading = false;
        if (c < 32 || c == 127) {
            mlf_text_percent_put(&b, c, false);
        } else {
            mlf_buf_putc(&b, (char)c);
        }
    }
    const char *s = b.data;
    if (strchr(s, '#') != NULL)
        return mlf__invalid_path(pool, err);
    /* a file: URI: _decode's urlunparse gives it "///", so its path is always absolute */
    if (strncasecmp(s, "file:", 5) == 0)
        return mlf__invalid_path(pool, err);
    /* absolute as POSIX ("/x") or as Windows (a drive with a root, "C:\\x", or a UNC share, "\\\\h\\s"),
       either separator; "\\x" and "C:x" are relative there, and on this POSIX server a backslash is no
       separator at all, so "..\\x" is a plain name (pathlib's is_absolute, os.altsep None) */
    if (s[0] == '/')
        return mlf__invalid_path(pool, err);
#define MLF__SEP(c) ((c) == '/' || (c) == '\\')
    if (((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z') && s[1] == ':' && MLF__SEP(s[2]))
        return mlf__invalid_path(pool, err);
    if (MLF__SEP(s[0]) && MLF__SEP(s[1]) && s[2] != '\0' && !MLF__SEP(s[2])) {
        const char *share = s + 3;
        while (*share != '\0' && !MLF__SEP(*share))
            share++;
        if (*share != '\0' && !MLF__SEP(share[1]))
            return mlf__invalid_path(pool, err);
    }
#undef MLF__SEP
    /* `..` as a '/'-separated segment */
    for (const char *seg = s;;) {
        size_t sl = strcspn(seg, "/");
        if (sl == 2 && seg[0] == '.' && seg[1] == '.')
            return mlf__invalid_path(pool, err);
        if (seg[sl] == '\0')
            break;
        seg += sl + 1;
    }
    *ret = s;
    return 0;
}

/* root + "/" + normpath(rel) (rel already checked: relative, no `..`). */
static char *mlf__join(mlf_pool *pool, const char *root, const char *rel)
{
    if (rel == NULL || rel[0] == '\0')
        return mlf_pool_strdup(pool, root);
    const char *norm = mlf_path_normpath(pool, rel);
    if (strcmp(norm, ".") == 0)
        return mlf_pool_strdup(pool, root);
    return mlf_path_join(pool, root, norm);
}

static bool mlf__under(const char *real, const char *root_real)
{
    size_t n = strlen(root_real);
    if (strcmp(root_real, "/") == 0)
        return true;
    return strncmp(real, root_real, n) == 0 && (real[n] == '\0' || real[n] == '/');
}

/*
 * Refuses full (root/rel) when the deepest existing prefix of it resolves
 * outside the root. A root that does not exist yet holds nothing to check.
 */
static int mlf__check_inside(mlf_pool *pool, const char *root, const char *full, mlf_error *err)
{
    char root_real[PATH_MAX];
    if (realpath(root, root_real) == NULL)
        return 0;
    char *probe = mlf_pool_strdup(pool, full);
    for (;;) {
        char real[PATH_MAX];
        if (realpath(probe, real) != NULL)
            return mlf__under(real, root_real) ? 0 : mlf__invalid_path(pool, err);
        struct stat st;
        if (lstat(probe, &st) == 0 && S_ISLNK(st.st_mode))
            return mlf__invalid_path(pool, err); /* a dangling link: where it leads may appear later */
        char *slash = strrchr(probe, '/');
        if (slash == NULL || slash == probe)
            return 0;
        *slash = '\0';
        if (strlen(probe) < strlen(root))
            return 0;
    }
}

static int mlf__resolve(mlf_pool *pool, const char *root, const char *rel, char **ret, mlf_error *err)
{
    char *full = mlf__join(pool, root, rel);
    int rc = mlf__check_inside(pool, root, full, err);
    if (rc < 0)
        return rc;
    *ret = full;
    return 0;
}

static int mlf__cmp_info(const void *a, const void *b)
{
    return strcmp(((const mlf_artifact_info *)a)->path, ((const mlf_artifact_info *)b)->path);
}

int mlf_artifacts_local_list(mlf_pool *pool, const char *root, const char *rel, mlf_artifact_info **ret,
                             size_t *ret_n, mlf_error *err)
{
    *ret = NULL;
    *ret_n = 0;
    char *dir;
    int rc = mlf__resolve(pool, root, rel, &dir, err);
    if (rc < 0)
        return rc;
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    const char *prefix = (rel == NULL || rel[0] == '\0') ? NULL : mlf_path_normpath(pool, rel);
    if (prefix != NULL && strcmp(prefix, ".") == 0)
        prefix = NULL;
    size_t cap = 16, n = 0;
    mlf_artifact_info *items = MLF_NEW_ARRAY(pool, mlf_artifact_info, cap);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, 0) != 0 && fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (n == cap) {
            mlf_artifact_info *grown = MLF_NEW_ARRAY(pool, mlf_artifact_info, cap * 2);
            memcpy(grown, items, n * sizeof(*items));
            items = grown;
            cap *= 2;
        }
        items[n].path = prefix != NULL ? mlf_path_join(pool, prefix, e->d_name) : mlf_pool_strdup(pool, e->d_name);
        items[n].is_dir = S_ISDIR(st.st_mode);
        items[n].size = items[n].is_dir ? -1 : (int64_t)st.st_size;
        n++;
    }
    closedir(d);
    qsort(items, n, sizeof(*items), mlf__cmp_info);
    *ret = items;
    *ret_n = n;
    return 0;
}

bool mlf_artifacts_local_is_dir(mlf_pool *pool, const char *root, const char *rel)
{
    char *full;
    mlf_error err = {0};
    struct stat st;
    return mlf__resolve(pool, root, rel, &full, &err) == 0 && stat(full, &st) == 0 && S_ISDIR(st.st_mode);
}

int mlf_artifacts_local_open(mlf_pool *pool, const char *root, const char *rel, int *ret_fd, uint64_t *ret_size,
                             mlf_error *err)
{
    char *full;
    int rc = mlf__resolve(pool, root, rel, &full, err);
    if (rc < 0)
        return rc;
    /* MLflow 3.18's LocalArtifactRepository.get_local_path and _create_artifact_file_response: a
       missing artifact is a 404 (a client's download does not retry it), a directory a 400 */
    struct stat st;
    if (stat(full, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No such artifact: '%s'", rel);
    } else if (S_ISDIR(st.st_mode)) {
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Artifact path refers to a directory, not a file: '%s'", rel);
    }
    int fd = open(full, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                             "The following failures occurred while downloading one or more artifacts from %s:\n"
                             "##### File %s #####\n[Errno %d] %s: '%s'",
                             root, rel, e, strerror(e), full);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "[Errno 21] Is a directory: '%s'", full);
    }
    *ret_fd = fd;
    *ret_size = (uint64_t)st.st_size;
    return 0;
}

static int mlf__os_error(mlf_pool *pool, mlf_error *err, const char *what, const char *path)
{
    int e = errno;
    return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "%s '%s': [Errno %d] %s", what, path, e, strerror(e));
}

/* mkdir -p of dir (inside root, already checked), one component at a time. */
static int mlf__mkdirs(mlf_pool *pool, const char *dir, mlf_error *err)
{
    char *p = mlf_pool_strdup(pool, dir);
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST)
                return mlf__os_error(pool, err, "Cannot create directory", p);
            *s = c;
            if (c == '\0')
                return 0;
        }
    }
}

static int mlf__copy_from_fd(int dst, const mlf_artifact_source *src)
{
    loff_t off = (loff_t)src->off;
    uint64_t left = src->len;
    while (left > 0) {
        ssize_t n = copy_file_range(src->fd, &off, dst, NULL, left > (1u << 30) ? (1u << 30) : left, 0);
        if (n > 0) {
            left -= (uint64_t)n;
            continue;
        }
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        if (errno == EINTR)
            continue;
        if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
            return -1;
        /* no in-kernel copy between these files: a bounded buffer */
        char *buf = malloc(1 << 20);
        if (buf == NULL)
            return -1;
        while (left > 0) {
            ssize_t r = pread(src->fd, buf, left > (1u << 20) ? (1u << 20) : left, off);
            if (r <= 0) {
                if (r < 0 && errno == EINTR)
                    continue;
                free(buf);
                errno = r == 0 ? EIO : errno;
                return -1;
            }
            for (ssize_t w = 0; w < r;) {
                ssize_t k = write(dst, buf + w, (size_t)(r - w));
                if (k < 0 && errno == EINTR)
                    continue;
                if (k <= 0) {
                    free(buf);
                    return -1;
                }
                w += k;
            }
            off += r;
            left -= (uint64_t)r;
        }
        free(buf);
    }
    return 0;
}

static int mlf__write_all(int dst, const char *data, uint64_t len)
{
    while (len > 0) {
        ssize_t k = write(dst, data, len > (1u << 30) ? (1u << 30) : len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        data += k;
        len -= (uint64_t)k;
    }
    return 0;
}

int mlf_artifacts_local_write(mlf_pool *pool, const char *root, const char *rel, const mlf_artifact_source *src,
                              mlf_error *err)
{
    if (src->fd < 0 && src->data == NULL && src->len > 0)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "The request body is not available");
    char *full;
    int rc = mlf__resolve(pool, root, rel, &full, err);
    if (rc < 0)
        return rc;
    char *dir = mlf_pool_strdup(pool, full);
    char *slash = strrchr(dir, '/');
    if (slash == NULL || slash[1] == '\0')
        return mlf__invalid_path(pool, err);
    *slash = '\0';
    if ((rc = mlf__mkdirs(pool, *dir ? dir : "/", err)) < 0)
        return rc;
    /* created directories are real ones; check again in case one existed as a link */
    if ((rc = mlf__check_inside(pool, root, full, err)) < 0)
        return rc;
    size_t tl = strlen(dir) + 32;
    char *tmp = mlf_pool_alloc(pool, tl);
    /* mode 0666 with O_EXCL, so the kernel applies the umask as Python's open() does: reading the umask
       (umask(0) then umask(mask)) would change it for every other thread in between */
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        uint32_t r = 0;
        if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
            r = (uint32_t)rand();
        snprintf(tmp, tl, "%s/.mlflow-c-upload-%08x", dir, (unsigned)r);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0)
        return mlf__os_error(pool, err, "Cannot create a file in", dir);
    int wrc = src->fd >= 0 ? mlf__copy_from_fd(fd, src) : mlf__write_all(fd, src->data, src->len);
    if (wrc != 0) {
        rc = mlf__os_error(pool, err, "Cannot write", full);
        close(fd);
        unlink(tmp);
        return rc;
    }
    if (close(fd) != 0 || rename(tmp, full) != 0) {
        rc = mlf__os_error(pool, err, "Cannot write", full);
        unlink(tmp);
        return rc;
    }
    return 0;
}

static int mlf__rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int mlf_artifacts_local_delete(mlf_pool *pool, const char *root, const char *rel, mlf_error *err)
{
    char *full;
    int rc = mlf__resolve(pool, root, rel, &full, err);
    if (rc < 0)
        return rc;
    struct stat st;
    if (lstat(full, &st) != 0)
        return 0;
    int r = S_ISDIR(st.st_mode) ? nftw(full, mlf__rm_entry, 16, FTW_DEPTH | FTW_PHYS) : unlink(full);
    if (r != 0)
        return mlf__os_error(pool, err, "Cannot delete", full);
    return 0;
}

/* MLflow's text extensions (plus MLmodel and MLproject, matched as whole names) */
static const char *const mlf__text_exts[] = {"txt", "log",  "err", "cfg", "conf", "cnf",   "cf",      "ini",
                                             "properties", "prop", "hocon", "toml", "yaml", "yml", "xml", "json",
                                             "js",  "py",   "py3", "csv", "tsv",  "md",    "rst",     "MLmodel",
                                             "mlproject"};

/* the part of Python's mimetypes table artifacts meet */
static const struct {
    const char *ext, *type;
} mlf__types[] = {
    {"html", "text/html"},         {"htm", "text/html"},           {"css", "text/css"},
    {"png", "image/png"},          {"jpg", "image/jpeg"},          {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},          {"svg", "image/svg+xml"},       {"bmp", "image/bmp"},
    {"webp", "image/webp"},        {"ico", "image/vnd.microsoft.icon"}, {"tif", "image/tiff"},
    {"tiff", "image/tiff"},        {"pdf", "application/pdf"},     {"zip", "application/zip"},
    {"tar", "application/x-tar"},  {"wav", "audio/x-wav"},         {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},          {"webm", "video/webm"},         {"bin", "application/octet-stream"},
    {"wasm", "application/wasm"},  {"xhtml", "application/xhtml+xml"}, {"sh", "application/x-sh"},
    {"c", "text/plain"},           {"h", "text/plain"},            {"bat", "text/plain"},
};

const char *mlf_artifacts_mime_type(const char *name)
{
    const char *base = strrchr(name, '/');
    base = base != NULL ? base + 1 : name;
    /* os.path.splitext: a leading dot does not start an extension */
    const char *dot = strrchr(base, '.');
    while (dot != NULL && dot > base && dot[-1] == '.')
        dot--;
    const char *ext = (dot != NULL && dot != base) ? strrchr(base, '.') + 1 : base;
    for (size_t i = 0; i < sizeof(mlf__text_exts) / sizeof(*mlf__text_exts); i++)
        if (strcmp(ext, mlf__text_exts[i]) == 0)
            return "text/plain";
    if (ext == base)
        return "application/octet-stream";
    for (size_t i = 0; i < sizeof(mlf__types) / sizeof(*mlf__types); i++)
        if (strcasecmp(ext, mlf__types[i].ext) == 0)
            return mlf__types[i].type;
    return "application/octet-stream";
}
