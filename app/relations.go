package app

import (
	"context"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/filter"
	"github.com/plinthdb/plinth/record"
)

// checkRelations adds validation_missing_rel_records for relation values
// whose ids do not exist in the target collection (rules not applied).
func (a *App) checkRelations(ctx context.Context, tx core.Tx, s *core.Schema, rec *core.Record, errs core.FieldErrors) error {
	for _, f := range rec.Collection.Fields {
		if f.Type != core.FieldRelation || errs[f.Name] != nil {
			continue
		}
		ids := rec.Strings(f.Name)
		if len(ids) == 0 {
			continue
		}
		target := s.Find(f.CollectionID)
		if target == nil {
			errs[f.Name] = record.MissingRelCollectionError()
			continue
		}
		text := `"` + core.MainAlias + `"."id" IN (?` + repeat(",?", len(ids)-1) + `)`
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		n, err := tx.Count(ctx, &core.Query{Collection: target, Where: []core.SQL{{Text: text, Args: args}}})
		if err != nil {
			return internal(err)
		}
		if n != len(ids) {
			errs[f.Name] = record.MissingRelRecordsError()
		}
	}
	return nil
}

func repeat(s string, n int) string {
	out := ""
	for i := 0; i < n; i++ {
		out += s
	}
	return out
}

var errRequiredReference = core.Invalid("Failed to delete record. Make sure that the record is not part of a required relation reference.", nil)

// deleteWithRefs deletes rec after removing its id from every relation that
// points to it: referencing records whose relation becomes empty are
// deleted when the field cascades, and block the delete when it is required.
func (a *App) deleteWithRefs(ctx context.Context, tx core.Tx, s *core.Schema, rec *core.Record, seen map[string]bool) error {
	key := rec.Collection.ID + "/" + rec.ID()
	if seen[key] {
		return nil
	}
	seen[key] = true
	for _, rc := range s.Collections {
		if rc.IsView() {
			continue
		}
		for _, f := range rc.Fields {
			if f.Type != core.FieldRelation || f.CollectionID != rec.Collection.ID {
				continue
			}
			refs, err := a.referencing(ctx, tx, s, rc, f, rec.ID())
			if err != nil {
				return err
			}
			// A cascade may change or delete the refs loaded after it (one
			// that also points to the cascaded record), so once one has
			// run the rest are read again rather than written back stale.
			stale := false
			for _, ref := range refs {
				if seen[rc.ID+"/"+ref.ID()] {
					continue
				}
				if stale {
					if ref, err = a.reload(ctx, tx, ref); err != nil {
						return err
					}
					if ref == nil {
						continue
					}
				}
				remaining := without(ref.Strings(f.Name), rec.ID())
				if len(remaining) == 0 && f.CascadeDelete {
					if err := a.deleteWithRefs(ctx, tx, s, ref, seen); err != nil {
						return err
					}
					stale = true
					continue
				}
				if len(remaining) == 0 && f.Required {
					return errRequiredReference
				}
				if f.IsMulti() {
					ref.Values[f.Name] = remaining
				} else {
					ref.Values[f.Name] = ""
				}
				a.touch(ref)
				if err := tx.Update(ctx, ref); err != nil {
					return internal(err)
				}
			}
		}
	}
	if err := tx.Delete(ctx, rec); err != nil {
		return internal(err)
	}
	if err := a.dropRecordFiles(ctx, rec); err != nil {
		return err
	}
	// Cascaded auth records lose their OTPs, MFAs, links and origins too.
	return a.deleteAuthRefs(ctx, tx, s, rec)
}

// reload reads rec again in tx; nil when it no longer exists.
func (a *App) reload(ctx context.Context, tx core.Tx, rec *core.Record) (*core.Record, error) {
	recs, err := tx.Find(ctx, &core.Query{Collection: rec.Collection, Where: []core.SQL{idEquals(rec.ID())}, Limit: 1})
	if err != nil {
		return nil, internal(err)
	}
	if len(recs) == 0 {
		return nil, nil
	}
	return recs[0], nil
}

// touch sets rec's update-time autodate fields to now, as a save does:
// removing a deleted id from a record changes it.
func (a *App) touch(rec *core.Record) {
	now := core.FormatTime(a.Now())
	for _, f := range rec.Collection.Fields {
		if f.Type == core.FieldAutodate && f.OnUpdate {
			rec.Values[f.Name] = now
		}
	}
}

// referencing finds the records of rc whose relation field f holds id.
func (a *App) referencing(ctx context.Context, tx core.Tx, s *core.Schema, rc *core.Collection, f *core.Field, id string) ([]*core.Record, error) {
	expr := f.Name + " = @request.query.id"
	if f.IsMulti() {
		expr = f.Name + ":each ?= @request.query.id"
	}
	comp, err := a.compile(s, rc, expr, filter.RuleKind, true)
	if err != nil {
		return nil, internal(err)
	}
	w, err := comp.Bind(&filter.Request{Now: a.Now(), Query: map[string]string{"id": id}})
	if err != nil {
		return nil, internal(err)
	}
	recs, err := tx.Find(ctx, &core.Query{Collection: rc, Where: []core.SQL{w}})
	if err != nil {
		return nil, internal(err)
	}
	return recs, nil
}

func without(list []string, id string) []string {
	out := make([]string, 0, len(list))
	for _, v := range list {
		if v != id {
			out = append(out, v)
		}
	}
	return out
}

// TruncateCollection deletes every record of c with relation integrity.
func (a *App) TruncateCollection(ctx context.Context, c *core.Collection) error {
	if c.IsView() {
		return core.Invalid("View collections cannot be truncated since they don't store their own records.", nil)
	}
	s, err := a.store.Schema(ctx)
	if err != nil {
		return internal(err)
	}
	err = a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		recs, err := tx.Find(ctx, &core.Query{Collection: c})
		if err != nil {
			return internal(err)
		}
		seen := map[string]bool{}
		for _, r := range recs {
			if err := a.deleteWithRefs(ctx, tx, s, r, seen); err != nil {
				return err
			}
		}
		return nil
	})
	if core.ErrorCode(err) == core.EInvalid {
		return core.Invalid("Failed to truncate collection (most likely due to required cascade delete record references).", nil)
	}
	return err
}
