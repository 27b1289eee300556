"""Runs a pytest file of the FFI under LeakSanitizer (ASan build, libasan
preloaded into python3) and fails when a leak report has a frame in
libmlflow-c: the interpreter and its extension modules leak at exit by design,
so a plain LSan run cannot tell their leaks from ours.

usage: lsan_check.py TEST_FILE (environment as for the FFI tests: MLFLOW_C_LIB, LD_PRELOAD)
"""

import os
import re
import subprocess
import sys


# a frame of ours: symbolized (a function mlf_*/mlf__*, a file under src/ or generated/) or not (the .so)
_OURS = re.compile(r"#\d+ 0x[0-9a-f]+ in mlf_|[ (]\.\./(?:src|generated)/|libmlflow-c\.so")


def main():
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = "detect_leaks=1:exitcode=0"
    env["LSAN_OPTIONS"] = "exitcode=0"
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", sys.argv[1]], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    text = out.stdout
    reports = [b for b in re.split(r"\n(?=(?:Direct|Indirect) leak of )", text)
               if b.startswith(("Direct leak of ", "Indirect leak of "))]
    ours = [b for b in reports if _OURS.search(b)]
    print(f"pytest exit {out.returncode}; {len(reports)} leak reports, {len(ours)} with a libmlflow-c frame")
    for b in ours:
        print(b)
    if out.returncode != 0:
        print(text[-5000:])
    return 1 if ours or out.returncode != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
