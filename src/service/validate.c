#include "service/validate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
    if (name[0] == '\0')
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid experiment name: ''");
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
