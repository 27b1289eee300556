/*
 * GET [static prefix]/ajax-api/2.0/mlflow/metrics/get-history-bulk: the Flask
 * route (routes.def) of get_metric_history_bulk_handler (mlflow/server/handlers.py). Not
 * an rpc: it reads the raw query args (run_id repeated, metric_key,
 * max_results) and answers a plain dict through Flask's JSON provider
 * (sorted keys, compact separators, a trailing newline, NaN as a bare token).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "core/text.h"
#include "server/http.h"
#include "store/pystr.h"
#include "json/json.h"

/* MAX_HISTORY_RESULTS and MAX_RUN_IDS_PER_REQUEST of the handler */
#define MLF__MAX_HISTORY_RESULTS 25000
#define MLF__MAX_RUN_IDS 100

/* request.args as the handler uses it: every run_id, the first metric_key and max_results. */
typedef struct {
    char **run_ids;
    size_t n_run_ids;
    const char *metric_key;
    const char *max_results;
} mlf__bulk_args;

static void mlf__parse_args(mlf_pool *pool, const char *q, size_t qlen, mlf__bulk_args *ret)
{
    size_t cap = 0;
    for (size_t i = 0; i < qlen;) {
        size_t j = i;
        while (j < qlen && q[j] != '&')
            j++;
        if (j > i) {
            const char *eq = memchr(q + i, '=', j - i);
            size_t klen = eq != NULL ? (size_t)(eq - (q + i)) : j - i;
            const char *key = mlf_text_percent_decode(pool, q + i, klen, MLF_TEXT_PLUS_SPACE, NULL);
            const char *val =
                eq != NULL ? mlf_text_percent_decode(pool, eq + 1, (size_t)(q + j - eq - 1), MLF_TEXT_PLUS_SPACE, NULL)
                           : "";
            if (strcmp(key, "run_id") == 0) {
                if (ret->n_run_ids == cap) {
                    cap = cap == 0 ? 8 : cap * 2;
                    char **grown = MLF_NEW_ARRAY(pool, char *, cap);
                    if (ret->n_run_ids > 0)
                        memcpy(grown, ret->run_ids, ret->n_run_ids * sizeof(*grown));
                    ret->run_ids = grown;
                }
                ret->run_ids[ret->n_run_ids++] = (char *)val;
            } else if (strcmp(key, "metric_key") == 0 && ret->metric_key == NULL) {
                ret->metric_key = val;
            } else if (strcmp(key, "max_results") == 0 && ret->max_results == NULL) {
                ret->max_results = val;
            }
        }
        i = j + 1;
    }
}

/* One MetricWithRunId.to_dict() as Flask writes it (sorted keys, ensure_ascii). */
static void mlf__write_metric(mlf_buf *b, const Mlflow__MetricWithRunId *m)
{
    mlf_buf_puts(b, "{\"key\":");
    mlf_json_write_string_ascii(b, m->key, strlen(m->key));
    mlf_buf_puts(b, ",\"run_id\":");
    mlf_json_write_string_ascii(b, m->run_id, strlen(m->run_id));
    mlf_buf_printf(b, ",\"step\":%" PRId64 ",\"timestamp\":%" PRId64 ",\"value\":", m->step, m->timestamp);
    mlf_json_write_double(b, m->value);
    mlf_buf_putc(b, '}');
}

void mlf_http_metrics_bulk(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                           const mlf_route_match *m, mlf_http_response *ret)
{
    (void)m;

    mlf__bulk_args args = {0};
    if (req->query != NULL)
        mlf__parse_args(pool, req->query, req->query_len, &args);
    mlf_error err = {0};
    if (args.n_run_ids == 0) {
        mlf_error_set(&err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                      "GetMetricHistoryBulk request must specify at least one run_id.");
        goto fail;
    }
    if (args.n_run_ids > MLF__MAX_RUN_IDS) {
        mlf_error_set(&err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                      "GetMetricHistoryBulk request cannot specify more than %d run_ids. Received %zu run_ids.",
                      MLF__MAX_RUN_IDS, args.n_run_ids);
        goto fail;
    }
    if (args.metric_key == NULL) {
        mlf_error_set(&err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                      "GetMetricHistoryBulk request must specify a metric_key.");
        goto fail;
    }
    /* max_results = min(int(args.get("max_results", 25000)), 25000) */
    int64_t max_results = MLF__MAX_HISTORY_RESULTS;
    if (args.max_results != NULL) {
        int prc = mlf_pystr_parse_int(args.max_results, &max_results);
        if (prc == -1 || (prc == -2 && strchr(args.max_results, '-') != NULL)) {
            mlf_http_respond_page(ret, 500); /* int() of a bad max_results: an exception the handler does not catch */
            return;
        }
        if (prc == -2 || max_results > MLF__MAX_HISTORY_RESULTS)
            max_results = MLF__MAX_HISTORY_RESULTS;
    }

    mlf_store *store = app->svc->store;
    Mlflow__MetricWithRunId **metrics = NULL;
    size_t n = 0;
    /* a negative limit is no limit in SQLite, then Python's [:max_results] drops that many from the end */
    if (mlf_store_get_metric_history_bulk(store, pool, args.run_ids, args.n_run_ids, args.metric_key,
                                          max_results < 0 ? -1 : max_results, &metrics, &n, &err) < 0)
        goto fail;
    if (max_results < 0)
        n = (uint64_t)-max_results >= n ? 0 : n - (size_t)-max_results;

    mlf_buf b;
    mlf_buf_init(&b, pool, 64 + n * 112);
    mlf_buf_puts(&b, "{\"metrics\":[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            mlf_buf_putc(&b, ',');
        mlf__write_metric(&b, metrics[i]);
    }
    mlf_buf_puts(&b, "]}\n");
    mlf_http_respond(ret, 200, "application/json", b.data, b.len);
    return;
fail:
    mlf_http_respond_error(pool, ret, &err);
}
