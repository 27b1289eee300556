#include "store/pystr.h"

#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <wctype.h>

/*
 * Unicode classes come from glibc's C.UTF-8 tables, which follow the same
 * Unicode data Python uses closely enough for names and keys; without that
 * locale every non-ASCII letter-like code point counts as a word character.
 */
static pthread_once_t mlf__locale_once = PTHREAD_ONCE_INIT;
static locale_t mlf__utf8_locale = (locale_t)0;

static void mlf__locale_init(void)
{
    mlf__utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static locale_t mlf__locale(void)
{
    pthread_once(&mlf__locale_once, mlf__locale_init);
    return mlf__utf8_locale;
}

size_t mlf_pystr_utf8_next(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    size_t n;
    uint32_t c;
    if ((u[0] & 0xE0) == 0xC0) {
        n = 2;
        c = u[0] & 0x1F;
    } else if ((u[0] & 0xF0) == 0xE0) {
        n = 3;
        c = u[0] & 0x0F;
    } else if ((u[0] & 0xF8) == 0xF0) {
        n = 4;
        c = u[0] & 0x07;
    } else {
        *cp = u[0];
        return 1;
    }
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *cp = u[0];
            return 1;
        }
        c = (c << 6) | (u[i] & 0x3F);
    }
    *cp = c;
    return n;
}

size_t mlf_pystr_len(const char *s)
{
    size_t n = 0;
    uint32_t cp;
    while (*s != '\0') {
        s += mlf_pystr_utf8_next(s, &cp);
        n++;
    }
    return n;
}

bool mlf_pystr_is_word_char(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '_';
    locale_t loc = mlf__locale();
    if (loc == (locale_t)0)
        return cp >= 0xC0;
    return iswalnum_l((wint_t)cp, loc) != 0;
}

/* Python's str.isprintable() for one non-ASCII code point (approximation over glibc classes). */
static bool mlf__is_printable(uint32_t cp)
{
    if (cp < 0xA1)
        return false; /* C1 controls and NO-BREAK SPACE are escaped by repr */
    locale_t loc = mlf__locale();
    if (loc == (locale_t)0)
        return true;
    return iswprint_l((wint_t)cp, loc) && !iswspace_l((wint_t)cp, loc);
}

char *mlf_pystr_repr(mlf_pool *pool, const char *s)
{
    char quote = '\'';
    if (strchr(s, '\'') != NULL && strchr(s, '"') == NULL)
        quote = '"';
    mlf_buf b;
    mlf_buf_init(&b, pool, strlen(s) + 8);
    mlf_buf_putc(&b, quote);
    while (*s != '\0') {
        uint32_t cp;
        size_t n = mlf_pystr_utf8_next(s, &cp);
        if (cp == (uint32_t)quote || cp == '\\') {
            mlf_buf_putc(&b, '\\');
            mlf_buf_putc(&b, (char)cp);
        } else if (cp == '\t') {
            mlf_buf_puts(&b, "\\t");
        } else if (cp == '\n') {
            mlf_buf_puts(&b, "\\n");
        } else if (cp == '\r') {
            mlf_buf_puts(&b, "\\r");
        } else if (cp < 0x20 || cp == 0x7F) {
            mlf_buf_printf(&b, "\\x%02x", cp);
        } else if (cp < 0x80 || mlf__is_printable(cp)) {
            mlf_buf_append(&b, s, n);
        } else if (cp < 0x100) {
            mlf_buf_printf(&b, "\\x%02x", cp);
        } else if (cp < 0x10000) {
            mlf_buf_printf(&b, "\\u%04x", cp);
        } else {
            mlf_buf_printf(&b, "\\U%08x", cp);
        }
        s += n;
    }
    mlf_buf_putc(&b, quote);
    return b.data;
}

char *mlf_pystr_json_dumps(mlf_pool *pool, const char *s)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, strlen(s) + 8);
    mlf_buf_putc(&b, '"');
    while (*s != '\0') {
        uint32_t cp;
        s += mlf_pystr_utf8_next(s, &cp);
        switch (cp) {
        case '"':
            mlf_buf_puts(&b, "\\\"");
            break;
        case '\\':
            mlf_buf_puts(&b, "\\\\");
            break;
        case '\n':
            mlf_buf_puts(&b, "\\n");
            break;
        case '\r':
            mlf_buf_puts(&b, "\\r");
            break;
        case '\t':
            mlf_buf_puts(&b, "\\t");
            break;
        case '\b':
            mlf_buf_puts(&b, "\\b");
            break;
        case '\f':
            mlf_buf_puts(&b, "\\f");
            break;
        default:
            if (cp < 0x20 || (cp > 0x7F && cp < 0x10000)) {
                mlf_buf_printf(&b, "\\u%04x", cp);
            } else if (cp >= 0x10000) {
                uint32_t v = cp - 0x10000;
                mlf_buf_printf(&b, "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
            } else {
                mlf_buf_putc(&b, (char)cp);
            }
        }
    }
    mlf_buf_putc(&b, '"');
    return b.data;
}

/* str.strip() whitespace, ASCII part (Python also strips \x1c-\x1f). */
static bool mlf__is_py_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
}

int mlf_pystr_parse_int(const char *s, int64_t *ret)
{
    while (mlf__is_py_space(*s))
        s++;
    bool neg = false;
    if (*s == '+' || *s == '-') {
        neg = *s == '-';
        s++;
    }
    if (!(*s >= '0' && *s <= '9'))
        return -1;
    uint64_t v = 0;
    bool overflow = false;
    for (;;) {
        if (*s >= '0' && *s <= '9') {
            unsigned d = (unsigned)(*s - '0');
            if (v > (UINT64_MAX - d) / 10)
                overflow = true;
            else
                v = v * 10 + d;
            s++;
        } else if (*s == '_' && s[1] >= '0' && s[1] <= '9') {
            s++;
        } else {
            break;
        }
    }
    while (mlf__is_py_space(*s))
        s++;
    if (*s != '\0')
        return -1;
    if (overflow || v > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
        return -2;
    *ret = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}
