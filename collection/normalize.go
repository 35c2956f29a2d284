package collection

import (
	"crypto/rand"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/index"
)

const (
	idAlphabet     = "abcdefghijklmnopqrstuvwxyz0123456789"
	secretAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretLength   = 50
	maxIndexName   = 64
)

// Scaffolds returns the blank templates of GET /api/collections/meta/scaffolds,
// keyed by type. Default index names carry a random suffix so that a client
// reusing them as-is does not collide with another collection's indexes.
func Scaffolds() map[string]*core.Collection {
	out, err := ScaffoldsFrom(rand.Reader)
	if err != nil {
		// crypto/rand does not fail on supported platforms; a fixed
		// suffix is still a usable template.
		out, _ = ScaffoldsFrom(strings.NewReader(strings.Repeat("\x00", 64)))
	}
	return out
}

// ScaffoldsFrom is Scaffolds with the randomness read from r.
func ScaffoldsFrom(r io.Reader) (map[string]*core.Collection, error) {
	suffix, err := randomString(r, 10, idAlphabet)
	if err != nil {
		return nil, err
	}
	out := map[string]*core.Collection{}
	for _, typ := range []string{core.TypeBase, core.TypeAuth, core.TypeView} {
		c := New(typ, "")
		// The placeholder indexes are named after the random suffix and
		// have an empty table name, as the reference server's templates.
		if typ == core.TypeAuth {
			c.ID = suffix
			addSystemIndexes(c)
			c.ID = ""
		}
		out[typ] = c
	}
	return out, nil
}

// New returns the scaffold a create request is decoded onto: the type's
// system fields and, for auth collections, the default options. The id is
// left empty and the auth indexes are left out, so Normalize can derive
// both from the final name (and an explicit id, if the body has one).
// An unknown type gives a base scaffold; the decoded type is then
// rejected by Validate.
func New(typ, name string) *core.Collection {
	switch typ {
	case core.TypeAuth, core.TypeView:
	default:
		typ = core.TypeBase
	}
	c := &core.Collection{Name: name, Type: typ, Fields: systemFields(typ), Indexes: []string{}}
	if typ == core.TypeAuth {
		c.Auth = core.DefaultAuthOptions()
	}
	return c
}

// Normalize completes c before validation and saving, as the reference
// server does on every save:
//   - an empty type becomes base and an empty id becomes
//     core.DefaultCollectionID, with a numeric suffix (2, 3, ...) while
//     exists reports the id as taken (exists may be nil);
//   - fields without id get core.DefaultFieldID (suffixed on collision);
//   - base and auth collections get the id field (prepended when
//     missing, its system flags enforced); auth collections get the
//     password, tokenKey, email, emailVisibility and verified fields and
//     the unique indexes on tokenKey and email (WHERE email != ”);
//   - auth options default when missing and OAuth2 mapped fields naming
//     no field are blanked;
//   - date field bounds are put in the canonical format;
//   - every parseable index is rewritten in canonical form on table
//     c.Name (unparseable ones are left for Validate to report).
func Normalize(c *core.Collection, exists func(id string) bool) {
	if c.Type == "" {
		c.Type = core.TypeBase
	}
	if c.ID == "" {
		base := core.DefaultCollectionID(c.Type, c.Name)
		c.ID = base
		for i := 2; exists != nil && exists(c.ID) && i < 1000; i++ {
			c.ID = base + strconv.Itoa(i)
		}
	}
	c.Fields = compactFields(c.Fields)
	for _, f := range c.Fields {
		if f.ID == "" {
			f.ID = uniqueFieldID(c, f)
		}
	}
	switch c.Type {
	case core.TypeBase:
		ensureIDField(c)
	case core.TypeAuth:
		ensureIDField(c)
		ensureAuthFields(c)
	}
	if c.Type == core.TypeAuth {
		if c.Auth == nil {
			c.Auth = core.DefaultAuthOptions()
		}
		// Lists and maps sent as null still serialize as [] and {...}.
		if c.Auth.OAuth2.Providers == nil {
			c.Auth.OAuth2.Providers = []core.OAuth2Provider{}
		}
		if c.Auth.PasswordAuth.IdentityFields == nil {
			c.Auth.PasswordAuth.IdentityFields = []string{}
		}
		if c.Auth.OAuth2.MappedFields == nil {
			c.Auth.OAuth2.MappedFields = map[string]string{}
		}
		for _, k := range []string{"id", "name", "username", "avatarURL"} {
			if _, ok := c.Auth.OAuth2.MappedFields[k]; !ok {
				c.Auth.OAuth2.MappedFields[k] = ""
			}
		}
		unsetMissingMappedFields(c)
	} else {
		c.Auth = nil
	}
	if c.Type != core.TypeView {
		c.ViewQuery = ""
	}
	for _, f := range c.Fields {
		if f.Type == core.FieldDate {
			f.DateMin, f.DateMax = canonicalDate(f.DateMin), canonicalDate(f.DateMax)
		}
	}
	if c.Indexes == nil {
		c.Indexes = []string{}
	}
	if c.Type == core.TypeAuth {
		addSystemIndexes(c)
	}
	for i, def := range c.Indexes {
		if ix, err := index.Parse(def); err == nil {
			ix.Table = c.Name
			c.Indexes[i] = ix.String()
		}
	}
}

// compactFields drops nil entries ("fields":[null] decodes to one).
func compactFields(fields []*core.Field) []*core.Field {
	out := fields[:0]
	for _, f := range fields {
		if f != nil {
			out = append(out, f)
		}
	}
	if out == nil {
		out = []*core.Field{}
	}
	return out
}

func canonicalDate(s string) string {
	if t, ok := core.ParseTime(s); ok && s != "" {
		return core.FormatTime(t)
	}
	return s
}

func uniqueFieldID(c *core.Collection, f *core.Field) string {
	base := core.DefaultFieldID(f.Type, f.Name)
	id := base
	for i := 2; c.FieldByID(id) != nil && i < 1000; i++ {
		id = base + strconv.Itoa(i)
	}
	return id
}

// fieldNamed finds a field by exact name, as the reference server does for
// system fields; a same-named field of another type does not count.
func fieldNamed(c *core.Collection, name, typ string) *core.Field {
	for _, f := range c.Fields {
		if f.Name == name {
			if f.Type == typ {
				return f
			}
			return nil
		}
	}
	return nil
}

func hasName(c *core.Collection, name string) bool {
	for _, f := range c.Fields {
		if f.Name == name {
			return true
		}
	}
	return false
}

func ensureIDField(c *core.Collection) {
	if f := fieldNamed(c, FieldID, core.FieldText); f != nil {
		f.System, f.Required, f.PrimaryKey, f.Hidden = true, true, true, false
		if f.Pattern == "" {
			f.Pattern = IDPattern
		}
		return
	}
	if hasName(c, FieldID) {
		return // a non-text "id": Validate reports the missing primary key
	}
	f := IDField()
	f.ID = uniqueFieldID(c, f)
	c.Fields = append([]*core.Field{f}, c.Fields...)
}

func ensureAuthFields(c *core.Collection) {
	add := func(def *core.Field, enforce func(*core.Field)) {
		if f := fieldNamed(c, def.Name, def.Type); f != nil {
			enforce(f)
			return
		}
		if hasName(c, def.Name) {
			return // wrong type: Validate reports it
		}
		def.ID = uniqueFieldID(c, def)
		c.Fields = append(c.Fields, def)
	}
	add(passwordField(), func(f *core.Field) { f.System, f.Hidden, f.Required = true, true, true })
	add(tokenKeyField(), func(f *core.Field) { f.System, f.Hidden, f.Required = true, true, true })
	add(emailField(), func(f *core.Field) { f.System, f.Hidden = true, false })
	add(boolField(FieldEmailVisibility), func(f *core.Field) { f.System = true })
	add(boolField(FieldVerified), func(f *core.Field) { f.System = true })
}

// addSystemIndexes adds the unique tokenKey and email indexes of an auth
// collection when no single-column unique index covers them.
func addSystemIndexes(c *core.Collection) {
	if FindUniqueIndex(c.Indexes, FieldTokenKey) == nil {
		c.Indexes = append(c.Indexes, fmt.Sprintf("CREATE UNIQUE INDEX `%s` ON `%s` (`%s`)",
			systemIndexName(c, FieldTokenKey), c.Name, FieldTokenKey))
	}
	if FindUniqueIndex(c.Indexes, FieldEmail) == nil {
		c.Indexes = append(c.Indexes, fmt.Sprintf("CREATE UNIQUE INDEX `%s` ON `%s` (`%s`) WHERE `%s` != ''",
			systemIndexName(c, FieldEmail), c.Name, FieldEmail, FieldEmail))
	}
}

func systemIndexName(c *core.Collection, field string) string {
	name := "idx_" + field + "_"
	if c.ID != "" {
		name += c.ID
	} else {
		name += c.Name
	}
	if len(name) > maxIndexName {
		name = name[:maxIndexName]
	}
	return name
}

// FindUniqueIndex returns the first UNIQUE index of defs on exactly one
// column named column (case-insensitive; WHERE clauses are ignored), or nil.
// Unparseable definitions are skipped.
func FindUniqueIndex(defs []string, column string) *index.Index {
	for _, def := range defs {
		ix, err := index.Parse(def)
		if err == nil && ix.Unique && len(ix.Columns) == 1 && strings.EqualFold(ix.Columns[0].Name, column) {
			return ix
		}
	}
	return nil
}

func unsetMissingMappedFields(c *core.Collection) {
	for k, v := range c.Auth.OAuth2.MappedFields {
		if v != "" && !hasName(c, v) {
			c.Auth.OAuth2.MappedFields[k] = ""
		}
	}
}

// EnsureSecrets fills the empty token secrets of an auth collection with
// 50 random alphanumeric characters read from r. Other types are left alone.
func EnsureSecrets(c *core.Collection, r io.Reader) error {
	if c.Type != core.TypeAuth {
		return nil
	}
	if c.Auth == nil {
		c.Auth = core.DefaultAuthOptions()
	}
	a := c.Auth
	for _, t := range []*core.TokenConfig{&a.AuthToken, &a.PasswordResetToken, &a.EmailChangeToken,
		&a.VerificationToken, &a.FileToken} {
		if t.Secret != "" {
			continue
		}
		s, err := randomString(r, secretLength, secretAlphabet)
		if err != nil {
			return err
		}
		t.Secret = s
	}
	return nil
}

// randomString draws n characters of alphabet uniformly from r.
func randomString(r io.Reader, n int, alphabet string) (string, error) {
	// Bytes at or above limit are rejected so every character is equally likely.
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n)
	for len(out) < n {
		if _, err := io.ReadFull(r, buf[:n-len(out)]); err != nil {
			return "", fmt.Errorf("reading randomness: %w", err)
		}
		for _, b := range buf[:n-len(out)] {
			if int(b) < limit {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}
