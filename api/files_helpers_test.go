package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/plinthdb/plinth/files"
)

// part is one multipart part: a file when filename is set.
type part struct {
	name, filename string
	content        []byte
	contentType    string // of a file part; default application/octet-stream
}

func field(name, value string) part { return part{name: name, content: []byte(value)} }

func file(name, filename string, content []byte) part {
	return part{name: name, filename: filename, content: content}
}

func jsonPayload(v any) part {
	b, _ := json.Marshal(v)
	return part{name: "@jsonPayload", content: b}
}

// multipartBody encodes parts and returns the body and its Content-Type.
func multipartBody(t *testing.T, parts []part) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.filename != "" {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="`+p.name+`"; filename="`+p.filename+`"`)
			ct := p.contentType
			if ct == "" {
				ct = "application/octet-stream"
			}
			h.Set("Content-Type", ct)
			w, err = mw.CreatePart(h)
		} else {
			w, err = mw.CreateFormField(p.name)
		}
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.content)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

// form sends a multipart request and decodes the JSON answer.
func (e *env) form(method, path, token string, parts ...part) *response {
	e.t.Helper()
	body, ct := multipartBody(e.t, parts)
	return e.raw(method, path, token, ct, body)
}

// download is one file response.
type download struct {
	t      *testing.T
	req    string
	code   int
	header http.Header
	body   []byte
}

// get fetches path without decoding, with optional request headers
// ("Name: value").
func (e *env) get(path string, headers ...string) *download {
	e.t.Helper()
	req, err := http.NewRequest("GET", e.srv.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(k, strings.TrimSpace(v))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return &download{t: e.t, req: "GET " + path, code: resp.StatusCode, header: resp.Header, body: body}
}

func (d *download) status(want int) *download {
	d.t.Helper()
	if d.code != want {
		d.t.Fatalf("%s: status %d, want %d; body %s", d.req, d.code, want, d.body)
	}
	return d
}

func (d *download) hasHeader(name, want string) *download {
	d.t.Helper()
	if got := d.header.Get(name); got != want {
		d.t.Fatalf("%s: %s = %q, want %q", d.req, name, got, want)
	}
	return d
}

func (d *download) bodyIs(want []byte) *download {
	d.t.Helper()
	if !bytes.Equal(d.body, want) {
		d.t.Fatalf("%s: body of %d bytes differs from the expected %d bytes", d.req, len(d.body), len(want))
	}
	return d
}

// stored lists the storage keys under prefix ("" = everything).
func (e *env) stored(prefix string) []string {
	e.t.Helper()
	keys, err := e.files.List(context.Background(), prefix)
	if err != nil {
		e.t.Fatal(err)
	}
	sort.Strings(keys)
	return keys
}

// storedContent reads one stored object.
func storedContent(t *testing.T, st files.Storage, key string) []byte {
	t.Helper()
	obj, err := st.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(obj)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// nameLike builds a pattern for a stored name: "*" is the random part.
func nameLike(t *testing.T, want, got string) {
	t.Helper()
	pattern := "^" + strings.ReplaceAll(regexp.QuoteMeta(want), `\*`, "[a-z0-9]{10}") + "$"
	if !regexp.MustCompile(pattern).MatchString(got) {
		t.Fatalf("stored name %q does not look like %s", got, want)
	}
}

// docsCollection has file fields of each shape, rules open to anyone.
func docsCollection(name string) map[string]any {
	return map[string]any{
		"name": name, "type": "base",
		"listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "",
		"fields": []any{
			map[string]any{"name": "title", "type": "text"},
			map[string]any{"name": "doc", "type": "file", "maxSelect": 1},
			map[string]any{"name": "docs", "type": "file", "maxSelect": 3},
			map[string]any{"name": "pic", "type": "file", "maxSelect": 1, "maxSize": 4096,
				"mimeTypes": []string{"image/png", "image/jpeg"}, "thumbs": []string{"50x50", "50x50t", "50x50b", "60x30f", "0x40", "40x0"}},
			map[string]any{"name": "meta", "type": "json"},
		},
	}
}

// collectionID creates a collection and returns its id.
func (e *env) collectionID(def map[string]any) string {
	e.t.Helper()
	return e.su("POST", "/api/collections", def).status(200).str("id")
}

// strs converts a decoded JSON list to strings.
func strs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, len(list))
	for i, x := range list {
		out[i], _ = x.(string)
	}
	return out
}
