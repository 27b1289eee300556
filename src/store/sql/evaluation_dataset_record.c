/*
 * Evaluation dataset records on both backends, mirroring SqlAlchemyStore's
 * upsert_dataset_records, _load_dataset_records and delete_dataset_records
 * (MLflow 3.18), with the record model's merge and the dataset's schema,
 * profile and digest as MLflow computes them. JSON columns hold json.dumps
 * of the value (SQLAlchemy's JSON type; None as 'null'), so a stored text is
 * what MLflow's json.dumps of the loaded value gives back.
 */
#include <inttypes.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "store/pystr.h"
#include "store/sql/sql.h"

static mlf_sql_store *mlf__store(mlf_store *store)
{
    return (mlf_sql_store *)store;
}

static const char mlf__hex[] = "0123456789abcdef";

/* sha256(data).hexdigest(), the first n_hex digits */
static char *mlf__sha256_hex(mlf_pool *pool, const char *data, size_t len, size_t n_hex)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)data, len, md);
    char *out = mlf_pool_alloc(pool, n_hex + 1);
    for (size_t i = 0; i < n_hex; i++)
        out[i] = mlf__hex[(md[i / 2] >> (i % 2 ? 0 : 4)) & 0x0F];
    out[n_hex] = '\0';
    return out;
}

const char *mlf__sql_eval_dataset_digest(mlf_pool *pool, const char *name, int64_t time_ms)
{
    /* f"{name}:{last_update_time}" (a missing dataset's name is None) */
    char *s = mlf_pool_sprintf(pool, "%s:%" PRId64, name != NULL ? name : "None", time_ms);
    return mlf__sha256_hex(pool, s, strlen(s), 8);
}

/* json.dumps(v) with Python's defaults */
static char *mlf__dumps(mlf_pool *pool, const mlf_json *v)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    mlf_json_write_dumps(&b, v, 0);
    return b.data;
}

static mlf_json *mlf__new(mlf_pool *pool, mlf_json_type type)
{
    mlf_json *v = MLF_NEW(pool, mlf_json);
    memset(v, 0, sizeof(*v));
    v->type = type;
    return v;
}

static mlf_json *mlf__str(mlf_pool *pool, const char *s)
{
    mlf_json *v = mlf__new(pool, MLF_JSON_STRING);
    v->text = s;
    v->len = strlen(s);
    return v;
}

/* A copy of obj with key set to value (replaced in place, else appended): dict assignment. */
static mlf_json *mlf__put(mlf_pool *pool, const mlf_json *obj, const char *key, mlf_json *value)
{
    mlf_json *o = mlf__new(pool, MLF_JSON_OBJECT);
    o->keys = MLF_NEW_ARRAY(pool, const char *, obj->n + 1);
    o->items = MLF_NEW_ARRAY(pool, mlf_json *, obj->n + 1);
    bool found = false;
    for (size_t i = 0; i < obj->n; i++) {
        o->keys[i] = obj->keys[i];
        found = found || strcmp(obj->keys[i], key) == 0;
        o->items[i] = strcmp(obj->keys[i], key) == 0 ? value : obj->items[i];
    }
    o->n = obj->n;
    if (!found) {
        o->keys[o->n] = key;
        o->items[o->n++] = value;
    }
    return o;
}

/* A stored JSON column as json.loads gives it: NULL for SQL NULL and for 'null'. */
static mlf_json *mlf__column_json(mlf_pool *pool, mlf_sql_stmt *st, int col)
{
    if (mlf_sql_column_type(st, col) == MLF_SQL_NULL)
        return NULL;
    const char *text = (const char *)mlf_sql_column_text(st, col);
    size_t len = strlen(text);
    mlf_json *v;
    /* the strict reader first (what json.dumps wrote, faster), then json.loads' own rules */
    if (mlf_json_parse(pool, text, len, &v, NULL) != 0 &&
        mlf_json_parse_ex(pool, text, len, MLF_JSON_LOADS, &v, NULL) != 0)
        return NULL;
    return v->type == MLF_JSON_NULL ? NULL : v;
}

/* dict.update(new) of a stored dict (None: {}), with Python's errors for other shapes */
static int mlf__update(mlf_pool *pool, const mlf_json *old, const mlf_json *new, mlf_json **ret, mlf_error *err)
{
    if (old != NULL && old->type != MLF_JSON_OBJECT)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' object has no attribute 'update'",
                             mlf_json_py_type(old));
    if (new->type != MLF_JSON_OBJECT)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                             new->type == MLF_JSON_ARRAY || new->type == MLF_JSON_STRING
                                 ? "dictionary update sequence element #0 has length 1; 2 is required"
                                 : "'%s' object is not iterable",
                             mlf_json_py_type(new));
    mlf_json *o = old != NULL ? (mlf_json *)old : mlf__new(pool, MLF_JSON_OBJECT);
    for (size_t i = 0; i < new->n; i++)
        o = mlf__put(pool, o, new->keys[i], new->items[i]);
    *ret = o;
    return 0;
}

/* _infer_field_type */
static const char *mlf__field_type(const mlf_json *v)
{
    switch (v->type) {
    case MLF_JSON_NULL:
        return "null";
    case MLF_JSON_BOOL:
        return "boolean";
    case MLF_JSON_NUMBER:
        return mlf_json_is_int(v) ? "integer" : "float";
    case MLF_JSON_STRING:
        return "string";
    case MLF_JSON_ARRAY:
        return "array";
    default:
        return "object";
    }
}

/* schema[section][key] = type for each key not there yet (`key not in` a str is a substring test) */
static int mlf__schema_keys(mlf_pool *pool, mlf_json *schema, const char *section, const mlf_json *values,
                            mlf_error *err)
{
    if (values->type != MLF_JSON_OBJECT)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' object has no attribute 'items'",
                             mlf_json_py_type(values));
    for (size_t s = 0; s < schema->n; s++) {
        if (strcmp(schema->keys[s], section) != 0)
            continue;
        mlf_json *sec = schema->items[s];
        for (size_t i = 0; i < values->n; i++) {
            bool in = false;
            int rc = mlf__sql_py_in(pool, sec, values->keys[i], &in, err);
            if (rc < 0)
                return rc;
            if (in)
                continue;
            if (sec->type != MLF_JSON_OBJECT)
                return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' object does not support item assignment",
                                     mlf_json_py_type(sec));
            sec = mlf__put(pool, sec, values->keys[i], mlf__str(pool, mlf__field_type(values->items[i])));
        }
        schema->items[s] = sec;
        return 0;
    }
    return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s'", section); /* KeyError */
}

/* _update_dataset_schema: NULL when there are no records and no schema */
static int mlf__schema(mlf_pool *pool, const char *existing, const mlf_json *const *records, size_t n, char **ret,
                       mlf_error *err)
{
    *ret = NULL;
    if (n == 0 && (existing == NULL || existing[0] == '\0'))
        return 0;
    mlf_json *schema = NULL;
    if (existing != NULL && existing[0] != '\0') {
        if (mlf_json_parse_ex(pool, existing, strlen(existing), MLF_JSON_LOADS, &schema, err) != 0)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "%s", err->message ? err->message : "");
        if (schema->type != MLF_JSON_OBJECT)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' object is not subscriptable",
                                 mlf_json_py_type(schema));
        /* a copy: the sections are replaced in place */
        schema = mlf__put(pool, schema, "inputs", (mlf_json *)mlf_json_get(schema, "inputs"));
    } else {
        schema = mlf__new(pool, MLF_JSON_OBJECT);
        schema = mlf__put(pool, schema, "inputs", mlf__new(pool, MLF_JSON_OBJECT));
        schema = mlf__put(pool, schema, "outputs", mlf__new(pool, MLF_JSON_OBJECT));
        schema = mlf__put(pool, schema, "expectations", mlf__new(pool, MLF_JSON_OBJECT));
        schema = mlf__put(pool, schema, "version", mlf__str(pool, "1.0"));
    }
    for (size_t i = 0; i < n; i++) {
        const mlf_json *r = records[i];
        const mlf_json *v = mlf_json_get(r, "inputs");
        int rc = 0;
        if (v != NULL && mlf_json_truthy(v))
            rc = mlf__schema_keys(pool, schema, "inputs", v, err);
        v = mlf_json_get(r, "outputs");
        if (rc == 0 && v != NULL && v->type != MLF_JSON_NULL) {
            if (v->type == MLF_JSON_OBJECT) {
                rc = mlf__schema_keys(pool, schema, "outputs", v, err);
            } else {
                const mlf_json *cur = mlf_json_get(schema, "outputs");
                if (cur == NULL || !mlf_json_truthy(cur))
                    schema = mlf__put(pool, schema, "outputs", mlf__str(pool, mlf__field_type(v)));
            }
        }
        v = mlf_json_get(r, "expectations");
        if (rc == 0 && v != NULL && mlf_json_truthy(v))
            rc = mlf__schema_keys(pool, schema, "expectations", v, err);
        if (rc < 0)
            return rc;
    }
    *ret = mlf__dumps(pool, schema);
    return 0;
}

static const char *const mlf__source_types[] = {"UNSPECIFIED", "TRACE", "HUMAN", "DOCUMENT", "CODE"};

/*
 * DatasetRecordSource.from_dict(source) and the record's source_id, source_type: *ret_json the
 * stored json.dumps(source.to_dict()).
 */
static int mlf__source(mlf_pool *pool, const mlf_json *src, char **ret_json, const char **ret_id,
                       const char **ret_type, mlf_error *err)
{
    const mlf_json *type = NULL, *data = NULL;
    for (size_t i = 0; i < src->n; i++) {
        if (strcmp(src->keys[i], "source_type") == 0)
            type = src->items[i];
        else if (strcmp(src->keys[i], "source_data") == 0)
            data = src->items[i];
        else
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                 "DatasetRecordSource.__init__() got an unexpected keyword argument '%s'",
                                 src->keys[i]);
    }
    if (type == NULL)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                             "DatasetRecordSource.__init__() missing 1 required positional argument: 'source_type'");
    if (type->type != MLF_JSON_STRING)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' object has no attribute 'upper'",
                             mlf_json_py_type(type));
    char upper[64];
    const char *name = NULL;
    if (mlf_pystr_upper_ascii(type->text, type->len, upper, sizeof(upper)) >= 0)
        for (size_t i = 0; i < sizeof(mlf__source_types) / sizeof(mlf__source_types[0]); i++)
            if (strcmp(upper, mlf__source_types[i]) == 0)
                name = mlf__source_types[i];
    if (name == NULL) {
        mlf_buf u;
        mlf_buf_init(&u, pool, type->len + 1);
        for (size_t i = 0; i < type->len; i++) {
            char ch = type->text[i];
            mlf_buf_putc(&u, ch >= 'a' && ch <= 'z' ? (char)(ch - 32) : ch);
        }
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid dataset record source type: %s. Valid source types: ['UNSPECIFIED', 'TRACE', "
                             "'HUMAN', 'DOCUMENT', 'CODE']",
                             u.data);
    }
    if (data == NULL || data->type == MLF_JSON_NULL)
        data = mlf__new(pool, MLF_JSON_OBJECT);
    mlf_json *d = mlf__new(pool, MLF_JSON_OBJECT);
    d = mlf__put(pool, d, "source_type", mlf__str(pool, name));
    d = mlf__put(pool, d, "source_data", (mlf_json *)data);
    *ret_json = mlf__dumps(pool, d);
    *ret_type = name;
    *ret_id = NULL;
    if (data->type != MLF_JSON_OBJECT)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' object has no attribute 'get'",
                             mlf_json_py_type(data));
    const mlf_json *id = mlf_json_get(data, strcmp(name, "TRACE") == 0 ? "trace_id" : "source_id");
    if (id != NULL && id->type == MLF_JSON_STRING)
        *ret_id = id->text;
    else if (id != NULL && id->type != MLF_JSON_NULL)
        *ret_id = mlf__dumps(pool, id);
    return 0;
}

typedef struct {
    const char *dataset_id;
    const mlf_json *records;
    int64_t inserted, updated;
    int64_t max_results;
    const char *page_token;
    char *ret_json, *ret_token;
    char *const *ids;
    size_t n_ids;
    int64_t deleted;
} mlf__args;

/* The records json.loads gave, as `for record_dict in records` iterates them, with Python's errors. */
static int mlf__record_list(mlf_pool *pool, const mlf_json *records, const mlf_json *const **ret, size_t *ret_n,
                            mlf_error *err)
{
    *ret = NULL;
    *ret_n = 0;
    switch (records->type) {
    case MLF_JSON_ARRAY:
        *ret = (const mlf_json *const *)records->items;
        *ret_n = records->n;
        return 0;
    case MLF_JSON_OBJECT:
    case MLF_JSON_STRING:
        /* iterating a dict gives its keys, a str its characters */
        if (records->type == MLF_JSON_OBJECT ? records->n == 0 : records->len == 0)
            return 0;
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'str' object has no attribute 'get'");
    default:
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' object is not iterable",
                             mlf_json_py_type(records));
    }
}

/* SqlEvaluationDatasetRecord.merge of an existing row */
static int mlf__merge(mlf_sql_conn *c, mlf_pool *pool, mlf_sql_stmt *found, const mlf_json *r, const char *user,
                      mlf_error *err)
{
    const char *record_id = mlf_sql_column_text_dup(pool, found, 0);
    char *outputs = mlf_sql_column_text_dup(pool, found, 1);
    mlf_json *expectations = mlf__column_json(pool, found, 2);
    mlf_json *tags = mlf__column_json(pool, found, 3);
    char *last_updated_by = mlf_sql_column_text_dup(pool, found, 4);
    bool tags_null = mlf_sql_column_type(found, 3) == MLF_SQL_NULL;
    const char *exp_text = mlf_sql_column_text_dup(pool, found, 2);
    const char *tags_text = tags_null ? NULL : mlf_sql_column_text_dup(pool, found, 3);
    mlf_sql_reset(found);
    const mlf_json *v = mlf_json_get(r, "outputs");
    if (v != NULL) {
        if (v->type == MLF_JSON_NULL) {
            outputs = "null";
        } else {
            mlf_json *w = mlf__put(pool, mlf__new(pool, MLF_JSON_OBJECT), "mlflow_wrapped", (mlf_json *)v);
            outputs = mlf__dumps(pool, w);
        }
    }
    v = mlf_json_get(r, "expectations");
    if (v != NULL && mlf_json_truthy(v)) {
        int rc = mlf__update(pool, expectations, v, &expectations, err);
        if (rc < 0)
            return rc;
        exp_text = mlf__dumps(pool, expectations);
    }
    v = mlf_json_get(r, "tags");
    if (v != NULL && mlf_json_truthy(v)) {
        int rc = mlf__update(pool, tags, v, &tags, err);
        if (rc < 0)
            return rc;
        tags_text = mlf__dumps(pool, tags);
        if (user != NULL)
            last_updated_by = (char *)user;
    }
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "UPDATE evaluation_dataset_records SET outputs = ?, expectations = ?, tags = ?, "
                             "last_update_time = ?, last_updated_by = ? WHERE dataset_record_id = ?",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, outputs);
    mlf_sql_bind_text(st, 2, exp_text);
    mlf_sql_bind_text(st, 3, tags_text);
    mlf_sql_bind_int64(st, 4, mlf_sql_now_ms());
    mlf_sql_bind_text(st, 5, last_updated_by);
    mlf_sql_bind_text(st, 6, record_id);
    return mlf__sql_step_done(c, pool, st, err);
}

/* A new record (DatasetRecord + SqlEvaluationDatasetRecord.from_mlflow_entity) */
static int mlf__insert(mlf_sql_conn *c, mlf_pool *pool, const char *dataset_id, const mlf_json *r, const char *hash,
                       const char *user, int64_t now, mlf_error *err)
{
    const mlf_json *src = mlf_json_get(r, "source");
    char *source = NULL;
    const char *source_id = NULL, *source_type = NULL;
    bool src_dict = src != NULL && mlf_json_truthy(src) && src->type == MLF_JSON_OBJECT;
    int src_rc = 0;
    if (src_dict) {
        /* DatasetRecordSource.from_dict's errors first, then DatasetRecord.__post_init__'s inputs check,
         * then its source_data.get (mlf__source's last error, with the source already built) */
        src_rc = mlf__source(pool, src, &source, &source_id, &source_type, err);
        if (src_rc < 0 && source == NULL)
            return src_rc;
    }
    const mlf_json *inputs = mlf_json_get(r, "inputs");
    if (inputs != NULL && inputs->type == MLF_JSON_NULL)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "inputs must be provided");
    if (src_rc < 0)
        return src_rc;
    if (src != NULL && mlf_json_truthy(src) && !src_dict)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' object has no attribute 'to_dict'",
                             mlf_json_py_type(src));
    const mlf_json *ex = mlf_json_get(r, "expectations");
    const mlf_json *tg = mlf_json_get(r, "tags");
    /* the JSON columns are MutableDicts: SqlEvaluationDatasetRecord(...) refuses other values, in its
     * keyword order (tags None became {} in DatasetRecord) */
    const mlf_json *cols[] = {inputs, ex, tg};
    static const char *const names[] = {"inputs", "expectations", "tags"};
    for (int i = 0; i < 3; i++)
        if (cols[i] != NULL && cols[i]->type != MLF_JSON_NULL && cols[i]->type != MLF_JSON_OBJECT)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                 "Attribute '%s' does not accept objects of type <class '%s'>", names[i],
                                 mlf_json_py_type(cols[i]));
    const char *inputs_text = inputs != NULL ? mlf__dumps(pool, inputs) : "{}";
    const mlf_json *out = mlf_json_get(r, "outputs");
    const char *outputs = "{\"mlflow_wrapped\": {}}";
    if (out != NULL)
        outputs = out->type == MLF_JSON_NULL
                      ? "null"
                      : mlf__dumps(pool, mlf__put(pool, mlf__new(pool, MLF_JSON_OBJECT), "mlflow_wrapped",
                                                  (mlf_json *)out));
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "INSERT INTO evaluation_dataset_records (dataset_record_id, dataset_id, inputs, outputs, "
                             "expectations, tags, source, source_id, source_type, created_time, last_update_time, "
                             "created_by, last_updated_by, input_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, mlf_pool_sprintf(pool, "dr-%s", mlf__sql_uuid4_hex(pool)));
    mlf_sql_bind_text(st, 2, dataset_id);
    mlf_sql_bind_text(st, 3, inputs_text);
    mlf_sql_bind_text(st, 4, outputs);
    mlf_sql_bind_text(st, 5, ex != NULL ? mlf__dumps(pool, ex) : "null");
    mlf_sql_bind_text(st, 6, tg != NULL && tg->type != MLF_JSON_NULL ? mlf__dumps(pool, tg) : "{}");
    mlf_sql_bind_text(st, 7, source != NULL ? source : "null");
    mlf_sql_bind_text(st, 8, source_id);
    mlf_sql_bind_text(st, 9, source_type);
    mlf_sql_bind_int64(st, 10, now);
    mlf_sql_bind_int64(st, 11, now);
    mlf_sql_bind_text(st, 12, user);
    mlf_sql_bind_text(st, 13, user);
    mlf_sql_bind_text(st, 14, hash);
    return mlf__sql_step_done(c, pool, st, err);
}

typedef struct {
    const char *hash;
    size_t idx;
} mlf__hashed;

static int mlf__cmp_hashed(const void *x, const void *y)
{
    const mlf__hashed *a = x, *b = y;
    int c = strcmp(a->hash, b->hash);
    return c ? c : (a->idx < b->idx ? -1 : a->idx > b->idx);
}

/*
 * The input hash of each record (sha256 of json.dumps(inputs, sort_keys=True); up to the first
 * record that is no dict), and whether its row must be looked up: a record whose hash is stored
 * already (one query for the batch) or came earlier in the batch. The others are new: MLflow's
 * per-record query would find nothing for them.
 */
static int mlf__hashes(mlf_sql_conn *c, mlf_pool *pool, const char *dataset_id, const mlf_json *const *recs,
                       size_t n, const char ***ret_hashes, bool **ret_lookup, mlf_error *err)
{
    const char **hashes = MLF_NEW_ARRAY(pool, const char *, n ? n : 1);
    bool *lookup = MLF_NEW_ARRAY(pool, bool, n ? n : 1);
    mlf__hashed *sorted = MLF_NEW_ARRAY(pool, mlf__hashed, n ? n : 1);
    size_t m = 0;
    mlf_buf hb;
    mlf_buf_init(&hb, pool, 256);
    for (; m < n && recs[m]->type == MLF_JSON_OBJECT; m++) {
        const mlf_json *inputs = mlf_json_get(recs[m], "inputs");
        hb.len = 0;
        if (inputs != NULL)
            mlf_json_write_dumps(&hb, inputs, MLF_JSON_DUMPS_SORT_KEYS);
        else
            mlf_buf_puts(&hb, "{}");
        hashes[m] = mlf__sha256_hex(pool, hb.data, hb.len, 64);
        lookup[m] = false;
        sorted[m] = (mlf__hashed){hashes[m], m};
    }
    for (size_t i = m; i < n; i++)
        lookup[i] = true;
    qsort(sorted, m, sizeof(*sorted), mlf__cmp_hashed);
    for (size_t k = 1; k < m; k++)
        if (strcmp(sorted[k].hash, sorted[k - 1].hash) == 0)
            lookup[sorted[k].idx] = true;
    *ret_hashes = hashes;
    *ret_lookup = lookup;
    if (m == 0)
        return 0;
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT input_hash FROM evaluation_dataset_records WHERE dataset_id = ? AND input_hash "
                             "IN (SELECT value FROM json_each(?))",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, dataset_id);
    mlf_sql_bind_text(st, 2, mlf__sql_json_strings(pool, hashes, m));
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        const char *hash = (const char *)mlf_sql_column_text(st, 0);
        /* the first of the batch's records with it (lower bound), then the others */
        size_t lo = 0, hi = m;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (strcmp(sorted[mid].hash, hash) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        size_t k = lo;
        for (; k < m && strcmp(sorted[k].hash, hash) == 0; k++)
            lookup[sorted[k].idx] = true;
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    return 0;
}

static int mlf__upsert_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__args *a = arg;
    a->inserted = a->updated = 0;
    const mlf_json *const *recs;
    size_t n;
    int rc = mlf__record_list(pool, a->records, &recs, &n, err);
    if (rc < 0)
        return rc;
    int64_t now = mlf_sql_now_ms();
    const char *updated_by = NULL;
    bool *lookup;
    const char **hashes;
    rc = mlf__hashes(c, pool, a->dataset_id, recs, n, &hashes, &lookup, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        const mlf_json *r = recs[i];
        if (r->type != MLF_JSON_OBJECT)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' object has no attribute 'get'",
                                 mlf_json_py_type(r));
        const char *hash = hashes[i];
        mlf_sql_stmt *st = NULL;
        int step = MLF_SQL_DONE;
        if (lookup[i]) {
            rc = mlf_sql_prepare(c, pool,
                                 "SELECT dataset_record_id, outputs, expectations, tags, last_updated_by "
                                 "FROM evaluation_dataset_records WHERE dataset_id = ? AND input_hash = ?",
                                 &st, err);
            if (rc < 0)
                return rc;
            mlf_sql_bind_text(st, 1, a->dataset_id);
            mlf_sql_bind_text(st, 2, hash);
            step = mlf_sql_step(st);
            if (step != MLF_SQL_ROW && step != MLF_SQL_DONE)
                return mlf_sql_error(pool, c, step, err);
        }
        const char *user;
        rc = mlf__sql_py_user(pool, mlf_json_get(r, "tags"), &user, err);
        if (rc < 0) {
            if (st != NULL)
                mlf_sql_reset(st);
            return rc;
        }
        if (user != NULL)
            updated_by = user;
        if (step == MLF_SQL_ROW) {
            rc = mlf__merge(c, pool, st, r, user, err);
            a->updated++;
        } else {
            if (st != NULL)
                mlf_sql_reset(st);
            rc = mlf__insert(c, pool, a->dataset_id, r, hash, user, now, err);
            a->inserted++;
        }
        if (rc < 0)
            return rc;
    }
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool, "SELECT schema, name FROM evaluation_datasets WHERE dataset_id = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, a->dataset_id);
    char *schema = NULL, *name = NULL;
    rc = mlf_sql_step(st);
    if (rc == MLF_SQL_ROW) {
        schema = mlf_sql_column_text_dup(pool, st, 0);
        name = mlf_sql_column_text_dup(pool, st, 1);
    } else if (rc != MLF_SQL_DONE) {
        return mlf_sql_error(pool, c, rc, err);
    }
    mlf_sql_reset(st);
    char *new_schema;
    rc = mlf__schema(pool, schema, recs, n, &new_schema, err);
    if (rc < 0)
        return rc;
    rc = mlf_sql_prepare(c, pool, "SELECT COUNT(*) FROM evaluation_dataset_records WHERE dataset_id = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, a->dataset_id);
    rc = mlf_sql_step(st);
    if (rc != MLF_SQL_ROW)
        return mlf_sql_error(pool, c, rc, err);
    int64_t count = mlf_sql_column_int64(st, 0);
    mlf_sql_reset(st);
    rc = mlf_sql_prepare(c, pool,
                         "UPDATE evaluation_datasets SET last_update_time = ?, last_updated_by = ?, digest = ?, "
                         "schema = COALESCE(?, schema), profile = COALESCE(?, profile) WHERE dataset_id = ?",
                         &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_int64(st, 1, now);
    mlf_sql_bind_text(st, 2, updated_by);
    mlf_sql_bind_text(st, 3, mlf__sql_eval_dataset_digest(pool, name, now));
    mlf_sql_bind_text(st, 4, new_schema);
    mlf_sql_bind_text(st, 5, count > 0 ? mlf_pool_sprintf(pool, "{\"num_records\": %" PRId64 "}", count) : NULL);
    mlf_sql_bind_text(st, 6, a->dataset_id);
    return mlf__sql_step_done(c, pool, st, err);
}

int mlf_store_upsert_evaluation_dataset_records(mlf_store *store, mlf_pool *pool, const char *dataset_id,
                                                const mlf_json *records, int64_t *inserted, int64_t *updated,
                                                mlf_error *err)
{
    mlf__args a = {.dataset_id = dataset_id, .records = records};
    int rc = mlf_sql_in_write(mlf__store(store), pool, mlf__upsert_tx, &a, err);
    *inserted = a.inserted;
    *updated = a.updated;
    return rc;
}

/* a stored JSON text as the record's dict has it: json.dumps(json.loads(text)) */
static void mlf__put_stored(mlf_pool *pool, mlf_buf *b, const char *key, const char *text)
{
    mlf_buf_printf(b, ", \"%s\": ", key);
    mlf_json *v;
    if (mlf_json_parse(pool, text, strlen(text), &v, NULL) == 0 ||
        mlf_json_parse_ex(pool, text, strlen(text), MLF_JSON_LOADS, &v, NULL) == 0)
        mlf_json_write_dumps(b, v, 0);
    else
        mlf_buf_puts(b, text);
}

/* DatasetRecord.to_dict() of a row, json.dumps'ed: MessageToDict's fields in field-number order */
static void mlf__record_dict(mlf_pool *pool, mlf_buf *b, mlf_sql_stmt *st)
{
    mlf_buf_puts(b, "{\"dataset_record_id\": ");
    mlf_buf_puts(b, mlf_pystr_json_dumps(pool, (const char *)mlf_sql_column_text(st, 0)));
    mlf_buf_puts(b, ", \"dataset_id\": ");
    mlf_buf_puts(b, mlf_pystr_json_dumps(pool, (const char *)mlf_sql_column_text(st, 1)));
    mlf__put_stored(pool, b, "inputs", (const char *)mlf_sql_column_text(st, 2));
    mlf_json *ex = mlf__column_json(pool, st, 4);
    if (ex != NULL) {
        mlf_buf_puts(b, ", \"expectations\": ");
        mlf_json_write_dumps(b, ex, 0);
    }
    mlf_json *tags = mlf__column_json(pool, st, 5);
    mlf_buf_puts(b, ", \"tags\": ");
    if (tags != NULL)
        mlf_json_write_dumps(b, tags, 0);
    else
        mlf_buf_puts(b, "{}");
    mlf_json *src = mlf__column_json(pool, st, 6);
    const mlf_json *stype = NULL;
    if (src != NULL) {
        mlf_buf_puts(b, ", \"source\": ");
        mlf_json_write_dumps(b, src, 0);
        stype = mlf_json_get(src, "source_type");
    }
    if (mlf_sql_column_type(st, 7) != MLF_SQL_NULL) {
        mlf_buf_puts(b, ", \"source_id\": ");
        mlf_buf_puts(b, mlf_pystr_json_dumps(pool, (const char *)mlf_sql_column_text(st, 7)));
    }
    if (stype != NULL && stype->type == MLF_JSON_STRING) {
        mlf_buf_puts(b, ", \"source_type\": ");
        mlf_buf_puts(b, mlf_pystr_json_dumps(pool, stype->text));
    }
    mlf_buf_printf(b, ", \"created_time\": %" PRId64 ", \"last_update_time\": %" PRId64,
                   mlf_sql_column_int64(st, 8), mlf_sql_column_int64(st, 9));
    static const char *const who[] = {"created_by", "last_updated_by"};
    for (int i = 0; i < 2; i++)
        if (mlf_sql_column_type(st, 10 + i) != MLF_SQL_NULL) {
            mlf_buf_printf(b, ", \"%s\": ", who[i]);
            mlf_buf_puts(b, mlf_pystr_json_dumps(pool, (const char *)mlf_sql_column_text(st, 10 + i)));
        }
    mlf_json *out = mlf__column_json(pool, st, 3);
    const mlf_json *wrapped = out != NULL && out->type == MLF_JSON_OBJECT ? mlf_json_get(out, "mlflow_wrapped") : NULL;
    if (wrapped != NULL && wrapped->type != MLF_JSON_NULL) {
        mlf_buf_puts(b, ", \"outputs\": ");
        mlf_json_write_dumps(b, wrapped, 0);
    }
    mlf_buf_putc(b, '}');
}

/* the page token: base64 of "created_time:record_id", else (ValueError) int() of the token as an offset */
static int mlf__cursor(mlf_pool *pool, const char *token, bool *has_cursor, int64_t *time, char **id, int64_t *offset,
                       mlf_error *err)
{
    *has_cursor = false;
    *offset = 0;
    unsigned char *raw;
    size_t rlen;
    if (mlf_text_b64_decode(pool, token, strlen(token), 0, &raw, &rlen) == 0) {
        /* .decode() (UTF-8, no NUL inside for the split), then split(":", 1) and int() */
        bool ok = strlen((const char *)raw) == rlen;
        for (size_t i = 0, bad = 0, l; ok && i < rlen; i += l)
            ok = (l = mlf_text_utf8_len((const char *)raw + i, rlen - i, 0, &bad)) > 0;
        char *colon = ok ? strchr((const char *)raw, ':') : NULL;
        if (colon != NULL) {
            *colon = '\0';
            if (mlf_pystr_parse_int((const char *)raw, time) == 0) {
                *has_cursor = true;
                *id = colon + 1;
                return 0;
            }
        }
    }
    if (mlf_pystr_parse_int(token, offset) == 0)
        return 0;
    int rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "invalid literal for int() with base 10: %s",
                           mlf_pystr_repr(pool, token));
    err->uncaught = true;
    return rc;
}

static int mlf__records_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__args *a = arg;
    bool has_cursor = false;
    int64_t time = 0, offset = 0;
    char *last_id = NULL;
    if (a->page_token != NULL && a->page_token[0] != '\0') {
        int rc = mlf__cursor(pool, a->page_token, &has_cursor, &time, &last_id, &offset, err);
        if (rc < 0)
            return rc;
    }
    bool lite = mlf_sql_dialect_of(c) == MLF_SQL_SQLITE;
    if (!lite && (a->max_results + 1 < 0 || offset < 0)) {
        int rc = mlf_error_set(err, pool, MLF_ERR_BAD_REQUEST, "%s must not be negative",
                               a->max_results + 1 < 0 ? "LIMIT" : "OFFSET");
        err->uncaught = true;
        return rc;
    }
    mlf_buf sql;
    mlf_buf_init(&sql, pool, 512);
    mlf_buf_puts(&sql, "SELECT dataset_record_id, dataset_id, inputs, outputs, expectations, tags, source, source_id, "
                       "created_time, last_update_time, created_by, last_updated_by FROM evaluation_dataset_records "
                       "WHERE dataset_id = ?");
    if (has_cursor)
        mlf_buf_puts(&sql, " AND (created_time > ? OR (created_time = ? AND dataset_record_id > ?))");
    mlf_buf_puts(&sql, " ORDER BY created_time, dataset_record_id LIMIT ? OFFSET ?");
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql.data, &st, err);
    if (rc < 0)
        return rc;
    int p = 1;
    mlf_sql_bind_text(st, p++, a->dataset_id);
    if (has_cursor) {
        mlf_sql_bind_int64(st, p++, time);
        mlf_sql_bind_int64(st, p++, time);
        mlf_sql_bind_text(st, p++, last_id);
    }
    mlf_sql_bind_int64(st, p++, a->max_results + 1);
    mlf_sql_bind_int64(st, p++, offset < 0 ? 0 : offset);
    /* rows are rendered as read; the one past the page (and, for a negative max_results, the |n| last
     * rows that Python's slice drops) are cut afterwards */
    size_t cap = 64, n = 0;
    size_t *ends = MLF_NEW_ARRAY(pool, size_t, cap);
    int64_t *times = MLF_NEW_ARRAY(pool, int64_t, cap);
    char **ids = MLF_NEW_ARRAY(pool, char *, cap);
    mlf_buf b;
    mlf_buf_init(&b, pool, 4096);
    mlf_buf_putc(&b, '[');
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        if (n == cap) {
            size_t *e2 = MLF_NEW_ARRAY(pool, size_t, cap * 2);
            int64_t *t2 = MLF_NEW_ARRAY(pool, int64_t, cap * 2);
            char **i2 = MLF_NEW_ARRAY(pool, char *, cap * 2);
            memcpy(e2, ends, cap * sizeof(*e2));
            memcpy(t2, times, cap * sizeof(*t2));
            memcpy(i2, ids, cap * sizeof(*i2));
            ends = e2, times = t2, ids = i2;
            cap *= 2;
        }
        if (n > 0)
            mlf_buf_puts(&b, ", ");
        mlf__record_dict(pool, &b, st);
        ends[n] = b.len;
        times[n] = mlf_sql_column_int64(st, 8);
        ids[n] = mlf_sql_column_text_dup(pool, st, 0);
        n++;
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    a->ret_token = NULL;
    if ((int64_t)n > a->max_results) {
        /* sql_records[:max_results], then the last one's cursor */
        int64_t keep = a->max_results >= 0 ? a->max_results : (int64_t)n + a->max_results;
        if (keep <= 0) {
            rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "list index out of range");
            err->uncaught = true;
            return rc;
        }
        b.len = ends[keep - 1];
        b.data[b.len] = '\0';
        char *cursor = mlf_pool_sprintf(pool, "%" PRId64 ":%s", times[keep - 1], ids[keep - 1]);
        a->ret_token = mlf_text_b64_encode(pool, cursor, strlen(cursor));
    }
    mlf_buf_putc(&b, ']');
    a->ret_json = b.data;
    return 0;
}

int mlf_store_get_evaluation_dataset_records(mlf_store *store, mlf_pool *pool, const char *dataset_id,
                                             int64_t max_results, const char *page_token, char **ret_json,
                                             char **ret_token, mlf_error *err)
{
    mlf__args a = {.dataset_id = dataset_id, .max_results = max_results, .page_token = page_token};
    int rc = mlf_sql_in_read(mlf__store(store), pool, mlf__records_tx, &a, err);
    *ret_json = a.ret_json;
    *ret_token = a.ret_token;
    return rc;
}

static int mlf__delete_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__args *a = arg;
    a->deleted = 0;
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "DELETE FROM evaluation_dataset_records WHERE dataset_id = ? AND dataset_record_id IN "
                             "(SELECT value FROM json_each(?))",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, a->dataset_id);
    mlf_sql_bind_text(st, 2, mlf__sql_json_strings(pool, (const char *const *)a->ids, a->n_ids));
    rc = mlf__sql_step_done(c, pool, st, err);
    if (rc < 0)
        return rc;
    a->deleted = mlf_sql_changes(c);
    if (a->deleted == 0)
        return 0;
    rc = mlf_sql_prepare(c, pool, "SELECT profile FROM evaluation_datasets WHERE dataset_id = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, a->dataset_id);
    rc = mlf_sql_step(st);
    if (rc == MLF_SQL_DONE) {
        mlf_sql_reset(st);
        return 0;
    }
    if (rc != MLF_SQL_ROW)
        return mlf_sql_error(pool, c, rc, err);
    char *profile = mlf_sql_column_text_dup(pool, st, 0);
    mlf_sql_reset(st);
    int64_t num = 0;
    if (profile != NULL && profile[0] != '\0') {
        mlf_json *v;
        if (mlf_json_parse_ex(pool, profile, strlen(profile), MLF_JSON_LOADS, &v, err) != 0)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "%s", err->message ? err->message : "");
        if (v->type != MLF_JSON_OBJECT)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' object has no attribute 'get'",
                                 mlf_json_py_type(v));
        const mlf_json *nr = mlf_json_get(v, "num_records");
        if (nr != NULL && nr->type == MLF_JSON_NUMBER)
            num = (int64_t)nr->number;
    }
    int64_t left = num - a->deleted > 0 ? num - a->deleted : 0;
    rc = mlf_sql_prepare(c, pool, "UPDATE evaluation_datasets SET profile = ? WHERE dataset_id = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, left > 0 ? mlf_pool_sprintf(pool, "{\"num_records\": %" PRId64 "}", left) : "null");
    mlf_sql_bind_text(st, 2, a->dataset_id);
    return mlf__sql_step_done(c, pool, st, err);
}

int mlf_store_delete_evaluation_dataset_records(mlf_store *store, mlf_pool *pool, const char *dataset_id,
                                                char *const *record_ids, size_t n, int64_t *deleted,
                                                mlf_error *err)
{
    mlf__args a = {.dataset_id = dataset_id, .ids = record_ids, .n_ids = n};
    int rc = mlf_sql_in_write(mlf__store(store), pool, mlf__delete_tx, &a, err);
    *deleted = a.deleted;
    return rc;
}
