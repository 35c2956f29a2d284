package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// TestServeStoresFilesUnderDir checks the wiring: uploads land in
// --dir/storage/<collectionId>/<recordId>/ and download from there.
func TestServeStoresFilesUnderDir(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := run(ctx, []string{"superuser", "upsert", "a@example.com", "password-123", "--dir", dir}, noEnv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	stdout := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--http", "127.0.0.1:0", "--dir", dir}, noEnv, stdout, io.Discard)
	}()
	defer func() { cancel(); <-done }()
	addr := regexp.MustCompile(`Server started at (http://[0-9.:]+)`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := addr.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("server did not start: %s", stdout.String())
	}

	call := func(method, path, token, ct string, body io.Reader) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, body)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, out)
		}
		return out
	}
	jsonBody := func(v any) io.Reader { b, _ := json.Marshal(v); return bytes.NewReader(b) }
	token := call("POST", "/api/collections/_superusers/auth-with-password", "", "application/json",
		jsonBody(map[string]any{"identity": "a@example.com", "password": "password-123"}))["token"].(string)
	col := call("POST", "/api/collections", token, "application/json", jsonBody(map[string]any{
		"name": "docs", "type": "base", "viewRule": "",
		"fields": []any{map[string]any{"name": "f", "type": "file"}},
	}))
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("f", "hello.txt")
	w.Write([]byte("hello from disk"))
	mw.Close()
	rec := call("POST", "/api/collections/docs/records", token, mw.FormDataContentType(), &buf)

	cid, id, name := col["id"].(string), rec["id"].(string), rec["f"].(string)
	onDisk, err := os.ReadFile(filepath.Join(dir, "storage", cid, id, name))
	if err != nil || string(onDisk) != "hello from disk" {
		t.Fatalf("file on disk: %q, %v", onDisk, err)
	}
	resp, err := http.Get(base + "/api/files/docs/" + id + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(got) != "hello from disk" {
		t.Fatalf("download: %d %q", resp.StatusCode, got)
	}
}
