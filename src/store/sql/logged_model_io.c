/*
 * What a run records about logged models, mirroring SqlAlchemyStore
 * (MLflow 3.6): log_outputs (run -> model output edges with their step) and
 * record_logged_model (the mlflow.log-model.history run tag that logModel
 * appends to).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/pystr.h"
#include "store/sql/sql.h"

/* mlflow.utils.mlflow_tags.MLFLOW_LOGGED_MODELS */
#define MLF__LOGGED_MODELS_TAG "mlflow.log-model.history"
/* MAX_TAG_VAL_LENGTH */
#define MLF__MAX_TAG_VAL_LENGTH 8000

static int mlf__step_done(mlf_sql_conn *c, mlf_pool *pool, mlf_sql_stmt *st, mlf_error *err)
{
    int rc = mlf_sql_step(st);
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    return 0;
}

static int mlf__log_outputs_in_tx(mlf_sql_conn *c, mlf_pool *pool, const char *run_id,
                                  Mlflow__ModelOutput *const *models, size_t n_models, mlf_error *err)
{
    int rc = mlf__sql_active_run(c, pool, run_id, NULL, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n_models; i++) {
        const Mlflow__ModelOutput *m = models[i];
        mlf_sql_stmt *st;
        rc = mlf_sql_prepare(c, pool,
                             "INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, "
                             "destination_id, step) VALUES (?, 'RUN_OUTPUT', ?, 'MODEL_OUTPUT', ?, ?)",
                             &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_text(st, 1, mlf__sql_uuid4_hex(pool));
        mlf_sql_bind_text(st, 2, run_id);
        /* LoggedModelOutput.from_proto: unset model_id is "", unset step 0 */
        mlf_sql_bind_text(st, 3, m != NULL && m->model_id != NULL ? m->model_id : "");
        mlf_sql_bind_int64(st, 4, m != NULL && m->has_step ? m->step : 0);
        /* the same model twice is the primary key's IntegrityError, as in MLflow */
        rc = mlf__step_done(c, pool, st, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int mlf_store_log_outputs(mlf_store *store, mlf_pool *pool, const char *run_id, Mlflow__ModelOutput *const *models,
                          size_t n_models, mlf_error *err)
{
    mlf_sql_store *s = (mlf_sql_store *)store;
    mlf_sql_conn *c;
    int rc;
    do { /* again when the backend lost a deadlock or a serialization conflict */
        rc = mlf_sql_write_begin(s, pool, &c, err);
        if (rc < 0)
            return rc;
        rc = mlf__log_outputs_in_tx(c, pool, run_id != NULL ? run_id : "", models, n_models, err);
        rc = mlf_sql_write_end(s, c, rc, pool, err);
    } while (rc == MLF_SQL_AGAIN);
    return rc;
}

/* ---- log-model history ---- */

#define MLF__DUMPS_MAX_DEPTH 256

/*
 * json.dumps(v) with Python's defaults: ", " and ": " separators, keys in
 * their order, ASCII only, ints as written, floats as repr (NaN, Infinity).
 */
static void mlf__dumps(mlf_buf *b, const mlf_json *v, int depth)
{
    if (v == NULL || depth > MLF__DUMPS_MAX_DEPTH) {
        mlf_buf_puts(b, "null");
        return;
    }
    switch (v->type) {
    case MLF_JSON_NULL:
        mlf_buf_puts(b, "null");
        break;
    case MLF_JSON_BOOL:
        mlf_buf_puts(b, v->boolean ? "true" : "false");
        break;
    case MLF_JSON_NUMBER:
        if (mlf_json_is_int(v)) {
            if (v->len == 2 && v->text[0] == '-' && v->text[1] == '0') /* Python's int("-0") */
                mlf_buf_putc(b, '0');
            else
                mlf_buf_append(b, v->text, v->len);
        } else {
            mlf_json_write_double(b, v->number);
        }
        break;
    case MLF_JSON_STRING:
        mlf_json_write_string_ascii(b, v->text != NULL ? v->text : "", v->text != NULL ? v->len : 0);
        break;
    case MLF_JSON_ARRAY:
        mlf_buf_putc(b, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i > 0)
                mlf_buf_puts(b, ", ");
            mlf__dumps(b, v->items[i], depth + 1);
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
            mlf__dumps(b, v->items[i], depth + 1);
        }
        mlf_buf_putc(b, '}');
        break;
    }
}

/* The first limit code points of s (Python's value[:limit]). */
static char *mlf__truncate(mlf_pool *pool, const char *s, size_t limit)
{
    size_t i = 0;
    for (size_t k = 0; k < limit && s[i] != '\0'; k++) {
        uint32_t cp;
        i += mlf_pystr_utf8_next(s + i, &cp);
    }
    return mlf_pool_strndup(pool, s, i);
}

/* MLFLOW_TRUNCATE_LONG_VALUES (default true): "false" or "0" turns truncation into an error. */
static bool mlf__truncate_long_values(void)
{
    const char *v = getenv("MLFLOW_TRUNCATE_LONG_VALUES");
    if (v == NULL)
        return true;
    return !(strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0);
}

static int mlf__record_in_tx(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, const mlf_json *model_dict,
                             mlf_error *err)
{
    int rc = mlf__sql_active_run(c, pool, run_id, NULL, err);
    if (rc < 0)
        return rc;
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool, "SELECT value FROM tags WHERE run_uuid = ? AND \"key\" = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, run_id);
    mlf_sql_bind_text(st, 2, MLF__LOGGED_MODELS_TAG);
    rc = mlf_sql_step(st);
    if (rc != MLF_SQL_ROW && rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    bool has_previous = rc == MLF_SQL_ROW;
    char *previous = has_previous ? mlf_sql_column_text_dup(pool, st, 0) : NULL;
    mlf_sql_reset(st);

    /* json.dumps(json.loads(previous) + [model_dict]) */
    mlf_buf value;
    mlf_buf_init(&value, pool, 512);
    mlf_buf_putc(&value, '[');
    if (has_previous) {
        /* Python fails on these with a TypeError or JSONDecodeError, which the session turns into a 500 */
        if (previous == NULL)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                 "the JSON object must be str, bytes or bytearray, not NoneType");
        mlf_json *list;
        if (mlf_json_parse(pool, previous, strlen(previous), &list, NULL) < 0)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "The %s tag of run %s is not valid JSON",
                                 MLF__LOGGED_MODELS_TAG, run_id);
        if (list->type != MLF_JSON_ARRAY)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "can only concatenate list (not \"%s\") to list",
                                 mlf_json_py_type(list));
        for (size_t i = 0; i < list->n; i++) {
            mlf__dumps(&value, list->items[i], 0);
            mlf_buf_puts(&value, ", ");
        }
    }
    mlf__dumps(&value, model_dict, 0);
    mlf_buf_putc(&value, ']');

    /* _validate_tag(MLFLOW_LOGGED_MODELS, value): the value is cut at MAX_TAG_VAL_LENGTH */
    const char *stored = value.data;
    if (mlf_pystr_len(stored) > MLF__MAX_TAG_VAL_LENGTH) {
        if (!mlf__truncate_long_values())
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "'value' exceeds the maximum length of %d characters", MLF__MAX_TAG_VAL_LENGTH);
        stored = mlf__truncate(pool, stored, MLF__MAX_TAG_VAL_LENGTH);
    }
    /* session.merge(SqlTag(...)): an update keeps the tag's place among the run's tags */
    rc = mlf_sql_prepare(c, pool,
                         "INSERT INTO tags (\"key\", value, run_uuid) VALUES (?, ?, ?) "
                         "ON CONFLICT (\"key\", run_uuid) DO UPDATE SET value = excluded.value",
                         &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, MLF__LOGGED_MODELS_TAG);
    mlf_sql_bind_text(st, 2, stored);
    mlf_sql_bind_text(st, 3, run_id);
    return mlf__step_done(c, pool, st, err);
}

int mlf_store_record_logged_model(mlf_store *store, mlf_pool *pool, const char *run_id, const mlf_json *model_dict,
                                  mlf_error *err)
{
    mlf_sql_store *s = (mlf_sql_store *)store;
    mlf_sql_conn *c;
    int rc;
    do { /* again when the backend lost a deadlock or a serialization conflict */
        rc = mlf_sql_write_begin(s, pool, &c, err);
        if (rc < 0)
            return rc;
        rc = mlf__record_in_tx(c, pool, run_id != NULL ? run_id : "", model_dict, err);
        rc = mlf_sql_write_end(s, c, rc, pool, err);
    } while (rc == MLF_SQL_AGAIN);
    return rc;
}
