// SPDX-License-Identifier: Apache-2.0
// A real gRPC client (@grpc/grpc-js with @grpc/proto-loader reading writ's own
// proto/ files) calling writ's Envoy ext_authz Check the way Envoy does, against
// `writ server -dev` deciding with tests/interop/envoy/policy.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const addr = process.env.WRIT_GRPC_ADDR;
const protoDir = process.env.WRIT_PROTO_DIR;
let n = 0;
const ok = (what) => console.log(`ok ${++n} - ${what}`);

const def = protoLoader.loadSync('envoy/service/auth/v3/external_auth.proto', {
  includeDirs: [protoDir], keepCase: false, longs: Number, enums: String, defaults: false,
  oneofs: true,
});
const pkg = grpc.loadPackageDefinition(def);
const Authorization = pkg.envoy.service.auth.v3.Authorization;
const client = new Authorization(addr, grpc.credentials.createInsecure());

function check(req, c = client) {
  return new Promise((resolve, reject) =>
    c.Check(req, { deadline: Date.now() + 10000 }, (err, res) => (err ? reject(err) : resolve(res))));
}

// A CheckRequest as Envoy sends it for an HTTP request.
function request(method, path, { headers = {}, body } = {}) {
  return {
    attributes: {
      source: {
        address: { socketAddress: { address: '10.1.2.3', portValue: 40000 } },
        principal: 'spiffe://example.org/ns/default/sa/client',
      },
      destination: { address: { socketAddress: { address: '10.1.2.4', portValue: 8080 } } },
      request: {
        time: { seconds: 1700000000, nanos: 5 },
        http: {
          id: '42', method, path, host: 'app.example', scheme: 'http', protocol: 'HTTP/1.1',
          headers: { ':authority': 'app.example', ':method': method, ':path': path, ...headers },
          ...(body !== undefined ? { body, size: Buffer.byteLength(body) } : {}),
        },
      },
      contextExtensions: { virtual_host: 'local' },
    },
  };
}

// google.protobuf.Struct / Value as decoded by proto-loader -> plain JS.
function plain(v) {
  if (v === null || v === undefined) return v;
  if ('fields' in v) return Object.fromEntries(Object.entries(v.fields || {}).map(([k, x]) => [k, plain(x)]));
  switch (v.kind) {
    case 'nullValue': return null;
    case 'numberValue': return v.numberValue;
    case 'stringValue': return v.stringValue;
    case 'boolValue': return v.boolValue;
    case 'structValue': return plain(v.structValue);
    case 'listValue': return (v.listValue.values || []).map(plain);
    default: return undefined;
  }
}

const code = (st) => (st && st.code) || 0;
const headerList = (opts) => (opts || []).map((o) => `${o.header.key}: ${o.header.value}`).sort();

async function main() {
  // 1. An object decision that allows, adding and removing headers.
  let r = await check(request('GET', '/allowed?debug=1', { headers: { 'x-secret': 's' } }));
  assert.equal(code(r.status), 0);
  assert.equal(r.httpResponse, 'okResponse');
  assert.deepEqual(headerList(r.okResponse.headers),
    ['X-Ext-Auth-User: alice', 'X-Roles: reader', 'X-Roles: writer']);
  assert.deepEqual(headerList(r.okResponse.responseHeadersToAdd), ['X-Decided-By: writ']);
  assert.deepEqual(r.okResponse.headersToRemove, ['x-secret']);
  assert.deepEqual(r.okResponse.queryParametersToSet.map((q) => [q.key, q.value]), [['page', '2']]);
  assert.deepEqual(r.okResponse.queryParametersToRemove, ['debug']);
  ok('allow: headers added and removed, query parameters set and removed');
  const md = plain(r.dynamicMetadata);
  assert.equal(md.user, 'alice');
  assert.equal(md.level, 3);
  assert.match(md.decision_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  ok('allow: dynamic metadata with a decision_id');

  // 2. An object decision that denies with a status, a body and headers.
  r = await check(request('GET', '/private'));
  assert.equal(code(r.status), 7);
  assert.equal(r.httpResponse, 'deniedResponse');
  assert.equal(r.deniedResponse.status.code, 'Unauthorized');
  assert.equal(r.deniedResponse.body, 'token required');
  assert.deepEqual(headerList(r.deniedResponse.headers), ['Www-Authenticate: Bearer realm="writ"']);
  assert.ok(plain(r.dynamicMetadata).decision_id);
  ok('deny: 401 with body and headers');

  // 3. Boolean decisions: true, and the default false.
  r = await check(request('GET', '/public'));
  assert.equal(code(r.status), 0);
  assert.equal(r.httpResponse, undefined);
  ok('boolean true allows, no http_response');
  r = await check(request('DELETE', '/anything'));
  assert.equal(code(r.status), 7);
  assert.equal(r.httpResponse, undefined);
  ok('default false denies');

  // 4. The input document the policy sees.
  r = await check(request('POST', '/echo/a%2Fb/?a=1&a=2&b', {
    headers: { 'content-type': 'application/json' }, body: '{"firstname":"Ann","n":[1,2]}',
  }));
  const input = plain(r.dynamicMetadata).input;
  assert.deepEqual(input.version, { ext_authz: 'v3', encoding: 'protojson' });
  assert.deepEqual(input.parsed_path, ['echo', 'a', 'b', '']);
  assert.deepEqual(input.parsed_query, { a: ['1', '2'], b: [''] });
  assert.deepEqual(input.parsed_body, { firstname: 'Ann', n: [1, 2] });
  assert.equal(input.truncated_body, false);
  assert.equal(input.source_principal, 'spiffe://example.org/ns/default/sa/client');
  const a = input.attributes;
  assert.deepEqual(a.source.address, { socketAddress: { address: '10.1.2.3', portValue: 40000 } });
  assert.deepEqual(a.destination.address.socketAddress.portValue, 8080);
  assert.deepEqual(a.request.time, { seconds: 1700000000, nanos: 5 });
  assert.equal(a.request.http.method, 'POST');
  assert.equal(a.request.http.headers['content-type'], 'application/json');
  assert.equal(a.request.http.size, 29);
  assert.deepEqual(a.contextExtensions, { virtual_host: 'local' });
  ok('input: attributes, version, parsed_path, parsed_query, parsed_body, source_principal');

  // 5. A request that cannot become input: denied with 400, no decision.
  r = await check(request('GET', '/bad%zz'));
  assert.equal(code(r.status), 7);
  assert.equal(r.deniedResponse.status.code, 'BadRequest');
  assert.equal(r.deniedResponse.body, 'request_parse_error: invalid URL escape "%zz"');
  ok('request_parse_error: 400');

  // 6. A decision OPA's plugin would not accept: UNKNOWN.
  await assert.rejects(check(request('GET', '/weird')), (e) => {
    assert.equal(e.code, grpc.status.UNKNOWN);
    assert.match(e.details, /illegal value for policy evaluation result/);
    return true;
  });
  ok('a malformed decision fails with UNKNOWN');

  // 7. An unknown method: UNIMPLEMENTED.
  const raw = new grpc.Client(addr, grpc.credentials.createInsecure());
  await new Promise((resolve) => raw.makeUnaryRequest('/envoy.service.auth.v3.Authorization/Nope',
    (x) => x, (x) => x, Buffer.alloc(0), (err) => {
      assert.equal(err.code, grpc.status.UNIMPLEMENTED);
      resolve();
    }));
  ok('unknown method: UNIMPLEMENTED');

  // 8. A message over 4 MiB: RESOURCE_EXHAUSTED, and the connection still works.
  await assert.rejects(check(request('POST', '/echo', {
    headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(5 << 20),
  })), (e) => {
    assert.equal(e.code, grpc.status.RESOURCE_EXHAUSTED);
    return true;
  });
  r = await check(request('GET', '/public'));
  assert.equal(code(r.status), 0);
  ok('oversized message: RESOURCE_EXHAUSTED, connection still usable');

  // 9. Garbage instead of a CheckRequest: INTERNAL.
  await new Promise((resolve) => raw.makeUnaryRequest('/envoy.service.auth.v3.Authorization/Check',
    (x) => x, (x) => x, Buffer.from([0x0a, 0x05, 0x0a]), (err) => {
      assert.equal(err.code, grpc.status.INTERNAL);
      resolve();
    }));
  ok('malformed message: INTERNAL');
  raw.close();

  // 10. A compressed message: only identity is accepted.
  const gz = new Authorization(addr, grpc.credentials.createInsecure(),
    { 'grpc.default_compression_algorithm': 2 /* gzip */ });
  await assert.rejects(check(request('GET', '/public', { headers: { pad: 'y'.repeat(2000) } }), gz),
    (e) => {
      assert.equal(e.code, grpc.status.UNIMPLEMENTED);
      assert.match(e.details, /compressed/);
      return true;
    });
  gz.close();
  ok('compressed message: UNIMPLEMENTED');

  // 11. Many calls at once on one connection (HTTP/2 streams).
  const many = await Promise.all(Array.from({ length: 200 }, (_, i) =>
    check(request('GET', i % 2 ? '/public' : '/private'))));
  many.forEach((x, i) => assert.equal(code(x.status), i % 2 ? 0 : 7));
  ok('200 concurrent calls');

  client.close();
}

main().catch((e) => { console.error(e); process.exit(1); });
