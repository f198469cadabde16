/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The core builtin families (comparison and arithmetic, aggregates,
 * collections, strings, regular expressions, types, encodings, JSON
 * Schema, still to come), each defined in its own file of lib/rego/builtins/ and listed in
 * registry.c.
 */
#ifndef WRIT_LIB_REGO_BUILTINS_FAMILIES_CORE_H
#define WRIT_LIB_REGO_BUILTINS_FAMILIES_CORE_H

#include "rego/builtin.h"

extern const struct rego_builtin_family rego_family_arith;      /* arith.c */
extern const struct rego_builtin_family rego_family_aggregates; /* aggregates.c */
extern const struct rego_builtin_family rego_family_collections; /* collections.c */
extern const struct rego_builtin_family rego_family_strings;    /* strings.c */
extern const struct rego_builtin_family rego_family_sprintf;    /* sprintf.c */
extern const struct rego_builtin_family rego_family_regex;      /* regex.c */
extern const struct rego_builtin_family rego_family_types;      /* types.c */
extern const struct rego_builtin_family rego_family_encoding;   /* encoding.c */

#endif /* WRIT_LIB_REGO_BUILTINS_FAMILIES_CORE_H */
