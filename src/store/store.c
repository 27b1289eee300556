/*
 * Backend dispatch on the store URI.
 */
#include "store/store.h"

#include <string.h>

#include "store/postgres/postgres.h"
#include "store/sqlite/sqlite.h"

/* The URI with any password replaced, fit for an error message. */
const char *mlf_store_redact_uri(mlf_pool *pool, const char *uri)
{
    const char *sep = strstr(uri, "://");
    if (sep == NULL)
        return uri;
    const char *auth = sep + 3;
    size_t auth_len = strcspn(auth, "/?#");
    const char *at = NULL;
    for (const char *p = auth; p < auth + auth_len; p++)
        if (*p == '@')
            at = p;
    if (at == NULL)
        return uri;
    const char *colon = memchr(auth, ':', (size_t)(at - auth));
    if (colon == NULL)
        return uri;
    return mlf_pool_sprintf(pool, "%.*s***%s", (int)(colon + 1 - uri), uri, at);
}

/* True when uri starts with `<dialect>:` or `<dialect>+<driver>:`. */
static bool mlf__has_dialect(const char *uri, const char *dialect)
{
    size_t n = strlen(dialect);
    return strncmp(uri, dialect, n) == 0 && (uri[n] == ':' || uri[n] == '+');
}

/*
 * SQLAlchemy's SQLite URLs: sqlite:// and sqlite:///:memory: are in-memory,
 * sqlite:///relative/path and sqlite:////absolute/path name a file. The
 * query string (SQLAlchemy connect arguments) is ignored.
 */
static int mlf__open_sqlite(const char *uri, const mlf_store_config *config, mlf_pool *pool, mlf_store **ret,
                            mlf_error *err)
{
    const char *rest = strchr(uri, ':') + 1;
    if (strncmp(rest, "//", 2) != 0)
        goto bad;
    rest += 2;
    size_t host_len = strcspn(rest, "/?");
    if (host_len != 0)
        goto bad; /* no host part in a SQLite URL */
    char *path = mlf_pool_strndup(pool, rest, strcspn(rest, "?"));
    if (path[0] == '/')
        path++;
    if (path[0] == '\0' || strcmp(path, ":memory:") == 0)
        return mlf_sqlite_store_open(uri, NULL, config, pool, ret, err);
    return mlf_sqlite_store_open(uri, path, config, pool, ret, err);
bad:
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "unsupported backend store URI '%s': a SQLite URI is sqlite:///<relative path>, "
                         "sqlite:////<absolute path> or sqlite:// (in-memory)",
                         mlf_store_redact_uri(pool, uri));
}

int mlf_store_open(const char *uri, const mlf_store_config *config, mlf_pool *pool, mlf_store **ret, mlf_error *err)
{
    if (uri == NULL || uri[0] == '\0')
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "unsupported backend store URI ''");
    if (mlf__has_dialect(uri, "sqlite"))
        return mlf__open_sqlite(uri, config, pool, ret, err);
    if (mlf__has_dialect(uri, "postgresql") || mlf__has_dialect(uri, "postgres"))
        return mlf_pg_store_open(uri, mlf_store_redact_uri(pool, uri), config, pool, ret, err);
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "unsupported backend store URI '%s': supported are sqlite:///<path>, sqlite:// (in-memory) "
                         "and postgresql://<user>:<password>@<host>:<port>/<database>",
                         mlf_store_redact_uri(pool, uri));
}

void mlf_store_destroy(mlf_store *store)
{
    if (store == NULL)
        return;
    store->ops->destroy(store);
}
