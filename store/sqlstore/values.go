package sqlstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/plinthdb/plinth/core"
)

// kind is the storage shape of a field.
type kind int

const (
	kindText kind = iota
	kindNumber
	kindBool
	kindMulti
	kindJSON
	kindGeo
	kindUnknown
)

func kindOf(f *core.Field) kind {
	switch f.Type {
	case core.FieldNumber:
		return kindNumber
	case core.FieldBool:
		return kindBool
	case core.FieldJSON:
		return kindJSON
	case core.FieldGeoPoint:
		return kindGeo
	case core.FieldText, core.FieldEmail, core.FieldURL, core.FieldEditor, core.FieldPassword,
		core.FieldDate, core.FieldAutodate:
		return kindText
	case core.FieldSelect, core.FieldRelation, core.FieldFile:
		if f.IsMulti() {
			return kindMulti
		}
		return kindText
	}
	return kindUnknown
}

func badValue(f *core.Field, v any) error {
	return invalidf("Field %q (%s) cannot hold a value of type %T.", f.Name, f.Type, v)
}

// toColumn converts a record value to the argument bound for f's column,
// accepting the canonical Go type and a few obvious relatives of it. nil
// is the field's zero value.
func (d dialect) toColumn(f *core.Field, v any) (any, error) {
	switch kindOf(f) {
	case kindText:
		switch x := v.(type) {
		case nil:
			return "", nil
		case string:
			return x, nil
		case []string: // a single-value field keeps the last of several
			if len(x) == 0 {
				return "", nil
			}
			return x[len(x)-1], nil
		case time.Time:
			return core.FormatTime(x), nil
		}
	case kindNumber:
		n, ok := toFloat(v)
		if !ok {
			break
		}
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return nil, invalidf("Field %q cannot hold %v.", f.Name, n)
		}
		return n, nil
	case kindBool:
		b, ok := v.(bool)
		if v == nil {
			b, ok = false, true
		}
		if !ok {
			break
		}
		if d.pg() {
			return b, nil
		}
		if b {
			return int64(1), nil
		}
		return int64(0), nil
	case kindMulti:
		var list []string
		switch x := v.(type) {
		case nil:
		case []string:
			list = x
		case string:
			if x != "" {
				list = []string{x}
			}
		case []any:
			for _, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, badValue(f, e)
				}
				list = append(list, s)
			}
		default:
			return nil, badValue(f, v)
		}
		if list == nil {
			return "[]", nil
		}
		b, err := json.Marshal(list)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	case kindJSON:
		var raw []byte
		switch x := v.(type) {
		case nil:
			return nil, nil
		case json.RawMessage:
			raw = x
		case []byte:
			raw = x
		default:
			b, err := json.Marshal(x)
			if err != nil {
				return nil, invalidf("Field %q: %v", f.Name, err)
			}
			raw = b
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || string(raw) == "null" {
			return nil, nil
		}
		if !json.Valid(raw) {
			return nil, invalidf("Field %q holds invalid JSON.", f.Name)
		}
		return string(raw), nil
	case kindGeo:
		var p core.GeoPoint
		switch x := v.(type) {
		case nil:
		case core.GeoPoint:
			p = x
		case *core.GeoPoint:
			if x != nil {
				p = *x
			}
		default:
			return nil, badValue(f, v)
		}
		if math.IsNaN(p.Lon) || math.IsNaN(p.Lat) || math.IsInf(p.Lon, 0) || math.IsInf(p.Lat, 0) {
			return nil, invalidf("Field %q holds an invalid point.", f.Name)
		}
		b, _ := json.Marshal(p)
		return string(b), nil
	}
	return nil, badValue(f, v)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case nil:
		return 0, true
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		n, err := x.Float64()
		return n, err == nil
	}
	return 0, false
}

// fromColumn converts a scanned column value to the canonical Go value of
// f. Reads are lenient: whatever an engine returns (SQLite's NUMERIC
// affinity may give int64, float64 or text; view columns may hold any
// expression) becomes a value of the right type, the zero value when
// nothing sensible can be made of it. jsonCol tells whether the column is
// declared JSON, so text in it is JSON text rather than a string value.
func fromColumn(f *core.Field, v any, jsonCol bool) any {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch kindOf(f) {
	case kindText:
		switch x := v.(type) {
		case nil:
			return ""
		case string:
			return x
		case time.Time:
			return core.FormatTime(x)
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64)
		case int64:
			return strconv.FormatInt(x, 10)
		case bool:
			return strconv.FormatBool(x)
		}
		return fmt.Sprint(v)
	case kindNumber:
		switch x := v.(type) {
		case string:
			n, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil {
				return float64(0)
			}
			return n
		case bool:
			if x {
				return float64(1)
			}
			return float64(0)
		}
		n, _ := toFloat(v)
		return n
	case kindBool:
		switch x := v.(type) {
		case bool:
			return x
		case int64:
			return x != 0
		case float64:
			return x != 0
		case string:
			b, _ := strconv.ParseBool(x)
			return b
		}
		return false
	case kindMulti:
		s, ok := v.(string)
		if !ok {
			if v == nil {
				return []string{}
			}
			return []string{fmt.Sprint(v)}
		}
		var list []string
		if err := json.Unmarshal([]byte(s), &list); err == nil {
			if list == nil {
				list = []string{}
			}
			return list
		}
		var anyList []any
		if err := json.Unmarshal([]byte(s), &anyList); err == nil {
			list = make([]string, 0, len(anyList))
			for _, e := range anyList {
				if str, ok := e.(string); ok {
					list = append(list, str)
				} else if e != nil {
					b, _ := json.Marshal(e)
					list = append(list, string(b))
				}
			}
			return list
		}
		if s == "" {
			return []string{}
		}
		return []string{s}
	case kindJSON:
		return jsonValue(v, jsonCol)
	case kindGeo:
		var p core.GeoPoint
		if s, ok := v.(string); ok {
			_ = json.Unmarshal([]byte(s), &p)
		}
		return p
	}
	return v
}

// jsonValue turns a column value into JSON text: JSON columns hold JSON
// text already; other values (view expressions) are encoded, except text
// that is a JSON object or array (what json_object() and friends return).
func jsonValue(v any, jsonCol bool) json.RawMessage {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		t := strings.TrimSpace(x)
		if jsonCol || strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
			if json.Valid([]byte(t)) {
				if t == "null" {
					return nil
				}
				return compactJSON([]byte(t))
			}
		}
		b, _ := json.Marshal(x)
		return b
	case time.Time:
		b, _ := json.Marshal(core.FormatTime(x))
		return b
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// compactJSON removes the insignificant whitespace PostgreSQL's jsonb
// output adds, so values read back look the same on both engines.
func compactJSON(b []byte) json.RawMessage {
	if bytes.IndexAny(b, " \t\r\n") < 0 {
		return append(json.RawMessage(nil), b...)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return append(json.RawMessage(nil), b...)
	}
	return buf.Bytes()
}

// plainValue normalizes a value returned by a raw query: text as string,
// JSON columns as json.RawMessage, times in the canonical format, numeric
// text from PostgreSQL NUMERIC as float64.
func plainValue(v any, dbType string) any {
	switch strings.ToUpper(dbType) {
	case "JSON", "JSONB":
		switch x := v.(type) {
		case string:
			if json.Valid([]byte(x)) {
				return compactJSON([]byte(x))
			}
			return x
		case []byte:
			if json.Valid(x) {
				return compactJSON(x)
			}
		}
	case "NUMERIC":
		if s, ok := v.(string); ok {
			if n, err := strconv.ParseFloat(s, 64); err == nil {
				return n
			}
		}
	}
	switch x := v.(type) {
	case []byte:
		if utf8.Valid(x) {
			return string(x)
		}
		return append([]byte(nil), x...)
	case time.Time:
		return core.FormatTime(x)
	}
	return v
}
