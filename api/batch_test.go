package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/core"
)

// enableBatch turns the batch API on with maxRequests items and a
// timeout in seconds.
func enableBatch(e *env, maxRequests, timeout int) {
	e.t.Helper()
	e.su("PATCH", "/api/settings", map[string]any{
		"batch": map[string]any{"enabled": true, "maxRequests": maxRequests, "timeout": timeout},
	}).status(200)
}

// batchReq is one item of a batch.
func batchReq(method, url string, body map[string]any) map[string]any {
	item := map[string]any{"method": method, "url": url}
	if body != nil {
		item["body"] = body
	}
	return item
}

func batch(items ...map[string]any) map[string]any {
	list := make([]any, len(items))
	for i, it := range items {
		list[i] = it
	}
	return map[string]any{"requests": list}
}

// postsSetup creates authors (name) and posts (title required, tags,
// author relation), all rules open.
func postsSetup(e *env) {
	e.t.Helper()
	authorsID := e.collectionID(map[string]any{
		"name": "authors", "type": "base",
		"listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "",
		"fields": []any{map[string]any{"name": "name", "type": "text"}},
	})
	e.collectionID(map[string]any{
		"name": "posts", "type": "base",
		"listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "",
		"fields": []any{
			map[string]any{"name": "title", "type": "text", "required": true},
			map[string]any{"name": "tags", "type": "select", "maxSelect": 3, "values": []string{"a", "b", "c"}},
			map[string]any{"name": "author", "type": "relation", "collectionId": authorsID, "maxSelect": 1},
		},
	})
}

// count returns the number of records of a collection.
func (e *env) count(collection string) int {
	e.t.Helper()
	n, _ := e.su("GET", "/api/collections/"+collection+"/records", nil).status(200).get("totalItems").(float64)
	return int(n)
}

func TestBatchDisabledByDefault(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		postsSetup(e)
		e.su("POST", "/api/batch", batch(batchReq("POST", "/api/collections/posts/records", map[string]any{"title": "x"}))).
			status(403).has("message", "Batch requests are not allowed.").has("data", map[string]any{})
		if n := e.count("posts"); n != 0 {
			t.Fatalf("posts = %d", n)
		}
	})
}

func TestBatchRequestsValidation(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		postsSetup(e)
		enableBatch(e, 2, 3)
		create := batchReq("POST", "/api/collections/posts/records", map[string]any{"title": "x"})

		for _, body := range []any{map[string]any{"requests": []any{}}, map[string]any{}, nil} {
			e.su("POST", "/api/batch", body).status(400).
				has("message", "Invalid batch request data.").
				has("data.requests", map[string]any{"code": "validation_required", "message": "Cannot be blank."})
		}
		e.su("POST", "/api/batch", batch(create, create, create)).status(400).
			has("message", "Invalid batch request data.").
			has("data.requests.code", "validation_length_too_long").
			has("data.requests.params", map[string]any{"max": 2, "min": 0})

		e.su("POST", "/api/batch", batch(
			map[string]any{"method": "FOO", "url": "/api/collections/posts/records"},
			map[string]any{"url": strings.Repeat("x", 2001)},
		)).status(400).
			has("message", "Invalid batch request data.").
			has("data.requests.0.method.code", "validation_in_invalid").
			absent("data.requests.0.url").
			has("data.requests.1.method.code", "validation_required").
			has("data.requests.1.url.code", "validation_length_too_long").
			has("data.requests.1.url.params", map[string]any{"max": 2000, "min": 0})

		for _, body := range []any{
			`{"requests": "x"}`, `{"requests": [1]}`, `{"requests": [{"method": 1, "url": "/"}]}`,
			`{"requests": [{"method": "POST", "url": "/", "headers": {"a": 1}}]}`,
			`{"requests": [{"method": "POST", "url": "/", "body": []}]}`, `{"requests": [`,
		} {
			e.su("POST", "/api/batch", body).status(400).
				has("message", "Failed to read the submitted batch data.").has("data", map[string]any{})
		}
		if n := e.count("posts"); n != 0 {
			t.Fatalf("posts = %d", n)
		}
	})
}

func TestBatchBodyLimit(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		postsSetup(e)
		e.su("PATCH", "/api/settings", map[string]any{
			"batch": map[string]any{"enabled": true, "maxRequests": 5, "timeout": 3, "maxBodySize": 200},
		}).status(200)
		e.call("POST", "/api/batch", "", batch(batchReq("POST", "/api/collections/posts/records",
			map[string]any{"title": strings.Repeat("x", 200)}))).status(413)
		e.call("POST", "/api/batch", "", batch(batchReq("POST", "/api/collections/posts/records",
			map[string]any{"title": "small"}))).status(200)
	})
}

func TestBatchMixedActions(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		postsSetup(e)
		enableBatch(e, 50, 3)
		author := e.su("POST", "/api/collections/authors/records", map[string]any{"name": "Ann"}).status(200).str("id")
		p1 := e.su("POST", "/api/collections/posts/records", map[string]any{"title": "p1", "tags": []string{"a"}}).status(200).str("id")
		p2 := e.su("POST", "/api/collections/posts/records", map[string]any{"title": "p2"}).status(200).str("id")

		res := e.call("POST", "/api/batch", "", batch(
			batchReq("POST", "/api/collections/posts/records?fields=id,title", map[string]any{"title": "b1", "tags": "b"}),
			batchReq("PUT", "/api/collections/posts/records", map[string]any{"id": "batchid12345678", "title": "b2"}),
			batchReq("PUT", "/api/collections/posts/records?expand=author&fields=id,title,expand.author.name",
				map[string]any{"id": p1, "title": "p1-upserted", "author": author}),
			batchReq("PATCH", "/api/collections/posts/records/"+p1+"?fields=title,tags", map[string]any{"tags+": "c"}),
			batchReq("DELETE", "/api/collections/posts/records/"+p2, nil),
			batchReq("PATCH", "/api/collections/posts/records/batchid12345678", map[string]any{"title": "b2-upd"}),
		)).status(200)

		if list, _ := res.body.([]any); len(list) != 6 {
			t.Fatalf("results: %s", res.raw)
		}
		b1 := res.str("0.body.id")
		res.has("0.status", 200).has("0.body", map[string]any{"id": b1, "title": "b1"}).
			has("1.status", 200).has("1.body.id", "batchid12345678").has("1.body.title", "b2").
			has("1.body.collectionName", "posts").
			has("2.status", 200).
			has("2.body.id", p1).has("2.body.title", "p1-upserted").absent("2.body.tags").
			has("3.status", 200).has("3.body", map[string]any{"title": "p1-upserted", "tags": []string{"a", "c"}}).
			has("4", map[string]any{"body": nil, "status": 204}).
			has("5.status", 200).has("5.body.title", "b2-upd")

		if _, ok := res.get("2.body.expand").(map[string]any); !ok {
			t.Fatalf("item 2 has no expand: %s", res.raw)
		}
		e.call("GET", "/api/collections/posts/records/"+b1, "", nil).status(200).has("tags", []string{"b"})
		e.call("GET", "/api/collections/posts/records/batchid12345678", "", nil).status(200).has("title", "b2-upd")
		e.call("GET", "/api/collections/posts/records/"+p1, "", nil).status(200).
			has("title", "p1-upserted").has("tags", []string{"a", "c"}).has("author", author)
		e.call("GET", "/api/collections/posts/records/"+p2, "", nil).status(404)
		if n := e.count("posts"); n != 3 {
			t.Fatalf("posts = %d, want 3", n)
		}
	})
}

func TestBatchFailureRollsBack(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		postsSetup(e)
		enableBatch(e, 50, 3)
		keep := e.su("POST", "/api/collections/posts/records", map[string]any{"title": "keep"}).status(200).str("id")

		res := e.call("POST", "/api/batch", "", batch(
			batchReq("POST", "/api/collections/posts/records", map[string]any{"title": "b1"}),
			batchReq("POST", "/api/collections/posts/records", map[string]any{"tags": "a"}),
			batchReq("DELETE", "/api/collections/posts/records/"+keep, nil),
		)).status(400)
		res.has("message", "Batch transaction failed.").has("status", 400).
			absent("data.requests.0").absent("data.requests.2").
			has("data.requests.1", map[string]any{
				"code": "batch_request_failed", "message": "Batch request failed.",
				"response": map[string]any{
					"data":    map[string]any{"title": map[string]any{"code": "validation_required", "message": "Cannot be blank."}},
					"message": "Failed to create record.",
					"status":  400,
				},
			})
		if n := e.count("posts"); n != 1 {
			t.Fatalf("posts = %d, want only the one created before", n)
		}

		// An item that sees an earlier one: the second create of the same
		// id fails as not unique, and the first is rolled back with it.
		e.call("POST", "/api/batch", "", batch(
			batchReq("POST", "/api/collections/posts/records", map[string]any{"id": "dupdupdupdup123", "title": "a"}),
			batchReq("POST", "/api/collections/posts/records", map[string]any{"id": "dupdupdupdup123", "title": "b"}),
		)).status(400).has("data.requests.1.response.status", 400).absent("data.requests.0")
		e.call("GET", "/api/collections/posts/records/dupdupdupdup123", "", nil).status(404)
	})
}

func TestBatchRulesPerItem(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		postsSetup(e)
		enableBatch(e, 50, 3)
		e.collectionID(map[string]any{
			"name": "guarded", "type": "base",
			"listRule": "", "viewRule": "",
			"createRule": "@request.headers.x_token = 'secret' && @request.context = 'batch' && @request.method = 'POST'",
			"updateRule": "@request.auth.id != ''",
			"fields":     []any{map[string]any{"name": "title", "type": "text"}},
		})
		existing := e.su("POST", "/api/collections/guarded/records", map[string]any{"title": "old"}).status(200).str("id")

		withHeaders := func(item map[string]any, h map[string]any) map[string]any {
			item["headers"] = h
			return item
		}
		create := func() map[string]any {
			return batchReq("POST", "/api/collections/guarded/records", map[string]any{"title": "n"})
		}

		// Headers and context reach the rules; a direct create is not "batch".
		e.call("POST", "/api/collections/guarded/records", "", map[string]any{"title": "n"}).status(400)
		e.call("POST", "/api/batch", "", batch(withHeaders(create(), map[string]any{"X-Token": "secret"}))).
			status(200).has("0.body.title", "n")

		fails := func(res *response, idx string, status int, message string) {
			t.Helper()
			res.status(400).has("message", "Batch transaction failed.").
				has("data.requests."+idx+".code", "batch_request_failed").
				has("data.requests."+idx+".response.status", status).
				has("data.requests."+idx+".response.message", message)
		}
		// 400: the create rule fails without the header.
		fails(e.call("POST", "/api/batch", "", batch(create())), "0", 400, "Failed to create record.")
		// 403: no delete rule; an Authorization header of an item is ignored.
		fails(e.call("POST", "/api/batch", "", batch(
			withHeaders(create(), map[string]any{"X-Token": "secret"}),
			withHeaders(batchReq("DELETE", "/api/collections/guarded/records/"+existing, nil),
				map[string]any{"Authorization": e.token}),
		)), "1", 403, "Only superusers can perform this action.")
		// 404: the update rule needs an auth record; also through upsert.
		fails(e.call("POST", "/api/batch", "", batch(
			batchReq("PATCH", "/api/collections/guarded/records/"+existing, map[string]any{"title": "x"}))),
			"0", 404, "The requested resource wasn't found.")
		fails(e.call("POST", "/api/batch", "", batch(
			batchReq("PUT", "/api/collections/guarded/records", map[string]any{"id": existing, "title": "x"}))),
			"0", 404, "The requested resource wasn't found.")
		// Unknown actions, a missing collection, a bad fields picker.
		for _, item := range []map[string]any{
			batchReq("GET", "/api/collections/guarded/records", nil),
			batchReq("POST", "/api/collections/guarded/records/"+existing, nil),
			batchReq("DELETE", "/api/collections/guarded/records", nil),
			batchReq("POST", "/api/collections/guarded/auth-with-password", nil),
			batchReq("POST", "https://example.com/api/collections/guarded/records", nil),
			batchReq("PATCH", "/api/collections/guarded/records/"+existing+"/x", nil),
		} {
			fails(e.call("POST", "/api/batch", e.token, batch(item)), "0", 400,
				"Something went wrong while processing your request.")
		}
		fails(e.call("POST", "/api/batch", e.token, batch(
			batchReq("POST", "/api/collections/nope/records", map[string]any{"title": "x"}))),
			"0", 404, "Missing or invalid collection context.")
		fails(e.call("POST", "/api/batch", e.token, batch(
			batchReq("POST", "/api/collections/posts/records?fields=id:excerpt(", map[string]any{"title": "x"}))),
			"0", 400, "Something went wrong while processing your request.")

		// The superuser may do what guests may not, all in one go.
		e.call("POST", "/api/batch", e.token, batch(
			batchReq("PATCH", "/api/collections/guarded/records/"+existing, map[string]any{"title": "su"}),
			batchReq("DELETE", "/api/collections/guarded/records/"+existing, nil),
		)).status(200).has("0.body.title", "su").has("1.status", 204)
		if n := e.count("guarded"); n != 1 {
			t.Fatalf("guarded = %d, want 1", n)
		}
	})
}

func TestBatchRateLimitPerItem(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		postsSetup(e)
		enableBatch(e, 50, 3)
		e.su("PATCH", "/api/settings", map[string]any{"rateLimits": map[string]any{"enabled": true, "rules": []any{
			map[string]any{"label": "posts:create", "audience": "", "duration": 60, "maxRequests": 2},
		}}}).status(200)
		create := batchReq("POST", "/api/collections/posts/records", map[string]any{"title": "x"})
		e.call("POST", "/api/batch", "", batch(create, create, create)).status(400).
			has("data.requests.2.response.status", 429).absent("data.requests.1")
		// The items counted against the same quota as direct creates.
		e.call("POST", "/api/collections/posts/records", "", map[string]any{"title": "x"}).status(429)
		if n := e.count("posts"); n != 0 {
			t.Fatalf("posts = %d", n)
		}
	})
}

func TestBatchEventsAfterCommitOnly(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		postsSetup(e)
		enableBatch(e, 50, 3)
		var mu sync.Mutex
		var calls [][]core.Event
		unsubscribe := e.app.Store().Subscribe(func(evs []core.Event) {
			mu.Lock()
			calls = append(calls, evs)
			mu.Unlock()
		})
		defer unsubscribe()
		e.call("POST", "/api/batch", "", batch(
			batchReq("POST", "/api/collections/posts/records", map[string]any{"title": "a"}),
			batchReq("POST", "/api/collections/posts/records", map[string]any{}),
		)).status(400)
		mu.Lock()
		if len(calls) != 0 {
			t.Fatalf("events of a rolled-back batch: %v", calls)
		}
		mu.Unlock()
		e.call("POST", "/api/batch", "", batch(
			batchReq("POST", "/api/collections/posts/records", map[string]any{"id": "evtevtevtevt123", "title": "a"}),
			batchReq("PATCH", "/api/collections/posts/records/evtevtevtevt123", map[string]any{"title": "b"}),
			batchReq("DELETE", "/api/collections/posts/records/evtevtevtevt123", nil),
		)).status(200)
		mu.Lock()
		defer mu.Unlock()
		var actions []string
		for _, evs := range calls {
			for _, ev := range evs {
				actions = append(actions, ev.Action)
			}
		}
		if len(calls) != 1 || strings.Join(actions, ",") != "create,update,delete" {
			t.Fatalf("published %d times: %v", len(calls), actions)
		}
	})
}

func TestBatchFilesSDKMultipart(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		docsID := e.collectionID(docsCollection("docs"))
		enableBatch(e, 50, 3)
		first := e.form("POST", "/api/collections/docs/records", "",
			field("title", "first"), file("doc", "old.txt", []byte("old")), file("docs", "k1.txt", []byte("k1"))).status(200)
		id, oldDoc, kept := first.str("id"), first.str("doc"), first.str("docs.0")

		// What pb.createBatch() sends: one @jsonPayload part and the files
		// as requests.<i>.<key> (requests[<i>].<key> is accepted too).
		res := e.form("POST", "/api/batch", "",
			jsonPayload(map[string]any{"requests": []any{
				map[string]any{"method": "POST", "url": "/api/collections/docs/records?fields=id,title,doc",
					"body": map[string]any{"title": "created"}},
				map[string]any{"method": "PATCH", "url": "/api/collections/docs/records/" + id,
					"headers": map[string]any{"X-Any": "1"}, "body": map[string]any{"docs": []any{kept}}},
			}}),
			file("requests.0.doc", "new.txt", []byte("new")),
			file("requests[1].doc", "repl.txt", []byte("repl")),
			file("requests.1.docs+", "k2.txt", []byte("k2")),
		).status(200)
		newID := res.str("0.body.id")
		res.has("0.body.title", "created")
		if !strings.HasPrefix(res.str("0.body.doc"), "new_") || !strings.HasPrefix(res.str("1.body.doc"), "repl_") {
			t.Fatalf("uploaded names: %s", res.raw)
		}
		if docs := strs(res.get("1.body.docs")); len(docs) != 2 || docs[0] != kept || !strings.HasPrefix(docs[1], "k2") {
			t.Fatalf("docs: %v", docs)
		}
		// The replaced file went after the commit; the others are stored.
		want := []string{
			docsID + "/" + id + "/" + kept,
			docsID + "/" + id + "/" + res.str("1.body.doc"),
			docsID + "/" + id + "/" + strs(res.get("1.body.docs"))[1],
			docsID + "/" + newID + "/" + res.str("0.body.doc"),
		}
		got := e.stored(docsID + "/")
		for _, k := range want {
			if !contains(got, k) {
				t.Fatalf("stored %v, missing %s", got, k)
			}
		}
		if len(got) != len(want) || contains(got, docsID+"/"+id+"/"+oldDoc) {
			t.Fatalf("stored %v, want %v", got, want)
		}
		e.get("/api/files/docs/" + newID + "/" + res.str("0.body.doc")).status(200).bodyIs([]byte("new"))

		// A failing batch leaves neither its uploads nor loses the files
		// an earlier item of it removed.
		before := e.stored("")
		e.form("POST", "/api/batch", "",
			jsonPayload(map[string]any{"requests": []any{
				map[string]any{"method": "PATCH", "url": "/api/collections/docs/records/" + id, "body": map[string]any{"docs": []any{}}},
				map[string]any{"method": "POST", "url": "/api/collections/docs/records", "body": map[string]any{"title": "x"}},
				map[string]any{"method": "DELETE", "url": "/api/collections/docs/records/" + newID},
				map[string]any{"method": "POST", "url": "/api/collections/docs/records", "body": map[string]any{"title": "p"}},
			}}),
			file("requests.1.doc", "gone.txt", []byte("gone")),
			file("requests.3.pic", "notimage.txt", []byte("plain text")),
		).status(400).has("data.requests.3.response.data.pic.code", "validation_invalid_mime_type")
		if after := e.stored(""); strings.Join(after, "\n") != strings.Join(before, "\n") {
			t.Fatalf("files changed by a rolled-back batch:\nbefore %v\nafter  %v", before, after)
		}
		e.call("GET", "/api/collections/docs/records/"+newID, "", nil).status(200)
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// slowStore blocks every insert into the collection "slow" until the
// transaction's context ends, to exercise the batch timeout.
type slowStore struct {
	core.Store
	blocked chan struct{} // one value per blocked insert
	written chan error    // each Write's outcome, after it returned
}

type slowTx struct {
	core.Tx
	s *slowStore
}

func (s *slowStore) Write(ctx context.Context, fn func(core.Tx) error) error {
	err := s.Store.Write(ctx, func(tx core.Tx) error { return fn(slowTx{Tx: tx, s: s}) })
	select {
	case s.written <- err:
	default:
	}
	return err
}

func (t slowTx) Insert(ctx context.Context, r *core.Record) error {
	if r.Collection.Name == "slow" {
		select {
		case t.s.blocked <- struct{}{}:
		default:
		}
		<-ctx.Done()
		return ctx.Err()
	}
	return t.Tx.Insert(ctx, r)
}

// eachSlowStore is eachStore over slowStores.
func eachSlowStore(t *testing.T, fn func(t *testing.T, e *env, s *slowStore)) {
	eachEngine(t, func(t *testing.T, st core.Store) {
		s := &slowStore{Store: st, blocked: make(chan struct{}, 1), written: make(chan error, 16)}
		fn(t, newEnv(t, s, app.Options{}), s)
	})
}

func slowSetup(e *env) string {
	e.t.Helper()
	e.collectionID(map[string]any{"name": "slow", "type": "base", "createRule": "",
		"fields": []any{map[string]any{"name": "title", "type": "text"}}})
	return e.collectionID(docsCollection("docs"))
}

func TestBatchTimeoutRollsBack(t *testing.T) {
	eachSlowStore(t, func(t *testing.T, e *env, s *slowStore) {
		docsID := slowSetup(e)
		enableBatch(e, 50, 1)
		start := time.Now()
		e.form("POST", "/api/batch", "",
			jsonPayload(map[string]any{"requests": []any{
				map[string]any{"method": "POST", "url": "/api/collections/docs/records", "body": map[string]any{"title": "a"}},
				map[string]any{"method": "POST", "url": "/api/collections/slow/records", "body": map[string]any{"title": "b"}},
			}}),
			file("requests.0.doc", "a.txt", []byte("a")),
		).status(400).has("", map[string]any{"data": map[string]any{}, "message": "Batch transaction failed.", "status": 400})
		if d := time.Since(start); d < time.Second || d > 10*time.Second {
			t.Fatalf("answered after %v, want about the 1s timeout", d)
		}
		if n := e.count("docs"); n != 0 {
			t.Fatalf("docs = %d after a timed-out batch", n)
		}
		if got := e.stored(docsID + "/"); len(got) != 0 {
			t.Fatalf("files left by a timed-out batch: %v", got)
		}
	})
}

func TestBatchClientDisconnectRollsBack(t *testing.T) {
	eachSlowStore(t, func(t *testing.T, e *env, s *slowStore) {
		docsID := slowSetup(e)
		enableBatch(e, 50, 30)
		for len(s.written) > 0 {
			<-s.written // the setup's writes
		}
		body, ct := multipartBody(t, []part{
			jsonPayload(map[string]any{"requests": []any{
				map[string]any{"method": "POST", "url": "/api/collections/docs/records", "body": map[string]any{"title": "a"}},
				map[string]any{"method": "POST", "url": "/api/collections/slow/records", "body": map[string]any{"title": "b"}},
			}}),
			file("requests.0.doc", "a.txt", []byte("a")),
		})
		ctx, cancel := context.WithCancel(context.Background())
		req, err := http.NewRequestWithContext(ctx, "POST", e.srv.URL+"/api/batch", body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", ct)
		sent := make(chan error, 1)
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			sent <- err
		}()
		select {
		case <-s.blocked:
		case <-time.After(10 * time.Second):
			t.Fatal("the slow item never ran")
		}
		cancel()
		if err := <-sent; !errors.Is(err, context.Canceled) {
			t.Fatalf("client: %v", err)
		}
		select {
		case err := <-s.written:
			if err == nil {
				t.Fatal("the batch committed after the client went away")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the batch did not end when the client went away")
		}
		// The files are settled right after the store's Write returns.
		deadline := time.Now().Add(5 * time.Second)
		for len(e.stored(docsID+"/")) > 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if got := e.stored(docsID + "/"); len(got) != 0 {
			t.Fatalf("files left by an interrupted batch: %v", got)
		}
		if n := e.count("docs"); n != 0 {
			t.Fatalf("docs = %d after an interrupted batch", n)
		}
	})
}

func TestBatchItemExpand(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		postsSetup(e)
		enableBatch(e, 50, 3)
		author := e.su("POST", "/api/collections/authors/records", map[string]any{"name": "Ann"}).status(200).str("id")
		e.call("POST", "/api/batch", "", batch(
			batchReq("POST", "/api/collections/posts/records?expand=author&fields=title,expand.author.name",
				map[string]any{"title": "a", "author": author}),
			batchReq("POST", "/api/collections/posts/records?fields=title", map[string]any{"title": "b", "author": author}),
		)).status(200).
			has("0.body", map[string]any{"title": "a", "expand": map[string]any{"author": map[string]any{"name": "Ann"}}}).
			has("1.body", map[string]any{"title": "b"})
	})
}
