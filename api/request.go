package api

import (
	"context"
	"net"
	"net/http"
	"strings"
	"unicode"

	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/core"
)

// loadAuth resolves the Authorization header to an auth record. An invalid
// token is not an error: the request proceeds as a guest (§1.2).
func (s *server) loadAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := r.Header.Get("Authorization")
		if len(token) > 7 && strings.EqualFold(token[:7], "Bearer ") {
			token = token[7:]
		}
		if token != "" {
			rec, err := s.app.Authenticate(r.Context(), token)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if rec != nil {
				r = r.WithContext(context.WithValue(r.Context(), keyAuth, rec))
			}
		}
		next.ServeHTTP(w, r)
	})
}

func authRecord(ctx context.Context) *core.Record {
	rec, _ := ctx.Value(keyAuth).(*core.Record)
	return rec
}

// request builds what rules know of the caller (@request.*).
func (s *server) request(r *http.Request) *app.Request {
	req := &app.Request{
		Auth:    authRecord(r.Context()),
		Method:  r.Method,
		Context: "default",
		Headers: make(map[string]string, len(r.Header)),
		Query:   make(map[string]string),
	}
	for k, v := range r.Header {
		if len(v) > 0 {
			req.Headers[snakeHeader(k)] = v[0]
		}
	}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			req.Query[k] = v[0]
		}
	}
	return req
}

// snakeHeader normalizes a header name as rules see it: X-Token -> x_token.
func snakeHeader(name string) string {
	var b strings.Builder
	for _, c := range name {
		switch {
		case c == '-' || c == ' ':
			b.WriteByte('_')
		default:
			b.WriteRune(unicode.ToLower(c))
		}
	}
	return b.String()
}

// superuser guards the admin endpoints: 401 for guests, 403 for others.
func (s *server) superuser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := authRecord(r.Context())
		switch {
		case rec == nil:
			s.fail(w, r, errAuthRequired)
		case rec.Collection.Name != core.SuperusersName:
			s.fail(w, r, errNotSuperuser)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
