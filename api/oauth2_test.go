package api_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/oauth2"
	"github.com/plinthdb/plinth/oauth2/oauth2test"
)

const o2Redirect = "http://app.test/oauth2-callback"

// o2Setup enables OAuth2 on users with the fake provider configured as
// each of names (all pointing at the same fake).
func o2Setup(e *env, names ...string) *oauth2test.Server {
	e.t.Helper()
	fake := oauth2test.New(e.t)
	var providers []any
	for _, n := range names {
		providers = append(providers, fake.Config(n))
	}
	e.su("PATCH", "/api/collections/users", map[string]any{
		"oauth2": map[string]any{"enabled": true, "providers": providers},
	}).status(200)
	return fake
}

// o2Provider returns the auth-methods entry of provider.
func o2Provider(e *env, collection, provider string) map[string]any {
	e.t.Helper()
	r := e.call("GET", "/api/collections/"+collection+"/auth-methods", "", nil).status(200)
	list, _ := r.get("oauth2.providers").([]any)
	for _, p := range list {
		if m, _ := p.(map[string]any); m["name"] == provider {
			return m
		}
	}
	e.t.Fatalf("provider %s not in auth-methods: %s", provider, r.raw)
	return nil
}

// o2SignIn runs the code flow as the SDK's authWithOAuth2Code would:
// auth-methods, the browser at the provider, then auth-with-oauth2 (with
// token as the Authorization header, "" for a guest).
func o2SignIn(e *env, fake *oauth2test.Server, provider, token string, createData map[string]any) *response {
	e.t.Helper()
	p := o2Provider(e, "users", provider)
	code, state := fake.Authorize(e.t, p["authURL"].(string), o2Redirect)
	if state != p["state"] {
		e.t.Fatalf("state %q came back as %q", p["state"], state)
	}
	body := map[string]any{"provider": provider, "code": code, "codeVerifier": p["codeVerifier"], "redirectURL": o2Redirect}
	if createData != nil {
		body["createData"] = createData
	}
	return e.call("POST", "/api/collections/users/auth-with-oauth2", token, body)
}

// o2Whoami returns the id of the record token authenticates, "" if none.
func o2Whoami(e *env, token string) string {
	e.t.Helper()
	r := e.call("POST", "/api/collections/users/auth-refresh", token, nil)
	if r.code != 200 {
		return ""
	}
	return r.str("record.id")
}

// o2Links lists the users' _externalAuths rows as "provider/providerId/recordRef".
func o2Links(e *env) []string {
	e.t.Helper()
	r := e.su("GET", "/api/collections/_externalAuths/records?sort=provider,providerId", nil).status(200)
	var out []string
	for _, it := range r.get("items").([]any) {
		m := it.(map[string]any)
		out = append(out, m["provider"].(string)+"/"+m["providerId"].(string)+"/"+m["recordRef"].(string))
	}
	return out
}

func o2UserCount(e *env) int {
	e.t.Helper()
	return int(e.su("GET", "/api/collections/users/records", nil).status(200).get("totalItems").(float64))
}

func TestOAuth2AuthMethods(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		r := e.call("GET", "/api/collections/users/auth-methods", "", nil).status(200)
		r.has("oauth2", map[string]any{"providers": []any{}, "enabled": false}).has("authProviders", nil)

		fake := oauth2test.New(t)
		noPKCE := fake.Config("gitlab")
		noPKCE["pkce"] = false
		e.su("PATCH", "/api/collections/users", map[string]any{"oauth2": map[string]any{"enabled": true,
			"providers": []any{fake.Config("oidc"), noPKCE}}}).status(200)
		r = e.call("GET", "/api/collections/users/auth-methods", "", nil).status(200).has("oauth2.enabled", true)
		p := r.get("oauth2.providers.0").(map[string]any)
		state, verifier := p["state"].(string), p["codeVerifier"].(string)
		authURL := p["authURL"].(string)
		if len(state) != 30 || len(verifier) != 43 || p["codeChallenge"] != oauth2.CodeChallenge(verifier) ||
			p["codeChallengeMethod"] != "S256" || p["name"] != "oidc" || p["displayName"] != "OIDC" ||
			!strings.HasPrefix(p["logo"].(string), "<svg") || p["authUrl"] != authURL {
			t.Fatalf("provider entry %v", p)
		}
		if !strings.HasPrefix(authURL, fake.AuthURL()+"?") || !strings.HasSuffix(authURL, "&redirect_uri=") {
			t.Fatalf("authURL %s", authURL)
		}
		q, _ := url.ParseQuery(strings.SplitN(authURL, "?", 2)[1])
		if q.Get("client_id") != oauth2test.ClientID || q.Get("state") != state || q.Get("response_type") != "code" ||
			q.Get("code_challenge") != p["codeChallenge"] || q.Get("scope") != "openid email profile" {
			t.Fatalf("authURL query %v", q)
		}
		r.has("oauth2.providers.1.codeVerifier", "").has("oauth2.providers.1.codeChallenge", "").
			has("oauth2.providers.1.codeChallengeMethod", "").has("oauth2.providers.1.name", "gitlab")
		if strings.Contains(r.str("oauth2.providers.1.authURL"), "code_challenge") {
			t.Fatal("challenge without PKCE")
		}
		// Legacy list: the same entries without logos.
		r.has("authProviders.0.state", state).has("authProviders.0.authUrl", authURL).absent("authProviders.0.logo")
		// Every call draws new values.
		if o2Provider(e, "users", "oidc")["state"] == state {
			t.Fatal("state reused")
		}
		e.call("GET", "/api/collections/users/auth-methods?fields=oauth2", "", nil).status(200).
			absent("authProviders").has("oauth2.providers.0.name", "oidc")
	})
}

func TestOAuth2SignUpThenSignIn(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		fake := o2Setup(e, "oidc")
		r := o2SignIn(e, fake, "oidc", "", nil).status(200)
		id := r.str("record.id")
		r.has("record.email", "user1@example.com").has("record.verified", true).has("record.name", "Test User").
			has("record.collectionName", "users").
			has("meta.id", "user-1").has("meta.name", "Test User").has("meta.username", "tester").
			has("meta.email", "user1@example.com").has("meta.avatarURL", fake.URL+"/avatar.png").
			has("meta.avatarUrl", fake.URL+"/avatar.png").has("meta.isNew", true).
			has("meta.rawUser.preferred_username", "tester")
		for _, k := range []string{"meta.accessToken", "meta.refreshToken", "meta.expiry"} {
			if r.str(k) == "" {
				t.Fatalf("%s empty: %s", k, r.raw)
			}
		}
		if !strings.HasPrefix(r.str("record.avatar"), "avatar_") || !strings.HasSuffix(r.str("record.avatar"), ".png") {
			t.Fatalf("avatar not downloaded: %s", r.raw)
		}
		if o2Whoami(e, r.str("token")) != id {
			t.Fatal("token does not authenticate the new record")
		}
		reqs := fake.TokenRequests()
		if len(reqs) != 1 || len(reqs[0].Get("code_verifier")) != 43 || reqs[0].Get("redirect_uri") != o2Redirect {
			t.Fatalf("token request %v", reqs)
		}
		if got := o2Links(e); len(got) != 1 || got[0] != "oidc/user-1/"+id {
			t.Fatalf("links %v", got)
		}

		// The second sign-in finds the link, whatever the e-mail says now.
		fake.SetUser(map[string]any{"sub": "user-1", "name": "Renamed", "email": "changed@example.com", "email_verified": true})
		o2SignIn(e, fake, "oidc", "", nil).status(200).has("record.id", id).has("meta.isNew", false).
			has("record.email", "user1@example.com").has("record.name", "Test User").has("meta.email", "changed@example.com")
		if n := o2UserCount(e); n != 1 {
			t.Fatalf("%d users", n)
		}
		if got := o2Links(e); len(got) != 1 {
			t.Fatalf("links %v", got)
		}
		// ?fields= and ?expand= apply to the auth response.
		p := o2Provider(e, "users", "oidc")
		code, _ := fake.Authorize(t, p["authURL"].(string), o2Redirect)
		e.call("POST", "/api/collections/users/auth-with-oauth2?fields=record.id,meta.isNew", "", map[string]any{
			"provider": "oidc", "code": code, "codeVerifier": p["codeVerifier"], "redirectUrl": o2Redirect,
		}).status(200).has("", map[string]any{"record": map[string]any{"id": id}, "meta": map[string]any{"isNew": false}})
	})
}

func TestOAuth2SignUpDetails(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		fake := o2Setup(e, "oidc")
		// createData wins over mapped fields; an address the provider does
		// not vouch for is not used and the record stays unverified.
		fake.SetUser(map[string]any{"sub": "u-2", "name": "Provider Name", "email": "u2@example.com", "email_verified": false})
		r := o2SignIn(e, fake, "oidc", "", map[string]any{"name": "Chosen", "email": "mine@example.com", "emailVisibility": true}).status(200)
		r.has("record.name", "Chosen").has("record.email", "mine@example.com").has("record.verified", false).
			has("record.emailVisibility", true).has("meta.email", "").has("meta.isNew", true)

		// A picture that cannot be fetched only means no avatar.
		fake.SetUser(map[string]any{"sub": "u-6", "email": "u6@example.com", "email_verified": true, "picture": fake.URL + "/missing.png"})
		o2SignIn(e, fake, "oidc", "", nil).status(200).has("record.avatar", "").has("meta.avatarURL", fake.URL+"/missing.png")

		// No e-mail at all: the create pipeline decides (email is
		// required in users), and nothing is left behind.
		fake.SetUser(map[string]any{"sub": "u-3", "name": "No Mail"})
		o2SignIn(e, fake, "oidc", "", nil).status(400).fieldCode("email", "validation_required")
		if got := o2Links(e); len(got) != 2 {
			t.Fatalf("links %v", got)
		}

		// The create rule applies (createData is @request.body).
		e.su("PATCH", "/api/collections/users", map[string]any{"createRule": `@request.body.name = "ok" && @request.context = "oauth2"`}).status(200)
		fake.SetUser(map[string]any{"sub": "u-4", "email": "u4@example.com", "email_verified": true})
		o2SignIn(e, fake, "oidc", "", nil).status(400)
		o2SignIn(e, fake, "oidc", "", map[string]any{"name": "ok"}).status(200).has("record.name", "ok").has("record.verified", true)
		e.su("PATCH", "/api/collections/users", map[string]any{"createRule": nil}).status(200)
		fake.SetUser(map[string]any{"sub": "u-5", "email": "u5@example.com", "email_verified": true})
		o2SignIn(e, fake, "oidc", "", nil).status(403)
		if n := o2UserCount(e); n != 3 {
			t.Fatalf("%d users, want 3", n)
		}
	})
}

func TestOAuth2LinksSignedInUser(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		fake := o2Setup(e, "oidc", "github")
		id := e.su("POST", "/api/collections/users/records", map[string]any{"email": "me@example.com",
			"password": "password123", "passwordConfirm": "password123"}).status(200).str("id")
		token := e.call("POST", "/api/collections/users/auth-with-password", "",
			map[string]any{"identity": "me@example.com", "password": "password123"}).status(200).str("token")

		// The provider account has another address: linked to the caller
		// all the same, and the caller's password is left alone.
		fake.SetUser(map[string]any{"sub": "gh-9", "email": "other@example.com", "email_verified": true})
		o2SignIn(e, fake, "oidc", token, nil).status(200).has("record.id", id).has("meta.isNew", false).
			has("record.email", "me@example.com").has("record.verified", false)
		if got := o2Links(e); len(got) != 1 || got[0] != "oidc/gh-9/"+id {
			t.Fatalf("links %v", got)
		}
		e.call("POST", "/api/collections/users/auth-with-password", "",
			map[string]any{"identity": "me@example.com", "password": "password123"}).status(200)
		if o2Whoami(e, token) != id {
			t.Fatal("the linking session ended")
		}
		// Later sign-ins find the link without a session.
		o2SignIn(e, fake, "oidc", "", nil).status(200).has("record.id", id)

		// A token of another collection is no session of users.
		fake.SetUser(map[string]any{"id": 10, "login": "gh10", "email": "new@example.com"})
		o2SignIn(e, fake, "github", e.token, nil).status(200).has("meta.isNew", true).has("record.email", "new@example.com")
	})
}

func TestOAuth2EmailMatch(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		fake := o2Setup(e, "oidc")
		id := e.su("POST", "/api/collections/users/records", map[string]any{"email": "user1@example.com",
			"password": "password123", "passwordConfirm": "password123", "verified": true}).status(200).str("id")
		token := e.call("POST", "/api/collections/users/auth-with-password", "",
			map[string]any{"identity": "user1@example.com", "password": "password123"}).status(200).str("token")
		o2SignIn(e, fake, "oidc", "", nil).status(200).has("record.id", id).has("meta.isNew", false).has("record.verified", true)
		if got := o2Links(e); len(got) != 1 || got[0] != "oidc/user-1/"+id {
			t.Fatalf("links %v", got)
		}
		// A verified owner keeps password and sessions.
		e.call("POST", "/api/collections/users/auth-with-password", "",
			map[string]any{"identity": "user1@example.com", "password": "password123"}).status(200)
		if o2Whoami(e, token) != id {
			t.Fatal("session ended")
		}
	})
}

func TestOAuth2PreHijackingProtection(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		fake := o2Setup(e, "oidc", "github")
		// An attacker registered the victim's address first, with a
		// password and an OAuth2 account of their own.
		id := e.call("POST", "/api/collections/users/records", "", map[string]any{"email": "user1@example.com",
			"password": "attacker-pass", "passwordConfirm": "attacker-pass"}).status(200).str("id")
		attacker := e.call("POST", "/api/collections/users/auth-with-password", "",
			map[string]any{"identity": "user1@example.com", "password": "attacker-pass"}).status(200).str("token")
		fake.SetUser(map[string]any{"id": 666, "login": "mallory", "email": "attacker@example.com"})
		o2SignIn(e, fake, "github", attacker, nil).status(200).has("record.id", id)

		// The owner signs in with the provider that vouches for the address.
		fake.SetUser(map[string]any{"sub": "victim", "email": "user1@example.com", "email_verified": true})
		o2SignIn(e, fake, "oidc", "", nil).status(200).has("record.id", id).has("record.verified", true).has("meta.isNew", false)
		e.call("POST", "/api/collections/users/auth-with-password", "",
			map[string]any{"identity": "user1@example.com", "password": "attacker-pass"}).status(400)
		if o2Whoami(e, attacker) != "" {
			t.Fatal("the attacker's session survived")
		}
		// The attacker's github link is gone.
		if got := o2Links(e); len(got) != 1 || got[0] != "oidc/victim/"+id {
			t.Fatalf("links %v", got)
		}
		fake.SetUser(map[string]any{"id": 666, "login": "mallory", "email": "attacker@example.com"})
		o2SignIn(e, fake, "github", "", nil).status(200).has("meta.isNew", true).has("record.email", "attacker@example.com")
	})
}

func TestOAuth2Errors(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		post := func(body map[string]any) *response {
			return e.call("POST", "/api/collections/users/auth-with-oauth2", "", body)
		}
		valid := map[string]any{"provider": "oidc", "code": "x", "codeVerifier": "v", "redirectURL": o2Redirect}
		post(valid).status(403).has("message", "The collection is not configured to allow OAuth2 authentication.")
		e.call("POST", "/api/collections/nope/auth-with-oauth2", "", valid).status(404)
		e.su("POST", "/api/collections", map[string]any{"name": "posts", "type": "base"}).status(200)
		e.call("POST", "/api/collections/posts/auth-with-oauth2", "", valid).status(404).
			has("message", "Missing or invalid auth collection context.")

		fake := o2Setup(e, "oidc")
		post(map[string]any{"provider": "google", "redirectURL": o2Redirect}).status(400).
			fieldCode("provider", "validation_invalid_provider").has("data.provider.params.name", "google").
			fieldCode("code", "validation_required")
		post(map[string]any{"code": "x"}).status(400).fieldCode("provider", "validation_required").
			fieldCode("redirectURL", "validation_required")
		post(map[string]any{"provider": "oidc", "code": "x", "createData": "nope", "redirectURL": o2Redirect}).status(400)

		// An unknown code, a wrong verifier and a failing token endpoint.
		post(valid).status(400).has("message", "Failed to fetch OAuth2 token.").has("data", map[string]any{})
		p := o2Provider(e, "users", "oidc")
		code, _ := fake.Authorize(t, p["authURL"].(string), o2Redirect)
		post(map[string]any{"provider": "oidc", "code": code, "codeVerifier": strings.Repeat("x", 43), "redirectURL": o2Redirect}).
			status(400).has("message", "Failed to fetch OAuth2 token.")
		code, _ = fake.Authorize(t, p["authURL"].(string), o2Redirect)
		post(map[string]any{"provider": "oidc", "code": code, "redirectURL": o2Redirect}).
			status(400).has("message", "Failed to fetch OAuth2 token.")
		fake.FailToken(http.StatusInternalServerError)
		o2SignIn(e, fake, "oidc", "", nil).status(400).has("message", "Failed to fetch OAuth2 token.")
		fake.FailToken(0)
		fake.FailUserInfo(http.StatusBadGateway)
		o2SignIn(e, fake, "oidc", "", nil).status(400).has("message", "Failed to fetch OAuth2 user.")
		fake.FailUserInfo(0)
		fake.BadSignature(true)
		o2SignIn(e, fake, "oidc", "", nil).status(400).has("message", "Failed to fetch OAuth2 user.")
		if n := o2UserCount(e); n != 0 {
			t.Fatalf("%d users after failures", n)
		}
	})
}

func TestOAuth2AuthRuleAndMFA(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		fake := o2Setup(e, "oidc")
		e.su("PATCH", "/api/collections/users", map[string]any{"authRule": "verified = false"}).status(200)
		o2SignIn(e, fake, "oidc", "", nil).status(403).
			has("message", "The request doesn't satisfy the collection requirements to authenticate.")
		e.su("PATCH", "/api/collections/users", map[string]any{"authRule": "", "mfa": map[string]any{"enabled": true}}).status(200)

		// The record exists now; give it a password for the second factor.
		id := o2SignIn(e, fake, "oidc", "", nil).status(401).str("mfaId")
		if id == "" {
			t.Fatal("no mfaId")
		}
		rec := e.su("GET", "/api/collections/users/records?filter=email='user1@example.com'", nil).status(200).str("items.0.id")
		e.su("PATCH", "/api/collections/users/records/"+rec, map[string]any{"password": "password123", "passwordConfirm": "password123"}).status(200)
		p := o2Provider(e, "users", "oidc")
		code, _ := fake.Authorize(t, p["authURL"].(string), o2Redirect)
		e.call("POST", "/api/collections/users/auth-with-oauth2", "", map[string]any{"provider": "oidc", "code": code,
			"codeVerifier": p["codeVerifier"], "redirectURL": o2Redirect, "mfaId": id}).status(400).
			has("message", "A different authentication method is required.")
		e.call("POST", "/api/collections/users/auth-with-password?mfaId="+id, "",
			map[string]any{"identity": "user1@example.com", "password": "password123"}).status(200).has("record.id", rec)
	})
}

func TestOAuth2NeverCreatesSuperusers(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		fake := oauth2test.New(t)
		e.su("PATCH", "/api/collections/_superusers", map[string]any{"oauth2": map[string]any{"enabled": true,
			"providers": []any{fake.Config("oidc")}}}).status(200)
		p := o2Provider(e, "_superusers", "oidc")
		signIn := func() *response {
			code, _ := fake.Authorize(t, p["authURL"].(string), o2Redirect)
			return e.call("POST", "/api/collections/_superusers/auth-with-oauth2", "", map[string]any{"provider": "oidc",
				"code": code, "codeVerifier": p["codeVerifier"], "redirectURL": o2Redirect})
		}
		signIn().status(400).has("message", "Failed to authenticate.")
		if n := e.su("GET", "/api/collections/_superusers/records", nil).status(200).get("totalItems"); n != float64(1) {
			t.Fatalf("%v superusers", n)
		}
		// An existing superuser with the provider's address may sign in.
		fake.SetUser(map[string]any{"sub": "root", "email": suEmail, "email_verified": true})
		signIn().status(200).has("record.email", suEmail).has("record.collectionName", "_superusers")
	})
}

func TestOAuth2ClientSecretNeverReturned(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		fake := o2Setup(e, "oidc")
		for _, path := range []string{"/api/collections/users", "/api/collections?filter=name='users'"} {
			r := e.su("GET", path, nil).status(200)
			if strings.Contains(string(r.raw), oauth2test.ClientSecret) || strings.Contains(string(r.raw), "clientSecret") {
				t.Fatalf("%s shows the client secret: %s", path, r.raw)
			}
		}
		r := e.su("GET", "/api/collections/users", nil).status(200).has("oauth2.providers.0.clientId", oauth2test.ClientID)
		// Saving the providers back without the secret keeps it.
		e.su("PATCH", "/api/collections/users", map[string]any{"oauth2": r.get("oauth2")}).status(200)
		o2SignIn(e, fake, "oidc", "", nil).status(200)
		if strings.Contains(string(e.call("GET", "/api/collections/users/auth-methods", "", nil).raw), oauth2test.ClientSecret) {
			t.Fatal("auth-methods shows the client secret")
		}
	})
}

func TestOAuth2ProvidersMeta(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.call("GET", "/api/collections/meta/oauth2-providers", "", nil).status(401)
		r := e.su("GET", "/api/collections/meta/oauth2-providers", nil).status(200)
		list := r.get("").([]any)
		if len(list) != len(oauth2.List()) {
			t.Fatalf("%d providers", len(list))
		}
		r.has("0.name", "apple").has("0.displayName", "Apple").has("6.name", "github").has("6.displayName", "GitHub").
			has("31.name", "oidc3")
		for _, it := range list {
			m := it.(map[string]any)
			if len(m) != 3 || !strings.HasPrefix(m["logo"].(string), "<svg") || m["displayName"] == "" {
				t.Fatalf("entry %v", m)
			}
		}
	})
}

// recordingSink stands in for realtime in redirect tests.
type recordingSink struct {
	mu   sync.Mutex
	got  []app.OAuth2Redirect
	live map[string]bool // states of clients subscribed to @oauth2
}

func (s *recordingSink) Deliver(r app.OAuth2Redirect) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.live[r.State] {
		return false
	}
	s.got = append(s.got, r)
	return true
}

func TestOAuth2Redirect(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		send := func(method, query string, form url.Values) (int, string) {
			t.Helper()
			var res *http.Response
			var err error
			if method == "GET" {
				res, err = noFollow.Get(e.srv.URL + "/api/oauth2-redirect?" + query)
			} else {
				res, err = noFollow.PostForm(e.srv.URL+"/api/oauth2-redirect?"+query, form)
			}
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode, res.Header.Get("Location")
		}
		const ok, fail = "../_/#/auth/oauth2-redirect-success", "../_/#/auth/oauth2-redirect-failure"
		expect := func(gotStatus int, gotLoc string, status int, loc string) {
			t.Helper()
			if gotStatus != status || gotLoc != loc {
				t.Fatalf("got %d %q, want %d %q", gotStatus, gotLoc, status, loc)
			}
		}
		// Without realtime nobody waits for the code: always the failure page.
		code, loc := send("GET", "state=abc&code=123", nil)
		expect(code, loc, http.StatusTemporaryRedirect, fail)
		code, loc = send("POST", "", url.Values{"state": {"abc"}, "code": {"123"}})
		expect(code, loc, http.StatusSeeOther, fail)

		sink := &recordingSink{live: map[string]bool{"client-1": true}}
		e.app.SetOAuth2RedirectSink(sink)
		code, loc = send("GET", "state=client-1&code=123", nil)
		expect(code, loc, http.StatusTemporaryRedirect, ok)
		code, loc = send("GET", "code=123", nil)
		expect(code, loc, http.StatusTemporaryRedirect, fail)
		code, loc = send("GET", "state=unknown&code=123", nil)
		expect(code, loc, http.StatusTemporaryRedirect, fail)
		code, loc = send("GET", "state=client-1&error=access_denied", nil)
		expect(code, loc, http.StatusTemporaryRedirect, fail)
		code, loc = send("POST", "", url.Values{"state": {"client-1"}, "code": {"456"}})
		expect(code, loc, http.StatusSeeOther, ok)
		sink.mu.Lock()
		got := sink.got
		sink.mu.Unlock()
		if len(got) != 3 || got[0].Code != "123" || got[1].Error != "access_denied" || got[2].Code != "456" ||
			got[2].State != "client-1" || got[0].ClientIP == "" {
			t.Fatalf("delivered %+v", got)
		}
	})
}

// TestOAuth2AppleFormPost: Apple posts the user's name to the redirect
// once; the sign-in with that code picks it up.
func TestOAuth2AppleFormPost(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		fake := oauth2test.New(t)
		fake.SetIssuer("https://appleid.apple.com")
		fake.SetUser(map[string]any{"sub": "001.apple", "email": "a@privaterelay.appleid.com", "email_verified": "true"})
		cfg := fake.Config("apple")
		cfg["userInfoURL"] = ""
		cfg["extra"] = map[string]any{"jwksURL": fake.JWKSURL()}
		e.su("PATCH", "/api/collections/users", map[string]any{"oauth2": map[string]any{"enabled": true, "providers": []any{cfg}}}).status(200)
		p := o2Provider(e, "users", "apple")
		if !strings.Contains(p["authURL"].(string), "response_mode=form_post") {
			t.Fatalf("authURL %s", p["authURL"])
		}
		code, _ := fake.Authorize(t, p["authURL"].(string), e.srv.URL+"/api/oauth2-redirect")
		e.app.SetOAuth2RedirectSink(&recordingSink{live: map[string]bool{"client-7": true}})
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).
			PostForm(e.srv.URL+"/api/oauth2-redirect", url.Values{"state": {"client-7"}, "code": {code},
				"user": {`{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"a@privaterelay.appleid.com"}`}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		e.call("POST", "/api/collections/users/auth-with-oauth2", "", map[string]any{"provider": "apple", "code": code,
			"codeVerifier": p["codeVerifier"], "redirectURL": e.srv.URL + "/api/oauth2-redirect"}).status(200).
			has("record.name", "Ada Lovelace").has("meta.name", "Ada Lovelace").has("record.email", "a@privaterelay.appleid.com").
			has("record.verified", true).has("meta.id", "001.apple")
	})
}

func TestAppleClientSecretEndpoint(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalPKCS8PrivateKey(key)
		pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
		const path = "/api/settings/apple/generate-client-secret"
		body := map[string]any{"clientId": "com.example.web", "teamId": "TEAM123456", "keyId": "KEY1234567",
			"privateKey": pemKey, "duration": 3600}
		e.call("POST", path, "", body).status(401)
		secret := e.su("POST", path, body).status(200).str("secret")
		var claims jwt.RegisteredClaims
		tok, err := jwt.ParseWithClaims(secret, &claims, func(*jwt.Token) (any, error) { return &key.PublicKey, nil },
			jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience("https://appleid.apple.com"), jwt.WithIssuer("TEAM123456"))
		if err != nil || tok.Header["kid"] != "KEY1234567" || claims.Subject != "com.example.web" {
			t.Fatalf("secret %s: %v %v %+v", secret, err, tok.Header, claims)
		}

		e.su("POST", path, map[string]any{"teamId": "short", "privateKey": "nope", "duration": 15777001}).status(400).
			fieldCode("clientId", "validation_required").fieldCode("teamId", "validation_length_invalid").
			fieldCode("keyId", "validation_required").fieldCode("privateKey", "validation_match_invalid").
			fieldCode("duration", "validation_max_less_equal_than_required")
		broken := strings.Replace(pemKey, pemKey[40:60], strings.Repeat("A", 20), 1)
		body["privateKey"] = broken
		e.su("POST", path, body).status(400).has("message", "Failed to generate client secret.")
		body["duration"] = 1.5
		e.su("POST", path, body).status(400)
	})
}
