// The outside world of a run, set up by e2e_test.go: an SMTP sink whose
// mails a small HTTP mailbox returns, a fake OAuth2 provider and a
// switch for who signs in there next, and the name of the store. Tests
// that need them skip when run against a server without the harness.
import assert from 'node:assert/strict';
import { sleep } from './pb.mjs';

export const store = process.env.PLINTH_STORE || '';
export const smtpHost = process.env.PLINTH_SMTP_HOST || '';
export const smtpPort = Number(process.env.PLINTH_SMTP_PORT || 0);
export const mailboxURL = process.env.PLINTH_MAILBOX_URL || '';
export const oauth2URL = process.env.PLINTH_OAUTH2_URL || '';
export const oauth2ClientId = process.env.PLINTH_OAUTH2_CLIENT_ID || '';
export const oauth2ClientSecret = process.env.PLINTH_OAUTH2_CLIENT_SECRET || '';
const oauth2UserURL = process.env.PLINTH_OAUTH2_USER_URL || '';
const harnessURL = mailboxURL ? new URL('/', mailboxURL).href.replace(/\/$/, '') : '';

// The app URL mail links start with (§6.7–§6.9).
export const APP_URL = 'http://app.test';

export const haveMail = Boolean(smtpPort && mailboxURL);
export const haveOAuth2 = Boolean(oauth2URL && oauth2UserURL);
export const haveImages = Boolean(harnessURL);

// enableMail points the server's SMTP settings at the sink. Every file
// sets the same values, so concurrent files do not disturb each other.
export async function enableMail(su) {
  await su.settings.update({
    smtp: { enabled: true, host: smtpHost, port: smtpPort, tls: false, username: '', authMethod: '' },
    meta: { appURL: APP_URL, senderName: 'Plinth E2E', senderAddress: 'noreply@app.test' },
  });
}

async function mailbox() {
  const res = await fetch(mailboxURL);
  assert.equal(res.status, 200, 'mailbox answers');
  return res.json();
}

// Mails already handed out, per recipient (each test file is its own
// process, and every file uses its own addresses).
const taken = new Map();

// nextMail waits for the next mail to `to` that has not been returned yet.
export async function nextMail(to, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = taken.get(to) || 0;
    const m = (await mailbox()).find((x) => x.seq > seen && x.to.includes(to));
    if (m) {
      taken.set(to, m.seq);
      return m;
    }
    if (Date.now() > deadline) assert.fail(`no mail to ${to} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

// noMail asserts nothing new arrives for `to` within waitMs.
export async function noMail(to, waitMs = 500) {
  await sleep(waitMs);
  const seen = taken.get(to) || 0;
  const m = (await mailbox()).find((x) => x.seq > seen && x.to.includes(to));
  assert.equal(m, undefined, `unexpected mail to ${to}: ${m?.subject}`);
}

// linkToken returns the last path segment of the mail's link containing
// marker (the token of verification, reset and email-change links).
export function linkToken(mail, marker) {
  const link = mail.links.find((l) => l.includes(marker));
  assert.ok(link, `no ${marker} link in "${mail.subject}": ${mail.html}`);
  assert.ok(link.startsWith(`${APP_URL}/_/#/auth/${marker}/`), `link ${link}`);
  return link.slice(link.lastIndexOf('/') + 1);
}

// setOAuth2User chooses the account that signs in at the fake provider.
export async function setOAuth2User(user) {
  const res = await fetch(oauth2UserURL, { method: 'POST', body: JSON.stringify(user) });
  assert.equal(res.status, 204);
}

// oauth2Provider is a collection's oauth2.providers[] entry for the fake.
export function oauth2Provider(name) {
  return {
    name,
    clientId: oauth2ClientId,
    clientSecret: oauth2ClientSecret,
    authURL: `${oauth2URL}/authorize`,
    tokenURL: `${oauth2URL}/token`,
    userInfoURL: `${oauth2URL}/userinfo`,
  };
}

// image fetches a w×h image of the given format (png, jpeg, gif) made by
// the harness, for uploads that need real encoders.
export async function image(format, w, h) {
  const res = await fetch(`${harnessURL}/image/${format}?w=${w}&h=${h}`);
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

// imageSize reads the dimensions from PNG, JPEG or GIF bytes.
export function imageSize(buf) {
  if (buf.length > 24 && buf.readUInt32BE(0) === 0x89504e47) {
    return { format: 'png', width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
  }
  if (buf.length > 10 && buf.toString('ascii', 0, 3) === 'GIF') {
    return { format: 'gif', width: buf.readUInt16LE(6), height: buf.readUInt16LE(8) };
  }
  if (buf.length > 4 && buf[0] === 0xff && buf[1] === 0xd8) {
    // Walk the segments to the first start-of-frame marker.
    let i = 2;
    while (i + 9 < buf.length) {
      if (buf[i] !== 0xff) throw new Error(`bad JPEG segment at ${i}`);
      const marker = buf[i + 1];
      if (marker === 0xff) { i++; continue; }
      const len = buf.readUInt16BE(i + 2);
      const sof = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
      if (sof) return { format: 'jpeg', width: buf.readUInt16BE(i + 7), height: buf.readUInt16BE(i + 5) };
      i += 2 + len;
    }
    throw new Error('JPEG without a frame header');
  }
  throw new Error(`not an image: ${buf.subarray(0, 8).toString('hex')}`);
}
