package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/plinthdb/plinth/auth"
)

func TestAuthMethods(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		r := e.call("GET", "/api/collections/users/auth-methods", "", nil).status(200)
		r.has("password", map[string]any{"identityFields": []string{"email"}, "enabled": true}).
			has("oauth2", map[string]any{"providers": []any{}, "enabled": false}).
			has("mfa", map[string]any{"enabled": false, "duration": 0}).
			has("otp", map[string]any{"enabled": false, "duration": 0}).
			has("authProviders", nil).has("usernamePassword", false).has("emailPassword", true)
		if _, ok := r.body.(map[string]any)["authProviders"]; !ok {
			t.Fatal("legacy authProviders key missing")
		}
		// What the SDK asks for.
		e.call("GET", "/api/collections/users/auth-methods?fields=mfa,otp,password,oauth2", "", nil).status(200).
			absent("emailPassword").absent("authProviders").has("password.enabled", true)

		e.patch("users", map[string]any{
			"otp": map[string]any{"enabled": true, "duration": 300},
			"mfa": map[string]any{"enabled": true, "duration": 900},
		})
		e.call("GET", "/api/collections/users/auth-methods", "", nil).status(200).
			has("mfa", map[string]any{"enabled": true, "duration": 900}).
			has("otp", map[string]any{"enabled": true, "duration": 300})
		e.patch("users", map[string]any{"mfa": map[string]any{"enabled": false}, "passwordAuth": map[string]any{"enabled": false}})
		e.call("GET", "/api/collections/users/auth-methods", "", nil).status(200).
			has("password", map[string]any{"identityFields": []any{}, "enabled": false}).has("emailPassword", false)

		e.su("POST", "/api/collections", postsCollection("posts")).status(200)
		e.call("GET", "/api/collections/posts/auth-methods", "", nil).status(404).
			has("message", "Missing or invalid auth collection context.")
		e.call("GET", "/api/collections/nope/auth-methods", "", nil).status(404).
			has("message", "Missing or invalid collection context.")
	})
}

func TestAuthWithPassword(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		id := e.user("u1@example.com", "password-one", map[string]any{"name": "U1"})
		r := e.call("POST", "/api/collections/users/auth-with-password", "",
			map[string]any{"identity": "u1@example.com", "password": "password-one"}).status(200)
		// The own record shows its email even though emailVisibility is off.
		r.has("record.id", id).has("record.email", "u1@example.com").has("record.emailVisibility", false).
			has("record.name", "U1").absent("record.password").absent("record.tokenKey")
		c := claims(t, r.str("token"))
		if c["type"] != "auth" || c["id"] != id || c["collectionId"] != "_pb_users_auth_" || c["refreshable"] != true {
			t.Fatalf("claims %v", c)
		}
		if exp := int64(c["exp"].(float64)); exp != e.clock.Now().Unix()+432000 {
			t.Fatalf("exp %d", exp)
		}
		if _, ok := c["iat"]; ok {
			t.Fatal("unexpected iat")
		}
		e.call("POST", "/api/collections/users/auth-with-password?fields=token,record.id", "",
			map[string]any{"identity": "u1@example.com", "password": "password-one"}).status(200).
			has("record", map[string]any{"id": id}).absent("record.email")

		// Same answer for a wrong password and an unknown identity.
		for _, body := range []map[string]any{
			{"identity": "u1@example.com", "password": "wrong-password"},
			{"identity": "nobody@example.com", "password": "password-one"},
			{"identity": "u1", "password": "password-one"},
		} {
			e.call("POST", "/api/collections/users/auth-with-password", "", body).status(400).
				has("message", "Failed to authenticate.").has("data", map[string]any{})
		}
		e.call("POST", "/api/collections/users/auth-with-password", "", map[string]any{}).status(400).
			fieldCode("identity", "validation_required").fieldCode("password", "validation_required")
		e.call("POST", "/api/collections/users/auth-with-password", "",
			map[string]any{"identity": "u1@example.com", "password": "password-one", "identityField": "name"}).status(400).
			fieldCode("identityField", "validation_in_invalid")

		e.patch("users", map[string]any{"passwordAuth": map[string]any{"enabled": false}})
		e.call("POST", "/api/collections/users/auth-with-password", "",
			map[string]any{"identity": "u1@example.com", "password": "password-one"}).status(403).
			has("message", "The collection is not configured to allow password authentication.")
	})
}

func TestAuthWithPasswordIdentityFields(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		e.su("POST", "/api/collections", map[string]any{
			"name": "members", "type": "auth",
			"fields": []any{map[string]any{"name": "username", "type": "text"}},
			"indexes": []string{"CREATE UNIQUE INDEX idx_members_username ON members (username COLLATE NOCASE)",
				"CREATE UNIQUE INDEX idx_members_email ON members (email COLLATE NOCASE) WHERE email != ''"},
			"passwordAuth": map[string]any{"enabled": true, "identityFields": []string{"email", "username"}},
		}).status(200)
		id := e.createIn("members", "m1@example.com", "password-one", map[string]any{"username": "mike"})
		// A username that looks like someone else's e-mail is still found by username.
		other := e.createIn("members", "m2@example.com", "password-two", map[string]any{"username": "m1@example.net"})
		for identity, want := range map[string]string{"mike": id, "m1@example.com": id, "m1@example.net": other} {
			pass := "password-one"
			if want == other {
				pass = "password-two"
			}
			e.call("POST", "/api/collections/members/auth-with-password", "",
				map[string]any{"identity": identity, "password": pass}).status(200).has("record.id", want)
		}
		e.call("POST", "/api/collections/members/auth-with-password", "",
			map[string]any{"identity": "mike", "password": "password-one", "identityField": "username"}).status(200)
		// NOCASE unique indexes make the lookups case-insensitive (§2.7)...
		for _, identity := range []string{"MIKE", "M1@Example.COM"} {
			e.call("POST", "/api/collections/members/auth-with-password", "",
				map[string]any{"identity": identity, "password": "password-one"}).status(200).has("record.id", id)
		}
		e.call("POST", "/api/collections/members/request-password-reset", "", map[string]any{"email": "M1@EXAMPLE.COM"}).status(204)
		if m := e.mail(); m.To[0] != "m1@example.com" {
			t.Fatalf("reset mail to %v", m.To)
		}
		// ...and the default ones do not.
		e.user("u1@example.com", "password-one", nil)
		e.call("POST", "/api/collections/users/auth-with-password", "",
			map[string]any{"identity": "U1@EXAMPLE.COM", "password": "password-one"}).status(400)
		e.call("POST", "/api/collections/members/auth-with-password", "",
			map[string]any{"identity": "mike", "password": "password-one", "identityField": "email"}).status(400).
			has("message", "Failed to authenticate.")
		e.call("GET", "/api/collections/members/auth-methods", "", nil).status(200).
			has("usernamePassword", true).has("emailPassword", true)
	})
}

func TestAuthRuleBeforeTokens(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		id := e.user("u1@example.com", "password-one", nil)
		token := e.login("users", "u1@example.com", "password-one")
		deny := "The request doesn't satisfy the collection requirements to authenticate."
		e.patch("users", map[string]any{"authRule": "verified = true"})
		e.call("POST", "/api/collections/users/auth-with-password", "",
			map[string]any{"identity": "u1@example.com", "password": "password-one"}).status(403).has("message", deny)
		// Changing the auth rule rotated the auth secret: the old token is a guest's.
		e.call("POST", "/api/collections/users/auth-refresh", token, nil).status(401)
		e.patch("users", map[string]any{"authRule": nil})
		e.call("POST", "/api/collections/users/auth-with-password", "",
			map[string]any{"identity": "u1@example.com", "password": "password-one"}).status(403).has("message", deny)
		// A superuser's request passes a null rule (the SDK sends its token everywhere).
		e.su("POST", "/api/collections/users/auth-with-password",
			map[string]any{"identity": "u1@example.com", "password": "password-one"}).status(200)
		e.patch("users", map[string]any{"authRule": "name = 'ok'"})
		e.call("POST", "/api/collections/users/auth-with-password", "",
			map[string]any{"identity": "u1@example.com", "password": "password-one"}).status(403)
		e.su("PATCH", "/api/collections/users/records/"+id, map[string]any{"name": "ok"}).status(200)
		token = e.login("users", "u1@example.com", "password-one")
		e.call("POST", "/api/collections/users/auth-refresh", token, nil).status(200)
	})
}

func TestAuthRefresh(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		id := e.user("u1@example.com", "password-one", nil)
		token := e.login("users", "u1@example.com", "password-one")
		e.advance(10 * time.Second)
		r := e.call("POST", "/api/collections/users/auth-refresh", token, nil).status(200)
		r.has("record.id", id).has("record.email", "u1@example.com")
		fresh := r.str("token")
		if fresh == token || int64(claims(t, fresh)["exp"].(float64)) != e.clock.Now().Unix()+432000 {
			t.Fatalf("refresh did not issue a new token: %v", claims(t, fresh))
		}
		// "Bearer " is accepted too.
		e.call("POST", "/api/collections/users/auth-refresh", "Bearer "+fresh, nil).status(200)
		e.call("POST", "/api/collections/users/auth-refresh", "", nil).status(401).
			has("message", "The request requires valid record authorization token.")
		e.call("POST", "/api/collections/_superusers/auth-refresh", token, nil).status(403).
			has("message", "The request requires auth record from _superusers collection.")
		e.call("POST", "/api/collections/users/auth-refresh", e.token, nil).status(403)
		// The superuser refreshes in its own collection.
		e.call("POST", "/api/collections/_superusers/auth-refresh", e.token, nil).status(200).
			has("record.email", suEmail).has("record.verified", true)

		// A deleted user's token is a guest's.
		e.su("DELETE", "/api/collections/users/records/"+id, nil).status(204)
		e.call("POST", "/api/collections/users/auth-refresh", fresh, nil).status(401)
	})
}

func TestTokenInvalidation(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		id := e.user("u1@example.com", "password-one", nil)
		token := e.login("users", "u1@example.com", "password-one")
		if e.me(token) != id {
			t.Fatal("fresh token rejected")
		}
		// Expiry.
		e.advance(432001 * time.Second)
		if e.me(token) != "" {
			t.Fatal("expired token accepted")
		}
		token = e.login("users", "u1@example.com", "password-one")

		// Forged tokens: wrong key, alg none, wrong type, other id.
		yes := true
		exp := e.clock.Now().Add(time.Hour).Unix()
		wrongKey, _ := auth.Sign(&auth.Claims{ID: id, CollectionID: "_pb_users_auth_", Type: "auth", Refreshable: &yes, Exp: exp}, "guess")
		none := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + strings.Split(token, ".")[1] + "."
		fileAsAuth := e.signAs("users", id, "file", &auth.Claims{ID: id, CollectionID: "_pb_users_auth_", Type: "file", Exp: exp})
		authKeyAsVerification := e.signAs("users", id, "auth", &auth.Claims{ID: id, CollectionID: "_pb_users_auth_", Type: "verification", Email: "u1@example.com", Exp: exp})
		for name, bad := range map[string]string{"wrong key": wrongKey, "alg none": none, "garbage": "a.b.c", "file token": fileAsAuth} {
			if e.me(bad) != "" {
				t.Fatalf("%s accepted as auth", name)
			}
		}
		e.call("POST", "/api/collections/users/confirm-verification", "", map[string]any{"token": authKeyAsVerification}).
			status(400).fieldCode("token", "validation_invalid_token")
		if e.me(token) != id {
			t.Fatal("token rejected")
		}

		// Password change (with the old one) rotates the tokenKey.
		e.call("PATCH", "/api/collections/users/records/"+id, token, map[string]any{
			"password": "password-two", "passwordConfirm": "password-two", "oldPassword": "password-one"}).status(200)
		if e.me(token) != "" {
			t.Fatal("token survived the password change")
		}
		token = e.login("users", "u1@example.com", "password-two")

		// Email change by a superuser rotates it too.
		e.su("PATCH", "/api/collections/users/records/"+id, map[string]any{"email": "u1b@example.com"}).status(200)
		if e.me(token) != "" {
			t.Fatal("token survived the email change")
		}
		token = e.login("users", "u1b@example.com", "password-two")

		// Rotating the collection's auth secret ends all its auth tokens,
		// but not other token types.
		file := e.call("POST", "/api/files/token", token, nil).status(200).str("token")
		e.patch("users", map[string]any{"authToken": map[string]any{"secret": "a-new-secret-of-at-least-thirty-characters"}})
		if e.me(token) != "" {
			t.Fatal("token survived the secret rotation")
		}
		if rec, err := e.app.AuthenticateFile(t.Context(), file); err != nil || rec == nil {
			t.Fatalf("file token should survive an auth secret rotation: %v", err)
		}
		// A token of another collection does not open this one.
		suID := e.me(e.token)
		if suID == "" || suID == id {
			t.Fatal("superuser token")
		}
	})
}

func TestImpersonateAndFileToken(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		id := e.user("u1@example.com", "password-one", map[string]any{"name": "U1"})
		user := e.login("users", "u1@example.com", "password-one")
		path := "/api/collections/users/impersonate/" + id
		e.call("POST", path, "", nil).status(401)
		e.call("POST", path, user, nil).status(403)
		e.call("POST", "/api/collections/nope/impersonate/"+id, "", nil).status(401)
		e.su("POST", "/api/collections/users/impersonate/missing000000000", nil).status(404)
		e.su("POST", path, map[string]any{"duration": -1}).status(400).
			fieldCode("duration", "validation_min_greater_equal_than_required")
		e.su("POST", path, map[string]any{"duration": "abc"}).status(400)

		r := e.su("POST", path, map[string]any{"duration": 60}).status(200)
		r.has("record.id", id).has("record.email", "u1@example.com")
		imp := r.str("token")
		c := claims(t, imp)
		if c["refreshable"] != false || int64(c["exp"].(float64)) != e.clock.Now().Unix()+60 {
			t.Fatalf("impersonation claims %v", c)
		}
		// Refreshing a non-refreshable token gives the same token back.
		e.call("POST", "/api/collections/users/auth-refresh", imp, nil).status(200).has("token", imp)
		e.advance(61 * time.Second)
		e.call("POST", "/api/collections/users/auth-refresh", imp, nil).status(401)
		// Duration 0 is the collection's auth duration.
		imp = e.su("POST", path, map[string]any{}).status(200).str("token")
		if int64(claims(t, imp)["exp"].(float64)) != e.clock.Now().Unix()+432000 {
			t.Fatal("default impersonation duration")
		}

		// File tokens (§7.2).
		e.call("POST", "/api/files/token", "", nil).status(401)
		user = e.login("users", "u1@example.com", "password-one")
		file := e.call("POST", "/api/files/token", user, nil).status(200).str("token")
		c = claims(t, file)
		if c["type"] != "file" || c["id"] != id || int64(c["exp"].(float64)) != e.clock.Now().Unix()+180 {
			t.Fatalf("file token claims %v", c)
		}
		if _, ok := c["refreshable"]; ok {
			t.Fatal("file token with refreshable claim")
		}
		if rec, err := e.app.AuthenticateFile(t.Context(), file); err != nil || rec == nil || rec.ID() != id {
			t.Fatalf("file token not resolved: %v", err)
		}
		if rec, _ := e.app.AuthenticateFile(t.Context(), user); rec != nil {
			t.Fatal("auth token accepted as a file token")
		}
		e.advance(181 * time.Second)
		if rec, _ := e.app.AuthenticateFile(t.Context(), file); rec != nil {
			t.Fatal("expired file token accepted")
		}
		e.su("POST", "/api/files/token", nil).status(200)
	})
}
