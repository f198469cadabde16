// SPDX-License-Identifier: Apache-2.0
// Cedar deciding bench/rego's RBAC question: one permit policy per role grant (read from the
// scenario's data.json), the user's roles given as the principal's parents, policies parsed
// once (statefulIsAuthorized), two seconds of warm-up, then every decision timed.  Usage: node rbac.mjs SCENARIO_DIR [seconds]
// Prints the same key=value line as bench_rego.
import { readFileSync } from 'node:fs';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';

const dir = process.argv[2];
const secs = Number(process.argv[3] || 3);
const data = JSON.parse(readFileSync(`${dir}/data.json`, 'utf8'));
const input = JSON.parse(readFileSync(`${dir}/input.json`, 'utf8'));
const typeName = (t) => t.charAt(0).toUpperCase() + t.slice(1);

let policies = '';
for (const [role, grants] of Object.entries(data.roles)) {
  for (const g of grants) {
    policies += `permit(principal in Role::"${role}", action == Action::"${g.action}", ` +
      `resource is ${typeName(g.type)});\n`;
  }
}
const t0 = process.hrtime.bigint();
const parsed = cedar.preparsePolicySet('rbac', { staticPolicies: policies });
if (parsed.type !== 'success') throw new Error(JSON.stringify(parsed.errors));
const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;

const call = {
  principal: { type: 'User', id: input.user },
  action: { type: 'Action', id: input.action },
  resource: { type: typeName(input.type), id: 'm1' },
  context: {},
  preparsedPolicySetId: 'rbac',
  entities: [{
    uid: { type: 'User', id: input.user }, attrs: {},
    parents: data.bindings[input.user].map((r) => ({ type: 'Role', id: r })),
  }],
};
const first = cedar.statefulIsAuthorized(call);
if (first.type !== 'success') throw new Error(JSON.stringify(first.errors));
// Warm up first: the wasm code is compiled by a baseline tier and optimised while it runs
// (measured: 1.3 ms a call at first, 46 us after ~10,000 calls for one policy).
const warm = process.hrtime.bigint() + 2000000000n;
while (process.hrtime.bigint() < warm) cedar.statefulIsAuthorized(call);
const lat = [];
const end = process.hrtime.bigint() + BigInt(Math.round(secs * 1e9));
for (;;) {
  const s = process.hrtime.bigint();
  cedar.statefulIsAuthorized(call);
  const e = process.hrtime.bigint();
  lat.push(Number(e - s));
  if (e >= end) break;
}
lat.sort((a, b) => a - b);
console.log(`decisions=${lat.length} median_ns=${lat[lat.length >> 1]} ` +
  `p99_ns=${lat[Math.floor(lat.length * 0.99)]} allocs=- compile_ms=${compileMs.toFixed(1)} ` +
  `compiled_kb=- result=${first.response.decision}`);
