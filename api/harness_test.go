package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plinthdb/plinth/api"
	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/files"
	"github.com/plinthdb/plinth/store/postgres"
	"github.com/plinthdb/plinth/store/postgres/pgtest"
	"github.com/plinthdb/plinth/store/sqlite"
)

// eachEngine runs fn once per store engine, each with a fresh store:
// SQLite always, PostgreSQL when PLINTH_TEST_POSTGRES is set.
func eachEngine(t *testing.T, fn func(t *testing.T, st core.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		st, err := sqlite.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		fn(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		st, err := postgres.Open(context.Background(), pgtest.Schema(t))
		if err != nil {
			t.Fatal(err)
		}
		fn(t, st)
	})
}

// eachStore runs the same test body on every engine through the real
// HTTP handler, with a superuser signed in.
func eachStore(t *testing.T, fn func(t *testing.T, e *env)) {
	eachEngine(t, func(t *testing.T, st core.Store) { fn(t, newEnv(t, st, app.Options{})) })
}

// testWriter sends server logs to the test log, so a 500 shows its cause.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

type env struct {
	t     *testing.T
	app   *app.App
	srv   *httptest.Server
	token string // a superuser token
	files *files.Local
}

const (
	suEmail = "root@example.com"
	suPass  = "a-long-password-1"
)

// newEnv builds the whole stack over st; o may set a clock or a hasher
// (local file storage is added).
func newEnv(t *testing.T, st core.Store, o app.Options) *env {
	t.Helper()
	ctx := context.Background()
	t.Cleanup(func() { st.Close() })
	storage, err := files.NewLocal(filepath.Join(t.TempDir(), "storage"))
	if err != nil {
		t.Fatal(err)
	}
	o.Files = storage
	a := app.New(st, o)
	if err := a.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.UpsertSuperuser(ctx, suEmail, suPass); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	srv := httptest.NewServer(api.NewServer(api.Config{App: a, Logger: logger}))
	t.Cleanup(srv.Close)
	e := &env{t: t, app: a, srv: srv, files: storage}
	res := e.call("POST", "/api/collections/_superusers/auth-with-password", "",
		map[string]any{"identity": suEmail, "password": suPass})
	res.status(200)
	e.token = res.str("token")
	if e.token == "" {
		t.Fatalf("no token in %s", res.raw)
	}
	return e
}

// response is one HTTP exchange's outcome.
type response struct {
	t    *testing.T
	req  string
	code int
	raw  []byte
	body any
}

// call sends body (JSON unless it is a string or url.Values) and decodes the answer.
func (e *env) call(method, path, token string, body any) *response {
	e.t.Helper()
	return e.callWith(method, path, token, nil, body)
}

// callWith is call with extra request headers.
func (e *env) callWith(method, path, token string, headers map[string]string, body any) *response {
	e.t.Helper()
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case url.Values:
		rd, ct = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	return e.do(method, path, token, ct, headers, rd)
}

// raw sends body with content type ct.
func (e *env) raw(method, path, token, ct string, body io.Reader) *response {
	e.t.Helper()
	return e.do(method, path, token, ct, nil, body)
}

// do performs one exchange and decodes a JSON answer.
func (e *env) do(method, path, token, ct string, headers map[string]string, body io.Reader) *response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := &response{t: e.t, req: method + " " + path, code: resp.StatusCode, raw: raw}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			e.t.Fatalf("%s: non-JSON body %q", r.req, raw)
		}
	}
	return r
}

// su calls as the superuser.
func (e *env) su(method, path string, body any) *response {
	e.t.Helper()
	return e.call(method, path, e.token, body)
}

func (r *response) status(want int) *response {
	r.t.Helper()
	if r.code != want {
		r.t.Fatalf("%s: status %d, want %d; body %s", r.req, r.code, want, r.raw)
	}
	return r
}

// get walks a dotted path through the decoded body ("items.0.title").
func (r *response) get(path string) any {
	r.t.Helper()
	var cur any = r.body
	if path == "" {
		return cur
	}
	for _, part := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[part]
			if !ok {
				return nil
			}
			cur = v
		case []any:
			i := 0
			for _, ch := range part {
				i = i*10 + int(ch-'0')
			}
			if i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

func (r *response) str(path string) string {
	r.t.Helper()
	s, _ := r.get(path).(string)
	return s
}

// has asserts that path holds want (compared as JSON).
func (r *response) has(path string, want any) *response {
	r.t.Helper()
	got, _ := json.Marshal(r.get(path))
	exp, _ := json.Marshal(want)
	if !bytes.Equal(got, exp) {
		r.t.Fatalf("%s: %s = %s, want %s; body %s", r.req, path, got, exp, r.raw)
	}
	return r
}

// code asserts the validation code of a field error in data.
func (r *response) fieldCode(field, code string) *response {
	r.t.Helper()
	return r.has("data."+field+".code", code)
}

// absent asserts that path is missing.
func (r *response) absent(path string) *response {
	r.t.Helper()
	if v := r.get(path); v != nil {
		r.t.Fatalf("%s: %s present (%v); body %s", r.req, path, v, r.raw)
	}
	return r
}
