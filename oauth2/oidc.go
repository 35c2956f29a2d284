package oauth2

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// signingAlgs are the id_token algorithms accepted (go-oidc defaults to
// RS256 only; several providers sign with EC keys).
var signingAlgs = []string{oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512,
	oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA}

// oidcProfile maps standard OpenID Connect claims.
var oidcProfile = profile{id: "sub", name: "name|given_name+family_name", username: "preferred_username",
	email: "email", avatar: "picture", verified: "email_verified"}

// fetchOIDC reads the user of an OpenID Connect provider: from the user
// info endpoint when one is configured, else from the id_token. An
// id_token that comes along is checked either way, and must name the same
// subject as the user info.
func fetchOIDC(p profile) fetchFunc {
	return func(ctx context.Context, s *session) (*User, error) {
		claims, err := s.idToken(ctx)
		if err != nil {
			return nil, err
		}
		if s.c.userInfoURL == "" {
			if claims == nil {
				return nil, errors.New("no user info URL is configured and the token has no id_token")
			}
			return p.user(claims), nil
		}
		raw, err := s.get(ctx, s.c.userInfoURL, nil)
		if err != nil {
			return nil, err
		}
		if claims != nil {
			if sub := text(lookup(raw, "sub")); sub != "" && sub != text(claims["sub"]) {
				return nil, errors.New("the user info subject differs from the id_token subject")
			}
		}
		return p.user(raw), nil
	}
}

// idToken returns the checked claims of the token's id_token, nil when
// it has none.
//
// The signature is verified whenever keys can be found: the config's
// extra "jwksURL" (or the kind's), else by OpenID discovery at the
// token's issuer, which must then be listed in extra "issuers" or share
// its host with the authorize or token endpoint (so a token cannot point
// the server at arbitrary hosts). When no keys are discoverable the
// token is still trusted as OpenID Connect allows for one received
// directly from the token endpoint over TLS, after its audience and
// expiry are checked.
func (s *session) idToken(ctx context.Context) (map[string]any, error) {
	raw, _ := s.tok.Extra("id_token").(string)
	if raw == "" {
		return nil, nil
	}
	unverified, err := jwtPayload(raw)
	if err != nil {
		return nil, err
	}
	iss := text(unverified["iss"])
	issuers := s.c.extraStrings("issuers")
	if len(issuers) == 0 {
		issuers = s.c.p.issuers
	}
	if len(issuers) > 0 && !slices.Contains(issuers, iss) {
		return nil, fmt.Errorf("id_token issuer %q is not accepted", iss)
	}
	cfg := &oidc.Config{ClientID: s.c.conf.ClientID, SupportedSigningAlgs: signingAlgs, Now: s.c.now}
	ctx = oidc.ClientContext(ctx, s.c.http)
	jwks := s.c.extraString("jwksURL")
	if jwks == "" {
		jwks = s.c.p.jwksURL
	}
	var verifier *oidc.IDTokenVerifier
	switch {
	case jwks != "":
		verifier = oidc.NewVerifier(iss, oidc.NewRemoteKeySet(ctx, jwks), cfg)
	case iss != "" && (len(issuers) > 0 || s.c.sameHost(iss)):
		if p, err := oidc.NewProvider(ctx, iss); err == nil {
			verifier = p.VerifierContext(ctx, cfg)
		}
	}
	if verifier == nil {
		return checkUnsigned(unverified, s.c.conf.ClientID, s.c.now())
	}
	tok, err := verifier.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("id_token: %w", err)
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return nil, err
	}
	return claims, nil
}

// sameHost reports whether u is on the host of the authorize or token
// endpoint.
func (c *Client) sameHost(u string) bool {
	pu, err := url.Parse(u)
	if err != nil || pu.Host == "" {
		return false
	}
	for _, e := range []string{c.conf.Endpoint.AuthURL, c.conf.Endpoint.TokenURL} {
		if pe, err := url.Parse(e); err == nil && strings.EqualFold(pe.Host, pu.Host) && pe.Scheme == pu.Scheme {
			return true
		}
	}
	return false
}

// jwtPayload decodes a JWT's claims without checking them.
func jwtPayload(raw string) (map[string]any, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, errors.New("malformed id_token")
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, fmt.Errorf("malformed id_token: %w", err)
	}
	v, err := decodeJSON(b)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("malformed id_token claims")
	}
	return m, nil
}

// checkUnsigned checks what can be checked of an id_token without keys.
func checkUnsigned(claims map[string]any, clientID string, now time.Time) (map[string]any, error) {
	var aud []string
	switch v := claims["aud"].(type) {
	case string:
		aud = []string{v}
	case []any:
		for _, x := range v {
			aud = append(aud, text(x))
		}
	}
	if !slices.Contains(aud, clientID) {
		return nil, errors.New("id_token audience does not include the client id")
	}
	exp, err := lookupNumber(claims["exp"])
	if err != nil || now.Unix() >= exp {
		return nil, errors.New("id_token is expired or has no expiry")
	}
	return claims, nil
}

func lookupNumber(v any) (int64, error) {
	s := text(v)
	var n float64
	if _, err := fmt.Sscan(s, &n); err != nil {
		return 0, err
	}
	return int64(n), nil
}
