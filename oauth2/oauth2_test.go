package oauth2_test

import (
	"context"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/plinthdb/plinth/collection"
	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/oauth2"
	"github.com/plinthdb/plinth/oauth2/oauth2test"
)

const redirectURL = "http://app.test/callback"

// config turns the fake's providers[] entry into the core type.
func config(fake *oauth2test.Server, name string, edit func(*core.OAuth2Provider)) core.OAuth2Provider {
	c := core.OAuth2Provider{Name: name, ClientID: oauth2test.ClientID, ClientSecret: oauth2test.ClientSecret,
		AuthURL: fake.AuthURL(), TokenURL: fake.TokenURL(), UserInfoURL: fake.UserInfoURL()}
	if edit != nil {
		edit(&c)
	}
	return c
}

func client(t *testing.T, cfg core.OAuth2Provider) *oauth2.Client {
	t.Helper()
	c, err := oauth2.NewClient(cfg, oauth2.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// login runs authorize, exchange and user fetch like a browser and the
// server would, with a fresh PKCE verifier.
func login(t *testing.T, fake *oauth2test.Server, c *oauth2.Client) (*oauth2.User, error) {
	t.Helper()
	verifier := strings.Repeat("v", 43)
	code, state := fake.Authorize(t, c.AuthURL("state-123", verifier), redirectURL)
	if state != "state-123" {
		t.Fatalf("state %q", state)
	}
	tok, err := c.Exchange(context.Background(), code, verifier, redirectURL)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return c.FetchUser(context.Background(), tok)
}

func TestRegistryMatchesKnownNames(t *testing.T) {
	if got := oauth2.Names(); !reflect.DeepEqual(got, collection.KnownOAuth2Providers) {
		t.Fatalf("names %v\nwant %v", got, collection.KnownOAuth2Providers)
	}
	for _, p := range oauth2.List() {
		if p.DisplayName == "" {
			t.Errorf("%s: no display name", p.Name)
		}
		logo := oauth2.Logo(p.Name)
		if !strings.HasPrefix(logo, "<svg ") || !strings.HasSuffix(logo, "</svg>") || strings.Contains(logo, "href") {
			t.Errorf("%s: logo %q", p.Name, logo)
		}
		if p.Name == "mailcow" || strings.HasPrefix(p.Name, "oidc") {
			continue // self-hosted: endpoints come from the config
		}
		for _, u := range []string{p.AuthURL, p.TokenURL} {
			if pu, err := url.Parse(u); err != nil || pu.Scheme != "https" {
				t.Errorf("%s: endpoint %q", p.Name, u)
			}
		}
	}
	if _, err := oauth2.NewClient(core.OAuth2Provider{Name: "nope"}, oauth2.Options{}); err == nil {
		t.Fatal("unknown provider accepted")
	}
}

func TestAuthURL(t *testing.T) {
	c := client(t, core.OAuth2Provider{Name: "google", ClientID: "cid"})
	verifier := "wxDFOGOw874jSAgmGDZ5ffDN1D9iCdEyUeP8OPcy9BI"
	u := c.AuthURL("st", verifier)
	if !strings.HasPrefix(u, "https://accounts.google.com/o/oauth2/v2/auth?") || !strings.HasSuffix(u, "&redirect_uri=") {
		t.Fatalf("auth URL %s", u)
	}
	q, _ := url.ParseQuery(strings.SplitN(u, "?", 2)[1])
	want := map[string]string{"client_id": "cid", "response_type": "code", "state": "st",
		"code_challenge": oauth2.CodeChallenge(verifier), "code_challenge_method": "S256", "redirect_uri": ""}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	// The contract's example pair (§6.2).
	if got := oauth2.CodeChallenge(verifier); got != "QU12SwF-rZ653ZEpRklexZpKGsKv89CYcLYZfhPPxJY" {
		t.Fatalf("challenge %s", got)
	}

	no := false
	c = client(t, core.OAuth2Provider{Name: "apple", ClientID: "cid", PKCE: &no, AuthURL: "https://idp.test/auth?tenant=x"})
	u = c.AuthURL("st", verifier)
	if strings.Contains(u, "code_challenge") || !strings.Contains(u, "response_mode=form_post") ||
		!strings.HasPrefix(u, "https://idp.test/auth?tenant=x&") {
		t.Fatalf("apple auth URL %s", u)
	}
}

func TestCodeExchangeWithPKCE(t *testing.T) {
	fake := oauth2test.New(t)
	c := client(t, config(fake, "oidc", nil))
	u, err := login(t, fake, c)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "user-1" || u.Email != "user1@example.com" || u.Name != "Test User" || u.Username != "tester" ||
		u.AvatarURL != fake.URL+"/avatar.png" || u.AccessToken == "" || u.RefreshToken == "" || u.Expiry.IsZero() {
		t.Fatalf("user %+v", u)
	}
	reqs := fake.TokenRequests()
	if len(reqs) != 1 || reqs[0].Get("code_verifier") != strings.Repeat("v", 43) || reqs[0].Get("redirect_uri") != redirectURL {
		t.Fatalf("token requests %v", reqs)
	}

	// A wrong or missing verifier, a reused code and a wrong secret fail.
	challenge := oauth2.CodeChallenge(strings.Repeat("v", 43))
	ctx := context.Background()
	if _, err := c.Exchange(ctx, fake.Code(challenge, redirectURL), strings.Repeat("w", 43), redirectURL); err == nil {
		t.Fatal("wrong verifier accepted")
	}
	if _, err := c.Exchange(ctx, fake.Code(challenge, redirectURL), "", redirectURL); err == nil {
		t.Fatal("missing verifier accepted")
	}
	code := fake.Code(challenge, redirectURL)
	if _, err := c.Exchange(ctx, code, strings.Repeat("v", 43), redirectURL); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exchange(ctx, code, strings.Repeat("v", 43), redirectURL); err == nil {
		t.Fatal("code reused")
	}
	if _, err := c.Exchange(ctx, fake.Code(challenge, redirectURL), strings.Repeat("v", 43), "http://other.test/"); err == nil {
		t.Fatal("redirect URI mismatch accepted")
	}
	bad := client(t, config(fake, "oidc", func(p *core.OAuth2Provider) { p.ClientSecret = "wrong" }))
	if _, err := bad.Exchange(ctx, fake.Code(challenge, redirectURL), strings.Repeat("v", 43), redirectURL); err == nil {
		t.Fatal("wrong client secret accepted")
	}
	fake.FailToken(500)
	if _, err := c.Exchange(ctx, fake.Code(challenge, redirectURL), strings.Repeat("v", 43), redirectURL); err == nil {
		t.Fatal("token failure not reported")
	}
}

func TestUnverifiedEmailIsDropped(t *testing.T) {
	fake := oauth2test.New(t)
	fake.SetUser(map[string]any{"sub": "u2", "email": "u2@example.com", "email_verified": false})
	u, err := login(t, fake, client(t, config(fake, "oidc2", nil)))
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "u2" || u.Email != "" || u.RawUser["email"] != "u2@example.com" {
		t.Fatalf("user %+v", u)
	}
}

func TestIDTokenChecks(t *testing.T) {
	noUserInfo := func(p *core.OAuth2Provider) { p.UserInfoURL = "" }
	t.Run("user from a discovered, verified id_token", func(t *testing.T) {
		fake := oauth2test.New(t)
		u, err := login(t, fake, client(t, config(fake, "oidc", noUserInfo)))
		if err != nil {
			t.Fatal(err)
		}
		if u.ID != "user-1" || u.Email != "user1@example.com" || fake.UserInfoRequests() != 0 {
			t.Fatalf("user %+v, user info reads %d", u, fake.UserInfoRequests())
		}
	})
	t.Run("bad signature", func(t *testing.T) {
		fake := oauth2test.New(t)
		fake.BadSignature(true)
		if _, err := login(t, fake, client(t, config(fake, "oidc", noUserInfo))); err == nil {
			t.Fatal("forged id_token accepted")
		}
		// Also when the user comes from the user info endpoint.
		if _, err := login(t, fake, client(t, config(fake, "oidc", nil))); err == nil {
			t.Fatal("forged id_token accepted beside user info")
		}
	})
	t.Run("wrong audience", func(t *testing.T) {
		fake := oauth2test.New(t)
		fake.EditIDToken(func(c map[string]any) { c["aud"] = "someone-else" })
		if _, err := login(t, fake, client(t, config(fake, "oidc", noUserInfo))); err == nil {
			t.Fatal("foreign audience accepted")
		}
	})
	t.Run("expired", func(t *testing.T) {
		fake := oauth2test.New(t)
		fake.EditIDToken(func(c map[string]any) { c["exp"] = 1000 })
		if _, err := login(t, fake, client(t, config(fake, "oidc", noUserInfo))); err == nil {
			t.Fatal("expired id_token accepted")
		}
	})
	t.Run("issuer not listed", func(t *testing.T) {
		fake := oauth2test.New(t)
		cfg := config(fake, "oidc", func(p *core.OAuth2Provider) {
			p.UserInfoURL = ""
			p.Extra = map[string]any{"issuers": []any{"https://issuer.test"}}
		})
		if _, err := login(t, fake, client(t, cfg)); err == nil {
			t.Fatal("unlisted issuer accepted")
		}
	})
	t.Run("subject differs from user info", func(t *testing.T) {
		fake := oauth2test.New(t)
		fake.EditIDToken(func(c map[string]any) { c["sub"] = "another" })
		if _, err := login(t, fake, client(t, config(fake, "oidc", nil))); err == nil {
			t.Fatal("mismatched subjects accepted")
		}
	})
	t.Run("no id_token and no user info", func(t *testing.T) {
		fake := oauth2test.New(t)
		fake.NoIDToken(true)
		if _, err := login(t, fake, client(t, config(fake, "oidc", noUserInfo))); err == nil {
			t.Fatal("user made up")
		}
	})
	t.Run("apple with configured keys and issuer", func(t *testing.T) {
		fake := oauth2test.New(t)
		fake.SetIssuer("https://appleid.apple.com")
		fake.SetUser(map[string]any{"sub": "001.apple", "email": "a@privaterelay.appleid.com", "email_verified": "true"})
		cfg := config(fake, "apple", func(p *core.OAuth2Provider) {
			p.UserInfoURL = ""
			p.Extra = map[string]any{"jwksURL": fake.JWKSURL()}
		})
		u, err := login(t, fake, client(t, cfg))
		if err != nil {
			t.Fatal(err)
		}
		if u.ID != "001.apple" || u.Email != "a@privaterelay.appleid.com" {
			t.Fatalf("user %+v", u)
		}
		fake.BadSignature(true)
		if _, err := login(t, fake, client(t, cfg)); err == nil {
			t.Fatal("forged apple id_token accepted")
		}
		// Apple's own issuer is required.
		fake.BadSignature(false)
		fake.SetIssuer(fake.URL)
		if _, err := login(t, fake, client(t, cfg)); err == nil {
			t.Fatal("foreign issuer accepted for apple")
		}
	})
}

// profile is the comparable part of a User.
type profile struct{ ID, Name, Username, Email, AvatarURL string }

// TestNamedProviderProfiles maps each provider's documented user shape.
func TestNamedProviderProfiles(t *testing.T) {
	cases := []struct {
		name  string
		user  map[string]any
		docs  map[string]any // companion endpoints
		path  string         // user info path when not /userinfo
		extra map[string]any
		want  profile
	}{
		{name: "google", user: map[string]any{"sub": "g1", "name": "G", "picture": "https://p/g.png", "email": "g@x.com", "email_verified": true},
			want: profile{ID: "g1", Name: "G", AvatarURL: "https://p/g.png", Email: "g@x.com"}},
		{name: "github", user: map[string]any{"id": 583231, "login": "octocat", "name": "The Octocat", "avatar_url": "https://a/o.png", "email": nil},
			docs: map[string]any{"/user/emails": []any{
				map[string]any{"email": "old@x.com", "primary": false, "verified": true},
				map[string]any{"email": "octo@x.com", "primary": true, "verified": true}}},
			want: profile{ID: "583231", Name: "The Octocat", Username: "octocat", AvatarURL: "https://a/o.png", Email: "octo@x.com"}},
		{name: "gitlab", user: map[string]any{"id": 7, "username": "gl", "name": "Git Lab", "email": "gl@x.com", "avatar_url": "https://a/gl"},
			want: profile{ID: "7", Name: "Git Lab", Username: "gl", Email: "gl@x.com", AvatarURL: "https://a/gl"}},
		{name: "microsoft", user: map[string]any{"id": "m-1", "displayName": "Ms", "mail": "ms@x.com", "userPrincipalName": "ms@tenant"},
			want: profile{ID: "m-1", Name: "Ms", Username: "ms@tenant"}},
		{name: "microsoft", extra: map[string]any{"trustEmail": true},
			user: map[string]any{"id": "m-1", "displayName": "Ms", "mail": "ms@x.com", "userPrincipalName": "ms@tenant"},
			want: profile{ID: "m-1", Name: "Ms", Username: "ms@tenant", Email: "ms@x.com"}},
		{name: "discord", user: map[string]any{"id": "80351110224678912", "username": "nelly", "global_name": "Nelly", "avatar": "8342729096ea3675442027381ff50dfe", "email": "n@x.com", "verified": true},
			want: profile{ID: "80351110224678912", Name: "Nelly", Username: "nelly", Email: "n@x.com",
				AvatarURL: "https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png"}},
		{name: "discord", user: map[string]any{"id": "1", "username": "u", "email": "u@x.com", "verified": false},
			want: profile{ID: "1", Name: "u", Username: "u"}},
		{name: "facebook", user: map[string]any{"id": "fb1", "name": "F B", "email": "fb@x.com", "picture": map[string]any{"data": map[string]any{"url": "https://fb/p"}}},
			want: profile{ID: "fb1", Name: "F B", Email: "fb@x.com", AvatarURL: "https://fb/p"}},
		{name: "twitter", user: map[string]any{"data": map[string]any{"id": "2244994945", "name": "X Dev", "username": "XDevelopers", "profile_image_url": "https://t/p"}},
			want: profile{ID: "2244994945", Name: "X Dev", Username: "XDevelopers", AvatarURL: "https://t/p"}},
		{name: "spotify", user: map[string]any{"id": "sp", "display_name": "Spot", "email": "s@x.com", "images": []any{map[string]any{"url": "https://s/i"}}},
			want: profile{ID: "sp", Name: "Spot", AvatarURL: "https://s/i"}},
		{name: "twitch", user: map[string]any{"data": []any{map[string]any{"id": "141981764", "login": "twitchdev", "display_name": "TwitchDev", "email": "t@x.com", "profile_image_url": "https://tw/p"}}},
			want: profile{ID: "141981764", Name: "TwitchDev", Username: "twitchdev", Email: "t@x.com", AvatarURL: "https://tw/p"}},
		{name: "bitbucket", user: map[string]any{"uuid": "{b-1}", "username": "bb", "display_name": "Bit Bucket", "links": map[string]any{"avatar": map[string]any{"href": "https://bb/a"}}},
			docs: map[string]any{"/user/emails": map[string]any{"values": []any{
				map[string]any{"email": "x@x.com", "is_primary": true, "is_confirmed": false},
				map[string]any{"email": "bb@x.com", "is_primary": true, "is_confirmed": true}}}},
			want: profile{ID: "{b-1}", Name: "Bit Bucket", Username: "bb", AvatarURL: "https://bb/a", Email: "bb@x.com"}},
		{name: "gitee", user: map[string]any{"id": 9, "login": "ge", "name": "Gi Tee", "avatar_url": "https://ge/a", "email": "unconfirmed@x.com"},
			docs: map[string]any{"/emails": []any{map[string]any{"email": "ge@x.com", "state": "confirmed", "scope": []any{"primary", "committed"}}}},
			want: profile{ID: "9", Name: "Gi Tee", Username: "ge", AvatarURL: "https://ge/a", Email: "ge@x.com"}},
		{name: "gitea", user: map[string]any{"id": 3, "login": "gt", "full_name": "Gi Tea", "email": "gt@x.com", "avatar_url": "https://gt/a"},
			want: profile{ID: "3", Name: "Gi Tea", Username: "gt", Email: "gt@x.com", AvatarURL: "https://gt/a"}},
		{name: "yandex", user: map[string]any{"id": "y1", "login": "ya", "real_name": "Ya Ndex", "default_email": "y@x.com", "default_avatar_id": "131652443", "is_avatar_empty": false},
			want: profile{ID: "y1", Name: "Ya Ndex", Username: "ya", Email: "y@x.com", AvatarURL: "https://avatars.yandex.net/get-yapic/131652443/islands-200"}},
		{name: "kakao", user: map[string]any{"id": 123, "kakao_account": map[string]any{"profile": map[string]any{"nickname": "kk", "profile_image_url": "https://k/p"},
			"email": "k@x.com", "is_email_valid": true, "is_email_verified": true}},
			want: profile{ID: "123", Name: "kk", Username: "kk", Email: "k@x.com", AvatarURL: "https://k/p"}},
		{name: "strava", user: map[string]any{"id": 1234567890987654321, "username": "marianne", "firstname": "Marianne", "lastname": "V.", "profile": "https://s/p"},
			want: profile{ID: "1234567890987654321", Name: "Marianne V.", Username: "marianne", AvatarURL: "https://s/p"}},
		{name: "patreon", user: map[string]any{"data": map[string]any{"id": "pt", "attributes": map[string]any{"full_name": "Pat", "vanity": "pv", "email": "p@x.com", "is_email_verified": true, "image_url": "https://pt/i"}}},
			want: profile{ID: "pt", Name: "Pat", Username: "pv", Email: "p@x.com", AvatarURL: "https://pt/i"}},
		{name: "linear", path: "/graphql",
			docs: map[string]any{"/graphql": map[string]any{"data": map[string]any{"viewer": map[string]any{"id": "ln", "name": "Lin Ear", "displayName": "lin", "email": "l@x.com", "active": true}}}},
			want: profile{ID: "ln", Name: "Lin Ear", Username: "lin", Email: "l@x.com"}},
		{name: "notion", user: map[string]any{"bot": map[string]any{"owner": map[string]any{"user": map[string]any{"id": "nt", "name": "No Tion", "avatar_url": "https://n/a", "person": map[string]any{"email": "n@x.com"}}}}},
			want: profile{ID: "nt", Name: "No Tion", Email: "n@x.com", AvatarURL: "https://n/a"}},
		{name: "box", user: map[string]any{"id": "11446498", "name": "Aaron Levie", "login": "ceo@example.com", "avatar_url": "https://b/a"},
			want: profile{ID: "11446498", Name: "Aaron Levie", Username: "ceo@example.com", Email: "ceo@example.com", AvatarURL: "https://b/a"}},
		{name: "wakatime", user: map[string]any{"data": map[string]any{"id": "w", "username": "wu", "display_name": "W T", "email": "w@x.com", "is_email_confirmed": false}},
			want: profile{ID: "w", Name: "W T", Username: "wu"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := oauth2test.New(t)
			if tc.user != nil {
				fake.SetUser(tc.user)
			}
			for p, v := range tc.docs {
				fake.Serve(p, v)
			}
			cfg := config(fake, tc.name, func(p *core.OAuth2Provider) {
				p.Extra = tc.extra
				if tc.path != "" {
					p.UserInfoURL = fake.URL + tc.path
				}
			})
			fake.NoIDToken(true) // these providers are not OpenID here
			u, err := login(t, fake, client(t, cfg))
			if err != nil {
				t.Fatal(err)
			}
			got := profile{ID: u.ID, Name: u.Name, Username: u.Username, Email: u.Email, AvatarURL: u.AvatarURL}
			if got != tc.want {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
			if len(u.RawUser) == 0 {
				t.Fatal("no raw user")
			}
		})
	}
}
