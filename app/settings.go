package app

import (
	"context"
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/plinthdb/plinth/core"
)

// SettingsParam is the _params key the settings are stored under.
const SettingsParam = "settings"

// Settings are the application settings of §10.1. They are stored as
// JSON in the store's _params table, secrets included, so every node
// reads the same values; the secrets (SMTP.Password, S3.Secret,
// Backups.S3.Secret) never leave through the API (see Redacted).
//
// Field order is the JSON order PocketBase emits.
type Settings struct {
	SuperuserIPs []string             `json:"superuserIPs"`
	SMTP         SMTPSettings         `json:"smtp"`
	Backups      BackupsSettings      `json:"backups"`
	S3           S3Settings           `json:"s3"`
	Meta         MetaSettings         `json:"meta"`
	RateLimits   RateLimitSettings    `json:"rateLimits"`
	TrustedProxy TrustedProxySettings `json:"trustedProxy"`
	Batch        BatchSettings        `json:"batch"`
	Logs         LogsSettings         `json:"logs"`
}

// SMTPSettings configure outgoing mail.
type SMTPSettings struct {
	Enabled  bool   `json:"enabled"`
	Port     int    `json:"port"`
	Host     string `json:"host"`
	Username string `json:"username"`
	// Password is secret: stored, never returned.
	Password string `json:"password,omitempty"`
	// AuthMethod is "PLAIN" (also when empty) or "LOGIN".
	AuthMethod string `json:"authMethod"`
	// TLS forces an implicit TLS connection; otherwise STARTTLS is offered.
	TLS bool `json:"tls"`
	// LocalName is the EHLO/HELO name ("localhost" when empty).
	LocalName string `json:"localName"`
}

// S3Settings configure an S3-compatible bucket (file storage or backups).
type S3Settings struct {
	Enabled   bool   `json:"enabled"`
	Bucket    string `json:"bucket"`
	Region    string `json:"region"`
	Endpoint  string `json:"endpoint"`
	AccessKey string `json:"accessKey"`
	// Secret is secret: stored, never returned.
	Secret         string `json:"secret,omitempty"`
	ForcePathStyle bool   `json:"forcePathStyle"`
}

// BackupsSettings configure automatic backups.
type BackupsSettings struct {
	// Cron schedules automatic backups; empty disables them.
	Cron        string     `json:"cron"`
	CronMaxKeep int        `json:"cronMaxKeep"`
	S3          S3Settings `json:"s3"`
}

// MetaSettings describe the application.
type MetaSettings struct {
	AccentColor   string `json:"accentColor"`
	AppName       string `json:"appName"`
	AppURL        string `json:"appURL"`
	SenderName    string `json:"senderName"`
	SenderAddress string `json:"senderAddress"`
	HideControls  bool   `json:"hideControls"`
}

// Rate limit rule audiences.
const (
	AudienceAll   = ""
	AudienceGuest = "@guest"
	AudienceAuth  = "@auth"
)

// RateLimitSettings configure request rate limits (§1.12).
type RateLimitSettings struct {
	Rules       []RateLimitRule `json:"rules"`
	ExcludedIPs []string        `json:"excludedIPs"`
	Enabled     bool            `json:"enabled"`
}

// RateLimitRule allows MaxRequests per Duration seconds to the requests
// its Label matches: "<collection>:<action>", "*:<action>", "METHOD
// /exact/path", "/exact/path", or a prefix ending with "/" (with or
// without a method).
type RateLimitRule struct {
	Label       string `json:"label"`
	Audience    string `json:"audience"`
	Duration    int64  `json:"duration"`
	MaxRequests int    `json:"maxRequests"`
}

// TrustedProxySettings say which headers carry the client IP.
type TrustedProxySettings struct {
	Headers []string `json:"headers"`
	// UseLeftmostIP takes the first valid IP of the header instead of
	// the last one (the one the nearest proxy added).
	UseLeftmostIP bool `json:"useLeftmostIP"`
}

// BatchSettings configure the batch API (§9).
type BatchSettings struct {
	Enabled     bool  `json:"enabled"`
	MaxRequests int   `json:"maxRequests"`
	Timeout     int64 `json:"timeout"`     // seconds
	MaxBodySize int64 `json:"maxBodySize"` // bytes; 0 = 128 MiB
}

// LogsSettings configure request logs.
type LogsSettings struct {
	MaxDays   int  `json:"maxDays"`
	MinLevel  int  `json:"minLevel"`
	LogIP     bool `json:"logIP"`
	LogAuthID bool `json:"logAuthId"`
}

// DefaultSettings returns the settings of a fresh install.
func DefaultSettings() *Settings {
	return &Settings{
		SuperuserIPs: []string{},
		SMTP:         SMTPSettings{Port: 587, Host: "smtp.example.com"},
		Backups:      BackupsSettings{CronMaxKeep: 3},
		Meta: MetaSettings{
			AccentColor:   "#1055c9",
			AppName:       "Acme",
			AppURL:        "http://localhost:8090",
			SenderName:    "Support",
			SenderAddress: "support@example.com",
		},
		RateLimits: RateLimitSettings{
			Rules: []RateLimitRule{
				{Label: "*:auth", Duration: 3, MaxRequests: 2},
				{Label: "*:create", Duration: 5, MaxRequests: 20},
				{Label: "/api/batch", Duration: 1, MaxRequests: 3},
				{Label: "/api/", Duration: 10, MaxRequests: 300},
			},
			ExcludedIPs: []string{},
		},
		TrustedProxy: TrustedProxySettings{Headers: []string{}},
		Batch:        BatchSettings{MaxRequests: 50, Timeout: 3},
		Logs:         LogsSettings{MaxDays: 5, LogIP: true},
	}
}

// Clone returns a deep copy that may be changed freely.
func (s *Settings) Clone() *Settings {
	c := *s
	c.SuperuserIPs = slices.Clone(s.SuperuserIPs)
	c.RateLimits.Rules = slices.Clone(s.RateLimits.Rules)
	c.RateLimits.ExcludedIPs = slices.Clone(s.RateLimits.ExcludedIPs)
	c.TrustedProxy.Headers = slices.Clone(s.TrustedProxy.Headers)
	c.normalize()
	return &c
}

// Redacted returns a copy without the secrets, for API responses.
func (s *Settings) Redacted() *Settings {
	c := s.Clone()
	c.SMTP.Password = ""
	c.S3.Secret = ""
	c.Backups.S3.Secret = ""
	return c
}

// normalize makes lists empty rather than nil so they serialize as [].
func (s *Settings) normalize() {
	if s.SuperuserIPs == nil {
		s.SuperuserIPs = []string{}
	}
	if s.RateLimits.Rules == nil {
		s.RateLimits.Rules = []RateLimitRule{}
	}
	if s.RateLimits.ExcludedIPs == nil {
		s.RateLimits.ExcludedIPs = []string{}
	}
	if s.TrustedProxy.Headers == nil {
		s.TrustedProxy.Headers = []string{}
	}
}

// SuperuserIPAllowed reports whether a superuser may act from ip: the
// whitelist is empty or ip is in it.
func (s *Settings) SuperuserIPAllowed(ip string) bool {
	return len(s.SuperuserIPs) == 0 || IPInList(s.SuperuserIPs, ip)
}

// Excluded reports whether ip is exempt from rate limits.
func (r *RateLimitSettings) Excluded(ip string) bool { return IPInList(r.ExcludedIPs, ip) }

// IPInList reports whether ip equals one of list's IPs or falls in one
// of its CIDR subnets. Unparseable entries never match.
func IPInList(list []string, ip string) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil || len(list) == 0 {
		return false
	}
	addr = addr.Unmap()
	for _, item := range list {
		if p, err := netip.ParsePrefix(item); err == nil {
			if p.Contains(addr) {
				return true
			}
			continue
		}
		if a, err := netip.ParseAddr(item); err == nil && a.Unmap() == addr {
			return true
		}
	}
	return false
}

// FindRule returns the rule for the first label (most specific first)
// that any rule matches whose audience is among audiences (all audiences
// when none are given). For each label an exact rule wins over a prefix
// rule (a label ending with "/", matching the label itself and all paths
// under it); among prefix rules the longest wins, so "/api/collections/"
// beats "/api/" whatever their order. (PocketBase takes the first
// declared prefix rule instead; the longest is what users mean.)
func (r *RateLimitSettings) FindRule(labels []string, audiences ...string) (RateLimitRule, bool) {
	fits := func(rule *RateLimitRule) bool {
		return len(audiences) == 0 || slices.Contains(audiences, rule.Audience)
	}
	for _, label := range labels {
		for i := range r.Rules {
			if r.Rules[i].Label == label && fits(&r.Rules[i]) {
				return r.Rules[i], true
			}
		}
		best := -1
		for i := range r.Rules {
			rule := &r.Rules[i]
			if strings.HasSuffix(rule.Label, "/") && strings.HasPrefix(label+"/", rule.Label) && fits(rule) &&
				(best < 0 || len(rule.Label) > len(r.Rules[best].Label)) {
				best = i
			}
		}
		if best >= 0 {
			return r.Rules[best], true
		}
	}
	return RateLimitRule{}, false
}

// settingsCache holds the current settings of this node. gen counts
// invalidations so that a load racing with a save cannot put the older
// value back.
type settingsCache struct {
	mu      sync.Mutex
	cur     atomic.Pointer[Settings]
	gen     uint64
	onSave  []func(*Settings)
	testS3  TestS3Func
	sendTst TestEmailFunc
}

// Settings returns the current settings. The result is shared and
// cached: callers must not modify it (Clone it first). The hot path is
// one atomic load; the store is read only after a save on another node
// was announced (InvalidateSettings) or on first use.
func (a *App) Settings(ctx context.Context) (*Settings, error) {
	if s := a.settings.cur.Load(); s != nil {
		return s, nil
	}
	a.settings.mu.Lock()
	gen := a.settings.gen
	a.settings.mu.Unlock()
	var raw json.RawMessage
	err := a.store.Read(ctx, func(tx core.Tx) error {
		var err error
		raw, err = tx.Param(ctx, SettingsParam)
		return err
	})
	if err != nil {
		return nil, internal(err)
	}
	s, err := decodeStoredSettings(raw)
	if err != nil {
		return nil, internal(err)
	}
	a.settings.mu.Lock()
	if a.settings.gen == gen {
		a.settings.cur.Store(s)
	}
	a.settings.mu.Unlock()
	return s, nil
}

// InvalidateSettings drops this node's cached settings so the next
// Settings call reads the store. It is the seam for cluster
// notifications: call it when another node announces a settings change
// (PostgreSQL LISTEN/NOTIFY).
func (a *App) InvalidateSettings() {
	a.settings.mu.Lock()
	a.settings.gen++
	a.settings.cur.Store(nil)
	a.settings.mu.Unlock()
}

// OnSettingsSaved registers fn to run after settings were committed on
// this node (to announce the change to other nodes, reconfigure a
// mailer, ...). fn gets the new settings, read-only, and must not block.
func (a *App) OnSettingsSaved(fn func(*Settings)) {
	a.settings.mu.Lock()
	a.settings.onSave = append(a.settings.onSave, fn)
	a.settings.mu.Unlock()
}

// settingsLoadError is the message of a patch that does not decode onto
// the settings (a string where an object belongs and the like).
const settingsLoadError = "An error occurred while loading the submitted data."

// UpdateSettings merges patch onto the stored settings (§10.1: objects
// merge key by key, arrays and scalars replace, null keeps the current
// value except that it empties an array), validates and saves the
// result, and returns it. Secrets omitted from patch keep their stored
// values.
func (a *App) UpdateSettings(ctx context.Context, patch map[string]any) (*Settings, error) {
	var saved *Settings
	err := a.store.Write(ctx, func(tx core.Tx) error {
		raw, err := tx.Param(ctx, SettingsParam)
		if err != nil {
			return internal(err)
		}
		cur, err := decodeStoredSettings(raw)
		if err != nil {
			return internal(err)
		}
		next, err := mergeSettings(cur, patch)
		if err != nil {
			return &core.Error{Code: core.EInvalid, Message: settingsLoadError, Err: err}
		}
		if saved, err = a.writeSettings(ctx, tx, next); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.settingsCommitted(saved)
	return saved, nil
}

// SaveSettings validates and stores s whole (secrets as given).
func (a *App) SaveSettings(ctx context.Context, s *Settings) error {
	var saved *Settings
	err := a.store.Write(ctx, func(tx core.Tx) error {
		var err error
		saved, err = a.writeSettings(ctx, tx, s.Clone())
		return err
	})
	if err != nil {
		return err
	}
	a.settingsCommitted(saved)
	return nil
}

func (a *App) writeSettings(ctx context.Context, tx core.Tx, s *Settings) (*Settings, error) {
	s.normalize()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, internal(err)
	}
	if err := tx.SetParam(ctx, SettingsParam, b); err != nil {
		return nil, internal(err)
	}
	return s, nil
}

// settingsCommitted makes s current on this node and runs the hooks.
func (a *App) settingsCommitted(s *Settings) {
	a.settings.mu.Lock()
	a.settings.gen++
	a.settings.cur.Store(s)
	hooks := slices.Clone(a.settings.onSave)
	a.settings.mu.Unlock()
	for _, fn := range hooks {
		fn(s)
	}
}

// decodeStoredSettings reads stored settings over the defaults, so keys
// added in later versions get their default values.
func decodeStoredSettings(raw json.RawMessage) (*Settings, error) {
	var stored map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &stored); err != nil {
			return nil, err
		}
	}
	return mergeSettings(DefaultSettings(), stored)
}

// mergeSettings applies patch onto base through their JSON forms, so
// that the merge follows JSON structure rather than Go zero values.
func mergeSettings(base *Settings, patch map[string]any) (*Settings, error) {
	b, err := json.Marshal(base)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	mergeJSON(m, patch)
	b, err = json.Marshal(m)
	if err != nil {
		return nil, err
	}
	out := &Settings{}
	if err := json.Unmarshal(b, out); err != nil {
		return nil, err
	}
	out.normalize()
	return out, nil
}

func mergeJSON(dst, patch map[string]any) {
	for k, pv := range patch {
		switch pv := pv.(type) {
		case nil:
			if _, isList := dst[k].([]any); isList {
				dst[k] = []any{}
			}
		case map[string]any:
			if dv, ok := dst[k].(map[string]any); ok {
				mergeJSON(dv, pv)
				continue
			}
			dst[k] = pv
		default:
			dst[k] = pv
		}
	}
}

// TestS3Func checks an S3 configuration for real (upload and delete a
// test object). The files package provides it.
type TestS3Func func(ctx context.Context, cfg S3Settings) error

// TestEmailFunc sends the test e-mail of template ("verification",
// "password-reset", "email-change", "otp", "login-alert") for auth
// collection c to the address to. The mailer provides it.
type TestEmailFunc func(ctx context.Context, c *core.Collection, template, to string) error

// SetTestS3 installs the S3 connection check behind POST
// /api/settings/test/s3.
func (a *App) SetTestS3(fn TestS3Func) {
	a.settings.mu.Lock()
	a.settings.testS3 = fn
	a.settings.mu.Unlock()
}

// SetTestEmail installs the sender behind POST /api/settings/test/email.
func (a *App) SetTestEmail(fn TestEmailFunc) {
	a.settings.mu.Lock()
	a.settings.sendTst = fn
	a.settings.mu.Unlock()
}

// TestS3 checks the S3 configuration of filesystem "storage" or
// "backups" (§10.1).
func (a *App) TestS3(ctx context.Context, filesystem string) error {
	switch filesystem {
	case "":
		return core.Invalid("Failed to test the S3 filesystem.", map[string]any{"filesystem": errRequired})
	case "storage", "backups":
	default:
		return core.Invalid("Failed to test the S3 filesystem.", map[string]any{"filesystem": errNotIn})
	}
	s, err := a.Settings(ctx)
	if err != nil {
		return err
	}
	cfg := s.S3
	if filesystem == "backups" {
		cfg = s.Backups.S3
	}
	raw := func(msg string) error {
		return core.Invalid("Failed to test the S3 filesystem. Raw error: \n"+msg, nil)
	}
	if !cfg.Enabled {
		return raw("S3 storage filesystem is not enabled.")
	}
	a.settings.mu.Lock()
	check := a.settings.testS3
	a.settings.mu.Unlock()
	if check == nil {
		return raw("S3 connection checks are not available in this build.")
	}
	if err := check(ctx, cfg); err != nil {
		return raw(err.Error())
	}
	return nil
}

// TestEmailTemplates are the templates POST /api/settings/test/email takes.
var TestEmailTemplates = []string{"verification", "password-reset", "email-change", "otp", "login-alert"}

// SendTestEmail validates a test e-mail request (§10.1) and hands it to
// the installed sender. collection defaults to _superusers.
func (a *App) SendTestEmail(ctx context.Context, email, template, collection string) error {
	errs := core.FieldErrors{}
	var c *core.Collection
	if n := len([]rune(collection)); n > 255 {
		errs["collection"] = lengthBetween(1, 255)
	} else if collection != "" {
		s, err := a.store.Schema(ctx)
		if err != nil {
			return internal(err)
		}
		if c = s.Find(collection); c == nil || !c.IsAuth() {
			errs["collection"] = core.NewFieldError("validation_invalid_auth_collection", "Must be a valid auth collection id or name.", nil)
		}
	}
	switch n := len([]rune(email)); {
	case n == 0:
		errs["email"] = errRequired
	case n > 255:
		errs["email"] = lengthBetween(1, 255)
	case !isEmailAddress(email):
		errs["email"] = errEmail
	}
	if template == "" {
		errs["template"] = errRequired
	} else if !slices.Contains(TestEmailTemplates, template) {
		errs["template"] = errNotIn
	}
	if len(errs) > 0 {
		return core.Invalid("Failed to send the test email.", errs.Map())
	}
	if c == nil {
		var err error
		if c, err = a.Collection(ctx, core.SuperusersName); err != nil {
			return err
		}
	}
	a.settings.mu.Lock()
	send := a.settings.sendTst
	a.settings.mu.Unlock()
	if send == nil {
		return core.Invalid("Failed to send the test email. Raw error: \nSending e-mails is not available in this build.", nil)
	}
	if err := send(ctx, c, template, email); err != nil {
		return core.Invalid("Failed to send the test email. Raw error: \n"+err.Error(), nil)
	}
	return nil
}
