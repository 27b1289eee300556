/*
 * One error convention for every layer: a function returns 0, or a negative
 * number (minus MLflow's ErrorCode value) after filling an mlf_error with the
 * same code and MLflow's message. The message lives in the request's pool.
 * Only the HTTP layer logs.
 */
#ifndef MLF_CORE_ERROR_H
#define MLF_CORE_ERROR_H

#include <stdbool.h>

#include "core/pool.h"

enum {
#define MLF_ERROR(name, value, status, sqlstate, error_class) MLF_ERR_##name = value,
#include "core/errors.def"
#undef MLF_ERROR
};

typedef struct mlf_error {
    int code;            /** an MLF_ERR_* value, 0 when unset */
    const char *message; /** MLflow's message text, from the pool */
    /** MLflow's error_class where its raise site names one (ATTRIBUTE_NOT_FOUND), else NULL:
     *  derived from code */
    const char *error_class;
    /** MLflow's handler lets a Python exception other than MlflowException escape, which Flask answers
     *  with Werkzeug's HTML 500 page (message then only goes to the log, and to FFI callers) */
    bool uncaught;
} mlf_error;

/**
 * Fills err (which may be NULL) with code and the formatted message, allocated
 * from pool, and returns -code, so that `return mlf_error_set(...)` propagates.
 */
int mlf_error_set(mlf_error *err, mlf_pool *pool, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/** The ErrorCode name of code ("INVALID_PARAMETER_VALUE"), or "INTERNAL_ERROR" when unknown. */
const char *mlf_error_name(int code);
/** The ErrorCode value named name, or 0 when unknown. */
int mlf_error_code_from_name(const char *name);
/** The HTTP status MLflow answers code with (500 when not listed). */
int mlf_error_http_status(int code);
/**
 * The "sqlstate" and "error_class" MLflow adds to err's JSON answer: err's own
 * error_class or the one its code gives, and the sqlstate of that class or code.
 * Either may be NULL (the field is then left out).
 */
void mlf_error_classify(const mlf_error *err, const char **sqlstate, const char **error_class);

#endif
