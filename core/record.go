package core

import (
	"encoding/json"
	"time"
)

// GeoPoint is the value of a geoPoint field.
type GeoPoint struct {
	Lon float64 `json:"lon"`
	Lat float64 `json:"lat"`
}

// Record is one row of a collection. Values holds one entry per field name,
// in the canonical Go form of its type:
//
//	text, email, url, editor, date, autodate, password (hash),
//	single select/relation/file:   string
//	number:                        float64
//	bool:                          bool
//	multi select/relation/file:    []string (never nil)
//	json:                          json.RawMessage (nil = JSON null)
//	geoPoint:                      GeoPoint
type Record struct {
	Collection *Collection
	Values     map[string]any
}

// NewRecord returns a record of c with every field at its zero value.
func NewRecord(c *Collection) *Record {
	r := &Record{Collection: c, Values: make(map[string]any, len(c.Fields))}
	for _, f := range c.Fields {
		r.Values[f.Name] = ZeroValue(f)
	}
	return r
}

// ID returns the record id.
func (r *Record) ID() string { s, _ := r.Values["id"].(string); return s }

// String returns a string value ("" when absent or not a string).
func (r *Record) String(name string) string { s, _ := r.Values[name].(string); return s }

// Strings returns a multi-value field's values, or a single value as a
// one-element list (nil when empty).
func (r *Record) Strings(name string) []string {
	switch v := r.Values[name].(type) {
	case []string:
		return v
	case string:
		if v == "" {
			return nil
		}
		return []string{v}
	}
	return nil
}

// Clone returns a copy whose Values map (and lists) can be changed freely.
func (r *Record) Clone() *Record {
	out := &Record{Collection: r.Collection, Values: make(map[string]any, len(r.Values))}
	for k, v := range r.Values {
		if l, ok := v.([]string); ok {
			v = append([]string{}, l...)
		}
		out.Values[k] = v
	}
	return out
}

// ZeroValue returns the value an unset field holds.
func ZeroValue(f *Field) any {
	switch f.Type {
	case FieldNumber:
		return float64(0)
	case FieldBool:
		return false
	case FieldJSON:
		return json.RawMessage(nil)
	case FieldGeoPoint:
		return GeoPoint{}
	case FieldSelect, FieldRelation, FieldFile:
		if f.IsMulti() {
			return []string{}
		}
	}
	return ""
}

// DateLayout is the canonical datetime format of the API and of storage.
const DateLayout = "2006-01-02 15:04:05.000Z"

// FormatTime renders t in the canonical UTC format; the zero time is "".
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(DateLayout)
}

var inputLayouts = []string{
	DateLayout,
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	time.RFC3339Nano,
	time.RFC3339,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	time.RFC1123Z,
	time.RFC1123,
}

// ParseTime accepts the canonical format and common layouts. ok is false
// for anything unparseable.
func ParseTime(s string) (time.Time, bool) {
	for _, l := range inputLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
