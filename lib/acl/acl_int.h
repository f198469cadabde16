/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private declarations shared by the files of lib/acl: the parsed policy, the
 * compiled ACL with its lookup index, and the reference (linear) lookup that
 * the tests and the fuzz target compare the index against.
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
};

enum acl_kind {
	ACL_EXACT,   /* no wildcard: matches one path */
	ACL_PREFIX,  /* trailing '*' and no '+' segment */
	ACL_SEGMENT, /* '+' segments, maybe a trailing '*' */
};

/*
 * One pattern of an ACL after merging the policies.  The fields are the keys
 * of Vault's priority order: keylen is the position of the first wildcard
 * (the literal text before it is the group key), then is_prefix, nplus, wclen
 * and the text itself.
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

/* The glob entries sharing one literal key, best first. */
struct acl_group {
	const char *key;
	size_t keylen;
	size_t first, n; /* globs[first .. first + n) */
	size_t parent;   /* longest other group key that is a prefix of key, or ACL_NONE */
};

struct writ_acl {
	bool root;
	char *pool;
	struct acl_entry *exact; /* sorted by pattern */
	size_t nexact;
	struct acl_entry *globs; /* sorted by group key, then priority (best first) */
	size_t nglobs;
	struct acl_group *groups; /* sorted by key */
	size_t ngroups;
};

/* > 0 if a takes priority over b (Vault's order), < 0 if b does; 0 only if a == b. */
int acl_entry_prio_cmp(const struct acl_entry *a, const struct acl_entry *b);
/* True if a glob entry matches path (its group key already known to prefix path or not). */
bool acl_entry_match(const struct acl_entry *e, const char *path, size_t len);
/* The same answer as writ_acl_capabilities, by scanning every entry. */
unsigned acl_capabilities_naive(const struct writ_acl *acl, const char *path);
/* Caps of a rule merged into existing caps: deny absorbs everything. */
unsigned acl_caps_merge(unsigned a, unsigned b);

#endif /* WRIT_ACL_ACL_INT_H */
