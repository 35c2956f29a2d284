package app

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/store/sqlite"
)

// fieldErrors validates s and returns the nested field errors as JSON
// values, or nil when s is valid.
func fieldErrors(t *testing.T, s *Settings) map[string]any {
	t.Helper()
	err := s.Validate()
	if err == nil {
		return nil
	}
	var e *core.Error
	if !errors.As(err, &e) || e.Code != core.EInvalid || e.Message != "An error occurred while saving the new settings." {
		t.Fatalf("unexpected error %v", err)
	}
	b, _ := json.Marshal(e.Data)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// codeAt walks a dotted path of field errors to its code.
func codeAt(errs map[string]any, path string) string {
	var cur any = errs
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[p]
	}
	m, _ := cur.(map[string]any)
	code, _ := m["code"].(string)
	return code
}

func TestDefaultSettingsAreValid(t *testing.T) {
	if errs := fieldErrors(t, DefaultSettings()); errs != nil {
		t.Fatalf("defaults invalid: %v", errs)
	}
	b, _ := json.Marshal(DefaultSettings())
	for _, want := range []string{`"superuserIPs":[]`, `"appName":"Acme"`, `"appURL":"http://localhost:8090"`,
		`{"label":"*:auth","audience":"","duration":3,"maxRequests":2}`, `"excludedIPs":[]`, `"headers":[]`,
		`"logs":{"maxDays":5,"minLevel":0,"logIP":true,"logAuthId":false}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("defaults lack %s: %s", want, b)
		}
	}
}

func TestSettingsValidationCodes(t *testing.T) {
	cases := []struct {
		name   string
		change func(s *Settings)
		path   string
		code   string
	}{
		{"appName blank", func(s *Settings) { s.Meta.AppName = "" }, "meta.appName", "validation_required"},
		{"appName long", func(s *Settings) { s.Meta.AppName = strings.Repeat("a", 256) }, "meta.appName", "validation_length_out_of_range"},
		{"appURL blank", func(s *Settings) { s.Meta.AppURL = "" }, "meta.appURL", "validation_required"},
		{"appURL bad", func(s *Settings) { s.Meta.AppURL = "not a url" }, "meta.appURL", "validation_is_url"},
		{"senderName", func(s *Settings) { s.Meta.SenderName = "" }, "meta.senderName", "validation_required"},
		{"senderAddress", func(s *Settings) { s.Meta.SenderAddress = "nope" }, "meta.senderAddress", "validation_is_email"},
		{"accent length", func(s *Settings) { s.Meta.AccentColor = "#fff" }, "meta.accentColor", "validation_length_invalid"},
		{"accent hex", func(s *Settings) { s.Meta.AccentColor = "#zzzzzz" }, "meta.accentColor", "validation_is_hex_color"},
		{"superuserIPs", func(s *Settings) { s.SuperuserIPs = []string{"10.0.0.0/8", "nope"} }, "superuserIPs.1", "validation_invlaid_ip_or_subnet"},
		{"superuserIPs blank", func(s *Settings) { s.SuperuserIPs = []string{""} }, "superuserIPs.0", "validation_required"},
		{"s3 required", func(s *Settings) { s.S3.Enabled = true }, "s3.bucket", "validation_required"},
		{"s3 endpoint", func(s *Settings) { s.S3.Endpoint = "::" }, "s3.endpoint", "validation_is_url"},
		{"backups s3", func(s *Settings) { s.Backups.S3.Enabled = true }, "backups.s3.secret", "validation_required"},
		{"cron", func(s *Settings) { s.Backups.Cron = "61 * * * *" }, "backups.cron", "validation_invalid_cron"},
		{"cron fields", func(s *Settings) { s.Backups.Cron = "* * *" }, "backups.cron", "validation_invalid_cron"},
		{"cronMaxKeep", func(s *Settings) { s.Backups.Cron = "@daily"; s.Backups.CronMaxKeep = 0 }, "backups.cronMaxKeep", "validation_required"},
		{"batch", func(s *Settings) { s.Batch.Enabled = true; s.Batch.Timeout = 0 }, "batch.timeout", "validation_required"},
		{"batch negative", func(s *Settings) { s.Batch.MaxBodySize = -1 }, "batch.maxBodySize", "validation_min_greater_equal_than_required"},
		{"smtp host", func(s *Settings) { s.SMTP.Host = "bad host" }, "smtp.host", "validation_is_host"},
		{"smtp auth", func(s *Settings) { s.SMTP.AuthMethod = "CRAM" }, "smtp.authMethod", "validation_in_invalid"},
		{"smtp port", func(s *Settings) { s.SMTP.Enabled = true; s.SMTP.Port = 0 }, "smtp.port", "validation_required"},
		{"logs", func(s *Settings) { s.Logs.MaxDays = -1 }, "logs.maxDays", "validation_min_greater_equal_than_required"},
		{"rules required", func(s *Settings) { s.RateLimits.Enabled = true; s.RateLimits.Rules = nil }, "rateLimits.rules", "validation_required"},
		{"rule label", func(s *Settings) { s.RateLimits.Rules[1].Label = "" }, "rateLimits.rules.1.label", "validation_required"},
		{"rule label format", func(s *Settings) { s.RateLimits.Rules[1].Label = "a b c" }, "rateLimits.rules.1.label", "validation_match_invalid"},
		{"rule max", func(s *Settings) { s.RateLimits.Rules[0].MaxRequests = -1 }, "rateLimits.rules.0.maxRequests", "validation_min_greater_equal_than_required"},
		{"rule duration", func(s *Settings) { s.RateLimits.Rules[0].Duration = 0 }, "rateLimits.rules.0.duration", "validation_required"},
		{"rule audience", func(s *Settings) { s.RateLimits.Rules[0].Audience = "@admins" }, "rateLimits.rules.0.audience", "validation_in_invalid"},
		{"rule conflict", func(s *Settings) {
			s.RateLimits.Rules = append(s.RateLimits.Rules, RateLimitRule{Label: "*:auth", Audience: "@guest", Duration: 1, MaxRequests: 1})
		}, "rateLimits.rules.4.label", "validation_conflicting_rate_limit_rule"},
		{"excludedIPs", func(s *Settings) { s.RateLimits.ExcludedIPs = []string{"1.2.3.4/99"} }, "rateLimits.excludedIPs.0", "validation_invlaid_ip_or_subnet"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultSettings()
			tc.change(s)
			errs := fieldErrors(t, s)
			if got := codeAt(errs, tc.path); got != tc.code {
				t.Fatalf("%s: code %q, want %q; errors %v", tc.path, got, tc.code, errs)
			}
		})
	}
}

func TestSettingsValidValues(t *testing.T) {
	s := DefaultSettings()
	s.SuperuserIPs = []string{"127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"}
	s.Meta.AccentColor = ""
	s.Meta.AppURL = "https://example.com:8443/base"
	s.SMTP = SMTPSettings{Enabled: true, Host: "mail.example.com", Port: 465, AuthMethod: "LOGIN", LocalName: "10.0.0.1"}
	s.S3 = S3Settings{Enabled: true, Bucket: "b", Region: "r", Endpoint: "https://s3.example.com", AccessKey: "k", Secret: "s"}
	for _, cron := range []string{"@daily", "*/5 * * * *", "0 0-6/2 1,15 * 1-5", "0 0 * 12 0"} {
		s.Backups.Cron = cron
		if errs := fieldErrors(t, s); errs != nil {
			t.Fatalf("cron %q: %v", cron, errs)
		}
	}
	s.RateLimits.Rules = append(s.RateLimits.Rules,
		RateLimitRule{Label: "users:create", Audience: "@guest", Duration: 1, MaxRequests: 1},
		RateLimitRule{Label: "users:list", Audience: "@auth", Duration: 1, MaxRequests: 1},
		RateLimitRule{Label: "POST /api/collections/", Duration: 1, MaxRequests: 1},
		RateLimitRule{Label: "my_tag", Duration: 1, MaxRequests: 1})
	if errs := fieldErrors(t, s); errs != nil {
		t.Fatal(errs)
	}
}

func TestFindRule(t *testing.T) {
	rl := RateLimitSettings{Rules: []RateLimitRule{
		{Label: "/api/"},
		{Label: "*:create"},
		{Label: "posts:create", Audience: "@guest"},
		{Label: "/api/collections/"},
		{Label: "POST /api/batch"},
		{Label: "/hello/"},
	}}
	find := func(audience string, labels ...string) string {
		r, ok := rl.FindRule(labels, AudienceAll, audience)
		if !ok {
			return "-"
		}
		return r.Label
	}
	collection := func(c, tag, method, path string) []string {
		return []string{c + ":" + tag, "*:" + tag, method + " " + path, path}
	}
	if got := find("@guest", collection("posts", "create", "POST", "/api/collections/posts/records")...); got != "posts:create" {
		t.Errorf("guest create: %s", got)
	}
	// The guest-only rule does not fit an auth request: the wildcard does.
	if got := find("@auth", collection("posts", "create", "POST", "/api/collections/posts/records")...); got != "*:create" {
		t.Errorf("auth create: %s", got)
	}
	// No tag rule: the longest path prefix wins over the earlier "/api/".
	if got := find("@guest", collection("posts", "list", "GET", "/api/collections/posts/records")...); got != "/api/collections/" {
		t.Errorf("list: %s", got)
	}
	if got := find("@guest", "POST /api/batch", "/api/batch"); got != "POST /api/batch" {
		t.Errorf("batch: %s", got)
	}
	if got := find("@guest", "GET /api/batch", "/api/batch"); got != "/api/" {
		t.Errorf("GET batch: %s", got)
	}
	// A prefix rule matches the path without its trailing slash too.
	if got := find("@guest", "GET /hello", "/hello"); got != "/hello/" {
		t.Errorf("hello: %s", got)
	}
	if got := find("@guest", "GET /other", "/other"); got != "-" {
		t.Errorf("other: %s", got)
	}
}

func TestIPInList(t *testing.T) {
	list := []string{"10.0.0.0/8", "192.168.1.5", "fd00::/8", "garbage"}
	for ip, want := range map[string]bool{
		"10.1.2.3": true, "192.168.1.5": true, "192.168.1.6": false, "fd00::1": true,
		"::ffff:10.0.0.1": true, "127.0.0.1": false, "": false, "garbage": false,
	} {
		if got := IPInList(list, ip); got != want {
			t.Errorf("%q: %v, want %v", ip, got, want)
		}
	}
	s := DefaultSettings()
	if !s.SuperuserIPAllowed("1.2.3.4") {
		t.Error("an empty whitelist allows everyone")
	}
}

func TestMergeSettings(t *testing.T) {
	base := DefaultSettings()
	base.SMTP.Password = "stored-secret"
	next, err := mergeSettings(base, map[string]any{
		"meta":         map[string]any{"appName": "New"},
		"rateLimits":   map[string]any{"rules": []any{map[string]any{"label": "/x", "duration": 1, "maxRequests": 1}}},
		"smtp":         map[string]any{"host": "mail.example.com", "password": nil},
		"trustedProxy": map[string]any{"headers": nil},
		"unknown":      true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if next.Meta.AppName != "New" || next.Meta.AppURL != "http://localhost:8090" {
		t.Errorf("meta not merged key-wise: %+v", next.Meta)
	}
	if len(next.RateLimits.Rules) != 1 || next.RateLimits.Rules[0] != (RateLimitRule{Label: "/x", Duration: 1, MaxRequests: 1}) {
		t.Errorf("rules not replaced: %+v", next.RateLimits.Rules)
	}
	if next.SMTP.Password != "stored-secret" || next.SMTP.Host != "mail.example.com" || next.SMTP.Port != 587 {
		t.Errorf("smtp: %+v", next.SMTP)
	}
	if next.TrustedProxy.Headers == nil || len(next.TrustedProxy.Headers) != 0 {
		t.Errorf("null array: %#v", next.TrustedProxy.Headers)
	}
	if _, err := mergeSettings(base, map[string]any{"meta": "x"}); err == nil {
		t.Error("a string for an object must fail")
	}
	if _, err := mergeSettings(base, map[string]any{"smtp": map[string]any{"port": "587"}}); err == nil {
		t.Error("a string for a number must fail")
	}
	// The base is untouched.
	if base.Meta.AppName != "Acme" || len(base.RateLimits.Rules) != 4 {
		t.Error("merge changed its base")
	}
}

func TestRedacted(t *testing.T) {
	s := DefaultSettings()
	s.SMTP.Password, s.S3.Secret, s.Backups.S3.Secret = "p", "s", "b"
	b, _ := json.Marshal(s.Redacted())
	for _, secret := range []string{`"password"`, `"secret"`} {
		if strings.Contains(string(b), secret) {
			t.Errorf("redacted settings contain %s: %s", secret, b)
		}
	}
	if s.SMTP.Password != "p" {
		t.Error("Redacted changed the original")
	}
}

func openApp(t *testing.T, dir string) *App {
	t.Helper()
	st, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(st, Options{})
}

func TestSettingsStoredCachedAndInvalidated(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := openApp(t, dir)
	s, err := a.Settings(ctx)
	if err != nil || s.Meta.AppName != "Acme" {
		t.Fatalf("fresh settings: %v %+v", err, s)
	}
	if again, _ := a.Settings(ctx); again != s {
		t.Error("a second read is not served from the cache")
	}
	var saved atomic.Int32
	a.OnSettingsSaved(func(*Settings) { saved.Add(1) })
	if _, err := a.UpdateSettings(ctx, map[string]any{"meta": map[string]any{"appName": "Stored"}, "s3": map[string]any{"secret": "k"}}); err != nil {
		t.Fatal(err)
	}
	if saved.Load() != 1 {
		t.Errorf("hook ran %d times", saved.Load())
	}
	if s, _ := a.Settings(ctx); s.Meta.AppName != "Stored" {
		t.Errorf("cache not refreshed on save: %s", s.Meta.AppName)
	}
	// Invalid input changes nothing.
	if _, err := a.UpdateSettings(ctx, map[string]any{"meta": map[string]any{"appName": ""}}); core.ErrorCode(err) != core.EInvalid {
		t.Fatalf("want invalid, got %v", err)
	}
	// Another writer (another node) changes the row: the cache serves the
	// old value until invalidated.
	err = a.store.Write(ctx, func(tx core.Tx) error {
		raw, err := tx.Param(ctx, SettingsParam)
		if err != nil {
			return err
		}
		return tx.SetParam(ctx, SettingsParam, []byte(strings.Replace(string(raw), `"Stored"`, `"Elsewhere"`, 1)))
	})
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := a.Settings(ctx); s.Meta.AppName != "Stored" {
		t.Errorf("expected the cached value, got %s", s.Meta.AppName)
	}
	a.InvalidateSettings()
	s, _ = a.Settings(ctx)
	if s.Meta.AppName != "Elsewhere" || s.S3.Secret != "k" {
		t.Errorf("after invalidation: %+v %+v", s.Meta, s.S3)
	}
}

func TestTestS3AndEmailWithoutHooks(t *testing.T) {
	ctx := context.Background()
	a := openApp(t, t.TempDir())
	if err := a.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	msg := func(err error) string {
		var e *core.Error
		if !errors.As(err, &e) || e.Code != core.EInvalid {
			t.Fatalf("want a 400 error, got %v", err)
		}
		return e.Message
	}
	if m := msg(a.TestS3(ctx, "storage")); !strings.HasPrefix(m, "Failed to test the S3 filesystem. Raw error: ") {
		t.Errorf("s3 disabled: %q", m)
	}
	if m := msg(a.TestS3(ctx, "elsewhere")); m != "Failed to test the S3 filesystem." {
		t.Errorf("bad filesystem: %q", m)
	}
	s := DefaultSettings()
	s.S3 = S3Settings{Enabled: true, Bucket: "b", Region: "r", Endpoint: "https://s3.example.com", AccessKey: "k", Secret: "s"}
	if err := a.SaveSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	a.SetTestS3(nil) // New may install the real check
	if m := msg(a.TestS3(ctx, "storage")); !strings.Contains(m, "not available") {
		t.Errorf("no checker: %q", m)
	}
	var got S3Settings
	a.SetTestS3(func(_ context.Context, cfg S3Settings) error { got = cfg; return nil })
	if err := a.TestS3(ctx, "storage"); err != nil || got.Secret != "s" {
		t.Errorf("checker: %v %+v", err, got)
	}
	a.SetTestEmail(nil)
	if m := msg(a.SendTestEmail(ctx, "x@example.com", "verification", "")); !strings.HasPrefix(m, "Failed to send the test email. Raw error: ") {
		t.Errorf("no mailer: %q", m)
	}
	var sentTo, sentFor string
	a.SetTestEmail(func(_ context.Context, c *core.Collection, template, to string) error {
		sentTo, sentFor = to, c.Name+"/"+template
		return nil
	})
	if err := a.SendTestEmail(ctx, "x@example.com", "otp", "users"); err != nil || sentTo != "x@example.com" || sentFor != "users/otp" {
		t.Errorf("send: %v %s %s", err, sentTo, sentFor)
	}
	if err := a.SendTestEmail(ctx, "x@example.com", "otp", ""); err != nil || sentFor != "_superusers/otp" {
		t.Errorf("default collection: %v %s", err, sentFor)
	}
}
