/*
 * MLflow's schema on PostgreSQL: created on an empty database (the DDL of
 * schema_ddl.c, then the alembic revision), refused at another revision
 * with MLflow's message.
 */
#include "store/postgres/postgres.h"

int mlf_pg_schema_init(mlf_pg_store *s, mlf_pg_conn *c, mlf_pool *pool, mlf_error *err)
{
    return mlf_sql_schema_init(&c->head, pool, s->uri,
                               "SELECT count(*), count(*) FILTER (WHERE table_name = 'alembic_version') "
                               "FROM information_schema.tables WHERE table_schema = current_schema()",
                               mlf_pg_schema_ddl, mlf_pg_schema_ddl_count, err);
}
