package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
)

// What a variant measures.
const (
	kindPlinth = "plinth" // Plinth over HTTP
	kindSQL    = "sql"    // the raw SQL on the same engine
	kindHTTP   = "http"   // the plain net/http handler
)

// variant is one way of doing an operation; step does it once.
type variant struct {
	name   string // sub-benchmark name
	kind   string
	engine string // "sqlite", "postgres"; "" for the plain HTTP baseline
	step   func(ctx context.Context) error
}

// operation is one measured endpoint with its baselines.
type operation struct {
	name     string
	variants []variant
}

// operations lists what is measured, in table order.
func (s *suite) operations() []operation {
	ops := []operation{
		{name: "create"},
		{name: "view"},
		{name: "list"},
		{name: "list+total"},
	}
	for _, e := range s.engines {
		ops[0].variants = append(ops[0].variants,
			variant{"plinth_" + e.name, kindPlinth, e.name, s.httpStep("POST", e.srv.URL+recordsPath, e.token, createBody, nil)},
			variant{e.name, kindSQL, e.name, e.rawCreate})
		ops[1].variants = append(ops[1].variants,
			variant{"plinth_" + e.name, kindPlinth, e.name, s.httpStep("GET", e.srv.URL+recordsPath+"/", e.token, nil, cycle(e.ids))},
			variant{e.name, kindSQL, e.name, e.rawView(cycle(e.ids))})
		ops[2].variants = append(ops[2].variants,
			variant{"plinth_" + e.name, kindPlinth, e.name, s.httpStep("GET", e.srv.URL+recordsPath+listQuery+"&skipTotal=1", e.token, nil, nil)},
			variant{e.name, kindSQL, e.name, e.rawList(false)})
		ops[3].variants = append(ops[3].variants,
			variant{"plinth_" + e.name, kindPlinth, e.name, s.httpStep("GET", e.srv.URL+recordsPath+listQuery, e.token, nil, nil)},
			variant{e.name, kindSQL, e.name, e.rawList(true)})
	}
	// The plain handler gets the request Plinth on SQLite gets, token
	// included, so the client does the same work.
	tok := s.engines[0].token
	ops[0].variants = append(ops[0].variants, variant{"nethttp", kindHTTP, "", s.httpStep("POST", s.plain.URL+recordsPath, tok, createBody, nil)})
	ops[1].variants = append(ops[1].variants, variant{"nethttp", kindHTTP, "", s.httpStep("GET", s.plain.URL+recordsPath+"/", tok, nil, cycle(s.engines[0].ids))})
	ops[2].variants = append(ops[2].variants, variant{"nethttp", kindHTTP, "", s.httpStep("GET", s.plain.URL+recordsPath+listQuery+"&skipTotal=1", tok, nil, nil)})
	ops[3].variants = append(ops[3].variants, variant{"nethttp", kindHTTP, "", s.httpStep("GET", s.plain.URL+recordsPath+listQuery, tok, nil, nil)})
	return ops
}

// cycle returns the ids one after another, round and round.
func cycle(ids []string) func() string {
	i := 0
	return func() string {
		id := ids[i%len(ids)]
		i++
		return id
	}
}

// httpStep sends one request on the shared keep-alive client and reads the
// whole answer; anything but 200 is an error. suffix, when set, is
// appended to the URL (the record id of a view).
func (s *suite) httpStep(method, url, token string, body []byte, suffix func() string) func(context.Context) error {
	return func(ctx context.Context) error {
		u := url
		if suffix != nil {
			u += suffix()
		}
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, u, rd)
		if err != nil {
			return err
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Authorization", token)
		res, err := s.client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			msg, _ := io.ReadAll(res.Body)
			return fmt.Errorf("%s %s: status %d: %s", method, u, res.StatusCode, msg)
		}
		_, err = io.Copy(io.Discard, res.Body)
		return err
	}
}

// rawCreate inserts one row in its own (autocommit) transaction: one
// prepared statement, the least a durable create can cost.
func (e *engine) rawCreate(ctx context.Context) error {
	_, err := e.insert.ExecContext(ctx, newID(e.rawRand), createTitle, createQty, true, createDue, createState)
	return err
}

// rawView reads one row by primary key into typed values.
func (e *engine) rawView(next func() string) func(context.Context) error {
	return func(ctx context.Context) error {
		var it item
		return e.view.QueryRowContext(ctx, next()).Scan(&it.id, &it.title, &it.qty, &it.done, &it.due, &it.status)
	}
}

// rawList reads one page of the list query, and its total when asked.
func (e *engine) rawList(total bool) func(context.Context) error {
	return func(ctx context.Context) error {
		page, err := e.rawPage(ctx)
		if err != nil {
			return err
		}
		if len(page) != perPage {
			return fmt.Errorf("raw list: %d rows, want %d", len(page), perPage)
		}
		if total {
			_, err = e.rawCount(ctx)
		}
		return err
	}
}

func (e *engine) rawPage(ctx context.Context) ([]item, error) {
	rows, err := e.list.QueryContext(ctx, listMatch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := make([]item, 0, perPage)
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.id, &it.title, &it.qty, &it.done, &it.due, &it.status); err != nil {
			return nil, err
		}
		page = append(page, it)
	}
	return page, rows.Err()
}

func (e *engine) rawCount(ctx context.Context) (int, error) {
	var n int
	err := e.count.QueryRowContext(ctx, listMatch).Scan(&n)
	return n, err
}
