/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS for the listeners: an SSL_CTX built from certificate and key files with
 * TLS 1.2 or 1.3 as the minimum, optional or required client certificates
 * verified against a CA file, and the verified peer's SPIFFE ID taken from its
 * URI SAN (X.509-SVID, SPIFFE spec §4).
 */
#ifndef WRIT_SERVER_TLS_H
#define WRIT_SERVER_TLS_H

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "writ/base.h"

enum writ_tls_verify {
	WRIT_TLS_VERIFY_NONE = 0, /* no client certificate is asked for */
	WRIT_TLS_VERIFY_REQUEST,  /* asked for; if sent it must verify, else the handshake fails */
	WRIT_TLS_VERIFY_REQUIRE,  /* the handshake fails without a valid client certificate */
};

struct writ_tls_config {
	const char *cert_file; /* PEM: the server certificate, then its chain */
	const char *key_file;  /* PEM private key */
	const char *ca_file;   /* PEM CAs for client certificates; required unless VERIFY_NONE */
	enum writ_tls_verify verify;
	int min_version; /* 0 = TLS1_2_VERSION; or TLS1_3_VERSION */
};

/*
 * Build a server SSL_CTX from cfg (borrowed).  *out is owned by the caller
 * (SSL_CTX_free).  Returns WRIT_EINVAL for a bad config, WRIT_ECRYPTO when a
 * file cannot be loaded or the key does not match (the OpenSSL reason is in
 * err, never a key byte), WRIT_ENOMEM.  Thread safe.
 */
WRIT_MUST_CHECK writ_rc writ_tls_ctx_new(
    const struct writ_tls_config *cfg, SSL_CTX **out, struct writ_err *err);

/*
 * The peer certificate of a finished handshake if it was verified, as a new
 * reference (X509_free), else NULL.  Thread safe for distinct ssl.
 */
X509 *writ_tls_verified_peer(SSL *ssl);

/*
 * The SPIFFE ID of cert: its only URI SAN when that is a valid spiffe:// ID.
 * *out is a NUL-terminated copy owned by the caller (writ_free).  Returns
 * WRIT_ENOTFOUND when there is none (no URI SAN, several, or not a valid
 * SPIFFE ID), WRIT_ENOMEM.  Thread safe.
 */
WRIT_MUST_CHECK writ_rc writ_tls_spiffe_id(X509 *cert, char **out);

/* True if s[0..len) is a syntactically valid SPIFFE ID ("spiffe://td/path"). */
bool writ_tls_spiffe_id_valid(const char *s, size_t len);

#endif /* WRIT_SERVER_TLS_H */
