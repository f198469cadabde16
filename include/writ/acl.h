/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Vault-style ACL policies for writ's own API.
 *
 * A policy is a list of path rules, written in the HCL subset
 * (`path "secret/data/app-*" { capabilities = ["read"] }`) or as JSON
 * ({"path": {"secret/data/app-*": {"capabilities": ["read"]}}}).  Globs: a trailing
 * `*` matches any suffix; `+` matches exactly one path segment.  A token's ACL is
 * the union of its policies: rules for the same path pattern merge their
 * capabilities, `deny` on a pattern wins over everything for that pattern, and
 * for a request path the single most specific matching pattern decides
 * (Vault's priority: exact beats glob; among globs the one whose first
 * wildcard comes later wins; no trailing `*` beats trailing `*`; fewer `+`
 * wins; longer wins; lexicographically larger wins).  No match: denied.
 *
 * Thread safety: parsed policies and built ACLs are immutable and may be
 * shared between threads.
 */
#ifndef WRIT_ACL_H
#define WRIT_ACL_H

#include "writ/base.h"

enum writ_cap {
	WRIT_CAP_CREATE = 1u << 0,
	WRIT_CAP_READ = 1u << 1,
	WRIT_CAP_UPDATE = 1u << 2,
	WRIT_CAP_PATCH = 1u << 3,
	WRIT_CAP_DELETE = 1u << 4,
	WRIT_CAP_LIST = 1u << 5,
	WRIT_CAP_SUDO = 1u << 6,
	WRIT_CAP_DENY = 1u << 7,
	WRIT_CAP_ROOT = 1u << 8, /* the root policy: everything */
};

#define WRIT_ACL_MAX_POLICY_BYTES (256u << 10)
#define WRIT_ACL_MAX_RULES        4096

struct writ_acl_policy;
struct writ_acl;

/*
 * Parse a policy (HCL or JSON, detected by the first non-space byte).  name
 * (borrowed) is copied; text[len] is borrowed during the call.  *out gets a
 * new policy to free with writ_acl_policy_free.
 * Syntax: `path "P" { capabilities = [...] }` blocks, the legacy
 * `policy = "deny"|"read"|"write"|"sudo"` shorthand (Vault's expansion), or
 * JSON {"path": {"P": {...}}}.  "deny" among the capabilities leaves only
 * deny.  A pattern containing "+*" is an error (as in Vault).
 * Errors, all with "line N: message" in err (for JSON, the line where the
 * pattern is first written): WRIT_EPARSE / WRIT_ELIMIT from the HCL parser;
 * WRIT_ELIMIT over WRIT_ACL_MAX_POLICY_BYTES or WRIT_ACL_MAX_RULES;
 * WRIT_EINVAL for an unknown capability (`path "x": invalid capability "y"`),
 * legacy policy value, top-level key or rule key; WRIT_ENOMEM.
 * The rule keys Vault defines that writ does not enforce yet
 * (required_parameters, allowed_parameters, denied_parameters,
 * min/max_wrapping_ttl, mfa_methods, control_group, subscribe_event_types) are
 * accepted and ignored (see writ_acl_policy_warning); so are the capabilities
 * subscribe, recover and scan, which grant nothing in writ.
 * Thread safe.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_acl_policy_parse(const char *name, const char *text,
    size_t len, struct writ_acl_policy **out, struct writ_err *err);
/* Free p; accepts NULL. */
WRIT_API void writ_acl_policy_free(struct writ_acl_policy *p);
/* The name given to writ_acl_policy_parse (owned by p). */
WRIT_API const char *writ_acl_policy_name(const struct writ_acl_policy *p);
/*
 * NULL, or a message naming the first rule key that p uses and writ accepts
 * without enforcing (`path "x": denied_parameters is accepted but not
 * enforced by writ`), for the policy write endpoint to return as a warning.
 * Owned by p.  Thread safe.
 */
WRIT_API const char *writ_acl_policy_warning(const struct writ_acl_policy *p);

/*
 * Build the ACL of a token from its policies (borrowed during the call; the
 * ACL keeps its own copies).  Rules for the same pattern merge their
 * capabilities, deny absorbing everything.  A policy named "root" gives the
 * root ACL and must then be the only one (else WRIT_EINVAL, as in Vault).
 * npols == 0 gives an ACL that denies everything.
 * Errors: WRIT_EINVAL, WRIT_ENOMEM, WRIT_ELIMIT.  Thread safe.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_acl_new(const struct writ_acl_policy *const *pols,
    size_t npols, struct writ_acl **out, struct writ_err *err);
/* An ACL that allows everything (the root policy). */
WRIT_API WRIT_MUST_CHECK writ_rc writ_acl_new_root(struct writ_acl **out);
WRIT_API void writ_acl_free(struct writ_acl *acl);

/*
 * Capabilities (enum writ_cap bits) that acl grants on path (a request path
 * without a leading '/', NUL-terminated, borrowed).  An exact rule decides,
 * else the highest-priority matching glob; a denied pattern gives
 * WRIT_CAP_DENY only; no match gives 0; the root ACL gives every capability
 * bit plus WRIT_CAP_ROOT.  Cost: O(log n * L) plus the globs whose literal
 * prefix is a prefix of path (see lib/acl/acl.c).  Never allocates; thread
 * safe on a shared ACL.
 */
WRIT_API unsigned writ_acl_capabilities(const struct writ_acl *acl, const char *path);

/* Capability name <-> bit ("read" <-> WRIT_CAP_READ); 0 / NULL when unknown. */
WRIT_API unsigned writ_acl_cap_from_name(const char *name);
WRIT_API const char *writ_acl_cap_name(unsigned bit);

/*
 * The names of caps as Vault reports them (sys/capabilities-self): sorted;
 * ["root"] for the root ACL; ["deny"] when denied or when nothing is granted.
 * Writes up to nout static strings to out and returns how many (at most 8).
 * Thread safe.
 */
WRIT_API size_t writ_acl_cap_names(unsigned caps, const char **out, size_t nout);

/* The text of Vault's built-in "default" policy as writ ships it. */
WRIT_API const char *writ_acl_default_policy_text(void);

#endif /* WRIT_ACL_H */
