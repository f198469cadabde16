#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Bad input gets a clear 4xx with a stable message and changes nothing: body
# size, header size, JSON depth, string length, malformed JSON, bad paths and
# methods.
. "$(dirname "$0")/lib.sh"

cat >"$T/writ.hcl" <<CONF
storage "sqlite" { path = "$T/writ.db" }
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
}
limits {
  max_request_bytes = 4096
  max_header_bytes = 8192
  max_json_depth = 16
  max_string_bytes = 512
}
CONF
start_config "$T/writ.hcl"
api PUT sys/init '{"secret_shares":1,"secret_threshold":1}'
KEY=$(jqe '.keys[0]'); ROOT=$(jqe .root_token)
api PUT sys/unseal "{\"key\":\"$KEY\"}"
TOKEN=$ROOT
api POST sys/mounts/secret '{"type":"kv-v2"}'; expect_status 204 "mount"

big=$(head -c 5000 /dev/zero | tr '\0' a)
api POST secret/data/big "{\"data\":{\"v\":\"$big\"}}"; expect_status 413 "body over max_request_bytes"
deep=$(printf '%.0s{"a":' $(seq 1 20))1$(printf '%.0s}' $(seq 1 20))
api POST secret/data/deep "{\"data\":$deep}"; expect_status 400 "JSON deeper than max_json_depth"
expect_json '.errors[0]' "JSON nesting too deep" "stable message for depth"
long=$(head -c 600 /dev/zero | tr '\0' b)
api POST secret/data/long "{\"data\":{\"v\":\"$long\"}}"; expect_status 400 "string over max_string_bytes"
expect_json '.errors[0]' "JSON string too long" "stable message for string length"
api POST secret/data/bad '{"data":'; expect_status 400 "truncated JSON"
api POST secret/data/bad '[1,2]'; expect_status 400 "a JSON array body"
api POST secret/data/bad '{"data":{"a":1},"data":{"b":2}}'; expect_status 400 "duplicate keys"
api POST secret/data/bad '{"data":"not an object"}'; expect_status 400 "data that is not an object"
for p in big deep long bad; do
  api GET "secret/data/$p"; expect_status 404 "nothing was written for '$p'"
done

# Headers and request line.
hdr=$(head -c 9000 /dev/zero | tr '\0' h)
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $hdr" "http://$ADDR/v1/sys/health")
[ "$STATUS" = 431 ] || fail "headers over max_header_bytes: $STATUS"; ok "headers over max_header_bytes: 431"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' --path-as-is -H "X-Vault-Token: $ROOT" \
  "http://$ADDR/v1/secret/data/../../sys/policy")
[ "$STATUS" = 400 ] || fail "dot-dot path: $STATUS"; ok "a '..' path segment is refused"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X BREW -H "X-Vault-Token: $ROOT" "http://$ADDR/v1/secret/data/x")
case $STATUS in 405|501) ok "an unknown method is refused ($STATUS)";; *) fail "unknown method: $STATUS";; esac
api GET nope/x; expect_status 404 "no mount"
TOKEN=garbage api GET secret/data/x; expect_status 403 "a garbage token"
TOKEN= api GET secret/data/x; expect_status 403 "no token"

# The server is still healthy and a good write works.
api POST secret/data/fine '{"data":{"v":"ok"}}'; expect_status 200 "a good write after all that"
finish
