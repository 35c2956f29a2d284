package app

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"

	"github.com/plinthdb/plinth/auth"
	"github.com/plinthdb/plinth/core"
)

// authForm is what stage one of an auth-record create or update decided
// (§1.7 two-stage reporting: the pseudo fields password, passwordConfirm,
// oldPassword, email and verified are checked before the collection
// fields, and only their errors are reported when they fail).
type authForm struct {
	// manage is true for superusers and requesters that pass the
	// collection's manageRule for the record.
	manage bool
	// verifyAfterInsert: a create asked for verified=true without
	// superuser rights; it is stored false and set once the manageRule
	// is checked against the inserted record.
	verifyAfterInsert bool
}

func errMismatch() *core.FieldError {
	return core.NewFieldError("validation_values_mismatch", "Values don't match.", nil)
}

func errBlank() *core.FieldError {
	return core.NewFieldError("validation_required", "Cannot be blank.", nil)
}

// plainString turns a submitted scalar into text the way record.Apply
// does for password fields, so "12345678" sent as a multipart number
// still compares equal to its confirmation.
func plainString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// checkPasswordConfirm adds passwordConfirm errors for a new password.
func checkPasswordConfirm(errs core.FieldErrors, input map[string]any, plain string) {
	confirm := plainString(input["passwordConfirm"])
	switch {
	case confirm == "":
		errs["passwordConfirm"] = errBlank()
	case confirm != plain:
		errs["passwordConfirm"] = errMismatch()
	}
}

// authFormCreate runs stage one of a create on rec (already carrying the
// applied input).
func (a *App) authFormCreate(c *core.Collection, req *Request, rec *core.Record, input map[string]any) (*authForm, core.FieldErrors) {
	form := &authForm{manage: req.IsSuperuser()}
	if !c.IsAuth() {
		return form, nil
	}
	errs := core.FieldErrors{}
	plain := plainString(input["password"])
	if plain == "" {
		errs["password"] = errBlank()
	} else {
		checkPasswordConfirm(errs, input, plain)
	}
	if verified, _ := rec.Values["verified"].(bool); verified && !form.manage {
		if c.Auth.ManageRule == nil {
			errs["verified"] = errMismatch()
		} else {
			// The create and manage rules see the record unverified (§1.8).
			rec.Values["verified"] = false
			form.verifyAfterInsert = true
		}
	}
	if c.Name == core.SuperusersName {
		rec.Values["verified"] = true // superusers are verified by definition
		form.verifyAfterInsert = false
	}
	return form, errs
}

// authFormAfterInsert completes a create whose verified flag waits for
// the manageRule: rec is inserted, so the rule can see it.
func (a *App) authFormAfterInsert(ctx context.Context, tx core.Tx, s *core.Schema, form *authForm, req *Request, rec *core.Record, body map[string]any) error {
	c := rec.Collection
	if !c.IsAuth() || !form.verifyAfterInsert {
		return nil
	}
	ok, err := a.findOne(ctx, tx, s, c, rec.ID(), c.Auth.ManageRule, req, body)
	if err != nil {
		return err
	}
	if ok == nil {
		return failed("create", core.FieldErrors{"verified": errMismatch()})
	}
	form.manage = true
	rec.Values["verified"] = true
	if err := tx.Update(ctx, rec); err != nil {
		return writeError("create", err)
	}
	return nil
}

// authFormUpdate runs stage one of an update of old into rec.
func (a *App) authFormUpdate(ctx context.Context, tx core.Tx, s *core.Schema, req *Request, old, rec *core.Record, input, body map[string]any) (*authForm, core.FieldErrors, error) {
	c := rec.Collection
	form := &authForm{manage: req.IsSuperuser()}
	if !c.IsAuth() {
		return form, nil, nil
	}
	if c.Name == core.SuperusersName {
		rec.Values["verified"] = true
	}
	plain := plainString(input["password"])
	emailChanged := rec.String("email") != old.String("email")
	verifiedChanged := rec.Values["verified"] != old.Values["verified"]
	if !form.manage && (plain != "" || emailChanged || verifiedChanged) && c.Auth.ManageRule != nil {
		ok, err := a.findOne(ctx, tx, s, c, old.ID(), c.Auth.ManageRule, req, body)
		if err != nil {
			return nil, nil, err
		}
		form.manage = ok != nil
	}
	errs := core.FieldErrors{}
	if plain != "" {
		checkPasswordConfirm(errs, input, plain)
		if !form.manage {
			oldPlain := plainString(input["oldPassword"])
			switch {
			case oldPlain == "":
				errs["oldPassword"] = errBlank()
			case !auth.CheckPassword(old.String("password"), oldPlain):
				errs["oldPassword"] = core.NewFieldError("validation_invalid_old_password", "Missing or invalid old password.", nil)
			}
		}
	}
	if emailChanged && !form.manage {
		errs["email"] = errMismatch()
	}
	if verifiedChanged && !form.manage {
		errs["verified"] = errMismatch()
	}
	return form, errs, nil
}

// rotateTokenKey gives rec a new tokenKey, invalidating its tokens.
func (a *App) rotateTokenKey(rec *core.Record) error {
	key, err := randomString(a.rand, 50)
	if err != nil {
		return err
	}
	rec.Values["tokenKey"] = key
	return nil
}

// manageSet remembers which auth records a request may manage, so that
// Serialize shows their email (§4.3) without a query per record.
type manageSet struct {
	mu  sync.Mutex
	ids map[string]bool
}

func manageKey(rec *core.Record) string { return rec.Collection.ID + "/" + rec.ID() }

func (r *Request) markManaged(rec *core.Record) {
	if r == nil || rec == nil || rec.Collection == nil {
		return
	}
	if r.manage == nil {
		r.manage = &manageSet{}
	}
	r.manage.mu.Lock()
	if r.manage.ids == nil {
		r.manage.ids = map[string]bool{}
	}
	r.manage.ids[manageKey(rec)] = true
	r.manage.mu.Unlock()
}

func (r *Request) manages(rec *core.Record) bool {
	if r == nil || r.manage == nil || rec == nil || rec.Collection == nil {
		return false
	}
	r.manage.mu.Lock()
	defer r.manage.mu.Unlock()
	return r.manage.ids[manageKey(rec)]
}

// noteManaged evaluates c's manageRule for req over recs in one query and
// remembers the records it passes for.
func (a *App) noteManaged(ctx context.Context, tx core.Tx, s *core.Schema, req *Request, c *core.Collection, recs []*core.Record) error {
	if req == nil || req.Auth == nil || req.IsSuperuser() || c == nil || !c.IsAuth() || len(recs) == 0 {
		return nil
	}
	rule := c.Auth.ManageRule
	if rule == nil || *rule == "" {
		return nil
	}
	ids := make([]any, 0, len(recs))
	for _, r := range recs {
		if r.Collection != nil && r.Collection.ID == c.ID {
			ids = append(ids, r.ID())
		}
	}
	if len(ids) == 0 {
		return nil
	}
	w, err := a.ruleSQL(s, c, *rule, req, nil)
	if err != nil {
		return err
	}
	in := core.SQL{Text: `"` + core.MainAlias + `"."id" IN (?` + repeat(",?", len(ids)-1) + `)`, Args: ids}
	found, err := tx.Find(ctx, &core.Query{Collection: c, Where: []core.SQL{in, w}})
	if err != nil {
		return internal(err)
	}
	for _, r := range found {
		req.markManaged(r)
	}
	return nil
}

// LoadManageAccess finds which of recs req may manage, so Serialize shows
// their email. List, view, create and update do it themselves; other
// callers (expand, realtime) call it before serializing.
func (a *App) LoadManageAccess(ctx context.Context, req *Request, recs ...*core.Record) error {
	if req == nil || req.Auth == nil || req.IsSuperuser() {
		return nil
	}
	byCollection := map[*core.Collection][]*core.Record{}
	for _, r := range recs {
		if r != nil && r.Collection != nil && r.Collection.IsAuth() {
			byCollection[r.Collection] = append(byCollection[r.Collection], r)
		}
	}
	if len(byCollection) == 0 {
		return nil
	}
	s, err := a.store.Schema(ctx)
	if err != nil {
		return internal(err)
	}
	return a.store.Read(ctx, func(tx core.Tx) error {
		for c, list := range byCollection {
			if err := a.noteManaged(ctx, tx, s, req, c, list); err != nil {
				return err
			}
		}
		return nil
	})
}

// deleteAuthRefs removes the auth system rows (OTPs, MFA sessions,
// external auths, origins) of a deleted auth record.
func (a *App) deleteAuthRefs(ctx context.Context, tx core.Tx, s *core.Schema, rec *core.Record) error {
	if !rec.Collection.IsAuth() {
		return nil
	}
	for _, c := range s.Collections {
		if !c.System || c.Field("collectionRef") == nil || c.Field("recordRef") == nil {
			continue
		}
		list, err := tx.Find(ctx, &core.Query{Collection: c, Where: refWhere(rec)})
		if err != nil {
			return internal(err)
		}
		for _, r := range list {
			if err := tx.Delete(ctx, r); err != nil {
				return internal(err)
			}
		}
	}
	return nil
}
