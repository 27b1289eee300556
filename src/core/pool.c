#include "core/pool.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MLF__CHUNK_SIZE 8192
#define MLF__ALIGN 16
#define MLF__MAX_SPARE 64 /* 512 KiB */

typedef struct mlf__chunk {
    struct mlf__chunk *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
} mlf__chunk;

struct mlf_pool {
    mlf__chunk *head;
    mlf__chunk *first; /* kept across mlf_pool_reset */
    mlf__chunk *big;   /* blocks too large to share a chunk */
    mlf__chunk *spare; /* standard chunks kept by mlf_pool_reset for reuse */
    size_t n_spare;
    size_t total;
    ProtobufCAllocator pb;
};

static void *mlf__oom(void)
{
    fputs("mlflow-c: out of memory\n", stderr);
    abort();
}

static mlf__chunk *mlf__chunk_new(size_t size)
{
    mlf__chunk *c = malloc(sizeof(*c) + size);
    if (c == NULL)
        return mlf__oom();
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

static void *mlf__pb_alloc(void *data, size_t size)
{
    return mlf_pool_alloc(data, size);
}

static void mlf__pb_free(void *data, void *ptr)
{
    (void)data;
    (void)ptr;
}

mlf_pool *mlf_pool_create(void)
{
    mlf_pool *p = malloc(sizeof(*p));
    if (p == NULL)
        return mlf__oom();
    p->first = p->head = mlf__chunk_new(MLF__CHUNK_SIZE);
    p->big = NULL;
    p->spare = NULL;
    p->n_spare = 0;
    p->total = 0;
    p->pb.alloc = mlf__pb_alloc;
    p->pb.free = mlf__pb_free;
    p->pb.allocator_data = p;
    return p;
}

void mlf_pool_reset(mlf_pool *pool)
{
    /* keep a few chunks: giving them back to malloc makes the next large
       request page-fault its memory in again */
    mlf__chunk *c = pool->head;
    while (c != pool->first) {
        mlf__chunk *next = c->next;
        if (pool->n_spare < MLF__MAX_SPARE) {
            c->next = pool->spare;
            pool->spare = c;
            pool->n_spare++;
        } else {
            free(c);
        }
        c = next;
    }
    for (c = pool->big; c != NULL;) {
        mlf__chunk *next = c->next;
        free(c);
        c = next;
    }
    pool->big = NULL;
    pool->head = pool->first;
    pool->first->used = 0;
    pool->first->next = NULL;
    pool->total = 0;
}

void mlf_pool_destroy(mlf_pool *pool)
{
    if (pool == NULL)
        return;
    mlf_pool_reset(pool);
    for (mlf__chunk *c = pool->spare; c != NULL;) {
        mlf__chunk *next = c->next;
        free(c);
        c = next;
    }
    free(pool->first);
    free(pool);
}

static void *mlf__alloc(mlf_pool *pool, size_t size, bool zero)
{
    size_t need = (size + MLF__ALIGN - 1) & ~(size_t)(MLF__ALIGN - 1);
    if (need == 0)
        need = MLF__ALIGN;
    mlf__chunk *c = pool->head;
    if (c->size - c->used < need) {
        if (need > MLF__CHUNK_SIZE / 4) {
            /* a large block gets a chunk of its own, behind the current one */
            mlf__chunk *big = mlf__chunk_new(need);
            big->used = need;
            big->next = pool->big;
            pool->big = big;
            pool->total += need;
            if (zero)
                memset(big->data, 0, need);
            return big->data;
        }
        if (pool->spare != NULL) {
            c = pool->spare;
            pool->spare = c->next;
            pool->n_spare--;
            c->used = 0;
        } else {
            c = mlf__chunk_new(MLF__CHUNK_SIZE);
        }
        c->next = pool->head;
        pool->head = c;
    }
    void *p = c->data + c->used;
    c->used += need;
    pool->total += need;
    if (zero)
        memset(p, 0, need);
    return p;
}

void *mlf_pool_alloc(mlf_pool *pool, size_t size)
{
    return mlf__alloc(pool, size, true);
}

void *mlf_pool_alloc_uninit(mlf_pool *pool, size_t size)
{
    return mlf__alloc(pool, size, false);
}

size_t mlf_pool_used(const mlf_pool *pool)
{
    return pool->total;
}

char *mlf_pool_strndup(mlf_pool *pool, const char *s, size_t n)
{
    char *d = mlf_pool_alloc(pool, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *mlf_pool_strdup(mlf_pool *pool, const char *s)
{
    return s == NULL ? NULL : mlf_pool_strndup(pool, s, strlen(s));
}

char *mlf_pool_vsprintf(mlf_pool *pool, const char *fmt, va_list ap)
{
    /* most messages are short: format once into a guess, again only when it was too small */
    size_t cap = 128;
    char *d = mlf_pool_alloc(pool, cap);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(d, cap, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        d[0] = '\0';
        return d;
    }
    if ((size_t)n >= cap) {
        d = mlf_pool_alloc(pool, (size_t)n + 1);
        vsnprintf(d, (size_t)n + 1, fmt, ap);
    }
    return d;
}

char *mlf_pool_sprintf(mlf_pool *pool, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *d = mlf_pool_vsprintf(pool, fmt, ap);
    va_end(ap);
    return d;
}

ProtobufCAllocator *mlf_pool_pb_allocator(mlf_pool *pool)
{
    return &pool->pb;
}

void mlf_buf_init(mlf_buf *buf, mlf_pool *pool, size_t cap)
{
    if (cap < 64)
        cap = 64;
    buf->pool = pool;
    buf->data = mlf_pool_alloc_uninit(pool, cap);
    buf->data[0] = '\0';
    buf->len = 0;
    buf->cap = cap;
}

void mlf__buf_grow(mlf_buf *buf, size_t extra)
{
    size_t cap = buf->cap * 2;
    while (cap < buf->len + extra + 1)
        cap *= 2;
    char *d = mlf_pool_alloc_uninit(buf->pool, cap);
    memcpy(d, buf->data, buf->len + 1);
    buf->data = d;
    buf->cap = cap;
}

void mlf_buf_puts(mlf_buf *buf, const char *s)
{
    mlf_buf_append(buf, s, strlen(s));
}

void mlf_buf_printf(mlf_buf *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mlf_buf_reserve(buf, 64);
    size_t room = buf->cap - buf->len;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(buf->data + buf->len, room, fmt, ap2);
    va_end(ap2);
    if (n > 0 && (size_t)n >= room) {
        mlf_buf_reserve(buf, (size_t)n);
        vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
    }
    if (n > 0)
        buf->len += (size_t)n;
    buf->data[buf->len] = '\0';
    va_end(ap);
}
