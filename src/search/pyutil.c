/*
 * Python behaviours that MLflow's search parsing inherits and that are not
 * str tools (those are store/pystr.c): see pyutil.h.
 */
#include "search/pyutil.h"

#include <string.h>

int mlf__shlex_split(mlf_pool *pool, const char *s, char ***ret_words, size_t *ret_n, const char **err)
{
    /* shlex.split(s): posix mode, whitespace_split, no commenters */
    const char *ws = " \t\r\n";
    size_t n = strlen(s), i = 0, nw = 0, cap = 4;
    char **words = MLF_NEW_ARRAY(pool, char *, cap);
    char state = ' ';
    for (;;) {
        mlf_buf tok;
        mlf_buf_init(&tok, pool, 16);
        bool quoted = false, eof = false;
        char escaped_state = ' ';
        if (state == 0)
            break;
        for (;;) {
            bool at_end = i >= n;
            char c = at_end ? 0 : s[i++];
            if (state == ' ') {
                if (at_end) {
                    state = 0;
                    break;
                } else if (strchr(ws, c)) {
                    if (tok.len || quoted)
                        break;
                } else if (c == '\\') {
                    escaped_state = 'a';
                    state = '\\';
                } else if (c == '\'' || c == '"') {
                    state = c;
                } else {
                    mlf_buf_putc(&tok, c);
                    state = 'a';
                }
            } else if (state == '\'' || state == '"') {
                quoted = true;
                if (at_end) {
                    *err = "No closing quotation";
                    return -1;
                }
                if (c == state)
                    state = 'a';
                else if (c == '\\' && state == '"') {
                    escaped_state = state;
                    state = '\\';
                } else
                    mlf_buf_putc(&tok, c);
            } else if (state == '\\') {
                if (at_end) {
                    *err = "No escaped character";
                    return -1;
                }
                if ((escaped_state == '\'' || escaped_state == '"') && c != state && c != escaped_state)
                    mlf_buf_putc(&tok, '\\');
                mlf_buf_putc(&tok, c);
                state = escaped_state;
            } else { /* 'a' */
                if (at_end) {
                    state = 0;
                    break;
                } else if (strchr(ws, c)) {
                    state = ' ';
                    if (tok.len || quoted)
                        break;
                } else if (c == '\'' || c == '"') {
                    state = c;
                } else if (c == '\\') {
                    escaped_state = 'a';
                    state = '\\';
                } else
                    mlf_buf_putc(&tok, c);
            }
        }
        eof = tok.len == 0 && !quoted;
        if (eof)
            break;
        if (nw == cap) {
            char **nwds = MLF_NEW_ARRAY(pool, char *, cap * 2);
            memcpy(nwds, words, nw * sizeof(*nwds));
            words = nwds;
            cap *= 2;
        }
        words[nw++] = tok.data;
    }
    *ret_words = words;
    *ret_n = nw;
    return 0;
}

int mlf__json_escape_char(uint32_t c)
{
    switch (c) {
    case '"':
    case '\\':
    case '/':
        return (int)c;
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    default:
        return -1;
    }
}
