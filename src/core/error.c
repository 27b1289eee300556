#include "core/error.h"

#include <string.h>

int mlf_error_set(mlf_error *err, mlf_pool *pool, int code, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        err->error_class = NULL;
        err->uncaught = false;
        err->message = mlf_pool_vsprintf(pool, fmt, ap);
        va_end(ap);
    }
    return -code;
}

const char *mlf_error_name(int code)
{
    switch (code) {
#define MLF_ERROR(name, value, status, sqlstate, error_class)                                                          \
    case value:                                                                                                        \
        return #name;
#include "core/errors.def"
#undef MLF_ERROR
    default:
        return "INTERNAL_ERROR";
    }
}

int mlf_error_code_from_name(const char *name)
{
#define MLF_ERROR(n, value, status, sqlstate, error_class)                                                             \
    if (strcmp(name, #n) == 0)                                                                                         \
        return value;
#include "core/errors.def"
#undef MLF_ERROR
    return 0;
}

int mlf_error_http_status(int code)
{
    switch (code) {
#define MLF_ERROR(name, value, status, sqlstate, error_class)                                                          \
    case value:                                                                                                        \
        return status;
#include "core/errors.def"
#undef MLF_ERROR
    default:
        return 500;
    }
}

void mlf_error_classify(const mlf_error *err, const char **sqlstate, const char **error_class)
{
    /* error classes a raise site names whose sqlstate is not the code's */
    static const char *const by_class[][2] = {
        {"ATTRIBUTE_NOT_FOUND", "KAM04"},
        {"MODEL_SERIALIZATION_FAILED", "KAM03"},
        {"PREDICTION_FUNCTION_FAILED", "KAM02"},
        {"SCHEMA_ENFORCEMENT_FAILED", "KAM01"},
    };
    int code = err->code ? err->code : MLF_ERR_INTERNAL_ERROR;
    *sqlstate = NULL;
    *error_class = NULL;
    switch (code) {
#define MLF_ERROR(name, value, status, state, class)                                                                   \
    case value:                                                                                                        \
        *sqlstate = state;                                                                                             \
        *error_class = class;                                                                                          \
        break;
#include "core/errors.def"
#undef MLF_ERROR
    default:
        break;
    }
    if (err->error_class != NULL) {
        *error_class = err->error_class;
        for (size_t i = 0; i < sizeof by_class / sizeof by_class[0]; i++)
            if (strcmp(by_class[i][0], err->error_class) == 0)
                *sqlstate = by_class[i][1];
    }
}
