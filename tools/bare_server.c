/*
 * The benchmark's baseline: the same h2o + libuv server plumbing as
 * `mlflow-c server` (worker threads, SO_REUSEPORT, keep-alive), answering
 * every request with `{}` and doing nothing else.
 *
 * usage: bare-server [--port PORT] [--workers N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server.h"

static mlf_server_lane mlf__route(void *app, mlf_pool *pool, const mlf_http_request *req, const void **ret_match)
{
    (void)app;
    (void)pool;
    (void)req;
    *ret_match = NULL;
    return MLF_LANE_LOOP;
}

static void mlf__answer(void *app, mlf_pool *pool, const mlf_http_request *req, const void *match,
                        mlf_http_response *ret)
{
    (void)app;
    (void)pool;
    (void)req;
    (void)match;
    ret->status = 200;
    ret->content_type = "application/json";
    ret->body = "{}";
    ret->body_len = 2;
}

int main(int argc, char **argv)
{
    mlf_server_config sc = {.host = "127.0.0.1", .port = 5001, .workers = 0, .max_body_size = 1 << 20};
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0)
            sc.port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--workers") == 0)
            sc.workers = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--host") == 0)
            sc.host = argv[i + 1];
    }
    mlf_server_app app = {.route = mlf__route, .handle = mlf__answer};
    return mlf_server_run(&sc, &app);
}
