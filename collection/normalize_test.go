package collection

import (
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/plinthdb/plinth/core"
)

func names(c *core.Collection) []string {
	out := make([]string, len(c.Fields))
	for i, f := range c.Fields {
		out[i] = f.Name
	}
	return out
}

// create mimics the create flow: scaffold, decode the body, normalize.
func create(t *testing.T, body string, exists func(string) bool) *core.Collection {
	t.Helper()
	var head struct{ Type, Name string }
	if err := json.Unmarshal([]byte(body), &head); err != nil {
		t.Fatal(err)
	}
	c := New(head.Type, head.Name)
	if err := json.Unmarshal([]byte(body), c); err != nil {
		t.Fatal(err)
	}
	Normalize(c, exists)
	return c
}

func TestNormalizeAuthCreate(t *testing.T) {
	c := create(t, `{"name":"members","type":"auth","fields":[{"name":"title","type":"text"},
		{"name":"password","type":"password","hidden":false,"min":10}]}`, nil)
	wantID := core.DefaultCollectionID(core.TypeAuth, "members")
	if c.ID != wantID {
		t.Fatalf("id %s, want %s", c.ID, wantID)
	}
	if got, want := names(c), []string{"id", "title", "password", "tokenKey", "email", "emailVisibility", "verified"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
	pw := c.Field("password")
	if !pw.Hidden || !pw.System || !pw.Required || pw.IntMin() != 10 {
		t.Fatalf("password flags not enforced: %+v", pw)
	}
	if c.Field("title").ID != core.DefaultFieldID("text", "title") {
		t.Fatalf("title id %s", c.Field("title").ID)
	}
	want := []string{
		"CREATE UNIQUE INDEX `idx_tokenKey_" + wantID + "` ON `members` (`tokenKey`)",
		"CREATE UNIQUE INDEX `idx_email_" + wantID + "` ON `members` (`email`) WHERE `email` != ''",
	}
	if !reflect.DeepEqual(c.Indexes, want) {
		t.Fatalf("indexes\n%q\nwant\n%q", c.Indexes, want)
	}
	if c.Auth == nil || c.Auth.AuthToken.Duration != 432000 {
		t.Fatalf("auth defaults missing")
	}
	// Normalizing again changes nothing.
	again := c.Clone()
	Normalize(again, nil)
	if !reflect.DeepEqual(again, c) {
		t.Fatalf("Normalize is not idempotent")
	}
}

func TestNormalizeIDs(t *testing.T) {
	base := core.DefaultCollectionID(core.TypeBase, "posts")
	taken := map[string]bool{base: true, base + "2": true}
	c := create(t, `{"name":"posts","fields":[{"id":"`+core.DefaultFieldID("text", "title")+`","name":"other","type":"text"},{"name":"title","type":"text"}]}`,
		func(id string) bool { return taken[id] })
	if c.ID != base+"3" {
		t.Fatalf("id %s, want %s3", c.ID, base)
	}
	if got := c.Field("title").ID; got != core.DefaultFieldID("text", "title")+"2" {
		t.Fatalf("title id %s", got)
	}
	if c.Type != core.TypeBase || c.Auth != nil {
		t.Fatalf("type %q auth %v", c.Type, c.Auth)
	}
	// An explicit id is kept even when taken (Validate reports it).
	c = create(t, `{"id":"mine","name":"posts"}`, func(string) bool { return true })
	if c.ID != "mine" {
		t.Fatalf("explicit id replaced by %s", c.ID)
	}
}

func TestNormalizeEnforcesIDField(t *testing.T) {
	c := create(t, `{"name":"p","fields":[{"name":"title","type":"text"},{"id":"x","name":"id","type":"text","hidden":true,"min":3,"max":40}]}`, nil)
	if got := names(c); !reflect.DeepEqual(got, []string{"title", "id"}) {
		t.Fatalf("fields %v (an existing id field keeps its place)", got)
	}
	id := c.Field("id")
	if id.ID != "x" || !id.System || !id.PrimaryKey || !id.Required || id.Hidden || id.Pattern != IDPattern || id.IntMax() != 40 {
		t.Fatalf("id field %+v", id)
	}
	// A non-text id is left for Validate to reject.
	c = create(t, `{"name":"p","fields":[{"name":"id","type":"number"}]}`, nil)
	if len(c.Fields) != 1 {
		t.Fatalf("fields %v", names(c))
	}
	if code := at(Validate(c, nil, nil, ValidateOptions{}), "fields"); code != "validation_missing_primary_key" {
		t.Fatalf("code %s", code)
	}
}

func TestNormalizeIndexes(t *testing.T) {
	c := create(t, "{\"name\":\"members\",\"type\":\"auth\",\"indexes\":["+
		"\"create unique index e on old_name (email collate nocase)\","+
		"\"CREATE INDEX broken ON x (\","+
		"\"CREATE INDEX [t] ON [old_name] ([tokenKey])\"]}", nil)
	want := []string{
		"CREATE UNIQUE INDEX `e` ON `members` (`email` COLLATE NOCASE)",
		"CREATE INDEX broken ON x (",
		"CREATE INDEX `t` ON `members` (`tokenKey`)",
		// Only a UNIQUE single-column index counts for tokenKey.
		"CREATE UNIQUE INDEX `idx_tokenKey_" + c.ID + "` ON `members` (`tokenKey`)",
	}
	if !reflect.DeepEqual(c.Indexes, want) {
		t.Fatalf("indexes\n%q\nwant\n%q", c.Indexes, want)
	}
	// Long ids are cut to 64 characters in index names.
	c = create(t, `{"id":"`+strings.Repeat("i", 80)+`","name":"m","type":"auth"}`, nil)
	for _, def := range c.Indexes {
		name := regexp.MustCompile("`([^`]*)`").FindStringSubmatch(def)[1]
		if len(name) != 64 {
			t.Errorf("index name %q has %d characters", name, len(name))
		}
	}
}

func TestNormalizeMisc(t *testing.T) {
	c := create(t, `{"name":"m","type":"auth","fields":[{"name":"nick","type":"text"},{"name":"d","type":"date","min":"2020-01-02","max":"bad"}],
		"oauth2":{"mappedFields":{"name":"nick","avatarURL":"missing"}}}`, nil)
	mf := c.Auth.OAuth2.MappedFields
	if mf["name"] != "nick" || mf["avatarURL"] != "" {
		t.Fatalf("mapped fields %v", mf)
	}
	d := c.Field("d")
	if d.DateMin != "2020-01-02 00:00:00.000Z" || d.DateMax != "bad" {
		t.Fatalf("date bounds %q %q", d.DateMin, d.DateMax)
	}
	v := create(t, `{"name":"v","type":"view","viewQuery":"SELECT 1 AS id","fields":[]}`, nil)
	if len(v.Fields) != 0 || v.Auth != nil || v.ID != core.DefaultCollectionID(core.TypeView, "v") {
		t.Fatalf("view %+v", v)
	}
	b := create(t, `{"name":"b","fields":[null,{"name":"x","type":"bool"}]}`, nil)
	if got := names(b); !reflect.DeepEqual(got, []string{"id", "x"}) {
		t.Fatalf("fields %v", got)
	}
}

func TestNewUnknownType(t *testing.T) {
	c := New("table", "x")
	if c.Type != core.TypeBase || len(c.Fields) != 1 {
		t.Fatalf("%+v", c)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestEnsureSecrets(t *testing.T) {
	c := New(core.TypeAuth, "m")
	c.Auth.FileToken.Secret = "kept"
	if err := EnsureSecrets(c, strings.NewReader(strings.Repeat("abcdefghij\xff", 100))); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^[a-zA-Z0-9]{50}$`)
	for _, s := range []string{c.Auth.AuthToken.Secret, c.Auth.PasswordResetToken.Secret, c.Auth.EmailChangeToken.Secret, c.Auth.VerificationToken.Secret} {
		if !re.MatchString(s) {
			t.Errorf("secret %q", s)
		}
	}
	if c.Auth.FileToken.Secret != "kept" {
		t.Errorf("existing secret replaced")
	}
	if strings.ContainsRune(c.Auth.AuthToken.Secret, 0xff) {
		t.Errorf("rejected byte leaked")
	}
	if err := EnsureSecrets(New(core.TypeBase, "b"), failingReader{}); err != nil {
		t.Errorf("base collection: %v", err)
	}
	if err := EnsureSecrets(New(core.TypeAuth, "a"), failingReader{}); err == nil {
		t.Errorf("no error from a failing reader")
	}
	// Secrets never reach the API output.
	out, _ := json.Marshal(c)
	if strings.Contains(string(out), c.Auth.AuthToken.Secret) || strings.Contains(string(out), "kept") {
		t.Errorf("secret serialized")
	}
}

func TestNormalizeAuthNulls(t *testing.T) {
	c := create(t, `{"name":"m","type":"auth","oauth2":{"providers":null,"mappedFields":null},"passwordAuth":{"identityFields":null}}`, nil)
	out, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		OAuth2 struct {
			Providers    []any             `json:"providers"`
			MappedFields map[string]string `json:"mappedFields"`
		} `json:"oauth2"`
		PasswordAuth struct {
			IdentityFields []string `json:"identityFields"`
		} `json:"passwordAuth"`
	}
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if back.OAuth2.Providers == nil || back.PasswordAuth.IdentityFields == nil || len(back.OAuth2.MappedFields) != 4 {
		t.Fatalf("nulls not normalized: %s", out)
	}
}
