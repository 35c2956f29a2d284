package collection

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plinthdb/plinth/core"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares v's JSON (as json.Marshal gives it, indented for
// reading) with testdata/name.golden.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	buf.WriteByte('\n')
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s differs from golden file; got:\n%s", path, buf.Bytes())
	}
}

func TestGoldenScaffolds(t *testing.T) {
	sc, err := ScaffoldsFrom(strings.NewReader(strings.Repeat("\x01\x02\x03\x04\x05", 4)))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "scaffolds", sc)
}

func TestGoldenBuiltins(t *testing.T) {
	golden(t, "superusers", Superusers())
	golden(t, "users", Users())
}

func TestScaffoldsShape(t *testing.T) {
	sc := Scaffolds()
	if len(sc) != 3 {
		t.Fatalf("%d scaffolds", len(sc))
	}
	for typ, c := range sc {
		if c.ID != "" || c.Name != "" || c.Created != "" || c.Type != typ {
			t.Errorf("%s: id %q name %q created %q type %q", typ, c.ID, c.Name, c.Created, c.Type)
		}
	}
	if n := len(sc[core.TypeView].Fields); n != 0 {
		t.Errorf("view scaffold has %d fields", n)
	}
	if f := sc[core.TypeBase].Fields; len(f) != 1 || f[0].Name != "id" {
		t.Errorf("base scaffold fields %v", f)
	}
	auth := sc[core.TypeAuth]
	if len(auth.Fields) != 6 || len(auth.Indexes) != 2 {
		t.Fatalf("auth scaffold: %d fields, %d indexes", len(auth.Fields), len(auth.Indexes))
	}
	for _, def := range auth.Indexes {
		if !strings.Contains(def, "ON `` (") {
			t.Errorf("placeholder index %q should have an empty table", def)
		}
	}
	// Two calls draw different placeholder names.
	if Scaffolds()[core.TypeAuth].Indexes[0] == auth.Indexes[0] {
		t.Errorf("placeholder index names are not random")
	}
}

func TestBuiltinsAreValid(t *testing.T) {
	supers, users := withSecrets(t, Superusers()), withSecrets(t, Users())
	s := core.NewSchema(1, []*core.Collection{supers, users})
	for _, c := range []*core.Collection{supers, users} {
		if err := Validate(c, nil, s, ValidateOptions{}); err != nil {
			b, _ := json.Marshal(err)
			t.Errorf("%s: %s", c.Name, b)
		}
	}
	if supers.ID != core.DefaultCollectionID(core.TypeAuth, core.SuperusersName) {
		t.Errorf("superusers id %s is not the derived one", supers.ID)
	}
	if users.Auth.OAuth2.MappedFields["avatarURL"] != "avatar" || users.Auth.OAuth2.MappedFields["name"] != "name" {
		t.Errorf("users mapped fields %v", users.Auth.OAuth2.MappedFields)
	}
	if supers.Auth.AuthToken.Duration != 86400 || *supers.Auth.AuthRule != "" || supers.ListRule != nil {
		t.Errorf("superusers options")
	}
}
