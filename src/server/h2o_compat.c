/* The h2o 2.2 workarounds; h2o_compat.h says why each exists. */
#include "server/h2o_compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

void mlf_h2o_spool_to(const char *dir)
{
    if (dir == NULL)
        dir = getenv("TMPDIR");
    if (dir == NULL || *dir == '\0')
        dir = "/tmp";
    h2o_socket_buffer_mmap_settings.threshold = 8u << 20;
    snprintf(h2o_socket_buffer_mmap_settings.fn_template, sizeof(h2o_socket_buffer_mmap_settings.fn_template),
             "%s/mlflow-c-body.XXXXXX", dir);
}

bool mlf_h2o_request_line(const char *buf, size_t len, mlf_http_request *hr)
{
    memset(hr, 0, sizeof(*hr));
    const char *sp = memchr(buf, ' ', len < 16 ? len : 16);
    if (sp == NULL)
        return false;
    hr->method = buf;
    hr->method_len = (size_t)(sp - buf);
    hr->path = sp + 1;
    size_t room = len - (size_t)(hr->path - buf);
    while (hr->path_len < room && hr->path_len < 4096 && strchr(" ?\r\n", hr->path[hr->path_len]) == NULL)
        hr->path_len++;
    return true;
}

bool mlf_h2o_is_upload(const char *static_prefix, const mlf_http_request *hr)
{
    if (hr->method_len != 3 || memcmp(hr->method, "PUT", 3) != 0)
        return false;
    static const char api[] = "/api/2.0/mlflow-artifacts/artifacts/";
    static const char ajax[] = "/ajax-api/2.0/mlflow-artifacts/artifacts/";
    if (hr->path_len > sizeof(api) - 1 && memcmp(hr->path, api, sizeof(api) - 1) == 0)
        return true;
    const char *p = hr->path;
    size_t n = hr->path_len;
    if (static_prefix != NULL) {
        size_t pl = strlen(static_prefix);
        if (n < pl || memcmp(p, static_prefix, pl) != 0)
            return false;
        p += pl;
        n -= pl;
    }
    return n > sizeof(ajax) - 1 && memcmp(p, ajax, sizeof(ajax) - 1) == 0;
}

/* h2o's read callback, wrapped: sets the worker's body limit for the request pending in the buffer, then reads. */
static void mlf__on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    mlf_h2o_conn *c = (mlf_h2o_conn *)stream;
    h2o_buffer_t *in = c->sock != NULL ? c->sock->input : NULL;
    if (nread > 0 && in != NULL) {
        /* the pending request starts at the buffer's bytes (h2o consumes finished ones); the new bytes follow */
        bool buffered = in->bytes != NULL && in->size > 0;
        const char *head = buffered ? in->bytes : buf->base;
        size_t len = buffered ? in->size + (size_t)nread : (size_t)nread;
        mlf_http_request hr;
        bool upload = mlf_h2o_request_line(head, len, &hr) && mlf_h2o_is_upload(c->limits->static_prefix, &hr);
        c->limits->gconf->max_request_entity_size = upload ? c->limits->max_upload_size : c->limits->max_body_size;
    }
    c->h2o_read_cb(stream, nread, buf);
}

void mlf_h2o_conn_hook_read(mlf_h2o_conn *c)
{
    uv_read_cb cb = c->tcp.read_cb;
    if (cb == NULL || cb == mlf__on_read)
        return;
    /* per connection, so no thread ever writes what another reads (h2o has one read callback for all) */
    c->h2o_read_cb = cb;
    c->tcp.read_cb = mlf__on_read;
}

/* The buffer's file mapping, or NULL when it lives in memory (_fd is private to h2o 2.2). */
static const h2o_buffer_t *mlf__file_buffer(const mlf_h2o_conn *c)
{
    const h2o_buffer_t *in = c->sock != NULL ? c->sock->input : NULL;
    return in != NULL && in->bytes != NULL && in->_fd != -1 ? in : NULL;
}

/*
 * The pages of a file-backed socket buffer that hold received bytes are
 * dropped from this process (MADV_DONTNEED on a shared file mapping keeps
 * the data in the file and the page cache), so a large upload costs disk,
 * not memory, while it arrives.
 */
void mlf_h2o_conn_trim(mlf_h2o_conn *c, size_t page)
{
    const h2o_buffer_t *in = mlf__file_buffer(c);
    if (in == NULL)
        return;
    const char *map = (const char *)in;
    size_t end = ((size_t)(in->bytes + in->size - map)) & ~(page - 1);
    if (c->advised_map != map || c->advised_end > end) {
        c->advised_map = map;
        c->advised_end = page; /* the first page holds h2o's buffer header: keep it */
    }
    if (end > c->advised_end) {
        madvise((void *)(map + c->advised_end), end - c->advised_end, MADV_DONTNEED);
        c->advised_end = end;
    }
    /* a body past max_body_size for a route that will refuse it: stop taking it in (the request head is at bytes) */
    if (in->size > c->limits->max_body_size + (64u << 10)) {
        mlf_http_request hr;
        if (!mlf_h2o_request_line(in->bytes, in->size, &hr) || !mlf_h2o_is_upload(c->limits->static_prefix, &hr)) {
            uv_os_fd_t fd = -1;
            if (uv_fileno((const uv_handle_t *)&c->tcp, &fd) == 0)
                shutdown(fd, SHUT_RD);
        }
    }
}

void mlf_h2o_body_file(const mlf_h2o_conn *head, mlf_http_request *hr)
{
    if (hr->body == NULL || hr->body_len < h2o_socket_buffer_mmap_settings.threshold / 2)
        return;
    for (const mlf_h2o_conn *c = head->next; c != head; c = c->next) {
        const h2o_buffer_t *in = mlf__file_buffer(c);
        if (in == NULL || hr->body < in->bytes || hr->body + hr->body_len > in->bytes + in->size)
            continue;
        /* h2o maps the file from offset 0 with the buffer's header first */
        hr->body_in_file = true;
        hr->body_fd = in->_fd;
        hr->body_off = (uint64_t)(hr->body - (const char *)in);
        hr->body = NULL;
        return;
    }
}
