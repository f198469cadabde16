/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit line format, read side.  Every line starts with exactly
 * `{"seq":N,"prev":"<64 hex>"`; header and checkpoint lines, which only the
 * log writes, have a fixed layout after that.  These matchers are strict on
 * purpose: they accept the bytes the writer produces and nothing else, so a
 * verifier never has to parse JSON and every byte of a checkpoint line is
 * covered by its signature.  All of them take (ptr, len) and never read past
 * len, whatever the input.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "writ/audit.h"
#include "audit_int.h"

struct cur {
	const char *p;
	const char *end;
};

static bool eat(struct cur *c, const char *lit, size_t litlen);
static bool take_until_quote(struct cur *c, size_t max, const char **s, size_t *len);
static bool is_hex_lower(const char *s, size_t len);
static bool is_time(const char *s, size_t len);

#define EAT(c, lit) eat((c), (lit), sizeof(lit) - 1)

static bool
eat(struct cur *c, const char *lit, size_t litlen)
{
	if ((size_t)(c->end - c->p) < litlen || memcmp(c->p, lit, litlen) != 0)
		return false;
	c->p += litlen;
	return true;
}

/* Take up to max bytes before the next '"', and the '"' itself. */
static bool
take_until_quote(struct cur *c, size_t max, const char **s, size_t *len)
{
	size_t avail = (size_t)(c->end - c->p);
	const char *q = memchr(c->p, '"', avail < max + 1 ? avail : max + 1);

	if (q == NULL)
		return false;
	*s = c->p;
	*len = (size_t)(q - c->p);
	c->p = q + 1;
	return true;
}

static bool
is_hex_lower(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

/* RFC 3339 characters only; the value itself is covered by the signature. */
static bool
is_time(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= AUDIT_TIME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || strchr("-:.TZ+", s[i]) != NULL) ||
		    s[i] == '\0')
			return false;
	}
	return true;
}

bool
audit_parse_prefix(const char *line, size_t len, struct audit_prefix *out)
{
	struct cur c = {line, line + len};
	const char *digits, *rest;
	size_t restlen;
	uint64_t seq = 0;

	if (len == 0 || line[len - 1] != '}' || !EAT(&c, "{\"seq\":"))
		return false;
	digits = c.p;
	while (c.p < c.end && *c.p >= '0' && *c.p <= '9' && c.p - digits < 20)
		c.p++;
	/* Canonical decimal only: no leading zero, so the bytes are unique. */
	if (c.p == digits || (*digits == '0') ||
	    writ_parse_u64(digits, (size_t)(c.p - digits), &seq) != WRIT_OK)
		return false;
	if (!EAT(&c, ",\"prev\":\"") || (size_t)(c.end - c.p) < AUDIT_HEX_LEN + 2 ||
	    !is_hex_lower(c.p, AUDIT_HEX_LEN) || c.p[AUDIT_HEX_LEN] != '"')
		return false;
	rest = c.p + AUDIT_HEX_LEN + 1;
	restlen = (size_t)(c.end - rest);
	/* `"}` ends an empty entry; anything else continues with a member. */
	if (rest[0] == ',' ? restlen < 2 : restlen != 1)
		return false;
	out->seq = seq;
	out->prev = c.p;
	out->rest = rest;
	out->restlen = restlen;
	return true;
}

bool
audit_rest_is_ckpt(const char *rest, size_t restlen)
{
	static const char lit[] = ",\"type\":\"checkpoint\",";

	return restlen >= sizeof(lit) - 1 && memcmp(rest, lit, sizeof(lit) - 1) == 0;
}

bool
audit_parse_ckpt(const char *rest, size_t restlen, const char **time, size_t *timelen,
    unsigned char sig[WRIT_ED25519_SIG])
{
	struct cur c = {rest, rest + restlen};
	const char *s;
	size_t slen, declen = 0;
	unsigned char dec[3 * (AUDIT_SIG_B64_LEN / 4) + 3];
	char canon[AUDIT_SIG_B64_LEN + 1];

	if (!EAT(&c, ",\"type\":\"checkpoint\",\"time\":\"") ||
	    !take_until_quote(&c, AUDIT_TIME_MAX, time, timelen) || !is_time(*time, *timelen))
		return false;
	if (!EAT(&c, ",\"sig\":\"") || !take_until_quote(&c, AUDIT_SIG_B64_LEN, &s, &slen) ||
	    slen != AUDIT_SIG_B64_LEN || !EAT(&c, "}") || c.p != c.end)
		return false;
	if (writ_b64_decode(s, slen, dec, &declen) != WRIT_OK || declen != WRIT_ED25519_SIG)
		return false;
	/* Only the canonical encoding: no two texts for one signature. */
	if (writ_b64_encode(dec, declen, canon) != AUDIT_SIG_B64_LEN ||
	    memcmp(canon, s, AUDIT_SIG_B64_LEN) != 0)
		return false;
	memcpy(sig, dec, WRIT_ED25519_SIG);
	return true;
}

bool
audit_parse_header(const char *rest, size_t restlen, struct audit_header *out)
{
	struct cur c = {rest, rest + restlen};
	const char *s;
	size_t slen, declen = 0;
	unsigned char dec[3 * (AUDIT_PUB_B64_LEN / 4) + 3];

	if (!EAT(&c, ",\"type\":\"header\",\"time\":\"") ||
	    !take_until_quote(&c, AUDIT_TIME_MAX, &s, &slen) || !is_time(s, slen))
		return false;
	if (!EAT(&c, ",\"version\":1,\"pubkey\":\"") ||
	    !take_until_quote(&c, AUDIT_PUB_B64_LEN, &s, &slen) || slen != AUDIT_PUB_B64_LEN)
		return false;
	if (writ_b64_decode(s, slen, dec, &declen) != WRIT_OK || declen != WRIT_ED25519_PUB)
		return false;
	memcpy(out->pub, dec, WRIT_ED25519_PUB);
	if (!EAT(&c, ",\"hmac_key_id\":\"") || !take_until_quote(&c, AUDIT_KEY_ID_LEN, &s, &slen) ||
	    slen != AUDIT_KEY_ID_LEN || !is_hex_lower(s, slen) || !EAT(&c, "}") || c.p != c.end)
		return false;
	memcpy(out->key_id, s, AUDIT_KEY_ID_LEN);
	out->key_id[AUDIT_KEY_ID_LEN] = '\0';
	return true;
}

size_t
audit_ckpt_msg(char out[AUDIT_CKPT_MSG_MAX], uint64_t seq, const char *prevhex, const char *time,
    size_t timelen)
{
	int n;

	if (timelen >= AUDIT_TIME_MAX)
		timelen = AUDIT_TIME_MAX - 1;
	n = snprintf(out, AUDIT_CKPT_MSG_MAX, "%s%" PRIu64 "\n%.*s\n%.*s", AUDIT_CKPT_CONTEXT, seq,
	    AUDIT_HEX_LEN, prevhex, (int)timelen, time);
	if (n < 0 || (size_t)n >= AUDIT_CKPT_MSG_MAX)
		return 0;
	return (size_t)n;
}

void
audit_key_id(const unsigned char key[WRIT_AUDIT_HMAC_KEY_LEN], char out[AUDIT_KEY_ID_LEN + 1])
{
	unsigned char h[WRIT_SHA256_LEN];
	char hex[AUDIT_HEX_LEN + 1];

	writ_sha256(key, WRIT_AUDIT_HMAC_KEY_LEN, h);
	writ_hex_encode(h, sizeof(h), hex);
	memcpy(out, hex, AUDIT_KEY_ID_LEN);
	out[AUDIT_KEY_ID_LEN] = '\0';
}
