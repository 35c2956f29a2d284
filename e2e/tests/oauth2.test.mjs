// OAuth2 code flow through the SDK against the harness's fake OpenID
// Connect provider (§6.2, §6.6, §2.6 _externalAuths): auth-methods with
// PKCE, the authorize redirect followed by hand, authWithOAuth2Code with
// createData, meta, account linking and unlinking.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { baseURL, guestClient, superuserClient, uniqueName, expectError, decodeJWT } from './lib/pb.mjs';
import { haveOAuth2, oauth2URL, oauth2Provider, setOAuth2User, imageSize } from './lib/fixtures.mjs';

const USERS = 'users';
const REDIRECT = 'http://127.0.0.1:1/app/oauth2-redirect';

describe('OAuth2 code flow', { skip: !haveOAuth2 && 'needs the fake provider of e2e_test.go' }, () => {
  let su;
  const created = [];

  before(async () => {
    su = await superuserClient();
    await su.collections.update(USERS, { oauth2: { enabled: true, providers: [oauth2Provider('oidc')] } });
  });

  after(async () => {
    for (const id of created) {
      try { await su.collection(USERS).delete(id); } catch { /* best effort */ }
    }
    await su.collections.update(USERS, { oauth2: { enabled: false, providers: [] } });
  });

  // account describes a provider user with unique ids.
  function account(extra = {}) {
    const tag = uniqueName('o2');
    return {
      sub: `sub-${tag}`, name: `Name ${tag}`, preferred_username: tag, email: `${tag}@example.com`,
      email_verified: true, picture: `${oauth2URL}/avatar.png`, ...extra,
    };
  }

  // provider reads the oidc entry of auth-methods (fresh state and PKCE).
  async function provider(pb = guestClient()) {
    const methods = await pb.collection(USERS).listAuthMethods();
    const p = methods.oauth2.providers.find((x) => x.name === 'oidc');
    assert.ok(p, `no oidc provider in ${JSON.stringify(methods.oauth2)}`);
    return p;
  }

  // authorize plays the browser: open authURL + redirect URL, stop at the
  // provider's redirect back and return its code after checking state.
  async function authorize(p) {
    const res = await fetch(p.authURL + encodeURIComponent(REDIRECT), { redirect: 'manual' });
    assert.equal(res.status, 302, `authorize: ${await res.text()}`);
    const loc = new URL(res.headers.get('location'));
    assert.equal(`${loc.origin}${loc.pathname}`, REDIRECT);
    assert.equal(loc.searchParams.get('state'), p.state, 'state comes back unchanged');
    const code = loc.searchParams.get('code');
    assert.ok(code);
    return code;
  }

  async function signIn(user, { pb = guestClient(), createData, options } = {}) {
    await setOAuth2User(user);
    const p = await provider(pb);
    const code = await authorize(p);
    const auth = await pb.collection(USERS).authWithOAuth2Code('oidc', code, p.codeVerifier, REDIRECT, createData, options);
    if (auth.meta?.isNew) created.push(auth.record.id);
    return { pb, auth };
  }

  test('auth-methods lists the provider with state and PKCE', async () => {
    const col = await su.collections.getOne(USERS);
    assert.equal(col.oauth2.enabled, true);
    assert.equal(col.oauth2.providers[0].name, 'oidc');
    assert.equal(col.oauth2.providers[0].clientSecret, undefined, 'the secret is never returned');

    const methods = await guestClient().collection(USERS).listAuthMethods();
    assert.equal(methods.oauth2.enabled, true);
    assert.equal(methods.oauth2.providers.length, 1);
    const p = methods.oauth2.providers[0];
    assert.equal(p.name, 'oidc');
    assert.equal(typeof p.displayName, 'string');
    assert.equal(p.state.length, 30);
    assert.equal(p.codeVerifier.length, 43);
    assert.equal(p.codeChallenge, createHash('sha256').update(p.codeVerifier).digest('base64url'));
    assert.equal(p.codeChallengeMethod, 'S256');
    assert.ok(p.authURL.endsWith('&redirect_uri='), p.authURL);
    const u = new URL(p.authURL);
    assert.equal(`${u.origin}${u.pathname}`, `${oauth2URL}/authorize`);
    assert.equal(u.searchParams.get('response_type'), 'code');
    assert.equal(u.searchParams.get('state'), p.state);
    assert.equal(u.searchParams.get('code_challenge'), p.codeChallenge);
    assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
    // Each call hands out fresh state.
    assert.notEqual((await provider()).state, p.state);
  });

  test('first sign-in creates a verified record with mapped fields and meta', async () => {
    const user = account();
    const { pb, auth } = await signIn(user);
    assert.equal(auth.meta.isNew, true);
    assert.equal(auth.meta.id, user.sub);
    assert.equal(auth.meta.email, user.email);
    assert.equal(auth.meta.name, user.name);
    assert.equal(auth.meta.username, user.preferred_username);
    assert.equal(auth.meta.avatarURL, user.picture);
    assert.equal(typeof auth.meta.accessToken, 'string');
    assert.ok(auth.meta.accessToken.length > 0);
    assert.equal(auth.meta.rawUser.sub, user.sub);

    assert.equal(auth.record.email, user.email);
    assert.equal(auth.record.verified, true, 'the provider vouched for the email');
    assert.equal(auth.record.name, user.name, 'mappedFields.name');
    assert.match(auth.record.avatar, /\.png$/, 'mappedFields.avatarURL downloads the picture');
    const avatar = await fetch(pb.files.getURL(auth.record, auth.record.avatar));
    assert.equal(avatar.status, 200);
    assert.deepEqual(imageSize(Buffer.from(await avatar.arrayBuffer())), { format: 'png', width: 4, height: 4 });
    assert.equal(auth.record.collectionName, USERS);
    assert.equal(pb.authStore.record.id, auth.record.id);
    const claims = decodeJWT(auth.token);
    assert.equal(claims.type, 'auth');
    assert.equal(claims.refreshable, true);
    await pb.collection(USERS).authRefresh();

    const links = await pb.collection(USERS).listExternalAuths(auth.record.id);
    assert.equal(links.length, 1);
    assert.equal(links[0].provider, 'oidc');
    assert.equal(links[0].providerId, user.sub);
    assert.equal(links[0].recordRef, auth.record.id);
    assert.equal(links[0].collectionRef, auth.record.collectionId);
  });

  test('the second sign-in finds the link; unlinking removes it', async () => {
    const user = account();
    const first = await signIn(user);
    const again = await signIn(user);
    assert.equal(again.auth.meta.isNew, false);
    assert.equal(again.auth.record.id, first.auth.record.id);

    const pb = again.pb;
    const id = first.auth.record.id;
    assert.equal((await pb.collection(USERS).listExternalAuths(id)).length, 1);
    // Nobody else sees or removes the link.
    await expectError(guestClient().collection(USERS).unlinkExternalAuth(id, 'oidc'), 404);
    assert.equal(await pb.collection(USERS).unlinkExternalAuth(id, 'oidc'), true);
    assert.deepEqual(await pb.collection(USERS).listExternalAuths(id), []);
    await expectError(pb.collection(USERS).unlinkExternalAuth(id, 'oidc'), 404);

    // Without the link the verified email leads back to the same record.
    const third = await signIn(user);
    assert.equal(third.auth.meta.isNew, false);
    assert.equal(third.auth.record.id, id);
    assert.equal((await third.pb.collection(USERS).listExternalAuths(id)).length, 1, 'linked again');
  });

  test('createData fills a new record; explicit values beat mapped ones', async () => {
    const user = account();
    const { auth } = await signIn(user, { createData: { name: 'Chosen Name', emailVisibility: true } });
    assert.equal(auth.meta.isNew, true);
    assert.equal(auth.record.name, 'Chosen Name');
    assert.equal(auth.record.emailVisibility, true);
    assert.equal(auth.record.email, user.email);
  });

  test('a signed-in user links a new provider identity to its own record', async () => {
    const email = `${uniqueName('local')}@example.com`;
    const local = await su.collection(USERS).create({ email, password: 'local-Passw0rd', passwordConfirm: 'local-Passw0rd' });
    created.push(local.id);
    const pb = guestClient();
    await pb.collection(USERS).authWithPassword(email, 'local-Passw0rd');
    const user = account();
    const { auth } = await signIn(user, { pb });
    assert.equal(auth.meta.isNew, false);
    assert.equal(auth.record.id, local.id);
    assert.equal(auth.record.email, email, 'the provider email does not replace the own one');
    const links = await pb.collection(USERS).listExternalAuths(local.id);
    assert.deepEqual(links.map((l) => [l.provider, l.providerId]), [['oidc', user.sub]]);
  });

  test('bad codes, verifiers and providers are 400s', async () => {
    await setOAuth2User(account());
    const pb = guestClient();
    let p = await provider();
    const code = await authorize(p);
    const badVerifier = await expectError(pb.collection(USERS).authWithOAuth2Code('oidc', code, 'x'.repeat(43), REDIRECT), 400);
    assert.equal(badVerifier.response.message, 'Failed to fetch OAuth2 token.');
    // Codes are single-use at the provider.
    const reused = await expectError(pb.collection(USERS).authWithOAuth2Code('oidc', code, p.codeVerifier, REDIRECT), 400);
    assert.equal(reused.response.message, 'Failed to fetch OAuth2 token.');
    p = await provider();
    const fresh = await authorize(p);
    const wrongRedirect = await expectError(pb.collection(USERS).authWithOAuth2Code('oidc', fresh, p.codeVerifier, `${REDIRECT}/other`), 400);
    assert.equal(wrongRedirect.response.message, 'Failed to fetch OAuth2 token.');

    const unknown = await expectError(pb.collection(USERS).authWithOAuth2Code('nosuchprovider', 'c', 'v', REDIRECT), 400);
    assert.equal(unknown.response.data.provider?.code, 'validation_invalid_provider');
    const noCode = await expectError(pb.collection(USERS).authWithOAuth2Code('oidc', '', 'v', REDIRECT), 400);
    assert.equal(noCode.response.data.code?.code, 'validation_required');
    assert.equal(pb.authStore.token, '');
  });

  // The all-in-one flow (authWithOAuth2) needs realtime and EventSource,
  // which node 20 lacks; its redirect endpoint is checked directly.
  test('the redirect endpoint sends browsers to the failure page for unknown states', async () => {
    const get = await fetch(`${baseURL}/api/oauth2-redirect?state=nosuchclient&code=abc`, { redirect: 'manual' });
    assert.equal(get.status, 307);
    assert.equal(get.headers.get('location'), '../_/#/auth/oauth2-redirect-failure');
    const post = await fetch(`${baseURL}/api/oauth2-redirect`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ state: 'nosuchclient', code: 'abc' }),
    });
    assert.equal(post.status, 303);
    assert.equal(post.headers.get('location'), '../_/#/auth/oauth2-redirect-failure');
  });

  test('OAuth2 disabled answers 403', async () => {
    const name = uniqueName('nooauth');
    await su.collections.create({ name, type: 'auth' });
    try {
      const methods = await guestClient().collection(name).listAuthMethods();
      assert.deepEqual(methods.oauth2, { providers: [], enabled: false });
      const err = await expectError(guestClient().collection(name).authWithOAuth2Code('oidc', 'c', 'v', REDIRECT), 403);
      assert.match(err.response.message, /OAuth2/);
    } finally {
      await su.collections.delete(name);
    }
  });
});
