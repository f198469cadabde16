/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Server-side TLS contexts and peer identity.
 *
 * One SSL_CTX per listener: certificate chain and key from PEM files, TLS 1.2
 * or 1.3 minimum, no renegotiation, ALPN "http/1.1", and client certificates
 * per the listener's verify mode.  A verified client certificate is the
 * caller's X.509-SVID when it carries exactly one URI SAN and that URI is a
 * valid SPIFFE ID; the ID is checked against the SPIFFE ID grammar (lower-case
 * trust domain, path segments of [A-Za-z0-9._-], no dot segments, no query,
 * fragment, port or user info).
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "writ/base.h"

#include "tls.h"

#define SPIFFE_MAX_LEN    2048
#define SPIFFE_MAX_TD_LEN 255
#define VERIFY_DEPTH      8

static const unsigned char alpn_http11[] = "\x08http/1.1";

static writ_rc ssl_err(struct writ_err *err, const char *what, const char *file);
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned inlen, void *arg);
static writ_rc load_client_ca(
    SSL_CTX *ctx, const struct writ_tls_config *cfg, struct writ_err *err);
static bool td_char(char c);
static bool path_char(char c);

/* Record the OpenSSL reason for a failure and clear the error queue. */
static writ_rc
ssl_err(struct writ_err *err, const char *what, const char *file)
{
	char reason[160];
	unsigned long e = ERR_peek_last_error();

	if (e != 0)
		ERR_error_string_n(e, reason, sizeof(reason));
	else
		reason[0] = '\0';
	ERR_clear_error();
	return WRIT_ERR(
	    err, WRIT_ECRYPTO, "tls: %s %s: %s", what, file != NULL ? file : "", reason);
}

/* Pick http/1.1 if offered; otherwise go on without ALPN. */
static int
alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
    unsigned inlen, void *arg)
{
	unsigned char *sel;

	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto(&sel, outlen, alpn_http11, sizeof(alpn_http11) - 1, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

static writ_rc
load_client_ca(SSL_CTX *ctx, const struct writ_tls_config *cfg, struct writ_err *err)
{
	STACK_OF(X509_NAME) * names;
	int mode = SSL_VERIFY_PEER;

	if (cfg->ca_file == NULL)
		return WRIT_ERR(err, WRIT_EINVAL, "tls: client verification needs a CA file");
	if (SSL_CTX_load_verify_locations(ctx, cfg->ca_file, NULL) != 1)
		return ssl_err(err, "cannot load CA file", cfg->ca_file);
	if ((names = SSL_load_client_CA_file(cfg->ca_file)) == NULL)
		return ssl_err(err, "no CA names in", cfg->ca_file);
	SSL_CTX_set_client_CA_list(ctx, names);
	if (cfg->verify == WRIT_TLS_VERIFY_REQUIRE)
		mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	SSL_CTX_set_verify(ctx, mode, NULL);
	SSL_CTX_set_verify_depth(ctx, VERIFY_DEPTH);
	return WRIT_OK;
}

writ_rc
writ_tls_ctx_new(const struct writ_tls_config *cfg, SSL_CTX **out, struct writ_err *err)
{
	SSL_CTX *ctx;
	int minv = cfg->min_version == 0 ? TLS1_2_VERSION : cfg->min_version;
	writ_rc rc;

	if (cfg->cert_file == NULL || cfg->key_file == NULL)
		return WRIT_ERR(err, WRIT_EINVAL, "tls: certificate and key files are required");
	if (minv != TLS1_2_VERSION && minv != TLS1_3_VERSION)
		return WRIT_ERR(err, WRIT_EINVAL, "tls: minimum version must be 1.2 or 1.3");
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		return ssl_err(err, "cannot create context", NULL);
	rc = WRIT_ECRYPTO;
	if (SSL_CTX_set_min_proto_version(ctx, minv) != 1) {
		ssl_err(err, "cannot set minimum version", NULL);
		goto out;
	}
	SSL_CTX_set_options(
	    ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1) {
		ssl_err(err, "cannot load certificate", cfg->cert_file);
		goto out;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ssl_err(err, "cannot load key or it does not match the certificate", cfg->key_file);
		goto out;
	}
	/* Resumed sessions keep the verified peer; they need a context id. */
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"writ", 4);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	if (cfg->verify != WRIT_TLS_VERIFY_NONE && (rc = load_client_ca(ctx, cfg, err)) != WRIT_OK)
		goto out;
	*out = ctx;
	ctx = NULL;
	rc = WRIT_OK;
out:
	SSL_CTX_free(ctx);
	return rc;
}

X509 *
writ_tls_verified_peer(SSL *ssl)
{
	X509 *cert = SSL_get1_peer_certificate(ssl);

	if (cert != NULL && SSL_get_verify_result(ssl) != X509_V_OK) {
		X509_free(cert);
		cert = NULL;
	}
	return cert;
}

/* ---------------------------------------------------------------------------
 * SPIFFE IDs.
 */

static bool
td_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

static bool
path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '.' || c == '-' || c == '_';
}

bool
writ_tls_spiffe_id_valid(const char *s, size_t len)
{
	size_t i = 9, seg;

	if (len > SPIFFE_MAX_LEN || len <= 9 || memcmp(s, "spiffe://", 9) != 0)
		return false;
	while (i < len && td_char(s[i]))
		i++;
	if (i == 9 || i - 9 > SPIFFE_MAX_TD_LEN)
		return false;
	while (i < len) {
		if (s[i++] != '/')
			return false;
		seg = i;
		while (i < len && path_char(s[i]))
			i++;
		if (i == seg)
			return false; /* empty segment or trailing slash */
		if ((i - seg == 1 && s[seg] == '.') ||
		    (i - seg == 2 && s[seg] == '.' && s[seg + 1] == '.'))
			return false;
	}
	return true;
}

writ_rc
writ_tls_spiffe_id(X509 *cert, char **out)
{
	GENERAL_NAMES *sans;
	const ASN1_IA5STRING *uri = NULL;
	writ_rc rc = WRIT_ENOTFOUND;
	int i, n, nuri = 0;
	char *id;

	sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	if (sans == NULL)
		return WRIT_ENOTFOUND;
	n = sk_GENERAL_NAME_num(sans);
	for (i = 0; i < n; i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);

		if (gn->type == GEN_URI) {
			uri = gn->d.uniformResourceIdentifier;
			nuri++;
		}
	}
	if (nuri != 1 ||
	    !writ_tls_spiffe_id_valid(
	        (const char *)ASN1_STRING_get0_data(uri), (size_t)ASN1_STRING_length(uri)))
		goto out;
	rc = WRIT_ENOMEM;
	if ((id = writ_malloc((size_t)ASN1_STRING_length(uri) + 1)) == NULL)
		goto out;
	memcpy(id, ASN1_STRING_get0_data(uri), (size_t)ASN1_STRING_length(uri));
	id[ASN1_STRING_length(uri)] = '\0';
	*out = id;
	rc = WRIT_OK;
out:
	GENERAL_NAMES_free(sans);
	return rc;
}
