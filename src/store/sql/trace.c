/*
 * Traces on both backends: a trace_info row and its tags and request
 * metadata read into TraceInfoV3 as SqlTraceInfo.to_mlflow_entity() does
 * (MLflow 3.18), rows written by Python MLflow included (the 3.18 schema:
 * trace_name, session_id and the token and cost columns on trace_info).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json/json.h"
#include "store/pystr.h"
#include "store/sql/assessment.h"
#include "store/sql/trace.h"
#include "store/uri.h"

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

/* s cut to limit code points (Python's s[:limit]) */
static char *mlf__cut(mlf_pool *pool, char *s, size_t limit)
{
    size_t i = 0, count = 0;
    while (s[i] != '\0' && count < limit) {
        uint32_t cp;
        i += mlf_pystr_utf8_next(s + i, &cp);
        count++;
    }
    return s[i] == '\0' ? s : mlf_pool_strndup(pool, s, i);
}

/*
 * _truncate_tags / _truncate_request_metadata of TraceInfo.to_proto: keys cut to 250 code points, tag
 * values to 4096 and metadata values to 250 (MAX_CHARS_IN_TRACE_INFO_*); a cut key may meet another, the
 * later one winning as in the dict.
 */
static void mlf__truncate(mlf_pool *pool, mlf_sql_trace_kv *kv, size_t value_limit)
{
    mlf_sql_trace_kv out = {0};
    for (size_t i = 0; i < kv->n; i++)
        mlf__kv_put(pool, &out, mlf__cut(pool, kv->keys[i], 250),
                    kv->values[i] != NULL ? mlf__cut(pool, kv->values[i], value_limit) : NULL);
    *kv = out;
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
    t->name = mlf_sql_column_text_dup(pool, st, 8);
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

/*
 * The tags (but the name, which trace_info holds) or metadata (but the promoted keys) of the page's traces, each
 * trace's in the order MLflow's query (WHERE request_id IN (...), no ORDER BY) reads them: by the request_id
 * index, so in insertion order (SQLite's rowid, PostgreSQL's ctid: an updated value keeps its place on SQLite
 * and moves to the end on PostgreSQL).
 */
static int mlf__load_children(mlf_sql_conn *c, mlf_pool *pool, mlf_sql_trace *ts, size_t n, const char *ids_json,
                              bool tags, mlf_error *err)
{
    const char *sql = tags ? "SELECT request_id, key, value FROM trace_tags WHERE request_id IN "
                             "(SELECT value FROM json_each(?1)) ORDER BY request_id, rowid"
                           : "SELECT request_id, key, value FROM trace_request_metadata WHERE request_id IN "
                             "(SELECT value FROM json_each(?1)) ORDER BY request_id, rowid";
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
    if (t->name != NULL)
        mlf__kv_put(pool, &t->tags, (char *)MLF_SQL_TRACE_NAME_TAG, t->name);
    mlf__truncate(pool, &t->tags, 4096);
    mlf__truncate(pool, &t->meta, 250);
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

/* ==== writes: the trace info lifecycle (MLflow 3.18's start_trace, set/delete_trace_tag, _delete_traces,
 * link_traces_to_run, link_prompts_to_trace and the deprecated v2 start/end) ==== */

#define MLF__ARTIFACT_LOCATION_TAG "mlflow.artifactLocation"
#define MLF__SPANS_LOCATION_TAG "mlflow.trace.spansLocation"
#define MLF__INFO_FINALIZED "mlflow.trace.infoFinalized"
/* MAX_CHARS_IN_TRACE_INFO_TAGS_VALUE (a trace name), MAX_CHARS_IN_TRACE_INFO_METADATA (a session id) */
#define MLF__MAX_TRACE_NAME 4096
#define MLF__MAX_SESSION_ID 250
#define MLF__MAX_TRACE_LINKS 100
#define MLF__SQLA_LINK "\n(Background on this error at: https://sqlalche.me/e/21/gkpj)"

static mlf_sql_store *mlf__wstore(mlf_store *store)
{
    return (mlf_sql_store *)store;
}

static int mlf__run_stmt(mlf_sql_conn *c, mlf_pool *pool, const char *sql, const char *types, const void *const *args,
                         mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql, &st, err);
    if (rc < 0)
        return rc;
    for (int i = 0; types[i] != '\0'; i++) {
        if (types[i] == 't')
            mlf_sql_bind_text(st, i + 1, args[i]);
        else if (types[i] == 'i')
            mlf_sql_bind_int64(st, i + 1, *(const int64_t *)args[i]);
        else if (types[i] == 'I') /* an optional integer: NULL pointer binds NULL */
            args[i] != NULL ? mlf_sql_bind_int64(st, i + 1, *(const int64_t *)args[i]) : mlf_sql_bind_null(st, i + 1);
        else if (types[i] == 'D')
            args[i] != NULL ? mlf_sql_bind_double(st, i + 1, *(const double *)args[i]) : mlf_sql_bind_null(st, i + 1);
    }
    return mlf__sql_step_done(c, pool, st, err);
}

/* _validate_length_limit(entity, limit, value) without truncation, counted in code points */
static int mlf__length_limit(mlf_pool *pool, const char *entity, size_t limit, const char *value, mlf_error *err)
{
    if (value != NULL && mlf_pystr_len(value) > limit)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "'%s' exceeds the maximum length of %zu characters", entity, limit);
    return 0;
}

/* _validate_new_trace_id: one path component, without '%', '?', '#' or control characters */
static int mlf__validate_new_trace_id(mlf_pool *pool, const char *id, mlf_error *err)
{
    size_t n = strlen(id);
    bool bad = n == 0 || id[n - 1] == ' ' || id[n - 1] == '.' || strchr(id, '/') != NULL;
    if (bad)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid value %s for parameter 'trace_id' supplied: must be a single path component",
                             mlf_pystr_json_dumps(pool, id));
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)id[i];
        if (ch == '%' || ch == '?' || ch == '#' || ch < 32 || ch == 127)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Invalid value %s for parameter 'trace_id' supplied: must not contain '%%', '?', '#' "
                                 "or control characters",
                                 mlf_pystr_json_dumps(pool, id));
    }
    return 0;
}

/* The last value of key in kv (a dict's), or NULL; *found tells whether the key is there. */
static const char *mlf__kv_get(const mlf_store_kv *kv, const char *key, bool *found)
{
    const char *v = NULL;
    bool f = false;
    for (size_t i = 0; i < kv->n; i++)
        if (kv->keys[i] != NULL && strcmp(kv->keys[i], key) == 0) {
            v = kv->values[i];
            f = true;
        }
    if (found != NULL)
        *found = f;
    return v;
}

/* The analytics columns analytics_columns_from_metadata fills: which are set, and their values. */
typedef struct {
    bool has_session;
    const char *session;
    bool has_tokens[6];
    bool tokens_null[6];
    int64_t tokens[6];
    bool has_costs[3];
    bool costs_null[3];
    double costs[3];
} mlf__analytics;

/* token_count_or_none: a JSON number or string that is a whole number within int64 */
static bool mlf__token_count(const mlf_json *v, int64_t *ret)
{
    const char *text;
    if (v->type == MLF_JSON_NUMBER)
        text = v->text;
    else if (v->type == MLF_JSON_STRING)
        text = v->text;
    else
        return false;
    /* Decimal(str(value)): an int's digits, a float's repr, or the string (surrounding whitespace allowed) */
    while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
        text++;
    char *end;
    errno = 0;
    long double d = strtold(text, &end);
    if (end == text)
        return false;
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
        end++;
    if (*end != '\0' || !isfinite(d) || d != floorl(d))
        return false;
    if (strpbrk(text, "xXpP") != NULL || strncasecmp(text, "inf", 3) == 0 || strncasecmp(text, "nan", 3) == 0)
        return false;
    if (d < -9223372036854775808.0L || d > 9223372036854775807.0L)
        return false;
    if (v->type == MLF_JSON_NUMBER && strpbrk(v->text, ".eE") == NULL) {
        int64_t i;
        if (mlf_pystr_parse_int(v->text, &i) != 0)
            return false;
        *ret = i;
        return true;
    }
    *ret = (int64_t)d;
    return true;
}

/* finite_float_or_none: float() of a JSON number or string, finite */
static bool mlf__cost(const mlf_json *v, double *ret)
{
    if (v->type == MLF_JSON_NUMBER) {
        *ret = v->number;
        return isfinite(v->number);
    }
    if (v->type != MLF_JSON_STRING)
        return false;
    const char *s = v->text;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    char *end;
    double d = strtod(s, &end);
    if (end == s)
        return false;
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
        end++;
    if (*end != '\0' || strpbrk(s, "xXpP") != NULL)
        return false;
    *ret = d;
    return isfinite(d);
}

/* _json_object: a dict, else {} (a value that does not parse, or is no object) */
static const mlf_json *mlf__json_object(mlf_pool *pool, const char *text)
{
    mlf_json *v;
    if (text == NULL || mlf_json_parse_ex(pool, text, strlen(text), MLF_JSON_LOADS, &v, NULL) < 0 ||
        v->type != MLF_JSON_OBJECT)
        return NULL;
    return v;
}

/* analytics_columns_from_metadata, with validate_session_id's check */
static int mlf__analytics_from(mlf_pool *pool, const mlf_store_kv *meta, mlf__analytics *a, mlf_error *err)
{
    memset(a, 0, sizeof(*a));
    bool found;
    const char *session = mlf__kv_get(meta, MLF_SQL_TRACE_META_SESSION, &found);
    if (found) {
        int rc = mlf__length_limit(pool, "Session ID", MLF__MAX_SESSION_ID, session, err);
        if (rc < 0)
            return rc;
        a->has_session = true;
        a->session = session;
    }
    const mlf_json *o = mlf__json_object(pool, mlf__kv_get(meta, MLF_SQL_TRACE_META_TOKEN_USAGE, NULL));
    for (size_t i = 0; o != NULL && i < o->n; i++)
        for (int k = 0; k < 6; k++)
            if (strcmp(o->keys[i], mlf__token_keys[k]) == 0) {
                a->has_tokens[k] = true;
                a->tokens_null[k] = !mlf__token_count(o->items[i], &a->tokens[k]);
            }
    o = mlf__json_object(pool, mlf__kv_get(meta, MLF_SQL_TRACE_META_COST, NULL));
    for (size_t i = 0; o != NULL && i < o->n; i++)
        for (int k = 0; k < 3; k++)
            if (strcmp(o->keys[i], mlf__cost_keys[k]) == 0) {
                a->has_costs[k] = true;
                a->costs_null[k] = !mlf__cost(o->items[i], &a->costs[k]);
            }
    return 0;
}

/* UPDATE of the analytics columns that are set (setattr of each in MLflow's merge paths) */
static int mlf__update_analytics(mlf_sql_conn *c, mlf_pool *pool, const char *id, const mlf__analytics *a,
                                 mlf_error *err)
{
    int rc = 0;
    if (a->has_session)
        rc = mlf__run_stmt(c, pool, "UPDATE trace_info SET session_id = ? WHERE request_id = ?", "tt",
                           (const void *[]){a->session, id}, err);
    for (int k = 0; rc == 0 && k < 6; k++)
        if (a->has_tokens[k])
            rc = mlf__run_stmt(c, pool,
                               mlf_pool_sprintf(pool, "UPDATE trace_info SET %s = ? WHERE request_id = ?",
                                                mlf__token_keys[k]),
                               "It", (const void *[]){a->tokens_null[k] ? NULL : &a->tokens[k], id}, err);
    for (int k = 0; rc == 0 && k < 3; k++)
        if (a->has_costs[k])
            rc = mlf__run_stmt(c, pool,
                               mlf_pool_sprintf(pool, "UPDATE trace_info SET %s = ? WHERE request_id = ?",
                                                mlf__cost_keys[k]),
                               "Dt", (const void *[]){a->costs_null[k] ? NULL : &a->costs[k], id}, err);
    return rc;
}

static bool mlf__is_promoted(const char *key)
{
    return strcmp(key, MLF_SQL_TRACE_META_SESSION) == 0 || strcmp(key, MLF_SQL_TRACE_META_TOKEN_USAGE) == 0 ||
           strcmp(key, MLF_SQL_TRACE_META_COST) == 0;
}

static int mlf__cmp_key(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The dict's distinct keys in order (sorted: MLflow writes metadata rows in key order), with their last values. */
static size_t mlf__dict(mlf_pool *pool, const mlf_store_kv *kv, bool sorted, const char ***keys, const char ***values)
{
    const char **k = MLF_NEW_ARRAY(pool, const char *, kv->n + 2), **v = MLF_NEW_ARRAY(pool, const char *, kv->n + 2);
    size_t n = 0;
    for (size_t i = 0; i < kv->n; i++) {
        if (kv->keys[i] == NULL)
            continue;
        size_t j = 0;
        while (j < n && strcmp(k[j], kv->keys[i]) != 0)
            j++;
        if (j == n)
            k[n++] = kv->keys[i];
        v[j] = kv->values[i] != NULL ? kv->values[i] : "";
    }
    if (sorted && n > 1) {
        /* sort the pairs by key: sort indexes through the keys' addresses */
        const char **pairs = MLF_NEW_ARRAY(pool, const char *, 2 * n);
        for (size_t i = 0; i < n; i++) {
            pairs[2 * i] = k[i];
            pairs[2 * i + 1] = v[i];
        }
        qsort(pairs, n, 2 * sizeof(char *), mlf__cmp_key);
        for (size_t i = 0; i < n; i++) {
            k[i] = pairs[2 * i];
            v[i] = pairs[2 * i + 1];
        }
    }
    *keys = k;
    *values = v;
    return n;
}

/* session.merge of a tag or metadata row: inserted, or its value replaced */
static int mlf__upsert_child(mlf_sql_conn *c, mlf_pool *pool, bool tag, const char *id, const char *key,
                             const char *value, mlf_error *err)
{
    return mlf__run_stmt(c, pool,
                         tag ? "INSERT INTO trace_tags (\"key\", value, request_id) VALUES (?, ?, ?) "
                               "ON CONFLICT (\"key\", request_id) DO UPDATE SET value = excluded.value"
                             : "INSERT INTO trace_request_metadata (\"key\", value, request_id) VALUES (?, ?, ?) "
                               "ON CONFLICT (\"key\", request_id) DO UPDATE SET value = excluded.value",
                         "ttt", (const void *[]){key, value, id}, err);
}

/* Reads the trace id (with its tags and metadata) inside the caller's transaction. */
static int mlf__read_one(mlf_sql_conn *c, mlf_pool *pool, const char *id, Mlflow__TraceInfoV3 **ret, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, "SELECT " MLF_SQL_TRACE_COLUMNS " FROM trace_info WHERE request_id = ?", &st,
                             err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, id);
    rc = mlf_sql_step(st);
    if (rc == MLF_SQL_DONE) {
        mlf_sql_reset(st);
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Trace with ID '%s' not found.", id);
    }
    if (rc != MLF_SQL_ROW) {
        mlf_sql_reset(st);
        return mlf_sql_error(pool, c, rc, err);
    }
    mlf_sql_trace *t = MLF_NEW(pool, mlf_sql_trace);
    rc = mlf_sql_trace_from_row(pool, st, t, err);
    mlf_sql_reset(st);
    if (rc == 0)
        rc = mlf_sql_trace_finish(c, pool, t, 1, err);
    if (rc == 0)
        *ret = t->info;
    return rc;
}

/* The artifact location tag's value: <experiment's artifact location>/traces/<id>/artifacts */
static int mlf__artifact_tag(mlf_pool *pool, const char *location, const char *id, char **ret, mlf_error *err)
{
    int rc = mlf__validate_new_trace_id(pool, id, err);
    if (rc < 0)
        return rc;
    return mlf_uri_append_path(pool, location, mlf_pool_sprintf(pool, "traces/%s/artifacts", id), ret, err);
}

/* int(experiment_id) where MLflow makes it after the experiment checks (its rollup partitions): a 500 */
static int mlf__int_experiment_id(mlf_pool *pool, const char *experiment_id, int64_t *ret, mlf_error *err)
{
    if (experiment_id == NULL)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                             "int() argument must be a string, a bytes-like object or a real number, not 'NoneType'");
    if (mlf_pystr_parse_int(experiment_id, ret) != 0)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "invalid literal for int() with base 10: %s",
                             mlf_pystr_repr(pool, experiment_id));
    return 0;
}

/* INSERT of a new trace_info row with its analytics columns (the previews need no _replace_nul: a C string
 * holds no U+0000) */
static int mlf__insert_info(mlf_sql_conn *c, mlf_pool *pool, const char *id, int64_t experiment_id, int64_t ts,
                            const int64_t *exec_ms, const char *status, const char *client_request_id,
                            const char *request_preview, const char *response_preview, const char *name,
                            const mlf__analytics *a, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "INSERT INTO trace_info (request_id, experiment_id, timestamp_ms, execution_time_ms, "
                             "status, client_request_id, request_preview, response_preview, db_payload_generation, "
                             "trace_name, session_id, input_tokens, output_tokens, total_tokens, "
                             "cache_read_input_tokens, cache_creation_input_tokens, "
                             "cache_creation_input_tokens_above_1hr, input_cost, output_cost, total_cost) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, id);
    mlf_sql_bind_int64(st, 2, experiment_id);
    mlf_sql_bind_int64(st, 3, ts);
    exec_ms != NULL ? mlf_sql_bind_int64(st, 4, *exec_ms) : mlf_sql_bind_null(st, 4);
    mlf_sql_bind_text(st, 5, status);
    mlf_sql_bind_text(st, 6, client_request_id);
    mlf_sql_bind_text(st, 7, request_preview);
    mlf_sql_bind_text(st, 8, response_preview);
    mlf_sql_bind_text(st, 9, name);
    mlf_sql_bind_text(st, 10, a->has_session ? a->session : NULL);
    for (int k = 0; k < 6; k++)
        a->has_tokens[k] && !a->tokens_null[k] ? mlf_sql_bind_int64(st, 11 + k, a->tokens[k])
                                               : mlf_sql_bind_null(st, 11 + k);
    for (int k = 0; k < 3; k++)
        a->has_costs[k] && !a->costs_null[k] ? mlf_sql_bind_double(st, 17 + k, a->costs[k])
                                             : mlf_sql_bind_null(st, 17 + k);
    return mlf__sql_step_done(c, pool, st, err);
}

static const char *mlf__state_name(Mlflow__TraceInfoV3__State s)
{
    switch (s) {
    case MLFLOW__TRACE_INFO_V3__STATE__OK:
        return "OK";
    case MLFLOW__TRACE_INFO_V3__STATE__ERROR:
        return "ERROR";
    case MLFLOW__TRACE_INFO_V3__STATE__IN_PROGRESS:
        return "IN_PROGRESS";
    default:
        return "STATE_UNSPECIFIED";
    }
}

/* Timestamp.ToMilliseconds / Duration.ToMilliseconds */
static int64_t mlf__ts_ms(int64_t seconds, int32_t nanos)
{
    int64_t ms = nanos / 1000000;
    if (nanos < 0 && nanos % 1000000 != 0)
        ms--; /* floor division, as Python's // */
    return seconds * 1000 + ms;
}

/* The trace's tag rows but the name's, as the ORM loads the collection */
static int mlf__load_tags(mlf_sql_conn *c, mlf_pool *pool, const char *id, mlf_sql_trace_kv *ret, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, "SELECT \"key\", value FROM trace_tags WHERE request_id = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, id);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        char *key = mlf_sql_column_text_dup(pool, st, 0);
        if (key != NULL && strcmp(key, MLF_SQL_TRACE_NAME_TAG) != 0)
            mlf__kv_put(pool, ret, key, mlf_sql_column_text_dup(pool, st, 1));
    }
    mlf_sql_reset(st);
    return rc == MLF_SQL_DONE ? 0 : mlf_sql_error(pool, c, rc, err);
}

typedef struct {
    const Mlflow__TraceInfoV3 *info;
    const char *experiment_id;
    mlf_sql_assessment_row **assessments; /* SqlAssessments.from_mlflow_entity of info's */
    size_t n_assessments;
    const char *name; /* the name tag's value, NULL without one */
    bool has_name;
    Mlflow__TraceInfoV3 **ret;
} mlf__start_args;

/* INVALID_PARAMETER_VALUE when one of the rows' ids is an assessment of another trace than id */
static int mlf__foreign_assessment(mlf_sql_conn *c, mlf_pool *pool, const char *id, mlf_sql_assessment_row *const *rows,
                                   size_t n, mlf_error *err)
{
    if (n == 0)
        return 0;
    mlf_buf ids;
    mlf_buf_init(&ids, pool, 64);
    mlf_buf_putc(&ids, '[');
    for (size_t i = 0; i < n; i++) {
        const char *aid = mlf_sql_assessment_row_id(rows[i]);
        if (i > 0)
            mlf_buf_putc(&ids, ',');
        mlf_json_write_string(&ids, aid, strlen(aid));
    }
    mlf_buf_putc(&ids, ']');
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT assessment_id FROM assessments WHERE assessment_id IN "
                             "(SELECT value FROM json_each(?1)) AND trace_id != ?2 LIMIT 1",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, ids.data);
    mlf_sql_bind_text(st, 2, id);
    rc = mlf_sql_step(st);
    char *foreign = rc == MLF_SQL_ROW ? mlf_sql_column_text_dup(pool, st, 0) : NULL;
    mlf_sql_reset(st);
    if (rc != MLF_SQL_ROW && rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    if (foreign != NULL)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Assessment with ID '%s' belongs to another trace.", foreign);
    return 0;
}

static int mlf__start_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__start_args *a = arg;
    const Mlflow__TraceInfoV3 *ti = a->info;
    const char *id = ti->trace_id != NULL ? ti->trace_id : "";
    char *location;
    int rc = mlf__sql_active_experiment(c, pool, a->experiment_id, &location, err);
    if (rc < 0)
        return rc;
    const char **mk = MLF_NEW_ARRAY(pool, const char *, ti->n_trace_metadata + 1);
    const char **mv = MLF_NEW_ARRAY(pool, const char *, ti->n_trace_metadata + 1);
    for (size_t i = 0; i < ti->n_trace_metadata; i++) {
        mk[i] = ti->trace_metadata[i]->key != NULL ? ti->trace_metadata[i]->key : "";
        mv[i] = ti->trace_metadata[i]->value != NULL ? ti->trace_metadata[i]->value : "";
    }
    mlf_store_kv meta = {mk, mv, ti->n_trace_metadata};
    mlf__analytics an;
    rc = mlf__analytics_from(pool, &meta, &an, err);
    char *artifact_uri = NULL;
    if (rc == 0)
        rc = mlf__artifact_tag(pool, location, id, &artifact_uri, err);
    int64_t experiment_id = 0;
    if (rc == 0)
        rc = mlf__int_experiment_id(pool, a->experiment_id, &experiment_id, err);
    if (rc < 0)
        return rc;
    int64_t ts = ti->request_time != NULL ? mlf__ts_ms(ti->request_time->seconds, ti->request_time->nanos) : 0;
    int64_t exec_ms = 0;
    if (ti->execution_duration != NULL)
        exec_ms = mlf__ts_ms(ti->execution_duration->seconds, ti->execution_duration->nanos);
    const char *status = mlf__state_name(ti->has_state ? ti->state : MLFLOW__TRACE_INFO_V3__STATE__STATE_UNSPECIFIED);

    /* the trace may be there already (spans logged first): MLflow's IntegrityError path merges into it */
    mlf_sql_stmt *st;
    /* on PostgreSQL the row is locked as MLflow's merge rereads it (FOR UPDATE), against a racing log_spans */
    rc = mlf_sql_prepare(c, pool,
                         mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES
                             ? "SELECT experiment_id, (SELECT value FROM trace_tags WHERE request_id = "
                               "trace_info.request_id AND \"key\" = '" MLF__SPANS_LOCATION_TAG "') FROM trace_info "
                               "WHERE request_id = ? FOR UPDATE"
                             : "SELECT experiment_id, (SELECT value FROM trace_tags WHERE request_id = "
                               "trace_info.request_id AND \"key\" = '" MLF__SPANS_LOCATION_TAG "') FROM trace_info "
                               "WHERE request_id = ?",
                         &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, id);
    rc = mlf_sql_step(st);
    bool exists = rc == MLF_SQL_ROW;
    int64_t old_experiment = exists ? mlf_sql_column_int64(st, 0) : 0;
    char *spans_location = exists ? mlf_sql_column_text_dup(pool, st, 1) : NULL;
    mlf_sql_reset(st);
    if (rc != MLF_SQL_ROW && rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_trace_kv old_tags = {0};

    if (!exists) {
        rc = mlf__insert_info(c, pool, id, experiment_id, ts, ti->execution_duration != NULL ? &exec_ms : NULL, status,
                              ti->client_request_id, ti->request_preview, ti->response_preview, a->name, &an, err);
        for (size_t i = 0; rc == 0 && i < a->n_assessments; i++)
            rc = mlf_sql_assessment_insert(c, pool, a->assessments[i], id, experiment_id, ts, false, err);
    } else {
        /* str(row's experiment_id) != str(the request's): "01" is another experiment's spelling to MLflow */
        if (strcmp(mlf_pool_sprintf(pool, "%" PRId64, old_experiment), a->experiment_id) != 0)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Trace with ID '%s' already exists in another experiment.", id);
        if (spans_location != NULL && strcmp(spans_location, "TRACKING_STORE") != 0)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_STATE,
                                 "Cannot update traces that are no longer DB-backed: '%s'.", id);
        /* assessments are merged by id alone: one of another trace would be moved here */
        rc = mlf__foreign_assessment(c, pool, id, a->assessments, a->n_assessments, err);
        if (rc < 0)
            return rc;
        rc = mlf__run_stmt(c, pool,
                           "UPDATE trace_info SET db_payload_generation = db_payload_generation + 1, timestamp_ms = ?, "
                           "execution_time_ms = ?, status = ?, client_request_id = ? WHERE request_id = ?",
                           "iIttt",
                           (const void *[]){&ts, ti->execution_duration != NULL ? &exec_ms : NULL, status,
                                            ti->client_request_id, id},
                           err);
        if (rc == 0 && a->has_name)
            rc = mlf__run_stmt(c, pool, "UPDATE trace_info SET trace_name = ? WHERE request_id = ?", "tt",
                               (const void *[]){a->name, id}, err);
        if (rc == 0)
            rc = mlf__update_analytics(c, pool, id, &an, err);
        if (rc == 0 && ti->request_preview != NULL)
            rc = mlf__run_stmt(c, pool, "UPDATE trace_info SET request_preview = ? WHERE request_id = ?", "tt",
                               (const void *[]){ti->request_preview, id}, err);
        if (rc == 0 && ti->response_preview != NULL)
            rc = mlf__run_stmt(c, pool, "UPDATE trace_info SET response_preview = ? WHERE request_id = ?", "tt",
                               (const void *[]){ti->response_preview, id}, err);
        for (size_t i = 0; rc == 0 && i < a->n_assessments; i++)
            rc = mlf_sql_assessment_insert(c, pool, a->assessments[i], id, experiment_id, ts, true, err);
        if (rc == 0)
            rc = mlf__run_stmt(c, pool, "UPDATE spans SET experiment_id = ? WHERE trace_id = ?", "it",
                               (const void *[]){&experiment_id, id}, err);
        if (rc == 0)
            rc = mlf__run_stmt(c, pool,
                               "UPDATE assessments SET experiment_id = ?, trace_timestamp_ms = ? WHERE trace_id = ?",
                               "iit", (const void *[]){&experiment_id, &ts, id}, err);
        /* MLflow answers with the tags its session loaded before merging the new ones (the row's
         * collection is not refreshed): keep them to answer alike */
        if (rc == 0)
            rc = mlf__load_tags(c, pool, id, &old_tags, err);
    }
    /* tags (the name is trace_info's) then the artifact location; metadata in key order, promoted keys left out */
    for (size_t i = 0; rc == 0 && i < ti->n_tags; i++) {
        const char *k = ti->tags[i]->key != NULL ? ti->tags[i]->key : "";
        if (strcmp(k, MLF_SQL_TRACE_NAME_TAG) != 0)
            rc = mlf__upsert_child(c, pool, true, id, k, ti->tags[i]->value != NULL ? ti->tags[i]->value : "", err);
    }
    if (rc == 0)
        rc = mlf__upsert_child(c, pool, true, id, MLF__ARTIFACT_LOCATION_TAG, artifact_uri, err);
    const char **dk, **dv;
    size_t dn = mlf__dict(pool, &meta, false, &dk, &dv);
    size_t kept = 0;
    for (size_t i = 0; i < dn; i++)
        if (!mlf__is_promoted(dk[i]) && strcmp(dk[i], MLF__INFO_FINALIZED) != 0) {
            dk[kept] = dk[i];
            dv[kept++] = dv[i];
        }
    dk[kept] = MLF__INFO_FINALIZED;
    dv[kept++] = "true";
    mlf_store_kv sorted_meta = {dk, dv, kept};
    dn = mlf__dict(pool, &sorted_meta, true, &dk, &dv);
    for (size_t i = 0; rc == 0 && i < dn; i++)
        rc = mlf__upsert_child(c, pool, false, id, dk[i], dv[i], err);
    if (rc == 0)
        rc = mlf__read_one(c, pool, id, a->ret, err);
    if (rc < 0)
        return rc;
    if (!exists) {
        /* MLflow answers with its new row as it holds it: the experiment id as the request spelled it */
        (*a->ret)->trace_location->mlflow_experiment->experiment_id = (char *)a->experiment_id;
        return 0;
    }
    Mlflow__TraceInfoV3 *out = *a->ret;
    Mlflow__TraceInfoV3__TagsEntry **tags = MLF_NEW_ARRAY(pool, Mlflow__TraceInfoV3__TagsEntry *, old_tags.n + 2);
    size_t n_tags = 0;
    for (size_t i = 0; i < old_tags.n; i++) {
        Mlflow__TraceInfoV3__TagsEntry *e = MLF_NEW(pool, Mlflow__TraceInfoV3__TagsEntry);
        mlflow__trace_info_v3__tags_entry__init(e);
        e->key = mlf__cut(pool, old_tags.keys[i], 250);
        e->value = old_tags.values[i] != NULL ? mlf__cut(pool, old_tags.values[i], 4096) : (char *)"None";
        tags[n_tags++] = e;
    }
    /* the name last, from trace_info's column, as to_mlflow_entity adds it */
    for (size_t i = 0; i < out->n_tags; i++)
        if (strcmp(out->tags[i]->key, MLF_SQL_TRACE_NAME_TAG) == 0)
            tags[n_tags++] = out->tags[i];
    out->tags = tags;
    out->n_tags = n_tags;
    return 0;
}

int mlf_store_start_trace(mlf_store *store, mlf_pool *pool, const Mlflow__TraceInfoV3 *info, const char *experiment_id,
                          const mlf_store_assessment *assessments, size_t n_assessments, Mlflow__TraceInfoV3 **ret,
                          mlf_error *err)
{
    mlf__start_args a = {.info = info, .experiment_id = experiment_id, .ret = ret};
    a.assessments = MLF_NEW_ARRAY(pool, mlf_sql_assessment_row *, n_assessments + 1);
    for (size_t i = 0; i < n_assessments; i++) {
        int rc = mlf_sql_assessment_row_make(pool, &assessments[i], &a.assessments[i], err);
        if (rc < 0)
            return rc;
    }
    a.n_assessments = n_assessments;
    for (size_t i = 0; i < info->n_tags; i++)
        if (info->tags[i]->key != NULL && strcmp(info->tags[i]->key, MLF_SQL_TRACE_NAME_TAG) == 0) {
            a.name = info->tags[i]->value != NULL ? info->tags[i]->value : "";
            a.has_name = true;
        }
    /* validate_trace_name, before MLflow opens its session */
    int rc = mlf__length_limit(pool, "Trace name", MLF__MAX_TRACE_NAME, a.name, err);
    if (rc < 0)
        return rc;
    return mlf_sql_in_write(mlf__wstore(store), pool, mlf__start_tx, &a, err);
}

typedef struct {
    const char *id;
    Mlflow__TraceInfoV3 **ret;
} mlf__get_args;

static int mlf__get_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__get_args *a = arg;
    return mlf__read_one(c, pool, a->id, a->ret, err);
}

int mlf_store_get_trace_info(mlf_store *store, mlf_pool *pool, const char *trace_id, Mlflow__TraceInfoV3 **ret,
                             mlf_error *err)
{
    mlf__get_args a = {trace_id != NULL ? trace_id : "", ret};
    return mlf_sql_in_read(mlf__wstore(store), pool, mlf__get_tx, &a, err);
}

typedef struct {
    const char *const *ids;
    size_t n;
    const char *const *exp_ids; /* NULL: not scoped */
    size_t n_exp;
    Mlflow__TraceInfoV3 ***ret;
    size_t *ret_n;
} mlf__batch_args;

/* trace_id_order = {id: index}: a later mention of an id replaces its index */
static size_t mlf__last_mention(const char *const *ids, size_t n, const char *id)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i], id) == 0)
            k = i;
    return k;
}

static int mlf__batch_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__batch_args *a = arg;
    bool pg = mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES;
    int64_t *exp = NULL;
    if (a->exp_ids != NULL) { /* _parse_experiment_ids */
        exp = MLF_NEW_ARRAY(pool, int64_t, a->n_exp + 1);
        for (size_t i = 0; i < a->n_exp; i++) {
            int prc = mlf_pystr_parse_int(a->exp_ids[i], &exp[i]);
            if (prc == -1)
                return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                     "Invalid experiment ID '%s'. Experiment ID must be a valid integer.",
                                     a->exp_ids[i]);
            if (prc < 0 && !pg) /* sqlite3 refuses the bound Python int */
                return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                     "Python int too large to convert to SQLite INTEGER");
            if (pg) /* an integer column never holds it: psycopg2's literal matches nothing */
                exp[i] = mlf_sql_pg_unmatched_id(exp[i], prc < 0);
        }
    }
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             exp != NULL
                                 ? "SELECT " MLF_SQL_TRACE_COLUMNS " FROM trace_info WHERE request_id IN "
                                   "(SELECT value FROM json_each(?1)) AND experiment_id IN "
                                   "(SELECT CAST(value AS BIGINT) FROM json_each(?2))"
                                 : "SELECT " MLF_SQL_TRACE_COLUMNS " FROM trace_info WHERE request_id IN "
                                   "(SELECT value FROM json_each(?1))",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, mlf__sql_json_strings(pool, a->ids, a->n));
    if (exp != NULL)
        mlf_sql_bind_text(st, 2, mlf_sql_trace_ids_json(pool, exp, a->n_exp));
    mlf_sql_trace *ts = MLF_NEW_ARRAY(pool, mlf_sql_trace, a->n + 1);
    size_t n = 0;
    while (n < a->n && (rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        rc = mlf_sql_trace_from_row(pool, st, &ts[n], err);
        if (rc < 0) {
            mlf_sql_reset(st);
            return rc;
        }
        n++;
    }
    if (n < a->n && rc != MLF_SQL_DONE) {
        mlf_sql_reset(st);
        return mlf_sql_error(pool, c, rc, err);
    }
    mlf_sql_reset(st);
    rc = mlf_sql_trace_finish(c, pool, ts, n, err);
    if (rc < 0)
        return rc;
    /* sorted by the index of each id's last mention in the request */
    Mlflow__TraceInfoV3 **out = MLF_NEW_ARRAY(pool, Mlflow__TraceInfoV3 *, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < a->n; i++) {
        if (mlf__last_mention(a->ids, a->n, a->ids[i]) != i)
            continue;
        mlf_sql_trace *t = mlf__find(ts, n, a->ids[i]);
        if (t != NULL)
            out[k++] = t->info;
    }
    *a->ret = out;
    *a->ret_n = k;
    return 0;
}

int mlf_store_batch_get_trace_infos(mlf_store *store, mlf_pool *pool, const char *const *ids, size_t n,
                                    const char *const *experiment_ids, size_t n_experiment_ids,
                                    Mlflow__TraceInfoV3 ***ret, size_t *ret_n, mlf_error *err)
{
    *ret = NULL;
    *ret_n = 0;
    if (n == 0)
        return 0;
    mlf__batch_args a = {ids, n, experiment_ids, n_experiment_ids, ret, ret_n};
    return mlf_sql_in_read(mlf__wstore(store), pool, mlf__batch_tx, &a, err);
}

typedef struct {
    const char *id, *key, *value;
} mlf__tag_args;

/* str() of SQLAlchemy's IntegrityError for the INSERT of one trace tag (session.merge's flush) */
static int mlf__tag_integrity_error(mlf_sql_conn *c, mlf_pool *pool, const mlf__tag_args *a, int rc, mlf_error *err)
{
    if (err == NULL || err->message == NULL || err->code != MLF_ERR_BAD_REQUEST)
        return rc;
    if (mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES)
        err->message = mlf_pool_sprintf(
            pool,
            "%s\n[SQL: INSERT INTO trace_tags (key, value, request_id) VALUES (%%(key)s, %%(value)s, "
            "%%(request_id)s)]\n[parameters: {'key': %s, 'value': %s, 'request_id': %s}]" MLF__SQLA_LINK,
            err->message,
            mlf_pystr_repr(pool, a->key), mlf_pystr_repr(pool, a->value), mlf_pystr_repr(pool, a->id));
    else
        err->message = mlf_pool_sprintf(pool,
                                        "%s\n[SQL: INSERT INTO trace_tags (\"key\", value, request_id) VALUES (?, ?, "
                                        "?)]\n[parameters: (%s, %s, %s)]" MLF__SQLA_LINK,
                                        err->message, mlf_pystr_repr(pool, a->key), mlf_pystr_repr(pool, a->value),
                                        mlf_pystr_repr(pool, a->id));
    return rc;
}

/* The trace's name column: *found clear when there is no trace. */
static int mlf__trace_name(mlf_sql_conn *c, mlf_pool *pool, const char *id, bool *found, char **name, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, "SELECT trace_name FROM trace_info WHERE request_id = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, id);
    rc = mlf_sql_step(st);
    *found = rc == MLF_SQL_ROW;
    *name = *found ? mlf_sql_column_text_dup(pool, st, 0) : NULL;
    mlf_sql_reset(st);
    if (rc != MLF_SQL_ROW && rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    if (!*found)
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Trace with ID '%s' not found.", id);
    return 0;
}

static int mlf__set_tag_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__tag_args *a = arg;
    if (strcmp(a->key, MLF_SQL_TRACE_NAME_TAG) == 0) {
        bool found;
        char *name;
        int rc = mlf__trace_name(c, pool, a->id, &found, &name, err);
        if (rc < 0)
            return rc;
        return mlf__run_stmt(c, pool, "UPDATE trace_info SET trace_name = ? WHERE request_id = ?", "tt",
                             (const void *[]){a->value, a->id}, err);
    }
    int rc = mlf__upsert_child(c, pool, true, a->id, a->key, a->value, err);
    return rc < 0 ? mlf__tag_integrity_error(c, pool, a, rc, err) : 0;
}

int mlf_store_set_trace_tag(mlf_store *store, mlf_pool *pool, const char *trace_id, const char *key, const char *value,
                            mlf_error *err)
{
    mlf__tag_args a = {trace_id != NULL ? trace_id : "", key, value != NULL ? value : ""};
    if (strcmp(key, MLF_SQL_TRACE_NAME_TAG) == 0) {
        int rc = mlf__length_limit(pool, "Trace name", MLF__MAX_TRACE_NAME, a.value, err);
        if (rc < 0)
            return rc;
    }
    return mlf_sql_in_write(mlf__wstore(store), pool, mlf__set_tag_tx, &a, err);
}

static int mlf__delete_tag_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__tag_args *a = arg;
    int rc;
    if (strcmp(a->key, MLF_SQL_TRACE_NAME_TAG) == 0) {
        bool found;
        char *name;
        rc = mlf__trace_name(c, pool, a->id, &found, &name, err);
        if (rc < 0)
            return rc;
        if (name == NULL)
            return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST,
                                 "No trace tag with key '%s' for trace with ID '%s'", a->key, a->id);
        return mlf__run_stmt(c, pool, "UPDATE trace_info SET trace_name = NULL WHERE request_id = ?", "t",
                             (const void *[]){a->id}, err);
    }
    rc = mlf__run_stmt(c, pool, "DELETE FROM trace_tags WHERE request_id = ? AND \"key\" = ?", "tt",
                       (const void *[]){a->id, a->key}, err);
    if (rc < 0)
        return rc;
    if (mlf_sql_changes(c) == 0)
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST,
                             "No trace tag with key '%s' for trace with ID '%s'", a->key, a->id);
    return 0;
}

int mlf_store_delete_trace_tag(mlf_store *store, mlf_pool *pool, const char *trace_id, const char *key,
                               mlf_error *err)
{
    mlf__tag_args a = {trace_id != NULL ? trace_id : "", key != NULL ? key : "", NULL};
    return mlf_sql_in_write(mlf__wstore(store), pool, mlf__delete_tag_tx, &a, err);
}

typedef struct {
    int64_t experiment_id;
    const int64_t *max_ts, *max_traces;
    const char *const *ids;
    size_t n;
    int64_t *ret;
} mlf__delete_args;

static int mlf__delete_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__delete_args *a = arg;
    /* the filters of _delete_traces, the count limit as a subquery of the oldest matching traces; the
     * parameters numbered in order (PostgreSQL types each one it is given) */
    int p_ts = a->max_ts != NULL ? 2 : 0;
    int p_ids = a->n > 0 ? 2 + (p_ts != 0) : 0;
    int p_limit = a->max_traces != NULL ? 2 + (p_ts != 0) + (p_ids != 0) : 0;
    mlf_buf where;
    mlf_buf_init(&where, pool, 256);
    mlf_buf_puts(&where, "experiment_id = ?1");
    if (p_ts)
        mlf_buf_printf(&where, " AND timestamp_ms <= ?%d", p_ts);
    if (p_ids)
        mlf_buf_printf(&where, " AND request_id IN (SELECT value FROM json_each(?%d))", p_ids);
    mlf_buf sql;
    mlf_buf_init(&sql, pool, 512);
    mlf_buf_printf(&sql, "SELECT request_id FROM trace_info WHERE %s", where.data);
    if (p_limit)
        mlf_buf_printf(&sql,
                       " AND request_id IN (SELECT request_id FROM (SELECT request_id FROM trace_info WHERE %s "
                       "ORDER BY timestamp_ms, request_id LIMIT ?%d) AS limited)",
                       where.data, p_limit);
    mlf_buf_puts(&sql, " ORDER BY timestamp_ms, request_id");
    if (mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES)
        mlf_buf_puts(&sql, " FOR UPDATE");
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql.data, &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_int64(st, 1, a->experiment_id);
    if (p_ts)
        mlf_sql_bind_int64(st, p_ts, *a->max_ts);
    if (p_ids)
        mlf_sql_bind_text(st, p_ids, mlf__sql_json_strings(pool, a->ids, a->n));
    if (p_limit)
        mlf_sql_bind_int64(st, p_limit, *a->max_traces);
    size_t cap = 16, n = 0;
    const char **sel = MLF_NEW_ARRAY(pool, const char *, cap);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        if (n == cap) {
            const char **s2 = MLF_NEW_ARRAY(pool, const char *, cap * 2);
            memcpy(s2, sel, n * sizeof(*sel));
            sel = s2;
            cap *= 2;
        }
        sel[n++] = mlf_sql_column_text_dup(pool, st, 0);
    }
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    *a->ret = 0;
    if (n == 0)
        return 0;
    const char *ids = mlf__sql_json_strings(pool, sel, n);
    /* the children go by the schema's ON DELETE CASCADE (tags, metadata, spans, assessments, metrics) */
    rc = mlf__run_stmt(c, pool, "DELETE FROM trace_info WHERE request_id IN (SELECT value FROM json_each(?1))", "t",
                       (const void *[]){ids}, err);
    if (rc < 0)
        return rc;
    *a->ret = mlf_sql_changes(c);
    /* review queue items name their trace without a foreign key: _delete_review_queue_items_for_traces */
    return mlf__run_stmt(c, pool,
                         "DELETE FROM review_queue_items WHERE item_type = 'trace' AND item_id IN "
                         "(SELECT value FROM json_each(?1))",
                         "t", (const void *[]){ids}, err);
}

int mlf_store_delete_traces(mlf_store *store, mlf_pool *pool, const char *experiment_id,
                            const int64_t *max_timestamp_ms, const int64_t *max_traces, const char *const *ids,
                            size_t n, int64_t *ret, mlf_error *err)
{
    mlf__delete_args a = {0, max_timestamp_ms, max_traces, ids, n, ret};
    const char *text = experiment_id != NULL ? experiment_id : "";
    int prc = mlf_pystr_parse_int(text, &a.experiment_id);
    if (prc == -1) /* _parse_experiment_id */
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid experiment ID '%s'. Experiment ID must be a valid integer.", text);
    if (prc < 0) {
        *ret = 0; /* beyond int64: no experiment has it */
        return 0;
    }
    *ret = 0;
    return mlf_sql_in_write(mlf__wstore(store), pool, mlf__delete_tx, &a, err);
}

typedef struct {
    const char *experiment_id;
    int64_t timestamp_ms;
    const mlf_store_kv *meta, *tags;
    const char *request_id, *status; /* end */
    const char *name;
    bool has_name;
    Mlflow__TraceInfoV3 **ret;
} mlf__v2_args;

/* tags but the name: upserted (the name is trace_info's) */
static int mlf__put_tags(mlf_sql_conn *c, mlf_pool *pool, const char *id, const mlf_store_kv *tags, mlf_error *err)
{
    const char **k, **v;
    size_t n = mlf__dict(pool, tags, false, &k, &v);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (strcmp(k[i], MLF_SQL_TRACE_NAME_TAG) != 0)
            rc = mlf__upsert_child(c, pool, true, id, k[i], v[i], err);
    return rc;
}

/* metadata but the promoted keys, in key order */
static int mlf__put_meta(mlf_sql_conn *c, mlf_pool *pool, const char *id, const mlf_store_kv *meta, mlf_error *err)
{
    const char **k, **v;
    size_t n = mlf__dict(pool, meta, true, &k, &v);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!mlf__is_promoted(k[i]))
            rc = mlf__upsert_child(c, pool, false, id, k[i], v[i], err);
    return rc;
}

static int mlf__start_v2_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__v2_args *a = arg;
    char *location;
    int rc = mlf__sql_active_experiment(c, pool, a->experiment_id, &location, err);
    if (rc < 0)
        return rc;
    mlf__analytics an;
    rc = mlf__analytics_from(pool, a->meta, &an, err);
    int64_t experiment_id = 0;
    if (rc == 0)
        rc = mlf__int_experiment_id(pool, a->experiment_id != NULL ? a->experiment_id : "", &experiment_id, err);
    if (rc < 0)
        return rc;
    char *id = mlf__sql_uuid4_hex(pool), *artifact_uri;
    rc = mlf__artifact_tag(pool, location, id, &artifact_uri, err);
    if (rc == 0)
        rc = mlf__insert_info(c, pool, id, experiment_id, a->timestamp_ms, NULL, "IN_PROGRESS", NULL, NULL, NULL,
                              a->name, &an, err);
    if (rc == 0)
        rc = mlf__put_tags(c, pool, id, a->tags, err);
    if (rc == 0)
        rc = mlf__upsert_child(c, pool, true, id, MLF__ARTIFACT_LOCATION_TAG, artifact_uri, err);
    if (rc == 0)
        rc = mlf__put_meta(c, pool, id, a->meta, err);
    if (rc == 0)
        rc = mlf__read_one(c, pool, id, a->ret, err);
    if (rc == 0) /* the new row as MLflow holds it: the experiment id as the request spelled it */
        (*a->ret)->trace_location->mlflow_experiment->experiment_id = (char *)a->experiment_id;
    return rc;
}

int mlf_store_start_trace_v2(mlf_store *store, mlf_pool *pool, const char *experiment_id, int64_t timestamp_ms,
                             const mlf_store_kv *metadata, const mlf_store_kv *tags, Mlflow__TraceInfoV3 **ret,
                             mlf_error *err)
{
    mlf__v2_args a = {.experiment_id = experiment_id, .timestamp_ms = timestamp_ms, .meta = metadata, .tags = tags,
                      .ret = ret};
    a.name = mlf__kv_get(tags, MLF_SQL_TRACE_NAME_TAG, &a.has_name);
    int rc = mlf__length_limit(pool, "Trace name", MLF__MAX_TRACE_NAME, a.name, err);
    if (rc < 0)
        return rc;
    return mlf_sql_in_write(mlf__wstore(store), pool, mlf__start_v2_tx, &a, err);
}

static int mlf__end_v2_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__v2_args *a = arg;
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, "SELECT timestamp_ms FROM trace_info WHERE request_id = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, a->request_id);
    rc = mlf_sql_step(st);
    int64_t start = rc == MLF_SQL_ROW ? mlf_sql_column_int64(st, 0) : 0;
    mlf_sql_reset(st);
    if (rc == MLF_SQL_DONE)
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Trace with ID '%s' not found.",
                             a->request_id);
    if (rc != MLF_SQL_ROW)
        return mlf_sql_error(pool, c, rc, err);
    mlf__analytics an;
    rc = mlf__analytics_from(pool, a->meta, &an, err);
    if (rc == 0 && a->has_name)
        rc = mlf__length_limit(pool, "Trace name", MLF__MAX_TRACE_NAME, a->name, err);
    if (rc < 0)
        return rc;
    if (strcmp(a->status, "TRACE_STATUS_UNSPECIFIED") == 0)
        /* TraceState(status) of the unspecified TraceStatus, when MLflow makes the entity: a ValueError (500) */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                             "<TraceStatus.UNSPECIFIED: 'TRACE_STATUS_UNSPECIFIED'> is not a valid TraceState");
    int64_t exec_ms = a->timestamp_ms - start;
    rc = mlf__run_stmt(c, pool, "UPDATE trace_info SET execution_time_ms = ?, status = ? WHERE request_id = ?", "itt",
                       (const void *[]){&exec_ms, a->status, a->request_id}, err);
    if (rc == 0)
        rc = mlf__update_analytics(c, pool, a->request_id, &an, err);
    if (rc == 0 && a->has_name)
        rc = mlf__run_stmt(c, pool, "UPDATE trace_info SET trace_name = ? WHERE request_id = ?", "tt",
                           (const void *[]){a->name, a->request_id}, err);
    if (rc == 0)
        rc = mlf__put_meta(c, pool, a->request_id, a->meta, err);
    if (rc == 0)
        rc = mlf__put_tags(c, pool, a->request_id, a->tags, err);
    if (rc < 0)
        return rc;
    return mlf__read_one(c, pool, a->request_id, a->ret, err);
}

int mlf_store_end_trace_v2(mlf_store *store, mlf_pool *pool, const char *request_id, int64_t timestamp_ms,
                           const char *status, const mlf_store_kv *metadata, const mlf_store_kv *tags,
                           Mlflow__TraceInfoV3 **ret, mlf_error *err)
{
    mlf__v2_args a = {.request_id = request_id != NULL ? request_id : "", .timestamp_ms = timestamp_ms,
                      .status = status, .meta = metadata, .tags = tags, .ret = ret};
    a.name = mlf__kv_get(tags, MLF_SQL_TRACE_NAME_TAG, &a.has_name);
    return mlf_sql_in_write(mlf__wstore(store), pool, mlf__end_v2_tx, &a, err);
}

typedef struct {
    const char *source_id;     /* link_prompts: the trace; NULL for link_traces */
    const char *const *ids;    /* the sources (traces) or destinations (prompt versions) */
    size_t n;
    const char *destination_id; /* link_traces: the run */
} mlf__link_args;

/* str() of the IntegrityError of the association rows' executemany (SQLite, up to 10 rows as SQLAlchemy shows) */
static int mlf__link_integrity_error(mlf_sql_conn *c, mlf_pool *pool, const char *const *rows, size_t n, int rc,
                                     mlf_error *err)
{
    if (err == NULL || err->message == NULL || err->code != MLF_ERR_BAD_REQUEST || n == 0 || n > 10 ||
        mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES)
        return rc;
    mlf_buf b;
    mlf_buf_init(&b, pool, 512);
    mlf_buf_printf(&b,
                   "%s\n[SQL: INSERT INTO entity_associations (association_id, source_type, source_id, "
                   "destination_type, destination_id, created_time) VALUES (?, ?, ?, ?, ?, ?)]\n[parameters: %s",
                   err->message, n > 1 ? "[" : "");
    for (size_t i = 0; i < n; i++)
        mlf_buf_printf(&b, "%s%s", i ? ", " : "", rows[i]);
    mlf_buf_puts(&b, n > 1 ? "]]" : "]");
    mlf_buf_puts(&b, MLF__SQLA_LINK);
    err->message = b.data;
    return rc;
}

static int mlf__link_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__link_args *a = arg;
    bool prompts = a->source_id != NULL;
    int rc;
    mlf_sql_stmt *st;
    if (prompts) {
        bool found;
        char *name;
        rc = mlf__trace_name(c, pool, a->source_id, &found, &name, err);
        if (rc < 0)
            return rc;
    }
    /* the links there already */
    rc = mlf_sql_prepare(c, pool,
                         prompts ? "SELECT destination_id FROM entity_associations WHERE source_type = 'trace' AND "
                                   "source_id = ?1 AND destination_type = 'prompt_version' AND destination_id IN "
                                   "(SELECT value FROM json_each(?2))"
                                 : "SELECT source_id FROM entity_associations WHERE source_type = 'trace' AND "
                                   "source_id IN (SELECT value FROM json_each(?2)) AND destination_type = 'run' AND "
                                   "destination_id = ?1",
                         &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, prompts ? a->source_id : a->destination_id);
    mlf_sql_bind_text(st, 2, mlf__sql_json_strings(pool, a->ids, a->n));
    size_t n_have = 0;
    char **have = MLF_NEW_ARRAY(pool, char *, a->n + 1);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW && n_have < a->n)
        have[n_have++] = mlf_sql_column_text_dup(pool, st, 0);
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE && rc != MLF_SQL_ROW)
        return mlf_sql_error(pool, c, rc, err);
    rc = 0;
    const char **rows = MLF_NEW_ARRAY(pool, const char *, a->n + 1);
    size_t n_rows = 0;
    int64_t now = mlf_sql_now_ms();
    for (size_t i = 0; i < a->n; i++) {
        bool linked = false;
        for (size_t j = 0; j < n_have && !linked; j++)
            linked = have[j] != NULL && strcmp(have[j], a->ids[i]) == 0;
        if (linked)
            continue;
        const char *src = prompts ? a->source_id : a->ids[i];
        const char *dst_type = prompts ? "prompt_version" : "run";
        const char *dst = prompts ? a->ids[i] : a->destination_id;
        char *assoc = mlf__sql_uuid4_hex(pool);
        rows[n_rows++] = mlf_pool_sprintf(pool, "(%s, 'trace', %s, %s, %s, %" PRId64 ")", mlf_pystr_repr(pool, assoc),
                                          mlf_pystr_repr(pool, src), mlf_pystr_repr(pool, dst_type),
                                          mlf_pystr_repr(pool, dst), now);
        if (rc == 0) {
            rc = mlf__run_stmt(c, pool,
                               "INSERT INTO entity_associations (association_id, source_type, source_id, "
                               "destination_type, destination_id, created_time) VALUES (?, 'trace', ?, ?, ?, ?)",
                               "tttti", (const void *[]){assoc, src, dst_type, dst, &now}, err);
        }
    }
    /* SQLAlchemy's one executemany: its error shows every row */
    if (rc < 0)
        return mlf__link_integrity_error(c, pool, rows, n_rows, rc, err);
    return 0;
}

int mlf_store_link_traces_to_run(mlf_store *store, mlf_pool *pool, const char *const *ids, size_t n,
                                 const char *run_id, mlf_error *err)
{
    if (n == 0)
        return 0;
    if (n > MLF__MAX_TRACE_LINKS)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Cannot link more than %d traces to a run in a single request. Provided %zu traces.",
                             MLF__MAX_TRACE_LINKS, n);
    mlf__link_args a = {NULL, ids, n, run_id != NULL ? run_id : ""};
    return mlf_sql_in_write(mlf__wstore(store), pool, mlf__link_tx, &a, err);
}

int mlf_store_link_prompts_to_trace(mlf_store *store, mlf_pool *pool, const char *trace_id,
                                    const char *const *prompt_ids, size_t n, mlf_error *err)
{
    if (n == 0)
        return 0;
    mlf__link_args a = {trace_id != NULL ? trace_id : "", prompt_ids, n, NULL};
    return mlf_sql_in_write(mlf__wstore(store), pool, mlf__link_tx, &a, err);
}
