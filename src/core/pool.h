/*
 * Per-request memory: an arena that is freed all at once.
 *
 * Everything a request needs (decoded messages, strings, SQL text, the
 * encoded response) comes from one mlf_pool; handlers never call free().
 * Allocation never returns NULL: running out of memory aborts, as palloc
 * does, so call sites need no checks.
 */
#ifndef MLF_CORE_POOL_H
#define MLF_CORE_POOL_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <protobuf-c/protobuf-c.h>

typedef struct mlf_pool mlf_pool;

/** Creates an empty pool. Never returns NULL. */
mlf_pool *mlf_pool_create(void);
/** Frees the pool and everything allocated from it; NULL is a no-op. */
void mlf_pool_destroy(mlf_pool *pool);
/** Frees everything allocated from the pool but keeps its first chunk for reuse. */
void mlf_pool_reset(mlf_pool *pool);

/** Returns size bytes aligned to 16, zero-filled. */
void *mlf_pool_alloc(mlf_pool *pool, size_t size);
/** As mlf_pool_alloc, not zero-filled: for memory the caller fills at once (buffers, arrays). */
void *mlf_pool_alloc_uninit(mlf_pool *pool, size_t size);
char *mlf_pool_strdup(mlf_pool *pool, const char *s);
char *mlf_pool_strndup(mlf_pool *pool, const char *s, size_t n);
char *mlf_pool_sprintf(mlf_pool *pool, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *mlf_pool_vsprintf(mlf_pool *pool, const char *fmt, va_list ap);
/** Total bytes handed out by the pool (for tests and limits). */
size_t mlf_pool_used(const mlf_pool *pool);

/** A protobuf-c allocator over the pool: alloc from the pool, free is a no-op. */
ProtobufCAllocator *mlf_pool_pb_allocator(mlf_pool *pool);

#define MLF_NEW(pool, type) ((type *)mlf_pool_alloc((pool), sizeof(type)))
#define MLF_NEW_ARRAY(pool, type, n) ((type *)mlf_pool_alloc((pool), sizeof(type) * (size_t)(n)))

/*
 * A growable byte buffer whose storage comes from a pool (old storage stays
 * in the pool until it is destroyed; growth doubles, so the waste is bounded).
 * data is always NUL-terminated.
 */
typedef struct mlf_buf {
    mlf_pool *pool;
    char *data;
    size_t len;
    size_t cap;
} mlf_buf;

void mlf_buf_init(mlf_buf *buf, mlf_pool *pool, size_t cap);
void mlf_buf_puts(mlf_buf *buf, const char *s);
void mlf_buf_printf(mlf_buf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* (the growth path of mlf_buf_reserve) */
void mlf__buf_grow(mlf_buf *buf, size_t extra);

/* Inline: a response is written a few bytes at a time, and the call was most of the cost. */

/** Makes room for extra more bytes (and the NUL). */
static inline void mlf_buf_reserve(mlf_buf *buf, size_t extra)
{
    if (buf->len + extra + 1 > buf->cap)
        mlf__buf_grow(buf, extra);
}

static inline void mlf_buf_append(mlf_buf *buf, const void *data, size_t len)
{
    mlf_buf_reserve(buf, len);
    memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
}

static inline void mlf_buf_putc(mlf_buf *buf, char c)
{
    mlf_buf_reserve(buf, 1);
    buf->data[buf->len++] = c;
    buf->data[buf->len] = '\0';
}

#endif
