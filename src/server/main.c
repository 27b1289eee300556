/*
 * mlflow-c's command line:
 *   mlflow-c server [options]   run the tracking server (flags as `mlflow server`)
 *   mlflow-c endpoints          list every rpc and whether it is implemented
 *   mlflow-c db upgrade URI     bring an MLflow database to our schema revision
 *   mlflow-c db current URI     print its revision
 *   mlflow-c --version
 */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/version.h"
#include "rpc/rpc.h"
#include "server/server.h"
#include "server/ui.h"
#include "service/service.h"
#include "store/migrate.h"

static void mlf__usage(FILE *out)
{
    fputs("usage: mlflow-c server [--host HOST] [--port PORT] [--workers N]\n"
          "                       [--backend-store-uri URI] [--default-artifact-root URI]\n"
          "                       [--artifacts-destination DIR] [--static-prefix PREFIX]\n"
          "                       [--serve-artifacts | --no-serve-artifacts] [--artifacts-only]\n"
          "                       [--max-body-size BYTES] [--no-access-log] [--ui-dir DIR]\n"
          "       mlflow-c endpoints\n"
          "       mlflow-c db upgrade [--no-backup] URI\n"
          "       mlflow-c db current URI\n"
          "       mlflow-c --version\n"
          "Options also read MLFLOW_HOST, MLFLOW_PORT, MLFLOW_WORKERS, MLFLOW_BACKEND_STORE_URI,\n"
          "MLFLOW_DEFAULT_ARTIFACT_ROOT, MLFLOW_ARTIFACTS_DESTINATION, MLFLOW_STATIC_PREFIX,\n"
          "MLFLOW_SERVE_ARTIFACTS and MLFLOW_ARTIFACTS_ONLY, as `mlflow server` does.\n"
          "The web UI is MLflow's own build: --ui-dir DIR (or MLFLOW_C_UI_DIR), else the one of the\n"
          "`mlflow` package that python3 (or MLFLOW_C_PYTHON, or an `mlflow` command on PATH) has.\n",
          out);
}

static int mlf__endpoints(void)
{
    size_t implemented = 0, n_unhandled = 0;
    printf("%-24s | %-34s | %-70s | %s\n", "SERVICE", "RPC", "METHOD PATH", "IMPLEMENTED");
    for (size_t i = 0; i < mlf_n_rpcs; i++) {
        const mlf_rpc *rpc = &mlf_rpcs[i];
        char paths[512] = "";
        size_t used = 0;
        bool unhandled = false;
        for (size_t r = 0; r < mlf_n_routes; r++) {
            const mlf_route *rt = &mlf_routes[r];
            if (rt->rpc != (int)i || rt->prefixed)
                continue;
            unhandled = unhandled || (rt->flags & MLF_ROUTE_EMPTY_404);
            int n = snprintf(paths + used, sizeof(paths) - used, "%s%s %s", used ? ", " : "", rt->method, rt->pattern);
            if (n > 0 && (size_t)n < sizeof(paths) - used)
                used += (size_t)n;
        }
        if (rpc->call != NULL)
            implemented++;
        else if (unhandled)
            n_unhandled++;
        printf("%-24s | %-34s | %-70s | %s\n", rpc->service, rpc->name, paths,
               rpc->call ? "yes" : unhandled ? "no (MLflow has no handler either)" : "no");
    }
    printf("%zu rpcs (MLflow " MLF_MLFLOW_VERSION "), %zu implemented, %zu not implemented yet, %zu without a handler in "
           "MLflow either\n",
           mlf_n_rpcs, implemented, mlf_n_rpcs - implemented - n_unhandled, n_unhandled);
    return 0;
}

static const char *mlf__env(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return (v != NULL && *v) ? v : fallback;
}

/* an environment variable as MLflow's boolean settings read it ("true" or "1", any case) */
static int mlf__env_true(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0);
}

/*
 * MLflow's is_telemetry_disabled() at start-up: MLFLOW_DISABLE_TELEMETRY,
 * DO_NOT_TRACK=true, or any variable by which MLflow recognises a CI
 * environment (mlflow/telemetry/utils.py), so that the UI telemetry route
 * answers as `mlflow server` would in the same environment.
 */
static bool mlf__telemetry_disabled(void)
{
    static const char *const ci_vars[] = {
        "PYTEST_CURRENT_TEST", "GITHUB_ACTIONS", "CI", "CIRCLECI", "GITLAB_CI", "JENKINS_URL", "TRAVIS",
        "TF_BUILD", "BITBUCKET_BUILD_NUMBER", "CODEBUILD_BUILD_ARN", "BUILDKITE", "TEAMCITY_VERSION",
        "CLOUD_RUN_EXECUTION", "RUNBOT_HOST_URL", "RUNBOT_BUILD_NAME", "RUNBOT_WORKER_ID",
    };
    const char *dnt = getenv("DO_NOT_TRACK");
    if (mlf__env_true("MLFLOW_DISABLE_TELEMETRY") || (dnt != NULL && strcasecmp(dnt, "true") == 0))
        return true;
    for (size_t i = 0; i < sizeof(ci_vars) / sizeof(ci_vars[0]); i++)
        if (getenv(ci_vars[i]) != NULL)
            return true;
    return false;
}

/* The server's view of server/http.h: route once, then answer with that match. */
static mlf_server_lane mlf__route(void *app, mlf_pool *pool, const mlf_http_request *req, const void **ret_match)
{
    const mlf_http_match *match;
    int lane = mlf_http_route(app, pool, req, &match);
    *ret_match = match;
    return (mlf_server_lane)lane;
}

static void mlf__answer(void *app, mlf_pool *pool, const mlf_http_request *req, const void *match,
                        mlf_http_response *ret)
{
    mlf_http_answer(app, pool, req, match, ret);
}

/*
 * MLflow's web UI, found once: dir (--ui-dir, MLFLOW_C_UI_DIR), else the
 * build of an installed `mlflow` package; NULL (and `/` says how to get one)
 * when there is none. Says on stderr which it is.
 */
static mlf_ui *mlf__open_ui(const char *dir)
{
    char *found = NULL, why[512] = "";
    if (dir == NULL)
        dir = found = mlf_ui_find_installed(mlf__env("MLFLOW_C_PYTHON", NULL), 10000);
    mlf_ui *ui = dir != NULL ? mlf_ui_open(dir, why, sizeof(why)) : NULL;
    if (ui != NULL)
        fprintf(stderr, "mlflow-c: serving MLflow's web UI from %s\n", dir);
    else if (dir != NULL)
        fprintf(stderr, "mlflow-c: no web UI: %s\n", why);
    else
        fprintf(stderr, "mlflow-c: no web UI: no installed mlflow package found (pip install mlflow, or --ui-dir)\n");
    free(found);
    return ui;
}

static int mlf__server(int argc, char **argv)
{
    mlf_server_config sc = {
        .host = mlf__env("MLFLOW_HOST", "127.0.0.1"),
        .port = atoi(mlf__env("MLFLOW_PORT", "5000")),
        .workers = atoi(mlf__env("MLFLOW_WORKERS", "0")),
        .static_prefix = mlf__env("MLFLOW_STATIC_PREFIX", NULL),
        .artifacts_only = mlf__env_true("MLFLOW_ARTIFACTS_ONLY"),
        .access_log = 1,
        .max_body_size = 64u << 20,
        .max_upload_size = (size_t)1 << 40,
        .store_threads = 16,
        .transfer_threads = 4,
    };
    mlf_service_config cfg = {
        .backend_store_uri = mlf__env("MLFLOW_BACKEND_STORE_URI", "sqlite:///mlflow.db"),
        .default_artifact_root = mlf__env("MLFLOW_DEFAULT_ARTIFACT_ROOT", NULL),
        .artifacts_destination = mlf__env("MLFLOW_ARTIFACTS_DESTINATION", "./mlartifacts"),
        .serve_artifacts = getenv("MLFLOW_SERVE_ARTIFACTS") ? mlf__env_true("MLFLOW_SERVE_ARTIFACTS") : 1,
    };
    const char *ui_dir = mlf__env("MLFLOW_C_UI_DIR", NULL);
    enum {
        MLF__OPT_STORE = 256,
        MLF__OPT_ROOT,
        MLF__OPT_DEST,
        MLF__OPT_PREFIX,
        MLF__OPT_MAX_BODY,
        MLF__OPT_SERVE,
        MLF__OPT_NO_SERVE,
        MLF__OPT_ONLY,
        MLF__OPT_NO_LOG,
        MLF__OPT_UI_DIR,
        MLF__OPT_HELP,
    };
    static const struct option longopts[] = {
        {"host", required_argument, NULL, 'h'},
        {"port", required_argument, NULL, 'p'},
        {"workers", required_argument, NULL, 'w'},
        {"backend-store-uri", required_argument, NULL, MLF__OPT_STORE},
        {"default-artifact-root", required_argument, NULL, MLF__OPT_ROOT},
        {"artifacts-destination", required_argument, NULL, MLF__OPT_DEST},
        {"static-prefix", required_argument, NULL, MLF__OPT_PREFIX},
        {"max-body-size", required_argument, NULL, MLF__OPT_MAX_BODY},
        {"serve-artifacts", no_argument, NULL, MLF__OPT_SERVE},
        {"no-serve-artifacts", no_argument, NULL, MLF__OPT_NO_SERVE},
        {"artifacts-only", no_argument, NULL, MLF__OPT_ONLY},
        {"no-access-log", no_argument, NULL, MLF__OPT_NO_LOG},
        {"ui-dir", required_argument, NULL, MLF__OPT_UI_DIR},
        {"help", no_argument, NULL, MLF__OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    /* '+': the first operand ends the options (it is then refused); ':': a missing value is told apart */
    optind = 1;
    opterr = 0;
    for (;;) {
        const char *cur = optind < argc ? argv[optind] : NULL; /* what getopt_long reads now */
        int idx = -1;
        int c = getopt_long(argc, argv, "+:h:p:w:", longopts, &idx);
        if (c == -1 && cur != NULL && strcmp(cur, "--") == 0)
            c = '?'; /* no "--" ends the options here */
        else if (c == -1)
            break;
        /* getopt_long takes unambiguous prefixes ("--back"); `mlflow server` does not */
        if (idx >= 0 && cur != NULL && strncmp(cur, "--", 2) == 0 &&
            strcspn(cur + 2, "=") != strlen(longopts[idx].name))
            c = '?';
        switch (c) {
        case 'h':
            sc.host = optarg;
            break;
        case 'p':
            sc.port = atoi(optarg);
            break;
        case 'w':
            sc.workers = atoi(optarg);
            break;
        case MLF__OPT_STORE:
            cfg.backend_store_uri = optarg;
            break;
        case MLF__OPT_ROOT:
            cfg.default_artifact_root = optarg;
            break;
        case MLF__OPT_DEST:
            cfg.artifacts_destination = optarg;
            break;
        case MLF__OPT_PREFIX:
            sc.static_prefix = optarg;
            break;
        case MLF__OPT_MAX_BODY:
            sc.max_body_size = strtoull(optarg, NULL, 10);
            break;
        case MLF__OPT_SERVE:
            cfg.serve_artifacts = 1;
            break;
        case MLF__OPT_NO_SERVE:
            cfg.serve_artifacts = 0;
            break;
        case MLF__OPT_ONLY:
            sc.artifacts_only = 1;
            break;
        case MLF__OPT_NO_LOG:
            sc.access_log = 0;
            break;
        case MLF__OPT_UI_DIR:
            ui_dir = optarg;
            break;
        case MLF__OPT_HELP:
            mlf__usage(stdout);
            return 0;
        case ':':
            fprintf(stderr, "mlflow-c: %s needs a value\n", cur);
            return 2;
        default:
            /* "--name=value": the name */
            fprintf(stderr, "mlflow-c: unknown option %.*s\n",
                    (int)(strncmp(cur, "--", 2) == 0 ? strcspn(cur, "=") : strlen(cur)), cur);
            mlf__usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mlflow-c: unknown option %s\n", argv[optind]);
        mlf__usage(stderr);
        return 2;
    }
    if (sc.port <= 0 || sc.port > 65535) {
        fprintf(stderr, "mlflow-c: invalid port\n");
        return 2;
    }
    if (sc.static_prefix != NULL && *sc.static_prefix == '\0')
        sc.static_prefix = NULL;
    if (sc.static_prefix != NULL && (sc.static_prefix[0] != '/' || sc.static_prefix[strlen(sc.static_prefix) - 1] == '/')) {
        fprintf(stderr, "mlflow-c: --static-prefix must begin with a '/' and cannot end with a '/'\n");
        return 2;
    }

    /* Large request bodies and big result pages come and go on every
       request; keep that memory in the process instead of mapping and
       unmapping it each time. */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);

    mlf_pool *pool = mlf_pool_create();
    mlf_service *svc = NULL;
    mlf_error err = {0};
    if (mlf_service_create(&cfg, pool, &svc, &err) != 0) {
        fprintf(stderr, "mlflow-c: %s\n", err.message ? err.message : "cannot open the backend store");
        mlf_pool_destroy(pool);
        return 1;
    }
    mlf_pool_destroy(pool);
    if (mlf_service_start_deliveries(svc) != 0) {
        fprintf(stderr, "mlflow-c: cannot start the webhook delivery threads\n");
        mlf_service_destroy(svc);
        return 1;
    }
    const char *skill_max = mlf__env("MLFLOW_SKILL_CONTENT_MAX_DECOMPRESSED_SIZE", NULL);
    mlf_http_app app = {
        .svc = svc,
        .router = mlf_router_create(sc.static_prefix),
        .static_prefix = sc.static_prefix,
        .artifacts_only = sc.artifacts_only,
        .max_body_size = sc.max_body_size,
        .ui = mlf__open_ui(ui_dir),
        .tracking_auth = getenv("MLFLOW_SERVER_INFO_TRACKING_AUTH"),
        .skill_content_max = skill_max != NULL ? strtoll(skill_max, NULL, 10) : 26214400,
        .artifacts_presigned_only = mlf__env_true("MLFLOW_ARTIFACTS_PRESIGNED_ONLY"),
        .telemetry_disabled = mlf__telemetry_disabled(),
    };
    mlf_server_app sapp = {.app = &app, .route = mlf__route, .handle = mlf__answer};
    int rc = mlf_server_run(&sc, &sapp);
    mlf_router_destroy(app.router);
    mlf_ui_close(app.ui);
    mlf_service_destroy(svc);
    return rc;
}

/*
 * `db upgrade [--no-backup] URI` and `db current URI`. Exit status: 0 done,
 * 1 a step failed (the database is at the last revision reached), 2 usage,
 * 3 the database was refused and nothing was written.
 */
static int mlf__db(int argc, char **argv)
{
    const char *cmd = argc > 0 ? argv[0] : "";
    const char *uri = NULL;
    mlf_migrate_options opts = {.log = stderr};
    bool upgrade = strcmp(cmd, "upgrade") == 0;
    if (!upgrade && strcmp(cmd, "current") != 0) {
        fprintf(stderr, "usage: mlflow-c db upgrade [--no-backup] URI | mlflow-c db current URI\n");
        return 2;
    }
    static const struct option upgrade_opts[] = {{"no-backup", no_argument, NULL, 'b'}, {NULL, 0, NULL, 0}};
    static const struct option no_opts[] = {{NULL, 0, NULL, 0}};
    /* "-": options and the URI in any order, each argument in turn (a single "-" included) */
    optind = 1;
    opterr = 0;
    for (;;) {
        const char *cur = optind < argc ? argv[optind] : NULL; /* what getopt_long reads now */
        int c = getopt_long(argc, argv, "-", upgrade ? upgrade_opts : no_opts, NULL);
        if (c == -1 && (cur == NULL || strcmp(cur, "--") != 0))
            break;
        if (c == 'b' && strcmp(cur, "--no-backup") == 0) {
            opts.no_backup = true;
        } else if (c == 1 && optarg[0] != '-' && uri == NULL) {
            uri = optarg;
        } else {
            fprintf(stderr, "mlflow-c db %s: unexpected argument %s\n", cmd, cur);
            return 2;
        }
    }
    if (uri == NULL) {
        fprintf(stderr, "mlflow-c db %s: missing the backend store URI\n", cmd);
        return 2;
    }
    mlf_pool *pool = mlf_pool_create();
    mlf_error err = {0};
    const char *rev = NULL;
    int steps = 0;
    int rc = upgrade ? mlf_db_upgrade(uri, &opts, pool, &rev, &steps, &err) : mlf_db_current(uri, pool, &rev, &err);
    int status = 0;
    if (rc < 0) {
        fprintf(stderr, "mlflow-c db %s: %s\n", cmd, err.message ? err.message : "failed");
        status = rc == MLF_MIGRATE_EUSAGE ? 2 : rc == MLF_MIGRATE_EREFUSED ? 3 : 1;
    } else if (!upgrade) {
        puts(rev);
    } else if (steps == 0) {
        fprintf(stderr, "Database is at revision %s (head): nothing to do\n", rev);
    } else {
        fprintf(stderr, "Upgraded from %s to %s in %d step%s\n", rev, mlf_migrations[mlf_migrations_count - 1].revision,
                steps, steps == 1 ? "" : "s");
    }
    mlf_pool_destroy(pool);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        mlf__usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "server") == 0)
        return mlf__server(argc - 1, argv + 1);
    if (strcmp(argv[1], "endpoints") == 0)
        return mlf__endpoints();
    if (strcmp(argv[1], "db") == 0)
        return mlf__db(argc - 2, argv + 2);
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        puts(MLF_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        mlf__usage(stdout);
        return 0;
    }
    fprintf(stderr, "mlflow-c: unknown command %s\n", argv[1]);
    mlf__usage(stderr);
    return 2;
}
