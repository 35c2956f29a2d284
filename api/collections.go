package api

import (
	"encoding/json"
	"net/http"

	"github.com/plinthdb/plinth/collection"
	"github.com/plinthdb/plinth/core"
)

func (s *server) handleCollectionsList() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := listParams(r)
		if err != nil {
			return err
		}
		res, err := s.app.ListCollections(r.Context(), p)
		if err != nil {
			return err
		}
		out := &listResponse{Page: res.Page, PerPage: res.PerPage, TotalItems: res.TotalItems,
			TotalPages: res.TotalPages, Items: make([]any, len(res.Items))}
		for i, c := range res.Items {
			out.Items[i] = c
		}
		return s.respond(w, r, http.StatusOK, out)
	})
}

func (s *server) handleCollectionView() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.collection(r)
		if err != nil {
			return err
		}
		return s.respond(w, r, http.StatusOK, c)
	})
}

func (s *server) handleCollectionCreate() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		body, err := readRawJSON(w, r)
		if err != nil {
			return err
		}
		c, err := s.app.CreateCollection(r.Context(), body)
		if err != nil {
			return err
		}
		return s.respond(w, r, http.StatusOK, c)
	})
}

func (s *server) handleCollectionUpdate() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.collection(r)
		if err != nil {
			return err
		}
		body, err := readRawJSON(w, r)
		if err != nil {
			return err
		}
		c, err = s.app.UpdateCollection(r.Context(), c, body)
		if err != nil {
			return err
		}
		return s.respond(w, r, http.StatusOK, c)
	})
}

func (s *server) handleCollectionDelete() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.collection(r)
		if err != nil {
			return err
		}
		if err := s.app.DeleteCollection(r.Context(), c); err != nil {
			return err
		}
		return noContent(w)
	})
}

func (s *server) handleCollectionTruncate() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.collection(r)
		if err != nil {
			return err
		}
		if err := s.app.TruncateCollection(r.Context(), c); err != nil {
			return err
		}
		return noContent(w)
	})
}

func (s *server) handleCollectionsImport() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		raw, err := readRawJSON(w, r)
		if err != nil {
			return err
		}
		var body struct {
			Collections   []json.RawMessage `json:"collections"`
			DeleteMissing bool              `json:"deleteMissing"`
		}
		if err := json.Unmarshal(raw, &body); err != nil {
			return &core.Error{Code: core.EInvalid, Message: errBadBody.Message, Err: err}
		}
		if err := s.app.ImportCollections(r.Context(), body.Collections, body.DeleteMissing); err != nil {
			return err
		}
		return noContent(w)
	})
}

func (s *server) handleScaffolds() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		return s.respond(w, r, http.StatusOK, collection.Scaffolds())
	})
}
