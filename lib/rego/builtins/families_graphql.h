/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The graphql builtin family (graphql.c): parsing and validation of GraphQL
 * queries and schemas as OPA's graphql.* builtins do it.  registry.c lists it.
 */
#ifndef WRIT_LIB_REGO_BUILTINS_FAMILIES_GRAPHQL_H
#define WRIT_LIB_REGO_BUILTINS_FAMILIES_GRAPHQL_H

#include "rego/builtin.h"

extern const struct rego_builtin_family rego_family_graphql;

#endif /* WRIT_LIB_REGO_BUILTINS_FAMILIES_GRAPHQL_H */
