package api

import (
	"encoding/json"
	"net/http"

	"github.com/plinthdb/plinth/core"
)

// handleDryRunView answers POST /api/collections/meta/dry-run-view (§3.8):
// the fields a view query would give and up to 10 of its rows.
func (s *server) handleDryRunView() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		raw, err := readRawJSON(w, r)
		if err != nil {
			return err
		}
		var body struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			return &core.Error{Code: core.EInvalid, Message: errBadBody.Message, Err: err}
		}
		res, err := s.app.DryRunView(r.Context(), body.Query)
		if err != nil {
			return err
		}
		req := s.request(r)
		sample := make([]map[string]any, len(res.Sample))
		for i, rec := range res.Sample {
			sample[i] = s.app.Serialize(req, rec)
		}
		return s.respond(w, r, http.StatusOK, map[string]any{"fields": res.Fields, "sample": sample})
	})
}
