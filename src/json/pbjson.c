/*
 * Protobuf-c messages <-> JSON, driven by the descriptors (see pbjson.h).
 *
 * The input rules follow google.protobuf.json_format.ParseDict as MLflow
 * calls it, except that a value that does not fit leaves its field unset and
 * decoding goes on (ParseDict stops at the first error); the output is what
 * MLflow's message_to_json prints.
 *
 * protobuf-c storage: a field lives at f->offset; f->quantifier_offset holds
 * the n_ count of a repeated field, the has_ flag of an optional scalar or
 * bytes field, or the case of a oneof member. Optional strings and messages
 * have no flag: NULL (or, for strings, the default_value pointer) is unset.
 * Map fields are repeated *Entry messages with fields key = 1 and value = 2.
 */
#include "json/pbjson.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/text.h"

/* ParseDict's max_recursion_depth: how deep regular messages may nest */
#define MLF__MAX_MSG_DEPTH 100
/* Any nesting (Struct and Value included) beyond this is refused on input and cut on output. */
#define MLF__MAX_DEPTH 256

typedef union mlf__val {
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
    float f;
    double d;
    protobuf_c_boolean b;
    char *s;
    ProtobufCBinaryData bin;
    ProtobufCMessage *m;
} mlf__val;

enum {
    MLF__WKT_NONE,
    MLF__WKT_TIMESTAMP,
    MLF__WKT_DURATION,
    MLF__WKT_FIELD_MASK,
    MLF__WKT_STRUCT,
    MLF__WKT_VALUE,
    MLF__WKT_LIST_VALUE,
    MLF__WKT_WRAPPER,
};

typedef struct mlf__dec {
    mlf_pool *pool;
    size_t failures; /* values that did not fit so far */
    int depth;       /* all messages being decoded */
    int msg_depth;   /* regular (non well-known) messages being decoded */
    bool skipped;    /* the last value was an unknown enum name: ParseDict(ignore_unknown_fields) drops it */
} mlf__dec;

/* ------------------------------------------------------ descriptor helpers */

static inline void *mlf__at(const ProtobufCMessage *m, unsigned off)
{
    return (char *)m + off;
}

static size_t mlf__size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    default: /* 32-bit integers, float, enum */
        return 4;
    }
}

/* Whether f has a has_ flag at quantifier_offset. */
static bool mlf__has_flag(const ProtobufCFieldDescriptor *f)
{
    return f->label == PROTOBUF_C_LABEL_OPTIONAL && !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
           f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE;
}

static void mlf__set(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const mlf__val *v)
{
    memcpy(mlf__at(m, f->offset), v, mlf__size(f->type));
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        *(uint32_t *)mlf__at(m, f->quantifier_offset) = f->id;
    else if (mlf__has_flag(f))
        *(protobuf_c_boolean *)mlf__at(m, f->quantifier_offset) = 1;
}

static void mlf__set_repeated(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, void *arr, size_t n)
{
    *(size_t *)mlf__at(m, f->quantifier_offset) = n;
    *(void **)mlf__at(m, f->offset) = n ? arr : NULL;
}

static void mlf__clear(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    void *dst = mlf__at(m, f->offset);
    size_t size = mlf__size(f->type);
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        mlf__set_repeated(m, f, NULL, 0);
        return;
    }
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        uint32_t *c = mlf__at(m, f->quantifier_offset);
        if (*c == f->id) {
            *c = 0;
            memset(dst, 0, size);
        }
        return;
    }
    if (mlf__has_flag(f))
        *(protobuf_c_boolean *)mlf__at(m, f->quantifier_offset) = 0;
    if (f->default_value == NULL)
        memset(dst, 0, size);
    else if (f->type == PROTOBUF_C_TYPE_STRING)
        *(const void **)dst = f->default_value; /* the default string itself, as the generated init does */
    else
        memcpy(dst, f->default_value, size);
}

static bool mlf__is_set(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    const void *p = mlf__at(m, f->offset);
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return *(const size_t *)mlf__at(m, f->quantifier_offset) > 0;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)mlf__at(m, f->quantifier_offset) == f->id;
    switch (f->label) {
    case PROTOBUF_C_LABEL_OPTIONAL:
        if (f->type == PROTOBUF_C_TYPE_STRING) {
            const char *s = *(char *const *)p;
            return s != NULL && (const void *)s != f->default_value;
        }
        if (f->type == PROTOBUF_C_TYPE_MESSAGE)
            return *(void *const *)p != NULL;
        return *(const protobuf_c_boolean *)mlf__at(m, f->quantifier_offset);
    case PROTOBUF_C_LABEL_REQUIRED:
        if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
            return *(void *const *)p != NULL;
        return true;
    default: /* proto3 without presence: set when not the zero value */
        switch (f->type) {
        case PROTOBUF_C_TYPE_STRING: {
            const char *s = *(char *const *)p;
            return s != NULL && s[0] != '\0';
        }
        case PROTOBUF_C_TYPE_BYTES:
            return ((const ProtobufCBinaryData *)p)->len > 0;
        case PROTOBUF_C_TYPE_MESSAGE:
            return *(void *const *)p != NULL;
        default: {
            static const unsigned char zero[8];
            return memcmp(p, zero, mlf__size(f->type)) != 0;
        }
        }
    }
}

static int mlf__wkt(const ProtobufCMessageDescriptor *d)
{
    const char *n = d->name;
    if (strncmp(n, "google.protobuf.", 16) != 0)
        return MLF__WKT_NONE;
    n += 16;
    static const char *const wrappers[] = {"DoubleValue", "FloatValue", "Int64Value",  "UInt64Value", "Int32Value",
                                           "UInt32Value", "BoolValue",  "StringValue", "BytesValue"};
    if (strcmp(n, "Timestamp") == 0)
        return MLF__WKT_TIMESTAMP;
    if (strcmp(n, "Duration") == 0)
        return MLF__WKT_DURATION;
    if (strcmp(n, "FieldMask") == 0)
        return MLF__WKT_FIELD_MASK;
    if (strcmp(n, "Struct") == 0)
        return MLF__WKT_STRUCT;
    if (strcmp(n, "Value") == 0)
        return MLF__WKT_VALUE;
    if (strcmp(n, "ListValue") == 0)
        return MLF__WKT_LIST_VALUE;
    for (size_t i = 0; i < sizeof(wrappers) / sizeof(wrappers[0]); i++)
        if (strcmp(n, wrappers[i]) == 0)
            return d->n_fields == 1 ? MLF__WKT_WRAPPER : MLF__WKT_NONE;
    return MLF__WKT_NONE;
}

/*
 * Whether f is a map field: protobuf-c keeps no map_entry option, so check
 * what protoc generates for one: a nested Entry message named after the
 * field (foo_bar -> FooBarEntry) with exactly key = 1 and value = 2.
 */
static bool mlf__is_map(const ProtobufCMessageDescriptor *parent, const ProtobufCFieldDescriptor *f)
{
    if (f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE)
        return false;
    const ProtobufCMessageDescriptor *e = f->descriptor;
    if (e->n_fields != 2 || e->fields[0].id != 1 || e->fields[1].id != 2 || strcmp(e->fields[0].name, "key") != 0 ||
        strcmp(e->fields[1].name, "value") != 0)
        return false;
    size_t pl = strlen(parent->name);
    if (strncmp(e->name, parent->name, pl) != 0 || e->name[pl] != '.')
        return false;
    const char *n = e->name + pl + 1;
    bool cap = true;
    for (const char *c = f->name; *c; c++) {
        if (*c == '_') {
            cap = true;
            continue;
        }
        char want = (cap && *c >= 'a' && *c <= 'z') ? (char)(*c - 'a' + 'A') : *c;
        cap = false;
        if (*n++ != want)
            return false;
    }
    return strcmp(n, "Entry") == 0;
}

/* protobuf-c does not record the syntax; only proto3 has fields without a label. */
static bool mlf__proto3(const ProtobufCMessageDescriptor *d)
{
    for (unsigned i = 0; i < d->n_fields; i++)
        if (d->fields[i].label == PROTOBUF_C_LABEL_NONE)
            return true;
    return false;
}

/* key == protoc's json_name of name: '_' dropped and the next letter upper-cased */
static bool mlf__json_name_eq(const char *name, const char *key)
{
    bool cap = false;
    for (; *name; name++) {
        if (*name == '_') {
            cap = true;
            continue;
        }
        char c = (cap && *name >= 'a' && *name <= 'z') ? (char)(*name - 'a' + 'A') : *name;
        cap = false;
        if (*key++ != c)
            return false;
    }
    return *key == '\0';
}

static const ProtobufCFieldDescriptor *mlf__find_field(const ProtobufCMessageDescriptor *d, const char *key)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, key);
    if (f != NULL || strchr(key, '_') != NULL) /* json names never contain '_' */
        return f;
    for (unsigned i = 0; i < d->n_fields; i++)
        if (mlf__json_name_eq(d->fields[i].name, key))
            return &d->fields[i];
    return NULL;
}

static const ProtobufCFieldDescriptor *mlf__field(const ProtobufCMessageDescriptor *d, const char *name)
{
    return protobuf_c_message_descriptor_get_field_by_name(d, name);
}

ProtobufCMessage *mlf_pbjson_new_message(mlf_pool *pool, const ProtobufCMessageDescriptor *desc)
{
    ProtobufCMessage *m = mlf_pool_alloc(pool, desc->sizeof_message);
    protobuf_c_message_init(desc, m);
    return m;
}

/* ------------------------------------------------------------ JSON nodes */

static mlf_json *mlf__jstr(mlf_pool *pool, const char *s, size_t len)
{
    mlf_json *v = MLF_NEW(pool, mlf_json);
    v->type = MLF_JSON_STRING;
    v->text = s;
    v->len = len;
    return v;
}

/* -------------------------------------------------- Python number syntax */

static bool mlf__isspace(char c, bool space)
{
    return (c == ' ' && space) || (c >= '\t' && c <= '\r');
}

enum { MLF__INT_OK, MLF__INT_SYNTAX, MLF__INT_OVERFLOW };

/*
 * Python's int(s) for base 10: optional whitespace around, a sign, digits
 * with single '_' between them. The magnitude goes to *mag.
 */
static int mlf__py_int(const char *s, size_t len, bool *neg, uint64_t *mag)
{
    size_t i = 0, n = len;
    while (i < n && mlf__isspace(s[i], true))
        i++;
    while (n > i && mlf__isspace(s[n - 1], true))
        n--;
    *neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        *neg = s[i++] == '-';
    if (i >= n || s[i] < '0' || s[i] > '9')
        return MLF__INT_SYNTAX;
    uint64_t acc = 0;
    bool over = false;
    for (; i < n; i++) {
        if (s[i] == '_') {
            if (i + 1 >= n || s[i + 1] < '0' || s[i + 1] > '9')
                return MLF__INT_SYNTAX;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            return MLF__INT_SYNTAX;
        unsigned d = (unsigned)(s[i] - '0');
        if (acc > (UINT64_MAX - d) / 10)
            over = true;
        else
            acc = acc * 10 + d;
    }
    *mag = acc;
    return over ? MLF__INT_OVERFLOW : MLF__INT_OK;
}

static size_t mlf__digitpart(const char *s, size_t i, size_t n)
{
    if (i >= n || s[i] < '0' || s[i] > '9')
        return i;
    i++;
    while (i < n) {
        if (s[i] >= '0' && s[i] <= '9')
            i++;
        else if (s[i] == '_' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')
            i += 2;
        else
            break;
    }
    return i;
}

/* Python's float(s): decimal or exponent forms with '_' between digits, inf/infinity/nan in any case, whitespace
 * around. */
static bool mlf__py_float(mlf_pool *pool, const char *s, size_t len, double *out)
{
    size_t i = 0, n = len;
    while (i < n && mlf__isspace(s[i], true))
        i++;
    while (n > i && mlf__isspace(s[n - 1], true))
        n--;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    size_t rest = n - i;
    if ((rest == 3 && strncasecmp(s + i, "inf", 3) == 0) || (rest == 8 && strncasecmp(s + i, "infinity", 8) == 0)) {
        *out = neg ? -INFINITY : INFINITY;
        return true;
    }
    if (rest == 3 && strncasecmp(s + i, "nan", 3) == 0) {
        *out = NAN;
        return true;
    }
    size_t start = i;
    size_t j = mlf__digitpart(s, i, n);
    bool digits = j > i;
    if (j < n && s[j] == '.') {
        size_t k = mlf__digitpart(s, j + 1, n);
        digits = digits || k > j + 1;
        j = k;
    }
    if (!digits)
        return false;
    if (j < n && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        if (k < n && (s[k] == '+' || s[k] == '-'))
            k++;
        size_t e = mlf__digitpart(s, k, n);
        if (e == k)
            return false;
        j = e;
    }
    if (j != n)
        return false;
    char small[64];
    char *clean = (n - start) < sizeof(small) ? small : mlf_pool_alloc(pool, n - start + 1);
    size_t o = 0;
    for (size_t k = start; k < n; k++)
        if (s[k] != '_')
            clean[o++] = s[k];
    clean[o] = '\0';
    double d = strtod(clean, NULL);
    *out = neg ? -d : d;
    return true;
}

/* ------------------------------------------------------ scalar conversion */

/* An integral value as sign and magnitude; false when it is not one. */
static bool mlf__double_int(double d, bool *neg, uint64_t *mag)
{
    if (!isfinite(d) || d != floor(d) || fabs(d) >= 18446744073709551616.0)
        return false;
    *neg = d < 0;
    *mag = (uint64_t)fabs(d);
    return true;
}

/* _ConvertInteger: integral numbers, integer strings, integral float strings; never bools. */
static bool mlf__json_int(mlf_pool *pool, const mlf_json *v, bool *neg, uint64_t *mag)
{
    if (v->type == MLF_JSON_NUMBER) {
        if (mlf_json_is_int(v))
            return mlf__py_int(v->text, v->len, neg, mag) == MLF__INT_OK;
        return mlf__double_int(v->number, neg, mag);
    }
    if (v->type != MLF_JSON_STRING || memchr(v->text, ' ', v->len) != NULL)
        return false;
    int r = mlf__py_int(v->text, v->len, neg, mag);
    if (r == MLF__INT_OK)
        return true;
    if (r == MLF__INT_OVERFLOW)
        return false;
    double d;
    return mlf__py_float(pool, v->text, v->len, &d) && mlf__double_int(d, neg, mag);
}

static bool mlf__to_signed(bool neg, uint64_t mag, int64_t lo, int64_t hi, int64_t *out)
{
    if (neg) {
        if (mag > (uint64_t)(-(lo + 1)) + 1)
            return false;
        *out = mag == 0 ? 0 : (int64_t)(-(int64_t)(mag - 1) - 1);
    } else {
        if (mag > (uint64_t)hi)
            return false;
        *out = (int64_t)mag;
    }
    return true;
}

/* _ConvertFloat: finite numbers, numeric strings (Python float syntax and "NaN"/"Infinity"), bools as 1.0/0.0. */
static bool mlf__json_double(mlf_pool *pool, const mlf_json *v, bool is_float, double *out)
{
    switch (v->type) {
    case MLF_JSON_NUMBER:
        /* bare NaN/Infinity (and overflowing literals) must be quoted */
        if (!isfinite(v->number) || (is_float && fabs(v->number) > FLT_MAX))
            return false;
        *out = v->number;
        return true;
    case MLF_JSON_STRING:
        if (v->len == 3 && memcmp(v->text, "nan", 3) == 0)
            return false;
        return mlf__py_float(pool, v->text, v->len, out);
    case MLF_JSON_BOOL:
        *out = v->boolean ? 1.0 : 0.0; /* Python's float(True) */
        return true;
    default:
        return false;
    }
}

/* Enums by name, else int(value) looked up by number (any number in proto3). A
 * string that is neither a name nor an int sets *unknown: json_format's
 * EnumStringValueParseError, which ignore_unknown_fields drops (the value is
 * not set, no parse error). */
static bool mlf__json_enum(const ProtobufCEnumDescriptor *ed, bool open, const mlf_json *v, int32_t *out,
                           bool *unknown)
{
    bool neg = false;
    uint64_t mag = 0;
    switch (v->type) {
    case MLF_JSON_STRING: {
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value_by_name(ed, v->text);
        if (ev != NULL && strlen(v->text) == v->len) {
            *out = ev->value;
            return true;
        }
        int r = mlf__py_int(v->text, v->len, &neg, &mag);
        if (r != MLF__INT_OK) {
            *unknown = r == MLF__INT_SYNTAX; /* int() of a huge number works, then fails the lookup */
            return false;
        }
        break;
    }
    case MLF_JSON_NUMBER:
        if (mlf_json_is_int(v)) {
            if (mlf__py_int(v->text, v->len, &neg, &mag) != MLF__INT_OK)
                return false;
        } else if (!mlf__double_int(trunc(v->number), &neg, &mag)) { /* int(1.7) is 1 */
            return false;
        }
        break;
    case MLF_JSON_BOOL:
        mag = v->boolean;
        break;
    default:
        return false;
    }
    int64_t num;
    if (!mlf__to_signed(neg, mag, INT32_MIN, INT32_MAX, &num))
        return false;
    if (protobuf_c_enum_descriptor_get_value(ed, (int)num) == NULL && !open)
        return false;
    *out = (int32_t)num;
    return true;
}

/*
 * base64.urlsafe_b64decode(s + '=' * (4 - len(s) % 4)) as json_format does
 * it (the padding it adds changes where the decoding stops).
 */
static bool mlf__b64decode(mlf_pool *pool, const char *s, size_t len, ProtobufCBinaryData *out)
{
    char *padded = mlf_pool_alloc(pool, len + 5);
    memcpy(padded, s, len);
    size_t pads = 4 - len % 4;
    memset(padded + len, '=', pads);
    return mlf_text_b64_decode(pool, padded, len + pads, MLF_TEXT_B64_URLSAFE, &out->data, &out->len) == 0;
}

/* --------------------------------------------------------------- decoder */

static bool mlf__decode_msg(mlf__dec *D, const ProtobufCMessageDescriptor *desc, const mlf_json *v,
                            ProtobufCMessage **out);

/* True when s holds a UTF-16 surrogate encoded as UTF-8 (ED A0..BF xx). */
static bool mlf__has_surrogate(const char *s, size_t len)
{
    for (size_t i = 0; i + 2 < len; i++)
        if ((unsigned char)s[i] == 0xED && ((unsigned char)s[i + 1] & 0xE0) == 0xA0)
            return true;
    return false;
}

/* Converts v for one value of field f (an element, for repeated fields). */
static bool mlf__conv(mlf__dec *D, const ProtobufCFieldDescriptor *f, bool proto3, const mlf_json *v, mlf__val *out)
{
    bool neg;
    uint64_t mag;
    int64_t i64;
    double d;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if (!mlf__json_int(D->pool, v, &neg, &mag) || !mlf__to_signed(neg, mag, INT32_MIN, INT32_MAX, &i64))
            return false;
        out->i32 = (int32_t)i64;
        return true;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (!mlf__json_int(D->pool, v, &neg, &mag) || !mlf__to_signed(neg, mag, INT64_MIN, INT64_MAX, &i64))
            return false;
        out->i64 = i64;
        return true;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if (!mlf__json_int(D->pool, v, &neg, &mag) || (neg && mag) || mag > UINT32_MAX)
            return false;
        out->u32 = (uint32_t)mag;
        return true;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (!mlf__json_int(D->pool, v, &neg, &mag) || (neg && mag))
            return false;
        out->u64 = mag;
        return true;
    case PROTOBUF_C_TYPE_FLOAT:
        if (!mlf__json_double(D->pool, v, true, &d))
            return false;
        out->f = (float)d;
        return true;
    case PROTOBUF_C_TYPE_DOUBLE:
        return mlf__json_double(D->pool, v, false, &out->d);
    case PROTOBUF_C_TYPE_BOOL:
        if (v->type != MLF_JSON_BOOL)
            return false;
        out->b = v->boolean;
        return true;
    case PROTOBUF_C_TYPE_STRING:
        /* a C string cannot hold U+0000; a lone surrogate (kept by json.loads, three bytes) is json_format's
           "Unpaired surrogate" */
        if (v->type != MLF_JSON_STRING || strlen(v->text) != v->len || mlf__has_surrogate(v->text, v->len))
            return false;
        out->s = (char *)v->text;
        return true;
    case PROTOBUF_C_TYPE_BYTES:
        return v->type == MLF_JSON_STRING && mlf__b64decode(D->pool, v->text, v->len, &out->bin);
    case PROTOBUF_C_TYPE_ENUM:
        return mlf__json_enum(f->descriptor, proto3, v, &out->i32, &D->skipped);
    case PROTOBUF_C_TYPE_MESSAGE:
        return mlf__decode_msg(D, f->descriptor, v, &out->m);
    }
    return false;
}

static bool mlf__decode_list(mlf__dec *D, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, bool proto3,
                             const mlf_json *v)
{
    if (v->type != MLF_JSON_ARRAY)
        return false;
    size_t es = mlf__size(f->type);
    char *arr = v->n ? mlf_pool_alloc(D->pool, es * v->n) : NULL;
    size_t n = 0;
    for (size_t i = 0; i < v->n; i++) {
        mlf__val u;
        size_t before = D->failures;
        D->skipped = false;
        if (!mlf__conv(D, f, proto3, v->items[i], &u)) {
            if (D->skipped)
                continue; /* an unknown enum name: dropped */
            /* ParseDict stops here: the elements before stay */
            mlf__set_repeated(m, f, arr, n);
            D->failures++;
            return true;
        }
        memcpy(arr + n++ * es, &u, es);
        if (D->failures != before) {
            /* a message element that failed inside stays, partly filled, and ends the list */
            mlf__set_repeated(m, f, arr, n);
            return true;
        }
    }
    mlf__set_repeated(m, f, arr, n);
    return true;
}

static bool mlf__decode_map(mlf__dec *D, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const mlf_json *v)
{
    if (v->type != MLF_JSON_OBJECT)
        return false;
    const ProtobufCMessageDescriptor *ed = f->descriptor;
    const ProtobufCFieldDescriptor *kf = &ed->fields[0], *vf = &ed->fields[1];
    bool proto3 = mlf__proto3(ed);
    ProtobufCMessage **arr = v->n ? MLF_NEW_ARRAY(D->pool, ProtobufCMessage *, v->n) : NULL;
    size_t n = 0;
    for (size_t i = 0; i < v->n; i++) {
        ProtobufCMessage *e = mlf_pbjson_new_message(D->pool, ed);
        mlf__val ku, vu;
        const char *key = v->keys[i];
        if (kf->type == PROTOBUF_C_TYPE_BOOL) {
            /* map keys must be the strings "true" / "false" */
            if (strcmp(key, "true") != 0 && strcmp(key, "false") != 0)
                return false;
            ku.b = key[0] == 't';
        } else {
            mlf_json kj = {.type = MLF_JSON_STRING, .text = key, .len = strlen(key)};
            if (!mlf__conv(D, kf, proto3, &kj, &ku))
                return false;
        }
        mlf__set(e, kf, &ku);
        D->skipped = false;
        if (!mlf__conv(D, vf, proto3, v->items[i], &vu)) {
            if (D->skipped)
                continue;
            return false;
        }
        mlf__set(e, vf, &vu);
        arr[n++] = e;
    }
    mlf__set_repeated(m, f, arr, n);
    return true;
}

/* One member of a JSON object into field f of m; a value that does not fit leaves f unset. */
static void mlf__decode_field(mlf__dec *D, const ProtobufCMessageDescriptor *desc, ProtobufCMessage *m,
                              const ProtobufCFieldDescriptor *f, bool proto3, const mlf_json *v)
{
    mlf__val u;
    if (v->type == MLF_JSON_NULL) {
        /* null clears a field, except that a Value field takes null_value */
        if (f->label != PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_MESSAGE &&
            mlf__wkt(f->descriptor) == MLF__WKT_VALUE && mlf__decode_msg(D, f->descriptor, v, &u.m))
            mlf__set(m, f, &u);
        else
            mlf__clear(m, f);
        return;
    }
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        /* a second member of the same oneof is an error (ParseDict) */
        uint32_t c = *(const uint32_t *)mlf__at(m, f->quantifier_offset);
        if (c != 0 && c != f->id) {
            D->failures++;
            return;
        }
    }
    bool ok;
    if (f->label == PROTOBUF_C_LABEL_REPEATED && !mlf__is_map(desc, f)) {
        /* a failed list keeps the elements before the misfit (mlf__decode_list) */
        if (!mlf__decode_list(D, m, f, proto3, v))
            D->failures++;
        return;
    }
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        ok = mlf__decode_map(D, m, f, v);
    } else {
        D->skipped = false;
        ok = mlf__conv(D, f, proto3, v, &u);
        if (ok)
            mlf__set(m, f, &u);
        else if (D->skipped)
            return; /* an unknown enum name: dropped, not a failure (nor a clear) */
    }
    if (!ok) {
        D->failures++;
        mlf__clear(m, f);
    }
}

static ProtobufCMessage *mlf__decode_object(mlf__dec *D, const ProtobufCMessageDescriptor *desc, const mlf_json *v)
{
    ProtobufCMessage *m = mlf_pbjson_new_message(D->pool, desc);
    bool proto3 = mlf__proto3(desc);
    /* ParseDict raises at the first value that does not fit: later members stay unset */
    for (size_t i = 0; i < v->n && D->failures == 0; i++) {
        const ProtobufCFieldDescriptor *f = mlf__find_field(desc, v->keys[i]);
        if (f != NULL)
            mlf__decode_field(D, desc, m, f, proto3, v->items[i]);
    }
    return m;
}

static int64_t mlf__days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void mlf__civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* 1 or 2 digits (strptime's %m %d %H %M %S) within [lo, hi] */
static bool mlf__num2(const char **p, const char *end, unsigned lo, unsigned hi, unsigned *out)
{
    const char *s = *p;
    if (s >= end || *s < '0' || *s > '9')
        return false;
    unsigned v = (unsigned)(*s++ - '0');
    if (s < end && *s >= '0' && *s <= '9')
        v = v * 10 + (unsigned)(*s++ - '0');
    if (v < lo || v > hi)
        return false;
    *p = s;
    *out = v;
    return true;
}

static bool mlf__lit(const char **p, const char *end, char c)
{
    if (*p >= end || **p != c)
        return false;
    (*p)++;
    return true;
}

/*
 * Timestamp.FromJsonString: "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)",
 * at most 9 fraction digits, an upper-case T and Z.
 */
static bool mlf__parse_timestamp(const char *s, size_t len, int64_t *sec, int32_t *nanos)
{
    const char *end = s + len;
    const char *p = s;
    if (len < 4)
        return false;
    int64_t y = 0;
    for (int i = 0; i < 4; i++, p++) {
        if (*p < '0' || *p > '9')
            return false;
        y = y * 10 + (*p - '0');
    }
    unsigned mo, d, h, mi, se;
    if (!mlf__lit(&p, end, '-') || !mlf__num2(&p, end, 1, 12, &mo) || !mlf__lit(&p, end, '-') ||
        !mlf__num2(&p, end, 1, 31, &d) || !mlf__lit(&p, end, 'T') || !mlf__num2(&p, end, 0, 23, &h) ||
        !mlf__lit(&p, end, ':') || !mlf__num2(&p, end, 0, 59, &mi) || !mlf__lit(&p, end, ':') ||
        !mlf__num2(&p, end, 0, 59, &se))
        return false;
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1 || d > mdays[mo - 1] + (mo == 2 && leap))
        return false;
    int32_t ns = 0;
    if (p < end && *p == '.') {
        p++;
        int digits = 0;
        while (p < end && *p >= '0' && *p <= '9') {
            if (++digits > 9)
                return false;
            ns = ns * 10 + (*p++ - '0');
        }
        for (int i = digits; i < 9; i++)
            ns *= 10;
    }
    int64_t off = 0;
    if (p < end && *p == 'Z') {
        p++;
    } else if (p < end && (*p == '+' || *p == '-')) {
        int sign = *p++ == '+' ? 1 : -1;
        unsigned oh, om;
        if (!mlf__num2(&p, end, 0, 99, &oh) || !mlf__lit(&p, end, ':') || !mlf__num2(&p, end, 0, 99, &om))
            return false;
        off = sign * (int64_t)(oh * 60 + om) * 60;
    } else {
        return false;
    }
    if (p != end)
        return false;
    *sec = mlf__days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
    *nanos = ns;
    return true;
}

/* Duration.FromJsonString: "[-]S[.fraction]s", |S| <= 315576000000. */
static bool mlf__parse_duration(const char *s, size_t len, int64_t *sec, int32_t *nanos)
{
    if (len < 2 || s[len - 1] != 's')
        return false;
    len--;
    const char *dot = memchr(s, '.', len);
    size_t ilen = dot ? (size_t)(dot - s) : len;
    bool neg;
    uint64_t mag;
    if (mlf__py_int(s, ilen, &neg, &mag) != MLF__INT_OK || mag > 315576000000ULL)
        return false;
    int64_t ns = 0;
    if (dot != NULL) {
        const char *p = dot + 1, *end = s + len;
        int digits = 0;
        for (; p < end; p++) {
            if (*p < '0' || *p > '9')
                return false;
            if (digits < 9)
                ns = ns * 10 + (*p - '0');
            else if (digits == 9 && *p >= '5')
                ns++; /* finer than a nanosecond: rounded, as round(float(...) * 1e9) does */
            digits++;
        }
        for (int i = digits; i < 9; i++)
            ns *= 10;
        if (ns >= 1000000000)
            return false;
        if (s[0] == '-')
            ns = -ns;
    }
    int64_t sv = neg ? -(int64_t)mag : (int64_t)mag;
    if ((ns < 0 && sv > 0) || (ns > 0 && sv < 0))
        return false;
    *sec = sv;
    *nanos = (int32_t)ns;
    return true;
}

static void mlf__set_by_name(ProtobufCMessage *m, const char *name, const mlf__val *v)
{
    const ProtobufCFieldDescriptor *f = mlf__field(m->descriptor, name);
    if (f != NULL)
        mlf__set(m, f, v);
}

static bool mlf__decode_wkt(mlf__dec *D, int wkt, const ProtobufCMessageDescriptor *desc, const mlf_json *v,
                            ProtobufCMessage **out)
{
    ProtobufCMessage *m;
    mlf__val u;
    switch (wkt) {
    case MLF__WKT_TIMESTAMP:
    case MLF__WKT_DURATION: {
        int64_t sec;
        int32_t ns;
        if (v->type != MLF_JSON_STRING)
            return false;
        if (!(wkt == MLF__WKT_TIMESTAMP ? mlf__parse_timestamp : mlf__parse_duration)(v->text, v->len, &sec, &ns))
            return false;
        m = mlf_pbjson_new_message(D->pool, desc);
        u.i64 = sec;
        mlf__set_by_name(m, "seconds", &u);
        u.i32 = ns;
        mlf__set_by_name(m, "nanos", &u);
        break;
    }
    case MLF__WKT_FIELD_MASK: {
        const ProtobufCFieldDescriptor *pf = mlf__field(desc, "paths");
        if (v->type != MLF_JSON_STRING || pf == NULL || strlen(v->text) != v->len)
            return false;
        m = mlf_pbjson_new_message(D->pool, desc);
        if (v->len == 0)
            break;
        size_t n = 1;
        for (size_t i = 0; i < v->len; i++)
            n += v->text[i] == ',';
        char **paths = MLF_NEW_ARRAY(D->pool, char *, n);
        const char *p = v->text;
        for (size_t k = 0; k < n; k++) {
            const char *e = strchr(p, ',');
            size_t plen = e ? (size_t)(e - p) : strlen(p);
            /* camelCase -> snake_case; a '_' in the JSON form is an error */
            char *out_path = mlf_pool_alloc(D->pool, plen * 2 + 1);
            size_t o = 0;
            for (size_t i = 0; i < plen; i++) {
                char c = p[i];
                if (c == '_')
                    return false;
                if (c >= 'A' && c <= 'Z') {
                    out_path[o++] = '_';
                    c = (char)(c - 'A' + 'a');
                }
                out_path[o++] = c;
            }
            paths[k] = out_path;
            p = e ? e + 1 : p + plen;
        }
        mlf__set_repeated(m, pf, paths, n);
        break;
    }
    case MLF__WKT_STRUCT: {
        const ProtobufCFieldDescriptor *ff = mlf__field(desc, "fields");
        if (v->type != MLF_JSON_OBJECT || ff == NULL)
            return false;
        m = mlf_pbjson_new_message(D->pool, desc);
        if (!mlf__decode_map(D, m, ff, v))
            return false;
        break;
    }
    case MLF__WKT_LIST_VALUE: {
        const ProtobufCFieldDescriptor *lf = mlf__field(desc, "values");
        if (v->type != MLF_JSON_ARRAY || lf == NULL)
            return false;
        m = mlf_pbjson_new_message(D->pool, desc);
        if (!mlf__decode_list(D, m, lf, true, v))
            return false;
        break;
    }
    case MLF__WKT_VALUE: {
        const char *kind;
        switch (v->type) {
        case MLF_JSON_NULL:
            kind = "null_value";
            u.i32 = 0;
            break;
        case MLF_JSON_BOOL:
            kind = "bool_value";
            u.b = v->boolean;
            break;
        case MLF_JSON_NUMBER:
            /* a Python float (NaN included) or int; an int too large for a float is refused */
            if (isinf(v->number) && mlf_json_is_int(v))
                return false;
            kind = "number_value";
            u.d = v->number;
            break;
        case MLF_JSON_STRING:
            if (strlen(v->text) != v->len)
                return false;
            kind = "string_value";
            u.s = (char *)v->text;
            break;
        case MLF_JSON_ARRAY:
            kind = "list_value";
            break;
        default:
            kind = "struct_value";
            break;
        }
        const ProtobufCFieldDescriptor *kf = mlf__field(desc, kind);
        if (kf == NULL)
            return false;
        if (kf->type == PROTOBUF_C_TYPE_MESSAGE && !mlf__decode_msg(D, kf->descriptor, v, &u.m))
            return false;
        m = mlf_pbjson_new_message(D->pool, desc);
        mlf__set(m, kf, &u);
        break;
    }
    default: { /* wrapper: the plain value of its one field */
        const ProtobufCFieldDescriptor *wf = &desc->fields[0];
        if (!mlf__conv(D, wf, true, v, &u))
            return false;
        m = mlf_pbjson_new_message(D->pool, desc);
        mlf__set(m, wf, &u);
        break;
    }
    }
    *out = m;
    return true;
}

/* A message value: a well-known type's JSON form or an object. */
static bool mlf__decode_msg(mlf__dec *D, const ProtobufCMessageDescriptor *desc, const mlf_json *v,
                            ProtobufCMessage **out)
{
    int wkt = mlf__wkt(desc);
    if (v->type == MLF_JSON_NULL && wkt != MLF__WKT_VALUE)
        return false;
    if (D->depth >= MLF__MAX_DEPTH)
        return false;
    D->depth++;
    bool ok;
    if (wkt != MLF__WKT_NONE) {
        ok = mlf__decode_wkt(D, wkt, desc, v, out);
    } else if (v->type == MLF_JSON_STRING || v->type == MLF_JSON_ARRAY) {
        /* json_format walks a value that is no dict as if it were the dict's keys (a string's characters, a
           list's items): names of no field are ignored, so such a value is an empty message; a field's name,
           or an item that is no string, fails */
        ok = true;
        for (size_t i = 0; ok && i < (v->type == MLF_JSON_STRING ? v->len : v->n); i++) {
            if (v->type == MLF_JSON_STRING) {
                char c[2] = {v->text[i], '\0'};
                ok = (unsigned char)c[0] >= 0x80 || mlf__find_field(desc, c) == NULL;
            } else {
                const mlf_json *k = v->items[i];
                ok = k->type == MLF_JSON_STRING && strlen(k->text) == k->len && mlf__find_field(desc, k->text) == NULL;
            }
        }
        if (ok)
            *out = mlf_pbjson_new_message(D->pool, desc);
    } else if (v->type != MLF_JSON_OBJECT || D->msg_depth >= MLF__MAX_MSG_DEPTH) {
        ok = false;
    } else {
        D->msg_depth++;
        *out = mlf__decode_object(D, desc, v);
        D->msg_depth--;
        ok = true;
    }
    D->depth--;
    return ok;
}

/* ------------------------------------------------- MLflow's input rules */

/*
 * Decodes the members of obj into m in their order until one does not fit
 * (ParseDict raises there, leaving what it set), and records that misfit.
 */
static void mlf__decode_top(mlf__dec *D, ProtobufCMessage *m, const mlf_json *obj, mlf_pbjson_result *res)
{
    const ProtobufCMessageDescriptor *desc = m->descriptor;
    bool proto3 = mlf__proto3(desc);
    for (size_t i = 0; i < obj->n && D->failures == 0; i++) {
        const ProtobufCFieldDescriptor *f = mlf__find_field(desc, obj->keys[i]);
        if (f == NULL)
            continue;
        size_t before = D->failures;
        mlf__decode_field(D, desc, m, f, proto3, obj->items[i]);
        if (D->failures == before)
            continue;
        /* ParseDict raises at the first misfit: the fields after it are not parsed */
        if (res == NULL)
            break;
        res->type_errors = MLF_NEW_ARRAY(D->pool, mlf_pbjson_type_error, 1);
        mlf_buf b;
        mlf_buf_init(&b, D->pool, 64);
        mlf_json_write_python(&b, obj->items[i]);
        mlf_pbjson_type_error *te = &res->type_errors[res->n_type_errors++];
        te->field = f->name;
        te->json_value = b.data;
        te->py_type = mlf_json_py_type(obj->items[i]);
        break;
    }
}

/* protoc's json_name of a field name: '_' dropped, the next letter upper-cased. */
static const char *mlf__json_name(mlf_pool *pool, const char *name)
{
    char *out = mlf_pool_alloc(pool, strlen(name) + 1), *o = out;
    bool cap = false;
    for (; *name; name++) {
        if (*name == '_') {
            cap = true;
            continue;
        }
        *o++ = (cap && *name >= 'a' && *name <= 'z') ? (char)(*name - 'a' + 'A') : *name;
        cap = false;
    }
    *o = '\0';
    return out;
}

/* obj[key] as Python's dict has it (the last of duplicate keys), or NULL. */
static const mlf_json *mlf__member(const mlf_json *obj, const char *key)
{
    for (size_t i = obj->n; i-- > 0;)
        if (strcmp(obj->keys[i], key) == 0)
            return obj->items[i];
    return NULL;
}

static int mlf__check_aliases(mlf_pool *pool, const ProtobufCMessageDescriptor *d, const mlf_json *v, int depth,
                              mlf_error *err)
{
    if (v == NULL || v->type != MLF_JSON_OBJECT || depth > MLF__MAX_DEPTH)
        return 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *jn = mlf__json_name(pool, f->name);
        const mlf_json *by_name = mlf__member(v, f->name);
        const mlf_json *by_json = strcmp(jn, f->name) != 0 ? mlf__member(v, jn) : NULL;
        if (by_name != NULL && by_json != NULL)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Request specifies both '%s' and '%s'; provide only one of them.", f->name, jn);
        /* map entries and well-known types carry the caller's keys, not fields */
        if (f->type != PROTOBUF_C_TYPE_MESSAGE || mlf__is_map(d, f) ||
            strncmp(((const ProtobufCMessageDescriptor *)f->descriptor)->name, "google.protobuf.", 16) == 0)
            continue;
        const mlf_json *sub = by_name != NULL ? by_name : by_json;
        if (sub == NULL)
            continue;
        size_t n = sub->type == MLF_JSON_ARRAY ? sub->n : 1;
        for (size_t k = 0; k < n; k++) {
            int rc = mlf__check_aliases(pool, f->descriptor, sub->type == MLF_JSON_ARRAY ? sub->items[k] : sub,
                                        depth + 1, err);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

int mlf_pbjson_check_aliases(mlf_pool *pool, const ProtobufCMessageDescriptor *desc, const mlf_json *root,
                             mlf_error *err)
{
    return mlf__check_aliases(pool, desc, root, 0, err);
}

int mlf_pbjson_from_json(mlf_pool *pool, const ProtobufCMessageDescriptor *desc, const mlf_json *root,
                         ProtobufCMessage **ret_msg, mlf_pbjson_result *ret_result, mlf_error *err)
{
    static const mlf_json empty = {.type = MLF_JSON_OBJECT};
    if (ret_result != NULL)
        memset(ret_result, 0, sizeof(*ret_result));
    if (root == NULL || root->type == MLF_JSON_NULL)
        root = &empty;
    if (root->type != MLF_JSON_OBJECT)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid request body: expected a JSON object, got %s.", mlf_json_py_type(root));
    /* MLflow 3.18 no longer turns numeric experiment ids into strings: a number there is a type error */
    const mlf_json *obj = root;
    mlf__dec D = {.pool = pool};
    ProtobufCMessage *m = mlf_pbjson_new_message(pool, desc);
    mlf__decode_top(&D, m, obj, ret_result);
    if (ret_result != NULL)
        ret_result->json = obj;
    *ret_msg = m;
    return 0;
}

/* ------------------------------------------------------------ query strings */

/* '+' and %XX decoding as werkzeug 3 does it (parse_qsl with its "werkzeug.url_quote" error handler) */
#define MLF__QS_DECODE (MLF_TEXT_PLUS_SPACE | MLF_TEXT_UTF8_REQUOTE)

typedef struct mlf__qval {
    const char *s;
    size_t len;
    struct mlf__qval *next;
} mlf__qval;

static int mlf__query_bool(mlf_pool *pool, const char *s, size_t len, bool *out, mlf_error *err)
{
    if (len == 4 && strncasecmp(s, "true", 4) == 0) {
        *out = true;
        return 0;
    }
    if (len == 5 && strncasecmp(s, "false", 5) == 0) {
        *out = false;
        return 0;
    }
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Invalid boolean value: %s, must be 'true' or 'false'.", s);
}

int mlf_pbjson_from_query(mlf_pool *pool, const ProtobufCMessageDescriptor *desc, const char *query, size_t len,
                          ProtobufCMessage **ret_msg, mlf_pbjson_result *ret_result, mlf_error *err)
{
    if (ret_result != NULL)
        memset(ret_result, 0, sizeof(*ret_result));
    mlf__qval **first = MLF_NEW_ARRAY(pool, mlf__qval *, desc->n_fields + 1);
    mlf__qval **last = MLF_NEW_ARRAY(pool, mlf__qval *, desc->n_fields + 1);
    size_t nfields = 0;
    const char *p = query, *end = query + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pe = amp ? amp : end;
        if (pe > p) {
            const char *eq = memchr(p, '=', (size_t)(pe - p));
            const char *ke = eq ? eq : pe;
            size_t klen, vlen;
            char *key = mlf_text_percent_decode(pool, p, (size_t)(ke - p), MLF__QS_DECODE, &klen);
            const ProtobufCFieldDescriptor *f =
                klen > 0 && strlen(key) == klen ? protobuf_c_message_descriptor_get_field_by_name(desc, key) : NULL;
            if (f != NULL) {
                char *val = eq ? mlf_text_percent_decode(pool, eq + 1, (size_t)(pe - eq - 1), MLF__QS_DECODE, &vlen)
                               : mlf_pool_strdup(pool, "");
                if (eq == NULL)
                    vlen = 0;
                size_t fi = (size_t)(f - desc->fields);
                mlf__qval *q = MLF_NEW(pool, mlf__qval);
                q->s = val;
                q->len = vlen;
                if (first[fi] == NULL) {
                    first[fi] = q;
                    nfields++;
                } else {
                    last[fi]->next = q;
                }
                last[fi] = q;
            }
        }
        p = amp ? amp + 1 : end;
    }

    /* the dict _get_request_message builds: getlist for repeated fields, the first value otherwise */
    mlf_json *obj = MLF_NEW(pool, mlf_json);
    obj->type = MLF_JSON_OBJECT;
    if (nfields > 0) {
        obj->keys = MLF_NEW_ARRAY(pool, const char *, nfields);
        obj->items = MLF_NEW_ARRAY(pool, mlf_json *, nfields);
    }
    for (unsigned fi = 0; fi < desc->n_fields; fi++) {
        if (first[fi] == NULL)
            continue;
        const ProtobufCFieldDescriptor *f = &desc->fields[fi];
        mlf_json *v;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = 0;
            for (mlf__qval *q = first[fi]; q; q = q->next)
                n++;
            v = MLF_NEW(pool, mlf_json);
            v->type = MLF_JSON_ARRAY;
            v->items = MLF_NEW_ARRAY(pool, mlf_json *, n);
            for (mlf__qval *q = first[fi]; q; q = q->next)
                v->items[v->n++] = mlf__jstr(pool, q->s, q->len);
        } else if (f->type == PROTOBUF_C_TYPE_BOOL) {
            bool b = false;
            int rc = mlf__query_bool(pool, first[fi]->s, first[fi]->len, &b, err);
            if (rc < 0)
                return rc;
            v = MLF_NEW(pool, mlf_json);
            v->type = MLF_JSON_BOOL;
            v->boolean = b;
        } else {
            v = mlf__jstr(pool, first[fi]->s, first[fi]->len);
        }
        obj->keys[obj->n] = f->name;
        obj->items[obj->n++] = v;
    }
    mlf__dec D = {.pool = pool};
    ProtobufCMessage *m = mlf_pbjson_new_message(pool, desc);
    mlf__decode_top(&D, m, obj, ret_result);
    if (ret_result != NULL)
        ret_result->json = obj;
    *ret_msg = m;
    return 0;
}

int mlf_pbjson_set_string_field(mlf_pool *pool, ProtobufCMessage *msg, const char *field, const char *value,
                                mlf_error *err)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    const ProtobufCFieldDescriptor *f = mlf__field(desc, field);
    if (f == NULL)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "Unknown field '%s' in %s.", field, desc->name);
    size_t len = strlen(value);
    value = mlf_pool_strndup(pool, value, len); /* the message may keep pointers into it */
    mlf_json v = {.type = MLF_JSON_STRING, .text = value, .len = len};
    if (f->type == PROTOBUF_C_TYPE_BOOL) {
        bool b = false;
        int rc = mlf__query_bool(pool, value, len, &b, err);
        if (rc < 0)
            return rc;
        v.type = MLF_JSON_BOOL;
        v.boolean = b;
    }
    mlf__dec D = {.pool = pool};
    mlf__val u;
    if (!mlf__conv(&D, f, mlf__proto3(desc), &v, &u)) {
        mlf_buf b;
        mlf_buf_init(&b, pool, len + 8);
        mlf_json_write_python(&b, &v);
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid value %s for parameter '%s' supplied.", b.data, field);
    }
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t es = mlf__size(f->type);
        size_t n = *(size_t *)mlf__at(msg, f->quantifier_offset);
        char *arr = mlf_pool_alloc(pool, es * (n + 1));
        if (n > 0)
            memcpy(arr, *(void **)mlf__at(msg, f->offset), es * n);
        memcpy(arr + es * n, &u, es);
        mlf__set_repeated(msg, f, arr, n + 1);
    } else {
        mlf__set(msg, f, &u);
    }
    return 0;
}

/* ---------------------------------------------------------------- writer */

typedef struct mlf__w {
    mlf_buf *buf;
    int indent;
} mlf__w;

static void mlf__nl(mlf__w *w, int level)
{
    if (w->indent <= 0)
        return;
    size_t n = (size_t)level * (size_t)w->indent;
    mlf_buf_reserve(w->buf, n + 1);
    w->buf->data[w->buf->len++] = '\n';
    memset(w->buf->data + w->buf->len, ' ', n);
    w->buf->len += n;
    w->buf->data[w->buf->len] = '\0';
}

/* Starts an item of a container at level: separator and line break (json.dumps' item_separator with indent). */
static void mlf__item(mlf__w *w, size_t *count, int level)
{
    if ((*count)++)
        mlf_buf_putc(w->buf, ',');
    mlf__nl(w, level);
}

static void mlf__key(mlf__w *w, const char *k)
{
    mlf_json_write_string_ascii(w->buf, k, strlen(k));
    if (w->indent > 0)
        mlf_buf_append(w->buf, ": ", 2);
    else
        mlf_buf_putc(w->buf, ':');
}

/* A field name: an identifier of proto's ([A-Za-z0-9_]), which needs no escaping. */
static void mlf__field_key(mlf__w *w, const char *k)
{
    size_t n = strlen(k);
    mlf_buf_reserve(w->buf, n + 4);
    char *o = w->buf->data + w->buf->len;
    *o++ = '"';
    memcpy(o, k, n);
    o += n;
    *o++ = '"';
    *o++ = ':';
    if (w->indent > 0)
        *o++ = ' ';
    *o = '\0';
    w->buf->len = (size_t)(o - w->buf->data);
}

static void mlf__close(mlf__w *w, size_t count, int level, char c)
{
    if (count)
        mlf__nl(w, level);
    mlf_buf_putc(w->buf, c);
}

/* type_checkers.ToShortestFloat: the fewest %g digits (from 6) that read back as the same float */
static double mlf__shortest_float(float f)
{
    char tmp[48];
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*g", prec, (double)f);
        double r = strtod(tmp, NULL);
        if ((float)r == f)
            return r;
    }
    return (double)f;
}

static void mlf__write_double(mlf__w *w, double d)
{
    /* Infinity and NaN as strings (json_format), finite values as Python's repr */
    if (isnan(d))
        mlf_buf_puts(w->buf, "\"NaN\"");
    else if (isinf(d))
        mlf_buf_puts(w->buf, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    else
        mlf_json_write_double(w->buf, d);
}

static void mlf__write_msg(mlf__w *w, const ProtobufCMessageDescriptor *desc, const ProtobufCMessage *m, int level,
                           int depth);

/* Integers are most of what a response holds: format them without printf. */
static void mlf__write_u64(mlf_buf *b, uint64_t v, bool neg, bool quote)
{
    char tmp[24];
    char *e = tmp + sizeof(tmp), *p = e;
    if (quote)
        *--p = '"';
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    if (neg)
        *--p = '-';
    if (quote)
        *--p = '"';
    mlf_buf_append(b, p, (size_t)(e - p));
}

static void mlf__write_i64(mlf_buf *b, int64_t v, bool quote)
{
    mlf__write_u64(b, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, v < 0, quote);
}

/* One value of field f stored at p. quote64: 64-bit integers as strings (proto3 JSON, kept inside wrappers). */
static void mlf__write_scalar(mlf__w *w, const ProtobufCFieldDescriptor *f, const void *p, int level, int depth,
                              bool quote64)
{
    mlf_buf *b = w->buf;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        mlf__write_i64(b, *(const int32_t *)p, false);
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        mlf__write_u64(b, *(const uint32_t *)p, false, false);
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        mlf__write_i64(b, *(const int64_t *)p, quote64);
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        mlf__write_u64(b, *(const uint64_t *)p, false, quote64);
        break;
    case PROTOBUF_C_TYPE_FLOAT: {
        float x = *(const float *)p;
        mlf__write_double(w, isfinite(x) ? mlf__shortest_float(x) : (double)x);
        break;
    }
    case PROTOBUF_C_TYPE_DOUBLE:
        mlf__write_double(w, *(const double *)p);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        mlf_buf_puts(b, *(const protobuf_c_boolean *)p ? "true" : "false");
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *ed = f->descriptor;
        int v = *(const int *)p;
        if (strcmp(ed->name, "google.protobuf.NullValue") == 0) {
            mlf_buf_puts(b, "null");
            break;
        }
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(ed, v);
        if (ev != NULL)
            mlf_json_write_string_ascii(b, ev->name, strlen(ev->name));
        else
            mlf__write_i64(b, v, false);
        break;
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        mlf_json_write_string_ascii(b, s ? s : "", s ? strlen(s) : 0);
        break;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *bd = p;
        mlf_buf_putc(b, '"');
        mlf_text_b64_put(b, bd->data, bd->data ? bd->len : 0);
        mlf_buf_putc(b, '"');
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        mlf__write_msg(w, f->descriptor, *(ProtobufCMessage *const *)p, level, depth + 1);
        break;
    }
}

static void mlf__write_map(mlf__w *w, const ProtobufCFieldDescriptor *f, ProtobufCMessage *const *entries, size_t n,
                           int level, int depth)
{
    const ProtobufCMessageDescriptor *ed = f->descriptor;
    const ProtobufCFieldDescriptor *kf = &ed->fields[0], *vf = &ed->fields[1];
    size_t count = 0;
    mlf_buf_putc(w->buf, '{');
    for (size_t i = 0; i < n; i++) {
        const ProtobufCMessage *e = entries[i];
        if (e == NULL)
            continue;
        mlf__item(w, &count, level + 1);
        const void *kp = mlf__at(e, kf->offset);
        /* keys are strings in JSON: str(key), bools as true/false */
        if (kf->type == PROTOBUF_C_TYPE_STRING) {
            const char *k = *(char *const *)kp;
            mlf__key(w, k ? k : "");
        } else if (kf->type == PROTOBUF_C_TYPE_BOOL) {
            mlf__key(w, *(const protobuf_c_boolean *)kp ? "true" : "false");
        } else {
            char tmp[32];
            switch (kf->type) {
            case PROTOBUF_C_TYPE_UINT32:
            case PROTOBUF_C_TYPE_FIXED32:
                snprintf(tmp, sizeof(tmp), "%" PRIu32, *(const uint32_t *)kp);
                break;
            case PROTOBUF_C_TYPE_UINT64:
            case PROTOBUF_C_TYPE_FIXED64:
                snprintf(tmp, sizeof(tmp), "%" PRIu64, *(const uint64_t *)kp);
                break;
            case PROTOBUF_C_TYPE_INT64:
            case PROTOBUF_C_TYPE_SINT64:
            case PROTOBUF_C_TYPE_SFIXED64:
                snprintf(tmp, sizeof(tmp), "%" PRId64, *(const int64_t *)kp);
                break;
            default:
                snprintf(tmp, sizeof(tmp), "%" PRId32, *(const int32_t *)kp);
                break;
            }
            mlf__key(w, tmp);
        }
        mlf__write_scalar(w, vf, mlf__at(e, vf->offset), level + 1, depth, false);
    }
    mlf__close(w, count, level, '}');
}

static void mlf__write_field(mlf__w *w, const ProtobufCMessageDescriptor *desc, const ProtobufCMessage *m,
                             const ProtobufCFieldDescriptor *f, int level, int depth)
{
    const void *p = mlf__at(m, f->offset);
    if (f->label != PROTOBUF_C_LABEL_REPEATED) {
        mlf__write_scalar(w, f, p, level, depth, false);
        return;
    }
    size_t n = *(const size_t *)mlf__at(m, f->quantifier_offset);
    const char *arr = *(const char *const *)p;
    if (mlf__is_map(desc, f)) {
        mlf__write_map(w, f, (ProtobufCMessage *const *)arr, n, level, depth);
        return;
    }
    size_t es = mlf__size(f->type), count = 0;
    mlf_buf_putc(w->buf, '[');
    for (size_t i = 0; i < n; i++) {
        mlf__item(w, &count, level + 1);
        mlf__write_scalar(w, f, arr + i * es, level + 1, depth, false);
    }
    mlf__close(w, count, level, ']');
}

static void mlf__write_timestamp(mlf__w *w, const ProtobufCMessage *m)
{
    const ProtobufCFieldDescriptor *sf = mlf__field(m->descriptor, "seconds"), *nf = mlf__field(m->descriptor, "nanos");
    int64_t sec = sf ? *(const int64_t *)mlf__at(m, sf->offset) : 0;
    int64_t ns = nf ? *(const int32_t *)mlf__at(m, nf->offset) : 0;
    /* nanos taken modulo 1e9 and the carry added to seconds (floor semantics, as Python) */
    int64_t carry = ns >= 0 ? ns / 1000000000 : -((-ns + 999999999) / 1000000000);
    ns -= carry * 1000000000;
    if (sec > (INT64_C(1) << 61) || sec < -(INT64_C(1) << 61))
        sec = sec > 0 ? INT64_C(1) << 61 : -(INT64_C(1) << 61);
    /* far outside datetime's years 1..9999 (which Python would refuse): clamp so the arithmetic stays defined */
    sec += carry;
    if (sec > (INT64_C(1) << 60) || sec < -(INT64_C(1) << 60))
        sec = sec > 0 ? INT64_C(1) << 60 : -(INT64_C(1) << 60);
    int64_t days = sec >= 0 ? sec / 86400 : -((-(sec + 1)) / 86400) - 1;
    int64_t rem = sec - days * 86400;
    int64_t y;
    unsigned mo, d;
    mlf__civil_from_days(days, &y, &mo, &d);
    mlf_buf_printf(w->buf, "\"%04" PRId64 "-%02u-%02uT%02u:%02u:%02u", y, mo, d, (unsigned)(rem / 3600),
                   (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
    if (ns % 1000000 == 0 && ns != 0)
        mlf_buf_printf(w->buf, ".%03" PRId64, ns / 1000000);
    else if (ns % 1000 == 0 && ns != 0)
        mlf_buf_printf(w->buf, ".%06" PRId64, ns / 1000);
    else if (ns != 0)
        mlf_buf_printf(w->buf, ".%09" PRId64, ns);
    mlf_buf_puts(w->buf, "Z\"");
}

static void mlf__write_duration(mlf__w *w, const ProtobufCMessage *m)
{
    const ProtobufCFieldDescriptor *sf = mlf__field(m->descriptor, "seconds"), *nf = mlf__field(m->descriptor, "nanos");
    int64_t sec = sf ? *(const int64_t *)mlf__at(m, sf->offset) : 0;
    int64_t ns = nf ? *(const int32_t *)mlf__at(m, nf->offset) : 0;
    bool neg = sec < 0 || ns < 0;
    uint64_t s = neg ? (uint64_t)0 - (uint64_t)sec : (uint64_t)sec;
    int64_t n = neg ? -ns : ns;
    if (n < 0) { /* signs disagree (an invalid Duration): borrow a second */
        s -= 1;
        n += 1000000000;
    }
    s += (uint64_t)(n / 1000000000);
    n %= 1000000000;
    mlf_buf_printf(w->buf, "\"%s%" PRIu64, neg ? "-" : "", s);
    if (n % 1000000 == 0 && n != 0)
        mlf_buf_printf(w->buf, ".%03" PRId64, n / 1000000);
    else if (n % 1000 == 0 && n != 0)
        mlf_buf_printf(w->buf, ".%06" PRId64, n / 1000);
    else if (n != 0)
        mlf_buf_printf(w->buf, ".%09" PRId64, n);
    mlf_buf_puts(w->buf, "s\"");
}

static void mlf__write_field_mask(mlf__w *w, const ProtobufCMessage *m)
{
    const ProtobufCFieldDescriptor *pf = mlf__field(m->descriptor, "paths");
    size_t n = pf ? *(const size_t *)mlf__at(m, pf->quantifier_offset) : 0;
    char *const *paths = pf ? *(char *const *const *)mlf__at(m, pf->offset) : NULL;
    mlf_buf joined;
    mlf_buf_init(&joined, w->buf->pool, 64);
    for (size_t i = 0; i < n; i++) {
        if (i)
            mlf_buf_putc(&joined, ',');
        bool cap = false;
        for (const char *c = paths[i] ? paths[i] : ""; *c; c++) {
            if (*c == '_') {
                cap = true;
                continue;
            }
            mlf_buf_putc(&joined, (cap && *c >= 'a' && *c <= 'z') ? (char)(*c - 'a' + 'A') : *c);
            cap = false;
        }
    }
    mlf_json_write_string_ascii(w->buf, joined.data, joined.len);
}

static void mlf__write_value(mlf__w *w, const ProtobufCMessageDescriptor *desc, const ProtobufCMessage *m, int level,
                             int depth)
{
    const ProtobufCFieldDescriptor *set = NULL;
    for (unsigned i = 0; m != NULL && i < desc->n_fields; i++)
        if (mlf__is_set(m, &desc->fields[i]))
            set = &desc->fields[i];
    if (set == NULL || set->type == PROTOBUF_C_TYPE_ENUM || depth > MLF__MAX_DEPTH) {
        mlf_buf_puts(w->buf, "null"); /* unset kind and null_value both print null */
        return;
    }
    mlf__write_scalar(w, set, mlf__at(m, set->offset), level, depth, false);
}

static void mlf__write_msg(mlf__w *w, const ProtobufCMessageDescriptor *desc, const ProtobufCMessage *m, int level,
                           int depth)
{
    int wkt = mlf__wkt(desc);
    if (wkt == MLF__WKT_VALUE) {
        mlf__write_value(w, desc, m, level, depth);
        return;
    }
    if (m == NULL || depth > MLF__MAX_DEPTH) {
        /* an unset message value (a map value or repeated element) prints its defaults */
        mlf_buf_puts(w->buf, wkt == MLF__WKT_LIST_VALUE ? "[]" : "{}");
        return;
    }
    switch (wkt) {
    case MLF__WKT_TIMESTAMP:
        mlf__write_timestamp(w, m);
        return;
    case MLF__WKT_DURATION:
        mlf__write_duration(w, m);
        return;
    case MLF__WKT_FIELD_MASK:
        mlf__write_field_mask(w, m);
        return;
    case MLF__WKT_STRUCT: {
        const ProtobufCFieldDescriptor *ff = mlf__field(desc, "fields");
        if (ff != NULL) {
            mlf__write_map(w, ff, *(ProtobufCMessage *const *const *)mlf__at(m, ff->offset),
                           *(const size_t *)mlf__at(m, ff->quantifier_offset), level, depth);
            return;
        }
        break;
    }
    case MLF__WKT_LIST_VALUE: {
        const ProtobufCFieldDescriptor *lf = mlf__field(desc, "values");
        if (lf != NULL) {
            mlf__write_field(w, desc, m, lf, level, depth);
            return;
        }
        break;
    }
    case MLF__WKT_WRAPPER:
        /* MLflow's int64-as-number pass does not reach into wrappers: their 64-bit values stay strings */
        mlf__write_scalar(w, &desc->fields[0], mlf__at(m, desc->fields[0].offset), level, depth, true);
        return;
    default:
        break;
    }
    size_t count = 0;
    mlf_buf_putc(w->buf, '{');
    /* protobuf-c sorts fields[] by number: MessageToJson's ListFields order */
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        if (!mlf__is_set(m, f))
            continue;
        mlf__item(w, &count, level + 1);
        mlf__field_key(w, f->name);
        mlf__write_field(w, desc, m, f, level + 1, depth);
    }
    mlf__close(w, count, level, '}');
}

void mlf_pbjson_write_indent(mlf_buf *buf, const ProtobufCMessage *msg, int indent)
{
    mlf__w w = {buf, indent};
    mlf__write_msg(&w, msg->descriptor, msg, 0, 0);
}

void mlf_pbjson_write_nested(mlf_buf *buf, const ProtobufCMessage *msg, int depth)
{
    mlf__w w = {buf, 0};
    mlf__write_msg(&w, msg->descriptor, msg, 0, depth);
}

void mlf_pbjson_write(mlf_buf *buf, const ProtobufCMessage *msg)
{
    mlf_pbjson_write_indent(buf, msg, 2);
}
