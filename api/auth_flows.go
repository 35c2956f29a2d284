package api

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/core"
)

// authBody is a decoded auth endpoint body. Values are read leniently
// as text, since multipart bodies turn "12345678" into a number.
type authBody map[string]any

func readAuthBody(w http.ResponseWriter, r *http.Request) (authBody, error) {
	raw, err := readRawJSON(w, r)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, &core.Error{Code: core.EInvalid, Message: errBadBody.Message, Err: err}
	}
	return m, nil
}

// str returns key as text ("" for missing, null, lists and objects).
func (b authBody) str(key string) string {
	switch v := b[key].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// completeAuth answers a successful credential check: the auth response,
// or the MFA challenge 401 {"mfaId"} (a non-standard body, §6.5).
func (s *server) completeAuth(w http.ResponseWriter, r *http.Request, req *app.Request, rec *core.Record, method, mfaID string) error {
	return s.completeAuthMeta(w, r, req, rec, method, mfaID, nil)
}

// completeAuthMeta is completeAuth whose response carries meta when it
// is not nil (OAuth2, §6.6).
func (s *server) completeAuthMeta(w http.ResponseWriter, r *http.Request, req *app.Request, rec *core.Record, method, mfaID string, meta map[string]any) error {
	if mfaID == "" {
		mfaID = r.URL.Query().Get("mfaId")
	}
	ip := s.clientIP(r)
	if isSuperuser(rec) {
		// §6.1: the superuser IP whitelist comes before any token.
		st, err := s.app.Settings(r.Context())
		if err != nil {
			return err
		}
		if !st.SuperuserIPAllowed(ip) {
			return errIPNotAllowed
		}
	}
	res, err := s.app.CompleteAuth(r.Context(), req, rec, method, mfaID)
	if err != nil {
		return err
	}
	if res.MFAID != "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		return json.NewEncoder(w).Encode(map[string]string{"mfaId": res.MFAID})
	}
	// A failure to remember the device must not fail the login.
	if err := s.app.NoteAuthOrigin(r.Context(), res.Record, ip, r.UserAgent()); err != nil {
		s.log.Warn("noting the auth origin failed", "requestId", requestID(r.Context()), "error", err)
	}
	req.Auth = res.Record
	if meta != nil {
		return s.authResponseMeta(w, r, req, res.Record, res.Token, meta)
	}
	return s.authResponse(w, r, req, res.Record, res.Token)
}

// requestToken is the raw token of the Authorization header.
func requestToken(r *http.Request) string {
	token := r.Header.Get("Authorization")
	if len(token) > 7 && strings.EqualFold(token[:7], "Bearer ") {
		token = token[7:]
	}
	return token
}

func (s *server) handleAuthMethods() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.authCollection(r)
		if err != nil {
			return err
		}
		m, err := s.app.AuthMethods(r.Context(), c)
		if err != nil {
			return err
		}
		return s.respond(w, r, http.StatusOK, m)
	})
}

func (s *server) handleRequestOTP() http.Handler {
	return s.authHandler(func(w http.ResponseWriter, r *http.Request, c *core.Collection, body authBody) error {
		id, err := s.app.RequestOTP(r.Context(), c, body.str("email"))
		if err != nil {
			return err
		}
		return s.respond(w, r, http.StatusOK, map[string]string{"otpId": id})
	})
}

func (s *server) handleAuthWithOTP() http.Handler {
	return s.authHandler(func(w http.ResponseWriter, r *http.Request, c *core.Collection, body authBody) error {
		rec, err := s.app.AuthWithOTP(r.Context(), c, body.str("otpId"), body.str("password"))
		if err != nil {
			return err
		}
		req := s.request(r)
		req.Context = "otp"
		return s.completeAuth(w, r, req, rec, app.MethodOTP, body.str("mfaId"))
	})
}

// authHandler resolves the auth collection and reads the body of an auth
// endpoint before fn.
func (s *server) authHandler(fn func(w http.ResponseWriter, r *http.Request, c *core.Collection, body authBody) error) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.authCollection(r)
		if err != nil {
			return err
		}
		body, err := readAuthBody(w, r)
		if err != nil {
			return err
		}
		return fn(w, r, c, body)
	})
}

// authAction is a request-*/confirm-* endpoint: a body in, 204 out.
func (s *server) authAction(fn func(r *http.Request, c *core.Collection, body authBody) error) http.Handler {
	return s.authHandler(func(w http.ResponseWriter, r *http.Request, c *core.Collection, body authBody) error {
		if err := fn(r, c, body); err != nil {
			return err
		}
		return noContent(w)
	})
}

func (s *server) handleRequestVerification() http.Handler {
	return s.authAction(func(r *http.Request, c *core.Collection, b authBody) error {
		return s.app.RequestVerification(r.Context(), c, b.str("email"))
	})
}

func (s *server) handleConfirmVerification() http.Handler {
	return s.authAction(func(r *http.Request, c *core.Collection, b authBody) error {
		return s.app.ConfirmVerification(r.Context(), c, b.str("token"))
	})
}

func (s *server) handleRequestPasswordReset() http.Handler {
	return s.authAction(func(r *http.Request, c *core.Collection, b authBody) error {
		return s.app.RequestPasswordReset(r.Context(), c, b.str("email"))
	})
}

func (s *server) handleConfirmPasswordReset() http.Handler {
	return s.authAction(func(r *http.Request, c *core.Collection, b authBody) error {
		return s.app.ConfirmPasswordReset(r.Context(), c, b.str("token"), b.str("password"), b.str("passwordConfirm"))
	})
}

func (s *server) handleRequestEmailChange() http.Handler {
	return s.authAction(func(r *http.Request, c *core.Collection, b authBody) error {
		return s.app.RequestEmailChange(r.Context(), s.request(r), c, b.str("newEmail"))
	})
}

func (s *server) handleConfirmEmailChange() http.Handler {
	return s.authAction(func(r *http.Request, c *core.Collection, b authBody) error {
		return s.app.ConfirmEmailChange(r.Context(), c, b.str("token"), b.str("password"))
	})
}

func (s *server) handleImpersonate() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		req := s.request(r)
		switch {
		case req.Auth == nil:
			return errAuthRequired
		case !req.IsSuperuser():
			return errNotSuperuser
		}
		c, err := s.authCollection(r)
		if err != nil {
			return err
		}
		body, err := readAuthBody(w, r)
		if err != nil {
			return err
		}
		var duration int64
		switch v := body["duration"].(type) {
		case nil:
		case float64:
			if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
				return errBadBody
			}
			duration = int64(v)
		default:
			return errBadBody
		}
		res, err := s.app.Impersonate(r.Context(), req, c, r.PathValue("id"), duration)
		if err != nil {
			return err
		}
		return s.authResponse(w, r, req, res.Record, res.Token)
	})
}

func (s *server) handleFileToken() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		rec := authRecord(r.Context())
		if rec == nil {
			return errAuthRequired
		}
		token, err := s.app.FileToken(rec)
		if err != nil {
			return err
		}
		return s.respond(w, r, http.StatusOK, map[string]string{"token": token})
	})
}
