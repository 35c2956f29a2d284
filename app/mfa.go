package app

import (
	"context"

	"github.com/plinthdb/plinth/collection"
	"github.com/plinthdb/plinth/core"
)

var (
	errMFAExpired     = core.Invalid("Invalid or expired MFA session.", nil)
	errMFAOtherRecord = core.Invalid("Invalid MFA session.", nil)
	errMFASameMethod  = core.Invalid("A different authentication method is required.", nil)
)

// mfaRequired reports whether rec must pass a second method (§6.5): MFA
// is on for its collection and mfa.rule, when set, matches it (evaluated
// with the record as @request.auth).
func (a *App) mfaRequired(ctx context.Context, req *Request, rec *core.Record) (bool, error) {
	o := rec.Collection.Auth
	if !o.MFA.Enabled {
		return false, nil
	}
	if o.MFA.Rule == "" {
		return true, nil
	}
	s, err := a.store.Schema(ctx)
	if err != nil {
		return false, internal(err)
	}
	as := &Request{Auth: rec}
	if req != nil {
		as.Method, as.Context, as.Headers, as.Query = req.Method, req.Context, req.Headers, req.Query
	}
	rule := o.MFA.Rule
	var found *core.Record
	err = a.store.Read(ctx, func(tx core.Tx) error {
		found, err = a.findOne(ctx, tx, s, rec.Collection, rec.ID(), &rule, as, nil)
		return err
	})
	return found != nil, err
}

// startMFA records the first factor of rec's login and returns the MFA
// session id.
func (a *App) startMFA(ctx context.Context, rec *core.Record, method string) (string, error) {
	_, mfas, sys, err := a.systemAccess(ctx, collection.MFAsID)
	if err != nil {
		return "", err
	}
	var id string
	err = a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		// Expired sessions of the record are of no use to anyone.
		list, err := tx.Find(ctx, &core.Query{Collection: mfas, Where: refWhere(rec)})
		if err != nil {
			return internal(err)
		}
		for _, m := range list {
			if a.expired(m.String("created"), rec.Collection.Auth.MFA.Duration) {
				if err := tx.Delete(ctx, m); err != nil {
					return internal(err)
				}
			}
		}
		m, err := a.CreateRecordTx(ctx, tx, sys, mfas, map[string]any{
			"collectionRef": rec.Collection.ID, "recordRef": rec.ID(), "method": method,
		})
		if err != nil {
			return err
		}
		id = m.ID()
		return nil
	})
	return id, err
}

// finishMFA checks that mfaID is rec's live MFA session started by
// another method, and uses it up.
func (a *App) finishMFA(ctx context.Context, rec *core.Record, method, mfaID string) error {
	s, mfas, sys, err := a.systemAccess(ctx, collection.MFAsID)
	if err != nil {
		return err
	}
	return a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		m, err := a.findOne(ctx, tx, s, mfas, mfaID, nil, sys, nil)
		if err != nil {
			return err
		}
		if m == nil || a.expired(m.String("created"), rec.Collection.Auth.MFA.Duration) {
			return errMFAExpired
		}
		if m.String("collectionRef") != rec.Collection.ID || m.String("recordRef") != rec.ID() {
			return errMFAOtherRecord
		}
		if m.String("method") == method {
			return errMFASameMethod
		}
		return tx.Delete(ctx, m)
	})
}
