/*
 * `mlflow-c db current` and `db upgrade` on PostgreSQL. The revision is read
 * as on SQLite; a database at our head has nothing to do. The PostgreSQL
 * dialect of the chain's steps is not written yet: a database at an older
 * revision is refused, with nothing written, and pointed at MLflow's own
 * `mlflow db upgrade`, after which mlflow-c serves it.
 */
#include "store/postgres/postgres.h"

#include <string.h>

#include "store/migrate.h"

/* The revision of the database at conninfo: alembic_version's, "None" for MLflow's tables without it. */
static int mlf__revision(const char *conninfo, const char *display, mlf_pool *pool, const char **ret, mlf_error *err)
{
    PGconn *pg = mlf_pg_connect(conninfo);
    if (PQstatus(pg) != CONNECTION_OK) {
        /* one line: libpq's message continues on indented lines */
        char *why = mlf_pool_strdup(pool, PQerrorMessage(pg));
        for (char *p = why; *p != '\0'; p++)
            if (*p == '\n' || *p == '\t')
                *p = ' ';
        size_t n = strlen(why);
        while (n > 0 && why[n - 1] == ' ')
            why[--n] = '\0';
        mlf_error_set(err, pool, MLF_ERR_TEMPORARILY_UNAVAILABLE, "could not connect to %s: %s", display, why);
        PQfinish(pg);
        return MLF_MIGRATE_EREFUSED;
    }
    int rc = 0;
    PGresult *res = PQexec(pg, "SELECT count(*) FILTER (WHERE table_name = 'alembic_version'), "
                               "count(*) FILTER (WHERE table_name = 'experiments') "
                               "FROM information_schema.tables WHERE table_schema = current_schema()");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "%s: %s", display, PQresultErrorMessage(res));
    } else if (strcmp(PQgetvalue(res, 0, 1), "0") == 0) {
        mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "%s is not an MLflow database (no experiments table)",
                      display);
        rc = MLF_MIGRATE_EREFUSED;
    } else if (strcmp(PQgetvalue(res, 0, 0), "0") == 0) {
        *ret = "None";
    } else {
        PQclear(res);
        res = PQexec(pg, "SELECT version_num FROM alembic_version");
        if (PQresultStatus(res) != PGRES_TUPLES_OK)
            rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "%s: %s", display, PQresultErrorMessage(res));
        else
            *ret = PQntuples(res) > 0 ? mlf_pool_strdup(pool, PQgetvalue(res, 0, 0)) : "None";
    }
    PQclear(res);
    PQfinish(pg);
    return rc < 0 && rc != MLF_MIGRATE_EREFUSED ? MLF_MIGRATE_EREFUSED : rc;
}

int mlf_pg_db_current(const char *conninfo, const char *display, mlf_pool *pool, const char **ret, mlf_error *err)
{
    return mlf__revision(conninfo, display, pool, ret, err);
}

int mlf_pg_db_upgrade(const char *conninfo, const char *display, mlf_pool *pool, const char **ret_from, int *ret_steps,
                      mlf_error *err)
{
    *ret_steps = 0;
    int rc = mlf__revision(conninfo, display, pool, ret_from, err);
    if (rc < 0)
        return rc;
    if (strcmp(*ret_from, MLF_SQL_SCHEMA_REVISION) == 0)
        return 0;
    if (strcmp(*ret_from, "None") != 0 && mlf_migration_index(*ret_from) < 0) {
        mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                      "%s is at revision %s, which is not in MLflow's migration chain up to %s", display, *ret_from,
                      MLF_SQL_SCHEMA_REVISION);
        return MLF_MIGRATE_EREFUSED;
    }
    mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                  "%s is at revision %s; mlflow-c upgrades only SQLite databases so far. Run MLflow's "
                  "`mlflow db upgrade %s` (MLflow 3.18) on it, then mlflow-c serves it. Nothing was written.",
                  display, *ret_from, display);
    return MLF_MIGRATE_EREFUSED;
}
