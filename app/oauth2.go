package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/plinthdb/plinth/collection"
	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/files"
	"github.com/plinthdb/plinth/oauth2"
	"github.com/plinthdb/plinth/record"
)

// Limits of the OAuth2 sign-in (§6.6).
const (
	oauth2ExchangeTimeout = 30 * time.Second // token exchange and user fetch
	oauth2AvatarTimeout   = 15 * time.Second
	oauth2NameTTL         = time.Minute // Apple's posted name, kept by code
)

const (
	msgOAuth2Disabled    = "The collection is not configured to allow OAuth2 authentication."
	msgOAuth2Validation  = "An error occurred while loading the submitted data."
	msgOAuth2TokenFailed = "Failed to fetch OAuth2 token."
	msgOAuth2UserFailed  = "Failed to fetch OAuth2 user."
	msgOAuth2Failed      = "Failed to authenticate."
)

// oauth2State is App's OAuth2 state (the zero value is ready).
type oauth2State struct {
	mu    sync.Mutex
	sink  OAuth2RedirectSink
	http  *http.Client
	names map[string]postedName
}

// postedName is a name a provider posted to the redirect endpoint.
type postedName struct {
	name    string
	expires time.Time
}

// SetOAuth2HTTPClient sets the client that talks to providers (token
// exchange, user info, avatars); nil restores the default.
func (a *App) SetOAuth2HTTPClient(c *http.Client) {
	a.oauth2.mu.Lock()
	a.oauth2.http = c
	a.oauth2.mu.Unlock()
}

func (a *App) oauth2HTTP() *http.Client {
	a.oauth2.mu.Lock()
	defer a.oauth2.mu.Unlock()
	return a.oauth2.http
}

func (a *App) oauth2Client(cfg core.OAuth2Provider) (*oauth2.Client, error) {
	return oauth2.NewClient(cfg, oauth2.Options{HTTPClient: a.oauth2HTTP(), Now: a.Now})
}

// OAuth2ProviderInfo is an entry of GET /api/collections/meta/oauth2-providers.
type OAuth2ProviderInfo struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
	Logo        string `json:"logo"`
}

// OAuth2Providers lists every provider a collection may configure, in the
// built-in order (§3.8).
func OAuth2Providers() []OAuth2ProviderInfo {
	list := oauth2.List()
	out := make([]OAuth2ProviderInfo, len(list))
	for i, p := range list {
		out[i] = OAuth2ProviderInfo{Name: p.Name, DisplayName: p.DisplayName, Logo: oauth2.Logo(p.Name)}
	}
	return out
}

// oauth2AuthProviders is the providers list of auth-methods (§6.2): per
// configured provider a fresh state and, with PKCE, a verifier and its
// S256 challenge, and the authorize URL built from them. Nothing is kept
// server-side: the client checks the state and sends the verifier back.
func (a *App) oauth2AuthProviders(ctx context.Context, c *core.Collection) ([]map[string]any, error) {
	out := []map[string]any{}
	if c.Auth == nil || !c.Auth.OAuth2.Enabled {
		return out, nil
	}
	for _, cfg := range c.Auth.OAuth2.Providers {
		client, err := a.oauth2Client(cfg)
		if err != nil {
			continue // validation keeps unknown names out; skip rather than fail the list
		}
		state, err := randomString(a.rand, 30)
		if err != nil {
			return nil, internal(err)
		}
		var verifier, challenge, method string
		if client.PKCE() {
			if verifier, err = randomString(a.rand, 43); err != nil {
				return nil, internal(err)
			}
			challenge, method = oauth2.CodeChallenge(verifier), "S256"
		}
		authURL := client.AuthURL(state, verifier)
		out = append(out, map[string]any{
			"name": client.Name(), "displayName": client.DisplayName(), "logo": oauth2.Logo(client.Name()),
			"state": state, "authURL": authURL, "authUrl": authURL,
			"codeVerifier": verifier, "codeChallenge": challenge, "codeChallengeMethod": method,
		})
	}
	return out, nil
}

// OAuth2Login is the body of auth-with-oauth2 (§6.6 A).
type OAuth2Login struct {
	Provider     string
	Code         string
	CodeVerifier string
	RedirectURL  string
	// CreateData is extra input for a record created by this sign-in.
	CreateData map[string]any
}

// OAuth2Auth is a successful OAuth2 sign-in, before the auth rule, MFA
// and token (CompleteAuth with MethodOAuth2).
type OAuth2Auth struct {
	Record *core.Record
	User   *oauth2.User
	IsNew  bool
}

// Meta is the "meta" object of the auth response (§6.6).
func (r *OAuth2Auth) Meta() map[string]any {
	u := r.User
	raw := u.RawUser
	if raw == nil {
		raw = map[string]any{}
	}
	return map[string]any{
		"id": u.ID, "name": u.Name, "username": u.Username, "email": u.Email,
		"avatarURL": u.AvatarURL, "avatarUrl": u.AvatarURL,
		"accessToken": u.AccessToken, "refreshToken": u.RefreshToken,
		"expiry": core.FormatTime(u.Expiry), "rawUser": raw, "isNew": r.IsNew,
	}
}

// AuthWithOAuth2 exchanges the code with the provider, reads the
// provider's user and resolves it to a record of c (§6.6): the record an
// _externalAuths link names; else the caller's own record when it is
// signed in to c; else the record with the provider's verified e-mail;
// else a new record, created through the normal create pipeline (create
// rule included) from CreateData, the e-mail and the mapped fields. The
// link is created when missing. req.Context should be "oauth2".
func (a *App) AuthWithOAuth2(ctx context.Context, req *Request, c *core.Collection, in OAuth2Login) (*OAuth2Auth, error) {
	if !c.IsAuth() {
		return nil, core.Errorf(core.ENotFound, "Missing or invalid auth collection context.")
	}
	if !c.Auth.OAuth2.Enabled {
		return nil, core.Errorf(core.EForbidden, msgOAuth2Disabled)
	}
	cfg, errs := checkOAuth2Login(c, in)
	if len(errs) > 0 {
		return nil, core.Invalid(msgOAuth2Validation, errs.Map())
	}
	client, err := a.oauth2Client(cfg)
	if err != nil {
		return nil, internal(err)
	}
	user, err := a.fetchOAuth2User(ctx, client, in)
	if err != nil {
		return nil, err
	}
	s, err := a.store.Schema(ctx)
	if err != nil {
		return nil, internal(err)
	}
	ext, err := systemCollection(s, collection.ExternalAuthsID)
	if err != nil {
		return nil, err
	}
	avatar, err := a.prefetchAvatar(ctx, s, req, c, ext, cfg.Name, user, in.CreateData)
	if err != nil {
		return nil, err
	}
	res := &OAuth2Auth{User: user}
	err = a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		link, err := a.externalAuth(ctx, tx, ext, c.ID, cfg.Name, user.ID)
		if err != nil {
			return err
		}
		rec, err := a.oauth2Record(ctx, tx, s, req, c, link, user)
		if err != nil {
			return err
		}
		if link != nil && rec == nil {
			// The link outlived its record: it links nothing.
			if err := tx.Delete(ctx, link); err != nil {
				return internal(err)
			}
			link = nil
		}
		if rec == nil {
			res.IsNew = true
			rec, err = a.oauth2SignUp(ctx, tx, s, req, c, user, in.CreateData, avatar)
		} else {
			rec, err = a.oauth2Refresh(ctx, tx, s, req, rec, ext, link, user)
		}
		if err != nil {
			return err
		}
		res.Record = rec
		if link == nil {
			return a.linkExternalAuth(ctx, tx, s, ext, rec, cfg.Name, user.ID)
		}
		return nil
	})
	if err != nil {
		var ce *core.Error
		if errors.As(err, &ce) {
			return nil, err
		}
		return nil, &core.Error{Code: core.EInvalid, Message: msgOAuth2Failed, Err: err}
	}
	return res, nil
}

// checkOAuth2Login validates the body and returns the provider config.
func checkOAuth2Login(c *core.Collection, in OAuth2Login) (core.OAuth2Provider, core.FieldErrors) {
	errs := core.FieldErrors{}
	var cfg core.OAuth2Provider
	switch {
	case in.Provider == "":
		errs["provider"] = errBlank()
	case len(in.Provider) > 100:
		errs["provider"] = core.NewFieldError("validation_length_too_long", "The length must be no more than 100.", map[string]any{"max": 100})
	default:
		found := false
		for _, p := range c.Auth.OAuth2.Providers {
			if p.Name == in.Provider {
				cfg, found = p, true
				break
			}
		}
		if !found {
			errs["provider"] = core.NewFieldError("validation_invalid_provider",
				fmt.Sprintf("Provider with name %s is missing or is not enabled.", in.Provider), map[string]any{"name": in.Provider})
		}
	}
	if in.Code == "" {
		errs["code"] = errBlank()
	}
	if in.RedirectURL == "" {
		errs["redirectURL"] = errBlank()
	}
	return cfg, errs
}

// fetchOAuth2User runs the code exchange and reads the provider's user,
// within the exchange timeout.
func (a *App) fetchOAuth2User(ctx context.Context, client *oauth2.Client, in OAuth2Login) (*oauth2.User, error) {
	ctx, cancel := context.WithTimeout(ctx, oauth2ExchangeTimeout)
	defer cancel()
	tok, err := client.Exchange(ctx, in.Code, in.CodeVerifier, in.RedirectURL)
	if err != nil {
		return nil, &core.Error{Code: core.EInvalid, Message: msgOAuth2TokenFailed, Err: err}
	}
	user, err := client.FetchUser(ctx, tok)
	if err != nil {
		return nil, &core.Error{Code: core.EInvalid, Message: msgOAuth2UserFailed, Err: err}
	}
	if user.Name == "" {
		user.Name = a.takePostedName(in.Code)
	}
	return user, nil
}

// externalAuth returns the _externalAuths row linking providerID of
// provider to a record of collection c, or nil.
func (a *App) externalAuth(ctx context.Context, tx core.Tx, ext *core.Collection, collectionID, provider, providerID string) (*core.Record, error) {
	list, err := tx.Find(ctx, &core.Query{Collection: ext, Limit: 1, Where: []core.SQL{
		columnEquals("collectionRef", collectionID), columnEquals("provider", provider), columnEquals("providerId", providerID)}})
	if err != nil {
		return nil, internal(err)
	}
	if len(list) == 0 {
		return nil, nil
	}
	return list[0], nil
}

func columnEquals(column, value string) core.SQL {
	return core.SQL{Text: `"` + core.MainAlias + `"."` + column + `" = ?`, Args: []any{value}}
}

// oauth2Record finds the existing record the sign-in is for, in the
// order of §6.6; nil means a new one is due.
func (a *App) oauth2Record(ctx context.Context, tx core.Tx, s *core.Schema, req *Request, c *core.Collection, link *core.Record, user *oauth2.User) (*core.Record, error) {
	sys, err := a.systemRequest(s)
	if err != nil {
		return nil, err
	}
	if link != nil {
		// A link is authoritative: if its record is gone, nothing else is
		// tried in its place (the caller drops the link and signs up).
		return a.findOne(ctx, tx, s, c, link.String("recordRef"), nil, sys, nil)
	}
	if req != nil && req.Auth != nil && req.Auth.Collection != nil && req.Auth.Collection.ID == c.ID {
		rec, err := a.findOne(ctx, tx, s, c, req.Auth.ID(), nil, sys, nil)
		if err != nil || rec != nil {
			return rec, err
		}
	}
	if user.Email != "" {
		return a.recordByField(ctx, tx, s, c, "email", user.Email)
	}
	return nil, nil
}

// oauth2Refresh updates an existing record signing in with OAuth2.
//
// Anti pre-hijacking: someone may have registered the owner's address
// before the owner ever signed in. An unverified record with an e-mail
// that is not the caller's own session therefore gets a random password
// (which also rotates its tokenKey, ending every session) and loses its
// other external links, so only the provider's account keeps access.
// A missing e-mail is filled from the provider and the record becomes
// verified when its address is the provider's (or it has none).
func (a *App) oauth2Refresh(ctx context.Context, tx core.Tx, s *core.Schema, req *Request, rec *core.Record, ext *core.Collection, link *core.Record, user *oauth2.User) (*core.Record, error) {
	input := map[string]any{}
	own := req != nil && req.Auth != nil && req.Auth.Collection != nil &&
		req.Auth.Collection.ID == rec.Collection.ID && req.Auth.ID() == rec.ID()
	email := rec.String("email")
	verified, _ := rec.Values["verified"].(bool)
	if !own && email != "" && !verified {
		if err := a.randomPassword(input); err != nil {
			return nil, err
		}
		if err := a.dropOtherLinks(ctx, tx, ext, rec, link); err != nil {
			return nil, err
		}
	}
	if email == "" && user.Email != "" {
		input["email"], email = user.Email, user.Email
	}
	if !verified && (email == "" || email == user.Email) {
		input["verified"] = true
	}
	if len(input) == 0 {
		return rec, nil
	}
	return a.saveAuthChanges(ctx, tx, s, rec, input)
}

// dropOtherLinks deletes rec's external links except keep.
func (a *App) dropOtherLinks(ctx context.Context, tx core.Tx, ext *core.Collection, rec, keep *core.Record) error {
	list, err := tx.Find(ctx, &core.Query{Collection: ext, Where: refWhere(rec)})
	if err != nil {
		return internal(err)
	}
	for _, l := range list {
		if keep != nil && l.ID() == keep.ID() {
			continue
		}
		if err := tx.Delete(ctx, l); err != nil {
			return internal(err)
		}
	}
	return nil
}

// oauth2SignUp creates the record of a first OAuth2 sign-in through the
// normal create pipeline, as the caller (so the create rule applies,
// with createData as @request.body).
func (a *App) oauth2SignUp(ctx context.Context, tx core.Tx, s *core.Schema, req *Request, c *core.Collection, user *oauth2.User, createData map[string]any, avatar *files.Upload) (*core.Record, error) {
	if c.Name == core.SuperusersName {
		return nil, &core.Error{Code: core.EInvalid, Message: msgOAuth2Failed,
			Err: errors.New("superusers are never created by an OAuth2 sign-in")}
	}
	input := maps.Clone(createData)
	if input == nil {
		input = map[string]any{}
	}
	// The provider's address unless the client sent one.
	if v, _ := input["email"].(string); v == "" {
		input["email"] = user.Email
	}
	mapped := c.Auth.OAuth2.MappedFields
	target := func(key string) *core.Field {
		name := mapped[key]
		if name == "" {
			return nil
		}
		if _, sent := input[name]; sent {
			return nil // createData wins over the provider's value
		}
		return c.Field(name)
	}
	if f := target("id"); f != nil {
		input[f.Name] = user.ID
	}
	if f := target("name"); f != nil {
		input[f.Name] = user.Name
	}
	if f := target("username"); f != nil && user.Username != "" {
		ok, err := a.usernameAssignable(ctx, tx, s, c, f, user.Username)
		if err != nil {
			return nil, err
		}
		if ok {
			input[f.Name] = user.Username
		}
	}
	if f := target("avatarURL"); f != nil && user.AvatarURL != "" {
		if f.Type == core.FieldFile {
			if avatar != nil {
				input[f.Name] = avatar
			}
		} else {
			input[f.Name] = user.AvatarURL
		}
	}
	if plainString(input["password"]) == "" {
		if err := a.randomPassword(input); err != nil {
			return nil, err
		}
	}
	rec, err := a.CreateRecordTx(ctx, tx, req, c, input)
	if err != nil {
		return nil, err
	}
	if verified, _ := rec.Values["verified"].(bool); !verified && rec.String("email") == user.Email {
		return a.saveAuthChanges(ctx, tx, s, rec, map[string]any{"verified": true})
	}
	return rec, nil
}

// usernameAssignable reports whether value may go into the username
// field f: it passes the field's own checks and no record has it yet.
// Otherwise the sign-up proceeds without it.
func (a *App) usernameAssignable(ctx context.Context, tx core.Tx, s *core.Schema, c *core.Collection, f *core.Field, value string) (bool, error) {
	probeField := f.Clone()
	probe := &core.Collection{Name: "probe", Type: core.TypeBase, Fields: []*core.Field{probeField}}
	rec := &core.Record{Collection: probe, Values: map[string]any{probeField.Name: value}}
	if f.Type != core.FieldText || len(record.Validate(rec, nil, record.ValidateOptions{})) > 0 {
		return false, nil
	}
	taken, err := a.recordByField(ctx, tx, s, c, f.Name, value)
	return taken == nil, err
}

// prefetchAvatar downloads the provider's avatar when the avatar is
// mapped to a file field and a sign-up looks due. It runs before the
// write transaction, which must not wait on the network (SQLite has one
// writer); the transaction resolves the record again and uses the file
// only if it does create one.
func (a *App) prefetchAvatar(ctx context.Context, s *core.Schema, req *Request, c *core.Collection, ext *core.Collection, provider string, user *oauth2.User, createData map[string]any) (*files.Upload, error) {
	name := c.Auth.OAuth2.MappedFields["avatarURL"]
	f := c.Field(name)
	if _, sent := createData[name]; sent || name == "" || f == nil || f.Type != core.FieldFile || user.AvatarURL == "" {
		return nil, nil
	}
	var existing *core.Record
	err := a.store.Read(ctx, func(tx core.Tx) error {
		link, err := a.externalAuth(ctx, tx, ext, c.ID, provider, user.ID)
		if err != nil {
			return err
		}
		existing, err = a.oauth2Record(ctx, tx, s, req, c, link, user)
		return err
	})
	if err != nil || existing != nil {
		return nil, err
	}
	return a.downloadAvatar(ctx, f, user.AvatarURL), nil
}

// downloadAvatar fetches the provider's avatar for file field f. Any
// failure (network, size, type) only means no avatar.
func (a *App) downloadAvatar(ctx context.Context, f *core.Field, avatarURL string) *files.Upload {
	ctx, cancel := context.WithTimeout(ctx, oauth2AvatarTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, avatarURL, nil)
	if err != nil || (req.URL.Scheme != "http" && req.URL.Scheme != "https") {
		return nil
	}
	client := a.oauth2HTTP()
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		if l := a.files.log; l != nil {
			l.Warn("OAuth2 avatar download failed", "error", err)
		}
		return nil
	}
	defer res.Body.Close()
	limit := f.MaxSize
	if limit <= 0 {
		limit = record.DefaultFileMaxSize
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil || res.StatusCode != http.StatusOK || int64(len(body)) > limit || len(body) == 0 {
		return nil
	}
	name := path.Base(req.URL.Path)
	if path.Ext(name) == "" {
		name = "avatar"
	}
	up := files.UploadFromBytes(name, body)
	ctype, err := up.ContentType()
	if err != nil {
		return nil
	}
	if up.Name, err = files.NormalizeName(name, ctype, a.rand); err != nil {
		return nil
	}
	if fe, err := checkUpload(f, up); err != nil || fe != nil {
		return nil // a picture the field would refuse: sign up without it
	}
	return up
}

// linkExternalAuth records that providerID of provider signs in as rec.
// A record has at most one link per provider: a second account of the
// same provider fails the sign-in rather than silently replacing it.
func (a *App) linkExternalAuth(ctx context.Context, tx core.Tx, s *core.Schema, ext *core.Collection, rec *core.Record, provider, providerID string) error {
	sys, err := a.systemRequest(s)
	if err != nil {
		return err
	}
	_, err = a.CreateRecordTx(ctx, tx, sys, ext, map[string]any{
		"collectionRef": rec.Collection.ID, "recordRef": rec.ID(), "provider": provider, "providerId": providerID,
	})
	if err != nil {
		return &core.Error{Code: core.EInvalid, Message: msgOAuth2Failed, Err: fmt.Errorf("link external auth: %w", err)}
	}
	return nil
}

// NoteOAuth2User keeps the name a provider posted to the redirect
// endpoint with code (Apple sends it once, on the first sign-in, and
// never in its id_token) for the auth-with-oauth2 call that follows.
func (a *App) NoteOAuth2User(code, rawUser string) {
	var posted struct {
		Name struct {
			FirstName string `json:"firstName"`
			LastName  string `json:"lastName"`
		} `json:"name"`
	}
	if code == "" || rawUser == "" || json.Unmarshal([]byte(rawUser), &posted) != nil {
		return
	}
	name := posted.Name.FirstName
	if posted.Name.LastName != "" {
		if name != "" {
			name += " "
		}
		name += posted.Name.LastName
	}
	if name == "" {
		return
	}
	now := a.Now()
	a.oauth2.mu.Lock()
	defer a.oauth2.mu.Unlock()
	if a.oauth2.names == nil {
		a.oauth2.names = map[string]postedName{}
	}
	for k, v := range a.oauth2.names {
		if now.After(v.expires) {
			delete(a.oauth2.names, k)
		}
	}
	if len(a.oauth2.names) < 10000 { // bounded: the endpoint is public
		a.oauth2.names[code] = postedName{name: name, expires: now.Add(oauth2NameTTL)}
	}
}

// takePostedName returns and forgets the name noted for code.
func (a *App) takePostedName(code string) string {
	a.oauth2.mu.Lock()
	defer a.oauth2.mu.Unlock()
	p, ok := a.oauth2.names[code]
	delete(a.oauth2.names, code)
	if !ok || a.Now().After(p.expires) {
		return ""
	}
	return p.name
}

// OAuth2Redirect is what a provider sent the browser back with to
// /api/oauth2-redirect (§6.6 B, step 4).
type OAuth2Redirect struct {
	State    string // the realtime client id the SDK put in the authorize URL
	Code     string
	Error    string
	ClientIP string // of the browser, for sinks that pin the client's IP
}

// OAuth2RedirectSink delivers a provider redirect to the realtime client
// whose id is the state: it sends that client the "@oauth2" event
// {"state","code"[,"error"]} and unsubscribes it from "@oauth2". Deliver
// reports whether such a client existed and was subscribed to "@oauth2"
// (then the redirect endpoint answers the success page when there is a
// code and no error).
//
// The realtime service implements it and installs itself with
// SetOAuth2RedirectSink. Until then no sink is set and every redirect
// answers the failure page: the all-in-one SDK flow needs realtime, while
// the code flow (auth-with-oauth2 with the client's own redirect URL)
// works without it.
type OAuth2RedirectSink interface {
	Deliver(r OAuth2Redirect) bool
}

// SetOAuth2RedirectSink installs the realtime side of the redirect
// endpoint (nil: none).
func (a *App) SetOAuth2RedirectSink(s OAuth2RedirectSink) {
	a.oauth2.mu.Lock()
	a.oauth2.sink = s
	a.oauth2.mu.Unlock()
}

// DeliverOAuth2Redirect hands r to the sink; false without one.
func (a *App) DeliverOAuth2Redirect(r OAuth2Redirect) bool {
	a.oauth2.mu.Lock()
	sink := a.oauth2.sink
	a.oauth2.mu.Unlock()
	return sink != nil && sink.Deliver(r)
}

// AppleSecretInput is the body of POST /api/settings/apple/generate-client-secret.
type AppleSecretInput struct {
	ClientID   string
	TeamID     string
	KeyID      string
	PrivateKey string // PKCS #8 PEM, as Apple hands it out
	Duration   int64  // seconds
}

// appleSecretMaxDuration is Apple's limit on client secret lifetime
// (about six months).
const appleSecretMaxDuration = 15777000

// GenerateAppleClientSecret signs an Apple client secret (§10.1): the
// value superusers store as the apple provider's clientSecret.
func (a *App) GenerateAppleClientSecret(in AppleSecretInput) (string, error) {
	errs := core.FieldErrors{}
	if in.ClientID == "" {
		errs["clientId"] = errBlank()
	}
	for key, v := range map[string]string{"teamId": in.TeamID, "keyId": in.KeyID} {
		switch {
		case v == "":
			errs[key] = errBlank()
		case len(v) != 10:
			errs[key] = core.NewFieldError("validation_length_invalid", "The length must be exactly 10.", map[string]any{"min": 10, "max": 10})
		}
	}
	switch {
	case strings.TrimSpace(in.PrivateKey) == "":
		errs["privateKey"] = errBlank()
	case !strings.Contains(in.PrivateKey, "-----BEGIN PRIVATE KEY-----") || !strings.Contains(in.PrivateKey, "-----END PRIVATE KEY-----"):
		errs["privateKey"] = core.NewFieldError("validation_match_invalid", "Must be in a valid format.", nil)
	}
	switch {
	case in.Duration == 0:
		errs["duration"] = errBlank()
	case in.Duration < 1:
		errs["duration"] = core.NewFieldError("validation_min_greater_equal_than_required", "Must be no less than 1.", map[string]any{"threshold": 1})
	case in.Duration > appleSecretMaxDuration:
		errs["duration"] = core.NewFieldError("validation_max_less_equal_than_required",
			fmt.Sprintf("Must be no greater than %d.", appleSecretMaxDuration), map[string]any{"threshold": appleSecretMaxDuration})
	}
	if len(errs) > 0 {
		return "", validationFailed(errs)
	}
	secret, err := oauth2.AppleClientSecret(in.ClientID, in.TeamID, in.KeyID, strings.TrimSpace(in.PrivateKey),
		time.Duration(in.Duration)*time.Second, a.Now())
	if err != nil {
		return "", &core.Error{Code: core.EInvalid, Message: "Failed to generate client secret.", Err: err}
	}
	return secret, nil
}
