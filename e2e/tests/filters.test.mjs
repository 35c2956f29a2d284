// The filter language through getList (§5), plus expand and the fields
// picker on lists (§4.3, §4.4).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { guestClient, superuserClient, uniqueName, expectError } from './lib/pb.mjs';
import { createPeopleAndPosts, dropCollections } from './lib/schema.mjs';

describe('filter language', () => {
  let pb;
  let people;
  let posts;
  let alice;
  let bob;

  // Titles of the matching posts, sorted by title.
  async function match(filter, options = {}) {
    const list = await pb.collection(posts.name).getList(1, 100, { filter, sort: 'title', ...options });
    return list.items.map((r) => r.title);
  }

  before(async () => {
    pb = await superuserClient();
    ({ people, posts } = await createPeopleAndPosts(pb));
    alice = await pb.collection(people.name).create({ name: 'Alice' });
    bob = await pb.collection(people.name).create({ name: 'Bob' });
    await pb.collection(posts.name).create({
      title: 'one',
      tags: ['a', 'b'],
      author: alice.id,
      readers: [alice.id, bob.id],
      meta: { a: { b: 1 }, list: [1, 2] },
      loc: { lon: 23.3, lat: 42.1 },
      body: '<p>Hello <b>world</b> this is a long text</p>',
      mail: 'x@y.com',
      when: '2024-01-02 03:04:05.000Z',
    });
    await pb.collection(posts.name).create({
      title: 'two',
      tags: ['c'],
      author: bob.id,
      readers: [bob.id],
      meta: { a: { b: 2 } },
      when: '',
    });
    await pb.collection(posts.name).create({
      title: 'three',
      when: '2025-06-01 00:00:00.000Z',
    });
  });

  after(async () => {
    await dropCollections(pb, posts?.name, people?.name);
  });

  test('multi select: :each, :length, raw JSON text', async () => {
    assert.deepEqual(await match('tags:each ?= "b"'), ['one']);
    assert.deepEqual(await match('tags:length = 2'), ['one']);
    assert.deepEqual(await match('tags:length = 0'), ['three']);
    assert.deepEqual(await match('tags:each != "z"'), ['one', 'three', 'two']);
    // Without a modifier a multi select is its raw JSON text.
    assert.deepEqual(await match('tags ~ "c"'), ['two']);
    assert.deepEqual(await match('tags ?= "b"'), []);
  });

  test('relation paths: single, multi with all/any semantics, :length', async () => {
    assert.deepEqual(await match('author.name = "Alice"'), ['one']);
    assert.deepEqual(await match('author = ""'), ['three']);
    assert.deepEqual(await match(`author = "${bob.id}"`), ['two']);
    assert.deepEqual(await match('readers.name ?= "Bob"'), ['one', 'two']);
    assert.deepEqual(await match('readers.name = "Bob"'), ['two']);
    assert.deepEqual(await match('readers:length >= 1'), ['one', 'two']);
  });

  test('back-relation from the referenced collection', async () => {
    const list = await pb.collection(people.name).getList(1, 10, {
      filter: `${posts.name}_via_author.title ?= "one"`,
    });
    assert.deepEqual(list.items.map((r) => r.name), ['Alice']);
  });

  test('JSON paths and geoPoint sub-keys', async () => {
    assert.deepEqual(await match('meta.a.b = 2'), ['two']);
    assert.deepEqual(await match('meta.list.1 = 2'), ['one']);
    assert.deepEqual(await match('loc.lat > 40'), ['one']);
    assert.deepEqual(await match('geoDistance(loc.lon, loc.lat, 23.3, 42.1) < 20'), ['one']);
  });

  test('empty and null compare equal', async () => {
    assert.deepEqual(await match('mail = null'), ['three', 'two']);
    assert.deepEqual(await match('mail = ""'), ['three', 'two']);
    assert.deepEqual(await match('mail != ""'), ['one']);
    assert.deepEqual(await match('when = ""'), ['two']);
    assert.deepEqual(await match('meta = null'), ['three']);
  });

  test('functions, macros, modifiers and comments', async () => {
    assert.deepEqual(await match('strftime("%Y", when) = "2024"'), ['one']);
    assert.deepEqual(await match('created <= @now && created > @yesterday'), ['one', 'three', 'two']);
    assert.deepEqual(await match('title:lower = "one"'), ['one']);
    assert.deepEqual(await match('title = "one" // a comment'), ['one']);
    assert.deepEqual(await match("title = 'one' || title = \"two\""), ['one', 'two']);
  });

  test('~ with an explicit % pattern', async () => {
    assert.deepEqual(await match('title ~ "o%e"'), ['one']);
    assert.deepEqual(await match('title !~ "o"'), ['three']);
  });

  test('sort by @random returns every record', async () => {
    const list = await pb.collection(posts.name).getList(1, 10, { sort: '@random' });
    assert.deepEqual(list.items.map((r) => r.title).sort(), ['one', 'three', 'two']);
  });

  test('expand on a list puts expand on every item', async () => {
    const list = await pb.collection(posts.name).getList(1, 10, { sort: 'title', expand: 'author,readers' });
    const [one, three, two] = list.items;
    assert.equal(one.expand.author.name, 'Alice');
    assert.deepEqual(one.expand.readers.map((r) => r.name), ['Alice', 'Bob']);
    assert.equal(two.expand.author.name, 'Bob');
    assert.deepEqual(three.expand, {}, 'empty relations leave expand empty but present');
  });

  test('unknown expand paths are ignored', async () => {
    const list = await pb.collection(posts.name).getList(1, 10, { expand: 'nosuchfield' });
    assert.equal(list.items.length, 3);
    // The reference server omits expand here; an empty object is as good.
    for (const item of list.items) {
      assert.ok(item.expand === undefined || Object.keys(item.expand).length === 0, JSON.stringify(item.expand));
    }
  });

  test('back-relation expand', async () => {
    const got = await pb.collection(people.name).getOne(alice.id, { expand: `${posts.name}_via_author` });
    const back = got.expand[`${posts.name}_via_author`];
    assert.ok(Array.isArray(back), JSON.stringify(got.expand));
    assert.deepEqual(back.map((r) => r.title), ['one']);
  });

  test('fields picker with *, nested expand keys and :excerpt', async () => {
    const one = await pb.collection(posts.name).getFirstListItem('title = "one"', {
      expand: 'author',
      fields: '*,expand.author.name',
    });
    assert.equal(one.title, 'one');
    assert.equal(one.mail, 'x@y.com');
    assert.deepEqual(one.expand, { author: { name: 'Alice' } });

    const excerpt = await pb.collection(posts.name).getFirstListItem('title = "one"', {
      fields: 'id,body:excerpt(10,true)',
    });
    assert.deepEqual(Object.keys(excerpt).sort(), ['body', 'id']);
    assert.equal(excerpt.body, 'Hello worl...');
  });

  test('rules on @request.auth: guests see nothing, superusers see all', async () => {
    const members = await pb.collections.create({
      name: uniqueName('members'),
      listRule: '@request.auth.id != ""',
      viewRule: '@request.auth.id != ""',
      fields: [{ name: 'title', type: 'text' }],
    });
    try {
      const rec = await pb.collection(members.name).create({ title: 'private' });
      const guest = guestClient();
      const list = await guest.collection(members.name).getList(1, 10);
      assert.equal(list.totalItems, 0);
      assert.deepEqual(list.items, []);
      await expectError(guest.collection(members.name).getOne(rec.id), 404);
      const suList = await pb.collection(members.name).getList(1, 10);
      assert.equal(suList.totalItems, 1);
    } finally {
      await dropCollections(pb, members.name);
    }
  });
});
