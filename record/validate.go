package record

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/plinthdb/plinth/core"
)

// Defaults of PocketBase's field options.
const (
	DefaultIDPattern         = "^[a-z0-9]+$"
	DefaultTextMax           = 5000
	DefaultPasswordMax       = 71
	DefaultEditorMaxSize     = 5 << 20
	DefaultJSONMaxSize       = 1 << 20
	DefaultFileMaxSize       = 5 << 20
	maxInvalidFileNameLength = 250
)

// Characters and names refused in custom-pattern primary keys, because
// ids become directory names of stored files.
var (
	forbiddenPKChars = []string{".", "/", `\`, "|", `"`, "'", "`", "<", ">", ":", "?", "*", "%", "$",
		"\x00", "\t", "\n", "\r", " "}
	reservedPKs = []string{"CON", "PRN", "AUX", "NUL",
		"COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9"}
)

// ValidateOptions carries what Validate cannot read from the records.
type ValidateOptions struct {
	// Plain holds the plain text of the password fields set in this
	// request (Applied.Plain): length and pattern apply to it, not to
	// the stored hash.
	Plain map[string]string
	// NewFiles lists, per file field, the names of the files uploaded in
	// this request. Any other name in a file field must already be in
	// old's value (validation_invalid_file).
	NewFiles map[string][]string
}

// Validate checks every field value of rec and returns one error per
// failing field, keyed by field name (never nil, empty when valid). old
// is the stored record on update, nil on create. Relation ids are not
// looked up (see RelationRefs) and unique indexes are the store's job.
func Validate(rec, old *core.Record, o ValidateOptions) core.FieldErrors {
	errs := core.FieldErrors{}
	if rec == nil || rec.Collection == nil {
		return errs
	}
	for _, f := range rec.Collection.Fields {
		if err := validateField(f, rec, old, o); err != nil {
			errs[f.Name] = err
		}
	}
	return errs
}

func fieldErr(code, message string, params map[string]any) *core.FieldError {
	return core.NewFieldError(code, message, params)
}

func errRequired() *core.FieldError {
	return fieldErr("validation_required", "Cannot be blank.", nil)
}

func errUnsupported() *core.FieldError {
	return fieldErr("validation_unsupported_value_type", "Invalid or unsupported value type.", nil)
}

// PKInvalidError is reported on "id" when a custom-pattern id already
// exists case-insensitively (see NeedsPKCaseCheck).
func PKInvalidError() *core.FieldError {
	return fieldErr("validation_pk_invalid", "The record primary key is invalid or already exists.", nil)
}

// MissingRelRecordsError is reported on a relation field when some of its
// ids do not exist in the target collection.
func MissingRelRecordsError() *core.FieldError {
	return fieldErr("validation_missing_rel_records", "Failed to find all relation records with the provided ids.", nil)
}

// MissingRelCollectionError is reported on a relation field whose target
// collection does not exist.
func MissingRelCollectionError() *core.FieldError {
	return fieldErr("validation_missing_rel_collection", "Relation connection is missing or cannot be accessed.", nil)
}

// NeedsPKCaseCheck reports whether creating a record must also check
// that no record has the same id case-insensitively (PKInvalidError):
// PocketBase does so for primary keys with a non-default pattern.
func NeedsPKCaseCheck(f *core.Field) bool {
	return f.PrimaryKey && f.Pattern != DefaultIDPattern
}

// RelationRef is one relation field value whose ids the caller must find
// in the target collection.
type RelationRef struct {
	Field        string
	CollectionID string
	IDs          []string
}

// RelationRefs lists rec's non-empty relation values. Callers should skip
// fields that Validate already reported.
func RelationRefs(rec *core.Record) []RelationRef {
	var out []RelationRef
	for _, f := range rec.Collection.Fields {
		if f.Type != core.FieldRelation {
			continue
		}
		if ids := uniqueStrings(rec.Values[f.Name]); len(ids) > 0 {
			out = append(out, RelationRef{Field: f.Name, CollectionID: f.CollectionID, IDs: ids})
		}
	}
	return out
}

func value(rec *core.Record, f *core.Field) any {
	if v, ok := rec.Values[f.Name]; ok {
		return v
	}
	return core.ZeroValue(f)
}

func validateField(f *core.Field, rec, old *core.Record, o ValidateOptions) *core.FieldError {
	v := value(rec, f)
	switch f.Type {
	case core.FieldText:
		s, ok := v.(string)
		if !ok {
			return errUnsupported()
		}
		if f.PrimaryKey && old != nil {
			oldID, _ := old.Values[f.Name].(string)
			if oldID != s {
				return fieldErr("validation_pk_change", "The record primary key cannot be changed.", nil)
			}
			if oldID != "" {
				return nil // stored ids may predate the current rules
			}
		}
		return ValidateText(f, s)
	case core.FieldNumber:
		n, ok := v.(float64)
		if !ok {
			return errUnsupported()
		}
		return validateNumber(f, n)
	case core.FieldBool:
		b, ok := v.(bool)
		if !ok {
			return errUnsupported()
		}
		if f.Required && !b {
			return errRequired()
		}
	case core.FieldEmail:
		s, ok := v.(string)
		if !ok {
			return errUnsupported()
		}
		return validateEmail(f, s)
	case core.FieldURL:
		s, ok := v.(string)
		if !ok {
			return errUnsupported()
		}
		return validateURL(f, s)
	case core.FieldEditor:
		s, ok := v.(string)
		if !ok {
			return errUnsupported()
		}
		if f.Required && s == "" {
			return errRequired()
		}
		if limit := sizeLimit(f.MaxSize, DefaultEditorMaxSize); int64(len(s)) > limit {
			return fieldErr("validation_content_size_limit",
				fmt.Sprintf("The maximum allowed content size is %d bytes.", limit), map[string]any{"maxSize": limit})
		}
	case core.FieldDate:
		s, ok := v.(string)
		if !ok {
			return errUnsupported()
		}
		return validateDate(f, s)
	case core.FieldSelect:
		return validateSelect(f, v)
	case core.FieldRelation:
		return validateRelation(f, v)
	case core.FieldFile:
		return validateFile(f, v, old, o.NewFiles[f.Name])
	case core.FieldJSON:
		raw, ok := v.(json.RawMessage)
		if !ok && v != nil {
			return errUnsupported()
		}
		return validateJSON(f, raw)
	case core.FieldGeoPoint:
		p, ok := v.(core.GeoPoint)
		if !ok {
			return errUnsupported()
		}
		return validateGeoPoint(f, p)
	case core.FieldPassword:
		hash, ok := v.(string)
		if !ok {
			return errUnsupported()
		}
		return validatePassword(f, hash, o.Plain[f.Name])
	}
	return nil
}

func sizeLimit(max, def int64) int64 {
	if max <= 0 {
		return def
	}
	return max
}

var patterns sync.Map // pattern -> *regexp.Regexp (nil when it does not compile)

// matches reports whether s matches pattern; a pattern that does not
// compile matches nothing.
func matches(pattern, s string) bool {
	re, ok := patterns.Load(pattern)
	if !ok {
		compiled, err := regexp.Compile(pattern)
		if err != nil {
			compiled = nil
		}
		re, _ = patterns.LoadOrStore(pattern, compiled)
	}
	compiled, _ := re.(*regexp.Regexp)
	return compiled != nil && compiled.MatchString(s)
}

// ValidateText checks a text value against a text field's options
// (required, min, max, pattern, and the primary key's extra rules). It
// does not know about the stored record: use Validate for the pk_change
// rule.
func ValidateText(f *core.Field, s string) *core.FieldError {
	if s == "" {
		if f.Required || f.PrimaryKey {
			return errRequired()
		}
		return nil
	}
	n := utf8.RuneCountInString(s)
	if min := f.IntMin(); min > 0 && n < min {
		return fieldErr("validation_min_text_constraint",
			fmt.Sprintf("Must be at least %d character(s).", min), map[string]any{"min": min})
	}
	max := f.IntMax()
	if max <= 0 {
		max = DefaultTextMax
	}
	if n > max {
		return fieldErr("validation_max_text_constraint",
			fmt.Sprintf("Must be no more than %d character(s).", max), map[string]any{"max": max})
	}
	if f.Pattern != "" && !matches(f.Pattern, s) {
		return fieldErr("validation_invalid_format", "Invalid value format.", nil)
	}
	if f.PrimaryKey && f.Pattern != DefaultIDPattern {
		for _, ch := range forbiddenPKChars {
			if strings.Contains(s, ch) {
				return fieldErr("validation_forbidden_pk_character",
					fmt.Sprintf("'%s' is not a valid primary key character.", ch), map[string]any{"ch": ch})
			}
		}
		for _, r := range reservedPKs {
			if strings.EqualFold(s, r) {
				return fieldErr("validation_reserved_pk",
					fmt.Sprintf("The primary key '%s' is reserved and cannot be used.", r), map[string]any{"reserved": r})
			}
		}
	}
	return nil
}

func validateNumber(f *core.Field, n float64) *core.FieldError {
	if math.IsNaN(n) || math.IsInf(n, 0) {
		return fieldErr("validation_not_a_number", "The submitted number is not properly formatted.", nil)
	}
	if n == 0 {
		if f.Required {
			return errRequired()
		}
		return nil
	}
	if f.OnlyInt && math.Trunc(n) != n {
		return fieldErr("validation_only_int_constraint", "Decimal numbers are not allowed.", nil)
	}
	// Bounds print with Go's %v, as PocketBase's message templates do.
	if f.Min != nil && n < *f.Min {
		return fieldErr("validation_min_number_constraint",
			fmt.Sprintf("Must be greater or equal than %v.", *f.Min), map[string]any{"min": *f.Min})
	}
	if f.Max != nil && n > *f.Max {
		return fieldErr("validation_max_number_constraint",
			fmt.Sprintf("Must be less or equal than %v.", *f.Max), map[string]any{"max": *f.Max})
	}
	return nil
}

func validateEmail(f *core.Field, s string) *core.FieldError {
	if s == "" {
		if f.Required {
			return errRequired()
		}
		return nil
	}
	if !isEmail(s) {
		return fieldErr("validation_is_email", "Must be a valid email address.", nil)
	}
	domain := s[strings.LastIndexByte(s, '@')+1:]
	if (len(f.OnlyDomains) > 0 && !slices.Contains(f.OnlyDomains, domain)) ||
		(len(f.ExceptDomains) > 0 && slices.Contains(f.ExceptDomains, domain)) {
		return fieldErr("validation_email_domain_not_allowed", "Email domain is not allowed.", nil)
	}
	return nil
}

func validateURL(f *core.Field, s string) *core.FieldError {
	if s == "" {
		if f.Required {
			return errRequired()
		}
		return nil
	}
	if !isURL(s) {
		return fieldErr("validation_invalid_url", "Must be a valid url.", nil)
	}
	var host string
	if u, err := url.Parse(s); err == nil {
		host = u.Host
	}
	if (len(f.OnlyDomains) > 0 && !slices.Contains(f.OnlyDomains, host)) ||
		(len(f.ExceptDomains) > 0 && slices.Contains(f.ExceptDomains, host)) {
		return fieldErr("validation_url_domain_not_allowed", "Url domain is not allowed.", nil)
	}
	return nil
}

func validateDate(f *core.Field, s string) *core.FieldError {
	t, ok := core.ParseTime(s)
	if !ok || t.IsZero() {
		if f.Required {
			return errRequired()
		}
		return nil
	}
	// The threshold is a time.Time in the params (JSON: RFC 3339) and in
	// Go's default layout in the message, which is what PocketBase shows.
	if min, ok := core.ParseTime(f.DateMin); ok && f.DateMin != "" && t.Before(min) {
		return fieldErr("validation_min_greater_equal_than_required",
			"Must be no less than "+min.String()+".", map[string]any{"threshold": min})
	}
	if max, ok := core.ParseTime(f.DateMax); ok && f.DateMax != "" && t.After(max) {
		return fieldErr("validation_max_less_equal_than_required",
			"Must be no greater than "+max.String()+".", map[string]any{"threshold": max})
	}
	return nil
}

func maxSelect(f *core.Field) int {
	return max(f.MaxSelect, 1)
}

func errTooManyValues(n int) *core.FieldError {
	return fieldErr("validation_too_many_values", fmt.Sprintf("Select no more than %d.", n), map[string]any{"maxSelect": n})
}

func validateSelect(f *core.Field, v any) *core.FieldError {
	list := uniqueStrings(v)
	if len(list) == 0 {
		if f.Required {
			return errRequired()
		}
		return nil
	}
	if n := maxSelect(f); len(list) > n {
		return errTooManyValues(n)
	}
	for _, s := range list {
		if !slices.Contains(f.Values, s) {
			return fieldErr("validation_invalid_value", "Invalid value "+s+".", map[string]any{"value": s})
		}
	}
	return nil
}

func validateRelation(f *core.Field, v any) *core.FieldError {
	ids := uniqueStrings(v)
	if len(ids) == 0 {
		if f.Required {
			return errRequired()
		}
		return nil
	}
	if f.MinSelect > 0 && len(ids) < f.MinSelect {
		return fieldErr("validation_not_enough_values",
			fmt.Sprintf("Select at least %d.", f.MinSelect), map[string]any{"minSelect": f.MinSelect})
	}
	if n := maxSelect(f); len(ids) > n {
		return errTooManyValues(n)
	}
	return nil
}

func validateFile(f *core.Field, v any, old *core.Record, uploaded []string) *core.FieldError {
	names := fileNames(v)
	if len(names) == 0 {
		if f.Required {
			return errRequired()
		}
		return nil
	}
	known := map[string]bool{}
	if old != nil {
		for _, n := range fileNames(old.Values[f.Name]) {
			known[n] = true
		}
	}
	for _, n := range uploaded {
		known[n] = true
	}
	var invalid []string
	for _, n := range names {
		if !known[n] {
			if len(n) > maxInvalidFileNameLength {
				n = n[:maxInvalidFileNameLength]
			}
			invalid = append(invalid, n)
		}
	}
	if len(invalid) > 0 {
		// The list prints with Go's %v, as in PocketBase's template.
		return fieldErr("validation_invalid_file", fmt.Sprintf("Invalid new files: %v.", invalid),
			map[string]any{"invalidFiles": invalid})
	}
	if n := maxSelect(f); len(names) > n {
		return fieldErr("validation_too_many_files", fmt.Sprintf("The maximum allowed files is %d.", n),
			map[string]any{"maxSelect": n})
	}
	return nil
}

func validateJSON(f *core.Field, raw json.RawMessage) *core.FieldError {
	if limit := sizeLimit(f.MaxSize, DefaultJSONMaxSize); int64(len(raw)) > limit {
		return fieldErr("validation_json_size_limit",
			fmt.Sprintf("The maximum allowed JSON size is %d bytes.", limit), map[string]any{"maxSize": limit})
	}
	if len(raw) > 0 && !json.Valid(raw) {
		return fieldErr("validation_invalid_json", "Must be a valid json value.", nil)
	}
	if f.Required {
		switch strings.TrimSpace(string(raw)) {
		case "", "null", `""`, "[]", "{}":
			return errRequired()
		}
	}
	return nil
}

func validateGeoPoint(f *core.Field, p core.GeoPoint) *core.FieldError {
	if p.Lat == 0 && p.Lon == 0 {
		if f.Required {
			return errRequired()
		}
		return nil
	}
	if !(p.Lat >= -90 && p.Lat <= 90) {
		return fieldErr("validation_invalid_latitude", "Latitude must be between -90 and 90 degrees.", nil)
	}
	if !(p.Lon >= -180 && p.Lon <= 180) {
		return fieldErr("validation_invalid_longitude", "Longitude must be between -180 and 180 degrees.", nil)
	}
	return nil
}

// validatePassword checks the plain text submitted in this request; the
// stored hash alone only satisfies "required". PocketBase's messages here
// carry no params.
func validatePassword(f *core.Field, hash, plain string) *core.FieldError {
	if f.Required && hash == "" && plain == "" {
		return errRequired()
	}
	if plain == "" {
		return nil
	}
	n := utf8.RuneCountInString(plain)
	if min := f.IntMin(); n < min {
		return fieldErr("validation_min_text_constraint", fmt.Sprintf("Must be at least %d character(s).", min), nil)
	}
	max := f.IntMax()
	if max <= 0 {
		max = DefaultPasswordMax
	}
	if n > max {
		return fieldErr("validation_max_text_constraint", fmt.Sprintf("Must be less than %d character(s).", max), nil)
	}
	if f.Pattern != "" && !matches(f.Pattern, plain) {
		return fieldErr("validation_invalid_format", "Invalid value format.", nil)
	}
	return nil
}

// sentence capitalizes s and ends it with a period, as PocketBase does
// with every message it shows.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, size := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[size:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}
