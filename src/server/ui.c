/*
 * MLflow's web UI (server/ui.h): the build's file list, its files cached in
 * memory on first use (plus a gzip copy), and the routes that answer them:
 *   GET,HEAD [prefix]/                      index.html (MLflow's serve())
 *   GET,HEAD [prefix]/static-files/<path>   the build's files (serve_static_file)
 *   GET,HEAD /build/<path>                  Flask's automatic static route
 * Anything else the browser asks outside the API is Werkzeug's 404, as with
 * MLflow (its UI routes with the URL's #fragment, so the server only ever
 * sees `/`).
 */
#define _GNU_SOURCE /* strptime, timegm */
#include "server/ui.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "artifacts/local.h"
#include "server/http.h"

extern char **environ;

/* Flask's max_age for /static-files (28 days); hashed names never change, so they may be kept a year */
#define MLF__MAX_AGE "public, max-age=2419200"
#define MLF__IMMUTABLE "public, max-age=31536000, immutable"

enum { MLF__UNREAD = 0, MLF__READY = 1, MLF__UNREADABLE = 2 };

typedef struct mlf__file {
    char *rel;         /* path under the build, '/'-separated: the lookup key */
    const char *type;  /* Content-Type */
    char *disposition; /* Flask's "inline; filename=<name>" */
    bool hashed;
    int state;         /* MLF__*, read with acquire once set under the ui's lock */
    char *data;
    size_t len;
    char *gz; /* a gzip copy when it is smaller enough, else NULL */
    size_t gz_len;
    time_t mtime;
    char etag[40], etag_gz[44];
    char last_modified[40];
} mlf__file;

struct mlf_ui {
    char *dir;
    mlf__file *files; /* sorted by rel */
    size_t n, cap;
    pthread_mutex_t lock; /* reading a file for the first time */
};

/* ---- the pure parts ---- */

static const char *mlf__ext(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *base = slash != NULL ? slash + 1 : name;
    const char *dot = strrchr(base, '.');
    return dot != NULL && dot != base ? dot + 1 : "";
}

const char *mlf_ui_content_type(const char *name)
{
    /* what Python's mimetypes says for what a build holds; Flask adds the charset to text types */
    static const char *const types[][2] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"json", "application/json"},
        {"txt", "text/plain; charset=utf-8"},
        {"svg", "image/svg+xml; charset=utf-8"},
        {"xml", "text/xml; charset=utf-8"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"ico", "image/vnd.microsoft.icon"},
        {"ttf", "font/ttf"},
        {"otf", "font/otf"},
        {"woff", "font/woff"},
        {"woff2", "font/woff2"},
        {"eot", "application/vnd.ms-fontobject"},
        {"wasm", "application/wasm"},
        {"pdf", "application/pdf"},
    };
    const char *ext = mlf__ext(name);
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcasecmp(ext, types[i][0]) == 0)
            return types[i][1];
    return "application/octet-stream"; /* .cjs and .map too: mimetypes does not know them */
}

bool mlf_ui_is_hashed(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *p = slash != NULL ? slash + 1 : name;
    /* the parts between dots, the first (the name) and the last (the extension) excepted */
    const char *dot = strchr(p, '.');
    while (dot != NULL) {
        const char *part = dot + 1;
        const char *next = strchr(part, '.');
        if (next == NULL)
            break;
        size_t n = (size_t)(next - part);
        if (n >= 8 && strspn(part, "0123456789abcdef") >= n)
            return true;
        dot = next;
    }
    return false;
}

/* the next comma-separated element of [*p, end), trimmed; false at the end */
static bool mlf__next_item(const char **p, const char *end, const char **ret, size_t *ret_len)
{
    const char *s = *p;
    while (s < end && (*s == ' ' || *s == '\t' || *s == ','))
        s++;
    if (s >= end)
        return false;
    const char *e = memchr(s, ',', (size_t)(end - s));
    if (e == NULL)
        e = end;
    *p = e;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *ret = s;
    *ret_len = (size_t)(e - s);
    return true;
}

bool mlf_ui_accepts_gzip(const char *value, size_t len)
{
    const char *p = value, *end = value + len, *item;
    size_t n;
    while (mlf__next_item(&p, end, &item, &n)) {
        const char *semi = memchr(item, ';', n);
        size_t name_len = semi != NULL ? (size_t)(semi - item) : n;
        while (name_len > 0 && (item[name_len - 1] == ' ' || item[name_len - 1] == '\t'))
            name_len--;
        if (!((name_len == 4 && strncasecmp(item, "gzip", 4) == 0) || (name_len == 1 && item[0] == '*')))
            continue;
        /* q=0 (0.0, 0.00...) refuses it */
        const char *q = semi;
        while (q != NULL && q < item + n) {
            q++;
            while (q < item + n && (*q == ' ' || *q == '\t'))
                q++;
            if (item + n - q >= 2 && (q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
                const char *v = q + 2;
                bool zero = v < item + n && *v == '0';
                for (v++; zero && v < item + n && *v != ';' && *v != ' '; v++)
                    zero = *v == '.' || *v == '0';
                if (zero)
                    goto next;
            }
            q = memchr(q, ';', (size_t)(item + n - q));
        }
        return true;
    next:;
    }
    return false;
}

bool mlf_ui_etag_matches(const char *value, size_t len, const char *etag)
{
    size_t elen = strlen(etag); /* "\"tag\"" */
    const char *p = value, *end = value + len, *item;
    size_t n;
    while (mlf__next_item(&p, end, &item, &n)) {
        if (n == 1 && item[0] == '*')
            return true;
        if (n >= 2 && item[0] == 'W' && item[1] == '/')
            item += 2, n -= 2;
        if (n == elen && memcmp(item, etag, elen) == 0)
            return true;
        /* the gzip copy's tag: "tag-gz" */
        if (n == elen + 3 && memcmp(item, etag, elen - 1) == 0 && memcmp(item + elen - 1, "-gz\"", 4) == 0)
            return true;
    }
    return false;
}

bool mlf_ui_parse_http_date(const char *value, size_t len, time_t *ret)
{
    char buf[64];
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, value, len);
    buf[len] = '\0';
    struct tm tm = {0};
    const char *end = strptime(buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == NULL || *end != '\0')
        return false;
    *ret = timegm(&tm);
    return true;
}

/* ---- the build ---- */

static int mlf__cmp_file(const void *a, const void *b)
{
    return strcmp(((const mlf__file *)a)->rel, ((const mlf__file *)b)->rel);
}

/* Adds the regular files under abs (rel its path under the build, "" at the top); false when it cannot be read. */
static bool mlf__walk(mlf_ui *ui, const char *abs, const char *rel, int depth)
{
    DIR *d = opendir(abs);
    if (d == NULL)
        return false;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        bool plain = true; /* a name goes into Content-Disposition: none with control characters */
        for (const char *c = e->d_name; *c && plain; c++)
            plain = (unsigned char)*c >= 0x20 && *c != 0x7f;
        if (!plain)
            continue;
        char *child_abs, *child_rel;
        if (asprintf(&child_abs, "%s/%s", abs, e->d_name) < 0)
            continue;
        if (asprintf(&child_rel, "%s%s%s", rel, *rel ? "/" : "", e->d_name) < 0) {
            free(child_abs);
            continue;
        }
        struct stat st;
        if (lstat(child_abs, &st) == 0 && S_ISDIR(st.st_mode) && depth < 16) {
            mlf__walk(ui, child_abs, child_rel, depth + 1);
            free(child_rel);
        } else if (lstat(child_abs, &st) == 0 && S_ISREG(st.st_mode)) {
            if (ui->n == ui->cap) {
                ui->cap = ui->cap ? 2 * ui->cap : 512;
                ui->files = realloc(ui->files, ui->cap * sizeof(*ui->files));
            }
            mlf__file *f = &ui->files[ui->n++];
            memset(f, 0, sizeof(*f));
            f->rel = child_rel;
            f->type = mlf_ui_content_type(child_rel);
            f->hashed = mlf_ui_is_hashed(child_rel);
            const char *slash = strrchr(child_rel, '/');
            if (asprintf(&f->disposition, "inline; filename=%s", slash != NULL ? slash + 1 : child_rel) < 0)
                f->disposition = NULL;
        } else {
            free(child_rel);
        }
        free(child_abs);
    }
    closedir(d);
    return true;
}

static mlf__file *mlf__find(const mlf_ui *ui, const char *rel)
{
    mlf__file key = {.rel = (char *)rel};
    if (ui->n == 0)
        return NULL; /* files is NULL then, which bsearch may not be given */
    return bsearch(&key, ui->files, ui->n, sizeof(*ui->files), mlf__cmp_file);
}

mlf_ui *mlf_ui_open(const char *dir, char *why, size_t why_len)
{
    mlf_ui *ui = calloc(1, sizeof(*ui));
    ui->dir = strdup(dir);
    pthread_mutex_init(&ui->lock, NULL);
    if (!mlf__walk(ui, dir, "", 0)) {
        snprintf(why, why_len, "cannot read %s: %s", dir, strerror(errno));
        mlf_ui_close(ui);
        return NULL;
    }
    if (ui->n > 0)
        qsort(ui->files, ui->n, sizeof(*ui->files), mlf__cmp_file);
    if (mlf__find(ui, "index.html") == NULL) {
        snprintf(why, why_len, "%s has no index.html", dir);
        mlf_ui_close(ui);
        return NULL;
    }
    return ui;
}

void mlf_ui_close(mlf_ui *ui)
{
    if (ui == NULL)
        return;
    for (size_t i = 0; i < ui->n; i++) {
        free(ui->files[i].rel);
        free(ui->files[i].disposition);
        free(ui->files[i].data);
        free(ui->files[i].gz);
    }
    free(ui->files);
    pthread_mutex_destroy(&ui->lock);
    free(ui->dir);
    free(ui);
}

const char *mlf_ui_dir(const mlf_ui *ui)
{
    return ui->dir;
}

static bool mlf__compressible(const char *type)
{
    return strncmp(type, "text/", 5) == 0 || strncmp(type, "application/json", 16) == 0 ||
           strncmp(type, "image/svg+xml", 13) == 0 || strcmp(type, "image/vnd.microsoft.icon") == 0 ||
           strcmp(type, "font/ttf") == 0 || strcmp(type, "font/otf") == 0 ||
           strcmp(type, "application/vnd.ms-fontobject") == 0 || strcmp(type, "application/octet-stream") == 0;
}

/* f->gz: the gzip of f's bytes, kept when it saves at least a tenth */
static void mlf__gzip(mlf__file *f)
{
    if (f->len < 256 || !mlf__compressible(f->type))
        return;
    z_stream z = {0};
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return;
    size_t cap = deflateBound(&z, (uLong)f->len);
    char *out = malloc(cap);
    z.next_in = (Bytef *)f->data;
    z.avail_in = (uInt)f->len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    size_t n = cap - z.avail_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END || n > f->len - f->len / 10) {
        free(out);
        return;
    }
    f->gz = out;
    f->gz_len = n;
}

/* Reads f (once, whichever thread comes first); false when it cannot be read. */
static bool mlf__load(mlf_ui *ui, mlf__file *f)
{
    int state = __atomic_load_n(&f->state, __ATOMIC_ACQUIRE);
    if (state != MLF__UNREAD)
        return state == MLF__READY;
    pthread_mutex_lock(&ui->lock);
    state = f->state;
    if (state == MLF__UNREAD) {
        state = MLF__UNREADABLE;
        char *path = NULL;
        if (asprintf(&path, "%s/%s", ui->dir, f->rel) < 0)
            path = NULL;
        int fd = path != NULL ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;
        free(path);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
            size_t len = (size_t)st.st_size, got = 0;
            char *data = malloc(len + 1);
            while (got < len) {
                ssize_t r = read(fd, data + got, len - got);
                if (r < 0 && errno == EINTR)
                    continue;
                if (r <= 0)
                    break;
                got += (size_t)r;
            }
            if (got == len) {
                f->data = data;
                f->len = len;
                f->mtime = st.st_mtime;
                /* the tag names the bytes: their length and CRC-32 */
                unsigned long crc = crc32(0L, (const Bytef *)data, (uInt)len);
                snprintf(f->etag, sizeof(f->etag), "\"%zx-%08lx\"", len, crc);
                snprintf(f->etag_gz, sizeof(f->etag_gz), "\"%zx-%08lx-gz\"", len, crc);
                struct tm tm;
                gmtime_r(&f->mtime, &tm);
                strftime(f->last_modified, sizeof(f->last_modified), "%a, %d %b %Y %H:%M:%S GMT", &tm);
                mlf__gzip(f);
                state = MLF__READY;
            } else {
                free(data);
            }
        }
        if (fd >= 0)
            close(fd);
        __atomic_store_n(&f->state, state, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&ui->lock);
    return state == MLF__READY;
}

/* ---- finding an installed mlflow ---- */

/* Runs `python -c script` and reads its first line of output into out; false on failure or after timeout_ms. */
static bool mlf__run_python(const char *python, int timeout_ms, char *out, size_t out_len)
{
    static const char script[] = "import importlib.util as u, os\n"
                                 "s = u.find_spec('mlflow')\n"
                                 "o = s.origin if s is not None and s.origin else ''\n"
                                 "print(os.path.join(os.path.dirname(o), 'server', 'js', 'build') if o else '')\n";
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0)
        return false;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    char *argv[] = {(char *)python, "-I", "-c", (char *)script, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, python, &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(pipefd[1]);
    if (rc != 0) {
        close(pipefd[0]);
        return false;
    }
    size_t got = 0;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool ok = false;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left = timeout_ms - (long)((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0)
            break;
        struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
        int pr = poll(&p, 1, (int)left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            break;
        ssize_t r = read(pipefd[0], out + got, out_len - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            ok = true; /* end of output */
            break;
        }
        got += (size_t)r;
        if (got == out_len - 1)
            break;
    }
    close(pipefd[0]);
    if (!ok)
        kill(pid, SIGKILL);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    out[got] = '\0';
    out[strcspn(out, "\r\n")] = '\0';
    return ok && WIFEXITED(status) && WEXITSTATUS(status) == 0 && out[0] == '/';
}

/* The interpreter of an `mlflow` command on PATH (its #! line), or NULL; malloc'd. */
static char *mlf__mlflow_command_python(void)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        return NULL;
    char *copy = strdup(path), *save = NULL, *found = NULL;
    for (char *d = strtok_r(copy, ":", &save); d != NULL && found == NULL; d = strtok_r(NULL, ":", &save)) {
        char *cmd;
        if (asprintf(&cmd, "%s/mlflow", *d ? d : ".") < 0)
            continue;
        FILE *fp = access(cmd, X_OK) == 0 ? fopen(cmd, "r") : NULL;
        free(cmd);
        if (fp == NULL)
            continue;
        char line[1024];
        if (fgets(line, sizeof(line), fp) != NULL && line[0] == '#' && line[1] == '!') {
            char *interp = line + 2 + strspn(line + 2, " \t");
            interp[strcspn(interp, " \t\r\n")] = '\0';
            const char *base = strrchr(interp, '/');
            if (interp[0] == '/' && strcmp(base + 1, "env") != 0 && strcmp(base + 1, "sh") != 0)
                found = strdup(interp);
        }
        fclose(fp);
    }
    free(copy);
    return found;
}

char *mlf_ui_find_installed(const char *python, int timeout_ms)
{
    char out[4096];
    if (python != NULL)
        return mlf__run_python(python, timeout_ms, out, sizeof(out)) ? strdup(out) : NULL;
    if (mlf__run_python("python3", timeout_ms, out, sizeof(out)))
        return strdup(out);
    char *interp = mlf__mlflow_command_python();
    bool ok = interp != NULL && mlf__run_python(interp, timeout_ms, out, sizeof(out));
    free(interp);
    return ok ? strdup(out) : NULL;
}

/* ---- the routes ---- */

/* f's answer: 304 when the client's copy is current, else its bytes (gzipped when the client takes it). */
static void mlf__answer_file(const mlf_http_request *req, const mlf__file *f, const char *cache_control,
                             mlf_http_response *ret)
{
    bool gz = f->gz != NULL && req->accept_encoding != NULL &&
              mlf_ui_accepts_gzip(req->accept_encoding, req->accept_encoding_len);
    ret->etag = gz ? f->etag_gz : f->etag;
    ret->cache_control = cache_control;
    ret->content_disposition = f->disposition;
    ret->vary = f->gz != NULL ? "Accept-Encoding" : NULL;
    /* If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2) */
    bool fresh = false;
    time_t since;
    if (req->if_none_match != NULL)
        fresh = mlf_ui_etag_matches(req->if_none_match, req->if_none_match_len, f->etag);
    else if (req->if_modified_since != NULL &&
             mlf_ui_parse_http_date(req->if_modified_since, req->if_modified_since_len, &since))
        fresh = f->mtime <= since;
    if (fresh) {
        mlf_http_respond(ret, 304, NULL, "", 0);
        return;
    }
    ret->last_modified = f->last_modified;
    ret->content_encoding = gz ? "gzip" : NULL;
    mlf_http_respond(ret, 200, f->type, gz ? f->gz : f->data, gz ? f->gz_len : f->len);
    ret->body_static = true; /* for HEAD the server sends GET's headers and length, no body */
}

/* The file rel of the build with cache_control (NULL: by its name), or Werkzeug's 404. */
static void mlf__serve(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req, const char *rel,
                       const char *cache_control, mlf_http_response *ret)
{
    const char *checked;
    mlf_error err = {0};
    mlf__file *f = NULL;
    /* send_from_directory's safe_join refuses what leaves the directory: a 404, like a missing file (and
       a %00, which would end rel early, is Werkzeug's 404 too) */
    if (app->ui != NULL && memmem(req->path, req->path_len, "%00", 3) == NULL &&
        mlf_artifacts_check_path(pool, rel, strlen(rel), &checked, &err) == 0)
        f = mlf__find(app->ui, rel);
    if (f == NULL || !mlf__load(app->ui, f)) {
        mlf_http_respond_page(ret, 404);
        return;
    }
    if (cache_control == NULL)
        cache_control = f->hashed ? MLF__IMMUTABLE : MLF__MAX_AGE;
    mlf__answer_file(req, f, cache_control, ret);
}

static const char mlf__no_ui_page[] =
    "<!doctype html>\n<html lang=en>\n<meta charset=utf-8>\n<title>mlflow-c</title>\n"
    "<h1>mlflow-c is running</h1>\n"
    "<p>The MLflow tracking API is up on this server (<code>/api/2.0/mlflow/...</code>), "
    "but there is no web UI to show: mlflow-c serves the UI that ships with MLflow's Python package, "
    "and found none when it started.</p>\n"
    "<p>To get the UI, either install MLflow where mlflow-c can find it "
    "(<code>pip install mlflow</code>; set <code>MLFLOW_C_PYTHON</code> to its interpreter if it is not "
    "<code>python3</code>) and restart the server, or point the server at a build: "
    "<code>mlflow-c server --ui-dir DIR</code> (or <code>MLFLOW_C_UI_DIR=DIR</code>), where DIR is "
    "<code>mlflow/server/js/build</code> of an installed <code>mlflow</code>.</p>\n";

void mlf_http_ui_index(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                       const mlf_route_match *m, mlf_http_response *ret)
{
    (void)m;
    if (app->ui == NULL) {
        mlf_http_respond(ret, 200, "text/html; charset=utf-8", mlf__no_ui_page, sizeof(mlf__no_ui_page) - 1);
        ret->cache_control = "no-cache";
        return;
    }
    /* MLflow's serve(): send_from_directory without max_age */
    mlf__serve(app, pool, req, "index.html", "no-cache", ret);
}

void mlf_http_ui_file(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                      const mlf_route_match *m, mlf_http_response *ret)
{
    mlf__serve(app, pool, req, m->param_values[0], NULL, ret);
}

void mlf_http_ui_build_file(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                            const mlf_route_match *m, mlf_http_response *ret)
{
    /* Flask's own static route: SEND_FILE_MAX_AGE_DEFAULT is None */
    mlf__serve(app, pool, req, m->param_values[0], "no-cache", ret);
}
