package api

import (
	"encoding/json"
	"math"
	"mime"
	"net/http"

	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/core"
)

func (s *server) handleOAuth2Providers() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		return s.respond(w, r, http.StatusOK, app.OAuth2Providers())
	})
}

func (s *server) handleAuthWithOAuth2() http.Handler {
	return s.authHandler(func(w http.ResponseWriter, r *http.Request, c *core.Collection, body authBody) error {
		login := app.OAuth2Login{Provider: body.str("provider"), Code: body.str("code"),
			CodeVerifier: body.str("codeVerifier"), RedirectURL: body.str("redirectURL")}
		if login.RedirectURL == "" {
			login.RedirectURL = body.str("redirectUrl") // the SDK's older key
		}
		switch v := body["createData"].(type) {
		case nil:
		case map[string]any:
			login.CreateData = v
		default:
			return errBadBody
		}
		req := s.request(r)
		req.Context = "oauth2"
		res, err := s.app.AuthWithOAuth2(r.Context(), req, c, login)
		if err != nil {
			return err
		}
		return s.completeAuthMeta(w, r, req, res.Record, app.MethodOAuth2, body.str("mfaId"), res.Meta())
	})
}

// authResponseMeta is §6.1's shape plus the OAuth2 "meta" object.
func (s *server) authResponseMeta(w http.ResponseWriter, r *http.Request, req *app.Request, rec *core.Record, token string, meta map[string]any) error {
	m := s.serialize(r, req, rec)
	if email, ok := rec.Values["email"]; ok {
		m["email"] = email
	}
	return s.respond(w, r, http.StatusOK, map[string]any{"token": token, "record": m, "meta": meta})
}

func (s *server) handleAppleClientSecret() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		raw, err := readRawJSON(w, r)
		if err != nil {
			return err
		}
		var body struct {
			ClientID   string  `json:"clientId"`
			TeamID     string  `json:"teamId"`
			KeyID      string  `json:"keyId"`
			PrivateKey string  `json:"privateKey"`
			Duration   float64 `json:"duration"`
		}
		if err := json.Unmarshal(raw, &body); err != nil || body.Duration != math.Trunc(body.Duration) || math.Abs(body.Duration) > 1<<53 {
			return errBadBody
		}
		secret, err := s.app.GenerateAppleClientSecret(app.AppleSecretInput{ClientID: body.ClientID, TeamID: body.TeamID,
			KeyID: body.KeyID, PrivateKey: body.PrivateKey, Duration: int64(body.Duration)})
		if err != nil {
			return err
		}
		return s.respond(w, r, http.StatusOK, map[string]string{"secret": secret})
	})
}

// Where the redirect endpoint sends the browser (the admin UI's pages, as
// PocketBase does; relative to /api/oauth2-redirect).
const (
	oauth2RedirectSuccess = "../_/#/auth/oauth2-redirect-success"
	oauth2RedirectFailure = "../_/#/auth/oauth2-redirect-failure"
)

// handleOAuth2Redirect is where providers send the browser back in the
// SDK's all-in-one flow (§6.6 B, steps 4–5): GET with a query, or POST
// with a form (response_mode=form_post, Apple). The state is the id of
// the realtime client waiting for the code; app.OAuth2RedirectSink
// delivers it. Until realtime installs a sink every redirect answers the
// failure page.
func (s *server) handleOAuth2Redirect() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status := http.StatusTemporaryRedirect
		if r.Method == http.MethodPost {
			status = http.StatusSeeOther
			r.Body = http.MaxBytesReader(w, r.Body, defaultBodyLimit)
			ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if ct == "multipart/form-data" {
				_ = r.ParseMultipartForm(multipartMemory)
			} else {
				_ = r.ParseForm()
			}
		}
		// For POST the form fields win over the query (r.Form holds both).
		get := func(key string) string {
			if r.Method == http.MethodPost {
				if v := r.PostFormValue(key); v != "" {
					return v
				}
			}
			return r.URL.Query().Get(key)
		}
		in := app.OAuth2Redirect{State: get("state"), Code: get("code"), Error: get("error"), ClientIP: s.clientIP(r)}
		target := oauth2RedirectFailure
		if in.State != "" && s.app.DeliverOAuth2Redirect(in) {
			if user := get("user"); user != "" {
				s.app.NoteOAuth2User(in.Code, user)
			}
			if in.Error == "" && in.Code != "" {
				target = oauth2RedirectSuccess
			}
		} else if in.State == "" {
			s.log.Debug("OAuth2 redirect without state", "requestId", requestID(r.Context()))
		}
		w.Header().Set("Location", target)
		w.WriteHeader(status)
	})
}
