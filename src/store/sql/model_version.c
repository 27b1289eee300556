/*
 * Model versions, their tags and the registered model aliases on both backends,
 * mirroring the model registry's SqlAlchemyStore (MLflow 3.6) and
 * SqlModelVersion.to_mlflow_entity / ModelVersion.to_proto. Also the two
 * reads of tracking tables that registering a version needs (a run's
 * artifact_uri, a logged model) and the logged model's mlflow.modelVersions
 * tag that MLflow's handler writes afterwards.
 *
 * Versions from requests are bound as the text they came as, as MLflow's
 * driver binds them: SQLite's integer affinity on the version columns makes
 * "3", "03" (and "3.0", which the service refuses first) find version 3,
 * while "3_0", which Python's int() accepts, finds nothing.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "store/sql/registry.h"
#include "json/json.h"

#define MLF__STAGE_ARCHIVED "Archived"
/* mlflow.utils.mlflow_tags.MLFLOW_MODEL_VERSIONS */
#define MLF__MODEL_VERSIONS_TAG "mlflow.modelVersions"

/*
 * The version as the column compares it: SQLite's integer affinity reads
 * "1.0" as 1, so the store always gives the integer's text when the value is
 * one; anything else is left for the query (no row on SQLite, a DataError
 * on PostgreSQL, as psycopg2 would get).
 */
static const char *mlf__version_text(mlf_pool *pool, const char *version)
{
    if (version == NULL || version[0] == '\0')
        return version;
    char *end;
    double d = strtod(version, &end);
    if (*end != '\0' || d != d || d < -9.2e18 || d > 9.2e18 || d != (double)(int64_t)d ||
        strpbrk(version, "xXnN") != NULL)
        return version;
    return mlf_pool_sprintf(pool, "%" PRId64, (int64_t)d);
}

static mlf_sql_store *mlf__store(mlf_store *store)
{
    return (mlf_sql_store *)store;
}

int mlf_sql_mv_from_row(mlf_pool *pool, mlf_sql_stmt *st, Mlflow__ModelVersion **ret, mlf_error *err)
{
    Mlflow__ModelVersion *mv = MLF_NEW(pool, Mlflow__ModelVersion);
    mlflow__model_version__init(mv);
    mv->name = mlf_sql_column_text_dup(pool, st, 0);
    mv->version = mlf_sql_column_text_dup(pool, st, 1);
    /* ModelVersion.to_proto: optional fields are set when not None, status_message when truthy */
    if (mlf_sql_column_type(st, 2) != MLF_SQL_NULL) {
        mv->has_creation_timestamp = 1;
        mv->creation_timestamp = mlf_sql_column_int64(st, 2);
    }
    if (mlf_sql_column_type(st, 3) != MLF_SQL_NULL) {
        mv->has_last_updated_timestamp = 1;
        mv->last_updated_timestamp = mlf_sql_column_int64(st, 3);
    }
    mv->description = mlf_sql_column_text_dup(pool, st, 4);
    mv->user_id = mlf_sql_column_text_dup(pool, st, 5);
    mv->current_stage = mlf_sql_column_text_dup(pool, st, 6);
    mv->source = mlf_sql_column_text_dup(pool, st, 7);
    mv->run_id = mlf_sql_column_text_dup(pool, st, 8);
    const char *status = mlf_sql_column_text_dup(pool, st, 9);
    if (status != NULL) {
        static const struct {
            const char *name;
            Mlflow__ModelVersionStatus value;
        } statuses[] = {
            {"PENDING_REGISTRATION", MLFLOW__MODEL_VERSION_STATUS__PENDING_REGISTRATION},
            {"FAILED_REGISTRATION", MLFLOW__MODEL_VERSION_STATUS__FAILED_REGISTRATION},
            {"READY", MLFLOW__MODEL_VERSION_STATUS__READY},
        };
        size_t k = 0;
        while (k < sizeof(statuses) / sizeof(statuses[0]) && strcmp(statuses[k].name, status) != 0)
            k++;
        if (k == sizeof(statuses) / sizeof(statuses[0]))
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                 "Could not get model version status corresponding to string %s. Valid status "
                                 "strings: ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY']",
                                 status);
        mv->has_status = 1;
        mv->status = statuses[k].value;
    }
    char *status_message = mlf_sql_column_text_dup(pool, st, 10);
    if (status_message != NULL && status_message[0] != '\0')
        mv->status_message = status_message;
    mv->run_link = mlf_sql_column_text_dup(pool, st, 11);
    *ret = mv;
    return 0;
}

typedef struct {
    const char *name;
    int64_t version;
    size_t index;
} mlf__mv_key;

static int mlf__cmp_mv_key(const void *a, const void *b)
{
    const mlf__mv_key *x = a, *y = b;
    int c = x->name == y->name ? 0 : strcmp(x->name, y->name);
    if (c != 0)
        return c;
    return (x->version > y->version) - (x->version < y->version);
}

typedef struct {
    int64_t rowid;
    size_t index;
    Mlflow__ModelVersionTag *tag;
} mlf__found_tag;

static int mlf__cmp_found_tag(const void *a, const void *b)
{
    const mlf__found_tag *x = a, *y = b;
    if (x->rowid != y->rowid)
        return (x->rowid > y->rowid) - (x->rowid < y->rowid);
    return (x->index > y->index) - (x->index < y->index);
}

/* up to this many versions, their tags are looked up one (key, name, version) at a time */
#define MLF__TAG_SEEK_VERSIONS 256

int mlf_sql_mv_load_tags_many(mlf_sql_conn *c, mlf_pool *pool, Mlflow__ModelVersion *const *mvs, size_t n,
                              mlf_error *err)
{
    if (n == 0)
        return 0;
    const char *tag_keys;
    int rc = mlf_sql_registry_tag_keys(c, pool, true, &tag_keys, err);
    if (rc < 0)
        return rc;
    if (tag_keys != NULL && strcmp(tag_keys, "[]") == 0)
        return 0;
    mlf__mv_key *keys = MLF_NEW_ARRAY(pool, mlf__mv_key, n);
    for (size_t i = 0; i < n; i++) {
        /* versions of one model next to each other share one name pointer: the sort compares it first */
        const char *name = i > 0 && strcmp(mvs[i]->name, keys[i - 1].name) == 0 ? keys[i - 1].name : mvs[i]->name;
        keys[i] = (mlf__mv_key){.name = name, .version = strtoll(mvs[i]->version, NULL, 10), .index = i};
    }
    qsort(keys, n, sizeof(*keys), mlf__cmp_mv_key);
    /* the distinct names, as a JSON array for json_each */
    mlf_buf names;
    mlf_buf_init(&names, pool, 64);
    mlf_buf_putc(&names, '[');
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (keys[i].name == keys[i - 1].name || strcmp(keys[i].name, keys[i - 1].name) == 0))
            continue;
        if (names.len > 1)
            mlf_buf_putc(&names, ',');
        mlf_json_write_string(&names, keys[i].name, strlen(keys[i].name));
    }
    mlf_buf_putc(&names, ']');
    /* with few versions each (key, name, version) is one seek; with many, (key, name) ranges read faster */
    mlf_buf versions;
    mlf_buf_init(&versions, pool, 16);
    if (tag_keys != NULL && n <= MLF__TAG_SEEK_VERSIONS) {
        mlf_buf_putc(&versions, '[');
        for (size_t i = 0; i < n; i++)
            mlf_buf_printf(&versions, "%s%" PRId64, i > 0 ? "," : "", keys[i].version);
        mlf_buf_putc(&versions, ']');
    }
    /* CROSS JOIN keeps the keys outer, each a seek in the (workspace, key, name[, version]) primary key:
       left to choose, SQLite takes 3.18's (workspace, name[, version]) index and reads json_each again for
       every row (3x slower over a model's 10,000 versions) */
    mlf_sql_stmt *st;
    if (versions.len > 0)
        rc = mlf_sql_prepare(c, pool,
                             "SELECT t.name, t.version, t.\"key\", t.value, t.rowid FROM json_each(?2) AS k "
                             "CROSS JOIN model_version_tags AS t ON t.\"key\" = k.value "
                             "WHERE t.workspace = " MLF_SQL_WS " AND t.name IN (SELECT value FROM json_each(?1)) "
                             "AND t.version IN (SELECT CAST(value AS BIGINT) FROM json_each(?3))",
                             &st, err);
    else if (tag_keys != NULL)
        rc = mlf_sql_prepare(c, pool,
                             "SELECT t.name, t.version, t.\"key\", t.value, t.rowid FROM json_each(?2) AS k "
                             "CROSS JOIN model_version_tags AS t ON t.\"key\" = k.value "
                             "WHERE t.workspace = " MLF_SQL_WS " AND t.name IN (SELECT value FROM json_each(?1))",
                             &st, err);
    else
        rc = mlf_sql_prepare(c, pool,
                             "SELECT name, version, \"key\", value, rowid FROM model_version_tags "
                             "WHERE workspace = " MLF_SQL_WS " AND name IN (SELECT value FROM json_each(?1)) "
                             "ORDER BY rowid",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, names.data);
    if (tag_keys != NULL)
        mlf_sql_bind_text(st, 2, tag_keys);
    if (versions.len > 0)
        mlf_sql_bind_text(st, 3, versions.data);
    /* the index seeks come in key order: collect, then put each version's tags in rowid (insertion) order */
    mlf__found_tag *found = NULL;
    size_t n_found = 0, found_cap = 0;
    bool ordered = true;
    mlf__mv_key *next = keys; /* rows of one key come in (name, version) order: try the key after the last hit */
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        mlf__mv_key probe = {.name = (const char *)mlf_sql_column_text(st, 0), .version = mlf_sql_column_int64(st, 1)};
        if (probe.name == NULL)
            continue;
        mlf__mv_key *hit = next < keys + n && next->version == probe.version && strcmp(next->name, probe.name) == 0
                               ? next
                               : bsearch(&probe, keys, n, sizeof(*keys), mlf__cmp_mv_key);
        if (hit == NULL)
            continue;
        Mlflow__ModelVersionTag *t = MLF_NEW(pool, Mlflow__ModelVersionTag);
        mlflow__model_version_tag__init(t);
        t->key = mlf_sql_column_text_dup(pool, st, 2);
        t->value = mlf_sql_column_text_dup(pool, st, 3);
        int64_t rowid = mlf_sql_column_int64(st, 4);
        /* the same version may be in the list twice: give every copy the tag */
        while (hit > keys && mlf__cmp_mv_key(hit - 1, &probe) == 0)
            hit--;
        for (; hit < keys + n && mlf__cmp_mv_key(hit, &probe) == 0; hit++) {
            found = mlf_sql_registry_grow(pool, found, n_found, &found_cap, sizeof(*found));
            ordered = ordered && (n_found == 0 || found[n_found - 1].rowid < rowid);
            found[n_found++] = (mlf__found_tag){.rowid = rowid, .index = hit->index, .tag = t};
        }
        next = hit;
    }
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    if (!ordered)
        qsort(found, n_found, sizeof(*found), mlf__cmp_found_tag);
    size_t *cap = MLF_NEW_ARRAY(pool, size_t, n);
    for (size_t i = 0; i < n_found; i++) {
        Mlflow__ModelVersion *mv = mvs[found[i].index];
        mv->tags = mlf_sql_registry_grow(pool, mv->tags, mv->n_tags, &cap[found[i].index], sizeof(*mv->tags));
        mv->tags[mv->n_tags++] = found[i].tag;
    }
    return 0;
}

int mlf_sql_mv_load_tags(mlf_sql_conn *c, mlf_pool *pool, Mlflow__ModelVersion *mv, mlf_error *err)
{
    return mlf_sql_mv_load_tags_many(c, pool, &mv, 1, err);
}

int mlf_sql_mv_load_aliases(mlf_sql_conn *c, mlf_pool *pool, Mlflow__ModelVersion *mv, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT alias FROM registered_model_aliases "
                             "WHERE workspace = " MLF_SQL_WS " AND name = ? AND version = ? ORDER BY alias",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, mv->name);
    mlf_sql_bind_text(st, 2, mv->version);
    size_t cap = 0;
    mv->n_aliases = 0;
    mv->aliases = NULL;
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        mv->aliases = mlf_sql_registry_grow(pool, mv->aliases, mv->n_aliases, &cap, sizeof(*mv->aliases));
        mv->aliases[mv->n_aliases++] = mlf_sql_column_text_dup(pool, st, 0);
    }
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    return 0;
}

int mlf_sql_mv_fetch(mlf_sql_conn *c, mlf_pool *pool, const char *name, const char *version, bool with_tags,
                     Mlflow__ModelVersion **ret, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT " MLF_SQL_MV_COLUMNS " FROM model_versions AS mv "
                             "WHERE mv.workspace = " MLF_SQL_WS " AND mv.name = ? AND mv.version = ? "
                             "AND mv.current_stage != ?",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, name);
    mlf_sql_bind_text(st, 2, version);
    mlf_sql_bind_text(st, 3, MLF_SQL_STAGE_DELETED);
    rc = mlf_sql_step(st);
    if (rc == MLF_SQL_DONE) {
        mlf_sql_reset(st);
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST,
                             "Model Version (name=%s, version=%s) not found", name, version);
    }
    if (rc != MLF_SQL_ROW) {
        mlf_sql_reset(st);
        return mlf_sql_error(pool, c, rc, err);
    }
    Mlflow__ModelVersion *mv;
    rc = mlf_sql_mv_from_row(pool, st, &mv, err);
    mlf_sql_reset(st);
    if (rc == 0 && with_tags)
        rc = mlf_sql_mv_load_tags(c, pool, mv, err);
    if (rc < 0)
        return rc;
    *ret = mv;
    return 0;
}

int mlf_sql_rm_latest_versions(mlf_sql_conn *c, mlf_pool *pool, const char *name, bool with_tags,
                               Mlflow__ModelVersion ***ret, size_t *ret_n, mlf_error *err)
{
    /* to_mlflow_entity walks the versions in primary key order and keeps the highest per stage; a stage's
     * place in the result is where it was first seen. NULL stages form their own group, as None does. */
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT max(version) FROM model_versions "
                             "WHERE workspace = " MLF_SQL_WS " AND name = ? AND current_stage IS NOT ? "
                             "GROUP BY current_stage ORDER BY min(version)",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, name);
    mlf_sql_bind_text(st, 2, MLF_SQL_STAGE_DELETED);
    char **list = NULL;
    size_t n = 0, cap = 0;
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        list = mlf_sql_registry_grow(pool, list, n, &cap, sizeof(*list));
        list[n++] = mlf_sql_column_text_dup(pool, st, 0);
    }
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    Mlflow__ModelVersion **out = MLF_NEW_ARRAY(pool, Mlflow__ModelVersion *, n + 1);
    rc = mlf_sql_prepare(c, pool,
                         "SELECT " MLF_SQL_MV_COLUMNS " FROM model_versions AS mv "
                         "WHERE mv.workspace = " MLF_SQL_WS " AND mv.name = ? AND mv.version = ?",
                         &st, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        mlf_sql_reset(st);
        mlf_sql_bind_text(st, 1, name);
        mlf_sql_bind_text(st, 2, list[i]);
        rc = mlf_sql_step(st);
        if (rc != MLF_SQL_ROW) {
            mlf_sql_reset(st);
            return mlf_sql_error(pool, c, rc == MLF_SQL_DONE ? MLF_SQL_CORRUPT : rc, err);
        }
        rc = mlf_sql_mv_from_row(pool, st, &out[i], err);
        if (rc < 0) {
            mlf_sql_reset(st);
            return rc;
        }
    }
    mlf_sql_reset(st);
    if (with_tags) {
        rc = mlf_sql_mv_load_tags_many(c, pool, out, n, err);
        if (rc < 0)
            return rc;
    }
    *ret = out;
    *ret_n = n;
    return 0;
}

/* Fetches a version with tags and aliases, as the store methods return it. */
static int mlf__fetch_full(mlf_sql_conn *c, mlf_pool *pool, const char *name, const char *version,
                           Mlflow__ModelVersion **ret, mlf_error *err)
{
    int rc = mlf_sql_mv_fetch(c, pool, name, version, true, ret, err);
    if (rc == 0)
        rc = mlf_sql_mv_load_aliases(c, pool, *ret, err);
    return rc;
}

/* A version's change moves its model's last_updated_time. */
#define MLF__TOUCH_MODEL_SQL                                                                                           \
    "UPDATE registered_models SET last_updated_time = ? WHERE workspace = " MLF_SQL_WS " AND name = ?"

static int mlf__create_in_tx(mlf_sql_conn *c, mlf_pool *pool, const mlf_store_new_model_version *mv,
                             Mlflow__ModelVersion **ret, mlf_error *err)
{
    Mlflow__RegisteredModel *rm;
    int rc = mlf_sql_rm_fetch(c, pool, mv->name, false, &rm, err);
    if (rc < 0)
        return rc;
    /* the model's row first: on PostgreSQL its row lock queues concurrent creators (in any process), each
       then reads the versions committed before it; SQLite's write lock does the same */
    int64_t now = mlf_sql_now_ms();
    rc = mlf__sql_exec(c, pool, MLF__TOUCH_MODEL_SQL, "it", (const void *[]){&now, mv->name}, err);
    if (rc < 0)
        return rc;
    /* next_version: deleted versions count, so numbers are never reused */
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool,
                         "SELECT coalesce(max(version), 0) + 1 FROM model_versions "
                         "WHERE workspace = " MLF_SQL_WS " AND name = ?",
                         &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, mv->name);
    rc = mlf_sql_step(st);
    int64_t version = mlf_sql_column_int64(st, 0);
    mlf_sql_reset(st);
    if (rc != MLF_SQL_ROW)
        return mlf_sql_error(pool, c, rc, err);
    rc = mlf_sql_prepare(c, pool,
                         "INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, "
                         "user_id, current_stage, source, run_id, status, status_message, run_link, "
                         "storage_location) VALUES (?, ?, ?, ?, ?, NULL, 'None', ?, ?, 'READY', NULL, ?, ?)",
                         &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, mv->name);
    mlf_sql_bind_int64(st, 2, version);
    mlf_sql_bind_int64(st, 3, now);
    mlf_sql_bind_int64(st, 4, now);
    mlf_sql_bind_text(st, 5, mv->description);
    mlf_sql_bind_text(st, 6, mv->source);
    mlf_sql_bind_text(st, 7, mv->run_id);
    mlf_sql_bind_text(st, 8, mv->run_link);
    mlf_sql_bind_text(st, 9, mv->storage_location);
    rc = mlf_sql_step(st);
    mlf_sql_reset(st);
    if ((rc & 0xFF) == MLF_SQL_CONSTRAINT) /* MLflow retries three times, then gives up with this */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                             "Model Version creation error (name=%s). Giving up after 3 attempts.", mv->name);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    Mlflow__ModelVersion *out;
    rc = mlf_sql_mv_fetch(c, pool, mv->name, mlf_pool_sprintf(pool, "%" PRId64, version), false, &out, err);
    if (rc < 0)
        return rc;
    /* a new version's tags are the ones written here: no need to scan model_version_tags for them */
    out->tags = MLF_NEW_ARRAY(pool, Mlflow__ModelVersionTag *, mv->n_tags + 1);
    for (size_t i = 0; i < mv->n_tags; i++) {
        long w = mlf_sql_registry_dict_winner((const void *const *)mv->tags, offsetof(Mlflow__ModelVersionTag, key),
                                              mv->n_tags, i);
        if (w < 0)
            continue;
        rc = mlf__sql_exec(c, pool,
                           "INSERT INTO model_version_tags (\"key\", value, name, version) VALUES (?, ?, ?, ?)", "ttti",
                           (const void *[]){mv->tags[i]->key, mv->tags[w]->value, mv->name, &version}, err);
        if (rc < 0)
            return rc;
        Mlflow__ModelVersionTag *t = MLF_NEW(pool, Mlflow__ModelVersionTag);
        mlflow__model_version_tag__init(t);
        t->key = mv->tags[i]->key;
        t->value = mv->tags[w]->value;
        out->tags[out->n_tags++] = t;
    }
    rc = mlf_sql_mv_load_aliases(c, pool, out, err);
    if (rc < 0)
        return rc;
    *ret = out;
    return 0;
}

typedef struct {
    const mlf_store_new_model_version *mv;
    Mlflow__ModelVersion **ret;
} mlf__create_args;

static int mlf__create_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__create_args *a = arg;
    return mlf__create_in_tx(c, pool, a->mv, a->ret, err);
}

int mlf_store_create_model_version(mlf_store *store, mlf_pool *pool, const mlf_store_new_model_version *mv,
                                   Mlflow__ModelVersion **ret, mlf_error *err)
{
    mlf__create_args a = {mv, ret};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__create_tx, &a, err);
}

int mlf_store_get_model_version(mlf_store *store, mlf_pool *pool, const char *name, const char *version,
                                Mlflow__ModelVersion **ret, mlf_error *err)
{
    version = mlf__version_text(pool, version);
    mlf_sql_store *s = mlf__store(store);
    mlf_sql_conn *c;
    int rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    rc = mlf__fetch_full(c, pool, name, version, ret, err);
    mlf_sql_read_end(s, c);
    return rc;
}

static int mlf__update_in_tx(mlf_sql_conn *c, mlf_pool *pool, const char *name, const char *version,
                             const char *description, Mlflow__ModelVersion **ret, mlf_error *err)
{
    Mlflow__ModelVersion *mv;
    int rc = mlf_sql_mv_fetch(c, pool, name, version, false, &mv, err);
    if (rc < 0)
        return rc;
    int64_t now = mlf_sql_now_ms();
    rc = mlf__sql_exec(c, pool,
                       "UPDATE model_versions SET description = ?, last_updated_time = ? "
                       "WHERE workspace = " MLF_SQL_WS " AND name = ? AND version = ?",
                       "titt", (const void *[]){description, &now, mv->name, mv->version}, err);
    if (rc < 0)
        return rc;
    return mlf__fetch_full(c, pool, mv->name, mv->version, ret, err);
}

typedef struct {
    const char *name;
    const char *version;
    const char *description;
    Mlflow__ModelVersion **ret;
} mlf__update_args;

static int mlf__update_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__update_args *a = arg;
    return mlf__update_in_tx(c, pool, a->name, a->version, a->description, a->ret, err);
}

int mlf_store_update_model_version(mlf_store *store, mlf_pool *pool, const char *name, const char *version,
                                   const char *description, Mlflow__ModelVersion **ret, mlf_error *err)
{
    version = mlf__version_text(pool, version);
    mlf__update_args a = {name, version, description, ret};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__update_tx, &a, err);
}

static int mlf__transition_in_tx(mlf_sql_conn *c, mlf_pool *pool, const char *name, const char *version,
                                 const char *stage, bool archive, Mlflow__ModelVersion **ret, mlf_error *err)
{
    int64_t now = mlf_sql_now_ms();
    int rc;
    if (archive) {
        /* MLflow archives the others before it looks the version up; a failed lookup rolls this back */
        rc = mlf__sql_exec(c, pool,
                           "UPDATE model_versions SET current_stage = ?, last_updated_time = ? "
                           "WHERE workspace = " MLF_SQL_WS " AND name = ? AND version != ? AND current_stage = ?",
                           "tittt", (const void *[]){MLF__STAGE_ARCHIVED, &now, name, version, stage}, err);
        if (rc < 0)
            return rc;
    }
    Mlflow__ModelVersion *mv;
    rc = mlf_sql_mv_fetch(c, pool, name, version, false, &mv, err);
    if (rc < 0)
        return rc;
    rc = mlf__sql_exec(c, pool,
                       "UPDATE model_versions SET current_stage = ?, last_updated_time = ? "
                       "WHERE workspace = " MLF_SQL_WS " AND name = ? AND version = ?",
                       "titt", (const void *[]){stage, &now, mv->name, mv->version}, err);
    if (rc == 0)
        rc = mlf__sql_exec(c, pool, MLF__TOUCH_MODEL_SQL, "it", (const void *[]){&now, mv->name}, err);
    if (rc < 0)
        return rc;
    return mlf__fetch_full(c, pool, mv->name, mv->version, ret, err);
}

typedef struct {
    const char *name;
    const char *version;
    const char *stage;
    bool archive_existing_versions;
    Mlflow__ModelVersion **ret;
} mlf__transition_args;

static int mlf__transition_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__transition_args *a = arg;
    return mlf__transition_in_tx(c, pool, a->name, a->version, a->stage, a->archive_existing_versions, a->ret, err);
}

int mlf_store_transition_model_version_stage(mlf_store *store, mlf_pool *pool, const char *name, const char *version,
                                             const char *stage, bool archive_existing_versions,
                                             Mlflow__ModelVersion **ret, mlf_error *err)
{
    version = mlf__version_text(pool, version);
    mlf__transition_args a = {name, version, stage, archive_existing_versions, ret};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__transition_tx, &a, err);
}

/*
 * The row stays with stage Deleted_Internal and its personal fields redacted
 * (tags and storage_location are kept, as in MLflow), so its number is never
 * reused; the aliases naming it go. That is what the issue asks and what
 * MLflow's store means (its own store test deletes with an int version); over
 * REST MLflow 3.5/3.6 compares the int column with the string version and so
 * keeps the alias, dangling (getModelVersionByAlias then answers 404): a bug
 * we do not copy.
 */
static int mlf__delete_in_tx(mlf_sql_conn *c, mlf_pool *pool, const char *name, const char *version, mlf_error *err)
{
    Mlflow__ModelVersion *mv;
    int rc = mlf_sql_mv_fetch(c, pool, name, version, false, &mv, err);
    if (rc < 0)
        return rc;
    int64_t now = mlf_sql_now_ms();
    rc = mlf__sql_exec(c, pool, MLF__TOUCH_MODEL_SQL, "it", (const void *[]){&now, mv->name}, err);
    if (rc == 0)
        rc = mlf__sql_exec(c, pool,
                           "DELETE FROM registered_model_aliases "
                           "WHERE workspace = " MLF_SQL_WS " AND name = ? AND version = ?",
                           "tt", (const void *[]){mv->name, mv->version}, err);
    if (rc == 0)
        rc = mlf__sql_exec(c, pool,
                           "UPDATE model_versions SET current_stage = ?, last_updated_time = ?, description = NULL, "
                           "user_id = NULL, source = 'REDACTED-SOURCE-PATH', run_id = 'REDACTED-RUN-ID', "
                           "run_link = 'REDACTED-RUN-LINK', status_message = NULL "
                           "WHERE workspace = " MLF_SQL_WS " AND name = ? AND version = ?",
                           "titt", (const void *[]){MLF_SQL_STAGE_DELETED, &now, mv->name, mv->version}, err);
    return rc;
}

typedef struct {
    const char *name;
    const char *version;
} mlf__delete_args;

static int mlf__delete_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__delete_args *a = arg;
    return mlf__delete_in_tx(c, pool, a->name, a->version, err);
}

int mlf_store_delete_model_version(mlf_store *store, mlf_pool *pool, const char *name, const char *version,
                                   mlf_error *err)
{
    version = mlf__version_text(pool, version);
    mlf__delete_args a = {name, version};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__delete_tx, &a, err);
}

/* `storage_location or source` */
static int mlf__download_uri_in_tx(mlf_sql_conn *c, mlf_pool *pool, const char *name, const char *version,
                                   const char **ret, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT storage_location, source FROM model_versions "
                             "WHERE workspace = " MLF_SQL_WS " AND name = ? AND version = ? AND current_stage != ?",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, name);
    mlf_sql_bind_text(st, 2, version);
    mlf_sql_bind_text(st, 3, MLF_SQL_STAGE_DELETED);
    rc = mlf_sql_step(st);
    if (rc != MLF_SQL_ROW) {
        mlf_sql_reset(st);
        if (rc == MLF_SQL_DONE)
            return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST,
                                 "Model Version (name=%s, version=%s) not found", name, version);
        return mlf_sql_error(pool, c, rc, err);
    }
    const char *location = mlf_sql_column_text_dup(pool, st, 0);
    if (location == NULL || location[0] == '\0')
        location = mlf_sql_column_text_dup(pool, st, 1);
    mlf_sql_reset(st);
    *ret = location;
    return 0;
}

int mlf_store_get_model_version_download_uri(mlf_store *store, mlf_pool *pool, const char *name, const char *version,
                                             const char **ret, mlf_error *err)
{
    version = mlf__version_text(pool, version);
    mlf_sql_store *s = mlf__store(store);
    mlf_sql_conn *c;
    int rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    rc = mlf__download_uri_in_tx(c, pool, name, version, ret, err);
    mlf_sql_read_end(s, c);
    return rc;
}

/* The model version of a tag, bound as its row names it (a missing tag is not an error when deleting). */
static int mlf__tag_owner(mlf_sql_conn *c, mlf_pool *pool, const char *const *ids, bool deleting,
                          mlf_sql_tag_owner *ret, mlf_error *err)
{
    (void)deleting;
    Mlflow__ModelVersion *mv;
    int rc = mlf_sql_mv_fetch(c, pool, ids[0], ids[1], false, &mv, err);
    if (rc < 0)
        return rc;
    ret->text[0] = mv->name;
    ret->text[1] = mv->version;
    return 0;
}

static const mlf_sql_tag_kind mlf__tags = {
    .table = "model_version_tags",
    .columns = {"name", "version"},
    .owner = mlf__tag_owner,
    .in_workspace = true, /* the row takes the default workspace; the key names it */
};

int mlf_store_set_model_version_tag(mlf_store *store, mlf_pool *pool, const char *name, const char *version,
                                    const char *key, const char *value, mlf_error *err)
{
    version = mlf__version_text(pool, version);
    return mlf_sql_entity_tag_set(mlf__store(store), pool, &mlf__tags, (const char *const[]){name, version}, key, value,
                                  err);
}

int mlf_store_delete_model_version_tag(mlf_store *store, mlf_pool *pool, const char *name, const char *version,
                                       const char *key, mlf_error *err)
{
    version = mlf__version_text(pool, version);
    return mlf_sql_entity_tag_delete(mlf__store(store), pool, &mlf__tags, (const char *const[]){name, version}, key,
                                     err);
}

static int mlf__set_alias_in_tx(mlf_sql_conn *c, mlf_pool *pool, const char *name, const char *alias,
                                const char *version, mlf_error *err)
{
    Mlflow__ModelVersion *mv;
    int rc = mlf_sql_mv_fetch(c, pool, name, version, false, &mv, err);
    if (rc < 0)
        return rc;
    /* session.merge on (workspace, name, alias): an alias moves to the new version */
    return mlf__sql_exec(c, pool,
                         "INSERT INTO registered_model_aliases (alias, version, name) VALUES (?, ?, ?) "
                         "ON CONFLICT (workspace, name, alias) DO UPDATE SET version = excluded.version",
                         "ttt", (const void *[]){alias, mv->version, mv->name}, err);
}

typedef struct {
    const char *name;
    const char *alias;
    const char *version;
} mlf__set_alias_args;

static int mlf__set_alias_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__set_alias_args *a = arg;
    return mlf__set_alias_in_tx(c, pool, a->name, a->alias, a->version, err);
}

int mlf_store_set_registered_model_alias(mlf_store *store, mlf_pool *pool, const char *name, const char *alias,
                                         const char *version, mlf_error *err)
{
    mlf__set_alias_args a = {name, alias, version};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__set_alias_tx, &a, err);
}

typedef struct {
    const char *name;
    const char *alias;
} mlf__delete_alias_args;

/* The transaction's body: the model must exist; a missing alias is not an error. */
static int mlf__delete_alias_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__delete_alias_args *a = arg;
    Mlflow__RegisteredModel *rm;
    int rc = mlf_sql_rm_fetch(c, pool, a->name, false, &rm, err);
    if (rc < 0)
        return rc;
    return mlf__sql_exec(c, pool,
                         "DELETE FROM registered_model_aliases "
                         "WHERE workspace = " MLF_SQL_WS " AND name = ? AND alias = ?",
                         "tt", (const void *[]){a->name, a->alias}, err);
}

int mlf_store_delete_registered_model_alias(mlf_store *store, mlf_pool *pool, const char *name, const char *alias,
                                            mlf_error *err)
{
    mlf__delete_alias_args a = {name, alias};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__delete_alias_tx, &a, err);
}

/* alias.lower() == "latest" (ASCII suffices: the alias passed ^[\w\-]*$ and no other letter lowers into it) */
static bool mlf__is_latest(const char *alias)
{
    static const char latest[] = "latest";
    size_t i = 0;
    for (; alias[i] != '\0' && i < sizeof(latest) - 1; i++) {
        char ch = alias[i] >= 'A' && alias[i] <= 'Z' ? (char)(alias[i] + 32) : alias[i];
        if (ch != latest[i])
            return false;
    }
    return alias[i] == '\0' && i == sizeof(latest) - 1;
}

static int mlf__by_alias_in_tx(mlf_sql_conn *c, mlf_pool *pool, const char *name, const char *alias,
                               Mlflow__ModelVersion **ret, mlf_error *err)
{
    int rc;
    if (mlf__is_latest(alias)) {
        /* the registered model must exist before its versions are looked at */
        Mlflow__RegisteredModel *rm;
        rc = mlf_sql_rm_fetch(c, pool, name, false, &rm, err);
        if (rc < 0)
            return rc;
        /* the highest version among the latest of each stage */
        Mlflow__ModelVersion **latest;
        size_t n;
        rc = mlf_sql_rm_latest_versions(c, pool, name, true, &latest, &n, err);
        if (rc < 0)
            return rc;
        Mlflow__ModelVersion *best = NULL;
        for (size_t i = 0; i < n; i++)
            if (best == NULL || strtoll(latest[i]->version, NULL, 10) > strtoll(best->version, NULL, 10))
                best = latest[i];
        if (best == NULL)
            return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Latest version not found for model %s.",
                                 name);
        *ret = best;
        return mlf_sql_mv_load_aliases(c, pool, best, err);
    }
    /* the model, then its alias, in one statement: no row is a missing model, a NULL alias row a missing alias
       (the model's lookup comes first, as in MLflow) */
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool,
                         "SELECT a.version FROM registered_models AS rm "
                         "LEFT JOIN registered_model_aliases AS a "
                         "ON a.workspace = rm.workspace AND a.name = rm.name AND a.alias = ? "
                         "WHERE rm.workspace = " MLF_SQL_WS " AND rm.name = ?",
                         &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, alias);
    mlf_sql_bind_text(st, 2, name);
    rc = mlf_sql_step(st);
    if (rc != MLF_SQL_ROW) {
        mlf_sql_reset(st);
        if (rc == MLF_SQL_DONE)
            return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Registered Model with name=%s not found",
                                 name);
        return mlf_sql_error(pool, c, rc, err);
    }
    char *version = mlf_sql_column_text_dup(pool, st, 0);
    mlf_sql_reset(st);
    if (version == NULL)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Registered model alias %s not found.",
                             alias);
    return mlf__fetch_full(c, pool, name, version, ret, err);
}

int mlf_store_get_model_version_by_alias(mlf_store *store, mlf_pool *pool, const char *name, const char *alias,
                                         Mlflow__ModelVersion **ret, mlf_error *err)
{
    mlf_sql_store *s = mlf__store(store);
    mlf_sql_conn *c;
    int rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    rc = mlf__by_alias_in_tx(c, pool, name, alias, ret, err);
    mlf_sql_read_end(s, c);
    return rc;
}

/* ---- the tracking tables source resolution reads (runs, logged models) ---- */

int mlf_store_get_source_run_artifact_uri(mlf_store *store, mlf_pool *pool, const char *run_id, const char **ret,
                                          mlf_error *err)
{
    mlf_sql_store *s = mlf__store(store);
    mlf_sql_conn *c;
    int rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool, "SELECT artifact_uri FROM runs WHERE run_uuid = ?", &st, err);
    if (rc == 0) {
        mlf_sql_bind_text(st, 1, run_id);
        int step = mlf_sql_step(st);
        if (step == MLF_SQL_ROW)
            *ret = mlf_sql_column_text_dup(pool, st, 0);
        else if (step == MLF_SQL_DONE)
            rc = mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Run with id=%s not found", run_id);
        else
            rc = mlf_sql_error(pool, c, step, err);
        mlf_sql_reset(st);
    }
    mlf_sql_read_end(s, c);
    return rc;
}

/* SqlAlchemyStore.get_logged_model's row: a NULL lifecycle stage does not match `!= 'deleted'` there either. */
static int mlf__logged_model(mlf_sql_conn *c, mlf_pool *pool, const char *model_id, const char **location,
                             const char **run_id, int64_t *experiment_id, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT artifact_location, source_run_id, experiment_id FROM logged_models "
                             "WHERE model_id = ? AND lifecycle_stage != 'deleted'",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, model_id);
    rc = mlf_sql_step(st);
    if (rc == MLF_SQL_ROW) {
        if (location != NULL)
            *location = mlf_sql_column_text_dup(pool, st, 0);
        if (run_id != NULL)
            *run_id = mlf_sql_column_text_dup(pool, st, 1);
        if (experiment_id != NULL)
            *experiment_id = mlf_sql_column_int64(st, 2);
        rc = 0;
    } else if (rc == MLF_SQL_DONE) {
        rc =
            mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Logged model with ID '%s' not found.", model_id);
    } else {
        rc = mlf_sql_error(pool, c, rc, err);
    }
    mlf_sql_reset(st);
    return rc;
}

int mlf_store_get_source_logged_model(mlf_store *store, mlf_pool *pool, const char *model_id,
                                      const char **ret_artifact_location, const char **ret_source_run_id,
                                      mlf_error *err)
{
    mlf_sql_store *s = mlf__store(store);
    mlf_sql_conn *c;
    int rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    rc = mlf__logged_model(c, pool, model_id, ret_artifact_location, ret_source_run_id, NULL, err);
    mlf_sql_read_end(s, c);
    return rc;
}

/* json.dumps(v) with Python's default separators, of a value json.loads gave. */
static void mlf__py_dumps(mlf_buf *b, const mlf_json *v)
{
    switch (v->type) {
    case MLF_JSON_NULL:
        mlf_buf_puts(b, "null");
        break;
    case MLF_JSON_BOOL:
        mlf_buf_puts(b, v->boolean ? "true" : "false");
        break;
    case MLF_JSON_NUMBER:
        if (mlf_json_is_int(v))
            mlf_buf_puts(b, strcmp(v->text, "-0") == 0 ? "0" : v->text);
        else
            mlf_json_write_double(b, v->number);
        break;
    case MLF_JSON_STRING:
        mlf_json_write_string_ascii(b, v->text, v->len);
        break;
    case MLF_JSON_ARRAY:
        mlf_buf_putc(b, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i > 0)
                mlf_buf_puts(b, ", ");
            mlf__py_dumps(b, v->items[i]);
        }
        mlf_buf_putc(b, ']');
        break;
    case MLF_JSON_OBJECT:
        mlf_buf_putc(b, '{');
        for (size_t i = 0; i < v->n; i++) {
            if (i > 0)
                mlf_buf_puts(b, ", ");
            mlf_json_write_string_ascii(b, v->keys[i], strlen(v->keys[i]));
            mlf_buf_puts(b, ": ");
            mlf__py_dumps(b, v->items[i]);
        }
        mlf_buf_putc(b, '}');
        break;
    }
}

/* `{"name": name, "version": version} in existing` (dict equality). */
static bool mlf__has_entry(const mlf_json *list, const char *name, int64_t version)
{
    for (size_t i = 0; i < list->n; i++) {
        const mlf_json *e = list->items[i];
        if (e->type != MLF_JSON_OBJECT || e->n != 2)
            continue;
        const mlf_json *n = mlf_json_get(e, "name"), *v = mlf_json_get(e, "version");
        if (n != NULL && v != NULL && n->type == MLF_JSON_STRING && strcmp(n->text, name) == 0 &&
            ((v->type == MLF_JSON_NUMBER && v->number == (double)version) ||
             (v->type == MLF_JSON_BOOL && (int64_t)v->boolean == version)))
            return true;
    }
    return false;
}

static int mlf__link_in_tx(mlf_sql_conn *c, mlf_pool *pool, const char *name, int64_t version, const char *model_id,
                           mlf_error *err)
{
    int64_t experiment_id;
    int rc = mlf__logged_model(c, pool, model_id, NULL, NULL, &experiment_id, err);
    if (rc < 0)
        return rc;
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool, "SELECT tag_value FROM logged_model_tags WHERE model_id = ? AND tag_key = ?", &st,
                         err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, model_id);
    mlf_sql_bind_text(st, 2, MLF__MODEL_VERSIONS_TAG);
    rc = mlf_sql_step(st);
    char *existing = rc == MLF_SQL_ROW ? mlf_sql_column_text_dup(pool, st, 0) : NULL;
    mlf_sql_reset(st);
    if (rc != MLF_SQL_ROW && rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);

    mlf_buf entry;
    mlf_buf_init(&entry, pool, 64);
    mlf_buf_puts(&entry, "{\"name\": ");
    mlf_json_write_string_ascii(&entry, name, strlen(name));
    mlf_buf_printf(&entry, ", \"version\": %" PRId64 "}", version);
    mlf_buf value;
    mlf_buf_init(&value, pool, 128);
    mlf_buf_putc(&value, '[');
    if (existing != NULL && existing[0] != '\0') {
        mlf_json *list;
        rc = mlf_json_parse(pool, existing, strlen(existing), &list, err);
        if (rc < 0 || list->type != MLF_JSON_ARRAY) /* json.loads or list + list fails in MLflow: a 500 */
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "Invalid %s tag on logged model %s",
                                 MLF__MODEL_VERSIONS_TAG, model_id);
        for (size_t i = 0; i < list->n; i++) {
            if (i > 0)
                mlf_buf_puts(&value, ", ");
            mlf__py_dumps(&value, list->items[i]);
        }
        if (mlf__has_entry(list, name, version)) {
            mlf_buf_putc(&value, ']');
        } else {
            if (list->n > 0)
                mlf_buf_puts(&value, ", ");
            mlf_buf_printf(&value, "%s]", entry.data);
        }
    } else {
        mlf_buf_printf(&value, "%s]", entry.data);
    }
    return mlf__sql_exec(c, pool,
                         "INSERT INTO logged_model_tags (model_id, experiment_id, tag_key, tag_value) "
                         "VALUES (?, ?, ?, ?) "
                         "ON CONFLICT (model_id, tag_key) DO UPDATE SET experiment_id = excluded.experiment_id, "
                         "tag_value = excluded.tag_value",
                         "titt", (const void *[]){model_id, &experiment_id, MLF__MODEL_VERSIONS_TAG, value.data}, err);
}

typedef struct {
    const char *name;
    int64_t version;
    const char *model_id;
} mlf__link_args;

static int mlf__link_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__link_args *a = arg;
    return mlf__link_in_tx(c, pool, a->name, a->version, a->model_id, err);
}

int mlf_store_set_model_versions_tags(mlf_store *store, mlf_pool *pool, const char *name, int64_t version,
                                      const char *model_id, mlf_error *err)
{
    mlf__link_args a = {name, version, model_id};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__link_tx, &a, err);
}
