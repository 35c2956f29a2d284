package oauth2

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
)

// profile says where a provider's user document keeps each User field.
// A field lists candidate paths separated by "|" ("data.0.login|login");
// the first non-empty one wins. A candidate "a+b" joins two values with a
// space (given and family names). Numeric path parts index lists.
type profile struct {
	root                              string // path of the user object in the response
	id, name, username, email, avatar string
	// verified lists the flags saying the e-mail is verified. Empty means
	// the provider only ever returns addresses it has verified.
	verified string
	// noEmail: the provider does not say whether its addresses are
	// verified, so none is trusted (an unverified address would let its
	// claimant take over the local account that has it).
	noEmail bool
	// header adds request headers (API versions, client ids).
	header func(c *Client) map[string]string
}

// generic reads the common shapes of OpenID and REST user documents. An
// address counts only with an explicit verified flag.
var generic = profile{
	id:       "sub|id|user_id|uid",
	name:     "name|display_name|displayName|full_name|fullName|given_name+family_name",
	username: "preferred_username|username|login|screen_name|nickname",
	email:    "email",
	avatar:   "picture|avatar_url|avatarUrl|avatar|image|profile_image_url",
	verified: "email_verified|verified_email|is_email_verified|emailVerified",
}

// fetch reads the user info endpoint and maps it.
func (p profile) fetch(ctx context.Context, s *session) (*User, error) {
	var h map[string]string
	if p.header != nil {
		h = p.header(s.c)
	}
	raw, err := s.get(ctx, s.c.userInfoURL, h)
	if err != nil {
		return nil, err
	}
	return p.user(raw), nil
}

// user maps a decoded document.
func (p profile) user(raw any) *User {
	obj, _ := lookup(raw, p.root).(map[string]any)
	u := &User{RawUser: obj}
	if obj == nil {
		return u
	}
	u.ID = first(obj, p.id)
	u.Name = first(obj, p.name)
	u.Username = first(obj, p.username)
	u.AvatarURL = first(obj, p.avatar)
	if !p.noEmail && (p.verified == "" || anyTrue(obj, p.verified)) {
		u.Email = first(obj, p.email)
	}
	return u
}

// lookup walks a dotted path through maps and lists.
func lookup(v any, path string) any {
	if path == "" {
		return v
	}
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// first returns the first non-empty candidate of paths.
func first(obj any, paths string) string {
	if paths == "" {
		return ""
	}
	for _, cand := range strings.Split(paths, "|") {
		var parts []string
		for _, p := range strings.Split(cand, "+") {
			if s := text(lookup(obj, p)); s != "" {
				parts = append(parts, s)
			}
		}
		if s := strings.Join(parts, " "); s != "" {
			return s
		}
	}
	return ""
}

// text renders a scalar as a string; other values give "".
func text(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

// truthy reads a flag that some providers send as a string.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(x, "true")
	case json.Number:
		return x.String() != "0"
	}
	return false
}

// anyTrue reports whether one of the "|"-separated flags is set.
func anyTrue(obj any, paths string) bool {
	for _, p := range strings.Split(paths, "|") {
		if truthy(lookup(obj, p)) {
			return true
		}
	}
	return false
}
