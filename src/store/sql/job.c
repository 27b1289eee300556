/*
 * The jobs table (MLflow's job store, mlflow/store/jobs/sqlalchemy_store.py):
 * mlflow-c never submits nor runs jobs, so it only looks rows up, for the job
 * routes' not-found answers (server/route_jobs.c).
 */
#include "store/sql/sql.h"

typedef struct {
    const char *job_id; /* NULL: any job */
    bool *found;
} mlf__job_args;

static int mlf__job_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__job_args *a = arg;
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             a->job_id != NULL ? "SELECT 1 FROM jobs WHERE id = ?" : "SELECT 1 FROM jobs LIMIT 1", &st,
                             err);
    if (rc < 0)
        return rc;
    if (a->job_id != NULL)
        mlf_sql_bind_text(st, 1, a->job_id);
    rc = mlf_sql_step(st);
    *a->found = rc == MLF_SQL_ROW;
    mlf_sql_reset(st);
    return rc == MLF_SQL_ROW || rc == MLF_SQL_DONE ? 0 : mlf_sql_error(pool, c, rc, err);
}

int mlf_store_job_exists(mlf_store *store, mlf_pool *pool, const char *job_id, bool *ret, mlf_error *err)
{
    mlf__job_args a = {job_id, ret};
    return mlf_sql_in_read((mlf_sql_store *)store, pool, mlf__job_tx, &a, err);
}
