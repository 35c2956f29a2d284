package api

import (
	"encoding/json"
	"net/http"

	"github.com/plinthdb/plinth/core"
)

// errSettingsBody is PocketBase's message for a body that does not bind.
var errSettingsBody = core.Errorf(core.EInvalid, "An error occurred while loading the submitted data.")

// decodeInto reads the JSON (or multipart @jsonPayload) body into v.
func decodeInto(w http.ResponseWriter, r *http.Request, v any) error {
	raw, err := readRawJSON(w, r)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return &core.Error{Code: core.EInvalid, Message: errSettingsBody.Message, Err: err}
	}
	return nil
}

func (s *server) handleSettingsView() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		st, err := s.app.Settings(r.Context())
		if err != nil {
			return err
		}
		return s.respond(w, r, http.StatusOK, st.Redacted())
	})
}

func (s *server) handleSettingsUpdate() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		var patch map[string]any
		if err := decodeInto(w, r, &patch); err != nil {
			return err
		}
		st, err := s.app.UpdateSettings(r.Context(), patch)
		if err != nil {
			return err
		}
		return s.respond(w, r, http.StatusOK, st.Redacted())
	})
}

func (s *server) handleSettingsTestS3() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		var body struct {
			Filesystem string `json:"filesystem"`
		}
		if err := decodeInto(w, r, &body); err != nil {
			return err
		}
		if err := s.app.TestS3(r.Context(), body.Filesystem); err != nil {
			return err
		}
		return noContent(w)
	})
}

func (s *server) handleSettingsTestEmail() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		var body struct {
			Email      string `json:"email"`
			Template   string `json:"template"`
			Collection string `json:"collection"`
		}
		if err := decodeInto(w, r, &body); err != nil {
			return err
		}
		if err := s.app.SendTestEmail(r.Context(), body.Email, body.Template, body.Collection); err != nil {
			return err
		}
		return noContent(w)
	})
}
