package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// loginFrom signs in with a given user agent and returns the status.
func (e *authEnv) loginFrom(collection, identity, password, userAgent string) int {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"identity": identity, "password": password})
	req, err := http.NewRequest("POST", e.srv.URL+"/api/collections/"+collection+"/auth-with-password", bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func TestAuthAlertOnNewOrigin(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		id := e.user("u1@example.com", "password-one", nil)
		// The first origin is no news.
		if code := e.loginFrom("users", "u1@example.com", "password-one", "Browser/A"); code != 200 {
			t.Fatalf("login %d", code)
		}
		e.noMail()
		e.loginFrom("users", "u1@example.com", "password-one", "Browser/A")
		e.noMail()
		e.loginFrom("users", "u1@example.com", "password-one", "Browser/B")
		m := e.mail()
		if m.To[0] != "u1@example.com" || m.Subject != "Login from a new location" || !strings.Contains(m.HTML, "127.0.0.1 Browser/B") {
			t.Fatalf("alert %v %q %s", m.To, m.Subject, m.HTML)
		}
		// Failed logins remember nothing.
		e.loginFrom("users", "u1@example.com", "wrong-password", "Browser/C")
		e.noMail()
		origins := "/api/collections/_authOrigins/records?filter=" + url.QueryEscape("recordRef = '"+id+"'")
		e.su("GET", origins, nil).status(200).has("totalItems", 2).has("items.0.recordRef", id)

		// At most 5 origins are kept.
		for _, ua := range []string{"C", "D", "E", "F"} {
			e.loginFrom("users", "u1@example.com", "password-one", "Browser/"+ua)
			e.mail()
		}
		e.su("GET", origins, nil).status(200).has("totalItems", 5)

		// Refresh and impersonation are not logins from a device.
		token := e.login("users", "u1@example.com", "password-one") // Go's agent: a new origin
		e.mail()
		e.call("POST", "/api/collections/users/auth-refresh", token, nil).status(200)
		e.su("POST", "/api/collections/users/impersonate/"+id, nil).status(200)
		e.noMail()

		// With authAlert off the origin is still remembered, silently.
		e.patch("users", map[string]any{"authAlert": map[string]any{"enabled": false}})
		e.loginFrom("users", "u1@example.com", "password-one", "Browser/G")
		e.noMail()
		// Deleting the record deletes its origins.
		e.su("DELETE", "/api/collections/users/records/"+id, nil).status(204)
		e.su("GET", origins, nil).status(200).has("totalItems", 0)
	})
}

func TestSuperuserLoginIPWhitelist(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		e.user("u1@example.com", "password-one", nil)
		e.settings(map[string]any{"superuserIPs": []string{"10.0.0.1"}})
		e.call("POST", "/api/collections/_superusers/auth-with-password", "",
			map[string]any{"identity": suEmail, "password": suPass}).status(403)
		// Other collections are not affected.
		e.login("users", "u1@example.com", "password-one")
	})
}

func TestAuthRoutesRateLimited(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		e.settings(map[string]any{"rateLimits": map[string]any{"enabled": true, "rules": []any{
			map[string]any{"label": "*:requestVerification", "maxRequests": 1, "duration": 60},
			map[string]any{"label": "users:authWithOTP", "maxRequests": 1, "duration": 60},
		}}})
		e.call("POST", "/api/collections/users/request-verification", "", map[string]any{"email": "a@example.com"}).status(204)
		e.call("POST", "/api/collections/users/request-verification", "", map[string]any{"email": "a@example.com"}).status(429)
		e.call("POST", "/api/collections/users/request-password-reset", "", map[string]any{"email": "a@example.com"}).status(204)
		e.call("POST", "/api/collections/users/auth-with-otp", "", map[string]any{"otpId": "x", "password": "1"}).status(403)
		e.call("POST", "/api/collections/users/auth-with-otp", "", map[string]any{"otpId": "x", "password": "1"}).status(429)
	})
}
