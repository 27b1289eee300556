/*
 * Unit tests of src/webhook/crypto.c: the Fernet spec's vector (and Python
 * cryptography's token for it), round trips, every way a token is refused,
 * key parsing, and the delivery signature against Python's hmac.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "webhook/crypto.h"

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

#define SPEC_KEY "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="
#define SPEC_TOKEN "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA=="

static void test_fernet_spec_vector(void **state)
{
    mlf_pool *pool = *state;
    mlf_fernet_key key;
    assert_int_equal(mlf_fernet_key_parse(SPEC_KEY, &key), 0);
    unsigned char iv[16];
    for (int i = 0; i < 16; i++)
        iv[i] = (unsigned char)i;
    assert_string_equal(mlf_fernet_encrypt_at(pool, &key, "hello", 5, 499162800, iv), SPEC_TOKEN);
    char *out;
    size_t n;
    assert_int_equal(mlf_fernet_decrypt(pool, &key, SPEC_TOKEN, &out, &n), 0);
    assert_int_equal(n, 5);
    assert_string_equal(out, "hello");
}

static void test_fernet_round_trip(void **state)
{
    mlf_pool *pool = *state;
    mlf_fernet_key key;
    mlf_fernet_key_generate(&key);
    const char *texts[] = {"", "a", "sixteen bytes!!!", "a secret with ünïcödé and more than one block of text"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char *tok = mlf_fernet_encrypt(pool, &key, texts[i]);
        assert_int_equal((unsigned char)tok[0], 'g'); /* 0x80 in base64 */
        assert_null(strchr(tok, '+'));
        assert_null(strchr(tok, '/'));
        char *out;
        assert_int_equal(mlf_fernet_decrypt(pool, &key, tok, &out, NULL), 0);
        assert_string_equal(out, texts[i]);
    }
    /* a fresh iv each time */
    assert_string_not_equal(mlf_fernet_encrypt(pool, &key, "x"), mlf_fernet_encrypt(pool, &key, "x"));
}

static void test_fernet_refusals(void **state)
{
    mlf_pool *pool = *state;
    mlf_fernet_key key, other;
    assert_int_equal(mlf_fernet_key_parse(SPEC_KEY, &key), 0);
    mlf_fernet_key_generate(&other);
    char *out;
    assert_int_equal(mlf_fernet_decrypt(pool, &other, SPEC_TOKEN, &out, NULL), -1); /* another key */
    char *bad = mlf_pool_strdup(pool, SPEC_TOKEN);
    bad[40] = bad[40] == 'A' ? 'B' : 'A'; /* a flipped ciphertext byte: the HMAC fails */
    assert_int_equal(mlf_fernet_decrypt(pool, &key, bad, &out, NULL), -1);
    assert_int_equal(mlf_fernet_decrypt(pool, &key, "gAAAAA", &out, NULL), -1);      /* too short */
    assert_int_equal(mlf_fernet_decrypt(pool, &key, "not base64!", &out, NULL), -1); /* not a token */
    assert_int_equal(mlf_fernet_decrypt(pool, &key, NULL, &out, NULL), -1);
    /* another version byte, re-signed would still be refused: here simply changed */
    char *v = mlf_pool_strdup(pool, SPEC_TOKEN);
    v[0] = 'A';
    assert_int_equal(mlf_fernet_decrypt(pool, &key, v, &out, NULL), -1);
}

static void test_fernet_key_parse(void **state)
{
    (void)state;
    mlf_fernet_key key;
    assert_int_equal(mlf_fernet_key_parse("", &key), -1);
    assert_int_equal(mlf_fernet_key_parse("short", &key), -1);
    assert_int_equal(mlf_fernet_key_parse("cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4", &key), -1); /* 31 bytes */
    assert_int_equal(mlf_fernet_key_parse(SPEC_KEY, &key), 0);
    assert_int_equal(key.signing[0], 0x73);   /* base64url "cw_0" = 73 0f f4 */
    assert_int_equal(key.signing[1], 0x0f);
}

static void test_signature(void **state)
{
    mlf_pool *pool = *state;
    const char *payload = "{\"entity\": \"x\"}";
    /* base64(hmac.new(b"topsecret", b'd-1.1700000000.{"entity": "x"}', sha256).digest()) */
    assert_string_equal(mlf_webhook_signature(pool, "topsecret", "d-1", "1700000000", payload, strlen(payload)),
                        "v1,Ymf88/fEod4TK5kOP9PBb/C5lV1msv7nFIu3Ggeh52w=");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fernet_spec_vector, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fernet_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fernet_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fernet_key_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signature, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
