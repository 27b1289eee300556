/*
 * Experiments on both backends, mirroring SqlAlchemyStore's experiment methods
 * (mlflow/store/tracking/sqlalchemy_store.py at MLflow 3.6): same SQL
 * effects, same errors and messages. Validation of names, tags and artifact
 * locations is the caller's (service/validate.h), as MLflow does it before
 * touching the database.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store/pystr.h"
#include "store/sql/assessment.h"
#include "store/sql/sql.h"
#include "store/uri.h"

#define MLF__EXP_COLUMNS                                                                                               \
    "e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, e.creation_time, e.last_update_time"
/* SEARCH_MAX_RESULTS_THRESHOLD */
#define MLF__SEARCH_MAX_RESULTS 50000

static mlf_sql_store *mlf__store(mlf_store *store)
{
    return (mlf_sql_store *)store;
}

/* LifecycleStage.view_type_to_stages: up to two stages, NULL when absent. */
static void mlf__stages(Mlflow__ViewType view_type, const char **a, const char **b)
{
    *a = *b = NULL;
    if (view_type == MLFLOW__VIEW_TYPE__ACTIVE_ONLY || view_type == MLFLOW__VIEW_TYPE__ALL)
        *a = "active";
    if (view_type == MLFLOW__VIEW_TYPE__DELETED_ONLY || view_type == MLFLOW__VIEW_TYPE__ALL)
        *b = "deleted";
}

/* _parse_experiment_id: int(experiment_id), a ValueError reported as an invalid parameter. */
static int mlf__parse_id(mlf_sql_conn *c, mlf_pool *pool, const char *raw, int64_t *ret, mlf_error *err)
{
    int rc = mlf_pystr_parse_int(raw != NULL ? raw : "", ret);
    if (rc != -1 && mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES) {
        *ret = mlf_sql_pg_unmatched_id(*ret, rc == -2);
        return 0;
    }
    if (rc == -1)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid experiment ID '%s'. Experiment ID must be a valid integer.",
                             raw != NULL ? raw : "");
    if (rc == -2) /* Python parses it, then the sqlite3 driver's OverflowError surfaces as is */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "Python int too large to convert to SQLite INTEGER");
    return 0;
}

/* Builds an Experiment from a row of MLF__EXP_COLUMNS starting at column 0. */
static Mlflow__Experiment *mlf__row_to_experiment(mlf_pool *pool, mlf_sql_stmt *st)
{
    Mlflow__Experiment *e = MLF_NEW(pool, Mlflow__Experiment);
    mlflow__experiment__init(e);
    e->experiment_id = mlf_pool_sprintf(pool, "%" PRId64, (int64_t)mlf_sql_column_int64(st, 0));
    e->name = mlf_sql_column_text_dup(pool, st, 1);
    e->artifact_location = mlf_sql_column_text_dup(pool, st, 2);
    e->lifecycle_stage = mlf_sql_column_text_dup(pool, st, 3);
    /* workspaces are off: every experiment is in MLflow's default workspace */
    e->workspace = (char *)"default";
    /* Experiment.to_proto sets the times only when truthy */
    int64_t t = mlf_sql_column_int64(st, 4);
    if (t != 0) {
        e->has_creation_time = 1;
        e->creation_time = t;
    }
    t = mlf_sql_column_int64(st, 5);
    if (t != 0) {
        e->has_last_update_time = 1;
        e->last_update_time = t;
    }
    return e;
}

static Mlflow__ExperimentTag *mlf__new_tag(mlf_pool *pool, mlf_sql_stmt *st, int col)
{
    Mlflow__ExperimentTag *t = MLF_NEW(pool, Mlflow__ExperimentTag);
    mlflow__experiment_tag__init(t);
    t->key = mlf_sql_column_text_dup(pool, st, col);
    t->value = mlf_sql_column_text_dup(pool, st, col + 1);
    return t;
}

static int mlf__load_tags(mlf_sql_conn *c, mlf_pool *pool, int64_t id, Mlflow__Experiment *e, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(
        c, pool, "SELECT \"key\", value FROM experiment_tags WHERE experiment_id = ? ORDER BY rowid", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_int64(st, 1, id);
    size_t cap = 0;
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        if (e->n_tags == cap) {
            cap = cap == 0 ? 8 : cap * 2;
            Mlflow__ExperimentTag **grown = MLF_NEW_ARRAY(pool, Mlflow__ExperimentTag *, cap);
            if (e->n_tags > 0)
                memcpy(grown, e->tags, e->n_tags * sizeof(*grown));
            e->tags = grown;
        }
        e->tags[e->n_tags++] = mlf__new_tag(pool, st, 0);
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    return 0;
}

/*
 * SqlAlchemyStore._get_experiment: `experiment_id or "0"`, int() of it, and
 * RESOURCE_DOES_NOT_EXIST unless its lifecycle stage is one of view_type's.
 */
static int mlf__fetch(mlf_sql_conn *c, mlf_pool *pool, const char *experiment_id, Mlflow__ViewType view_type,
                      bool with_tags, Mlflow__Experiment **ret, int64_t *ret_id, mlf_error *err)
{
    const char *id_text = experiment_id != NULL && experiment_id[0] != '\0' ? experiment_id : "0";
    int64_t id;
    int rc = mlf__parse_id(c, pool, id_text, &id, err);
    if (rc < 0)
        return rc;
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool,
                         "SELECT " MLF__EXP_COLUMNS " FROM experiments AS e "
                         "WHERE e.experiment_id = ? AND e.lifecycle_stage IN (?, ?)",
                         &st, err);
    if (rc < 0)
        return rc;
    const char *a, *b;
    mlf__stages(view_type, &a, &b);
    mlf_sql_bind_int64(st, 1, id);
    mlf_sql_bind_text(st, 2, a);
    mlf_sql_bind_text(st, 3, b);
    rc = mlf_sql_step(st);
    if (rc == MLF_SQL_DONE)
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No Experiment with id=%s exists", id_text);
    if (rc != MLF_SQL_ROW)
        return mlf_sql_error(pool, c, rc, err);
    Mlflow__Experiment *e = mlf__row_to_experiment(pool, st);
    mlf_sql_reset(st);
    if (with_tags) {
        rc = mlf__load_tags(c, pool, id, e, err);
        if (rc < 0)
            return rc;
    }
    *ret = e;
    if (ret_id != NULL)
        *ret_id = id;
    return 0;
}

/* SqlAlchemyStore._check_experiment_is_active */
static int mlf__check_active(mlf_pool *pool, const Mlflow__Experiment *e, mlf_error *err)
{
    if (e->lifecycle_stage != NULL && strcmp(e->lifecycle_stage, "active") == 0)
        return 0;
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "The experiment %s must be in the 'active' state. Current state is %s.", e->experiment_id,
                         e->lifecycle_stage != NULL ? e->lifecycle_stage : "None");
}

/* Runs a prepared write statement to completion. */
static int mlf__step_done(mlf_sql_conn *c, mlf_pool *pool, mlf_sql_stmt *st, mlf_error *err)
{
    int rc = mlf_sql_step(st);
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    return 0;
}

int mlf_sql_ensure_default_experiment(mlf_sql_store *s, mlf_sql_conn *c, mlf_pool *pool, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, "SELECT 1 FROM experiments WHERE experiment_id = 0", &st, err);
    if (rc < 0)
        return rc;
    rc = mlf_sql_step(st);
    mlf_sql_reset(st);
    if (rc == MLF_SQL_ROW)
        return 0;
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    char *location;
    rc = mlf_uri_append_path(pool, s->artifact_root, "0", &location, err);
    if (rc < 0)
        return rc;
    rc = mlf_sql_prepare(c, pool,
                         "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, "
                         "creation_time, last_update_time) VALUES (0, 'Default', ?, 'active', ?, ?)",
                         &st, err);
    if (rc < 0)
        return rc;
    int64_t now = mlf_sql_now_ms();
    mlf_sql_bind_text(st, 1, location);
    mlf_sql_bind_int64(st, 2, now);
    mlf_sql_bind_int64(st, 3, now);
    return mlf__step_done(c, pool, st, err);
}

static int mlf__already_exists(mlf_sql_conn *c, mlf_pool *pool, const char *name, int rc, mlf_error *err)
{
    if ((rc & 0xFF) != MLF_SQL_CONSTRAINT)
        return mlf_sql_error(pool, c, rc, err);
    /* SqlAlchemyStore turns every IntegrityError of the insert into this */
    return mlf_error_set(err, pool, MLF_ERR_RESOURCE_ALREADY_EXISTS,
                         "Experiment(name=%s) already exists. Error: %s(%s) %s", name != NULL ? name : "None",
                         mlf_sql_autoflush_note(c), mlf_sql_integrity_error_name(c), mlf_sql_errmsg(c));
}

typedef struct mlf__create_arg {
    mlf_sql_store *s;
    const char *name, *location;
    Mlflow__ExperimentTag *const *tags;
    size_t n_tags;
    const char **ret_id;
} mlf__create_arg;

static int mlf__create_in_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__create_arg *a = arg;
    mlf_sql_store *s = a->s;
    const char *name = a->name, *location = a->location;
    Mlflow__ExperimentTag *const *tags = a->tags;
    size_t n_tags = a->n_tags;
    const char **ret_id = a->ret_id;
    /* psycopg2 sends the name as a literal, which PostgreSQL coerces to the column's varchar(256) while planning:
       the error comes before the sequence is drawn, so the next experiment gets the id this one did not */
    if (mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES && mlf_pystr_len(name != NULL ? name : "") > 256)
        return mlf_error_set(err, pool, MLF_ERR_BAD_REQUEST,
                             "(psycopg2.errors.StringDataRightTruncation) value too long for type character "
                             "varying(256)\n");
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, "
                             "last_update_time) VALUES (?, ?, 'active', ?, ?) RETURNING experiment_id",
                             &st, err);
    if (rc < 0)
        return rc;
    int64_t now = mlf_sql_now_ms();
    mlf_sql_bind_text(st, 1, name);
    mlf_sql_bind_text(st, 2, location);
    mlf_sql_bind_int64(st, 3, now);
    mlf_sql_bind_int64(st, 4, now);
    rc = mlf_sql_step(st);
    int64_t id = rc == MLF_SQL_ROW ? mlf_sql_column_int64(st, 0) : 0;
    if (rc == MLF_SQL_ROW)
        rc = mlf_sql_step(st);
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf__already_exists(c, pool, name, rc, err);
    char *id_text = mlf_pool_sprintf(pool, "%" PRId64, id);

    for (size_t i = 0; i < n_tags; i++) {
        rc = mlf_sql_prepare(c, pool, "INSERT INTO experiment_tags (\"key\", value, experiment_id) VALUES (?, ?, ?)",
                             &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_text(st, 1, tags[i]->key);
        mlf_sql_bind_text(st, 2, tags[i]->value);
        mlf_sql_bind_int64(st, 3, id);
        rc = mlf_sql_step(st);
        mlf_sql_reset(st);
        if (rc != MLF_SQL_DONE)
            return mlf__already_exists(c, pool, name, rc, err);
    }

    if (location == NULL) {
        /* the id exists only after the insert: MLflow writes the location in a second step */
        char *derived;
        rc = mlf_uri_append_path(pool, s->artifact_root, id_text, &derived, err);
        if (rc < 0)
            return rc;
        rc = mlf_sql_prepare(c, pool, "UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?", &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_text(st, 1, derived);
        mlf_sql_bind_int64(st, 2, id);
        rc = mlf_sql_step(st);
        mlf_sql_reset(st);
        if (rc != MLF_SQL_DONE)
            return mlf__already_exists(c, pool, name, rc, err);
    }
    *ret_id = id_text;
    return 0;
}

int mlf_store_create_experiment(mlf_store *store, mlf_pool *pool, const char *name, const char *artifact_location,
                                Mlflow__ExperimentTag *const *tags, size_t n_tags, const char **ret_id, mlf_error *err)
{
    mlf_sql_store *s = mlf__store(store);
    char *location = NULL;
    if (artifact_location != NULL && artifact_location[0] != '\0') {
        int rc = mlf_uri_resolve_if_local(pool, artifact_location, &location, err);
        if (rc < 0)
            return rc;
    }
    mlf__create_arg a = {.s = s, .name = name, .location = location, .tags = tags, .n_tags = n_tags, .ret_id = ret_id};
    return mlf_sql_in_write(s, pool, mlf__create_in_tx, &a, err);
}

int mlf_store_get_experiment(mlf_store *store, mlf_pool *pool, const char *experiment_id, Mlflow__Experiment **ret,
                             mlf_error *err)
{
    mlf_sql_store *s = mlf__store(store);
    mlf_sql_conn *c;
    int rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    rc = mlf__fetch(c, pool, experiment_id, MLFLOW__VIEW_TYPE__ALL, true, ret, NULL, err);
    mlf_sql_read_end(s, c);
    return rc;
}

static int mlf__get_by_name_in_tx(mlf_sql_conn *c, mlf_pool *pool, const char *name, Mlflow__Experiment **ret,
                                  mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT " MLF__EXP_COLUMNS " FROM experiments AS e "
                             "WHERE e.workspace = " MLF_SQL_WS " AND e.name = ? "
                             "AND e.lifecycle_stage IN ('active', 'deleted')",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, name);
    rc = mlf_sql_step(st);
    if (rc == MLF_SQL_DONE) {
        *ret = NULL;
        return 0;
    }
    if (rc != MLF_SQL_ROW)
        return mlf_sql_error(pool, c, rc, err);
    int64_t id = mlf_sql_column_int64(st, 0);
    Mlflow__Experiment *e = mlf__row_to_experiment(pool, st);
    mlf_sql_reset(st);
    rc = mlf__load_tags(c, pool, id, e, err);
    if (rc < 0)
        return rc;
    *ret = e;
    return 0;
}

int mlf_store_get_experiment_by_name(mlf_store *store, mlf_pool *pool, const char *name, Mlflow__Experiment **ret,
                                     mlf_error *err)
{
    mlf_sql_store *s = mlf__store(store);
    mlf_sql_conn *c;
    int rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    rc = mlf__get_by_name_in_tx(c, pool, name, ret, err);
    mlf_sql_read_end(s, c);
    return rc;
}

/*
 * Delete and restore flip the experiment's lifecycle stage and, as MLflow
 * does, every run of the experiment with it (deleted_time set, or cleared).
 */
typedef struct mlf__lifecycle_arg {
    const char *experiment_id;
    bool deleted;
} mlf__lifecycle_arg;

static int mlf__set_lifecycle_in_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__lifecycle_arg *a = arg;
    const char *experiment_id = a->experiment_id;
    bool deleted = a->deleted;
    Mlflow__Experiment *e;
    int64_t id;
    int rc =
        mlf__fetch(c, pool, experiment_id, deleted ? MLFLOW__VIEW_TYPE__ACTIVE_ONLY : MLFLOW__VIEW_TYPE__DELETED_ONLY,
                   false, &e, &id, err);
    if (rc < 0)
        return rc;
    int64_t now = mlf_sql_now_ms();
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(
        c, pool, "UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, deleted ? "deleted" : "active");
    mlf_sql_bind_int64(st, 2, now);
    mlf_sql_bind_int64(st, 3, id);
    rc = mlf__step_done(c, pool, st, err);
    if (rc < 0)
        return rc;
    /* _list_run_infos calls int() on the id as given, "" included */
    int64_t run_exp_id;
    rc = mlf__parse_id(c, pool, experiment_id, &run_exp_id, err);
    if (rc < 0)
        return rc;
    if (deleted) { /* traces: assessments (MLflow 3.18 deletes those each run is the source of) */
        rc = mlf_sql_assessments_delete_for_runs(c, pool, NULL, run_exp_id, err);
        if (rc < 0)
            return rc;
    }
    rc = mlf_sql_prepare(c, pool, "UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ?", &st,
                         err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, deleted ? "deleted" : "active");
    if (deleted)
        mlf_sql_bind_int64(st, 2, now);
    else
        mlf_sql_bind_null(st, 2);
    mlf_sql_bind_int64(st, 3, run_exp_id);
    return mlf__step_done(c, pool, st, err);
}

static int mlf__set_lifecycle(mlf_store *store, mlf_pool *pool, const char *experiment_id, bool deleted, mlf_error *err)
{
    mlf__lifecycle_arg a = {.experiment_id = experiment_id, .deleted = deleted};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__set_lifecycle_in_tx, &a, err);
}

int mlf_store_delete_experiment(mlf_store *store, mlf_pool *pool, const char *experiment_id, mlf_error *err)
{
    return mlf__set_lifecycle(store, pool, experiment_id, true, err);
}

int mlf_store_restore_experiment(mlf_store *store, mlf_pool *pool, const char *experiment_id, mlf_error *err)
{
    return mlf__set_lifecycle(store, pool, experiment_id, false, err);
}

typedef struct mlf__rename_arg {
    const char *experiment_id, *new_name;
} mlf__rename_arg;

static int mlf__rename_in_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__rename_arg *a = arg;
    const char *experiment_id = a->experiment_id, *new_name = a->new_name;
    Mlflow__Experiment *e;
    int64_t id;
    int rc = mlf__fetch(c, pool, experiment_id, MLFLOW__VIEW_TYPE__ALL, false, &e, &id, err);
    if (rc < 0)
        return rc;
    if (e->lifecycle_stage == NULL || strcmp(e->lifecycle_stage, "active") != 0)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_STATE, "Cannot rename a non-active experiment.");
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool, "UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?", &st,
                         err);
    if (rc < 0)
        return rc;
    int64_t now = mlf_sql_now_ms();
    mlf_sql_bind_text(st, 1, new_name);
    mlf_sql_bind_int64(st, 2, now);
    mlf_sql_bind_int64(st, 3, id);
    /* a duplicate name fails at commit in MLflow: BAD_REQUEST with the IntegrityError text (SQLAlchemy adds the
       statement and its parameters on PostgreSQL) */
    rc = mlf__step_done(c, pool, st, err);
    if (rc < 0 && mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES && err != NULL && err->message != NULL &&
        strncmp(err->message, "(psycopg2.errors.UniqueViolation)", 33) == 0)
        err->message = mlf_pool_sprintf(pool,
                                        "%s\n[SQL: UPDATE experiments SET name=%%(name)s, last_update_time="
                                        "%%(last_update_time)s WHERE experiments.experiment_id = "
                                        "%%(experiments_experiment_id)s]\n[parameters: {'name': %s, "
                                        "'last_update_time': %" PRId64 ", 'experiments_experiment_id': %" PRId64
                                        "}]\n(Background on this error at: https://sqlalche.me/e/20/gkpj)",
                                        err->message, mlf_pystr_repr(pool, new_name), now, id);
    return rc;
}

int mlf_store_rename_experiment(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *new_name,
                                mlf_error *err)
{
    mlf__rename_arg a = {.experiment_id = experiment_id, .new_name = new_name};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__rename_in_tx, &a, err);
}

/*
 * The experiment of a tag (any lifecycle stage is found; it must be active).
 * setExperimentTag's session.merge keys the tag by the id as given: one that
 * is not an int matches no experiment (a foreign-key failure);
 * deleteExperimentTag parses it as _get_experiment does.
 */
static int mlf__tag_owner(mlf_sql_conn *c, mlf_pool *pool, const char *const *ids, bool deleting,
                          mlf_sql_tag_owner *ret, mlf_error *err)
{
    const char *experiment_id = ids[0];
    Mlflow__Experiment *e;
    int rc = mlf__fetch(c, pool, experiment_id, MLFLOW__VIEW_TYPE__ALL, false, &e, NULL, err);
    if (rc < 0)
        return rc;
    rc = mlf__check_active(pool, e, err);
    if (rc < 0)
        return rc;
    ret->by_id = true;
    if (deleting)
        return mlf__parse_id(c, pool, experiment_id, &ret->id, err);
    /* session.merge keys the tag by the id as given: "" matches no experiment (SQLite's foreign key refuses it;
       PostgreSQL refuses the text in an integer column first) */
    if (mlf_pystr_parse_int(experiment_id != NULL ? experiment_id : "", &ret->id) != 0)
        return mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES
                   ? mlf_error_set(err, pool, MLF_ERR_BAD_REQUEST,
                                   "(psycopg2.errors.InvalidTextRepresentation) invalid input syntax for type integer: "
                                   "\"%s\"",
                                   experiment_id != NULL ? experiment_id : "")
                   : mlf_error_set(err, pool, MLF_ERR_BAD_REQUEST,
                                   "(sqlite3.IntegrityError) FOREIGN KEY constraint failed");
    return 0;
}

static const mlf_sql_tag_kind mlf__tags = {
    .table = "experiment_tags",
    .columns = {"experiment_id"},
    .owner = mlf__tag_owner,
    .missing_fmt = "No tag with name: %s in experiment with id %s",
};

int mlf_store_set_experiment_tag(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *key,
                                 const char *value, mlf_error *err)
{
    return mlf_sql_entity_tag_set(mlf__store(store), pool, &mlf__tags, (const char *const[]){experiment_id}, key, value,
                                  err);
}

int mlf_store_delete_experiment_tag(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *key,
                                    mlf_error *err)
{
    return mlf_sql_entity_tag_delete(mlf__store(store), pool, &mlf__tags, (const char *const[]){experiment_id}, key,
                                     err);
}

/* ---- search ---- */

typedef enum { MLF__P_TEXT, MLF__P_INT, MLF__P_REAL } mlf__param_kind;

typedef struct {
    mlf__param_kind kind;
    const char *text;
    int64_t i;
    double d;
} mlf__param;

/* The SQL of a search with its bound values, in order. */
typedef struct {
    mlf_buf sql;
    mlf__param *params;
    size_t n_params, cap;
    mlf_pool *pool;
} mlf__query;

static void mlf__query_add(mlf__query *q, mlf__param p)
{
    if (q->n_params == q->cap) {
        q->cap = q->cap == 0 ? 16 : q->cap * 2;
        mlf__param *grown = MLF_NEW_ARRAY(q->pool, mlf__param, q->cap);
        if (q->n_params > 0)
            memcpy(grown, q->params, q->n_params * sizeof(*grown));
        q->params = grown;
    }
    q->params[q->n_params++] = p;
}

static void mlf__query_add_text(mlf__query *q, const char *text)
{
    mlf__query_add(q, (mlf__param){.kind = MLF__P_TEXT, .text = text});
}

static void mlf__query_add_int(mlf__query *q, int64_t v)
{
    mlf__query_add(q, (mlf__param){.kind = MLF__P_INT, .i = v});
}

static void mlf__query_bind(const mlf__query *q, mlf_sql_stmt *st, int first)
{
    for (size_t i = 0; i < q->n_params; i++) {
        const mlf__param *p = &q->params[i];
        int idx = first + (int)i;
        if (p->kind == MLF__P_TEXT)
            mlf_sql_bind_text(st, idx, p->text);
        else if (p->kind == MLF__P_INT)
            mlf_sql_bind_int64(st, idx, p->i);
        else
            mlf_sql_bind_double(st, idx, p->d);
    }
}

static const char *mlf__op_name(mlf_search_op op)
{
    static const char *const names[] = {"=",    "!=",    "<",  "<=",     ">",       ">=",
                                        "LIKE", "ILIKE", "IN", "NOT IN", "IS NULL", "IS NOT NULL"};
    return (unsigned)op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

static const char *mlf__entity_name(mlf_search_entity entity)
{
    static const char *const names[] = {"attribute", "metric", "parameter", "tag", "dataset"};
    return (unsigned)entity < sizeof(names) / sizeof(names[0]) ? names[entity] : "?";
}

/* Appends `<column> <op> ?` (ILIKE as lower() LIKE lower(), as SQLAlchemy renders it on SQLite). */
static void mlf__append_comparison(mlf_buf *b, const char *column, mlf_search_op op)
{
    if (op == MLF_OP_ILIKE)
        mlf_buf_printf(b, "lower(%s) LIKE lower(?)", column);
    else
        mlf_buf_printf(b, "%s %s ?", column, mlf__op_name(op));
}

/* An attribute clause's value as MLflow binds it: the string, or int() of an integer literal (floats are
 * refused by the filter's checks; a Python int beyond int64: sqlite3 cannot bind it, psycopg2 sends a numeric,
 * beyond every bigint as the double is). */
static int mlf__clause_value(mlf_pool *pool, bool postgres, const mlf_search_clause *cl, mlf__param *out,
                             mlf_error *err)
{
    if (cl->value_kind != MLF_VALUE_NUMBER) {
        *out = (mlf__param){.kind = MLF__P_TEXT, .text = cl->str};
        return 0;
    }
    int64_t i;
    if (cl->num_is_float || cl->num_text == NULL) {
        *out = (mlf__param){.kind = MLF__P_REAL, .d = cl->num};
        return 0;
    }
    if (mlf_pystr_parse_int(cl->num_text, &i) == 0) {
        *out = (mlf__param){.kind = MLF__P_INT, .i = i};
        return 0;
    }
    if (!postgres)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "Python int too large to convert to SQLite INTEGER");
    *out = (mlf__param){.kind = MLF__P_REAL, .d = cl->num};
    return 0;
}

static bool mlf__is_string_op(mlf_search_op op)
{
    return op == MLF_OP_EQ || op == MLF_OP_NE || op == MLF_OP_LIKE || op == MLF_OP_ILIKE;
}

static bool mlf__is_numeric_op(mlf_search_op op)
{
    return op == MLF_OP_EQ || op == MLF_OP_NE || op == MLF_OP_LT || op == MLF_OP_LE || op == MLF_OP_GT ||
           op == MLF_OP_GE;
}

/* Column of a filterable experiment attribute (whitelist: keys never reach SQL). */
static const char *mlf__filter_column(const char *key, bool *numeric)
{
    *numeric = false;
    if (strcmp(key, "name") == 0)
        return "e.name";
    *numeric = true;
    if (strcmp(key, "creation_time") == 0)
        return "e.creation_time";
    if (strcmp(key, "last_update_time") == 0)
        return "e.last_update_time";
    return NULL;
}

static const char *mlf__order_column(const char *key)
{
    if (strcmp(key, "name") == 0)
        return "e.name";
    if (strcmp(key, "experiment_id") == 0)
        return "e.experiment_id";
    if (strcmp(key, "creation_time") == 0)
        return "e.creation_time";
    if (strcmp(key, "last_update_time") == 0)
        return "e.last_update_time";
    return NULL;
}

/* `e.experiment_id <op> ?` or `[NOT] IN (?, ...)`, with the ids as integers (_parse_experiment_id). */
static int mlf__experiment_id_filter(mlf_pool *pool, bool postgres, mlf_buf *where, mlf__query *attr,
                                     const mlf_search_clause *cl, mlf_error *err)
{
    bool list = cl->value_kind == MLF_VALUE_LIST;
    size_t n = list ? cl->n_list : 1;
    if (where->len > 0)
        mlf_buf_puts(where, " AND ");
    if (list)
        mlf_buf_printf(where, "e.experiment_id %s (", cl->op == MLF_OP_NOT_IN ? "NOT IN" : "IN");
    else
        mlf_buf_printf(where, "e.experiment_id %s ?", cl->op == MLF_OP_NE ? "!=" : "=");
    for (size_t i = 0; i < n; i++) {
        const char *text = list ? cl->list[i] : cl->str;
        int64_t id;
        int rc = mlf_pystr_parse_int(text != NULL ? text : "", &id);
        if (rc == -1)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Invalid experiment ID '%s'. Experiment ID must be a valid integer.", text);
        if (rc == -2 && !postgres) /* Python's int has no bound; sqlite3 cannot bind it */
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                 "Python int too large to convert to SQLite INTEGER");
        if (postgres) /* psycopg2 sends a numeric literal, which no experiment id equals */
            id = mlf_sql_pg_unmatched_id(id, rc == -2);
        if (list)
            mlf_buf_puts(where, i > 0 ? ", ?" : "?");
        mlf__query_add_int(attr, id);
    }
    if (list)
        mlf_buf_putc(where, ')');
    return 0;
}

/*
 * Builds `FROM ... WHERE ... ORDER BY ... LIMIT ? OFFSET ?` as
 * SqlAlchemyStore._search_experiments does: one inner join per tag clause on
 * a filtered experiment_tags subquery, attribute filters, the view type's
 * stages, the order with its experiment_id tie-breaker.
 */
static int mlf__build_search(mlf_pool *pool, bool postgres, Mlflow__ViewType view_type, int64_t limit, int64_t offset,
                             const mlf_search_clause *clauses, size_t n_clauses, const mlf_search_order *orders,
                             size_t n_orders, mlf__query *q, mlf_error *err)
{
    q->pool = pool;
    mlf_buf_init(&q->sql, pool, 512);
    mlf_buf where;
    mlf_buf_init(&where, pool, 256);
    mlf__query attr = {.pool = pool};
    mlf_buf_puts(&q->sql, "FROM experiments AS e");
    size_t n_joins = 0;
    for (size_t i = 0; i < n_clauses; i++) {
        const mlf_search_clause *cl = &clauses[i];
        if (cl->entity == MLF_ENTITY_ATTRIBUTE && cl->key != NULL && strcmp(cl->key, "experiment_id") == 0) {
            /* the values are int() of the strings (checked by the filter's parser) */
            int rc = mlf__experiment_id_filter(pool, postgres, &where, &attr, cl, err);
            if (rc < 0)
                return rc;
        } else if (cl->entity == MLF_ENTITY_TAG && (cl->op == MLF_OP_IS_NULL || cl->op == MLF_OP_IS_NOT_NULL)) {
            if (where.len > 0)
                mlf_buf_puts(&where, " AND ");
            mlf_buf_printf(&where,
                           "%sEXISTS (SELECT 1 FROM experiment_tags AS n WHERE n.experiment_id = e.experiment_id "
                           "AND n.\"key\" = ?)",
                           cl->op == MLF_OP_IS_NULL ? "NOT " : "");
            mlf__query_add_text(&attr, cl->key);
        } else if (cl->entity == MLF_ENTITY_ATTRIBUTE) {
            bool numeric;
            const char *column = mlf__filter_column(cl->key != NULL ? cl->key : "", &numeric);
            if (column == NULL)
                return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                     "Invalid attribute key '%s' specified. Valid keys are "
                                     "'{'name', 'experiment_id', 'creation_time', 'last_update_time'}'",
                                     cl->key != NULL ? cl->key : "");
            if (!numeric && !mlf__is_string_op(cl->op))
                return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                     "Invalid comparator for string attribute: %s", mlf__op_name(cl->op));
            if (numeric && !mlf__is_numeric_op(cl->op))
                return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                     "Invalid comparator for numeric attribute: %s", mlf__op_name(cl->op));
            if (cl->value_kind == MLF_VALUE_LIST)
                return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                     "Expected a quoted string value for attributes. Got value (list)");
            if (where.len > 0)
                mlf_buf_puts(&where, " AND ");
            mlf__append_comparison(&where, column, cl->op);
            mlf__param value;
            int rc = mlf__clause_value(pool, postgres, cl, &value, err);
            if (rc < 0)
                return rc;
            mlf__query_add(&attr, value);
        } else if (cl->entity == MLF_ENTITY_TAG) {
            if (!mlf__is_string_op(cl->op))
                return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator for tag: %s",
                                     mlf__op_name(cl->op));
            if (cl->value_kind == MLF_VALUE_LIST)
                return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                     "Expected a quoted string value for tag (e.g. 'my-value'). Got value (list)");
            mlf_buf_printf(&q->sql, " JOIN (SELECT experiment_id FROM experiment_tags WHERE \"key\" = ? AND ");
            mlf__append_comparison(&q->sql, "value", cl->op);
            mlf_buf_printf(&q->sql, ") AS t%zu ON t%zu.experiment_id = e.experiment_id", n_joins, n_joins);
            n_joins++;
            mlf__query_add_text(q, cl->key);
            mlf__query_add_text(q, cl->str);
        } else {
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid token type: %s",
                                 mlf__entity_name(cl->entity));
        }
    }

    /* names are unique per workspace: naming it lets a name filter seek (every row has it) */
    mlf_buf_puts(&q->sql, " WHERE e.workspace = " MLF_SQL_WS " AND ");
    if (where.len > 0) {
        mlf_buf_append(&q->sql, where.data, where.len);
        mlf_buf_puts(&q->sql, " AND ");
        for (size_t i = 0; i < attr.n_params; i++)
            mlf__query_add(q, attr.params[i]);
    }
    const char *a, *b;
    mlf__stages(view_type, &a, &b);
    mlf_buf_puts(&q->sql, "e.lifecycle_stage IN (?, ?)");
    mlf__query_add_text(q, a);
    mlf__query_add_text(q, b);

    mlf_buf_puts(&q->sql, " ORDER BY ");
    bool has_id = false;
    if (n_orders == 0) {
        mlf_buf_puts(&q->sql, "e.creation_time DESC, e.experiment_id ASC");
        has_id = true;
    }
    for (size_t i = 0; i < n_orders; i++) {
        if (orders[i].entity != MLF_ENTITY_ATTRIBUTE)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by entity: %s",
                                 mlf__entity_name(orders[i].entity));
        const char *column = mlf__order_column(orders[i].key != NULL ? orders[i].key : "");
        if (column == NULL)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Invalid attribute key '%s' specified. Valid keys are "
                                 "'{'name', 'experiment_id', 'creation_time', 'last_update_time'}'",
                                 orders[i].key != NULL ? orders[i].key : "");
        has_id = has_id || strcmp(column, "e.experiment_id") == 0;
        mlf_buf_printf(&q->sql, "%s%s %s", i > 0 ? ", " : "", column, orders[i].ascending ? "ASC" : "DESC");
    }
    if (!has_id)
        mlf_buf_puts(&q->sql, ", e.experiment_id DESC");

    mlf_buf_puts(&q->sql, " LIMIT ? OFFSET ?");
    mlf__query_add_int(q, limit);
    mlf__query_add_int(q, offset);
    return 0;
}

typedef struct {
    int64_t id;
    size_t index;
} mlf__id_index;

static int mlf__cmp_id_index(const void *a, const void *b)
{
    int64_t x = ((const mlf__id_index *)a)->id, y = ((const mlf__id_index *)b)->id;
    return (x > y) - (x < y);
}

/* Loads the tags of all found experiments with one scan of experiment_tags. */
static int mlf__load_tags_many(mlf_sql_conn *c, mlf_pool *pool, Mlflow__Experiment **exps, const int64_t *ids, size_t n,
                               mlf_error *err)
{
    if (n == 0)
        return 0;
    mlf__id_index *map = MLF_NEW_ARRAY(pool, mlf__id_index, n);
    mlf_buf json;
    mlf_buf_init(&json, pool, n * 8 + 2);
    mlf_buf_putc(&json, '[');
    for (size_t i = 0; i < n; i++) {
        map[i] = (mlf__id_index){.id = ids[i], .index = i};
        mlf_buf_printf(&json, "%s%" PRId64, i > 0 ? "," : "", ids[i]);
    }
    mlf_buf_putc(&json, ']');
    qsort(map, n, sizeof(*map), mlf__cmp_id_index);

    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT experiment_id, \"key\", value FROM experiment_tags "
                             "WHERE experiment_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?)) ORDER BY rowid",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, json.data);
    size_t *cap = MLF_NEW_ARRAY(pool, size_t, n);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        mlf__id_index key = {.id = mlf_sql_column_int64(st, 0)};
        mlf__id_index *hit = bsearch(&key, map, n, sizeof(*map), mlf__cmp_id_index);
        if (hit == NULL)
            continue;
        Mlflow__Experiment *e = exps[hit->index];
        if (e->n_tags == cap[hit->index]) {
            cap[hit->index] = cap[hit->index] == 0 ? 4 : cap[hit->index] * 2;
            Mlflow__ExperimentTag **grown = MLF_NEW_ARRAY(pool, Mlflow__ExperimentTag *, cap[hit->index]);
            if (e->n_tags > 0)
                memcpy(grown, e->tags, e->n_tags * sizeof(*grown));
            e->tags = grown;
        }
        e->tags[e->n_tags++] = mlf__new_tag(pool, st, 1);
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    return 0;
}

static int mlf__search_in_tx(mlf_sql_conn *c, mlf_pool *pool, const mlf__query *q, int64_t max_results, int64_t offset,
                             mlf_store_experiment_page *ret, mlf_error *err)
{
    char *sql = mlf_pool_sprintf(pool, "SELECT " MLF__EXP_COLUMNS " %s", q->sql.data);
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql, &st, err);
    if (rc < 0)
        return rc;
    mlf__query_bind(q, st, 1);
    size_t cap = 16, n = 0;
    Mlflow__Experiment **exps = MLF_NEW_ARRAY(pool, Mlflow__Experiment *, cap);
    int64_t *ids = MLF_NEW_ARRAY(pool, int64_t, cap);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        if (n == cap) {
            cap *= 2;
            Mlflow__Experiment **e2 = MLF_NEW_ARRAY(pool, Mlflow__Experiment *, cap);
            int64_t *i2 = MLF_NEW_ARRAY(pool, int64_t, cap);
            memcpy(e2, exps, n * sizeof(*e2));
            memcpy(i2, ids, n * sizeof(*i2));
            exps = e2;
            ids = i2;
        }
        ids[n] = mlf_sql_column_int64(st, 0);
        exps[n++] = mlf__row_to_experiment(pool, st);
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);

    /* max_results + 1 rows were asked for: one more than a page means another page exists */
    ret->next_page_token = NULL;
    if ((int64_t)n == max_results + 1) {
        ret->next_page_token = mlf_search_page_token_encode(pool, offset + max_results);
        n--;
    }
    rc = mlf__load_tags_many(c, pool, exps, ids, n, err);
    if (rc < 0)
        return rc;
    ret->experiments = exps;
    ret->n = n;
    return 0;
}

int mlf_store_search_experiments(mlf_store *store, mlf_pool *pool, Mlflow__ViewType view_type, int64_t max_results,
                                 const mlf_search_clause *clauses, size_t n_clauses, const mlf_search_order *orders,
                                 size_t n_orders, int64_t offset, mlf_store_experiment_page *ret, mlf_error *err)
{
    /* SqlAlchemyStore._validate_max_results_param */
    if (max_results < 1)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid value %" PRId64 " for parameter 'max_results' supplied. It must be a positive "
                             "integer",
                             max_results);
    if (max_results > MLF__SEARCH_MAX_RESULTS)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid value %" PRId64 " for parameter 'max_results' supplied. It must be at most %d",
                             max_results, MLF__SEARCH_MAX_RESULTS);
    /* a negative offset goes to the database as MLflow's does: SQLite reads it as 0, PostgreSQL refuses it */
    mlf__query q = {0};
    bool postgres = mlf__store(store)->dialect == MLF_SQL_POSTGRES;
    int rc = mlf__build_search(pool, postgres, view_type, max_results + 1, offset, clauses, n_clauses, orders, n_orders,
                               &q, err);
    if (rc < 0)
        return rc;
    mlf_sql_store *s = mlf__store(store);
    mlf_sql_conn *c;
    rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    rc = mlf__search_in_tx(c, pool, &q, max_results, offset, ret, err);
    mlf_sql_read_end(s, c);
    return rc;
}
