/*
 * Spans (MLflow 3.18): an OTLP span becomes the span MLflow stores (Span.from_otel_proto, then the OTLP
 * route's strip_otlp_double_encoding and root-span edits, then translate_span_when_storing's dict), and a
 * stored span's content becomes the OTLP span getTrace answers (Span.from_dict(...).to_otel_proto()).
 * getTrace and batchGetTraces (handlers._get_trace, _batch_get_traces) are here too.
 *
 * Not ported from translate_span_when_storing: the translators with code of their own (see mlf__translators)
 * and the cost MLflow prices from its bundled model catalog (a span with usage and a model but no
 * mlflow.llm.cost gets none here).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "generated/service_api.h"
#include "json/json.h"
#include "json/pbjson.h"
#include "service/tracking/span.h"
#include "service/validate.h"
#include "store/pystr.h"

#define MLF__REQUEST_ID "mlflow.traceRequestId"
#define MLF__TAG_PREFIX "mlflow.traceTag."
#define MLF__TRACE_NAME "mlflow.traceName"

typedef Opentelemetry__Proto__Common__V1__AnyValue mlf__any;
typedef Opentelemetry__Proto__Common__V1__KeyValue mlf__kv;
typedef Opentelemetry__Proto__Trace__V1__Span mlf__otel_span;

/* _KNOWN_SERVICE_NAMES: the OTel clients whose service.name goes onto root spans */
static const char *const mlf__known_services[] = {"claude-code", "codex_cli_rs", "codex_vscode", "gemini-cli",
                                                  "qwen-code"};
/* _HANDLER_BLOCKED_TRACE_TAGS: system tags a root span's attributes may not set */
static const char *const mlf__blocked_tags[] = {"mlflow.artifactLocation", "mlflow.trace.spansLocation",
                                                "mlflow.trace.archiveLocation", "mlflow.trace.archivalFailure"};

/* ------------------------------------------------------------ OTLP -> MLflow */

/* The id as int.from_bytes(big) formatted to width bytes of hex ("032x" / "016x"); false when it does not
 * fit width bytes (MLflow fails to encode it). */
static bool mlf__id_hex(mlf_pool *pool, ProtobufCBinaryData b, size_t width, char **ret, bool *zero)
{
    size_t skip = 0;
    while (skip < b.len && b.data[skip] == 0)
        skip++;
    if (b.len - skip > width)
        return false;
    char *s = mlf_pool_alloc(pool, width * 2 + 1);
    size_t pad = width - (b.len - skip);
    memset(s, '0', pad * 2);
    for (size_t i = skip; i < b.len; i++)
        sprintf(s + (pad + i - skip) * 2, "%02x", b.data[i]);
    s[width * 2] = '\0';
    *ret = s;
    if (zero != NULL)
        *zero = skip == b.len;
    return true;
}

/* base64 of the id's bytes at width (_encode_bytes_to_base64 of to_bytes(width)) from its hex */
static void mlf__put_id_b64(mlf_buf *b, const char *hex, size_t width)
{
    unsigned char bytes[16];
    for (size_t i = 0; i < width; i++)
        bytes[i] = (unsigned char)(mlf_text_hex_value(hex[2 * i]) * 16 + mlf_text_hex_value(hex[2 * i + 1]));
    mlf_buf_putc(b, '"');
    mlf_text_b64_put(b, bytes, width);
    mlf_buf_putc(b, '"');
}

static void mlf__put_str(mlf_buf *b, const char *s, bool ascii)
{
    if (ascii)
        mlf_json_write_string_ascii(b, s, strlen(s));
    else
        mlf_json_write_string(b, s, strlen(s));
}

/*
 * json.dumps of _decode_otel_proto_anyvalue(v) with Python's separators (", ", ": "); bytes are str()'d as
 * TraceJSONEncoder does (link attributes take base64 instead: b64_bytes).
 */
static void mlf__dump_any(mlf_pool *pool, mlf_buf *b, const mlf__any *v, bool ascii, bool b64_bytes)
{
    if (v == NULL) {
        mlf_buf_puts(b, "null");
        return;
    }
    switch (v->value_case) {
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
        mlf__put_str(b, v->string_value, ascii);
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
        mlf_buf_puts(b, v->bool_value ? "true" : "false");
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
        mlf_buf_printf(b, "%" PRId64, v->int_value);
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE_STRINDEX:
        mlf_buf_printf(b, "%" PRId32, v->string_value_strindex);
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
        mlf_json_write_double(b, v->double_value);
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE:
        if (b64_bytes) {
            mlf_buf_putc(b, '"');
            mlf_text_b64_put(b, v->bytes_value.data, v->bytes_value.len);
            mlf_buf_putc(b, '"');
        } else {
            mlf__put_str(b, mlf_pystr_repr_bytes(pool, (const char *)v->bytes_value.data, v->bytes_value.len),
                         ascii);
        }
        break;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE: {
        mlf_buf_putc(b, '[');
        const Opentelemetry__Proto__Common__V1__ArrayValue *a = v->array_value;
        for (size_t i = 0; a != NULL && i < a->n_values; i++) {
            if (i > 0)
                mlf_buf_puts(b, ", ");
            mlf__dump_any(pool, b, a->values[i], ascii, b64_bytes);
        }
        mlf_buf_putc(b, ']');
        break;
    }
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE: {
        /* a dict: a repeated key keeps its first place and takes its last value */
        const Opentelemetry__Proto__Common__V1__KeyValueList *l = v->kvlist_value;
        mlf_buf_putc(b, '{');
        size_t k = 0;
        for (size_t i = 0; l != NULL && i < l->n_values; i++) {
            bool earlier = false;
            for (size_t j = 0; j < i && !earlier; j++)
                earlier = strcmp(l->values[j]->key, l->values[i]->key) == 0;
            if (earlier)
                continue;
            const mlf__any *val = l->values[i]->value;
            for (size_t j = i + 1; j < l->n_values; j++)
                if (strcmp(l->values[j]->key, l->values[i]->key) == 0)
                    val = l->values[j]->value;
            if (k++ > 0)
                mlf_buf_puts(b, ", ");
            mlf__put_str(b, l->values[i]->key, ascii);
            mlf_buf_puts(b, ": ");
            mlf__dump_any(pool, b, val, ascii, b64_bytes);
        }
        mlf_buf_putc(b, '}');
        break;
    }
    default:
        mlf_buf_puts(b, "null");
    }
}

static char *mlf__dump(mlf_pool *pool, const mlf__any *v, bool ascii)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 32);
    mlf__dump_any(pool, &b, v, ascii, false);
    return b.data;
}

/* An ordered dict of attribute texts. */
typedef struct {
    mlf_store_span_kv *kv;
    size_t n, cap;
} mlf__attrs;

static void mlf__attrs_set(mlf_pool *pool, mlf__attrs *a, const char *key, const char *value)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->kv[i].key, key) == 0) {
            a->kv[i].value = value;
            return;
        }
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        mlf_store_span_kv *k2 = MLF_NEW_ARRAY(pool, mlf_store_span_kv, cap);
        if (a->n)
            memcpy(k2, a->kv, a->n * sizeof(*k2));
        a->kv = k2;
        a->cap = cap;
    }
    a->kv[a->n].key = key;
    a->kv[a->n++].value = value;
}

static const char *mlf__attrs_get(const mlf__attrs *a, const char *key)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->kv[i].key, key) == 0)
            return a->kv[i].value;
    return NULL;
}

static void mlf__attrs_pop(mlf__attrs *a, const char *key)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->kv[i].key, key) == 0) {
            memmove(&a->kv[i], &a->kv[i + 1], (a->n - i - 1) * sizeof(a->kv[0]));
            a->n--;
            return;
        }
}

/* json.loads of a str: the strict reader first (the common case, faster), then json.loads' own rules (lone
 * surrogates, deep nesting); a leading BOM, which json.loads refuses in a str, goes to the latter too. */
static mlf_json *mlf__loads(mlf_pool *pool, const char *text)
{
    mlf_json *v = NULL;
    if (text == NULL)
        return NULL;
    size_t len = strlen(text);
    if (!(len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) && mlf_json_parse(pool, text, len, &v, NULL) == 0)
        return v;
    if (mlf_json_parse_ex(pool, text, len, MLF_JSON_LOADS, &v, NULL) != 0)
        return NULL;
    return v;
}

/* strip_otlp_double_encoding of one value: a JSON str whose text is itself JSON str, dict or list. */
static const char *mlf__strip(mlf_pool *pool, const char *text)
{
    mlf_json *v = mlf__loads(pool, text);
    if (v == NULL || v->type != MLF_JSON_STRING)
        return text;
    mlf_json *inner = NULL;
    if (mlf_json_parse_ex(pool, v->text, v->len, 0, &inner, NULL) != 0)
        return text;
    if (inner->type == MLF_JSON_STRING || inner->type == MLF_JSON_OBJECT || inner->type == MLF_JSON_ARRAY)
        return v->text;
    return text;
}

/* _try_parse_json_string: the str a JSON text holds, else the text itself */
static const char *mlf__json_str(mlf_pool *pool, const char *text)
{
    mlf_json *v = mlf__loads(pool, text);
    return v != NULL && v->type == MLF_JSON_STRING ? v->text : text;
}

/* The first max code points of s (bounded_model_dimension). */
static const char *mlf__bounded(mlf_pool *pool, const char *s, size_t max)
{
    const char *p = s;
    for (size_t i = 0; i < max && *p; i++) {
        uint32_t cp;
        p += mlf_pystr_utf8_next(p, &cp);
    }
    return *p ? mlf_pool_strndup(pool, s, (size_t)(p - s)) : s;
}

/* _get_model_name's fallback: a str "model" of the inputs' or outputs' dict */
static const char *mlf__model_from_io(mlf_pool *pool, const mlf__attrs *a)
{
    const char *keys[2] = {"mlflow.spanInputs", "mlflow.spanOutputs"};
    for (int i = 0; i < 2; i++) {
        const char *text = mlf__attrs_get(a, keys[i]);
        if (text == NULL || text[0] == '\0')
            continue;
        mlf_json *v = mlf__loads(pool, text);
        if (v == NULL || v->type != MLF_JSON_OBJECT)
            continue;
        const mlf_json *m = mlf_json_get(v, "model");
        if (m == NULL || m->type == MLF_JSON_NULL || (m->type == MLF_JSON_STRING && m->len == 0) ||
            (m->type == MLF_JSON_BOOL && !m->boolean))
            continue;
        return m->type == MLF_JSON_STRING ? m->text : NULL;
    }
    return NULL;
}

/*
 * translate_span_when_storing's OTel schema translators, as tables of the base translator's keys
 * (OtelSchemaTranslator), in MLflow's order. Ported: OpenInference, GenAI semantic conventions, Traceloop,
 * Google ADK, Laminar and Langfuse; the translators with code of their own (Gemini CLI, Claude Code, Spring
 * AI, Vercel AI, VoltAgent, LiveKit), event-based inputs and model pricing are not.
 * A key with '#' matches one or more digits there and is matched as a prefix (Traceloop's re.match).
 */
typedef struct {
    const char *kind_key;
    const char *const *kinds; /* pairs of the kind's value and MLflow's span type, NULL-ended */
    const char *in_tokens, *out_tokens, *total_tokens, *cache_read, *cache_write, *cache_write_legacy;
    const char *const *inputs, *const *outputs, *const *models, *const *tools; /* NULL-ended */
    const char *provider;
    const char *format_key, *format; /* get_message_format: format when the span has format_key */
} mlf__translator;

static const char *const mlf__oi_kinds[] = {"TOOL", "TOOL", "CHAIN", "CHAIN", "LLM", "LLM", "RETRIEVER", "RETRIEVER",
                                            "EMBEDDING", "EMBEDDING", "AGENT", "AGENT", "RERANKER", "RERANKER",
                                            "UNKNOWN", "UNKNOWN", "GUARDRAIL", "GUARDRAIL", "EVALUATOR", "EVALUATOR",
                                            NULL};
static const char *const mlf__oi_in[] = {"input.value", NULL};
static const char *const mlf__oi_out[] = {"output.value", NULL};
static const char *const mlf__oi_models[] = {"llm.response.model_name", "llm.model_name", "llm.request.model_name",
                                             "embedding.model_name", NULL};
static const char *const mlf__ga_kinds[] = {"chat", "CHAT_MODEL", "create_agent", "AGENT", "embeddings", "EMBEDDING",
                                            "execute_tool", "TOOL", "generate_content", "LLM", "invoke_agent", "AGENT",
                                            "text_completion", "LLM", "response", "LLM", NULL};
static const char *const mlf__ga_in[] = {"gen_ai.input.messages", "gen_ai.tool.call.arguments", NULL};
static const char *const mlf__ga_out[] = {"gen_ai.output.messages", "gen_ai.tool.call.result", NULL};
static const char *const mlf__ga_models[] = {"gen_ai.response.model", "gen_ai.request.model", NULL};
static const char *const mlf__ga_tools[] = {"gen_ai.tool.definitions", NULL};
static const char *const mlf__tl_kinds[] = {"workflow", "WORKFLOW", "task", "TASK", "agent", "AGENT", "tool", "TOOL",
                                            "unknown", "UNKNOWN", NULL};
static const char *const mlf__tl_in[] = {"traceloop.entity.input", "gen_ai.prompt.#.content",
                                         "gen_ai.completion.#.tool_calls.#.arguments", NULL};
static const char *const mlf__tl_out[] = {"traceloop.entity.output", "gen_ai.completion.#.content", NULL};

static const char *const mlf__adk_in[] = {"gcp.vertex.agent.llm_request", "gcp.vertex.agent.tool_call_args", NULL};
static const char *const mlf__adk_out[] = {"gcp.vertex.agent.llm_response", "gcp.vertex.agent.tool_response", NULL};
static const char *const mlf__lmnr_kinds[] = {"LLM", "LLM", "TOOL", "TOOL", "DEFAULT", "CHAIN", "PIPELINE", "CHAIN",
                                              "EXECUTOR", "AGENT", "EVALUATOR", "EVALUATOR", "HUMAN_EVALUATOR",
                                              "EVALUATOR", "EVALUATION", "EVALUATOR", "CACHED", "LLM", NULL};
static const char *const mlf__lmnr_in[] = {"lmnr.span.input", NULL};
static const char *const mlf__lmnr_out[] = {"lmnr.span.output", NULL};
static const char *const mlf__lf_kinds[] = {"generation", "LLM", "embedding", "EMBEDDING", "tool", "TOOL",
                                            "retriever", "RETRIEVER", "agent", "AGENT", "chain", "CHAIN",
                                            "evaluator", "EVALUATOR", "guardrail", "GUARDRAIL", "span", "UNKNOWN",
                                            NULL};
static const char *const mlf__lf_in[] = {"langfuse.observation.input", NULL};
static const char *const mlf__lf_out[] = {"langfuse.observation.output", NULL};

static const mlf__translator mlf__translators[] = {
    {.kind_key = "openinference.span.kind", .kinds = mlf__oi_kinds, .in_tokens = "llm.token_count.prompt",
     .out_tokens = "llm.token_count.completion", .total_tokens = "llm.token_count.total",
     .cache_read = "llm.token_count.prompt_details.cache_read",
     .cache_write = "llm.token_count.prompt_details.cache_write", .inputs = mlf__oi_in, .outputs = mlf__oi_out,
     .models = mlf__oi_models, .provider = "llm.provider"},
    {.kind_key = "gen_ai.operation.name", .kinds = mlf__ga_kinds, .in_tokens = "gen_ai.usage.input_tokens",
     .out_tokens = "gen_ai.usage.output_tokens", .cache_read = "gen_ai.usage.cache_read.input_tokens",
     .cache_write = "gen_ai.usage.cache_write.input_tokens",
     .cache_write_legacy = "gen_ai.usage.cache_creation.input_tokens", .inputs = mlf__ga_in, .outputs = mlf__ga_out,
     .models = mlf__ga_models, .tools = mlf__ga_tools, .provider = "gen_ai.provider.name"},
    {.kind_key = "traceloop.span.kind", .kinds = mlf__tl_kinds, .in_tokens = "gen_ai.usage.prompt_tokens",
     .out_tokens = "gen_ai.usage.completion_tokens", .total_tokens = "llm.usage.total_tokens", .inputs = mlf__tl_in,
     .outputs = mlf__tl_out, .provider = "gen_ai.system"},
    {.inputs = mlf__adk_in, .outputs = mlf__adk_out},
    {.kind_key = "lmnr.span.type", .kinds = mlf__lmnr_kinds, .in_tokens = "gen_ai.usage.input_tokens",
     .out_tokens = "gen_ai.usage.output_tokens", .inputs = mlf__lmnr_in, .outputs = mlf__lmnr_out,
     .models = mlf__ga_models, .provider = "gen_ai.system", .format_key = "lmnr.span.type", .format = "openai"},
    {.kind_key = "langfuse.observation.type", .kinds = mlf__lf_kinds, .inputs = mlf__lf_in, .outputs = mlf__lf_out},
};
#define MLF__N_TRANSLATORS (sizeof(mlf__translators) / sizeof(mlf__translators[0]))


/* _get_and_check_attribute_value, then the caller's truth test: the text, or NULL */
static const char *mlf__checked(mlf_pool *pool, const char *text)
{
    if (text == NULL || text[0] == '\0')
        return NULL;
    mlf_json *v = mlf__loads(pool, text);
    return v == NULL || mlf_json_truthy(v) ? text : NULL;
}

/* re.match of a key with '#' for \d+ (a prefix match) */
static bool mlf__key_match(const char *pat, const char *key)
{
    while (*pat) {
        if (*pat == '#') {
            if (*key < '0' || *key > '9')
                return false;
            while (*key >= '0' && *key <= '9')
                key++;
            pat++;
        } else if (*pat++ != *key++) {
            return false;
        }
    }
    return true;
}

/* get_attribute_value: the first key (in the keys' order) with a checked value */
static const char *mlf__first_value(mlf_pool *pool, const mlf__attrs *a, const char *const *keys)
{
    for (size_t k = 0; keys != NULL && keys[k] != NULL; k++) {
        if (strchr(keys[k], '#') == NULL) {
            const char *v = mlf__checked(pool, mlf__attrs_get(a, keys[k]));
            if (v != NULL)
                return v;
            continue;
        }
        for (size_t i = 0; i < a->n; i++)
            if (mlf__key_match(keys[k], a->kv[i].key)) {
                const char *v = mlf__checked(pool, a->kv[i].value);
                if (v != NULL)
                    return v;
            }
    }
    return NULL;
}

/* _parse_int_attribute of an attribute text: 1 with *ret, 0 for None */
static int mlf__int_attr(mlf_pool *pool, const char *text, int64_t *ret)
{
    if (text == NULL)
        return 0;
    mlf_json *v = mlf__loads(pool, text);
    const char *digits = text;
    if (v != NULL && v->type == MLF_JSON_NUMBER && mlf_json_is_int(v)) {
        digits = v->text;
    } else if (v != NULL && v->type == MLF_JSON_BOOL) {
        *ret = v->boolean;
        return 1;
    } else if (v != NULL && v->type == MLF_JSON_STRING) {
        if (mlf_pystr_parse_int(v->text, ret) == 0)
            return 1;
    }
    return mlf_pystr_parse_int(digits, ret) == 0;
}

/* dump_span_attribute_value of a JSON text's value (decoded if it is JSON, else the text as a str) */
static const char *mlf__dump_decoded(mlf_pool *pool, const char *text)
{
    mlf_json *v = mlf__loads(pool, text);
    mlf_buf b;
    mlf_buf_init(&b, pool, 32);
    if (v == NULL || v->type == MLF_JSON_STRING) {
        mlf__put_str(&b, v == NULL ? text : v->text, false);
        return b.data;
    }
    return text; /* other values: their JSON as the client dumped it */
}

static void mlf__translate(mlf_pool *pool, mlf__attrs *a)
{
    /* span type, when the span has none (or UNKNOWN) */
    const char *st = mlf__attrs_get(a, "mlflow.spanType");
    mlf_json *stv = st != NULL && st[0] != '\0' ? mlf__loads(pool, st) : NULL;
    bool untyped = st == NULL || st[0] == '\0' ||
                   (stv != NULL && (stv->type == MLF_JSON_NULL ||
                                    (stv->type == MLF_JSON_STRING && strcmp(stv->text, "UNKNOWN") == 0)));
    if (untyped)
        for (size_t t = 0; t < MLF__N_TRANSLATORS; t++) {
            if (mlf__translators[t].kind_key == NULL)
                continue;
            const char *kind = mlf__attrs_get(a, mlf__translators[t].kind_key);
            if (kind == NULL || kind[0] == '\0')
                continue;
            mlf_json *kv = mlf__loads(pool, kind);
            const char *name = kv == NULL ? kind : kv->type == MLF_JSON_STRING ? kv->text : NULL;
            const char *mapped = NULL;
            for (size_t i = 0; name != NULL && mlf__translators[t].kinds[i] != NULL; i += 2)
                if (strcmp(mlf__translators[t].kinds[i], name) == 0)
                    mapped = mlf__translators[t].kinds[i + 1];
            if (mapped != NULL) {
                mlf__attrs_set(pool, a, "mlflow.spanType", mlf_pool_sprintf(pool, "\"%s\"", mapped));
                break;
            }
        }
    /* inputs and outputs, tools: the first translator's value, as stored */
    static const char *const targets[] = {"mlflow.spanInputs", "mlflow.spanOutputs"};
    for (int w = 0; w < 2; w++) {
        if (mlf__attrs_get(a, targets[w]) != NULL)
            continue;
        for (size_t t = 0; t < MLF__N_TRANSLATORS; t++) {
            const char *v = mlf__first_value(pool, a, w == 0 ? mlf__translators[t].inputs : mlf__translators[t].outputs);
            if (v != NULL) {
                mlf__attrs_set(pool, a, targets[w], v);
                break;
            }
        }
    }
    /* token usage */
    if (mlf__attrs_get(a, "mlflow.chat.tokenUsage") == NULL)
        for (size_t t = 0; t < MLF__N_TRANSLATORS; t++) {
            const mlf__translator *tr = &mlf__translators[t];
            int64_t in = 0, out = 0, total = 0, cr = 0, cw = 0;
            int has_in = tr->in_tokens ? mlf__int_attr(pool, mlf__attrs_get(a, tr->in_tokens), &in) : 0;
            int has_out = tr->out_tokens ? mlf__int_attr(pool, mlf__attrs_get(a, tr->out_tokens), &out) : 0;
            int has_total = tr->total_tokens ? mlf__int_attr(pool, mlf__attrs_get(a, tr->total_tokens), &total) : 0;
            if (!has_total && has_in && has_out) {
                total = in + out;
                has_total = 1;
            }
            if (!has_in && !has_out && !has_total)
                continue;
            mlf_buf b;
            mlf_buf_init(&b, pool, 96);
            mlf_buf_putc(&b, '{');
            const char *sep = "";
            if (has_in)
                mlf_buf_printf(&b, "\"input_tokens\": %" PRId64, in), sep = ", ";
            if (has_out)
                mlf_buf_printf(&b, "%s\"output_tokens\": %" PRId64, sep, out), sep = ", ";
            if (has_total)
                mlf_buf_printf(&b, "%s\"total_tokens\": %" PRId64, sep, total), sep = ", ";
            if (tr->cache_read && mlf__int_attr(pool, mlf__attrs_get(a, tr->cache_read), &cr))
                mlf_buf_printf(&b, "%s\"cache_read_input_tokens\": %" PRId64, sep, cr), sep = ", ";
            const char *cwt = tr->cache_write ? mlf__attrs_get(a, tr->cache_write) : NULL;
            if (cwt == NULL && tr->cache_write_legacy)
                cwt = mlf__attrs_get(a, tr->cache_write_legacy);
            if (mlf__int_attr(pool, cwt, &cw))
                mlf_buf_printf(&b, "%s\"cache_creation_input_tokens\": %" PRId64, sep, cw);
            mlf_buf_putc(&b, '}');
            mlf__attrs_set(pool, a, "mlflow.chat.tokenUsage", b.data);
            break;
        }
    if (mlf__attrs_get(a, "mlflow.message.format") == NULL)
        for (size_t t = 0; t < MLF__N_TRANSLATORS; t++)
            if (mlf__translators[t].format_key != NULL && mlf__attrs_get(a, mlf__translators[t].format_key) != NULL) {
                mlf__attrs_set(pool, a, "mlflow.message.format",
                               mlf_pool_sprintf(pool, "\"%s\"", mlf__translators[t].format));
                break;
            }
    if (mlf__attrs_get(a, "mlflow.chat.tools") == NULL)
        for (size_t t = 0; t < MLF__N_TRANSLATORS; t++) {
            const char *v = mlf__first_value(pool, a, mlf__translators[t].tools);
            if (v != NULL) {
                mlf__attrs_set(pool, a, "mlflow.chat.tools", v);
                break;
            }
        }
    /* the model: a translator's key, else a str "model" of the inputs' or outputs' dict */
    if (mlf__attrs_get(a, "mlflow.llm.model") == NULL) {
        const char *model = NULL;
        for (size_t t = 0; t < MLF__N_TRANSLATORS && model == NULL; t++) {
            const char *v = mlf__first_value(pool, a, mlf__translators[t].models);
            if (v != NULL)
                model = mlf__dump_decoded(pool, v);
        }
        if (model == NULL) {
            const char *m = mlf__model_from_io(pool, a);
            if (m != NULL) {
                mlf_buf mb;
                mlf_buf_init(&mb, pool, 32);
                mlf__put_str(&mb, m, false);
                model = mb.data;
            }
        }
        if (model != NULL)
            mlf__attrs_set(pool, a, "mlflow.llm.model", model);
    }
    if (mlf__attrs_get(a, "mlflow.llm.provider") == NULL)
        for (size_t t = 0; t < MLF__N_TRANSLATORS; t++) {
            const char *v = mlf__translators[t].provider
                                ? mlf__checked(pool, mlf__attrs_get(a, mlf__translators[t].provider))
                                : NULL;
            if (v != NULL) {
                mlf__attrs_set(pool, a, "mlflow.llm.provider", mlf__dump_decoded(pool, v));
                break;
            }
        }
}

static const char *mlf__kind_name(int kind)
{
    static const char *const names[] = {"SPAN_KIND_INTERNAL", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
                                        "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"};
    return kind >= 0 && kind <= 5 ? names[kind] : "SPAN_KIND_INTERNAL";
}

static bool mlf__utf8_ok(const char *s)
{
    size_t bad = 0;
    if (s == NULL)
        return true;
    mlf_text_utf8_len(s, strlen(s), 0, &bad);
    return bad == 0;
}

/* The resource's attributes that become trace tags (strings as they are, others json.dumps'd). */
static int mlf__resource_tags(mlf_pool *pool, const Opentelemetry__Proto__Resource__V1__Resource *res,
                              mlf_store_span_kv **ret, size_t *ret_n)
{
    *ret = NULL;
    *ret_n = 0;
    if (res == NULL || res->n_attributes == 0)
        return 0;
    mlf__attrs tags = {0};
    for (size_t i = 0; i < res->n_attributes; i++) {
        const mlf__kv *kv = res->attributes[i];
        const mlf__any *v = kv->value;
        /* the dict of the attributes: the last value of a key */
        for (size_t j = i + 1; j < res->n_attributes; j++)
            if (strcmp(res->attributes[j]->key, kv->key) == 0)
                v = res->attributes[j]->value;
        if (strncmp(kv->key, "telemetry.sdk.", 14) == 0 || strncmp(kv->key, "mlflow.", 7) == 0)
            continue;
        if (v != NULL && v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE)
            continue; /* json.dumps fails on bytes */
        const char *value = v != NULL && v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
                                ? v->string_value
                                : mlf__dump(pool, v, true);
        mlf_error e = {0};
        const char *tv;
        if (mlf_validate_tag_name(pool, kv->key, "key", &e) != 0 ||
            mlf_validate_length_limit(pool, "key", 250, kv->key, &e) != 0 ||
            mlf_validate_length_limit_truncate(pool, "value", 8000, value, &tv, &e) != 0)
            continue;
        mlf__attrs_set(pool, &tags, kv->key, tv);
    }
    *ret = tags.kv;
    *ret_n = tags.n;
    return 0;
}

/* One OTLP span into *s; -1 when MLflow cannot convert it, -2 for an id MLflow's store fails on. raw: string
 * attribute values are the span's stored texts already (the FFI's spans). */
static int mlf__convert(mlf_pool *pool, const mlf__otel_span *o, const Opentelemetry__Proto__Resource__V1__Resource *res,
                        const char *service_name, bool otlp, bool raw, mlf_store_span *s)
{
    memset(s, 0, sizeof(*s));
    if (o->trace_id.len == 0 || o->span_id.len == 0)
        return -1;
    char *tid, *sid, *pid = NULL;
    bool pzero = true;
    /* ids wider than OTel's convert, but MLflow's store fails on them (to_bytes) */
    if (!mlf__id_hex(pool, o->trace_id, 16, &tid, NULL) || !mlf__id_hex(pool, o->span_id, 8, &sid, NULL))
        return -2;
    if (o->parent_span_id.len > 0 && !mlf__id_hex(pool, o->parent_span_id, 8, &pid, &pzero))
        return -2;
    if (pzero) /* parent 0 is no parent */
        pid = NULL;
    s->trace_id = mlf_pool_sprintf(pool, "tr-%s", tid);
    s->span_id = sid;
    s->parent_id = pid;
    s->name = o->name;
    s->start_ns = (int64_t)o->start_time_unix_nano;
    s->end_ns = (int64_t)o->end_time_unix_nano;
    /* the store's own span with no end: end_time_ns None, which its OTLP proto carries as 0 */
    s->no_end = raw && o->end_time_unix_nano == 0;
    int code = o->status != NULL ? o->status->code : 0;
    s->status = code == 1 ? "OK" : code == 2 ? "ERROR" : "UNSET";
    const char *message = code == 2 && o->status->message != NULL ? o->status->message : "";

    mlf__attrs a = {0};
    for (size_t i = 0; i < o->n_attributes; i++) {
        const mlf__any *v = o->attributes[i]->value;
        bool text = raw && v != NULL && v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
        mlf__attrs_set(pool, &a, o->attributes[i]->key, text ? v->string_value : mlf__dump(pool, v, false));
    }
    /* from_otel_proto(preserve_request_id=True) for the store's own spans: their stored request id is the
     * trace's (MLflow's log_spans keeps span.trace_id); over OTLP the id is derived, never the client's */
    const char *stored_rid = raw ? mlf__attrs_get(&a, MLF__REQUEST_ID) : NULL;
    mlf_json *rj = NULL;
    mlf_error jerr = {0};
    if (stored_rid != NULL && mlf_json_parse(pool, stored_rid, strlen(stored_rid), &rj, &jerr) == 0 &&
        rj->type == MLF_JSON_STRING) {
        s->trace_id = (char *)rj->text;
    } else {
        mlf_buf rid;
        mlf_buf_init(&rid, pool, 40);
        mlf__put_str(&rid, s->trace_id, false);
        mlf__attrs_set(pool, &a, MLF__REQUEST_ID, rid.data);
    }
    if (otlp) {
        for (size_t i = 0; i < a.n; i++)
            a.kv[i].value = mlf__strip(pool, a.kv[i].value);
        if (pid == NULL) {
            if (service_name != NULL) {
                mlf_buf sn;
                mlf_buf_init(&sn, pool, 32);
                mlf__put_str(&sn, service_name, false);
                mlf__attrs_set(pool, &a, "service.name", sn.data);
            }
            for (size_t i = 0; i < sizeof(mlf__blocked_tags) / sizeof(mlf__blocked_tags[0]); i++)
                mlf__attrs_pop(&a, mlf_pool_sprintf(pool, MLF__TAG_PREFIX "%s", mlf__blocked_tags[i]));
        }
    }
    /* span.span_type (the row's column) is the span's own, before translation */
    const char *type = mlf__attrs_get(&a, "mlflow.spanType");
    if (type != NULL) {
        mlf_json *tv = mlf__loads(pool, type);
        s->type = tv != NULL && tv->type == MLF_JSON_STRING ? tv->text : NULL;
    }
    mlf__translate(pool, &a);
    s->attributes = a.kv;
    s->n_attributes = a.n;

    /* the row's columns */
    const char *cost = mlf__attrs_get(&a, "mlflow.llm.cost");
    mlf_json *cv = cost != NULL && cost[0] != '\0' ? mlf__loads(pool, cost) : NULL;
    if (cv != NULL && cv->type == MLF_JSON_OBJECT) {
        const char *keys[3] = {"input_cost", "output_cost", "total_cost"};
        const double **dst[3] = {&s->input_cost, &s->output_cost, &s->total_cost};
        for (int k = 0; k < 3; k++) {
            const mlf_json *x = mlf_json_get(cv, keys[k]);
            if (x != NULL && x->type == MLF_JSON_NUMBER && isfinite(x->number)) {
                double *d = MLF_NEW(pool, double);
                *d = x->number;
                *dst[k] = d;
            }
        }
    }
    const char *model = mlf__attrs_get(&a, "mlflow.llm.model");
    if (model != NULL)
        s->model_name = mlf__bounded(pool, mlf__json_str(pool, model), 500);
    const char *provider = mlf__attrs_get(&a, "mlflow.llm.provider");
    if (provider != NULL)
        s->model_provider = mlf__bounded(pool, mlf__json_str(pool, provider), 500);
    const char *session = mlf__attrs_get(&a, "session.id");
    if (session == NULL || session[0] == '\0')
        session = mlf__attrs_get(&a, "gen_ai.conversation.id");
    if (session != NULL && session[0] != '\0')
        s->session_id = mlf__json_str(pool, session);
    const char *user = mlf__attrs_get(&a, "user.id");
    if (user != NULL && user[0] != '\0')
        s->user_id = mlf__json_str(pool, user);
    if (res != NULL && res->n_attributes > 0) {
        s->has_resource = true;
        mlf_store_span_kv *rt;
        mlf__resource_tags(pool, res, &rt, &s->n_resource_tags);
        s->resource_tags = rt;
    }
    if (pid == NULL) { /* the root's mlflow.traceTag.<key> attributes */
        mlf__attrs tags = {0};
        for (size_t i = 0; i < a.n; i++) {
            if (strncmp(a.kv[i].key, MLF__TAG_PREFIX, strlen(MLF__TAG_PREFIX)) != 0)
                continue;
            const char *key = a.kv[i].key + strlen(MLF__TAG_PREFIX);
            const char *value = mlf__json_str(pool, a.kv[i].value), *tv;
            mlf_error e = {0};
            if (mlf_validate_tag_name(pool, key, "key", &e) != 0 ||
                mlf_validate_length_limit(pool, "key", 250, key, &e) != 0 ||
                mlf_validate_length_limit_truncate(pool, "value", 8000, value, &tv, &e) != 0)
                continue;
            if (strcmp(key, MLF__TRACE_NAME) == 0)
                s->trace_name = tv;
            else
                mlf__attrs_set(pool, &tags, key, tv);
        }
        s->trace_tags = tags.kv;
        s->n_trace_tags = tags.n;
    }

    /* the content: json.dumps(span.to_dict()) with Python's separators, non-ASCII kept */
    mlf_buf c;
    mlf_buf_init(&c, pool, 512);
    mlf_buf_puts(&c, "{\"trace_id\": ");
    mlf__put_id_b64(&c, tid, 16);
    mlf_buf_puts(&c, ", \"span_id\": ");
    mlf__put_id_b64(&c, sid, 8);
    mlf_buf_puts(&c, ", \"parent_span_id\": ");
    if (pid != NULL)
        mlf__put_id_b64(&c, pid, 8);
    else
        mlf_buf_puts(&c, "null");
    mlf_buf_puts(&c, ", \"name\": ");
    mlf__put_str(&c, o->name, false);
    mlf_buf_printf(&c, ", \"kind\": \"%s\", \"start_time_unix_nano\": %" PRIu64 ", \"end_time_unix_nano\": ",
                   mlf__kind_name(o->kind), o->start_time_unix_nano);
    if (s->no_end)
        mlf_buf_puts(&c, "null");
    else
        mlf_buf_printf(&c, "%" PRIu64, o->end_time_unix_nano);
    mlf_buf_puts(&c, ", \"events\": [");
    for (size_t i = 0; i < o->n_events; i++) {
        const Opentelemetry__Proto__Trace__V1__Span__Event *ev = o->events[i];
        mlf_buf_puts(&c, i ? ", {\"name\": " : "{\"name\": ");
        mlf__put_str(&c, ev->name, false);
        mlf_buf_printf(&c, ", \"time_unix_nano\": %" PRIu64 ", \"attributes\": {", ev->time_unix_nano);
        for (size_t j = 0, k = 0; j < ev->n_attributes; j++) {
            bool later = false;
            for (size_t l = j + 1; l < ev->n_attributes && !later; l++)
                later = strcmp(ev->attributes[l]->key, ev->attributes[j]->key) == 0;
            bool earlier = false;
            for (size_t l = 0; l < j && !earlier; l++)
                earlier = strcmp(ev->attributes[l]->key, ev->attributes[j]->key) == 0;
            if (earlier)
                continue;
            const mlf__any *v = ev->attributes[j]->value;
            for (size_t l = j + 1; later && l < ev->n_attributes; l++)
                if (strcmp(ev->attributes[l]->key, ev->attributes[j]->key) == 0)
                    v = ev->attributes[l]->value;
            if (k++ > 0)
                mlf_buf_puts(&c, ", ");
            mlf__put_str(&c, ev->attributes[j]->key, false);
            mlf_buf_puts(&c, ": ");
            mlf__dump_any(pool, &c, v, false, false);
        }
        mlf_buf_puts(&c, "}}");
    }
    mlf_buf_printf(&c, "], \"status\": {\"code\": \"%s\", \"message\": ",
                   code == 1 ? "STATUS_CODE_OK" : code == 2 ? "STATUS_CODE_ERROR" : "STATUS_CODE_UNSET");
    mlf__put_str(&c, message, false);
    mlf_buf_puts(&c, "}, \"attributes\": {");
    for (size_t i = 0; i < a.n; i++) {
        if (i > 0)
            mlf_buf_puts(&c, ", ");
        mlf__put_str(&c, a.kv[i].key, false);
        mlf_buf_puts(&c, ": ");
        mlf__put_str(&c, a.kv[i].value, false);
    }
    mlf_buf_puts(&c, "}, \"links\": [");
    for (size_t i = 0, k = 0; i < o->n_links; i++) {
        const Opentelemetry__Proto__Trace__V1__Span__Link *l = o->links[i];
        char *lt, *ls;
        if (!mlf__id_hex(pool, l->trace_id, 64, &lt, NULL) || !mlf__id_hex(pool, l->span_id, 64, &ls, NULL))
            return -1;
        /* generate_mlflow_trace_id_from_otel_trace_id / encode_span_id: at least 32 and 16 hex digits */
        while (strlen(lt) > 32 && lt[0] == '0')
            lt++;
        while (strlen(ls) > 16 && ls[0] == '0')
            ls++;
        mlf_buf_puts(&c, k++ ? ", {\"trace_id\": " : "{\"trace_id\": ");
        mlf__put_str(&c, mlf_pool_sprintf(pool, "tr-%s", lt), false);
        mlf_buf_puts(&c, ", \"span_id\": ");
        mlf__put_str(&c, ls, false);
        mlf_buf_puts(&c, ", \"attributes\": ");
        if (l->n_attributes == 0) {
            mlf_buf_puts(&c, "null");
        } else {
            mlf_buf_putc(&c, '{');
            for (size_t j = 0; j < l->n_attributes; j++) {
                if (j > 0)
                    mlf_buf_puts(&c, ", ");
                mlf__put_str(&c, l->attributes[j]->key, false);
                mlf_buf_puts(&c, ": ");
                mlf__dump_any(pool, &c, l->attributes[j]->value, false, true);
            }
            mlf_buf_putc(&c, '}');
        }
        mlf_buf_putc(&c, '}');
    }
    mlf_buf_puts(&c, "]}");
    s->content = c.data;
    return 0;
}

/* Every string of an AnyValue is UTF-8 (protobuf's string check, which Python's parser makes). */
static bool mlf__any_ok(const mlf__any *v, int depth)
{
    if (v == NULL || depth > 64)
        return depth <= 64;
    switch (v->value_case) {
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
        return mlf__utf8_ok(v->string_value);
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
        for (size_t i = 0; v->array_value != NULL && i < v->array_value->n_values; i++)
            if (!mlf__any_ok(v->array_value->values[i], depth + 1))
                return false;
        return true;
    case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE:
        for (size_t i = 0; v->kvlist_value != NULL && i < v->kvlist_value->n_values; i++)
            if (!mlf__utf8_ok(v->kvlist_value->values[i]->key) ||
                !mlf__any_ok(v->kvlist_value->values[i]->value, depth + 1))
                return false;
        return true;
    default:
        return true;
    }
}

static bool mlf__kvs_ok(mlf__kv *const *kvs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!mlf__utf8_ok(kvs[i]->key) || !mlf__any_ok(kvs[i]->value, 0))
            return false;
    return true;
}

/* a varint at *p (before end) into *v; false when truncated or longer than 10 bytes */
static bool mlf__varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t r = 0;
    for (int shift = 0; shift < 70 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return true;
        }
    }
    return false;
}

bool mlf_span_wire_depth_ok(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len, int max_depth)
{
    /* an explicit stack of (descriptor, end of its bytes): the walk itself never recurses */
    struct {
        const ProtobufCMessageDescriptor *desc;
        const uint8_t *end;
    } stack[128];
    if (max_depth > 127)
        max_depth = 127;
    int top = 0;
    stack[0].desc = desc;
    stack[0].end = data + len;
    const uint8_t *p = data;
    while (top >= 0) {
        if (p == stack[top].end) {
            top--;
            continue;
        }
        uint64_t key, v;
        if (!mlf__varint(&p, stack[top].end, &key))
            return false;
        switch (key & 7) {
        case 0:
            if (!mlf__varint(&p, stack[top].end, &v))
                return false;
            break;
        case 1:
            if (stack[top].end - p < 8)
                return false;
            p += 8;
            break;
        case 5:
            if (stack[top].end - p < 4)
                return false;
            p += 4;
            break;
        case 2: {
            if (!mlf__varint(&p, stack[top].end, &v) || v > (uint64_t)(stack[top].end - p))
                return false;
            const ProtobufCFieldDescriptor *f =
                protobuf_c_message_descriptor_get_field(stack[top].desc, (unsigned)(key >> 3));
            if (f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE) {
                if (top + 1 >= max_depth)
                    return false;
                top++;
                stack[top].desc = f->descriptor;
                stack[top].end = p + v;
            } else {
                p += v;
            }
            break;
        }
        default: /* groups and invalid wire types: protobuf-c refuses them itself */
            return true;
        }
    }
    return true;
}

bool mlf_span_request_utf8_ok(const Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req)
{
    for (size_t r = 0; r < req->n_resource_spans; r++) {
        const Opentelemetry__Proto__Trace__V1__ResourceSpans *rs = req->resource_spans[r];
        if (!mlf__utf8_ok(rs->schema_url))
            return false;
        if (rs->resource != NULL && !mlf__kvs_ok(rs->resource->attributes, rs->resource->n_attributes))
            return false;
        for (size_t s = 0; s < rs->n_scope_spans; s++) {
            const Opentelemetry__Proto__Trace__V1__ScopeSpans *ss = rs->scope_spans[s];
            if (ss->scope != NULL && (!mlf__utf8_ok(ss->scope->name) || !mlf__utf8_ok(ss->scope->version) ||
                                      !mlf__kvs_ok(ss->scope->attributes, ss->scope->n_attributes)))
                return false;
            if (!mlf__utf8_ok(ss->schema_url))
                return false;
            for (size_t i = 0; i < ss->n_spans; i++) {
                const mlf__otel_span *o = ss->spans[i];
                if (!mlf__utf8_ok(o->name) || !mlf__utf8_ok(o->trace_state) ||
                    !mlf__kvs_ok(o->attributes, o->n_attributes) ||
                    (o->status != NULL && !mlf__utf8_ok(o->status->message)))
                    return false;
                for (size_t e = 0; e < o->n_events; e++)
                    if (!mlf__utf8_ok(o->events[e]->name) ||
                        !mlf__kvs_ok(o->events[e]->attributes, o->events[e]->n_attributes))
                        return false;
                for (size_t l = 0; l < o->n_links; l++)
                    if (!mlf__utf8_ok(o->links[l]->trace_state) ||
                        !mlf__kvs_ok(o->links[l]->attributes, o->links[l]->n_attributes))
                        return false;
            }
        }
    }
    return true;
}

int mlf_span_from_otlp(mlf_pool *pool, const Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req,
                       bool otlp, bool raw, mlf_store_span **ret, size_t *ret_n)
{
    size_t total = 0;
    for (size_t r = 0; r < req->n_resource_spans; r++)
        for (size_t s = 0; s < req->resource_spans[r]->n_scope_spans; s++)
            total += req->resource_spans[r]->scope_spans[s]->n_spans;
    mlf_store_span *out = MLF_NEW_ARRAY(pool, mlf_store_span, total ? total : 1);
    size_t n = 0;
    bool overflow = false;
    for (size_t r = 0; r < req->n_resource_spans; r++) {
        const Opentelemetry__Proto__Trace__V1__ResourceSpans *rs = req->resource_spans[r];
        const Opentelemetry__Proto__Resource__V1__Resource *res = rs->resource;
        /* the resource's first service.name, when it is a known client */
        const char *service = NULL;
        for (size_t i = 0; otlp && res != NULL && i < res->n_attributes; i++) {
            if (strcmp(res->attributes[i]->key, "service.name") != 0)
                continue;
            const mlf__any *v = res->attributes[i]->value;
            if (v != NULL && v->value_case != OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE__NOT_SET) {
                const char *sv = v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
                                     ? v->string_value
                                     : NULL;
                for (size_t k = 0; sv != NULL && k < sizeof(mlf__known_services) / sizeof(mlf__known_services[0]); k++)
                    if (strcmp(sv, mlf__known_services[k]) == 0)
                        service = sv;
            }
            break;
        }
        for (size_t s = 0; s < rs->n_scope_spans; s++) {
            const Opentelemetry__Proto__Trace__V1__ScopeSpans *ss = rs->scope_spans[s];
            for (size_t i = 0; i < ss->n_spans; i++) {
                int rc = mlf__convert(pool, ss->spans[i], res, service, otlp, raw, &out[n++]);
                if (rc == -1)
                    return -1;
                if (rc == -2)
                    overflow = true;
            }
        }
    }
    *ret = out;
    *ret_n = n;
    return overflow ? -2 : 0;
}

int mlf_span_log(mlf_ctx *ctx, const char *experiment_id, const mlf_store_span *spans, size_t n,
                 bool *ret_unexpected, mlf_error *err)
{
    return mlf_store_log_spans(ctx->svc->store, ctx->pool, experiment_id, spans, n, ret_unexpected, err);
}

/* ------------------------------------------------------------ stored -> OTLP */

static int64_t mlf__int(const mlf_json *v)
{
    if (v == NULL || v->type != MLF_JSON_NUMBER)
        return 0;
    if (mlf_json_is_int(v))
        return strtoll(v->text, NULL, 10);
    return (int64_t)v->number;
}

/* _set_otel_proto_anyvalue of a Python value (json.loads' result) */
static mlf__any *mlf__any_of(mlf_pool *pool, const mlf_json *v)
{
    mlf__any *a = MLF_NEW(pool, mlf__any);
    opentelemetry__proto__common__v1__any_value__init(a);
    if (v == NULL)
        return a;
    switch (v->type) {
    case MLF_JSON_NULL:
        break;
    case MLF_JSON_BOOL:
        a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
        a->bool_value = v->boolean;
        break;
    case MLF_JSON_NUMBER:
        if (mlf_json_is_int(v)) {
            a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
            a->int_value = strtoll(v->text, NULL, 10);
        } else {
            a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
            a->double_value = v->number;
        }
        break;
    case MLF_JSON_STRING:
        a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
        a->string_value = (char *)v->text;
        break;
    case MLF_JSON_ARRAY: {
        Opentelemetry__Proto__Common__V1__ArrayValue *arr = MLF_NEW(pool, Opentelemetry__Proto__Common__V1__ArrayValue);
        opentelemetry__proto__common__v1__array_value__init(arr);
        arr->n_values = v->n;
        arr->values = MLF_NEW_ARRAY(pool, mlf__any *, v->n ? v->n : 1);
        for (size_t i = 0; i < v->n; i++)
            arr->values[i] = mlf__any_of(pool, v->items[i]);
        a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE;
        a->array_value = arr;
        break;
    }
    case MLF_JSON_OBJECT: {
        Opentelemetry__Proto__Common__V1__KeyValueList *l = MLF_NEW(pool, Opentelemetry__Proto__Common__V1__KeyValueList);
        opentelemetry__proto__common__v1__key_value_list__init(l);
        l->n_values = v->n;
        l->values = MLF_NEW_ARRAY(pool, mlf__kv *, v->n ? v->n : 1);
        for (size_t i = 0; i < v->n; i++) {
            mlf__kv *kv = MLF_NEW(pool, mlf__kv);
            opentelemetry__proto__common__v1__key_value__init(kv);
            kv->key = (char *)v->keys[i];
            kv->value = v->items[i]->type == MLF_JSON_NULL ? NULL : mlf__any_of(pool, v->items[i]);
            l->values[i] = kv;
        }
        a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE;
        a->kvlist_value = l;
        break;
    }
    }
    return a;
}

/* The attributes of a dict as KeyValues; decode: each value is a JSON text to load first (span attributes). */
static mlf__kv **mlf__kvs_of(mlf_pool *pool, const mlf_json *obj, bool decode, size_t *ret_n)
{
    *ret_n = 0;
    if (obj == NULL || obj->type != MLF_JSON_OBJECT)
        return NULL;
    mlf__kv **out = MLF_NEW_ARRAY(pool, mlf__kv *, obj->n ? obj->n : 1);
    for (size_t i = 0; i < obj->n; i++) {
        mlf__kv *kv = MLF_NEW(pool, mlf__kv);
        opentelemetry__proto__common__v1__key_value__init(kv);
        kv->key = (char *)obj->keys[i];
        const mlf_json *v = obj->items[i];
        if (decode && v->type == MLF_JSON_STRING) {
            mlf_json *d = mlf__loads(pool, v->text);
            v = d != NULL ? d : v;
        }
        /* None leaves the KeyValue's value unset (an array keeps an empty AnyValue) */
        kv->value = v->type == MLF_JSON_NULL ? NULL : mlf__any_of(pool, v);
        out[i] = kv;
    }
    *ret_n = obj->n;
    return out;
}

static ProtobufCBinaryData mlf__bytes_b64(mlf_pool *pool, const mlf_json *v)
{
    ProtobufCBinaryData b = {0, NULL};
    unsigned char *data;
    size_t len;
    if (v != NULL && v->type == MLF_JSON_STRING &&
        mlf_text_b64_decode(pool, v->text, v->len, 0, &data, &len) == 0) {
        b.data = data;
        b.len = len;
    }
    return b;
}

/* bytes.fromhex of the hex after an optional "tr-" (the id's width in bytes) */
static ProtobufCBinaryData mlf__bytes_hex(mlf_pool *pool, const char *s, size_t width)
{
    ProtobufCBinaryData b = {0, NULL};
    if (s == NULL)
        return b;
    if (strncmp(s, "tr-", 3) == 0)
        s += 3;
    size_t n = strlen(s);
    unsigned char *d = mlf_pool_alloc(pool, width);
    memset(d, 0, width);
    for (size_t i = 0; i < width && 2 * i + 1 < n + 0; i++) {
        size_t at = n >= 2 * width ? n - 2 * width + 2 * i : 2 * i;
        int hi = mlf_text_hex_value(s[at]), lo = mlf_text_hex_value(s[at + 1]);
        d[i] = (unsigned char)((hi < 0 ? 0 : hi) * 16 + (lo < 0 ? 0 : lo));
    }
    b.data = d;
    b.len = width;
    return b;
}

/* Span.from_dict(content).to_otel_proto(); NULL when the content is not a span's dict (a 500 in MLflow). */
static mlf__otel_span *mlf__span_of(mlf_pool *pool, const char *content)
{
    mlf_json *d = mlf__loads(pool, content);
    if (d == NULL || d->type != MLF_JSON_OBJECT)
        return NULL;
    mlf__otel_span *o = MLF_NEW(pool, mlf__otel_span);
    opentelemetry__proto__trace__v1__span__init(o);
    const mlf_json *tid = mlf_json_get(d, "trace_id");
    if (tid != NULL && tid->type == MLF_JSON_STRING && strncmp(tid->text, "tr-", 3) == 0)
        o->trace_id = mlf__bytes_hex(pool, tid->text, 16);
    else
        o->trace_id = mlf__bytes_b64(pool, tid);
    o->span_id = mlf__bytes_b64(pool, mlf_json_get(d, "span_id"));
    const mlf_json *pid = mlf_json_get(d, "parent_span_id");
    if (pid != NULL && pid->type == MLF_JSON_STRING && pid->len > 0)
        o->parent_span_id = mlf__bytes_b64(pool, pid);
    const mlf_json *name = mlf_json_get(d, "name");
    o->name = name != NULL && name->type == MLF_JSON_STRING ? (char *)name->text : (char *)"";
    const mlf_json *kind = mlf_json_get(d, "kind");
    o->kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_INTERNAL;
    if (kind != NULL && kind->type == MLF_JSON_STRING)
        for (int k = 1; k <= 5; k++)
            if (strcmp(kind->text, mlf__kind_name(k)) == 0 && k != 0)
                o->kind = (Opentelemetry__Proto__Trace__V1__Span__SpanKind)k;
    o->start_time_unix_nano = (uint64_t)mlf__int(mlf_json_get(d, "start_time_unix_nano"));
    o->end_time_unix_nano = (uint64_t)mlf__int(mlf_json_get(d, "end_time_unix_nano"));
    o->attributes = mlf__kvs_of(pool, mlf_json_get(d, "attributes"), true, &o->n_attributes);
    const mlf_json *events = mlf_json_get(d, "events");
    if (events != NULL && events->type == MLF_JSON_ARRAY && events->n > 0) {
        o->n_events = events->n;
        o->events = MLF_NEW_ARRAY(pool, Opentelemetry__Proto__Trace__V1__Span__Event *, events->n);
        for (size_t i = 0; i < events->n; i++) {
            Opentelemetry__Proto__Trace__V1__Span__Event *e = MLF_NEW(pool, Opentelemetry__Proto__Trace__V1__Span__Event);
            opentelemetry__proto__trace__v1__span__event__init(e);
            const mlf_json *en = mlf_json_get(events->items[i], "name");
            e->name = en != NULL && en->type == MLF_JSON_STRING ? (char *)en->text : (char *)"";
            e->time_unix_nano = (uint64_t)mlf__int(mlf_json_get(events->items[i], "time_unix_nano"));
            e->attributes = mlf__kvs_of(pool, mlf_json_get(events->items[i], "attributes"), false, &e->n_attributes);
            o->events[i] = e;
        }
    }
    Opentelemetry__Proto__Trace__V1__Status *st = MLF_NEW(pool, Opentelemetry__Proto__Trace__V1__Status);
    opentelemetry__proto__trace__v1__status__init(st);
    const mlf_json *status = mlf_json_get(d, "status");
    const mlf_json *code = status != NULL ? mlf_json_get(status, "code") : NULL;
    const mlf_json *msg = status != NULL ? mlf_json_get(status, "message") : NULL;
    if (code != NULL && code->type == MLF_JSON_STRING) {
        if (strcmp(code->text, "STATUS_CODE_OK") == 0 || strcmp(code->text, "OK") == 0)
            st->code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_OK;
        else if (strcmp(code->text, "STATUS_CODE_ERROR") == 0 || strcmp(code->text, "ERROR") == 0)
            st->code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR;
    }
    /* OTel keeps a description for errors only */
    if (st->code == OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR && msg != NULL &&
        msg->type == MLF_JSON_STRING)
        st->message = (char *)msg->text;
    o->status = st;
    const mlf_json *links = mlf_json_get(d, "links");
    if (links != NULL && links->type == MLF_JSON_ARRAY && links->n > 0) {
        o->n_links = links->n;
        o->links = MLF_NEW_ARRAY(pool, Opentelemetry__Proto__Trace__V1__Span__Link *, links->n);
        for (size_t i = 0; i < links->n; i++) {
            Opentelemetry__Proto__Trace__V1__Span__Link *l = MLF_NEW(pool, Opentelemetry__Proto__Trace__V1__Span__Link);
            opentelemetry__proto__trace__v1__span__link__init(l);
            const mlf_json *lt = mlf_json_get(links->items[i], "trace_id");
            const mlf_json *ls = mlf_json_get(links->items[i], "span_id");
            l->trace_id = mlf__bytes_hex(pool, lt != NULL && lt->type == MLF_JSON_STRING ? lt->text : NULL, 16);
            l->span_id = mlf__bytes_hex(pool, ls != NULL && ls->type == MLF_JSON_STRING ? ls->text : NULL, 8);
            l->attributes = mlf__kvs_of(pool, mlf_json_get(links->items[i], "attributes"), false, &l->n_attributes);
            o->links[i] = l;
        }
    }
    return o;
}

/* Trace.to_proto() of a read trace. */
static int mlf__trace_proto(mlf_pool *pool, const mlf_store_trace_data *d, Mlflow__Trace **ret, mlf_error *err)
{
    Mlflow__Trace *t = MLF_NEW(pool, Mlflow__Trace);
    mlflow__trace__init(t);
    t->trace_info = d->info;
    t->n_spans = d->n_spans;
    t->spans = MLF_NEW_ARRAY(pool, mlf__otel_span *, d->n_spans ? d->n_spans : 1);
    for (size_t i = 0; i < d->n_spans; i++) {
        t->spans[i] = mlf__span_of(pool, d->contents[i]);
        if (t->spans[i] == NULL)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Failed to create a Span object from the given dictionary");
    }
    *ret = t;
    return 0;
}

/*
 * GetTrace.Response of a read trace in compact JSON, as mlf_pbjson_write writes it from mlf__trace_proto's
 * message, but span by span: each span's dict is loaded, made an OTLP span and written in a scratch pool
 * emptied before the next, so that a 1,000-span trace's work stays in the CPU's cache rather than building
 * every span (megabytes) before writing any. On an error buf's contents are undefined.
 */
static int mlf__trace_json(mlf_pool *pool, const mlf_store_trace_data *d, mlf_buf *buf, mlf_error *err)
{
    size_t size = 64;
    for (size_t i = 0; i < d->n_spans; i++)
        size += strlen(d->contents[i]) + strlen(d->contents[i]) / 4 + 64;
    mlf_buf_reserve(buf, size);
    /* GetTrace.Response (depth 0) > Trace (1) > trace_info, spans (2) */
    mlf_buf_puts(buf, "{\"trace\":{\"trace_info\":");
    mlf_pbjson_write_nested(buf, &d->info->base, 2);
    if (d->n_spans > 0) {
        mlf_buf_puts(buf, ",\"spans\":[");
        mlf_pool *scratch = mlf_pool_create();
        for (size_t i = 0; i < d->n_spans; i++) {
            mlf__otel_span *o = mlf__span_of(scratch, d->contents[i]);
            if (o == NULL) {
                mlf_pool_destroy(scratch);
                return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                     "Failed to create a Span object from the given dictionary");
            }
            if (i > 0)
                mlf_buf_putc(buf, ',');
            mlf_pbjson_write_nested(buf, &o->base, 2);
            mlf_pool_reset(scratch);
        }
        mlf_pool_destroy(scratch);
        mlf_buf_putc(buf, ']');
    }
    mlf_buf_puts(buf, "}}");
    return 0;
}

static const char *mlf__tag(const Mlflow__TraceInfoV3 *ti, const char *key)
{
    for (size_t i = 0; i < ti->n_tags; i++)
        if (strcmp(ti->tags[i]->key, key) == 0)
            return ti->tags[i]->value;
    return NULL;
}

static const char *mlf__meta(const Mlflow__TraceInfoV3 *ti, const char *key)
{
    for (size_t i = 0; i < ti->n_trace_metadata; i++)
        if (strcmp(ti->trace_metadata[i]->key, key) == 0)
            return ti->trace_metadata[i]->value;
    return NULL;
}

/*
 * _get_spans_with_trace_info: 1 when the spans are complete, 0 when fewer than the size stats say (not fully
 * exported), or MLflow's error for a trace whose spans are not in the store (MlflowTracingException).
 */
static int mlf__spans_ready(mlf_pool *pool, const mlf_store_trace_data *d, bool allow_partial, mlf_error *err)
{
    const char *loc = mlf__tag(d->info, "mlflow.trace.spansLocation");
    if (loc == NULL || strcmp(loc, "TRACKING_STORE") != 0)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "Trace data not stored in tracking store");
    const char *stats = allow_partial ? NULL : mlf__meta(d->info, "mlflow.trace.sizeStats");
    if (stats != NULL && stats[0] != '\0') {
        mlf_json *sj = mlf__loads(pool, stats);
        const mlf_json *num = sj != NULL && sj->type == MLF_JSON_OBJECT ? mlf_json_get(sj, "num_spans") : NULL;
        if (num != NULL && num->type == MLF_JSON_NUMBER && (double)d->n_spans < num->number)
            return 0;
    }
    return 1;
}

int mlf_tracking_get_trace(mlf_ctx *ctx, const Mlflow__GetTrace *req, Mlflow__GetTrace__Response *resp,
                           mlf_error *err)
{
    bool allow_partial = req->has_allow_partial && req->allow_partial;
    mlf_store_trace_data d;
    int rc = mlf_store_get_trace(ctx->svc->store, ctx->pool, req->trace_id, &d, err);
    if (rc < 0)
        return rc;
    rc = mlf__spans_ready(ctx->pool, &d, allow_partial, err);
    if (rc < 0)
        return rc;
    /* MLflow retries for three seconds before it says so; our spans are committed when logged */
    if (!allow_partial && (rc == 0 || d.n_spans == 0))
        return mlf_error_set(err, ctx->pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST,
                             "Trace with ID %s is not fully exported yet, please try again later.", req->trace_id);
    if (rc == 0)
        d.n_spans = 0;
    if (ctx->json_out != NULL)
        return mlf__trace_json(ctx->pool, &d, ctx->json_out, err);
    return mlf__trace_proto(ctx->pool, &d, &resp->trace, err);
}

int mlf_tracking_batch_get_traces(mlf_ctx *ctx, const Mlflow__BatchGetTraces *req,
                                  Mlflow__BatchGetTraces__Response *resp, mlf_error *err)
{
    mlf_store_trace_data *ds;
    size_t n;
    int rc = mlf_store_batch_get_traces(ctx->svc->store, ctx->pool, (const char *const *)req->trace_ids,
                                        req->n_trace_ids,
                                        mlf_ctx_has_field(ctx, "experiment_ids", "experimentIds",
                                                          req->n_experiment_ids),
                                        (const char *const *)req->experiment_ids, req->n_experiment_ids, &ds, &n, err);
    if (rc < 0)
        return rc;
    resp->traces = MLF_NEW_ARRAY(ctx->pool, Mlflow__Trace *, n ? n : 1);
    resp->n_traces = 0;
    for (size_t i = 0; i < n; i++) {
        rc = mlf__spans_ready(ctx->pool, &ds[i], false, err);
        if (rc < 0)
            return rc;
        if (rc == 0 || ds[i].n_spans == 0) /* only complete traces (search_traces depends on it) */
            continue;
        if ((rc = mlf__trace_proto(ctx->pool, &ds[i], &resp->traces[resp->n_traces], err)) < 0)
            return rc;
        resp->n_traces++;
    }
    return 0;
}

int mlf_span_trace_data_json(mlf_ctx *ctx, const char *trace_id, char **ret, size_t *ret_len,
                             Mlflow__TraceInfoV3 **ret_info, mlf_error *err)
{
    *ret = NULL;
    *ret_len = 0;
    mlf_store_trace_data d;
    int rc = mlf_store_get_trace(ctx->svc->store, ctx->pool, trace_id, &d, err);
    if (rc < 0)
        return rc;
    *ret_info = d.info;
    const char *loc = mlf__tag(d.info, "mlflow.trace.spansLocation");
    if (loc == NULL || strcmp(loc, "TRACKING_STORE") != 0 || d.n_spans == 0)
        return 0;
    /* TraceData.to_json_bytes: the stored contents as they are, in one {"spans": [...]} */
    mlf_buf b;
    mlf_buf_init(&b, ctx->pool, 1024);
    mlf_buf_puts(&b, "{\"spans\":[");
    for (size_t i = 0; i < d.n_spans; i++) {
        if (i > 0)
            mlf_buf_putc(&b, ',');
        mlf_buf_puts(&b, d.contents[i]);
    }
    mlf_buf_puts(&b, "]}");
    *ret = b.data;
    *ret_len = b.len;
    return 0;
}
