#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Init with 5 shares and threshold 3, unseal progress, wrong and replayed keys,
# too few shares, seal, sealed answers, keyring rotation, restart.
. "$(dirname "$0")/lib.sh"

cat >"$T/writ.hcl" <<CONF
storage "sqlite" { path = "$T/writ.db" }
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
}
CONF
start_config "$T/writ.hcl"
TOKEN=
api GET sys/health; expect_status 501 "health of an uninitialised server is 501"
api PUT sys/init '{"secret_shares":5,"secret_threshold":9}'
expect_status 400 "threshold above shares is refused"
api PUT sys/init '{"secret_shares":5,"secret_threshold":3}'; expect_status 200 "init"
for i in 0 1 2 3 4; do eval "K$i=$(jqe ".keys[$i]")"; done
ROOT=$(jqe .root_token)
api PUT sys/init '{"secret_shares":1,"secret_threshold":1}'; expect_status 400 "init twice is refused"
api GET sys/seal-status; expect_json .sealed true "sealed after init"
TOKEN=$ROOT api GET secret/data/x; expect_status 503 "a sealed server refuses API calls"
expect_json '.errors[0]' "writ is sealed" "stable sealed message"

api PUT sys/unseal "{\"key\":\"$K0\"}"; expect_json .progress 1 "progress 1"
api PUT sys/unseal "{\"key\":\"$K0\"}"; expect_status 400 "a replayed key is refused"
api GET sys/seal-status; expect_json .progress 1 "replay keeps progress"
api PUT sys/unseal '{"key":"zz"}'; expect_status 400 "a malformed key is refused"
api PUT sys/unseal '{"reset":true}'; expect_json .progress 0 "reset clears progress"

# Shares of another initialisation do not rebuild this root key.
"$WRIT" server -config "$T/writ.hcl" -n >/dev/null
cat >"$T/other.hcl" <<CONF
storage "sqlite" { path = "$T/other.db" }
listener "tcp" {
  address = "127.0.0.1:0"
  tls_disable = true
}
CONF
main_addr=$ADDR; main_pid=$SERVER_PID
start_config "$T/other.hcl"
api PUT sys/init '{"secret_shares":3,"secret_threshold":3}'
O0=$(jqe '.keys[0]'); O1=$(jqe '.keys[1]'); O2=$(jqe '.keys[2]')
stop_server; ADDR=$main_addr; SERVER_PID=$main_pid
api PUT sys/unseal "{\"key\":\"$O0\"}"; api PUT sys/unseal "{\"key\":\"$O1\"}"
api PUT sys/unseal "{\"key\":\"$O2\"}"; expect_status 400 "wrong keys are refused at the threshold"
api GET sys/seal-status; expect_json .sealed true "still sealed after wrong keys"
expect_json .progress 0 "wrong keys reset progress"

api PUT sys/unseal "{\"key\":\"$K1\"}"; api PUT sys/unseal "{\"key\":\"$K3\"}"
api GET sys/seal-status; expect_json .sealed true "two of three shares leave it sealed"
api PUT sys/unseal "{\"key\":\"$K4\"}"; expect_json .sealed false "the third share unseals"

TOKEN=$ROOT
api POST sys/mounts/kv '{"type":"kv","options":{"version":"2"}}'; expect_status 204 "mount kv v2"
api POST kv/data/a '{"data":{"v":"1"}}'; expect_status 200 "write before rotation"
api PUT sys/rotate; expect_status 204 "keyring rotation"
api GET sys/key-status; expect_json .data.term 2 "term 2 after rotation"
api POST kv/data/b '{"data":{"v":"2"}}'; expect_status 200 "write after rotation"
api GET kv/data/a; expect_json .data.data.v 1 "a value from term 1 still reads"

api POST sys/mounts/tmpkv '{"type":"kv-v2"}'; expect_status 204 "mount a second kv"
api POST tmpkv/data/x '{"data":{"v":"1"}}'; expect_status 200 "write to it"
api DELETE sys/mounts/tmpkv; expect_status 204 "unmount it"
api GET tmpkv/data/x; expect_status 404 "an unmounted path has no handler"
api PUT sys/seal; expect_status 204 "seal"
api GET kv/data/a; expect_status 503 "sealed again"
stop_server
start_config "$T/writ.hcl"
TOKEN=
api GET sys/seal-status; expect_json .sealed true "a restarted server starts sealed"
for k in "$K2" "$K0" "$K4"; do api PUT sys/unseal "{\"key\":\"$k\"}"; done
expect_json .sealed false "unsealed after restart"
TOKEN=$ROOT api GET kv/data/b; expect_json .data.data.v 2 "data survives seal, restart and rotation"
finish
