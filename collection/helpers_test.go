package collection

import (
	"strings"
	"testing"

	"github.com/plinthdb/plinth/core"
)

// zeroes is a deterministic randomness source.
type zeroes struct{}

func (zeroes) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 7
	}
	return len(p), nil
}

func withSecrets(t *testing.T, c *core.Collection) *core.Collection {
	t.Helper()
	if err := EnsureSecrets(c, zeroes{}); err != nil {
		t.Fatal(err)
	}
	return c
}

// newBase returns a normalized base collection with extra fields.
func newBase(name string, fields ...*core.Field) *core.Collection {
	c := New(core.TypeBase, name)
	c.Fields = append(c.Fields, fields...)
	Normalize(c, nil)
	return c
}

func newAuth(t *testing.T, name string, fields ...*core.Field) *core.Collection {
	c := New(core.TypeAuth, name)
	c.Fields = append(c.Fields, fields...)
	Normalize(c, nil)
	return withSecrets(t, c)
}

func newView(name, query string) *core.Collection {
	c := New(core.TypeView, name)
	c.ViewQuery = query
	c.ListRule = core.String("")
	Normalize(c, nil)
	return c
}

func text(name string) *core.Field { return &core.Field{Name: name, Type: core.FieldText} }

// at walks err (a core.FieldErrors) along a dotted path and returns the
// code found there, "" when nothing is there, or "<nested>" for a map.
func at(err error, path string) string {
	fe, ok := err.(core.FieldErrors)
	if !ok {
		return ""
	}
	var cur any = fe
	for _, key := range strings.Split(path, ".") {
		m, ok := cur.(core.FieldErrors)
		if !ok {
			return ""
		}
		if cur, ok = m[key]; !ok {
			return ""
		}
	}
	switch v := cur.(type) {
	case *core.FieldError:
		return v.Code
	case core.FieldErrors:
		return "<nested>"
	}
	return ""
}

// fieldErr returns the *core.FieldError at path, or nil.
func fieldErr(err error, path string) *core.FieldError {
	fe, ok := err.(core.FieldErrors)
	if !ok {
		return nil
	}
	var cur any = fe
	for _, key := range strings.Split(path, ".") {
		m, ok := cur.(core.FieldErrors)
		if !ok {
			return nil
		}
		cur = m[key]
	}
	e, _ := cur.(*core.FieldError)
	return e
}
