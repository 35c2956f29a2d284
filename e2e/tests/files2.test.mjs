// More of §4.7 and §7 through the SDK: FormData bodies with Blob/File
// parts and modifiers, thumbs of PNG, JPEG and GIF originals in every
// thumb format (sizes read from the image headers), download headers and
// ranges, and protected files with file tokens against the view rule.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { superuserClient, guestClient, uniqueName, expectError, decodeJWT, rawFetch } from './lib/pb.mjs';
import { haveImages, image, imageSize } from './lib/fixtures.mjs';

async function fetchBytes(url, init) {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe('files through FormData, thumbs and file tokens', () => {
  let su;
  let gallery;
  let vault;
  let members;
  const password = 'member-Passw0rd';
  let alice; // may view the vault
  let bob; // may not

  before(async () => {
    su = await superuserClient();
    gallery = await su.collections.create({
      name: uniqueName('gallery'), type: 'base',
      listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'cover', type: 'file', maxSelect: 1, thumbs: ['50x50t', '50x50b', '50x50f', '0x30', '40x0', '30x20'] },
        { name: 'docs', type: 'file', maxSelect: 6 },
        { name: 'meta', type: 'json' },
      ],
    });
    members = await su.collections.create({ name: uniqueName('fmembers'), type: 'auth', fields: [{ name: 'role', type: 'text' }] });
    vault = await su.collections.create({
      name: uniqueName('fvault'), type: 'base',
      listRule: '@request.auth.role = "reader"', viewRule: '@request.auth.role = "reader"',
      fields: [
        { name: 'secret', type: 'file', protected: true, maxSelect: 1 },
        { name: 'pic', type: 'file', protected: true, maxSelect: 1 },
      ],
    });
    for (const [email, role] of [['alice', 'reader'], ['bob', 'none']]) {
      await su.collection(members.name).create({
        email: `${email}-${members.name}@example.com`, password, passwordConfirm: password, role,
      });
    }
    alice = guestClient();
    await alice.collection(members.name).authWithPassword(`alice-${members.name}@example.com`, password);
    bob = guestClient();
    await bob.collection(members.name).authWithPassword(`bob-${members.name}@example.com`, password);
  });

  after(async () => {
    for (const c of [vault, members, gallery]) {
      if (c) {
        try { await su.collections.delete(c.id); } catch { /* best effort */ }
      }
    }
  });

  test('a FormData body with Blob and File parts and @jsonPayload', async () => {
    const fd = new FormData();
    fd.append('title', 'form data');
    fd.append('docs', new Blob(['first']), 'First Doc.txt');
    fd.append('docs', new File(['second'], 'second.md', { type: 'text/markdown' }));
    fd.append('@jsonPayload', JSON.stringify({ meta: { nested: [1, 2] } }));
    const rec = await guestClient().collection(gallery.name).create(fd);
    assert.equal(rec.title, 'form data');
    assert.deepEqual(rec.meta, { nested: [1, 2] });
    assert.equal(rec.docs.length, 2);
    assert.match(rec.docs[0], /^first_doc_[a-z0-9]{10}\.txt$/);
    assert.match(rec.docs[1], /^second_[a-z0-9]{10}\.md$/);
    const body = await fetchBytes(su.files.getURL(rec, rec.docs[1]));
    assert.equal(body.body.toString(), 'second');
  });

  test('a nameless Blob gets a name and the extension of its content', { skip: !haveImages && 'needs the harness image endpoint' }, async () => {
    const fd = new FormData();
    fd.append('cover', new Blob([await image('png', 8, 8)]));
    const rec = await guestClient().collection(gallery.name).create(fd);
    assert.match(rec.cover, /^blob_[a-z0-9]{10}\.png$/);
  });

  test('FormData modifiers: +docs prepends, docs+ appends, docs- removes, names keep files', async () => {
    const pb = guestClient();
    let rec = await pb.collection(gallery.name).create({ docs: [new File(['m'], 'middle.txt')] });
    const [middle] = rec.docs;
    let fd = new FormData();
    fd.append('+docs', new File(['f'], 'front.txt'));
    fd.append('docs+', new File(['b'], 'back.txt'));
    rec = await pb.collection(gallery.name).update(rec.id, fd);
    assert.equal(rec.docs.length, 3);
    assert.match(rec.docs[0], /^front_/);
    assert.equal(rec.docs[1], middle);
    assert.match(rec.docs[2], /^back_/);
    const [front, , back] = rec.docs;

    fd = new FormData();
    fd.append('docs-', front);
    fd.append('docs-', back);
    rec = await pb.collection(gallery.name).update(rec.id, fd);
    assert.deepEqual(rec.docs, [middle]);
    for (const gone of [front, back]) {
      assert.equal((await fetchBytes(pb.files.getURL(rec, gone))).status, 404, `${gone} was deleted`);
    }

    // Plain key with a kept name and a new upload replaces the rest.
    rec = await pb.collection(gallery.name).update(rec.id, { 'docs+': new File(['x'], 'extra.txt') });
    const extra = rec.docs[1];
    fd = new FormData();
    fd.append('docs', middle);
    fd.append('docs', new File(['n'], 'new.txt'));
    rec = await pb.collection(gallery.name).update(rec.id, fd);
    assert.equal(rec.docs.length, 2);
    assert.equal(rec.docs[0], middle);
    assert.match(rec.docs[1], /^new_/);
    assert.equal((await fetchBytes(pb.files.getURL(rec, extra))).status, 404);
    assert.equal((await fetchBytes(pb.files.getURL(rec, middle))).body.toString(), 'm');

    // Clearing the field deletes every file.
    rec = await pb.collection(gallery.name).update(rec.id, { docs: [] });
    assert.deepEqual(rec.docs, []);
    assert.equal((await fetchBytes(pb.files.getURL({ ...rec, docs: [middle] }, middle))).status, 404);
  });

  test('thumbs of PNG, JPEG and GIF originals in every thumb format', { skip: !haveImages && 'needs the harness image endpoint' }, async () => {
    for (const format of ['png', 'jpeg', 'gif']) {
      const rec = await su.collection(gallery.name).create({ cover: new File([await image(format, 200, 100)], `cover.${format === 'jpeg' ? 'jpg' : format}`) });
      const orig = await fetchBytes(su.files.getURL(rec, rec.cover));
      assert.equal(orig.status, 200);
      assert.equal(orig.headers.get('content-type'), `image/${format}`);
      assert.deepEqual(imageSize(orig.body), { format, width: 200, height: 100 });
      const cases = [
        ['100x100', [100, 100]], // always allowed
        ['50x50t', [50, 50]],
        ['50x50b', [50, 50]],
        ['50x50f', [50, 25]], // fit inside, no crop
        ['0x30', [60, 30]],
        ['40x0', [40, 20]],
        ['30x20', [30, 20]],
        ['70x70', [200, 100]], // not listed: the original
      ];
      for (const [thumb, [width, height]] of cases) {
        const res = await fetchBytes(su.files.getURL(rec, rec.cover, { thumb }));
        assert.equal(res.status, 200, `${format} ${thumb}`);
        const size = imageSize(res.body);
        assert.deepEqual([size.width, size.height], [width, height], `${format} thumb ${thumb}`);
        if (thumb !== '70x70') {
          assert.equal(res.headers.get('content-disposition'), `inline; filename=${thumb}_${rec.cover}`, `${format} ${thumb}`);
        }
      }
      // Asking again serves the cached thumb, same bytes.
      const a = await fetchBytes(su.files.getURL(rec, rec.cover, { thumb: '50x50t' }));
      const b = await fetchBytes(su.files.getURL(rec, rec.cover, { thumb: '50x50t' }));
      assert.ok(a.body.equals(b.body));
    }
    // Thumbs of a non-image are the original file.
    const txt = await su.collection(gallery.name).create({ cover: new File(['plain text'], 'note.txt') });
    const res = await fetchBytes(su.files.getURL(txt, txt.cover, { thumb: '100x100' }));
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'plain text');
  });

  test('download headers, ranges and 404s', async () => {
    const rec = await su.collection(gallery.name).create({ docs: [new File(['0123456789'], 'digits.txt')] });
    const url = su.files.getURL(rec, rec.docs[0]);
    const full = await fetchBytes(url);
    assert.equal(full.headers.get('content-security-policy'), "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox");
    assert.equal(full.headers.get('accept-ranges'), 'bytes');
    assert.ok(full.headers.get('last-modified'));
    const part = await fetchBytes(url, { headers: { Range: 'bytes=2-5' } });
    assert.equal(part.status, 206);
    assert.equal(part.body.toString(), '2345');
    const cached = await fetchBytes(url, { headers: { 'If-Modified-Since': full.headers.get('last-modified') } });
    assert.equal(cached.status, 304);
    // By collection name too; unknown names, records and collections are 404.
    const byName = await rawFetch(`/api/files/${gallery.name}/${rec.id}/${rec.docs[0]}`);
    assert.equal(byName.status, 200);
    assert.equal(byName.body, '0123456789');
    for (const path of [
      `/api/files/${gallery.name}/${rec.id}/nosuchfile.txt`,
      `/api/files/${gallery.name}/nosuchrecord123/${rec.docs[0]}`,
      `/api/files/nosuchcollection/${rec.id}/${rec.docs[0]}`,
    ]) {
      const res = await rawFetch(path);
      assert.equal(res.status, 404, path);
      assert.equal(res.body.status, 404);
    }
  });

  test('protected files: a file token of a requester the view rule admits', async () => {
    const rec = await su.collection(vault.name).create({ secret: new File(['top secret'], 'secret.txt') });
    const guest = guestClient();
    assert.equal((await fetchBytes(guest.files.getURL(rec, rec.secret))).status, 404, 'no token');

    const token = await alice.files.getToken();
    const claims = decodeJWT(token);
    assert.equal(claims.type, 'file');
    assert.equal(claims.id, alice.authStore.record.id);
    assert.equal(claims.collectionId, members.id);
    assert.ok(Math.abs(claims.exp - (Date.now() / 1000 + 180)) < 60, 'file tokens live 180 s');
    const ok = await fetchBytes(guest.files.getURL(rec, rec.secret, { token }));
    assert.equal(ok.status, 200);
    assert.equal(ok.body.toString(), 'top secret');

    // The Authorization header and auth tokens do not open protected files.
    assert.equal((await fetchBytes(alice.files.getURL(rec, rec.secret), { headers: { Authorization: alice.authStore.token } })).status, 404);
    assert.equal((await fetchBytes(guest.files.getURL(rec, rec.secret, { token: alice.authStore.token }))).status, 404);
    // A file token whose record fails the view rule.
    const bobToken = await bob.files.getToken();
    assert.equal((await fetchBytes(guest.files.getURL(rec, rec.secret, { token: bobToken }))).status, 404);
    // Superusers' file tokens open everything.
    const suToken = await su.files.getToken();
    assert.equal((await fetchBytes(guest.files.getURL(rec, rec.secret, { token: suToken }))).status, 200);
    assert.equal((await fetchBytes(guest.files.getURL(rec, rec.secret, { token: 'garbage' }))).status, 404);
    await expectError(guest.files.getToken(), 401);
  });

  test('protected image thumbs need the token too', { skip: !haveImages && 'needs the harness image endpoint' }, async () => {
    const rec = await su.collection(vault.name).create({ pic: new File([await image('png', 120, 80)], 'pic.png') });
    const guest = guestClient();
    assert.equal((await fetchBytes(guest.files.getURL(rec, rec.pic, { thumb: '100x100' }))).status, 404);
    const token = await alice.files.getToken();
    const thumb = await fetchBytes(guest.files.getURL(rec, rec.pic, { thumb: '100x100', token }));
    assert.equal(thumb.status, 200);
    assert.deepEqual(imageSize(thumb.body), { format: 'png', width: 100, height: 100 });
    const dl = await fetchBytes(guest.files.getURL(rec, rec.pic, { token, download: true }));
    assert.equal(dl.headers.get('content-disposition'), `attachment; filename=${rec.pic}`);
  });
});
