// Superuser authentication through the SDK (§6.1, §6.3, §6.4, §6.11).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  guestClient, superuserClient, superuserEmail, superuserPassword,
  expectError, decodeJWT, sleep, DATE_RE, RECORD_ID_RE,
} from './lib/pb.mjs';

const SUPERUSERS_ID = 'pbc_3142635823';
const SUPERUSER_TOKEN_SECONDS = 86400;

test('superuser authWithPassword returns token and record', async () => {
  const pb = guestClient();
  const auth = await pb.collection('_superusers').authWithPassword(superuserEmail, superuserPassword);

  assert.equal(typeof auth.token, 'string');
  assert.equal(auth.record.email, superuserEmail);
  assert.equal(auth.record.collectionName, '_superusers');
  assert.equal(auth.record.collectionId, SUPERUSERS_ID);
  assert.match(auth.record.id, RECORD_ID_RE);
  assert.match(auth.record.created, DATE_RE);
  assert.match(auth.record.updated, DATE_RE);
  assert.equal(auth.record.password, undefined, 'password is never serialized');
  assert.equal(auth.record.tokenKey, undefined, 'tokenKey is never serialized');

  const claims = decodeJWT(auth.token);
  assert.equal(claims.type, 'auth');
  assert.equal(claims.id, auth.record.id);
  assert.equal(claims.collectionId, SUPERUSERS_ID);
  assert.equal(claims.refreshable, true);
  const now = Math.floor(Date.now() / 1000);
  assert.ok(Math.abs(claims.exp - (now + SUPERUSER_TOKEN_SECONDS)) < 120,
    `superuser token should live one day, exp=${claims.exp} now=${now}`);

  assert.equal(pb.authStore.token, auth.token);
  assert.equal(pb.authStore.isValid, true);
  assert.equal(pb.authStore.isSuperuser, true);
});

test('the token authorizes superuser-only endpoints', async () => {
  const pb = await superuserClient();
  const list = await pb.collections.getList(1, 5);
  assert.ok(Array.isArray(list.items));
});

test('the server also accepts "Bearer TOKEN"', async () => {
  const pb = await superuserClient();
  const bearer = guestClient();
  const list = await bearer.collections.getList(1, 1, {
    headers: { Authorization: `Bearer ${pb.authStore.token}` },
  });
  assert.ok(Array.isArray(list.items));
});

test('wrong password answers 400 with empty data', async () => {
  const pb = guestClient();
  const err = await expectError(
    pb.collection('_superusers').authWithPassword(superuserEmail, superuserPassword + 'x'), 400);
  assert.deepEqual(err.response.data, {});
  assert.equal(pb.authStore.token, '');
});

test('unknown identity answers the same 400 as a wrong password', async () => {
  const pb = guestClient();
  const err = await expectError(
    pb.collection('_superusers').authWithPassword('nobody-here@example.com', superuserPassword), 400);
  assert.deepEqual(err.response.data, {});
});

test('missing identity is a validation error', async () => {
  const pb = guestClient();
  const err = await expectError(pb.collection('_superusers').authWithPassword('', superuserPassword), 400);
  assert.equal(err.response.data.identity?.code, 'validation_required');
});

test('auth-with-password on an unknown collection answers 404', async () => {
  await expectError(guestClient().collection('no_such_auth_collection').authWithPassword('a@b.c', 'x'), 404);
});

test('authRefresh issues a new token for the same superuser', async () => {
  const pb = await superuserClient();
  const before = pb.authStore.token;
  const beforeClaims = decodeJWT(before);
  // exp has one-second resolution: wait so a fresh token must differ.
  await sleep(1100);
  const auth = await pb.collection('_superusers').authRefresh();
  assert.equal(auth.record.email, superuserEmail);
  assert.equal(auth.record.collectionName, '_superusers');
  assert.notEqual(auth.token, before);
  const claims = decodeJWT(auth.token);
  assert.equal(claims.id, beforeClaims.id);
  assert.equal(claims.type, 'auth');
  assert.ok(claims.exp > beforeClaims.exp, 'refreshed token expires later');
  assert.equal(pb.authStore.token, auth.token);
  // The refreshed token still works.
  await pb.collections.getList(1, 1);
});

test('authRefresh as guest answers 401', async () => {
  await expectError(guestClient().collection('_superusers').authRefresh(), 401);
});

test('a garbage token is treated as guest, not as an error', async () => {
  const pb = guestClient();
  pb.authStore.save('not-a-token', null);
  const res = await pb.health.check();
  assert.equal(res.code, 200);
  await expectError(pb.collections.getList(1, 1), 401);
});

test('collections API requires a superuser', async () => {
  await expectError(guestClient().collections.getList(1, 1), 401);
});
