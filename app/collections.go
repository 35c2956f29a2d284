package app

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/plinthdb/plinth/collection"
	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/filter"
	"github.com/plinthdb/plinth/record"
)

// validateCollection runs the collection rules of §2.8, compiling every
// rule with the would-be schema so rules may reference the collection itself.
func (a *App) validateCollection(c, old *core.Collection, s *core.Schema) error {
	cols := make([]*core.Collection, 0, len(s.Collections)+1)
	for _, x := range s.Collections {
		if old == nil || x.ID != old.ID {
			cols = append(cols, x)
		}
	}
	cols = append(cols, c)
	next := core.NewSchema(s.Version, cols)
	return collection.Validate(c, old, next, collection.ValidateOptions{
		CheckAutogenerate: record.ValidateAutogeneratePattern,
		CheckRule: func(rule string, rc *core.Collection) error {
			_, err := filter.Compile(rule, filter.Options{
				Dialect: a.store.Dialect(), Collection: rc, Schema: next, Kind: filter.RuleKind, Superuser: true,
			})
			return err
		},
	})
}

// collectionError wraps validation errors in the action's 400.
func collectionError(action string, err error) error {
	if e := dependentViewError(action, err); e != nil {
		return e
	}
	var fe core.FieldErrors
	if errors.As(err, &fe) {
		return core.Invalid("Failed to "+action+" collection.", fe.Map())
	}
	var ce *core.Error
	if errors.As(err, &ce) {
		return err
	}
	return &core.Error{Code: core.EInvalid, Message: "Failed to " + action + " collection. Raw error: \n" + err.Error(), Err: err}
}

// decodeCollectionBody checks the body is an object and loads its type and
// name for the scaffold.
func decodeCollectionBody(body []byte) (typ, name string, err error) {
	var head struct {
		Type string `json:"type"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return "", "", core.Errorf(core.EInvalid, "Failed to load the submitted data due to invalid formatting.")
	}
	if head.Type == "" {
		head.Type = core.TypeBase
	}
	return head.Type, head.Name, nil
}

// CreateCollection creates a collection from a JSON body (§3.3).
func (a *App) CreateCollection(ctx context.Context, body []byte) (*core.Collection, error) {
	typ, name, err := decodeCollectionBody(body)
	if err != nil {
		return nil, err
	}
	c := collection.New(typ, name)
	if err := json.Unmarshal(body, c); err != nil {
		return nil, &core.Error{Code: core.EInvalid, Message: "Failed to load the submitted data due to invalid formatting.", Err: err}
	}
	var out *core.Collection
	err = a.store.Write(ctx, func(tx core.Tx) error {
		out, err = a.createCollectionTx(ctx, tx, c)
		return err
	})
	return out, err
}

func (a *App) createCollectionTx(ctx context.Context, tx core.Tx, c *core.Collection) (*core.Collection, error) {
	existing, err := tx.Collections(ctx)
	if err != nil {
		return nil, internal(err)
	}
	s := core.NewSchema(0, existing)
	collection.Normalize(c, func(id string) bool { return s.Find(id) != nil })
	if err := collection.EnsureSecrets(c, a.rand); err != nil {
		return nil, internal(err)
	}
	if err := a.validateCollectionTx(ctx, tx, c, nil, s); err != nil {
		return nil, collectionError("create", err)
	}
	now := core.FormatTime(a.Now())
	c.Created, c.Updated = now, now
	if err := tx.SaveCollection(ctx, nil, c); err != nil {
		return nil, collectionError("create", err)
	}
	return c, nil
}

// UpdateCollection applies a partial JSON body to c (§3.4).
func (a *App) UpdateCollection(ctx context.Context, stored *core.Collection, body []byte) (*core.Collection, error) {
	var out *core.Collection
	err := a.store.Write(ctx, func(tx core.Tx) error {
		existing, err := tx.Collections(ctx)
		if err != nil {
			return internal(err)
		}
		s := core.NewSchema(0, existing)
		old := s.Find(stored.ID)
		if old == nil {
			return core.Errorf(core.ENotFound, "Missing collection context.")
		}
		c, err := collection.ApplyUpdate(old, body)
		if err != nil {
			return collectionError("update", err)
		}
		out, err = a.updateCollectionTx(ctx, tx, s, old, c)
		return err
	})
	return out, err
}

func (a *App) updateCollectionTx(ctx context.Context, tx core.Tx, s *core.Schema, old, c *core.Collection) (*core.Collection, error) {
	collection.Normalize(c, func(id string) bool { return s.Find(id) != nil && id != old.ID })
	if err := collection.EnsureSecrets(c, a.rand); err != nil {
		return nil, internal(err)
	}
	if err := a.validateCollectionTx(ctx, tx, c, old, s); err != nil {
		return nil, collectionError("update", err)
	}
	c.Created = old.Created
	c.Updated = core.FormatTime(a.Now())
	if err := tx.SaveCollection(ctx, old, c); err != nil {
		return nil, collectionError("update", err)
	}
	if err := a.refreshViews(ctx, tx, c.ID); err != nil {
		return nil, collectionError("update", err)
	}
	return c, nil
}

// DeleteCollection drops c (§3.5).
func (a *App) DeleteCollection(ctx context.Context, c *core.Collection) error {
	if c.System {
		return core.Invalid("Failed to delete collection.", nil)
	}
	return a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		existing, err := tx.Collections(ctx)
		if err != nil {
			return internal(err)
		}
		if refs := referencedBy(existing, c); len(refs) > 0 {
			return core.Invalid("Failed to delete collection probably due to existing reference in "+strings.Join(refs, ", ")+".", nil)
		}
		if err := tx.DeleteCollection(ctx, c); err != nil {
			return collectionError("delete", err)
		}
		if err := a.refreshViews(ctx, tx, ""); err != nil {
			return collectionError("delete", err)
		}
		return a.dropCollectionFiles(ctx, c)
	})
}

// referencedBy names the other collections with a relation to c.
func referencedBy(cols []*core.Collection, c *core.Collection) []string {
	var names []string
	for _, x := range cols {
		if x.ID == c.ID {
			continue
		}
		for _, f := range x.Fields {
			if f.Type == core.FieldRelation && f.CollectionID == c.ID {
				names = append(names, x.Name)
				break
			}
		}
	}
	return names
}

// ImportCollections implements §3.7 in one transaction.
func (a *App) ImportCollections(ctx context.Context, items []json.RawMessage, deleteMissing bool) error {
	importErr := func(msg string) error {
		return core.Invalid("Failed to import collections.", map[string]any{
			"collections": core.NewFieldError("validation_collections_import_failure", msg, nil),
		})
	}
	if len(items) == 0 {
		return core.Invalid("Failed to import collections.", map[string]any{
			"collections": core.NewFieldError("validation_required", "Cannot be blank.", nil),
		})
	}
	return a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		existing, err := tx.Collections(ctx)
		if err != nil {
			return internal(err)
		}
		changes, deletes, err := collection.Import(existing, items, deleteMissing)
		if err != nil {
			return importErr(err.Error())
		}
		deletes, viewsCreated, err := a.importViewsFirst(ctx, tx, changes, deletes)
		if err != nil {
			return importErr(err.Error())
		}
		if existing, err = tx.Collections(ctx); err != nil {
			return internal(err)
		}
		s := core.NewSchema(0, existing)
		for _, ch := range changes {
			if ch.Old == nil {
				_, err = a.createCollectionTx(ctx, tx, ch.New)
			} else {
				_, err = a.updateCollectionTx(ctx, tx, s, ch.Old, ch.New)
			}
			if err != nil {
				return importErr(importMessage(ch.New, err))
			}
			if existing, err = tx.Collections(ctx); err != nil {
				return internal(err)
			}
			s = core.NewSchema(0, existing)
		}
		if err := a.keepViewsCreated(ctx, tx, s, viewsCreated); err != nil {
			return internal(err)
		}
		// Delete views first: they may depend on tables.
		sort.SliceStable(deletes, func(i, j int) bool { return deletes[i].IsView() && !deletes[j].IsView() })
		for _, d := range deletes {
			if err := tx.DeleteCollection(ctx, d); err != nil {
				return importErr("Failed to delete collection " + d.Name + ": " + err.Error())
			}
			if err := a.dropCollectionFiles(ctx, d); err != nil {
				return err
			}
		}
		if len(deletes) > 0 {
			if err := a.refreshViews(ctx, tx, ""); err != nil {
				return importErr(err.Error())
			}
		}
		return nil
	})
}

func importMessage(c *core.Collection, err error) string {
	var ce *core.Error
	if errors.As(err, &ce) && len(ce.Data) > 0 {
		b, _ := json.Marshal(ce.Data)
		return "Failed to import collection " + c.Name + ": " + string(b) + "."
	}
	return "Failed to import collection " + c.Name + ": " + err.Error()
}
