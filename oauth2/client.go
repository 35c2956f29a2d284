package oauth2

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	xoauth2 "golang.org/x/oauth2"

	"github.com/plinthdb/plinth/core"
)

// User is the provider's account that signed in.
type User struct {
	ID        string
	Name      string
	Username  string
	Email     string // only an address the provider vouches for; "" otherwise
	AvatarURL string

	AccessToken  string
	RefreshToken string
	Expiry       time.Time
	RawUser      map[string]any
}

// Options are a client's environment.
type Options struct {
	// HTTPClient makes the requests to the provider (nil: defaultHTTP).
	HTTPClient *http.Client
	// Now is the clock id_token expiry is checked against.
	Now func() time.Time
}

// Client is one collection's configured provider.
type Client struct {
	p           Provider
	name        string
	displayName string
	pkce        bool
	conf        xoauth2.Config
	userInfoURL string
	extra       map[string]any
	http        *http.Client
	now         func() time.Time
}

// ErrUnknownProvider is returned for a config naming no known provider.
var ErrUnknownProvider = errors.New("unknown OAuth2 provider")

// maxResponse bounds what is read of any provider response.
const maxResponse = 2 << 20

// defaultHTTP is used when Options.HTTPClient is nil. The caller's
// context bounds each exchange; the timeout is a backstop.
var defaultHTTP = &http.Client{Timeout: 60 * time.Second}

// NewClient builds the client of cfg, a collection's providers[] entry:
// the endpoints, PKCE and display name it sets override the kind's.
func NewClient(cfg core.OAuth2Provider, o Options) (*Client, error) {
	p, ok := Lookup(cfg.Name)
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownProvider, cfg.Name)
	}
	c := &Client{p: p, name: p.Name, displayName: p.DisplayName, pkce: p.PKCE,
		userInfoURL: p.UserInfoURL, extra: cfg.Extra, http: o.HTTPClient, now: o.Now}
	if cfg.DisplayName != "" {
		c.displayName = cfg.DisplayName
	}
	if cfg.PKCE != nil {
		c.pkce = *cfg.PKCE
	}
	if cfg.UserInfoURL != "" {
		c.userInfoURL = cfg.UserInfoURL
	}
	if c.http == nil {
		c.http = defaultHTTP
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.conf = xoauth2.Config{
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Scopes: p.Scopes,
		Endpoint: xoauth2.Endpoint{AuthURL: p.AuthURL, TokenURL: p.TokenURL, AuthStyle: p.AuthStyle},
	}
	if cfg.AuthURL != "" {
		c.conf.Endpoint.AuthURL = cfg.AuthURL
	}
	if cfg.TokenURL != "" {
		c.conf.Endpoint.TokenURL = cfg.TokenURL
	}
	return c, nil
}

// Name is the provider's name; DisplayName its label.
func (c *Client) Name() string        { return c.name }
func (c *Client) DisplayName() string { return c.displayName }

// PKCE reports whether the authorization carries a code challenge.
func (c *Client) PKCE() bool { return c.pkce }

// CodeChallenge is the S256 challenge of verifier (RFC 7636).
func CodeChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// AuthURL is the authorize URL for state (and, with PKCE, the challenge
// of verifier). It ends with an empty redirect_uri parameter to which the
// client appends its own redirect URL (§6.2).
func (c *Client) AuthURL(state, verifier string) string {
	var opts []xoauth2.AuthCodeOption
	if c.pkce {
		opts = append(opts, xoauth2.S256ChallengeOption(verifier))
	}
	for k, v := range c.p.AuthParams {
		opts = append(opts, xoauth2.SetAuthURLParam(k, v))
	}
	return c.conf.AuthCodeURL(state, opts...) + "&redirect_uri="
}

func (c *Client) context(ctx context.Context) context.Context {
	return context.WithValue(ctx, xoauth2.HTTPClient, c.http)
}

// Exchange trades an authorization code for a token at the token
// endpoint; with PKCE it sends the verifier.
func (c *Client) Exchange(ctx context.Context, code, verifier, redirectURL string) (*xoauth2.Token, error) {
	conf := c.conf
	conf.RedirectURL = redirectURL
	var opts []xoauth2.AuthCodeOption
	if c.pkce {
		opts = append(opts, xoauth2.VerifierOption(verifier))
	}
	tok, err := conf.Exchange(c.context(ctx), code, opts...)
	if err != nil {
		return nil, err
	}
	return tok, nil
}

// FetchUser reads the account tok belongs to.
func (c *Client) FetchUser(ctx context.Context, tok *xoauth2.Token) (*User, error) {
	fetch := c.p.fetch
	if fetch == nil {
		fetch = generic.fetch
	}
	u, err := fetch(ctx, &session{c: c, tok: tok})
	if err != nil {
		return nil, err
	}
	if u.ID == "" {
		return nil, errors.New("the provider returned no user id")
	}
	u.AccessToken, u.RefreshToken, u.Expiry = tok.AccessToken, tok.RefreshToken, tok.Expiry
	if u.RawUser == nil {
		u.RawUser = map[string]any{}
	}
	return u, nil
}

// session is one user fetch: the client and the token it may spend.
type session struct {
	c   *Client
	tok *xoauth2.Token
}

// get reads the JSON document at u with the token as bearer.
func (s *session) get(ctx context.Context, u string, header map[string]string) (any, error) {
	return s.do(ctx, http.MethodGet, u, nil, header)
}

// post sends body as JSON to u and reads the JSON answer.
func (s *session) post(ctx context.Context, u string, body any, header map[string]string) (any, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range header {
		h[k] = v
	}
	return s.do(ctx, http.MethodPost, u, b, h)
}

func (s *session) do(ctx context.Context, method, u string, body []byte, header map[string]string) (any, error) {
	if u == "" {
		return nil, errors.New("no user info URL is configured")
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	s.tok.SetAuthHeader(req)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := s.c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	if err != nil {
		return nil, err
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return nil, fmt.Errorf("%s %s: status %d: %.200s", method, u, res.StatusCode, raw)
	}
	return decodeJSON(raw)
}

// decodeJSON keeps numbers as written, so large numeric ids survive.
func decodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode provider response: %w", err)
	}
	return v, nil
}

// relative resolves ref against the user info URL, so that companion
// endpoints (e-mail lists) follow a configured self-hosted base.
func (s *session) relative(ref string) string {
	base, err := url.Parse(s.c.userInfoURL)
	if err != nil {
		return ""
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	return base.ResolveReference(r).String()
}

// extraString returns the config's extra[key] as text.
func (c *Client) extraString(key string) string {
	s, _ := c.extra[key].(string)
	return strings.TrimSpace(s)
}

// extraStrings returns extra[key] as a list (a string or a list of them).
func (c *Client) extraStrings(key string) []string {
	switch v := c.extra[key].(type) {
	case string:
		if v = strings.TrimSpace(v); v != "" {
			return []string{v}
		}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok && strings.TrimSpace(s) != "" {
				out = append(out, strings.TrimSpace(s))
			}
		}
		return out
	case []string:
		return v
	}
	return nil
}
