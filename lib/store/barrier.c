/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The barrier: the keyring (every term's AES-256 key, kept in secure memory)
 * with its serialised form, sealed by the root key, and the record format of
 * every logical value,
 *
 *	term(4, big-endian) || nonce(12) || ciphertext || tag(16)
 *
 * encrypted under keyring[term] with the logical key as associated data, so
 * that a record copied to another key, or to another term, fails to decrypt.
 * The term is authenticated implicitly: a changed term selects another key.
 */
#include <string.h>

#include "store/store_int.h"

#define KR_VERSION   1
#define KR_HDR_LEN   9 /* version(1) || active(4) || count(4) */
#define KR_ENTRY_LEN (4 + WRIT_AEAD_KEY_LEN)

static size_t keyring_size(size_t n);
static uint32_t get_be32(const unsigned char *p);
static void put_be32(unsigned char *p, uint32_t v);

static size_t
keyring_size(size_t n)
{
	return sizeof(struct keyring) + n * sizeof(struct keyring_term);
}

static uint32_t
get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* ---------------------------------------------------------------------------
 * Keyring.
 */
struct keyring *
keyring_alloc(size_t n)
{
	struct keyring *kr;

	if (n > KEYRING_MAX_TERMS)
		return NULL;
	if ((kr = writ_secmem_alloc(keyring_size(n))) == NULL)
		return NULL;
	memset(kr, 0, keyring_size(n));
	kr->cap = n;
	return kr;
}

void
keyring_free(struct keyring *kr)
{
	if (kr != NULL)
		writ_secmem_free(kr, keyring_size(kr->cap));
}

writ_rc
keyring_rotate(const struct keyring *kr, struct keyring **out)
{
	struct keyring *nk;
	uint32_t term;
	writ_rc rc;

	if (kr->nterms == 0 || kr->nterms >= KEYRING_MAX_TERMS)
		return WRIT_ELIMIT;
	term = kr->terms[kr->nterms - 1].term;
	if (term == UINT32_MAX)
		return WRIT_ELIMIT;
	if ((nk = keyring_alloc(kr->nterms + 1)) == NULL)
		return WRIT_ENOMEM;
	memcpy(nk->terms, kr->terms, kr->nterms * sizeof(kr->terms[0]));
	nk->nterms = kr->nterms + 1;
	nk->terms[kr->nterms].term = term + 1;
	nk->active = term + 1;
	rc = writ_random(nk->terms[kr->nterms].key, WRIT_AEAD_KEY_LEN);
	if (rc != WRIT_OK) {
		keyring_free(nk);
		return rc;
	}
	*out = nk;
	return WRIT_OK;
}

/* Binary search; terms are public, so branching on them is fine. */
const unsigned char *
keyring_key(const struct keyring *kr, uint32_t term)
{
	size_t lo = 0, hi = kr->nterms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (kr->terms[mid].term == term)
			return kr->terms[mid].key;
		if (kr->terms[mid].term < term)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

writ_rc
keyring_encode(const struct keyring *kr, unsigned char **out, size_t *len)
{
	unsigned char *p;
	size_t n = kr->nterms, total, i;

	if (n > KEYRING_MAX_TERMS)
		return WRIT_ELIMIT;
	total = KR_HDR_LEN + n * KR_ENTRY_LEN;
	if ((p = writ_malloc(total)) == NULL)
		return WRIT_ENOMEM;
	p[0] = KR_VERSION;
	put_be32(p + 1, kr->active);
	put_be32(p + 5, (uint32_t)n);
	for (i = 0; i < n; i++) {
		unsigned char *e = p + KR_HDR_LEN + i * KR_ENTRY_LEN;

		put_be32(e, kr->terms[i].term);
		memcpy(e + 4, kr->terms[i].key, WRIT_AEAD_KEY_LEN);
	}
	*out = p;
	*len = total;
	return WRIT_OK;
}

writ_rc
keyring_decode(const unsigned char *p, size_t len, struct keyring **out)
{
	struct keyring *kr = NULL;
	uint32_t count, prev = 0;
	size_t i;

	if (len < KR_HDR_LEN || p[0] != KR_VERSION)
		return WRIT_ECRYPTO;
	count = get_be32(p + 5);
	if (count == 0 || count > KEYRING_MAX_TERMS || (len - KR_HDR_LEN) / KR_ENTRY_LEN != count ||
	    (len - KR_HDR_LEN) % KR_ENTRY_LEN)
		return WRIT_ECRYPTO;
	if ((kr = keyring_alloc(count)) == NULL)
		return WRIT_ENOMEM;
	kr->nterms = count;
	kr->active = get_be32(p + 1);
	for (i = 0; i < count; i++) {
		const unsigned char *e = p + KR_HDR_LEN + i * KR_ENTRY_LEN;

		kr->terms[i].term = get_be32(e);
		memcpy(kr->terms[i].key, e + 4, WRIT_AEAD_KEY_LEN);
		if (kr->terms[i].term <= prev)
			goto bad;
		prev = kr->terms[i].term;
	}
	if (keyring_key(kr, kr->active) == NULL)
		goto bad;
	*out = kr;
	return WRIT_OK;
bad:
	keyring_free(kr);
	return WRIT_ECRYPTO;
}

writ_rc
keyring_seal(const struct keyring *kr, const unsigned char root[WRIT_ROOT_KEY_LEN],
    unsigned char **out, size_t *len)
{
	unsigned char *plain = NULL, *rec = NULL;
	size_t plen = 0;
	writ_rc rc;

	if ((rc = keyring_encode(kr, &plain, &plen)) != WRIT_OK)
		goto out;
	rc = WRIT_ENOMEM;
	if ((rec = writ_malloc(plen + WRIT_AEAD_NONCE + WRIT_AEAD_TAG)) == NULL)
		goto out;
	rc = writ_aead_seal(root, STORE_KEY_KEYRING, strlen(STORE_KEY_KEYRING), plain, plen, rec);
	if (rc != WRIT_OK)
		goto out;
	*out = rec;
	*len = plen + WRIT_AEAD_NONCE + WRIT_AEAD_TAG;
	rec = NULL;
out:
	writ_memzero(plain, plen);
	writ_free(plain);
	writ_free(rec);
	return rc;
}

writ_rc
keyring_unseal(const unsigned char *rec, size_t len, const unsigned char root[WRIT_ROOT_KEY_LEN],
    struct keyring **out)
{
	unsigned char *plain = NULL;
	size_t plen = 0;
	writ_rc rc = WRIT_ECRYPTO;

	if (len < WRIT_AEAD_NONCE + WRIT_AEAD_TAG + KR_HDR_LEN)
		goto out;
	plen = len - WRIT_AEAD_NONCE - WRIT_AEAD_TAG;
	rc = WRIT_ENOMEM;
	if ((plain = writ_secmem_alloc(plen)) == NULL)
		goto out;
	rc = writ_aead_open(root, STORE_KEY_KEYRING, strlen(STORE_KEY_KEYRING), rec, len, plain);
	if (rc != WRIT_OK)
		goto out;
	rc = keyring_decode(plain, plen, out);
out:
	writ_secmem_free(plain, plen);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Records.
 */
writ_rc
barrier_seal(const struct keyring *kr, const char *key, const void *val, size_t len,
    unsigned char **out, size_t *outlen)
{
	const unsigned char *k = keyring_key(kr, kr->active);
	unsigned char *rec;
	size_t total;
	writ_rc rc;

	if (!WRIT_ALWAYS(k != NULL))
		return WRIT_EINTERNAL;
	if (__builtin_add_overflow(len, BARRIER_OVERHEAD, &total))
		return WRIT_ETOOBIG;
	if ((rec = writ_malloc(total)) == NULL)
		return WRIT_ENOMEM;
	put_be32(rec, kr->active);
	rc = writ_aead_seal(k, key, strlen(key), val, len, rec + BARRIER_TERM_LEN);
	if (rc != WRIT_OK) {
		writ_free(rec);
		return rc;
	}
	*out = rec;
	*outlen = total;
	return WRIT_OK;
}

writ_rc
barrier_open(const struct keyring *kr, const char *key, const unsigned char *rec, size_t len,
    unsigned char *out, size_t *outlen)
{
	const unsigned char *k;
	writ_rc rc;

	if (len < BARRIER_OVERHEAD)
		return WRIT_ECRYPTO;
	if ((k = keyring_key(kr, get_be32(rec))) == NULL)
		return WRIT_ECRYPTO;
	rc = writ_aead_open(
	    k, key, strlen(key), rec + BARRIER_TERM_LEN, len - BARRIER_TERM_LEN, out);
	if (rc != WRIT_OK)
		return rc;
	*outlen = len - BARRIER_OVERHEAD;
	return WRIT_OK;
}
