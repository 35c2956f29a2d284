// Auth flows that go through e-mail, end to end through the SDK: the
// server sends to the harness's SMTP sink and the tests read the mails
// back (§6.2–§6.10, §6.11). Registration, verification, password reset,
// e-mail change, OTP, MFA, impersonation and enumeration protection.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  guestClient, superuserClient, superuserEmail, uniqueName, expectError, decodeJWT, sleep,
} from './lib/pb.mjs';
import { haveMail, enableMail, nextMail, noMail, linkToken } from './lib/fixtures.mjs';

const PASSWORD = 'first-Passw0rd';

describe('auth mail flows', { skip: !haveMail && 'needs the SMTP sink of e2e_test.go' }, () => {
  let su;
  let members; // password auth only
  let otpUsers; // password + OTP, MFA switched on in its own test
  const rules = {
    listRule: 'id = @request.auth.id', viewRule: 'id = @request.auth.id',
    createRule: '', updateRule: 'id = @request.auth.id', deleteRule: 'id = @request.auth.id',
  };

  before(async () => {
    su = await superuserClient();
    await enableMail(su);
    members = uniqueName('members');
    await su.collections.create({ name: members, type: 'auth', ...rules, fields: [{ name: 'nick', type: 'text' }] });
    otpUsers = uniqueName('otpusers');
    await su.collections.create({ name: otpUsers, type: 'auth', ...rules, otp: { enabled: true } });
  });

  after(async () => {
    for (const c of [members, otpUsers]) {
      try { await su.collections.delete(c); } catch { /* best effort */ }
    }
  });

  // user makes an account through the superuser and returns its id.
  async function user(collection, opts = {}) {
    const email = `${uniqueName('u')}@example.com`;
    const rec = await su.collection(collection).create({
      email, password: PASSWORD, passwordConfirm: PASSWORD, verified: Boolean(opts.verified),
    });
    return { id: rec.id, email };
  }

  async function login(collection, email, password = PASSWORD) {
    const pb = guestClient();
    await pb.collection(collection).authWithPassword(email, password);
    return pb;
  }

  test('registration with passwordConfirm, then verification by mail', async () => {
    const email = `${uniqueName('reg')}@example.com`;
    const guest = guestClient();
    const mismatch = await expectError(guest.collection(members).create({ email, password: PASSWORD, passwordConfirm: 'other-Passw0rd' }), 400);
    assert.equal(mismatch.response.data.passwordConfirm?.code, 'validation_values_mismatch');
    const rec = await guest.collection(members).create({ email, password: PASSWORD, passwordConfirm: PASSWORD, nick: 'Reg' });
    assert.equal(rec.verified, false);
    assert.equal(rec.nick, 'Reg');
    assert.equal(rec.email, undefined, 'email is hidden from a guest without emailVisibility');
    assert.equal(rec.password, undefined);
    assert.equal(rec.passwordConfirm, undefined);

    const pb = await login(members, email);
    assert.equal(pb.authStore.record.verified, false);
    assert.equal(await pb.collection(members).requestVerification(email), true);
    const mail = await nextMail(email);
    assert.deepEqual(mail.to, [email]);
    assert.equal(mail.from, 'noreply@app.test');
    assert.match(mail.subject, /^Verify your .+ email$/);
    const token = linkToken(mail, 'confirm-verification');
    const claims = decodeJWT(token);
    assert.equal(claims.type, 'verification');
    assert.equal(claims.id, rec.id);
    assert.equal(claims.email, email);
    assert.equal(claims.collectionId, rec.collectionId);
    assert.ok(Math.abs(claims.exp - (Date.now() / 1000 + 86400)) < 120, 'verification tokens live a day');

    // The SDK flips verified in its auth store when the token is its record's.
    assert.equal(await pb.collection(members).confirmVerification(token), true);
    assert.equal(pb.authStore.record.verified, true);
    assert.equal((await su.collection(members).getOne(rec.id)).verified, true);
    // A still valid token may be used again; the session survives.
    assert.equal(await guestClient().collection(members).confirmVerification(token), true);
    await pb.collection(members).authRefresh();
    // Verified records get no more verification mails, yet the same answer.
    assert.equal(await guestClient().collection(members).requestVerification(email), true);
    await noMail(email);
  });

  test('a verification token stops working once the email changes', async () => {
    const u = await user(members);
    await guestClient().collection(members).requestVerification(u.email);
    const token = linkToken(await nextMail(u.email), 'confirm-verification');
    await su.collection(members).update(u.id, { email: `changed-${u.email}` });
    const err = await expectError(guestClient().collection(members).confirmVerification(token), 400);
    assert.ok(['validation_invalid_token', 'validation_token_email_mismatch'].includes(err.response.data.token?.code),
      JSON.stringify(err.response));
    const other = uniqueName('othermembers');
    await su.collections.create({ name: other, type: 'auth' });
    try {
      const tokenOfOther = await (async () => {
        const o = await user(other);
        await guestClient().collection(other).requestVerification(o.email);
        return linkToken(await nextMail(o.email), 'confirm-verification');
      })();
      const mismatch = await expectError(guestClient().collection(members).confirmVerification(tokenOfOther), 400);
      assert.equal(mismatch.response.data.token?.code, 'validation_token_collection_mismatch');
    } finally {
      await su.collections.delete(other);
    }
  });

  test('password reset: new password works, old one and the token do not', async () => {
    const u = await user(members);
    const session = await login(members, u.email);
    const guest = guestClient();
    assert.equal(await guest.collection(members).requestPasswordReset(u.email), true);
    const mail = await nextMail(u.email);
    assert.match(mail.subject, /^Reset your .+ password$/);
    const token = linkToken(mail, 'confirm-password-reset');
    const claims = decodeJWT(token);
    assert.equal(claims.type, 'passwordReset');
    assert.equal(claims.id, u.id);
    assert.equal(claims.email, u.email);
    assert.ok(Math.abs(claims.exp - (Date.now() / 1000 + 1800)) < 120, 'reset tokens live 30 minutes');
    // A second request inside the throttle window answers the same, sends nothing.
    assert.equal(await guest.collection(members).requestPasswordReset(u.email), true);
    await noMail(u.email);

    const newPassword = 'second-Passw0rd';
    const mismatch = await expectError(guest.collection(members).confirmPasswordReset(token, newPassword, 'different-Passw0rd'), 400);
    assert.equal(mismatch.response.data.passwordConfirm?.code, 'validation_values_mismatch');
    // The form checks the length against the field's min (8) and 255.
    const short = await expectError(guest.collection(members).confirmPasswordReset(token, 'short', 'short'), 400);
    assert.equal(short.response.data.password?.code, 'validation_length_out_of_range');
    assert.deepEqual(short.response.data.password?.params, { min: 8, max: 255 });
    assert.equal(await guest.collection(members).confirmPasswordReset(token, newPassword, newPassword), true);

    const old = await expectError(guestClient().collection(members).authWithPassword(u.email, PASSWORD), 400);
    assert.deepEqual(old.response.data, {});
    const fresh = await login(members, u.email, newPassword);
    assert.equal(fresh.authStore.record.id, u.id);
    assert.equal(fresh.authStore.record.verified, true, 'a reset through the mail proves the address');
    // The reset rotated the token key: the old session and the reset token are dead.
    await expectError(session.collection(members).authRefresh(), 401);
    const again = await expectError(guest.collection(members).confirmPasswordReset(token, 'third-Passw0rd', 'third-Passw0rd'), 400);
    assert.equal(again.response.data.token?.code, 'validation_invalid_token');
  });

  test('email change: mail to the new address, confirm with the password', async () => {
    const u = await user(members, { verified: false });
    const taken = await user(members);
    const pb = await login(members, u.email);
    const bystander = await login(members, u.email);
    const newEmail = `new-${u.email}`;

    await expectError(guestClient().collection(members).requestEmailChange(newEmail), 401);
    const dup = await expectError(pb.collection(members).requestEmailChange(taken.email), 400);
    assert.equal(dup.response.data.newEmail?.code, 'validation_invalid_new_email');
    const same = await expectError(pb.collection(members).requestEmailChange(u.email), 400);
    assert.ok(same.response.data.newEmail, JSON.stringify(same.response));

    assert.equal(await pb.collection(members).requestEmailChange(newEmail), true);
    const mail = await nextMail(newEmail);
    assert.deepEqual(mail.to, [newEmail]);
    assert.match(mail.subject, /^Confirm your .+ new email address$/);
    const token = linkToken(mail, 'confirm-email-change');
    const claims = decodeJWT(token);
    assert.equal(claims.type, 'emailChange');
    assert.equal(claims.email, u.email);
    assert.equal(claims.newEmail, newEmail);
    await noMail(u.email, 100);

    const wrong = await expectError(guestClient().collection(members).confirmEmailChange(token, 'wrong-Passw0rd'), 400);
    assert.equal(wrong.response.data.password?.code, 'validation_invalid_password');
    const garbage = await expectError(guestClient().collection(members).confirmEmailChange('a.b.c', PASSWORD), 400);
    assert.ok(garbage.response.data.token, JSON.stringify(garbage.response));

    // The SDK clears its auth store when the token belongs to its record.
    assert.equal(await pb.collection(members).confirmEmailChange(token, PASSWORD), true);
    assert.equal(pb.authStore.token, '');
    const rec = await su.collection(members).getOne(u.id);
    assert.equal(rec.email, newEmail);
    assert.equal(rec.verified, true);
    // Old sessions die with the token key; the new address signs in.
    await expectError(bystander.collection(members).authRefresh(), 401);
    const fresh = await login(members, newEmail);
    assert.equal(fresh.authStore.record.email, newEmail);
    // The token cannot be replayed.
    await expectError(guestClient().collection(members).confirmEmailChange(token, PASSWORD), 400);
  });

  test('superusers: no verification mails, no email-change flow', async () => {
    const err = await expectError(guestClient().collection('_superusers').requestVerification(superuserEmail), 400);
    assert.match(err.response.message, /superusers are verified/i);
    const change = await expectError(su.collection('_superusers').requestEmailChange(`x-${superuserEmail}`), 400);
    assert.match(change.response.message, /superusers can change their emails directly/i);
  });

  test('OTP sign-in verifies the address and randomizes the password', async () => {
    const u = await user(otpUsers);
    const session = await login(otpUsers, u.email);
    const pb = guestClient();
    const { otpId } = await pb.collection(otpUsers).requestOTP(u.email);
    assert.match(otpId, /^[a-z0-9]{15}$/);
    const mail = await nextMail(u.email);
    assert.match(mail.subject, /^OTP for /);
    const code = mail.html.match(/<strong>(\d+)<\/strong>/)?.[1];
    assert.ok(code, `no OTP in ${mail.html}`);
    assert.equal(code.length, 8, 'default OTP length');

    const wrong = await expectError(pb.collection(otpUsers).authWithOTP(otpId, code === '00000000' ? '11111111' : '00000000'), 400);
    assert.deepEqual(wrong.response.data, {});
    const auth = await pb.collection(otpUsers).authWithOTP(otpId, code);
    assert.equal(auth.record.id, u.id);
    assert.equal(auth.record.email, u.email);
    assert.equal(auth.record.verified, true, 'the OTP went to the record address');
    assert.equal(pb.authStore.isValid, true);
    assert.equal(decodeJWT(auth.token).refreshable, true);
    await pb.collection(otpUsers).authRefresh();
    // The OTP is spent; the password was randomized, ending older sessions.
    const spent = await expectError(guestClient().collection(otpUsers).authWithOTP(otpId, code), 400);
    assert.equal(spent.response.message, 'Invalid or expired OTP.');
    await expectError(session.collection(otpUsers).authRefresh(), 401);
  });

  test('MFA: password then OTP with the mfaId, and the other way round', async () => {
    await su.collections.update(otpUsers, { mfa: { enabled: true } });
    try {
      const methods = await guestClient().collection(otpUsers).listAuthMethods();
      assert.deepEqual(methods.mfa, { enabled: true, duration: 600 });
      assert.deepEqual(methods.otp, { enabled: true, duration: 180 });

      const u = await user(otpUsers, { verified: true });
      const pb = guestClient();
      const first = await mfaChallenge(pb.collection(otpUsers).authWithPassword(u.email, PASSWORD));
      assert.equal(pb.authStore.token, '', 'nothing is stored before the second factor');
      const { otpId } = await pb.collection(otpUsers).requestOTP(u.email);
      const code = (await nextMail(u.email)).html.match(/<strong>(\d+)<\/strong>/)[1];
      const bogus = await expectError(pb.collection(otpUsers).authWithOTP(otpId, code, { mfaId: 'abcdefghijklmno' }), 400);
      assert.equal(bogus.response.message, 'Invalid or expired MFA session.');
      // (PocketBase keeps an OTP whose MFA step failed; Plinth spends it,
      // which the contract allows: ask for a fresh one.)
      const retry = await pb.collection(otpUsers).requestOTP(u.email);
      const retryCode = (await nextMail(u.email)).html.match(/<strong>(\d+)<\/strong>/)[1];
      const auth = await pb.collection(otpUsers).authWithOTP(retry.otpId, retryCode, { mfaId: first });
      assert.equal(auth.record.id, u.id);
      assert.equal(pb.authStore.record.id, u.id);
      // Refreshing and impersonating never ask for a second factor.
      await pb.collection(otpUsers).authRefresh();
      const imp = await su.collection(otpUsers).impersonate(u.id, 120);
      assert.equal(imp.authStore.record.id, u.id);

      // OTP first, then the password.
      const pb2 = guestClient();
      const second = await pb2.collection(otpUsers).requestOTP(u.email);
      const code2 = (await nextMail(u.email)).html.match(/<strong>(\d+)<\/strong>/)[1];
      const mfaId = await mfaChallenge(pb2.collection(otpUsers).authWithOTP(second.otpId, code2));
      const auth2 = await pb2.collection(otpUsers).authWithPassword(u.email, PASSWORD, { mfaId });
      assert.equal(auth2.record.id, u.id);
      // The MFA session is spent.
      const spent = await expectError(guestClient().collection(otpUsers).authWithPassword(u.email, PASSWORD, { mfaId }), 400);
      assert.ok(spent.response.message === 'Invalid or expired MFA session.' || spent.response.message === 'A different authentication method is required.',
        spent.response.message);
    } finally {
      await su.collections.update(otpUsers, { mfa: { enabled: false } });
    }
  });

  test('listAuthMethods reflects the collection options', async () => {
    let m = await guestClient().collection(otpUsers).listAuthMethods();
    assert.deepEqual(m.password, { identityFields: ['email'], enabled: true });
    assert.deepEqual(m.otp, { enabled: true, duration: 180 });
    assert.deepEqual(m.mfa, { enabled: false, duration: 0 });
    assert.deepEqual(m.oauth2, { providers: [], enabled: false });
    assert.deepEqual(Object.keys(m).sort(), ['mfa', 'oauth2', 'otp', 'password'], 'the SDK asks for these fields only');
    await su.collections.update(otpUsers, { passwordAuth: { enabled: false }, otp: { duration: 300 } });
    try {
      m = await guestClient().collection(otpUsers).listAuthMethods();
      assert.deepEqual(m.password, { identityFields: [], enabled: false });
      assert.deepEqual(m.otp, { enabled: true, duration: 300 });
      const u = await user(otpUsers);
      await expectError(guestClient().collection(otpUsers).authWithPassword(u.email, PASSWORD), 403);
      const reset = await expectError(guestClient().collection(otpUsers).requestPasswordReset(u.email), 400);
      assert.match(reset.response.message, /password authentication/);
    } finally {
      await su.collections.update(otpUsers, { passwordAuth: { enabled: true }, otp: { duration: 180 } });
    }
    await expectError(guestClient().collection(members).requestOTP('someone@example.com'), 403);
  });

  test('authRule, identityField and auth routes of non-auth collections', async () => {
    const u = await user(members);
    await su.collections.update(members, { authRule: 'verified = true' });
    try {
      const err = await expectError(guestClient().collection(members).authWithPassword(u.email, PASSWORD), 403);
      assert.equal(err.response.message, "The request doesn't satisfy the collection requirements to authenticate.");
      await su.collection(members).update(u.id, { verified: true });
      await login(members, u.email);
    } finally {
      await su.collections.update(members, { authRule: '' });
    }
    const explicit = await guestClient().collection(members).authWithPassword(u.email, PASSWORD, {
      body: { identity: u.email, password: PASSWORD, identityField: 'email' },
    });
    assert.equal(explicit.record.id, u.id);
    const bad = await expectError(guestClient().collection(members).authWithPassword(u.email, PASSWORD, {
      body: { identity: u.email, password: PASSWORD, identityField: 'nick' },
    }), 400);
    assert.equal(bad.response.data.identityField?.code, 'validation_in_invalid');
    const picked = await guestClient().collection(members).authWithPassword(u.email, PASSWORD, { fields: 'token,record.id' });
    assert.deepEqual(Object.keys(picked.record), ['id']);

    const base = uniqueName('notauth');
    await su.collections.create({ name: base, type: 'base' });
    try {
      const err = await expectError(guestClient().collection(base).authWithPassword(u.email, PASSWORD), 404);
      assert.equal(err.response.message, 'Missing or invalid auth collection context.');
      await expectError(guestClient().collection(base).listAuthMethods(), 404);
      await expectError(guestClient().collection(base).requestOTP(u.email), 404);
    } finally {
      await su.collections.delete(base);
    }
    const missing = await expectError(guestClient().collection('no_such_collection_here').requestPasswordReset(u.email), 404);
    assert.equal(missing.response.message, 'Missing or invalid collection context.');
  });

  test('authRefresh returns a new token and honours expand and fields', async () => {
    const u = await user(members);
    const pb = await login(members, u.email);
    const before = pb.authStore.token;
    await sleep(1100);
    const auth = await pb.collection(members).authRefresh({ fields: 'token,record.id,record.email' });
    assert.notEqual(auth.token, before);
    assert.deepEqual(Object.keys(auth.record).sort(), ['email', 'id']);
    assert.equal(decodeJWT(auth.token).id, u.id);
    assert.equal(pb.authStore.token, auth.token);
    // Both tokens stay valid: there is no server-side session list.
    const old = guestClient();
    old.authStore.save(before, null);
    assert.equal((await old.collection(members).authRefresh()).record.id, u.id);
    // A token of another collection is refused.
    await expectError(pb.collection(otpUsers).authRefresh(), 403);
  });

  test('impersonate: non-refreshable token of the chosen duration', async () => {
    const u = await user(members);
    const client = await su.collection(members).impersonate(u.id, 3600);
    assert.notEqual(client, su, 'a new client');
    assert.equal(su.authStore.isSuperuser, true, 'the superuser client is untouched');
    assert.equal(client.authStore.record.id, u.id);
    assert.equal(client.authStore.record.email, u.email);
    const claims = decodeJWT(client.authStore.token);
    assert.equal(claims.refreshable, false);
    assert.equal(claims.type, 'auth');
    assert.ok(Math.abs(claims.exp - (Date.now() / 1000 + 3600)) < 60);
    // The token acts as the user under the collection's rules.
    const own = await client.collection(members).getList(1, 10);
    assert.deepEqual(own.items.map((r) => r.id), [u.id]);
    const refreshed = await client.collection(members).authRefresh();
    assert.equal(refreshed.token, client.authStore.token, 'the same token comes back');

    const dflt = await su.collection(members).impersonate(u.id, 0);
    assert.ok(Math.abs(decodeJWT(dflt.authStore.token).exp - (Date.now() / 1000 + 432000)) < 60, 'duration 0 = authToken.duration');
    await expectError(su.collection(members).impersonate('nosuchrecord123', 60), 404);
    const asUser = await login(members, u.email);
    await expectError(asUser.collection(members).impersonate(u.id, 60), 403);
    await expectError(guestClient().collection(members).impersonate(u.id, 60), 401);
  });

  test('unknown addresses get the same answers and no mail', async () => {
    const nobody = `${uniqueName('nobody')}@example.com`;
    const u = await user(otpUsers);
    const guest = guestClient();
    assert.equal(await guest.collection(otpUsers).requestVerification(nobody), true);
    assert.equal(await guest.collection(otpUsers).requestVerification(u.email), true);
    assert.equal(await guest.collection(otpUsers).requestPasswordReset(nobody), true);
    assert.equal(await guest.collection(otpUsers).requestPasswordReset(u.email), true);
    const known = await guest.collection(otpUsers).requestOTP(u.email);
    const unknown = await guest.collection(otpUsers).requestOTP(nobody);
    assert.deepEqual(Object.keys(unknown), Object.keys(known));
    assert.match(unknown.otpId, /^[a-z0-9]{15}$/);
    const fake = await expectError(guest.collection(otpUsers).authWithOTP(unknown.otpId, '12345678'), 400);
    assert.equal(fake.response.message, 'Invalid or expired OTP.');
    // Mails go out in the background: their order is not fixed.
    const subjects = [];
    for (let i = 0; i < 3; i++) subjects.push((await nextMail(u.email)).subject.split(' ')[0]);
    assert.deepEqual(subjects.sort(), ['OTP', 'Reset', 'Verify']);
    await noMail(nobody);
    const bad = await expectError(guest.collection(otpUsers).requestVerification('not-an-email'), 400);
    assert.equal(bad.response.data.email?.code, 'validation_is_email');
  });
});

// mfaChallenge expects the first-factor 401 and returns its mfaId.
async function mfaChallenge(promise) {
  let err;
  try {
    await promise;
    assert.fail('expected the MFA challenge');
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    err = e;
  }
  assert.equal(err.status, 401, JSON.stringify(err.response));
  assert.deepEqual(Object.keys(err.response), ['mfaId']);
  assert.match(err.response.mfaId, /^[a-z0-9]{15}$/);
  return err.response.mfaId;
}
