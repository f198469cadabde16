# SPDX-License-Identifier: Apache-2.0
# A policy for examples/nginx/nginx.conf (and for Envoy: the input is the same).
package envoy.authz

import rego.v1

http := input.attributes.request.http

# GET /public/... for anyone; the caller's X-User goes upstream as X-Auth-User.
allow := {"allowed": true, "headers": {"x-auth-user": object.get(http.headers, "x-user", "anonymous")}} if {
	input.parsed_path[0] == "public"
	http.method == "GET"
} else := {"allowed": true, "headers": {"x-auth-user": "admin"}} if {
	input.parsed_path[0] == "admin"
	http.headers.authorization == "Bearer letmein"
} else := {"allowed": false, "http_status": 401, "headers": {"www-authenticate": "Bearer realm=\"writ\""}} if {
	input.parsed_path[0] == "admin"
	not http.headers.authorization
} else := {"allowed": false, "body": "denied by policy"} if {
	input.parsed_path[0] != "undefined"
}
