// Collections API through pb.collections (§2, §3).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  superuserClient, uniqueName, expectError, fieldByName, DATE_RE, RECORD_ID_RE,
} from './lib/pb.mjs';
import {
  peopleSchema, postsSchema, dropCollections, TITLE_MAX, TITLE_MIN, TITLE_PATTERN,
} from './lib/schema.mjs';

describe('collection create with many field types', () => {
  let pb;
  let people;
  let posts;

  before(async () => {
    pb = await superuserClient();
    people = await pb.collections.create(peopleSchema(uniqueName('people')));
    posts = await pb.collections.create(postsSchema(uniqueName('posts'), people.id));
  });

  after(async () => {
    await dropCollections(pb, posts?.name, people?.name);
  });

  test('returns the full collection object', () => {
    assert.match(posts.id, /^pbc_\d+$/);
    assert.equal(posts.type, 'base');
    assert.equal(posts.system, false);
    assert.equal(posts.listRule, '');
    assert.equal(posts.viewRule, '');
    assert.equal(posts.createRule, '');
    assert.equal(posts.updateRule, '');
    assert.equal(posts.deleteRule, '');
    assert.ok(Array.isArray(posts.indexes));
    assert.match(posts.created, DATE_RE);
    assert.match(posts.updated, DATE_RE);
  });

  test('prepends the system id field', () => {
    const id = posts.fields[0];
    assert.equal(id.name, 'id');
    assert.equal(id.type, 'text');
    assert.equal(id.primaryKey, true);
    assert.equal(id.system, true);
    assert.equal(id.required, true);
    assert.equal(id.min, 15);
    assert.equal(id.max, 15);
  });

  test('keeps submitted field order and gives every field an id', () => {
    const names = posts.fields.map((f) => f.name);
    assert.deepEqual(names, ['id', ...postsSchema('x', people.id).fields.map((f) => f.name)]);
    for (const f of posts.fields) {
      assert.equal(typeof f.id, 'string', `field ${f.name} has an id`);
      assert.ok(f.id.length > 0);
      assert.equal(typeof f.hidden, 'boolean');
      assert.equal(typeof f.system, 'boolean');
      assert.equal(typeof f.presentable, 'boolean');
    }
    assert.equal(new Set(posts.fields.map((f) => f.id)).size, posts.fields.length, 'field ids are unique');
  });

  test('echoes type-specific options', () => {
    const title = fieldByName(posts, 'title');
    assert.equal(title.type, 'text');
    assert.equal(title.required, true);
    assert.equal(title.min, TITLE_MIN);
    assert.equal(title.max, TITLE_MAX);
    assert.equal(title.pattern, TITLE_PATTERN);
    assert.equal(title.system, false);
    assert.equal(title.primaryKey, false);

    const num = fieldByName(posts, 'num');
    assert.equal(num.type, 'number');
    assert.equal(num.min, 0);
    assert.equal(num.max, 100);
    assert.equal(num.onlyInt, false);

    const count = fieldByName(posts, 'count');
    assert.equal(count.onlyInt, true);
    assert.equal(count.min, null, 'unset number bounds are null');
    assert.equal(count.max, null, 'unset number bounds are null');

    assert.equal(fieldByName(posts, 'flag').type, 'bool');

    const mail = fieldByName(posts, 'mail');
    assert.equal(mail.type, 'email');
    assert.equal(mail.exceptDomains, null);
    assert.equal(mail.onlyDomains, null);

    assert.equal(fieldByName(posts, 'site').type, 'url');
    assert.equal(fieldByName(posts, 'body').type, 'editor');
    assert.equal(fieldByName(posts, 'when').type, 'date');

    const tag = fieldByName(posts, 'tag');
    assert.equal(tag.type, 'select');
    assert.deepEqual(tag.values, ['a', 'b', 'c']);
    assert.equal(tag.maxSelect, 1);

    const tags = fieldByName(posts, 'tags');
    assert.deepEqual(tags.values, ['a', 'b', 'c', 'd']);
    assert.equal(tags.maxSelect, 3);

    assert.equal(fieldByName(posts, 'meta').type, 'json');
    assert.equal(fieldByName(posts, 'loc').type, 'geoPoint');

    const author = fieldByName(posts, 'author');
    assert.equal(author.type, 'relation');
    assert.equal(author.collectionId, people.id);
    assert.equal(author.maxSelect, 1);
    assert.equal(author.cascadeDelete, false);

    const readers = fieldByName(posts, 'readers');
    assert.equal(readers.collectionId, people.id);
    assert.equal(readers.maxSelect, 5);

    const created = fieldByName(posts, 'created');
    assert.equal(created.type, 'autodate');
    assert.equal(created.onCreate, true);
    assert.equal(created.onUpdate, false);
    const updated = fieldByName(posts, 'updated');
    assert.equal(updated.onCreate, true);
    assert.equal(updated.onUpdate, true);
  });

  test('getOne by name and by id returns the same collection', async () => {
    const byName = await pb.collections.getOne(posts.name);
    const byId = await pb.collections.getOne(posts.id);
    assert.equal(byName.id, posts.id);
    assert.equal(byId.name, posts.name);
    assert.deepEqual(byName.fields.map((f) => f.id), posts.fields.map((f) => f.id));
  });

  test('collection names match case-insensitively', async () => {
    const upper = await pb.collections.getOne(posts.name.toUpperCase());
    assert.equal(upper.id, posts.id);
  });

  test('list with a filter finds it', async () => {
    const list = await pb.collections.getList(1, 10, { filter: `name = "${posts.name}"` });
    assert.equal(list.totalItems, 1);
    assert.equal(list.items[0].id, posts.id);
    const full = await pb.collections.getFullList({ filter: pb.filter('name = {:a} || name = {:b}', { a: posts.name, b: people.name }) });
    assert.deepEqual(full.map((c) => c.name).sort(), [people.name, posts.name].sort());
  });

  test('duplicate name is rejected', async () => {
    const err = await expectError(pb.collections.create(peopleSchema(people.name)), 400);
    assert.equal(err.response.data.name?.code, 'validation_collection_name_exists');
  });

  test('missing name is rejected', async () => {
    const err = await expectError(pb.collections.create({ type: 'base', fields: [{ name: 'x', type: 'text' }] }), 400);
    assert.equal(err.response.data.name?.code, 'validation_required');
  });

  test('a referenced collection cannot be deleted', async () => {
    await expectError(pb.collections.delete(people.name), 400);
    await pb.collections.getOne(people.id);
  });

  test('a relation to a missing collection is rejected', async () => {
    await expectError(pb.collections.create({
      name: uniqueName('broken'),
      fields: [{ name: 'r', type: 'relation', collectionId: 'pbc_does_not_exist', maxSelect: 1 }],
    }), 400);
  });
});

describe('collection update keeps record data', () => {
  let pb;
  let coll;
  let rec;

  before(async () => {
    pb = await superuserClient();
    coll = await pb.collections.create({
      name: uniqueName('evolve'),
      listRule: '',
      viewRule: '',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'num', type: 'number' },
        { name: 'keep', type: 'bool' },
      ],
    });
    rec = await pb.collection(coll.name).create({ title: 'keep me', num: 7, keep: true });
  });

  after(async () => {
    await dropCollections(pb, coll?.name);
  });

  test('add, rename and remove fields in one update', async () => {
    const current = await pb.collections.getOne(coll.id);
    const title = fieldByName(current, 'title');
    const fields = current.fields
      .filter((f) => f.name !== 'num')
      .map((f) => (f.id === title.id ? { ...f, name: 'headline' } : f));
    fields.push({ name: 'extra', type: 'text', max: 50 });

    const updated = await pb.collections.update(coll.id, { fields });
    const names = updated.fields.map((f) => f.name);
    assert.deepEqual(names, ['id', 'headline', 'keep', 'extra']);
    assert.equal(fieldByName(updated, 'headline').id, title.id, 'renaming keeps the field id');
    assert.equal(fieldByName(updated, 'extra').max, 50);

    const got = await pb.collection(coll.name).getOne(rec.id);
    assert.equal(got.headline, 'keep me');
    assert.equal(got.keep, true);
    assert.equal(got.extra, '');
    assert.equal('title' in got, false);
    assert.equal('num' in got, false);

    const found = await pb.collection(coll.name).getFirstListItem('headline = "keep me"');
    assert.equal(found.id, rec.id);
    await expectError(pb.collection(coll.name).getList(1, 10, { filter: 'num = 7' }), 400);
  });

  test('partial update keeps unsent properties', async () => {
    const before = await pb.collections.getOne(coll.id);
    const updated = await pb.collections.update(coll.id, { listRule: null });
    assert.equal(updated.listRule, null);
    assert.equal(updated.viewRule, '');
    assert.deepEqual(updated.fields.map((f) => f.id), before.fields.map((f) => f.id));
  });

  test('rename the collection keeps records', async () => {
    const newName = uniqueName('renamed');
    const oldName = coll.name;
    const updated = await pb.collections.update(coll.id, { name: newName });
    assert.equal(updated.name, newName);
    assert.equal(updated.id, coll.id);
    coll = updated;

    const got = await pb.collection(newName).getOne(rec.id);
    assert.equal(got.headline, 'keep me');
    assert.equal(got.collectionName, newName);
    await expectError(pb.collection(oldName).getList(1, 1), 404);
  });

  test('changing a field type is rejected', async () => {
    const current = await pb.collections.getOne(coll.id);
    const fields = current.fields.map((f) => (f.name === 'keep' ? { ...f, type: 'text' } : f));
    await expectError(pb.collections.update(coll.id, { fields }), 400);
  });
});

describe('collection delete and truncate', () => {
  let pb;
  let coll;

  before(async () => {
    pb = await superuserClient();
    coll = await pb.collections.create({
      name: uniqueName('trunc'),
      fields: [{ name: 'title', type: 'text' }],
    });
    for (const title of ['one', 'two', 'three']) {
      await pb.collection(coll.name).create({ title });
    }
  });

  after(async () => {
    await dropCollections(pb, coll?.name);
  });

  test('truncate removes all records and keeps the collection', async () => {
    const before = await pb.collection(coll.name).getList(1, 10);
    assert.equal(before.totalItems, 3);
    assert.equal(await pb.collections.truncate(coll.name), true);
    const afterList = await pb.collection(coll.name).getList(1, 10);
    assert.equal(afterList.totalItems, 0);
    assert.deepEqual(afterList.items, []);
    const again = await pb.collection(coll.name).create({ title: 'after truncate' });
    assert.match(again.id, RECORD_ID_RE);
  });

  test('truncate of an unknown collection answers 404', async () => {
    await expectError(pb.collections.truncate(uniqueName('missing')), 404);
  });

  test('delete removes the collection and its records endpoint', async () => {
    assert.equal(await pb.collections.delete(coll.id), true);
    await expectError(pb.collections.getOne(coll.name), 404);
    await expectError(pb.collection(coll.name).getList(1, 1), 404);
    await expectError(pb.collections.delete(coll.name), 404);
  });

  test('system collections cannot be deleted', async () => {
    await expectError(pb.collections.delete('_superusers'), 400);
  });
});

describe('collections import', () => {
  let pb;
  const nameA = uniqueName('imp_a');
  const nameB = uniqueName('imp_b');

  before(async () => {
    pb = await superuserClient();
  });

  after(async () => {
    await dropCollections(pb, nameA, nameB);
  });

  test('creates unmatched collections', async () => {
    const ok = await pb.collections.import([
      { name: nameA, type: 'base', listRule: '', fields: [{ name: 'title', type: 'text' }] },
      { name: nameB, type: 'base', fields: [{ name: 'n', type: 'number' }] },
    ], false);
    assert.equal(ok, true);

    const a = await pb.collections.getOne(nameA);
    assert.equal(a.listRule, '');
    assert.deepEqual(a.fields.map((f) => f.name), ['id', 'title']);
    const b = await pb.collections.getOne(nameB);
    assert.deepEqual(b.fields.map((f) => f.name), ['id', 'n']);

    const rec = await pb.collection(nameA).create({ title: 'imported' });
    assert.equal(rec.title, 'imported');
  });

  test('merges matched collections and keeps missing fields without deleteMissing', async () => {
    const a = await pb.collections.getOne(nameA);
    const ok = await pb.collections.import([
      { id: a.id, name: nameA, fields: [{ name: 'subtitle', type: 'text' }] },
    ], false);
    assert.equal(ok, true);

    const merged = await pb.collections.getOne(nameA);
    const names = merged.fields.map((f) => f.name);
    assert.ok(names.includes('title'), `title kept: ${names}`);
    assert.ok(names.includes('subtitle'), `subtitle added: ${names}`);
    assert.equal(merged.listRule, '', 'unsent keys keep their values');
    const list = await pb.collection(nameA).getList(1, 10);
    assert.equal(list.items[0].title, 'imported');
    assert.equal(list.items[0].subtitle, '');
    await pb.collections.getOne(nameB);
  });

  test('an invalid collection fails the whole import', async () => {
    const nameC = uniqueName('imp_c');
    const err = await expectError(pb.collections.import([
      { name: nameC, fields: [{ name: 'ok', type: 'text' }] },
      { name: 'bad name!', fields: [{ name: 'x', type: 'text' }] },
    ], false), 400);
    assert.equal(err.response.data.collections?.code, 'validation_collections_import_failure');
    await expectError(pb.collections.getOne(nameC), 404);
  });

  test('an empty list is rejected', async () => {
    const err = await expectError(pb.collections.import([], false), 400);
    assert.ok(err.response.data.collections, JSON.stringify(err.response));
  });
});
