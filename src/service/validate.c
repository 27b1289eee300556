#include "service/validate.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "store/pystr.h"
#include "store/uri.h"

char *mlf_validate_invalid_value(mlf_pool *pool, const char *path, const char *value, const char *message)
{
    const char *json = value != NULL ? mlf_pystr_json_dumps(pool, value) : "null";
    if (message != NULL && message[0] != '\0')
        return mlf_pool_sprintf(pool, "Invalid value %s for parameter '%s' supplied: %s", json, path, message);
    return mlf_pool_sprintf(pool, "Invalid value %s for parameter '%s' supplied.", json, path);
}

/* Python's `$` also matches before one final newline. */
static size_t mlf__regex_end(const char *s)
{
    size_t n = strlen(s);
    if (n > 0 && s[n - 1] == '\n')
        n--;
    return n;
}

bool mlf_validate_name_chars(const char *name)
{
    size_t n = mlf__regex_end(name);
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t len = mlf_pystr_utf8_next(name + i, &cp);
        if (!(cp == '/' || cp == '.' || cp == '-' || cp == ' ' || cp == ':' || mlf_pystr_is_word_char(cp)))
            return false;
        i += len;
    }
    return true;
}

bool mlf_validate_path_not_unique(mlf_pool *pool, const char *name)
{
    const char *norm = mlf_path_normpath(pool, name);
    return strcmp(norm, name) != 0 || strcmp(norm, ".") == 0 || strncmp(norm, "..", 2) == 0 || norm[0] == '/';
}

/* bad_character_message() on POSIX */
static const char mlf__bad_characters[] = "Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), "
                                          "spaces ( ), colon(:) and slashes (/).";

int mlf_validate_tag_name(mlf_pool *pool, const char *name, const char *path, mlf_error *err)
{
    if (name == NULL)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Missing value for required parameter '%s'.",
                             path);
    if (!mlf_validate_name_chars(name))
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "%s",
                             mlf_validate_invalid_value(pool, path, name, mlf__bad_characters));
    if (mlf_validate_path_not_unique(pool, name)) {
        /* bad_path_message: the name passed the character rule, so repr needs no escapes beyond Python's own */
        char *msg = mlf_pool_sprintf(pool,
                                     "Names may be treated as files in certain cases, and must not resolve to other "
                                     "names when treated as such. This name would resolve to %s",
                                     mlf_pystr_repr(pool, mlf_path_normpath(pool, name)));
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "%s",
                             mlf_validate_invalid_value(pool, path, name, msg));
    }
    return 0;
}

int mlf_validate_length_limit(mlf_pool *pool, const char *entity_name, size_t limit, const char *value,
                              mlf_error *err)
{
    if (value == NULL || mlf_pystr_len(value) <= limit)
        return 0;
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "'%s' exceeds the maximum length of %zu characters",
                         entity_name, limit);
}

int mlf_validate_experiment_name(mlf_pool *pool, const char *name, mlf_error *err)
{
    if (name == NULL)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid experiment name: 'None'");
    /* `not experiment_name.strip()`: empty or only (Unicode) whitespace */
    if (mlf_pystr_strip(pool, name)[0] == '\0')
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid experiment name: '%s'", name);
    return mlf_validate_length_limit(pool, "name", MLF_MAX_EXPERIMENT_NAME_LENGTH, name, err);
}

int mlf_validate_experiment_tag(mlf_pool *pool, const char *key, const char *value, mlf_error *err)
{
    int rc = mlf_validate_tag_name(pool, key, "key", err);
    if (rc == 0)
        rc = mlf_validate_length_limit(pool, "key", MLF_MAX_EXPERIMENT_TAG_KEY_LENGTH, key, err);
    if (rc == 0)
        rc = mlf_validate_length_limit(pool, "value", MLF_MAX_EXPERIMENT_TAG_VAL_LENGTH, value, err);
    return rc;
}

int mlf_validate_experiment_id(mlf_pool *pool, const char *experiment_id, mlf_error *err)
{
    if (experiment_id == NULL)
        return 0;
    size_t n = mlf__regex_end(experiment_id);
    bool ok = n > 0;
    size_t count = 0;
    for (size_t i = 0; ok && i < n;) {
        uint32_t cp;
        size_t len = mlf_pystr_utf8_next(experiment_id + i, &cp);
        if (i == 0)
            ok = cp < 0x80 && mlf_pystr_is_word_char(cp) && cp != '_';
        else
            ok = mlf_pystr_is_word_char(cp) || cp == '-';
        count++;
        i += len;
    }
    if (ok && count <= 64)
        return 0;
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid experiment ID: '%s'", experiment_id);
}

int mlf_validate_artifact_location_url(mlf_pool *pool, const char *artifact_location, mlf_error *err)
{
    mlf_url u;
    int rc = mlf_uri_parse(pool, artifact_location != NULL ? artifact_location : "", &u, err);
    if (rc < 0)
        return rc;
    if (u.fragment[0] != '\0' || u.params[0] != '\0')
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "'artifact_location' URL can't include fragments or params.");
    return mlf_uri_validate_query_string(pool, u.query, err);
}

static long long mlf__artifact_location_max_length(void)
{
    const char *v = getenv("MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH");
    if (v == NULL || v[0] == '\0')
        return MLF_ARTIFACT_LOCATION_MAX_LENGTH_DEFAULT;
    char *end;
    long long n = strtoll(v, &end, 10);
    while (*end == ' ' || *end == '\t' || *end == '\n')
        end++;
    return *end == '\0' ? n : MLF_ARTIFACT_LOCATION_MAX_LENGTH_DEFAULT;
}

int mlf_validate_artifact_location_length(mlf_pool *pool, const char *artifact_location, mlf_error *err)
{
    long long max = mlf__artifact_location_max_length();
    if ((long long)mlf_pystr_len(artifact_location) <= max)
        return 0;
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Invalid artifact path length. The length of the artifact path cannot be greater than %lld "
                         "characters. To configure this limit, please set the MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH "
                         "environment variable.",
                         max);
}

int mlf_validate_max_results(mlf_pool *pool, bool has_value, long long max_results, long long max, mlf_error *err)
{
    if (!has_value)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid value None for parameter 'max_results' supplied. It must be a positive integer");
    if (max_results < 1)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid value %lld for parameter 'max_results' supplied. It must be a positive integer",
                             max_results);
    if (max_results > max)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid value %lld for parameter 'max_results' supplied. It must be at most %lld",
                             max_results, max);
    return 0;
}

int mlf_validate_run_id(mlf_pool *pool, const char *run_id, mlf_error *err)
{
    const char *id = run_id != NULL ? run_id : "";
    size_t n = mlf__regex_end(id);
    bool ok = n > 0;
    size_t count = 0;
    for (size_t i = 0; ok && i < n;) {
        uint32_t cp;
        size_t len = mlf_pystr_utf8_next(id + i, &cp);
        if (i == 0)
            ok = cp < 0x80 && mlf_pystr_is_word_char(cp) && cp != '_';
        else
            ok = mlf_pystr_is_word_char(cp) || cp == '-';
        count++;
        i += len;
    }
    if (ok && count <= 256)
        return 0;
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "%s",
                         mlf_validate_invalid_value(pool, "run_id", id, NULL));
}

int mlf_validate_dataset(mlf_pool *pool, const char *name, const char *digest, const char *source, const char *schema,
                         const char *profile, mlf_error *err)
{
    int rc = mlf_validate_length_limit(pool, "name", MLF_MAX_DATASET_NAME_SIZE, name, err);
    if (rc == 0)
        rc = mlf_validate_length_limit(pool, "digest", MLF_MAX_DATASET_DIGEST_SIZE, digest, err);
    if (rc == 0)
        rc = mlf_validate_length_limit(pool, "source", MLF_MAX_DATASET_SOURCE_SIZE, source, err);
    if (rc == 0)
        rc = mlf_validate_length_limit(pool, "schema", MLF_MAX_DATASET_SCHEMA_SIZE, schema, err);
    if (rc == 0)
        rc = mlf_validate_length_limit(pool, "profile", MLF_MAX_DATASET_PROFILE_SIZE, profile, err);
    return rc;
}

int mlf_validate_input_tag(mlf_pool *pool, const char *key, const char *value, mlf_error *err)
{
    int rc = mlf_validate_length_limit(pool, "key", MLF_MAX_INPUT_TAG_KEY_SIZE, key, err);
    if (rc == 0)
        rc = mlf_validate_length_limit(pool, "value", MLF_MAX_INPUT_TAG_VALUE_SIZE, value, err);
    return rc;
}

/* ---- model registry ---- */

int mlf_validate_model_name(mlf_pool *pool, const char *name, mlf_error *err)
{
    if (name == NULL || mlf_pystr_strip(pool, name)[0] == '\0')
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Missing value for required parameter 'name'.");
    /* models:/ URIs split on these: a name holding one could not be referred to */
    if (strpbrk(name, "/:") != NULL)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid model name '%s'. Names cannot contain '/' or ':'.", name);
    if (mlf_validate_path_not_unique(pool, name)) {
        char *msg = mlf_pool_sprintf(pool,
                                     "Names may be treated as files in certain cases, and must not resolve to other "
                                     "names when treated as such. This name would resolve to %s",
                                     mlf_pystr_repr(pool, mlf_path_normpath(pool, name)));
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "%s",
                             mlf_validate_invalid_value(pool, "name", name, msg));
    }
    return 0;
}

int mlf_validate_model_renaming(mlf_pool *pool, const char *new_name, mlf_error *err)
{
    if (new_name == NULL || mlf_pystr_strip(pool, new_name)[0] == '\0')
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Missing value for required parameter 'new_name'.");
    return mlf_validate_model_name(pool, new_name, err);
}

int mlf_validate_model_version(mlf_pool *pool, const char *version, const char **ret, mlf_error *err)
{
    if (version == NULL)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                             "int() argument must be a string, a bytes-like object or a real number, not 'NoneType'");
    /* int() reads any Unicode decimal digit: map them to ASCII before parsing */
    mlf_buf b;
    mlf_buf_init(&b, pool, strlen(version) + 1);
    for (size_t i = 0; version[i] != '\0';) {
        uint32_t cp;
        size_t len = mlf_pystr_utf8_next(version + i, &cp);
        int d;
        if (cp >= 0x80 && (d = mlf_pystr_digit_value(cp)) >= 0)
            mlf_buf_putc(&b, (char)('0' + d));
        else
            mlf_buf_append(&b, version + i, len);
        i += len;
    }
    int64_t v;
    int rc = mlf_pystr_parse_int(b.data, &v);
    if (rc == -1)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Parameter 'version' must be an integer, got '%s'.", version);
    if (ret != NULL)
        *ret = rc == 0 ? mlf_pool_sprintf(pool, "%" PRId64, v) : version;
    return 0;
}

int mlf_validate_registered_model_tag(mlf_pool *pool, const char *key, const char *value, mlf_error *err)
{
    int rc = mlf_validate_tag_name(pool, key, "key", err);
    if (rc == 0)
        rc = mlf_validate_length_limit(pool, "key", MLF_MAX_MODEL_REGISTRY_TAG_KEY_LENGTH, key, err);
    if (rc == 0)
        rc = mlf_validate_length_limit(pool, "value", MLF_MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH, value, err);
    return rc;
}

int mlf_validate_model_version_tag(mlf_pool *pool, const char *key, const char *value, mlf_error *err)
{
    int rc = mlf_validate_tag_name(pool, key, "key", err);
    if (rc < 0)
        return rc;
    if (value == NULL)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Tag value cannot be None");
    rc = mlf_validate_length_limit(pool, "key", MLF_MAX_MODEL_REGISTRY_TAG_KEY_LENGTH, key, err);
    if (rc < 0)
        return rc;
    /* PROMPT_TEXT_TAG_KEY gets a friendlier message */
    if (strcmp(key, "mlflow.prompt.text") == 0 && mlf_pystr_len(value) > MLF_MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Prompt text exceeds max length of %d characters.",
                             MLF_MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH);
    return mlf_validate_length_limit(pool, "value", MLF_MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH, value, err);
}

int mlf_validate_model_alias_name(mlf_pool *pool, const char *alias, mlf_error *err)
{
    if (alias == NULL || alias[0] == '\0')
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Registered model alias name cannot be empty.");
    size_t n = mlf__regex_end(alias);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = mlf_pystr_utf8_next(alias + i, &cp);
        if (!(cp == '-' || mlf_pystr_is_word_char(cp)))
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Invalid alias name: '%s'. Names may only contain alphanumerics, underscores (_), "
                                 "and dashes (-).",
                                 alias);
        i += len;
    }
    return mlf_validate_length_limit(pool, "Registered model alias name", MLF_MAX_REGISTERED_MODEL_ALIAS_LENGTH, alias,
                                     err);
}

/* str.lower() == word for an ASCII word: no other character lower-cases into ASCII letters used here. */
static bool mlf__lower_equals(const char *s, const char *word)
{
    for (; *s != '\0' && *word != '\0'; s++, word++) {
        char c = *s >= 'A' && *s <= 'Z' ? (char)(*s + 32) : *s;
        if (c != *word)
            return false;
    }
    return *s == '\0' && *word == '\0';
}

int mlf_validate_model_alias_name_reserved(mlf_pool *pool, const char *alias, mlf_error *err)
{
    if (mlf__lower_equals(alias, "latest"))
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "'latest' alias name (case insensitive) is reserved.");
    /* ^[vV]\d+$ */
    size_t n = mlf__regex_end(alias);
    if (n >= 2 && (alias[0] == 'v' || alias[0] == 'V')) {
        bool digits = true;
        for (size_t i = 1; digits && i < n;) {
            uint32_t cp;
            size_t len = mlf_pystr_utf8_next(alias + i, &cp);
            digits = mlf_pystr_is_decimal(cp);
            i += len;
        }
        if (digits)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Version alias name '%s' is reserved.",
                                 alias);
    }
    return 0;
}

int mlf_validate_model_stage(mlf_pool *pool, const char *stage, const char **ret, mlf_error *err)
{
    static const char *const stages[] = {"None", "Staging", "Production", "Archived"};
    for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
        char lower[16];
        size_t k = 0;
        for (; stages[i][k] != '\0'; k++)
            lower[k] = (char)(stages[i][k] >= 'A' && stages[i][k] <= 'Z' ? stages[i][k] + 32 : stages[i][k]);
        lower[k] = '\0';
        if (stage != NULL && mlf__lower_equals(stage, lower)) {
            *ret = stages[i];
            return 0;
        }
    }
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Invalid Model Version stage: %s. Value must be one of None, Staging, Production, Archived.",
                         stage != NULL ? stage : "None");
}

/* ---- runs: metrics, params, tags, log-batch ---- */

const char *mlf_validate_json_path(mlf_pool *pool, const char *path, const char *name)
{
    if (path == NULL || path[0] == '\0')
        return name;
    if (name[0] == '[')
        return mlf_pool_sprintf(pool, "%s%s", path, name);
    return mlf_pool_sprintf(pool, "%s.%s", path, name);
}

/* MLFLOW_TRUNCATE_LONG_VALUES (a _BooleanEnvironmentVariable, default true) */
static int mlf__truncate_long_values(mlf_pool *pool, bool *ret, mlf_error *err)
{
    const char *v = getenv("MLFLOW_TRUNCATE_LONG_VALUES");
    *ret = true;
    if (v == NULL)
        return 0;
    char lower[8];
    size_t n = strlen(v);
    if (n < sizeof(lower)) {
        for (size_t i = 0; i <= n; i++)
            lower[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
        if (strcmp(lower, "true") == 0 || strcmp(lower, "1") == 0)
            return 0;
        if (strcmp(lower, "false") == 0 || strcmp(lower, "0") == 0) {
            *ret = false;
            return 0;
        }
    }
    return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                         "MLFLOW_TRUNCATE_LONG_VALUES value must be one of ['true', 'false', '1', '0'] "
                         "(case-insensitive), but got %s",
                         v);
}

int mlf_validate_length_limit_truncate(mlf_pool *pool, const char *entity_name, size_t limit, const char *value,
                                       const char **ret, mlf_error *err)
{
    *ret = value;
    if (value == NULL)
        return 0;
    /* count code points only as far as the limit: most values are short */
    size_t i = 0, count = 0;
    while (value[i] != '\0' && count < limit) {
        uint32_t cp;
        i += mlf_pystr_utf8_next(value + i, &cp);
        count++;
    }
    if (value[i] == '\0')
        return 0;
    bool truncate;
    int rc = mlf__truncate_long_values(pool, &truncate, err);
    if (rc < 0)
        return rc;
    if (!truncate)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "'%s' exceeds the maximum length of %zu characters", entity_name, limit);
    *ret = mlf_pool_strndup(pool, value, i);
    return 0;
}

/* str(float): repr, with nan and inf spelled as Python does */
static const char *mlf__py_float_str(mlf_pool *pool, double v)
{
    if (isnan(v))
        return "nan";
    if (isinf(v))
        return v > 0 ? "inf" : "-inf";
    mlf_buf b;
    mlf_buf_init(&b, pool, 32);
    mlf_json_write_double(&b, v);
    return b.data;
}

int mlf_validate_metric(mlf_pool *pool, const char *key, double value, int64_t timestamp, const char *path,
                        mlf_error *err)
{
    const char *name_path = mlf_validate_json_path(pool, path, "name");
    if (key == NULL)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "%s",
                             mlf_validate_invalid_value(pool, name_path, NULL,
                                                        "Metric name cannot be None. A key name must be provided."));
    int rc = mlf_validate_tag_name(pool, key, name_path, err);
    if (rc < 0)
        return rc;
    if (timestamp < 0) {
        char *msg = mlf_pool_sprintf(pool,
                                     "metric '%s' (value=%s). Timestamp must be a nonnegative long (64-bit integer) ",
                                     key, mlf__py_float_str(pool, value));
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid value %" PRId64
                             " for parameter '%s' supplied: %s",
                             timestamp, mlf_validate_json_path(pool, path, "timestamp"), msg);
    }
    return mlf_validate_length_limit(pool, "Metric name", MLF_MAX_ENTITY_KEY_LENGTH, key, err);
}

int mlf_validate_param(mlf_pool *pool, const char *key, const char *value, const char *path, const char **ret_value,
                       mlf_error *err)
{
    const char *key_path = mlf_validate_json_path(pool, path, "key");
    if (key == NULL)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "%s",
                             mlf_validate_invalid_value(pool, key_path, "", "A key name must be provided."));
    int rc = mlf_validate_tag_name(pool, key, key_path, err);
    if (rc == 0)
        rc = mlf_validate_length_limit(pool, "Param key", MLF_MAX_ENTITY_KEY_LENGTH, key, err);
    if (rc == 0)
        rc = mlf_validate_length_limit_truncate(pool, "Param value", MLF_MAX_PARAM_VAL_LENGTH, value, ret_value, err);
    return rc;
}

int mlf_validate_tag(mlf_pool *pool, const char *key, const char *value, const char *path, const char **ret_value,
                     mlf_error *err)
{
    const char *key_path = mlf_validate_json_path(pool, path, "key");
    int rc = mlf_validate_tag_name(pool, key, key_path, err);
    if (rc == 0)
        rc = mlf_validate_length_limit(pool, key_path, MLF_MAX_ENTITY_KEY_LENGTH, key, err);
    if (rc == 0)
        rc = mlf_validate_length_limit_truncate(pool, mlf_validate_json_path(pool, path, "value"),
                                                MLF_MAX_TAG_VAL_LENGTH, value, ret_value, err);
    return rc;
}

static int mlf__batch_limit(mlf_pool *pool, const char *entity, size_t limit, size_t n, mlf_error *err)
{
    if (n <= limit)
        return 0;
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "A batch logging request can contain at most %zu %s. Got %zu %s. Please split up %s across "
                         "multiple requests and try again.",
                         limit, entity, n, entity, entity);
}

int mlf_validate_batch_log_limits(mlf_pool *pool, size_t n_metrics, size_t n_params, size_t n_tags, mlf_error *err)
{
    int rc = mlf__batch_limit(pool, "metrics", MLF_MAX_METRICS_PER_BATCH, n_metrics, err);
    if (rc == 0)
        rc = mlf__batch_limit(pool, "params", MLF_MAX_PARAMS_TAGS_PER_BATCH, n_params, err);
    if (rc == 0)
        rc = mlf__batch_limit(pool, "tags", MLF_MAX_PARAMS_TAGS_PER_BATCH, n_tags, err);
    if (rc == 0)
        rc = mlf__batch_limit(pool, "metrics, params, and tags", MLF_MAX_ENTITIES_PER_BATCH,
                              n_metrics + n_params + n_tags, err);
    return rc;
}

int mlf_validate_param_keys_unique(mlf_pool *pool, const char *const *keys, size_t n, mlf_error *err)
{
    /* at most 100 params (limits are checked first), so the quadratic scan is cheap */
    mlf_buf dupes;
    bool any = false;
    for (size_t i = 1; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(keys[i], keys[j]) == 0;
        if (!seen)
            continue;
        if (!any)
            mlf_buf_init(&dupes, pool, 64);
        mlf_buf_printf(&dupes, "%s%s", any ? ", " : "[", mlf_pystr_repr(pool, keys[i]));
        any = true;
    }
    if (!any)
        return 0;
    mlf_buf_putc(&dupes, ']');
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Duplicate parameter keys have been submitted: %s. Please ensure the request contains only "
                         "one param value per param key.",
                         dupes.data);
}

/* ---- artifact URIs that name a host (mlflow/store/artifact/host_policy.py) ---- */

/* One (scheme family, host, port) a URI makes the server connect to; port -1: none known. */
typedef struct {
    const char *family;
    const char *host;
    long port;
} mlf__host_target;

/*
 * host_addressed_uri_targets: the targets of a URI whose scheme connects to
 * the host it names, 0 when it selects none. A portless mlflow-artifacts URI
 * stands for both of HTTP's well-known ports.
 */
static size_t mlf__host_targets(mlf_pool *pool, const char *uri, const char **ret_scheme, mlf__host_target out[2])
{
    static const char *const schemes[] = {"ftp",   "sftp",  "hdfs",  "viewfs", "http",
                                          "https", "mlflow-artifacts", "r2", "b2", "abfss"};
    mlf_url u;
    mlf_error ignored = {0};
    if (uri == NULL || mlf_uri_parse(pool, uri, &u, &ignored) < 0)
        return 0;
    const char *scheme = u.scheme;
    if (strlen(scheme) == 1) /* a Windows drive letter: a local path */
        return 0;
    bool hosted = false;
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]) && !hosted; i++)
        hosted = strcmp(scheme, schemes[i]) == 0;
    if (!hosted || (strcmp(scheme, "mlflow-artifacts") == 0 && u.netloc[0] == '\0'))
        return 0;
    *ret_scheme = scheme;
    const char *family = strcmp(scheme, "viewfs") == 0 ? "hdfs"
                         : strcmp(scheme, "https") == 0 || strcmp(scheme, "mlflow-artifacts") == 0 ? "http"
                                                                                                     : scheme;
    /* a backslash or whitespace in the authority, or a bad port: never trusted */
    mlf__host_target bad = {"malformed", u.netloc, -1};
    for (const char *p = u.netloc; *p != '\0'; p++)
        if (*p == '\\' || *p == ' ' || (*p >= '\t' && *p <= '\r')) {
            out[0] = bad;
            return 1;
        }
    const char *hostport = strrchr(u.netloc, '@');
    hostport = hostport != NULL ? hostport + 1 : u.netloc;
    const char *colon = hostport[0] == '[' ? strchr(hostport, ']') : hostport;
    colon = colon != NULL ? strchr(colon, ':') : NULL;
    long port = -1;
    if (colon != NULL && colon[1] != '\0') {
        char *end;
        port = strtol(colon + 1, &end, 10);
        if (*end != '\0' || colon[1] < '0' || colon[1] > '9' || port > 65535) {
            out[0] = bad;
            return 1;
        }
    }
    const char *host = mlf_uri_hostname(pool, &u);
    host = host != NULL ? host : "";
    if (port >= 0 || strcmp(family, "hdfs") == 0) {
        out[0] = (mlf__host_target){family, host, port};
        return 1;
    }
    if (strcmp(scheme, "mlflow-artifacts") == 0) {
        out[0] = (mlf__host_target){family, host, 80};
        out[1] = (mlf__host_target){family, host, 443};
        return 2;
    }
    long dflt = strcmp(scheme, "ftp") == 0    ? 21
                : strcmp(scheme, "sftp") == 0 ? 22
                : strcmp(scheme, "http") == 0 ? 80
                                              : 443;
    out[0] = (mlf__host_target){family, host, dflt};
    return 1;
}

/* MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES: comma-separated, each stripped, compared lower-cased */
static bool mlf__host_scheme_allowed(mlf_pool *pool, const char *scheme)
{
    const char *v = getenv("MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES");
    if (v == NULL)
        return false;
    char *copy = mlf_pool_strdup(pool, v);
    for (char *save = NULL, *item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
        char *s = mlf_pystr_strip(pool, item);
        for (char *p = s; *p != '\0'; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        if (strcmp(s, scheme) == 0)
            return true;
    }
    return false;
}

int mlf_validate_uri_host(mlf_pool *pool, const char *uri, const char *field_name, const char *const *trusted,
                          size_t n_trusted, mlf_error *err)
{
    const char *scheme = NULL;
    mlf__host_target mine[2];
    size_t n = mlf__host_targets(pool, uri, &scheme, mine);
    if (n == 0 || mlf__host_scheme_allowed(pool, scheme))
        return 0;
    for (size_t r = 0; r < n_trusted; r++) {
        const char *ignored;
        mlf__host_target ok[2];
        size_t m = mlf__host_targets(pool, trusted[r], &ignored, ok);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < m; j++)
                if (strcmp(mine[i].family, ok[j].family) == 0 && strcmp(mine[i].host, ok[j].host) == 0 &&
                    mine[i].port == ok[j].port)
                    return 0;
    }
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "'%s' cannot use the '%s' scheme: the '%s' scheme addresses a host other than the tracking "
                         "server's configured artifact storage, so the server would connect to the host named in the "
                         "URI. Set the MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES environment variable on the "
                         "server to allow it.",
                         field_name, scheme, scheme);
}
