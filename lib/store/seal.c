/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seal state: initialisation (root key, first keyring term, Shamir shares),
 * unsealing from shares or from the root key, sealing, and keyring rotation.
 *
 * The root key is made by writ_store_init, split, and never stored.  While
 * unsealed it is kept in secure memory (rotation re-encrypts the keyring
 * under it) next to the keyring; both are wiped on seal.  Unseal shares are
 * collected in secure memory and wiped once the threshold is reached,
 * whatever the outcome.
 *
 * Each operation here takes wmu, then klock for writing, so that it sees and
 * writes the keyring through the writer connection, including a batch not
 * yet durable, and excludes transactions while the keyring changes.
 */
#include <string.h>

#include "store/store_int.h"

#define SHARES_BUF (255u * WRIT_SHARE_LEN)

static void progress_wipe(struct writ_store *s);
static writ_rc load_keyring(struct writ_store *s, unsigned char *root, struct writ_err *err);
static writ_rc init_write(struct writ_store *s, unsigned n, unsigned t, const unsigned char *root,
    uint64_t *seq, struct writ_err *err);
static writ_rc unseal_combine(struct writ_store *s, struct writ_err *err);

static void
progress_wipe(struct writ_store *s)
{
	if (s->shares != NULL)
		writ_memzero(s->shares, SHARES_BUF);
	s->nshares = 0;
}

void
store_seal_free(struct writ_store *s)
{
	keyring_free(s->kr);
	s->kr = NULL;
	writ_secmem_free(s->root, WRIT_ROOT_KEY_LEN);
	s->root = NULL;
	writ_secmem_free(s->shares, SHARES_BUF);
	s->shares = NULL;
	s->nshares = 0;
}

writ_rc
store_seal_load(struct writ_store *s, struct writ_err *err)
{
	unsigned char *cfg = NULL;
	size_t len = 0;
	writ_rc rc;

	rc = store_raw_get_locked(s, STORE_KEY_SEAL_CONFIG, &cfg, &len, err);
	if (rc == WRIT_ENOTFOUND)
		return WRIT_OK;
	if (rc != WRIT_OK)
		return rc;
	if (len != SEAL_CONFIG_LEN || cfg[0] != SEAL_CONFIG_VERSION || cfg[1] == 0 || cfg[2] == 0 ||
	    cfg[2] > cfg[1]) {
		writ_log(WRIT_LOG_ERROR, "store: malformed seal configuration");
		rc = WRIT_ERR(err, WRIT_EDB, "storage error");
		goto out;
	}
	s->initialized = true;
	s->n = cfg[1];
	s->t = cfg[2];
out:
	writ_free(cfg);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Initialisation.
 */

/* Make keyring term 1, seal it under root and write it with the seal
 * configuration in one transaction. */
static writ_rc
init_write(struct writ_store *s, unsigned n, unsigned t, const unsigned char *root, uint64_t *seq,
    struct writ_err *err)
{
	static const char *const keys[] = {STORE_KEY_SEAL_CONFIG, STORE_KEY_KEYRING};
	unsigned char cfg[SEAL_CONFIG_LEN] = {
	    SEAL_CONFIG_VERSION, (unsigned char)n, (unsigned char)t};
	const unsigned char *vals[2];
	struct keyring *kr = NULL;
	unsigned char *rec = NULL;
	size_t lens[2], rlen = 0;
	writ_rc rc;

	rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	if ((kr = keyring_alloc(1)) == NULL)
		goto out;
	kr->nterms = 1;
	kr->active = kr->terms[0].term = 1;
	if ((rc = writ_random(kr->terms[0].key, WRIT_AEAD_KEY_LEN)) != WRIT_OK ||
	    (rc = keyring_seal(kr, root, &rec, &rlen)) != WRIT_OK) {
		rc = WRIT_ERR(err, rc, "cannot make the keyring");
		goto out;
	}
	vals[0] = cfg;
	lens[0] = sizeof(cfg);
	vals[1] = rec;
	lens[1] = rlen;
	rc = store_raw_put_locked(s, keys, vals, lens, 2, seq, err);
out:
	keyring_free(kr);
	writ_free(rec);
	return rc;
}

writ_rc
writ_store_init(struct writ_store *s, unsigned shares, unsigned threshold,
    unsigned char *shares_out, struct writ_err *err)
{
	unsigned char *root = NULL;
	uint64_t seq = 0;
	bool split = false;
	writ_rc rc;

	if (threshold < 1 || threshold > shares || shares > 255 || shares_out == NULL)
		return WRIT_ERR(err, WRIT_EINVAL, "need 1 <= threshold <= shares <= 255");
	pthread_mutex_lock(&s->wmu);
	pthread_rwlock_wrlock(&s->klock);
	if (s->initialized) {
		rc = WRIT_ERR(err, WRIT_ECONFLICT, "already initialized");
		goto out;
	}
	rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	if ((root = writ_secmem_alloc(WRIT_ROOT_KEY_LEN)) == NULL)
		goto out;
	split = true;
	if ((rc = writ_random(root, WRIT_ROOT_KEY_LEN)) != WRIT_OK ||
	    (rc = writ_shamir_split(root, WRIT_ROOT_KEY_LEN, shares, threshold, shares_out)) !=
	        WRIT_OK) {
		rc = WRIT_ERR(err, rc, "cannot make the root key");
		goto out;
	}
	if ((rc = init_write(s, shares, threshold, root, &seq, err)) != WRIT_OK)
		goto out;
	s->initialized = true;
	s->n = shares;
	s->t = threshold;
out:
	pthread_rwlock_unlock(&s->klock);
	pthread_mutex_unlock(&s->wmu);
	writ_secmem_free(root, WRIT_ROOT_KEY_LEN);
	if (rc == WRIT_OK)
		rc = writ_store_sync(s, seq, err);
	if (rc != WRIT_OK && split) /* shares of a root key that does not exist */
		writ_memzero(shares_out, (size_t)shares * WRIT_SHARE_LEN);
	return rc;
}

void
writ_store_seal_status(struct writ_store *s, struct writ_seal_status *out)
{
	pthread_rwlock_rdlock(&s->klock);
	out->initialized = s->initialized;
	out->sealed = s->kr == NULL;
	out->threshold = s->t;
	out->shares = s->n;
	out->progress = s->nshares;
	out->term = s->kr != NULL ? s->kr->active : 0;
	pthread_rwlock_unlock(&s->klock);
}

/* ---------------------------------------------------------------------------
 * Unseal and seal.
 */

/*
 * Decrypt the keyring with root; on success the store owns root (secure
 * memory) and is unsealed.  A wrong root is WRIT_EDENIED.  Holds wmu and
 * klock (write).
 */
static writ_rc
load_keyring(struct writ_store *s, unsigned char *root, struct writ_err *err)
{
	unsigned char *rec = NULL;
	size_t len = 0;
	writ_rc rc;

	rc = store_raw_get_locked(s, STORE_KEY_KEYRING, &rec, &len, err);
	if (rc == WRIT_ENOTFOUND) {
		writ_log(WRIT_LOG_ERROR, "store: keyring missing");
		rc = WRIT_ERR(err, WRIT_EDB, "storage error");
	}
	if (rc != WRIT_OK)
		goto out;
	rc = keyring_unseal(rec, len, root, &s->kr);
	if (rc == WRIT_ECRYPTO)
		rc = WRIT_ERR(err, WRIT_EDENIED, "unseal failed: wrong key or shares");
	else if (rc != WRIT_OK)
		rc = WRIT_ERR(err, rc, "cannot load the keyring");
	else {
		s->root = root;
		atomic_fetch_add(&s->commit_gen, 1);
		store_watch_bump(s, ~0u);
	}
out:
	writ_free(rec);
	return rc;
}

/* Threshold reached: rebuild the root key and try it.  Holds both locks. */
static writ_rc
unseal_combine(struct writ_store *s, struct writ_err *err)
{
	unsigned char *root;
	writ_rc rc;

	if ((root = writ_secmem_alloc(WRIT_ROOT_KEY_LEN)) == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	rc = writ_shamir_combine(s->shares, s->nshares, WRIT_SHARE_LEN, root);
	if (rc == WRIT_OK)
		rc = load_keyring(s, root, err);
	else
		rc = WRIT_ERR(err, rc, "invalid shares");
	if (rc != WRIT_OK)
		writ_secmem_free(root, WRIT_ROOT_KEY_LEN);
	return rc;
}

writ_rc
writ_store_unseal(struct writ_store *s, const unsigned char *share, size_t len, bool *unsealed,
    struct writ_err *err)
{
	unsigned i;
	writ_rc rc = WRIT_OK;

	if (share == NULL || len != WRIT_SHARE_LEN || share[WRIT_ROOT_KEY_LEN] == 0)
		return WRIT_ERR(err, WRIT_EINVAL, "malformed unseal share");
	pthread_mutex_lock(&s->wmu);
	pthread_rwlock_wrlock(&s->klock);
	if (!s->initialized) {
		rc = WRIT_ERR(err, WRIT_EINVAL, "not initialized");
		goto out;
	}
	if (s->kr != NULL)
		goto out;
	/* The x coordinate is public: a plain comparison is fine. */
	for (i = 0; i < s->nshares; i++)
		if (s->shares[i * WRIT_SHARE_LEN + WRIT_ROOT_KEY_LEN] == share[WRIT_ROOT_KEY_LEN]) {
			rc = WRIT_ERR(err, WRIT_EINVAL, "share already given");
			goto out;
		}
	if (s->shares == NULL && (s->shares = writ_secmem_alloc(SHARES_BUF)) == NULL) {
		rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(s->shares + s->nshares * WRIT_SHARE_LEN, share, WRIT_SHARE_LEN);
	if (++s->nshares < s->t)
		goto out;
	rc = unseal_combine(s, err);
	if (rc == WRIT_OK || rc == WRIT_EDENIED) {
		progress_wipe(s); /* success, or a wrong set: start over */
	} else {
		/* A transient failure (memory, storage): as if this share never came. */
		s->nshares--;
		writ_memzero(s->shares + s->nshares * WRIT_SHARE_LEN, WRIT_SHARE_LEN);
	}
out:
	if (rc == WRIT_OK && unsealed != NULL)
		*unsealed = s->kr != NULL;
	pthread_rwlock_unlock(&s->klock);
	pthread_mutex_unlock(&s->wmu);
	return rc;
}

void
writ_store_unseal_reset(struct writ_store *s)
{
	pthread_rwlock_wrlock(&s->klock);
	progress_wipe(s);
	pthread_rwlock_unlock(&s->klock);
}

writ_rc
writ_store_unseal_root(
    struct writ_store *s, const unsigned char root[WRIT_ROOT_KEY_LEN], struct writ_err *err)
{
	unsigned char *copy = NULL;
	writ_rc rc = WRIT_OK;

	if (root == NULL)
		return WRIT_ERR(err, WRIT_EINVAL, "missing root key");
	pthread_mutex_lock(&s->wmu);
	pthread_rwlock_wrlock(&s->klock);
	if (!s->initialized) {
		rc = WRIT_ERR(err, WRIT_EINVAL, "not initialized");
		goto out;
	}
	if (s->kr != NULL)
		goto out;
	if ((copy = writ_secmem_alloc(WRIT_ROOT_KEY_LEN)) == NULL) {
		rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(copy, root, WRIT_ROOT_KEY_LEN);
	if ((rc = load_keyring(s, copy, err)) != WRIT_OK)
		writ_secmem_free(copy, WRIT_ROOT_KEY_LEN);
	else
		progress_wipe(s);
out:
	pthread_rwlock_unlock(&s->klock);
	pthread_mutex_unlock(&s->wmu);
	return rc;
}

void
writ_store_seal(struct writ_store *s)
{
	pthread_rwlock_wrlock(&s->klock);
	keyring_free(s->kr);
	s->kr = NULL;
	writ_secmem_free(s->root, WRIT_ROOT_KEY_LEN);
	s->root = NULL;
	progress_wipe(s);
	atomic_fetch_add(&s->commit_gen, 1);
	store_watch_bump(s, ~0u);
	pthread_rwlock_unlock(&s->klock);
}

/* ---------------------------------------------------------------------------
 * Rotation.
 */
writ_rc
writ_store_rotate(struct writ_store *s, uint32_t *term, struct writ_err *err)
{
	static const char *const keys[] = {STORE_KEY_KEYRING};
	struct keyring *nk = NULL;
	unsigned char *rec = NULL;
	const unsigned char *vals[1];
	size_t rlen = 0;
	uint64_t seq = 0;
	uint32_t nterm = 0;
	writ_rc rc;

	pthread_mutex_lock(&s->wmu);
	pthread_rwlock_wrlock(&s->klock);
	if (s->kr == NULL) {
		rc = WRIT_ERR(err, WRIT_ESEALED, "store is sealed");
		goto out;
	}
	if ((rc = keyring_rotate(s->kr, &nk)) != WRIT_OK ||
	    (rc = keyring_seal(nk, s->root, &rec, &rlen)) != WRIT_OK) {
		rc = WRIT_ERR(err, rc, "cannot rotate the keyring");
		goto out;
	}
	vals[0] = rec;
	if ((rc = store_raw_put_locked(s, keys, vals, &rlen, 1, &seq, err)) != WRIT_OK)
		goto out;
	keyring_free(s->kr);
	s->kr = nk;
	nk = NULL;
	nterm = s->kr->active;
out:
	pthread_rwlock_unlock(&s->klock);
	pthread_mutex_unlock(&s->wmu);
	keyring_free(nk);
	writ_free(rec);
	if (rc == WRIT_OK)
		rc = writ_store_sync(s, seq, err);
	if (rc == WRIT_OK && term != NULL)
		*term = nterm;
	return rc;
}
