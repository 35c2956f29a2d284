// API rules as seen by guests (§1.8, §4.1, §4.5).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { guestClient, superuserClient, uniqueName, expectError } from './lib/pb.mjs';
import { dropCollections } from './lib/schema.mjs';

describe('rules for guests', () => {
  let su;
  let guest;
  let locked;
  let open;
  let aliceRec;
  let bobRec;

  before(async () => {
    su = await superuserClient();
    guest = guestClient();
    locked = await su.collections.create({
      name: uniqueName('locked'),
      listRule: null,
      viewRule: 'owner = "alice"',
      createRule: 'title = "allowed"',
      updateRule: null,
      deleteRule: 'owner = "alice"',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'owner', type: 'text' },
      ],
    });
    aliceRec = await su.collection(locked.name).create({ title: 'a', owner: 'alice' });
    bobRec = await su.collection(locked.name).create({ title: 'b', owner: 'bob' });

    open = await su.collections.create({
      name: uniqueName('open'),
      listRule: 'owner = "alice"',
      viewRule: '',
      createRule: '',
      updateRule: 'owner = "alice"',
      deleteRule: null,
      fields: [
        { name: 'title', type: 'text' },
        { name: 'owner', type: 'text' },
        { name: 'secret', type: 'text', hidden: true },
      ],
    });
    for (const [title, owner] of [['a1', 'alice'], ['a2', 'alice'], ['a3', 'alice'], ['b1', 'bob'], ['b2', 'bob']]) {
      await su.collection(open.name).create({ title, owner, secret: `s-${title}` });
    }
  });

  after(async () => {
    await dropCollections(su, locked?.name, open?.name);
  });

  test('list rule null: guests get 403, superusers get the list', async () => {
    const err = await expectError(guest.collection(locked.name).getList(1, 10), 403);
    assert.deepEqual(err.response.data, {});
    const list = await su.collection(locked.name).getList(1, 10);
    assert.equal(list.totalItems, 2);
  });

  test('getFullList and getFirstListItem also get 403 under a null list rule', async () => {
    await expectError(guest.collection(locked.name).getFullList(), 403);
    await expectError(guest.collection(locked.name).getFirstListItem('owner = "alice"'), 403);
  });

  test('view rule mismatch answers 404, a match answers 200', async () => {
    await expectError(guest.collection(locked.name).getOne(bobRec.id), 404);
    const got = await guest.collection(locked.name).getOne(aliceRec.id);
    assert.equal(got.owner, 'alice');
    await expectError(guest.collection(locked.name).getOne('nosuchrecord000'), 404);
  });

  test('create rule false answers 400 "Failed to create record." with empty data', async () => {
    const err = await expectError(guest.collection(locked.name).create({ title: 'not allowed', owner: 'eve' }), 400);
    assert.equal(err.response.message, 'Failed to create record.');
    assert.deepEqual(err.response.data, {});
    const all = await su.collection(locked.name).getFullList({ filter: 'owner = "eve"' });
    assert.equal(all.length, 0, 'nothing was stored');
  });

  test('create rule true lets a guest create', async () => {
    const rec = await guest.collection(locked.name).create({ title: 'allowed', owner: 'eve' });
    assert.equal(rec.title, 'allowed');
    await su.collection(locked.name).delete(rec.id);
  });

  test('update rule null answers 403 whether or not the record exists', async () => {
    await expectError(guest.collection(locked.name).update(aliceRec.id, { title: 'x' }), 403);
    await expectError(guest.collection(locked.name).update('nosuchrecord000', { title: 'x' }), 403);
    const stored = await su.collection(locked.name).getOne(aliceRec.id);
    assert.equal(stored.title, 'a');
  });

  test('delete rule mismatch answers 404 and keeps the record', async () => {
    await expectError(guest.collection(locked.name).delete(bobRec.id), 404);
    await su.collection(locked.name).getOne(bobRec.id);
  });

  test('list rule expression hides non-matching records and totals count only visible ones', async () => {
    const list = await guest.collection(open.name).getList(1, 2, { sort: 'title' });
    assert.equal(list.totalItems, 3);
    assert.equal(list.totalPages, 2);
    assert.deepEqual(list.items.map((r) => r.title), ['a1', 'a2']);
    const filtered = await guest.collection(open.name).getList(1, 10, { filter: 'title = "b1"' });
    assert.equal(filtered.totalItems, 0);
    assert.deepEqual(filtered.items, []);
  });

  test('hidden fields are not serialized for guests and cannot be filtered on', async () => {
    const list = await guest.collection(open.name).getList(1, 10);
    for (const item of list.items) {
      assert.equal('secret' in item, false);
    }
    await expectError(guest.collection(open.name).getList(1, 10, { filter: 'secret = "s-a1"' }), 400);
    const suList = await su.collection(open.name).getList(1, 10, { filter: 'secret = "s-a1"' });
    assert.equal(suList.totalItems, 1);
  });

  test('hidden fields submitted by guests are dropped', async () => {
    const rec = await guest.collection(open.name).create({ title: 'g', owner: 'carol', secret: 'mine' });
    const stored = await su.collection(open.name).getOne(rec.id);
    assert.equal(stored.secret, '');
  });

  test('update rule mismatch answers 404', async () => {
    const bob = await su.collection(open.name).getFirstListItem('title = "b1"');
    await expectError(guest.collection(open.name).update(bob.id, { title: 'hijacked' }), 404);
    const alice = await su.collection(open.name).getFirstListItem('title = "a1"');
    const upd = await guest.collection(open.name).update(alice.id, { title: 'a1' });
    assert.equal(upd.title, 'a1');
  });

  test('delete rule null answers 403 for guests', async () => {
    const alice = await su.collection(open.name).getFirstListItem('title = "a1"');
    await expectError(guest.collection(open.name).delete(alice.id), 403);
  });

  test('guests may not filter by @request or @collection', async () => {
    await expectError(guest.collection(open.name).getList(1, 10, { filter: '@request.auth.id = ""' }), 403);
    await expectError(guest.collection(open.name).getList(1, 10, { filter: `@collection.${open.name}.title ?= "a1"` }), 403);
  });

  test('a garbage token behaves like a guest', async () => {
    const pb = guestClient();
    pb.authStore.save('garbage.token.value', null);
    const list = await pb.collection(open.name).getList(1, 10);
    assert.equal(list.totalItems, 3);
    await expectError(pb.collection(locked.name).getList(1, 10), 403);
  });
});
