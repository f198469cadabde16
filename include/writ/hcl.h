/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HCL subset that Vault's server configuration and ACL policies use:
 *
 *   # comment, // comment, /* comment * /
 *   key = "string" | number | true | false | [ values ] | { body }
 *   block "label" "label2" { body }
 *   block { body }
 *   heredocs <<EOF ... EOF
 *
 * The parser turns a document into a jansson JSON object: every block is
 * appended to an array under its name with its labels kept in "__labels" and
 * the line it started on in "__line".  JSON input (a document starting with
 * '{') is accepted as well and parsed with jansson.
 *
 * Limits: 1 MiB of input, nesting depth 32, strings of 64 KiB.
 * Errors: WRIT_EPARSE with err->msg "line N: message".
 */
#ifndef WRIT_HCL_H
#define WRIT_HCL_H

#include <jansson.h>

#include "writ/base.h"

#define WRIT_HCL_MAX_INPUT (1u << 20)
#define WRIT_HCL_MAX_DEPTH 32
#define WRIT_HCL_MAX_STR   (64u << 10)

/*
 * Parse text[len].  *out gets a new reference to a JSON object:
 *   key = value          -> "key": value
 *   name "l1" "l2" {...} -> "name": [ {"__labels": ["l1","l2"], "__line": N, ...body} ]
 *   name {...}           -> "name": [ {"__labels": [], "__line": N, ...body} ]
 * (each block name maps to an array of its occurrences, in order).
 * An assignment `key = value` also records its line in a sibling member
 * "__line_<key>" so semantic errors can name the line.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_hcl_parse(const char *text, size_t len, json_t **out,
    struct writ_err *err);

#endif /* WRIT_HCL_H */
