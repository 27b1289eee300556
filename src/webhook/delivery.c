/*
 * Webhook delivery (mlflow/webhooks/delivery.py, constants.py, ssrf.py and
 * utils/validation.py's _validate_webhook_url at MLflow 3.18) with libcurl.
 *
 * Differences that are choices, not accidents: MLflow caches each event's
 * webhook list for MLFLOW_WEBHOOK_CACHE_TTL seconds, so a webhook created or
 * disabled within that time may be missed or still served; here the cache
 * (same TTL) is also dropped by every webhook write of this server, and it is
 * read on a delivery thread (off the request path, after the write
 * committed). The prompt check of the tag and alias events (_is_prompt, a
 * read of the registered model) runs there too. The delivery threads run
 * under SCHED_IDLE, below the request threads: under a load that keeps the
 * CPUs busy, deliveries lag behind the writes (their queue grows) instead of
 * slowing them. On shutdown queued deliveries are dropped and requests under way cut
 * short, as MLflow's in-process executor loses them when its process ends.
 */
#define _GNU_SOURCE /* SCHED_IDLE */
#include "webhook/delivery.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/rand.h>

#include "json/json.h"
#include "store/pystr.h"
#include "store/store.h"
#include "store/uri.h"

/* ------------------------------------------------------------ settings */

static long mlf__env_long(const char *name, long dflt)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0')
        return dflt;
    char *end;
    long n = strtol(v, &end, 10);
    return *end == '\0' ? n : dflt;
}

int mlf_webhook_settings_from_env(mlf_webhook_settings *ret, const char **ret_message)
{
    memset(ret, 0, sizeof(*ret));
    const char *key = getenv("MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY");
    if (key != NULL && *key != '\0') {
        if (mlf_fernet_key_parse(key, &ret->key) < 0) {
            *ret_message = "Fernet key must be 32 url-safe base64-encoded bytes.";
            return -1;
        }
    } else {
        mlf_fernet_key_generate(&ret->key);
    }
    ret->timeout_s = mlf__env_long("MLFLOW_WEBHOOK_REQUEST_TIMEOUT", 30);
    ret->max_retries = (int)mlf__env_long("MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES", 3);
    ret->workers = (int)mlf__env_long("MLFLOW_WEBHOOK_DELIVERY_MAX_WORKERS", 10);
    ret->cache_ttl_s = mlf__env_long("MLFLOW_WEBHOOK_CACHE_TTL", 60);
    if (ret->workers < 1)
        ret->workers = 1;
    const char *priv = getenv("MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS");
    ret->allow_private_ips = priv != NULL && (strcasecmp(priv, "true") == 0 || strcmp(priv, "1") == 0);
    const char *schemes = getenv("MLFLOW_WEBHOOK_ALLOWED_SCHEMES");
    /* _split_strip: "a, b" -> "a,b" */
    size_t o = 0;
    const char *p = schemes != NULL ? schemes : "https";
    while (*p && o + 1 < sizeof(ret->schemes)) {
        const char *e = strchr(p, ',');
        size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
        const char *b = p, *z = p + n;
        while (b < z && isspace((unsigned char)*b))
            b++;
        while (z > b && isspace((unsigned char)z[-1]))
            z--;
        if (o > 0)
            ret->schemes[o++] = ',';
        for (; b < z && o + 1 < sizeof(ret->schemes); b++)
            ret->schemes[o++] = *b;
        if (e == NULL)
            break;
        p = e + 1;
    }
    ret->schemes[o] = '\0';
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return 0;
}

/* ------------------------------------------------------------ URL checks */

static bool mlf__in4(uint32_t a, uint32_t net, int bits)
{
    uint32_t mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
    return (a & mask) == (net & mask);
}

/* ipaddress.IPv4Address.is_global */
static bool mlf__v4_global(uint32_t a)
{
    static const struct {
        uint32_t net;
        int bits;
    } priv[] = {
        {0x00000000, 8},  {0x0a000000, 8},  {0x7f000000, 8},  {0xa9fe0000, 16}, {0xac100000, 12},
        {0xc0000000, 29}, {0xc00000aa, 31}, {0xc0000200, 24}, {0xc0a80000, 16}, {0xc6120000, 15},
        {0xc6336400, 24}, {0xcb007100, 24}, {0xf0000000, 4},  {0xffffffff, 32}, {0x64400000, 10},
    };
    for (size_t i = 0; i < sizeof(priv) / sizeof(priv[0]); i++)
        if (mlf__in4(a, priv[i].net, priv[i].bits))
            return false;
    return true;
}

static bool mlf__in6(const unsigned char *a, const unsigned char *net, int bits)
{
    for (int i = 0; i < 16 && bits > 0; i++, bits -= 8) {
        unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
        if ((a[i] & mask) != (net[i] & mask))
            return false;
    }
    return true;
}

/* _is_public_ip: IPv6 transition forms (mapped, 6to4, NAT64) judged by their IPv4 address, else is_global */
static bool mlf__ip_public(int family, const void *addr)
{
    if (family == AF_INET)
        return mlf__v4_global(ntohl(((const struct in_addr *)addr)->s_addr));
    const unsigned char *a = addr;
    static const unsigned char mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char nat64[16] = {0, 0x64, 0xff, 0x9b};
    static const unsigned char six2four[16] = {0x20, 0x02};
    uint32_t v4;
    if (mlf__in6(a, mapped, 96) || mlf__in6(a, nat64, 96)) {
        memcpy(&v4, a + 12, 4);
        return mlf__v4_global(ntohl(v4));
    }
    if (mlf__in6(a, six2four, 16)) {
        memcpy(&v4, a + 2, 4);
        return mlf__v4_global(ntohl(v4));
    }
    static const struct {
        unsigned char net[16];
        int bits;
    } priv[] = {
        {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128},
        {{0}, 128},
        {{0x01, 0x00}, 64},
        {{0x20, 0x01, 0x00, 0x00}, 23},
        {{0x20, 0x01, 0x00, 0x02}, 48},
        {{0x20, 0x01, 0x0d, 0xb8}, 32},
        {{0x20, 0x01, 0x00, 0x10}, 28},
        {{0xfc}, 7},
        {{0xfe, 0x80}, 10},
    };
    for (size_t i = 0; i < sizeof(priv) / sizeof(priv[0]); i++)
        if (mlf__in6(a, priv[i].net, priv[i].bits))
            return false;
    return true;
}

/* str() of Python 3.11's ip_address: IPv6 as hextets with the longest run of 2+ zero hextets compressed,
   never in the dotted form inet_ntop gives IPv4-mapped addresses */
static const char *mlf__ip_text(mlf_pool *pool, int family, const void *addr)
{
    char buf[INET6_ADDRSTRLEN];
    if (family == AF_INET)
        return inet_ntop(family, addr, buf, sizeof(buf)) != NULL ? mlf_pool_strdup(pool, buf) : "?";
    const unsigned char *a = addr;
    unsigned h[8];
    for (int i = 0; i < 8; i++)
        h[i] = (unsigned)(a[2 * i] << 8 | a[2 * i + 1]);
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (h[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && h[j] == 0)
            j++;
        if (j - i > best_len && j - i > 1) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    mlf_buf out;
    mlf_buf_init(&out, pool, 48);
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            mlf_buf_puts(&out, i == 0 ? "::" : ":");
            i += best_len - 1;
            continue;
        }
        mlf_buf_printf(&out, "%x", h[i]);
        if (i < 7)
            mlf_buf_puts(&out, ":");
    }
    return out.data;
}

static bool mlf__scheme_allowed(const mlf_webhook_settings *s, const char *scheme)
{
    const char *p = s->schemes;
    size_t n = strlen(scheme);
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, scheme, n) == 0)
            return true;
        if (e == NULL)
            break;
        p = e + 1;
    }
    return false;
}

int mlf_webhook_validate_url(mlf_pool *pool, const mlf_webhook_settings *s, const char *url, mlf_error *err)
{
    const char *u = url != NULL ? url : "";
    const char *t = u;
    while (*t && isspace((unsigned char)*t))
        t++;
    if (*t == '\0')
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Webhook URL cannot be empty or just whitespace: %s", mlf_pystr_repr(pool, u));
    mlf_url parsed;
    mlf_error perr = {0};
    if (mlf_uri_parse(pool, u, &parsed, &perr) < 0)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid webhook URL %s: ValueError(%s)",
                             mlf_pystr_repr(pool, u), mlf_pystr_repr(pool, perr.message ? perr.message : ""));
    if (!mlf__scheme_allowed(s, parsed.scheme)) {
        mlf_buf list;
        mlf_buf_init(&list, pool, 64);
        for (const char *p = s->schemes; *p; p++)
            mlf_buf_puts(&list, *p == ',' ? ", " : (char[]){*p, 0});
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid webhook URL scheme: %s. Allowed schemes are: %s.",
                             mlf_pystr_repr(pool, parsed.scheme), list.data);
    }
    const char *host = mlf_uri_hostname(pool, &parsed);
    if (host == NULL)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Webhook URL must include a hostname: %s",
                             mlf_pystr_repr(pool, u));
    if (s->allow_private_ips)
        return 0;
    struct addrinfo *ai = NULL;
    int g = getaddrinfo(host, NULL, NULL, &ai);
    if (g != 0)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Cannot resolve Webhook URL hostname %s: [Errno %d] %s", mlf_pystr_repr(pool, host), g,
                             gai_strerror(g));
    int rc = 0;
    for (struct addrinfo *p = ai; p != NULL && rc == 0; p = p->ai_next) {
        const void *addr = p->ai_family == AF_INET ? (const void *)&((struct sockaddr_in *)p->ai_addr)->sin_addr
                                                   : (const void *)&((struct sockaddr_in6 *)p->ai_addr)->sin6_addr;
        if (!mlf__ip_public(p->ai_family, addr))
            rc = mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                               "Webhook URL must not resolve to a non-public IP address. %s resolves to %s.",
                               mlf_pystr_repr(pool, host), mlf__ip_text(pool, p->ai_family, addr));
    }
    freeaddrinfo(ai);
    return rc;
}

/* ------------------------------------------------------------ enums and JSON */

const char *mlf_webhook_enum_text(mlf_pool *pool, const ProtobufCEnumDescriptor *d, int value)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
    if (v == NULL)
        return NULL;
    char *s = mlf_pool_strdup(pool, v->name);
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return s;
}

int mlf_webhook_enum_value(mlf_pool *pool, const ProtobufCEnumDescriptor *d, const char *text)
{
    char *up = mlf_pool_strdup(pool, text);
    for (char *p = up; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value_by_name(d, up);
    return v != NULL ? v->value : 0;
}

void mlf_webhook_json_key(mlf_buf *buf, const char *key, bool first)
{
    if (!first)
        mlf_buf_puts(buf, ", ");
    mlf_json_write_string_ascii(buf, key, strlen(key));
    mlf_buf_puts(buf, ": ");
}

void mlf_webhook_json_str(mlf_buf *buf, const char *value)
{
    if (value == NULL)
        mlf_buf_puts(buf, "null");
    else
        mlf_json_write_string_ascii(buf, value, strlen(value));
}

const char *mlf_webhook_example_data(const char *entity, const char *action)
{
    static const struct {
        const char *entity, *action, *data;
    } examples[] = {
        {"registered_model", "created",
         "{\"name\": \"example_model\", \"tags\": {\"example_key\": \"example_value\"}, "
         "\"description\": \"An example registered model\"}"},
        {"model_version", "created",
         "{\"name\": \"example_model\", \"version\": \"1\", \"source\": \"models:/123\", \"run_id\": "
         "\"abcd1234abcd5678\", \"tags\": {\"example_key\": \"example_value\"}, \"description\": \"An example model "
         "version\"}"},
        {"model_version_tag", "set",
         "{\"name\": \"example_model\", \"version\": \"1\", \"key\": \"example_key\", \"value\": \"example_value\"}"},
        {"model_version_tag", "deleted", "{\"name\": \"example_model\", \"version\": \"1\", \"key\": \"example_key\"}"},
        {"model_version_alias", "created",
         "{\"name\": \"example_model\", \"alias\": \"example_alias\", \"version\": \"1\"}"},
        {"model_version_alias", "deleted", "{\"name\": \"example_model\", \"alias\": \"example_alias\"}"},
        {"prompt", "created",
         "{\"name\": \"example_prompt\", \"tags\": {\"example_key\": \"example_value\"}, \"description\": \"An "
         "example prompt\"}"},
        {"prompt_version", "created",
         "{\"name\": \"example_prompt\", \"version\": \"1\", \"template\": \"Hello {{name}}!\", \"tags\": "
         "{\"example_key\": \"example_value\"}, \"description\": \"An example prompt version\"}"},
        {"prompt_tag", "set", "{\"name\": \"example_prompt\", \"key\": \"example_key\", \"value\": \"example_value\"}"},
        {"prompt_tag", "deleted", "{\"name\": \"example_prompt\", \"key\": \"example_key\"}"},
        {"prompt_version_tag", "set",
         "{\"name\": \"example_prompt\", \"version\": \"1\", \"key\": \"example_key\", \"value\": \"example_value\"}"},
        {"prompt_version_tag", "deleted",
         "{\"name\": \"example_prompt\", \"version\": \"1\", \"key\": \"example_key\"}"},
        {"prompt_alias", "created", "{\"name\": \"example_prompt\", \"alias\": \"example_alias\", \"version\": \"1\"}"},
        {"prompt_alias", "deleted", "{\"name\": \"example_prompt\", \"alias\": \"example_alias\"}"},
        {"budget_policy", "exceeded",
         "{\"budget_policy_id\": \"bp-abc123\", \"budget_unit\": \"USD\", \"budget_amount\": 100.0, "
         "\"current_spend\": 105.5, \"duration_unit\": \"MONTHS\", \"duration_value\": 1, \"target_scope\": "
         "\"ENDPOINT\", \"workspace\": \"default\", \"target_value\": \"ep-abc123\", \"window_start\": "
         "1704067200000}"},
    };
    for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
        if (strcmp(examples[i].entity, entity) == 0 && strcmp(examples[i].action, action) == 0)
            return examples[i].data;
    return "{}";
}

/* ------------------------------------------------------------ sending */

/* the pool's stop flag, set under its mutex and read anywhere */
static bool mlf__stopped(const int *stop)
{
    return stop != NULL && __atomic_load_n(stop, __ATOMIC_RELAXED) != 0;
}

typedef struct {
    const mlf_webhook_settings *s;
    mlf_pool *pool;
    mlf_buf body;
    long retry_after; /* seconds, -1: none */
    const char *blocked; /* the peer address the SSRF check refused */
    const int *stop;
} mlf__req;

static size_t mlf__on_body(char *data, size_t size, size_t n, void *arg)
{
    mlf__req *r = arg;
    mlf_buf_append(&r->body, data, size * n);
    return size * n;
}

static size_t mlf__on_header(char *data, size_t size, size_t n, void *arg)
{
    mlf__req *r = arg;
    size_t len = size * n;
    if (len > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
        char *end;
        long v = strtol(data + 12, &end, 10);
        if (end != data + 12 && v >= 0)
            r->retry_after = v;
    }
    return len;
}

static int mlf__on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    mlf__req *r = arg;
    return mlf__stopped(r->stop) ? 1 : 0;
}

/* ssrf.py's _assert_public_peer, at connect time: the address curl is about to connect to must be public */
static curl_socket_t mlf__open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    (void)purpose;
    mlf__req *r = arg;
    if (!r->s->allow_private_ips) {
        const void *addr = a->family == AF_INET ? (const void *)&((struct sockaddr_in *)&a->addr)->sin_addr
                                                : (const void *)&((struct sockaddr_in6 *)&a->addr)->sin6_addr;
        if ((a->family != AF_INET && a->family != AF_INET6) || !mlf__ip_public(a->family, addr)) {
            r->blocked = a->family == AF_INET || a->family == AF_INET6 ? mlf__ip_text(r->pool, a->family, addr) : "?";
            return CURL_SOCKET_BAD;
        }
    }
    return socket(a->family, a->socktype, a->protocol);
}

/* datetime.now(timezone.utc).isoformat() */
static const char *mlf__iso_now(mlf_pool *pool)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    long us = ts.tv_nsec / 1000;
    char head[32];
    strftime(head, sizeof(head), "%Y-%m-%dT%H:%M:%S", &tm);
    return us != 0 ? mlf_pool_sprintf(pool, "%s.%06ld+00:00", head, us) : mlf_pool_sprintf(pool, "%s+00:00", head);
}

static const char *mlf__uuid4(mlf_pool *pool)
{
    unsigned char b[16];
    if (RAND_bytes(b, 16) != 1)
        abort();
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    return mlf_pool_sprintf(pool, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                            b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* sleeps ms unless stop is set first */
static void mlf__sleep_ms(long ms, const int *stop)
{
    while (ms > 0 && !mlf__stopped(stop)) {
        long step = ms < 50 ? ms : 50;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* urllib3 2.x Retry.get_backoff_time with backoff_factor 1, backoff_jitter 1, backoff_max 60 */
static long mlf__backoff_ms(int consecutive)
{
    if (consecutive <= 1)
        return 0;
    double v = (double)(1L << (consecutive - 1 < 30 ? consecutive - 1 : 30));
    unsigned char r[2];
    if (RAND_bytes(r, 2) == 1)
        v += (double)((r[0] << 8) | r[1]) / 65536.0;
    if (v > 60.0)
        v = 60.0;
    return (long)(v * 1000.0);
}

/* mlf_webhook_send on the easy handle h, which keeps its connections for the next send (keep-alive) */
static void mlf__send(CURL *h, mlf_pool *pool, const mlf_webhook_settings *s, const char *url, const char *secret,
                      const char *entity, const char *action, const char *data_json, const int *stop,
                      mlf_webhook_result *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->body = "";
    mlf_error verr = {0};
    if (mlf_webhook_validate_url(pool, s, url, &verr) < 0) {
        ret->error = mlf_pool_sprintf(pool, "MlflowException(%s)", mlf_pystr_repr(pool, verr.message));
        return;
    }
    mlf_buf payload;
    mlf_buf_init(&payload, pool, strlen(data_json) + 160);
    mlf_buf_puts(&payload, "{");
    mlf_webhook_json_key(&payload, "entity", true);
    mlf_webhook_json_str(&payload, entity);
    mlf_webhook_json_key(&payload, "action", false);
    mlf_webhook_json_str(&payload, action);
    mlf_webhook_json_key(&payload, "timestamp", false);
    mlf_webhook_json_str(&payload, mlf__iso_now(pool));
    mlf_webhook_json_key(&payload, "data", false);
    mlf_buf_puts(&payload, data_json);
    mlf_buf_puts(&payload, "}");
    const char *delivery_id = mlf__uuid4(pool);
    const char *stamp = mlf_pool_sprintf(pool, "%lld", (long long)time(NULL));

    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, mlf_pool_sprintf(pool, "X-MLflow-Delivery-Id: %s", delivery_id));
    headers = curl_slist_append(headers, mlf_pool_sprintf(pool, "X-MLflow-Timestamp: %s", stamp));
    if (secret != NULL && secret[0] != '\0')
        headers = curl_slist_append(
            headers, mlf_pool_sprintf(pool, "X-MLflow-Signature: %s",
                                      mlf_webhook_signature(pool, secret, delivery_id, stamp, payload.data,
                                                            payload.len)));
    headers = curl_slist_append(headers, "Expect:");

    curl_easy_reset(h);
    mlf__req r = {.s = s, .pool = pool, .stop = stop};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload.data);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)payload.len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "mlflow-c");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROXY, ""); /* trust_env = False: no proxy from the environment */
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 30L);
    /* requests' timeout=T is T to connect, then T of silence while reading; a receiver that
       answers a small payload at all answers at once, so T for the whole exchange */
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, s->timeout_s);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, s->timeout_s);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, mlf__on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, mlf__on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, mlf__on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &r);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, mlf__open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &r);

    int retries = s->max_retries < 0 ? 0 : s->max_retries;
    for (int attempt = 0;; attempt++) {
        mlf_buf_init(&r.body, pool, 256);
        r.retry_after = -1;
        r.blocked = NULL;
        CURLcode cc = curl_easy_perform(h);
        ret->attempts = attempt + 1;
        if (mlf__stopped(stop)) {
            ret->status = 0;
            ret->error = "ConnectionError('delivery cancelled: the server is shutting down')";
            break;
        }
        if (r.blocked != NULL) {
            ret->status = 0;
            ret->error = mlf_pool_sprintf(pool,
                                          "SSRFProtectionError('Webhook connection blocked: %s is not a public IP "
                                          "address. This may indicate a DNS rebinding attempt.')",
                                          r.blocked);
            break;
        }
        long status = 0;
        if (cc == CURLE_OK)
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        bool retry_status = status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
        if (cc == CURLE_OK && !(retry_status && attempt < retries)) {
            ret->status = (int)status;
            ret->body = r.body.data;
            ret->error = NULL;
            break;
        }
        if (cc != CURLE_OK) {
            const char *kind = cc == CURLE_OPERATION_TIMEDOUT && attempt >= retries ? "ConnectionError"
                                                                                    : "ConnectionError";
            ret->error = mlf_pool_sprintf(pool, "%s(%s)", kind,
                                          mlf_pystr_repr(pool, mlf_pool_sprintf(pool, "Max retries exceeded with url: "
                                                                                      "%s (Caused by %s)",
                                                                                url, curl_easy_strerror(cc))));
            if (attempt >= retries)
                break;
        }
        long wait = mlf__backoff_ms(attempt + 1);
        if (retry_status && r.retry_after >= 0 && (status == 429 || status == 503))
            wait = r.retry_after * 1000;
        mlf__sleep_ms(wait, stop);
    }
    curl_slist_free_all(headers);
}

void mlf_webhook_send(mlf_pool *pool, const mlf_webhook_settings *s, const char *url, const char *secret,
                      const char *entity, const char *action, const char *data_json, const int *stop,
                      mlf_webhook_result *ret)
{
    CURL *h = curl_easy_init();
    if (h == NULL)
        abort();
    mlf__send(h, pool, s, url, secret, entity, action, data_json, stop, ret);
    curl_easy_cleanup(h);
}

/* ------------------------------------------------------------ the delivery threads */

typedef struct mlf__job {
    struct mlf__job *next;
    char *entity, *prompt_entity, *name, *action, *data; /* an event; or a send when url is set */
    char *url, *secret;
} mlf__job;

/* an event's ACTIVE webhooks as last read: urls and plaintext secrets (malloc'd) */
typedef struct {
    bool valid;
    uint64_t gen;
    int64_t loaded_ms;
    size_t n;
    char **urls, **secrets;
} mlf__slot;

#define MLF__SLOTS 128 /* entity * 8 + action: WebhookEntity <= 10, WebhookAction <= 5 */

struct mlf_webhook_delivery {
    mlf_store *store;
    const mlf_webhook_settings *settings;
    pthread_mutex_t cache_mu;
    uint64_t gen; /* bumped by each webhook write: older slots are stale */
    mlf__slot slots[MLF__SLOTS];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    mlf__job *head, *tail;
    int stop;
    int nthreads;
    pthread_t *threads;
};

static char *mlf__dup(const char *s)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        abort();
    return d;
}

static void mlf__job_free(mlf__job *j)
{
    free(j->entity);
    free(j->prompt_entity);
    free(j->name);
    free(j->action);
    free(j->data);
    free(j->url);
    free(j->secret);
    free(j);
}

/* queues the chain first..last (n jobs linked by next) under one lock; one signal per job so idle
   workers pick them up; after stop the jobs are freed */
static void mlf__push_chain(mlf_webhook_delivery *d, mlf__job *first, mlf__job *last, size_t n)
{
    pthread_mutex_lock(&d->mu);
    if (d->stop) {
        pthread_mutex_unlock(&d->mu);
        for (mlf__job *j = first, *next; j != NULL; j = next) {
            next = j->next;
            mlf__job_free(j);
        }
        return;
    }
    if (d->tail != NULL)
        d->tail->next = first;
    else
        d->head = first;
    d->tail = last;
    for (size_t i = 0; i < n; i++)
        pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

static void mlf__push(mlf_webhook_delivery *d, mlf__job *j)
{
    mlf__push_chain(d, j, j, 1);
}

void mlf_webhook_delivery_emit(mlf_webhook_delivery *d, const char *entity, const char *prompt_entity,
                               const char *name, const char *action, const char *data_json)
{
    if (d == NULL)
        return;
    mlf__job *j = calloc(1, sizeof(*j));
    if (j == NULL)
        abort();
    j->entity = mlf__dup(entity);
    j->prompt_entity = mlf__dup(prompt_entity);
    j->name = mlf__dup(name);
    j->action = mlf__dup(action);
    j->data = mlf__dup(data_json);
    mlf__push(d, j);
}

/* RegisteredModel._is_prompt */
static bool mlf__is_prompt(mlf_webhook_delivery *d, mlf_pool *pool, const char *name, bool *ok)
{
    Mlflow__RegisteredModel *rm;
    mlf_error err = {0};
    *ok = mlf_store_get_registered_model(d->store, pool, name, &rm, &err) == 0;
    if (!*ok) {
        fprintf(stderr, "mlflow-c: webhook delivery: %s\n", err.message ? err.message : "registered model not found");
        return false;
    }
    for (size_t i = 0; i < rm->n_tags; i++)
        if (rm->tags[i]->key != NULL && strcmp(rm->tags[i]->key, "mlflow.prompt.is_prompt") == 0)
            return rm->tags[i]->value != NULL && strcasecmp(rm->tags[i]->value, "true") == 0;
    return false;
}

static int64_t mlf__mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void mlf__slot_clear(mlf__slot *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->urls[i]);
        free(s->secrets[i]);
    }
    free(s->urls);
    free(s->secrets);
    memset(s, 0, sizeof(*s));
}

/* the slot's lists copied into pool when fresh (0), else -1 */
static int mlf__cached(mlf_webhook_delivery *d, mlf_pool *pool, int slot, char ***urls, char ***secrets, size_t *n)
{
    int rc = -1;
    pthread_mutex_lock(&d->cache_mu);
    mlf__slot *s = &d->slots[slot];
    if (s->valid && s->gen == d->gen && mlf__mono_ms() - s->loaded_ms < d->settings->cache_ttl_s * 1000) {
        *n = s->n;
        *urls = MLF_NEW_ARRAY(pool, char *, s->n + 1);
        *secrets = MLF_NEW_ARRAY(pool, char *, s->n + 1);
        for (size_t i = 0; i < s->n; i++) {
            (*urls)[i] = mlf_pool_strdup(pool, s->urls[i]);
            (*secrets)[i] = s->secrets[i] != NULL ? mlf_pool_strdup(pool, s->secrets[i]) : NULL;
        }
        rc = 0;
    }
    pthread_mutex_unlock(&d->cache_mu);
    return rc;
}

/* list_webhooks_by_event, ACTIVE ones, secrets decrypted; kept in the event's slot */
static int mlf__load(mlf_webhook_delivery *d, mlf_pool *pool, const Mlflow__WebhookEvent *ev, const char *entity,
                     const char *action, char ***ret_urls, char ***ret_secrets, size_t *ret_n)
{
    pthread_mutex_lock(&d->cache_mu);
    uint64_t gen = d->gen;
    pthread_mutex_unlock(&d->cache_mu);
    Mlflow__Webhook **hooks;
    const char **secrets;
    size_t n;
    mlf_error err = {0};
    if (mlf_store_list_webhooks(d->store, pool, ev, INT32_MAX, 0, &hooks, &secrets, &n, &err) < 0) {
        fprintf(stderr, "mlflow-c: webhook delivery for event %s.%s failed: %s\n", entity, action,
                err.message ? err.message : "");
        return -1;
    }
    char **urls = MLF_NEW_ARRAY(pool, char *, n + 1);
    char **plain = MLF_NEW_ARRAY(pool, char *, n + 1);
    size_t m = 0;
    /* every secret is decrypted before anything is sent, as SqlWebhook rows load */
    for (size_t i = 0; i < n; i++) {
        char *p = NULL;
        if (secrets[i] != NULL && mlf_fernet_decrypt(pool, &d->settings->key, secrets[i], &p, NULL) < 0) {
            fprintf(stderr, "mlflow-c: webhook delivery for event %s.%s failed: InvalidToken (the secret of "
                            "webhook %s was encrypted with another key)\n",
                    entity, action, hooks[i]->webhook_id);
            return -1;
        }
        if (hooks[i]->status != MLFLOW__WEBHOOK_STATUS__ACTIVE)
            continue;
        urls[m] = hooks[i]->url;
        plain[m++] = p;
    }
    if (d->settings->cache_ttl_s > 0) {
        pthread_mutex_lock(&d->cache_mu);
        if (gen == d->gen) { /* no webhook write since the read began */
            mlf__slot *s = &d->slots[ev->entity * 8 + ev->action];
            mlf__slot_clear(s);
            s->urls = calloc(m + 1, sizeof(char *));
            s->secrets = calloc(m + 1, sizeof(char *));
            if (s->urls == NULL || s->secrets == NULL)
                abort();
            for (size_t i = 0; i < m; i++) {
                s->urls[i] = mlf__dup(urls[i]);
                s->secrets[i] = mlf__dup(plain[i]);
            }
            s->n = m;
            s->gen = gen;
            s->loaded_ms = mlf__mono_ms();
            s->valid = true;
        }
        pthread_mutex_unlock(&d->cache_mu);
    }
    *ret_urls = urls;
    *ret_secrets = plain;
    *ret_n = m;
    return 0;
}

void mlf_webhook_delivery_invalidate(mlf_webhook_delivery *d)
{
    if (d == NULL)
        return;
    pthread_mutex_lock(&d->cache_mu);
    d->gen++;
    pthread_mutex_unlock(&d->cache_mu);
}

/* _deliver_webhook_impl: one send job per ACTIVE webhook subscribed to the event; the first is returned
   for the calling worker to send itself (no hand-off), the others are queued under one lock; NULL when
   there is nothing to send */
static mlf__job *mlf__fan_out(mlf_webhook_delivery *d, mlf_pool *pool, mlf__job *j)
{
    const char *entity = j->entity;
    if (j->prompt_entity != NULL) {
        bool ok;
        bool prompt = mlf__is_prompt(d, pool, j->name, &ok);
        if (!ok)
            return NULL;
        entity = prompt ? j->prompt_entity : j->entity;
    }
    if (entity == NULL)
        return NULL;
    Mlflow__WebhookEvent ev;
    mlflow__webhook_event__init(&ev);
    ev.has_entity = ev.has_action = 1;
    ev.entity = mlf_webhook_enum_value(pool, &mlflow__webhook_entity__descriptor, entity);
    ev.action = mlf_webhook_enum_value(pool, &mlflow__webhook_action__descriptor, j->action);
    if (ev.entity == 0 || ev.action == 0)
        return NULL;
    size_t n;
    char **urls, **plain;
    if (mlf__cached(d, pool, ev.entity * 8 + ev.action, &urls, &plain, &n) < 0 &&
        mlf__load(d, pool, &ev, entity, j->action, &urls, &plain, &n) < 0)
        return NULL;
    mlf__job *own = NULL, *first = NULL, *last = NULL;
    for (size_t i = 0; i < n; i++) {
        mlf__job *s = calloc(1, sizeof(*s));
        if (s == NULL)
            abort();
        s->entity = mlf__dup(entity);
        s->action = mlf__dup(j->action);
        s->data = mlf__dup(j->data);
        s->url = mlf__dup(urls[i]);
        s->secret = mlf__dup(plain[i]);
        if (own == NULL) {
            own = s;
            continue;
        }
        if (last != NULL)
            last->next = s;
        else
            first = s;
        last = s;
    }
    if (first != NULL)
        mlf__push_chain(d, first, last, n - 1);
    return own;
}

static void *mlf__worker(void *arg)
{
    /* the pool starts before the server blocks SIGINT/SIGTERM for its sigwait: a stop signal must never
       land here, where its default action would kill the process */
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    mlf_webhook_delivery *d = arg;
    /* below the request threads (SCHED_IDLE: the scheduler's lowest weight): deliveries wait while the
       CPUs are busy with requests; when that is refused, nice + 10 */
    struct sched_param sp = {.sched_priority = 0};
    if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp) != 0 &&
        setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), getpriority(PRIO_PROCESS, 0) + 10) != 0) {
        /* neither: the same priority as the requests */
    }
    CURL *h = curl_easy_init(); /* the thread's handle: its connections stay open between deliveries */
    if (h == NULL)
        abort();
    for (;;) {
        pthread_mutex_lock(&d->mu);
        while (d->head == NULL && !d->stop)
            pthread_cond_wait(&d->cv, &d->mu);
        if (d->stop) {
            pthread_mutex_unlock(&d->mu);
            curl_easy_cleanup(h);
            return NULL;
        }
        mlf__job *j = d->head;
        d->head = j->next;
        if (d->head == NULL)
            d->tail = NULL;
        pthread_mutex_unlock(&d->mu);
        mlf_pool *pool = mlf_pool_create();
        if (j->url == NULL) {
            mlf__job *own = mlf__fan_out(d, pool, j);
            if (own != NULL) { /* send it on this worker */
                mlf_pool_destroy(pool);
                mlf__job_free(j);
                j = own;
                pool = mlf_pool_create();
            }
        }
        if (j->url != NULL) {
            mlf_webhook_result res;
            mlf__send(h, pool, d->settings, j->url, j->secret, j->entity, j->action, j->data, &d->stop, &res);
            if (res.status == 0 && !mlf__stopped(&d->stop))
                fprintf(stderr, "mlflow-c: Failed to send webhook to %s for event %s.%s: %s\n", j->url, j->entity,
                        j->action, res.error != NULL ? res.error : "");
        }
        mlf_pool_destroy(pool);
        mlf__job_free(j);
    }
}

mlf_webhook_delivery *mlf_webhook_delivery_start(struct mlf_store *store, const mlf_webhook_settings *settings)
{
    mlf_webhook_delivery *d = calloc(1, sizeof(*d));
    if (d == NULL)
        abort();
    d->store = store;
    d->settings = settings;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    pthread_mutex_init(&d->cache_mu, NULL);
    d->threads = calloc((size_t)settings->workers, sizeof(pthread_t));
    if (d->threads == NULL)
        abort();
    for (int i = 0; i < settings->workers; i++)
        if (pthread_create(&d->threads[d->nthreads], NULL, mlf__worker, d) == 0)
            d->nthreads++;
    if (d->nthreads == 0) {
        mlf_webhook_delivery_stop(d);
        return NULL;
    }
    return d;
}

void mlf_webhook_delivery_stop(mlf_webhook_delivery *d)
{
    if (d == NULL)
        return;
    pthread_mutex_lock(&d->mu);
    __atomic_store_n(&d->stop, 1, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    for (int i = 0; i < d->nthreads; i++)
        pthread_join(d->threads[i], NULL);
    for (mlf__job *j = d->head, *next; j != NULL; j = next) {
        next = j->next;
        mlf__job_free(j);
    }
    for (int i = 0; i < MLF__SLOTS; i++)
        mlf__slot_clear(&d->slots[i]);
    pthread_cond_destroy(&d->cv);
    pthread_mutex_destroy(&d->mu);
    pthread_mutex_destroy(&d->cache_mu);
    free(d->threads);
    free(d);
}
