/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shamir secret sharing over GF(256) with the AES polynomial
 * x^8 + x^4 + x^3 + x + 1 (0x11b).  Every byte of the secret is the constant
 * term of its own random polynomial of degree t - 1; share i holds the value
 * of each polynomial at x = i (1..n) followed by the byte x itself.
 *
 * The field arithmetic is table-free and branch-free on its operands
 * (log/exp tables would leak secret bytes through the cache, as the HashiCorp
 * and age implementations note), and the inverse is a fixed addition chain
 * for a^254.  The x coordinates are public, so combine may branch on them.
 */
#include <string.h>

#include "writ/crypto.h"

static unsigned char gf_mul(unsigned char a, unsigned char b);
static unsigned char gf_inv(unsigned char a);
static writ_rc split_byte(unsigned char secret, unsigned n, unsigned t, unsigned char *coef,
    unsigned char *shares, size_t stride);

/*
 * Carry-less multiply with reduction, eight fixed rounds.
 * CT: no branches or memory accesses depending on a or b.
 */
static unsigned char
gf_mul(unsigned char a, unsigned char b)
{
	unsigned int x = a, y = b, r = 0;
	int i;

	for (i = 0; i < 8; i++) {
		r ^= x & (0u - (y & 1u));
		x = (x << 1) ^ (0x11bu & (0u - (x >> 7)));
		y >>= 1;
	}
	return (unsigned char)(r & 0xffu);
}

/*
 * a^254 = a^-1 for a != 0 (and 0 for a == 0): a^2, a^3, a^6, a^12, a^15,
 * a^30, a^60, a^63, a^126, a^127, a^254.
 * CT: a fixed sequence of gf_mul calls.
 */
static unsigned char
gf_inv(unsigned char a)
{
	unsigned char a2 = gf_mul(a, a);
	unsigned char a3 = gf_mul(a2, a);
	unsigned char a6 = gf_mul(a3, a3);
	unsigned char a12 = gf_mul(a6, a6);
	unsigned char a15 = gf_mul(a12, a3);
	unsigned char a30 = gf_mul(a15, a15);
	unsigned char a60 = gf_mul(a30, a30);
	unsigned char a63 = gf_mul(a60, a3);
	unsigned char a126 = gf_mul(a63, a63);
	unsigned char a127 = gf_mul(a126, a);

	return gf_mul(a127, a127);
}

/* One secret byte: random coefficients, then Horner's rule at x = 1..n. */
static writ_rc
split_byte(unsigned char secret, unsigned n, unsigned t, unsigned char *coef, unsigned char *shares,
    size_t stride)
{
	unsigned i, j;
	writ_rc rc;

	coef[0] = secret;
	if (t > 1 && (rc = writ_random(coef + 1, t - 1)) != WRIT_OK)
		return rc;
	for (i = 0; i < n; i++) {
		unsigned char x = (unsigned char)(i + 1), y = coef[t - 1];

		for (j = t - 1; j > 0; j--)
			y = (unsigned char)(gf_mul(y, x) ^ coef[j - 1]);
		shares[(size_t)i * stride] = y;
	}
	return WRIT_OK;
}

writ_rc
writ_shamir_split(
    const unsigned char *secret, size_t len, unsigned n, unsigned t, unsigned char *shares)
{
	unsigned char coef[255];
	size_t stride, b;
	unsigned i;
	writ_rc rc = WRIT_OK;

	if (t < 1 || t > n || n > 255 || len == 0 || secret == NULL || shares == NULL)
		return WRIT_EINVAL;
	if (__builtin_add_overflow(len, 1, &stride))
		return WRIT_ETOOBIG;
	for (b = 0; b < len; b++) {
		rc = split_byte(secret[b], n, t, coef, shares + b, stride);
		if (rc != WRIT_OK)
			goto out;
	}
	for (i = 0; i < n; i++)
		shares[(size_t)i * stride + len] = (unsigned char)(i + 1);
out:
	writ_memzero(coef, sizeof(coef));
	if (rc != WRIT_OK)
		writ_memzero(shares, (size_t)n * stride);
	return rc;
}

writ_rc
writ_shamir_combine(const unsigned char *shares, unsigned k, size_t sharelen, unsigned char *out)
{
	unsigned char basis[255];
	size_t len, b;
	unsigned i, j;

	if (k < 1 || k > 255 || sharelen < 2 || shares == NULL || out == NULL)
		return WRIT_EINVAL;
	len = sharelen - 1;
	/* Lagrange basis at 0: l_i = prod_{j != i} x_j / (x_j - x_i); public. */
	for (i = 0; i < k; i++) {
		unsigned char xi = shares[(size_t)i * sharelen + len], num = 1, den = 1;

		if (xi == 0)
			return WRIT_EINVAL;
		for (j = 0; j < k; j++) {
			unsigned char xj = shares[(size_t)j * sharelen + len];

			if (j == i)
				continue;
			if (xj == xi)
				return WRIT_EINVAL;
			num = gf_mul(num, xj);
			den = gf_mul(den, (unsigned char)(xj ^ xi));
		}
		basis[i] = gf_mul(num, gf_inv(den));
	}
	for (b = 0; b < len; b++) {
		unsigned char acc = 0;

		for (i = 0; i < k; i++)
			acc ^= gf_mul(basis[i], shares[(size_t)i * sharelen + b]);
		out[b] = acc;
	}
	return WRIT_OK;
}
