package filter

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/store/postgres/pgtest"
)

// FuzzRuleBind compiles random rule text against the test schema and
// binds it to random @request data: body values of every JSON type
// (nested, huge numbers, non-finite floats), headers, query and an auth
// record or none. For both dialects nothing may panic, the placeholders
// must match the arguments, and the SQL must run: on SQLite (in memory)
// always, on PostgreSQL when PLINTH_TEST_POSTGRES is set. A compile or
// bind error is fine as long as it is a clean (non-internal) one; an SQL
// error is a bug, since the server would answer it with a 500. With both
// engines at hand, they must also count the same rows (outside the known
// differences, see comparable). Each input is also turned into a rule of
// real operands (structuredRule), so that most inputs reach Bind.
//
// The seed corpus under testdata/fuzz/FuzzRuleBind has one seed per
// feature of the language, with bodies of every JSON shape (nested
// values, huge and tiny numbers, NUL, invalid UTF-8), plus the inputs
// that found bugs. Arguments: rule text, body (JSON, else taken as one
// text value), headers and query as "k=v&k2=v2", and sel (fuzzRequest).
func FuzzRuleBind(f *testing.F) {
	s := testSchema()
	dbs := map[core.Dialect]*sql.DB{core.SQLite: fuzzSQLite(f, s)}
	if pg := fuzzPostgres(f, s); pg != nil {
		dbs[core.Postgres] = pg
	}
	idents := allowedIdents(s)

	f.Fuzz(func(t *testing.T, src string, body []byte, headers, query string, sel uint8) {
		req := fuzzRequest(s, body, headers, query, sel)
		for _, src := range []string{src, structuredRule(src)} {
			fuzzRule(t, s, dbs, idents, src, body, req, sel)
		}
	})
}

// fuzzRule checks one rule text against the request on both dialects.
func fuzzRule(t *testing.T, s *core.Schema, dbs map[core.Dialect]*sql.DB, idents map[string]bool, src string, body []byte, req *Request, sel uint8) {
	t.Helper()
	counts := map[string]int64{}
	for _, d := range []core.Dialect{core.SQLite, core.Postgres} {
		for _, coll := range []string{"posts", "users", "comments"} {
			for _, kind := range []Kind{RuleKind, FilterKind} {
				o := Options{Dialect: d, Collection: s.Find(coll), Schema: s, Kind: kind, Superuser: sel&1 == 1}
				c, err := Compile(src, o)
				if err != nil {
					if core.ErrorCode(err) == core.EInternal {
						t.Fatalf("compile %q [%s %s]: %v", src, d, coll, err)
					}
					continue
				}
				q, err := c.Bind(req)
				if err != nil {
					if core.ErrorCode(err) == core.EInternal {
						t.Fatalf("bind %q [%s %s]: %v", src, d, coll, err)
					}
					continue
				}
				if err := checkSQL(q, idents); err != nil {
					t.Fatalf("%q [%s %s]: %v\n%s", src, d, coll, err, q.Text) // placeholders = args, no input in the SQL
				}
				if db := dbs[d]; db != nil {
					n, err := fuzzCount(db, d, coll, q)
					if err != nil {
						t.Fatalf("%q [%s %s] body %q: SQL fails: %v\n%s\nargs %#v", src, d, coll, body, err, q.Text, q.Args)
					}
					k := coll + "/" + strconv.Itoa(int(kind))
					if d == core.SQLite {
						counts[k] = n
						if !comparable(src, q.Args) {
							delete(counts, k)
						}
					} else if m, ok := counts[k]; ok && m != n && m >= 0 && n >= 0 {
						t.Errorf("engines differ: %q [%s %d] body %q sel %d: sqlite %d, postgres %d\n%s\nargs %#v", src, coll, kind, body, sel, m, n, q.Text, q.Args)
					}
				}
			}
		}
	}
}

// comparable reports whether both engines must give the same rows for
// src: not where the package documents a difference (strftime outside
// its common cases) or where the values cannot reach PostgreSQL as such
// (NUL or invalid UTF-8, see pgStorable).
func comparable(src string, args []any) bool {
	if strings.Contains(strings.ToLower(src), "strftime") {
		return false
	}
	storable := func(s string) bool {
		return utf8.ValidString(s) && !strings.Contains(s, "\x00") && !strings.Contains(s, `\u0000`)
	}
	for _, a := range args {
		switch x := a.(type) {
		case string:
			if !storable(x) {
				return false
			}
		case []string:
			for _, s := range x {
				if !storable(s) {
					return false
				}
			}
		}
	}
	return true
}

// Operands and operators structuredRule picks from: fields of every
// kind, @request values of every namespace and modifier, literals of
// every class, macros and functions, so that random bytes become rules
// that compile and reach Bind.
var fuzzOperands = []string{
	"title", "views", "published", "tags", "tags:each", "tags:length", "status", "author", "author.name",
	"author.age", "readers.name", "readers:each", "readers:length", "meta", "meta.a", "meta.a.1", "meta.n", "loc.lat",
	"due", "created", "secret", "comments_via_post.message", "comments_via_post.author.name",
	"@request.body.title", "@request.body.views", "@request.body.published", "@request.body.tags",
	"@request.body.tags:each", "@request.body.tags:length", "@request.body.meta", "@request.body.meta.a",
	"@request.body.meta.a.1", "@request.body.author.name", "@request.body.readers.name", "@request.body.readers:each",
	"@request.body.title:changed", "@request.body.tags:changed", "@request.body.meta:changed",
	"@request.body.views:changed", "@request.body.loc:changed", "@request.body.views:isset", "@request.body.title:lower",
	"@request.body.nope", "@request.body.nope.deep", "@request.body.loc.lon", "@request.body.due",
	"@request.auth.id", "@request.auth.age", "@request.auth.roles", "@request.auth.roles:each", "@request.auth.roles:length",
	"@request.auth.org.title", "@request.auth.org.owner.name", "@request.auth.prefs.theme", "@request.auth.verified",
	"@request.auth.email:lower", "@request.auth.collectionName", "@request.auth.nope",
	"@request.headers.x_token", "@request.query.q", "@request.query.page:isset", "@request.method:lower", "@request.context",
	"@collection.members.role", "@collection.members:m.user", "@collection.members:m.org.title", "@collection.orgs.title",
	"@now", "@todayEnd", "@year", "@weekday",
	`"text"`, `""`, `"%"`, `"a\%_"`, `"12"`, `"1e400"`, "-5", "0", "0.5", "99999999999999999999999", "true", "false", "null",
	`strftime("%Y", due)`, `strftime("%s", @request.body.due, "+1 day")`, `strftime("%H")`,
	`strftime("%Y", created, "+99999999999 hours")`, `strftime("%Y-%m", due, "-999999999 years", "start of month")`,
	`strftime("%J", @request.body.views, "unixepoch", "+2147483647 days")`, `strftime("%f", @request.query.q, "-739000 days")`,
	"geoDistance(loc.lon, loc.lat, @request.body.views, 1)", "geoDistance(@request.body.loc.lon, 0, @request.auth.age, views)",
	"name", "email", "age", "roles:each", "prefs.theme", "org.title", "message", "post.title", "post.author.roles:each",
}

var fuzzOperators = []string{"=", "!=", ">", ">=", "<", "<=", "~", "!~", "?=", "?!=", "?>", "?>=", "?<", "?<=", "?~", "?!~"}

// structuredRule turns arbitrary bytes into one to four comparisons
// joined by && and ||, with optional parentheses.
func structuredRule(src string) string {
	if src == "" {
		return "@request.body.title = title"
	}
	b := []byte(src)
	at := 0
	next := func() int {
		v := int(b[at%len(b)]) + at/len(b)
		at++
		return v
	}
	var out strings.Builder
	n := 1 + next()%4
	open := false
	for i := 0; i < n; i++ {
		if i > 0 {
			if next()%2 == 0 {
				out.WriteString(" && ")
			} else {
				out.WriteString(" || ")
			}
		}
		if !open && i < n-1 && next()%3 == 0 {
			out.WriteString("(")
			open = true
		}
		out.WriteString(fuzzOperands[next()%len(fuzzOperands)] + " " + fuzzOperators[next()%len(fuzzOperators)] + " " +
			fuzzOperands[next()%len(fuzzOperands)])
		if open && (i == n-1 || next()%2 == 0) {
			out.WriteString(")")
			open = false
		}
	}
	return out.String()
}

// fuzzCount runs q as the WHERE of a count over coll. A query that takes
// too long (a huge cross join of @collection aliases) is not an error.
func fuzzCount(db *sql.DB, d core.Dialect, coll string, q core.SQL) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	text := `SELECT count(*) FROM ` + quoteIdent(coll) + ` ` + quoteIdent(core.MainAlias) + ` WHERE ` + q.Text
	var n int64
	err := db.QueryRowContext(ctx, Rebind(d, text), q.Args...).Scan(&n)
	if err != nil && (ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(err.Error(), "interrupted") || strings.Contains(err.Error(), "canceling statement")) {
		return -1, nil
	}
	return n, err
}

// fuzzRequest builds the request from the fuzz input. sel picks: bit 0
// superuser client filters, bit 1 plain float64 JSON numbers instead of
// json.Number, bit 2 body lists as []string (what record.Apply gives),
// bits 3-4 a special number, bits 5-7 the auth record.
func fuzzRequest(s *core.Schema, raw []byte, headers, query string, sel uint8) *Request {
	req := &Request{Now: testNow, Method: "PATCH", Context: "default", Headers: fuzzPairs(headers), Query: fuzzPairs(query)}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	if sel&2 == 0 {
		dec.UseNumber()
	}
	if dec.Decode(&v) != nil {
		v = string(raw)
	}
	body, ok := v.(map[string]any)
	if !ok {
		body = map[string]any{}
		for _, k := range []string{"title", "views", "tags", "author", "readers", "meta", "published", "loc", "due", "nope"} {
			body[k] = v
		}
	}
	if sel&4 != 0 {
		for k, x := range body {
			if list, ok := x.([]any); ok {
				strs := make([]string, 0, len(list))
				for _, e := range list {
					strs = append(strs, goLit(e, nil).text())
				}
				body[k] = strs
			}
		}
		if m, ok := body["meta"]; ok {
			b, _ := json.Marshal(m)
			body["meta"] = json.RawMessage(b)
		}
	}
	switch (sel >> 3) & 3 {
	case 1:
		body["views"] = math.Inf(1)
	case 2:
		body["views"] = math.NaN()
	case 3:
		body["views"] = json.Number("1e400")
		body["age"] = uint64(math.MaxUint64)
	}
	req.Body = body

	rows := testRows(s)
	user := func(id string) *core.Record {
		for _, r := range rows {
			if r.Collection.Name == "users" && r.ID() == id {
				return r
			}
		}
		return nil
	}
	switch sel >> 5 {
	case 1:
		req.Auth = user("u1")
	case 2:
		req.Auth = user("u2")
	case 3:
		req.Auth = user("u3")
	case 4:
		// An auth record whose values are whatever the body holds.
		a := core.NewRecord(s.Find("users"))
		for k, x := range body {
			a.Values[k] = x
		}
		a.Values["id"] = "u1"
		req.Auth = a
	case 5:
		// A record of a non-auth collection, and one of no collection.
		a := core.NewRecord(s.Find("posts"))
		for k, x := range body {
			a.Values[k] = x
		}
		req.Auth = a
	case 6:
		req.Auth = &core.Record{Values: body}
	}
	return req
}

// fuzzPairs reads "k=v&k2=v2" without ever failing.
func fuzzPairs(s string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(s, "&") {
		k, v, _ := strings.Cut(part, "=")
		if k != "" {
			out[k] = v
		}
	}
	return out
}

// fuzzLoad creates the test schema's tables and rows in db.
func fuzzLoad(tb testing.TB, db *sql.DB, d core.Dialect, s *core.Schema) {
	tb.Helper()
	exec := func(q string, args ...any) {
		if _, err := db.Exec(Rebind(d, q), args...); err != nil {
			tb.Fatalf("%v\n%s", err, q)
		}
	}
	for _, c := range s.Collections {
		var cols []string
		for _, f := range c.Fields {
			cols = append(cols, quoteIdent(f.Name)+" "+columnType(d, f))
		}
		if d == core.Postgres {
			cols = append(cols, `"_rowid" BIGINT GENERATED ALWAYS AS IDENTITY`)
		}
		exec("CREATE TABLE " + quoteIdent(c.Name) + " (" + strings.Join(cols, ", ") + ")")
	}
	for _, r := range testRows(s) {
		var names, marks []string
		var args []any
		for _, f := range r.Collection.Fields {
			if v, ok := r.Values[f.Name]; ok {
				names = append(names, quoteIdent(f.Name))
				marks = append(marks, "?")
				args = append(args, storageValue(f, v))
			}
		}
		exec("INSERT INTO "+quoteIdent(r.Collection.Name)+" ("+strings.Join(names, ", ")+") VALUES ("+strings.Join(marks, ", ")+")", args...)
	}
}

func fuzzSQLite(tb testing.TB, s *core.Schema) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:fuzzrulebind?mode=memory&cache=shared")
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	tb.Cleanup(func() { db.Close() })
	fuzzLoad(tb, db, core.SQLite, s)
	return db
}

// fuzzPostgres gives a fresh schema holding the test tables, or nil
// without PLINTH_TEST_POSTGRES.
func fuzzPostgres(tb testing.TB, s *core.Schema) *sql.DB {
	tb.Helper()
	if pgtest.BaseURL() == "" {
		tb.Log("PLINTH_TEST_POSTGRES is not set; FuzzRuleBind runs the SQL on SQLite only")
		return nil
	}
	db, err := sql.Open("pgx", pgtest.Schema(tb))
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(2)
	tb.Cleanup(func() { db.Close() })
	for _, stmt := range PostgresFunctions() {
		if _, err := db.Exec(stmt); err != nil {
			tb.Fatalf("install function: %v", err)
		}
	}
	fuzzLoad(tb, db, core.Postgres, s)
	return db
}
