package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer lets the test read what run writes from another goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func noEnv(string) string { return "" }

func TestVersionAndUsage(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, noEnv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "plinth version ") {
		t.Fatalf("version output %q", out.String())
	}
	if err := run(context.Background(), []string{"bogus"}, noEnv, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown command accepted")
	}
}

func TestServeSuperuserAndShutdown(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	// Flags after positional arguments, as PocketBase's CLI accepts them.
	var out bytes.Buffer
	if err := run(ctx, []string{"superuser", "upsert", "a@example.com", "password-123", "--dir", dir}, noEnv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"superuser", "create", "a@example.com", "password-123", "--dir", dir}, noEnv, io.Discard, io.Discard); err == nil {
		t.Fatal("create of an existing superuser succeeded")
	}
	if err := run(ctx, []string{"superuser", "upsert", "bad-email", "password-123", "--dir=" + dir}, noEnv, io.Discard, io.Discard); err == nil {
		t.Fatal("invalid email accepted")
	}

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stdout := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(sctx, []string{"serve", "--http", "127.0.0.1:0", "--dir", dir}, noEnv, stdout, io.Discard)
	}()

	addr := regexp.MustCompile(`Server started at (http://[0-9.:]+)`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := addr.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
			break
		}
	}
	if base == "" {
		t.Fatalf("server did not start; output: %s", stdout.String())
	}
	if strings.Contains(stdout.String(), "No superuser exists yet") {
		t.Fatal("asked for a superuser although one exists")
	}
	body := strings.NewReader(`{"identity":"a@example.com","password":"password-123"}`)
	resp, err := http.Post(base+"/api/collections/_superusers/auth-with-password", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	var auth struct{ Token string }
	_ = json.NewDecoder(resp.Body).Decode(&auth)
	resp.Body.Close()
	if resp.StatusCode != 200 || auth.Token == "" {
		t.Fatalf("superuser login: %d", resp.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}

	// Deleting the superuser makes the next start ask for one.
	if err := run(ctx, []string{"superuser", "delete", "a@example.com", "--dir", dir}, noEnv, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	sctx2, cancel2 := context.WithCancel(ctx)
	stdout2 := &syncBuffer{}
	done2 := make(chan error, 1)
	go func() {
		done2 <- run(sctx2, []string{"serve", "--http", "127.0.0.1:0", "--dir", dir}, noEnv, stdout2, io.Discard)
	}()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !strings.Contains(stdout2.String(), "Server started"); {
		time.Sleep(20 * time.Millisecond)
	}
	cancel2()
	if err := <-done2; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout2.String(), "plinth superuser upsert EMAIL PASS") {
		t.Fatalf("no superuser hint in %q", stdout2.String())
	}
}
