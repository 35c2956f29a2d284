package api_test

import (
	"encoding/json"
	"testing"
	"time"
)

func TestMFAPasswordThenOTP(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		id := e.user("u1@example.com", "password-one", map[string]any{"verified": true})
		other := e.user("u2@example.com", "password-two", map[string]any{"verified": true})
		e.patch("users", map[string]any{
			"otp": map[string]any{"enabled": true},
			"mfa": map[string]any{"enabled": true, "duration": 600},
		})
		password := map[string]any{"identity": "u1@example.com", "password": "password-one"}

		// First factor: 401 with a plain {"mfaId"} body.
		r := e.call("POST", "/api/collections/users/auth-with-password", "", password).status(401)
		var body map[string]any
		if err := json.Unmarshal(r.raw, &body); err != nil || len(body) != 1 || body["mfaId"] == nil {
			t.Fatalf("mfa body %s", r.raw)
		}
		mfaID := r.str("mfaId")
		e.su("GET", "/api/collections/_mfas/records/"+mfaID, nil).status(200).
			has("method", "password").has("recordRef", id).has("collectionRef", "_pb_users_auth_")
		// The owner may list its MFA sessions.
		owner := e.call("GET", "/api/collections/_mfas/records", "", nil)
		owner.status(200).has("totalItems", 0)

		// The same method again is refused.
		e.call("POST", "/api/collections/users/auth-with-password?mfaId="+mfaID, "", password).status(400).
			has("message", "A different authentication method is required.")
		// Another record's session is refused.
		e.call("POST", "/api/collections/users/auth-with-password?mfaId="+mfaID, "",
			map[string]any{"identity": "u2@example.com", "password": "password-two"}).status(400).has("message", "Invalid MFA session.")
		e.call("POST", "/api/collections/users/auth-with-password?mfaId=nope", "", password).status(400).
			has("message", "Invalid or expired MFA session.")

		// Second factor: OTP, with the mfaId in the body.
		otpID := e.call("POST", "/api/collections/users/request-otp", "", map[string]any{"email": "u1@example.com"}).status(200).str("otpId")
		code := otpOf(t, e.mail())
		r = e.call("POST", "/api/collections/users/auth-with-otp", "", map[string]any{"otpId": otpID, "password": code, "mfaId": mfaID}).status(200)
		r.has("record.id", id)
		if e.me(r.str("token")) != id {
			t.Fatal("mfa token rejected")
		}
		// With MFA on, the OTP login kept the password.
		e.su("GET", "/api/collections/_mfas/records/"+mfaID, nil).status(404)
		e.call("POST", "/api/collections/users/auth-with-password?mfaId="+mfaID, "", password).status(400).
			has("message", "Invalid or expired MFA session.")

		// OTP first, password second (mfaId as a query parameter).
		otpID = e.call("POST", "/api/collections/users/request-otp", "", map[string]any{"email": "u1@example.com"}).status(200).str("otpId")
		code = otpOf(t, e.mail())
		mfaID = e.call("POST", "/api/collections/users/auth-with-otp", "", map[string]any{"otpId": otpID, "password": code}).status(401).str("mfaId")
		e.call("POST", "/api/collections/users/auth-with-password?mfaId="+mfaID, "", password).status(200).has("record.id", id)

		// Sessions expire after mfa.duration.
		mfaID = e.call("POST", "/api/collections/users/auth-with-password", "", password).status(401).str("mfaId")
		e.advance(601 * time.Second)
		otpID = e.call("POST", "/api/collections/users/request-otp", "", map[string]any{"email": "u1@example.com"}).status(200).str("otpId")
		code = otpOf(t, e.mail())
		e.call("POST", "/api/collections/users/auth-with-otp", "", map[string]any{"otpId": otpID, "password": code, "mfaId": mfaID}).status(400).
			has("message", "Invalid or expired MFA session.")

		// mfa.rule limits who needs a second factor.
		e.patch("users", map[string]any{"mfa": map[string]any{"rule": "email = 'u1@example.com'"}})
		e.call("POST", "/api/collections/users/auth-with-password", "", password).status(401)
		e.call("POST", "/api/collections/users/auth-with-password", "",
			map[string]any{"identity": "u2@example.com", "password": "password-two"}).status(200).has("record.id", other)

		// Refresh and impersonation never ask for MFA.
		e.su("POST", "/api/collections/users/impersonate/"+id, nil).status(200)

		// The authRule is checked before MFA.
		e.patch("users", map[string]any{"authRule": "verified = false"})
		e.call("POST", "/api/collections/users/auth-with-password", "", password).status(403)
	})
}
