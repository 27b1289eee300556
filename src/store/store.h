/*
 * The store interface: one function table per backend (SQLite now,
 * PostgreSQL later). Service code calls only these; SQL dialect details stay
 * inside src/store/<backend>/. Entities are the protobuf-c messages of
 * service.proto / model_registry.proto, allocated from the caller's pool.
 *
 * Every function returns 0 or a negative code with MLflow's error in err.
 * Store functions are safe to call from many threads at once.
 */
#ifndef MLF_STORE_STORE_H
#define MLF_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/pool.h"
#include "search/search.h"
#include "service.pb-c.h"

typedef struct mlf_store mlf_store;

/** What a store needs to know at open time. */
typedef struct mlf_store_config {
    /** Root under which experiments without an artifact_location get `<root>/<id>`. */
    const char *default_artifact_root;
} mlf_store_config;

/** The result of a search: items from the pool and the next page's token (NULL when last page). */
typedef struct mlf_store_experiment_page {
    Mlflow__Experiment **experiments;
    size_t n;
    const char *next_page_token;
} mlf_store_experiment_page;

typedef struct mlf_store_ops {
    const char *backend; /** "sqlite", "postgresql" */
    void (*destroy)(mlf_store *store);

    /* experiments (mirrors SqlAlchemyStore's experiment methods) */
    int (*create_experiment)(mlf_store *store, mlf_pool *pool, const char *name, const char *artifact_location,
                             Mlflow__ExperimentTag *const *tags, size_t n_tags, const char **ret_id, mlf_error *err);
    int (*get_experiment)(mlf_store *store, mlf_pool *pool, const char *experiment_id, Mlflow__Experiment **ret,
                          mlf_error *err);
    /** *ret is NULL when no experiment has that name. */
    int (*get_experiment_by_name)(mlf_store *store, mlf_pool *pool, const char *name, Mlflow__Experiment **ret,
                                  mlf_error *err);
    int (*delete_experiment)(mlf_store *store, mlf_pool *pool, const char *experiment_id, mlf_error *err);
    int (*restore_experiment)(mlf_store *store, mlf_pool *pool, const char *experiment_id, mlf_error *err);
    int (*rename_experiment)(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *new_name,
                             mlf_error *err);
    int (*set_experiment_tag)(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *key,
                              const char *value, mlf_error *err);
    int (*delete_experiment_tag)(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *key,
                                 mlf_error *err);
    int (*search_experiments)(mlf_store *store, mlf_pool *pool, Mlflow__ViewType view_type, int64_t max_results,
                              const mlf_search_clause *clauses, size_t n_clauses, const mlf_search_order *orders,
                              size_t n_orders, int64_t offset, mlf_store_experiment_page *ret, mlf_error *err);
} mlf_store_ops;

struct mlf_store {
    const mlf_store_ops *ops;
};

/**
 * Opens the store named by uri (`sqlite:///path`, `sqlite:////abs/path`,
 * `sqlite://` for in-memory), creating MLflow's schema on an empty database
 * and refusing one at another alembic revision. On failure returns a negative
 * code with the reason in err (message from pool).
 */
int mlf_store_open(const char *uri, const mlf_store_config *config, mlf_pool *pool, mlf_store **ret, mlf_error *err);
/** Closes the store; NULL is a no-op. */
void mlf_store_destroy(mlf_store *store);

#endif
