package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/plinthdb/plinth/core"
)

// Coerce converts v to the canonical Go value of f's type (see
// core.Record), as a plain body key for the field would (§4.9). Password
// values come back as the plain string; hashing is Apply's business.
// Coerce never fails: input that cannot be read becomes the zero value.
func Coerce(f *core.Field, v any) any {
	switch f.Type {
	case core.FieldNumber:
		return toFloat(v)
	case core.FieldBool:
		return toBool(v)
	case core.FieldDate, core.FieldAutodate:
		return toDate(v)
	case core.FieldSelect, core.FieldRelation:
		return fitList(f, uniqueStrings(v))
	case core.FieldFile:
		return fitList(f, fileNames(v))
	case core.FieldJSON:
		return toJSON(v)
	case core.FieldGeoPoint:
		return toGeoPoint(v)
	}
	return toString(v)
}

// fitList shapes a normalized list as the field stores it: the list itself
// for multi fields (never nil), the last element (or "") for single ones.
func fitList(f *core.Field, list []string) any {
	if f.IsMulti() {
		if list == nil {
			return []string{}
		}
		return list
	}
	if len(list) == 0 {
		return ""
	}
	return list[len(list)-1]
}

// toStringOK stringifies scalars; ok is false for values that have no
// string form (objects, arrays, ...).
func toStringOK(v any) (string, bool) {
	switch s := v.(type) {
	case nil:
		return "", true
	case string:
		return s, true
	case bool:
		return strconv.FormatBool(s), true
	case float64:
		return strconv.FormatFloat(s, 'f', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(s), 'f', -1, 32), true
	case int:
		return strconv.Itoa(s), true
	case int8, int16, int32, int64:
		return strconv.FormatInt(reflect.ValueOf(s).Int(), 10), true
	case uint, uint8, uint16, uint32, uint64:
		return strconv.FormatUint(reflect.ValueOf(s).Uint(), 10), true
	case json.Number:
		return s.String(), true
	case json.RawMessage:
		return string(s), true
	case []byte:
		return string(s), true
	case time.Time:
		return core.FormatTime(s), true
	case fmt.Stringer:
		return s.String(), true
	case error:
		return s.Error(), true
	}
	return "", false
}

// toString stringifies like PocketBase's text fields: numbers without
// exponent or trailing zeros, booleans as true/false, null and
// non-scalars as "".
func toString(v any) string {
	s, _ := toStringOK(v)
	return s
}

// toFloat reads a number: numbers as they are, booleans as 1/0, strings
// parsed as floats; anything unreadable is 0.
func toFloat(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case float32:
		return float64(n)
	case int:
		return float64(n)
	case int8, int16, int32, int64:
		return float64(reflect.ValueOf(n).Int())
	case uint, uint8, uint16, uint32, uint64:
		return float64(reflect.ValueOf(n).Uint())
	case bool:
		if n {
			return 1
		}
		return 0
	case string:
		return parseFloat(n)
	case json.Number:
		return parseFloat(string(n))
	}
	return 0
}

func parseFloat(s string) float64 {
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return f
}

// toBool reads a boolean: non-zero numbers and the strings 1, t, T, TRUE,
// true, True are true; everything else is false.
func toBool(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		t, _ := strconv.ParseBool(b)
		return t
	case json.Number:
		f, err := strconv.ParseFloat(string(b), 64)
		return err == nil && f == math.Trunc(f) && f != 0
	case nil:
		return false
	}
	return toFloat(v) != 0
}

// toDate returns the canonical datetime text of a recognised date, else "".
// Numbers are not dates (§1.10).
func toDate(v any) string {
	switch d := v.(type) {
	case string:
		if t, ok := core.ParseTime(strings.TrimSpace(d)); ok {
			return core.FormatTime(t)
		}
	case time.Time:
		return core.FormatTime(d)
	}
	return ""
}

// uniqueStrings normalizes select/relation input: a string (or a
// JSON-array string), a list of scalars or a single scalar becomes a list
// without empty strings and duplicates, in first-seen order.
func uniqueStrings(v any) []string {
	var list []string
	switch s := v.(type) {
	case nil:
	case []string:
		list = s
	case string:
		if s == "" {
			break
		}
		if strings.Contains(s, "[") && json.Unmarshal([]byte(s), &list) == nil {
			break
		}
		list = []string{s}
	case json.RawMessage:
		_ = json.Unmarshal(s, &list)
	case []any:
		list = make([]string, 0, len(s))
		for _, e := range s {
			str, ok := toStringOK(e)
			if !ok {
				return nil // one unreadable element spoils the list, as in PocketBase
			}
			list = append(list, str)
		}
	default:
		if str, ok := toStringOK(v); ok {
			list = []string{str}
			break
		}
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
			items := make([]any, rv.Len())
			for i := range items {
				items[i] = rv.Index(i).Interface()
			}
			return uniqueStrings(items)
		}
	}
	return dedupe(list)
}

// fileNames normalizes file input: like uniqueStrings, except that each
// element of a list is normalized on its own and kept only when it
// yields exactly one name.
func fileNames(v any) []string {
	items, ok := v.([]any)
	if !ok {
		return uniqueStrings(v)
	}
	var list []string
	for _, e := range items {
		if sub := fileNames(e); len(sub) == 1 {
			list = append(list, sub[0])
		}
	}
	return dedupe(list)
}

// dedupe drops empty strings and repeats, keeping the first occurrence.
// It always returns a fresh slice (nil when empty).
func dedupe(list []string) []string {
	var out []string
	seen := make(map[string]struct{}, len(list))
	for _, s := range list {
		if s == "" {
			continue
		}
		if _, dup := seen[s]; dup {
			continue
		}
		seen[s] = struct{}{}
		out = append(out, s)
	}
	return out
}

// subtract returns base without the elements of remove.
func subtract(base, remove []string) []string {
	drop := make(map[string]struct{}, len(remove))
	for _, s := range remove {
		drop[s] = struct{}{}
	}
	out := make([]string, 0, len(base))
	for _, s := range base {
		if _, ok := drop[s]; !ok {
			out = append(out, s)
		}
	}
	return out
}

// toJSON interprets json field input (§2.4): strings that are JSON
// literals, numbers, quoted strings, arrays or objects are taken as JSON,
// other strings are stored as JSON strings; non-string values are
// encoded. nil is JSON null.
func toJSON(v any) json.RawMessage {
	switch s := v.(type) {
	case nil:
		return nil
	case string:
		if s == "null" || s == "true" || s == "false" {
			return json.RawMessage(s)
		}
		if s != "" && strings.IndexByte("0123456789-\"[{", s[0]) >= 0 && json.Valid([]byte(s)) {
			return json.RawMessage(s)
		}
		return marshalJSON(s)
	case json.RawMessage:
		if len(s) == 0 {
			return nil
		}
		return append(json.RawMessage(nil), s...)
	case []byte:
		if len(s) == 0 {
			return nil
		}
		return append(json.RawMessage(nil), s...)
	}
	return marshalJSON(v)
}

// marshalJSON encodes v without HTML escaping; values that cannot be
// encoded (NaN, channels, ...) become JSON null as in PocketBase.
func marshalJSON(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil
	}
	return json.RawMessage(bytes.TrimRight(buf.Bytes(), "\n"))
}

// toGeoPoint reads {"lon":x,"lat":y} from an object, a JSON string or a
// GeoPoint. Members of the wrong type are left at 0 and unparseable
// input is the zero point.
func toGeoPoint(v any) core.GeoPoint {
	var p core.GeoPoint
	var raw []byte
	switch g := v.(type) {
	case nil:
		return p
	case core.GeoPoint:
		return g
	case *core.GeoPoint:
		if g != nil {
			p = *g
		}
		return p
	case string:
		raw = []byte(g)
	case json.RawMessage:
		raw = g
	case []byte:
		raw = g
	default:
		raw = marshalJSON(v)
	}
	if len(raw) > 0 {
		// Unmarshal keeps the members it could decode when another has
		// the wrong type, which is the leniency PocketBase shows.
		_ = json.Unmarshal(raw, &p)
	}
	return p
}
