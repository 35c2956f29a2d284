// Record CRUD, serialization, modifiers and validation (§4.3, §4.5, §4.6, §4.8, §4.9, §1.7).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  superuserClient, uniqueName, expectError, fieldCode, rawFetch, sleep, DATE_RE, RECORD_ID_RE,
} from './lib/pb.mjs';
import { createPeopleAndPosts, dropCollections, TITLE_MAX } from './lib/schema.mjs';

describe('records', () => {
  let pb;
  let people;
  let posts;
  let alice;
  let bob;

  before(async () => {
    pb = await superuserClient();
    ({ people, posts } = await createPeopleAndPosts(pb));
    alice = await pb.collection(people.name).create({ name: 'Alice' });
    bob = await pb.collection(people.name).create({ name: 'Bob' });
  });

  after(async () => {
    await dropCollections(pb, posts?.name, people?.name);
  });

  test('create with only required data serializes every field with its zero value', async () => {
    const rec = await pb.collection(posts.name).create({ title: 'zero' });
    assert.match(rec.id, RECORD_ID_RE);
    assert.equal(rec.collectionId, posts.id);
    assert.equal(rec.collectionName, posts.name);
    assert.equal(rec.title, 'zero');
    assert.equal(rec.num, 0);
    assert.equal(rec.count, 0);
    assert.equal(rec.flag, false);
    assert.equal(rec.mail, '');
    assert.equal(rec.site, '');
    assert.equal(rec.body, '');
    assert.equal(rec.when, '');
    assert.equal(rec.tag, '');
    assert.deepEqual(rec.tags, []);
    assert.equal(rec.meta, null);
    assert.deepEqual(rec.loc, { lon: 0, lat: 0 });
    assert.equal(rec.author, '');
    assert.deepEqual(rec.readers, []);
    assert.match(rec.created, DATE_RE);
    assert.match(rec.updated, DATE_RE);
    assert.equal('expand' in rec, false, 'expand only appears when requested');

    const keys = Object.keys(rec).sort();
    assert.deepEqual(keys, [
      'author', 'body', 'collectionId', 'collectionName', 'count', 'created', 'flag', 'id', 'loc',
      'mail', 'meta', 'num', 'readers', 'site', 'tag', 'tags', 'title', 'updated', 'when',
    ]);
  });

  test('create with every field type round-trips through getOne', async () => {
    const data = {
      title: 'full',
      num: 42.5,
      count: 3,
      flag: true,
      mail: 'someone@example.com',
      site: 'https://example.com/path?q=1',
      body: '<p>Hello <b>world</b></p>',
      when: '2024-01-02 03:04:05.000Z',
      tag: 'b',
      tags: ['a', 'c'],
      meta: { nested: { list: [1, 2, 3] }, ok: true },
      loc: { lon: 23.2, lat: 42.1 },
      author: alice.id,
      readers: [alice.id, bob.id],
    };
    const created = await pb.collection(posts.name).create(data);
    const got = await pb.collection(posts.name).getOne(created.id);
    for (const [k, v] of Object.entries(data)) {
      assert.deepEqual(got[k], v, `field ${k}`);
    }
    assert.deepEqual(created, got);
  });

  test('input coercion: RFC3339 dates, numeric strings, scalars into text, single select last value', async () => {
    const rec = await pb.collection(posts.name).create({
      title: 12345,
      num: '12.5',
      flag: 'true',
      when: '2024-05-06T07:08:09Z',
      tag: ['a', 'c'],
      tags: ['a', 'a', '', 'b'],
    });
    assert.equal(rec.title, '12345');
    assert.equal(rec.num, 12.5);
    assert.equal(rec.flag, true);
    assert.equal(rec.when, '2024-05-06 07:08:09.000Z');
    assert.equal(rec.tag, 'c');
    assert.deepEqual(rec.tags, ['a', 'b']);
  });

  test('client-supplied id is used; a duplicate id is rejected', async () => {
    const id = 'e2eclientid0001';
    const rec = await pb.collection(posts.name).create({ id, title: 'own id' });
    assert.equal(rec.id, id);
    const err = await expectError(pb.collection(posts.name).create({ id, title: 'dup id' }), 400);
    assert.equal(fieldCode(err, 'id'), 'validation_not_unique');
  });

  test('autodate values from the client are ignored', async () => {
    const rec = await pb.collection(posts.name).create({
      title: 'clock',
      created: '2000-01-01 00:00:00.000Z',
      updated: '2000-01-01 00:00:00.000Z',
    });
    assert.notEqual(rec.created, '2000-01-01 00:00:00.000Z');
    assert.notEqual(rec.updated, '2000-01-01 00:00:00.000Z');
    const now = Date.now();
    const created = Date.parse(rec.created.replace(' ', 'T'));
    assert.ok(Math.abs(now - created) < 5 * 60 * 1000, `created ${rec.created} is near now`);
  });

  test('update changes only submitted keys and bumps updated, not created', async () => {
    const rec = await pb.collection(posts.name).create({ title: 'before', num: 1, tag: 'a' });
    await sleep(20);
    const upd = await pb.collection(posts.name).update(rec.id, { title: 'after' });
    assert.equal(upd.title, 'after');
    assert.equal(upd.num, 1);
    assert.equal(upd.tag, 'a');
    assert.equal(upd.created, rec.created);
    assert.notEqual(upd.updated, rec.updated);
    assert.ok(upd.updated > rec.updated, 'updated moves forward');
  });

  test('number and select modifiers (num+, num-, tags+, +tags, tags-)', async () => {
    const rec = await pb.collection(posts.name).create({ title: 'mods', tags: ['a', 'b'], num: 3 });
    const first = await pb.collection(posts.name).update(rec.id, { 'tags+': 'c', 'num+': 10 });
    assert.deepEqual(first.tags, ['a', 'b', 'c']);
    assert.equal(first.num, 13);

    const second = await pb.collection(posts.name).update(rec.id, {
      'tags-': ['a', 'b'],
      '+tags': ['b'],
      'num-': 2.5,
    });
    assert.deepEqual(second.tags, ['b', 'c']);
    assert.equal(second.num, 10.5);

    const stored = await pb.collection(posts.name).getOne(rec.id);
    assert.deepEqual(stored.tags, ['b', 'c']);
    assert.equal(stored.num, 10.5);
  });

  test('modifiers apply on create to the zero value', async () => {
    const rec = await pb.collection(posts.name).create({ title: 'create mods', 'num+': 4, 'tags+': ['d'] });
    assert.equal(rec.num, 4);
    assert.deepEqual(rec.tags, ['d']);
  });

  test('relation modifiers append and remove ids', async () => {
    const rec = await pb.collection(posts.name).create({ title: 'rels', readers: [alice.id] });
    const added = await pb.collection(posts.name).update(rec.id, { 'readers+': bob.id });
    assert.deepEqual(added.readers, [alice.id, bob.id]);
    const removed = await pb.collection(posts.name).update(rec.id, { 'readers-': alice.id });
    assert.deepEqual(removed.readers, [bob.id]);
  });

  test('null and [] clear fields', async () => {
    const rec = await pb.collection(posts.name).create({
      title: 'clear', tags: ['a'], author: alice.id, meta: { a: 1 },
    });
    const upd = await pb.collection(posts.name).update(rec.id, { tags: [], author: null, meta: null });
    assert.deepEqual(upd.tags, []);
    assert.equal(upd.author, '');
    assert.equal(upd.meta, null);
  });

  test('expand returns related records', async () => {
    const rec = await pb.collection(posts.name).create({ title: 'expand', author: alice.id, readers: [bob.id, alice.id] });
    const got = await pb.collection(posts.name).getOne(rec.id, { expand: 'author,readers' });
    assert.equal(got.expand.author.id, alice.id);
    assert.equal(got.expand.author.name, 'Alice');
    assert.deepEqual(got.expand.readers.map((r) => r.id), [bob.id, alice.id]);
  });

  test('fields picker on getOne', async () => {
    const rec = await pb.collection(posts.name).create({ title: 'picked', num: 5 });
    const got = await pb.collection(posts.name).getOne(rec.id, { fields: 'id,title' });
    assert.deepEqual(got, { id: rec.id, title: 'picked' });
  });

  test('delete removes the record', async () => {
    const rec = await pb.collection(posts.name).create({ title: 'doomed' });
    assert.equal(await pb.collection(posts.name).delete(rec.id), true);
    await expectError(pb.collection(posts.name).getOne(rec.id), 404);
    await expectError(pb.collection(posts.name).delete(rec.id), 404);
    await expectError(pb.collection(posts.name).update(rec.id, { title: 'ghost' }), 404);
  });

  test('deleting a referenced record removes it from optional relations', async () => {
    const carol = await pb.collection(people.name).create({ name: 'Carol' });
    const rec = await pb.collection(posts.name).create({ title: 'refs', author: carol.id, readers: [carol.id, bob.id] });
    await pb.collection(people.name).delete(carol.id);
    const got = await pb.collection(posts.name).getOne(rec.id);
    assert.equal(got.author, '');
    assert.deepEqual(got.readers, [bob.id]);
  });

  test('getOne of an unknown id answers 404', async () => {
    await expectError(pb.collection(posts.name).getOne('nosuchrecord000'), 404);
  });

  test('records of an unknown collection answer 404', async () => {
    const missing = uniqueName('missing');
    await expectError(pb.collection(missing).getList(1, 10), 404);
    await expectError(pb.collection(missing).getOne('abcdefghijklmno'), 404);
    await expectError(pb.collection(missing).create({ title: 'x' }), 404);
    await expectError(pb.collection(missing).update('abcdefghijklmno', { title: 'x' }), 404);
    await expectError(pb.collection(missing).delete('abcdefghijklmno'), 404);
  });

  test('records can be addressed through the collection id', async () => {
    const rec = await pb.collection(posts.id).create({ title: 'by id' });
    assert.equal(rec.collectionName, posts.name);
    const got = await pb.collection(posts.id).getOne(rec.id);
    assert.equal(got.title, 'by id');
  });

  describe('validation errors', () => {
    async function createError(data) {
      const err = await expectError(pb.collection(posts.name).create(data), 400);
      assert.equal(err.response.message, 'Failed to create record.');
      return err;
    }

    test('required text missing', async () => {
      const err = await createError({ num: 1 });
      assert.equal(fieldCode(err, 'title'), 'validation_required');
      assert.equal(typeof err.response.data.title.message, 'string');
    });

    test('text longer than max', async () => {
      const err = await createError({ title: 'x'.repeat(TITLE_MAX + 1) });
      assert.equal(fieldCode(err, 'title'), 'validation_max_text_constraint');
      assert.equal(err.response.data.title.params?.max, TITLE_MAX);
    });

    test('text shorter than min', async () => {
      const err = await createError({ title: 'x' });
      assert.equal(fieldCode(err, 'title'), 'validation_min_text_constraint');
    });

    test('text not matching the pattern', async () => {
      const err = await createError({ title: 'bang!' });
      assert.equal(fieldCode(err, 'title'), 'validation_invalid_format');
    });

    test('number out of range', async () => {
      const over = await createError({ title: 'ok', num: 101 });
      assert.equal(fieldCode(over, 'num'), 'validation_max_number_constraint');
      assert.equal(over.response.data.num.params?.max, 100);
      const under = await createError({ title: 'ok', num: -1 });
      assert.equal(fieldCode(under, 'num'), 'validation_min_number_constraint');
    });

    test('onlyInt number with a fraction', async () => {
      const err = await createError({ title: 'ok', count: 1.5 });
      assert.equal(fieldCode(err, 'count'), 'validation_only_int_constraint');
    });

    test('malformed email and url', async () => {
      const err = await createError({ title: 'ok', mail: 'not-an-email', site: 'not a url' });
      assert.equal(fieldCode(err, 'mail'), 'validation_is_email');
      assert.equal(fieldCode(err, 'site'), 'validation_invalid_url');
    });

    test('select value outside the allowed values', async () => {
      const err = await createError({ title: 'ok', tag: 'z' });
      assert.equal(fieldCode(err, 'tag'), 'validation_invalid_value');
      assert.equal(err.response.data.tag.params?.value, 'z');
    });

    test('multi select with too many values', async () => {
      const err = await createError({ title: 'ok', tags: ['a', 'b', 'c', 'd'] });
      assert.equal(fieldCode(err, 'tags'), 'validation_too_many_values');
      assert.equal(err.response.data.tags.params?.maxSelect, 3);
    });

    test('relation to a missing record', async () => {
      const err = await createError({ title: 'ok', author: 'nosuchperson00' });
      assert.equal(fieldCode(err, 'author'), 'validation_missing_rel_records');
    });

    test('geoPoint latitude out of range', async () => {
      const err = await createError({ title: 'ok', loc: { lon: 10, lat: 100 } });
      assert.equal(fieldCode(err, 'loc'), 'validation_invalid_latitude');
    });

    test('several invalid fields are reported together', async () => {
      const err = await createError({ title: 'x'.repeat(TITLE_MAX + 1), num: 101, mail: 'bad', tag: 'z' });
      assert.deepEqual(Object.keys(err.response.data).sort(), ['mail', 'num', 'tag', 'title']);
    });

    test('update validation errors use "Failed to update record."', async () => {
      const rec = await pb.collection(posts.name).create({ title: 'valid' });
      const err = await expectError(pb.collection(posts.name).update(rec.id, { title: '', mail: 'nope' }), 400);
      assert.equal(err.response.message, 'Failed to update record.');
      assert.equal(fieldCode(err, 'title'), 'validation_required');
      assert.equal(fieldCode(err, 'mail'), 'validation_is_email');
      const stored = await pb.collection(posts.name).getOne(rec.id);
      assert.equal(stored.title, 'valid', 'a failed update changes nothing');
    });

    test('a failed create stores nothing', async () => {
      const before = await pb.collection(posts.name).getList(1, 1, { filter: 'mail = "ghost@example.com"' });
      await createError({ title: 'x', mail: 'ghost@example.com' });
      const afterList = await pb.collection(posts.name).getList(1, 1, { filter: 'mail = "ghost@example.com"' });
      assert.equal(afterList.totalItems, before.totalItems);
    });
  });

  test('malformed JSON body for a record create answers 400', async () => {
    const res = await rawFetch(`/api/collections/${posts.name}/records`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: pb.authStore.token },
      body: '{"title":',
    });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.data, {});
  });
});
