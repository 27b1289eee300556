#!/usr/bin/env python3
"""Fails when generated/ differs from what `ninja generate` would write.

usage: check_generated.py DESCRIPTOR_SET SOURCE_ROOT
"""
import filecmp
import os
import subprocess
import sys
import tempfile


def main(desc, root):
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, os.path.join(root, "codegen", "mlfgen.py"), desc,
                        os.path.join(root, "endpoints.def"), os.path.join(root, "routes.def"),
                        os.path.join(root, "validations.def"), out], check=True)
        committed = os.path.join(root, "generated")
        cmp = filecmp.dircmp(out, committed)
        bad = cmp.diff_files + cmp.left_only + cmp.right_only
        # dircmp compares shallowly by stat; compare contents too
        bad += [f for f in cmp.same_files if not filecmp.cmp(os.path.join(out, f), os.path.join(committed, f),
                                                              shallow=False)]
        if bad:
            print("generated/ is out of date (run `ninja -C build generate`): " + ", ".join(sorted(bad)))
            return 1
    print("generated/ is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
