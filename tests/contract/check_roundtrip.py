#!/usr/bin/env python3
"""MLflow's own Python messages through protobuf-c and back, byte for byte.

usage: check_roundtrip.py PBC_ROUNDTRIP     (the tests/contract/pbc_roundtrip.c program)

With the reference environment's interpreter ($MLFLOW_C_REF_PYTHON, MLflow 3.18.0: tools/ref-env.sh;
the script re-runs itself with it, and skips with exit 77 when it is not set), walks every message
type of the wheel's mlflow.protos modules that our proto/ also describes (the program's --list),
builds instances with every field filled deterministically, serializes them with MLflow's classes,
has pbc_roundtrip unpack them with our generated descriptors and pack them again, and checks that
the bytes come back identical, that protobuf-c kept no unknown field anywhere in the tree (a field
our descriptor lacks), and that MLflow parses the re-packed bytes to an equal message.

Instances per message type: one empty; then for each of three value sets (typical; extreme:
negative and largest integers, unicode beyond the BMP, infinities; zero: explicit zeros, empty
strings and false, which proto2 fields carry) one instance per arm of its widest oneof (each oneof
takes its arms in turn). Repeated fields and maps get two elements; nested messages are filled to
MAX_DEPTH levels, below which only required fields are set (an empty message still marks presence).
Strings carry no U+0000: protobuf-c's strings are NUL-terminated, so one comes back cut short there
(b'x\\x00y' re-packs as b'x'), a known limit of protobuf-c and not of our descriptors.
Prints the counts and each failure; exits 1 on any."""
import importlib
import os
import pkgutil
import struct
import subprocess
import sys

MAX_DEPTH = 4


def reexec():
    try:
        import mlflow.protos  # noqa: F401
        return
    except ImportError:
        pass
    py = os.environ.get("MLFLOW_C_REF_PYTHON")
    if not py or not os.path.exists(py):
        print("no reference MLflow (MLFLOW_C_REF_PYTHON unset: run tools/ref-env.sh)")
        sys.exit(1 if os.environ.get("MLFLOW_C_REQUIRE_REF") else 77)  # CI requires the reference
    os.execv(py, [py] + sys.argv)


INT32, INT64 = (-(2 ** 31), 2 ** 31 - 1), (-(2 ** 63), 2 ** 63 - 1)
STRINGS = ("ünï-çødé 漢字 😀 \t\"\\'", "ascii\nline")
FLOAT_MAX = 3.4028234663852886e38  # the largest float32, exact in a double


def scalar(fd, variant, i):
    """The value of a scalar field fd for value set variant (0 typical, 1 extreme, 2 zero),
    element i (0 or 1) of a repeated field or map."""
    from google.protobuf.descriptor import FieldDescriptor as F

    t = fd.type
    if t == F.TYPE_ENUM:
        vals = [v.number for v in fd.enum_type.values]
        if variant == 2:
            return vals[0]
        return vals[(1 + i) % len(vals)] if variant == 0 else vals[-1 - i]
    if t == F.TYPE_BOOL:
        return variant != 2 and (variant == 1 or i == 0)
    if t in (F.TYPE_STRING, F.TYPE_BYTES):
        if variant == 0:
            v = f"{fd.name}-{i}"
        elif variant == 1:
            v = STRINGS[i]
        else:
            v = ""
        if t == F.TYPE_BYTES:
            return (v.encode() + b"\x00\xff\x80") if variant != 2 else b""
        return v
    if t in (F.TYPE_FLOAT, F.TYPE_DOUBLE):
        if variant == 2:
            return 0.0
        if variant == 0:
            return (1.5, -0.25)[i] + fd.number
        return ((-FLOAT_MAX, float("inf")) if t == F.TYPE_FLOAT else (-1e300, float("-inf")))[i]
    if variant == 2:
        return 0
    signed32 = t in (F.TYPE_INT32, F.TYPE_SINT32, F.TYPE_SFIXED32)
    signed64 = t in (F.TYPE_INT64, F.TYPE_SINT64, F.TYPE_SFIXED64)
    if variant == 0:
        v = fd.number * 1000 + 7 + i
        return -v if (signed32 or signed64) and i == 1 else v
    if signed32:
        return INT32[i]
    if signed64:
        return INT64[i]
    if t in (F.TYPE_UINT32, F.TYPE_FIXED32):
        return (2 ** 32 - 1, 2 ** 31)[i]
    return (2 ** 64 - 1, 2 ** 63)[i]  # uint64, fixed64


def fill(msg, variant, arm, depth):
    """Sets msg's fields: all of them above MAX_DEPTH, only the required ones below."""
    from google.protobuf.descriptor import FieldDescriptor as F

    d = msg.DESCRIPTOR
    for fd in d.fields:
        required = fd.is_required
        if depth >= MAX_DEPTH and not required:
            continue
        oneof = fd.containing_oneof
        if oneof is not None and oneof.fields[arm % len(oneof.fields)] is not fd:
            continue
        is_msg = fd.type in (F.TYPE_MESSAGE, F.TYPE_GROUP)
        if is_msg and fd.message_type.GetOptions().map_entry:
            key_fd, val_fd = fd.message_type.fields_by_name["key"], fd.message_type.fields_by_name["value"]
            field = getattr(msg, fd.name)
            for i in range(2):
                # keys from the typical set, so that the two stay distinct
                k = scalar(key_fd, 0 if variant == 2 else variant, i)
                if val_fd.type == F.TYPE_MESSAGE:
                    fill(field[k], variant, arm, depth + 1)
                else:
                    field[k] = scalar(val_fd, variant, i)
        elif fd.is_repeated:
            field = getattr(msg, fd.name)
            for i in range(2):
                if is_msg:
                    fill(field.add(), variant, arm + i, depth + 1)
                else:
                    field.append(scalar(fd, variant, i))
        elif is_msg:
            sub = getattr(msg, fd.name)
            sub.SetInParent()
            fill(sub, variant, arm, depth + 1)
        else:
            setattr(msg, fd.name, scalar(fd, variant, 0))


def widest_oneof(d):
    return max([len(o.fields) for o in d.oneofs] + [1])


def message_types():
    """Every message descriptor (nested ones too, map entries left out) of the mlflow.protos
    modules, by full name; and the modules that did not import."""
    import mlflow.protos as protos

    found, broken = {}, []
    for m in sorted(pkgutil.iter_modules(protos.__path__), key=lambda m: m.name):
        if not m.name.endswith("_pb2"):
            continue
        try:
            mod = importlib.import_module("mlflow.protos." + m.name)
        except Exception as e:  # noqa: BLE001
            broken.append(f"{m.name}: {e}")
            continue
        stack = list(mod.DESCRIPTOR.message_types_by_name.values())
        while stack:
            d = stack.pop()
            if d.GetOptions().map_entry:
                continue
            found.setdefault(d.full_name, d)
            stack += d.nested_types
    return found, broken


def run(prog, records):
    """Sends (full name, bytes) records through the program; returns [(status, bytes)]."""
    buf = bytearray()
    for name, data in records:
        n = name.encode()
        buf += struct.pack(">I", len(n)) + n + struct.pack(">I", len(data)) + data
    p = subprocess.run([prog], input=bytes(buf), capture_output=True, timeout=240)
    if p.returncode != 0:
        raise SystemExit(f"{prog} exited {p.returncode}: {p.stderr.decode(errors='replace')}")
    out, pos, res = p.stdout, 0, []
    while pos < len(out):
        status, n = struct.unpack(">BI", out[pos:pos + 5])
        res.append((status, out[pos + 5:pos + 5 + n]))
        pos += 5 + n
    if len(res) != len(records):
        raise SystemExit(f"{prog}: {len(res)} answers to {len(records)} records")
    return res


def main(prog):
    from google.protobuf import message_factory

    import mlflow

    ours = set(subprocess.run([prog, "--list"], capture_output=True, text=True, check=True).stdout.split())
    theirs, broken = message_types()
    both = sorted(set(theirs) & ours)
    only_ours = sorted(n for n in ours - set(theirs) if not n.endswith("Entry"))
    print(f"MLflow {mlflow.__version__}: {len(theirs)} message types in mlflow.protos; "
          f"{len(ours)} in our descriptors (map entries included); {len(both)} in both")
    for b in broken:
        print(f"  (module not imported: {b})")

    records, labels = [], []
    for name in both:
        d = theirs[name]
        cls = message_factory.GetMessageClass(d)
        empty = cls()
        records.append((name, empty.SerializeToString()))
        labels.append((name, "empty", empty))
        for variant, vname in enumerate(("typical", "extreme", "zero")):
            for arm in range(widest_oneof(d)):
                m = cls()
                fill(m, variant, arm, 0)
                records.append((name, m.SerializeToString()))
                labels.append((name, f"{vname}, oneof arm {arm}", m))

    # two controls that must not come back clean, so that a harness that sees nothing fails:
    # a field number no message has (protobuf-c keeps it as an unknown field), and two fields
    # sent out of field-number order (protobuf-c packs them in order: different bytes)
    unknown = b"\xf8\xff\xff\xff\x0f\x01"  # field 536870911, varint 1
    ordered = struct.pack(">B", 0x12) + b"\x01k" + struct.pack(">B", 0x0a) + b"\x01r"  # key=2, then run_id=1
    controls = [("mlflow.Run", unknown, 3), ("mlflow.DeleteTag", ordered, 0)]
    answers = run(prog, records + [(n, b) for n, b, _ in controls])
    for (name, data, want), (status, back) in zip(controls, answers[len(records):]):
        if status != want or (want == 0 and back == data):
            raise SystemExit(f"control {name} {data.hex()}: status {status}, bytes {back.hex()}: "
                             "the harness does not see what it should")

    failures = []
    total_bytes = 0
    for (name, data), (_, label, msg), (status, back) in zip(records, labels, answers):
        total_bytes += len(data)
        what = f"{name} ({label}, {len(data)} bytes)"
        if status == 1:
            failures.append(f"{what}: pbc_roundtrip has no descriptor of that name")
        elif status == 2:
            failures.append(f"{what}: protobuf-c could not unpack it")
        elif status == 3:
            failures.append(f"{what}: protobuf-c kept unknown fields (fields our proto/ lacks)")
        elif back != data:
            at = next((i for i in range(min(len(back), len(data))) if back[i] != data[i]), min(len(back), len(data)))
            failures.append(f"{what}: re-packed bytes differ ({len(back)} bytes, first difference at "
                            f"offset {at}: ours {back[at:at + 16].hex()} theirs {data[at:at + 16].hex()})")
        else:
            again = type(msg)()
            again.ParseFromString(back)
            if again != msg:
                failures.append(f"{what}: MLflow parses the re-packed bytes to a different message")
    for f in failures:
        print("FAIL", f)
    if only_ours:
        print(f"note: {len(only_ours)} of our message types are not in the wheel's mlflow.protos: "
              + ", ".join(only_ours[:20]))
    print(f"{len(both)} message types, {len(records)} instances ({total_bytes} bytes): "
          f"{len(records) - len(failures)} identical, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    reexec()
    sys.exit(main(sys.argv[1]))
