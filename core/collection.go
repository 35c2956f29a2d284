package core

import (
	"encoding/json"
	"hash/crc32"
	"strconv"
	"strings"
)

// Collection types.
const (
	TypeBase = "base"
	TypeAuth = "auth"
	TypeView = "view"
)

// Well-known collection ids and names.
const (
	SuperusersID   = "pbc_3142635823"
	SuperusersName = "_superusers"
	UsersID        = "_pb_users_auth_"
)

// Collection is a user-defined (or system) schema: a real table in the store.
type Collection struct {
	ID         string
	Name       string
	Type       string
	System     bool
	ListRule   *string
	ViewRule   *string
	CreateRule *string
	UpdateRule *string
	DeleteRule *string
	Fields     []*Field
	Indexes    []string
	Created    string
	Updated    string

	ViewQuery string       // view collections
	Auth      *AuthOptions // auth collections
}

// DefaultCollectionID derives a collection id as PocketBase does: pbc_ + crc32(type+name).
func DefaultCollectionID(typ, name string) string {
	return "pbc_" + strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(typ+name))), 10)
}

// IsAuth, IsView and IsBase report the collection type.
func (c *Collection) IsAuth() bool { return c.Type == TypeAuth }
func (c *Collection) IsView() bool { return c.Type == TypeView }
func (c *Collection) IsBase() bool { return c.Type == TypeBase }

// Field returns the field named name (case-insensitive), or nil.
func (c *Collection) Field(name string) *Field {
	for _, f := range c.Fields {
		if strings.EqualFold(f.Name, name) {
			return f
		}
	}
	return nil
}

// FieldByID returns the field with the given id, or nil.
func (c *Collection) FieldByID(id string) *Field {
	for _, f := range c.Fields {
		if f.ID == id {
			return f
		}
	}
	return nil
}

// Rule returns a pointer to the rule slot for action
// ("list","view","create","update","delete","auth","manage").
func (c *Collection) Rule(action string) *string {
	switch action {
	case "list":
		return c.ListRule
	case "view":
		return c.ViewRule
	case "create":
		return c.CreateRule
	case "update":
		return c.UpdateRule
	case "delete":
		return c.DeleteRule
	}
	if c.Auth != nil {
		switch action {
		case "auth":
			return c.Auth.AuthRule
		case "manage":
			return c.Auth.ManageRule
		}
	}
	return nil
}

// Clone returns a deep copy of c.
func (c *Collection) Clone() *Collection {
	out := *c
	out.ListRule, out.ViewRule = cloneStr(c.ListRule), cloneStr(c.ViewRule)
	out.CreateRule, out.UpdateRule, out.DeleteRule = cloneStr(c.CreateRule), cloneStr(c.UpdateRule), cloneStr(c.DeleteRule)
	out.Fields = make([]*Field, len(c.Fields))
	for i, f := range c.Fields {
		out.Fields[i] = f.Clone()
	}
	out.Indexes = append([]string{}, c.Indexes...)
	if c.Auth != nil {
		a := c.Auth.Clone()
		out.Auth = a
	}
	return &out
}

func cloneStr(p *string) *string {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// String returns a pointer to s, for rule literals.
func String(s string) *string { return &s }

// collectionJSON is the wire shape of a collection. Auth options are
// flattened in by MarshalJSON.
type collectionJSON struct {
	ID         string   `json:"id"`
	ListRule   *string  `json:"listRule"`
	ViewRule   *string  `json:"viewRule"`
	CreateRule *string  `json:"createRule"`
	UpdateRule *string  `json:"updateRule"`
	DeleteRule *string  `json:"deleteRule"`
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	Fields     []*Field `json:"fields"`
	Indexes    []string `json:"indexes"`
	Created    string   `json:"created"`
	Updated    string   `json:"updated"`
	System     bool     `json:"system"`
}

// MarshalJSON emits the collection in PocketBase's shape.
func (c *Collection) MarshalJSON() ([]byte, error) {
	cj := collectionJSON{
		ID: c.ID, ListRule: c.ListRule, ViewRule: c.ViewRule, CreateRule: c.CreateRule,
		UpdateRule: c.UpdateRule, DeleteRule: c.DeleteRule, Name: c.Name, Type: c.Type,
		Fields: c.Fields, Indexes: c.Indexes, Created: c.Created, Updated: c.Updated, System: c.System,
	}
	if cj.Fields == nil {
		cj.Fields = []*Field{}
	}
	if cj.Indexes == nil {
		cj.Indexes = []string{}
	}
	base, err := json.Marshal(cj)
	if err != nil {
		return nil, err
	}
	var extra []byte
	switch c.Type {
	case TypeView:
		extra, err = json.Marshal(struct {
			ViewQuery string `json:"viewQuery"`
		}{c.ViewQuery})
	case TypeAuth:
		a := c.Auth
		if a == nil {
			a = DefaultAuthOptions()
		}
		extra, err = json.Marshal(a)
	}
	if err != nil || len(extra) <= 2 {
		return base, err
	}
	// Splice the extra object's members into the base object.
	out := append(base[:len(base)-1], ',')
	return append(out, extra[1:]...), nil
}

// UnmarshalJSON decodes keys present in data onto c, keeping the others:
// the PATCH semantics of the collections API. Fields and indexes, when
// present, replace the whole list.
func (c *Collection) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	set := func(key string, dst any) error {
		if v, ok := raw[key]; ok {
			return json.Unmarshal(v, dst)
		}
		return nil
	}
	for key, dst := range map[string]any{
		"id": &c.ID, "name": &c.Name, "type": &c.Type, "system": &c.System,
		"listRule": &c.ListRule, "viewRule": &c.ViewRule, "createRule": &c.CreateRule,
		"updateRule": &c.UpdateRule, "deleteRule": &c.DeleteRule,
		"indexes": &c.Indexes, "viewQuery": &c.ViewQuery,
		"created": &c.Created, "updated": &c.Updated,
	} {
		if err := set(key, dst); err != nil {
			return err
		}
	}
	if v, ok := raw["fields"]; ok {
		var fields []*Field
		if err := json.Unmarshal(v, &fields); err != nil {
			return err
		}
		c.Fields = fields
	}
	if c.Type == TypeAuth {
		if c.Auth == nil {
			c.Auth = DefaultAuthOptions()
		}
		if err := json.Unmarshal(data, c.Auth); err != nil {
			return err
		}
	}
	return nil
}
