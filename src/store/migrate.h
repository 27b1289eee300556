/*
 * `mlflow-c db upgrade` / `db current`: brings a database written by any
 * MLflow version to the schema we serve (alembic head f4a9b2c7d1e6, MLflow
 * 3.18.0), one
 * revision of MLflow's chain at a time (migrations.def), each step doing to
 * schema and data what MLflow's migration of that revision does.
 *
 * The chain is dialect-neutral; each backend supplies one step function per
 * revision (SQLite: store/sqlite/migrate.c). PostgreSQL adds its own file
 * with the same list.
 */
#ifndef MLF_STORE_MIGRATE_H
#define MLF_STORE_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/error.h"
#include "core/pool.h"

/** One revision of MLflow's alembic chain. */
typedef struct mlf_migration {
    const char *revision;
    const char *down_revision; /** "" for the root */
    const char *title;
} mlf_migration;

/** The chain, oldest first (migrations.def). */
extern const mlf_migration mlf_migrations[];
extern const size_t mlf_migrations_count;

/** Position of revision in the chain, or -1 when it is not in it. */
int mlf_migration_index(const char *revision);

typedef struct mlf_migrate_options {
    bool no_backup; /** SQLite: skip the `<file>.bak-<revision>` copy */
    FILE *log;      /** one line per step applied (NULL: quiet) */
} mlf_migrate_options;

/** Error codes (the error struct says more); the CLI turns them into exit statuses. */
enum {
    MLF_MIGRATE_EUSAGE = -2,   /** bad or unsupported URI */
    MLF_MIGRATE_EREFUSED = -3, /** the database is not one we can upgrade; nothing was written */
    MLF_MIGRATE_EFAILED = -4,  /** a step failed; the database is at the last revision that completed */
};

/**
 * Upgrades the database at backend_store_uri to the head, one revision per
 * transaction (a failure or a kill leaves it at the last revision reached).
 * Refuses, writing nothing, a file that is not a database, a database that
 * is not MLflow's, a revision not in the chain or newer than ours, and a
 * read-only file. *ret_from gets the revision found ("None" before the
 * root), *ret_steps the number of steps applied (0: already at the head).
 */
int mlf_db_upgrade(const char *backend_store_uri, const mlf_migrate_options *opts, mlf_pool *pool,
                   const char **ret_from, int *ret_steps, mlf_error *err);

/** The revision of the database ("None" for MLflow tables without alembic_version); writes nothing. */
int mlf_db_current(const char *backend_store_uri, mlf_pool *pool, const char **ret, mlf_error *err);

#endif
