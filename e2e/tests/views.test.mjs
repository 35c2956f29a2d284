// View collections through the SDK (§2.1, §2.5, §3.3, §4.1–§4.8, §7.1):
// created with pb.collections.create and a viewQuery (portable SQL, plus
// one query per engine, chosen by PLINTH_STORE), fields derived from the
// query, lists/getOne/filters/sorts/expand through the view, rules, files
// served from the source record, and the read-only errors.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { superuserClient, guestClient, uniqueName, expectError, fieldByName } from './lib/pb.mjs';
import { store } from './lib/fixtures.mjs';

describe('view collections', () => {
  let su;
  let guest;
  let authors;
  let posts;
  let comments;
  const views = [];
  const rec = {};

  before(async () => {
    su = await superuserClient();
    guest = guestClient();
    const open = { listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '' };
    authors = await su.collections.create({ name: uniqueName('vauthors'), type: 'base', ...open, fields: [{ name: 'name', type: 'text' }] });
    posts = await su.collections.create({
      name: uniqueName('vposts'), type: 'base', ...open,
      fields: [
        { name: 'title', type: 'text' },
        { name: 'author', type: 'relation', collectionId: authors.id, maxSelect: 1 },
        { name: 'tags', type: 'select', values: ['a', 'b', 'c'], maxSelect: 3 },
        { name: 'meta', type: 'json' },
        { name: 'doc', type: 'file', maxSelect: 1 },
      ],
    });
    comments = await su.collections.create({
      name: uniqueName('vcomments'), type: 'base', ...open,
      fields: [{ name: 'body', type: 'text' }, { name: 'post', type: 'relation', collectionId: posts.id, maxSelect: 1 }],
    });
    rec.ann = await su.collection(authors.name).create({ name: 'Ann' });
    rec.bob = await su.collection(authors.name).create({ name: 'Bob' });
    rec.p1 = await su.collection(posts.name).create({
      title: 'First', author: rec.ann.id, tags: ['a', 'b'], meta: { lang: 'en' }, doc: new File(['first doc'], 'first.txt'),
    });
    rec.p2 = await su.collection(posts.name).create({ title: 'Second', author: rec.bob.id, tags: ['c'], meta: { lang: 'de' } });
    rec.p3 = await su.collection(posts.name).create({ title: 'Third', author: rec.ann.id });
    for (const [post, body] of [[rec.p1, 'x'], [rec.p1, 'y'], [rec.p2, 'z']]) {
      await su.collection(comments.name).create({ post: post.id, body });
    }
  });

  after(async () => {
    for (const name of [...views.reverse(), comments?.name, posts?.name, authors?.name]) {
      if (name) {
        try { await su.collections.delete(name); } catch { /* best effort */ }
      }
    }
  });

  async function createView(prefix, viewQuery, extra = {}) {
    const v = await su.collections.create({ name: uniqueName(prefix), type: 'view', listRule: '', viewRule: '', viewQuery, ...extra });
    views.push(v.name);
    return v;
  }

  // Portable SQL: the same query on both engines.
  const countsQuery = () => `SELECT p.id, p.title, p.author, COUNT(c.id) AS comments
    FROM ${posts.name} p LEFT JOIN ${comments.name} c ON c.post = p.id GROUP BY p.id`;

  test('create derives the fields from the query', async () => {
    const v = await createView('vcounts', countsQuery(), { fields: [{ name: 'ignored', type: 'text' }] });
    assert.equal(v.type, 'view');
    assert.equal(v.createRule, null);
    assert.equal(v.updateRule, null);
    assert.equal(v.deleteRule, null);
    assert.deepEqual(v.indexes, []);
    assert.equal(v.viewQuery, countsQuery());
    assert.deepEqual(v.fields.map((f) => f.name), ['id', 'title', 'author', 'comments']);
    assert.equal(fieldByName(v, 'title').type, 'text');
    assert.equal(fieldByName(v, 'author').type, 'relation');
    assert.equal(fieldByName(v, 'author').collectionId, authors.id);
    assert.equal(fieldByName(v, 'comments').type, 'number');
    assert.equal(fieldByName(v, 'ignored'), undefined, 'client fields are ignored');
    const again = await su.collections.getOne(v.name);
    assert.deepEqual(again.fields.map((f) => f.name), ['id', 'title', 'author', 'comments']);
  });

  test('list, getOne, filters, sorts and expand through a view', async () => {
    const v = await createView('vlist', countsQuery());
    const list = await guest.collection(v.name).getList(1, 10, { sort: '-comments,title' });
    assert.equal(list.totalItems, 3);
    assert.deepEqual(list.items.map((x) => [x.title, x.comments]), [['First', 2], ['Second', 1], ['Third', 0]]);
    assert.equal(list.items[0].id, rec.p1.id, 'view rows keep the source ids');
    assert.equal(list.items[0].collectionName, v.name);
    assert.equal(list.items[0].collectionId, v.id);

    const one = await guest.collection(v.name).getOne(rec.p2.id, { expand: 'author' });
    assert.equal(one.title, 'Second');
    assert.equal(one.comments, 1);
    assert.equal(one.expand.author.name, 'Bob');

    const filtered = await guest.collection(v.name).getFullList({ filter: 'comments > 0 && author.name = "Ann"' });
    assert.deepEqual(filtered.map((x) => x.title), ['First']);
    const first = await guest.collection(v.name).getFirstListItem(guest.filter('title = {:t}', { t: 'Third' }));
    assert.equal(first.comments, 0);
    await expectError(guest.collection(v.name).getOne('nosuchrecord123'), 404);
    const rowid = await expectError(guest.collection(v.name).getList(1, 10, { sort: '@rowid' }), 400);
    assert.equal(rowid.status, 400);
    // Source changes show through at once.
    await su.collection(comments.name).create({ post: rec.p3.id, body: 'w' });
    assert.equal((await guest.collection(v.name).getOne(rec.p3.id)).comments, 1);
    // Back-relations from the source to the view work like any relation.
    const author = await guest.collection(authors.name).getOne(rec.ann.id, { expand: `${v.name}_via_author` });
    assert.deepEqual(author.expand[`${v.name}_via_author`].map((x) => x.title).sort(), ['First', 'Third']);
  });

  test('an engine-specific query', { skip: !store && 'PLINTH_STORE is not set' }, async () => {
    const q = store === 'postgres'
      ? `SELECT p.id, p.meta ->> 'lang' AS lang, string_agg(c.body, ',' ORDER BY c.body) AS bodies, jsonb_array_length(p.tags) AS ntags
         FROM ${posts.name} p LEFT JOIN ${comments.name} c ON c.post = p.id GROUP BY p.id`
      : `SELECT p.id, json_extract(p.meta, '$.lang') AS lang, (SELECT group_concat(body, ',') FROM (SELECT body FROM ${comments.name} WHERE post = p.id ORDER BY body)) AS bodies, json_array_length(p.tags) AS ntags
         FROM ${posts.name} p`;
    const v = await createView('vengine', q);
    assert.deepEqual(v.fields.map((f) => f.name), ['id', 'lang', 'bodies', 'ntags']);
    const got = await guest.collection(v.name).getOne(rec.p1.id);
    assert.equal(got.lang, 'en');
    assert.equal(got.bodies, 'x,y');
    assert.equal(Number(got.ntags), 2);
    const de = await guest.collection(v.name).getFullList({ filter: 'lang = "de"' });
    assert.deepEqual(de.map((x) => x.id), [rec.p2.id]);
  });

  test('view records are read-only', async () => {
    const v = await createView('vro', countsQuery());
    for (const call of [
      () => guest.collection(v.name).create({ title: 'x' }),
      () => su.collection(v.name).create({ title: 'x' }),
      () => su.collection(v.name).update(rec.p1.id, { title: 'x' }),
      () => su.collection(v.name).delete(rec.p1.id),
    ]) {
      const err = await expectError(call(), 400);
      assert.equal(err.response.message, 'Unsupported collection type.');
    }
    const trunc = await expectError(su.collections.truncate(v.name), 400);
    assert.match(trunc.response.message, /View collections cannot be truncated/);
    assert.equal((await su.collection(posts.name).getOne(rec.p1.id)).title, 'First', 'the source is untouched');
    // Create/update/delete rules cannot be set on a view.
    const rules = await expectError(su.collections.update(v.name, { createRule: '' }), 400);
    assert.ok(rules.response.data.createRule, JSON.stringify(rules.response));
  });

  test('rules of the view apply', async () => {
    const v = await createView('vrules', countsQuery(), { listRule: null, viewRule: 'comments > 1' });
    await expectError(guest.collection(v.name).getList(1, 10), 403);
    assert.equal((await guest.collection(v.name).getOne(rec.p1.id)).title, 'First');
    await expectError(guest.collection(v.name).getOne(rec.p2.id), 404);
    assert.equal((await su.collection(v.name).getList(1, 10)).totalItems, 3);
  });

  test('files of a view are served from the source record', async () => {
    const v = await createView('vfiles', `SELECT id, title, doc FROM ${posts.name}`);
    assert.equal(fieldByName(v, 'doc').type, 'file');
    const row = await guest.collection(v.name).getOne(rec.p1.id);
    assert.equal(row.doc, rec.p1.doc);
    const res = await fetch(guest.files.getURL(row, row.doc));
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'first doc');
  });

  test('bad queries, query updates and dependencies', async () => {
    for (const viewQuery of [`DELETE FROM ${posts.name}`, `SELECT title FROM ${posts.name}`, 'SELECT id FROM no_such_table_here', '']) {
      const err = await expectError(su.collections.create({ name: uniqueName('vbad'), type: 'view', viewQuery }), 400);
      assert.ok(err.response.data.viewQuery, `${viewQuery}: ${JSON.stringify(err.response)}`);
    }
    const v = await createView('vupd', `SELECT id, title FROM ${posts.name}`);
    const updated = await su.collections.update(v.name, { viewQuery: `SELECT id, title, author AS writer FROM ${posts.name} WHERE title != 'Second'` });
    assert.deepEqual(updated.fields.map((f) => f.name), ['id', 'title', 'writer']);
    assert.equal(fieldByName(updated, 'writer').type, 'relation');
    const rows = await guest.collection(v.name).getFullList({ sort: 'title', expand: 'writer' });
    assert.deepEqual(rows.map((x) => [x.title, x.expand.writer.name]), [['First', 'Ann'], ['Third', 'Ann']]);
    // A collection a view reads cannot be deleted from under it.
    const dep = await expectError(su.collections.delete(comments.name), 400);
    assert.match(dep.response.message, /depends on it/);
    assert.equal((await su.collection(comments.name).getList(1, 1)).totalItems, 4);
  });
});
