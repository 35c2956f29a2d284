// Package api is Plinth's HTTP adapter: NewServer returns the handler of
// the PocketBase-compatible API. It knows the contract, never a concrete
// store.
package api

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/ratelimit"
)

// Config holds what the server needs. Now and Rand are injected so tests
// are deterministic.
type Config struct {
	App     *app.App
	Logger  *slog.Logger
	Version string
}

type server struct {
	app *app.App
	log *slog.Logger
	mux *http.ServeMux
	// limiter holds this node's rate-limit counters (ratelimit.go).
	limiter *ratelimit.Limiter
}

// NewServer returns the API handler.
func NewServer(cfg Config) http.Handler {
	s := &server{app: cfg.App, log: cfg.Logger, mux: http.NewServeMux()}
	s.limiter = ratelimit.NewLimiter(s.now, 0)
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	addRoutes(s.mux, s)
	var h http.Handler = http.HandlerFunc(s.dispatch)
	h = s.superuserIPs(h)
	h = s.loadAuth(h)
	h = commonHeaders(h)
	h = s.recoverPanics(h)
	h = withRequestID(h)
	return h
}

// dispatch routes through the mux but answers unknown paths and known
// paths with a wrong method with the JSON 404 PocketBase gives (no 405).
func (s *server) dispatch(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern == "" {
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		s.fail(w, r, errNotFound)
		return
	}
	// Routes with action tags limit themselves (ratelimit.go).
	if _, tagged := h.(*limitedHandler); !tagged {
		if err := s.checkPathLimit(r); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	// ServeHTTP (not the matched handler) so that path values are set.
	s.mux.ServeHTTP(w, r)
}

// fail writes err through the single error exit.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, r, s.log, err)
}

// handler adapts a function that returns an error to http.Handler.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *server) handle(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyAuth
)

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		const hex = "0123456789abcdef"
		id := make([]byte, 16)
		for i, c := range b {
			id[i*2], id[i*2+1] = hex[c>>4], hex[c&15]
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyRequestID, string(id))))
	})
}

// recoverPanics turns a panic into a logged 500 instead of a dropped
// connection; a panic is still a bug.
func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "requestId", requestID(r.Context()), "value", v, "path", r.URL.Path)
				s.fail(w, r, &core.Error{Code: core.EInternal, Message: genericMessage})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// commonHeaders sets the security and CORS headers of §1.1.
func commonHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "SAMEORIGIN")
		h.Set("X-XSS-Protection", "1; mode=block")
		h.Add("Vary", "Origin")
		if r.Header.Get("Origin") != "" {
			h.Set("Access-Control-Allow-Origin", "*")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Origin", "*")
			h.Set("Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE")
			if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
				h.Set("Access-Control-Allow-Headers", req)
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// now is the request clock.
func (s *server) now() time.Time { return s.app.Now() }
