#include "core/error.h"

#include <string.h>

int mlf_error_set(mlf_error *err, mlf_pool *pool, int code, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        err->message = mlf_pool_vsprintf(pool, fmt, ap);
        va_end(ap);
    }
    return -code;
}

const char *mlf_error_name(int code)
{
    switch (code) {
#define MLF_ERROR(name, value, status)                                                                                     \
    case value:                                                                                                            \
        return #name;
#include "core/errors.def"
#undef MLF_ERROR
    default:
        return "INTERNAL_ERROR";
    }
}

int mlf_error_code_from_name(const char *name)
{
#define MLF_ERROR(n, value, status)                                                                                        \
    if (strcmp(name, #n) == 0)                                                                                             \
        return value;
#include "core/errors.def"
#undef MLF_ERROR
    return 0;
}

int mlf_error_http_status(int code)
{
    switch (code) {
#define MLF_ERROR(name, value, status)                                                                                     \
    case value:                                                                                                            \
        return status;
#include "core/errors.def"
#undef MLF_ERROR
    default:
        return 500;
    }
}
