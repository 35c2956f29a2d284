package api

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/record"
)

// listResponse is the paginated shape of §4.1.
type listResponse struct {
	Page       int   `json:"page"`
	PerPage    int   `json:"perPage"`
	TotalItems int   `json:"totalItems"`
	TotalPages int   `json:"totalPages"`
	Items      []any `json:"items"`
}

// respond writes v as JSON, honouring the ?fields= picker (§1.4).
func (s *server) respond(w http.ResponseWriter, r *http.Request, status int, v any) error {
	if fields := r.URL.Query().Get("fields"); fields != "" {
		picked, err := pick(v, fields)
		if err != nil {
			return &core.Error{Code: core.EInvalid, Message: genericMessage, Err: err}
		}
		v = picked
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// pick applies the fields picker to v, item-wise for lists.
func pick(v any, fields string) (any, error) {
	if l, ok := v.(*listResponse); ok {
		items, err := roundTrip(l.Items)
		if err != nil {
			return nil, err
		}
		picked, err := record.PickList(items.([]any), fields)
		if err != nil {
			return nil, err
		}
		out := *l
		out.Items = picked
		return &out, nil
	}
	plain, err := roundTrip(v)
	if err != nil {
		return nil, err
	}
	return record.Pick(plain, fields)
}

// roundTrip turns v into plain JSON values (maps, slices, scalars).
func roundTrip(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}

func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}
