/*
 * Unit tests of src/core/text.c, in its order: hex, UTF-8, percent-decoding
 * (plain, '+' as space, unquote's errors='replace', werkzeug's requoting)
 * and base64 (binascii's non-strict decoding, both alphabets, encoding).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/text.h"

static int setup(void **state)
{
    *state = mlf_pool_create();
    return 0;
}

static int teardown(void **state)
{
    mlf_pool_destroy(*state);
    return 0;
}

/* ------------------------------------------------------------------ hex */

static void test_hex(void **state)
{
    (void)state;
    assert_int_equal(mlf_text_hex_value('0'), 0);
    assert_int_equal(mlf_text_hex_value('9'), 9);
    assert_int_equal(mlf_text_hex_value('a'), 10);
    assert_int_equal(mlf_text_hex_value('F'), 15);
    assert_int_equal(mlf_text_hex_value('g'), -1);
    assert_int_equal(mlf_text_hex_value('G'), -1);
    assert_int_equal(mlf_text_hex_value(0xC3), -1);
    assert_int_equal(mlf_text_hex4("00e9"), 0xE9);
    assert_int_equal(mlf_text_hex4("D83D"), 0xD83D);
    assert_int_equal(mlf_text_hex4("12x4"), -1);
    assert_string_equal(mlf_text_hex_lower, "0123456789abcdef");
    assert_string_equal(mlf_text_hex_upper, "0123456789ABCDEF");
}

/* ---------------------------------------------------------------- UTF-8 */

static void test_utf8_len(void **state)
{
    (void)state;
    size_t bad = 99;
    assert_int_equal(mlf_text_utf8_len("a", 1, 0, &bad), 1);
    assert_int_equal(mlf_text_utf8_len("\xc3\xa9", 2, 0, &bad), 2);
    assert_int_equal(mlf_text_utf8_len("\xe2\x82\xac", 3, 0, &bad), 3);
    assert_int_equal(mlf_text_utf8_len("\xf0\x9f\x98\x80", 4, 0, &bad), 4);
    /* ill-formed: *bad is the maximal ill-formed subpart */
    static const struct {
        const char *s;
        size_t n, bad;
    } cases[] = {
        {"\x80", 1, 1},         {"\xff", 1, 1},         {"\xc0\x80", 2, 1},         {"\xc3", 1, 1},
        {"\xc3x", 2, 1},        {"\xe2\x82", 2, 2},     {"\xe2\x82x", 3, 2},        {"\xe0\x80\x80", 3, 1},
        {"\xed\xa0\x80", 3, 1}, {"\xf0\x9f\x98", 3, 3}, {"\xf4\x90\x80\x80", 4, 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bad = 99;
        assert_int_equal(mlf_text_utf8_len(cases[i].s, cases[i].n, 0, &bad), 0);
        assert_int_equal(bad, cases[i].bad);
    }
    /* 'surrogatepass' takes an encoded surrogate, and nothing else that is ill-formed */
    assert_int_equal(mlf_text_utf8_len("\xed\xa0\x80", 3, MLF_TEXT_UTF8_SURROGATES, &bad), 3);
    assert_int_equal(mlf_text_utf8_len("\xed\xbf\xbf", 3, MLF_TEXT_UTF8_SURROGATES, &bad), 3);
    assert_int_equal(mlf_text_utf8_len("\xe0\x80\x80", 3, MLF_TEXT_UTF8_SURROGATES, &bad), 0);
    assert_int_equal(mlf_text_utf8_len("\xf4\x90\x80\x80", 4, MLF_TEXT_UTF8_SURROGATES, &bad), 0);
}

/* ------------------------------------------------------ percent-decoding */

static const char *pct(mlf_pool *pool, const char *s, unsigned flags, size_t *len)
{
    return mlf_text_percent_decode(pool, s, strlen(s), flags, len);
}

static void test_percent_plain(void **state)
{
    mlf_pool *pool = *state;
    size_t n = 0;
    assert_string_equal(pct(pool, "a%20b", 0, &n), "a b");
    assert_int_equal(n, 3);
    assert_string_equal(pct(pool, "%41%4a%4A", 0, NULL), "AJJ");
    /* bad or cut escapes stay as they are */
    assert_string_equal(pct(pool, "%zz%4%", 0, NULL), "%zz%4%");
    assert_string_equal(pct(pool, "x%4", 0, NULL), "x%4");
    assert_string_equal(pct(pool, "%41", 0, NULL), "A");
    /* one round only, '+' kept, bytes as they are */
    assert_string_equal(pct(pool, "%2541+", 0, NULL), "%41+");
    assert_string_equal(pct(pool, "%ff", 0, &n), "\xff");
    /* a decoded NUL is counted */
    const char *d = pct(pool, "a%00b", 0, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(d, "a\0b", 4);
    assert_string_equal(pct(pool, "", 0, &n), "");
    assert_int_equal(n, 0);
}

static void test_percent_plus(void **state)
{
    mlf_pool *pool = *state;
    assert_string_equal(pct(pool, "a+b%2B", MLF_TEXT_PLUS_SPACE, NULL), "a b+");
    assert_string_equal(pct(pool, "+%zz", MLF_TEXT_PLUS_SPACE, NULL), " %zz");
    assert_string_equal(pct(pool, "a%20b+c", MLF_TEXT_PLUS_SPACE, NULL), "a b c");
    assert_string_equal(pct(pool, "a%20b+c", 0, NULL), "a b+c");
    assert_string_equal(pct(pool, "%zz%4", MLF_TEXT_PLUS_SPACE, NULL), "%zz%4");
    assert_string_equal(pct(pool, "%41%", MLF_TEXT_PLUS_SPACE, NULL), "A%");
}

/* urllib.parse.unquote and unquote_plus */
static void test_percent_utf8_replace(void **state)
{
    mlf_pool *pool = *state;
    const unsigned f = MLF_TEXT_UTF8_REPLACE;
    assert_string_equal(pct(pool, "a%20b%zz%e2%82%ac%ff", f, NULL), "a b%zz\xe2\x82\xac\xef\xbf\xbd");
    /* one U+FFFD for each maximal ill-formed subpart, as Python's decoder */
    assert_string_equal(pct(pool, "%e2%82x", f, NULL), "\xef\xbf\xbdx");
    assert_string_equal(pct(pool, "%e0%80x", f, NULL), "\xef\xbf\xbd\xef\xbf\xbdx");
    assert_string_equal(pct(pool, "%ed%a0%80", f, NULL), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    /* non-ASCII input is kept; the runs on each side are decoded apart */
    assert_string_equal(pct(pool, "%e2\xc3\xa9%82", f, NULL), "\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd");
    assert_string_equal(pct(pool, "\xc3\xa9%c3%a9\xff", f, NULL), "\xc3\xa9\xc3\xa9\xff");
    assert_string_equal(pct(pool, "no escapes", f, NULL), "no escapes");
    /* unquote_plus */
    assert_string_equal(pct(pool, "a+b%2B", f | MLF_TEXT_PLUS_SPACE, NULL), "a b+");
    size_t n;
    const char *d = pct(pool, "%00x", f, &n);
    assert_int_equal(n, 2);
    assert_memory_equal(d, "\0x", 3);
}

/* werkzeug's parse_qsl: invalid UTF-8 quoted back */
static void test_percent_utf8_requote(void **state)
{
    mlf_pool *pool = *state;
    const unsigned f = MLF_TEXT_PLUS_SPACE | MLF_TEXT_UTF8_REQUOTE;
    assert_string_equal(pct(pool, "%C3%A9+x", f, NULL), "\xc3\xa9 x");
    assert_string_equal(pct(pool, "%ff%e2%82x", f, NULL), "%FF%E2%82x");
    assert_string_equal(pct(pool, "%ed%a0%80", f, NULL), "%ED%A0%80");
    size_t n;
    assert_string_equal(pct(pool, "%fe", f, &n), "%FE");
    assert_int_equal(n, 3);
}

static void test_percent_put(void **state)
{
    mlf_buf b;
    mlf_buf_init(&b, *state, 8);
    mlf_text_percent_put(&b, 0x1f, false);
    mlf_text_percent_put(&b, 0xab, true);
    assert_string_equal(b.data, "%1f%AB");
}

/* ---------------------------------------------------------------- base64 */

static const char *b64(mlf_pool *pool, const char *s, unsigned flags, size_t *len)
{
    unsigned char *out = NULL;
    size_t n;
    if (mlf_text_b64_decode(pool, s, strlen(s), flags, &out, &n) != 0)
        return NULL;
    if (len != NULL)
        *len = n;
    return (const char *)out;
}

static void test_b64_decode(void **state)
{
    mlf_pool *pool = *state;
    size_t n = 0;
    assert_string_equal(b64(pool, "eyJvZmZzZXQiOiAxfQ==", 0, &n), "{\"offset\": 1}");
    assert_int_equal(n, 13);
    assert_string_equal(b64(pool, "", 0, &n), "");
    /* outside the alphabet: skipped */
    assert_string_equal(b64(pool, "eyJv\nZmZz!ZXQiOiAxfQ==", 0, NULL), "{\"offset\": 1}");
    /* a completed padding ends the decoding */
    assert_string_equal(b64(pool, "eyJvZmZzZXQiOiAxfQ==garbage", 0, NULL), "{\"offset\": 1}");
    assert_string_equal(b64(pool, "ZXl=Kv", 0, NULL), "ey");
    assert_string_equal(b64(pool, "====", 0, &n), "");
    /* a dangling partial quantum: binascii.Error */
    assert_null(b64(pool, "e", 0, NULL));
    assert_null(b64(pool, "eyJvZmZzZXQiOiAxfQ", 0, NULL));
    assert_null(b64(pool, "eyJvZmZzZXQiOiAxfQ=", 0, NULL));
    /* the URL-safe alphabet only with its flag ('+' and '/' are taken either way) */
    assert_string_equal(b64(pool, "-_-_", MLF_TEXT_B64_URLSAFE, &n), "\xfb\xff\xbf");
    assert_string_equal(b64(pool, "+/+/", MLF_TEXT_B64_URLSAFE, &n), "\xfb\xff\xbf");
    assert_string_equal(b64(pool, "-_-_", 0, &n), "");
    assert_string_equal(b64(pool, "//4=", 0, &n), "\xff\xfe");
    assert_int_equal(n, 2);
}

static void test_b64_encode(void **state)
{
    mlf_pool *pool = *state;
    assert_string_equal(mlf_text_b64_encode(pool, "", 0), "");
    assert_string_equal(mlf_text_b64_encode(pool, "f", 1), "Zg==");
    assert_string_equal(mlf_text_b64_encode(pool, "fo", 2), "Zm8=");
    assert_string_equal(mlf_text_b64_encode(pool, "foo", 3), "Zm9v");
    assert_string_equal(mlf_text_b64_encode(pool, "\xfb\xff\xbf", 3), "+/+/");
    mlf_buf b;
    mlf_buf_init(&b, pool, 4);
    mlf_buf_putc(&b, '"');
    mlf_text_b64_put(&b, "foobar!", 7);
    mlf_buf_putc(&b, '"');
    assert_string_equal(b.data, "\"Zm9vYmFyIQ==\"");
    /* round trip */
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    const char *enc = mlf_text_b64_encode(pool, all, sizeof(all));
    unsigned char *dec;
    size_t n;
    assert_int_equal(mlf_text_b64_decode(pool, enc, strlen(enc), 0, &dec, &n), 0);
    assert_int_equal(n, sizeof(all));
    assert_memory_equal(dec, all, sizeof(all));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_utf8_len),
        cmocka_unit_test_setup_teardown(test_percent_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_percent_plus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_percent_utf8_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_percent_utf8_requote, setup, teardown),
        cmocka_unit_test_setup_teardown(test_percent_put, setup, teardown),
        cmocka_unit_test_setup_teardown(test_b64_decode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_b64_encode, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
