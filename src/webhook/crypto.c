/*
 * Fernet (https://github.com/fernet/spec) and the delivery signature with
 * OpenSSL's libcrypto; base64 is src/core/text.h's.
 */
#include "webhook/crypto.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "core/text.h"

#define MLF__FERNET_VERSION 0x80
#define MLF__FERNET_HEAD 25 /* version, time, iv */
#define MLF__FERNET_MAC 32

int mlf_fernet_key_parse(const char *key, mlf_fernet_key *ret)
{
    mlf_pool *pool = mlf_pool_create();
    unsigned char *raw;
    size_t n;
    int rc = -1;
    if (key != NULL && mlf_text_b64_decode(pool, key, strlen(key), MLF_TEXT_B64_URLSAFE, &raw, &n) == 0 && n == 32) {
        memcpy(ret->signing, raw, 16);
        memcpy(ret->encryption, raw + 16, 16);
        rc = 0;
    }
    mlf_pool_destroy(pool);
    return rc;
}

void mlf_fernet_key_generate(mlf_fernet_key *ret)
{
    if (RAND_bytes(ret->signing, 16) != 1 || RAND_bytes(ret->encryption, 16) != 1)
        abort();
}

/* urlsafe_b64encode: the standard alphabet with '-' and '_' for '+' and '/', padding kept */
static char *mlf__b64url(mlf_pool *pool, const void *data, size_t len)
{
    char *s = mlf_text_b64_encode(pool, data, len);
    for (char *p = s; *p; p++)
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    return s;
}

char *mlf_fernet_encrypt_at(mlf_pool *pool, const mlf_fernet_key *key, const void *data, size_t len, int64_t now_s,
                            const unsigned char *iv)
{
    size_t cap = MLF__FERNET_HEAD + len + 16 + MLF__FERNET_MAC;
    unsigned char *tok = mlf_pool_alloc(pool, cap);
    tok[0] = MLF__FERNET_VERSION;
    for (int i = 0; i < 8; i++)
        tok[1 + i] = (unsigned char)((uint64_t)now_s >> (56 - 8 * i));
    if (iv != NULL)
        memcpy(tok + 9, iv, 16);
    else if (RAND_bytes(tok + 9, 16) != 1)
        abort();
    EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
    int out1 = 0, out2 = 0;
    if (cx == NULL || EVP_EncryptInit_ex(cx, EVP_aes_128_cbc(), NULL, key->encryption, tok + 9) != 1 ||
        EVP_EncryptUpdate(cx, tok + MLF__FERNET_HEAD, &out1, data, (int)len) != 1 ||
        EVP_EncryptFinal_ex(cx, tok + MLF__FERNET_HEAD + out1, &out2) != 1)
        abort();
    EVP_CIPHER_CTX_free(cx);
    size_t body = MLF__FERNET_HEAD + (size_t)out1 + (size_t)out2;
    unsigned int mac_len = 0;
    if (HMAC(EVP_sha256(), key->signing, 16, tok, body, tok + body, &mac_len) == NULL)
        abort();
    return mlf__b64url(pool, tok, body + mac_len);
}

char *mlf_fernet_encrypt(mlf_pool *pool, const mlf_fernet_key *key, const char *text)
{
    return mlf_fernet_encrypt_at(pool, key, text, strlen(text), (int64_t)time(NULL), NULL);
}

int mlf_fernet_decrypt(mlf_pool *pool, const mlf_fernet_key *key, const char *token, char **ret, size_t *ret_len)
{
    unsigned char *tok;
    size_t n;
    if (token == NULL || mlf_text_b64_decode(pool, token, strlen(token), MLF_TEXT_B64_URLSAFE, &tok, &n) < 0)
        return -1;
    if (n < MLF__FERNET_HEAD + 16 + MLF__FERNET_MAC || tok[0] != MLF__FERNET_VERSION ||
        (n - MLF__FERNET_HEAD - MLF__FERNET_MAC) % 16 != 0)
        return -1;
    size_t body = n - MLF__FERNET_MAC;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (HMAC(EVP_sha256(), key->signing, 16, tok, body, mac, &mac_len) == NULL || mac_len != MLF__FERNET_MAC ||
        CRYPTO_memcmp(mac, tok + body, MLF__FERNET_MAC) != 0)
        return -1;
    size_t clen = body - MLF__FERNET_HEAD;
    unsigned char *out = mlf_pool_alloc(pool, clen + 16 + 1);
    EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
    if (cx == NULL)
        abort();
    int out1 = 0, out2 = 0;
    int ok = EVP_DecryptInit_ex(cx, EVP_aes_128_cbc(), NULL, key->encryption, tok + 9) == 1 &&
             EVP_DecryptUpdate(cx, out, &out1, tok + MLF__FERNET_HEAD, (int)clen) == 1 &&
             EVP_DecryptFinal_ex(cx, out + out1, &out2) == 1;
    EVP_CIPHER_CTX_free(cx);
    if (!ok)
        return -1;
    out[out1 + out2] = '\0';
    *ret = (char *)out;
    if (ret_len != NULL)
        *ret_len = (size_t)(out1 + out2);
    return 0;
}

char *mlf_webhook_signature(mlf_pool *pool, const char *secret, const char *delivery_id, const char *timestamp,
                            const char *payload, size_t payload_len)
{
    mlf_buf msg;
    mlf_buf_init(&msg, pool, payload_len + 64);
    mlf_buf_printf(&msg, "%s.%s.", delivery_id, timestamp);
    mlf_buf_append(&msg, payload, payload_len);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg.data, msg.len, mac, &mac_len) ==
        NULL)
        abort();
    return mlf_pool_sprintf(pool, "v1,%s", mlf_text_b64_encode(pool, mac, mac_len));
}
