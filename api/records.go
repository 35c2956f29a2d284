package api

import (
	"net/http"
	"strconv"

	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/core"
)

var errBadQuery = core.Errorf(core.EInvalid, genericMessage)

// listParams parses page, perPage, sort, filter and skipTotal (§4.1).
func listParams(r *http.Request) (app.ListParams, error) {
	q := r.URL.Query()
	p := app.ListParams{Sort: q.Get("sort"), Filter: q.Get("filter")}
	var err error
	if v := q.Get("page"); v != "" {
		if p.Page, err = strconv.Atoi(v); err != nil {
			return p, errBadQuery
		}
	}
	if v := q.Get("perPage"); v != "" {
		if p.PerPage, err = strconv.Atoi(v); err != nil {
			return p, errBadQuery
		}
	}
	if v := q.Get("skipTotal"); v != "" {
		if p.SkipTotal, err = strconv.ParseBool(v); err != nil {
			return p, errBadQuery
		}
	}
	return p, nil
}

// serialize renders one record for the caller, with its expand (§4.4).
func (s *server) serialize(r *http.Request, req *app.Request, rec *core.Record) map[string]any {
	return s.serializeAll(r, req, []*core.Record{rec})[0]
}

// serializeAll renders records for the caller and expands their relations
// all at once: the expand parameter is parsed once per request, and each
// level of it costs one query per collection whatever the page size. A
// failed expand is logged, not returned, as in PocketBase.
func (s *server) serializeAll(r *http.Request, req *app.Request, recs []*core.Record) []map[string]any {
	out, err := s.app.SerializeRecords(r.Context(), req, recs, app.ParseExpand(r.URL.Query().Get("expand")))
	if err != nil {
		s.log.Warn("expand failed", "error", err, "expand", r.URL.Query().Get("expand"))
	}
	return out
}

func (s *server) collection(r *http.Request) (*core.Collection, error) {
	return s.app.Collection(r.Context(), r.PathValue("collection"))
}

func (s *server) handleRecordsList() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.collection(r)
		if err != nil {
			return err
		}
		p, err := listParams(r)
		if err != nil {
			return err
		}
		req := s.request(r)
		res, err := s.app.ListRecords(r.Context(), req, c, p)
		if err != nil {
			return err
		}
		out := &listResponse{Page: res.Page, PerPage: res.PerPage, TotalItems: res.TotalItems,
			TotalPages: res.TotalPages, Items: make([]any, len(res.Items))}
		for i, m := range s.serializeAll(r, req, res.Items) {
			out.Items[i] = m
		}
		return s.respond(w, r, http.StatusOK, out)
	})
}

func (s *server) handleRecordView() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.collection(r)
		if err != nil {
			return err
		}
		req := s.request(r)
		rec, err := s.app.ViewRecord(r.Context(), req, c, r.PathValue("id"))
		if err != nil {
			return err
		}
		return s.respond(w, r, http.StatusOK, s.serialize(r, req, rec))
	})
}

// writeCollection resolves the collection of a create/update, with the
// message PocketBase's body-limit middleware gives for a missing one.
func (s *server) writeCollection(r *http.Request) (*core.Collection, error) {
	c, err := s.collection(r)
	if err != nil {
		return nil, core.Errorf(core.ENotFound, "Missing or invalid collection context.")
	}
	return c, nil
}

// recordBodyLimit is §1.9's per-collection limit for create/update.
func recordBodyLimit(c *core.Collection) int64 {
	limit := int64(defaultBodyLimit)
	if c.IsView() {
		return limit
	}
	for _, f := range c.Fields {
		switch f.Type {
		case core.FieldFile:
			size := f.MaxSize
			if size <= 0 {
				size = 5 << 20
			}
			limit += size * int64(max(f.MaxSelect, 1))
		case core.FieldEditor:
			limit += orDefault(f.MaxSize, 5<<20)
		case core.FieldJSON:
			limit += orDefault(f.MaxSize, 1<<20)
		}
	}
	return limit
}

func orDefault(v, def int64) int64 {
	if v <= 0 {
		return def
	}
	return v
}

// recordWrite is the shape of create and update: resolve the collection,
// read the body within the collection's limit, save, answer the record.
func (s *server) recordWrite(save func(r *http.Request, req *app.Request, c *core.Collection, body map[string]any) (*core.Record, error)) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.writeCollection(r)
		if err != nil {
			return err
		}
		body, err := readRecordBody(w, r, recordBodyLimit(c))
		if err != nil {
			return err
		}
		req := s.request(r)
		rec, err := save(r, req, c, body)
		if err != nil {
			return err
		}
		return s.respond(w, r, http.StatusOK, s.serialize(r, req, rec))
	})
}

func (s *server) handleRecordCreate() http.Handler {
	return s.recordWrite(func(r *http.Request, req *app.Request, c *core.Collection, body map[string]any) (*core.Record, error) {
		return s.app.CreateRecord(r.Context(), req, c, body)
	})
}

func (s *server) handleRecordUpdate() http.Handler {
	return s.recordWrite(func(r *http.Request, req *app.Request, c *core.Collection, body map[string]any) (*core.Record, error) {
		return s.app.UpdateRecord(r.Context(), req, c, r.PathValue("id"), body)
	})
}

func (s *server) handleRecordDelete() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.collection(r)
		if err != nil {
			return err
		}
		if err := s.app.DeleteRecord(r.Context(), s.request(r), c, r.PathValue("id")); err != nil {
			return err
		}
		return noContent(w)
	})
}
