# Sourced by tests/store/build.sh and tests/service/build.sh: generates the
# protobuf-c sources and builds $BUILD/libdeps.a from the modules these tests
# use but do not own (src/core, generated protobuf-c code, src/search and
# src/json when they have sources). They are compiled without -Werror: they
# are other modules' code (src/core trips a false -Wformat-truncation under
# -O1 with sanitizers). An archive links only the members that are needed.
# Until src/search defines the page-token functions, tests/store/search_stub.c
# stands in for that module.
# Expects ROOT, BUILD and CC to be set; sets INC, LIBS, DEPS.

mkdir -p "$BUILD/pbc" "$BUILD/obj"
(cd "$ROOT/proto" && protoc-c -I. -I/usr/include --c_out="$BUILD/pbc" $(find . -name '*.proto') \
    /usr/include/google/protobuf/descriptor.proto /usr/include/google/protobuf/timestamp.proto \
    /usr/include/google/protobuf/duration.proto /usr/include/google/protobuf/field_mask.proto \
    /usr/include/google/protobuf/struct.proto)

INC="-I$ROOT/src -I$BUILD/pbc"
LIBS="-lsqlite3 -lprotobuf-c -lcmocka -lm"

DEP_SRCS="$ROOT/src/core/pool.c $ROOT/src/core/error.c $(find "$BUILD/pbc" -name '*.pb-c.c')"
if grep -qs '^char \*mlf_search_page_token_encode' "$ROOT"/src/search/*.c; then
    DEP_SRCS="$DEP_SRCS $(ls "$ROOT"/src/search/*.c) $(ls "$ROOT"/src/json/*.c 2>/dev/null || true)"
else
    DEP_SRCS="$DEP_SRCS $ROOT/tests/store/search_stub.c"
fi

rm -f "$BUILD"/obj/*.o "$BUILD/libdeps.a"
for src in $DEP_SRCS; do
    obj="$BUILD/obj/$(echo "$src" | sed "s|$BUILD/pbc/||; s|$ROOT/||; s|/|_|g; s|\.c$|.o|")"
    $CC -std=gnu11 -g -O1 -fsanitize=address,undefined -pthread $INC -c "$src" -o "$obj"
done
ar rcs "$BUILD/libdeps.a" "$BUILD"/obj/*.o
DEPS="$BUILD/libdeps.a"
