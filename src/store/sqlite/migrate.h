/*
 * The SQLite half of `db upgrade` (see store/migrate.h), called with the
 * database file the URI names.
 */
#ifndef MLF_STORE_SQLITE_MIGRATE_H
#define MLF_STORE_SQLITE_MIGRATE_H

#include "store/migrate.h"

/** mlf_db_upgrade on the SQLite file at path. */
int mlf_sqlite_db_upgrade(const char *path, const mlf_migrate_options *opts, mlf_pool *pool, const char **ret_from,
                          int *ret_steps, mlf_error *err);

/** One change a revision makes to the schema: '+' create, '~' change (tables are rebuilt), '-' drop. */
typedef struct mlf_sqlite_chain_op {
    char op;
    const char *type;  /** "table", "index" or "trigger" */
    const char *name;
    const char *table; /** the table an index or trigger belongs to */
    const char *sql;   /** the text MLflow leaves in sqlite_master; NULL for '-' */
} mlf_sqlite_chain_op;

/** The schema changes of one revision of the chain (chain_ddl.c, generated). */
typedef struct mlf_sqlite_chain_step {
    const char *revision;
    const mlf_sqlite_chain_op *ops;
    size_t n_ops;
} mlf_sqlite_chain_step;

/** The schema at bf29a5ff90ea (chain_ddl.c): the text the steps up to there create. */
extern const char *const mlf_sqlite_base_ddl[];
extern const size_t mlf_sqlite_base_ddl_count;

/** The revisions after bf29a5ff90ea, in chain order (chain_ddl.c). */
extern const mlf_sqlite_chain_step mlf_sqlite_chain[];
extern const size_t mlf_sqlite_chain_count;

/** mlf_db_current on the SQLite file at path (writes nothing, but rolls back a hot journal as any reader). */
int mlf_sqlite_db_current(const char *path, mlf_pool *pool, const char **ret, mlf_error *err);

#endif
