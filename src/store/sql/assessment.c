/*
 * Trace assessments on both backends: SqlAlchemyStore.create_assessment,
 * get_assessment, update_assessment, delete_assessment and
 * _get_sql_assessment of MLflow 3.18. Rows are written as
 * SqlAssessments.from_mlflow_entity writes them (value, error and metadata as
 * json.dumps writes the Python values, the trace's experiment and timestamp
 * copied in, the aggregate columns of assessment_aggregate) and read as
 * to_mlflow_entity().to_proto() shows them. MLflow's trace rollups are opt-in
 * (MLFLOW_SQL_TRACE_ROLLUPS_ENABLED, off by default), so a change queues no
 * rollup rebuild, as in MLflow's default.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "store/pystr.h"
#include "store/sql/assessment.h"

static mlf_sql_store *mlf__store(mlf_store *store)
{
    return (mlf_sql_store *)store;
}

/* ------------------------------------------------ json.dumps of the Python values */

/*
 * json.dumps(MessageToDict(v)) with the defaults (", " and ": ", ensure_ascii): numbers are floats, a
 * Struct keeps its entries' order (MLflow's is its map's, random per process). Returns false on a NaN or
 * an infinity, which MessageToDict refuses.
 */
static bool mlf__dump_pb(mlf_buf *b, const Google__Protobuf__Value *v)
{
    if (v == NULL) {
        mlf_buf_puts(b, "null");
        return true;
    }
    bool ok = true;
    switch (v->kind_case) {
    case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE:
        if (!isfinite(v->number_value))
            return false;
        mlf_json_write_double(b, v->number_value);
        break;
    case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE:
        mlf_json_write_string_ascii(b, v->string_value, strlen(v->string_value));
        break;
    case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE:
        mlf_buf_puts(b, v->bool_value ? "true" : "false");
        break;
    case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE:
        mlf_buf_putc(b, '{');
        for (size_t i = 0; v->struct_value != NULL && i < v->struct_value->n_fields; i++) {
            const Google__Protobuf__Struct__FieldsEntry *e = v->struct_value->fields[i];
            if (i > 0)
                mlf_buf_puts(b, ", ");
            mlf_json_write_string_ascii(b, e->key, strlen(e->key));
            mlf_buf_puts(b, ": ");
            ok = ok && mlf__dump_pb(b, e->value);
        }
        mlf_buf_putc(b, '}');
        break;
    case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE:
        mlf_buf_putc(b, '[');
        for (size_t i = 0; v->list_value != NULL && i < v->list_value->n_values; i++) {
            if (i > 0)
                mlf_buf_puts(b, ", ");
            ok = ok && mlf__dump_pb(b, v->list_value->values[i]);
        }
        mlf_buf_putc(b, ']');
        break;
    default: /* unset or null_value: None */
        mlf_buf_puts(b, "null");
    }
    return ok;
}

/* json.dumps(json.loads(text)): ints as written, floats by repr, keys in their order. */
static void mlf__dump_json(mlf_buf *b, const mlf_json *v)
{
    if (v == NULL) {
        mlf_buf_puts(b, "null");
        return;
    }
    switch (v->type) {
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
    case MLF_JSON_OBJECT:
        mlf_buf_putc(b, v->type == MLF_JSON_ARRAY ? '[' : '{');
        for (size_t i = 0; i < v->n; i++) {
            if (i > 0)
                mlf_buf_puts(b, ", ");
            if (v->type == MLF_JSON_OBJECT) {
                mlf_json_write_string_ascii(b, v->keys[i], v->key_lens ? v->key_lens[i] : strlen(v->keys[i]));
                mlf_buf_puts(b, ": ");
            }
            mlf__dump_json(b, v->items[i]);
        }
        mlf_buf_putc(b, v->type == MLF_JSON_ARRAY ? ']' : '}');
        break;
    default:
        mlf_buf_puts(b, "null");
    }
}

/* json.dumps of an assessment value; NULL after a NaN or infinity in a Value. */
static char *mlf__dump_value(mlf_pool *pool, const mlf_store_assessment_value *v)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 32);
    if (v->json != NULL)
        mlf__dump_json(&b, v->json);
    else if (!mlf__dump_pb(&b, v->pb))
        return NULL;
    return b.data;
}

/* json.dumps(AssessmentError.to_dictionary()) of an error from_proto read (falsy message, trace: None). */
static char *mlf__dump_error(mlf_pool *pool, const Mlflow__Assessments__AssessmentError *e)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    const char *code = e->error_code != NULL ? e->error_code : "";
    mlf_buf_puts(&b, "{\"error_code\": ");
    mlf_json_write_string_ascii(&b, code, strlen(code));
    mlf_buf_puts(&b, ", \"error_message\": ");
    if (e->error_message != NULL && e->error_message[0] != '\0')
        mlf_json_write_string_ascii(&b, e->error_message, strlen(e->error_message));
    else
        mlf_buf_puts(&b, "null");
    mlf_buf_puts(&b, ", \"stack_trace\": ");
    if (e->stack_trace != NULL && e->stack_trace[0] != '\0')
        mlf_json_write_string_ascii(&b, e->stack_trace, strlen(e->stack_trace));
    else
        mlf_buf_puts(&b, "null");
    mlf_buf_putc(&b, '}');
    return b.data;
}

/* The same of a stored error (AssessmentError.from_dictionary), its three keys in to_dictionary's order. */
static char *mlf__redump_error(mlf_pool *pool, const mlf_json *e)
{
    static const char *const keys[] = {"error_code", "error_message", "stack_trace"};
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    mlf_buf_putc(&b, '{');
    for (int i = 0; i < 3; i++) {
        mlf_buf_printf(&b, "%s\"%s\": ", i > 0 ? ", " : "", keys[i]);
        mlf__dump_json(&b, e != NULL && e->type == MLF_JSON_OBJECT ? mlf_json_get(e, keys[i]) : NULL);
    }
    mlf_buf_putc(&b, '}');
    return b.data;
}

/* A metadata dict being built: keys and values already as json.dumps writes them. */
typedef struct {
    const char **keys, **vals;
    size_t n, cap;
} mlf__meta;

static void mlf__meta_put(mlf_pool *pool, mlf__meta *m, const char *key, const char *val)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->keys[i], key) == 0) { /* dict.update: the key keeps its place */
            m->vals[i] = val;
            return;
        }
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        const char **k = MLF_NEW_ARRAY(pool, const char *, cap), **v = MLF_NEW_ARRAY(pool, const char *, cap);
        if (m->n > 0) {
            memcpy(k, m->keys, m->n * sizeof(*k));
            memcpy(v, m->vals, m->n * sizeof(*v));
        }
        m->keys = k;
        m->vals = v;
        m->cap = cap;
    }
    m->keys[m->n] = key;
    m->vals[m->n++] = val;
}

static void mlf__meta_put_strings(mlf_pool *pool, mlf__meta *m, const char *const *keys, const char *const *vals,
                                  size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mlf_buf k, v;
        mlf_buf_init(&k, pool, 16);
        mlf_buf_init(&v, pool, 16);
        mlf_json_write_string_ascii(&k, keys[i], strlen(keys[i]));
        mlf_json_write_string_ascii(&v, vals[i], strlen(vals[i]));
        mlf__meta_put(pool, m, k.data, v.data);
    }
}

/* json.dumps(metadata) if metadata else None */
static char *mlf__meta_dump(mlf_pool *pool, const mlf__meta *m)
{
    if (m->n == 0)
        return NULL;
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    mlf_buf_putc(&b, '{');
    for (size_t i = 0; i < m->n; i++)
        mlf_buf_printf(&b, "%s%s: %s", i > 0 ? ", " : "", m->keys[i], m->vals[i]);
    mlf_buf_putc(&b, '}');
    return b.data;
}

/* assessment_aggregate(value): the aggregate (or none) and whether the value is a finite number. */
typedef struct {
    bool has;
    double v;
    bool numeric;
} mlf__agg;

static mlf__agg mlf__agg_str(mlf_pool *pool, const char *s)
{
    mlf__agg a = {0};
    const char *t = mlf_pystr_strip(pool, s);
    /* str.lower() == "yes"/"no": no other code point lower-cases to these letters */
    if (strcasecmp(t, "yes") == 0 || strcasecmp(t, "no") == 0) {
        a.has = true;
        a.v = strcasecmp(t, "yes") == 0 ? 1.0 : 0.0;
    }
    return a;
}

static mlf__agg mlf__aggregate(mlf_pool *pool, const mlf_store_assessment_value *v)
{
    mlf__agg a = {0};
    if (v->json != NULL) {
        const mlf_json *j = v->json;
        if (j->type == MLF_JSON_BOOL)
            return (mlf__agg){true, j->boolean ? 1.0 : 0.0, false};
        if (j->type == MLF_JSON_NUMBER && isfinite(j->number))
            return (mlf__agg){true, j->number, true};
        if (j->type == MLF_JSON_STRING)
            return mlf__agg_str(pool, j->text);
        return a;
    }
    const Google__Protobuf__Value *p = v->pb;
    if (p == NULL)
        return a;
    if (p->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE)
        return (mlf__agg){true, p->bool_value ? 1.0 : 0.0, false};
    if (p->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE && isfinite(p->number_value))
        return (mlf__agg){true, p->number_value, true};
    if (p->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE)
        return mlf__agg_str(pool, p->string_value);
    return a;
}

/* ------------------------------------------------ a row read as to_mlflow_entity().to_proto() */

static Google__Protobuf__Timestamp *mlf__ts(mlf_pool *pool, int64_t ms)
{
    Google__Protobuf__Timestamp *ts = MLF_NEW(pool, Google__Protobuf__Timestamp);
    google__protobuf__timestamp__init(ts);
    int64_t sec = ms / 1000, rem = ms % 1000;
    if (rem < 0) { /* FromMilliseconds: floor division */
        sec--;
        rem += 1000;
    }
    ts->seconds = sec;
    ts->nanos = (int32_t)(rem * 1000000);
    return ts;
}

/* ParseDict(value, Value()) of what json.loads gave. */
static Google__Protobuf__Value *mlf__to_pb(mlf_pool *pool, const mlf_json *j)
{
    Google__Protobuf__Value *v = MLF_NEW(pool, Google__Protobuf__Value);
    google__protobuf__value__init(v);
    switch (j->type) {
    case MLF_JSON_BOOL:
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE;
        v->bool_value = j->boolean;
        break;
    case MLF_JSON_NUMBER:
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
        v->number_value = j->number;
        break;
    case MLF_JSON_STRING:
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
        v->string_value = (char *)j->text;
        break;
    case MLF_JSON_ARRAY: {
        Google__Protobuf__ListValue *l = MLF_NEW(pool, Google__Protobuf__ListValue);
        google__protobuf__list_value__init(l);
        l->n_values = j->n;
        l->values = MLF_NEW_ARRAY(pool, Google__Protobuf__Value *, j->n ? j->n : 1);
        for (size_t i = 0; i < j->n; i++)
            l->values[i] = mlf__to_pb(pool, j->items[i]);
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE;
        v->list_value = l;
        break;
    }
    case MLF_JSON_OBJECT: {
        Google__Protobuf__Struct *s = MLF_NEW(pool, Google__Protobuf__Struct);
        google__protobuf__struct__init(s);
        s->n_fields = j->n;
        s->fields = MLF_NEW_ARRAY(pool, Google__Protobuf__Struct__FieldsEntry *, j->n ? j->n : 1);
        for (size_t i = 0; i < j->n; i++) {
            Google__Protobuf__Struct__FieldsEntry *e = MLF_NEW(pool, Google__Protobuf__Struct__FieldsEntry);
            google__protobuf__struct__fields_entry__init(e);
            e->key = (char *)j->keys[i];
            e->value = mlf__to_pb(pool, j->items[i]);
            s->fields[i] = e;
        }
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
        v->struct_value = s;
        break;
    }
    default:
        v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE;
        v->null_value = GOOGLE__PROTOBUF__NULL_VALUE__NULL_VALUE;
    }
    return v;
}

/* json.loads of a stored column; NULL text gives NULL. */
static int mlf__loads(mlf_pool *pool, mlf_sql_stmt *st, int col, const char *what, mlf_json **ret, mlf_error *err)
{
    *ret = NULL;
    if (mlf_sql_column_type(st, col) == MLF_SQL_NULL)
        return 0;
    const char *text = (const char *)mlf_sql_column_text(st, col);
    size_t len = (size_t)mlf_sql_column_bytes(st, col);
    mlf_error e = {0};
    if (mlf_json_parse_ex(pool, text, len, MLF_JSON_LOADS, ret, &e) < 0)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "The stored %s of an assessment is not JSON: %s",
                             what, e.message != NULL ? e.message : "");
    return 0;
}

/* AssessmentSourceType._standardize(source_type), as the proto's enum. */
static int mlf__source_type(mlf_pool *pool, const char *s, Mlflow__Assessments__AssessmentSource__SourceType *ret,
                            mlf_error *err)
{
    char up[32];
    int n = mlf_pystr_upper_ascii(s, strlen(s), up, sizeof(up));
    if (n >= 0 && strcmp(up, "AI_JUDGE") == 0)
        strcpy(up, "LLM_JUDGE");
    if (n >= 0) {
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value_by_name(
            &mlflow__assessments__assessment_source__source_type__descriptor, up);
        if (ev != NULL) {
            *ret = (Mlflow__Assessments__AssessmentSource__SourceType)ev->value;
            return 0;
        }
    }
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Invalid assessment source type: %s. Valid source types: ['SOURCE_TYPE_UNSPECIFIED', "
                         "'LLM_JUDGE', 'HUMAN', 'CODE']",
                         n >= 0 ? up : s);
}

/* AssessmentError.to_proto's stack trace: the last characters past 10000, behind a marker. */
static char *mlf__stack_trace(mlf_pool *pool, const char *s)
{
    static const char prefix[] = "[Stack trace is truncated]\n...\n";
    const size_t limit = 10000, keep = limit - (sizeof(prefix) - 1);
    size_t n = mlf_pystr_len(s);
    if (n <= limit)
        return (char *)s;
    const char *p = s;
    for (size_t i = 0; i < n - keep; i++) {
        uint32_t cp;
        p += mlf_pystr_utf8_next(p, &cp);
    }
    return mlf_pool_sprintf(pool, "%s%s", prefix, p);
}

static char *mlf__json_str(mlf_pool *pool, const mlf_json *v)
{
    if (v == NULL || v->type == MLF_JSON_NULL)
        return NULL;
    if (v->type == MLF_JSON_STRING)
        return (char *)v->text;
    mlf_buf b; /* str() of another value: its repr */
    mlf_buf_init(&b, pool, 16);
    mlf_pystr_put_json_repr(pool, &b, v, MLF_JSON_LOADS_MAX_DEPTH);
    return b.data;
}

int mlf_sql_assessment_from_row(mlf_pool *pool, mlf_sql_stmt *st, int col0, Mlflow__Assessments__Assessment **ret,
                                mlf_error *err)
{
    Mlflow__Assessments__Assessment *a = MLF_NEW(pool, Mlflow__Assessments__Assessment);
    mlflow__assessments__assessment__init(a);
    const char *type = (const char *)mlf_sql_column_text(st, col0 + 3);
    bool feedback = strcmp(type, "feedback") == 0, expectation = strcmp(type, "expectation") == 0,
         issue = strcmp(type, "issue") == 0;
    if (!feedback && !expectation && !issue) /* a ValueError, which the store's session reports as INTERNAL_ERROR */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "Unknown assessment type: %s", type);
    mlf_json *value, *error, *meta;
    int rc = mlf__loads(pool, st, col0 + 4, "value", &value, err);
    if (rc == 0)
        rc = mlf__loads(pool, st, col0 + 5, "error", &error, err);
    if (rc == 0)
        rc = mlf__loads(pool, st, col0 + 14, "metadata", &meta, err);
    if (rc < 0)
        return rc;
    Mlflow__Assessments__AssessmentSource *src = MLF_NEW(pool, Mlflow__Assessments__AssessmentSource);
    mlflow__assessments__assessment_source__init(src);
    rc = mlf__source_type(pool, (const char *)mlf_sql_column_text(st, col0 + 8), &src->source_type, err);
    if (rc < 0)
        return rc;
    src->has_source_type = 1;
    src->source_id = mlf_sql_column_text_dup(pool, st, col0 + 9);

    if (expectation && (value == NULL || value->type == MLF_JSON_NULL))
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "The `value` field must be specified.");
    a->assessment_id = mlf_sql_column_text_dup(pool, st, col0 + 0);
    a->trace_id = mlf_sql_column_text_dup(pool, st, col0 + 1);
    if (a->trace_id == NULL)
        a->trace_id = "";
    a->assessment_name = mlf_sql_column_text_dup(pool, st, col0 + 2);
    a->source = src;
    a->create_time = mlf__ts(pool, mlf_sql_column_int64(st, col0 + 6));
    a->last_update_time = mlf__ts(pool, mlf_sql_column_int64(st, col0 + 7));
    a->span_id = mlf_sql_column_text_dup(pool, st, col0 + 10);
    if (!expectation) /* Expectation takes no rationale */
        a->rationale = mlf_sql_column_text_dup(pool, st, col0 + 11);
    char *overrides = mlf_sql_column_text_dup(pool, st, col0 + 12);
    if (overrides != NULL && overrides[0] != '\0')
        a->overrides = overrides;
    a->has_valid = 1;
    a->valid = mlf_sql_column_int64(st, col0 + 13) != 0;

    if (feedback) {
        Mlflow__Assessments__Feedback *f = MLF_NEW(pool, Mlflow__Assessments__Feedback);
        mlflow__assessments__feedback__init(f);
        f->value = mlf__to_pb(pool, value != NULL ? value : &(mlf_json){.type = MLF_JSON_NULL});
        if (error != NULL && error->type == MLF_JSON_OBJECT) {
            Mlflow__Assessments__AssessmentError *e = MLF_NEW(pool, Mlflow__Assessments__AssessmentError);
            mlflow__assessments__assessment_error__init(e);
            e->error_code = mlf__json_str(pool, mlf_json_get(error, "error_code"));
            char *msg = mlf__json_str(pool, mlf_json_get(error, "error_message"));
            char *trace = mlf__json_str(pool, mlf_json_get(error, "stack_trace"));
            e->error_message = msg != NULL && msg[0] != '\0' ? msg : NULL;
            e->stack_trace = trace != NULL && trace[0] != '\0' ? mlf__stack_trace(pool, trace) : NULL;
            f->error = e;
        }
        a->value_case = MLFLOW__ASSESSMENTS__ASSESSMENT__VALUE_FEEDBACK;
        a->feedback = f;
    } else if (expectation) {
        Mlflow__Assessments__Expectation *x = MLF_NEW(pool, Mlflow__Assessments__Expectation);
        mlflow__assessments__expectation__init(x);
        if (value->type == MLF_JSON_ARRAY || value->type == MLF_JSON_OBJECT) {
            /* ExpectationValue._need_serialization: lists and dicts go as JSON text */
            Mlflow__Assessments__Expectation__SerializedValue *sv =
                MLF_NEW(pool, Mlflow__Assessments__Expectation__SerializedValue);
            mlflow__assessments__expectation__serialized_value__init(sv);
            sv->serialization_format = "JSON_FORMAT";
            mlf_buf b;
            mlf_buf_init(&b, pool, 64);
            mlf__dump_json(&b, value);
            sv->value = b.data;
            x->serialized_value = sv;
        } else {
            x->value = mlf__to_pb(pool, value);
        }
        a->value_case = MLFLOW__ASSESSMENTS__ASSESSMENT__VALUE_EXPECTATION;
        a->expectation = x;
    } else {
        Mlflow__Assessments__IssueReference *is = MLF_NEW(pool, Mlflow__Assessments__IssueReference);
        mlflow__assessments__issue_reference__init(is);
        const mlf_json *name = value != NULL && value->type == MLF_JSON_OBJECT ? mlf_json_get(value, "issue_name")
                                                                               : NULL;
        is->issue_name = mlf__json_str(pool, name);
        a->value_case = MLFLOW__ASSESSMENTS__ASSESSMENT__VALUE_ISSUE;
        a->issue = is;
    }
    if (meta != NULL && meta->type == MLF_JSON_OBJECT && meta->n > 0) {
        a->n_metadata = meta->n;
        a->metadata = MLF_NEW_ARRAY(pool, Mlflow__Assessments__Assessment__MetadataEntry *, meta->n);
        for (size_t i = 0; i < meta->n; i++) {
            Mlflow__Assessments__Assessment__MetadataEntry *e =
                MLF_NEW(pool, Mlflow__Assessments__Assessment__MetadataEntry);
            mlflow__assessments__assessment__metadata_entry__init(e);
            e->key = (char *)meta->keys[i];
            e->value = mlf__json_str(pool, meta->items[i]);
            if (e->value == NULL)
                e->value = "None";
            a->metadata[i] = e;
        }
    }
    /* what the entity (to_mlflow_entity) has and the proto cannot say: its run_id, and the value as json.loads
     * reads the column (5 stays an int), in the extras field */
    const char *run_id = (const char *)mlf_sql_column_text(st, col0 + 15);
    const char *value_text = (const char *)mlf_sql_column_text(st, col0 + 4);
    if (run_id != NULL || (!issue && value_text != NULL)) {
        mlf_buf j;
        mlf_buf_init(&j, pool, 64);
        mlf_buf_puts(&j, "{\"run_id\": ");
        if (run_id != NULL)
            mlf_json_write_string(&j, run_id, strlen(run_id));
        else
            mlf_buf_puts(&j, "null");
        if (!issue && value_text != NULL) {
            mlf_buf_puts(&j, ", \"value\": ");
            mlf_buf_puts(&j, value_text); /* the column's JSON text, which mlf__loads parsed above */
        }
        mlf_buf_puts(&j, "}");
        /* protobuf-c keeps a length-delimited unknown field's length prefix in its data */
        uint8_t *d = mlf_pool_alloc(pool, j.len + 10);
        size_t n = 0;
        for (uint64_t v = j.len; ; v >>= 7) {
            d[n++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
            if (v < 0x80)
                break;
        }
        memcpy(d + n, j.data, j.len);
        ProtobufCMessageUnknownField *u = MLF_NEW(pool, ProtobufCMessageUnknownField);
        u->tag = MLF_STORE_ASSESSMENT_EXTRAS_FIELD;
        u->wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
        u->len = n + j.len;
        u->data = d;
        a->base.n_unknown_fields = 1;
        a->base.unknown_fields = u;
    }
    *ret = a;
    return 0;
}

/* ------------------------------------------------ the operations */

#define MLF__SELECT_BY_IDS                                                                                             \
    "SELECT " MLF_SQL_ASSESSMENT_COLUMNS " FROM assessments WHERE trace_id = ? AND assessment_id = ?"

/* _get_sql_assessment: the row (st positioned on it, reset by the caller) or MLflow's not-found errors. */
static int mlf__get_row(mlf_sql_conn *c, mlf_pool *pool, const char *trace_id, const char *assessment_id,
                        mlf_sql_stmt **ret, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, MLF__SELECT_BY_IDS, &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, trace_id);
    mlf_sql_bind_text(st, 2, assessment_id);
    rc = mlf_sql_step(st);
    if (rc == MLF_SQL_ROW) {
        *ret = st;
        return 0;
    }
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    rc = mlf_sql_prepare(c, pool, "SELECT 1 FROM trace_info WHERE request_id = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, trace_id);
    rc = mlf_sql_step(st);
    mlf_sql_reset(st);
    if (rc == MLF_SQL_DONE)
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Trace with request_id '%s' not found",
                             trace_id);
    if (rc != MLF_SQL_ROW)
        return mlf_sql_error(pool, c, rc, err);
    return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST,
                         "Assessment with ID '%s' not found for trace '%s'", assessment_id, trace_id);
}

static int mlf__get(mlf_sql_conn *c, mlf_pool *pool, const char *trace_id, const char *assessment_id,
                    Mlflow__Assessments__Assessment **ret, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf__get_row(c, pool, trace_id, assessment_id, &st, err);
    if (rc < 0)
        return rc;
    rc = mlf_sql_assessment_from_row(pool, st, 0, ret, err);
    mlf_sql_reset(st);
    return rc;
}

/* AssessmentMetadataKey.SOURCE_RUN_ID: the entity's run_id when the metadata names one */
#define MLF__SOURCE_RUN_ID "mlflow.assessment.sourceRunId"

struct mlf_sql_assessment_row {
    mlf_store_assessment a; /* run_id as the entity's __post_init__ sets it */
    const char *id, *value, *error, *metadata;
    mlf__agg agg;
    int64_t created, updated;
};

int mlf_sql_assessment_row_make(mlf_pool *pool, const mlf_store_assessment *a, mlf_sql_assessment_row **ret,
                                mlf_error *err)
{
    mlf_sql_assessment_row *x = MLF_NEW(pool, mlf_sql_assessment_row);
    memset(x, 0, sizeof(*x));
    x->a = *a;
    x->id = a->assessment_id != NULL ? a->assessment_id : mlf_pool_sprintf(pool, "a-%s", mlf__sql_uuid4_hex(pool));
    if (a->type == MLF_STORE_ASSESSMENT_ISSUE) {
        mlf_buf b;
        mlf_buf_init(&b, pool, 32);
        mlf_buf_puts(&b, "{\"issue_name\": ");
        mlf_json_write_string_ascii(&b, a->issue_name != NULL ? a->issue_name : "",
                                    a->issue_name != NULL ? strlen(a->issue_name) : 0);
        mlf_buf_putc(&b, '}');
        x->value = b.data;
    } else {
        x->value = mlf__dump_value(pool, &a->value);
        if (x->value == NULL) {
            int rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                   "Fail to serialize NaN or Infinity for Value.number_value, which would parse as "
                                   "string_value");
            err->uncaught = true; /* MessageToDict's ValueError */
            return rc;
        }
        x->agg = mlf__aggregate(pool, &a->value);
    }
    if (a->type == MLF_STORE_ASSESSMENT_FEEDBACK && a->error != NULL)
        x->error = mlf__dump_error(pool, a->error);
    mlf__meta m = {0};
    mlf__meta_put_strings(pool, &m, a->metadata_keys, a->metadata_values, a->n_metadata);
    x->metadata = mlf__meta_dump(pool, &m);
    if (x->a.run_id == NULL)
        for (size_t i = 0; i < a->n_metadata; i++)
            if (strcmp(a->metadata_keys[i], MLF__SOURCE_RUN_ID) == 0)
                x->a.run_id = a->metadata_values[i];
    int64_t now = mlf_sql_now_ms();
    x->created = a->create_time_ms != 0 ? a->create_time_ms : now;
    x->updated = a->last_update_time_ms != 0 ? a->last_update_time_ms : now;
    *ret = x;
    return 0;
}

const char *mlf_sql_assessment_row_id(const mlf_sql_assessment_row *row)
{
    return row->id;
}

int mlf_sql_assessment_insert(mlf_sql_conn *c, mlf_pool *pool, const mlf_sql_assessment_row *x, const char *trace_id,
                              int64_t experiment_id, int64_t trace_ts, bool upsert, mlf_error *err)
{
    const mlf_store_assessment *a = &x->a;
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(
        c, pool,
        upsert ? "INSERT INTO assessments (assessment_id, trace_id, name, assessment_type, value, error, "
                 "created_timestamp, last_updated_timestamp, source_type, source_id, run_id, span_id, "
                 "rationale, overrides, valid, assessment_metadata, experiment_id, trace_timestamp_ms, "
                 "aggregate_value, is_numeric_value) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20) "
                 "ON CONFLICT (assessment_id) DO UPDATE SET trace_id = excluded.trace_id, name = excluded.name, "
                 "assessment_type = excluded.assessment_type, value = excluded.value, error = excluded.error, "
                 "created_timestamp = excluded.created_timestamp, "
                 "last_updated_timestamp = excluded.last_updated_timestamp, source_type = excluded.source_type, "
                 "source_id = excluded.source_id, run_id = excluded.run_id, span_id = excluded.span_id, "
                 "rationale = excluded.rationale, overrides = excluded.overrides, valid = excluded.valid, "
                 "assessment_metadata = excluded.assessment_metadata, experiment_id = excluded.experiment_id, "
                 "trace_timestamp_ms = excluded.trace_timestamp_ms, aggregate_value = excluded.aggregate_value, "
                 "is_numeric_value = excluded.is_numeric_value"
               : "INSERT INTO assessments (assessment_id, trace_id, name, assessment_type, value, error, "
                 "created_timestamp, last_updated_timestamp, source_type, source_id, run_id, span_id, "
                 "rationale, overrides, valid, assessment_metadata, experiment_id, trace_timestamp_ms, "
                 "aggregate_value, is_numeric_value) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
        &st, err);
    if (rc < 0)
        return rc;
    static const char *const types[] = {"feedback", "expectation", "issue"};
    const char *texts[] = {x->id, trace_id, a->name, types[a->type], x->value, x->error};
    for (int i = 0; i < 6; i++)
        if (texts[i] != NULL)
            mlf_sql_bind_text(st, i + 1, texts[i]);
        else
            mlf_sql_bind_null(st, i + 1);
    mlf_sql_bind_int64(st, 7, x->created);
    mlf_sql_bind_int64(st, 8, x->updated);
    const char *texts2[] = {a->source_type, a->source_id, a->run_id, a->span_id, a->rationale, a->overrides};
    for (int i = 0; i < 6; i++)
        if (texts2[i] != NULL)
            mlf_sql_bind_text(st, i + 9, texts2[i]);
        else
            mlf_sql_bind_null(st, i + 9);
    mlf_sql_bind_int64(st, 15, 1);
    if (x->metadata != NULL)
        mlf_sql_bind_text(st, 16, x->metadata);
    else
        mlf_sql_bind_null(st, 16);
    mlf_sql_bind_int64(st, 17, experiment_id);
    mlf_sql_bind_int64(st, 18, trace_ts);
    if (x->agg.has)
        mlf_sql_bind_double(st, 19, x->agg.v);
    else
        mlf_sql_bind_null(st, 19);
    mlf_sql_bind_int64(st, 20, x->agg.numeric ? 1 : 0);
    return mlf__sql_step_done(c, pool, st, err);
}

typedef struct {
    const mlf_sql_assessment_row *row;
    Mlflow__Assessments__Assessment **ret;
} mlf__create_args;

static int mlf__create_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__create_args *x = arg;
    const mlf_store_assessment *a = &x->row->a;
    const char *id = x->row->id;
    mlf_sql_stmt *st;
    /* _get_sql_trace_info(for_update=True): the trace's experiment and timestamp are copied in */
    int rc = mlf_sql_prepare(c, pool,
                             mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES
                                 ? "SELECT experiment_id, timestamp_ms FROM trace_info WHERE request_id = ? FOR UPDATE"
                                 : "SELECT experiment_id, timestamp_ms FROM trace_info WHERE request_id = ?",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, a->trace_id);
    rc = mlf_sql_step(st);
    if (rc != MLF_SQL_ROW) {
        mlf_sql_reset(st);
        if (rc != MLF_SQL_DONE)
            return mlf_sql_error(pool, c, rc, err);
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Trace with ID '%s' not found.",
                             a->trace_id);
    }
    int64_t experiment_id = mlf_sql_column_int64(st, 0), trace_ts = mlf_sql_column_int64(st, 1);
    mlf_sql_reset(st);

    if (a->overrides != NULL && a->overrides[0] != '\0') {
        rc = mlf_sql_prepare(c, pool, "UPDATE assessments SET valid = ? WHERE trace_id = ? AND assessment_id = ?",
                             &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_int64(st, 1, 0);
        mlf_sql_bind_text(st, 2, a->trace_id);
        mlf_sql_bind_text(st, 3, a->overrides);
        rc = mlf__sql_step_done(c, pool, st, err);
        if (rc < 0)
            return rc;
        if (mlf_sql_changes(c) == 0)
            return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST,
                                 "Assessment with ID '%s' not found for trace '%s'", a->overrides, a->trace_id);
    }
    if (a->assessment_id != NULL) {
        /* the flush's IntegrityError on a caller's duplicate id, tested first (PostgreSQL aborts on a failure) */
        rc = mlf_sql_prepare(c, pool, "SELECT 1 FROM assessments WHERE assessment_id = ?", &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_text(st, 1, id);
        rc = mlf_sql_step(st);
        mlf_sql_reset(st);
        if (rc == MLF_SQL_ROW)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                 "Failed to create assessment for trace '%s' due to a constraint violation.",
                                 a->trace_id);
        if (rc != MLF_SQL_DONE)
            return mlf_sql_error(pool, c, rc, err);
    }
    rc = mlf_sql_assessment_insert(c, pool, x->row, a->trace_id, experiment_id, trace_ts, false, err);
    if (rc < 0)
        return rc;
    return mlf__get(c, pool, a->trace_id, id, x->ret, err);
}

int mlf_store_create_assessment(mlf_store *store, mlf_pool *pool, const mlf_store_assessment *a,
                                Mlflow__Assessments__Assessment **ret, mlf_error *err)
{
    mlf__create_args x = {.ret = ret};
    mlf_sql_assessment_row *row;
    int rc = mlf_sql_assessment_row_make(pool, a, &row, err);
    if (rc < 0)
        return rc;
    x.row = row;
    return mlf_sql_in_write(mlf__store(store), pool, mlf__create_tx, &x, err);
}

typedef struct {
    const char *trace_id, *assessment_id;
    const mlf_store_assessment_update *u;
    Mlflow__Assessments__Assessment **ret;
} mlf__ids_args;

static int mlf__get_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__ids_args *x = arg;
    return mlf__get(c, pool, x->trace_id, x->assessment_id, x->ret, err);
}

int mlf_store_get_assessment(mlf_store *store, mlf_pool *pool, const char *trace_id, const char *assessment_id,
                             Mlflow__Assessments__Assessment **ret, mlf_error *err)
{
    mlf__ids_args x = {trace_id, assessment_id, NULL, ret};
    return mlf_sql_in_read(mlf__store(store), pool, mlf__get_tx, &x, err);
}

static int mlf__update_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__ids_args *x = arg;
    const mlf_store_assessment_update *u = x->u;
    mlf_sql_stmt *st;
    int rc = mlf__get_row(c, pool, x->trace_id, x->assessment_id, &st, err);
    if (rc < 0)
        return rc;
    Mlflow__Assessments__Assessment *existing;
    mlf_json *value = NULL, *error = NULL, *meta = NULL;
    rc = mlf_sql_assessment_from_row(pool, st, 0, &existing, err);
    if (rc == 0)
        rc = mlf__loads(pool, st, 4, "value", &value, err);
    if (rc == 0)
        rc = mlf__loads(pool, st, 5, "error", &error, err);
    if (rc == 0)
        rc = mlf__loads(pool, st, 14, "metadata", &meta, err);
    char *rationale = mlf_sql_column_text_dup(pool, st, 11);
    mlf_sql_reset(st);
    if (rc < 0)
        return rc;
    bool is_expectation = existing->value_case == MLFLOW__ASSESSMENTS__ASSESSMENT__VALUE_EXPECTATION;
    bool is_feedback = existing->value_case == MLFLOW__ASSESSMENTS__ASSESSMENT__VALUE_FEEDBACK;
    if (u->has_expectation && u->has_feedback)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Cannot specify both `expectation` and `feedback` parameters.");
    if (u->has_expectation && !is_expectation)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Cannot update expectation value on a Feedback assessment.");
    if (u->has_feedback && !is_feedback)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Cannot update feedback value on an Expectation assessment.");
    if (!is_expectation && !is_feedback)
        /* an issue is rebuilt as a Feedback from existing.value, which IssueReference lacks: the AttributeError
         * the store's session reports as INTERNAL_ERROR */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'IssueReference' object has no attribute 'value'");
    /* merged metadata: the stored dict updated with the new one */
    mlf__meta m = {0};
    for (size_t i = 0; meta != NULL && meta->type == MLF_JSON_OBJECT && i < meta->n; i++) {
        mlf_buf k, v;
        mlf_buf_init(&k, pool, 16);
        mlf_buf_init(&v, pool, 16);
        mlf_json_write_string_ascii(&k, meta->keys[i], meta->key_lens ? meta->key_lens[i] : strlen(meta->keys[i]));
        mlf__dump_json(&v, meta->items[i]);
        mlf__meta_put(pool, &m, k.data, v.data);
    }
    if (u->has_metadata)
        mlf__meta_put_strings(pool, &m, u->metadata_keys, u->metadata_values, u->n_metadata);
    char *metadata_json = mlf__meta_dump(pool, &m);

    const char *name = u->name != NULL ? u->name : existing->assessment_name;
    mlf_store_assessment_value stored = {.json = value};
    const mlf_store_assessment_value *nv = &stored;
    const char *error_json = NULL;
    if (is_expectation) {
        if (u->has_expectation)
            nv = &u->expectation;
        rationale = NULL; /* the rebuilt Expectation has none */
    } else {
        if (u->has_feedback) {
            nv = &u->feedback;
            error_json = u->feedback_error != NULL ? mlf__dump_error(pool, u->feedback_error) : NULL;
        } else if (error != NULL) {
            error_json = mlf__redump_error(pool, error);
        }
        if (u->rationale != NULL)
            rationale = (char *)u->rationale;
    }
    char *value_json = mlf__dump_value(pool, nv);
    if (value_json == NULL) {
        rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                           "Fail to serialize NaN or Infinity for Value.number_value, which would parse as "
                           "string_value");
        err->uncaught = true;
        return rc;
    }
    mlf__agg agg = mlf__aggregate(pool, nv);
    rc = mlf_sql_prepare(c, pool,
                         "UPDATE assessments SET name = ?, value = ?, error = ?, last_updated_timestamp = ?, "
                         "rationale = ?, assessment_metadata = ?, aggregate_value = ?, is_numeric_value = ? "
                         "WHERE trace_id = ? AND assessment_id = ?",
                         &st, err);
    if (rc < 0)
        return rc;
    const char *texts[] = {name, value_json, error_json};
    for (int i = 0; i < 3; i++)
        if (texts[i] != NULL)
            mlf_sql_bind_text(st, i + 1, texts[i]);
        else
            mlf_sql_bind_null(st, i + 1);
    mlf_sql_bind_int64(st, 4, mlf_sql_now_ms());
    if (rationale != NULL)
        mlf_sql_bind_text(st, 5, rationale);
    else
        mlf_sql_bind_null(st, 5);
    if (metadata_json != NULL)
        mlf_sql_bind_text(st, 6, metadata_json);
    else
        mlf_sql_bind_null(st, 6);
    if (agg.has)
        mlf_sql_bind_double(st, 7, agg.v);
    else
        mlf_sql_bind_null(st, 7);
    mlf_sql_bind_int64(st, 8, agg.numeric ? 1 : 0);
    mlf_sql_bind_text(st, 9, x->trace_id);
    mlf_sql_bind_text(st, 10, x->assessment_id);
    rc = mlf__sql_step_done(c, pool, st, err);
    if (rc < 0)
        return rc;
    return mlf__get(c, pool, x->trace_id, x->assessment_id, x->ret, err);
}

int mlf_store_update_assessment(mlf_store *store, mlf_pool *pool, const char *trace_id, const char *assessment_id,
                                const mlf_store_assessment_update *u, Mlflow__Assessments__Assessment **ret,
                                mlf_error *err)
{
    mlf__ids_args x = {trace_id, assessment_id, u, ret};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__update_tx, &x, err);
}

static int mlf__delete_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__ids_args *x = arg;
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, "SELECT overrides FROM assessments WHERE trace_id = ? AND assessment_id = ?",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, x->trace_id);
    mlf_sql_bind_text(st, 2, x->assessment_id);
    rc = mlf_sql_step(st);
    char *overrides = rc == MLF_SQL_ROW ? mlf_sql_column_text_dup(pool, st, 0) : NULL;
    mlf_sql_reset(st);
    if (rc == MLF_SQL_DONE)
        return 0; /* idempotent */
    if (rc != MLF_SQL_ROW)
        return mlf_sql_error(pool, c, rc, err);
    if (overrides != NULL && overrides[0] != '\0') {
        /* the overridden assessment is valid again (MLflow looks it up by id alone) */
        rc = mlf_sql_prepare(c, pool, "UPDATE assessments SET valid = ? WHERE assessment_id = ?", &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_int64(st, 1, 1);
        mlf_sql_bind_text(st, 2, overrides);
        rc = mlf__sql_step_done(c, pool, st, err);
        if (rc < 0)
            return rc;
    }
    rc = mlf_sql_prepare(c, pool, "DELETE FROM assessments WHERE assessment_id = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, x->assessment_id);
    return mlf__sql_step_done(c, pool, st, err);
}

int mlf_store_delete_assessment(mlf_store *store, mlf_pool *pool, const char *trace_id, const char *assessment_id,
                                mlf_error *err)
{
    mlf__ids_args x = {trace_id, assessment_id, NULL, NULL};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__delete_tx, &x, err);
}

int mlf_sql_assessments_delete_for_runs(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, int64_t experiment_id,
                                        mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(
        c, pool,
        run_id != NULL ? "DELETE FROM assessments WHERE assessment_metadata LIKE "
                         "'%\"" MLF__SOURCE_RUN_ID "\": \"' || ? || '\"%'"
                       : "DELETE FROM assessments WHERE EXISTS (SELECT 1 FROM runs WHERE runs.experiment_id = ? AND "
                         "assessments.assessment_metadata LIKE '%\"" MLF__SOURCE_RUN_ID "\": \"' || runs.run_uuid || "
                         "'\"%')",
        &st, err);
    if (rc < 0)
        return rc;
    if (run_id != NULL)
        mlf_sql_bind_text(st, 1, run_id);
    else
        mlf_sql_bind_int64(st, 1, experiment_id);
    return mlf__sql_step_done(c, pool, st, err);
}
