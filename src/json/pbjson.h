/*
 * Protobuf messages <-> JSON, the way MLflow's server does it
 * (mlflow/utils/proto_json_utils.py and google.protobuf.json_format):
 *
 * Out: proto field names (snake_case); only fields that are set; int64 as
 * JSON numbers; enums by name; NaN/Infinity/-Infinity as strings; bytes as
 * base64; Timestamp, Duration, FieldMask, Struct/Value/ListValue and maps
 * with their JSON mappings; an empty message is {}.
 *
 * In: proto names and lowerCamelCase json names; int64 from numbers or
 * strings; enums by name or number (an unknown name is dropped); unknown
 * fields ignored; null means unset. Numbers do not fit string fields (MLflow
 * 3.18 no longer turns experiment ids sent as numbers into strings).
 */
#ifndef MLF_JSON_PBJSON_H
#define MLF_JSON_PBJSON_H

#include <protobuf-c/protobuf-c.h>

#include "core/error.h"
#include "core/pool.h"
#include "json/json.h"

/** A top-level field whose value did not fit its type (MLflow's ParseDict failure). */
typedef struct mlf_pbjson_type_error {
    const char *field;      /** the top-level field name (proto name) */
    const char *json_value; /** the top-level value as MLflow's invalid_value quotes it (mlf_json_write_python) */
    const char *py_type;    /** the Python type name of the value: str, int, float, bool, list, dict, NoneType */
} mlf_pbjson_type_error;

/** What decoding found besides the message. */
typedef struct mlf_pbjson_result {
    mlf_pbjson_type_error *type_errors; /** the first misfit (at most one: ParseDict stops there) */
    size_t n_type_errors;
    /**
     * The dict MLflow validates its schema against: the JSON body as sent,
     * or the object built from the query string
     * (repeated fields as arrays of strings, bool fields as JSON bools).
     */
    const mlf_json *json;
} mlf_pbjson_result;

/**
 * Builds a message of type desc from a parsed JSON object, member by member
 * in the object's order, as ParseDict does: the first value that does not
 * fit its field is left unset, reported in ret_result (on its top-level
 * field), and ends decoding; what was set before stays (a list keeps its
 * earlier elements, a message element partly filled). MLflow goes on with
 * that partial message; the report switches on its type validators.
 * Returns 0, or a negative code with INVALID_PARAMETER_VALUE when root is not
 * an object (NULL or a JSON null count as {}, as MLflow treats a missing
 * body). String and bytes fields may point into root's storage, so root must
 * live as long as the message (both normally come from the request pool).
 */
int mlf_pbjson_from_json(mlf_pool *pool, const ProtobufCMessageDescriptor *desc, const mlf_json *root,
                         ProtobufCMessage **ret_msg, mlf_pbjson_result *ret_result, mlf_error *err);

/**
 * MLflow 3.18's _reject_conflicting_field_aliases: an object of root (root
 * itself and, recursively, the messages in its message fields, not maps nor
 * google.protobuf types) that spells one field both by its proto name and
 * its json name is INVALID_PARAMETER_VALUE "Request specifies both '<name>'
 * and '<jsonName>'; provide only one of them.". Returns 0 otherwise.
 */
int mlf_pbjson_check_aliases(mlf_pool *pool, const ProtobufCMessageDescriptor *desc, const mlf_json *root,
                             mlf_error *err);

/**
 * Builds a message of type desc from a URL query string (without '?') as
 * _get_request_message does for a GET: top-level fields by proto name only,
 * repeated fields from repeated keys, other fields from the first value;
 * '+' and %XX decoded as werkzeug does (bad escapes kept, bytes that are not
 * UTF-8 quoted back as %XX). A non-repeated bool must be true/false in any
 * case, else INVALID_PARAMETER_VALUE "Invalid boolean value: <v>, must be
 * 'true' or 'false'."; other values convert as JSON strings would, and
 * misfits are reported as for JSON.
 */
int mlf_pbjson_from_query(mlf_pool *pool, const ProtobufCMessageDescriptor *desc, const char *query, size_t len,
                          ProtobufCMessage **ret_msg, mlf_pbjson_result *ret_result, mlf_error *err);

/**
 * Sets the top-level field named field (proto name) of msg from a string value
 * (path parameters), converted as a query value; a repeated field gets the
 * value appended. Returns 0, INVALID_PARAMETER_VALUE when the value does not
 * fit the field, or INTERNAL_ERROR when msg has no such field.
 */
int mlf_pbjson_set_string_field(mlf_pool *pool, ProtobufCMessage *msg, const char *field, const char *value,
                                mlf_error *err);

/**
 * Appends msg as MLflow's JSON, byte for byte what message_to_json gives:
 * json.dumps(indent=2) with ensure_ascii (non-ASCII as \uXXXX), fields in
 * number order. (Struct keys keep their stored order; Python's follow its
 * map's hash order.)
 */
void mlf_pbjson_write(mlf_buf *buf, const ProtobufCMessage *msg);
/** Like mlf_pbjson_write with json.dumps' indent (0: compact, no spaces at all). */
void mlf_pbjson_write_indent(mlf_buf *buf, const ProtobufCMessage *msg, int indent);
/** Compact mlf_pbjson_write of msg as the message depth levels down another one writes it (its depth
 *  limit counted from there): for an answer written in pieces, each piece as the whole would have it. */
void mlf_pbjson_write_nested(mlf_buf *buf, const ProtobufCMessage *msg, int depth);

/** A new, initialized message of type desc from the pool. */
ProtobufCMessage *mlf_pbjson_new_message(mlf_pool *pool, const ProtobufCMessageDescriptor *desc);

#endif
