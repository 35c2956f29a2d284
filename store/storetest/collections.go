package storetest

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/plinthdb/plinth/core"
)

func authCollection(name string) *core.Collection {
	c := baseCollection(name,
		field(core.FieldPassword, "password"),
		field(core.FieldText, "tokenKey"),
		field(core.FieldEmail, "email"),
		field(core.FieldBool, "emailVisibility"),
		field(core.FieldBool, "verified"),
	)
	c.ID = core.DefaultCollectionID(core.TypeAuth, name)
	c.Type = core.TypeAuth
	c.Indexes = []string{
		"CREATE UNIQUE INDEX `idx_tokenKey_" + c.ID + "` ON `" + name + "` (`tokenKey`)",
		"CREATE UNIQUE INDEX `idx_email_" + c.ID + "` ON `" + name + "` (`email`) WHERE `email` != ''",
	}
	c.Auth = core.DefaultAuthOptions()
	c.Auth.AuthToken.Secret = "auth-secret-0123456789abcdefghijkl"
	c.Auth.FileToken.Secret = "file-secret-0123456789abcdefghijkl"
	c.Auth.OAuth2.Providers = []core.OAuth2Provider{{Name: "google", ClientID: "cid", ClientSecret: "client-secret"}}
	return c
}

func testCollectionRoundTrip(t *testing.T, s core.Store) {
	posts := everyField("posts")
	posts.Indexes = []string{"CREATE INDEX `idx_posts_title` ON `posts` (`title`)"}
	users := authCollection("users")
	create(t, s, posts, users)

	got := collections(t, s)
	if len(got) != 2 {
		t.Fatalf("got %d collections, want 2", len(got))
	}
	for i, want := range []*core.Collection{posts, users} {
		if g, w := jsonOf(t, got[i]), jsonOf(t, want); g != w {
			t.Errorf("collection %s:\n got %s\nwant %s", want.Name, g, w)
		}
	}
	if g, w := got[1].Auth.Secrets(), users.Auth.Secrets(); !reflect.DeepEqual(g, w) {
		t.Errorf("auth secrets %+v, want %+v", g, w)
	}
	sc, err := s.Schema(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Find("POSTS") == nil || sc.Find(users.ID) == nil {
		t.Errorf("schema lacks the new collections: %v", sc.Collections)
	}
	// The stored JSON never carries secrets.
	_, rows, err := rawQuery(t, s, `SELECT "data" FROM "_collections" WHERE "id" = ?`, users.ID)
	if err != nil || len(rows) != 1 {
		t.Fatalf("raw _collections row: %v %v", rows, err)
	}
	if data := jsonOf(t, rows[0][0]); containsAny(data, "auth-secret", "client-secret") {
		t.Errorf("collection JSON holds a secret: %s", data)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		for i := 0; i+len(sub) <= len(s); i++ {
			if s[i:i+len(sub)] == sub {
				return true
			}
		}
	}
	return false
}

func testCollectionOrderAndNameUnique(t *testing.T, s core.Store) {
	c1, c2, c3 := baseCollection("zeta"), baseCollection("alpha"), baseCollection("mid")
	create(t, s, c1, c2, c3)
	changed := c1.Clone()
	changed.ListRule = nil
	save(t, s, c1, changed)
	var names []string
	for _, c := range collections(t, s) {
		names = append(names, c.Name)
	}
	if want := []string{"zeta", "alpha", "mid"}; !reflect.DeepEqual(names, want) {
		t.Errorf("collections in order %v, want insertion order %v", names, want)
	}
	// Names are unique case-insensitively, whatever the engine thinks of
	// table names.
	dup := baseCollection("ALPHA")
	err := s.Write(ctxT(t), func(tx core.Tx) error { return tx.SaveCollection(ctxT(t), nil, dup) })
	if err == nil {
		t.Fatal("a second collection named ALPHA was saved")
	}
	// Saving a "new" collection whose id exists fails too.
	again := baseCollection("other")
	again.ID = c3.ID
	if err := s.Write(ctxT(t), func(tx core.Tx) error { return tx.SaveCollection(ctxT(t), nil, again) }); err == nil {
		t.Fatal("a second collection with an existing id was saved")
	}
	if n := len(collections(t, s)); n != 3 {
		t.Errorf("%d collections after failed saves, want 3", n)
	}
}

func testRenameCollection(t *testing.T, s core.Store) {
	c := baseCollection("posts", field(core.FieldText, "title"))
	c.Indexes = []string{"CREATE UNIQUE INDEX `idx_title` ON `posts` (`title`)"}
	create(t, s, c)
	insert(t, s, record(c, map[string]any{"id": "r1", "title": "one"}), record(c, map[string]any{"id": "r2", "title": "two"}))

	renamed := c.Clone()
	renamed.Name = "articles"
	renamed.Indexes = []string{"CREATE UNIQUE INDEX `idx_title` ON `articles` (`title`)"}
	save(t, s, c, renamed)
	if tableExists(t, s, "posts") {
		t.Error("table posts still exists after the rename")
	}
	equalIDs(t, "renamed", findAll(t, s, renamed), "r1", "r2")
	// The index still works under the new name.
	err := s.Write(ctxT(t), func(tx core.Tx) error {
		return tx.Insert(ctxT(t), record(renamed, map[string]any{"id": "r3", "title": "one"}))
	})
	wantUnique(t, err, "title")

	// A change of case only.
	upper := renamed.Clone()
	upper.Name = "Articles"
	save(t, s, renamed, upper)
	equalIDs(t, "case rename", findAll(t, s, upper), "r1", "r2")
	sc, err := s.Schema(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.Find(c.ID); got == nil || got.Name != "Articles" {
		t.Errorf("schema has %v, want Articles", got)
	}
}

func testFieldChanges(t *testing.T, s core.Store) {
	c := baseCollection("items", field(core.FieldText, "title"), field(core.FieldNumber, "num"), field(core.FieldText, "gone"))
	c.Indexes = []string{"CREATE INDEX `idx_items_title` ON `items` (`title`)"}
	create(t, s, c)
	insert(t, s, record(c, map[string]any{"id": "a", "title": "hello", "num": 3.5, "gone": "x"}))

	next := c.Clone()
	next.Fields[1].Name = "headline"                                       // rename title
	next.Fields = append(next.Fields[:3:3], field(core.FieldBool, "done")) // drop gone, add done
	next.Indexes = []string{"CREATE INDEX `idx_items_title` ON `items` (`headline`)"}
	save(t, s, c, next)
	got := findAll(t, s, next)
	if len(got) != 1 {
		t.Fatalf("%d records after field changes", len(got))
	}
	equalValues(t, "after changes", got[0].Values, map[string]any{"id": "a", "headline": "hello", "num": 3.5, "done": false})
	if _, _, err := rawQuery(t, s, `SELECT "items"."gone" FROM "items"`); err == nil {
		t.Error("removed column still exists")
	}

	// Swap two names: the data follows the field ids.
	swap := next.Clone()
	swap.Fields[1].Name, swap.Fields[2].Name = "num", "headline"
	swap.Indexes = []string{"CREATE UNIQUE INDEX `idx_items_title` ON `items` (`num`)"}
	save(t, s, next, swap)
	got = findAll(t, s, swap)
	equalValues(t, "after swap", got[0].Values, map[string]any{"id": "a", "num": "hello", "headline": 3.5, "done": false})
	// The index is on the column now named num, not on the one that was.
	insert(t, s, record(swap, map[string]any{"id": "b", "num": "other", "headline": 3.5}))
	err := s.Write(ctxT(t), func(tx core.Tx) error {
		return tx.Insert(ctxT(t), record(swap, map[string]any{"id": "c", "num": "hello"}))
	})
	wantUnique(t, err, "num")
	write(t, s, func(tx core.Tx) error { return tx.Delete(ctxT(t), record(swap, map[string]any{"id": "b"})) })

	// A case-only rename.
	cased := swap.Clone()
	cased.Fields[1].Name = "NUM"
	cased.Indexes = []string{"CREATE UNIQUE INDEX `idx_items_title` ON `items` (`NUM`)"}
	save(t, s, swap, cased)
	got = findAll(t, s, cased)
	equalValues(t, "after case rename", got[0].Values, map[string]any{"id": "a", "NUM": "hello", "headline": 3.5, "done": false})
}

func testSingleMultiConversion(t *testing.T, s core.Store) {
	single := field(core.FieldSelect, "tag")
	single.Values = []string{"a", "b", "c"}
	rel := field(core.FieldRelation, "owner")
	rel.CollectionID = "x"
	files := multi(field(core.FieldFile, "files"), 4)
	c := baseCollection("conv", single, rel, files)
	create(t, s, c)
	insert(t, s,
		record(c, map[string]any{"id": "r1", "tag": "a", "owner": "u1", "files": []string{"f1.png", "f2.png"}}),
		record(c, map[string]any{"id": "r2", "tag": "", "owner": "", "files": []string{}}),
	)
	toMulti := c.Clone()
	toMulti.Fields[1].MaxSelect = 3
	toMulti.Fields[2].MaxSelect = 2
	toMulti.Fields[3].MaxSelect = 1
	save(t, s, c, toMulti)
	got := findAll(t, s, toMulti)
	equalValues(t, "r1 converted", got[0].Values, map[string]any{"id": "r1", "tag": []string{"a"}, "owner": []string{"u1"}, "files": "f2.png"})
	equalValues(t, "r2 converted", got[1].Values, map[string]any{"id": "r2", "tag": []string{}, "owner": []string{}, "files": ""})

	// And back: multiple values keep the last one.
	write(t, s, func(tx core.Tx) error {
		return tx.Update(ctxT(t), record(toMulti, map[string]any{"id": "r1", "tag": []string{"a", "c"}, "owner": []string{"u1", "u2"}, "files": "f9.png"}))
	})
	back := toMulti.Clone()
	back.Fields[1].MaxSelect = 1
	back.Fields[2].MaxSelect = 0
	back.Fields[3].MaxSelect = 3
	save(t, s, toMulti, back)
	got = findAll(t, s, back)
	equalValues(t, "r1 back", got[0].Values, map[string]any{"id": "r1", "tag": "c", "owner": "u2", "files": []string{"f9.png"}})
	equalValues(t, "r2 back", got[1].Values, map[string]any{"id": "r2", "tag": "", "owner": "", "files": []string{}})

	// A real type change is refused and leaves everything as it was.
	bad := back.Clone()
	bad.Fields[1].Type = core.FieldNumber
	err := s.Write(ctxT(t), func(tx core.Tx) error { return tx.SaveCollection(ctxT(t), back, bad) })
	if core.ErrorCode(err) != core.EInvalid {
		t.Errorf("type change: error %v, want an invalid error", err)
	}
}

func testUniqueIndex(t *testing.T, s core.Store) {
	c := baseCollection("people", field(core.FieldText, "name"), field(core.FieldNumber, "age"), field(core.FieldEmail, "email"))
	c.Indexes = []string{
		"CREATE UNIQUE INDEX `idx_name_age` ON `people` (`name`, `age` DESC)",
		"CREATE UNIQUE INDEX `idx_email` ON `people` (`email`)",
	}
	create(t, s, c)
	insert(t, s, record(c, map[string]any{"id": "p1", "name": "ann", "age": 30.0, "email": "ann@x.io"}))

	tryInsert := func(values map[string]any) error {
		return s.Write(ctxT(t), func(tx core.Tx) error { return tx.Insert(ctxT(t), record(c, values)) })
	}
	wantUnique(t, tryInsert(map[string]any{"id": "p2", "name": "ann", "age": 30.0, "email": "other@x.io"}), "name", "age")
	wantUnique(t, tryInsert(map[string]any{"id": "p2", "name": "bob", "age": 30.0, "email": "ann@x.io"}), "email")
	wantUnique(t, tryInsert(map[string]any{"id": "p1", "name": "bob", "age": 1.0, "email": "bob@x.io"}), "id")
	if err := tryInsert(map[string]any{"id": "p2", "name": "ann", "age": 31.0, "email": "ann2@x.io"}); err != nil {
		t.Fatalf("distinct insert: %v", err)
	}
	err := s.Write(ctxT(t), func(tx core.Tx) error {
		return tx.Update(ctxT(t), record(c, map[string]any{"id": "p2", "name": "ann", "age": 30.0, "email": "ann2@x.io"}))
	})
	wantUnique(t, err, "name", "age")
	if n := count(t, s, &core.Query{Collection: c}); n != 2 {
		t.Errorf("%d records, want 2", n)
	}
}

func testUniqueNocaseAndPartial(t *testing.T, s core.Store) {
	c := baseCollection("accounts", field(core.FieldEmail, "email"), field(core.FieldText, "code"))
	c.Indexes = []string{
		"CREATE UNIQUE INDEX `idx_email_nocase` ON `accounts` (`email` COLLATE NOCASE)",
		"CREATE UNIQUE INDEX `idx_code` ON `accounts` (`code`) WHERE `code` != ''",
	}
	create(t, s, c)
	insert(t, s,
		record(c, map[string]any{"id": "a1", "email": "Ann@X.io", "code": ""}),
		record(c, map[string]any{"id": "a2", "email": "bob@x.io", "code": ""}), // empty codes are not indexed
	)
	err := s.Write(ctxT(t), func(tx core.Tx) error {
		return tx.Insert(ctxT(t), record(c, map[string]any{"id": "a3", "email": "ann@x.IO"}))
	})
	wantUnique(t, err, "email")
	insert(t, s, record(c, map[string]any{"id": "a3", "email": "cy@x.io", "code": "K1"}))
	err = s.Write(ctxT(t), func(tx core.Tx) error {
		return tx.Insert(ctxT(t), record(c, map[string]any{"id": "a4", "email": "dee@x.io", "code": "K1"}))
	})
	wantUnique(t, err, "code")
}

func testIndexChanges(t *testing.T, s core.Store) {
	c := baseCollection("tags", field(core.FieldText, "label"), field(core.FieldText, "slug"))
	c.Indexes = []string{"CREATE UNIQUE INDEX `idx_label` ON `tags` (`label`)"}
	create(t, s, c)
	insert(t, s, record(c, map[string]any{"id": "t1", "label": "x", "slug": "s"}))
	dupLabel := func(id string) error {
		return s.Write(ctxT(t), func(tx core.Tx) error {
			return tx.Insert(ctxT(t), record(c, map[string]any{"id": id, "label": "x", "slug": "s"}))
		})
	}
	wantUnique(t, dupLabel("t2"), "label")

	// Replace the unique label index by a unique slug index.
	next := c.Clone()
	next.Indexes = []string{"CREATE INDEX `idx_label` ON `tags` (`label`)", "CREATE UNIQUE INDEX `idx_slug` ON `tags` (`slug`)"}
	save(t, s, c, next)
	err := s.Write(ctxT(t), func(tx core.Tx) error {
		return tx.Insert(ctxT(t), record(next, map[string]any{"id": "t2", "label": "x", "slug": "s"}))
	})
	wantUnique(t, err, "slug")
	insert(t, s, record(next, map[string]any{"id": "t2", "label": "x", "slug": "s2"}))

	// A unique index over duplicate data fails, and the failed change
	// leaves the previous definition in place.
	bad := next.Clone()
	bad.Indexes = []string{"CREATE UNIQUE INDEX `idx_label` ON `tags` (`label`)"}
	if err := s.Write(ctxT(t), func(tx core.Tx) error { return tx.SaveCollection(ctxT(t), next, bad) }); err == nil {
		t.Fatal("a unique index over duplicates was created")
	}
	stored := collections(t, s)[0]
	if jsonOf(t, stored.Indexes) != jsonOf(t, next.Indexes) {
		t.Errorf("indexes after failed change %v, want %v", stored.Indexes, next.Indexes)
	}
	err = s.Write(ctxT(t), func(tx core.Tx) error {
		return tx.Insert(ctxT(t), record(next, map[string]any{"id": "t3", "label": "y", "slug": "s2"}))
	})
	wantUnique(t, err, "slug")

	// An index on an unknown field is invalid input.
	unknown := next.Clone()
	unknown.Indexes = []string{"CREATE INDEX `idx_nope` ON `tags` (`nope`)"}
	err = s.Write(ctxT(t), func(tx core.Tx) error { return tx.SaveCollection(ctxT(t), next, unknown) })
	if core.ErrorCode(err) != core.EInvalid {
		t.Errorf("unknown index column: %v, want invalid", err)
	}
}

func testFailedWriteRollsBackDDL(t *testing.T, s core.Store) {
	c := baseCollection("temp", field(core.FieldText, "title"))
	boom := errors.New("boom")
	err := s.Write(ctxT(t), func(tx core.Tx) error {
		if err := tx.SaveCollection(ctxT(t), nil, c); err != nil {
			return err
		}
		if err := tx.Insert(ctxT(t), record(c, map[string]any{"id": "r1"})); err != nil {
			return err
		}
		// The transaction sees its own changes.
		cols, err := tx.Collections(ctxT(t))
		if err != nil || len(cols) != 1 {
			t.Errorf("inside the tx: %d collections, %v", len(cols), err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write returned %v, want boom", err)
	}
	if n := len(collections(t, s)); n != 0 {
		t.Errorf("%d collections after rollback", n)
	}
	if tableExists(t, s, "temp") {
		t.Error("table temp exists after rollback")
	}

	// A failing change rolls back together with the row.
	create(t, s, c)
	next := c.Clone()
	next.Name = "renamed"
	next.Fields = append(next.Fields, field(core.FieldNumber, "n"))
	err = s.Write(ctxT(t), func(tx core.Tx) error {
		if err := tx.SaveCollection(ctxT(t), c, next); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write returned %v, want boom", err)
	}
	if !tableExists(t, s, "temp") || tableExists(t, s, "renamed") {
		t.Error("the rename was not rolled back")
	}
	if got := collections(t, s); len(got) != 1 || got[0].Name != "temp" || len(got[0].Fields) != 2 {
		t.Errorf("collection after rollback: %s", jsonOf(t, got))
	}
	insert(t, s, record(c, map[string]any{"id": "r1", "title": "still works"}))
}

func testSchemaSnapshot(t *testing.T, s core.Store) {
	s0, err := s.Schema(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := s.Schema(ctxT(t))
	if again != s0 {
		t.Error("Schema is not cached")
	}
	c := baseCollection("snap", field(core.FieldText, "title"))
	create(t, s, c)
	s1, _ := s.Schema(ctxT(t))
	if s1.Version != s0.Version+1 || s1.Find("snap") == nil {
		t.Errorf("after create: version %d (was %d), snap %v", s1.Version, s0.Version, s1.Find("snap"))
	}
	if s0.Find("snap") != nil {
		t.Error("an old snapshot changed")
	}
	// Record writes and failed schema writes leave the snapshot alone.
	insert(t, s, record(c, map[string]any{"id": "r1"}))
	_ = s.Write(ctxT(t), func(tx core.Tx) error {
		if err := tx.SaveCollection(ctxT(t), nil, baseCollection("never")); err != nil {
			return err
		}
		return errors.New("no")
	})
	s2, _ := s.Schema(ctxT(t))
	if s2 != s1 {
		t.Errorf("snapshot changed without a committed schema change: version %d → %d", s1.Version, s2.Version)
	}
	write(t, s, func(tx core.Tx) error { return tx.DeleteCollection(ctxT(t), c) })
	s3, _ := s.Schema(ctxT(t))
	if s3.Version != s1.Version+1 || s3.Find("snap") != nil {
		t.Errorf("after delete: version %d, snap %v", s3.Version, s3.Find("snap"))
	}
}

func testViews(t *testing.T, s core.Store) {
	posts := baseCollection("posts", field(core.FieldText, "title"), field(core.FieldNumber, "num"), field(core.FieldJSON, "meta"))
	create(t, s, posts)
	insert(t, s,
		record(posts, map[string]any{"id": "p1", "title": "one", "num": 1.0, "meta": []byte(`{"k":1}`)}),
		record(posts, map[string]any{"id": "p2", "title": "two", "num": 2.0}),
		record(posts, map[string]any{"id": "p3", "title": "three", "num": 3.0}),
	)
	view := &core.Collection{
		ID: "pbc_view1", Name: "big_posts", Type: core.TypeView, Indexes: []string{},
		ViewQuery: `SELECT id, title, num * 2 AS twice, meta FROM posts WHERE num > 1;`,
		Fields:    []*core.Field{idField(), field(core.FieldText, "title"), field(core.FieldNumber, "twice"), field(core.FieldJSON, "meta")},
	}
	create(t, s, view)
	got := find(t, s, &core.Query{Collection: view, OrderBy: []core.SQL{{Text: `"_main"."twice" DESC`}}})
	equalIDs(t, "view", got, "p3", "p2")
	equalValues(t, "view row", got[0].Values, map[string]any{"id": "p3", "title": "three", "twice": 6.0, "meta": json.RawMessage(nil)})
	if n := count(t, s, &core.Query{Collection: view, Where: []core.SQL{{Text: `"_main"."title" = ?`, Args: []any{"two"}}}}); n != 1 {
		t.Errorf("view count %d, want 1", n)
	}
	err := s.Write(ctxT(t), func(tx core.Tx) error { return tx.Insert(ctxT(t), record(view, map[string]any{"id": "x"})) })
	if err == nil {
		t.Error("insert into a view succeeded")
	}

	// Change the query.
	next := view.Clone()
	next.ViewQuery = `SELECT id, title, num AS twice, meta FROM posts`
	save(t, s, view, next)
	equalIDs(t, "changed view", findAll(t, s, next), "p1", "p2", "p3")
	rec := find(t, s, &core.Query{Collection: next, Where: []core.SQL{{Text: `"_main"."id" = 'p1'`}}})
	equalValues(t, "json through a view", rec[0].Values, map[string]any{"id": "p1", "title": "one", "twice": 1.0, "meta": jsonRaw(`{"k":1}`)})

	write(t, s, func(tx core.Tx) error { return tx.DeleteCollection(ctxT(t), next) })
	if tableExists(t, s, "big_posts") {
		t.Error("view still exists after delete")
	}
	if len(collections(t, s)) != 1 {
		t.Error("view row still exists after delete")
	}
}

func testDeleteCollection(t *testing.T, s core.Store) {
	c := baseCollection("doomed", field(core.FieldText, "title"))
	c.Indexes = []string{"CREATE UNIQUE INDEX `idx_doomed_title` ON `doomed` (`title`)"}
	create(t, s, c)
	insert(t, s, record(c, map[string]any{"id": "r1", "title": "x"}))
	write(t, s, func(tx core.Tx) error { return tx.DeleteCollection(ctxT(t), c) })
	if tableExists(t, s, "doomed") {
		t.Error("table still exists")
	}
	if n := len(collections(t, s)); n != 0 {
		t.Errorf("%d collections after delete", n)
	}
	err := s.Write(ctxT(t), func(tx core.Tx) error { return tx.DeleteCollection(ctxT(t), c) })
	if !errors.Is(err, core.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	// The name (and the index name) can be used again.
	create(t, s, c)
	equalIDs(t, "recreated", findAll(t, s, c))
}
