#!/bin/sh
# Builds and runs the store tests standalone (the meson build is the lead's):
#   tests/store/build.sh            build into $BUILD (default /tmp/mlfc-store-tests) and run
#   tests/store/build.sh --no-run   only build
# Needs gcc, protoc-c, libsqlite3-dev, libprotobuf-c-dev and libcmocka-dev.
# Fixtures: $MLF_FIXTURES_DIR and $MLF_REFERENCE_DIR (see helpers.h).
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-/tmp/mlfc-store-tests}
CC=${CC:-gcc}
RUN=1
[ "${1:-}" = "--no-run" ] && RUN=0

. "$ROOT/tests/store/deps.sh"

CFLAGS="-std=gnu11 -Wall -Wextra -Werror -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -pthread"
STORE_SRCS="$ROOT/src/store/store.c $ROOT/src/store/uri.c $ROOT/src/store/pystr.c $ROOT/src/store/sqlite/sqlite.c
    $ROOT/src/store/sqlite/schema.c $ROOT/src/store/sqlite/experiment.c"
TESTS="test_sqlite_schema test_experiment"

for t in $TESTS; do
    echo "== building $t"
    $CC $CFLAGS $INC -o "$BUILD/$t" "$ROOT/tests/store/$t.c" $STORE_SRCS $DEPS $LIBS
done

if [ $RUN = 1 ]; then
    status=0
    for t in $TESTS; do
        echo "== running $t"
        ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$BUILD/$t" || status=1
    done
    exit $status
fi
