#!/bin/sh
# Builds and runs the service tests standalone (the meson build is the lead's):
#   tests/service/build.sh            build into $BUILD (default /tmp/mlfc-service-tests) and run
#   tests/service/build.sh --no-run   only build
# Same requirements as tests/store/build.sh.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-/tmp/mlfc-service-tests}
CC=${CC:-gcc}
RUN=1
[ "${1:-}" = "--no-run" ] && RUN=0

. "$ROOT/tests/store/deps.sh"

CFLAGS="-std=gnu11 -Wall -Wextra -Werror -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -pthread"
STORE_SRCS="$ROOT/src/store/store.c $ROOT/src/store/uri.c $ROOT/src/store/pystr.c $ROOT/src/store/sqlite/sqlite.c
    $ROOT/src/store/sqlite/schema.c $ROOT/src/store/sqlite/experiment.c"
SERVICE_SRCS="$ROOT/src/service/service.c $ROOT/src/service/validate.c $ROOT/src/service/tracking/experiment.c"
TESTS="test_validate test_experiment_service"

for t in $TESTS; do
    echo "== building $t"
    $CC $CFLAGS $INC -o "$BUILD/$t" "$ROOT/tests/service/$t.c" $SERVICE_SRCS $STORE_SRCS $DEPS $LIBS
done

if [ $RUN = 1 ]; then
    status=0
    for t in $TESTS; do
        echo "== running $t"
        ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$BUILD/$t" || status=1
    done
    exit $status
fi
