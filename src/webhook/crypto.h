/*
 * The webhook secrets' cryptography, as MLflow 3.18 does it with Python's
 * cryptography and hmac packages: the Fernet tokens the webhooks table keeps
 * secrets in (EncryptedString, keyed by MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY)
 * and the HMAC-SHA256 signature of a delivery (X-MLflow-Signature).
 */
#ifndef MLF_WEBHOOK_CRYPTO_H
#define MLF_WEBHOOK_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"

/** A Fernet key: the first 16 bytes sign, the last 16 encrypt. */
typedef struct mlf_fernet_key {
    unsigned char signing[16];
    unsigned char encryption[16];
} mlf_fernet_key;

/**
 * Fernet(key): key is 32 bytes in URL-safe base64. Returns 0, or -1 when it
 * is not (MLflow then fails with "Fernet key must be 32 url-safe
 * base64-encoded bytes.").
 */
int mlf_fernet_key_parse(const char *key, mlf_fernet_key *ret);
/** Fernet.generate_key(): 32 random bytes (MLflow's key when the variable is unset). */
void mlf_fernet_key_generate(mlf_fernet_key *ret);

/**
 * Fernet.encrypt at time now_s with this iv (NULL: 16 random bytes): the
 * token (version 0x80, 8-byte big-endian time, iv, AES-128-CBC with PKCS7
 * padding, HMAC-SHA256 of all that) in URL-safe base64 with padding, from pool.
 */
char *mlf_fernet_encrypt_at(mlf_pool *pool, const mlf_fernet_key *key, const void *data, size_t len, int64_t now_s,
                            const unsigned char *iv);
/** Fernet.encrypt now, with a random iv. */
char *mlf_fernet_encrypt(mlf_pool *pool, const mlf_fernet_key *key, const char *text);
/**
 * Fernet.decrypt (no ttl): the plaintext, NUL-terminated, in *ret from pool.
 * Returns 0, or -1 where Python raises InvalidToken (bad base64, version,
 * signature or padding).
 */
int mlf_fernet_decrypt(mlf_pool *pool, const mlf_fernet_key *key, const char *token, char **ret, size_t *ret_len);

/**
 * _generate_hmac_signature: "v1," + base64(HMAC-SHA256(secret,
 * "<delivery_id>.<timestamp>.<payload>")), from pool.
 */
char *mlf_webhook_signature(mlf_pool *pool, const char *secret, const char *delivery_id, const char *timestamp,
                            const char *payload, size_t payload_len);

#endif
