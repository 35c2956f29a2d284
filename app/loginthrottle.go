package app

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/ratelimit"
)

// Failed password logins are throttled whatever the rate-limit settings
// say: per account (collection + identity) against guessing one
// password, per client IP against trying many accounts. A block ends one
// window after the failure that reached the limit; it is never
// permanent. The counts live in this node's memory (see package
// ratelimit).
const (
	LoginFailuresPerAccount = 5
	LoginFailuresPerIP      = 20
	LoginFailureWindow      = 10 * time.Minute
)

var errTooManyLogins = core.Errorf(core.ETooMany, "Too many failed authentication attempts, please try again later.")

type loginThrottle struct {
	once     sync.Once
	accounts *ratelimit.Attempts
	ips      *ratelimit.Attempts
}

func (a *App) loginThrottle() *loginThrottle {
	t := &a.logins
	t.once.Do(func() {
		t.accounts = ratelimit.NewAttempts(a.Now, LoginFailuresPerAccount, LoginFailureWindow, 0)
		t.ips = ratelimit.NewAttempts(a.Now, LoginFailuresPerIP, LoginFailureWindow, 0)
	})
	return t
}

// AuthWithPasswordFrom is AuthWithPassword for a client at clientIP
// (empty when unknown), with repeated failures throttled: a blocked
// account or IP gets 429 before any password is checked.
func (a *App) AuthWithPasswordFrom(ctx context.Context, clientIP string, c *core.Collection, identity, password, identityField string) (*core.Record, error) {
	t := a.loginThrottle()
	account := c.ID + "\x00" + strings.ToLower(strings.TrimSpace(identity))
	if !t.accounts.Take(account) {
		return nil, errTooManyLogins
	}
	if clientIP != "" && !t.ips.Take(clientIP) {
		t.accounts.Give(account)
		return nil, errTooManyLogins
	}
	rec, err := a.AuthWithPassword(ctx, c, identity, password, identityField)
	switch {
	case err == nil:
		t.accounts.Reset(account)
	case errors.Is(err, errAuthFailed):
		return nil, err // both attempts stay counted
	default:
		t.accounts.Give(account)
	}
	if clientIP != "" {
		t.ips.Give(clientIP)
	}
	return rec, err
}
