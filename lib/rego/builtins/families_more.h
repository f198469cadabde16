/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The remaining builtin families: json.patch, JSON Schema (json.verify_schema,
 * json.match_schema), strings.render_template, regex.globs_match,
 * providers.aws.sign_req and the X.509 key builtins (crypto.x509.parse_keypair,
 * crypto.x509.parse_rsa_private_key, crypto.parse_private_keys,
 * crypto.x509.parse_and_verify_certificates_with_options) and rego.parse_module
 * (regoast.c).  registry.c lists them.
 */
#ifndef WRIT_LIB_REGO_BUILTINS_FAMILIES_MORE_H
#define WRIT_LIB_REGO_BUILTINS_FAMILIES_MORE_H

#include "rego/builtin.h"

extern const struct rego_builtin_family rego_family_jsonpatch;
extern const struct rego_builtin_family rego_family_jsonschema;
extern const struct rego_builtin_family rego_family_template;
extern const struct rego_builtin_family rego_family_globs;
extern const struct rego_builtin_family rego_family_aws;
extern const struct rego_builtin_family rego_family_x509_keys;
extern const struct rego_builtin_family rego_family_regoast;

#endif /* WRIT_LIB_REGO_BUILTINS_FAMILIES_MORE_H */
