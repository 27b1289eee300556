#!/bin/sh
# Builds and runs the search tests (cmocka) with ASan and UBSan.
# Usage: tests/search/build.sh   (from anywhere; builds into $BUILD_DIR or a temp dir)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${BUILD_DIR:-$(mktemp -d)}
cflags="-std=gnu11 -Wall -Wextra -Werror -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -I $root/src"
srcs="$root/src/core/pool.c $root/src/core/error.c $root/src/search/sqlparse.c $root/src/search/pyutil.c \
$root/src/search/pylit.c $root/src/search/filter.c $root/src/search/order_by.c $root/src/search/page_token.c"
status=0
for t in test_filter test_order_by test_page_token; do
    # shellcheck disable=SC2086
    gcc $cflags -o "$out/$t" "$root/tests/search/$t.c" $srcs -lcmocka
    "$out/$t" || status=1
done
exit $status
