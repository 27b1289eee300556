/*
 * The issue rpcs (createIssue, updateIssue, getIssue, searchIssues) as MLflow
 * 3.18's handlers (_create_issue, _update_issue, _get_issue, _search_issues)
 * and the checks of SqlAlchemyStore's issue methods
 * (issue_utils.validate_issue_fields, validate_issue_search), then the store
 * (store/sql/issue.c). searchIssues' page tokens are issue_utils' own:
 * {"offset": N} (legacy), {"offset": N, "query": <fingerprint>} and the
 * keyset cursor {"version": 2, "after": [...], "query": <fingerprint>}, the
 * fingerprint being sha256 of json.dumps(query, sort_keys=True).
 */
#include <inttypes.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/text.h"
#include "generated/service_api.h"
#include "search/search.h"
#include "store/pystr.h"
#include "store/store.h"

static const char *mlf__str(const char *s)
{
    return s != NULL ? s : "";
}

static int mlf__invalid(mlf_pool *pool, mlf_error *err, const char *msg)
{
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "%s", msg);
}

static bool mlf__one_of(const char *v, const char *const *values)
{
    for (; *values != NULL; values++)
        if (strcmp(v, *values) == 0)
            return true;
    return false;
}

static const char *const mlf__statuses[] = {"pending", "rejected", "resolved", NULL};
static const char *const mlf__severities[] = {"not_an_issue", "low", "medium", "high", NULL};

/* validate_issue_fields(status=..., severity=...): "Invalid issue status: 'x'" */
static int mlf__check_enums(mlf_pool *pool, const char *status, const char *severity, mlf_error *err)
{
    if (status != NULL && !mlf__one_of(status, mlf__statuses))
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid issue status: %s",
                             mlf_pystr_repr(pool, status));
    if (severity != NULL && !mlf__one_of(severity, mlf__severities))
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid issue severity: %s",
                             mlf_pystr_repr(pool, severity));
    return 0;
}

/* validate_issue_fields(categories=...) / (delete_metadata_keys=...) */
static int mlf__check_list(mlf_pool *pool, const char *field, char *const *v, size_t n, mlf_error *err)
{
    bool bad = n > 100;
    for (size_t i = 0; i < n && !bad; i++) {
        size_t len = mlf_pystr_len(v[i]);
        bad = len < 1 || len > 250;
    }
    if (bad)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "%s must contain at most 100 nonempty strings of at most 250 characters", field);
    return 0;
}

/* A map field of a request (CreateIssue / UpdateIssue MetadataEntry share the layout) as a kv list. */
typedef struct {
    ProtobufCMessage base;
    char *key;
    char *value;
} mlf__entry;

static mlf_store_kv mlf__kv(mlf_pool *pool, void *const *entries, size_t n)
{
    const char **k = MLF_NEW_ARRAY(pool, const char *, n + 1);
    const char **v = MLF_NEW_ARRAY(pool, const char *, n + 1);
    for (size_t i = 0; i < n; i++) {
        const mlf__entry *e = entries[i];
        k[i] = mlf__str(e->key);
        v[i] = mlf__str(e->value);
    }
    return (mlf_store_kv){k, v, n};
}

/* validate_issue_fields(metadata=...) of the dict kv makes (last key wins; count distinct keys). */
static int mlf__check_metadata(mlf_pool *pool, const mlf_store_kv *kv, mlf_error *err)
{
    size_t distinct = 0;
    bool bad = false;
    for (size_t i = 0; i < kv->n && !bad; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(kv->keys[i], kv->keys[j]) == 0;
        distinct += !seen;
        size_t klen = mlf_pystr_len(kv->keys[i]);
        bad = klen < 1 || klen > 250 || mlf_pystr_len(kv->values[i]) > 65536;
    }
    if (bad || distinct > 100)
        return mlf__invalid(pool, err, "metadata must be a string map with at most 100 entries");
    return 0;
}

static int mlf__check_seen(mlf_pool *pool, bool has, int64_t v, mlf_error *err)
{
    if (has && v < 0)
        return mlf__invalid(pool, err, "last_seen_timestamp must be nonnegative milliseconds");
    return 0;
}

/* validate_issue_fields(name=...) */
static int mlf__check_name(mlf_pool *pool, const char *name, mlf_error *err)
{
    size_t len = name != NULL ? mlf_pystr_len(name) : 1;
    if (len < 1 || len > 250)
        return mlf__invalid(pool, err, "Issue name must contain 1 to 250 characters");
    return 0;
}

/* issue_id must match iss-[A-Za-z0-9_-]{1,32} */
static int mlf__check_issue_id(mlf_pool *pool, const char *id, mlf_error *err)
{
    if (id == NULL)
        return 0;
    size_t n = strlen(id);
    bool ok = n >= 5 && n <= 36 && strncmp(id, "iss-", 4) == 0;
    for (size_t i = 4; i < n && ok; i++) {
        char ch = id[i];
        ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
             ch == '-';
    }
    return ok ? 0 : mlf__invalid(pool, err, "issue_id must be iss-* and at most 36 characters");
}

static int mlf__check_actor(mlf_pool *pool, const char *field, const char *v, mlf_error *err)
{
    if (v != NULL && mlf_pystr_len(v) > 255)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid %s", field);
    return 0;
}

int mlf_tracking_create_issue(mlf_ctx *ctx, const Mlflow__Issues__CreateIssue *req,
                              Mlflow__Issues__CreateIssue__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    mlf_store_kv meta = mlf__kv(pool, (void *const *)req->metadata, req->n_metadata);
    /* the handler's schema (last_seen_timestamp, metadata), its status/severity check, then the store's */
    int rc = mlf__check_seen(pool, req->has_last_seen_timestamp, req->last_seen_timestamp, err);
    if (rc == 0)
        rc = mlf__check_metadata(pool, &meta, err);
    if (rc == 0)
        rc = mlf__check_enums(pool, req->status, req->severity, err);
    if (rc == 0)
        rc = mlf__check_name(pool, mlf__str(req->name), err);
    if (rc == 0)
        rc = mlf__check_issue_id(pool, req->issue_id, err);
    const char *created_by = req->created_by != NULL && req->created_by[0] != '\0' ? req->created_by : NULL;
    if (rc == 0)
        rc = mlf__check_actor(pool, "created_by", created_by, err);
    if (rc == 0)
        rc = mlf__check_list(pool, "categories", req->categories, req->n_categories, err);
    if (rc < 0)
        return rc;
    mlf_store_issue_new in = {
        .issue_id = req->issue_id,
        .experiment_id = mlf__str(req->experiment_id),
        .name = mlf__str(req->name),
        .description = mlf__str(req->description),
        .status = req->status,
        .severity = req->severity,
        .source_run_id = req->source_run_id != NULL && req->source_run_id[0] != '\0' ? req->source_run_id : NULL,
        .created_by = created_by,
        .categories = req->categories,
        .n_categories = req->n_categories,
        .has_last_seen = req->has_last_seen_timestamp,
        .last_seen_timestamp = req->last_seen_timestamp,
        .metadata = meta,
    };
/* root_causes is deprecated in the proto, still stored as MLflow stores it */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    in.root_causes = req->root_causes;
    in.n_root_causes = req->n_root_causes;
#pragma GCC diagnostic pop
    return mlf_store_create_issue(ctx->svc->store, pool, &in, &resp->issue, err);
}

int mlf_tracking_get_issue(mlf_ctx *ctx, const Mlflow__Issues__GetIssue *req, Mlflow__Issues__GetIssue__Response *resp,
                           mlf_error *err)
{
    return mlf_store_get_issue(ctx->svc->store, ctx->pool, mlf__str(req->issue_id), &resp->issue, err);
}

int mlf_tracking_update_issue(mlf_ctx *ctx, const Mlflow__Issues__UpdateIssue *req,
                              Mlflow__Issues__UpdateIssue__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    mlf_store_kv meta = mlf__kv(pool, (void *const *)req->metadata, req->n_metadata);
    int rc = mlf__check_seen(pool, req->has_last_seen_timestamp, req->last_seen_timestamp, err);
    if (rc == 0)
        rc = mlf__check_metadata(pool, &meta, err);
    if (rc == 0)
        rc = mlf__check_enums(pool, req->status, req->severity, err);
    /* categories: the request's key not null (HTTP); outside it, any given */
    bool set_categories;
    if (ctx->raw != NULL) {
        const mlf_json *v = ctx->raw->type == MLF_JSON_OBJECT ? mlf_json_get(ctx->raw, "categories") : NULL;
        set_categories = v != NULL && v->type != MLF_JSON_NULL;
    } else {
        set_categories = req->n_categories > 0;
    }
    const char *actor = req->last_updated_by != NULL && req->last_updated_by[0] != '\0' ? req->last_updated_by : NULL;
    /* update_issue's validate_issue_fields */
    if (rc == 0 && req->name != NULL)
        rc = mlf__check_name(pool, req->name, err);
    if (rc == 0)
        rc = mlf__check_actor(pool, "last_updated_by", actor, err);
    if (rc == 0 && set_categories)
        rc = mlf__check_list(pool, "categories", req->categories, req->n_categories, err);
    if (rc == 0)
        rc = mlf__check_list(pool, "delete_metadata_keys", req->delete_metadata_keys, req->n_delete_metadata_keys,
                             err);
    for (size_t i = 0; rc == 0 && i < meta.n; i++)
        for (size_t j = 0; j < req->n_delete_metadata_keys; j++)
            if (strcmp(meta.keys[i], req->delete_metadata_keys[j]) == 0) {
                rc = mlf__invalid(pool, err, "Cannot update and delete the same key");
                break;
            }
    if (rc < 0)
        return rc;
    mlf_store_issue_update in = {
        .issue_id = mlf__str(req->issue_id),
        .status = req->status,
        .name = req->name,
        .description = req->description,
        .severity = req->severity,
        .last_updated_by = actor,
        .set_categories = set_categories,
        .categories = req->categories,
        .n_categories = req->n_categories,
        .has_last_seen = req->has_last_seen_timestamp,
        .last_seen_timestamp = req->last_seen_timestamp,
        .has_metadata = meta.n > 0,
        .metadata = meta,
        .delete_keys = req->delete_metadata_keys,
        .n_delete_keys = req->n_delete_metadata_keys,
    };
    return mlf_store_update_issue(ctx->svc->store, pool, &in, &resp->issue, err);
}

/* ---- searchIssues ---- */

static int mlf__cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* json.dumps of sorted(set(values)) into b */
static void mlf__sorted_set(mlf_pool *pool, mlf_buf *b, char *const *values, size_t n)
{
    char **v = MLF_NEW_ARRAY(pool, char *, n + 1);
    if (n > 0) {
        memcpy(v, values, n * sizeof(*v));
        qsort(v, n, sizeof(*v), mlf__cmp_str);
    }
    mlf_buf_putc(b, '[');
    for (size_t i = 0, k = 0; i < n; i++) {
        if (i > 0 && strcmp(v[i], v[i - 1]) == 0)
            continue;
        if (k++ > 0)
            mlf_buf_puts(b, ", ");
        mlf_json_write_string_ascii(b, v[i], strlen(v[i]));
    }
    mlf_buf_putc(b, ']');
}

static void mlf__opt_str(mlf_buf *b, const char *s)
{
    if (s == NULL)
        mlf_buf_puts(b, "null");
    else
        mlf_json_write_string_ascii(b, s, strlen(s));
}

/* issue_query_fingerprint: sha256 hex of json.dumps of the query with sorted keys */
static char *mlf__fingerprint(mlf_pool *pool, const char *experiment_id, const char *filter, const char *name,
                              const Mlflow__Issues__SearchIssues *req, char *const *cat_hashes, bool trace_count,
                              bool total_count, const char *view)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 512);
    mlf_buf_puts(&b, "{\"categories\": ");
    mlf__sorted_set(pool, &b, cat_hashes, req->n_categories);
    mlf_buf_puts(&b, ", \"experiment_id\": ");
    mlf__opt_str(&b, experiment_id);
    mlf_buf_puts(&b, ", \"filter_string\": ");
    mlf__opt_str(&b, filter);
    mlf_buf_printf(&b, ", \"include_total_count\": %s, \"include_trace_count\": %s, \"name\": ",
                   total_count ? "true" : "false", trace_count ? "true" : "false");
    mlf__opt_str(&b, name);
    mlf_buf_puts(&b, ", \"order_by\": [");
    for (size_t i = 0; i < req->n_order_by; i++) {
        if (i > 0)
            mlf_buf_puts(&b, ", ");
        mlf_json_write_string_ascii(&b, req->order_by[i], strlen(req->order_by[i]));
    }
    mlf_buf_puts(&b, "], \"severities\": ");
    mlf__sorted_set(pool, &b, req->severities, req->n_severities);
    mlf_buf_puts(&b, ", \"statuses\": ");
    mlf__sorted_set(pool, &b, req->statuses, req->n_statuses);
    mlf_buf_puts(&b, ", \"view\": ");
    mlf__opt_str(&b, view);
    mlf_buf_puts(&b, ", \"workspace\": null}");
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)b.data, strlen(b.data), md);
    char *hex = mlf_pool_alloc(pool, 2 * SHA256_DIGEST_LENGTH + 1);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return hex;
}

/* A JSON integer in int64 (Python's type(v) is int within range), into *ret. */
static bool mlf__json_int(const mlf_json *v, int64_t *ret)
{
    if (v == NULL || v->type != MLF_JSON_NUMBER || !mlf_json_is_int(v))
        return false;
    return mlf_pystr_parse_int(v->text, ret) == 0;
}

/* issue_page_position: 0 with *offset or *after (keyset values), or the invalid-token error. */
static int mlf__position(mlf_pool *pool, const char *token, const char *fp, bool allow_legacy, int64_t *offset,
                         const mlf_json **after, mlf_error *err)
{
    *offset = 0;
    *after = NULL;
    if (token == NULL || token[0] == '\0')
        return 0;
    size_t len = strlen(token);
    bool ok = len % 4 == 0;
    for (size_t i = 0; i < len && ok; i++) { /* b64decode(validate=True) */
        char ch = token[i];
        ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '+' ||
             ch == '/' || (ch == '=' && i >= len - 2 && (i == len - 1 || token[len - 1] == '='));
    }
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    mlf_json *data = NULL;
    mlf_error perr = {0};
    ok = ok && mlf_text_b64_decode(pool, token, len, 0, &raw, &raw_len) == 0 &&
         mlf_json_parse_ex(pool, (const char *)raw, raw_len, MLF_JSON_LOADS, &data, &perr) == 0 &&
         data->type == MLF_JSON_OBJECT;
    if (ok) {
        const mlf_json *q = mlf_json_get(data, "query");
        bool matches = q != NULL && q->type == MLF_JSON_STRING && strcmp(q->text, fp) == 0;
        ok = matches || (allow_legacy && q == NULL);
        const mlf_json *version = ok ? mlf_json_get(data, "version") : NULL;
        if (ok && version != NULL) {
            const mlf_json *values = mlf_json_get(data, "after");
            int64_t ver;
            ok = mlf__json_int(version, &ver) && ver == 2 && matches && values != NULL &&
                 values->type == MLF_JSON_ARRAY && values->n >= 2 && values->n <= 101;
            for (size_t i = 0; ok && i < values->n; i++) {
                const mlf_json *v = values->items[i];
                int64_t iv;
                ok = mlf__json_int(v, &iv) || (v->type == MLF_JSON_STRING && mlf_pystr_len(v->text) <= 250);
            }
            if (ok) {
                *after = values;
                return 0;
            }
        } else if (ok) {
            ok = mlf__json_int(mlf_json_get(data, "offset"), offset) && *offset >= 0;
        }
    }
    if (!ok)
        return mlf__invalid(pool, err, "Invalid page token or token does not match the issue query");
    return 0;
}

/* base64 of a token's JSON text */
static char *mlf__token(mlf_pool *pool, const char *json)
{
    return mlf_text_b64_encode(pool, json, strlen(json));
}

static const struct {
    const char *key, *expr;
    bool text;
} mlf__sortable[] = {
    {"name", "LOWER(i.name)", true},
    {"status", "(CASE i.status WHEN 'pending' THEN 0 WHEN 'rejected' THEN 1 WHEN 'resolved' THEN 2 ELSE 3 END)",
     false},
    {"severity",
     "(CASE i.severity WHEN 'not_an_issue' THEN 0 WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 "
     "ELSE -1 END)",
     false},
    {"created_timestamp", "i.created_timestamp", false},
    {"last_updated_timestamp", "i.last_updated_timestamp", false},
    {"last_seen_timestamp", "COALESCE(i.last_seen_timestamp, i.created_timestamp)", false},
};

/* order_by: each "<field> [ASC|DESC]" (split on whitespace), then the issue id descending. */
static int mlf__order(mlf_pool *pool, char *const *order_by, size_t n, mlf_store_issue_order **ret, mlf_error *err)
{
    mlf_store_issue_order *o = MLF_NEW_ARRAY(pool, mlf_store_issue_order, n + 1);
    for (size_t i = 0; i < n; i++) {
        char *s = mlf_pool_strdup(pool, order_by[i]);
        char *parts[3] = {NULL};
        int np = 0;
        for (char *tok = strtok(s, " \t\n\r\f\v"); tok != NULL; tok = strtok(NULL, " \t\n\r\f\v"))
            parts[np < 3 ? np : 2] = tok, np++;
        size_t k = 0;
        while (np >= 1 && k < sizeof(mlf__sortable) / sizeof(mlf__sortable[0]) &&
               strcmp(mlf__sortable[k].key, parts[0]) != 0)
            k++;
        bool desc = false;
        bool ok = np >= 1 && np <= 2 && k < sizeof(mlf__sortable) / sizeof(mlf__sortable[0]);
        if (ok && np == 2) {
            desc = strcasecmp(parts[1], "DESC") == 0;
            ok = desc || strcasecmp(parts[1], "ASC") == 0;
        }
        if (!ok)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid issue order_by: %s",
                                 mlf_pystr_repr(pool, order_by[i]));
        o[i] = (mlf_store_issue_order){mlf__sortable[k].expr, desc, mlf__sortable[k].text};
    }
    o[n] = (mlf_store_issue_order){"i.issue_id", true, true};
    *ret = o;
    return 0;
}

/* SearchIssuesUtils.parse_search_filter: status / source_run_id with = or != a string, joined by AND. */
static int mlf__filter(mlf_pool *pool, const char *filter, mlf_store_filter_cond **ret, size_t *ret_n,
                       mlf_error *err)
{
    mlf_search_simple *cmps;
    size_t n;
    if (mlf_search_parse_simple(pool, filter, &cmps, &n) < 0)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid filter string: %s", filter);
    mlf_store_filter_cond *conds = MLF_NEW_ARRAY(pool, mlf_store_filter_cond, n + 1);
    for (size_t i = 0; i < n; i++) {
        const mlf_search_simple *s = &cmps[i];
        const char *key = s->entity != NULL ? mlf_pool_sprintf(pool, "%s.%s", s->entity, s->key) : s->key;
        if (strcmp(key, "status") != 0 && strcmp(key, "source_run_id") != 0)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Invalid filter field '%s'. Supported fields: {'status', 'source_run_id'}", key);
        if (strcmp(s->op, "=") != 0 && strcmp(s->op, "!=") != 0)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Invalid comparator '%s'. Supported comparators: {'=', '!='}", s->op);
        conds[i] = (mlf_store_filter_cond){.column = strcmp(key, "status") == 0 ? "i.status" : "i.source_run_id",
                                           .op = s->op,
                                           .str = mlf_pystr_strip(pool, s->value)};
    }
    *ret = conds;
    *ret_n = n;
    return 0;
}

static int mlf__check_strings(mlf_pool *pool, const char *field, size_t n, mlf_error *err)
{
    if (n > 100)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "%s must be a list of at most 100 strings",
                             field);
    return 0;
}

int mlf_tracking_search_issues(mlf_ctx *ctx, const Mlflow__Issues__SearchIssues *req,
                               Mlflow__Issues__SearchIssues__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    const char *experiment_id = req->experiment_id != NULL && req->experiment_id[0] != '\0' ? req->experiment_id
                                                                                             : NULL;
    const char *filter = req->filter_string != NULL && req->filter_string[0] != '\0' ? req->filter_string : NULL;
    const char *token = req->page_token != NULL && req->page_token[0] != '\0' ? req->page_token : NULL;
    bool trace_count = req->has_include_trace_count && req->include_trace_count;
    bool total_count = req->has_include_total_count && req->include_total_count;
    if (req->has_max_results && req->max_results < 1)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid value %d for parameter 'max_results' supplied. It must be a positive integer",
                             req->max_results);
    if (req->has_max_results && req->max_results > 50000)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid value %d for parameter 'max_results' supplied. It must be at most 50000",
                             req->max_results);
    if (req->name != NULL && mlf_pystr_len(req->name) > 250)
        return mlf__invalid(pool, err, "name must be a string of at most 250 characters");
    int rc = mlf__check_strings(pool, "statuses", req->n_statuses, err);
    if (rc == 0)
        rc = mlf__check_strings(pool, "severities", req->n_severities, err);
    if (rc == 0)
        rc = mlf__check_strings(pool, "order_by", req->n_order_by, err);
    if (rc == 0)
        rc = mlf__check_list(pool, "categories", req->categories, req->n_categories, err);
    for (size_t i = 0; rc == 0 && i < req->n_statuses; i++)
        rc = mlf__check_enums(pool, req->statuses[i], NULL, err);
    for (size_t i = 0; rc == 0 && i < req->n_severities; i++)
        rc = mlf__check_enums(pool, NULL, req->severities[i], err);
    if (rc == 0 && req->view != NULL && strcmp(req->view, "basic") != 0 && strcmp(req->view, "full") != 0)
        rc = mlf__invalid(pool, err, "view must be basic or full");
    if (rc < 0)
        return rc;
    bool enhanced = req->name != NULL || req->n_statuses > 0 || req->n_severities > 0 || req->n_categories > 0 ||
                    req->n_order_by > 0 || req->view != NULL || total_count;
    char **hashes = MLF_NEW_ARRAY(pool, char *, req->n_categories + 1);
    for (size_t i = 0; i < req->n_categories; i++)
        hashes[i] = mlf_store_issue_category_hash(pool, req->categories[i]);
    const char *fp =
        mlf__fingerprint(pool, experiment_id, filter, req->name, req, hashes, trace_count, total_count, req->view);
    mlf_store_issue_query q = {
        .experiment_id = experiment_id,
        .name = req->name,
        .statuses = req->statuses,
        .n_statuses = req->n_statuses,
        .severities = req->severities,
        .n_severities = req->n_severities,
        .category_hashes = hashes,
        .n_category_hashes = req->n_categories,
        .max_results = req->has_max_results ? req->max_results : 100,
        .trace_count = trace_count,
        .total_count = total_count,
        .basic = req->view != NULL && strcmp(req->view, "basic") == 0,
    };
    rc = mlf__position(pool, token, fp, !enhanced, &q.offset, &q.after, err);
    if (rc < 0)
        return rc;
    mlf_store_filter_cond *conds = NULL;
    if (filter != NULL) {
        rc = mlf__filter(pool, filter, &conds, &q.n_conds, err);
        if (rc < 0)
            return rc;
        q.conds = conds;
    }
    mlf_store_issue_order *order = NULL;
    if (req->n_order_by > 0) {
        rc = mlf__order(pool, req->order_by, req->n_order_by, &order, err);
        if (rc < 0)
            return rc;
        q.order = order;
        q.n_order = req->n_order_by + 1;
    }
    if (q.after != NULL) { /* the cursor's values must fit the sort keys' types */
        bool ok = q.n_order > 0 && q.after->n == q.n_order;
        for (size_t k = 0; ok && k < q.n_order; k++) {
            int64_t iv;
            ok = order[k].text ? q.after->items[k]->type == MLF_JSON_STRING : mlf__json_int(q.after->items[k], &iv);
        }
        if (!ok)
            return mlf__invalid(pool, err, "Invalid issue page token");
    }
    mlf_store_issue_page page;
    rc = mlf_store_search_issues(ctx->svc->store, pool, &q, &page, err);
    if (rc < 0)
        return rc;
    resp->issues = page.issues;
    resp->n_issues = page.n;
    if (total_count) {
        resp->has_total_count = 1;
        resp->total_count = page.total_count;
    }
    const char *next = NULL;
    if (page.more) {
        mlf_buf b;
        mlf_buf_init(&b, pool, 256);
        if (q.n_order > 0 && page.last_keys != NULL) {
            mlf_buf_puts(&b, "{\"version\": 2, \"after\": [");
            for (size_t k = 0; k < page.last_keys->n; k++) {
                const mlf_json *v = page.last_keys->items[k];
                if (k > 0)
                    mlf_buf_puts(&b, ", ");
                if (v->type == MLF_JSON_STRING)
                    mlf_json_write_string_ascii(&b, v->text, v->len);
                else
                    mlf_buf_puts(&b, v->text);
            }
            mlf_buf_printf(&b, "], \"query\": \"%s\"}", fp);
        } else if (enhanced) {
            mlf_buf_printf(&b, "{\"offset\": %" PRId64 ", \"query\": \"%s\"}", q.offset + q.max_results, fp);
        } else {
            mlf_buf_printf(&b, "{\"offset\": %" PRId64 "}", q.offset + q.max_results);
        }
        next = mlf__token(pool, b.data);
    }
    resp->next_page_token = (char *)(next != NULL ? next : "");
    return 0;
}
