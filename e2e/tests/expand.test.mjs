// Expand through the SDK (§4.4): nested and back-relation paths, the
// related collections' view rules, email visibility inside expand,
// unique back-relations as objects, the legacy syntax, expand on
// create/update/auth responses, and fields combined with expand (§4.3).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { superuserClient, guestClient, uniqueName } from './lib/pb.mjs';

describe('expand', () => {
  let su;
  let guest;
  const c = {}; // collection models by role
  const r = {}; // records by role
  const password = 'author-Passw0rd';

  before(async () => {
    su = await superuserClient();
    guest = guestClient();
    const open = { listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '' };
    c.orgs = await su.collections.create({ name: uniqueName('xorgs'), type: 'base', ...open, fields: [{ name: 'name', type: 'text' }] });
    c.authors = await su.collections.create({
      name: uniqueName('xauthors'), type: 'auth', ...open,
      fields: [{ name: 'name', type: 'text' }, { name: 'org', type: 'relation', collectionId: c.orgs.id, maxSelect: 1 }],
    });
    c.secrets = await su.collections.create({
      name: uniqueName('xsecrets'), type: 'base', listRule: null, viewRule: null,
      fields: [{ name: 'code', type: 'text' }],
    });
    c.labels = await su.collections.create({
      name: uniqueName('xlabels'), type: 'base', listRule: 'public = true', viewRule: 'public = true',
      fields: [{ name: 'name', type: 'text' }, { name: 'public', type: 'bool' }],
    });
    c.posts = await su.collections.create({
      name: uniqueName('xposts'), type: 'base', ...open,
      fields: [
        { name: 'title', type: 'text' },
        { name: 'author', type: 'relation', collectionId: c.authors.id, maxSelect: 1 },
        { name: 'secret', type: 'relation', collectionId: c.secrets.id, maxSelect: 1 },
        { name: 'labels', type: 'relation', collectionId: c.labels.id, maxSelect: 5 },
      ],
    });
    c.comments = await su.collections.create({
      name: uniqueName('xcomments'), type: 'base', ...open,
      fields: [
        { name: 'text', type: 'text' },
        { name: 'post', type: 'relation', collectionId: c.posts.id, maxSelect: 1, cascadeDelete: true },
        { name: 'author', type: 'relation', collectionId: c.authors.id, maxSelect: 1 },
      ],
    });
    // One profile per author: the unique index makes the back-relation an object.
    const profiles = uniqueName('xprofiles');
    c.profiles = await su.collections.create({
      name: profiles, type: 'base', ...open,
      fields: [{ name: 'bio', type: 'text' }, { name: 'author', type: 'relation', collectionId: c.authors.id, maxSelect: 1 }],
      indexes: [`CREATE UNIQUE INDEX idx_${profiles}_author ON ${profiles} (author)`],
    });

    r.acme = await su.collection(c.orgs.name).create({ name: 'Acme' });
    r.ann = await su.collection(c.authors.name).create({
      email: `ann-${c.authors.name}@example.com`, password, passwordConfirm: password, name: 'Ann', org: r.acme.id,
    });
    r.bob = await su.collection(c.authors.name).create({
      email: `bob-${c.authors.name}@example.com`, emailVisibility: true, password, passwordConfirm: password, name: 'Bob',
    });
    r.secret = await su.collection(c.secrets.name).create({ code: 's3cr3t' });
    r.shown = await su.collection(c.labels.name).create({ name: 'shown', public: true });
    r.hidden = await su.collection(c.labels.name).create({ name: 'hidden', public: false });
    r.post = await su.collection(c.posts.name).create({
      title: 'Post', author: r.ann.id, secret: r.secret.id, labels: [r.hidden.id, r.shown.id],
    });
    r.c1 = await su.collection(c.comments.name).create({ text: 'first', post: r.post.id, author: r.bob.id });
    r.c2 = await su.collection(c.comments.name).create({ text: 'second', post: r.post.id, author: r.ann.id });
    r.profile = await su.collection(c.profiles.name).create({ bio: 'Ann bio', author: r.ann.id });
  });

  after(async () => {
    for (const k of ['profiles', 'comments', 'posts', 'labels', 'secrets', 'authors', 'orgs']) {
      if (c[k]) {
        try { await su.collections.delete(c[k].id); } catch { /* best effort */ }
      }
    }
  });

  const via = (k) => `${c.comments.name}_via_${k}`;

  test('direct, nested and back-relation paths in one expand', async () => {
    const got = await guest.collection(c.posts.name).getOne(r.post.id, { expand: `author.org,${via('post')}.author` });
    assert.equal(got.expand.author.id, r.ann.id);
    assert.equal(got.expand.author.name, 'Ann');
    assert.equal(got.expand.author.expand.org.name, 'Acme');
    const comments = got.expand[via('post')];
    assert.ok(Array.isArray(comments), JSON.stringify(got.expand));
    assert.deepEqual(comments.map((x) => x.text).sort(), ['first', 'second']);
    const byText = Object.fromEntries(comments.map((x) => [x.text, x]));
    assert.equal(byText.first.expand.author.name, 'Bob');
    assert.equal(byText.second.expand.author.name, 'Ann');
    assert.equal(byText.first.collectionName, c.comments.name);
  });

  test('back-relation then forward again, three levels deep', async () => {
    const got = await guest.collection(c.authors.name).getOne(r.ann.id, { expand: `${via('author')}.post.author.org` });
    const [comment] = got.expand[via('author')];
    assert.equal(comment.text, 'second');
    assert.equal(comment.expand.post.id, r.post.id);
    assert.equal(comment.expand.post.expand.author.expand.org.name, 'Acme');
  });

  test('a back-relation over a unique index is a single object', async () => {
    const got = await guest.collection(c.authors.name).getOne(r.ann.id, { expand: `${c.profiles.name}_via_author` });
    const profile = got.expand[`${c.profiles.name}_via_author`];
    assert.ok(profile && !Array.isArray(profile), JSON.stringify(got.expand));
    assert.equal(profile.bio, 'Ann bio');
  });

  test('the legacy back-relation syntax still works', async () => {
    const got = await guest.collection(c.posts.name).getOne(r.post.id, { expand: `${c.comments.name}(post)` });
    const list = got.expand[via('post')] ?? got.expand[`${c.comments.name}(post)`];
    assert.ok(Array.isArray(list), JSON.stringify(got.expand));
    assert.equal(list.length, 2);
  });

  test('expanded records obey their view rule and email visibility', async () => {
    const asGuest = await guest.collection(c.posts.name).getOne(r.post.id, { expand: 'author,secret,labels' });
    assert.equal('secret' in asGuest.expand, false, 'null view rule: not expanded for guests');
    assert.equal(asGuest.secret, r.secret.id, 'the id itself stays');
    assert.deepEqual(asGuest.expand.labels.map((x) => x.name), ['shown'], 'records failing the rule are left out');
    assert.equal(asGuest.expand.author.email, undefined, 'emailVisibility off');
    const bobView = await guest.collection(c.comments.name).getOne(r.c1.id, { expand: 'author' });
    assert.equal(bobView.expand.author.email, `bob-${c.authors.name}@example.com`, "emailVisibility on");

    const asSuperuser = await su.collection(c.posts.name).getOne(r.post.id, { expand: 'author,secret,labels' });
    assert.equal(asSuperuser.expand.secret.code, 's3cr3t');
    assert.deepEqual(asSuperuser.expand.labels.map((x) => x.name), ['hidden', 'shown'], 'in stored order');
    assert.equal(asSuperuser.expand.author.email, `ann-${c.authors.name}@example.com`);

    // Ann sees her own email inside expand.
    const ann = guestClient();
    await ann.collection(c.authors.name).authWithPassword(`ann-${c.authors.name}@example.com`, password);
    const asAnn = await ann.collection(c.posts.name).getOne(r.post.id, { expand: 'author' });
    assert.equal(asAnn.expand.author.email, `ann-${c.authors.name}@example.com`);
  });

  test('fields picks inside expand, through arrays and nested levels', async () => {
    const got = await guest.collection(c.posts.name).getOne(r.post.id, {
      expand: `author.org,${via('post')}.author`,
      fields: `id,expand.author.name,expand.author.expand.org.name,expand.${via('post')}.text,expand.${via('post')}.expand.author.name`,
    });
    assert.deepEqual(Object.keys(got).sort(), ['expand', 'id']);
    assert.deepEqual(got.expand.author, { name: 'Ann', expand: { org: { name: 'Acme' } } });
    const comments = got.expand[via('post')].sort((a, b) => a.text.localeCompare(b.text));
    assert.deepEqual(comments, [
      { text: 'first', expand: { author: { name: 'Bob' } } },
      { text: 'second', expand: { author: { name: 'Ann' } } },
    ]);

    const star = await guest.collection(c.posts.name).getList(1, 5, { expand: 'author', fields: '*,expand.author.id' });
    assert.equal(star.items[0].title, 'Post');
    assert.deepEqual(star.items[0].expand, { author: { id: r.ann.id } });
  });

  test('expand on create, update, full lists and auth responses', async () => {
    const created = await guest.collection(c.comments.name).create({ text: 'third', post: r.post.id, author: r.bob.id }, { expand: 'post.author' });
    assert.equal(created.expand.post.expand.author.name, 'Ann');
    const updated = await guest.collection(c.comments.name).update(created.id, { author: r.ann.id }, { expand: 'author', fields: 'id,expand.author.name' });
    assert.deepEqual(updated, { id: created.id, expand: { author: { name: 'Ann' } } });
    const all = await guest.collection(c.comments.name).getFullList({ filter: `post = "${r.post.id}"`, expand: 'author', sort: 'text', batch: 2 });
    assert.deepEqual(all.map((x) => [x.text, x.expand.author.name]), [['first', 'Bob'], ['second', 'Ann'], ['third', 'Ann']]);
    await su.collection(c.comments.name).delete(created.id);

    const pb = guestClient();
    const auth = await pb.collection(c.authors.name).authWithPassword(`ann-${c.authors.name}@example.com`, password, { expand: 'org' });
    assert.equal(auth.record.expand.org.name, 'Acme');
    assert.equal(pb.authStore.record.expand.org.name, 'Acme');
    const refreshed = await pb.collection(c.authors.name).authRefresh({ expand: `org,${c.profiles.name}_via_author` });
    assert.equal(refreshed.record.expand[`${c.profiles.name}_via_author`].bio, 'Ann bio');
  });
});
