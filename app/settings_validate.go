package app

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/record"
)

const errSettings = "An error occurred while saving the new settings."

// The settings validation codes and messages are PocketBase's (§10.1);
// each field reports its first failing check, all fields are checked.
var (
	errRequired  = core.NewFieldError("validation_required", "Cannot be blank.", nil)
	errNotIn     = core.NewFieldError("validation_in_invalid", "Must be a valid value.", nil)
	errURL       = core.NewFieldError("validation_is_url", "Must be a valid URL.", nil)
	errEmail     = core.NewFieldError("validation_is_email", "Must be a valid email address.", nil)
	errHexColor  = core.NewFieldError("validation_is_hex_color", "Must be a valid hex color code.", nil)
	errHost      = core.NewFieldError("validation_is_host", "Must be a valid IP address or DNS name.", nil)
	errFormat    = core.NewFieldError("validation_match_invalid", "Must be in a valid format.", nil)
	errIPOrCIDR  = core.NewFieldError("validation_invlaid_ip_or_subnet", "Invalid IP or CIDR subnet.", nil) // sic: PocketBase's code
	hexColorExp  = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)
	dnsNameExp   = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9_-]{0,62}(?:\.[a-zA-Z0-9_][a-zA-Z0-9_-]{0,62})*[._]?$`)
	ruleLabelExp = regexp.MustCompile(`^(?:\w+ /[\w/-]*|/[\w/-]*|\w+:\w+|\*:\w+|\w+)$`)
)

func lengthBetween(min, max int) *core.FieldError {
	return core.NewFieldError("validation_length_out_of_range",
		fmt.Sprintf("The length must be between %d and %d.", min, max), map[string]any{"min": min, "max": max})
}

func atLeast(threshold int64) *core.FieldError {
	return core.NewFieldError("validation_min_greater_equal_than_required",
		fmt.Sprintf("Must be no less than %d.", threshold), map[string]any{"threshold": threshold})
}

func isEmailAddress(s string) bool { return record.IsEmail(s) }

// put records fe under key unless it is nil.
func put(errs core.FieldErrors, key string, fe *core.FieldError) {
	if fe != nil {
		errs[key] = fe
	}
}

// nest records sub under key unless it is empty.
func nest(errs core.FieldErrors, key string, sub core.FieldErrors) {
	if len(sub) > 0 {
		errs[key] = sub
	}
}

// Validate checks s per §10.1 and returns a 400 *core.Error with nested
// field errors, or nil.
func (s *Settings) Validate() error {
	errs := core.FieldErrors{}
	nest(errs, "superuserIPs", ipList(s.SuperuserIPs))
	nest(errs, "meta", s.Meta.validate())
	nest(errs, "logs", s.Logs.validate())
	nest(errs, "smtp", s.SMTP.validate())
	nest(errs, "s3", s.S3.validate())
	nest(errs, "backups", s.Backups.validate())
	nest(errs, "batch", s.Batch.validate())
	nest(errs, "rateLimits", s.RateLimits.validate())
	if len(errs) > 0 {
		return core.Invalid(errSettings, errs.Map())
	}
	return nil
}

func ipList(items []string) core.FieldErrors {
	errs := core.FieldErrors{}
	for i, item := range items {
		switch {
		case item == "":
			errs[strconv.Itoa(i)] = errRequired
		case !isIPOrCIDR(item):
			errs[strconv.Itoa(i)] = errIPOrCIDR
		}
	}
	return errs
}

func isIPOrCIDR(s string) bool {
	if _, err := netip.ParsePrefix(s); err == nil {
		return true
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// isHost accepts an IP address or a DNS name.
func isHost(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	return len(strings.ReplaceAll(s, ".", "")) <= 255 && dnsNameExp.MatchString(s)
}

// text checks a required string of 1 to 255 characters.
func requiredText(v string) *core.FieldError {
	switch n := utf8.RuneCountInString(v); {
	case n == 0:
		return errRequired
	case n > 255:
		return lengthBetween(1, 255)
	}
	return nil
}

func (m *MetaSettings) validate() core.FieldErrors {
	errs := core.FieldErrors{}
	if m.AccentColor != "" {
		if utf8.RuneCountInString(m.AccentColor) != 7 {
			errs["accentColor"] = core.NewFieldError("validation_length_invalid", "The length must be exactly 7.",
				map[string]any{"min": 7, "max": 7})
		} else if !hexColorExp.MatchString(m.AccentColor) {
			errs["accentColor"] = errHexColor
		}
	}
	put(errs, "appName", requiredText(m.AppName))
	switch {
	case m.AppURL == "":
		errs["appURL"] = errRequired
	case !record.IsURL(m.AppURL):
		errs["appURL"] = errURL
	}
	put(errs, "senderName", requiredText(m.SenderName))
	switch {
	case m.SenderAddress == "":
		errs["senderAddress"] = errRequired
	case !isEmailAddress(m.SenderAddress):
		errs["senderAddress"] = errEmail
	}
	return errs
}

func (l *LogsSettings) validate() core.FieldErrors {
	errs := core.FieldErrors{}
	if l.MaxDays < 0 {
		errs["maxDays"] = atLeast(0)
	}
	return errs
}

func (m *SMTPSettings) validate() core.FieldErrors {
	errs := core.FieldErrors{}
	switch {
	case m.Host == "" && m.Enabled:
		errs["host"] = errRequired
	case m.Host != "" && !isHost(m.Host):
		errs["host"] = errHost
	}
	switch {
	case m.Port == 0 && m.Enabled:
		errs["port"] = errRequired
	case m.Port < 0:
		errs["port"] = atLeast(0)
	}
	if m.AuthMethod != "" && m.AuthMethod != "PLAIN" && m.AuthMethod != "LOGIN" {
		errs["authMethod"] = errNotIn
	}
	if m.LocalName != "" && !isHost(m.LocalName) {
		errs["localName"] = errHost
	}
	return errs
}

func (c *S3Settings) validate() core.FieldErrors {
	errs := core.FieldErrors{}
	switch {
	case c.Endpoint != "" && !record.IsURL(c.Endpoint):
		errs["endpoint"] = errURL
	case c.Endpoint == "" && c.Enabled:
		errs["endpoint"] = errRequired
	}
	if c.Enabled {
		for key, v := range map[string]string{"bucket": c.Bucket, "region": c.Region, "accessKey": c.AccessKey, "secret": c.Secret} {
			if v == "" {
				errs[key] = errRequired
			}
		}
	}
	return errs
}

func (b *BackupsSettings) validate() core.FieldErrors {
	errs := core.FieldErrors{}
	nest(errs, "s3", b.S3.validate())
	if b.Cron != "" {
		if err := checkCron(b.Cron); err != nil {
			errs["cron"] = core.NewFieldError("validation_invalid_cron", err.Error(), nil)
		}
	}
	switch {
	case b.CronMaxKeep == 0 && b.Cron != "":
		errs["cronMaxKeep"] = errRequired
	case b.CronMaxKeep < 0:
		errs["cronMaxKeep"] = atLeast(1)
	}
	return errs
}

func (b *BatchSettings) validate() core.FieldErrors {
	errs := core.FieldErrors{}
	for key, v := range map[string]int64{"maxRequests": int64(b.MaxRequests), "timeout": b.Timeout} {
		switch {
		case v == 0 && b.Enabled:
			errs[key] = errRequired
		case v < 0:
			errs[key] = atLeast(0)
		}
	}
	if b.MaxBodySize < 0 {
		errs["maxBodySize"] = atLeast(0)
	}
	return errs
}

func (r *RateLimitSettings) validate() core.FieldErrors {
	errs := core.FieldErrors{}
	nest(errs, "excludedIPs", ipList(r.ExcludedIPs))
	if len(r.Rules) == 0 {
		if r.Enabled {
			errs["rules"] = errRequired
		}
		return errs
	}
	// Two rules conflict when one's label+audience key is a prefix of the
	// other's (PocketBase's check; it also catches the same label with
	// "" and a specific audience). Only the first conflict is reported,
	// and rule fields are checked only without conflicts.
	seen := make([]string, 0, len(r.Rules))
	for i, rule := range r.Rules {
		key := rule.Label + "@@" + rule.Audience
		for _, prev := range seen {
			if strings.HasPrefix(prev, key) || strings.HasPrefix(key, prev) {
				errs["rules"] = core.FieldErrors{strconv.Itoa(i): core.FieldErrors{
					"label": core.NewFieldError("validation_conflicting_rate_limit_rule",
						fmt.Sprintf("Rate limit rule configuration with label %s already exists or conflicts with another rule.", rule.Label),
						map[string]any{"label": rule.Label}),
				}}
				return errs
			}
		}
		seen = append(seen, key)
	}
	rules := core.FieldErrors{}
	for i := range r.Rules {
		nest(rules, strconv.Itoa(i), r.Rules[i].validate())
	}
	nest(errs, "rules", rules)
	return errs
}

func (rule *RateLimitRule) validate() core.FieldErrors {
	errs := core.FieldErrors{}
	switch {
	case rule.Label == "":
		errs["label"] = errRequired
	case !ruleLabelExp.MatchString(rule.Label):
		errs["label"] = errFormat
	}
	switch {
	case rule.MaxRequests == 0:
		errs["maxRequests"] = errRequired
	case rule.MaxRequests < 1:
		errs["maxRequests"] = atLeast(1)
	}
	switch {
	case rule.Duration == 0:
		errs["duration"] = errRequired
	case rule.Duration < 1:
		errs["duration"] = atLeast(1)
	}
	switch rule.Audience {
	case AudienceAll, AudienceGuest, AudienceAuth:
	default:
		errs["audience"] = errNotIn
	}
	return errs
}

// cronMacros are the named schedules a cron expression may be.
var cronMacros = map[string]string{
	"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
	"@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}

// checkCron validates a five-field cron expression (minute hour
// day-of-month month day-of-week; each a comma list of "*", "n", "a-b",
// with an optional "/step" on "*" and ranges) or a macro.
func checkCron(expr string) error {
	if m, ok := cronMacros[expr]; ok {
		expr = m
	}
	parts := strings.Split(expr, " ")
	if len(parts) != 5 {
		return errors.New("Invalid cron expression - must be a valid macro or have exactly 5 space separated segments.")
	}
	bounds := [5][2]int{{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 6}}
	for i, part := range parts {
		if err := checkCronSegment(part, bounds[i][0], bounds[i][1]); err != nil {
			return err
		}
	}
	return nil
}

func checkCronSegment(seg string, lo, hi int) error {
	for _, item := range strings.Split(seg, ",") {
		base, stepText, hasStep := strings.Cut(item, "/")
		if hasStep {
			step, err := strconv.Atoi(stepText)
			if err != nil || step < 1 || step > hi {
				return fmt.Errorf("Invalid cron segment step %q - must be between 1 and %d.", stepText, hi)
			}
		}
		if base == "*" {
			continue
		}
		from, to, isRange := strings.Cut(base, "-")
		if !isRange && hasStep {
			return fmt.Errorf("Invalid cron segment %q - a step needs the wildcard or a range.", item)
		}
		a, err := strconv.Atoi(from)
		if err != nil || a < lo || a > hi {
			return fmt.Errorf("Invalid cron segment value %q - must be between %d and %d.", from, lo, hi)
		}
		if isRange {
			b, err := strconv.Atoi(to)
			if err != nil || b < a || b > hi {
				return fmt.Errorf("Invalid cron segment range %q - must end between %d and %d.", base, a, hi)
			}
		}
	}
	return nil
}
