#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Generate the decision-service benchmark (issue 4) into OUTDIR:

  bundle/        a policy directory for `writ server -dev -dev-policy-dir`: the RBAC policy
                 and data of bench/rego/gen.py (data.rbac.allow) and an Envoy policy
                 (data.envoy.authz.allow) that verifies an HS256 bearer JWT and checks a claim
  rbac.json      a POST /v1/data/rbac/allow body: {"input": ...}, about 1 KB, allowed
  check.bin      a gRPC frame (5-byte prefix + CheckRequest) whose bearer token is allowed
"""
import base64
import hashlib
import hmac
import json
import os
import shutil
import struct
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rego"))
import gen as rego_gen  # noqa: E402

SECRET = "bench-hs256-secret"

ENVOY_POLICY = """package envoy.authz

import rego.v1

default allow := false

token := trim_prefix(input.attributes.request.http.headers.authorization, "Bearer ")

claims := c if {
	[valid, _, c] := io.jwt.decode_verify(token, {"secret": "%s", "iss": "bench-issuer"})
	valid
}

allow if {
	claims.scope == "orders:read"
	input.attributes.request.http.method == "GET"
	startswith(input.attributes.request.http.path, "/orders/")
}
""" % SECRET


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jwt():
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({"iss": "bench-issuer", "sub": "svc-frontend", "scope": "orders:read",
                           "exp": 4102444800}).encode())
    sig = hmac.new(SECRET.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(num, payload):  # a length-delimited field
    if isinstance(payload, str):
        payload = payload.encode()
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def check_frame():
    headers = {":authority": "api.example.com", ":method": "GET", ":path": "/orders/17",
               "authorization": "Bearer " + jwt(), "user-agent": "bench/1.0",
               "x-request-id": "7b8f3d9e-2c1a-4e5b-9f6d-0a1b2c3d4e5f"}
    http = field(1, "7b8f3d9e") + field(2, "GET")
    for k, v in headers.items():  # map<string,string> headers = 3: entries {1: key, 2: value}
        http += field(3, field(1, k) + field(2, v))
    http += field(4, "/orders/17") + field(5, "api.example.com") + field(6, "http") + \
        field(10, "HTTP/1.1")
    msg = field(1, field(4, field(2, http)))  # CheckRequest.attributes.request.http
    return b"\x00" + struct.pack(">I", len(msg)) + msg


def rbac_body():
    inp = {"user": "user500", "action": "read", "type": "model",
           "request": {"id": "5f0c2a9e-6a43-4c1e-9d2b-0c8a7e1f3b42", "method": "POST",
                       "path": "/v1/models/model-17/versions/3:predict",
                       "headers": {"user-agent": "bench/1.0", "accept": "application/json",
                                   "x-request-id": "5f0c2a9e-6a43-4c1e-9d2b-0c8a7e1f3b42"}},
           "context": {"tenant": "acme", "region": "eu-west-1", "tags": []}}
    s = json.dumps({"input": inp})
    while len(s) < 1024:  # pad to 1 KB with realistic-looking tags
        inp["context"]["tags"].append(f"tag-{len(inp['context']['tags']):03d}")
        s = json.dumps({"input": inp})
    return s


def main():
    out = sys.argv[1]
    tmp = os.path.join(out, "rego")
    rego_gen.rbac(tmp)
    bundle = os.path.join(out, "bundle")
    os.makedirs(bundle, exist_ok=True)
    shutil.copy(os.path.join(tmp, "rbac", "policy.rego"), os.path.join(bundle, "rbac.rego"))
    shutil.copy(os.path.join(tmp, "rbac", "data.json"), os.path.join(bundle, "data.json"))
    with open(os.path.join(bundle, "envoy.rego"), "w") as f:
        f.write(ENVOY_POLICY)
    with open(os.path.join(out, "rbac.json"), "w") as f:
        f.write(rbac_body())
    with open(os.path.join(out, "check.bin"), "wb") as f:
        f.write(check_frame())


if __name__ == "__main__":
    main()
