#!/bin/sh
# Builds and runs the JSON layer's unit tests standalone, under ASan and UBSan:
#   tests/json/build.sh            (build in a temporary directory, run, clean up)
#   BUILD_DIR=dir tests/json/build.sh   (keep the build in dir)
# The .pb-c files for the test protos and the google/protobuf types they use
# are generated here with protoc-c; they are never committed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ -n "${BUILD_DIR:-}" ]; then
    out=$BUILD_DIR
    mkdir -p "$out"
else
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out/gen"

protoc-c -I/usr/include -I"$here" --c_out="$out/gen" \
    test_messages.proto test_messages3.proto \
    google/protobuf/timestamp.proto google/protobuf/duration.proto google/protobuf/field_mask.proto \
    google/protobuf/struct.proto google/protobuf/wrappers.proto

cflags="-std=gnu11 -g -O1 -Wall -Wextra -Werror"
cflags="$cflags -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
core="$root/src/core/pool.c $root/src/core/error.c"
libs="-lcmocka -lprotobuf-c -lm"

# generated code is compiled without -Werror: its warnings are protoc-c's, not ours
gen_objs=""
for c in "$out"/gen/*.pb-c.c "$out"/gen/google/protobuf/*.pb-c.c; do
    o="$out/$(basename "$c" .c).o"
    gcc -std=gnu11 -g -O1 -fsanitize=address,undefined -I"$out/gen" -c "$c" -o "$o"
    gen_objs="$gen_objs $o"
done

# shellcheck disable=SC2086
gcc $cflags -I"$root/src" -o "$out/test_json" "$here/test_json.c" "$root/src/json/json.c" $core $libs
# shellcheck disable=SC2086
gcc $cflags -I"$root/src" -I"$out/gen" -o "$out/test_pbjson" "$here/test_pbjson.c" \
    "$root/src/json/json.c" "$root/src/json/pbjson.c" $core $gen_objs $libs

"$out/test_json"
"$out/test_pbjson"
