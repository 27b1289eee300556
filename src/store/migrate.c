/*
 * The dialect-neutral half of `db upgrade`: MLflow's revision chain and the
 * choice of backend from the store URI.
 */
#include "store/migrate.h"

#include <stdlib.h>
#include <string.h>

#include "store/postgres/postgres.h"
#include "store/sqlite/migrate.h"
#include "store/store.h"

const mlf_migration mlf_migrations[] = {
#define MLF_MIGRATION(rev, down, title) {#rev, down, title},
#include "store/migrations.def"
#undef MLF_MIGRATION
};

const size_t mlf_migrations_count = sizeof(mlf_migrations) / sizeof(mlf_migrations[0]);

int mlf_migration_index(const char *revision)
{
    for (size_t i = 0; revision != NULL && i < mlf_migrations_count; i++)
        if (strcmp(mlf_migrations[i].revision, revision) == 0)
            return (int)i;
    return -1;
}

static bool mlf__has_dialect(const char *uri, const char *dialect)
{
    size_t n = strlen(dialect);
    return strncmp(uri, dialect, n) == 0 && (uri[n] == ':' || uri[n] == '+');
}

/* The file of a SQLAlchemy SQLite URL (sqlite:///relative, sqlite:////absolute), as the store reads it. */
static int mlf__sqlite_file(const char *uri, mlf_pool *pool, char **ret, mlf_error *err)
{
    const char *rest = strchr(uri, ':') + 1;
    if (strncmp(rest, "//", 2) != 0 || strcspn(rest + 2, "/?") != 0)
        goto bad;
    rest += 2;
    char *path = mlf_pool_strndup(pool, rest, strcspn(rest, "?"));
    if (path[0] == '/')
        path++;
    if (path[0] == '\0' || strcmp(path, ":memory:") == 0) {
        mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "'%s' is an in-memory database: nothing to upgrade",
                      uri);
        return MLF_MIGRATE_EUSAGE;
    }
    *ret = path;
    return 0;
bad:
    mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                  "unsupported backend store URI '%s': a SQLite URI is sqlite:///<relative path> or "
                  "sqlite:////<absolute path>",
                  uri);
    return MLF_MIGRATE_EUSAGE;
}

static bool mlf__is_pg(const char *uri)
{
    return uri != NULL && (mlf__has_dialect(uri, "postgresql") || mlf__has_dialect(uri, "postgres"));
}

static int mlf__dispatch(const char *uri, mlf_pool *pool, char **ret_file, mlf_error *err)
{
    if (uri == NULL || uri[0] == '\0') {
        mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "no backend store URI given");
        return MLF_MIGRATE_EUSAGE;
    }
    if (mlf__has_dialect(uri, "sqlite"))
        return mlf__sqlite_file(uri, pool, ret_file, err);
    mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                  "unsupported backend store URI '%s': supported are sqlite:///<path> and "
                  "postgresql://<user>:<password>@<host>:<port>/<database>",
                  uri);
    return MLF_MIGRATE_EUSAGE;
}

int mlf_db_upgrade(const char *backend_store_uri, const mlf_migrate_options *opts, mlf_pool *pool,
                   const char **ret_from, int *ret_steps, mlf_error *err)
{
    char *file;
    *ret_from = NULL;
    *ret_steps = 0;
    if (mlf__is_pg(backend_store_uri)) {
        char *conninfo = mlf_pg_conninfo(backend_store_uri);
        int rc =
            mlf_pg_db_upgrade(conninfo, mlf_store_redact_uri(pool, backend_store_uri), opts, pool, ret_from, ret_steps,
                              err);
        free(conninfo);
        return rc;
    }
    int rc = mlf__dispatch(backend_store_uri, pool, &file, err);
    if (rc < 0)
        return rc;
    return mlf_sqlite_db_upgrade(file, opts, pool, ret_from, ret_steps, err);
}

int mlf_db_current(const char *backend_store_uri, mlf_pool *pool, const char **ret, mlf_error *err)
{
    char *file;
    if (mlf__is_pg(backend_store_uri)) {
        char *conninfo = mlf_pg_conninfo(backend_store_uri);
        int rc = mlf_pg_db_current(conninfo, mlf_store_redact_uri(pool, backend_store_uri), pool, ret, err);
        free(conninfo);
        return rc;
    }
    int rc = mlf__dispatch(backend_store_uri, pool, &file, err);
    if (rc < 0)
        return rc;
    return mlf_sqlite_db_current(file, pool, ret, err);
}
