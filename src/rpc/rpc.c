#include <string.h>

#include "json/pbjson.h"
#include "rpc/rpc.h"

static int mlf__invoke(mlf_ctx *ctx, const mlf_rpc *rpc, mlf_rpc_fn call, const mlf_rpc_request *req,
                       ProtobufCMessage **ret_resp, mlf_error *err)
{
    int rc = mlf_rpc_validate(ctx->pool, rpc, req, err);
    if (rc != 0)
        return rc;
    ProtobufCMessage *resp = mlf_pbjson_new_message(ctx->pool, rpc->response);
    rc = call(ctx, req->msg, resp, err);
    if (rc != 0) {
        if (err != NULL && err->code == 0)
            return mlf_error_set(err, ctx->pool, MLF_ERR_INTERNAL_ERROR, "%s failed", rpc->name);
        return rc;
    }
    *ret_resp = resp;
    return 0;
}

int mlf_rpc_invoke(mlf_ctx *ctx, const mlf_rpc *rpc, const mlf_rpc_request *req, ProtobufCMessage **ret_resp,
                   mlf_error *err)
{
    return mlf__invoke(ctx, rpc, rpc->call, req, ret_resp, err);
}

int mlf_rpc_invoke_store(mlf_ctx *ctx, const mlf_rpc *rpc, const mlf_rpc_request *req, ProtobufCMessage **ret_resp,
                         mlf_error *err)
{
    return mlf__invoke(ctx, rpc, rpc->store_call, req, ret_resp, err);
}

const mlf_rpc *mlf_rpc_find(const char *service, const char *name)
{
    for (size_t i = 0; i < mlf_n_rpcs; i++)
        if (strcmp(mlf_rpcs[i].service, service) == 0 && strcmp(mlf_rpcs[i].name, name) == 0)
            return &mlf_rpcs[i];
    return NULL;
}
