// Package filter is the only place where user expressions become SQL: the
// filter and rule language of §5 of the API contract (client filter and
// sort parameters, collection rules, realtime filters).
//
// # Pipeline
//
// Parse is a hand-written lexer and recursive-descent parser producing an
// Expr tree ("&&" binds tighter than "||"). Compile resolves that tree
// against the schema: every identifier must name a field, relation,
// back-relation, macro or @request/@collection reference, so identifiers
// in the SQL come from the schema (an allowlist) and are always quoted,
// while every value, JSON path and LIKE pattern is a '?' parameter.
// Compile does the expensive work once, including writing the SQL of every
// comparison that does not depend on the request; the result can be cached
// (Cache) per schema version. Bind then writes the rest for one request:
// the date macros from Request.Now and the @request.* values, which are
// known only then (the collection of the authenticated record, for
// instance, decides what @request.auth.<relation>.<field> joins).
//
// # SQL shape
//
// The result of Bind is one boolean expression over the queried table,
// aliased core.MainAlias ("_main"); the store ANDs it into its WHERE. No
// top-level join is needed:
//
//   - a single-valued relation path (author.name) is a scalar subquery
//     (SELECT ... LIMIT 1) whose FROM items are the hops, comma-joined;
//     author.id is the relation column itself;
//   - a multi-valued operand (readers.name, tags:each, back-relations,
//     @request.body.tags:each) is a set: a subquery giving one element per
//     row, iterating JSON arrays with json_each (SQLite) or plinth_jeach
//     (PostgreSQL). A comparison over sets LEFT JOINs them to a one-row
//     (SELECT 1), so an empty set counts as a single NULL element, and is
//     EXISTS (... WHERE cmp) for the "?" operators (any element) and
//     NOT EXISTS (... WHERE (cmp) IS NOT TRUE) for the others (all
//     elements);
//   - @collection.<name>[:alias] references become LEFT JOINs of one EXISTS
//     wrapped around the whole expression, one join per (collection,
//     alias), so that every condition naming the same alias sees the same
//     joined row; plain operators also require the condition to hold for
//     all rows of the collection;
//   - client filters of non-superusers apply the list rule of every
//     collection a relation hop enters, as a condition of the hop, and
//     only read an auth collection's email where emailVisibility is true.
//
// # Semantics
//
// "=" and "!=" treat NULL and the empty string as the same value and are NULL-safe; "~"
// is LIKE, case-insensitive for ASCII, with the right-hand literal wrapped
// in % unless it has an unescaped %; true/false are 1/0. Comparisons
// follow SQLite: values carry a storage class (number or text) and the
// operands that are columns carry an affinity, which decides whether the
// other side is converted (a number column against '12' compares with 12;
// a text column against 123 compares with '123'); numbers sort before
// text. Literals and request values are converted in Go to the class of
// the other side, so both engines receive the same typed parameter.
//
// # Two dialects
//
// SQLite runs the comparisons natively: the compiler models its storage
// classes and affinities rather than fighting them. PostgreSQL is strictly
// typed, so its SQL is written to give the same rows without ever raising
// "operator does not exist" or a cast error, whatever the literal:
//
//   - every parameter carries an explicit cast (?::text,
//     ?::double precision, ?::boolean, ?::jsonb, ?::text[]);
//   - same-class comparisons are native (text with COLLATE "C" for
//     ordering, matching SQLite's byte order, except date columns whose
//     canonical values sort alike under any collation, so indexes stay
//     usable; bool columns as booleans or ::int);
//   - anything else (a number column against non-numeric text, JSON
//     values of unknown type, text against numbers) goes through
//     plinth_cmp(jsonb, jsonb), which orders two values as SQLite does,
//     with plinth_numaff/plinth_textaff applying SQLite's affinity rules;
//   - LIKE compares ASCII-lowered text (plinth_alower) so non-ASCII letters
//     stay case-sensitive as in SQLite; strftime and geoDistance map to
//     plinth_strftime and plinth_geo_distance.
//
// The helper functions are listed by PostgresFunctions; the postgres store
// creates them in its migrations. Rebind turns '?' into $n for PostgreSQL.
// The execution tests run the same filters on both engines against
// expected ids, TestDifferential checks that thousands of operand and
// operator pairings return the same rows on both, and FuzzCompile checks
// that nothing panics and no input text reaches the SQL; FuzzRuleBind
// binds random rules to random request data and runs them on both engines.
//
// # Known differences
//
// JSON text is compared as compact JSON, but PostgreSQL's jsonb reorders
// object keys and normalizes numbers (1e2 is 100), so comparing or
// matching the raw text of JSON objects can differ from SQLite.
// plinth_strftime covers the usual conversions and modifiers of SQLite's
// strftime (not 'auto', 'julianday', 'ceiling'/'floor' or time offsets
// such as '+01:30') within years 1-9999. Sorts do not apply the list rules
// of the collections a sort path enters: a sort has no request to bind
// them to. PostgreSQL text cannot hold NUL or invalid UTF-8, so such
// bytes in values are sent as \x01 and U+FFFD (SQLite compares them as
// they are, and its LIKE stops at a NUL); its geoDistance counts
// magnitudes below 1e-100 as 0, where its float arithmetic would fail. A
// stored number that needs more than 15 significant digits reads as
// different text (SQLite: 17 digits, PostgreSQL: the shortest exact form)
// where a number column is used as text (~, :lower, text comparisons).
//
// # Storage assumptions
//
// Tables and columns follow the storage mapping: one table per collection
// named as the collection, one column per field named as the field;
// multi-valued select/file/relation fields hold a JSON array of strings
// (JSONB on PostgreSQL), json fields JSON or NULL, geoPoint fields a
// {"lon","lat"} object, bool fields 0/1 (BOOLEAN on PostgreSQL), number
// fields NUMERIC (DOUBLE PRECISION), everything else TEXT with ” as
// empty. @rowid sorts by SQLite's rowid or PostgreSQL's "_rowid" column.
package filter
