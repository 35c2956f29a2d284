// Batch requests through pb.createBatch() (§9, §11.25): the settings
// switch, create/upsert/update/delete across collections in one
// transaction, per-item expand and fields, files, per-item rules, limits,
// and the rollback error shape.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { superuserClient, guestClient, uniqueName, expectError, rawFetch } from './lib/pb.mjs';

describe('batch', () => {
  let su;
  let people;
  let posts;
  let locked;

  before(async () => {
    su = await superuserClient();
    people = await su.collections.create({
      name: uniqueName('bpeople'), type: 'base',
      listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
      fields: [{ name: 'name', type: 'text', required: true }],
    });
    posts = await su.collections.create({
      name: uniqueName('bposts'), type: 'base',
      listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
      fields: [
        { name: 'title', type: 'text', required: true },
        { name: 'tags', type: 'select', values: ['a', 'b', 'c'], maxSelect: 3 },
        { name: 'author', type: 'relation', collectionId: people.id, maxSelect: 1 },
        { name: 'docs', type: 'file', maxSelect: 5 },
      ],
    });
    locked = await su.collections.create({
      name: uniqueName('blocked'), type: 'base',
      listRule: '', viewRule: '', createRule: null, updateRule: null, deleteRule: null,
      fields: [{ name: 'name', type: 'text' }],
    });
  });

  after(async () => {
    for (const c of [posts, people, locked]) {
      if (c) {
        try { await su.collections.delete(c.id); } catch { /* best effort */ }
      }
    }
  });

  test('disabled by default settings, enabled through the settings API', async () => {
    await su.settings.update({ batch: { enabled: false } });
    const off = su.createBatch();
    off.collection(people.name).create({ name: 'x' });
    const err = await expectError(off.send(), 403);
    assert.equal(err.response.message, 'Batch requests are not allowed.');

    const settings = await su.settings.update({ batch: { enabled: true, maxRequests: 50, timeout: 5 } });
    assert.deepEqual(settings.batch, { enabled: true, maxRequests: 50, timeout: 5, maxBodySize: 0 });
  });

  test('create, upsert, update and delete across collections in one transaction', async () => {
    await su.settings.update({ batch: { enabled: true } });
    const existing = await su.collection(posts.name).create({ title: 'old', tags: ['a'] });
    const doomed = await su.collection(posts.name).create({ title: 'doomed' });
    const authorId = 'batchauthor0001';
    const upsertId = 'batchupsert0001';

    const batch = guestClient().createBatch();
    batch.collection(people.name).create({ id: authorId, name: 'Ann' });
    // Later items see earlier ones: the relation to the author resolves.
    batch.collection(posts.name).create({ title: 'new', author: authorId }, { expand: 'author', fields: 'id,title,expand.author.name' });
    batch.collection(posts.name).upsert({ id: upsertId, title: 'upserted' });
    batch.collection(posts.name).upsert({ id: existing.id, title: 'old-upd' });
    batch.collection(posts.name).update(existing.id, { 'tags+': 'c' });
    batch.collection(posts.name).delete(doomed.id);
    const res = await batch.send();

    assert.equal(res.length, 6);
    assert.deepEqual(res.map((r) => r.status), [200, 200, 200, 200, 200, 204]);
    assert.equal(res[0].body.id, authorId);
    assert.equal(res[0].body.name, 'Ann');
    assert.deepEqual(Object.keys(res[1].body).sort(), ['expand', 'id', 'title']);
    assert.deepEqual(res[1].body.expand, { author: { name: 'Ann' } });
    assert.equal(res[2].body.id, upsertId, 'upsert of an unknown id creates');
    assert.equal(res[3].body.id, existing.id, 'upsert of an existing id updates');
    assert.equal(res[3].body.title, 'old-upd');
    assert.deepEqual(res[4].body.tags, ['a', 'c']);
    assert.equal(res[4].body.title, 'old-upd', 'each item sees the previous ones');
    assert.equal(res[5].body, null);

    assert.equal((await su.collection(people.name).getOne(authorId)).name, 'Ann');
    assert.equal((await su.collection(posts.name).getOne(upsertId)).title, 'upserted');
    await expectError(su.collection(posts.name).getOne(doomed.id), 404);
  });

  test('files in batch items: uploads, appends and kept names', async () => {
    await su.settings.update({ batch: { enabled: true } });
    const batch = su.createBatch();
    batch.collection(posts.name).create({ id: 'batchfiles00001', title: 'files', docs: [new File(['one'], 'one.txt'), new File(['two'], 'two.txt')] });
    let res = await batch.send();
    assert.equal(res[0].status, 200);
    const rec = res[0].body;
    assert.equal(rec.docs.length, 2);
    for (const [name, text] of [[rec.docs[0], 'one'], [rec.docs[1], 'two']]) {
      const got = await fetch(su.files.getURL(rec, name));
      assert.equal(got.status, 200);
      assert.equal(await got.text(), text);
    }

    // A mixed array: the SDK splits kept names and new files.
    const next = su.createBatch();
    next.collection(posts.name).update(rec.id, { docs: [rec.docs[1], new File(['three'], 'three.txt')] });
    next.collection(posts.name).update(rec.id, { 'docs+': new File(['four'], 'four.txt') });
    res = await next.send();
    const final = res[1].body;
    assert.equal(final.docs.length, 3);
    assert.equal(final.docs[0], rec.docs[1]);
    assert.equal(await (await fetch(su.files.getURL(final, final.docs[1]))).text(), 'three');
    assert.equal(await (await fetch(su.files.getURL(final, final.docs[2]))).text(), 'four');
    assert.equal((await fetch(su.files.getURL(rec, rec.docs[0]))).status, 404, 'the replaced file is gone');
  });

  test('the first failing item rolls everything back', async () => {
    await su.settings.update({ batch: { enabled: true } });
    const before = (await su.collection(people.name).getList(1, 1)).totalItems;
    const batch = guestClient().createBatch();
    batch.collection(people.name).create({ name: 'rolled back' });
    batch.collection(posts.name).create({ tags: ['a'], docs: [new File(['x'], 'x.txt')] }); // no title
    batch.collection(people.name).create({ name: 'never run' });
    const err = await expectError(batch.send(), 400);
    assert.equal(err.response.message, 'Batch transaction failed.');
    assert.deepEqual(Object.keys(err.response.data), ['requests']);
    assert.deepEqual(Object.keys(err.response.data.requests), ['1']);
    const item = err.response.data.requests['1'];
    assert.equal(item.code, 'batch_request_failed');
    assert.equal(typeof item.message, 'string');
    assert.equal(item.response.status, 400);
    assert.equal(item.response.message, 'Failed to create record.');
    assert.equal(item.response.data.title?.code, 'validation_required');
    assert.equal((await su.collection(people.name).getList(1, 1)).totalItems, before, 'nothing persisted');
  });

  test('rules apply per item: 403 and 404 inside the error', async () => {
    await su.settings.update({ batch: { enabled: true } });
    let batch = guestClient().createBatch();
    batch.collection(people.name).create({ name: 'ok' });
    batch.collection(locked.name).create({ name: 'nope' });
    let err = await expectError(batch.send(), 400);
    assert.equal(err.response.data.requests['1'].response.status, 403);

    batch = guestClient().createBatch();
    batch.collection(posts.name).update('nosuchrecord123', { title: 'x' });
    err = await expectError(batch.send(), 400);
    assert.equal(err.response.data.requests['0'].response.status, 404);

    batch = guestClient().createBatch();
    batch.collection(posts.name).delete('nosuchrecord123');
    err = await expectError(batch.send(), 400);
    assert.equal(err.response.data.requests['0'].response.status, 404);

    // An Authorization header of an item is ignored: the outer auth counts.
    batch = guestClient().createBatch();
    batch.collection(locked.name).create({ name: 'sneaky' }, { headers: { Authorization: su.authStore.token } });
    err = await expectError(batch.send(), 400);
    assert.equal(err.response.data.requests['0'].response.status, 403);

    // Other item headers reach @request.headers.
    await su.collections.update(people.name, { createRule: '@request.headers.x_batch_key = "open"' });
    try {
      batch = guestClient().createBatch();
      batch.collection(people.name).create({ name: 'with header' }, { headers: { 'X-Batch-Key': 'open' } });
      batch.collection(people.name).create({ name: 'without header' });
      err = await expectError(batch.send(), 400);
      assert.deepEqual(Object.keys(err.response.data.requests), ['1']);
      assert.equal(err.response.data.requests['1'].response.message, 'Failed to create record.');
    } finally {
      await su.collections.update(people.name, { createRule: '' });
    }

    // The superuser of the outer request passes the locked rules.
    batch = su.createBatch();
    batch.collection(locked.name).create({ name: 'as superuser' });
    const res = await batch.send();
    assert.equal(res[0].status, 200);
  });

  test('request limits and unsupported actions', async () => {
    await su.settings.update({ batch: { enabled: true, maxRequests: 2 } });
    try {
      const batch = su.createBatch();
      for (let i = 0; i < 3; i++) batch.collection(people.name).create({ name: `n${i}` });
      const err = await expectError(batch.send(), 400);
      assert.equal(err.response.message, 'Invalid batch request data.');
      assert.equal(err.response.data.requests?.code, 'validation_length_too_long');
      assert.equal(err.response.data.requests?.params?.max, 2);
      const empty = await expectError(su.createBatch().send(), 400);
      assert.equal(empty.response.data.requests?.code, 'validation_required');
    } finally {
      await su.settings.update({ batch: { enabled: true, maxRequests: 50 } });
    }
    // Anything but record create/upsert/update/delete fails at its index.
    const raw = await rawFetch('/api/batch', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: su.authStore.token },
      body: JSON.stringify({ requests: [
        { method: 'POST', url: `/api/collections/${people.name}/records`, body: { name: 'fine' } },
        { method: 'GET', url: '/api/collections' },
      ] }),
    });
    assert.equal(raw.status, 400);
    assert.ok(raw.body.data.requests['1'], JSON.stringify(raw.body));
    assert.equal(raw.body.data.requests['0'], undefined);
  });
});
