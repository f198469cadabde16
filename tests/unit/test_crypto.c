/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/crypto: SHA-256 and HMAC-SHA256 (RFC 4231) and HKDF
 * (RFC 5869) known answers, AES-256-GCM round trips and tamper detection,
 * Shamir split/combine over every t-of-n subset for small n plus a field
 * known answer (FIPS-197 products), hex and base64 codecs (RFC 4648 vectors,
 * strict rejects, round trips), secure memory, Ed25519 (RFC 8032 test 1).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "writ/crypto.h"

/* Decode a hex literal of a test vector into buf; returns its length. */
static size_t
unhex(const char *hex, unsigned char *buf, size_t cap)
{
	size_t len = strlen(hex);

	assert_true(len / 2 <= cap);
	assert_int_equal(writ_hex_decode(hex, len, buf), WRIT_OK);
	return len / 2;
}

static void
assert_hex(const unsigned char *p, size_t len, const char *want)
{
	char hex[512];

	assert_true(2 * len + 1 <= sizeof(hex));
	writ_hex_encode(p, len, hex);
	assert_string_equal(hex, want);
}

/* ---------------------------------------------------------------------------
 * Hashes, MAC, KDF.
 */
static void
test_sha256(void **state)
{
	unsigned char md[WRIT_SHA256_LEN];

	(void)state;
	writ_sha256("abc", 3, md);
	assert_hex(
	    md, sizeof(md), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	writ_sha256(NULL, 0, md);
	assert_hex(
	    md, sizeof(md), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void
test_hmac_rfc4231(void **state)
{
	static const struct {
		const char *key, *data, *mac; /* key and data in hex */
	} cases[] = {
	    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
	        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
	    {"4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
	        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
	    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	        "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
	        "dddddddddddddddddddddddddddddddddddd",
	        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
	    {"0102030405060708090a0b0c0d0e0f10111213141516171819",
	        "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
	        "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
	        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
	};
	unsigned char key[256], data[256], mac[WRIT_SHA256_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		size_t klen = unhex(cases[i].key, key, sizeof(key));
		size_t dlen = unhex(cases[i].data, data, sizeof(data));

		writ_hmac_sha256(key, klen, data, dlen, mac);
		assert_hex(mac, sizeof(mac), cases[i].mac);
	}
}

/* RFC 4231 cases 6 and 7: keys longer than the block size. */
/* A prepared key gives the same MAC as the one-shot function, for every key and data length. */
static void
test_hmac_prepared(void **state)
{
	static const size_t keylens[] = {0, 1, 20, 32, 64, 65, 131};
	unsigned char key[131], data[300], a[WRIT_SHA256_LEN], b[WRIT_SHA256_LEN];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)(i * 7 + 3);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 13 + 1);
	for (i = 0; i < sizeof(keylens) / sizeof(keylens[0]); i++) {
		struct writ_hmac_key *k = NULL;

		assert_int_equal(writ_hmac_key_new(key, keylens[i], &k), WRIT_OK);
		for (len = 0; len <= sizeof(data); len += 37) {
			writ_hmac_sha256(key, keylens[i], data, len, a);
			writ_hmac_key_compute(k, data, len, b);
			assert_memory_equal(a, b, sizeof(a));
		}
		writ_hmac_key_free(k);
	}
}

static void
test_hmac_rfc4231_long_key(void **state)
{
	static const struct {
		const char *data, *mac;
	} cases[] = {
	    {"Test Using Larger Than Block-Size Key - Hash Key First",
	        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
	    {"This is a test using a larger than block-size key and a larger than "
	     "block-size data. The key needs to be hashed before being used by the "
	     "HMAC algorithm.",
	        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
	};
	unsigned char key[131], mac[WRIT_SHA256_LEN];
	size_t i;

	(void)state;
	memset(key, 0xaa, sizeof(key));
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		writ_hmac_sha256(key, sizeof(key), cases[i].data, strlen(cases[i].data), mac);
		assert_hex(mac, sizeof(mac), cases[i].mac);
	}
}

static void
test_hkdf_rfc5869(void **state)
{
	static const struct {
		const char *ikm, *salt, *info, *okm;
	} cases[] = {
	    /* Test case 1. */
	    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c",
	        "f0f1f2f3f4f5f6f7f8f9",
	        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	        "34007208d5b887185865"},
	    /* Test case 3: empty salt and info. */
	    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
	        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	        "9d201395faa4b61a96c8"},
	};
	unsigned char ikm[64], salt[64], info[64], okm[64], out[64];
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		size_t il = unhex(cases[i].ikm, ikm, sizeof(ikm));
		size_t sl = unhex(cases[i].salt, salt, sizeof(salt));
		size_t nl = unhex(cases[i].info, info, sizeof(info));
		size_t ol = unhex(cases[i].okm, okm, sizeof(okm));

		assert_int_equal(writ_hkdf_sha256(ikm, il, salt, sl, info, nl, out, ol), WRIT_OK);
		assert_memory_equal(out, okm, ol);
	}
	assert_int_equal(writ_hkdf_sha256(ikm, 22, NULL, 0, NULL, 0, out, 0), WRIT_EINVAL);
}

/* ---------------------------------------------------------------------------
 * Random, constant-time compare.
 */
static void
test_random_ct_eq(void **state)
{
	unsigned char a[32] = {0}, b[32] = {0};

	(void)state;
	assert_int_equal(writ_random(a, 0), WRIT_OK);
	assert_int_equal(writ_random(a, sizeof(a)), WRIT_OK);
	assert_int_equal(writ_random(b, sizeof(b)), WRIT_OK);
	assert_false(writ_ct_eq(a, b, sizeof(a)));
	memcpy(b, a, sizeof(a));
	assert_true(writ_ct_eq(a, b, sizeof(a)));
	b[31] ^= 1;
	assert_false(writ_ct_eq(a, b, sizeof(a)));
	assert_true(writ_ct_eq(a, b, 0));
}

/*
 * The per-thread pool: many small draws never repeat (1000 x 16 bytes), sizes
 * around the pool's edges work, and a forked child does not hand out the
 * bytes its parent will.
 */
static void
test_random_pool(void **state)
{
	static unsigned char seen[1000][16];
	unsigned char big[4096], p[16], c[16];
	size_t i, j, n;
	int fds[2], st;
	pid_t pid;

	(void)state;
	for (i = 0; i < 1000; i++) {
		assert_int_equal(writ_random(seen[i], 16), WRIT_OK);
		for (j = 0; j < i; j++)
			assert_false(memcmp(seen[i], seen[j], 16) == 0);
	}
	for (n = 1; n <= 65; n += 16)
		assert_int_equal(writ_random(big, n), WRIT_OK);
	assert_int_equal(writ_random(big, sizeof(big)), WRIT_OK);
	assert_int_equal(writ_random(p, 1), WRIT_OK); /* leave the pool part used */
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		_exit(writ_random(c, sizeof(c)) == WRIT_OK && write(fds[1], c, sizeof(c)) == 16 ? 0 : 1);
	}
	assert_int_equal(writ_random(p, sizeof(p)), WRIT_OK);
	assert_int_equal(read(fds[0], c, sizeof(c)), 16);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_false(memcmp(p, c, sizeof(p)) == 0);
	close(fds[0]);
	close(fds[1]);
}

/* ---------------------------------------------------------------------------
 * AEAD.
 */
static void
test_aead(void **state)
{
	static const size_t lens[] = {0, 1, 15, 16, 17, 1000};
	unsigned char key[WRIT_AEAD_KEY_LEN], key2[WRIT_AEAD_KEY_LEN];
	unsigned char pt[1000], ct[1000 + 28], out[1000];
	size_t i, j;

	(void)state;
	assert_int_equal(writ_random(key, sizeof(key)), WRIT_OK);
	memcpy(key2, key, sizeof(key));
	key2[0] ^= 0x80;
	assert_int_equal(writ_random(pt, sizeof(pt)), WRIT_OK);
	for (i = 0; i < WRIT_ARRAY_LEN(lens); i++) {
		size_t len = lens[i], clen = len + 28;

		assert_int_equal(writ_aead_seal(key, "aad", 3, pt, len, ct), WRIT_OK);
		assert_int_equal(writ_aead_open(key, "aad", 3, ct, clen, out), WRIT_OK);
		assert_memory_equal(out, pt, len);
		/* Every byte: nonce, ciphertext and tag are all authenticated. */
		for (j = 0; j < clen; j++) {
			ct[j] ^= 0x01;
			assert_int_equal(
			    writ_aead_open(key, "aad", 3, ct, clen, out), WRIT_ECRYPTO);
			ct[j] ^= 0x01;
		}
		assert_int_equal(writ_aead_open(key, "aae", 3, ct, clen, out), WRIT_ECRYPTO);
		assert_int_equal(writ_aead_open(key, "aad", 2, ct, clen, out), WRIT_ECRYPTO);
		assert_int_equal(writ_aead_open(key, NULL, 0, ct, clen, out), WRIT_ECRYPTO);
		assert_int_equal(writ_aead_open(key2, "aad", 3, ct, clen, out), WRIT_ECRYPTO);
		assert_int_equal(writ_aead_open(key, "aad", 3, ct, clen - 1, out), WRIT_ECRYPTO);
	}
	assert_int_equal(writ_aead_open(key, NULL, 0, ct, 27, out), WRIT_ECRYPTO);
}

/* Two seals of the same plaintext differ (random nonce). */
static void
test_aead_nonce_unique(void **state)
{
	unsigned char key[WRIT_AEAD_KEY_LEN] = {1}, c1[40], c2[40];

	(void)state;
	assert_int_equal(writ_aead_seal(key, NULL, 0, "hello world!", 12, c1), WRIT_OK);
	assert_int_equal(writ_aead_seal(key, NULL, 0, "hello world!", 12, c2), WRIT_OK);
	assert_memory_not_equal(c1, c2, WRIT_AEAD_NONCE);
}

/* ---------------------------------------------------------------------------
 * Shamir.
 */
#define SECRET_LEN 32
#define SHARE_LEN  (SECRET_LEN + 1)

/* Combine the shares selected by mask and compare with secret. */
static bool
combine_mask(const unsigned char *shares, unsigned n, unsigned mask, const unsigned char *secret)
{
	unsigned char pick[5 * SHARE_LEN], out[SECRET_LEN];
	unsigned i, k = 0;

	for (i = 0; i < n; i++)
		if (mask & (1u << i))
			memcpy(pick + SHARE_LEN * k++, shares + SHARE_LEN * i, SHARE_LEN);
	assert_int_equal(writ_shamir_combine(pick, k, SHARE_LEN, out), WRIT_OK);
	return memcmp(out, secret, SECRET_LEN) == 0;
}

static void
test_shamir_subsets(void **state)
{
	unsigned char secret[SECRET_LEN], shares[5 * SHARE_LEN];
	unsigned n, t, mask, i;

	(void)state;
	for (n = 1; n <= 5; n++) {
		for (t = 1; t <= n; t++) {
			assert_int_equal(writ_random(secret, sizeof(secret)), WRIT_OK);
			assert_int_equal(
			    writ_shamir_split(secret, SECRET_LEN, n, t, shares), WRIT_OK);
			for (i = 0; i < n; i++)
				assert_int_equal(shares[i * SHARE_LEN + SECRET_LEN], i + 1);
			for (mask = 1; mask < (1u << n); mask++) {
				unsigned k = (unsigned)__builtin_popcount(mask);

				/* t or more rebuild it; fewer give another value. */
				assert_int_equal(combine_mask(shares, n, mask, secret), k >= t);
			}
		}
	}
}

static void
test_shamir_rejects(void **state)
{
	unsigned char secret[SECRET_LEN] = {7}, shares[3 * SHARE_LEN], out[SECRET_LEN];

	(void)state;
	assert_int_equal(writ_shamir_split(secret, SECRET_LEN, 3, 2, shares), WRIT_OK);
	/* Duplicate x. */
	memcpy(shares + SHARE_LEN, shares, SHARE_LEN);
	assert_int_equal(writ_shamir_combine(shares, 2, SHARE_LEN, out), WRIT_EINVAL);
	/* Same x, different y: still a duplicate. */
	shares[SHARE_LEN] ^= 1;
	assert_int_equal(writ_shamir_combine(shares, 2, SHARE_LEN, out), WRIT_EINVAL);
	/* x = 0 would reveal the secret. */
	shares[SECRET_LEN] = 0;
	assert_int_equal(writ_shamir_combine(shares, 1, SHARE_LEN, out), WRIT_EINVAL);
	assert_int_equal(writ_shamir_combine(shares, 0, SHARE_LEN, out), WRIT_EINVAL);
	assert_int_equal(writ_shamir_combine(shares, 1, 1, out), WRIT_EINVAL);
	assert_int_equal(writ_shamir_split(secret, SECRET_LEN, 2, 3, shares), WRIT_EINVAL);
	assert_int_equal(writ_shamir_split(secret, SECRET_LEN, 256, 2, shares), WRIT_EINVAL);
	assert_int_equal(writ_shamir_split(secret, SECRET_LEN, 3, 0, shares), WRIT_EINVAL);
	assert_int_equal(writ_shamir_split(secret, 0, 3, 2, shares), WRIT_EINVAL);
}

/*
 * Field known answer: f(x) = s + {57} x.  FIPS-197 gives {57}{83} = {c1} and
 * {57}{13} = {fe}, so the shares at x = {83} and {13} are s ^ {c1} and
 * s ^ {fe}; combine must give s back only if it computes in the AES field.
 */
static void
test_shamir_field_kat(void **state)
{
	unsigned char shares[4], out[1];
	unsigned s;

	(void)state;
	for (s = 0; s < 256; s += 17) {
		shares[0] = (unsigned char)(s ^ 0xc1);
		shares[1] = 0x83;
		shares[2] = (unsigned char)(s ^ 0xfe);
		shares[3] = 0x13;
		assert_int_equal(writ_shamir_combine(shares, 2, 2, out), WRIT_OK);
		assert_int_equal(out[0], s);
	}
}

/* n = 255 with t = 255 and a large threshold subset. */
static void
test_shamir_max(void **state)
{
	unsigned char secret[4] = {1, 2, 3, 4}, out[4];
	unsigned char *shares = malloc(255 * 5);

	(void)state;
	assert_non_null(shares);
	assert_int_equal(writ_shamir_split(secret, 4, 255, 255, shares), WRIT_OK);
	assert_int_equal(writ_shamir_combine(shares, 255, 5, out), WRIT_OK);
	assert_memory_equal(out, secret, 4);
	assert_int_equal(writ_shamir_combine(shares, 254, 5, out), WRIT_OK);
	assert_memory_not_equal(out, secret, 4);
	free(shares);
}

/* ---------------------------------------------------------------------------
 * Codecs.
 */
static void
test_hex(void **state)
{
	static const struct {
		const char *in;
		writ_rc rc;
		const char *canon; /* lower-case re-encoding */
	} cases[] = {
	    {"", WRIT_OK, ""},
	    {"00ff10", WRIT_OK, "00ff10"},
	    {"ABCDEF09", WRIT_OK, "abcdef09"},
	    {"aBcD", WRIT_OK, "abcd"},
	    {"0", WRIT_EINVAL, NULL},
	    {"0g", WRIT_EINVAL, NULL},
	    {"G0", WRIT_EINVAL, NULL},
	    {"@0", WRIT_EINVAL, NULL},
	    {"`0", WRIT_EINVAL, NULL},
	    {"0/", WRIT_EINVAL, NULL},
	    {"0:", WRIT_EINVAL, NULL},
	    {" 0", WRIT_EINVAL, NULL},
	    {"\xff\xff", WRIT_EINVAL, NULL},
	};
	unsigned char buf[16];
	char hex[64];
	size_t i;
	unsigned v;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		size_t len = strlen(cases[i].in);

		assert_int_equal(writ_hex_decode(cases[i].in, len, buf), cases[i].rc);
		if (cases[i].rc != WRIT_OK)
			continue;
		writ_hex_encode(buf, len / 2, hex);
		assert_string_equal(hex, cases[i].canon);
	}
	for (v = 0; v < 256; v++) {
		unsigned char b = (unsigned char)v, back;

		writ_hex_encode(&b, 1, hex);
		assert_int_equal(writ_hex_decode(hex, 2, &back), WRIT_OK);
		assert_int_equal(back, b);
	}
}

static void
test_b64_rfc4648(void **state)
{
	static const struct {
		const char *in, *std, *url;
	} cases[] = {
	    {"", "", ""},
	    {"f", "Zg==", "Zg"},
	    {"fo", "Zm8=", "Zm8"},
	    {"foo", "Zm9v", "Zm9v"},
	    {"foob", "Zm9vYg==", "Zm9vYg"},
	    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
	    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
	    {"\xfb\xff\xbf", "+/+/", "-_-_"},
	};
	char enc[64];
	unsigned char dec[64];
	size_t i, n, dlen;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		size_t len = strlen(cases[i].in);

		n = writ_b64_encode(cases[i].in, len, enc);
		assert_string_equal(enc, cases[i].std);
		assert_int_equal(n, strlen(enc));
		n = writ_b64url_encode(cases[i].in, len, enc);
		assert_string_equal(enc, cases[i].url);
		assert_int_equal(n, strlen(enc));
		assert_int_equal(
		    writ_b64_decode(cases[i].std, strlen(cases[i].std), dec, &dlen), WRIT_OK);
		assert_int_equal(dlen, len);
		assert_memory_equal(dec, cases[i].in, len);
		assert_int_equal(
		    writ_b64_decode(cases[i].url, strlen(cases[i].url), dec, &dlen), WRIT_OK);
		assert_int_equal(dlen, len);
		assert_memory_equal(dec, cases[i].in, len);
	}
}

static void
test_b64_rejects(void **state)
{
	static const struct {
		const char *in;
		size_t len; /* 0 = strlen */
	} bad[] = {
	    {"Z", 0},
	    {"Zg=", 0},
	    {"Zg===", 0},
	    {"Zm9vY", 0},
	    {"=", 0},
	    {"==", 0},
	    {"===", 0},
	    {"====", 0},
	    {"Zg==Zg==", 0},
	    {"=Zm9", 0},
	    {"Zm=v", 0},
	    {"Z===", 0},
	    {"Zm9v=", 0},
	    {"Zh==", 0},
	    {"Zh", 0},
	    {"Zm9=", 0},
	    {"Zm 9v", 0},
	    {"Zm9v\n", 0},
	    {"Zm9v+/-_", 0},
	    {"+_", 0},
	    {"Zm9v!A==", 0},
	    {"Zm9v\0A", 6},
	    {"\xc3\xa9"
	     "AA",
	        0},
	    {"Zg=A", 0},
	    {"Zm9v\r\n", 0},
	};
	unsigned char dec[64];
	size_t i, dlen = 99;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(bad); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].in);

		assert_int_equal(writ_b64_decode(bad[i].in, len, dec, &dlen), WRIT_EINVAL);
		assert_int_equal(dlen, 99);
	}
}

static void
test_b64_roundtrip(void **state)
{
	unsigned char in[64], dec[64 + 3];
	char enc[4 * 22 + 1];
	size_t len, n, dlen;
	int alpha;

	(void)state;
	for (len = 0; len <= sizeof(in); len++) {
		assert_int_equal(writ_random(in, len), WRIT_OK);
		for (alpha = 0; alpha < 3; alpha++) {
			n = alpha == 1 ? writ_b64url_encode(in, len, enc)
			               : writ_b64_encode(in, len, enc);
			if (alpha == 2) /* standard alphabet without padding */
				while (n > 0 && enc[n - 1] == '=')
					n--;
			assert_true(n <= 4 * ((len + 2) / 3));
			assert_int_equal(writ_b64_decode(enc, n, dec, &dlen), WRIT_OK);
			assert_int_equal(dlen, len);
			assert_memory_equal(dec, in, len);
		}
	}
}

/* ---------------------------------------------------------------------------
 * Secure memory.
 */
static void
test_secmem(void **state)
{
	static const size_t lens[] = {0, 1, 32, 4095, 4096, 4097, 100000};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(lens); i++) {
		unsigned char *p = writ_secmem_alloc(lens[i]), *q = writ_secmem_alloc(lens[i]);

		assert_non_null(p);
		assert_non_null(q);
		memset(p, 0x5a, lens[i]);
		memset(q, 0xa5, lens[i]);
		if (lens[i] > 0)
			assert_int_equal(p[lens[i] - 1], 0x5a);
		writ_secmem_free(p, lens[i]);
		writ_secmem_free(q, lens[i]);
	}
	writ_secmem_free(NULL, 0);
	writ_fault_set(1);
	assert_null(writ_secmem_alloc(32));
	writ_fault_set(0);
}

/* ---------------------------------------------------------------------------
 * Keys.
 */
static void
test_ed25519_rfc8032(void **state)
{
	unsigned char seed[32], pub[32], out[32], sig[64], want[64];
	struct writ_key *k = NULL, *pk = NULL;

	(void)state;
	unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", seed, 32);
	unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	      "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
	    want, 64);
	assert_int_equal(writ_key_ed25519_from_seed(seed, &k), WRIT_OK);
	assert_int_equal(writ_key_public_raw(k, pub), WRIT_OK);
	assert_hex(pub, 32, "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
	assert_int_equal(writ_key_sign(k, NULL, 0, sig), WRIT_OK);
	assert_memory_equal(sig, want, 64);
	assert_int_equal(writ_key_export_private(k, out), WRIT_OK);
	assert_memory_equal(out, seed, 32);
	assert_int_equal(writ_key_ed25519_from_public(pub, &pk), WRIT_OK);
	assert_int_equal(writ_key_verify(pk, "", 0, sig), WRIT_OK);
	sig[0] ^= 1;
	assert_int_equal(writ_key_verify(pk, "", 0, sig), WRIT_ECRYPTO);
	/* A public key cannot sign or export. */
	assert_int_equal(writ_key_sign(pk, "x", 1, sig), WRIT_EINVAL);
	assert_int_equal(writ_key_export_private(pk, out), WRIT_EINVAL);
	writ_key_free(k);
	writ_key_free(pk);
	writ_key_free(NULL);
}

static void
test_ed25519_generate(void **state)
{
	struct writ_key *k = NULL;
	unsigned char sig[64];

	(void)state;
	assert_int_equal(writ_key_ed25519_generate(&k), WRIT_OK);
	assert_int_equal(writ_key_sign(k, "message", 7, sig), WRIT_OK);
	assert_int_equal(writ_key_verify(k, "message", 7, sig), WRIT_OK);
	assert_int_equal(writ_key_verify(k, "messagf", 7, sig), WRIT_ECRYPTO);
	writ_key_free(k);
	writ_fault_set(1);
	k = NULL;
	assert_int_equal(writ_key_ed25519_generate(&k), WRIT_ENOMEM);
	assert_null(k);
	writ_fault_set(0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sha256),
	    cmocka_unit_test(test_hmac_rfc4231),
	    cmocka_unit_test(test_hmac_rfc4231_long_key),
	    cmocka_unit_test(test_hmac_prepared),
	    cmocka_unit_test(test_hkdf_rfc5869),
	    cmocka_unit_test(test_random_ct_eq),
	    cmocka_unit_test(test_random_pool),
	    cmocka_unit_test(test_aead),
	    cmocka_unit_test(test_aead_nonce_unique),
	    cmocka_unit_test(test_shamir_subsets),
	    cmocka_unit_test(test_shamir_rejects),
	    cmocka_unit_test(test_shamir_field_kat),
	    cmocka_unit_test(test_shamir_max),
	    cmocka_unit_test(test_hex),
	    cmocka_unit_test(test_b64_rfc4648),
	    cmocka_unit_test(test_b64_rejects),
	    cmocka_unit_test(test_b64_roundtrip),
	    cmocka_unit_test(test_secmem),
	    cmocka_unit_test(test_ed25519_rfc8032),
	    cmocka_unit_test(test_ed25519_generate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
