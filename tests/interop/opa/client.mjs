// SPDX-License-Identifier: Apache-2.0
// OPA's TypeScript SDK (@styra/opa), unchanged, against writ's decision listener: policies
// and data pushed with OPA's REST API, then evaluate (with and without input), the default
// decision, batches (falling back to single decisions, as against OPA), undefined
// documents, evaluation errors, and health.
import assert from 'node:assert/strict';
import { OPAClient } from '@styra/opa';
import { OpaApiClient } from '@styra/opa/sdk/index.js';

const addr = process.env.WRIT_DECISION_ADDR;
let n = 0;
const ok = (what) => console.log(`ok ${++n} - ${what}`);

async function put(path, body, type) {
  const r = await fetch(`${addr}${path}`, {
    method: 'PUT', body, headers: { 'Content-Type': type },
  });
  assert.ok(r.status === 200 || r.status === 204, `PUT ${path}: ${r.status} ${await r.text()}`);
}

async function main() {
  await put('/v1/policies/authz', `package authz
import rego.v1
default allow := false
allow if input.user in data.admins
allow if input.user == "alice"
conflict := 1 if input.a
conflict := 2 if input.b
`, 'text/plain');
  await put('/v1/policies/main', 'package system\nmain := {"allowed": data.authz.allow}\n', 'text/plain');
  await put('/v1/data/admins', '["carol"]', 'application/json');
  ok('policies and data pushed through the REST API');

  const opa = new OPAClient(addr);
  assert.equal(await opa.evaluate('authz/allow', { user: 'alice' }), true);
  assert.equal(await opa.evaluate('authz/allow', { user: 'carol' }), true);
  assert.equal(await opa.evaluate('authz/allow', { user: 'bob' }), false);
  ok('evaluate with input');
  assert.equal(await opa.evaluate('authz/allow'), false);
  assert.deepEqual(await opa.evaluate('admins'), ['carol']);
  ok('evaluate without input (GET)');
  const res = await opa.evaluate('authz', { user: 'alice' }, {
    fromResult: (r) => r.allow,
  });
  assert.equal(res, true);
  ok('evaluate a package with fromResult');
  assert.deepEqual(await opa.evaluateDefault({ user: 'alice' }), { allowed: true });
  assert.deepEqual(await opa.evaluateDefault({ user: 'bob' }), { allowed: false });
  ok('evaluateDefault (POST /)');
  assert.equal(await opa.evaluate('nothing/here', {}), undefined);
  ok('an undefined document evaluates to undefined');
  const batch = await opa.evaluateBatch('authz/allow',
    { a: { user: 'alice' }, b: { user: 'bob' } }, { fallback: true });
  assert.deepEqual(batch, { a: true, b: false });
  ok('evaluateBatch falls back to single decisions');

  await assert.rejects(opa.evaluate('authz/conflict', { a: true, b: true }), (e) => {
    assert.equal(e.name, 'ServerError');
    assert.equal(e.code, 'internal_error');
    assert.equal(e.errors[0].code, 'eval_conflict_error');
    return true;
  });
  ok('an evaluation error rejects with the server error');

  const sdk = new OpaApiClient({ serverURL: addr });
  const h = await sdk.health();
  assert.ok(h.healthyServer !== undefined || h.httpMeta.response.status === 200);
  const hb = await sdk.health(true);
  assert.equal(hb.httpMeta.response.status, 200);
  ok('health and health?bundles');
}

main().then(() => console.log(`${n} passed, 0 failed`)).catch((e) => {
  console.error('FAIL:', e);
  process.exit(1);
});
