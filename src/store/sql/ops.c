/*
 * What every SQL backend shares when it opens: the common head of its store
 * (its mlf_store_ops, dialect, artifact root, write queue) and the schema
 * check.
 */
#include "store/sql/sql.h"

#include <stdlib.h>
#include <string.h>

#include "store/uri.h"

/* Resolves the artifact root as SqlAlchemyStore.__init__ does. MLflow 3.18's store no longer creates
   a local root here (a server in a read-only container whose artifacts live elsewhere must start);
   the local artifact repository makes the directories when the first artifact is written. */
int mlf_sql_artifact_root(mlf_pool *pool, const char *root, char **ret, mlf_error *err)
{
    return mlf_uri_resolve_if_local(pool, root, ret, err);
}

int mlf_sql_store_init(mlf_sql_store *s, const mlf_store_ops *ops, mlf_sql_dialect dialect,
                       const mlf_store_config *config, mlf_pool *pool, mlf_error *err)
{
    const char *root =
        config != NULL && config->default_artifact_root != NULL ? config->default_artifact_root : "./mlruns";
    pthread_mutex_init(&s->queue_mu, NULL);
    char *resolved;
    int rc = mlf_sql_artifact_root(pool, root, &resolved, err);
    if (rc < 0)
        return rc;
    s->base.ops = ops;
    s->dialect = dialect;
    s->artifact_root = strdup(resolved);
    if (s->artifact_root == NULL)
        abort();
    return 0;
}

void mlf_sql_store_fini(mlf_sql_store *s)
{
    pthread_mutex_destroy(&s->queue_mu);
}

/* MLflow's _verify_schema message, pointing at our upgrade command */
static int mlf__schema_mismatch(mlf_pool *pool, const char *display_uri, const char *found, mlf_error *err)
{
    return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                         "Detected out-of-date database schema (found version %s, but expected %s). Take a backup of "
                         "your database, then run 'mlflow-c db upgrade %s' to migrate your database to the latest "
                         "schema. NOTE: schema migration may result in database downtime - please consult your "
                         "database's documentation for more detail.",
                         found, MLF_SQL_SCHEMA_REVISION, display_uri);
}

int mlf_sql_schema_init(mlf_sql_conn *c, mlf_pool *pool, const char *display_uri, const char *tables_sql,
                        const char *const *ddl, size_t n_ddl, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, tables_sql, &st, err);
    if (rc < 0)
        return rc;
    rc = mlf_sql_step(st);
    if (rc != MLF_SQL_ROW)
        return mlf_sql_error(pool, c, rc, err);
    int64_t n_tables = mlf_sql_column_int64(st, 0);
    int64_t has_alembic = mlf_sql_column_int64(st, 1);
    mlf_sql_reset(st);
    if (n_tables == 0) {
        for (size_t i = 0; i < n_ddl; i++) {
            rc = mlf_sql_exec(c, pool, ddl[i], err);
            if (rc < 0)
                return rc;
        }
        return mlf_sql_exec(c, pool, "INSERT INTO alembic_version (version_num) VALUES ('" MLF_SQL_SCHEMA_REVISION "')",
                            err);
    }
    if (has_alembic == 0)
        return mlf__schema_mismatch(pool, display_uri, "None", err);
    rc = mlf_sql_prepare(c, pool, "SELECT version_num FROM alembic_version", &st, err);
    if (rc < 0)
        return rc;
    rc = mlf_sql_step(st);
    if (rc != MLF_SQL_ROW && rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    char *found = rc == MLF_SQL_ROW ? mlf_sql_column_text_dup(pool, st, 0) : NULL;
    mlf_sql_reset(st);
    if (found == NULL || strcmp(found, MLF_SQL_SCHEMA_REVISION) != 0)
        return mlf__schema_mismatch(pool, display_uri, found != NULL ? found : "None", err);
    return 0;
}
