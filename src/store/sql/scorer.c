/*
 * Scorers, their versions and their online scoring configurations on both
 * backends (tables scorers, scorer_versions, online_scoring_configs), as
 * MLflow 3.18's SqlAlchemyStore register_scorer, list_scorers(_across_experiments),
 * list_scorer_versions, get_scorer, delete_scorer, get_online_scoring_configs
 * and upsert_online_scoring_config. The serialized scorer is stored as sent;
 * a gateway model ("gateway:/<endpoint>") is stored with the endpoint's id
 * and answered with its name, as MLflow does.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store/pystr.h"
#include "store/sql/sql.h"

static mlf_sql_store *mlf__store(mlf_store *store)
{
    return (mlf_sql_store *)store;
}

/* ---- the payload's model (scorer_utils.extract_model_from_serialized_scorer) ---- */

/*
 * The object holding the scorer's "model" key, following MLflow's lookup:
 * instructions_judge_pydantic_data, builtin_scorer_pydantic_data,
 * memory_augmented_judge_data.base_judge (recursively), third_party_scorer_data;
 * each taken when truthy. NULL when none (no model).
 */
static mlf_json *mlf__model_holder(mlf_json *data, int depth)
{
    static const char *const keys[] = {"instructions_judge_pydantic_data", "builtin_scorer_pydantic_data",
                                       "memory_augmented_judge_data", "third_party_scorer_data"};
    if (data == NULL || data->type != MLF_JSON_OBJECT || depth > MLF_JSON_MAX_DEPTH)
        return NULL;
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        mlf_json *v = (mlf_json *)mlf_json_get(data, keys[k]);
        if (!mlf_json_truthy(v))
            continue;
        if (v->type != MLF_JSON_OBJECT)
            return NULL;
        if (k == 2)
            return mlf__model_holder((mlf_json *)mlf_json_get(v, "base_judge"), depth + 1);
        return v;
    }
    return NULL;
}

/* The value slot of key in obj, or NULL. */
static mlf_json **mlf__slot(mlf_json *obj, const char *key)
{
    for (size_t i = obj->n; i-- > 0;)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

/* is_gateway_model + extract_endpoint_ref: "gateway:/<ref>" (ref without its leading slashes), else NULL. */
static const char *mlf__gateway_ref(const mlf_json *model)
{
    if (model == NULL || model->type != MLF_JSON_STRING)
        return NULL;
    const char *sep = strstr(model->text, ":/");
    if (sep == NULL || sep == model->text)
        return NULL;
    const char *ref = sep + 2;
    while (*ref == '/')
        ref++;
    if (*ref == '\0' || (size_t)(sep - model->text) != 7 || strncmp(model->text, "gateway", 7) != 0)
        return NULL;
    return ref;
}

static mlf_json *mlf__string(mlf_pool *pool, const char *s)
{
    mlf_json *v = MLF_NEW(pool, mlf_json);
    v->type = MLF_JSON_STRING;
    v->text = mlf_pool_strdup(pool, s);
    v->len = strlen(s);
    return v;
}

/* json.dumps of data */
static const char *mlf__dumps(mlf_pool *pool, const mlf_json *data)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 256);
    mlf_json_write_dumps(&b, data, 0);
    return b.data;
}

static int mlf__parse(mlf_pool *pool, const char *text, mlf_json **ret, mlf_error *err)
{
    mlf_error perr = {0};
    if (mlf_json_parse_ex(pool, text, strlen(text), MLF_JSON_LOADS, ret, &perr) < 0)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "%s", perr.message ? perr.message : "bad JSON");
    return 0;
}

/* The name of gateway endpoint id, or NULL when there is none. */
static int mlf__endpoint_name(mlf_sql_conn *c, mlf_pool *pool, const char *id, const char **ret, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, "SELECT name FROM endpoints WHERE endpoint_id = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, id);
    rc = mlf_sql_step(st);
    *ret = rc == MLF_SQL_ROW ? mlf_sql_column_text_dup(pool, st, 0) : NULL;
    mlf_sql_reset(st);
    return rc == MLF_SQL_ROW || rc == MLF_SQL_DONE ? 0 : mlf_sql_error(pool, c, rc, err);
}

/*
 * resolve_endpoint_in_scorer (always: false) or _batch_resolve_endpoint_in_serialized_scorers
 * (always: true, every payload re-serialized): a gateway model's endpoint id becomes its name,
 * or null when the endpoint is gone.
 */
static int mlf__resolve(mlf_sql_conn *c, mlf_pool *pool, const char *stored, bool always, const char **ret,
                        mlf_error *err)
{
    mlf_json *data;
    int rc = mlf__parse(pool, stored, &data, err);
    if (rc < 0)
        return rc;
    mlf_json *holder = mlf__model_holder(data, 0);
    mlf_json **slot = holder != NULL ? mlf__slot(holder, "model") : NULL;
    const char *ref = slot != NULL ? mlf__gateway_ref(*slot) : NULL;
    if (ref == NULL) {
        *ret = always ? mlf__dumps(pool, data) : stored;
        return 0;
    }
    const char *name;
    rc = mlf__endpoint_name(c, pool, ref, &name, err);
    if (rc < 0)
        return rc;
    if (name != NULL) {
        *slot = mlf__string(pool, mlf_pool_sprintf(pool, "gateway:/%s", name));
    } else {
        mlf_json *null = MLF_NEW(pool, mlf_json);
        null->type = MLF_JSON_NULL;
        *slot = null;
    }
    *ret = mlf__dumps(pool, data);
    return 0;
}

/* ---- lookups ---- */

/* get_experiment + _check_experiment_is_active */
static int mlf__active_experiment(mlf_sql_conn *c, mlf_pool *pool, const char *experiment_id, int64_t *ret,
                                  mlf_error *err)
{
    char *location, *stage;
    int rc = mlf__sql_get_experiment(c, pool, experiment_id != NULL ? experiment_id : "", ret, &location, &stage, err);
    if (rc < 0)
        return rc;
    if (strcmp(stage, "active") != 0)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "The experiment %" PRId64 " must be in the 'active' state. Current state is %s.", *ret,
                             stage);
    return 0;
}

/* _get_sql_scorer_exact: the scorer id of the experiment's scorer named name, or NULL. */
static int mlf__scorer_id(mlf_sql_conn *c, mlf_pool *pool, int64_t experiment_id, const char *name, const char **ret,
                          mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, "SELECT scorer_id, scorer_name FROM scorers WHERE experiment_id = ? "
                                      "AND scorer_name = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_int64(st, 1, experiment_id);
    mlf_sql_bind_text(st, 2, name);
    *ret = NULL;
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        const char *stored = (const char *)mlf_sql_column_text(st, 1);
        if (*ret == NULL && stored != NULL && strcmp(stored, name) == 0)
            *ret = mlf_sql_column_text_dup(pool, st, 0);
    }
    mlf_sql_reset(st);
    return rc == MLF_SQL_DONE ? 0 : mlf_sql_error(pool, c, rc, err);
}

static int mlf__not_found(mlf_pool *pool, const char *experiment_id, const char *name, const int64_t *version,
                          mlf_error *err)
{
    if (version != NULL)
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST,
                             "Scorer with name '%s' and version %" PRId64 " not found for experiment %s.", name,
                             *version, experiment_id);
    return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST,
                         "Scorer with name '%s' not found for experiment %s.", name, experiment_id);
}

/*
 * get_experiment, _check_experiment_is_active, then the id of the experiment's scorer named name
 * (RESOURCE_DOES_NOT_EXIST without one); *ret_eid the experiment's id.
 */
static int mlf__scorer_of(mlf_sql_conn *c, mlf_pool *pool, const char *experiment_id, const char *name,
                          const char **ret, int64_t *ret_eid, mlf_error *err)
{
    int64_t eid = 0;
    int rc = mlf__active_experiment(c, pool, experiment_id, &eid, err);
    *ret_eid = eid;
    if (rc == 0)
        rc = mlf__scorer_id(c, pool, eid, name, ret, err);
    if (rc == 0 && *ret == NULL)
        rc = mlf__not_found(pool, experiment_id, name, NULL, err);
    return rc;
}

#define MLF__SV_COLUMNS                                                                                                \
    "s.experiment_id, v.scorer_id, s.scorer_name, v.scorer_version, v.serialized_scorer, v.creation_time"

static void mlf__row(mlf_pool *pool, mlf_sql_stmt *st, mlf_store_scorer *r)
{
    r->experiment_id = mlf_sql_column_int64(st, 0);
    r->scorer_id = mlf_sql_column_text_dup(pool, st, 1);
    r->name = mlf_sql_column_text_dup(pool, st, 2);
    r->version = mlf_sql_column_int64(st, 3);
    r->serialized = mlf_sql_column_text_dup(pool, st, 4);
    r->creation_time = mlf_sql_column_int64(st, 5);
}

/* Room for one more element of size in the pool array arr of n elements (doubling *cap). */
static void *mlf__room(mlf_pool *pool, void *arr, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return arr;
    void *bigger = mlf_pool_alloc(pool, *cap * 2 * size);
    memcpy(bigger, arr, n * size);
    *cap *= 2;
    return bigger;
}

/* The rows of a prepared, bound statement selecting MLF__SV_COLUMNS, each payload through mlf__resolve. */
static int mlf__rows(mlf_sql_conn *c, mlf_pool *pool, mlf_sql_stmt *st, bool always, mlf_store_scorer **ret,
                     size_t *ret_n, mlf_error *err)
{
    size_t cap = 8, n = 0;
    mlf_store_scorer *rows = MLF_NEW_ARRAY(pool, mlf_store_scorer, cap);
    int rc;
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        rows = mlf__room(pool, rows, n, &cap, sizeof(*rows));
        mlf__row(pool, st, &rows[n++]);
    }
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    for (size_t i = 0; i < n; i++) {
        rc = mlf__resolve(c, pool, rows[i].serialized, always, &rows[i].serialized, err);
        if (rc < 0)
            return rc;
    }
    *ret = rows;
    *ret_n = n;
    return 0;
}

/* ---- register ---- */

typedef struct {
    const char *experiment_id, *name, *serialized;
    mlf_store_scorer *ret;
} mlf__register_args;

/* validate_scorer_model */
static int mlf__validate_model(mlf_pool *pool, const mlf_json *model, mlf_error *err)
{
    if (model == NULL || model->type == MLF_JSON_NULL)
        return 0;
    if (model->type != MLF_JSON_STRING)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Scorer model must be a string, got %s.",
                             mlf_json_py_type(model));
    if (mlf_pystr_strip(pool, model->text)[0] == '\0')
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Scorer model cannot be empty or contain only whitespace.");
    return 0;
}

static int mlf__register_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__register_args *a = arg;
    int64_t eid;
    int rc = mlf__active_experiment(c, pool, a->experiment_id, &eid, err);
    if (rc < 0)
        return rc;
    mlf_json *data;
    rc = mlf__parse(pool, a->serialized, &data, err);
    if (rc < 0)
        return rc;
    if (data->type != MLF_JSON_OBJECT) /* serialized_data.get(...) on a list, str, ... */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' object has no attribute 'get'",
                             mlf_json_py_type(data));
    mlf_json *holder = mlf__model_holder(data, 0);
    mlf_json **slot = holder != NULL ? mlf__slot(holder, "model") : NULL;
    rc = mlf__validate_model(pool, slot != NULL ? *slot : NULL, err);
    if (rc < 0)
        return rc;
    const char *serialized = a->serialized;
    const char *endpoint_ref = slot != NULL ? mlf__gateway_ref(*slot) : NULL;
    const char *endpoint_id = NULL;
    if (endpoint_ref != NULL) {
        /* get_gateway_endpoint(name=...): stored with the endpoint's id */
        mlf_sql_stmt *st;
        rc = mlf_sql_prepare(c, pool, "SELECT endpoint_id FROM endpoints WHERE name = ?", &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_text(st, 1, endpoint_ref);
        rc = mlf_sql_step(st);
        endpoint_id = rc == MLF_SQL_ROW ? mlf_sql_column_text_dup(pool, st, 0) : NULL;
        mlf_sql_reset(st);
        if (rc != MLF_SQL_ROW && rc != MLF_SQL_DONE)
            return mlf_sql_error(pool, c, rc, err);
        if (endpoint_id == NULL)
            return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "GatewayEndpoint not found (name='%s')",
                                 endpoint_ref);
        *slot = mlf__string(pool, mlf_pool_sprintf(pool, "gateway:/%s", endpoint_id));
        serialized = mlf__dumps(pool, data);
    }
    const char *scorer_id;
    rc = mlf__scorer_id(c, pool, eid, a->name, &scorer_id, err);
    if (rc < 0)
        return rc;
    if (scorer_id == NULL) {
        /* str(uuid.uuid4()) */
        const char *h = mlf__sql_uuid4_hex(pool);
        scorer_id = mlf_pool_sprintf(pool, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
        mlf_sql_stmt *st;
        rc = mlf_sql_prepare(c, pool, "INSERT INTO scorers (experiment_id, scorer_name, scorer_id) VALUES (?, ?, ?)",
                             &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_int64(st, 1, eid);
        mlf_sql_bind_text(st, 2, a->name);
        mlf_sql_bind_text(st, 3, scorer_id);
        rc = mlf__sql_step_done(c, pool, st, err);
        if (rc < 0)
            return rc;
    }
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool, "SELECT MAX(scorer_version) FROM scorer_versions WHERE scorer_id = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, scorer_id);
    rc = mlf_sql_step(st);
    int64_t version = rc == MLF_SQL_ROW && mlf_sql_column_type(st, 0) != MLF_SQL_NULL ? mlf_sql_column_int64(st, 0) + 1
                                                                                        : 1;
    mlf_sql_reset(st);
    if (rc != MLF_SQL_ROW && rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    int64_t now = mlf_sql_now_ms();
    rc = mlf_sql_prepare(c, pool, "INSERT INTO scorer_versions (scorer_id, scorer_version, serialized_scorer, "
                                  "creation_time) VALUES (?, ?, ?, ?)", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, scorer_id);
    mlf_sql_bind_int64(st, 2, version);
    mlf_sql_bind_text(st, 3, serialized);
    mlf_sql_bind_int64(st, 4, now);
    rc = mlf__sql_step_done(c, pool, st, err);
    if (rc < 0)
        return rc;
    if (endpoint_id != NULL) {
        /* the scorer's endpoint binding, replaced */
        rc = mlf_sql_prepare(c, pool, "DELETE FROM endpoint_bindings WHERE resource_type = 'scorer' "
                                      "AND resource_id = ?", &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_text(st, 1, scorer_id);
        rc = mlf__sql_step_done(c, pool, st, err);
        if (rc < 0)
            return rc;
        rc = mlf_sql_prepare(c, pool, "INSERT INTO endpoint_bindings (endpoint_id, resource_type, resource_id, "
                                      "created_at, last_updated_at, display_name) VALUES (?, 'scorer', ?, ?, ?, ?)",
                             &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_text(st, 1, endpoint_id);
        mlf_sql_bind_text(st, 2, scorer_id);
        mlf_sql_bind_int64(st, 3, now);
        mlf_sql_bind_int64(st, 4, now);
        mlf_sql_bind_text(st, 5, a->name);
        rc = mlf__sql_step_done(c, pool, st, err);
        if (rc < 0)
            return rc;
    }
    *a->ret = (mlf_store_scorer){eid, scorer_id, mlf_pool_strdup(pool, a->name), version, serialized, now};
    return mlf__resolve(c, pool, serialized, false, &a->ret->serialized, err);
}

int mlf_store_register_scorer(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *name,
                              const char *serialized, mlf_store_scorer *ret, mlf_error *err)
{
    /* validate_scorer_name */
    if (name == NULL)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Scorer name cannot be None.");
    if (mlf_pystr_strip(pool, name)[0] == '\0')
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Scorer name cannot be empty or contain only whitespace.");
    mlf__register_args a = {experiment_id, name, serialized != NULL ? serialized : "", ret};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__register_tx, &a, err);
}

/* ---- list ---- */

typedef struct {
    const char *experiment_id;
    const int64_t *ids;
    size_t n_ids;
    bool all_active;
    mlf_store_scorer **ret;
    size_t *ret_n;
} mlf__list_args;

static int mlf__cmp_scorer(const void *x, const void *y)
{
    const mlf_store_scorer *a = x, *b = y;
    if (a->experiment_id != b->experiment_id)
        return a->experiment_id < b->experiment_id ? -1 : 1;
    return strcmp(a->name, b->name); /* UTF-8 bytes order as code points, as Python's sort */
}

static int mlf__list_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__list_args *a = arg;
    int64_t one;
    const int64_t *ids = a->ids;
    size_t n_ids = a->n_ids;
    if (a->experiment_id != NULL) {
        int rc = mlf__active_experiment(c, pool, a->experiment_id, &one, err);
        if (rc < 0)
            return rc;
        ids = &one;
        n_ids = 1;
    }
    *a->ret = NULL;
    *a->ret_n = 0;
    if (!a->all_active && n_ids == 0)
        return 0;
    mlf_buf sql;
    mlf_buf_init(&sql, pool, 512);
    mlf_buf_puts(&sql, "SELECT " MLF__SV_COLUMNS " FROM scorer_versions v JOIN scorers s ON s.scorer_id = v.scorer_id "
                       "JOIN experiments e ON e.experiment_id = s.experiment_id "
                       "WHERE v.scorer_version = (SELECT MAX(v2.scorer_version) FROM scorer_versions v2 "
                       "WHERE v2.scorer_id = v.scorer_id)");
    if (a->experiment_id == NULL)
        mlf_buf_puts(&sql, " AND e.lifecycle_stage = 'active'");
    if (!a->all_active)
        mlf_buf_puts(&sql, " AND s.experiment_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?))");
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql.data, &st, err);
    if (rc < 0)
        return rc;
    if (!a->all_active) {
        mlf_buf ids_json;
        mlf_buf_init(&ids_json, pool, 64);
        mlf_buf_putc(&ids_json, '[');
        for (size_t i = 0; i < n_ids; i++)
            mlf_buf_printf(&ids_json, "%s\"%" PRId64 "\"", i ? "," : "", ids[i]);
        mlf_buf_putc(&ids_json, ']');
        mlf_sql_bind_text(st, 1, ids_json.data);
    }
    rc = mlf__rows(c, pool, st, true, a->ret, a->ret_n, err);
    if (rc < 0)
        return rc;
    if (*a->ret_n > 1)
        qsort(*a->ret, *a->ret_n, sizeof(**a->ret), mlf__cmp_scorer);
    return 0;
}

int mlf_store_list_scorers(mlf_store *store, mlf_pool *pool, const char *experiment_id, const int64_t *ids,
                           size_t n_ids, bool all_active, mlf_store_scorer **ret, size_t *ret_n, mlf_error *err)
{
    mlf__list_args a = {experiment_id, ids, n_ids, all_active && experiment_id == NULL, ret, ret_n};
    return mlf_sql_in_read(mlf__store(store), pool, mlf__list_tx, &a, err);
}

/* ---- versions, get, delete ---- */

typedef struct {
    const char *experiment_id, *name;
    const int64_t *version;
    bool all; /* list_scorer_versions */
    mlf_store_scorer **ret;
    size_t *ret_n;
} mlf__one_args;

static int mlf__versions_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__one_args *a = arg;
    const char *scorer_id;
    int64_t eid;
    int rc = mlf__scorer_of(c, pool, a->experiment_id, a->name, &scorer_id, &eid, err);
    if (rc < 0)
        return rc;
    mlf_sql_stmt *st;
    const char *sql = a->all ? "SELECT " MLF__SV_COLUMNS " FROM scorer_versions v JOIN scorers s "
                               "ON s.scorer_id = v.scorer_id WHERE v.scorer_id = ? ORDER BY v.scorer_version ASC"
                      : a->version != NULL ? "SELECT " MLF__SV_COLUMNS " FROM scorer_versions v JOIN scorers s "
                                             "ON s.scorer_id = v.scorer_id WHERE v.scorer_id = ? AND v.scorer_version = ?"
                                           : "SELECT " MLF__SV_COLUMNS " FROM scorer_versions v JOIN scorers s "
                                             "ON s.scorer_id = v.scorer_id WHERE v.scorer_id = ? "
                                             "ORDER BY v.scorer_version DESC LIMIT 1";
    rc = mlf_sql_prepare(c, pool, sql, &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, scorer_id);
    if (!a->all && a->version != NULL)
        mlf_sql_bind_int64(st, 2, *a->version);
    rc = mlf__rows(c, pool, st, a->all, a->ret, a->ret_n, err);
    if (rc < 0)
        return rc;
    if (*a->ret_n == 0)
        return mlf__not_found(pool, a->experiment_id, a->name, a->all ? NULL : a->version, err);
    return 0;
}

int mlf_store_list_scorer_versions(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *name,
                                   mlf_store_scorer **ret, size_t *ret_n, mlf_error *err)
{
    mlf__one_args a = {experiment_id, name, NULL, true, ret, ret_n};
    return mlf_sql_in_read(mlf__store(store), pool, mlf__versions_tx, &a, err);
}

int mlf_store_get_scorer(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *name,
                         const int64_t *version, mlf_store_scorer *ret, mlf_error *err)
{
    mlf_store_scorer *rows;
    size_t n;
    mlf__one_args a = {experiment_id, name, version, false, &rows, &n};
    int rc = mlf_sql_in_read(mlf__store(store), pool, mlf__versions_tx, &a, err);
    if (rc == 0)
        *ret = rows[0];
    return rc;
}

static int mlf__delete_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__one_args *a = arg;
    const char *scorer_id;
    int64_t eid;
    int rc = mlf__scorer_of(c, pool, a->experiment_id, a->name, &scorer_id, &eid, err);
    if (rc < 0)
        return rc;
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool,
                         a->version != NULL ? "DELETE FROM scorer_versions WHERE scorer_id = ? AND scorer_version = ?"
                                            : "DELETE FROM scorer_versions WHERE scorer_id = ?",
                         &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, scorer_id);
    if (a->version != NULL)
        mlf_sql_bind_int64(st, 2, *a->version);
    rc = mlf__sql_step_done(c, pool, st, err);
    if (rc < 0)
        return rc;
    if (mlf_sql_changes(c) == 0)
        return mlf__not_found(pool, a->experiment_id, a->name, a->version, err);
    if (a->version != NULL)
        return 0;
    /* every version: the scorer's endpoint bindings and the scorer itself (its online configs cascade) */
    const char *const stmts[] = {"DELETE FROM endpoint_bindings WHERE resource_type = 'scorer' AND resource_id = ?",
                                 "DELETE FROM online_scoring_configs WHERE scorer_id = ?",
                                 "DELETE FROM scorers WHERE scorer_id = ?"};
    for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++) {
        rc = mlf_sql_prepare(c, pool, stmts[i], &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_text(st, 1, scorer_id);
        rc = mlf__sql_step_done(c, pool, st, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int mlf_store_delete_scorer(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *name,
                            const int64_t *version, mlf_error *err)
{
    mlf__one_args a = {experiment_id, name, version, false, NULL, NULL};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__delete_tx, &a, err);
}

/* ---- online scoring configurations ---- */

typedef struct {
    const char *const *ids;
    size_t n;
    mlf_store_online_config **ret;
    size_t *ret_n;
} mlf__configs_args;

static void mlf__config_row(mlf_pool *pool, mlf_sql_stmt *st, mlf_store_online_config *r)
{
    r->id = mlf_sql_column_text_dup(pool, st, 0);
    r->scorer_id = mlf_sql_column_text_dup(pool, st, 1);
    r->sample_rate = mlf_sql_column_double(st, 2);
    r->experiment_id = mlf_sql_column_int64(st, 3);
    r->filter_string = mlf_sql_column_type(st, 4) == MLF_SQL_NULL ? NULL : mlf_sql_column_text_dup(pool, st, 4);
}

static int mlf__configs_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__configs_args *a = arg;
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, "SELECT online_scoring_config_id, scorer_id, sample_rate, experiment_id, "
                                      "filter_string FROM online_scoring_configs WHERE scorer_id IN "
                                      "(SELECT value FROM json_each(?)) ORDER BY rowid", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, mlf__sql_json_strings(pool, a->ids, a->n));
    size_t cap = 4, n = 0;
    mlf_store_online_config *rows = MLF_NEW_ARRAY(pool, mlf_store_online_config, cap);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        rows = mlf__room(pool, rows, n, &cap, sizeof(*rows));
        mlf__config_row(pool, st, &rows[n++]);
    }
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    *a->ret = rows;
    *a->ret_n = n;
    return 0;
}

int mlf_store_get_online_scoring_configs(mlf_store *store, mlf_pool *pool, const char *const *scorer_ids, size_t n,
                                         mlf_store_online_config **ret, size_t *ret_n, mlf_error *err)
{
    *ret = NULL;
    *ret_n = 0;
    if (n == 0)
        return 0;
    mlf__configs_args a = {scorer_ids, n, ret, ret_n};
    return mlf_sql_in_read(mlf__store(store), pool, mlf__configs_tx, &a, err);
}

typedef struct {
    const char *experiment_id, *name;
    double sample_rate;
    const char *filter_string;
    mlf_store_online_config *ret;
} mlf__upsert_args;

static int mlf__upsert_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__upsert_args *a = arg;
    const char *scorer_id;
    int64_t eid;
    int rc = mlf__scorer_of(c, pool, a->experiment_id, a->name, &scorer_id, &eid, err);
    if (rc < 0)
        return rc;
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool, "SELECT serialized_scorer FROM scorer_versions WHERE scorer_id = ? "
                                  "ORDER BY scorer_version DESC LIMIT 1", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, scorer_id);
    rc = mlf_sql_step(st);
    const char *latest = rc == MLF_SQL_ROW ? mlf_sql_column_text_dup(pool, st, 0) : NULL;
    mlf_sql_reset(st);
    if (rc != MLF_SQL_ROW && rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    if (latest != NULL && a->sample_rate > 0) {
        /*
         * _validate_online_judge (custom scorers get the judge checks without job containers, which
         * mlflow-c never runs): the model must be a gateway one. Its expectations check needs the
         * judge rebuilt in Python; MLflow lets it pass when that fails, as here.
         */
        mlf_json *data;
        rc = mlf__parse(pool, latest, &data, err);
        if (rc < 0)
            return rc;
        mlf_json *holder = mlf__model_holder(data, 0);
        mlf_json **slot = holder != NULL ? mlf__slot(holder, "model") : NULL;
        if (slot == NULL || mlf__gateway_ref(*slot) == NULL)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Scorer '%s' does not use a gateway model. Automatic evaluation is only supported "
                                 "for scorers that use gateway models.",
                                 a->name);
    }
    rc = mlf_sql_prepare(c, pool, "DELETE FROM online_scoring_configs WHERE scorer_id = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, scorer_id);
    rc = mlf__sql_step_done(c, pool, st, err);
    if (rc < 0)
        return rc;
    mlf_store_online_config *r = a->ret;
    *r = (mlf_store_online_config){mlf__sql_uuid4_hex(pool), scorer_id, a->sample_rate, eid,
                                   a->filter_string != NULL ? mlf_pool_strdup(pool, a->filter_string) : NULL};
    rc = mlf_sql_prepare(c, pool, "INSERT INTO online_scoring_configs (online_scoring_config_id, scorer_id, "
                                  "sample_rate, experiment_id, filter_string) VALUES (?, ?, ?, ?, ?)", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, r->id);
    mlf_sql_bind_text(st, 2, r->scorer_id);
    mlf_sql_bind_double(st, 3, r->sample_rate);
    mlf_sql_bind_int64(st, 4, eid);
    if (r->filter_string != NULL)
        mlf_sql_bind_text(st, 5, r->filter_string);
    else
        mlf_sql_bind_null(st, 5);
    return mlf__sql_step_done(c, pool, st, err);
}

int mlf_store_upsert_online_scoring_config(mlf_store *store, mlf_pool *pool, const char *experiment_id,
                                           const char *name, double sample_rate, const char *filter_string,
                                           mlf_store_online_config *ret, mlf_error *err)
{
    mlf__upsert_args a = {experiment_id, name, sample_rate, filter_string, ret};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__upsert_tx, &a, err);
}
