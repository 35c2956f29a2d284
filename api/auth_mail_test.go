package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plinthdb/plinth/auth"
	"github.com/plinthdb/plinth/mail"
)

func TestVerificationFlow(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		id := e.user("u1@example.com", "password-one", map[string]any{"name": "Ann"})
		path := "/api/collections/users/request-verification"
		e.call("POST", path, "", map[string]any{"email": "bad"}).status(400).fieldCode("email", "validation_is_email")
		e.call("POST", path, "", map[string]any{}).status(400).fieldCode("email", "validation_required")
		e.call("POST", "/api/collections/_superusers/request-verification", "", map[string]any{"email": suEmail}).status(400).
			has("message", "All superusers are verified by default.")
		e.call("POST", path, "", map[string]any{"email": "nobody@example.com"}).status(204)
		e.noMail()

		e.call("POST", path, "", map[string]any{"email": "u1@example.com"}).status(204)
		m := e.mail()
		if m.To[0] != "u1@example.com" || m.Subject != "Verify your Plinth <Test> email" || !strings.Contains(m.Header.Get("From"), "noreply@app.test") {
			t.Fatalf("mail %v %q %q", m.To, m.Subject, m.Header.Get("From"))
		}
		links := m.Links()
		if len(links) != 1 || !strings.HasPrefix(links[0], "http://app.test/_/#/auth/confirm-verification/") {
			t.Fatalf("links %v", links)
		}
		token := m.LinkToken(t, "confirm-verification")
		c := claims(t, token)
		if c["type"] != "verification" || c["email"] != "u1@example.com" || c["id"] != id ||
			int64(c["exp"].(float64)) != e.clock.Now().Unix()+86400 {
			t.Fatalf("verification claims %v", c)
		}
		// At most one mail per record per 2 minutes; the answer is the same.
		e.call("POST", path, "", map[string]any{"email": "u1@example.com"}).status(204)
		e.noMail()

		confirm := "/api/collections/users/confirm-verification"
		e.call("POST", confirm, "", map[string]any{}).status(400).fieldCode("token", "validation_required")
		e.call("POST", confirm, "", map[string]any{"token": "garbage"}).status(400).
			has("message", "An error occurred while validating the submitted data.").fieldCode("token", "validation_invalid_token_claims")
		// Valid signature, other email claim.
		exp := e.clock.Now().Add(time.Hour).Unix()
		forged := e.signAs("users", id, auth.TypeVerification, &auth.Claims{ID: id, CollectionID: "_pb_users_auth_",
			Type: auth.TypeVerification, Email: "other@example.com", Exp: exp})
		e.call("POST", confirm, "", map[string]any{"token": forged}).status(400).fieldCode("token", "validation_token_email_mismatch")
		// A token of another collection.
		e.call("POST", "/api/collections/_superusers/confirm-verification", "", map[string]any{"token": token}).status(400).
			fieldCode("token", "validation_token_collection_mismatch")

		e.call("POST", confirm, "", map[string]any{"token": token}).status(204)
		e.su("GET", "/api/collections/users/records/"+id, nil).status(200).has("verified", true)
		// Reusing a still valid token is fine.
		e.call("POST", confirm, "", map[string]any{"token": token}).status(204)
		// Verified records get no more mails.
		e.advance(3 * time.Minute)
		e.call("POST", path, "", map[string]any{"email": "u1@example.com"}).status(204)
		e.noMail()
		// The password still works (password auth is on).
		e.login("users", "u1@example.com", "password-one")

		// Expired tokens.
		other := e.user("u2@example.com", "password-two", nil)
		e.call("POST", path, "", map[string]any{"email": "u2@example.com"}).status(204)
		token = e.mail().LinkToken(t, "confirm-verification")
		e.advance(86401 * time.Second)
		e.call("POST", confirm, "", map[string]any{"token": token}).status(400).fieldCode("token", "validation_invalid_token")
		// After the throttle window a new mail goes out.
		e.call("POST", path, "", map[string]any{"email": "u2@example.com"}).status(204)
		token = e.mail().LinkToken(t, "confirm-verification")
		// With password auth off, confirming randomizes the password.
		e.patch("users", map[string]any{"passwordAuth": map[string]any{"enabled": false}})
		session := e.call("POST", "/api/collections/users/impersonate/"+other, e.token, nil).status(200).str("token")
		e.call("POST", confirm, "", map[string]any{"token": token}).status(204)
		if e.me(session) != "" {
			t.Fatal("session survived the password randomization")
		}
	})
}

func TestPasswordResetFlow(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		id := e.user("u1@example.com", "password-one", nil)
		session := e.login("users", "u1@example.com", "password-one")
		path := "/api/collections/users/request-password-reset"
		e.call("POST", path, "", map[string]any{"email": "x"}).status(400).fieldCode("email", "validation_is_email")
		e.call("POST", path, "", map[string]any{"email": "nobody@example.com"}).status(204)
		e.noMail()
		e.call("POST", path, "", map[string]any{"email": "u1@example.com"}).status(204)
		m := e.mail()
		if m.Subject != "Reset your Plinth <Test> password" {
			t.Fatalf("subject %q", m.Subject)
		}
		token := m.LinkToken(t, "confirm-password-reset")
		if c := claims(t, token); c["type"] != "passwordReset" || c["email"] != "u1@example.com" ||
			int64(c["exp"].(float64)) != e.clock.Now().Unix()+1800 {
			t.Fatalf("reset claims %v", c)
		}
		if !strings.Contains(m.Text, "http://app.test/_/#/auth/confirm-password-reset/"+token) {
			t.Fatalf("text alternative lacks the link: %q", m.Text)
		}
		// Throttled within 2 minutes.
		e.call("POST", path, "", map[string]any{"email": "u1@example.com"}).status(204)
		e.noMail()

		confirm := "/api/collections/users/confirm-password-reset"
		e.call("POST", confirm, "", map[string]any{}).status(400).
			fieldCode("token", "validation_required").fieldCode("password", "validation_required").fieldCode("passwordConfirm", "validation_required")
		e.call("POST", confirm, "", map[string]any{"token": token, "password": "short", "passwordConfirm": "short"}).status(400).
			fieldCode("password", "validation_length_out_of_range")
		e.call("POST", confirm, "", map[string]any{"token": token, "password": "password-new", "passwordConfirm": "password-neu"}).status(400).
			fieldCode("passwordConfirm", "validation_values_mismatch")
		e.call("POST", confirm, "", map[string]any{"token": "a.b.c", "password": "password-new", "passwordConfirm": "password-new"}).status(400).
			fieldCode("token", "validation_invalid_token")
		e.call("POST", "/api/collections/_superusers/confirm-password-reset", "",
			map[string]any{"token": token, "password": "password-new", "passwordConfirm": "password-new"}).status(400).
			fieldCode("token", "validation_token_collection_mismatch")
		// Longer than the password field allows: the field's own error.
		long := strings.Repeat("p", 80)
		e.call("POST", confirm, "", map[string]any{"token": token, "password": long, "passwordConfirm": long}).status(400).
			fieldCode("password", "validation_max_text_constraint")

		e.call("POST", confirm, "", map[string]any{"token": token, "password": "password-new", "passwordConfirm": "password-new"}).status(204)
		e.login("users", "u1@example.com", "password-new")
		e.call("POST", "/api/collections/users/auth-with-password", "",
			map[string]any{"identity": "u1@example.com", "password": "password-one"}).status(400)
		if e.me(session) != "" {
			t.Fatal("session survived the reset")
		}
		// The mail proved the address.
		e.su("GET", "/api/collections/users/records/"+id, nil).status(200).has("verified", true)
		// Replay: the reset rotated the key the token was signed with.
		e.call("POST", confirm, "", map[string]any{"token": token, "password": "password-again", "passwordConfirm": "password-again"}).status(400).
			fieldCode("token", "validation_invalid_token")

		e.patch("users", map[string]any{"passwordAuth": map[string]any{"enabled": false}})
		e.call("POST", path, "", map[string]any{"email": "u1@example.com"}).status(400).
			has("message", "The collection is not configured to allow password authentication.")
	})
}

func TestEmailChangeFlow(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		id := e.user("u1@example.com", "password-one", nil)
		e.user("taken@example.com", "password-two", nil)
		session := e.login("users", "u1@example.com", "password-one")
		path := "/api/collections/users/request-email-change"
		e.call("POST", path, "", map[string]any{"newEmail": "new@example.com"}).status(401)
		e.call("POST", path, e.token, map[string]any{"newEmail": "new@example.com"}).status(403)
		e.call("POST", "/api/collections/_superusers/request-email-change", e.token, map[string]any{"newEmail": "new@example.com"}).status(400).
			has("message", "All superusers can change their emails directly.")
		e.call("POST", path, session, map[string]any{"newEmail": "bad"}).status(400).fieldCode("newEmail", "validation_is_email")
		e.call("POST", path, session, map[string]any{"newEmail": "taken@example.com"}).status(400).fieldCode("newEmail", "validation_invalid_new_email")
		e.call("POST", path, session, map[string]any{"newEmail": "u1@example.com"}).status(400).fieldCode("newEmail", "validation_not_in_invalid")
		e.noMail()

		e.call("POST", path, session, map[string]any{"newEmail": "new@example.com"}).status(204)
		m := e.mail()
		if m.To[0] != "new@example.com" || m.Subject != "Confirm your Plinth <Test> new email address" {
			t.Fatalf("mail to %v %q", m.To, m.Subject)
		}
		token := m.LinkToken(t, "confirm-email-change")
		if c := claims(t, token); c["type"] != "emailChange" || c["email"] != "u1@example.com" || c["newEmail"] != "new@example.com" {
			t.Fatalf("claims %v", c)
		}

		confirm := "/api/collections/users/confirm-email-change"
		e.call("POST", confirm, "", map[string]any{}).status(400).
			fieldCode("token", "validation_required").fieldCode("password", "validation_required")
		e.call("POST", confirm, "", map[string]any{"token": "garbage", "password": "password-one"}).status(400).
			fieldCode("token", "validation_invalid_token_payload")
		e.call("POST", confirm, "", map[string]any{"token": token, "password": "wrong-password"}).status(400).
			fieldCode("password", "validation_invalid_password")
		e.call("POST", "/api/collections/_superusers/confirm-email-change", "", map[string]any{"token": token, "password": "password-one"}).
			status(400).fieldCode("token", "validation_token_collection_mismatch")

		e.call("POST", confirm, "", map[string]any{"token": token, "password": "password-one"}).status(204)
		r := e.call("POST", "/api/collections/users/auth-with-password", "",
			map[string]any{"identity": "new@example.com", "password": "password-one"}).status(200)
		r.has("record.id", id).has("record.email", "new@example.com").has("record.verified", true)
		if e.me(session) != "" {
			t.Fatal("session survived the email change")
		}
		// Replay.
		e.call("POST", confirm, "", map[string]any{"token": token, "password": "password-one"}).status(400).
			fieldCode("token", "validation_invalid_token")

		// The new address got taken between request and confirmation.
		session = r.str("token")
		e.call("POST", path, session, map[string]any{"newEmail": "race@example.com"}).status(204)
		token = e.mail().LinkToken(t, "confirm-email-change")
		e.user("race@example.com", "password-three", nil)
		e.call("POST", confirm, "", map[string]any{"token": token, "password": "password-one"}).status(400).
			fieldCode("token", "validation_invalid_token_email")
	})
}

func TestMailTemplatesAndFallback(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		e.user("u1@example.com", "password-one", map[string]any{"name": "<b>Ann</b> {TOKEN}"})
		e.patch("users", map[string]any{"verificationTemplate": map[string]any{
			"subject": "Hi {RECORD:name} from {APP_NAME}",
			"body":    `<p>{RECORD:name} / {RECORD:email} / {RECORD:password} / {RECORD:tokenKey}</p><a href="{APP_URL}/v/{TOKEN}">go</a>`,
		}})
		e.call("POST", "/api/collections/users/request-verification", "", map[string]any{"email": "u1@example.com"}).status(204)
		m := e.mail()
		if m.Subject != "Hi <b>Ann</b> {TOKEN} from Plinth <Test>" {
			t.Fatalf("subject %q", m.Subject)
		}
		// Record values are escaped, never expanded, and hidden fields stay placeholders.
		if !strings.Contains(m.HTML, "&lt;b&gt;Ann&lt;/b&gt; {TOKEN} / u1@example.com / {RECORD:password} / {RECORD:tokenKey}") {
			t.Fatalf("body %s", m.HTML)
		}
		token := m.LinkToken(t, "/v/")
		e.call("POST", "/api/collections/users/confirm-verification", "", map[string]any{"token": token}).status(204)

		// SMTP disabled: the fallback gets the mail, nothing fails.
		var mu sync.Mutex
		var got []*mail.Message
		e.settings(map[string]any{"meta": map[string]any{"appName": "X", "appURL": "http://x.test", "senderName": "S",
			"senderAddress": "s@x.test"}, "smtp": map[string]any{"enabled": false}})
		e.app.SetMailFallback(mail.SenderFunc(func(_ context.Context, m *mail.Message) error {
			mu.Lock()
			got = append(got, m)
			mu.Unlock()
			return nil
		}))
		e.user("u2@example.com", "password-two", nil)
		e.call("POST", "/api/collections/users/request-password-reset", "", map[string]any{"email": "u2@example.com"}).status(204)
		e.app.WaitMail()
		mu.Lock()
		if len(got) != 1 || got[0].To[0].Email != "u2@example.com" || got[0].From.Email != "s@x.test" {
			t.Fatalf("fallback got %v", got)
		}
		mu.Unlock()
		// The default fallback logs and succeeds.
		var buf bytes.Buffer
		e.app.SetMailFallback(&mail.LogSender{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
		e.call("POST", "/api/collections/users/request-otp", "", map[string]any{"email": "u2@example.com"}).status(403)
		e.advance(3 * time.Minute)
		e.call("POST", "/api/collections/users/request-password-reset", "", map[string]any{"email": "u2@example.com"}).status(204)
		e.app.WaitMail()
		if !strings.Contains(buf.String(), "u2@example.com") {
			t.Fatalf("fallback log %q", buf.String())
		}

		// An unreachable SMTP server fails the synchronous email-change request.
		e.settings(map[string]any{"smtp": map[string]any{"enabled": true, "host": "127.0.0.1", "port": 1}})
		session := e.login("users", "u2@example.com", "password-two")
		e.call("POST", "/api/collections/users/request-email-change", session, map[string]any{"newEmail": "n2@example.com"}).status(400)
		// The background sends only log their failure.
		e.advance(3 * time.Minute)
		e.call("POST", "/api/collections/users/request-password-reset", "", map[string]any{"email": "u2@example.com"}).status(204)
		e.app.WaitMail()

		// POST /api/settings/test/email sends through the same path.
		e.su("POST", "/api/settings/test/email", map[string]any{"email": "test@example.com", "template": "verification"}).status(400)
		e.settings(map[string]any{"smtp": map[string]any{"enabled": true, "host": e.sink.Host, "port": e.sink.Port}})
		for _, tpl := range []string{"verification", "password-reset", "email-change", "otp", "login-alert"} {
			e.su("POST", "/api/settings/test/email", map[string]any{"email": "test@example.com", "template": tpl, "collection": "users"}).status(204)
			if m := e.mail(); m.To[0] != "test@example.com" || m.Subject == "" || m.Header.Get("From") == "" {
				t.Fatalf("%s: %v %q", tpl, m.To, m.Subject)
			}
		}
		users, err := e.app.Collection(t.Context(), "users")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.app.SendTemplateTest(t.Context(), users, "nope", "test@example.com"); err == nil {
			t.Fatal("unknown template accepted")
		}
	})
}
