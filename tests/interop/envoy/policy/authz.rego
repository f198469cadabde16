# SPDX-License-Identifier: Apache-2.0
# The decision tests/interop/envoy/check.mjs asks writ's ext_authz for, one
# request path per shape of decision (OPA's Envoy plugin contract).
package envoy.authz

import rego.v1

default allow := false

# An object decision that allows and changes the request and the response.
allow := {
	"allowed": true,
	"headers": {"x-ext-auth-user": "alice", "x-roles": ["reader", "writer"]},
	"response_headers_to_add": [{"x-decided-by": "writ"}],
	"request_headers_to_remove": ["x-secret"],
	"query_parameters_to_set": {"page": "2"},
	"query_parameters_to_remove": ["debug"],
	"dynamic_metadata": {"user": "alice", "level": 3},
} if {
	input.attributes.request.http.method == "GET"
	input.parsed_path == ["allowed"]
}

# An object decision that denies with a status, a body and headers.
allow := {
	"allowed": false,
	"http_status": 401,
	"body": "token required",
	"headers": {"www-authenticate": "Bearer realm=\"writ\""},
} if {
	input.parsed_path == ["private"]
	not input.attributes.request.http.headers.authorization
}

# A boolean decision.
allow if {
	input.parsed_path == ["public"]
}

# Everything the policy sees, sent back as dynamic metadata.
allow := {"allowed": true, "dynamic_metadata": {"input": input}} if {
	input.parsed_path[0] == "echo"
}

# Not a decision OPA's plugin accepts: the call fails with UNKNOWN.
allow := "yes" if {
	input.parsed_path == ["weird"]
}
