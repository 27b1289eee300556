/*
 * MLflow's schema on SQLite: created on an empty database (the statements of
 * schema_ddl.c, generated from what MLflow itself creates, then the alembic
 * revision), refused at another revision with MLflow's message.
 */
#include "store/sqlite/sqlite.h"

int mlf_sqlite_schema_init(mlf_sqlite_store *s, mlf_sqlite_conn *c, mlf_pool *pool, mlf_error *err)
{
    return mlf_sql_schema_init(&c->head, pool, s->uri,
                               "SELECT count(*), sum(name = 'alembic_version') FROM sqlite_master "
                               "WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                               mlf_sqlite_schema_ddl, mlf_sqlite_schema_ddl_count, err);
}
