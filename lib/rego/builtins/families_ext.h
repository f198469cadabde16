/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The builtin families of lib/rego/builtins/ that deal with the outside
 * world's formats: time, net, uuid, semver, crypto (hashes, HMAC, X.509),
 * io.jwt and yaml (graphql and the rest have headers of their own).
 * registry.c lists them.
 */
#ifndef WRIT_LIB_REGO_BUILTINS_FAMILIES_EXT_H
#define WRIT_LIB_REGO_BUILTINS_FAMILIES_EXT_H

#include "rego/builtin.h"

extern const struct rego_builtin_family rego_family_time;
extern const struct rego_builtin_family rego_family_net;
extern const struct rego_builtin_family rego_family_uuid;
extern const struct rego_builtin_family rego_family_semver;
extern const struct rego_builtin_family rego_family_crypto;
extern const struct rego_builtin_family rego_family_x509;
extern const struct rego_builtin_family rego_family_jwt;
extern const struct rego_builtin_family rego_family_yaml;
extern const struct rego_builtin_family rego_family_graph;

/*
 * The first YAML document of (s, len) as a value in c->arena (null for an
 * empty stream), resolved as Go's yaml package does; false with msg filled
 * on an error.  Also used to load YAML data files (lib/rego/data.c).
 */
bool rego_yaml_to_value(struct rego_bctx *c, const char *s, size_t len, const struct rego_val **out,
    char *msg, size_t msglen);

/*
 * Go's time.ParseDuration ("1h30m", "250ms", "-1.5s") in nanoseconds, as
 * time.parse_duration_ns reads it; false when (s, len) is no duration or
 * overflows.  Also used by http.send's timeout and writ policy's
 * --http-send-timeout.
 */
bool rego_go_duration(const char *s, size_t len, int64_t *out);

#endif /* WRIT_LIB_REGO_BUILTINS_FAMILIES_EXT_H */
