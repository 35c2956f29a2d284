// Health endpoint and generic routing/error behaviour (§1.1, §1.5, §10.5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guestClient, superuserClient, rawFetch, assertErrorBody } from './lib/pb.mjs';

test('pb.health.check() answers code 200 for guests', async () => {
  const res = await guestClient().health.check();
  assert.equal(res.code, 200);
  assert.equal(typeof res.message, 'string');
  assert.ok(res.message.length > 0);
  assert.deepEqual(res.data, {});
});

test('pb.health.check() with a superuser token reports data.canBackup', async () => {
  const pb = await superuserClient();
  const res = await pb.health.check();
  assert.equal(res.code, 200);
  assert.equal(typeof res.data, 'object');
  assert.equal(typeof res.data.canBackup, 'boolean');
});

test('GET /api/health is JSON', async () => {
  const res = await rawFetch('/api/health');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(res.body.code, 200);
});

test('unknown /api path answers 404 with the standard error body', async () => {
  const res = await rawFetch('/api/definitely/not/a/route');
  assert.equal(res.status, 404);
  assertErrorBody(res.body, 404);
});

test('a known path with an unsupported method answers 404, not 405', async () => {
  const res = await rawFetch('/api/health', { method: 'PUT' });
  assert.equal(res.status, 404);
  assertErrorBody(res.body, 404);
});

test('invalid JSON body answers 400 with empty data', async () => {
  const pb = await superuserClient();
  const res = await rawFetch('/api/collections', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: pb.authStore.token },
    body: '{"name": ',
  });
  assert.equal(res.status, 400);
  assertErrorBody(res.body, 400);
  assert.deepEqual(res.body.data, {});
});
