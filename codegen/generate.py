#!/usr/bin/env python3
"""Everything `ninja -C build generate` writes into the source tree: generated/
(codegen/mlfgen.py) and src/search/*.inc (codegen/gen_*.py).

usage: generate.py DESCRIPTOR_SET SOURCE_ROOT [GENERATED_DIR SEARCH_DIR]
The two directories default to SOURCE_ROOT/generated and SOURCE_ROOT/src/search;
tests/codegen/check_generated.py points them at a scratch directory and compares.

src/search/sql_keywords.inc needs sqlparse 0.5.3 (the version MLflow's filter
parsing was read from): this Python's, or that of the interpreter named by
MLF_SQLPARSE_PYTHON. Without it the file is left as it is, and the run says so.
"""
import os
import subprocess
import sys

SQLPARSE_VERSION = "0.5.3"


def sqlparse_python():
    """An interpreter that imports sqlparse SQLPARSE_VERSION, or None."""
    for exe in (os.environ.get("MLF_SQLPARSE_PYTHON"), sys.executable):
        if not exe:
            continue
        p = subprocess.run([exe, "-c", "import sqlparse; print(sqlparse.__version__)"], capture_output=True,
                           text=True)
        if p.returncode == 0 and p.stdout.strip() == SQLPARSE_VERSION:
            return exe
    return None


def generate(desc, root, generated_dir, search_dir):
    """Writes the files; returns the names of those it could not write (and why)."""
    codegen = os.path.join(root, "codegen")
    subprocess.run([sys.executable, os.path.join(codegen, "mlfgen.py"), desc, os.path.join(root, "endpoints.def"),
                    os.path.join(root, "routes.def"), os.path.join(root, "validations.def"), generated_dir], check=True)
    subprocess.run([sys.executable, os.path.join(codegen, "gen_unicode_tables.py"),
                    os.path.join(search_dir, "unicode_tables.inc")], check=True)
    skipped = {}
    exe = sqlparse_python()
    if exe is None:
        skipped["sql_keywords.inc"] = f"no sqlparse {SQLPARSE_VERSION} here (set MLF_SQLPARSE_PYTHON)"
    else:
        subprocess.run([exe, os.path.join(codegen, "gen_sql_keywords.py"), os.path.join(search_dir, "sql_keywords.inc")],
                       check=True)
    return skipped


def main(argv):
    if len(argv) not in (3, 5):
        sys.exit(__doc__)
    desc, root = argv[1], argv[2]
    generated_dir = argv[3] if len(argv) == 5 else os.path.join(root, "generated")
    search_dir = argv[4] if len(argv) == 5 else os.path.join(root, "src", "search")
    for name, why in generate(desc, root, generated_dir, search_dir).items():
        print(f"generate.py: {name} left as it is: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
