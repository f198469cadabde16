#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Generate the Rego benchmark scenarios (issue 3) into OUTDIR/<name>/:
policy.rego, data.json, input.json and query.txt.

  rbac        RBAC, 100 roles and 1000 bindings
  abac        ABAC: claims of a decoded JWT, a CIDR per site, a time window
  agent       an agent tool call checked along a delegation chain that must narrow
  rules10     10 rules keyed on method and path
  rules10k    10,000 rules keyed on method and path (indexing: close to rules10)
"""
import base64
import json
import os
import random
import sys

R = random.Random(42)


def write(out, name, policy, data, inp, query):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "policy.rego"), "w") as f:
        f.write(policy)
    with open(os.path.join(d, "data.json"), "w") as f:
        json.dump(data, f)
    with open(os.path.join(d, "input.json"), "w") as f:
        json.dump(inp, f)
    with open(os.path.join(d, "query.txt"), "w") as f:
        f.write(query + "\n")


def rbac(out):
    actions = ["read", "write", "delete", "list"]
    types = ["model", "dataset", "secret", "pipeline", "endpoint"]
    roles = {f"role{i}": [{"action": R.choice(actions), "type": R.choice(types)}
                          for _ in range(5)] for i in range(100)}
    roles["role7"].append({"action": "read", "type": "model"})
    bindings = {f"user{i}": [f"role{R.randrange(100)}" for _ in range(3)] for i in range(1000)}
    bindings["user500"] = ["role3", "role7"]
    policy = """package rbac

import rego.v1

default allow := false

allow if {
	some role in data.bindings[input.user]
	some grant in data.roles[role]
	grant.action == input.action
	grant.type == input.type
}
"""
    write(out, "rbac", policy, {"roles": roles, "bindings": bindings},
          {"user": "user500", "action": "read", "type": "model"}, "data.rbac.allow")


def b64(obj):
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def abac(out):
    token = ".".join([b64({"alg": "HS256", "typ": "JWT"}),
                      b64({"sub": "agent-17", "dept": "radiology", "clearance": 3,
                           "site": "hospital-a"}), "c2ln"])
    resources = {f"res{i}": {"dept": R.choice(["radiology", "oncology", "billing"]),
                             "level": R.randrange(1, 5)} for i in range(200)}
    resources["res42"] = {"dept": "radiology", "level": 2}
    networks = {"hospital-a": "10.1.0.0/16", "hospital-b": "10.2.0.0/16"}
    policy = """package abac

import rego.v1

default allow := false

claims := io.jwt.decode(input.token)[1]

allow if {
	r := data.resources[input.resource]
	claims.dept == r.dept
	claims.clearance >= r.level
	net.cidr_contains(data.networks[claims.site], input.ip)
	hour := time.clock([input.time_ns, "UTC"])[0]
	hour >= 8
	hour < 18
}
"""
    write(out, "abac", policy, {"resources": resources, "networks": networks},
          {"token": token, "resource": "res42", "ip": "10.1.7.9",
           "time_ns": 1763900000000000000}, "data.abac.allow")


def agent(out):
    tools = {"supervisor": ["route", "lookup_order", "refund", "open_ticket"],
             "returns": ["lookup_order", "refund"], "support": ["lookup_order", "open_ticket"]}
    chain = [{"agent": "sup-1", "agent_type": "supervisor",
              "scopes": ["route", "lookup_order", "refund", "open_ticket"]},
             {"agent": "ret-4", "agent_type": "returns", "scopes": ["lookup_order", "refund"]},
             {"agent": "ret-4b", "agent_type": "returns", "scopes": ["refund"]}]
    policy = """package agent

import rego.v1

default allow := false

# A delegation step may only keep scopes its delegator had.
widening contains i if {
	some i in numbers.range(1, count(input.chain) - 1)
	some s in input.chain[i].scopes
	not s in input.chain[i - 1].scopes
}

allow if {
	count(input.chain) > 0
	count(widening) == 0
	last := input.chain[count(input.chain) - 1]
	input.tool in last.scopes
	input.tool in data.tools[last.agent_type]
}
"""
    write(out, "agent", policy, {"tools": tools}, {"chain": chain, "tool": "refund"},
          "data.agent.allow")


def rules(out, name, n):
    methods = ["GET", "POST", "PUT", "DELETE"]
    lines = ["package routes", "", "import rego.v1", "", "default allow := false", ""]
    target = None
    for i in range(n):
        m, p = methods[i % 4], f"/api/v1/r{i}/items"
        if i == n // 2:
            target = (m, p)
        lines += ["allow if {", f'\tinput.method == "{m}"', f'\tinput.path == "{p}"', "}", ""]
    write(out, name, "\n".join(lines), {}, {"method": target[0], "path": target[1]},
          "data.routes.allow")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "bench-rego"
    rbac(out)
    abac(out)
    agent(out)
    rules(out, "rules10", 10)
    rules(out, "rules10k", 10000)


if __name__ == "__main__":
    main()
