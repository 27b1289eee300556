/*
 * MLflow 3.18's job routes, as a server that runs no jobs answers them:
 * the Flask pair GET [P]/ajax-api/3.0/mlflow/jobs/<job_id> and
 * PATCH .../jobs/cancel/<job_id> (handlers.py _get_job, _cancel_job), and
 * the FastAPI job API under [P]/ajax-api/3.0/jobs (server/job_api.py: get,
 * cancel, search, submit). mlflow-c never submits a job, so its jobs table
 * only holds what MLflow's own job runner wrote into a shared database:
 * an unknown id gets MLflow's not-found answer, a known one an error saying
 * that mlflow-c does not run jobs, and a submission of one of MLflow's job
 * names MLflow's answer with job execution disabled
 * (MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false). README "Server-side jobs".
 */
#include <string.h>

#include "server/http.h"
#include "service/tracking/scorer.h"
#include "store/store.h"


static mlf_json *mlf__body(mlf_pool *pool, const mlf_http_request *req);

/* _ALLOWED_JOB_NAME_LIST */
static const char *const mlf__job_names[] = {"invoke_scorer",          "run_online_trace_scorer",
                                             "run_online_session_scorer", "optimize_prompts",
                                             "invoke_issue_detection", "scheduled_issue_detection",
                                             "invoke_genai_evaluate"};

/* The job's lookup: 0 when it is unknown (err: MLflow's RESOURCE_DOES_NOT_EXIST), else an error. */
static int mlf__lookup(const mlf_http_app *app, mlf_pool *pool, const char *job_id, mlf_error *err)
{
    bool found = false;
    int rc = mlf_store_job_exists(app->svc->store, pool, job_id, &found, err);
    if (rc < 0)
        return rc;
    if (found)
        return mlf_error_set(err, pool, MLF_ERR_NOT_IMPLEMENTED,
                             "Job %s was made by MLflow's job runner: mlflow-c does not run jobs", job_id);
    return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Job with ID %s not found", job_id);
}

static void mlf__flask(const mlf_http_app *app, mlf_pool *pool, const mlf_route_match *m, mlf_http_response *ret)
{
    mlf_error err = {0};
    mlf__lookup(app, pool, m->param_values[0], &err);
    mlf_http_respond_error(pool, ret, &err);
}

static void mlf__fastapi(const mlf_http_app *app, mlf_pool *pool, const mlf_route_match *m, mlf_http_response *ret)
{
    mlf_error err = {0};
    mlf__lookup(app, pool, m->param_values[0], &err);
    mlf_http_respond_detail(pool, ret, mlf_error_http_status(err.code), err.message != NULL ? err.message : "");
}

void mlf_http_job_get(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req, const mlf_route_match *m,
                      mlf_http_response *ret)
{
    (void)req;
    mlf__flask(app, pool, m, ret);
}

void mlf_http_job_cancel(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                         const mlf_route_match *m, mlf_http_response *ret)
{
    (void)req;
    mlf__flask(app, pool, m, ret);
}

void mlf_http_jobs_api_get(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                           const mlf_route_match *m, mlf_http_response *ret)
{
    (void)req;
    mlf__fastapi(app, pool, m, ret);
}

void mlf_http_jobs_api_cancel(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                              const mlf_route_match *m, mlf_http_response *ret)
{
    (void)req;
    mlf__fastapi(app, pool, m, ret);
}

/* pydantic's 422 for a body that is no JSON object */
static bool mlf__not_object(mlf_pool *pool, const mlf_json *body, mlf_http_response *ret)
{
    if (body != NULL && body->type == MLF_JSON_OBJECT)
        return false;
    mlf_buf b;
    mlf_buf_init(&b, pool, 256);
    mlf_buf_puts(&b, "{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],\"msg\":\"Input should "
                     "be a valid dictionary or object to extract fields from\",\"input\":");
    if (body != NULL)
        mlf_json_write(&b, body);
    else
        mlf_buf_puts(&b, "null");
    mlf_buf_puts(&b, "}]}");
    mlf_http_respond(ret, 422, "application/json", b.data, b.len);
    return true;
}

/* list_jobs: none when mlflow-c alone wrote the database */
void mlf_http_jobs_api_search(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                              const mlf_route_match *m, mlf_http_response *ret)
{
    (void)m;
    mlf_error err = {0};
    if (mlf__not_object(pool, mlf__body(pool, req), ret))
        return;
    bool any = false;
    if (mlf_store_job_exists(app->svc->store, pool, NULL, &any, &err) == 0 && any)
        mlf_error_set(&err, pool, MLF_ERR_NOT_IMPLEMENTED,
                      "This database holds jobs of MLflow's job runner: mlflow-c does not run jobs");
    if (err.code != 0) {
        mlf_http_respond_detail(pool, ret, mlf_error_http_status(err.code), err.message != NULL ? err.message : "");
        return;
    }
    static const char empty[] = "{\"jobs\":[]}";
    mlf_http_respond(ret, 200, "application/json", empty, sizeof(empty) - 1);
}

/* The body FastAPI validates: its JSON, or NULL (null) when it has none or is no JSON. */
static mlf_json *mlf__body(mlf_pool *pool, const mlf_http_request *req)
{
    mlf_json *v = NULL;
    mlf_error err = {0};
    if (req->body == NULL || req->body_len == 0 || mlf_json_parse(pool, req->body, req->body_len, &v, &err) < 0)
        return NULL;
    return v;
}

/* pydantic's 422 for the fields of SubmitJobPayload the body lacks */
static bool mlf__missing_fields(mlf_pool *pool, const mlf_json *body, mlf_http_response *ret)
{
    static const char *const required[] = {"job_name", "params"};
    mlf_buf b;
    mlf_buf_init(&b, pool, 256);
    mlf_buf_puts(&b, "{\"detail\":[");
    size_t n = 0;
    for (size_t i = 0; i < 2; i++) {
        if (mlf_json_get(body, required[i]) != NULL)
            continue;
        mlf_buf_printf(&b, "%s{\"type\":\"missing\",\"loc\":[\"body\",\"%s\"],\"msg\":\"Field required\",\"input\":",
                       n++ ? "," : "", required[i]);
        mlf_json_write(&b, body);
        mlf_buf_putc(&b, '}');
    }
    mlf_buf_puts(&b, "]}");
    if (n > 0)
        mlf_http_respond(ret, 422, "application/json", b.data, b.len);
    return n > 0;
}

void mlf_http_jobs_api_submit(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                              const mlf_route_match *m, mlf_http_response *ret)
{
    (void)app, (void)m;
    mlf_json *body = mlf__body(pool, req);
    if (mlf__not_object(pool, body, ret) || mlf__missing_fields(pool, body, ret))
        return;
    const mlf_json *name = mlf_json_get(body, "job_name");
    if (name->type != MLF_JSON_STRING) {
        mlf_buf b;
        mlf_buf_init(&b, pool, 128);
        mlf_buf_puts(&b, "{\"detail\":[{\"type\":\"string_type\",\"loc\":[\"body\",\"job_name\"],\"msg\":\"Input "
                         "should be a valid string\",\"input\":");
        mlf_json_write(&b, name);
        mlf_buf_puts(&b, "}]}");
        mlf_http_respond(ret, 422, "application/json", b.data, b.len);
        return;
    }
    const char *text = name->text;
    for (size_t i = 0; i < sizeof(mlf__job_names) / sizeof(mlf__job_names[0]); i++)
        if (strcmp(text, mlf__job_names[i]) == 0) {
            mlf_http_respond_detail(pool, ret, 500, MLF_JOBS_DISABLED_MESSAGE);
            return;
        }
    mlf_http_respond_detail(pool, ret, 400, mlf_pool_sprintf(pool, "Invalid job name: %s", text));
}
