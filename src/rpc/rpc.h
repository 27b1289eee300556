/*
 * The rpc runtime shared by the HTTP server and the FFI: the generated table
 * of rpcs (generated/rpc_table.c; their HTTP routes are the server's,
 * server/router.h), the validation rules of
 * validations.def, and the call path decode -> validate -> service -> encode.
 */
#ifndef MLF_RPC_RPC_H
#define MLF_RPC_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "core/error.h"
#include "core/pool.h"
#include "json/json.h"
#include "service/service.h"

typedef enum mlf_rule_kind {
    MLF_RULE_REQUIRED,
    MLF_RULE_TYPE_STRING,
    MLF_RULE_TYPE_INT,
    MLF_RULE_TYPE_FLOAT,
    MLF_RULE_TYPE_BOOL,
    MLF_RULE_TYPE_ARRAY,
    MLF_RULE_TYPE_ITEMS_STRING,
    MLF_RULE_MAX,
    MLF_RULE_RANGE,
    MLF_RULE_MAXLEN,
    MLF_RULE_MAXITEMS,
    MLF_RULE_ELEM_REQUIRED,
    MLF_RULE_ELEM_MAXLEN,
} mlf_rule_kind;

/** One rule of validations.def, bound to a top-level field. */
typedef struct mlf_rule {
    const char *field;   /** top-level field (proto name) */
    mlf_rule_kind kind;
    int64_t arg;         /** MAX: N; RANGE: A; MAXLEN/MAXITEMS/ELEM_MAXLEN: N */
    int64_t arg2;        /** RANGE: B */
    const char *sub;     /** ELEM_*: the element's field */
    const char *message; /** custom text replacing MLflow's default, or NULL */
} mlf_rule;

typedef int (*mlf_rpc_fn)(mlf_ctx *ctx, const ProtobufCMessage *req, ProtobufCMessage *resp, mlf_error *err);

/**
 * One rpc of a served service. call is NULL when the rpc is not enabled in
 * endpoints.def. call is what the HTTP server runs (MLflow's handler: its
 * checks, then its store); store_call what the FFI runs (MLflow's store
 * method alone, for the Python store classes): the rpc's `_store` half when
 * endpoints.def flags it `store-half`, else call.
 */
typedef struct mlf_rpc {
    const char *service; /** MlflowService */
    const char *name;    /** createExperiment */
    const char *func;    /** mlf_tracking_create_experiment */
    const ProtobufCMessageDescriptor *request;
    const ProtobufCMessageDescriptor *response;
    const mlf_rule *rules;
    size_t n_rules;
    mlf_rpc_fn call;
    mlf_rpc_fn store_call;
} mlf_rpc;

extern const mlf_rpc mlf_rpcs[];
extern const size_t mlf_n_rpcs;

/** A request as MLflow's handler sees it. */
typedef struct mlf_rpc_request {
    ProtobufCMessage *msg; /** the decoded message */
    const mlf_json *raw;   /** the request dict (JSON body or query args); NULL for protobuf input */
    bool parse_failed;     /** some value did not fit its field (MLflow then runs its type checks) */
} mlf_rpc_request;

/**
 * Applies rpc's rules in order, as _get_request_message and
 * _validate_param_against_schema do. Returns 0, or a negative code with
 * MLflow's INVALID_PARAMETER_VALUE message.
 */
int mlf_rpc_validate(mlf_pool *pool, const mlf_rpc *rpc, const mlf_rpc_request *req, mlf_error *err);

/**
 * Validates req, then calls rpc's service function (rpc->call, the HTTP
 * handler's) with a fresh response message (from ctx->pool) stored in
 * *ret_resp. rpc must be enabled.
 */
int mlf_rpc_invoke(mlf_ctx *ctx, const mlf_rpc *rpc, const mlf_rpc_request *req, ProtobufCMessage **ret_resp,
                   mlf_error *err);

/**
 * As mlf_rpc_invoke, but calls rpc->store_call: what MLflow's store method
 * does, for the FFI. The validations.def rules still run first, as they
 * always have on the FFI path (the Python store suites pin that behaviour).
 */
int mlf_rpc_invoke_store(mlf_ctx *ctx, const mlf_rpc *rpc, const mlf_rpc_request *req, ProtobufCMessage **ret_resp,
                         mlf_error *err);

/** The rpc named service/name ("MlflowService", "createExperiment"), or NULL. */
const mlf_rpc *mlf_rpc_find(const char *service, const char *name);


#endif
