package api_test

import (
	"strings"
	"testing"
	"time"
)

func enableOTP(e *authEnv, collection string) {
	e.patch(collection, map[string]any{"otp": map[string]any{"enabled": true, "duration": 180, "length": 6}})
}

func TestOTPFlow(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		id := e.user("u1@example.com", "password-one", map[string]any{"name": "U1"})
		old := e.login("users", "u1@example.com", "password-one")
		e.call("POST", "/api/collections/users/request-otp", "", map[string]any{"email": "u1@example.com"}).status(403).
			has("message", "The collection is not configured to allow OTP authentication.")
		e.call("POST", "/api/collections/users/auth-with-otp", "", map[string]any{"otpId": "x", "password": "1"}).status(403)
		enableOTP(e, "users")

		e.call("POST", "/api/collections/users/request-otp", "", map[string]any{"email": "nope"}).status(400).
			fieldCode("email", "validation_is_email")
		e.call("POST", "/api/collections/users/request-otp", "", map[string]any{}).status(400).
			fieldCode("email", "validation_required")
		// Unknown addresses get an id too, and no mail.
		fake := e.call("POST", "/api/collections/users/request-otp", "", map[string]any{"email": "nobody@example.com"}).status(200).str("otpId")
		if len(fake) != 15 {
			t.Fatalf("fake otp id %q", fake)
		}
		e.noMail()
		e.call("POST", "/api/collections/users/auth-with-otp", "", map[string]any{"otpId": fake, "password": "123456"}).status(400).
			has("message", "Invalid or expired OTP.").has("data", map[string]any{})

		otpID := e.call("POST", "/api/collections/users/request-otp", "", map[string]any{"email": "u1@example.com"}).status(200).str("otpId")
		m := e.mail()
		if m.To[0] != "u1@example.com" || m.Subject != "OTP for Plinth <Test>" {
			t.Fatalf("otp mail to %v subject %q", m.To, m.Subject)
		}
		// The app name is escaped in the HTML body.
		if !strings.Contains(m.HTML, "Plinth &lt;Test&gt;") {
			t.Fatalf("app name not escaped: %s", m.HTML)
		}
		code := otpOf(t, m)
		if len(code) != 6 {
			t.Fatalf("otp %q", code)
		}
		// The OTP is stored hashed, with the address it went to, hidden.
		e.su("GET", "/api/collections/_otps/records/"+otpID, nil).status(200).
			has("recordRef", id).has("collectionRef", "_pb_users_auth_").has("sentTo", "u1@example.com").absent("password")

		e.call("POST", "/api/collections/users/auth-with-otp", "", map[string]any{}).status(400).
			fieldCode("otpId", "validation_required").fieldCode("password", "validation_required")
		e.call("POST", "/api/collections/users/auth-with-otp", "", map[string]any{"otpId": otpID, "password": "000000x"}).status(400).
			has("message", "Invalid or expired OTP.")
		r := e.call("POST", "/api/collections/users/auth-with-otp", "", map[string]any{"otpId": otpID, "password": code}).status(200)
		r.has("record.id", id).has("record.verified", true).has("record.email", "u1@example.com")
		if claims(t, r.str("token"))["refreshable"] != true {
			t.Fatal("otp token not refreshable")
		}
		// Verified through the OTP, the password was randomized: the old
		// one no longer works and the old sessions are over.
		e.call("POST", "/api/collections/users/auth-with-password", "",
			map[string]any{"identity": "u1@example.com", "password": "password-one"}).status(400)
		if e.me(old) != "" {
			t.Fatal("old session survived the password randomization")
		}
		if e.me(r.str("token")) != id {
			t.Fatal("otp token rejected")
		}
		// Used up.
		e.call("POST", "/api/collections/users/auth-with-otp", "", map[string]any{"otpId": otpID, "password": code}).status(400).
			has("message", "Invalid or expired OTP.")
		e.su("GET", "/api/collections/_otps/records/"+otpID, nil).status(404)

		// A verified record keeps its password.
		e.su("PATCH", "/api/collections/users/records/"+id, map[string]any{"password": "password-two", "passwordConfirm": "password-two"}).status(200)
		otpID = e.call("POST", "/api/collections/users/request-otp", "", map[string]any{"email": "u1@example.com"}).status(200).str("otpId")
		code = otpOf(t, e.mail())
		e.call("POST", "/api/collections/users/auth-with-otp", "", map[string]any{"otpId": otpID, "password": code}).status(200)
		e.login("users", "u1@example.com", "password-two")

		// Expired.
		otpID = e.call("POST", "/api/collections/users/request-otp", "", map[string]any{"email": "u1@example.com"}).status(200).str("otpId")
		code = otpOf(t, e.mail())
		e.advance(181 * time.Second)
		e.call("POST", "/api/collections/users/auth-with-otp", "", map[string]any{"otpId": otpID, "password": code}).status(400).
			has("message", "Invalid or expired OTP.")

		// An OTP of another collection is not valid here.
		enableOTP(e, "_superusers")
		suOTP := e.call("POST", "/api/collections/_superusers/request-otp", "", map[string]any{"email": suEmail}).status(200).str("otpId")
		suCode := otpOf(t, e.mail())
		e.call("POST", "/api/collections/users/auth-with-otp", "", map[string]any{"otpId": suOTP, "password": suCode}).status(400)
		e.call("POST", "/api/collections/_superusers/auth-with-otp", "", map[string]any{"otpId": suOTP, "password": suCode}).status(200).
			has("record.email", suEmail)
	})
}

func TestOTPAttemptLimit(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		e.user("u1@example.com", "password-one", map[string]any{"verified": true})
		enableOTP(e, "users")
		otpID := e.call("POST", "/api/collections/users/request-otp", "", map[string]any{"email": "u1@example.com"}).status(200).str("otpId")
		code := otpOf(t, e.mail())
		for i := 0; i < 5; i++ {
			e.call("POST", "/api/collections/users/auth-with-otp", "", map[string]any{"otpId": otpID, "password": "999999x"}).status(400)
		}
		// The sixth attempt within 180 s is refused, even with the right code.
		e.call("POST", "/api/collections/users/auth-with-otp", "", map[string]any{"otpId": otpID, "password": code}).status(429).
			has("message", "Too many attempts, please try again later with a new OTP.")
		e.advance(181 * time.Second)
		otpID = e.call("POST", "/api/collections/users/request-otp", "", map[string]any{"email": "u1@example.com"}).status(200).str("otpId")
		code = otpOf(t, e.mail())
		e.call("POST", "/api/collections/users/auth-with-otp", "", map[string]any{"otpId": otpID, "password": code}).status(200)
	})
}

func TestOTPReuseAfterTenLive(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		e.user("u1@example.com", "password-one", nil)
		enableOTP(e, "users")
		var last string
		for i := 0; i < 10; i++ {
			last = e.call("POST", "/api/collections/users/request-otp", "", map[string]any{"email": "u1@example.com"}).status(200).str("otpId")
			e.mail()
		}
		// The eleventh request reuses the newest live OTP and sends nothing.
		again := e.call("POST", "/api/collections/users/request-otp", "", map[string]any{"email": "u1@example.com"}).status(200).str("otpId")
		if again != last {
			t.Fatalf("got %s, want the newest %s", again, last)
		}
		e.noMail()
		e.su("GET", "/api/collections/_otps/records?perPage=100", nil).status(200).has("totalItems", 10)
	})
}
