package app

import (
	"context"
	"io"

	"github.com/plinthdb/plinth/auth"
	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/record"
)

const alphanumeric = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomString returns n characters of [a-zA-Z0-9] from r, without modulo bias.
func randomString(r io.Reader, n int) (string, error) {
	out := make([]byte, 0, n)
	buf := make([]byte, n*2)
	for len(out) < n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		for _, b := range buf {
			if int(b) < 256-256%len(alphanumeric) && len(out) < n {
				out = append(out, alphanumeric[int(b)%len(alphanumeric)])
			}
		}
	}
	return string(out), nil
}

var errAuthFailed = core.Invalid("Failed to authenticate.", nil)

// AuthWithPassword checks identity and password against c's identity
// fields (§6.3) and returns the authenticated record.
func (a *App) AuthWithPassword(ctx context.Context, c *core.Collection, identity, password, identityField string) (*core.Record, error) {
	if !c.IsAuth() {
		return nil, core.Errorf(core.ENotFound, "Missing or invalid auth collection context.")
	}
	if !c.Auth.PasswordAuth.Enabled {
		return nil, core.Errorf(core.EForbidden, "The collection is not configured to allow password authentication.")
	}
	errs := core.FieldErrors{}
	if identity == "" {
		errs["identity"] = core.NewFieldError("validation_required", "Cannot be blank.", nil)
	} else if len(identity) > 255 {
		errs["identity"] = core.NewFieldError("validation_length_out_of_range", "The length must be between 1 and 255.", map[string]any{"min": 1, "max": 255})
	}
	if password == "" {
		errs["password"] = core.NewFieldError("validation_required", "Cannot be blank.", nil)
	} else if len(password) > 255 {
		errs["password"] = core.NewFieldError("validation_length_out_of_range", "The length must be between 1 and 255.", map[string]any{"min": 1, "max": 255})
	}
	fields := c.Auth.PasswordAuth.IdentityFields
	if identityField != "" {
		found := false
		for _, f := range fields {
			found = found || f == identityField
		}
		if !found {
			errs["identityField"] = core.NewFieldError("validation_in_invalid", "Must be a valid value.", nil)
		}
		fields = []string{identityField}
	}
	if len(errs) > 0 {
		return nil, core.Invalid("An error occurred while validating the submitted data.", errs.Map())
	}
	s, err := a.store.Schema(ctx)
	if err != nil {
		return nil, internal(err)
	}
	for _, name := range identityOrder(fields, identity) {
		if c.Field(name) == nil {
			continue
		}
		var rec *core.Record
		err = a.store.Read(ctx, func(tx core.Tx) error {
			rec, err = a.recordByField(ctx, tx, s, c, name, identity)
			return err
		})
		if err != nil {
			return nil, err
		}
		if rec != nil {
			if !auth.CheckPassword(rec.String("password"), password) {
				return nil, errAuthFailed
			}
			return rec, nil
		}
	}
	// Spend the time of a hash check so unknown identities are not faster.
	auth.CheckPassword(dummyHash, password)
	return nil, errAuthFailed
}

// identityOrder is the order identity fields are tried in (§6.3): email
// first when the identity looks like an address, and never for one that
// does not; then the others as configured.
func identityOrder(fields []string, identity string) []string {
	out := make([]string, 0, len(fields))
	isEmail := validEmail(identity)
	for _, f := range fields {
		if f == "email" && isEmail {
			out = append(out, f)
		}
	}
	for _, f := range fields {
		if f != "email" {
			out = append(out, f)
		}
	}
	return out
}

// dummyHash is a hash of nothing anyone knows, checked against when the
// identity is unknown.
var dummyHash, _ = auth.HashPassword("plinth-unknown-identity")

// CheckAuthRule enforces the collection's authRule before a token is issued.
func (a *App) CheckAuthRule(ctx context.Context, req *Request, rec *core.Record) error {
	c := rec.Collection
	rule := c.Auth.AuthRule
	if req.IsSuperuser() {
		return nil
	}
	deny := core.Errorf(core.EForbidden, "The request doesn't satisfy the collection requirements to authenticate.")
	if rule == nil {
		return deny
	}
	if *rule == "" {
		return nil
	}
	s, err := a.store.Schema(ctx)
	if err != nil {
		return internal(err)
	}
	var found *core.Record
	err = a.store.Read(ctx, func(tx core.Tx) error {
		found, err = a.findOne(ctx, tx, s, c, rec.ID(), rule, &Request{Auth: rec, Method: req.Method, Context: req.Context, Headers: req.Headers, Query: req.Query}, nil)
		return err
	})
	if err != nil {
		return err
	}
	if found == nil {
		return deny
	}
	return nil
}

// Serialize renders rec for req per §4.3.
func (a *App) Serialize(req *Request, rec *core.Record) map[string]any {
	su := req.IsSuperuser()
	own := req != nil && req.Auth != nil && req.Auth.Collection.ID == rec.Collection.ID && req.Auth.ID() == rec.ID()
	return record.Serialize(rec, record.SerializeOptions{Superuser: su, ShowEmail: su || own || req.manages(rec)})
}
