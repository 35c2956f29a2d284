package api_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/plinthdb/plinth/api"
	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/core"
)

const userPass = "a-user-password-1"

// userToken creates a record in the users collection and logs it in.
func userToken(e *env, email string) string {
	e.t.Helper()
	e.call("POST", "/api/collections/users/records", "",
		map[string]any{"email": email, "password": userPass, "passwordConfirm": userPass}).status(200)
	return e.call("POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": email, "password": userPass}).status(200).str("token")
}

// defaultSettingsJSON is §10.1's fresh-install answer.
const defaultSettingsJSON = `{
  "superuserIPs": [],
  "smtp": {"enabled": false, "port": 587, "host": "smtp.example.com",
           "username": "", "authMethod": "", "tls": false, "localName": ""},
  "backups": {"cron": "", "cronMaxKeep": 3,
              "s3": {"enabled": false, "bucket": "", "region": "", "endpoint": "",
                     "accessKey": "", "forcePathStyle": false}},
  "s3": {"enabled": false, "bucket": "", "region": "", "endpoint": "",
         "accessKey": "", "forcePathStyle": false},
  "meta": {"accentColor": "#1055c9", "appName": "Acme",
           "appURL": "http://localhost:8090", "senderName": "Support",
           "senderAddress": "support@example.com", "hideControls": false},
  "rateLimits": {"rules": [
      {"label": "*:auth", "audience": "", "duration": 3, "maxRequests": 2},
      {"label": "*:create", "audience": "", "duration": 5, "maxRequests": 20},
      {"label": "/api/batch", "audience": "", "duration": 1, "maxRequests": 3},
      {"label": "/api/", "audience": "", "duration": 10, "maxRequests": 300}],
    "excludedIPs": [], "enabled": false},
  "trustedProxy": {"headers": [], "useLeftmostIP": false},
  "batch": {"enabled": false, "maxRequests": 50, "timeout": 3, "maxBodySize": 0},
  "logs": {"maxDays": 5, "minLevel": 0, "logIP": true, "logAuthId": false}
}`

func decodeJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSettingsRequireSuperuser(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		user := userToken(e, "u1@example.com")
		for _, ep := range [][2]string{{"GET", "/api/settings"}, {"PATCH", "/api/settings"},
			{"POST", "/api/settings/test/s3"}, {"POST", "/api/settings/test/email"}} {
			e.call(ep[0], ep[1], "", map[string]any{}).status(401)
			e.call(ep[0], ep[1], user, map[string]any{}).status(403)
		}
		// Nothing was changed by the rejected PATCH.
		e.call("PATCH", "/api/settings", user, map[string]any{"meta": map[string]any{"appName": "Hijacked"}}).status(403)
		e.su("GET", "/api/settings", nil).status(200).has("meta.appName", "Acme")
	})
}

func TestSettingsDefaults(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.su("GET", "/api/settings", nil).status(200).has("", decodeJSON(t, defaultSettingsJSON))
		// The fields picker applies as to any JSON answer.
		e.su("GET", "/api/settings?fields=meta.appName", nil).status(200).has("", map[string]any{"meta": map[string]any{"appName": "Acme"}})
	})
}

func TestSettingsPatchMerges(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		r := e.su("PATCH", "/api/settings", map[string]any{
			"meta":       map[string]any{"appName": "Plinth Test", "hideControls": true},
			"rateLimits": map[string]any{"rules": []any{map[string]any{"label": "posts:list", "duration": 1, "maxRequests": 9}}},
			"logs":       map[string]any{"maxDays": 0},
		}).status(200)
		r.has("meta.appName", "Plinth Test").has("meta.hideControls", true).
			has("meta.appURL", "http://localhost:8090").has("meta.senderName", "Support").
			has("rateLimits.rules", []any{map[string]any{"label": "posts:list", "audience": "", "duration": 1, "maxRequests": 9}}).
			has("rateLimits.enabled", false).has("logs.maxDays", 0).has("logs.logIP", true)
		e.su("GET", "/api/settings", nil).status(200).has("", r.get(""))
		// An empty patch changes nothing.
		e.su("PATCH", "/api/settings", map[string]any{}).status(200).has("", r.get(""))
	})
}

func TestSettingsValidation(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		r := e.su("PATCH", "/api/settings", map[string]any{
			"meta":         map[string]any{"appName": "", "appURL": "nope", "senderAddress": "x"},
			"superuserIPs": []any{"10.0.0.0/8", "not-an-ip"},
			"s3":           map[string]any{"enabled": true},
			"rateLimits":   map[string]any{"rules": []any{map[string]any{"label": "*:auth", "audience": "@nobody", "duration": 0, "maxRequests": 1}}},
			"backups":      map[string]any{"cron": "every day"},
		}).status(400)
		r.has("message", "An error occurred while saving the new settings.").
			fieldCode("meta.appName", "validation_required").
			fieldCode("meta.appURL", "validation_is_url").
			fieldCode("meta.senderAddress", "validation_is_email").
			fieldCode("superuserIPs.1", "validation_invlaid_ip_or_subnet").
			absent("data.superuserIPs.0").
			fieldCode("s3.bucket", "validation_required").
			fieldCode("s3.secret", "validation_required").
			fieldCode("rateLimits.rules.0.audience", "validation_in_invalid").
			fieldCode("rateLimits.rules.0.duration", "validation_required").
			fieldCode("backups.cron", "validation_invalid_cron").
			has("data.meta.appName.message", "Cannot be blank.")
		// A failed PATCH saves nothing.
		e.su("GET", "/api/settings", nil).status(200).has("", decodeJSON(t, defaultSettingsJSON))

		e.su("PATCH", "/api/settings", map[string]any{"meta": map[string]any{"appName": strings.Repeat("x", 256)}}).status(400).
			fieldCode("meta.appName", "validation_length_out_of_range").has("data.meta.appName.params", map[string]any{"min": 1, "max": 255})
		e.su("PATCH", "/api/settings", map[string]any{"rateLimits": map[string]any{"enabled": true, "rules": []any{}}}).status(400).
			fieldCode("rateLimits.rules", "validation_required")
		// Bodies that do not bind onto the settings.
		e.su("PATCH", "/api/settings", map[string]any{"meta": "x"}).status(400).
			has("message", "An error occurred while loading the submitted data.").has("data", map[string]any{})
		e.su("PATCH", "/api/settings", map[string]any{"smtp": map[string]any{"port": "587"}}).status(400)
		e.su("PATCH", "/api/settings", "{").status(400)
		e.su("PATCH", "/api/settings", "[1,2]").status(400)
	})
}

func TestSettingsSecrets(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		r := e.su("PATCH", "/api/settings", map[string]any{
			"smtp":    map[string]any{"enabled": true, "host": "mail.example.com", "username": "me", "password": "smtp-secret"},
			"s3":      map[string]any{"enabled": true, "bucket": "b", "region": "r", "endpoint": "https://s3.example.com", "accessKey": "ak", "secret": "s3-secret"},
			"backups": map[string]any{"s3": map[string]any{"secret": "backup-secret"}},
		}).status(200)
		check := func(r *response) {
			t.Helper()
			if strings.Contains(string(r.raw), "secret\"") || strings.Contains(string(r.raw), "-secret") || strings.Contains(string(r.raw), "password") {
				t.Fatalf("%s leaks a secret: %s", r.req, r.raw)
			}
		}
		check(r)
		r.has("smtp.username", "me").has("s3.accessKey", "ak")
		check(e.su("GET", "/api/settings", nil).status(200))
		// A patch without the secrets keeps them: S3 stays valid (its
		// secret is required while enabled).
		check(e.su("PATCH", "/api/settings", map[string]any{"s3": map[string]any{"bucket": "b2"}}).status(200).has("s3.bucket", "b2"))
		st, err := e.app.Settings(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.SMTP.Password != "smtp-secret" || st.S3.Secret != "s3-secret" || st.Backups.S3.Secret != "backup-secret" {
			t.Fatalf("secrets not kept: %+v %+v %+v", st.SMTP, st.S3, st.Backups.S3)
		}
		// Sending a secret replaces it.
		e.su("PATCH", "/api/settings", map[string]any{"s3": map[string]any{"secret": "rotated"}}).status(200)
		if st, _ := e.app.Settings(context.Background()); st.S3.Secret != "rotated" {
			t.Fatalf("secret not replaced: %q", st.S3.Secret)
		}
	})
}

func TestSettingsPersistAcrossApps(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.su("PATCH", "/api/settings", map[string]any{
			"meta":  map[string]any{"appName": "Persisted"},
			"smtp":  map[string]any{"password": "kept"},
			"batch": map[string]any{"enabled": true, "maxRequests": 7},
		}).status(200)
		// A second App on the same store (another node, or a restart).
		a2 := app.New(e.app.Store(), app.Options{})
		st, err := a2.Settings(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.Meta.AppName != "Persisted" || st.SMTP.Password != "kept" || !st.Batch.Enabled || st.Batch.MaxRequests != 7 || st.Batch.Timeout != 3 {
			t.Fatalf("second app sees %+v", st)
		}
		srv := httptest.NewServer(api.NewServer(api.Config{App: a2}))
		defer srv.Close()
		e2 := &env{t: t, app: a2, srv: srv, token: e.token}
		e2.su("GET", "/api/settings", nil).status(200).has("meta.appName", "Persisted").absent("smtp.password")
	})
}

func TestSettingsTestS3(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.su("POST", "/api/settings/test/s3", map[string]any{}).status(400).
			has("message", "Failed to test the S3 filesystem.").fieldCode("filesystem", "validation_required")
		e.su("POST", "/api/settings/test/s3", map[string]any{"filesystem": "disk"}).status(400).
			fieldCode("filesystem", "validation_in_invalid")
		r := e.su("POST", "/api/settings/test/s3", map[string]any{"filesystem": "storage"}).status(400)
		if !strings.HasPrefix(r.str("message"), "Failed to test the S3 filesystem. Raw error: \n") {
			t.Fatalf("message %q", r.str("message"))
		}
		e.su("PATCH", "/api/settings", map[string]any{"backups": map[string]any{"s3": map[string]any{
			"enabled": true, "bucket": "b", "region": "r", "endpoint": "https://s3.example.com", "accessKey": "ak", "secret": "sk"}}}).status(200)
		var checked app.S3Settings
		e.app.SetTestS3(func(_ context.Context, cfg app.S3Settings) error {
			checked = cfg
			return nil
		})
		e.su("POST", "/api/settings/test/s3", map[string]any{"filesystem": "backups"}).status(204)
		if checked.Bucket != "b" || checked.Secret != "sk" {
			t.Fatalf("checker got %+v", checked)
		}
	})
}

func TestSettingsTestEmail(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.su("POST", "/api/settings/test/email", map[string]any{}).status(400).
			has("message", "Failed to send the test email.").
			fieldCode("email", "validation_required").fieldCode("template", "validation_required")
		e.su("POST", "/api/settings/test/email", map[string]any{"email": "bad", "template": "welcome", "collection": "nope"}).status(400).
			fieldCode("email", "validation_is_email").fieldCode("template", "validation_in_invalid").
			fieldCode("collection", "validation_invalid_auth_collection")
		// Without a mailer: a clear 400.
		e.app.SetTestEmail(nil)
		r := e.su("POST", "/api/settings/test/email", map[string]any{"email": "to@example.com", "template": "verification"}).status(400)
		if !strings.HasPrefix(r.str("message"), "Failed to send the test email. Raw error: \n") {
			t.Fatalf("message %q", r.str("message"))
		}
		var sent string
		e.app.SetTestEmail(func(_ context.Context, c *core.Collection, template, to string) error {
			sent = c.Name + " " + template + " " + to
			return nil
		})
		e.su("POST", "/api/settings/test/email", map[string]any{"email": "to@example.com", "template": "password-reset", "collection": "users"}).status(204)
		if sent != "users password-reset to@example.com" {
			t.Fatalf("sent %q", sent)
		}
	})
}
