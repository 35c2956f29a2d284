// Package oauth2test is an in-process OAuth2 / OpenID Connect provider
// for tests, on 127.0.0.1 via httptest: an authorize endpoint that
// redirects back with a code, a token endpoint that checks the code,
// the client credentials, the redirect URI and the PKCE verifier, a
// user info endpoint, OpenID discovery, a JWKS and RS256-signed
// id_tokens. Tests choose who signs in next with SetUser.
package oauth2test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fixed client credentials the server accepts.
const (
	ClientID     = "test-client"
	ClientSecret = "test-secret"
)

// Server is a running fake provider.
type Server struct {
	// URL is the base URL, also the OpenID issuer unless SetIssuer
	// changes what tokens claim.
	URL string

	srv       *httptest.Server
	key       *rsa.PrivateKey
	otherKey  *rsa.PrivateKey // signs tokens the JWKS does not vouch for
	mu        sync.Mutex
	user      map[string]any
	issuer    string
	codes     map[string]*grant
	tokens    map[string]map[string]any
	docs      map[string]any
	tokenFail int
	userFail  int
	badSig    bool
	noIDToken bool
	idHook    func(map[string]any)
	tokenReqs []url.Values
	userReqs  int
}

// grant is an issued authorization code.
type grant struct {
	clientID, redirectURI, challenge, method, scope string
	user                                            map[string]any
}

// keys are made once per test binary: RSA generation is slow, and each
// server's tokens are checked against its own URL anyway.
var (
	keysOnce sync.Once
	keys     [2]*rsa.PrivateKey
	keysErr  error
)

// New starts a provider that lives as long as the test.
func New(t testing.TB) *Server {
	t.Helper()
	keysOnce.Do(func() {
		if keys[0], keysErr = rsa.GenerateKey(rand.Reader, 2048); keysErr == nil {
			keys[1], keysErr = rsa.GenerateKey(rand.Reader, 2048)
		}
	})
	if keysErr != nil {
		t.Fatal(keysErr)
	}
	s := &Server{key: keys[0], otherKey: keys[1], codes: map[string]*grant{}, tokens: map[string]map[string]any{}, docs: map[string]any{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("GET /userinfo", s.userinfo)
	mux.HandleFunc("GET /.well-known/openid-configuration", s.discovery)
	mux.HandleFunc("GET /jwks", s.jwks)
	mux.HandleFunc("GET /avatar.png", avatar)
	mux.HandleFunc("/", s.document)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL
	s.issuer = s.URL
	s.user = map[string]any{"sub": "user-1", "name": "Test User", "preferred_username": "tester",
		"email": "user1@example.com", "email_verified": true, "picture": s.URL + "/avatar.png"}
	return s
}

// Endpoints of the server.
func (s *Server) AuthURL() string     { return s.URL + "/authorize" }
func (s *Server) TokenURL() string    { return s.URL + "/token" }
func (s *Server) UserInfoURL() string { return s.URL + "/userinfo" }
func (s *Server) JWKSURL() string     { return s.URL + "/jwks" }

// Config returns a collection's oauth2.providers[] entry named name that
// points at this server.
func (s *Server) Config(name string) map[string]any {
	return map[string]any{"name": name, "clientId": ClientID, "clientSecret": ClientSecret,
		"authURL": s.AuthURL(), "tokenURL": s.TokenURL(), "userInfoURL": s.UserInfoURL()}
}

// SetUser sets the account that signs in from now on: the user info
// document as is, and the claims of id_tokens ("sub" defaults to "id").
func (s *Server) SetUser(user map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user = clone(user)
}

// SetIssuer changes the iss claim of id_tokens (discovery keeps URL).
func (s *Server) SetIssuer(iss string) { s.mu.Lock(); s.issuer = iss; s.mu.Unlock() }

// FailToken makes the token endpoint answer status (0: work again).
func (s *Server) FailToken(status int) { s.mu.Lock(); s.tokenFail = status; s.mu.Unlock() }

// FailUserInfo makes the user info endpoint answer status.
func (s *Server) FailUserInfo(status int) { s.mu.Lock(); s.userFail = status; s.mu.Unlock() }

// BadSignature makes id_tokens signed by a key the JWKS does not have.
func (s *Server) BadSignature(on bool) { s.mu.Lock(); s.badSig = on; s.mu.Unlock() }

// NoIDToken leaves the id_token out of token responses.
func (s *Server) NoIDToken(on bool) { s.mu.Lock(); s.noIDToken = on; s.mu.Unlock() }

// EditIDToken lets a test change id_token claims before signing.
func (s *Server) EditIDToken(fn func(claims map[string]any)) {
	s.mu.Lock()
	s.idHook = fn
	s.mu.Unlock()
}

// Serve answers requests of any method to path (bearer token required)
// with v as JSON: the companion endpoints of some providers (GitHub's
// /user/emails) and GraphQL user queries.
func (s *Server) Serve(path string, v any) { s.mu.Lock(); s.docs[path] = v; s.mu.Unlock() }

// TokenRequests returns the forms the token endpoint received.
func (s *Server) TokenRequests() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.tokenReqs...)
}

// UserInfoRequests counts authenticated user info reads.
func (s *Server) UserInfoRequests() int { s.mu.Lock(); defer s.mu.Unlock(); return s.userReqs }

// Authorize plays the browser: it opens authURL with redirectURL
// appended (auth-methods URLs end with "&redirect_uri="), stops at the
// provider's redirect and returns the code and state it carries.
func (s *Server) Authorize(t testing.TB, authURL, redirectURL string) (code, state string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(authURL + url.QueryEscape(redirectURL))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d", res.StatusCode)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(loc.String(), redirectURL) {
		t.Fatalf("authorize redirected to %s, want %s", loc, redirectURL)
	}
	return loc.Query().Get("code"), loc.Query().Get("state")
}

// Code issues a code directly, as if the user had authorized with the
// given PKCE challenge ("" for none) and redirect URI.
func (s *Server) Code(challenge, redirectURI string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	method := ""
	if challenge != "" {
		method = "S256"
	}
	return s.newCode(&grant{clientID: ClientID, redirectURI: redirectURI, challenge: challenge, method: method, user: clone(s.user)})
}

func (s *Server) newCode(g *grant) string {
	code := randomText(24)
	s.codes[code] = g
	return code
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	switch {
	case q.Get("client_id") != ClientID:
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	case q.Get("response_type") != "code":
		http.Error(w, "response_type must be code", http.StatusBadRequest)
		return
	case err != nil || q.Get("redirect_uri") == "" || !redirect.IsAbs():
		http.Error(w, "redirect_uri is missing or relative", http.StatusBadRequest)
		return
	case q.Get("code_challenge") != "" && q.Get("code_challenge_method") != "S256":
		http.Error(w, "only S256 challenges", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	code := s.newCode(&grant{clientID: ClientID, redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"),
		method: q.Get("code_challenge_method"), scope: q.Get("scope"), user: clone(s.user)})
	s.mu.Unlock()
	back := redirect.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// tokenError answers as RFC 6749 §5.2 says.
func tokenError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenReqs = append(s.tokenReqs, r.PostForm)
	if s.tokenFail != 0 {
		tokenError(w, s.tokenFail, "server_error")
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != ClientID || secret != ClientSecret {
		tokenError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	g := s.codes[r.PostForm.Get("code")]
	delete(s.codes, r.PostForm.Get("code")) // codes are single-use
	if g == nil || g.redirectURI != r.PostForm.Get("redirect_uri") {
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	if g.challenge != "" {
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			tokenError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
	}
	access := randomText(32)
	s.tokens[access] = g.user
	out := map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 3600,
		"refresh_token": randomText(32), "scope": g.scope}
	if !s.noIDToken {
		out["id_token"] = s.idToken(g.user)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// bearer returns the user of the request's access token.
func (s *Server) bearer(r *http.Request) map[string]any {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "Bearer ") {
		return nil
	}
	return s.tokens[h[7:]]
}

func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	user := s.bearer(r)
	if user == nil {
		http.Error(w, `{"error":"invalid_token"}`, http.StatusUnauthorized)
		return
	}
	s.userReqs++
	if s.userFail != 0 {
		http.Error(w, `{"error":"server_error"}`, s.userFail)
		return
	}
	writeJSON(w, user)
}

func (s *Server) document(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	doc, ok := s.docs[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if s.bearer(r) == nil {
		http.Error(w, `{"error":"invalid_token"}`, http.StatusUnauthorized)
		return
	}
	writeJSON(w, doc)
}

func (s *Server) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{
		"issuer": s.URL, "authorization_endpoint": s.AuthURL(), "token_endpoint": s.TokenURL(),
		"userinfo_endpoint": s.UserInfoURL(), "jwks_uri": s.JWKSURL(),
		"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
	})
}

func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	pub := s.key.PublicKey
	writeJSON(w, map[string]any{"keys": []any{map[string]any{
		"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// idToken signs the claims of user (caller holds mu).
func (s *Server) idToken(user map[string]any) string {
	now := time.Now()
	claims := clone(user)
	if _, ok := claims["sub"]; !ok {
		claims["sub"] = fmt.Sprint(user["id"])
	}
	claims["iss"], claims["aud"] = s.issuer, ClientID
	claims["iat"], claims["exp"] = now.Unix(), now.Add(time.Hour).Unix()
	if s.idHook != nil {
		s.idHook(claims)
	}
	key := s.key
	if s.badSig {
		key = s.otherKey
	}
	return SignRS256(key, "k1", claims)
}

// SignRS256 builds a compact RS256 JWT of claims.
func SignRS256(key *rsa.PrivateKey, kid string, claims map[string]any) string {
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": kid})
	payload, _ := json.Marshal(claims)
	signing := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		panic(err) // only with a broken key
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// avatar serves a small PNG as the users' picture.
func avatar(w http.ResponseWriter, r *http.Request) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	w.Header().Set("Content-Type", "image/png")
	_ = png.Encode(w, img)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// clone deep-copies m, keeping numbers exact (large ids).
func clone(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	_ = dec.Decode(&out)
	if out == nil {
		out = map[string]any{}
	}
	return out
}

func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}
