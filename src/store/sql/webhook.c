/*
 * Webhooks on both backends, mirroring the model registry's SqlAlchemyStore
 * webhook methods (create/get/list/list_by_event/update/delete_webhook) and
 * SqlWebhook.to_mlflow_entity().to_proto(): same rows, same errors. The
 * name, URL and event checks and the secret's encryption are the caller's
 * (service/registry/webhook.c); the secret column is stored as given.
 *
 * Row order where MLflow has none: SQLAlchemy lazy-loads a webhook's events
 * with no ORDER BY. SQLite answers through the (webhook_id, entity, action)
 * primary key index, so events come sorted by entity then action;
 * PostgreSQL scans the heap, in insertion order.
 */
#include <stdlib.h>
#include <string.h>

#include "store/sql/registry.h"
#include "webhook/delivery.h"

static mlf_sql_store *mlf__store(mlf_store *store)
{
    return (mlf_sql_store *)store;
}

#define MLF__WH_COLUMNS                                                                                                \
    "webhook_id, name, description, url, status, secret, creation_timestamp, last_updated_timestamp"

static Mlflow__Webhook *mlf__from_row(mlf_pool *pool, mlf_sql_stmt *st, const char **secret)
{
    Mlflow__Webhook *w = MLF_NEW(pool, Mlflow__Webhook);
    mlflow__webhook__init(w);
    w->webhook_id = mlf_sql_column_text_dup(pool, st, 0);
    w->name = mlf_sql_column_text_dup(pool, st, 1);
    char *desc = mlf_sql_column_text_dup(pool, st, 2);
    w->description = desc != NULL && desc[0] != '\0' ? desc : NULL; /* to_proto: only a truthy description */
    w->url = mlf_sql_column_text_dup(pool, st, 3);
    const char *status = (const char *)mlf_sql_column_text(st, 4);
    w->has_status = 1;
    w->status = strcmp(status, "DISABLED") == 0 ? MLFLOW__WEBHOOK_STATUS__DISABLED : MLFLOW__WEBHOOK_STATUS__ACTIVE;
    *secret = mlf_sql_column_text_dup(pool, st, 5);
    w->has_creation_timestamp = 1;
    w->creation_timestamp = mlf_sql_column_int64(st, 6);
    w->has_last_updated_timestamp = 1;
    w->last_updated_timestamp = mlf_sql_column_int64(st, 7);
    return w;
}

static int mlf__load_events(mlf_sql_conn *c, mlf_pool *pool, Mlflow__Webhook *w, mlf_error *err)
{
    const char *sql = mlf_sql_dialect_of(c) == MLF_SQL_SQLITE
                          ? "SELECT entity, action FROM webhook_events WHERE webhook_id = ? ORDER BY entity, action"
                          : "SELECT entity, action FROM webhook_events WHERE webhook_id = ?";
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql, &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, w->webhook_id);
    size_t cap = 0;
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        Mlflow__WebhookEvent *e = MLF_NEW(pool, Mlflow__WebhookEvent);
        mlflow__webhook_event__init(e);
        e->has_entity = e->has_action = 1;
        e->entity = mlf_webhook_enum_value(pool, &mlflow__webhook_entity__descriptor, (const char *)mlf_sql_column_text(st, 0));
        e->action = mlf_webhook_enum_value(pool, &mlflow__webhook_action__descriptor, (const char *)mlf_sql_column_text(st, 1));
        w->events = mlf_sql_registry_grow(pool, w->events, w->n_events, &cap, sizeof(*w->events));
        w->events[w->n_events++] = e;
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    return 0;
}

/* _get_webhook_by_id */
static int mlf__fetch(mlf_sql_conn *c, mlf_pool *pool, const char *id, Mlflow__Webhook **ret, const char **secret,
                      mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT " MLF__WH_COLUMNS " FROM webhooks WHERE workspace = " MLF_SQL_WS
                             " AND webhook_id = ? AND deleted_timestamp IS NULL",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, id);
    rc = mlf_sql_step(st);
    if (rc != MLF_SQL_ROW) {
        if (rc != MLF_SQL_DONE)
            return mlf_sql_error(pool, c, rc, err);
        mlf_sql_reset(st);
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Webhook with ID %s not found.", id);
    }
    const char *sec;
    Mlflow__Webhook *w = mlf__from_row(pool, st, &sec);
    mlf_sql_reset(st);
    if (secret != NULL)
        *secret = sec;
    *ret = w;
    return mlf__load_events(c, pool, w, err);
}

static int mlf__insert_events(mlf_sql_conn *c, mlf_pool *pool, const char *id, const mlf_store_webhook_fields *f,
                              mlf_error *err)
{
    for (size_t i = 0; i < f->n_events; i++) {
        mlf_sql_stmt *st;
        int rc = mlf_sql_prepare(c, pool, "INSERT INTO webhook_events (webhook_id, entity, action) VALUES (?, ?, ?)",
                                 &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_text(st, 1, id);
        mlf_sql_bind_text(st, 2, mlf_webhook_enum_text(pool, &mlflow__webhook_entity__descriptor, f->events[i]->entity));
        mlf_sql_bind_text(st, 3, mlf_webhook_enum_text(pool, &mlflow__webhook_action__descriptor, f->events[i]->action));
        rc = mlf__sql_step_done(c, pool, st, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

typedef struct {
    const char *id;
    const mlf_store_webhook_fields *f;
    Mlflow__Webhook *ret;
} mlf__write_args;

static int mlf__create_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__write_args *a = arg;
    const mlf_store_webhook_fields *f = a->f;
    int64_t now = mlf_sql_now_ms();
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "INSERT INTO webhooks (webhook_id, name, description, url, status, secret, "
                             "creation_timestamp, last_updated_timestamp, deleted_timestamp, workspace) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, " MLF_SQL_WS ")",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, a->id);
    mlf_sql_bind_text(st, 2, f->name);
    mlf_sql_bind_text(st, 3, f->description);
    mlf_sql_bind_text(st, 4, f->url);
    mlf_sql_bind_text(st, 5, f->status != NULL ? f->status : "ACTIVE");
    mlf_sql_bind_text(st, 6, f->secret);
    mlf_sql_bind_int64(st, 7, now);
    mlf_sql_bind_int64(st, 8, now);
    rc = mlf__sql_step_done(c, pool, st, err);
    if (rc == 0)
        rc = mlf__insert_events(c, pool, a->id, f, err);
    if (rc == 0)
        rc = mlf__fetch(c, pool, a->id, &a->ret, NULL, err);
    return rc;
}

int mlf_store_create_webhook(mlf_store *store, mlf_pool *pool, const mlf_store_webhook_fields *f,
                             Mlflow__Webhook **ret, mlf_error *err)
{
    /* str(uuid.uuid4()): the 32 hex digits in 8-4-4-4-12 groups */
    const char *h = mlf__sql_uuid4_hex(pool);
    const char *id = mlf_pool_sprintf(pool, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
    mlf__write_args a = {id, f, NULL};
    int rc = mlf_sql_in_write(mlf__store(store), pool, mlf__create_tx, &a, err);
    if (rc == 0)
        *ret = a.ret;
    return rc;
}

typedef struct {
    const char *id;
    Mlflow__Webhook *ret;
    const char *secret;
} mlf__get_args;

static int mlf__get_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__get_args *a = arg;
    return mlf__fetch(c, pool, a->id, &a->ret, &a->secret, err);
}

int mlf_store_get_webhook(mlf_store *store, mlf_pool *pool, const char *webhook_id, Mlflow__Webhook **ret,
                          const char **ret_secret, mlf_error *err)
{
    mlf__get_args a = {webhook_id, NULL, NULL};
    int rc = mlf_sql_in_read(mlf__store(store), pool, mlf__get_tx, &a, err);
    if (rc < 0)
        return rc;
    *ret = a.ret;
    if (ret_secret != NULL)
        *ret_secret = a.secret;
    return 0;
}

typedef struct {
    const Mlflow__WebhookEvent *event;
    int64_t limit, offset;
    Mlflow__Webhook **ret;
    const char **secrets;
    size_t n;
} mlf__list_args;

static int mlf__list_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__list_args *a = arg;
    const char *sql =
        a->event == NULL
            ? "SELECT " MLF__WH_COLUMNS " FROM webhooks WHERE workspace = " MLF_SQL_WS
              " AND deleted_timestamp IS NULL ORDER BY creation_timestamp DESC LIMIT ? OFFSET ?"
            : "SELECT " MLF__WH_COLUMNS " FROM webhooks WHERE workspace = " MLF_SQL_WS
              " AND deleted_timestamp IS NULL AND EXISTS (SELECT 1 FROM webhook_events e WHERE e.webhook_id = "
              "webhooks.webhook_id AND e.entity = ? AND e.action = ?) ORDER BY creation_timestamp DESC LIMIT ? OFFSET ?";
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql, &st, err);
    if (rc < 0)
        return rc;
    int p = 1;
    if (a->event != NULL) {
        mlf_sql_bind_text(st, p++, mlf_webhook_enum_text(pool, &mlflow__webhook_entity__descriptor, a->event->entity));
        mlf_sql_bind_text(st, p++, mlf_webhook_enum_text(pool, &mlflow__webhook_action__descriptor, a->event->action));
    }
    mlf_sql_bind_int64(st, p++, a->limit);
    mlf_sql_bind_int64(st, p++, a->offset);
    size_t cap = 0, scap = 0;
    a->n = 0;
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        const char *secret;
        Mlflow__Webhook *w = mlf__from_row(pool, st, &secret);
        a->ret = mlf_sql_registry_grow(pool, a->ret, a->n, &cap, sizeof(*a->ret));
        a->secrets = mlf_sql_registry_grow(pool, a->secrets, a->n, &scap, sizeof(*a->secrets));
        a->secrets[a->n] = secret;
        a->ret[a->n++] = w;
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    for (size_t i = 0; i < a->n; i++) {
        rc = mlf__load_events(c, pool, a->ret[i], err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int mlf_store_list_webhooks(mlf_store *store, mlf_pool *pool, const Mlflow__WebhookEvent *event, int64_t limit,
                            int64_t offset, Mlflow__Webhook ***ret, const char ***ret_secrets, size_t *ret_n,
                            mlf_error *err)
{
    mlf__list_args a = {event, limit, offset, NULL, NULL, 0};
    int rc = mlf_sql_in_read(mlf__store(store), pool, mlf__list_tx, &a, err);
    if (rc < 0)
        return rc;
    *ret = a.ret;
    if (ret_secrets != NULL)
        *ret_secrets = a.secrets;
    *ret_n = a.n;
    return 0;
}

static int mlf__update_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__write_args *a = arg;
    const mlf_store_webhook_fields *f = a->f;
    Mlflow__Webhook *w;
    int rc = mlf__fetch(c, pool, a->id, &w, NULL, err);
    if (rc < 0)
        return rc;
    if (f->set_events) {
        mlf_sql_stmt *st;
        rc = mlf_sql_prepare(c, pool, "DELETE FROM webhook_events WHERE webhook_id = ?", &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_text(st, 1, a->id);
        rc = mlf__sql_step_done(c, pool, st, err);
        if (rc == 0)
            rc = mlf__insert_events(c, pool, a->id, f, err);
        if (rc < 0)
            return rc;
    }
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool,
                         "UPDATE webhooks SET name = COALESCE(?, name), url = COALESCE(?, url), "
                         "description = COALESCE(?, description), secret = COALESCE(?, secret), "
                         "status = COALESCE(?, status), last_updated_timestamp = ? "
                         "WHERE workspace = " MLF_SQL_WS " AND webhook_id = ?",
                         &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, f->name);
    mlf_sql_bind_text(st, 2, f->url);
    mlf_sql_bind_text(st, 3, f->description);
    mlf_sql_bind_text(st, 4, f->secret);
    mlf_sql_bind_text(st, 5, f->status);
    mlf_sql_bind_int64(st, 6, mlf_sql_now_ms());
    mlf_sql_bind_text(st, 7, a->id);
    rc = mlf__sql_step_done(c, pool, st, err);
    if (rc == 0)
        rc = mlf__fetch(c, pool, a->id, &a->ret, NULL, err);
    return rc;
}

int mlf_store_update_webhook(mlf_store *store, mlf_pool *pool, const char *webhook_id,
                             const mlf_store_webhook_fields *f, Mlflow__Webhook **ret, mlf_error *err)
{
    mlf__write_args a = {webhook_id, f, NULL};
    int rc = mlf_sql_in_write(mlf__store(store), pool, mlf__update_tx, &a, err);
    if (rc == 0)
        *ret = a.ret;
    return rc;
}

static int mlf__delete_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const char *id = arg;
    Mlflow__Webhook *w;
    int rc = mlf__fetch(c, pool, id, &w, NULL, err);
    if (rc < 0)
        return rc;
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool,
                         "UPDATE webhooks SET deleted_timestamp = ?1, last_updated_timestamp = ?1 "
                         "WHERE workspace = " MLF_SQL_WS " AND webhook_id = ?2",
                         &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_int64(st, 1, mlf_sql_now_ms());
    mlf_sql_bind_text(st, 2, id);
    return mlf__sql_step_done(c, pool, st, err);
}

int mlf_store_delete_webhook(mlf_store *store, mlf_pool *pool, const char *webhook_id, mlf_error *err)
{
    return mlf_sql_in_write(mlf__store(store), pool, mlf__delete_tx, (void *)webhook_id, err);
}
