package app

import (
	"fmt"

	"github.com/plinthdb/plinth/core"
)

// authFormErrors checks the auth-record pseudo fields that PocketBase
// validates before the collection fields (§1.7 two-stage reporting).
func (a *App) authFormErrors(c *core.Collection, old *core.Record, input map[string]any, superuser bool) core.FieldErrors {
	if !c.IsAuth() {
		return nil
	}
	errs := core.FieldErrors{}
	pass, hasPass := input["password"]
	confirm, hasConfirm := input["passwordConfirm"]
	if old == nil || hasPass {
		ps := fmt.Sprint(valueOr(pass, ""))
		if old == nil && ps == "" {
			errs["password"] = core.NewFieldError("validation_required", "Cannot be blank.", nil)
		}
		switch {
		case !hasConfirm || fmt.Sprint(valueOr(confirm, "")) == "":
			if ps != "" {
				errs["passwordConfirm"] = core.NewFieldError("validation_required", "Cannot be blank.", nil)
			}
		case fmt.Sprint(confirm) != ps:
			errs["passwordConfirm"] = core.NewFieldError("validation_values_mismatch", "Values don't match.", nil)
		}
	}
	return errs
}

func valueOr(v, def any) any {
	if v == nil {
		return def
	}
	return v
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
