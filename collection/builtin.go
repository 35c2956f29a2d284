// Package collection holds the collection rules of the API contract as
// pure functions: scaffolds and built-in collections, normalization
// (system fields, default ids and indexes), validation with PocketBase's
// error codes, PATCH merging and import matching. It runs no SQL and
// knows nothing of HTTP.
package collection

import (
	"github.com/plinthdb/plinth/core"
)

// Names of the system fields.
const (
	FieldID              = "id"
	FieldPassword        = "password"
	FieldTokenKey        = "tokenKey"
	FieldEmail           = "email"
	FieldEmailVisibility = "emailVisibility"
	FieldVerified        = "verified"
)

// Defaults of the id field (§1.11).
const (
	IDPattern             = "^[a-z0-9]+$"
	IDAutogeneratePattern = "[a-z0-9]{15}"
	tokenKeyPattern       = "[a-zA-Z0-9]{50}"
)

// ImageMimeTypes are the types the users avatar accepts.
var ImageMimeTypes = []string{"image/jpeg", "image/png", "image/svg+xml", "image/gif", "image/webp"}

func withID(f *core.Field) *core.Field {
	f.ID = core.DefaultFieldID(f.Type, f.Name)
	return f
}

// IDField returns the default primary key field.
func IDField() *core.Field {
	return withID(&core.Field{
		Name: FieldID, Type: core.FieldText, System: true, PrimaryKey: true, Required: true,
		Min: core.Float(15), Max: core.Float(15), Pattern: IDPattern, AutogeneratePattern: IDAutogeneratePattern,
	})
}

func passwordField() *core.Field {
	return withID(&core.Field{Name: FieldPassword, Type: core.FieldPassword, System: true, Hidden: true,
		Required: true, Min: core.Float(8)})
}

func tokenKeyField() *core.Field {
	return withID(&core.Field{Name: FieldTokenKey, Type: core.FieldText, System: true, Hidden: true,
		Required: true, Min: core.Float(30), Max: core.Float(60), AutogeneratePattern: tokenKeyPattern})
}

func emailField() *core.Field {
	return withID(&core.Field{Name: FieldEmail, Type: core.FieldEmail, System: true, Required: true})
}

func boolField(name string) *core.Field {
	return withID(&core.Field{Name: name, Type: core.FieldBool, System: true})
}

func autodateField(name string, system, onUpdate bool) *core.Field {
	return withID(&core.Field{Name: name, Type: core.FieldAutodate, System: system, OnCreate: true, OnUpdate: onUpdate})
}

// systemFields returns the system fields a collection of type typ starts with.
func systemFields(typ string) []*core.Field {
	switch typ {
	case core.TypeView:
		return []*core.Field{}
	case core.TypeAuth:
		return []*core.Field{IDField(), passwordField(), tokenKeyField(), emailField(),
			boolField(FieldEmailVisibility), boolField(FieldVerified)}
	}
	return []*core.Field{IDField()}
}

// Superusers returns the _superusers collection of a fresh install, without
// token secrets (see EnsureSecrets).
func Superusers() *core.Collection {
	c := &core.Collection{ID: core.SuperusersID, Name: core.SuperusersName, Type: core.TypeAuth, System: true,
		Auth: core.DefaultAuthOptions()}
	c.Auth.AuthToken.Duration = 86400
	c.Fields = append(systemFields(core.TypeAuth), autodateField("created", true, false), autodateField("updated", true, true))
	Normalize(c, nil)
	return c
}

// Users returns the default users collection of a fresh install, without
// token secrets (see EnsureSecrets).
func Users() *core.Collection {
	owner := "id = @request.auth.id"
	c := &core.Collection{ID: core.UsersID, Name: "users", Type: core.TypeAuth,
		ListRule: core.String(owner), ViewRule: core.String(owner), CreateRule: core.String(""),
		UpdateRule: core.String(owner), DeleteRule: core.String(owner),
		Auth: core.DefaultAuthOptions()}
	c.Fields = append(systemFields(core.TypeAuth),
		withID(&core.Field{Name: "name", Type: core.FieldText, Max: core.Float(255)}),
		withID(&core.Field{Name: "avatar", Type: core.FieldFile, MaxSelect: 1, MimeTypes: append([]string{}, ImageMimeTypes...)}),
		autodateField("created", false, false),
		autodateField("updated", false, true),
	)
	c.Auth.OAuth2.MappedFields["name"] = "name"
	c.Auth.OAuth2.MappedFields["avatarURL"] = "avatar"
	Normalize(c, nil)
	return c
}
