// Listing: getList, getFullList, getFirstListItem, filter, sort, fields,
// pagination and skipTotal (§4.1, §5, §11 items 8–10).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { superuserClient, uniqueName, expectError } from './lib/pb.mjs';
import { dropCollections } from './lib/schema.mjs';

const TRICKY = `hotel "quoted" it's`;

// Seed data; the expected orders below are derived from it by hand.
const SEED = [
  { title: 'alpha', num: 5, flag: true, when: '2024-01-01 00:00:00.000Z' },
  { title: 'bravo', num: 3, flag: false, when: '2024-02-01 00:00:00.000Z' },
  { title: 'charlie', num: 5, flag: true, when: '2024-03-01 00:00:00.000Z' },
  { title: 'delta', num: 1, flag: false, when: '2024-04-01 00:00:00.000Z' },
  { title: 'echo', num: 9, flag: true, when: '2024-05-01 00:00:00.000Z' },
  { title: 'foxtrot', num: 3, flag: false, when: '2024-06-01 00:00:00.000Z' },
  { title: 'golf', num: 7, flag: true, when: '2024-07-01 00:00:00.000Z' },
  { title: TRICKY, num: 5, flag: false, when: '2024-08-01 00:00:00.000Z' },
];
// sort=-num,title
const BY_NUM_DESC_TITLE = ['echo', 'golf', 'alpha', 'charlie', TRICKY, 'bravo', 'foxtrot', 'delta'];

function titles(list) {
  return list.map((r) => r.title);
}

describe('listing', () => {
  let pb;
  let coll;
  let name;

  before(async () => {
    pb = await superuserClient();
    coll = await pb.collections.create({
      name: uniqueName('items'),
      listRule: '',
      viewRule: '',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'num', type: 'number' },
        { name: 'flag', type: 'bool' },
        { name: 'when', type: 'date' },
        { name: 'secret', type: 'text', hidden: true },
      ],
    });
    name = coll.name;
    // Sequential inserts keep insertion order well defined.
    for (const row of SEED) {
      await pb.collection(name).create({ ...row, secret: 's' });
    }
  });

  after(async () => {
    await dropCollections(pb, name);
  });

  test('getList without options returns everything in insertion order with totals', async () => {
    const list = await pb.collection(name).getList();
    assert.equal(list.page, 1);
    assert.equal(list.perPage, 30);
    assert.equal(list.totalItems, SEED.length);
    assert.equal(list.totalPages, 1);
    assert.deepEqual(titles(list.items), SEED.map((r) => r.title));
  });

  test('sort -num,title', async () => {
    const list = await pb.collection(name).getList(1, 30, { sort: '-num,title' });
    assert.deepEqual(titles(list.items), BY_NUM_DESC_TITLE);
  });

  test('sort ascending with + and plain names', async () => {
    const plus = await pb.collection(name).getList(1, 30, { sort: '+num,-title' });
    assert.deepEqual(titles(plus.items), ['delta', 'foxtrot', 'bravo', TRICKY, 'charlie', 'alpha', 'golf', 'echo']);
    const byTitle = await pb.collection(name).getList(1, 30, { sort: 'title' });
    assert.deepEqual(titles(byTitle.items), SEED.map((r) => r.title));
    const byDate = await pb.collection(name).getList(1, 30, { sort: '-when' });
    assert.deepEqual(titles(byDate.items), SEED.map((r) => r.title).reverse());
  });

  test('sort by @rowid follows insertion order', async () => {
    const list = await pb.collection(name).getList(1, 30, { sort: '-@rowid' });
    assert.deepEqual(titles(list.items), SEED.map((r) => r.title).reverse());
  });

  test('pagination: page/perPage and totals', async () => {
    const p1 = await pb.collection(name).getList(1, 3, { sort: '-num,title' });
    assert.equal(p1.page, 1);
    assert.equal(p1.perPage, 3);
    assert.equal(p1.totalItems, 8);
    assert.equal(p1.totalPages, 3);
    assert.deepEqual(titles(p1.items), BY_NUM_DESC_TITLE.slice(0, 3));

    const p2 = await pb.collection(name).getList(2, 3, { sort: '-num,title' });
    assert.equal(p2.page, 2);
    assert.deepEqual(titles(p2.items), BY_NUM_DESC_TITLE.slice(3, 6));

    const p3 = await pb.collection(name).getList(3, 3, { sort: '-num,title' });
    assert.deepEqual(titles(p3.items), BY_NUM_DESC_TITLE.slice(6));

    const past = await pb.collection(name).getList(4, 3, { sort: '-num,title' });
    assert.equal(past.page, 4);
    assert.deepEqual(past.items, []);
    assert.equal(past.totalItems, 8);
    assert.equal(past.totalPages, 3);
  });

  test('perPage is clamped to 1000 and non-positive values fall back to defaults', async () => {
    const big = await pb.collection(name).getList(1, 5000);
    assert.equal(big.perPage, 1000);
    assert.equal(big.items.length, 8);
    const zero = await pb.collection(name).getList(0, 0);
    assert.equal(zero.page, 1);
    assert.equal(zero.perPage, 30);
  });

  test('a non-integer page answers 400', async () => {
    await expectError(pb.collection(name).getList('abc', 10), 400);
  });

  test('skipTotal returns -1 totals', async () => {
    const list = await pb.collection(name).getList(1, 2, { skipTotal: true, sort: 'title' });
    assert.equal(list.totalItems, -1);
    assert.equal(list.totalPages, -1);
    assert.equal(list.perPage, 2);
    assert.deepEqual(titles(list.items), ['alpha', 'bravo']);
  });

  test('filter with && and comparison operators', async () => {
    const list = await pb.collection(name).getList(1, 30, { filter: 'num >= 5 && title != "alpha"', sort: 'title' });
    assert.deepEqual(titles(list.items), ['charlie', 'echo', 'golf', TRICKY]);
    assert.equal(list.totalItems, 4);
    assert.equal(list.totalPages, 1);
  });

  test('filter: && binds tighter than ||', async () => {
    const list = await pb.collection(name).getList(1, 30, { filter: 'title = "delta" || num = 5 && title ~ "har"', sort: 'title' });
    assert.deepEqual(titles(list.items), ['charlie', 'delta']);
  });

  test('filter: ~ is a case-insensitive contains', async () => {
    const list = await pb.collection(name).getList(1, 30, { filter: 'title ~ "OT"', sort: 'title' });
    assert.deepEqual(titles(list.items), ['foxtrot', TRICKY]);
  });

  test('filter on bool and date fields', async () => {
    const flagged = await pb.collection(name).getList(1, 30, { filter: 'flag = true', sort: 'title' });
    assert.deepEqual(titles(flagged.items), ['alpha', 'charlie', 'echo', 'golf']);
    const dated = await pb.collection(name).getList(1, 30, { filter: 'when >= "2024-06-01 00:00:00.000Z"', sort: 'when' });
    assert.deepEqual(titles(dated.items), ['foxtrot', 'golf', TRICKY]);
  });

  test('filter with grouping and totals with pagination', async () => {
    const list = await pb.collection(name).getList(1, 2, { filter: '(num = 5 || num = 3) && flag = false', sort: 'title' });
    assert.equal(list.totalItems, 3);
    assert.equal(list.totalPages, 2);
    assert.deepEqual(titles(list.items), ['bravo', 'foxtrot']);
  });

  test('pb.filter() placeholders are escaped correctly', async () => {
    const filter = pb.filter('title = {:title} && num >= {:n} && flag = {:flag}', { title: TRICKY, n: 5, flag: false });
    const list = await pb.collection(name).getList(1, 30, { filter });
    assert.deepEqual(titles(list.items), [TRICKY]);

    const byDate = pb.filter('when < {:d}', { d: new Date('2024-02-15T00:00:00Z') });
    const early = await pb.collection(name).getList(1, 30, { filter: byDate, sort: 'title' });
    assert.deepEqual(titles(early.items), ['alpha', 'bravo']);
  });

  test('fields picker applies to every item and keeps the totals', async () => {
    const list = await pb.collection(name).getList(1, 2, { fields: 'id,title', sort: 'title' });
    assert.equal(list.totalItems, 8);
    assert.equal(list.perPage, 2);
    for (const item of list.items) {
      assert.deepEqual(Object.keys(item).sort(), ['id', 'title']);
    }
    assert.deepEqual(titles(list.items), ['alpha', 'bravo']);
  });

  test('superusers see hidden fields', async () => {
    const list = await pb.collection(name).getList(1, 1);
    assert.equal(list.items[0].secret, 's');
  });

  test('getFullList with a small batch walks every page', async () => {
    let requests = 0;
    pb.beforeSend = (url, options) => {
      requests += 1;
      return { url, options };
    };
    try {
      const all = await pb.collection(name).getFullList({ batch: 3, sort: '-num,title' });
      assert.deepEqual(titles(all), BY_NUM_DESC_TITLE);
      assert.equal(requests, 3, 'batch 3 over 8 records takes 3 requests');
    } finally {
      pb.beforeSend = undefined;
    }
  });

  test('getFullList when the last page is exactly full', async () => {
    const all = await pb.collection(name).getFullList({ batch: 4, filter: 'num > 0', sort: 'title' });
    assert.equal(all.length, 8);
    assert.deepEqual(titles(all), SEED.map((r) => r.title));
  });

  test('getFullList with the default batch', async () => {
    const all = await pb.collection(name).getFullList({ sort: 'title' });
    assert.deepEqual(titles(all), SEED.map((r) => r.title));
  });

  test('getFirstListItem returns the first match', async () => {
    const first = await pb.collection(name).getFirstListItem('num = 3', { sort: 'title' });
    assert.equal(first.title, 'bravo');
    const last = await pb.collection(name).getFirstListItem('num = 3', { sort: '-title' });
    assert.equal(last.title, 'foxtrot');
  });

  test('getFirstListItem with no match rejects with 404', async () => {
    const err = await expectError(pb.collection(name).getFirstListItem('num = 42'), 404);
    assert.equal(err.status, 404);
  });

  test('an empty filter is ignored', async () => {
    const list = await pb.collection(name).getList(1, 30, { filter: '' });
    assert.equal(list.totalItems, 8);
  });

  test('bad filters answer 400', async () => {
    const bad = ['title =', 'title = "x" title = "y"', 'nosuchfield = 1', '((title = "x")', 'title', '// only a comment'];
    for (const filter of bad) {
      const err = await expectError(pb.collection(name).getList(1, 30, { filter }), 400);
      assert.deepEqual(err.response.data, {}, `filter ${filter}`);
    }
  });

  test('bad sort answers 400', async () => {
    await expectError(pb.collection(name).getList(1, 30, { sort: 'nosuchfield' }), 400);
  });

  test('a non-boolean skipTotal answers 400', async () => {
    await expectError(pb.collection(name).getList(1, 30, { skipTotal: 'maybe' }), 400);
  });

  test('unknown query parameters are ignored', async () => {
    const list = await pb.collection(name).getList(1, 30, { somethingElse: 'x', autoRefresh: true });
    assert.equal(list.totalItems, 8);
  });
});
