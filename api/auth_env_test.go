package api_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/auth"
	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/mail/mailtest"
)

// testClock is the app's clock in auth tests, so expiry and throttle
// windows can be crossed without sleeping.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// authEnv is env plus a controllable clock and an SMTP sink the app
// sends its mail to.
type authEnv struct {
	*env
	clock *testClock
	sink  *mailtest.Sink
}

// eachAuthStore is eachStore for auth tests.
func eachAuthStore(t *testing.T, fn func(t *testing.T, e *authEnv)) {
	eachEngine(t, func(t *testing.T, st core.Store) { fn(t, newAuthEnv(t, st)) })
}

// fastHash keeps tests quick: argon2id with tiny parameters, which
// auth.CheckPassword reads from the hash like any other.
func fastHash(plain string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(plain), salt, 1, 64, 1, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=64,t=1,p=1$%s$%s", argon2.Version, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

func newAuthEnv(t *testing.T, st core.Store) *authEnv {
	t.Helper()
	clock := &testClock{now: time.Now().UTC().Truncate(time.Second)}
	e := newEnv(t, st, app.Options{Now: clock.Now, HashPassword: fastHash})
	sink := mailtest.Start(t, mailtest.Options{})
	e.app.SetMailLogger(slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError})))
	t.Cleanup(e.app.WaitMail)
	ae := &authEnv{env: e, clock: clock, sink: sink}
	ae.settings(map[string]any{
		"meta": map[string]any{"appName": "Plinth <Test>", "appURL": "http://app.test/",
			"senderName": "Tester", "senderAddress": "noreply@app.test"},
		"smtp": map[string]any{"enabled": true, "host": sink.Host, "port": sink.Port},
	})
	return ae
}

// settings patches the app settings (§10.1).
func (e *authEnv) settings(patch map[string]any) {
	e.t.Helper()
	e.su("PATCH", "/api/settings", patch).status(200)
}

// mail waits for the next mail the app sent.
func (e *authEnv) mail() *mailtest.Message {
	e.t.Helper()
	return e.sink.Next(e.t, 10*time.Second)
}

// noMail asserts that nothing is sent (after the background sends of
// the request have finished).
func (e *authEnv) noMail() {
	e.t.Helper()
	e.app.WaitMail()
	e.sink.None(e.t, 20*time.Millisecond)
}

// user creates a users record as the superuser and returns its id.
func (e *authEnv) user(email, password string, extra map[string]any) string {
	e.t.Helper()
	return e.createIn("users", email, password, extra)
}

func (e *authEnv) createIn(collection, email, password string, extra map[string]any) string {
	e.t.Helper()
	body := map[string]any{"email": email, "password": password, "passwordConfirm": password}
	for k, v := range extra {
		body[k] = v
	}
	return e.su("POST", "/api/collections/"+collection+"/records", body).status(200).str("id")
}

// login authenticates by password and returns the token.
func (e *authEnv) login(collection, identity, password string) string {
	e.t.Helper()
	return e.call("POST", "/api/collections/"+collection+"/auth-with-password", "",
		map[string]any{"identity": identity, "password": password}).status(200).str("token")
}

// patch changes a collection's options as the superuser.
func (e *authEnv) patch(collection string, body map[string]any) {
	e.t.Helper()
	e.su("PATCH", "/api/collections/"+collection, body).status(200)
}

// claims decodes a token's payload without checking it.
func claims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// signAs signs claims with the real key of the record's tokens of type
// typ, to build tokens the server would accept but never issues.
func (e *authEnv) signAs(collection, id, typ string, c *auth.Claims) string {
	e.t.Helper()
	ctx := context.Background()
	s, err := e.app.Schema(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	col := s.Find(collection)
	var rec *core.Record
	err = e.app.Store().Read(ctx, func(tx core.Tx) error {
		recs, err := tx.Find(ctx, &core.Query{Collection: col, Where: []core.SQL{{Text: `"_main"."id" = ?`, Args: []any{id}}}})
		if len(recs) == 1 {
			rec = recs[0]
		}
		return err
	})
	if err != nil || rec == nil {
		e.t.Fatalf("record %s/%s: %v", collection, id, err)
	}
	secret := map[string]string{
		auth.TypeAuth: col.Auth.AuthToken.Secret, auth.TypeFile: col.Auth.FileToken.Secret,
		auth.TypeVerification: col.Auth.VerificationToken.Secret, auth.TypePasswordReset: col.Auth.PasswordResetToken.Secret,
		auth.TypeEmailChange: col.Auth.EmailChangeToken.Secret,
	}[typ]
	token, err := auth.Sign(c, rec.String("tokenKey")+secret)
	if err != nil {
		e.t.Fatal(err)
	}
	return token
}

var otpRe = regexp.MustCompile(`<strong>(\d+)</strong>`)

// otpOf reads the one-time password out of an OTP mail.
func otpOf(t *testing.T, m *mailtest.Message) string {
	t.Helper()
	sub := otpRe.FindStringSubmatch(m.HTML)
	if sub == nil {
		t.Fatalf("no OTP in mail %q: %s", m.Subject, m.HTML)
	}
	return sub[1]
}

// me checks whom token authenticates as: the record id, or "" for a guest.
func (e *authEnv) me(token string) string {
	e.t.Helper()
	r := e.call("POST", "/api/files/token", token, nil)
	if r.code == 401 {
		return ""
	}
	r.status(200)
	return claims(e.t, r.str("token"))["id"].(string)
}

// advance moves the clock and signs the superuser in again, since its
// token may have expired meanwhile.
func (e *authEnv) advance(d time.Duration) {
	e.t.Helper()
	e.clock.Advance(d)
	e.token = e.login("_superusers", suEmail, suPass)
}
