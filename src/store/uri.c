#include "store/uri.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/text.h"
#include "store/pystr.h"

/* urllib.parse's scheme lists (CPython 3.11). */
static const char *const mlf__uses_netloc[] = {
    "",      "ftp",  "http", "gopher", "nntp", "telnet", "imap",    "wais", "file", "mms", "https", "shttp", "snews",
    "prospero", "rtsp", "rtspu", "rsync", "svn", "svn+ssh", "sftp", "nfs",  "git",  "git+ssh", "ws", "wss", NULL,
};
static const char *const mlf__uses_params[] = {
    "", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp", "rtspu", "sip", "sips", "mms", "sftp", "tel", NULL,
};

static bool mlf__in_list(const char *const *list, const char *s)
{
    for (; *list != NULL; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

static bool mlf__is_scheme_char(char c)
{
    return isalnum((unsigned char)c) || c == '+' || c == '-' || c == '.';
}

static int mlf__value_error(mlf_error *err, mlf_pool *pool, const char *msg)
{
    /* Python raises ValueError here; MLflow lets it become a 500 */
    return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "%s", msg);
}

/* ipaddress.ip_address(host) must succeed and be IPv6 (or a valid IPvFuture). */
static int mlf__check_bracketed_host(mlf_pool *pool, const char *host, mlf_error *err)
{
    if (host[0] == 'v') {
        /* \Av[a-fA-F0-9]+\..+\Z */
        const char *p = host + 1;
        const char *start = p;
        while (isxdigit((unsigned char)*p))
            p++;
        if (p == start || *p != '.' || p[1] == '\0' || strchr(p + 1, '\n') != NULL)
            return mlf__value_error(err, pool, "IPvFuture address is invalid");
        return 0;
    }
    unsigned char buf[16];
    char *addr = mlf_pool_strdup(pool, host);
    char *pct = strchr(addr, '%');
    if (pct != NULL && pct[1] != '\0' && strchr(pct + 1, '/') == NULL)
        *pct = '\0'; /* scope id */
    if (inet_pton(AF_INET6, addr, buf) == 1)
        return 0;
    if (inet_pton(AF_INET, host, buf) == 1)
        return mlf__value_error(err, pool, "An IPv4 address cannot be in brackets");
    return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "%s does not appear to be an IPv4 or IPv6 address",
                         mlf_pystr_repr(pool, host));
}

static int mlf__check_bracketed_netloc(mlf_pool *pool, const char *netloc, mlf_error *err)
{
    const char *at = strrchr(netloc, '@');
    const char *hp = at != NULL ? at + 1 : netloc;
    const char *open = strchr(hp, '[');
    char *host;
    if (open != NULL) {
        if (open != hp)
            return mlf__value_error(err, pool, "Invalid IPv6 URL");
        const char *close = strchr(open + 1, ']');
        if (close == NULL) {
            host = mlf_pool_strdup(pool, open + 1);
        } else {
            host = mlf_pool_strndup(pool, open + 1, (size_t)(close - open - 1));
            if (close[1] != '\0' && close[1] != ':')
                return mlf__value_error(err, pool, "Invalid IPv6 URL");
        }
    } else {
        const char *colon = strchr(hp, ':');
        host = colon != NULL ? mlf_pool_strndup(pool, hp, (size_t)(colon - hp)) : mlf_pool_strdup(pool, hp);
    }
    return mlf__check_bracketed_host(pool, host, err);
}

static int mlf__split(mlf_pool *pool, const char *url, bool split_params, mlf_url *ret, mlf_error *err)
{
    /* lstrip C0 controls and space, drop every tab, CR and LF */
    while (*url != '\0' && (unsigned char)*url <= 0x20)
        url++;
    size_t n = strlen(url);
    char *s = mlf_pool_alloc(pool, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (url[i] != '\t' && url[i] != '\r' && url[i] != '\n')
            s[k++] = url[i];
    s[k] = '\0';

    ret->scheme = ret->netloc = ret->path = ret->params = ret->query = ret->fragment = "";
    char *colon = strchr(s, ':');
    if (colon != NULL && colon > s && isalpha((unsigned char)s[0])) {
        char *c = s;
        while (c < colon && mlf__is_scheme_char(*c))
            c++;
        if (c == colon) {
            char *scheme = mlf_pool_strndup(pool, s, (size_t)(colon - s));
            for (char *p = scheme; *p != '\0'; p++)
                *p = (char)tolower((unsigned char)*p);
            ret->scheme = scheme;
            s = colon + 1;
        }
    }
    if (s[0] == '/' && s[1] == '/') {
        size_t len = strcspn(s + 2, "/?#");
        char *netloc = mlf_pool_strndup(pool, s + 2, len);
        s += 2 + len;
        bool has_open = strchr(netloc, '[') != NULL, has_close = strchr(netloc, ']') != NULL;
        if (has_open != has_close)
            return mlf__value_error(err, pool, "Invalid IPv6 URL");
        if (has_open) {
            int rc = mlf__check_bracketed_netloc(pool, netloc, err);
            if (rc < 0)
                return rc;
        }
        ret->netloc = netloc;
    }
    char *hash = strchr(s, '#');
    if (hash != NULL) {
        *hash = '\0';
        ret->fragment = hash + 1;
    }
    char *q = strchr(s, '?');
    if (q != NULL) {
        *q = '\0';
        ret->query = q + 1;
    }
    ret->path = s;
    if (split_params && mlf__in_list(mlf__uses_params, ret->scheme) && strchr(s, ';') != NULL) {
        char *semi;
        char *slash = strrchr(s, '/');
        if (slash != NULL)
            semi = strchr(slash, ';');
        else
            semi = strchr(s, ';');
        if (semi != NULL) {
            *semi = '\0';
            ret->params = semi + 1;
        }
    }
    return 0;
}

int mlf_uri_parse(mlf_pool *pool, const char *url, mlf_url *ret, mlf_error *err)
{
    return mlf__split(pool, url, true, ret, err);
}

int mlf_uri_split(mlf_pool *pool, const char *url, mlf_url *ret, mlf_error *err)
{
    return mlf__split(pool, url, false, ret, err);
}

char *mlf_uri_unparse(mlf_pool *pool, const mlf_url *u)
{
    mlf_buf path;
    mlf_buf_init(&path, pool, 64);
    mlf_buf_puts(&path, u->path);
    if (u->params[0] != '\0') {
        mlf_buf_putc(&path, ';');
        mlf_buf_puts(&path, u->params);
    }
    mlf_buf b;
    mlf_buf_init(&b, pool, path.len + 64);
    if (u->scheme[0] != '\0') {
        mlf_buf_puts(&b, u->scheme);
        mlf_buf_putc(&b, ':');
    }
    if (u->netloc[0] != '\0' ||
        (u->scheme[0] != '\0' && mlf__in_list(mlf__uses_netloc, u->scheme) && strncmp(path.data, "//", 2) != 0)) {
        mlf_buf_puts(&b, "//");
        mlf_buf_puts(&b, u->netloc);
        if (path.len > 0 && path.data[0] != '/')
            mlf_buf_putc(&b, '/');
    }
    mlf_buf_append(&b, path.data, path.len);
    if (u->query[0] != '\0') {
        mlf_buf_putc(&b, '?');
        mlf_buf_puts(&b, u->query);
    }
    if (u->fragment[0] != '\0') {
        mlf_buf_putc(&b, '#');
        mlf_buf_puts(&b, u->fragment);
    }
    return b.data;
}

const char *mlf_uri_hostname(mlf_pool *pool, const mlf_url *u)
{
    const char *at = strrchr(u->netloc, '@');
    const char *hostinfo = at != NULL ? at + 1 : u->netloc;
    const char *open = strchr(hostinfo, '[');
    char *host;
    if (open != NULL) {
        const char *close = strchr(open + 1, ']');
        host = close != NULL ? mlf_pool_strndup(pool, open + 1, (size_t)(close - open - 1))
                             : mlf_pool_strdup(pool, open + 1);
    } else {
        host = mlf_pool_strndup(pool, hostinfo, strcspn(hostinfo, ":"));
    }
    if (host[0] == '\0')
        return NULL;
    /* the zone after % keeps its case */
    for (char *p = host; *p != '\0' && *p != '%'; p++)
        *p = (char)tolower((unsigned char)*p);
    return host;
}

/* mlflow.utils.uri._decode: unquote until stable, at most 10 rounds. */
static int mlf__decode(mlf_pool *pool, const char *url, char **ret, mlf_error *err)
{
    for (int i = 0; i < 10; i++) {
        char *decoded = mlf_text_percent_decode(pool, url, strlen(url), MLF_TEXT_UTF8_REPLACE, NULL);
        mlf_url parts;
        int rc = mlf_uri_parse(pool, decoded, &parts, err);
        if (rc < 0)
            return rc;
        char *again = mlf_uri_unparse(pool, &parts);
        if (strcmp(again, url) == 0) {
            *ret = (char *)url;
            return 0;
        }
        url = again;
    }
    return mlf__value_error(err, pool, "Failed to decode url");
}

int mlf_uri_validate_query_string(mlf_pool *pool, const char *query, mlf_error *err)
{
    char *decoded = NULL;
    int rc = mlf__decode(pool, query, &decoded, err);
    if (rc < 0)
        return rc;
    if (strstr(decoded, "..") != NULL)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid query string");
    return 0;
}

int mlf_uri_is_local(mlf_pool *pool, const char *uri, bool *ret, mlf_error *err)
{
    mlf_url u;
    int rc = mlf_uri_parse(pool, uri, &u, err);
    if (rc < 0)
        return rc;
    if (u.scheme[0] == '\0') {
        *ret = true;
        return 0;
    }
    const char *host = mlf_uri_hostname(pool, &u);
    bool remote = host != NULL && !(strcmp(host, ".") == 0 || strncmp(host, "localhost", 9) == 0 ||
                                    strncmp(host, "127.0.0.1", 9) == 0);
    if (strcmp(u.scheme, "file") == 0) {
        if (remote)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                 "%s is not a valid remote uri. For remote access on windows, please consider using a "
                                 "different scheme such as SMB (e.g. smb://<hostname>/<path>).",
                                 uri);
        *ret = true;
        return 0;
    }
    *ret = false;
    return 0;
}

int mlf_uri_local_file_to_path(mlf_pool *pool, const char *uri, char **ret, mlf_error *err)
{
    const char *path = uri;
    if (strncmp(uri, "file:", 5) == 0) {
        mlf_url u;
        int rc = mlf_uri_parse(pool, uri, &u, err);
        if (rc < 0)
            return rc;
        path = u.path;
    }
    *ret = mlf_text_percent_decode(pool, path, strlen(path), MLF_TEXT_UTF8_REPLACE, NULL); /* url2pathname on POSIX */
    return 0;
}

/* pathlib: Path(base).joinpath(rel).as_posix() for an absolute base and a relative rel. */
static char *mlf__pathlib_join(mlf_pool *pool, const char *base, const char *rel)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, strlen(base) + strlen(rel) + 2);
    mlf_buf_puts(&b, base);
    const char *p = rel;
    while (*p != '\0') {
        size_t len = strcspn(p, "/");
        if (!(len == 0 || (len == 1 && p[0] == '.'))) {
            if (b.len == 0 || b.data[b.len - 1] != '/')
                mlf_buf_putc(&b, '/');
            mlf_buf_append(&b, p, len);
        }
        p += len;
        if (*p == '/')
            p++;
    }
    return b.data;
}

char *mlf_path_getcwd(mlf_pool *pool)
{
    char buf[PATH_MAX];
    if (getcwd(buf, sizeof(buf)) != NULL)
        return mlf_pool_strdup(pool, buf);
    const char *pwd = getenv("PWD");
    return mlf_pool_strdup(pool, pwd != NULL ? pwd : "/");
}

int mlf_uri_resolve_if_local(mlf_pool *pool, const char *uri, char **ret, mlf_error *err)
{
    bool local;
    int rc = mlf_uri_is_local(pool, uri, &local, err);
    if (rc < 0)
        return rc;
    *ret = (char *)uri;
    if (!local)
        return 0;
    mlf_url u;
    rc = mlf_uri_parse(pool, uri, &u, err);
    if (rc < 0)
        return rc;
    char *local_path;
    rc = mlf_uri_local_file_to_path(pool, uri, &local_path, err);
    if (rc < 0)
        return rc;
    if (local_path[0] == '/')
        return 0;
    char *joined = mlf__pathlib_join(pool, mlf_path_getcwd(pool), local_path);
    if (u.scheme[0] == '\0') {
        *ret = joined;
        return 0;
    }
    mlf_url s;
    rc = mlf_uri_split(pool, uri, &s, err);
    if (rc < 0)
        return rc;
    mlf_url out = {.scheme = s.scheme, .netloc = "", .path = joined, .params = "", .query = s.query,
                   .fragment = s.fragment};
    *ret = mlf_uri_unparse(pool, &out);
    return 0;
}

char *mlf_path_join(mlf_pool *pool, const char *a, const char *b)
{
    if (b[0] == '/')
        return mlf_pool_strdup(pool, b);
    size_t la = strlen(a);
    if (la == 0 || a[la - 1] == '/')
        return mlf_pool_sprintf(pool, "%s%s", a, b);
    return mlf_pool_sprintf(pool, "%s/%s", a, b);
}

/* mlflow.utils.uri._join_posixpaths_and_append_absolute_suffixes */
static char *mlf__join_append(mlf_pool *pool, const char *prefix, const char *suffix)
{
    if (prefix[0] == '\0')
        return mlf_pool_strdup(pool, suffix);
    while (*suffix == '/')
        suffix++;
    return mlf_path_join(pool, prefix, suffix);
}

int mlf_uri_append_path(mlf_pool *pool, const char *uri, const char *path, char **ret, mlf_error *err)
{
    char *sub = mlf__join_append(pool, "", path);
    mlf_url u;
    int rc = mlf_uri_parse(pool, uri, &u, err);
    if (rc < 0)
        return rc;
    rc = mlf_uri_validate_query_string(pool, u.query, err);
    if (rc < 0)
        return rc;
    if (u.scheme[0] == '\0') {
        *ret = mlf__join_append(pool, uri, sub);
        return 0;
    }
    const char *prefix = "";
    if (u.path[0] != '/') {
        /* urlunparse would turn a relative path absolute: keep the scheme outside */
        prefix = mlf_pool_sprintf(pool, "%s:", u.scheme);
        u.scheme = "";
    }
    u.path = mlf__join_append(pool, u.path, sub);
    *ret = mlf_pool_sprintf(pool, "%s%s", prefix, mlf_uri_unparse(pool, &u));
    return 0;
}

char *mlf_path_normpath(mlf_pool *pool, const char *path)
{
    if (path[0] == '\0')
        return mlf_pool_strdup(pool, ".");
    int initial = 0;
    if (path[0] == '/') {
        initial = 1;
        if (path[1] == '/' && path[2] != '/')
            initial = 2;
    }
    size_t n = strlen(path);
    /* component start/length pairs */
    const char **comp = MLF_NEW_ARRAY(pool, const char *, n + 1);
    size_t *clen = MLF_NEW_ARRAY(pool, size_t, n + 1);
    size_t nc = 0;
    const char *p = path;
    for (;;) {
        size_t len = strcspn(p, "/");
        bool dot = len == 1 && p[0] == '.';
        bool dotdot = len == 2 && p[0] == '.' && p[1] == '.';
        if (len == 0 || dot) {
            /* skip */
        } else if (!dotdot || (initial == 0 && nc == 0) ||
                   (nc > 0 && clen[nc - 1] == 2 && comp[nc - 1][0] == '.' && comp[nc - 1][1] == '.')) {
            comp[nc] = p;
            clen[nc] = len;
            nc++;
        } else if (nc > 0) {
            nc--;
        }
        p += len;
        if (*p == '\0')
            break;
        p++;
    }
    mlf_buf b;
    mlf_buf_init(&b, pool, n + 2);
    for (int i = 0; i < initial; i++)
        mlf_buf_putc(&b, '/');
    for (size_t i = 0; i < nc; i++) {
        if (i > 0)
            mlf_buf_putc(&b, '/');
        mlf_buf_append(&b, comp[i], clen[i]);
    }
    if (b.len == 0)
        mlf_buf_putc(&b, '.');
    return b.data;
}
