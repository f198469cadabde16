/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private declarations shared by the files of lib/acl: the parsed policy, the
 * compiled ACL with its lookup index (built in build.c, searched in acl.c),
 * and the reference (linear) lookup that the tests and the fuzz target
 * compare the index against.
 */
#ifndef WRIT_ACL_ACL_INT_H
#define WRIT_ACL_ACL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "writ/acl.h"

#define ACL_NONE SIZE_MAX

/* One path rule of a parsed policy. */
struct acl_rule {
	char *pattern; /* owned, NUL-terminated */
	size_t len;
	unsigned caps; /* WRIT_CAP_* bits; exactly WRIT_CAP_DENY when denied */
	int line;
};

struct writ_acl_policy {
	char *name;
	struct acl_rule *rules;
	size_t nrules;
	char warning[160]; /* first accepted-but-unenforced key, "" if none */
};

enum acl_kind {
	ACL_EXACT,   /* no wildcard: matches one path */
	ACL_PREFIX,  /* trailing '*' and no '+' segment */
	ACL_SEGMENT, /* '+' segments, maybe a trailing '*' */
};

/*
 * One pattern of an ACL after merging the policies.  The fields are the keys
 * of Vault's priority order: keylen is the position of the first wildcard,
 * then is_prefix, nplus, wclen and the text itself.
 */
struct acl_entry {
	const char *pattern; /* in the ACL's pool */
	size_t len;
	size_t wclen;  /* pattern without a trailing '*' */
	size_t keylen; /* bytes before the first wildcard */
	unsigned nplus;
	unsigned caps;
	bool is_prefix;
	enum acl_kind kind;
};

/*
 * A set of strings sorted bytewise, each linked to the longest other member
 * that is a prefix of it, for longest-prefix queries in O(log n * L + depth).
 */
struct acl_lp {
	const char *s;
	size_t len;
	size_t parent; /* index within the same set, or ACL_NONE */
	const struct acl_entry *e;
};

/*
 * A node of the segment trie of the '+' globs: the node reached by the
 * segments s0/s1/.../sd-1 of some patterns ("+" is its own child).
 */
struct acl_node {
	const char *seg; /* the segment leading here (in the pool) */
	size_t seglen;
	size_t kids, nkids;           /* literal children: acl->kids[kids .. kids + nkids), sorted */
	size_t plus;                  /* the "+" child, or ACL_NONE */
	const struct acl_entry *end;  /* the glob without '*' whose segments end here */
	size_t partials, npartials;   /* acl->partials[...]: last segments of '*' globs here */
};

/* Deepest trie the lookup walks without allocating; deeper ACLs scan linearly. */
#define ACL_MAX_DEPTH 64

struct writ_acl {
	bool root;
	char *pool;
	struct acl_entry *exact; /* sorted by pattern */
	size_t nexact;
	struct acl_entry *globs; /* every '*' or '+' pattern */
	size_t nglobs;
	struct acl_lp *prefixes; /* pure prefix globs by their text before '*' */
	size_t nprefixes;
	struct acl_node *nodes; /* segment trie; nodes[0] is the root */
	size_t nnodes;
	size_t *kids;
	struct acl_lp *partials;
	size_t npartials;
	size_t depth; /* of the trie */
};

/* Bytewise order, a proper prefix first (Go's string order). */
int acl_bytes_cmp(const char *a, size_t alen, const char *b, size_t blen);
/* End of the '/'-separated segment starting at p. */
const char *acl_seg_end(const char *p, const char *end);
/* Priority keys (keylen, wclen, nplus, kind) of e from its pattern and len. */
void acl_entry_classify(struct acl_entry *e);
/* Link each member of the sorted set v[n] to its longest proper prefix in v. */
void acl_lp_link(struct acl_lp *v, size_t n);
/* Member of v[n] that is the longest prefix of q[qlen], or NULL. */
const struct acl_lp *acl_lp_longest(const struct acl_lp *v, size_t n, const char *q,
    size_t qlen);
/* Build the index of acl from its entries (lib/acl/build.c). */
writ_rc acl_index_build(struct writ_acl *acl);

/* > 0 if a takes priority over b (Vault's order), < 0 if b does; 0 only if a == b. */
int acl_entry_prio_cmp(const struct acl_entry *a, const struct acl_entry *b);
/* True if entry e matches path[len] (Vault's matching for its kind). */
bool acl_entry_match(const struct acl_entry *e, const char *path, size_t len);
/* The same answer as writ_acl_capabilities, by scanning every entry. */
unsigned acl_capabilities_naive(const struct writ_acl *acl, const char *path);
/* Caps of a rule merged into existing caps: deny absorbs everything. */
unsigned acl_caps_merge(unsigned a, unsigned b);

#endif /* WRIT_ACL_ACL_INT_H */
