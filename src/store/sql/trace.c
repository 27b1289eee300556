/*
 * Traces on both backends: a trace_info row and its tags and request
 * metadata read into TraceInfoV3 as SqlTraceInfo.to_mlflow_entity() does
 * (MLflow 3.18), rows written by Python MLflow included (the 3.18 schema:
 * trace_name, session_id and the token and cost columns on trace_info).
 */
#include <inttypes.h>
#include <string.h>

#include "store/pystr.h"
#include "store/sql/assessment.h"
#include "store/sql/trace.h"

/* TOKEN_COLUMN_BY_KEY and COST_COLUMN_BY_KEY, in their order (the order of json.dumps' keys) */
static const char *const mlf__token_keys[] = {"input_tokens", "output_tokens", "total_tokens",
                                              "cache_read_input_tokens", "cache_creation_input_tokens",
                                              "cache_creation_input_tokens_above_1hr"};
static const char *const mlf__cost_keys[] = {"input_cost", "output_cost", "total_cost"};
#define MLF__COL_TOKENS 10
#define MLF__COL_COSTS 16

char *mlf_sql_trace_ids_json(mlf_pool *pool, const int64_t *ids, size_t n)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 32);
    mlf_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++)
        mlf_buf_printf(&b, "%s%" PRId64, i > 0 ? "," : "", ids[i]);
    mlf_buf_putc(&b, ']');
    return b.data;
}

static void mlf__kv_put(mlf_pool *pool, mlf_sql_trace_kv *kv, char *key, char *value)
{
    for (size_t i = 0; i < kv->n; i++)
        if (strcmp(kv->keys[i], key) == 0) { /* a dict: the last value of a key wins */
            kv->values[i] = value;
            return;
        }
    if (kv->n == kv->cap) {
        size_t cap = kv->cap ? kv->cap * 2 : 8;
        char **k2 = MLF_NEW_ARRAY(pool, char *, cap), **v2 = MLF_NEW_ARRAY(pool, char *, cap);
        if (kv->n > 0) {
            memcpy(k2, kv->keys, kv->n * sizeof(char *));
            memcpy(v2, kv->values, kv->n * sizeof(char *));
        }
        kv->keys = k2;
        kv->values = v2;
        kv->cap = cap;
    }
    kv->keys[kv->n] = key;
    kv->values[kv->n++] = value;
}


/* TraceState(row.status).to_proto() */
static int mlf__state(const char *status, Mlflow__TraceInfoV3__State *ret)
{
    static const struct {
        const char *name;
        Mlflow__TraceInfoV3__State state;
    } states[] = {{"STATE_UNSPECIFIED", MLFLOW__TRACE_INFO_V3__STATE__STATE_UNSPECIFIED},
                  {"OK", MLFLOW__TRACE_INFO_V3__STATE__OK},
                  {"ERROR", MLFLOW__TRACE_INFO_V3__STATE__ERROR},
                  {"IN_PROGRESS", MLFLOW__TRACE_INFO_V3__STATE__IN_PROGRESS}};
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
        if (strcmp(status, states[i].name) == 0) {
            *ret = states[i].state;
            return 0;
        }
    return -1;
}

/* compatibility_metadata_from_columns: json.dumps of the non-NULL token counts or costs. */
static char *mlf__promoted_json(mlf_pool *pool, mlf_sql_stmt *st, int col0, const char *const *keys, size_t n,
                                bool costs)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int col = col0 + (int)i;
        if (mlf_sql_column_type(st, col) == MLF_SQL_NULL)
            continue;
        mlf_buf_puts(&b, k++ == 0 ? "{" : ", ");
        mlf_buf_printf(&b, "\"%s\": ", keys[i]);
        if (costs)
            mlf_buf_puts(&b, mlf_pystr_repr_float(pool, mlf_sql_column_double(st, col)));
        else
            mlf_buf_printf(&b, "%" PRId64, mlf_sql_column_int64(st, col));
    }
    if (k == 0)
        return NULL;
    mlf_buf_putc(&b, '}');
    return b.data;
}

int mlf_sql_trace_from_row(mlf_pool *pool, mlf_sql_stmt *st, mlf_sql_trace *t, mlf_error *err)
{
    Mlflow__TraceInfoV3 *ti = MLF_NEW(pool, Mlflow__TraceInfoV3);
    mlflow__trace_info_v3__init(ti);
    ti->trace_id = mlf_sql_column_text_dup(pool, st, 0);
    Mlflow__TraceLocation *loc = MLF_NEW(pool, Mlflow__TraceLocation);
    mlflow__trace_location__init(loc);
    loc->has_type = 1;
    loc->type = MLFLOW__TRACE_LOCATION__TRACE_LOCATION_TYPE__MLFLOW_EXPERIMENT;
    Mlflow__TraceLocation__MlflowExperimentLocation *exp =
        MLF_NEW(pool, Mlflow__TraceLocation__MlflowExperimentLocation);
    mlflow__trace_location__mlflow_experiment_location__init(exp);
    exp->experiment_id = mlf_pool_sprintf(pool, "%" PRId64, mlf_sql_column_int64(st, 1));
    loc->identifier_case = MLFLOW__TRACE_LOCATION__IDENTIFIER_MLFLOW_EXPERIMENT;
    loc->mlflow_experiment = exp;
    ti->trace_location = loc;
    /* Timestamp.FromMilliseconds / Duration.FromMilliseconds: floor division, nanos >= 0 */
    int64_t ms = mlf_sql_column_int64(st, 2);
    Google__Protobuf__Timestamp *ts = MLF_NEW(pool, Google__Protobuf__Timestamp);
    google__protobuf__timestamp__init(ts);
    int64_t sec = ms / 1000, rem = ms % 1000;
    if (rem < 0) {
        sec--;
        rem += 1000;
    }
    ts->seconds = sec;
    ts->nanos = (int32_t)(rem * 1000000);
    ti->request_time = ts;
    if (mlf_sql_column_type(st, 3) != MLF_SQL_NULL) {
        int64_t d = mlf_sql_column_int64(st, 3);
        Google__Protobuf__Duration *du = MLF_NEW(pool, Google__Protobuf__Duration);
        google__protobuf__duration__init(du);
        /* a Duration's seconds and nanos share the sign */
        du->seconds = d / 1000;
        du->nanos = (int32_t)((d % 1000) * 1000000);
        ti->execution_duration = du;
    }
    const char *status = (const char *)mlf_sql_column_text(st, 4);
    ti->has_state = 1;
    if (mlf__state(status, &ti->state) < 0)
        /* TraceState(status) raises a ValueError MLflow does not catch */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' is not a valid TraceState", status);
    ti->client_request_id = mlf_sql_column_text_dup(pool, st, 5);
    ti->request_preview = mlf_sql_column_text_dup(pool, st, 6);
    ti->response_preview = mlf_sql_column_text_dup(pool, st, 7);
    t->info = ti;
    char *name = mlf_sql_column_text_dup(pool, st, 8);
    if (name != NULL)
        mlf__kv_put(pool, &t->tags, (char *)MLF_SQL_TRACE_NAME_TAG, name);
    t->promoted[0] = mlf_sql_column_text_dup(pool, st, 9);
    t->promoted[1] = mlf__promoted_json(pool, st, MLF__COL_TOKENS, mlf__token_keys, 6, false);
    t->promoted[2] = mlf__promoted_json(pool, st, MLF__COL_COSTS, mlf__cost_keys, 3, true);
    return 0;
}

static mlf_sql_trace *mlf__find(mlf_sql_trace *ts, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ts[i].info->trace_id, id) == 0)
            return &ts[i];
    return NULL;
}

/* The tags (but the name, which trace_info holds) or metadata (but the promoted keys) of the page's traces. */
static int mlf__load_children(mlf_sql_conn *c, mlf_pool *pool, mlf_sql_trace *ts, size_t n, const char *ids_json,
                              bool tags, mlf_error *err)
{
    const char *sql = tags ? "SELECT request_id, key, value FROM trace_tags WHERE request_id IN "
                             "(SELECT value FROM json_each(?1)) ORDER BY request_id, key"
                           : "SELECT request_id, key, value FROM trace_request_metadata WHERE request_id IN "
                             "(SELECT value FROM json_each(?1)) ORDER BY request_id, key";
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql, &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, ids_json);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        mlf_sql_trace *t = mlf__find(ts, n, (const char *)mlf_sql_column_text(st, 0));
        char *key = mlf_sql_column_text_dup(pool, st, 1);
        if (t == NULL || key == NULL)
            continue;
        if (tags ? strcmp(key, MLF_SQL_TRACE_NAME_TAG) == 0
                 : (strcmp(key, MLF_SQL_TRACE_META_SESSION) == 0 || strcmp(key, MLF_SQL_TRACE_META_TOKEN_USAGE) == 0 ||
                    strcmp(key, MLF_SQL_TRACE_META_COST) == 0))
            continue;
        mlf__kv_put(pool, tags ? &t->tags : &t->meta, key, mlf_sql_column_text_dup(pool, st, 2));
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    return 0;
}

/*
 * The assessments of the page's traces in one query, each trace's in the order MLflow's query (no ORDER BY)
 * gets from the plan it has on each backend: SQLite reads them by index_assessments_trace_id_created_timestamp
 * (creation time, then rowid); PostgreSQL reads one trace's by that index too, and several traces' in the
 * table's physical order (ctid: an updated row moves to the end), which the backend's rowid follows. Shaped
 * as Assessment.to_proto.
 */
static int mlf__load_assessments(mlf_sql_conn *c, mlf_pool *pool, mlf_sql_trace *ts, size_t n, const char *ids_json,
                                 mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES && n > 1
                                 ? "SELECT " MLF_SQL_ASSESSMENT_COLUMNS " FROM assessments WHERE trace_id IN "
                                   "(SELECT value FROM json_each(?1)) ORDER BY rowid"
                                 : "SELECT " MLF_SQL_ASSESSMENT_COLUMNS " FROM assessments WHERE trace_id IN "
                                   "(SELECT value FROM json_each(?1)) ORDER BY trace_id, created_timestamp, rowid",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, ids_json);
    size_t *cap = MLF_NEW_ARRAY(pool, size_t, n);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        Mlflow__TraceInfoV3 *ti = NULL;
        for (size_t i = 0; i < n && ti == NULL; i++)
            if (strcmp(ts[i].info->trace_id, (const char *)mlf_sql_column_text(st, 1)) == 0) {
                ti = ts[i].info;
                if (ti->n_assessments == cap[i]) {
                    cap[i] = cap[i] ? cap[i] * 2 : 4;
                    Mlflow__Assessments__Assessment **a =
                        MLF_NEW_ARRAY(pool, Mlflow__Assessments__Assessment *, cap[i]);
                    if (ti->n_assessments > 0)
                        memcpy(a, ti->assessments, ti->n_assessments * sizeof(*a));
                    ti->assessments = a;
                }
            }
        if (ti == NULL)
            continue;
        int r = mlf_sql_assessment_from_row(pool, st, 0, &ti->assessments[ti->n_assessments], err);
        if (r < 0) {
            mlf_sql_reset(st);
            return r;
        }
        ti->n_assessments++;
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    return 0;
}

/* The maps of the proto; a NULL value is "None": MLflow's _truncate_* make str() of each value. */
static void mlf__fill_maps(mlf_pool *pool, mlf_sql_trace *t)
{
    static const char *const promoted_keys[] = {MLF_SQL_TRACE_META_SESSION, MLF_SQL_TRACE_META_TOKEN_USAGE, MLF_SQL_TRACE_META_COST};
    for (int i = 0; i < 3; i++)
        if (t->promoted[i] != NULL)
            mlf__kv_put(pool, &t->meta, (char *)promoted_keys[i], t->promoted[i]);
    Mlflow__TraceInfoV3 *ti = t->info;
    ti->n_tags = t->tags.n;
    ti->tags = MLF_NEW_ARRAY(pool, Mlflow__TraceInfoV3__TagsEntry *, t->tags.n ? t->tags.n : 1);
    for (size_t i = 0; i < t->tags.n; i++) {
        Mlflow__TraceInfoV3__TagsEntry *e = MLF_NEW(pool, Mlflow__TraceInfoV3__TagsEntry);
        mlflow__trace_info_v3__tags_entry__init(e);
        e->key = t->tags.keys[i];
        e->value = t->tags.values[i] != NULL ? t->tags.values[i] : (char *)"None";
        ti->tags[i] = e;
    }
    ti->n_trace_metadata = t->meta.n;
    ti->trace_metadata = MLF_NEW_ARRAY(pool, Mlflow__TraceInfoV3__TraceMetadataEntry *, t->meta.n ? t->meta.n : 1);
    for (size_t i = 0; i < t->meta.n; i++) {
        Mlflow__TraceInfoV3__TraceMetadataEntry *e = MLF_NEW(pool, Mlflow__TraceInfoV3__TraceMetadataEntry);
        mlflow__trace_info_v3__trace_metadata_entry__init(e);
        e->key = t->meta.keys[i];
        e->value = t->meta.values[i] != NULL ? t->meta.values[i] : (char *)"None";
        ti->trace_metadata[i] = e;
    }
}


int mlf_sql_trace_finish(mlf_sql_conn *c, mlf_pool *pool, mlf_sql_trace *ts, size_t n, mlf_error *err)
{
    if (n == 0)
        return 0;
    mlf_buf ids;
    mlf_buf_init(&ids, pool, 64);
    mlf_buf_putc(&ids, '[');
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            mlf_buf_putc(&ids, ',');
        mlf_json_write_string(&ids, ts[i].info->trace_id, strlen(ts[i].info->trace_id));
    }
    mlf_buf_putc(&ids, ']');
    int rc = mlf__load_children(c, pool, ts, n, ids.data, true, err);
    if (rc == 0)
        rc = mlf__load_children(c, pool, ts, n, ids.data, false, err);
    if (rc == 0)
        rc = mlf__load_assessments(c, pool, ts, n, ids.data, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        mlf__fill_maps(pool, &ts[i]);
    return 0;
}
