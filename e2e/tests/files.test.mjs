// Record files through the SDK: uploads (§4.7), downloads and thumbs
// (§7.1), protected files with file tokens (§7.2).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { superuserClient, guestClient, uniqueName, expectError, fieldCode, rawFetch } from './lib/pb.mjs';

// png encodes a w×h opaque RGB image (filter byte 0 on every row).
function png(w, h) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * (w * 3 + 1) + 1 + x * 3;
      raw[i] = x % 256;
      raw[i + 1] = y % 256;
      raw[i + 2] = 128;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

// pngSize reads the dimensions from a PNG's IHDR chunk.
function pngSize(buf) {
  return [buf.readUInt32BE(16), buf.readUInt32BE(20)];
}

async function fetchBytes(url) {
  const res = await fetch(url);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe('files', () => {
  let pb;
  let docs;
  let vault;

  before(async () => {
    pb = await superuserClient();
    docs = await pb.collections.create({
      name: uniqueName('files'),
      type: 'base',
      listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'doc', type: 'file', maxSelect: 1 },
        { name: 'docs', type: 'file', maxSelect: 5 },
        { name: 'pic', type: 'file', maxSelect: 1, maxSize: 100000, mimeTypes: ['image/png'], thumbs: ['20x10', '0x30'] },
      ],
    });
    vault = await pb.collections.create({
      name: uniqueName('vault'),
      type: 'base',
      viewRule: '@request.auth.id != ""',
      fields: [{ name: 'secret', type: 'file', protected: true }],
    });
  });

  after(async () => {
    for (const c of [vault, docs]) {
      if (c) await pb.collections.delete(c.id);
    }
  });

  test('create with File values sends multipart and stores normalized names', async () => {
    const rec = await pb.collection(docs.name).create({
      title: 'with files',
      doc: new File(['hello'], 'My Test File.TXT'),
      docs: [new File(['a'], 'a.png'), new File(['b'], 'notes.txt')],
    });
    assert.equal(rec.title, 'with files');
    assert.match(rec.doc, /^my_test_file_[a-z0-9]{10}\.TXT$/);
    assert.equal(rec.docs.length, 2);
    assert.match(rec.docs[0], /^a[a-z0-9]{10}_[a-z0-9]{10}\.png$/);
    assert.match(rec.docs[1], /^notes_[a-z0-9]{10}\.txt$/);

    const url = pb.files.getURL(rec, rec.doc);
    const res = await fetchBytes(url);
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'hello');
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(res.headers.get('content-disposition'), `attachment; filename=${rec.doc}`);
    assert.equal(res.headers.get('cache-control'), 'max-age=2592000, stale-while-revalidate=86400');
  });

  test('update modifiers append, remove and replace files', async () => {
    let rec = await pb.collection(docs.name).create({ docs: [new File(['1'], 'one.txt'), new File(['2'], 'two.txt')] });
    const [one, two] = rec.docs;
    rec = await pb.collection(docs.name).update(rec.id, { 'docs+': new File(['3'], 'three.txt') });
    assert.equal(rec.docs.length, 3);
    assert.deepEqual(rec.docs.slice(0, 2), [one, two]);
    rec = await pb.collection(docs.name).update(rec.id, { 'docs-': [one] });
    assert.equal(rec.docs.length, 2);
    assert.equal(rec.docs.includes(one), false);
    assert.equal((await fetchBytes(pb.files.getURL(rec, one))).status, 404, 'removed files are deleted');
    // Existing names and new files under the plain key: the rest is dropped.
    rec = await pb.collection(docs.name).update(rec.id, { docs: [two, new File(['4'], 'four.txt')] });
    assert.equal(rec.docs.length, 2);
    assert.equal(rec.docs[0], two);
    assert.match(rec.docs[1], /^four_/);
    assert.equal((await fetchBytes(pb.files.getURL(rec, rec.docs[1]))).body.toString(), '4');
  });

  test('images are served inline and thumbs have the requested size', async () => {
    const rec = await pb.collection(docs.name).create({ pic: new File([png(80, 60)], 'pic.png') });
    const orig = await fetchBytes(pb.files.getURL(rec, rec.pic));
    assert.equal(orig.status, 200);
    assert.equal(orig.headers.get('content-type'), 'image/png');
    assert.equal(orig.headers.get('content-disposition'), `inline; filename=${rec.pic}`);
    assert.deepEqual(pngSize(orig.body), [80, 60]);

    for (const [thumb, size] of [['100x100', [100, 100]], ['20x10', [20, 10]], ['0x30', [40, 30]], ['50x50', [80, 60]]]) {
      const res = await fetchBytes(pb.files.getURL(rec, rec.pic, { thumb }));
      assert.equal(res.status, 200);
      assert.deepEqual(pngSize(res.body), size, `thumb ${thumb}`);
    }
    const dl = await fetchBytes(pb.files.getURL(rec, rec.pic, { download: true }));
    assert.equal(dl.headers.get('content-disposition'), `attachment; filename=${rec.pic}`);
  });

  test('validation codes for files', async () => {
    let err = await expectError(pb.collection(docs.name).create({ pic: new File(['not a png'], 'fake.png') }), 400);
    assert.equal(fieldCode(err, 'pic'), 'validation_invalid_mime_type');
    err = await expectError(pb.collection(docs.name).create({ pic: new File([Buffer.alloc(100001)], 'big.png') }), 400);
    assert.equal(fieldCode(err, 'pic'), 'validation_file_size_limit');
    err = await expectError(pb.collection(docs.name).create({
      docs: Array.from({ length: 6 }, (_, i) => new File([String(i)], `f${i}.txt`)),
    }), 400);
    assert.equal(fieldCode(err, 'docs'), 'validation_too_many_files');
    err = await expectError(pb.collection(docs.name).create({ doc: 'not_uploaded.txt' }), 400);
    assert.equal(fieldCode(err, 'doc'), 'validation_invalid_file');
  });

  test('protected files need a file token', async (t) => {
    const probe = await rawFetch('/api/files/token', { method: 'POST', headers: { Authorization: pb.authStore.token } });
    if (probe.status === 404) {
      t.skip('POST /api/files/token is not available in this build');
      return;
    }
    const rec = await pb.collection(vault.name).create({ secret: new File(['classified'], 'secret.txt') });
    const guest = guestClient();
    assert.equal((await fetchBytes(guest.files.getURL(rec, rec.secret))).status, 404);
    const token = await pb.files.getToken();
    const res = await fetchBytes(pb.files.getURL(rec, rec.secret, { token }));
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'classified');
  });

  test('deleting a record deletes its files', async () => {
    const rec = await pb.collection(docs.name).create({ doc: new File(['bye'], 'bye.txt') });
    const url = pb.files.getURL(rec, rec.doc);
    assert.equal((await fetchBytes(url)).status, 200);
    await pb.collection(docs.name).delete(rec.id);
    const res = await rawFetch(new URL(url).pathname);
    assert.equal(res.status, 404);
  });
});
