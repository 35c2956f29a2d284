package oauth2

import (
	"context"
	"errors"
	"net/url"
	"slices"

	xoauth2 "golang.org/x/oauth2"
)

// registry lists the provider kinds in the reference server's order
// (§3.8). Endpoints and scopes are the providers' documented defaults;
// a collection config can override the endpoints (self-hosted GitLab,
// Gitea, mailcow, a Microsoft tenant) and PKCE.
var registry = []Provider{
	{
		Name: "apple", DisplayName: "Apple",
		AuthURL: "https://appleid.apple.com/auth/authorize", TokenURL: "https://appleid.apple.com/auth/token",
		Scopes: []string{"name", "email"}, PKCE: true,
		// Apple posts the result (and, once, the user's name) as a form.
		AuthParams: map[string]string{"response_mode": "form_post"},
		AuthStyle:  xoauth2.AuthStyleInParams,
		// There is no user info endpoint: the user is the id_token. Its
		// clientSecret is the signed JWT the settings endpoint generates.
		fetch:   fetchOIDC(profile{id: "sub", email: "email", verified: "email_verified"}),
		jwksURL: "https://appleid.apple.com/auth/keys", issuers: []string{"https://appleid.apple.com"},
	},
	{
		Name: "google", DisplayName: "Google",
		AuthURL: "https://accounts.google.com/o/oauth2/v2/auth", TokenURL: "https://oauth2.googleapis.com/token",
		UserInfoURL: "https://www.googleapis.com/oauth2/v3/userinfo",
		Scopes:      []string{"https://www.googleapis.com/auth/userinfo.profile", "https://www.googleapis.com/auth/userinfo.email"},
		PKCE:        true,
		fetch:       profile{id: "sub", name: "name", email: "email", avatar: "picture", verified: "email_verified"}.fetch,
	},
	{
		Name: "microsoft", DisplayName: "Microsoft",
		AuthURL:     "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
		TokenURL:    "https://login.microsoftonline.com/common/oauth2/v2.0/token",
		UserInfoURL: "https://graph.microsoft.com/v1.0/me",
		Scopes:      []string{"User.Read"}, PKCE: true,
		fetch: fetchMicrosoft,
	},
	{
		Name: "yandex", DisplayName: "Yandex",
		AuthURL: "https://oauth.yandex.com/authorize", TokenURL: "https://oauth.yandex.com/token",
		UserInfoURL: "https://login.yandex.ru/info?format=json",
		Scopes:      []string{"login:email", "login:avatar", "login:info"}, PKCE: true,
		fetch: fetchYandex,
	},
	{
		Name: "facebook", DisplayName: "Facebook",
		AuthURL: "https://www.facebook.com/v17.0/dialog/oauth", TokenURL: "https://graph.facebook.com/v17.0/oauth/access_token",
		UserInfoURL: "https://graph.facebook.com/me?fields=name,email,picture.type(large)",
		Scopes:      []string{"email"}, PKCE: true,
		fetch: profile{id: "id", name: "name", email: "email", avatar: "picture.data.url"}.fetch,
	},
	{
		Name: "instagram2", DisplayName: "Instagram",
		AuthURL: "https://www.instagram.com/oauth/authorize", TokenURL: "https://api.instagram.com/oauth/access_token",
		UserInfoURL: "https://graph.instagram.com/me?fields=id,user_id,username,name,profile_picture_url",
		Scopes:      []string{"instagram_business_basic"}, PKCE: true,
		fetch: profile{id: "user_id|id", name: "name", username: "username", avatar: "profile_picture_url", noEmail: true}.fetch,
	},
	{
		Name: "github", DisplayName: "GitHub",
		AuthURL: "https://github.com/login/oauth/authorize", TokenURL: "https://github.com/login/oauth/access_token",
		UserInfoURL: "https://api.github.com/user",
		Scopes:      []string{"read:user", "user:email"}, PKCE: true,
		fetch: fetchGitHub,
	},
	{
		Name: "gitlab", DisplayName: "GitLab",
		AuthURL: "https://gitlab.com/oauth/authorize", TokenURL: "https://gitlab.com/oauth/token",
		UserInfoURL: "https://gitlab.com/api/v4/user",
		Scopes:      []string{"read_user"}, PKCE: true,
		// GitLab's email is the confirmed primary address.
		fetch: profile{id: "id", name: "name", username: "username", email: "email", avatar: "avatar_url"}.fetch,
	},
	{
		Name: "bitbucket", DisplayName: "Bitbucket",
		AuthURL: "https://bitbucket.org/site/oauth2/authorize", TokenURL: "https://bitbucket.org/site/oauth2/access_token",
		UserInfoURL: "https://api.bitbucket.org/2.0/user",
		Scopes:      []string{"account", "email"},
		fetch:       fetchBitbucket,
	},
	{
		Name: "gitee", DisplayName: "Gitee",
		AuthURL: "https://gitee.com/oauth/authorize", TokenURL: "https://gitee.com/oauth/token",
		UserInfoURL: "https://gitee.com/api/v5/user",
		Scopes:      []string{"user_info", "emails"}, PKCE: true,
		fetch: fetchGitee,
	},
	{
		Name: "gitea", DisplayName: "Gitea",
		AuthURL: "https://gitea.com/login/oauth/authorize", TokenURL: "https://gitea.com/login/oauth/access_token",
		UserInfoURL: "https://gitea.com/api/v1/user",
		Scopes:      []string{"read:user", "user:email"}, PKCE: true,
		fetch: profile{id: "id", name: "full_name", username: "login", email: "email", avatar: "avatar_url"}.fetch,
	},
	{
		Name: "discord", DisplayName: "Discord",
		AuthURL: "https://discord.com/api/oauth2/authorize", TokenURL: "https://discord.com/api/oauth2/token",
		UserInfoURL: "https://discord.com/api/users/@me",
		Scopes:      []string{"identify", "email"}, PKCE: true,
		fetch: fetchDiscord,
	},
	{
		Name: "twitter", DisplayName: "Twitter",
		AuthURL: "https://twitter.com/i/oauth2/authorize", TokenURL: "https://api.twitter.com/2/oauth2/token",
		UserInfoURL: "https://api.twitter.com/2/users/me?user.fields=id,name,username,profile_image_url",
		Scopes:      []string{"users.read", "tweet.read"}, PKCE: true,
		fetch: profile{root: "data", id: "id", name: "name", username: "username", avatar: "profile_image_url", noEmail: true}.fetch,
	},
	{
		Name: "kakao", DisplayName: "Kakao",
		AuthURL: "https://kauth.kakao.com/oauth/authorize", TokenURL: "https://kauth.kakao.com/oauth/token",
		UserInfoURL: "https://kapi.kakao.com/v2/user/me",
		Scopes:      []string{"account_email", "profile_nickname", "profile_image"}, PKCE: true,
		fetch: fetchKakao,
	},
	{
		Name: "vk", DisplayName: "VK",
		AuthURL: "https://oauth.vk.com/authorize", TokenURL: "https://oauth.vk.com/access_token",
		UserInfoURL: "https://api.vk.com/method/users.get?fields=photo_max,screen_name&v=5.199",
		Scopes:      []string{"email"},
		fetch:       fetchVK,
	},
	{
		Name: "linear", DisplayName: "Linear",
		AuthURL: "https://linear.app/oauth/authorize", TokenURL: "https://api.linear.app/oauth/token",
		UserInfoURL: "https://api.linear.app/graphql",
		Scopes:      []string{"read"},
		fetch: fetchGraphQL(`query Me { viewer { id name displayName email avatarUrl active } }`,
			profile{root: "data.viewer", id: "id", name: "name", username: "displayName", email: "email", avatar: "avatarUrl", verified: "active"}),
	},
	{
		Name: "notion", DisplayName: "Notion",
		AuthURL: "https://api.notion.com/v1/oauth/authorize", TokenURL: "https://api.notion.com/v1/oauth/token",
		UserInfoURL: "https://api.notion.com/v1/users/me",
		PKCE:        true, AuthParams: map[string]string{"owner": "user"},
		fetch: profile{root: "bot.owner.user", id: "id", name: "name", email: "person.email", avatar: "avatar_url",
			header: func(*Client) map[string]string { return map[string]string{"Notion-Version": "2022-06-28"} }}.fetch,
	},
	{
		Name: "monday", DisplayName: "monday.com",
		AuthURL: "https://auth.monday.com/oauth2/authorize", TokenURL: "https://auth.monday.com/oauth2/token",
		UserInfoURL: "https://api.monday.com/v2",
		Scopes:      []string{"me:read"}, PKCE: true,
		fetch: fetchGraphQL(`query { me { id enabled name email is_verified photo_small } }`,
			profile{root: "data.me", id: "id", name: "name", email: "email", avatar: "photo_small", verified: "is_verified"}),
	},
	{
		Name: "lark", DisplayName: "Lark",
		AuthURL:     "https://accounts.larksuite.com/open-apis/authen/v1/authorize",
		TokenURL:    "https://open.larksuite.com/open-apis/authen/v2/oauth/token",
		UserInfoURL: "https://open.larksuite.com/open-apis/authen/v1/user_info",
		PKCE:        true,
		// Enterprise addresses are set by tenant admins, not verified.
		fetch: profile{root: "data", id: "union_id|open_id", name: "name", avatar: "avatar_url", noEmail: true}.fetch,
	},
	{
		Name: "box", DisplayName: "Box",
		AuthURL: "https://account.box.com/api/oauth2/authorize", TokenURL: "https://api.box.com/oauth2/token",
		UserInfoURL: "https://api.box.com/2.0/users/me",
		Scopes:      []string{"root_readonly"}, PKCE: true,
		fetch: profile{id: "id", name: "name", username: "login", email: "login", avatar: "avatar_url"}.fetch,
	},
	{
		Name: "spotify", DisplayName: "Spotify",
		AuthURL: "https://accounts.spotify.com/authorize", TokenURL: "https://accounts.spotify.com/api/token",
		UserInfoURL: "https://api.spotify.com/v1/me",
		Scopes:      []string{"user-read-private", "user-read-email"}, PKCE: true,
		// Spotify does not say whether the address was verified.
		fetch: profile{id: "id", name: "display_name", avatar: "images.0.url", noEmail: true}.fetch,
	},
	{
		Name: "trakt", DisplayName: "Trakt",
		AuthURL: "https://trakt.tv/oauth/authorize", TokenURL: "https://api.trakt.tv/oauth/token",
		UserInfoURL: "https://api.trakt.tv/users/settings",
		PKCE:        true,
		fetch: profile{root: "user", id: "ids.uuid|ids.slug", name: "name", username: "username", avatar: "images.avatar.full", noEmail: true,
			header: func(c *Client) map[string]string {
				return map[string]string{"trakt-api-version": "2", "trakt-api-key": c.conf.ClientID}
			}}.fetch,
	},
	{
		Name: "twitch", DisplayName: "Twitch",
		AuthURL: "https://id.twitch.tv/oauth2/authorize", TokenURL: "https://id.twitch.tv/oauth2/token",
		UserInfoURL: "https://api.twitch.tv/helix/users",
		Scopes:      []string{"user:read:email"},
		AuthStyle:   xoauth2.AuthStyleInParams,
		// Twitch returns only a verified address under user:read:email.
		fetch: profile{root: "data.0", id: "id", name: "display_name", username: "login", email: "email", avatar: "profile_image_url",
			header: func(c *Client) map[string]string { return map[string]string{"Client-Id": c.conf.ClientID} }}.fetch,
	},
	{
		Name: "patreon", DisplayName: "Patreon",
		AuthURL: "https://www.patreon.com/oauth2/authorize", TokenURL: "https://www.patreon.com/api/oauth2/token",
		UserInfoURL: "https://www.patreon.com/api/oauth2/v2/identity?fields%5Buser%5D=full_name,email,vanity,image_url,is_email_verified",
		Scopes:      []string{"identity", "identity[email]"}, PKCE: true,
		fetch: profile{root: "data", id: "id", name: "attributes.full_name", username: "attributes.vanity", email: "attributes.email",
			avatar: "attributes.image_url", verified: "attributes.is_email_verified"}.fetch,
	},
	{
		Name: "strava", DisplayName: "Strava",
		AuthURL: "https://www.strava.com/oauth/authorize", TokenURL: "https://www.strava.com/api/v3/oauth/token",
		UserInfoURL: "https://www.strava.com/api/v3/athlete",
		Scopes:      []string{"profile:read_all"}, PKCE: true,
		AuthStyle: xoauth2.AuthStyleInParams,
		fetch:     profile{id: "id", name: "firstname+lastname", username: "username", avatar: "profile", noEmail: true}.fetch,
	},
	{
		Name: "wakatime", DisplayName: "WakaTime",
		AuthURL: "https://wakatime.com/oauth/authorize", TokenURL: "https://wakatime.com/oauth/token",
		UserInfoURL: "https://wakatime.com/api/v1/users/current",
		Scopes:      []string{"email"}, PKCE: true,
		fetch: profile{root: "data", id: "id", name: "display_name", username: "username", email: "email", avatar: "photo",
			verified: "is_email_confirmed"}.fetch,
	},
	{
		Name: "livechat", DisplayName: "LiveChat",
		AuthURL: "https://accounts.livechat.com/", TokenURL: "https://accounts.livechat.com/v2/token",
		UserInfoURL: "https://accounts.livechat.com/v2/accounts/me",
		PKCE:        true,
		fetch:       profile{id: "account_id", name: "name", email: "email", avatar: "avatar_url", verified: "email_verified"}.fetch,
	},
	{
		// Self-hosted: the endpoints come from the collection config.
		Name: "mailcow", DisplayName: "mailcow",
		Scopes: []string{"profile"}, PKCE: true,
		fetch: profile{id: "id", name: "full_name", username: "username", email: "email", verified: "active"}.fetch,
	},
	{
		Name: "planningcenter", DisplayName: "Planning Center",
		AuthURL: "https://api.planningcenteronline.com/oauth/authorize", TokenURL: "https://api.planningcenteronline.com/oauth/token",
		UserInfoURL: "https://api.planningcenteronline.com/people/v2/me",
		Scopes:      []string{"people"}, PKCE: true,
		fetch: profile{root: "data", id: "id", name: "attributes.name", avatar: "attributes.avatar", noEmail: true}.fetch,
	},
	oidcKind("oidc", "OIDC"),
	oidcKind("oidc2", "OIDC2"),
	oidcKind("oidc3", "OIDC3"),
}

// oidcKind is a generic OpenID Connect provider: every endpoint comes
// from the collection config.
func oidcKind(name, display string) Provider {
	return Provider{Name: name, DisplayName: display, Scopes: []string{"openid", "email", "profile"}, PKCE: true,
		fetch: fetchOIDC(oidcProfile)}
}

// fetchMicrosoft reads Graph's /me. Its mail attribute is whatever the
// tenant's admins typed in, verified by nobody, so it is only used when
// the config's extra sets "trustEmail": true (a single-tenant setup).
func fetchMicrosoft(ctx context.Context, s *session) (*User, error) {
	p := profile{id: "id", name: "displayName", username: "userPrincipalName", email: "mail", noEmail: true}
	if trust, _ := s.c.extra["trustEmail"].(bool); trust {
		p.noEmail = false
	}
	return p.fetch(ctx, s)
}

func fetchYandex(ctx context.Context, s *session) (*User, error) {
	u, err := profile{id: "id", name: "real_name|display_name", username: "login", email: "default_email"}.fetch(ctx, s)
	if err != nil {
		return nil, err
	}
	if id := text(u.RawUser["default_avatar_id"]); id != "" && !truthy(u.RawUser["is_avatar_empty"]) {
		u.AvatarURL = "https://avatars.yandex.net/get-yapic/" + url.PathEscape(id) + "/islands-200"
	}
	return u, nil
}

// fetchGitHub reads the user and, when the public address is hidden, the
// verified primary one from the e-mail list.
func fetchGitHub(ctx context.Context, s *session) (*User, error) {
	u, err := profile{id: "id", name: "name", username: "login", email: "email", avatar: "avatar_url"}.fetch(ctx, s)
	if err != nil || u.Email != "" {
		return u, err
	}
	list, err := s.get(ctx, s.relative("user/emails"), nil)
	if err != nil {
		return u, nil // the list needs the user:email scope; carry on without
	}
	u.Email = pickEmail(list, "", "email", func(e any) bool { return truthy(lookup(e, "primary")) && truthy(lookup(e, "verified")) })
	return u, nil
}

func fetchBitbucket(ctx context.Context, s *session) (*User, error) {
	u, err := profile{id: "uuid|account_id", name: "display_name", username: "username|nickname", avatar: "links.avatar.href"}.fetch(ctx, s)
	if err != nil {
		return nil, err
	}
	if list, err := s.get(ctx, s.relative("user/emails"), nil); err == nil {
		u.Email = pickEmail(list, "values", "email", func(e any) bool {
			return truthy(lookup(e, "is_primary")) && truthy(lookup(e, "is_confirmed"))
		})
	}
	return u, nil
}

// fetchGitee takes the address from the e-mail list, the only place that
// says whether it is confirmed.
func fetchGitee(ctx context.Context, s *session) (*User, error) {
	u, err := profile{id: "id", name: "name", username: "login", avatar: "avatar_url", noEmail: true}.fetch(ctx, s)
	if err != nil {
		return nil, err
	}
	if list, err := s.get(ctx, s.relative("emails"), nil); err == nil {
		u.Email = pickEmail(list, "", "email", func(e any) bool {
			scopes, _ := lookup(e, "scope").([]any)
			return text(lookup(e, "state")) == "confirmed" && slices.ContainsFunc(scopes, func(x any) bool { return text(x) == "primary" })
		})
	}
	return u, nil
}

func fetchDiscord(ctx context.Context, s *session) (*User, error) {
	u, err := profile{id: "id", name: "global_name|username", username: "username", email: "email", verified: "verified"}.fetch(ctx, s)
	if err != nil {
		return nil, err
	}
	if hash := text(u.RawUser["avatar"]); hash != "" {
		u.AvatarURL = "https://cdn.discordapp.com/avatars/" + url.PathEscape(u.ID) + "/" + url.PathEscape(hash) + ".png"
	}
	return u, nil
}

func fetchKakao(ctx context.Context, s *session) (*User, error) {
	u, err := profile{id: "id", name: "kakao_account.profile.nickname|properties.nickname",
		username: "kakao_account.profile.nickname|properties.nickname",
		avatar:   "kakao_account.profile.profile_image_url|properties.profile_image", noEmail: true}.fetch(ctx, s)
	if err != nil {
		return nil, err
	}
	if truthy(lookup(u.RawUser, "kakao_account.is_email_valid")) && truthy(lookup(u.RawUser, "kakao_account.is_email_verified")) {
		u.Email = text(lookup(u.RawUser, "kakao_account.email"))
	}
	return u, nil
}

// fetchVK reads users.get, which takes the token as a parameter; VK hands
// the (verified) address out with the token, not the profile.
func fetchVK(ctx context.Context, s *session) (*User, error) {
	u, err := url.Parse(s.c.userInfoURL)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	q.Set("access_token", s.tok.AccessToken)
	u.RawQuery = q.Encode()
	raw, err := s.get(ctx, u.String(), nil)
	if err != nil {
		return nil, err
	}
	user := profile{root: "response.0", id: "id", name: "first_name+last_name", username: "screen_name", avatar: "photo_max", noEmail: true}.user(raw)
	if email, _ := s.tok.Extra("email").(string); email != "" {
		user.Email = email
	}
	return user, nil
}

// fetchGraphQL posts query to the user info endpoint (a GraphQL API).
func fetchGraphQL(query string, p profile) fetchFunc {
	return func(ctx context.Context, s *session) (*User, error) {
		raw, err := s.post(ctx, s.c.userInfoURL, map[string]string{"query": query}, nil)
		if err != nil {
			return nil, err
		}
		if errs, _ := lookup(raw, "errors").([]any); len(errs) > 0 {
			return nil, errors.New("graphql: " + text(lookup(errs[0], "message")))
		}
		return p.user(raw), nil
	}
}

// pickEmail returns the address of the first entry of list (at path
// root) that ok accepts.
func pickEmail(list any, root, key string, ok func(any) bool) string {
	items, _ := lookup(list, root).([]any)
	for _, e := range items {
		if ok(e) {
			if s := text(lookup(e, key)); s != "" {
				return s
			}
		}
	}
	return ""
}
