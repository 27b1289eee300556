/*
 * Webhook delivery as MLflow 3.18's mlflow/webhooks/delivery.py does it:
 * the payload envelope, the X-MLflow-* headers and signature, the request
 * timeout and the retries with exponential back-off, the URL checks
 * (_validate_webhook_url, and the SSRF check of the connected peer), and a
 * pool of delivery threads so that a registry write never waits for a
 * receiver. The pool belongs to the server's service instance (no globals).
 */
#ifndef MLF_WEBHOOK_DELIVERY_H
#define MLF_WEBHOOK_DELIVERY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/pool.h"
#include "webhooks.pb-c.h"
#include "webhook/crypto.h"

struct mlf_store;

/** The environment MLflow reads for webhooks, read once when the instance starts. */
typedef struct mlf_webhook_settings {
    mlf_fernet_key key;     /** MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY, or a random key when unset (as MLflow) */
    long timeout_s;         /** MLFLOW_WEBHOOK_REQUEST_TIMEOUT (30) */
    int max_retries;        /** MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES (3) */
    int workers;            /** MLFLOW_WEBHOOK_DELIVERY_MAX_WORKERS (10) */
    long cache_ttl_s;       /** MLFLOW_WEBHOOK_CACHE_TTL (60): how long an event's webhook list is reused */
    bool allow_private_ips; /** MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS (false) */
    char schemes[256];      /** MLFLOW_WEBHOOK_ALLOWED_SCHEMES, split on ',' and stripped ("https") */
} mlf_webhook_settings;

/**
 * Reads the settings from the environment. Returns 0, or -1 with MLflow's
 * message in *ret_message (static text) when the encryption key is no Fernet key.
 */
int mlf_webhook_settings_from_env(mlf_webhook_settings *ret, const char **ret_message);

/**
 * _validate_webhook_url: a string with an allowed scheme and a hostname that
 * (unless private IPs are allowed) resolves to public addresses only.
 * INVALID_PARAMETER_VALUE with MLflow's messages otherwise.
 */
int mlf_webhook_validate_url(mlf_pool *pool, const mlf_webhook_settings *s, const char *url, mlf_error *err);

/** One delivery's outcome: the last response's status and body, or why there was none. */
typedef struct mlf_webhook_result {
    int status;        /** 0: no response */
    const char *body;  /** the response's text ("" when empty) */
    const char *error; /** the failure, repr()-like as MLflow logs it, when status is 0 */
    int attempts;      /** requests made */
} mlf_webhook_result;

/**
 * _send_webhook_request: checks url, POSTs {"entity", "action", "timestamp",
 * "data": data_json} (json.dumps' spacing) with Content-Type,
 * X-MLflow-Delivery-Id, X-MLflow-Timestamp and, with a secret (plaintext;
 * NULL or "": none), X-MLflow-Signature; retries 429/500/502/503/504 and
 * connection errors max_retries times with urllib3's back-off. Blocks; the
 * result's strings come from pool. stop, when not NULL and set, cuts a wait short.
 */
void mlf_webhook_send(mlf_pool *pool, const mlf_webhook_settings *s, const char *url, const char *secret,
                      const char *entity, const char *action, const char *data_json, const int *stop,
                      mlf_webhook_result *ret);

/** get_example_payload_for_event: the test payload's data for an event, as JSON text (static). */
const char *mlf_webhook_example_data(const char *entity, const char *action);

/**
 * WebhookEntity / WebhookAction as stored and sent: the proto enum's name lower-cased
 * ("MODEL_VERSION" -> "model_version"), from pool; NULL for a number the enum lacks.
 */
const char *mlf_webhook_enum_text(mlf_pool *pool, const ProtobufCEnumDescriptor *d, int value);
/** The other way: "model_version" -> MODEL_VERSION's number; 0 when the enum has no such name. */
int mlf_webhook_enum_value(mlf_pool *pool, const ProtobufCEnumDescriptor *d, const char *text);

/** Appends `"key": ` (json.dumps, ensure_ascii), after ", " unless first. */
void mlf_webhook_json_key(mlf_buf *buf, const char *key, bool first);
/** Appends a JSON string (ensure_ascii) or null for NULL. */
void mlf_webhook_json_str(mlf_buf *buf, const char *value);

typedef struct mlf_webhook_delivery mlf_webhook_delivery;

/**
 * Starts settings->workers delivery threads reading webhooks from store
 * (which must outlive the pool). Returns NULL when threads cannot start.
 */
mlf_webhook_delivery *mlf_webhook_delivery_start(struct mlf_store *store, const mlf_webhook_settings *settings);

/**
 * deliver_webhook, queued: after the write committed, each ACTIVE webhook
 * subscribed to the event gets data_json (copied) on a delivery thread.
 * entity and action are WebhookEntity / WebhookAction values
 * ("model_version_tag", "set"). When prompt_entity is not NULL the event is
 * that entity's instead if the registered model `name` is a prompt
 * (_is_prompt, read on the delivery thread); entity NULL: only then.
 * Never blocks on the network; a NULL pool is a no-op (the FFI).
 */
void mlf_webhook_delivery_emit(mlf_webhook_delivery *d, const char *entity, const char *prompt_entity,
                               const char *name, const char *action, const char *data_json);

/**
 * Forgets the cached webhook lists: the next event reads the store again. The
 * service calls it after each committed webhook write of this server (other
 * writers, e.g. another server on the database, are seen within the TTL, as in
 * MLflow). NULL: no-op.
 */
void mlf_webhook_delivery_invalidate(mlf_webhook_delivery *d);

/**
 * Stops the threads: requests under way are cut short, queued deliveries are
 * dropped (as MLflow's in-process executor loses them on exit). NULL: no-op.
 */
void mlf_webhook_delivery_stop(mlf_webhook_delivery *d);

#endif
