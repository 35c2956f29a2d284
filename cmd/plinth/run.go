package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/plinthdb/plinth/api"
	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/files"
	"github.com/plinthdb/plinth/store/postgres"
	"github.com/plinthdb/plinth/store/sqlite"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

const usage = `Plinth: a PocketBase-compatible backend in one binary.

Usage:
  plinth serve [--http 127.0.0.1:8090] [--dir ./plinth_data] [--db postgres://…]
  plinth superuser upsert EMAIL PASS
  plinth superuser create EMAIL PASS
  plinth superuser update EMAIL PASS
  plinth superuser delete EMAIL
  plinth version

Global flags:
  --dir DIR   data directory (SQLite database, files); default ./plinth_data
  --db URL    PostgreSQL URL (or PLINTH_DATABASE_URL); default: SQLite in --dir
`

// run is the whole program; main only supplies the process's context,
// arguments, environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return nil
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr)
	case "superuser":
		return runSuperuser(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "plinth version %s\n", version)
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n\n%s", args[0], usage)
}

// globalFlags are accepted by every command, as PocketBase's are.
type globalFlags struct {
	dir string
	db  string
}

func (g *globalFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&g.dir, "dir", "./plinth_data", "data directory")
	fs.StringVar(&g.db, "db", getenv("PLINTH_DATABASE_URL"), "PostgreSQL URL (default: SQLite in --dir)")
}

// parse parses flags given anywhere among the positional arguments, like
// PocketBase's CLI accepts them.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil {
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				continue
			}
			if i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		}
	}
	if err := fs.Parse(flags); err != nil {
		return nil, err
	}
	return positional, nil
}

// openApp opens the store selected by the flags and bootstraps it.
func openApp(ctx context.Context, g globalFlags) (*app.App, core.Store, string, error) {
	var (
		st   core.Store
		err  error
		desc string
	)
	if g.db != "" {
		st, err = postgres.Open(ctx, g.db)
		desc = "postgres (" + redactURL(g.db) + ")"
	} else {
		st, err = sqlite.Open(ctx, g.dir)
		desc = "sqlite (" + g.dir + ")"
	}
	if err != nil {
		return nil, nil, "", fmt.Errorf("open store: %w", err)
	}
	// Record files go to --dir/storage unless the settings enable S3.
	storage, err := files.NewLocal(filepath.Join(g.dir, "storage"))
	if err != nil {
		st.Close()
		return nil, nil, "", fmt.Errorf("file storage: %w", err)
	}
	a := app.New(st, app.Options{Files: storage})
	if err := a.Bootstrap(ctx); err != nil {
		st.Close()
		return nil, nil, "", fmt.Errorf("bootstrap: %w", err)
	}
	return a, st, desc, nil
}

// redactURL hides a password in a database URL for log lines.
func redactURL(raw string) string {
	at := strings.LastIndex(raw, "@")
	scheme := strings.Index(raw, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return raw
	}
	creds := raw[scheme+3 : at]
	if i := strings.Index(creds, ":"); i >= 0 {
		return raw[:scheme+3] + creds[:i] + ":***" + raw[at:]
	}
	return raw
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var g globalFlags
	g.register(fs, getenv)
	addr := fs.String("http", "127.0.0.1:8090", "address to listen on")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	a, st, desc, err := openApp(ctx, g)
	if err != nil {
		return err
	}
	defer st.Close()

	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a.SetMailLogger(logger)
	handler := api.NewServer(api.Config{App: a, Logger: logger, Version: version})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "Plinth %s\n", version)
	fmt.Fprintf(stdout, "Server started at %s\n", base)
	fmt.Fprintf(stdout, "├─ REST API: %s/api/\n", base)
	fmt.Fprintf(stdout, "├─ Store:    %s\n", desc)
	fmt.Fprintf(stdout, "└─ Data dir: %s\n", g.dir)
	if ok, err := a.HasSuperusers(ctx); err == nil && !ok {
		fmt.Fprintf(stdout, "\nNo superuser exists yet. Create one with:\n  plinth superuser upsert EMAIL PASS%s\n", dirHint(g))
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(stdout, "Shutting down: finishing in-flight requests…")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	a.WaitMail() // mails of the last requests still go out
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func dirHint(g globalFlags) string {
	if g.db != "" {
		return " --db '" + redactURL(g.db) + "'"
	}
	if g.dir != "./plinth_data" {
		return " --dir " + g.dir
	}
	return ""
}

func runSuperuser(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("superuser", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var g globalFlags
	g.register(fs, getenv)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return errors.New("missing superuser subcommand: upsert, create, update or delete")
	}
	sub, rest := pos[0], pos[1:]
	need := 2
	if sub == "delete" {
		need = 1
	}
	if len(rest) != need {
		return fmt.Errorf("superuser %s expects %d argument(s)", sub, need)
	}
	a, st, _, err := openApp(ctx, g)
	if err != nil {
		return err
	}
	defer st.Close()
	email := rest[0]
	switch sub {
	case "upsert":
		err = a.UpsertSuperuser(ctx, email, rest[1])
	case "create":
		err = a.CreateSuperuser(ctx, email, rest[1])
	case "update":
		err = a.UpdateSuperuserPassword(ctx, email, rest[1])
	case "delete":
		err = a.DeleteSuperuser(ctx, email)
	default:
		return fmt.Errorf("unknown superuser subcommand %q", sub)
	}
	if err != nil {
		return describe(err)
	}
	verb := map[string]string{"upsert": "saved", "create": "created", "update": "updated", "delete": "deleted"}[sub]
	fmt.Fprintf(stdout, "Successfully %s superuser %q!\n", verb, email)
	return nil
}

// describe renders validation errors readably on the command line.
func describe(err error) error {
	var e *core.Error
	if errors.As(err, &e) && len(e.Data) > 0 {
		var parts []string
		for k, v := range e.Data {
			if fe, ok := v.(*core.FieldError); ok {
				parts = append(parts, k+": "+fe.Message)
			} else {
				parts = append(parts, fmt.Sprintf("%s: %v", k, v))
			}
		}
		return fmt.Errorf("%s %s", e.Message, strings.Join(parts, "; "))
	}
	return err
}
