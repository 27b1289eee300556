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

/** mlf_db_current on the SQLite file at path (writes nothing, but rolls back a hot journal as any reader). */
int mlf_sqlite_db_current(const char *path, mlf_pool *pool, const char **ret, mlf_error *err);

#endif
