/* The protobuf-c half of the round-trip test (tests/contract/check_roundtrip.py): reads
 * (message full name, serialized bytes) records on stdin, unpacks each with our generated
 * descriptor, packs it again and writes the result.
 *
 * Input, repeated to EOF:  u32 name length, name, u32 byte count, bytes   (u32: big-endian)
 * Output, one per record:  u8 status, u32 byte count, re-packed bytes
 *   status 0: unpacked and re-packed; 1: no descriptor of that name (no bytes);
 *   2: protobuf-c could not unpack the bytes (no bytes); 3: unpacked, but some message in the
 *   tree kept unknown fields, i.e. fields our descriptor lacks (bytes follow all the same).
 * Exits 0 at a clean EOF, 2 on a truncated record. With --list it prints the full name of every
 * message type it knows, one a line, instead. */
#include <protobuf-c/protobuf-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const ProtobufCMessageDescriptor *const pbc_descriptors[];
extern const size_t pbc_n_descriptors;

static const ProtobufCMessageDescriptor *lookup(const char *name) {
  for (size_t i = 0; i < pbc_n_descriptors; i++)
    if (strcmp(pbc_descriptors[i]->name, name) == 0)
      return pbc_descriptors[i];
  return NULL;
}

/* The unknown fields in m and every message below it: protobuf-c keeps them and packs them
 * again, so equal bytes alone would not show a field our descriptor lacks. */
static size_t unknown_fields(const ProtobufCMessage *m) {
  size_t n = m->n_unknown_fields;
  const ProtobufCMessageDescriptor *d = m->descriptor;
  const char *base = (const char *)m;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    if (f->type != PROTOBUF_C_TYPE_MESSAGE)
      continue;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t count = *(const size_t *)(base + f->quantifier_offset);
      ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *)(base + f->offset);
      for (size_t k = 0; k < count; k++)
        n += unknown_fields(items[k]);
      continue;
    }
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && *(const uint32_t *)(base + f->quantifier_offset) != f->id)
      continue;
    const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)(base + f->offset);
    if (sub != NULL)
      n += unknown_fields(sub);
  }
  return n;
}

/* 1: read n bytes; 0: clean EOF before the first; -1: truncated */
static int read_full(void *buf, size_t n) {
  size_t got = fread(buf, 1, n, stdin);
  if (got == n)
    return 1;
  return got == 0 && feof(stdin) ? 0 : -1;
}

static int read_u32(uint32_t *v) {
  unsigned char b[4];
  int r = read_full(b, 4);
  if (r == 1)
    *v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
  return r;
}

static void write_record(int status, const uint8_t *data, size_t len) {
  unsigned char h[5] = {(unsigned char)status, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
                        (unsigned char)(len >> 8), (unsigned char)len};
  fwrite(h, 1, sizeof h, stdout);
  if (len)
    fwrite(data, 1, len, stdout);
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--list") == 0) {
    for (size_t i = 0; i < pbc_n_descriptors; i++)
      printf("%s\n", pbc_descriptors[i]->name);
    return 0;
  }
  for (;;) {
    uint32_t name_len, len;
    int r = read_u32(&name_len);
    if (r == 0)
      break;
    char *name = malloc((size_t)name_len + 1);
    if (r < 0 || name == NULL || read_full(name, name_len) != 1 || read_u32(&len) != 1) {
      fprintf(stderr, "pbc_roundtrip: truncated record\n");
      return 2;
    }
    name[name_len] = '\0';
    uint8_t *data = malloc(len ? len : 1);
    if (data == NULL || (len && read_full(data, len) != 1)) {
      fprintf(stderr, "pbc_roundtrip: truncated record (%s)\n", name);
      return 2;
    }
    const ProtobufCMessageDescriptor *d = lookup(name);
    ProtobufCMessage *m = d ? protobuf_c_message_unpack(d, NULL, len, data) : NULL;
    if (d == NULL) {
      write_record(1, NULL, 0);
    } else if (m == NULL) {
      write_record(2, NULL, 0);
    } else {
      size_t out_len = protobuf_c_message_get_packed_size(m);
      uint8_t *out = malloc(out_len ? out_len : 1);
      if (out == NULL)
        return 2;
      size_t packed = protobuf_c_message_pack(m, out);
      write_record(unknown_fields(m) ? 3 : 0, out, packed);
      free(out);
      protobuf_c_message_free_unpacked(m, NULL);
    }
    free(data);
    free(name);
  }
  return fflush(stdout) == 0 ? 0 : 2;
}
