// Collections shared by several test files. Every call creates fresh,
// uniquely named collections so files can run in parallel.
import { uniqueName } from './pb.mjs';

export const TITLE_MIN = 2;
export const TITLE_MAX = 20;
// Titles may not contain '!' (exercises the text pattern option).
export const TITLE_PATTERN = '^[^!]*$';

export function peopleSchema(name) {
  return {
    name,
    type: 'base',
    listRule: '',
    viewRule: '',
    createRule: '',
    updateRule: '',
    deleteRule: '',
    fields: [
      { name: 'name', type: 'text', required: true },
    ],
  };
}

// postsSchema covers every scalar field type plus single and multi
// relations to the people collection.
export function postsSchema(name, peopleId) {
  return {
    name,
    type: 'base',
    listRule: '',
    viewRule: '',
    createRule: '',
    updateRule: '',
    deleteRule: '',
    fields: [
      { name: 'title', type: 'text', required: true, min: TITLE_MIN, max: TITLE_MAX, pattern: TITLE_PATTERN },
      { name: 'num', type: 'number', min: 0, max: 100 },
      { name: 'count', type: 'number', onlyInt: true },
      { name: 'flag', type: 'bool' },
      { name: 'mail', type: 'email' },
      { name: 'site', type: 'url' },
      { name: 'body', type: 'editor' },
      { name: 'when', type: 'date' },
      { name: 'tag', type: 'select', values: ['a', 'b', 'c'], maxSelect: 1 },
      { name: 'tags', type: 'select', values: ['a', 'b', 'c', 'd'], maxSelect: 3 },
      { name: 'meta', type: 'json' },
      { name: 'loc', type: 'geoPoint' },
      { name: 'author', type: 'relation', collectionId: peopleId, maxSelect: 1 },
      { name: 'readers', type: 'relation', collectionId: peopleId, maxSelect: 5 },
      { name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
      { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
    ],
  };
}

export async function createPeopleAndPosts(pb) {
  const people = await pb.collections.create(peopleSchema(uniqueName('people')));
  const posts = await pb.collections.create(postsSchema(uniqueName('posts'), people.id));
  return { people, posts };
}

// dropCollections deletes collections in the given order, ignoring ones
// already gone, so cleanup never hides the real failure.
export async function dropCollections(pb, ...names) {
  for (const name of names) {
    try {
      await pb.collections.delete(name);
    } catch {
      // best effort
    }
  }
}
