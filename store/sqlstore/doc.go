// Package sqlstore implements core.Store over database/sql once for both
// engines; a small dialect value carries their differences. The engine
// packages (store/sqlite, store/postgres) open the connections, pick the
// dialect and the driver's error classifier, and hand them to Open.
//
// Behaviour both engines share (the storetest suite checks it):
//
//   - A collection is a table (or view) named like it; DDL runs in the
//     transaction that writes its _collections row. CreateStatements,
//     AlterStatements and DropStatements are pure, so the DDL can be shown
//     without a database (testdata/*.golden).
//   - A failed Tx method undoes all of its own work and leaves the
//     transaction usable: PostgreSQL runs it in a savepoint (or, before the
//     first write, restarts the transaction), SQLite uses a savepoint for
//     multi-statement work and its statement atomicity otherwise.
//   - Change events are published after commit, in commit order per
//     transaction, before Write returns; never for rolled-back work.
//   - Read and Write callbacks must not call Read, Write or a schema reload
//     of the same store: on SQLite a Write inside a Write waits for itself,
//     and nested reads can exhaust the pool.
//
// SQLite specifics: one writer goroutine owns the write connection and
// commits queued Write calls together (one savepoint each); reads use a
// pool of query_only connections; both keep prepared statements. Statement
// text of record queries carries a shape tag on PostgreSQL so pgx's
// statement cache never reuses a statement across a column type change.
package sqlstore
