package core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"strconv"
)

// Field types, as named in the API.
const (
	FieldText     = "text"
	FieldNumber   = "number"
	FieldBool     = "bool"
	FieldEmail    = "email"
	FieldURL      = "url"
	FieldEditor   = "editor"
	FieldDate     = "date"
	FieldAutodate = "autodate"
	FieldSelect   = "select"
	FieldFile     = "file"
	FieldRelation = "relation"
	FieldJSON     = "json"
	FieldGeoPoint = "geoPoint"
	FieldPassword = "password"
)

// FieldTypes lists every known field type.
var FieldTypes = []string{FieldText, FieldNumber, FieldBool, FieldEmail, FieldURL, FieldEditor,
	FieldDate, FieldAutodate, FieldSelect, FieldFile, FieldRelation, FieldJSON, FieldGeoPoint, FieldPassword}

// IsFieldType reports whether t names a known field type.
func IsFieldType(t string) bool {
	for _, ft := range FieldTypes {
		if ft == t {
			return true
		}
	}
	return false
}

// Field is one column of a collection. It is a flat struct holding the
// options of every type; only those of Type are meaningful and serialized.
type Field struct {
	ID          string
	Name        string
	Type        string
	System      bool
	Hidden      bool
	Presentable bool
	Help        string
	Required    bool

	// text, password: Min/Max are lengths (nil = 0). number: bounds (nil = none).
	Min *float64
	Max *float64
	// date bounds, datetime strings ("" = unbounded).
	DateMin string
	DateMax string

	Pattern             string // text, password
	AutogeneratePattern string // text
	PrimaryKey          bool   // text (the id field)
	OnlyInt             bool   // number
	ExceptDomains       []string
	OnlyDomains         []string // email, url
	MaxSize             int64    // editor, file, json (bytes; 0 = type default)
	ConvertURLs         bool     // editor
	OnCreate            bool     // autodate
	OnUpdate            bool     // autodate
	Values              []string // select
	MaxSelect           int      // select, file, relation
	MinSelect           int      // relation
	MimeTypes           []string // file
	Thumbs              []string // file
	Protected           bool     // file
	CollectionID        string   // relation
	CascadeDelete       bool     // relation
	Cost                int      // password (bcrypt cost)
}

// IsMulti reports whether the field holds a list of values.
func (f *Field) IsMulti() bool {
	switch f.Type {
	case FieldSelect, FieldFile, FieldRelation:
		return f.MaxSelect > 1
	}
	return false
}

// IntMin and IntMax return the text/password length bounds as ints.
func (f *Field) IntMin() int { return floatInt(f.Min) }
func (f *Field) IntMax() int { return floatInt(f.Max) }

func floatInt(p *float64) int {
	if p == nil {
		return 0
	}
	return int(*p)
}

// Float returns a pointer to v, for Min/Max literals.
func Float(v float64) *float64 { return &v }

// DefaultFieldID derives a field id the way PocketBase does: type + crc32(name).
func DefaultFieldID(typ, name string) string {
	return typ + strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(name))), 10)
}

// Clone returns a deep copy of f.
func (f *Field) Clone() *Field {
	c := *f
	c.Min, c.Max = clonePtr(f.Min), clonePtr(f.Max)
	c.ExceptDomains = cloneStrings(f.ExceptDomains)
	c.OnlyDomains = cloneStrings(f.OnlyDomains)
	c.Values = cloneStrings(f.Values)
	c.MimeTypes = cloneStrings(f.MimeTypes)
	c.Thumbs = cloneStrings(f.Thumbs)
	return &c
}

func clonePtr(p *float64) *float64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string{}, s...)
}

func nullableStrings(s []string) any {
	if s == nil {
		return nil
	}
	return s
}

// MarshalJSON emits the common properties plus the options of the field's type.
func (f *Field) MarshalJSON() ([]byte, error) {
	m := map[string]any{
		"id": f.ID, "name": f.Name, "type": f.Type, "system": f.System,
		"hidden": f.Hidden, "presentable": f.Presentable,
	}
	if f.Type != FieldAutodate {
		m["help"] = f.Help
		m["required"] = f.Required
	}
	switch f.Type {
	case FieldText:
		m["min"], m["max"] = f.IntMin(), f.IntMax()
		m["pattern"] = f.Pattern
		m["autogeneratePattern"] = f.AutogeneratePattern
		m["primaryKey"] = f.PrimaryKey
	case FieldPassword:
		m["min"], m["max"] = f.IntMin(), f.IntMax()
		m["pattern"] = f.Pattern
		m["cost"] = f.Cost
	case FieldNumber:
		m["min"], m["max"] = f.Min, f.Max
		m["onlyInt"] = f.OnlyInt
	case FieldEmail, FieldURL:
		m["exceptDomains"] = nullableStrings(f.ExceptDomains)
		m["onlyDomains"] = nullableStrings(f.OnlyDomains)
	case FieldEditor:
		m["maxSize"] = f.MaxSize
		m["convertURLs"] = f.ConvertURLs
	case FieldDate:
		m["min"], m["max"] = f.DateMin, f.DateMax
	case FieldAutodate:
		m["onCreate"], m["onUpdate"] = f.OnCreate, f.OnUpdate
	case FieldSelect:
		vals := f.Values
		if vals == nil {
			vals = []string{}
		}
		m["values"] = vals
		m["maxSelect"] = f.MaxSelect
	case FieldFile:
		m["maxSelect"] = f.MaxSelect
		m["maxSize"] = f.MaxSize
		m["mimeTypes"] = nullableStrings(f.MimeTypes)
		m["thumbs"] = nullableStrings(f.Thumbs)
		m["protected"] = f.Protected
	case FieldRelation:
		m["collectionId"] = f.CollectionID
		m["cascadeDelete"] = f.CascadeDelete
		m["minSelect"] = f.MinSelect
		m["maxSelect"] = f.MaxSelect
	case FieldJSON:
		m["maxSize"] = f.MaxSize
	}
	return json.Marshal(m)
}

// ErrUnknownFieldType is returned when a field's type is not one of FieldTypes.
type ErrUnknownFieldType struct{ Type string }

func (e *ErrUnknownFieldType) Error() string { return fmt.Sprintf("unknown field type %q", e.Type) }

// UnmarshalJSON decodes a field object. An unknown type is an error, as in
// PocketBase where such a body cannot be loaded at all.
func (f *Field) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	var out Field
	var err error
	get := func(key string, dst any) {
		if err != nil {
			return
		}
		v, ok := raw[key]
		if !ok || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			return
		}
		if e := json.Unmarshal(v, dst); e != nil {
			err = fmt.Errorf("field property %q: %w", key, e)
		}
	}
	get("type", &out.Type)
	if err != nil {
		return err
	}
	if !IsFieldType(out.Type) {
		return &ErrUnknownFieldType{Type: out.Type}
	}
	get("id", &out.ID)
	get("name", &out.Name)
	get("system", &out.System)
	get("hidden", &out.Hidden)
	get("presentable", &out.Presentable)
	get("help", &out.Help)
	get("required", &out.Required)
	switch out.Type {
	case FieldText, FieldPassword, FieldNumber:
		get("min", &out.Min)
		get("max", &out.Max)
	case FieldDate:
		get("min", &out.DateMin)
		get("max", &out.DateMax)
	}
	get("pattern", &out.Pattern)
	get("autogeneratePattern", &out.AutogeneratePattern)
	get("primaryKey", &out.PrimaryKey)
	get("onlyInt", &out.OnlyInt)
	get("exceptDomains", &out.ExceptDomains)
	get("onlyDomains", &out.OnlyDomains)
	get("maxSize", &out.MaxSize)
	get("convertURLs", &out.ConvertURLs)
	get("onCreate", &out.OnCreate)
	get("onUpdate", &out.OnUpdate)
	get("values", &out.Values)
	get("maxSelect", &out.MaxSelect)
	get("minSelect", &out.MinSelect)
	get("mimeTypes", &out.MimeTypes)
	get("thumbs", &out.Thumbs)
	get("protected", &out.Protected)
	get("collectionId", &out.CollectionID)
	get("cascadeDelete", &out.CascadeDelete)
	get("cost", &out.Cost)
	if err != nil {
		return err
	}
	if out.Type == FieldAutodate {
		out.Required, out.Help = false, ""
	}
	*f = out
	return nil
}
