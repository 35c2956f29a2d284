// Auth records and the auth endpoints of a user collection through the SDK
// (§4.5, §4.6, §6.2–§6.11, §7.2): the SDK's view of each call. The flows
// through the mails themselves are in authmail.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  guestClient, superuserClient, uniqueName, expectError, decodeJWT,
} from './lib/pb.mjs';

const name = uniqueName('members');
const email = `${name}@example.com`;
const password = 'password-one';
let su;
let userId;

before(async () => {
  su = await superuserClient();
  await su.collections.create({
    name, type: 'auth',
    listRule: 'id = @request.auth.id', viewRule: 'id = @request.auth.id',
    createRule: '', updateRule: 'id = @request.auth.id', deleteRule: 'id = @request.auth.id',
    fields: [{ name: 'nick', type: 'text' }],
  });
  const rec = await guestClient().collection(name).create({ email, password, passwordConfirm: password, nick: 'N' });
  userId = rec.id;
});

after(async () => {
  await su.collections.delete(name);
});

test('a guest creating an auth record must confirm the password', async () => {
  const err = await expectError(guestClient().collection(name).create({ email: `x-${email}`, password: 'short' }), 400);
  assert.equal(err.response.data.passwordConfirm?.code, 'validation_required');
  assert.equal(err.response.data.password, undefined, 'two-stage reporting');
});

test('listAuthMethods has what the SDK reads', async () => {
  const methods = await guestClient().collection(name).listAuthMethods();
  assert.deepEqual(methods.password, { identityFields: ['email'], enabled: true });
  assert.equal(methods.oauth2.enabled, false);
  assert.deepEqual(methods.oauth2.providers, []);
  assert.deepEqual(methods.mfa, { enabled: false, duration: 0 });
  assert.deepEqual(methods.otp, { enabled: false, duration: 0 });
});

test('authWithPassword, authRefresh and the auth store', async () => {
  const pb = guestClient();
  const auth = await pb.collection(name).authWithPassword(email, password);
  assert.equal(auth.record.id, userId);
  assert.equal(auth.record.email, email, 'own email is always shown');
  assert.equal(auth.record.nick, 'N');
  assert.equal(pb.authStore.isValid, true);
  assert.equal(pb.authStore.isSuperuser, false);
  assert.equal(decodeJWT(auth.token).refreshable, true);
  const refreshed = await pb.collection(name).authRefresh();
  assert.equal(refreshed.record.id, userId);
  // A user token is not a superuser's.
  await expectError(pb.collections.getList(1, 1), 403);
  await expectError(pb.collection('_superusers').authRefresh(), 403);
});

test('changing the password needs the old one and ends the session', async () => {
  const pb = guestClient();
  await pb.collection(name).authWithPassword(email, password);
  const err = await expectError(pb.collection(name).update(userId, { password: 'password-two', passwordConfirm: 'password-two' }), 400);
  assert.equal(err.response.data.oldPassword?.code, 'validation_required');
  await pb.collection(name).update(userId, { password: 'password-two', passwordConfirm: 'password-two', oldPassword: password });
  await expectError(pb.collection(name).authRefresh(), 401);
  // Put it back for the other tests, as a superuser (no old password needed).
  await su.collection(name).update(userId, { password, passwordConfirm: password });
});

test('email and verified need manage access', async () => {
  const pb = guestClient();
  await pb.collection(name).authWithPassword(email, password);
  const err = await expectError(pb.collection(name).update(userId, { verified: true }), 400);
  assert.equal(err.response.data.verified?.code, 'validation_values_mismatch');
});

test('impersonate returns a client with a non-refreshable token', async () => {
  const client = await su.collection(name).impersonate(userId, 60);
  assert.equal(client.authStore.record.id, userId);
  const claims = decodeJWT(client.authStore.token);
  assert.equal(claims.refreshable, false);
  assert.ok(Math.abs(claims.exp - (Math.floor(Date.now() / 1000) + 60)) < 30);
  const again = await client.collection(name).authRefresh();
  assert.equal(again.token, client.authStore.token, 'the same token comes back');
  await expectError(guestClient().collection(name).impersonate(userId, 60), 401);
});

test('files.getToken gives a file token', async () => {
  const pb = guestClient();
  await pb.collection(name).authWithPassword(email, password);
  const token = await pb.files.getToken();
  const claims = decodeJWT(token);
  assert.equal(claims.type, 'file');
  assert.equal(claims.id, userId);
  await expectError(guestClient().files.getToken(), 401);
});

test('request-* endpoints answer without telling whether an account exists', async () => {
  const pb = guestClient();
  assert.equal(await pb.collection(name).requestVerification(email), true);
  assert.equal(await pb.collection(name).requestVerification(`nobody-${email}`), true);
  assert.equal(await pb.collection(name).requestPasswordReset(`nobody-${email}`), true);
  const err = await expectError(pb.collection(name).confirmVerification('garbage'), 400);
  assert.equal(err.response.data.token?.code, 'validation_invalid_token_claims');
  const reset = await expectError(pb.collection(name).confirmPasswordReset('a.b.c', 'password-new', 'password-new'), 400);
  assert.equal(reset.response.data.token?.code, 'validation_invalid_token');
});

test('requestEmailChange needs auth of the collection', async () => {
  await expectError(guestClient().collection(name).requestEmailChange(`new-${email}`), 401);
  const pb = guestClient();
  await pb.collection(name).authWithPassword(email, password);
  const err = await expectError(pb.collection(name).requestEmailChange('bad'), 400);
  assert.equal(err.response.data.newEmail?.code, 'validation_is_email');
});

test('OTP request and the MFA challenge', async () => {
  const pb = guestClient();
  await expectError(pb.collection(name).requestOTP(email), 403);
  await su.collections.update(name, { otp: { enabled: true }, mfa: { enabled: true } });
  try {
    const { otpId } = await pb.collection(name).requestOTP(email);
    assert.match(otpId, /^[a-z0-9]{15}$/);
    const unknown = await pb.collection(name).requestOTP(`nobody-${email}`);
    assert.match(unknown.otpId, /^[a-z0-9]{15}$/);
    const wrong = await expectError(pb.collection(name).authWithOTP(otpId, '00000000'), 400);
    assert.deepEqual(wrong.response.data, {});

    // The first factor answers 401 with only {mfaId}.
    let mfa;
    try {
      await pb.collection(name).authWithPassword(email, password);
      assert.fail('expected the MFA challenge');
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      mfa = e;
    }
    assert.equal(mfa.status, 401);
    assert.deepEqual(Object.keys(mfa.response), ['mfaId']);
    const same = await expectError(pb.collection(name).authWithPassword(email, password, { mfaId: mfa.response.mfaId }), 400);
    assert.match(same.response.message, /different authentication method/);
  } finally {
    await su.collections.update(name, { otp: { enabled: false }, mfa: { enabled: false } });
  }
});
