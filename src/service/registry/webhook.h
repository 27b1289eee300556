/*
 * The registry events MLflow 3.18's handlers pass to deliver_webhook, with
 * their payloads built from the request as the handlers build them. Each
 * call queues the event on the service's delivery threads (a no-op without
 * them: the FFI); call only after the write committed.
 */
#ifndef MLF_SERVICE_REGISTRY_WEBHOOK_H
#define MLF_SERVICE_REGISTRY_WEBHOOK_H

#include <stdbool.h>

#include "generated/service_api.h"

/** _create_registered_model: prompt.created (tags without the prompt markers) or registered_model.created. */
void mlf_webhooks_emit_registered_model_created(mlf_ctx *ctx, const Mlflow__CreateRegisteredModel *req);

/**
 * _create_model_version: prompt_version.created (template from the prompt
 * text tag) when is_prompt, else model_version.created with the resolved
 * source and run_id (NULL or "": null).
 */
void mlf_webhooks_emit_model_version_created(mlf_ctx *ctx, const Mlflow__CreateModelVersion *req, bool is_prompt,
                                             const char *version, const char *source, const char *run_id);

/**
 * The tag and alias events: data is {k[0]: v[0], ...} (strings, in order);
 * the event is prompt_entity's when the model `name` is a prompt, else
 * entity's (NULL: no event).
 */
void mlf_webhooks_emit_fields(mlf_ctx *ctx, const char *entity, const char *prompt_entity, const char *name,
                              const char *action, const char *const *keys, const char *const *values, int n);

#endif
