package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/core"
)

// eachStoreClock is eachStore with the app reading time from a test clock.
func eachStoreClock(t *testing.T, fn func(t *testing.T, e *env, clk *testClock)) {
	eachEngine(t, func(t *testing.T, st core.Store) {
		clk := &testClock{now: time.Now().UTC().Truncate(time.Second)}
		fn(t, newEnv(t, st, app.Options{Now: clk.Now}), clk)
	})
}

func rule(label, audience string, duration, max int) map[string]any {
	return map[string]any{"label": label, "audience": audience, "duration": duration, "maxRequests": max}
}

// limits enables rate limiting with rules (plus extra settings).
func (e *env) limits(rules []any, extra map[string]any) {
	e.t.Helper()
	rl := map[string]any{"enabled": true, "rules": rules}
	for k, v := range extra {
		rl[k] = v
	}
	e.su("PATCH", "/api/settings", map[string]any{"rateLimits": rl}).status(200)
}

func tooMany(r *response) {
	r.t.Helper()
	r.status(429).has("", map[string]any{"data": map[string]any{}, "message": "Too Many Requests.", "status": 429})
}

func TestRateLimitCollectionActions(t *testing.T) {
	eachStoreClock(t, func(t *testing.T, e *env, clk *testClock) {
		e.su("POST", "/api/collections", postsCollection("posts")).status(200)
		e.su("POST", "/api/collections", postsCollection("notes")).status(200)
		e.limits([]any{
			rule("posts:list", "", 10, 2),
			rule("*:create", "@guest", 60, 1),
			rule("/api/", "", 60, 1000),
		}, nil)
		e.call("GET", "/api/collections/posts/records", "", nil).status(200)
		e.call("GET", "/api/collections/posts/records", "", nil).status(200)
		tooMany(e.call("GET", "/api/collections/posts/records", "", nil))
		// Superusers are exempt; other collections fall to "/api/".
		e.su("GET", "/api/collections/posts/records", nil).status(200)
		e.call("GET", "/api/collections/notes/records", "", nil).status(200)
		e.call("GET", "/api/collections/notes/records", "", nil).status(200)
		e.call("GET", "/api/collections/notes/records", "", nil).status(200)
		// The window ends: the allowance is back.
		clk.Advance(10 * time.Second)
		e.call("GET", "/api/collections/posts/records", "", nil).status(200)

		// "*:create" for guests counts per collection.
		e.call("POST", "/api/collections/posts/records", "", map[string]any{"title": "a"}).status(200)
		tooMany(e.call("POST", "/api/collections/posts/records", "", map[string]any{"title": "b"}))
		e.call("POST", "/api/collections/notes/records", "", map[string]any{"title": "c"}).status(200)
		// An authenticated user is not in the rule's audience.
		user := userToken(e, "u@example.com")
		e.call("POST", "/api/collections/posts/records", user, map[string]any{"title": "d"}).status(200)
		e.call("POST", "/api/collections/posts/records", user, map[string]any{"title": "e"}).status(200)
	})
}

func TestRateLimitAuthAndPaths(t *testing.T) {
	eachStoreClock(t, func(t *testing.T, e *env, clk *testClock) {
		user := userToken(e, "u@example.com")
		// The default rules: "*:auth" allows 2 per 3 s.
		e.su("PATCH", "/api/settings", map[string]any{"rateLimits": map[string]any{"enabled": true}}).status(200)
		login := func() *response {
			return e.call("POST", "/api/collections/users/auth-with-password", "",
				map[string]any{"identity": "u@example.com", "password": userPass})
		}
		login().status(200)
		login().status(200)
		tooMany(login())
		clk.Advance(3 * time.Second)
		login().status(200)
		// auth-refresh has its own tag and falls back to "/api/".
		for range 5 {
			e.call("POST", "/api/collections/users/auth-refresh", user, nil).status(200)
		}

		// Untagged routes are limited by method and path.
		e.limits([]any{rule("GET /api/health", "", 5, 1), rule("/api/", "", 5, 100)}, nil)
		e.call("GET", "/api/health", "", nil).status(200)
		tooMany(e.call("GET", "/api/health", "", nil))
		tooMany(e.call("GET", "/api/health", user, nil))
		e.su("GET", "/api/health", nil).status(200)
		clk.Advance(5 * time.Second)
		e.call("GET", "/api/health", "", nil).status(200)

		// Excluded IPs are exempt.
		e.limits([]any{rule("GET /api/health", "", 5, 1)}, map[string]any{"excludedIPs": []any{"127.0.0.1"}})
		for range 3 {
			e.call("GET", "/api/health", "", nil).status(200)
		}
		// Disabled: no limits at all.
		e.su("PATCH", "/api/settings", map[string]any{"rateLimits": map[string]any{"enabled": false, "excludedIPs": []any{}}}).status(200)
		for range 3 {
			e.call("GET", "/api/health", "", nil).status(200)
		}
	})
}

func TestRateLimitTrustedProxy(t *testing.T) {
	eachStoreClock(t, func(t *testing.T, e *env, clk *testClock) {
		e.su("PATCH", "/api/settings", map[string]any{"trustedProxy": map[string]any{"headers": []any{"X-Forwarded-For"}}}).status(200)
		e.limits([]any{rule("/api/health", "", 60, 1)}, nil)
		xff := func(v string) map[string]string { return map[string]string{"X-Forwarded-For": v} }
		e.callWith("GET", "/api/health", "", xff("1.1.1.1"), nil).status(200)
		tooMany(e.callWith("GET", "/api/health", "", xff("1.1.1.1"), nil))
		// The rightmost address is the one the trusted proxy added.
		tooMany(e.callWith("GET", "/api/health", "", xff("9.9.9.9, 1.1.1.1"), nil))
		e.callWith("GET", "/api/health", "", xff("2.2.2.2"), nil).status(200)

		e.callWith("GET", "/api/health", e.token, xff("3.3.3.3, 4.4.4.4"), nil).status(200).
			has("data.realIP", "4.4.4.4").has("data.possibleProxyHeader", "X-Forwarded-For")
		e.su("PATCH", "/api/settings", map[string]any{"trustedProxy": map[string]any{"useLeftmostIP": true}}).status(200)
		e.callWith("GET", "/api/health", e.token, xff("3.3.3.3, 4.4.4.4"), nil).status(200).has("data.realIP", "3.3.3.3")
		// Without the header the peer address counts.
		e.su("GET", "/api/health", nil).status(200).has("data.realIP", "127.0.0.1").has("data.possibleProxyHeader", "")
	})
}

func TestSuperuserIPWhitelist(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		user := userToken(e, "u@example.com")
		e.su("PATCH", "/api/settings", map[string]any{"superuserIPs": []any{"10.0.0.0/8", "192.168.0.1"}}).status(200)
		e.su("GET", "/api/settings", nil).status(403).
			has("message", "You are not allowed to perform this request.")
		e.su("GET", "/api/collections/users/records", nil).status(403)
		// Guests and other users are not concerned.
		e.call("GET", "/api/health", "", nil).status(200)
		e.call("POST", "/api/collections/users/auth-refresh", user, nil).status(200)

		// Loosen it from a trusted address: the header is only believed
		// once trustedProxy names it.
		realIP := map[string]string{"X-Real-IP": "10.1.2.3"}
		e.callWith("GET", "/api/settings", e.token, realIP, nil).status(403)
		s, err := e.app.Settings(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		s = s.Clone()
		s.TrustedProxy.Headers = []string{"X-Real-IP"}
		if err := e.app.SaveSettings(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		e.callWith("GET", "/api/settings", e.token, realIP, nil).status(200).has("superuserIPs", []any{"10.0.0.0/8", "192.168.0.1"})
		e.callWith("GET", "/api/settings", e.token, map[string]string{"X-Real-IP": "11.0.0.1"}, nil).status(403)
		e.callWith("PATCH", "/api/settings", e.token, realIP, map[string]any{"superuserIPs": []any{}}).status(200)
		e.su("GET", "/api/settings", nil).status(200)
	})
}

func TestFailedLoginThrottle(t *testing.T) {
	eachStoreClock(t, func(t *testing.T, e *env, clk *testClock) {
		userToken(e, "victim@example.com")
		userToken(e, "other@example.com")
		login := func(identity, password string) *response {
			return e.call("POST", "/api/collections/users/auth-with-password", "",
				map[string]any{"identity": identity, "password": password})
		}
		for range 5 {
			login("victim@example.com", "wrong-password").status(400).has("message", "Failed to authenticate.")
			clk.Advance(time.Minute)
		}
		// Blocked, even with the right password, and without checking it.
		login("victim@example.com", userPass).status(429)
		login("VICTIM@example.com", userPass).status(429)
		// Other accounts are not concerned.
		login("other@example.com", userPass).status(200)
		// The block lasts one window from the failure that reached the
		// limit (4 minutes ago), then the right password works again.
		clk.Advance(8 * time.Minute)
		login("victim@example.com", userPass).status(429)
		clk.Advance(time.Minute)
		login("victim@example.com", userPass).status(200)

		// A success clears the account's failures.
		for range 4 {
			login("other@example.com", "wrong-password").status(400)
		}
		login("other@example.com", userPass).status(200)
		for range 4 {
			login("other@example.com", "wrong-password").status(400)
		}
		login("other@example.com", userPass).status(200)
		// Validation errors are not failures.
		for range 8 {
			login("other@example.com", "").status(400)
		}
		login("other@example.com", userPass).status(200)

		// Per IP: many accounts tried from one address.
		clk.Advance(time.Hour)
		for i := range app.LoginFailuresPerIP {
			login("nobody"+string(rune('a'+i))+"@example.com", "wrong-password").status(400)
		}
		login("other@example.com", userPass).status(429)
		clk.Advance(app.LoginFailureWindow)
		login("other@example.com", userPass).status(200)
	})
}
