package app

import (
	"context"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/filter"
)

// collectionsTable describes the _collections system table to the filter
// compiler, so the collections list accepts the filter and sort of the
// records list over id, created, updated, name, system and type (§3.1).
var collectionsTable = &core.Collection{
	ID: "_collections", Name: "_collections", Type: core.TypeBase, System: true,
	Fields: []*core.Field{
		{Name: "id", Type: core.FieldText, PrimaryKey: true},
		{Name: "name", Type: core.FieldText},
		{Name: "type", Type: core.FieldText},
		{Name: "system", Type: core.FieldBool},
		{Name: "created", Type: core.FieldDate},
		{Name: "updated", Type: core.FieldDate},
	},
}

// CollectionList is one page of collections.
type CollectionList struct {
	Page, PerPage, TotalItems, TotalPages int
	Items                                 []*core.Collection
}

// ListCollections answers GET /api/collections (superusers only).
func (a *App) ListCollections(ctx context.Context, p ListParams) (*CollectionList, error) {
	p.clamp()
	s, err := a.store.Schema(ctx)
	if err != nil {
		return nil, internal(err)
	}
	opts := filter.Options{Dialect: a.store.Dialect(), Collection: collectionsTable, Schema: s, Kind: filter.FilterKind, Superuser: true}
	q := &core.Query{Collection: collectionsTable, Limit: p.PerPage, Offset: (p.Page - 1) * p.PerPage}
	if p.Filter != "" {
		comp, err := a.filters.Compile(p.Filter, opts)
		if err != nil {
			return nil, clientFilterError(err)
		}
		w, err := comp.Bind(&filter.Request{Now: a.Now()})
		if err != nil {
			return nil, clientFilterError(err)
		}
		q.Where = append(q.Where, w)
	}
	if p.Sort != "" {
		if q.OrderBy, err = a.filters.CompileSort(p.Sort, opts); err != nil {
			return nil, clientFilterError(err)
		}
	}
	out := &CollectionList{Page: p.Page, PerPage: p.PerPage, TotalItems: -1, TotalPages: -1}
	err = a.store.Read(ctx, func(tx core.Tx) error {
		rows, err := tx.Find(ctx, q)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if c := s.Find(r.ID()); c != nil {
				out.Items = append(out.Items, c)
			}
		}
		if p.SkipTotal {
			return nil
		}
		n, err := tx.Count(ctx, &core.Query{Collection: collectionsTable, Where: q.Where})
		out.TotalItems, out.TotalPages = n, (n+p.PerPage-1)/p.PerPage
		return err
	})
	if err != nil {
		return nil, internal(err)
	}
	if out.Items == nil {
		out.Items = []*core.Collection{}
	}
	return out, nil
}
