/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HCL subset that Vault's server configuration and ACL policies use:
 *
 *   # comment, // comment, and C block comments
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
 * Strings take the escapes \" \\ \/ \n \r \t \b \f \uXXXX (surrogate pairs
 * combined) and \UXXXXXXXX, and must be valid UTF-8 without NUL.  Heredocs keep
 * their final newline; <<-EOF removes the indentation common to all lines.
 * Numbers: int64 integers or finite floats.  Items may be separated by commas.
 * Keys starting with "__" are reserved.  A key may not be assigned twice.
 *
 * Limits: 1 MiB of input, nesting depth 32, strings of 64 KiB, 16 labels.
 * Errors: WRIT_EPARSE (syntax) or WRIT_ELIMIT (a limit) with err->msg
 * "line N: message"; WRIT_ENOMEM.  Thread safe (no shared state).
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

/*
 * The blocks called name in doc (borrowed, not modified; from writ_hcl_parse)
 * as a new array in the HCL shape above, in document order.  JSON spells a
 * block as nlabels levels of objects above its body, {"listener": {"tcp":
 * {...}}}, or as an array of those; such blocks (and HCL attributes written
 * `name = { ... }`) get "__line" of the name's assignment, 0 when unknown (JSON).
 * An absent name gives an empty array.  Keys starting with "__" are reserved in
 * both syntaxes, so "__labels" and "__line" cannot be forged by a document.
 * Errors: WRIT_EPARSE "line N: ..." when an HCL block has another number of
 * labels than nlabels or a value is not a block; WRIT_ENOMEM.
 * Thread safety: doc must not be modified concurrently.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_hcl_blocks(json_t *doc, const char *name,
    size_t nlabels, json_t **out, struct writ_err *err);

/*
 * Line of member key in obj: of its assignment ("__line_<key>"), or for a
 * block name of its first block; else of obj itself ("__line"); else 0 (JSON
 * documents carry no positions).  key may be NULL.  Thread safe.
 */
WRIT_API int writ_hcl_line(const json_t *obj, const char *key);

/*
 * Best-effort line of the first occurrence of "needle" (with its quotes) in
 * text[len], 1 when absent: names a line in JSON documents, whose values have
 * no positions.  Thread safe.
 */
WRIT_API int writ_hcl_text_line(const char *text, size_t len, const char *needle);

#endif /* WRIT_HCL_H */
