// SPDX-License-Identifier: Apache-2.0
// Real Vault clients from npm (node-vault, hashi-vault-js) against a live writ
// server that starts uninitialised: init, unseal, status, tokens, AppRole,
// KV v2 (cas, versions, delete/undelete/destroy, metadata, list), policies.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const nodeVault = require('node-vault');
const { default: HashiVault } = await import('hashi-vault-js');

const addr = process.env.WRIT_ADDR;
let n = 0;
const ok = (what) => console.log(`ok ${++n} - ${what}`);

async function main() {
  // node-vault: init, unseal, status.
  const nv = nodeVault({ apiVersion: 'v1', endpoint: addr });
  assert.equal((await nv.initialized()).initialized, false); ok('not initialised yet');
  const init = await nv.init({ secret_shares: 5, secret_threshold: 3 });
  assert.equal(init.keys.length, 5); assert.ok(init.root_token); ok('init 3 of 5');
  nv.token = init.root_token;
  let st = await nv.status();
  assert.equal(st.sealed, true); assert.equal(st.t, 3); assert.equal(st.n, 5); ok('sealed after init');
  st = await nv.unseal({ key: init.keys[0] }); assert.equal(st.progress, 1);
  await assert.rejects(nv.unseal({ key: init.keys[0] })); ok('a replayed key is refused');
  st = await nv.unseal({ key: init.keys_base64 ? init.keys_base64[2] : init.keys[2] });
  assert.equal(st.progress, 2);
  st = await nv.unseal({ key: init.keys[4] }); assert.equal(st.sealed, false); ok('unsealed with 3 keys');

  // hashi-vault-js sees the same state.
  const hv = new HashiVault({ https: false, baseUrl: `${addr}/v1`, timeout: 5000, proxy: false });
  assert.equal((await hv.sealStatus()).sealed, false); ok('hashi-vault-js sealStatus');
  const root = init.root_token;

  // Policies with node-vault's `rules` field.
  await nv.addPolicy({ name: 'kv-app', rules: 'path "secret/*" { capabilities = ["create","read","update","patch","delete","list"] }' });
  const pol = await nv.getPolicy({ name: 'kv-app' });
  assert.match(pol.rules, /secret/); ok('policy write with rules, read back');
  assert.ok((await nv.policies()).policies.includes('kv-app')); ok('policy list');

  // KV v2 mount.
  await nv.mount({ mount_point: 'secret', type: 'kv', options: { version: '2' } });
  ok('mount kv v2 at secret/');

  // Tokens.
  const tok = await hv.createToken(root, { policies: ['kv-app'], ttl: '1h', meta: { step: 'train' } });
  assert.ok(tok.client_token); assert.equal(tok.token_type, 'service'); assert.equal(tok.orphan, false);
  ok('hashi-vault-js createToken');
  const self = await hv.lookupSelfToken(tok.client_token);
  assert.ok(self.ttl > 3500 && self.ttl <= 3600); ok('lookup-self ttl');
  const ren = await hv.renewSelfToken(tok.client_token, '2h');
  assert.ok(ren.lease_duration > 0); assert.equal(ren.renewable, true); ok('renew-self');
  const batch = await hv.createToken(root, { policies: ['kv-app'], type: 'batch', no_parent: true });
  assert.equal(batch.token_type, 'batch'); assert.equal(batch.orphan, true); ok('orphan batch token');
  const orphan = await nv.tokenCreateOrphan({ policies: ['kv-app'] });
  assert.equal(orphan.auth.orphan, true); nv.token = root; ok('node-vault tokenCreateOrphan');

  // KV v2 through hashi-vault-js with the child token (it sends cas on every write).
  const t = tok.client_token;
  const w1 = await hv.createKVSecret(t, 'models/gpt', { key: 'v1' });
  assert.equal(w1.version, 1); ok('createKVSecret (cas 0)');
  await assert.rejects(hv.createKVSecret(t, 'models/gpt', { key: 'again' })); ok('second cas 0 refused');
  const w2 = await hv.updateKVSecret(t, 'models/gpt', { key: 'v2' }, 1);
  assert.equal(w2.version, 2); ok('updateKVSecret with cas 1');
  await assert.rejects(hv.updateKVSecret(t, 'models/gpt', { key: 'v3' }, 1)); ok('stale cas refused');
  const r1 = await hv.readKVSecret(t, 'models/gpt', 1);
  assert.equal(r1.data.key, 'v1'); assert.equal(r1.metadata.version, 1); ok('read version 1');
  const r2 = await hv.readKVSecret(t, 'models/gpt');
  assert.equal(r2.data.key, 'v2'); ok('read latest');
  await hv.deleteLatestVerKVSecret(t, 'models/gpt');
  await assert.rejects(hv.readKVSecret(t, 'models/gpt')); ok('soft-deleted latest is 404');
  await hv.undeleteVersionsKVSecret(t, 'models/gpt', [2]);
  assert.equal((await hv.readKVSecret(t, 'models/gpt')).data.key, 'v2'); ok('undelete');
  await hv.destroyVersionsKVSecret(t, 'models/gpt', [1]);
  await assert.rejects(hv.readKVSecret(t, 'models/gpt', 1)); ok('destroy version 1');
  const meta = await hv.readKVSecretMeta(t, 'models/gpt');
  assert.equal(meta.current_version, 2); assert.equal(meta.versions['1'].destroyed, true); ok('metadata');
  await hv.createKVSecretMeta(t, 'models/gpt', { max_versions: 5, custom_metadata: { owner: 'ml' } });
  assert.equal((await hv.readKVSecretMeta(t, 'models/gpt')).custom_metadata.owner, 'ml'); ok('custom metadata');
  const list = await hv.listKVSecrets(t, 'models');
  assert.deepEqual(list.keys, ['gpt']); ok('list');
  nv.token = t;
  const viaNv = await nv.read('secret/data/models/gpt');
  assert.equal(viaNv.data.data.key, 'v2'); ok('node-vault generic read');
  await nv.write('secret/data/models/bert', { data: { k: 'b' } });
  const nvList = await nv.list('secret/metadata/models');
  assert.deepEqual(nvList.data.keys.sort(), ['bert', 'gpt']); ok('node-vault write and LIST');
  nv.token = root;

  // AppRole.
  await nv.enableAuth({ mount_point: 'approle', type: 'approle' });
  await nv.addApproleRole({ role_name: 'pipeline', policies: 'kv-app' });
  const roleId = (await nv.getApproleRoleId({ role_name: 'pipeline' })).data.role_id;
  const sid = await hv.generateAppRoleSecretId(root, 'pipeline');
  assert.ok(sid.secret_id); ok('approle role and secret-id');
  const login = await hv.loginWithAppRole(roleId, sid.secret_id);
  assert.ok(login.client_token); ok('hashi-vault-js loginWithAppRole');
  const nvLogin = await nodeVault({ endpoint: addr }).approleLogin({ role_id: roleId, secret_id: sid.secret_id });
  assert.ok(nvLogin.auth.client_token); ok('node-vault approleLogin');

  // Revocation.
  await hv.revokeSelfToken(t);
  await assert.rejects(hv.lookupSelfToken(t)); ok('revoke-self');
  console.log(`${n} passed, 0 failed`);
}

main().catch((e) => { console.error('FAIL:', e && (e.stack || e.message || e)); process.exit(1); });
