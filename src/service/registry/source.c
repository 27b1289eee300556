/*
 * createModelVersion's source handling, as MLflow 3.18 does it: the optional
 * regex, prompt placeholders, the registered-model lineage of a models:/
 * source, the local-path containment check against the run's (or logged
 * model's) artifact directory, the relative-path check for everything else,
 * the run_id / model_id that must own a runs:/, models:/ or proxied-artifact
 * source, and the models:/ resolution of storage_location.
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
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/text.h"
#include "service/validate.h"
#include "store/pystr.h"
#include "store/uri.h"

/* The parts of _parse_model_uri that create_model_version uses: one of model_id, version, stage, alias, or none (latest). */
struct mlf__model_uri {
    const char *model_id; /* models:/<model_id> */
    const char *name;
    const char *version;
    const char *stage;
    const char *alias;
};

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

/* _raise_invalid_model_version_source */
static int mlf__invalid_source(mlf_pool *pool, const char *source, const char *id_name, mlf_error *err)
{
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Invalid model version source: '%s'. The %s request parameter must identify the resource "
                         "that contains the source.",
                         source, id_name);
}

/* _normalized_uri_parts: lower-cased scheme and authority, the path's non-empty parts each fully unquoted. */
typedef struct {
    const char *scheme;
    const char *netloc;
    char **parts;
    size_t n;
} mlf__uri_parts;

static int mlf__normalized_parts(mlf_pool *pool, const char *uri, mlf__uri_parts *out, mlf_error *err)
{
    mlf_url u;
    int rc = mlf_uri_split(pool, uri, &u, err);
    if (rc < 0)
        return rc;
    char *netloc = mlf_pool_strdup(pool, u.netloc);
    for (char *p = netloc; *p != '\0'; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    out->scheme = u.scheme;
    out->netloc = netloc;
    out->parts = MLF_NEW_ARRAY(pool, char *, strlen(u.path) / 2 + 2);
    out->n = 0;
    for (const char *p = u.path; *p != '\0';) {
        size_t len = strcspn(p, "/");
        if (len > 0) {
            char *part = mlf_pool_strndup(pool, p, len);
            for (;;) { /* _iteratively_unquote */
                size_t n;
                char *next = mlf_text_percent_decode(pool, part, strlen(part), MLF_TEXT_UTF8_REPLACE, &n);
                if (strcmp(next, part) == 0)
                    break;
                part = next;
            }
            out->parts[out->n++] = part;
        }
        p += len;
        if (*p == '/')
            p++;
    }
    return 0;
}

/* _is_mlflow_artifact_source: mlflow-artifacts:, or http(s) through the artifact proxy's route. */
static bool mlf__is_proxied_artifact(const mlf__uri_parts *u)
{
    if (strcmp(u->scheme, "mlflow-artifacts") == 0)
        return true;
    if (strcmp(u->scheme, "http") != 0 && strcmp(u->scheme, "https") != 0)
        return false;
    static const char *const route[] = {"api", "2.0", "mlflow-artifacts", "artifacts"};
    for (size_t i = 0; i + 4 <= u->n; i++) {
        size_t k = 0;
        while (k < 4 && strcmp(u->parts[i + k], route[k]) == 0)
            k++;
        if (k == 4)
            return true;
    }
    return false;
}

/* _is_uri_within_root */
static int mlf__within_root(mlf_pool *pool, const mlf__uri_parts *src, const char *root, bool *ret, mlf_error *err)
{
    mlf__uri_parts r;
    int rc = mlf__normalized_parts(pool, root != NULL ? root : "", &r, err);
    if (rc < 0)
        return rc;
    *ret = false;
    if (strcmp(src->scheme, r.scheme) != 0 || strcmp(src->netloc, r.netloc) != 0 || r.n == 0 || src->n < r.n)
        return 0;
    for (size_t i = 0; i < r.n; i++)
        if (strcmp(src->parts[i], r.parts[i]) != 0)
            return 0;
    *ret = true;
    return 0;
}

/* RunsArtifactRepository.parse_runs_uri's run id (its errors carry no code: INTERNAL_ERROR). */
static int mlf__runs_uri_run_id(mlf_pool *pool, const char *source, const mlf_url *u, const char **ret, mlf_error *err)
{
    const char *path = u->path;
    size_t len = path[0] == '/' ? strcspn(path + 1, "/") : 0;
    if (path[0] != '/' || path[1] == '\0' || len == 0)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                             "Not a proper runs:/ URI: %s. Runs URIs must be of the form "
                             "'runs:/<run_id>/run-relative/path/to/artifact'",
                             source);
    *ret = mlf_pool_strndup(pool, path + 1, len);
    return 0;
}

static int mlf__parse_model_uri(mlf_pool *pool, const char *uri, struct mlf__model_uri *out, mlf_error *err);

/* _get_source_run / _get_source_model: the owner's artifact root; a missing owner is an invalid source. */
static int mlf__owner_root(mlf_ctx *ctx, const char *source, const char *id, bool by_model, const char **ret,
                           mlf_error *err)
{
    mlf_error inner = {0};
    int rc = by_model ? mlf_store_get_source_logged_model(ctx->svc->store, ctx->pool, id, ret, NULL, &inner)
                      : mlf_store_get_source_run_artifact_uri(ctx->svc->store, ctx->pool, id, ret, &inner);
    if (rc == 0)
        return 0;
    if (inner.code == MLF_ERR_RESOURCE_DOES_NOT_EXIST)
        return mlf__invalid_source(ctx->pool, source, by_model ? "model_id" : "run_id", err);
    *err = inner;
    return rc;
}

/* The local-path rule of _validate_source_run / _validate_source_model. */
static int mlf__check_local(mlf_ctx *ctx, const char *source, const char *run_id, const char *model_id, bool by_model,
                            mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    const char *id = by_model ? model_id : run_id;
    const char *shown = source;
    if (id != NULL && id[0] != '\0') {
        const char *location = NULL;
        int rc = mlf__owner_root(ctx, source, id, by_model, &location, err);
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

int mlf_registry_validate_source(mlf_ctx *ctx, const char *source, const char *run_id, const char *model_id,
                                 mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    bool by_model = model_id != NULL && model_id[0] != '\0';
    run_id = run_id != NULL ? run_id : "";
    bool local;
    int rc = mlf__is_local(pool, source, &local, err);
    if (rc < 0)
        return rc;
    if (local)
        return mlf__check_local(ctx, source, run_id, model_id, by_model, err);
    rc = mlf__check_relative_paths(pool, source, err);
    if (rc < 0)
        return rc;
    mlf_url u;
    rc = mlf_uri_parse(pool, source, &u, err);
    if (rc < 0)
        return rc;
    bool runs = strcmp(u.scheme, "runs") == 0;
    if (runs && by_model)
        return mlf__invalid_source(pool, source, "model_id", err);
    if (runs) {
        if (u.netloc[0] != '\0')
            return mlf__invalid_source(pool, source, "run_id", err);
        const char *source_run_id = "";
        rc = mlf__runs_uri_run_id(pool, source, &u, &source_run_id, err);
        if (rc < 0)
            return rc;
        if (run_id[0] != '\0' && strcmp(source_run_id, run_id) == 0)
            return 0;
        return mlf__invalid_source(pool, source, "run_id", err);
    }
    if (strcmp(u.scheme, "models") == 0) {
        if (u.netloc[0] != '\0')
            return mlf__invalid_source(pool, source, "model_id", err);
        struct mlf__model_uri parsed;
        mlf_error inner = {0};
        if (mlf__parse_model_uri(pool, source, &parsed, &inner) < 0)
            return mlf__invalid_source(pool, source, "model_id", err);
        if (parsed.model_id != NULL) {
            if (by_model && strcmp(parsed.model_id, model_id) == 0)
                return 0;
            return mlf__invalid_source(pool, source, "model_id", err);
        }
    }
    mlf__uri_parts parts;
    rc = mlf__normalized_parts(pool, source, &parts, err);
    if (rc < 0)
        return rc;
    if (!mlf__is_proxied_artifact(&parts))
        return 0;
    const char *id = by_model ? model_id : run_id;
    if (id[0] != '\0') {
        const char *root;
        rc = mlf__owner_root(ctx, source, id, by_model, &root, err);
        if (rc < 0)
            return rc;
        bool within;
        rc = mlf__within_root(pool, &parts, root, &within, err);
        if (rc < 0)
            return rc;
        if (within)
            return 0;
    }
    return mlf__invalid_source(pool, source, by_model ? "model_id" : "run_id", err);
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


static int mlf__parse_model_uri(mlf_pool *pool, const char *uri, struct mlf__model_uri *out, mlf_error *err)
{
    *out = (struct mlf__model_uri){0};
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
        else if (strcasecmp(suffix, "latest") != 0)
            out->stage = suffix;
        return 0;
    }
    if (strchr(path, '@') != NULL) {
        char *at = strrchr(first, '@');
        if (at == NULL || mlf__blank(at + 1))
            return mlf__improper_model_uri(pool, uri, err);
        *at = '\0';
        out->name = first;
        out->alias = at + 1;
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
    struct mlf__model_uri parsed;
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
            rc = mlf_validate_model_version(pool, parsed.version, &parsed.version, &inner);
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

int mlf_registry_check_prompt_source(mlf_pool *pool, const char *source, mlf_error *err)
{
    /* _PROMPT_SOURCE_PLACEHOLDERS: what MLflow's clients and store send for a prompt version */
    if (strcmp(source, "dummy-source") == 0 || strcmp(source, "prompt-template") == 0)
        return 0;
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Invalid prompt source: '%s'. Prompt sources must use an MLflow placeholder.", source);
}

/* RegisteredModel._is_prompt: the prompt tag's value, lower-cased, is "true". */
static bool mlf__rm_is_prompt(const Mlflow__RegisteredModel *rm)
{
    for (size_t i = 0; i < rm->n_tags; i++)
        if (rm->tags[i]->key != NULL && strcmp(rm->tags[i]->key, "mlflow.prompt.is_prompt") == 0)
            return rm->tags[i]->value != NULL && strcasecmp(rm->tags[i]->value, "true") == 0;
    return false;
}

/* get_model_name_and_version for a name with a stage, an alias or "latest": the version it stands for. */
static int mlf__version_of(mlf_ctx *ctx, const struct mlf__model_uri *parsed, const char **ret, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    mlf_store *store = ctx->svc->store;
    if (parsed->version != NULL) {
        *ret = parsed->version;
        return 0;
    }
    if (parsed->alias != NULL) {
        int rc = mlf_validate_model_alias_name(pool, parsed->alias, err);
        if (rc < 0)
            return rc;
        Mlflow__ModelVersion *mv;
        rc = mlf_store_get_model_version_by_alias(store, pool, parsed->name, parsed->alias, &mv, err);
        if (rc < 0)
            return rc;
        *ret = mv->version;
        return 0;
    }
    const char *stage = NULL;
    if (parsed->stage != NULL) {
        int rc = mlf_validate_model_stage(pool, parsed->stage, &stage, err);
        if (rc < 0)
            return rc;
    }
    Mlflow__ModelVersion **latest;
    size_t n;
    int rc = mlf_store_get_latest_versions(store, pool, parsed->name, &stage, stage != NULL ? 1 : 0, &latest, &n, err);
    if (rc < 0)
        return rc;
    if (n == 0) /* raised without an error code */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "No versions of model with name '%s'%s%s%s found",
                             parsed->name, parsed->stage != NULL ? " and stage '" : "",
                             parsed->stage != NULL ? parsed->stage : "", parsed->stage != NULL ? "'" : "");
    const char *best = latest[0]->version;
    for (size_t i = 1; i < n; i++)
        if (strtoll(latest[i]->version, NULL, 10) > strtoll(best, NULL, 10))
            best = latest[i]->version;
    *ret = best;
    return 0;
}

int mlf_registry_resolve_lineage(mlf_ctx *ctx, const char **source, const char **run_id, const char **model_id,
                                 bool has_run_id, bool has_model_id, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    mlf_store *store = ctx->svc->store;
    mlf_url u;
    int rc = mlf_uri_parse(pool, *source, &u, err);
    if (rc < 0)
        return rc;
    if (strcmp(u.scheme, "models") != 0)
        return 0;
    if (u.netloc[0] != '\0')
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid model version source: '%s'. Registered model sources must use the active model "
                             "registry.",
                             *source);
    struct mlf__model_uri parsed;
    mlf_error inner = {0};
    if (mlf__parse_model_uri(pool, *source, &parsed, &inner) < 0)
        return mlf__invalid_source(pool, *source, "model_id", err);
    if (parsed.model_id != NULL)
        return 0;
    rc = mlf_validate_model_name(pool, parsed.name, err);
    if (rc < 0)
        return rc;
    Mlflow__RegisteredModel *rm;
    rc = mlf_store_get_registered_model(store, pool, parsed.name, &rm, err);
    if (rc < 0)
        return rc;
    if (mlf__rm_is_prompt(rm))
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid model version source: '%s'. Prompt versions cannot be used as model version "
                             "sources.",
                             *source);
    const char *version;
    rc = mlf__version_of(ctx, &parsed, &version, err);
    if (rc == 0)
        rc = mlf_validate_model_version(pool, version, &version, err);
    if (rc < 0)
        return rc;
    Mlflow__ModelVersion *mv;
    rc = mlf_store_get_model_version(store, pool, parsed.name, version, &mv, err);
    if (rc < 0)
        return rc;
    const char *mv_run = mv->run_id != NULL ? mv->run_id : "";
    const char *mv_model = mv->model_id != NULL ? mv->model_id : "";
    if ((has_run_id && strcmp(*run_id != NULL ? *run_id : "", mv_run) != 0) ||
        (has_model_id && strcmp(*model_id != NULL ? *model_id : "", mv_model) != 0))
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid model version source: '%s'. The run_id and model_id request parameters must "
                             "match the referenced model version.",
                             *source);
    *source = mlf_pool_sprintf(pool, "models:/%s/%s", parsed.name, mv->version);
    if (!has_run_id)
        *run_id = mv->run_id;
    if (!has_model_id)
        *model_id = mv->model_id;
    return 0;
}
