#!/usr/bin/env python3
"""Fails when generated/ or src/search/*.inc differ from what `ninja generate`
would write (codegen/generate.py, run into a scratch directory).

usage: check_generated.py DESCRIPTOR_SET SOURCE_ROOT
"""
import filecmp
import os
import sys
import tempfile


def stale(out, committed, names=None):
    """The files of out that committed lacks or holds with other contents (all of both dirs when names is None)."""
    if names is None:
        cmp = filecmp.dircmp(out, committed)
        bad = cmp.diff_files + cmp.left_only + cmp.right_only
        names = cmp.same_files  # dircmp compares shallowly by stat; compare contents too
    else:
        bad = [n for n in names if not os.path.exists(os.path.join(committed, n))]
        names = [n for n in names if n not in bad]
    return bad + [f for f in names if not filecmp.cmp(os.path.join(out, f), os.path.join(committed, f), shallow=False)]


def main(desc, root):
    sys.path.insert(0, os.path.join(root, "codegen"))
    import generate

    with tempfile.TemporaryDirectory() as tmp:
        gen_out, search_out = os.path.join(tmp, "generated"), os.path.join(tmp, "search")
        os.mkdir(gen_out)
        os.mkdir(search_out)
        skipped = generate.generate(desc, root, gen_out, search_out)
        for name, why in skipped.items():
            print(f"src/search/{name} not checked: {why}")
        bad = stale(gen_out, os.path.join(root, "generated"))
        bad += ["src/search/" + n for n in stale(search_out, os.path.join(root, "src", "search"),
                                                 sorted(os.listdir(search_out)))]
        if bad:
            print("out of date (run `ninja -C build generate`): " + ", ".join(sorted(bad)))
            return 1
    print("generated/ and src/search/*.inc are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
