/*
 * MLflow's schema on PostgreSQL: created on an empty database (the DDL of
 * schema_ddl.c, then the alembic revision), refused at another revision
 * with MLflow's message.
 */
#include "store/postgres/postgres.h"

#include <string.h>

static int mlf__schema_mismatch(mlf_pg_store *s, mlf_pool *pool, const char *found, mlf_error *err)
{
    /* MLflow's _verify_schema message, pointing at our upgrade command */
    return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                         "Detected out-of-date database schema (found version %s, but expected %s). Take a backup of "
                         "your database, then run 'mlflow-c db upgrade %s' to migrate your database to the latest "
                         "schema. NOTE: schema migration may result in database downtime - please consult your "
                         "database's documentation for more detail.",
                         found, MLF_PG_SCHEMA_REVISION, s->uri);
}

int mlf_pg_schema_init(mlf_pg_store *s, mlf_pg_conn *c, mlf_pool *pool, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_pg_prepare(c, pool,
                            "SELECT count(*), count(*) FILTER (WHERE table_name = 'alembic_version') "
                            "FROM information_schema.tables WHERE table_schema = current_schema()",
                            &st, err);
    if (rc < 0)
        return rc;
    rc = mlf_sql_step(st);
    if (rc != MLF_SQL_ROW)
        return mlf_pg_error(pool, c, rc, err);
    int64_t n_tables = mlf_sql_column_int64(st, 0);
    int64_t has_alembic = mlf_sql_column_int64(st, 1);
    mlf_sql_reset(st);
    if (n_tables == 0) {
        for (size_t i = 0; i < mlf_pg_schema_ddl_count; i++) {
            rc = mlf_pg_exec(c, pool, mlf_pg_schema_ddl[i], err);
            if (rc < 0)
                return rc;
        }
        return mlf_pg_exec(c, pool, "INSERT INTO alembic_version (version_num) VALUES ('" MLF_PG_SCHEMA_REVISION "')",
                           err);
    }
    if (has_alembic == 0)
        return mlf__schema_mismatch(s, pool, "None", err);
    rc = mlf_pg_prepare(c, pool, "SELECT version_num FROM alembic_version", &st, err);
    if (rc < 0)
        return rc;
    rc = mlf_sql_step(st);
    if (rc != MLF_SQL_ROW && rc != MLF_SQL_DONE)
        return mlf_pg_error(pool, c, rc, err);
    char *found = rc == MLF_SQL_ROW ? mlf_sql_column_text_dup(pool, st, 0) : NULL;
    mlf_sql_reset(st);
    if (found == NULL || strcmp(found, MLF_PG_SCHEMA_REVISION) != 0)
        return mlf__schema_mismatch(s, pool, found != NULL ? found : "None", err);
    return 0;
}
