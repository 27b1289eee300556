/*
 * Registered models on both backends, mirroring the model registry's
 * SqlAlchemyStore (mlflow/store/model_registry/sqlalchemy_store.py at MLflow
 * 3.6) and SqlRegisteredModel.to_mlflow_entity: same rows, same errors and
 * messages. Validation of names and tags is the caller's (service/validate.h).
 *
 * Row order where MLflow has none: SQLAlchemy loads a model's tags in table
 * order (rowid) and its aliases through the (name, alias) primary key index,
 * so aliases come sorted by alias.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "store/pystr.h"
#include "store/sql/registry.h"
#include "json/json.h"

static mlf_sql_store *mlf__store(mlf_store *store)
{
    return (mlf_sql_store *)store;
}

void *mlf_sql_registry_grow(mlf_pool *pool, void *arr, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return arr;
    *cap = *cap == 0 ? 8 : *cap * 2;
    void *grown = mlf_pool_alloc(pool, *cap * elem);
    if (n > 0)
        memcpy(grown, arr, n * elem);
    return grown;
}

static const char *mlf__key_at(const void *tag, size_t key_offset)
{
    return *(const char *const *)((const char *)tag + key_offset);
}

long mlf_sql_registry_dict_winner(const void *const *tags, size_t key_offset, size_t n, size_t i)
{
    const char *key = mlf__key_at(tags[i], key_offset);
    for (size_t j = 0; j < i; j++)
        if (strcmp(mlf__key_at(tags[j], key_offset), key) == 0)
            return -1;
    size_t last = i;
    for (size_t j = i + 1; j < n; j++)
        if (strcmp(mlf__key_at(tags[j], key_offset), key) == 0)
            last = j;
    return (long)last;
}

int mlf_sql_registry_tag_keys(mlf_sql_conn *c, mlf_pool *pool, bool versions, const char **ret, mlf_error *err)
{
    /* a loose index scan: each step seeks the first key above the last one */
#define MLF__KEYS_SQL(table)                                                                                           \
    "WITH RECURSIVE k(\"key\") AS (SELECT min(\"key\") FROM " table " WHERE workspace = " MLF_SQL_WS                  \
    " UNION ALL SELECT (SELECT min(\"key\") FROM " table " WHERE workspace = " MLF_SQL_WS                             \
    " AND \"key\" > k.\"key\") FROM k WHERE k.\"key\" IS NOT NULL) "                                                   \
    "SELECT \"key\" FROM k WHERE \"key\" IS NOT NULL LIMIT ?"
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(
        c, pool, versions ? MLF__KEYS_SQL("model_version_tags") : MLF__KEYS_SQL("registered_model_tags"), &st, err);
#undef MLF__KEYS_SQL
    if (rc < 0)
        return rc;
    mlf_sql_bind_int64(st, 1, MLF_SQL_TAG_KEYS_MAX + 1);
    mlf_buf keys;
    mlf_buf_init(&keys, pool, 64);
    mlf_buf_putc(&keys, '[');
    int n = 0;
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        if (n++ > 0)
            mlf_buf_putc(&keys, ',');
        mlf_json_write_string(&keys, (const char *)mlf_sql_column_text(st, 0), (size_t)mlf_sql_column_bytes(st, 0));
    }
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_buf_putc(&keys, ']');
    *ret = n > MLF_SQL_TAG_KEYS_MAX ? NULL : keys.data;
    return 0;
}

Mlflow__RegisteredModel *mlf_sql_rm_from_row(mlf_pool *pool, mlf_sql_stmt *st)
{
    Mlflow__RegisteredModel *rm = MLF_NEW(pool, Mlflow__RegisteredModel);
    mlflow__registered_model__init(rm);
    rm->name = mlf_sql_column_text_dup(pool, st, 0);
    /* RegisteredModel.to_proto: creation time when not None, update time and description when truthy */
    if (mlf_sql_column_type(st, 1) != MLF_SQL_NULL) {
        rm->has_creation_timestamp = 1;
        rm->creation_timestamp = mlf_sql_column_int64(st, 1);
    }
    if (mlf_sql_column_type(st, 2) != MLF_SQL_NULL && mlf_sql_column_int64(st, 2) != 0) {
        rm->has_last_updated_timestamp = 1;
        rm->last_updated_timestamp = mlf_sql_column_int64(st, 2);
    }
    char *description = mlf_sql_column_text_dup(pool, st, 3);
    if (description != NULL && description[0] != '\0')
        rm->description = description;
    return rm;
}

typedef struct {
    const char *name;
    size_t index;
} mlf__name_index;

static int mlf__cmp_name_index(const void *a, const void *b)
{
    return strcmp(((const mlf__name_index *)a)->name, ((const mlf__name_index *)b)->name);
}

/* The tags of many models in one query (no index starts with name: seeks per tag key, else a scan). */
static int mlf__load_tags_many(mlf_sql_conn *c, mlf_pool *pool, Mlflow__RegisteredModel *const *rms, size_t n,
                               mlf_error *err)
{
    if (n == 0)
        return 0;
    const char *tag_keys;
    int rc = mlf_sql_registry_tag_keys(c, pool, false, &tag_keys, err);
    if (rc < 0)
        return rc;
    if (tag_keys != NULL && strcmp(tag_keys, "[]") == 0)
        return 0;
    mlf__name_index *map = MLF_NEW_ARRAY(pool, mlf__name_index, n);
    mlf_buf names;
    mlf_buf_init(&names, pool, 64);
    mlf_buf_putc(&names, '[');
    for (size_t i = 0; i < n; i++) {
        map[i] = (mlf__name_index){.name = rms[i]->name, .index = i};
        if (i > 0)
            mlf_buf_putc(&names, ',');
        mlf_json_write_string(&names, rms[i]->name, strlen(rms[i]->name));
    }
    mlf_buf_putc(&names, ']');
    qsort(map, n, sizeof(*map), mlf__cmp_name_index);
    /* CROSS JOIN keeps the keys outer, each a seek in the (workspace, key, name[, version]) primary key:
       left to choose, SQLite takes 3.18's (workspace, name[, version]) index and reads json_each again for
       every row (3x slower over a model's 10,000 versions) */
    mlf_sql_stmt *st;
    if (tag_keys != NULL)
        rc = mlf_sql_prepare(c, pool,
                             "SELECT t.name, t.\"key\", t.value FROM json_each(?2) AS k "
                             "CROSS JOIN registered_model_tags AS t ON t.\"key\" = k.value "
                             "WHERE t.workspace = " MLF_SQL_WS " AND t.name IN (SELECT value FROM json_each(?1)) "
                             "ORDER BY t.rowid",
                             &st, err);
    else
        rc = mlf_sql_prepare(c, pool,
                             "SELECT name, \"key\", value FROM registered_model_tags "
                             "WHERE workspace = " MLF_SQL_WS " AND name IN (SELECT value FROM json_each(?1)) "
                             "ORDER BY rowid",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, names.data);
    if (tag_keys != NULL)
        mlf_sql_bind_text(st, 2, tag_keys);
    size_t *cap = MLF_NEW_ARRAY(pool, size_t, n);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        mlf__name_index probe = {.name = (const char *)mlf_sql_column_text(st, 0)};
        mlf__name_index *hit = probe.name != NULL ? bsearch(&probe, map, n, sizeof(*map), mlf__cmp_name_index) : NULL;
        if (hit == NULL)
            continue;
        Mlflow__RegisteredModel *rm = rms[hit->index];
        rm->tags = mlf_sql_registry_grow(pool, rm->tags, rm->n_tags, &cap[hit->index], sizeof(*rm->tags));
        Mlflow__RegisteredModelTag *t = MLF_NEW(pool, Mlflow__RegisteredModelTag);
        mlflow__registered_model_tag__init(t);
        t->key = mlf_sql_column_text_dup(pool, st, 1);
        t->value = mlf_sql_column_text_dup(pool, st, 2);
        rm->tags[rm->n_tags++] = t;
    }
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    return 0;
}

static int mlf__load_aliases(mlf_sql_conn *c, mlf_pool *pool, Mlflow__RegisteredModel *rm, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT alias, version FROM registered_model_aliases "
                             "WHERE workspace = " MLF_SQL_WS " AND name = ? ORDER BY alias",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, rm->name);
    size_t cap = 0;
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        rm->aliases = mlf_sql_registry_grow(pool, rm->aliases, rm->n_aliases, &cap, sizeof(*rm->aliases));
        Mlflow__RegisteredModelAlias *a = MLF_NEW(pool, Mlflow__RegisteredModelAlias);
        mlflow__registered_model_alias__init(a);
        a->alias = mlf_sql_column_text_dup(pool, st, 0);
        a->version = mlf_sql_column_text_dup(pool, st, 1); /* str(version) */
        rm->aliases[rm->n_aliases++] = a;
    }
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    return 0;
}

int mlf_sql_rm_load_details(mlf_sql_conn *c, mlf_pool *pool, Mlflow__RegisteredModel *const *rms, size_t n,
                            mlf_error *err)
{
    size_t n_versions = 0, cap = 0;
    Mlflow__ModelVersion **versions = NULL;
    for (size_t i = 0; i < n; i++) {
        Mlflow__RegisteredModel *rm = rms[i];
        int rc =
            mlf_sql_rm_latest_versions(c, pool, rm->name, false, &rm->latest_versions, &rm->n_latest_versions, err);
        if (rc == 0)
            rc = mlf__load_aliases(c, pool, rm, err);
        if (rc < 0)
            return rc;
        for (size_t k = 0; k < rm->n_latest_versions; k++) {
            versions = mlf_sql_registry_grow(pool, versions, n_versions, &cap, sizeof(*versions));
            versions[n_versions++] = rm->latest_versions[k];
        }
    }
    int rc = mlf_sql_mv_load_tags_many(c, pool, versions, n_versions, err);
    if (rc == 0)
        rc = mlf__load_tags_many(c, pool, rms, n, err);
    return rc;
}

int mlf_sql_rm_fetch(mlf_sql_conn *c, mlf_pool *pool, const char *name, bool full, Mlflow__RegisteredModel **ret,
                     mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT " MLF_SQL_RM_COLUMNS " FROM registered_models AS rm "
                             "WHERE rm.workspace = " MLF_SQL_WS " AND rm.name = ?",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, name);
    rc = mlf_sql_step(st);
    if (rc == MLF_SQL_DONE) {
        mlf_sql_reset(st);
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Registered Model with name=%s not found",
                             name);
    }
    if (rc != MLF_SQL_ROW) {
        mlf_sql_reset(st);
        return mlf_sql_error(pool, c, rc, err);
    }
    Mlflow__RegisteredModel *rm = mlf_sql_rm_from_row(pool, st);
    mlf_sql_reset(st);
    if (full) {
        rc = mlf_sql_rm_load_details(c, pool, &rm, 1, err);
        if (rc < 0)
            return rc;
    }
    *ret = rm;
    return 0;
}

/* has_prompt_tag(): the key is there, whatever its value. */
static bool mlf__has_prompt_tag(Mlflow__RegisteredModelTag *const *tags, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (tags[i] != NULL && tags[i]->key != NULL && strcmp(tags[i]->key, MLF_SQL_PROMPT_TAG) == 0)
            return true;
    return false;
}

/* handle_resource_already_exist_error (mlflow/prompt/registry_utils.py) after the insert hit the name. */
static int mlf__already_exists(mlf_sql_conn *c, mlf_pool *pool, const char *name,
                               Mlflow__RegisteredModelTag *const *tags, size_t n_tags, mlf_error *err)
{
    Mlflow__RegisteredModel *existing;
    int rc = mlf_sql_rm_fetch(c, pool, name, false, &existing, err);
    if (rc == 0)
        rc = mlf__load_tags_many(c, pool, &existing, 1, err);
    if (rc < 0)
        return rc;
    const char *old_entity = mlf__has_prompt_tag(existing->tags, existing->n_tags) ? "Prompt" : "Registered Model";
    const char *new_entity = mlf__has_prompt_tag(tags, n_tags) ? "Prompt" : "Registered Model";
    if (strcmp(old_entity, new_entity) != 0)
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_ALREADY_EXISTS,
                             "Tried to create a %s with name %s, but the name is already taken by a %s. MLflow does "
                             "not allow creating a model and a prompt with the same name.",
                             new_entity[0] == 'P' ? "prompt" : "registered model", mlf_pystr_repr(pool, name),
                             old_entity[0] == 'P' ? "prompt" : "registered model");
    return mlf_error_set(err, pool, MLF_ERR_RESOURCE_ALREADY_EXISTS, "%s (name=%s) already exists.", new_entity, name);
}

static int mlf__create_in_tx(mlf_sql_conn *c, mlf_pool *pool, const char *name, Mlflow__RegisteredModelTag *const *tags,
                             size_t n_tags, const char *description, Mlflow__RegisteredModel **ret, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "INSERT INTO registered_models (name, creation_time, last_updated_time, description) "
                             "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                             &st, err);
    if (rc < 0)
        return rc;
    int64_t now = mlf_sql_now_ms();
    mlf_sql_bind_text(st, 1, name);
    mlf_sql_bind_int64(st, 2, now);
    mlf_sql_bind_int64(st, 3, now);
    mlf_sql_bind_text(st, 4, description);
    rc = mlf_sql_step(st);
    mlf_sql_reset(st);
    /* a taken name inserts nothing (rather than failing, which would end a PostgreSQL transaction) */
    if (rc == MLF_SQL_DONE && mlf_sql_changes(c) == 0)
        return mlf__already_exists(c, pool, name, tags, n_tags, err);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);

    Mlflow__RegisteredModel *rm = MLF_NEW(pool, Mlflow__RegisteredModel);
    mlflow__registered_model__init(rm);
    rm->name = (char *)name;
    rm->has_creation_timestamp = rm->has_last_updated_timestamp = 1;
    rm->creation_timestamp = rm->last_updated_timestamp = now;
    if (description != NULL && description[0] != '\0')
        rm->description = (char *)description;
    rm->tags = MLF_NEW_ARRAY(pool, Mlflow__RegisteredModelTag *, n_tags + 1);
    for (size_t i = 0; i < n_tags; i++) {
        long w = mlf_sql_registry_dict_winner((const void *const *)tags, offsetof(Mlflow__RegisteredModelTag, key),
                                              n_tags, i);
        if (w < 0)
            continue;
        rc = mlf_sql_prepare(c, pool, "INSERT INTO registered_model_tags (\"key\", value, name) VALUES (?, ?, ?)", &st,
                             err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_text(st, 1, tags[i]->key);
        mlf_sql_bind_text(st, 2, tags[w]->value);
        mlf_sql_bind_text(st, 3, name);
        rc = mlf__sql_step_done(c, pool, st, err);
        if (rc < 0)
            return rc;
        Mlflow__RegisteredModelTag *t = MLF_NEW(pool, Mlflow__RegisteredModelTag);
        mlflow__registered_model_tag__init(t);
        t->key = tags[i]->key;
        t->value = tags[w]->value;
        rm->tags[rm->n_tags++] = t;
    }
    *ret = rm;
    return 0;
}

typedef struct {
    const char *name;
    Mlflow__RegisteredModelTag *const *tags;
    size_t n_tags;
    const char *description;
    Mlflow__RegisteredModel **ret;
} mlf__create_args;

static int mlf__create_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__create_args *a = arg;
    return mlf__create_in_tx(c, pool, a->name, a->tags, a->n_tags, a->description, a->ret, err);
}

int mlf_store_create_registered_model(mlf_store *store, mlf_pool *pool, const char *name,
                                      Mlflow__RegisteredModelTag *const *tags, size_t n_tags, const char *description,
                                      Mlflow__RegisteredModel **ret, mlf_error *err)
{
    mlf__create_args a = {name, tags, n_tags, description, ret};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__create_tx, &a, err);
}

int mlf_store_get_registered_model(mlf_store *store, mlf_pool *pool, const char *name, Mlflow__RegisteredModel **ret,
                                   mlf_error *err)
{
    mlf_sql_store *s = mlf__store(store);
    mlf_sql_conn *c;
    int rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    rc = mlf_sql_rm_fetch(c, pool, name, true, ret, err);
    mlf_sql_read_end(s, c);
    return rc;
}

static int mlf__update_in_tx(mlf_sql_conn *c, mlf_pool *pool, const char *name, const char *description,
                             Mlflow__RegisteredModel **ret, mlf_error *err)
{
    Mlflow__RegisteredModel *rm;
    int rc = mlf_sql_rm_fetch(c, pool, name, false, &rm, err);
    if (rc < 0)
        return rc;
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool,
                         "UPDATE registered_models SET description = ?, last_updated_time = ? "
                         "WHERE workspace = " MLF_SQL_WS " AND name = ?",
                         &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, description);
    mlf_sql_bind_int64(st, 2, mlf_sql_now_ms());
    mlf_sql_bind_text(st, 3, name);
    rc = mlf__sql_step_done(c, pool, st, err);
    if (rc < 0)
        return rc;
    return mlf_sql_rm_fetch(c, pool, name, true, ret, err);
}

typedef struct {
    const char *name;
    const char *description;
    Mlflow__RegisteredModel **ret;
} mlf__update_args;

static int mlf__update_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__update_args *a = arg;
    return mlf__update_in_tx(c, pool, a->name, a->description, a->ret, err);
}

int mlf_store_update_registered_model(mlf_store *store, mlf_pool *pool, const char *name, const char *description,
                                      Mlflow__RegisteredModel **ret, mlf_error *err)
{
    mlf__update_args a = {name, description, ret};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__update_tx, &a, err);
}

/* Byte offset of code point k of UTF-8 s. */
static size_t mlf__cp_offset(const char *s, size_t k)
{
    size_t i = 0;
    for (; s[i] != '\0' && k > 0; k--) {
        uint32_t cp;
        i += mlf_pystr_utf8_next(s + i, &cp);
    }
    return i;
}

/* SQLAlchemy's trunc() of a bound parameter in an error: repr(), middle cut past 300 characters. */
static char *mlf__sqla_param(mlf_pool *pool, const char *value)
{
    char *rep = mlf_pystr_repr(pool, value);
    size_t n = mlf_pystr_len(rep);
    if (n <= 300)
        return rep;
    size_t head = mlf__cp_offset(rep, 150), tail = mlf__cp_offset(rep, n - 150);
    return mlf_pool_sprintf(pool, "%.*s ... (%zu characters truncated) ... %s", (int)head, rep, n - 300, rep + tail);
}

/*
 * str() of the IntegrityError MLflow's rename reports: its session flushes
 * the name change when it lazy-loads the versions, so SQLAlchemy wraps it in
 * the autoflush note, with the statement and its parameters (the row is
 * keyed by workspace and name: workspaces off, it is MLflow's 'default').
 */
static char *mlf__rename_integrity_error(mlf_pool *pool, mlf_sql_conn *c, const char *name, const char *new_name)
{
    if (mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES) /* psycopg2's pyformat parameters, a dict */
        return mlf_pool_sprintf(pool,
                                "%s(%s) %s\n[SQL: UPDATE registered_models SET name=%%(name)s WHERE "
                                "registered_models.workspace = %%(registered_models_workspace)s AND "
                                "registered_models.name = %%(registered_models_name)s]\n[parameters: {'name': %s, "
                                "'registered_models_workspace': " MLF_SQL_WS ", 'registered_models_name': %s}]\n"
                                "(Background on this error at: https://sqlalche.me/e/21/gkpj)",
                                mlf_sql_autoflush_note(c), mlf_sql_integrity_error_name(c), mlf_sql_errmsg(c),
                                mlf__sqla_param(pool, new_name), mlf__sqla_param(pool, name));
    return mlf_pool_sprintf(pool,
                            "(raised as a result of Query-invoked autoflush; consider using a session.no_autoflush "
                            "block if this flush is occurring prematurely)\n(%s) %s\n"
                            "[SQL: UPDATE registered_models SET name=? WHERE registered_models.workspace = ? AND "
                            "registered_models.name = ?]\n"
                            "[parameters: (%s, " MLF_SQL_WS ", %s)]\n(Background on this error at: "
                            "https://sqlalche.me/e/21/gkpj)",
                            mlf_sql_integrity_error_name(c), mlf_sql_errmsg(c), mlf__sqla_param(pool, new_name),
                            mlf__sqla_param(pool, name));
}

/*
 * The new name reaches the versions, their tags, the model's tags and its
 * aliases through the schema's ON UPDATE CASCADE foreign keys (as MLflow's
 * session relies on them); every version gets the new update time.
 */
static int mlf__rename_in_tx(mlf_sql_conn *c, mlf_pool *pool, const char *name, const char *new_name,
                             Mlflow__RegisteredModel **ret, mlf_error *err)
{
    Mlflow__RegisteredModel *rm;
    int rc = mlf_sql_rm_fetch(c, pool, name, false, &rm, err);
    if (rc < 0)
        return rc;
    int64_t now = mlf_sql_now_ms();
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool,
                         "UPDATE registered_models SET name = ?, last_updated_time = ? "
                         "WHERE workspace = " MLF_SQL_WS " AND name = ?",
                         &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, new_name);
    mlf_sql_bind_int64(st, 2, now);
    mlf_sql_bind_text(st, 3, name);
    rc = mlf_sql_step(st);
    mlf_sql_reset(st);
    if ((rc & 0xFF) == MLF_SQL_CONSTRAINT)
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_ALREADY_EXISTS,
                             "Registered Model (name=%s) already exists. Error: %s", new_name,
                             mlf__rename_integrity_error(pool, c, name, new_name));
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    rc = mlf_sql_prepare(c, pool,
                         "UPDATE model_versions SET last_updated_time = ? "
                         "WHERE workspace = " MLF_SQL_WS " AND name = ?",
                         &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_int64(st, 1, now);
    mlf_sql_bind_text(st, 2, new_name);
    rc = mlf__sql_step_done(c, pool, st, err);
    if (rc < 0)
        return rc;
    return mlf_sql_rm_fetch(c, pool, new_name, true, ret, err);
}

typedef struct {
    const char *name;
    const char *new_name;
    Mlflow__RegisteredModel **ret;
} mlf__rename_args;

static int mlf__rename_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__rename_args *a = arg;
    return mlf__rename_in_tx(c, pool, a->name, a->new_name, a->ret, err);
}

int mlf_store_rename_registered_model(mlf_store *store, mlf_pool *pool, const char *name, const char *new_name,
                                      Mlflow__RegisteredModel **ret, mlf_error *err)
{
    mlf__rename_args a = {name, new_name, ret};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__rename_tx, &a, err);
}

/* session.delete with cascade="all": version tags, versions (deleted ones too), tags, aliases, then the model. */
static int mlf__delete_in_tx(mlf_sql_conn *c, mlf_pool *pool, const char *name, mlf_error *err)
{
    Mlflow__RegisteredModel *rm;
    int rc = mlf_sql_rm_fetch(c, pool, name, false, &rm, err);
    if (rc < 0)
        return rc;
    static const char *const deletes[] = {
        "DELETE FROM model_version_tags WHERE workspace = " MLF_SQL_WS " AND name = ?",
        "DELETE FROM model_versions WHERE workspace = " MLF_SQL_WS " AND name = ?",
        "DELETE FROM registered_model_tags WHERE workspace = " MLF_SQL_WS " AND name = ?",
        "DELETE FROM registered_model_aliases WHERE workspace = " MLF_SQL_WS " AND name = ?",
        "DELETE FROM registered_models WHERE workspace = " MLF_SQL_WS " AND name = ?",
    };
    for (size_t i = 0; i < sizeof(deletes) / sizeof(deletes[0]); i++) {
        mlf_sql_stmt *st;
        rc = mlf_sql_prepare(c, pool, deletes[i], &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_text(st, 1, name);
        rc = mlf__sql_step_done(c, pool, st, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

typedef struct {
    const char *name;
} mlf__delete_args;

static int mlf__delete_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__delete_args *a = arg;
    return mlf__delete_in_tx(c, pool, a->name, err);
}

int mlf_store_delete_registered_model(mlf_store *store, mlf_pool *pool, const char *name, mlf_error *err)
{
    mlf__delete_args a = {name};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__delete_tx, &a, err);
}

/* get_latest_versions: the model's latest versions whose stage is one of stages, each with its aliases. */
static int mlf__latest_in_tx(mlf_sql_conn *c, mlf_pool *pool, const char *name, const char *const *stages,
                             size_t n_stages, Mlflow__ModelVersion ***ret, size_t *ret_n, mlf_error *err)
{
    static const char *const all_stages[] = {"None", "Staging", "Production", "Archived"};
    Mlflow__RegisteredModel *rm;
    int rc = mlf_sql_rm_fetch(c, pool, name, false, &rm, err);
    if (rc < 0)
        return rc;
    Mlflow__ModelVersion **latest;
    size_t n_latest;
    rc = mlf_sql_rm_latest_versions(c, pool, name, true, &latest, &n_latest, err);
    if (rc < 0)
        return rc;
    if (n_stages == 0) {
        stages = all_stages;
        n_stages = sizeof(all_stages) / sizeof(all_stages[0]);
    }
    Mlflow__ModelVersion **out = MLF_NEW_ARRAY(pool, Mlflow__ModelVersion *, n_latest + 1);
    size_t n = 0;
    for (size_t i = 0; i < n_latest; i++) {
        bool wanted = false;
        for (size_t k = 0; !wanted && k < n_stages; k++)
            wanted = latest[i]->current_stage != NULL && strcmp(latest[i]->current_stage, stages[k]) == 0;
        if (!wanted)
            continue;
        rc = mlf_sql_mv_load_aliases(c, pool, latest[i], err);
        if (rc < 0)
            return rc;
        out[n++] = latest[i];
    }
    *ret = out;
    *ret_n = n;
    return 0;
}

int mlf_store_get_latest_versions(mlf_store *store, mlf_pool *pool, const char *name, const char *const *stages,
                                  size_t n_stages, Mlflow__ModelVersion ***ret, size_t *ret_n, mlf_error *err)
{
    mlf_sql_store *s = mlf__store(store);
    mlf_sql_conn *c;
    int rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    rc = mlf__latest_in_tx(c, pool, name, stages, n_stages, ret, ret_n, err);
    mlf_sql_read_end(s, c);
    return rc;
}

/* The registered model of a tag (a missing tag is not an error when deleting). */
static int mlf__tag_owner(mlf_sql_conn *c, mlf_pool *pool, const char *const *ids, bool deleting,
                          mlf_sql_tag_owner *ret, mlf_error *err)
{
    (void)deleting;
    Mlflow__RegisteredModel *rm;
    int rc = mlf_sql_rm_fetch(c, pool, ids[0], false, &rm, err);
    if (rc < 0)
        return rc;
    ret->text[0] = ids[0];
    return 0;
}

static const mlf_sql_tag_kind mlf__tags = {
    .table = "registered_model_tags",
    .columns = {"name"},
    .owner = mlf__tag_owner,
    .in_workspace = true, /* the row takes the default workspace; the key names it */
};

int mlf_store_set_registered_model_tag(mlf_store *store, mlf_pool *pool, const char *name, const char *key,
                                       const char *value, mlf_error *err)
{
    return mlf_sql_entity_tag_set(mlf__store(store), pool, &mlf__tags, (const char *const[]){name}, key, value, err);
}

int mlf_store_delete_registered_model_tag(mlf_store *store, mlf_pool *pool, const char *name, const char *key,
                                          mlf_error *err)
{
    return mlf_sql_entity_tag_delete(mlf__store(store), pool, &mlf__tags, (const char *const[]){name}, key, err);
}
