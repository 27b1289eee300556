/*
 * createModelVersion's source handling, as MLflow 3.6 does it: the optional
 * regex, the local-path containment check against the run's (or logged
 * model's) artifact directory, the relative-path check for everything else,
 * and the models:/ resolution of storage_location.
 *
 * Paths resolve as pathlib.Path.resolve() does on POSIX (os.path.realpath,
 * non-strict: existing symlinks are followed, the rest is kept as written),
 * relative ones against the server's working directory.
 */
#include "service/registry/source.h"

#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/text.h"
#include "service/validate.h"
#include "store/pystr.h"
#include "store/uri.h"

/* A NUL that unquoting produced (C strings cannot hold it); 0xFF never survives unquote's UTF-8 decoding. */
#define MLF__NUL_MARK '\xff'

/* posixpath.join(a, b) for a relative b; "" for a gives b. */
static char *mlf__join(mlf_pool *pool, const char *a, const char *b)
{
    if (a[0] == '\0')
        return mlf_pool_strdup(pool, b);
    size_t n = strlen(a);
    return mlf_pool_sprintf(pool, "%s%s%s", a, a[n - 1] == '/' ? "" : "/", b);
}

typedef struct mlf__seen {
    const char *link;
    const char *target; /* NULL while being resolved */
    struct mlf__seen *next;
} mlf__seen;

/* posixpath._joinrealpath(path, rest, strict=False, seen); *ok false on a symlink loop. */
static char *mlf__joinrealpath(mlf_pool *pool, char *path, const char *rest, mlf__seen **seen, bool *ok, int depth)
{
    *ok = true;
    if (rest[0] == '/') {
        rest++;
        path = "/";
    }
    while (rest[0] != '\0') {
        size_t len = strcspn(rest, "/");
        char *name = mlf_pool_strndup(pool, rest, len);
        rest += len;
        if (rest[0] == '/')
            rest++;
        if (name[0] == '\0' || strcmp(name, ".") == 0)
            continue;
        if (strcmp(name, "..") == 0) {
            if (path[0] != '\0') {
                /* path, name = split(path) */
                char *slash = strrchr(path, '/');
                char *head, *tail;
                if (slash == NULL) {
                    head = "";
                    tail = path;
                } else {
                    tail = slash + 1;
                    head = mlf_pool_strndup(pool, path, (size_t)(slash - path + 1));
                    /* split() strips trailing slashes from head unless it is all slashes */
                    size_t hn = strlen(head);
                    bool all = strspn(head, "/") == hn;
                    while (!all && hn > 0 && head[hn - 1] == '/')
                        head[--hn] = '\0';
                }
                path = head;
                if (strcmp(tail, "..") == 0)
                    path = mlf__join(pool, mlf__join(pool, path, ".."), "..");
            } else {
                path = "..";
            }
            continue;
        }
        char *newpath = mlf__join(pool, path, name);
        struct stat st;
        if (lstat(newpath, &st) != 0 || !S_ISLNK(st.st_mode)) {
            path = newpath;
            continue;
        }
        mlf__seen *s = *seen;
        while (s != NULL && strcmp(s->link, newpath) != 0)
            s = s->next;
        if (s != NULL) {
            if (s->target != NULL) {
                path = (char *)s->target;
                continue;
            }
            *ok = false; /* a symlink loop: realpath returns what it has */
            return mlf__join(pool, newpath, rest);
        }
        char target[PATH_MAX];
        ssize_t n = readlink(newpath, target, sizeof(target) - 1);
        if (n < 0 || depth > 64) {
            path = newpath;
            continue;
        }
        target[n] = '\0';
        s = MLF_NEW(pool, mlf__seen);
        s->link = newpath;
        s->next = *seen;
        *seen = s;
        bool sub_ok;
        path = mlf__joinrealpath(pool, path, target, seen, &sub_ok, depth + 1);
        if (!sub_ok) {
            *ok = false;
            return mlf__join(pool, path, rest);
        }
        s->target = path;
    }
    return path;
}

/* pathlib.Path(path).resolve() as text: realpath, then abspath against the working directory. */
static char *mlf__resolve(mlf_pool *pool, const char *path)
{
    mlf__seen *seen = NULL;
    bool ok;
    char *real = mlf__joinrealpath(pool, "", path, &seen, &ok, 0);
    if (real[0] != '/')
        real = mlf__join(pool, mlf_path_getcwd(pool), real);
    return mlf_path_normpath(pool, real);
}

/* Whether dir is path or one of its parents (pathlib comparison of two resolved absolute paths). */
static bool mlf__contains(const char *dir, const char *path)
{
    size_t n = strlen(dir);
    if (strcmp(dir, path) == 0)
        return true;
    if (strcmp(dir, "/") == 0)
        return path[0] == '/';
    return strncmp(dir, path, n) == 0 && path[n] == '/';
}

/* is_local_uri(uri) with its default is_tracking_or_registry_uri=True. */
static int mlf__is_local(mlf_pool *pool, const char *uri, bool *ret, mlf_error *err)
{
    if (strcmp(uri, "databricks") == 0) {
        *ret = false;
        return 0;
    }
    return mlf_uri_is_local(pool, uri, ret, err);
}

/* Python's re syntax for the few escapes POSIX ERE lacks. */
static char *mlf__posix_regex(mlf_pool *pool, const char *re)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, strlen(re) * 2 + 1);
    for (const char *p = re; *p != '\0'; p++) {
        if (p[0] == '(' && p[1] == '?' && p[2] == ':') {
            mlf_buf_putc(&b, '(');
            p += 2;
            continue;
        }
        if (p[0] != '\\' || p[1] == '\0') {
            mlf_buf_putc(&b, *p);
            continue;
        }
        p++;
        switch (*p) {
        case 'd':
            mlf_buf_puts(&b, "[0-9]");
            break;
        case 'D':
            mlf_buf_puts(&b, "[^0-9]");
            break;
        case 's':
            mlf_buf_puts(&b, "[[:space:]]");
            break;
        case 'S':
            mlf_buf_puts(&b, "[^[:space:]]");
            break;
        default:
            mlf_buf_putc(&b, '\\');
            mlf_buf_putc(&b, *p);
            break;
        }
    }
    return b.data;
}

int mlf_registry_check_source_regex(mlf_pool *pool, const char *source, mlf_error *err)
{
    const char *pattern = getenv("MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX");
    if (source == NULL || source[0] == '\0' || pattern == NULL || pattern[0] == '\0')
        return 0;
    regex_t re;
    int rc = regcomp(&re, mlf__posix_regex(pool, pattern), REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[256];
        regerror(rc, &re, msg, sizeof(msg));
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "%s", msg);
    }
    rc = regexec(&re, source, 0, NULL, 0);
    regfree(&re);
    if (rc != 0)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid model version source: '%s'.", source);
    return 0;
}

/* urllib.parse.unquote_plus(s), a NUL it yields written as MLF__NUL_MARK. */
static char *mlf__unquote_plus(mlf_pool *pool, const char *s)
{
    size_t n;
    char *out = mlf_text_percent_decode(pool, s, strlen(s), MLF_TEXT_PLUS_SPACE | MLF_TEXT_UTF8_REPLACE, &n);
    for (size_t i = 0; i < n; i++)
        if (out[i] == '\0')
            out[i] = MLF__NUL_MARK;
    return out;
}

/* _validate_non_local_source_contains_relative_paths */
static int mlf__check_relative_paths(mlf_pool *pool, const char *source, mlf_error *err)
{
    const char *original = source;
    for (;;) {
        char *unquoted = mlf__unquote_plus(pool, source);
        if (strcmp(unquoted, source) == 0)
            break;
        source = unquoted;
    }
    bool bad = false;
    for (const char *p = source; !bad;) {
        size_t len = strcspn(p, "/");
        bad = len == 2 && p[0] == '.' && p[1] == '.';
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    char *path = NULL;
    if (!bad) {
        mlf_url u;
        int rc = mlf_uri_parse(pool, source, &u, err);
        if (rc < 0)
            return rc;
        /* re.sub(r"/+", "/", path.rstrip("/")) */
        char *stripped = mlf_pool_strdup(pool, u.path);
        size_t n = strlen(stripped);
        while (n > 0 && stripped[n - 1] == '/')
            stripped[--n] = '\0';
        path = mlf_pool_alloc(pool, n + 1);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (!(stripped[i] == '/' && k > 0 && path[k - 1] == '/'))
                path[k++] = stripped[i];
        path[k] = '\0';
        bad = strchr(path, MLF__NUL_MARK) != NULL || strcmp(mlf__resolve(pool, path), path) != 0;
    }
    if (!bad)
        return 0;
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Invalid model version source: '%s'. If supplying a source as an http, https, local file "
                         "path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without "
                         "relative path references present. Please provide an absolute path.",
                         original);
}

int mlf_registry_validate_source(mlf_ctx *ctx, const char *source, const char *run_id, const char *model_id,
                                 mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    mlf_store *store = ctx->svc->store;
    bool by_model = model_id != NULL && model_id[0] != '\0';
    const char *id = by_model ? model_id : run_id;
    bool local;
    int rc = mlf__is_local(pool, source, &local, err);
    if (rc < 0)
        return rc;
    if (!local)
        return mlf__check_relative_paths(pool, source, err);
    const char *shown = source;
    if (id != NULL && id[0] != '\0') {
        const char *location = NULL;
        if (by_model)
            rc = mlf_store_get_source_logged_model(store, pool, model_id, &location, NULL, err);
        else
            rc = mlf_store_get_source_run_artifact_uri(store, pool, run_id, &location, err);
        if (rc < 0)
            return rc;
        char *source_path;
        rc = mlf_uri_local_file_to_path(pool, source, &source_path, err);
        if (rc < 0)
            return rc;
        shown = mlf__resolve(pool, source_path);
        bool location_local = false;
        if (location != NULL) {
            rc = mlf__is_local(pool, location, &location_local, err);
            if (rc < 0)
                return rc;
        }
        if (location_local) {
            char *dir;
            rc = mlf_uri_local_file_to_path(pool, location, &dir, err);
            if (rc < 0)
                return rc;
            if (mlf__contains(mlf__resolve(pool, dir), shown))
                return 0;
        }
    }
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Invalid model version source: '%s'. To use a local path as a model version source, the "
                         "%s request parameter has to be specified and the local path has to be contained within the "
                         "artifact directory of the run specified by the %s.",
                         shown, by_model ? "model_id" : "run_id", by_model ? "model_id" : "run_id");
}

/* _improper_model_uri_msg(uri, "models") */
static int mlf__improper_model_uri(mlf_pool *pool, const char *uri, mlf_error *err)
{
    return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                         "Not a proper models:/ URI: %s. Models URIs must be of the form 'models:/name/suffix' or "
                         "'models:/name@alias' where suffix is a version, stage, or the string 'latest' and where "
                         "alias is a registered model alias. Only one of suffix or alias can be defined at a time.",
                         uri);
}

/* str.strip() == "" for the parts of a models:/ URI (ASCII whitespace; others are rare in names). */
static bool mlf__blank(const char *s)
{
    for (; *s != '\0'; s++)
        if (!(*s == ' ' || (*s >= '\t' && *s <= '\r') || (*s >= '\x1c' && *s <= '\x1f')))
            return false;
    return true;
}

/* str.isdigit() over decimal digits (superscripts, which Python also counts, are left out). */
static bool mlf__isdigit(const char *s)
{
    if (*s == '\0')
        return false;
    while (*s != '\0') {
        uint32_t cp;
        size_t len = mlf_pystr_utf8_next(s, &cp);
        if (!mlf_pystr_is_decimal(cp))
            return false;
        s += len;
    }
    return true;
}

/* The parts of _parse_model_uri that create_model_version uses. */
typedef struct {
    const char *model_id; /* models:/<model_id> */
    const char *name;
    const char *version; /* NULL for stage, alias and latest forms */
} mlf__model_uri;

static int mlf__parse_model_uri(mlf_pool *pool, const char *uri, mlf__model_uri *out, mlf_error *err)
{
    *out = (mlf__model_uri){0};
    /* urlparse(uri, allow_fragments=False): a '#' stays in the path */
    char *no_fragment = mlf_pool_strdup(pool, uri);
    for (char *p = no_fragment; *p != '\0'; p++)
        if (*p == '#')
            *p = '\x01';
    mlf_url u;
    int rc = mlf_uri_parse(pool, no_fragment, &u, err);
    if (rc < 0)
        return rc;
    char *path = mlf_pool_strdup(pool, u.path);
    for (char *p = path; *p != '\0'; p++)
        if (*p == '\x01')
            *p = '#';
    if (strcmp(u.scheme, "models") != 0 || path[0] != '/' || path[1] == '\0')
        return mlf__improper_model_uri(pool, uri, err);
    const char *rest = path;
    while (*rest == '/')
        rest++;
    const char *slash = strchr(rest, '/');
    if (slash != NULL && strchr(slash + 1, '/') != NULL)
        return mlf__improper_model_uri(pool, uri, err);
    char *first = mlf_pool_strndup(pool, rest, slash != NULL ? (size_t)(slash - rest) : strlen(rest));
    if (mlf__blank(first))
        return mlf__improper_model_uri(pool, uri, err);
    if (slash != NULL) {
        const char *suffix = slash + 1;
        if (mlf__blank(suffix))
            return mlf__improper_model_uri(pool, uri, err);
        out->name = first;
        if (mlf__isdigit(suffix))
            out->version = suffix;
        return 0; /* a stage or "latest": no version */
    }
    if (strchr(path, '@') != NULL) {
        char *at = strrchr(first, '@');
        if (at == NULL || mlf__blank(at + 1))
            return mlf__improper_model_uri(pool, uri, err);
        *at = '\0';
        out->name = first;
        return 0;
    }
    out->model_id = first;
    return 0;
}

int mlf_registry_resolve_source(mlf_ctx *ctx, const char *source, const char *run_id, const char **ret_location,
                                const char **ret_run_id, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    mlf_store *store = ctx->svc->store;
    *ret_location = source;
    *ret_run_id = run_id;
    mlf_url u;
    int rc = mlf_uri_parse(pool, source, &u, err);
    if (rc < 0)
        return rc;
    if (strcmp(u.scheme, "models") != 0)
        return 0;
    mlf__model_uri parsed;
    rc = mlf__parse_model_uri(pool, source, &parsed, err);
    if (rc < 0)
        return rc;
    mlf_error inner = {0};
    if (parsed.model_id != NULL) {
        const char *location, *model_run_id;
        rc = mlf_store_get_source_logged_model(store, pool, parsed.model_id, &location, &model_run_id, &inner);
        if (rc == 0) {
            *ret_location = location;
            if (run_id == NULL || run_id[0] == '\0')
                *ret_run_id = model_run_id;
        }
    } else {
        rc = mlf_validate_model_name(pool, parsed.name, &inner);
        if (rc == 0)
            rc = mlf_validate_model_version(pool, parsed.version, &inner);
        if (rc == 0)
            rc = mlf_store_get_model_version_download_uri(store, pool, parsed.name, parsed.version, ret_location,
                                                          &inner);
    }
    if (rc < 0) /* every failure is wrapped, without an error code */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                             "Unable to fetch model from model URI source artifact location '%s'.Error: %s", source,
                             inner.message != NULL ? inner.message : "");
    return 0;
}
