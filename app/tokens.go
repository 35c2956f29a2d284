package app

import (
	"context"
	"errors"
	"time"

	"github.com/plinthdb/plinth/auth"
	"github.com/plinthdb/plinth/core"
)

// tokenConfig returns the lifetime and secret of token type typ in c.
func tokenConfig(c *core.Collection, typ string) *core.TokenConfig {
	if c == nil || c.Auth == nil {
		return nil
	}
	switch typ {
	case auth.TypeAuth:
		return &c.Auth.AuthToken
	case auth.TypeFile:
		return &c.Auth.FileToken
	case auth.TypeVerification:
		return &c.Auth.VerificationToken
	case auth.TypePasswordReset:
		return &c.Auth.PasswordResetToken
	case auth.TypeEmailChange:
		return &c.Auth.EmailChangeToken
	}
	return nil
}

// errNoSigningKey stops a token from being signed or accepted with a key
// an attacker could know: a record without tokenKey or a collection
// without the type's secret.
var errNoSigningKey = errors.New("token signing key is incomplete")

// tokenKey is the HMAC key of rec's tokens of type typ: the record's
// tokenKey (rotated on password/email change) plus the collection's
// secret of that type (rotated to revoke the type collection-wide).
func tokenKey(rec *core.Record, typ string) (string, error) {
	cfg := tokenConfig(rec.Collection, typ)
	key := rec.String("tokenKey")
	if cfg == nil || cfg.Secret == "" || key == "" {
		return "", errNoSigningKey
	}
	return key + cfg.Secret, nil
}

// signToken issues a token of type typ for rec that lives duration
// seconds (the collection's duration for the type when <= 0); fill sets
// the type-specific claims.
func (a *App) signToken(rec *core.Record, typ string, duration int64, fill func(*auth.Claims)) (string, error) {
	key, err := tokenKey(rec, typ)
	if err != nil {
		return "", internal(err)
	}
	if duration <= 0 {
		duration = tokenConfig(rec.Collection, typ).Duration
	}
	claims := &auth.Claims{ID: rec.ID(), CollectionID: rec.Collection.ID, Type: typ, Exp: a.Now().Unix() + duration}
	if fill != nil {
		fill(claims)
	}
	token, err := auth.Sign(claims, key)
	if err != nil {
		return "", internal(err)
	}
	return token, nil
}

// AuthToken issues a refreshable auth token for rec (§6.11).
func (a *App) AuthToken(rec *core.Record) (string, error) {
	yes := true
	return a.signToken(rec, auth.TypeAuth, 0, func(c *auth.Claims) { c.Refreshable = &yes })
}

// ImpersonateToken issues a non-refreshable auth token for rec that lives
// duration seconds (the collection's auth token duration when 0).
func (a *App) ImpersonateToken(rec *core.Record, duration int64) (string, error) {
	no := false
	return a.signToken(rec, auth.TypeAuth, duration, func(c *auth.Claims) { c.Refreshable = &no })
}

// FileToken issues a file token for rec (§7.2).
func (a *App) FileToken(rec *core.Record) (string, error) {
	return a.signToken(rec, auth.TypeFile, 0, nil)
}

func (a *App) verificationToken(rec *core.Record) (string, error) {
	return a.signToken(rec, auth.TypeVerification, 0, func(c *auth.Claims) { c.Email = rec.String("email") })
}

func (a *App) passwordResetToken(rec *core.Record) (string, error) {
	return a.signToken(rec, auth.TypePasswordReset, 0, func(c *auth.Claims) { c.Email = rec.String("email") })
}

func (a *App) emailChangeToken(rec *core.Record, newEmail string) (string, error) {
	return a.signToken(rec, auth.TypeEmailChange, 0, func(c *auth.Claims) {
		c.Email, c.NewEmail = rec.String("email"), newEmail
	})
}

// RecordByToken resolves a token of type typ to the record that signed
// it. Every failure (malformed, wrong type, unknown collection or record,
// bad signature, expired) gives (nil, nil, nil): callers decide what an
// invalid token means. err is only a store failure.
func (a *App) RecordByToken(ctx context.Context, token, typ string) (*core.Record, *auth.Claims, error) {
	claims, err := auth.Unverified(token)
	if err != nil || claims.Type != typ {
		return nil, nil, nil
	}
	s, err := a.store.Schema(ctx)
	if err != nil {
		return nil, nil, err
	}
	c := s.Find(claims.CollectionID)
	if c == nil || !c.IsAuth() || c.ID != claims.CollectionID {
		return nil, nil, nil
	}
	var rec *core.Record
	err = a.store.Read(ctx, func(tx core.Tx) error {
		recs, err := tx.Find(ctx, &core.Query{Collection: c, Where: []core.SQL{idEquals(claims.ID)}, Limit: 1})
		if len(recs) == 1 {
			rec = recs[0]
		}
		return err
	})
	if err != nil || rec == nil {
		return nil, nil, err
	}
	key, err := tokenKey(rec, typ)
	if err != nil {
		return nil, nil, nil
	}
	verified, err := auth.Verify(token, key, a.Now())
	if err != nil || verified.Type != typ || verified.ID != rec.ID() || verified.CollectionID != c.ID {
		return nil, nil, nil
	}
	return rec, verified, nil
}

// Authenticate resolves an auth token to its record. Any failure yields
// (nil, nil): an invalid token makes the request a guest's (§1.2).
func (a *App) Authenticate(ctx context.Context, token string) (*core.Record, error) {
	s, err := a.store.Schema(ctx)
	if err != nil {
		return nil, err
	}
	now := a.Now()
	if rec := a.authCache.get(token, s.Version, now); rec != nil {
		return rec, nil
	}
	rec, claims, err := a.RecordByToken(ctx, token, auth.TypeAuth)
	if rec != nil {
		a.authCache.put(token, rec, s.Version, time.Unix(claims.Exp, 0), now)
	}
	return rec, err
}

// AuthenticateFile resolves a file token (§7.2) to its record, nil when
// the token is not a valid file token.
func (a *App) AuthenticateFile(ctx context.Context, token string) (*core.Record, error) {
	rec, _, err := a.RecordByToken(ctx, token, auth.TypeFile)
	return rec, err
}

// TokenRefreshable reports whether an auth token may be exchanged for a
// new one (impersonation tokens may not). It reads the claims without
// verifying them: call it only for a token Authenticate accepted.
func TokenRefreshable(token string) bool {
	c, err := auth.Unverified(token)
	return err == nil && c.Refreshable != nil && *c.Refreshable
}
