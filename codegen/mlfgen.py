#!/usr/bin/env python3
"""mlflow-c's generator.

Reads the FileDescriptorSet that `protoc --include_imports --descriptor_set_out`
writes for proto/, plus endpoints.def, routes.def and validations.def, and
writes into generated/:

  service_api.h   one prototype per enabled rpc (hand-written in src/service/),
                  two for an rpc flagged `store-half` (the handler's and the
                  store's half)
  rpc_table.c     every rpc of the four served services with its
                  request/response descriptors, validation rules and, for
                  enabled rpcs, thunks that call the service function (call,
                  for HTTP) and the store half or the same function
                  (store_call, for the FFI)
  route_table.c   the server's one route table: every rpc's HTTP routes and the
                  non-rpc routes of routes.def, each with its class, flags and
                  handler (linked into the server only)
  route_handlers.h  the prototype of each handler routes.def names
  ffi_exports.h   one exported C function per enabled rpc (protobuf in/out)
  ffi_exports.c

Output is deterministic (sorted by service, then rpc) and every file starts
with a DO-NOT-EDIT header naming the inputs and a hash of them. Any unknown
service, rpc, message, field or rule is reported as `file:line: message` and
the generator exits with status 1 without writing anything.

Usage: mlfgen.py DESCRIPTOR_SET ENDPOINTS_DEF ROUTES_DEF VALIDATIONS_DEF OUT_DIR
"""

import hashlib
import os
import re
import sys

from google.protobuf import descriptor_pb2

# The services the server answers, with the C module each one's service
# functions live in (mlf_<module>_<rpc>).
SERVICES = {
    "mlflow.MlflowService": "tracking",
    "mlflow.ModelRegistryService": "registry",
    "mlflow.artifacts.MlflowArtifactsService": "artifacts",
    "mlflow.WebhookService": "webhooks",
}
SERVICE_ORDER = list(SERVICES)

RPC_OPTION_FIELD = 51310  # (rpc) extension on MethodOptions, databricks.proto

TYPE_RULES = ("string", "int", "float", "bool", "array", "items:string")

# Request classes (endpoints.def, routes.def): where the server runs a request
# (src/server/http.c mlf_http_route) and whether it goes through the artifact
# gate. C names of mlf_route_class.
CLASSES = {"read": "MLF_ROUTE_READ", "write": "MLF_ROUTE_WRITE", "transfer": "MLF_ROUTE_TRANSFER"}
# endpoints.def's class for an rpc MLflow itself has no handler for (not served, no function)
UNHANDLED = "unhandled"

# Flag words after the class, with their C bit (router.h) and the files that
# take them. A flag word with no bit is known but not part of the route table.
FLAGS = {
    "raw-body": ("MLF_ROUTE_RAW_BODY", ("endpoints", "routes")),
    "unlimited-body": ("MLF_ROUTE_UNLIMITED_BODY", ("endpoints", "routes")),
    "serve-artifacts": ("MLF_ROUTE_SERVE_ARTIFACTS", ("endpoints", "routes")),
    "tracking": ("MLF_ROUTE_TRACKING", ("routes",)),
    "static-prefix": (None, ("routes",)),
    "store-half": (None, ("endpoints",)),
    "compact": ("MLF_ROUTE_COMPACT", ("endpoints",)),
    # set by the class `unhandled`, never written: MLflow's _not_implemented (404, empty body)
    "empty-404": ("MLF_ROUTE_EMPTY_404", ()),
}

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


class GenError(Exception):
    pass


def fail(where, msg):
    raise GenError(f"{where}: {msg}")


# ---------------------------------------------------------------- wire format
# The (rpc) option is an extension that descriptor_pb2 keeps as unknown
# bytes; decoding these few fields by hand avoids generating Python code
# for databricks.proto.

def _varint(buf, i):
    shift = 0
    val = 0
    while True:
        b = buf[i]
        i += 1
        val |= (b & 0x7F) << shift
        if b < 0x80:
            return val, i
        shift += 7


def _fields(buf):
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, i = _varint(buf, i)
        elif wt == 2:
            n, i = _varint(buf, i)
            val = buf[i:i + n]
            i += n
        elif wt == 5:
            val = buf[i:i + 4]
            i += 4
        elif wt == 1:
            val = buf[i:i + 8]
            i += 8
        else:
            raise GenError(f"unsupported wire type {wt} in options")
        yield num, wt, val


def decode_rpc_option(options_bytes):
    """Returns [(method, path, since_major, since_minor)] of the (rpc) option."""
    endpoints = []
    for num, wt, val in _fields(options_bytes):
        if num != RPC_OPTION_FIELD or wt != 2:
            continue
        for n2, w2, v2 in _fields(val):
            if n2 != 1 or w2 != 2:
                continue
            method, path, major, minor = "POST", None, 2, 0
            for n3, w3, v3 in _fields(v2):
                if n3 == 1:
                    method = v3.decode()
                elif n3 == 2:
                    path = v3.decode()
                elif n3 == 3:
                    for n4, _, v4 in _fields(v3):
                        if n4 == 1:
                            major = v4
                        elif n4 == 2:
                            minor = v4
            endpoints.append((method, path, major, minor))
    return endpoints


# ---------------------------------------------------------------- naming
# protobuf-c's rules (c_helpers.cc): CamelToLower / FullNameToC.

def camel_to_lower(name):
    out = []
    was_upper = True
    for ch in name:
        up = ch.isupper()
        if up:
            if not was_upper:
                out.append("_")
            out.append(ch.lower())
        else:
            out.append(ch)
        was_upper = up
    return "".join(out)


def camel_to_upper(name):
    return camel_to_lower(name).upper()


def to_camel(part):
    out = []
    cap = True
    for ch in part:
        if ch == "_":
            cap = True
        elif cap:
            out.append(ch.upper())
            cap = False
        else:
            out.append(ch)
    return "".join(out)


def c_type(full_name):
    return "__".join(to_camel(p) for p in full_name.split("."))


def c_descriptor(full_name):
    return "__".join(camel_to_lower(p) for p in full_name.split(".")) + "__descriptor"


def snake(rpc_name):
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", rpc_name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    return s.lower()


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---------------------------------------------------------------- model

class Rpc:
    def __init__(self, service, module, method, endpoints):
        self.service = service            # mlflow.MlflowService
        self.service_short = service.rsplit(".", 1)[1]
        self.module = module              # tracking
        self.name = method.name           # createExperiment
        self.request = method.input_type.lstrip(".")
        self.response = method.output_type.lstrip(".")
        self.endpoints = endpoints
        self.enabled = False
        self.cls = None                   # read/write/transfer, from endpoints.def
        self.flags = []
        self.func = f"mlf_{module}_{snake(self.name)}"
        self.store_func = f"{self.func}_store"
        self.ffi = f"mlf_ffi_{module}_{snake(self.name)}"
        self.ident = f"MLF_RPC_{module.upper()}_{snake(self.name).upper()}"


def load_descriptors(path):
    fds = descriptor_pb2.FileDescriptorSet()
    with open(path, "rb") as f:
        fds.ParseFromString(f.read())
    messages = {}  # full name -> DescriptorProto
    rpcs = []

    def walk(prefix, msgs):
        for m in msgs:
            full = f"{prefix}.{m.name}" if prefix else m.name
            messages[full] = m
            walk(full, m.nested_type)

    for fd in fds.file:
        walk(fd.package, fd.message_type)
        for svc in fd.service:
            full = f"{fd.package}.{svc.name}"
            if full not in SERVICES:
                continue
            for m in svc.method:
                eps = decode_rpc_option(m.options.SerializeToString())
                if not eps:
                    raise GenError(f"{path}: rpc {full}.{m.name} has no (rpc) endpoints")
                rpcs.append(Rpc(full, SERVICES[full], m, eps))
    rpcs.sort(key=lambda r: (SERVICE_ORDER.index(r.service), r.name.lower(), r.name))
    return messages, rpcs


def read_def(path):
    """Yields (lineno, [tokens]) of non-blank, non-comment lines. Tokens are split on
    whitespace, except that a double-quoted string stays one token."""
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            toks = re.findall(r'(?:[^\s"]|"(?:[^"\\]|\\.)*")+', s)
            yield lineno, toks


def parse_flags(where, toks, kind):
    flags = []
    for t in toks:
        known = FLAGS.get(t)
        if known is None or kind not in known[1]:
            fail(where, f"unknown flag '{t}'")
        if t in flags:
            fail(where, f"flag '{t}' given twice")
        flags.append(t)
    return flags


def parse_class(where, tok):
    if tok not in CLASSES:
        fail(where, f"unknown class '{tok}' (one of: {', '.join(CLASSES)})")
    return tok


def parse_endpoints(path, rpcs):
    by_name = {(r.service_short, r.name): r for r in rpcs}
    services = {r.service_short for r in rpcs}
    seen = set()
    for lineno, toks in read_def(path):
        where = f"{path}:{lineno}"
        if len(toks) < 3:
            fail(where, "expected `<Service> <rpc> <class> [flag ...]`")
        svc, rpc = toks[:2]
        if svc not in services:
            fail(where, f"unknown service '{svc}'")
        r = by_name.get((svc, rpc))
        if r is None:
            fail(where, f"unknown rpc '{rpc}' in {svc}")
        if (svc, rpc) in seen:
            fail(where, f"rpc '{svc} {rpc}' listed twice")
        seen.add((svc, rpc))
        if toks[2] == UNHANDLED:
            if len(toks) > 3:
                fail(where, f"an {UNHANDLED} rpc takes no flags")
            r.flags = ["empty-404"]
            continue
        r.cls = parse_class(where, toks[2])
        r.flags = parse_flags(where, toks[3:], "endpoints")
        r.enabled = True


class Route:
    """One line of routes.def, one method of it: a non-rpc route."""
    def __init__(self, method, pattern, cls, handler, flags, where):
        self.method = method
        self.pattern = pattern
        self.cls = cls
        self.handler = handler
        self.flags = flags
        self.where = where


def check_pattern(where, pattern):
    if not pattern.startswith("/"):
        fail(where, f"path pattern '{pattern}' must start with '/'")
    rest = pattern
    while "{" in rest or "}" in rest:
        m = re.match(r"[^{}]*\{\+?[A-Za-z_][A-Za-z0-9_.]*\}", rest)
        if m is None:
            fail(where, f"bad capture in path pattern '{pattern}' (write {{name}} or {{+name}})")
        rest = rest[m.end():]


def parse_routes(path):
    routes = []
    handlers = []
    for lineno, toks in read_def(path):
        where = f"{path}:{lineno}"
        if len(toks) < 4:
            fail(where, "expected `<METHOD>[,<METHOD>...] <path> <class> <handler> [flag ...]`")
        methods = toks[0].split(",")
        for m in methods:
            if m not in METHODS:
                fail(where, f"unknown method '{m}' (one of: {', '.join(METHODS)})")
        if len(set(methods)) != len(methods):
            fail(where, f"method listed twice in '{toks[0]}'")
        check_pattern(where, toks[1])
        cls = parse_class(where, toks[2])
        handler = toks[3]
        if not re.fullmatch(r"mlf_http_[a-z0-9_]+", handler):
            fail(where, f"handler '{handler}' must be a C name mlf_http_<name>")
        flags = parse_flags(where, toks[4:], "routes")
        if handler not in handlers:
            handlers.append(handler)
        for m in methods:
            routes.append(Route(m, toks[1], cls, handler, flags, where))
    return routes, handlers


def check_route_clashes(rpcs, routes):
    """A method and path served twice would leave one of the two unreachable."""
    seen = {}
    for r in rpcs:
        for method, path, major, _minor in r.endpoints:
            for base in ("/api", "/ajax-api"):
                seen.setdefault((method, route_pattern(f"{base}/{major}.0", path), base == "/ajax-api"),
                                f"rpc {r.service_short} {r.name}")
    for rt in routes:
        key = (rt.method, rt.pattern, "static-prefix" in rt.flags)
        if key in seen:
            fail(rt.where, f"route {rt.method} {rt.pattern} is also served by {seen[key]}")
        seen[key] = f"line {rt.where.rsplit(':', 1)[1]}"


# Field types (descriptor_pb2.FieldDescriptorProto.Type) by family, to check
# that a rule fits its field.
_T = descriptor_pb2.FieldDescriptorProto
INT_TYPES = {_T.TYPE_INT32, _T.TYPE_INT64, _T.TYPE_UINT32, _T.TYPE_UINT64, _T.TYPE_SINT32, _T.TYPE_SINT64,
             _T.TYPE_FIXED32, _T.TYPE_FIXED64, _T.TYPE_SFIXED32, _T.TYPE_SFIXED64}


class Rule:
    def __init__(self, kind, arg=0, arg2=0, sub=None, message=None):
        self.kind = kind
        self.arg = arg
        self.arg2 = arg2
        self.sub = sub
        self.message = message


def parse_rule(where, tok, field, messages):
    """Returns a Rule for one token of validations.def."""
    repeated = field.label == _T.LABEL_REPEATED
    message = None
    m = re.fullmatch(r'(.*?):"((?:[^"\\]|\\.)*)"', tok)
    if m:
        tok, message = m.group(1), m.group(2).replace('\\"', '"')
    if tok == "required":
        return Rule("REQUIRED", message=message)
    if tok in TYPE_RULES:
        if tok == "items:string" and not repeated:
            fail(where, f"rule '{tok}' needs a repeated field")
        return Rule("TYPE_" + tok.replace("items:", "items_").upper(), message=message)
    m = re.fullmatch(r"max=(-?\d+)", tok)
    if m:
        if field.type not in INT_TYPES or repeated:
            fail(where, f"rule '{tok}' needs an integer field")
        return Rule("MAX", int(m.group(1)), message=message)
    m = re.fullmatch(r"range=(-?\d+)\.\.(-?\d+)", tok)
    if m:
        if field.type not in INT_TYPES or repeated:
            fail(where, f"rule '{tok}' needs an integer field")
        return Rule("RANGE", int(m.group(1)), int(m.group(2)), message=message)
    m = re.fullmatch(r"maxlen=(\d+)", tok)
    if m:
        if field.type != _T.TYPE_STRING:
            fail(where, f"rule '{tok}' needs a string field")
        return Rule("MAXLEN", int(m.group(1)), message=message)
    m = re.fullmatch(r"maxitems=(\d+)", tok)
    if m:
        if not repeated:
            fail(where, f"rule '{tok}' needs a repeated field")
        return Rule("MAXITEMS", int(m.group(1)), message=message)
    m = re.fullmatch(r"elem\.(\w+):(required|maxlen=(\d+))", tok)
    if m:
        if not repeated or field.type != _T.TYPE_MESSAGE:
            fail(where, f"rule '{tok}' needs a repeated message field")
        sub_msg = messages[field.type_name.lstrip(".")]
        sub = next((f for f in sub_msg.field if f.name == m.group(1)), None)
        if sub is None:
            fail(where, f"unknown field '{m.group(1)}' in {field.type_name.lstrip('.')}")
        if m.group(2) == "required":
            return Rule("ELEM_REQUIRED", sub=sub.name, message=message)
        if sub.type != _T.TYPE_STRING:
            fail(where, f"rule '{tok}' needs a string element field")
        return Rule("ELEM_MAXLEN", int(m.group(3)), sub=sub.name, message=message)
    fail(where, f"unknown rule '{tok}'")


def parse_validations(path, messages, rpcs):
    """Returns {message full name: [(field name, [Rule])]} in file order."""
    request_names = {}
    for r in rpcs:
        request_names.setdefault(r.request.rsplit(".", 1)[1], set()).add(r.request)
    out = {}
    seen = set()
    for lineno, toks in read_def(path):
        where = f"{path}:{lineno}"
        if len(toks) < 2:
            fail(where, "expected `<Message>.<field> <rule> [<rule> ...]`")
        target = toks[0]
        if "." not in target:
            fail(where, f"expected `<Message>.<field>`, got '{target}'")
        msg_name, field_name = target.rsplit(".", 1)
        if msg_name in messages:
            full = msg_name
        else:
            cands = request_names.get(msg_name, set())
            if not cands:
                fail(where, f"unknown message '{msg_name}'")
            if len(cands) > 1:
                fail(where, f"message '{msg_name}' is ambiguous: write one of {', '.join(sorted(cands))}")
            full = next(iter(cands))
        field = next((f for f in messages[full].field if f.name == field_name), None)
        if field is None:
            fail(where, f"unknown field '{field_name}' in message {full}")
        if (full, field_name) in seen:
            fail(where, f"field '{full}.{field_name}' listed twice")
        seen.add((full, field_name))
        rules = [parse_rule(where, t, field, messages) for t in toks[1:]]
        out.setdefault(full, []).append((field_name, rules))
    return out


# ---------------------------------------------------------------- emit

def header(inputs_hash, inputs, comment="//"):
    names = ", ".join(inputs)
    return (f"/* DO NOT EDIT: generated by codegen/mlfgen.py from {names}.\n"
            f" * Change those inputs and run `ninja -C build generate`.\n"
            f" * inputs sha256: {inputs_hash} */\n")


def route_pattern(prefix, path):
    # A path without a leading slash (searchDatasets) is joined as MLflow joins
    # it, and so can never match, as there. {a.b} captures into field a.b.
    path = re.sub(r"<path:(\w+)>", r"{+\1}", path)
    return prefix + path


def emit_service_api(rpcs, hdr):
    lines = [hdr, "#ifndef MLF_GENERATED_SERVICE_API_H", "#define MLF_GENERATED_SERVICE_API_H", "",
             '#include "service/service.h"', '#include "service.pb-c.h"', '#include "model_registry.pb-c.h"',
             '#include "mlflow_artifacts.pb-c.h"', '#include "webhooks.pb-c.h"', "",
             "/* One hand-written function per enabled rpc: fill resp (already initialized)",
             " * or return a negative code with MLflow's error in err. An rpc flagged",
             " * `store-half` in endpoints.def has a second one, <func>_store: what MLflow's",
             " * store does (the FFI calls it); the first is then the HTTP handler's half,",
             " * which makes the handler's checks and calls the store half. */", ""]
    for r in rpcs:
        if not r.enabled:
            continue
        for func in (r.func, r.store_func) if "store-half" in r.flags else (r.func,):
            lines.append(f"int {func}(mlf_ctx *ctx, const {c_type(r.request)} *req, {c_type(r.response)} *resp,")
            lines.append(f"    {' ' * len(func)}mlf_error *err);")
    lines += ["", "#endif", ""]
    return "\n".join(lines)


def emit_rpc_table(rpcs, validations, messages, hdr):
    out = [hdr, "#include \"generated/rpc_ids.h\"", "#include \"generated/service_api.h\"", "#include \"rpc/rpc.h\"", ""]
    # thunks
    for r in rpcs:
        if not r.enabled:
            continue
        thunks = [("", r.func)] + ([("_store", r.store_func)] if "store-half" in r.flags else [])
        for suffix, func in thunks:
            out.append(f"static int mlf__call_{r.module}_{snake(r.name)}{suffix}(mlf_ctx *ctx, const ProtobufCMessage *req,"
                       f" ProtobufCMessage *resp, mlf_error *err)")
            out.append("{")
            out.append(f"    return {func}(ctx, (const {c_type(r.request)} *)req, ({c_type(r.response)} *)resp, err);")
            out.append("}")
            out.append("")
    # validation rules
    for full in sorted(validations):
        ident = "mlf__rules_" + full.replace(".", "_")
        out.append(f"static const mlf_rule {ident}[] = {{")
        for field_name, rules in validations[full]:
            for ru in rules:
                sub = c_string(ru.sub) if ru.sub else "NULL"
                msg = c_string(ru.message) if ru.message else "NULL"
                out.append(f"    {{{c_string(field_name)}, MLF_RULE_{ru.kind}, {ru.arg}, {ru.arg2}, {sub}, {msg}}},")
        out.append("};")
        out.append("")
    # rpcs
    out.append("const mlf_rpc mlf_rpcs[] = {")
    for r in rpcs:
        rules = validations.get(r.request)
        rule_ref = f"mlf__rules_{r.request.replace('.', '_')}" if rules else "NULL"
        n_rules = sum(len(x[1]) for x in rules) if rules else 0
        call = f"mlf__call_{r.module}_{snake(r.name)}" if r.enabled else "NULL"
        store_call = f"{call}_store" if r.enabled and "store-half" in r.flags else call
        out.append(f"    [{r.ident}] = {{{c_string(r.service_short)}, {c_string(r.name)}, {c_string(r.func)},")
        out.append(f"        &{c_descriptor(r.request)}, &{c_descriptor(r.response)}, {rule_ref}, {n_rules}, {call},"
                   f" {store_call}}},")
    out.append("};")
    out.append("")
    out.append("const size_t mlf_n_rpcs = sizeof(mlf_rpcs) / sizeof(mlf_rpcs[0]);")
    out.append("")
    return "\n".join(out)


# The handler of every rpc route (src/server/http.c).
RPC_HANDLER = "mlf_http_rpc"


def route_flags(flags, rpc):
    bits = [FLAGS[f][0] for f in flags if FLAGS[f][0] is not None]
    if rpc and "serve-artifacts" not in flags:
        bits.append("MLF_ROUTE_TRACKING")  # every rpc but the artifact proxy's is off under --artifacts-only
    return " | ".join(bits) if bits else "0"


def emit_route_table(rpcs, routes, hdr):
    out = [hdr, '#include "generated/rpc_ids.h"', '#include "server/http.h"', "",
           "/* The routes of routes.def first (they answered before the rpcs' when both could match), then",
           " * every rpc's: MLflow 3.6 serves each endpoint under /api/{since.major}.0 and",
           " * /ajax-api/{since.major}.0. Rpcs not served answer 404 (read: they touch nothing). */",
           "const mlf_route mlf_routes[] = {"]
    for rt in routes:
        prefixed = "1" if "static-prefix" in rt.flags else "0"
        out.append(f"    {{{c_string(rt.method)}, {c_string(rt.pattern)}, -1, {prefixed}, {CLASSES[rt.cls]},"
                   f" {route_flags(rt.flags, False)}, {rt.handler}}},")
    for r in rpcs:
        cls = CLASSES[r.cls or "read"]
        flags = route_flags(r.flags, True)
        for method, path, major, _minor in r.endpoints:
            for base in ("/api", "/ajax-api"):
                pat = route_pattern(f"{base}/{major}.0", path)
                ajax = "1" if base == "/ajax-api" else "0"
                out.append(f"    {{{c_string(method)}, {c_string(pat)}, {r.ident}, {ajax}, {cls}, {flags},"
                           f" {RPC_HANDLER}}},")
    out.append("};")
    out.append("")
    out.append("const size_t mlf_n_routes = sizeof(mlf_routes) / sizeof(mlf_routes[0]);")
    out.append("")
    return "\n".join(out)


def emit_route_handlers(handlers, hdr):
    out = [hdr, "#ifndef MLF_GENERATED_ROUTE_HANDLERS_H", "#define MLF_GENERATED_ROUTE_HANDLERS_H", "",
           "/* The handler of each route of the table (generated/route_table.c): hand-written in src/server/,",
           " * included by server/http.h after its types. A handler (mlf_route_fn, server/router.h) answers",
           " * req into ret with the route and path parameters routing found in m; method,",
           " * --artifacts-only and --serve-artifacts are checked before it runs. */", ""]
    for h in [RPC_HANDLER] + handlers:
        out.append(f"mlf_route_fn {h};")
    out += ["", "#endif", ""]
    return "\n".join(out)


def emit_rpc_ids(rpcs, hdr):
    out = [hdr, "#ifndef MLF_GENERATED_RPC_IDS_H", "#define MLF_GENERATED_RPC_IDS_H", "",
           "/* Every rpc of the served services; indexes into mlf_rpcs[]. */",
           "typedef enum mlf_rpc_id {"]
    for r in rpcs:
        out.append(f"    {r.ident},")
    out.append("    MLF_RPC__COUNT")
    out.append("} mlf_rpc_id;")
    out += ["", "#endif", ""]
    return "\n".join(out)


def emit_ffi(rpcs, hdr):
    h = [hdr, "#ifndef MLF_GENERATED_FFI_EXPORTS_H", "#define MLF_GENERATED_FFI_EXPORTS_H", "",
         '#include "ffi/ffi.h"', "",
         "/* One exported function per enabled rpc. req/req_len: the serialized request",
         " * message. Returns 0 with the serialized response in ret_out and ret_len, or an",
         " * MLflow ErrorCode value with the UTF-8 error message there. Free ret_out",
         " * with mlf_ffi_free. */", ""]
    c = [hdr, '#include "generated/ffi_exports.h"', '#include "generated/rpc_ids.h"', ""]
    for r in rpcs:
        if not r.enabled:
            continue
        sig = f"int {r.ffi}(int64_t instance, const void *req, size_t req_len, void **ret_out, size_t *ret_len)"
        h.append(f"MLF_EXPORT {sig};")
        c.append(f"MLF_EXPORT {sig}")
        c.append("{")
        c.append(f"    return mlf_ffi_call(instance, {r.ident}, req, req_len, ret_out, ret_len);")
        c.append("}")
        c.append("")
    h += ["", "#endif", ""]
    return "\n".join(h), "\n".join(c)


def main(argv):
    if len(argv) != 6:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    desc_path, endpoints_path, routes_path, validations_path, out_dir = argv[1:]
    try:
        messages, rpcs = load_descriptors(desc_path)
        parse_endpoints(endpoints_path, rpcs)
        routes, handlers = parse_routes(routes_path)
        check_route_clashes(rpcs, routes)
        validations = parse_validations(validations_path, messages, rpcs)
        for full in validations:
            if not any(r.request == full for r in rpcs):
                fail(validations_path, f"message '{full}' is not the request of any rpc")
    except GenError as e:
        print(f"mlfgen: {e}", file=sys.stderr)
        return 1

    h = hashlib.sha256()
    for p in (endpoints_path, routes_path, validations_path):
        with open(p, "rb") as f:
            h.update(f.read())
    # The descriptor set's bytes depend on protoc's paths; hash what matters.
    for r in rpcs:
        h.update(repr((r.service, r.name, r.request, r.response, r.endpoints)).encode())
    hdr = header(h.hexdigest()[:16], ["the protos in proto/", "endpoints.def", "routes.def", "validations.def"])

    files = {
        "service_api.h": emit_service_api(rpcs, hdr),
        "rpc_ids.h": emit_rpc_ids(rpcs, hdr),
        "rpc_table.c": emit_rpc_table(rpcs, validations, messages, hdr),
        "route_table.c": emit_route_table(rpcs, routes, hdr),
        "route_handlers.h": emit_route_handlers(handlers, hdr),
    }
    files["ffi_exports.h"], files["ffi_exports.c"] = emit_ffi(rpcs, hdr)
    os.makedirs(out_dir, exist_ok=True)
    for name, text in sorted(files.items()):
        path = os.path.join(out_dir, name)
        old = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                old = f.read()
        if old != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
