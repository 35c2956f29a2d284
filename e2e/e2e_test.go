// Package e2e runs the JS SDK suite in tests/ against the real plinth
// binary, once per store. The suite itself is plain node:test code that
// talks to the server only through the official PocketBase SDK.
package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

const (
	superuserEmail    = "e2e-superuser@example.com"
	superuserPassword = "e2e-Passw0rd-1234"

	readyTimeout    = 60 * time.Second
	shutdownTimeout = 10 * time.Second
	suiteTimeout    = 10 * time.Minute
)

func TestSDK(t *testing.T) {
	required := os.Getenv("PLINTH_E2E") == "1"
	if _, err := os.Stat(filepath.Join("node_modules", "pocketbase")); err != nil {
		if required {
			t.Fatalf("PLINTH_E2E=1 but e2e/node_modules/pocketbase is missing (%v); run `cd e2e && npm ci`", err)
		}
		t.Skip("JS SDK end-to-end suite skipped: e2e/node_modules is missing; run `cd e2e && npm ci` (CI sets PLINTH_E2E=1 to require it)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		if required {
			t.Fatalf("PLINTH_E2E=1 but node is not on PATH: %v", err)
		}
		t.Skip("JS SDK end-to-end suite skipped: node is not on PATH")
	}
	if testing.Short() && !required {
		t.Skip("JS SDK end-to-end suite skipped in -short mode")
	}

	bin := buildPlinth(t)

	t.Run("sqlite", func(t *testing.T) {
		runSuite(t, node, bin, t.TempDir(), "", "sqlite")
	})
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv("PLINTH_TEST_POSTGRES")
		if base == "" {
			t.Skip("PostgreSQL run skipped: set PLINTH_TEST_POSTGRES, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
		}
		runSuite(t, node, bin, t.TempDir(), freshSchema(t, base), "postgres")
	})
}

// buildPlinth compiles ./cmd/plinth from the module root, so the suite
// exercises exactly what ships. PLINTH_E2E_BINARY names a prebuilt binary
// to test instead (a release build, say).
func buildPlinth(t *testing.T) string {
	t.Helper()
	if prebuilt := os.Getenv("PLINTH_E2E_BINARY"); prebuilt != "" {
		abs, err := filepath.Abs(prebuilt)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("testing prebuilt binary %s", abs)
		return abs
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found above e2e/: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "plinth")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./cmd/plinth")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./cmd/plinth: %v\n%s", err, out)
	}
	return bin
}

// freshSchema creates an empty schema for one run and returns a URL whose
// search_path selects it; the schema is dropped when the test ends.
func freshSchema(t *testing.T, base string) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "plinth_e2e_" + hex.EncodeToString(b[:])

	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", base, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA "`+schema+`"`); err != nil {
		db.Close()
		t.Fatalf("create schema %s (is PostgreSQL reachable at PLINTH_TEST_POSTGRES?): %v", schema, err)
	}
	t.Cleanup(func() {
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, `DROP SCHEMA IF EXISTS "`+schema+`" CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})

	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse PLINTH_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	t.Logf("PostgreSQL schema %s", schema)
	return u.String()
}

// runSuite prepares a superuser, starts the server, runs node --test and
// stops the server, checking that it shuts down gracefully. store names
// the engine for tests whose SQL differs per engine (view queries).
func runSuite(t *testing.T, node, bin, dir, dbURL, store string) {
	storeArgs := []string{"--dir", dir}
	if dbURL != "" {
		storeArgs = append(storeArgs, "--db", dbURL)
	}
	env := serverEnv()

	upsert := exec.CommandContext(t.Context(), bin,
		append([]string{"superuser", "upsert", superuserEmail, superuserPassword}, storeArgs...)...)
	upsert.Env = env
	out, err := upsert.CombinedOutput()
	t.Logf("plinth superuser upsert: %s", bytes.TrimSpace(out))
	if err != nil {
		t.Fatalf("plinth superuser upsert failed: %v", err)
	}

	addr := freeAddr(t)
	srv := startServer(t, bin, env, append([]string{"serve", "--http", addr}, storeArgs...))
	defer srv.stop(t)
	baseURL := "http://" + addr
	srv.waitHealthy(t, baseURL)

	fix := startFixtures(t)
	ctx, cancel := context.WithTimeout(t.Context(), suiteTimeout)
	defer cancel()
	// PLINTH_E2E_TESTS narrows the run to some files while working on them.
	targets := strings.Fields(os.Getenv("PLINTH_E2E_TESTS"))
	if len(targets) == 0 {
		targets = []string{"tests/"}
	}
	cmd := exec.CommandContext(ctx, node, append([]string{"--test", "--test-reporter=spec", "--test-timeout=120000"}, targets...)...)
	cmd.Env = append(os.Environ(),
		"PLINTH_URL="+baseURL,
		"PLINTH_SUPERUSER_EMAIL="+superuserEmail,
		"PLINTH_SUPERUSER_PASSWORD="+superuserPassword,
		"PLINTH_STORE="+store,
		"NO_COLOR=1",
	)
	cmd.Env = append(cmd.Env, fix.env()...)
	nodeLog := newLineLogger(t, "node: ")
	cmd.Stdout = nodeLog
	cmd.Stderr = nodeLog
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	nodeLog.flush()
	if err != nil {
		t.Errorf("node --test %s failed against %s: %v (the SDK output above lists the failing tests)", strings.Join(targets, " "), baseURL, err)
	}
}

// serverEnv is the environment without PLINTH_DATABASE_URL, so only the
// explicit --db flag selects PostgreSQL.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PLINTH_DATABASE_URL=") {
			env = append(env, kv)
		}
	}
	return env
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type server struct {
	cmd     *exec.Cmd
	log     *lineLogger
	done    chan struct{}
	waitErr error
}

func startServer(t *testing.T, bin string, env, args []string) *server {
	t.Helper()
	s := &server{cmd: exec.Command(bin, args...), log: newLineLogger(t, "server: "), done: make(chan struct{})}
	s.cmd.Env = env
	s.cmd.Stdout = s.log
	s.cmd.Stderr = s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start plinth serve: %v", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	return s
}

func (s *server) waitHealthy(t *testing.T, baseURL string) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(readyTimeout)
	var last string
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			t.Fatalf("plinth serve exited before it was ready: %v", s.waitErr)
		default:
		}
		res, err := client.Get(baseURL + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
			last = res.Status
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("plinth serve did not answer 200 on /api/health within %s (last: %s)", readyTimeout, last)
}

// stop sends SIGTERM and requires a clean exit within shutdownTimeout:
// the server must shut down gracefully, not be killed.
func (s *server) stop(t *testing.T) {
	t.Helper()
	select {
	case <-s.done:
		s.log.flush()
		t.Errorf("plinth serve exited before it was stopped: %v", s.waitErr)
		return
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("SIGTERM plinth serve: %v", err)
	}
	select {
	case <-s.done:
		s.log.flush()
		if s.waitErr != nil {
			t.Errorf("plinth serve did not exit cleanly after SIGTERM: %v", s.waitErr)
		}
	case <-time.After(shutdownTimeout):
		_ = s.cmd.Process.Kill()
		<-s.done
		s.log.flush()
		t.Errorf("plinth serve did not exit within %s of SIGTERM; killed it", shutdownTimeout)
	}
}

// lineLogger forwards a process's output to t.Log line by line, so
// `go test -v` shows it live and a failure shows it in full.
type lineLogger struct {
	t      *testing.T
	prefix string
	mu     sync.Mutex
	buf    []byte
}

func newLineLogger(t *testing.T, prefix string) *lineLogger {
	return &lineLogger{t: t, prefix: prefix}
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.t.Log(l.prefix + string(bytes.TrimRight(l.buf[:i], "\r")))
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

func (l *lineLogger) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.t.Log(l.prefix + string(l.buf))
		l.buf = nil
	}
}
