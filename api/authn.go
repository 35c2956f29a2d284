package api

import (
	"net/http"

	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/core"
)

// authResponse is §6.1's shape.
func (s *server) authResponse(w http.ResponseWriter, r *http.Request, req *app.Request, rec *core.Record, token string) error {
	m := s.serialize(r, req, rec)
	if email, ok := rec.Values["email"]; ok {
		m["email"] = email
	}
	return s.respond(w, r, http.StatusOK, map[string]any{"token": token, "record": m})
}

// authCollection resolves {collection} to an auth collection (§6).
func (s *server) authCollection(r *http.Request) (*core.Collection, error) {
	c, err := s.collection(r)
	if err != nil {
		return nil, core.Errorf(core.ENotFound, "Missing or invalid collection context.")
	}
	if !c.IsAuth() {
		return nil, core.Errorf(core.ENotFound, "Missing or invalid auth collection context.")
	}
	return c, nil
}

func (s *server) handleAuthWithPassword() http.Handler {
	return s.authHandler(func(w http.ResponseWriter, r *http.Request, c *core.Collection, body authBody) error {
		rec, err := s.app.AuthWithPasswordFrom(r.Context(), s.clientIP(r), c,
			body.str("identity"), body.str("password"), body.str("identityField"))
		if err != nil {
			return err
		}
		req := s.request(r)
		req.Context = "password"
		return s.completeAuth(w, r, req, rec, app.MethodPassword, body.str("mfaId"))
	})
}

func (s *server) handleAuthRefresh() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.authCollection(r)
		if err != nil {
			return err
		}
		req := s.request(r)
		if err := app.RequireCollectionAuth(req, c); err != nil {
			return err
		}
		if err := s.app.CheckAuthRule(r.Context(), req, req.Auth); err != nil {
			return err
		}
		// Impersonation tokens are not refreshable: the same one comes back.
		token := requestToken(r)
		if app.TokenRefreshable(token) {
			if token, err = s.app.AuthToken(req.Auth); err != nil {
				return err
			}
		}
		return s.authResponse(w, r, req, req.Auth, token)
	})
}
