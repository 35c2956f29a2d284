// Package app is Plinth's application layer: the PocketBase behaviour of
// records, collections and authentication over a core.Store, with rules
// enforced. Transports (HTTP now, batch and realtime later) call it; it
// never sees HTTP.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/plinthdb/plinth/auth"
	"github.com/plinthdb/plinth/collection"
	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/files"
	"github.com/plinthdb/plinth/filter"
)

// Options inject the clock, randomness and password hashing.
type Options struct {
	Now          func() time.Time
	Rand         io.Reader
	HashPassword func(string) (string, error)
	// Files is the local storage of record files, used unless the
	// settings enable S3 (nil: uploads fail until S3 is configured).
	Files files.Storage
	// Logger reports failures that cannot fail a request (file cleanup).
	Logger *slog.Logger
}

// App is the application service.
type App struct {
	store   core.Store
	filters *filter.Cache
	now     func() time.Time
	rand    io.Reader
	hash    func(string) (string, error)
	flows   authState   // mail and throttles of the auth flows (authmail.go)
	oauth2  oauth2State // redirect sink, provider HTTP client, posted names (oauth2.go)

	settings settingsCache // settings.go
	logins   loginThrottle // loginthrottle.go
	files    fileStores    // files.go

	authCache authCache // authcache.go
}

// New returns an App over store.
func New(store core.Store, o Options) *App {
	a := &App{store: store, filters: filter.NewCache(4096), now: o.Now, rand: o.Rand, hash: o.HashPassword}
	if a.now == nil {
		a.now = time.Now
	}
	if a.rand == nil {
		a.rand = rand.Reader
	}
	if a.hash == nil {
		a.hash = auth.HashPassword
	}
	a.initFiles(o)
	a.SetTestEmail(a.SendTemplateTest)
	store.Subscribe(a.authCache.onEvents)
	return a
}

// Now returns the current time from the injected clock, in UTC.
func (a *App) Now() time.Time { return a.now().UTC() }

// Store returns the underlying store.
func (a *App) Store() core.Store { return a.store }

// Schema returns the current schema snapshot.
func (a *App) Schema(ctx context.Context) (*core.Schema, error) { return a.store.Schema(ctx) }

// Collection finds a collection by id or name; a missing one is a 404
// with PocketBase's message.
func (a *App) Collection(ctx context.Context, nameOrID string) (*core.Collection, error) {
	s, err := a.store.Schema(ctx)
	if err != nil {
		return nil, err
	}
	c := s.Find(nameOrID)
	if c == nil {
		return nil, core.Errorf(core.ENotFound, "Missing collection context.")
	}
	return c, nil
}

// Bootstrap creates the system collections a fresh install has.
func (a *App) Bootstrap(ctx context.Context) error {
	s, err := a.store.Schema(ctx)
	if err != nil {
		return err
	}
	var missing []*core.Collection
	for _, c := range append([]*core.Collection{collection.Superusers(), collection.Users()}, collection.AuthSystem()...) {
		if s.Find(c.ID) == nil && s.Find(c.Name) == nil {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return a.store.Write(ctx, func(tx core.Tx) error {
		for _, c := range missing {
			now := core.FormatTime(a.Now())
			c.Created, c.Updated = now, now
			if err := collection.EnsureSecrets(c, a.rand); err != nil {
				return err
			}
			if err := tx.SaveCollection(ctx, nil, c); err != nil {
				return fmt.Errorf("bootstrap %s: %w", c.Name, err)
			}
		}
		return nil
	})
}

// Request is what rules may know of the caller (@request.*).
type Request struct {
	Auth    *core.Record // nil = guest
	Method  string
	Context string // "default", "batch", ...
	Headers map[string]string
	Query   map[string]string
	manage  *manageSet // auth records the caller may manage (authform.go)
}

// IsSuperuser reports whether the caller is authenticated as a superuser.
func (r *Request) IsSuperuser() bool {
	return r != nil && r.Auth != nil && r.Auth.Collection != nil && r.Auth.Collection.Name == core.SuperusersName
}

func (r *Request) filterRequest(now time.Time, body map[string]any) *filter.Request {
	fr := &filter.Request{Now: now, Method: "GET", Context: "default", Body: body}
	if r != nil {
		fr.Auth, fr.Headers, fr.Query = r.Auth, r.Headers, r.Query
		if r.Method != "" {
			fr.Method = r.Method
		}
		if r.Context != "" {
			fr.Context = r.Context
		}
	}
	return fr
}

// internal wraps an unexpected error so the api logs it and answers 500.
func internal(err error) error {
	var e *core.Error
	if errors.As(err, &e) {
		return err
	}
	return &core.Error{Code: core.EInternal, Message: "Something went wrong while processing your request.", Err: err}
}
