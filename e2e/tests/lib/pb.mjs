// Shared helpers for the end-to-end tests. Everything goes through the
// official SDK; rawFetch exists only for checks the SDK cannot express.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import PocketBase, { ClientResponseError } from 'pocketbase';

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`environment variable ${name} is not set; run these tests through e2e_test.go or export it`);
  }
  return value;
}

export const baseURL = requiredEnv('PLINTH_URL').replace(/\/+$/, '');
export const superuserEmail = requiredEnv('PLINTH_SUPERUSER_EMAIL');
export const superuserPassword = requiredEnv('PLINTH_SUPERUSER_PASSWORD');

// The canonical datetime layout of the contract (§1.10).
export const DATE_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z$/;
// Default record ids (§1.11).
export const RECORD_ID_RE = /^[a-z0-9]{15}$/;

// guestClient returns a client without auth. Auto-cancellation is off so
// that deliberately concurrent requests are never aborted client-side.
export function guestClient() {
  const pb = new PocketBase(baseURL);
  pb.autoCancellation(false);
  return pb;
}

export async function superuserClient() {
  const pb = guestClient();
  await pb.collection('_superusers').authWithPassword(superuserEmail, superuserPassword);
  return pb;
}

// uniqueName keeps test files independent when node runs them in parallel
// against the same server.
export function uniqueName(prefix) {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

// expectError awaits a promise that must reject with a ClientResponseError
// of the given status whose body has the standard error shape (§1.5).
export async function expectError(promise, status) {
  let err;
  try {
    const value = await promise;
    assert.fail(`expected HTTP ${status}, got success: ${JSON.stringify(value)}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    err = e;
  }
  assert.ok(err instanceof ClientResponseError, `expected ClientResponseError, got ${err}`);
  assert.equal(err.status, status, `status: ${JSON.stringify(err.response)}`);
  // A 404 synthesized by the SDK itself (getFirstListItem) has its own body.
  if (err.url) assertErrorBody(err.response, status);
  return err;
}

export function assertErrorBody(body, status) {
  assert.equal(typeof body, 'object', `error body is not an object: ${JSON.stringify(body)}`);
  assert.equal(body.status, status, `body.status: ${JSON.stringify(body)}`);
  assert.equal(typeof body.message, 'string', `body.message: ${JSON.stringify(body)}`);
  assert.match(body.message, /^[A-Z].*[.?!]$/s, 'message is capitalised and ends with punctuation');
  assert.ok(body.data !== null && typeof body.data === 'object' && !Array.isArray(body.data),
    `body.data must be an object: ${JSON.stringify(body)}`);
}

// fieldCode returns the validation code reported for a field.
export function fieldCode(err, field) {
  const entry = err.response?.data?.[field];
  assert.ok(entry, `no validation error for ${field}: ${JSON.stringify(err.response)}`);
  return entry.code;
}

export async function rawFetch(path, init = {}) {
  const res = await fetch(baseURL + path, init);
  const text = await res.text();
  let body = null;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, headers: res.headers, body };
}

export function decodeJWT(token) {
  assert.equal(typeof token, 'string');
  const parts = token.split('.');
  assert.equal(parts.length, 3, `not a JWT: ${token}`);
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// fieldByName finds a field of a collection model.
export function fieldByName(collection, name) {
  return collection.fields.find((f) => f.name === name);
}
