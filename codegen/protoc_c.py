#!/usr/bin/env python3
"""Runs protoc-c over proto/ and the well-known types the protos import, for
the build. Nested outputs (opentelemetry/...) keep their paths, so that the
generated #include lines resolve with OUTDIR on the include path, and each
nested .c is also copied to a flat name, because meson targets cannot
declare outputs in subdirectories.

Usage: protoc_c.py PROTOC_C PROTO_DIR WKT_DIR OUTDIR
"""
import os
import shutil
import subprocess
import sys

WKT = ["descriptor", "timestamp", "duration", "field_mask", "struct", "wrappers"]


def main(argv):
    protoc_c, proto_dir, wkt_dir, outdir = argv[1:5]
    protos = []
    for root, _dirs, files in os.walk(proto_dir):
        for f in sorted(files):
            if f.endswith(".proto"):
                protos.append(os.path.relpath(os.path.join(root, f), proto_dir))
    protos.sort()
    cmd = [protoc_c, f"-I{proto_dir}", f"-I{wkt_dir}", f"--c_out={outdir}"]
    cmd += protos + [f"google/protobuf/{w}.proto" for w in WKT]
    subprocess.run(cmd, check=True)
    for rel in protos + [f"google/protobuf/{w}.proto" for w in WKT]:
        if "/" not in rel:
            continue
        base = rel[:-len(".proto")]
        flat = base.replace("/", "_")
        shutil.copyfile(os.path.join(outdir, base + ".pb-c.c"), os.path.join(outdir, flat + ".pb-c.c"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
