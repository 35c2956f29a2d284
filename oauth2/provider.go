// Package oauth2 knows the OAuth2 providers Plinth signs users in with:
// their default endpoints, scopes and PKCE support, how each one's user
// profile maps onto a User, and the authorization-code exchange itself
// (golang.org/x/oauth2, with id_token checks by go-oidc). It serves no
// HTTP; package oauth2test is an in-process provider for tests.
package oauth2

import (
	"context"
	"fmt"
	"hash/crc32"
	"html"
	"strings"

	xoauth2 "golang.org/x/oauth2"
)

// Provider is a provider kind: what a collection's oauth2.providers[]
// entry of that name starts from. The collection config may override the
// endpoints and PKCE.
type Provider struct {
	Name        string
	DisplayName string
	AuthURL     string
	TokenURL    string
	UserInfoURL string
	Scopes      []string
	PKCE        bool
	// AuthParams are extra parameters of the authorize URL.
	AuthParams map[string]string
	// AuthStyle is how the client authenticates at the token endpoint
	// (zero: detected by x/oauth2).
	AuthStyle xoauth2.AuthStyle

	fetch fetchFunc // reads the signed-in user; nil = generic.fetch
	// jwksURL and issuers check id_tokens unless the config's extra
	// sets its own "jwksURL" / "issuers".
	jwksURL string
	issuers []string
}

// fetchFunc reads the user a token belongs to.
type fetchFunc func(ctx context.Context, s *session) (*User, error)

// Lookup returns the provider kind named name.
func Lookup(name string) (Provider, bool) {
	for _, p := range registry {
		if p.Name == name {
			return p, true
		}
	}
	return Provider{}, false
}

// List returns every provider kind in the order the reference server
// lists them (§3.8).
func List() []Provider {
	return append([]Provider(nil), registry...)
}

// Names returns the names of List, for collection validation.
func Names() []string {
	out := make([]string, len(registry))
	for i, p := range registry {
		out[i] = p.Name
	}
	return out
}

// badgeColors are the backgrounds of the logo badges.
var badgeColors = []string{"#4f46e5", "#0891b2", "#059669", "#d97706", "#dc2626", "#7c3aed", "#db2777", "#475569"}

// Logo returns the provider's logo: a letter badge drawn here (Plinth
// ships no third-party marks), as inline SVG markup.
func Logo(name string) string {
	label := name
	if p, ok := Lookup(name); ok {
		label = p.DisplayName
	}
	letter := "?"
	for _, r := range label {
		letter = strings.ToUpper(string(r))
		break
	}
	color := badgeColors[crc32.ChecksumIEEE([]byte(name))%uint32(len(badgeColors))]
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="32" height="32">`+
		`<rect width="32" height="32" rx="7" fill="%s"/>`+
		`<text x="16" y="21.5" text-anchor="middle" font-family="Arial,Helvetica,sans-serif" font-size="17" font-weight="700" fill="#fff">%s</text>`+
		`</svg>`, color, html.EscapeString(letter))
}
