package app

import (
	"context"
	"fmt"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/filter"
)

// superusers returns the _superusers collection.
func (a *App) superusers(ctx context.Context) (*core.Collection, *core.Schema, error) {
	s, err := a.store.Schema(ctx)
	if err != nil {
		return nil, nil, err
	}
	c := s.Find(core.SuperusersName)
	if c == nil {
		return nil, nil, fmt.Errorf("the %s collection is missing", core.SuperusersName)
	}
	return c, s, nil
}

func (a *App) superuserByEmail(ctx context.Context, tx core.Tx, s *core.Schema, c *core.Collection, email string) (*core.Record, error) {
	comp, err := a.compile(s, c, "email = @request.query.email", filter.RuleKind, true)
	if err != nil {
		return nil, err
	}
	w, err := comp.Bind(&filter.Request{Now: a.Now(), Query: map[string]string{"email": email}})
	if err != nil {
		return nil, err
	}
	recs, err := tx.Find(ctx, &core.Query{Collection: c, Where: []core.SQL{w}, Limit: 1})
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	return recs[0], nil
}

// HasSuperusers reports whether at least one superuser exists.
func (a *App) HasSuperusers(ctx context.Context) (bool, error) {
	c, _, err := a.superusers(ctx)
	if err != nil {
		return false, err
	}
	var n int
	err = a.store.Read(ctx, func(tx core.Tx) error {
		n, err = tx.Count(ctx, &core.Query{Collection: c})
		return err
	})
	return n > 0, err
}

// superuserRequest acts as a superuser for CLI operations.
func (a *App) superuserRequest(c *core.Collection) *Request {
	return &Request{Auth: &core.Record{Collection: c, Values: map[string]any{"id": ""}}, Context: "default"}
}

// UpsertSuperuser creates a superuser or sets an existing one's password.
func (a *App) UpsertSuperuser(ctx context.Context, email, password string) error {
	return a.saveSuperuser(ctx, email, password, true, true)
}

// CreateSuperuser creates a superuser; an existing email is an error.
func (a *App) CreateSuperuser(ctx context.Context, email, password string) error {
	return a.saveSuperuser(ctx, email, password, true, false)
}

func (a *App) saveSuperuser(ctx context.Context, email, password string, create, update bool) error {
	c, s, err := a.superusers(ctx)
	if err != nil {
		return err
	}
	req := a.superuserRequest(c)
	return a.store.Write(ctx, func(tx core.Tx) error {
		existing, err := a.superuserByEmail(ctx, tx, s, c, email)
		if err != nil {
			return err
		}
		input := map[string]any{"email": email, "password": password, "passwordConfirm": password}
		if existing != nil {
			if !update {
				return core.Invalid("A superuser with this email already exists.", nil)
			}
			_, err = a.UpdateRecordTx(ctx, tx, req, c, existing.ID(), input)
			return err
		}
		if !create {
			return core.Errorf(core.ENotFound, "Missing superuser %s.", email)
		}
		input["verified"] = true
		_, err = a.CreateRecordTx(ctx, tx, req, c, input)
		return err
	})
}

// UpdateSuperuserPassword changes an existing superuser's password.
func (a *App) UpdateSuperuserPassword(ctx context.Context, email, password string) error {
	return a.saveSuperuser(ctx, email, password, false, true)
}

// DeleteSuperuser removes the superuser with email.
func (a *App) DeleteSuperuser(ctx context.Context, email string) error {
	c, s, err := a.superusers(ctx)
	if err != nil {
		return err
	}
	return a.store.Write(ctx, func(tx core.Tx) error {
		existing, err := a.superuserByEmail(ctx, tx, s, c, email)
		if err != nil {
			return err
		}
		if existing == nil {
			return core.Errorf(core.ENotFound, "Missing superuser %s.", email)
		}
		return a.deleteWithRefs(ctx, tx, s, existing, map[string]bool{})
	})
}
