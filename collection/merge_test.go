package collection

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/plinthdb/plinth/core"
)

func postsFixture() *core.Collection {
	c := newBase("posts", text("title"), text("body"))
	c.ListRule = core.String("")
	c.Indexes = []string{"CREATE INDEX idx_title ON posts (title)"}
	Normalize(c, nil)
	return c
}

func TestApplyUpdatePartial(t *testing.T) {
	stored := postsFixture()
	before := stored.Clone()
	c, err := ApplyUpdate(stored, []byte(`{"viewRule":"title != ''","name":"articles"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stored, before) {
		t.Fatal("stored collection modified")
	}
	if *c.ViewRule != "title != ''" || c.Name != "articles" || *c.ListRule != "" {
		t.Fatalf("rules/name not merged: %+v", c)
	}
	if !reflect.DeepEqual(c.Fields, stored.Fields) || !reflect.DeepEqual(c.Indexes, stored.Indexes) {
		t.Fatal("unsent lists changed")
	}
	Normalize(c, nil)
	if c.Indexes[0] != "CREATE INDEX `idx_title` ON `articles` (`title`)" {
		t.Fatalf("index table not rewritten: %s", c.Indexes[0])
	}
}

func TestApplyUpdateFields(t *testing.T) {
	stored := postsFixture()
	titleID := stored.Field("title").ID
	body := `{"fields":[{"id":"` + titleID + `","name":"headline","type":"text"},{"name":"body","type":"text","max":10},{"name":"extra","type":"bool"}]}`
	c, err := ApplyUpdate(stored, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	Normalize(c, nil)
	if got := names(c); !reflect.DeepEqual(got, []string{"id", "headline", "body", "extra"}) {
		t.Fatalf("fields %v", got)
	}
	if c.Field("headline").ID != titleID {
		t.Fatal("renamed field lost its id")
	}
	if c.Field("body").ID != stored.Field("body").ID || c.Field("body").IntMax() != 10 {
		t.Fatal("same-name field without id did not keep the stored id")
	}
	// Dropping a field.
	c, err = ApplyUpdate(stored, []byte(`{"fields":[{"id":"`+titleID+`","name":"title","type":"text"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := names(c); !reflect.DeepEqual(got, []string{"id", "title"}) {
		t.Fatalf("fields %v", got)
	}
}

func TestApplyUpdateKeepsSystemFields(t *testing.T) {
	stored := withSecrets(t, Superusers())
	c, err := ApplyUpdate(stored, []byte(`{"fields":[{"id":"autodate2990389176","name":"created","type":"autodate","onCreate":true,"system":false}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(c), names(stored); !reflect.DeepEqual(got, want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
	if !c.Field("created").System {
		t.Fatal("system flag dropped")
	}
	s := core.NewSchema(1, []*core.Collection{stored})
	if err := Validate(c, stored, s, ValidateOptions{}); err != nil {
		t.Fatalf("unchanged superusers rejected: %v", err)
	}
}

func TestApplyUpdateErrors(t *testing.T) {
	stored := postsFixture()
	for _, body := range []string{`{`, `null`, `[]`, `"x"`, `{"fields":[{"name":"x","type":"blob"}]}`, `{"listRule":5}`} {
		_, err := ApplyUpdate(stored, []byte(body))
		if core.ErrorCode(err) != core.EInvalid {
			t.Errorf("%s: %v", body, err)
		}
	}
	_, err := ApplyUpdate(stored, []byte(`{"id":"other","type":"auth"}`))
	if at(err, "id") != "validation_values_mismatch" || at(err, "type") != "validation_collection_type_change" {
		t.Fatalf("got %v", err)
	}
}

func TestApplyUpdateAuthSecrets(t *testing.T) {
	stored := withSecrets(t, Users())
	stored.Auth.OAuth2.Providers = []core.OAuth2Provider{
		{Name: "google", ClientID: "g", ClientSecret: "gsecret"},
		{Name: "github", ClientID: "h", ClientSecret: "hsecret"},
	}
	// Providers come back in another order without secrets, as a client
	// that read them from the API sends them.
	c, err := ApplyUpdate(stored, []byte(`{"oauth2":{"providers":[{"name":"github","clientId":"h2"},{"name":"google","clientId":"g"},{"name":"apple","clientId":"a","clientSecret":"asecret"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range c.Auth.OAuth2.Providers {
		got[p.Name] = p.ClientID + "/" + p.ClientSecret
	}
	want := map[string]string{"github": "h2/hsecret", "google": "g/gsecret", "apple": "a/asecret"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("providers %v, want %v", got, want)
	}
	if c.Auth.AuthToken.Secret != stored.Auth.AuthToken.Secret {
		t.Fatal("auth token secret changed without an authRule change")
	}
	// Changing the auth rule rotates the auth token secret only.
	c, err = ApplyUpdate(stored, []byte(`{"authRule":"verified = true"}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Auth.AuthToken.Secret != "" || c.Auth.FileToken.Secret != stored.Auth.FileToken.Secret {
		t.Fatal("authRule change did not clear just the auth token secret")
	}
	if err := EnsureSecrets(c, strings.NewReader(stringOf(1, 50))); err != nil || c.Auth.AuthToken.Secret == stored.Auth.AuthToken.Secret {
		t.Fatal("secret not rotated")
	}
	// Unless a secret is sent with it.
	c, err = ApplyUpdate(stored, []byte(`{"authRule":null,"authToken":{"secret":"`+stringOf('s', 40)+`"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Auth.AuthToken.Secret != stringOf('s', 40) || c.Auth.AuthToken.Duration != stored.Auth.AuthToken.Duration {
		t.Fatal("sent secret not kept")
	}
}

func stringOf(r rune, n int) string {
	b := make([]rune, n)
	for i := range b {
		b[i] = r
	}
	return string(b)
}

func TestApplyUpdateViewKeepsFields(t *testing.T) {
	stored := newView("v", "SELECT id FROM posts")
	stored.Fields = []*core.Field{IDField()}
	c, err := ApplyUpdate(stored, []byte(`{"fields":[],"viewQuery":"SELECT id, title FROM posts"}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Fields) != 1 || c.ViewQuery != "SELECT id, title FROM posts" {
		t.Fatalf("view fields %v query %q", names(c), c.ViewQuery)
	}
}

func raws(items ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(items))
	for i, s := range items {
		out[i] = json.RawMessage(s)
	}
	return out
}

func TestImport(t *testing.T) {
	supers := withSecrets(t, Superusers())
	posts := postsFixture()
	posts.Created = "2024-01-01 00:00:00.000Z"
	tags := newBase("tags", text("label"))
	tags.Created = "2023-01-01 00:00:00.000Z"
	existing := []*core.Collection{supers, posts, tags}

	items := raws(
		`{"name":"a_view","type":"view","viewQuery":"SELECT id FROM posts"}`,
		`{"id":"`+posts.ID+`","name":"posts2","fields":[{"name":"title","type":"text","id":"other_id","max":5},{"name":"new","type":"bool"}]}`,
		`{"name":"TAGS","listRule":"label != ''"}`,
		`{"name":"members","type":"auth"}`,
	)
	save, del, err := Import(existing, items, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(del) != 0 {
		t.Fatalf("deleted %d without deleteMissing", len(del))
	}
	var order []string
	for _, ch := range save {
		order = append(order, ch.New.Name)
	}
	// New collections (no created) first, then by created; views last.
	if want := []string{"members", "TAGS", "posts2", "a_view"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	byName := map[string]Change{}
	for _, ch := range save {
		byName[ch.New.Name] = ch
	}
	p := byName["posts2"]
	if p.Old != posts {
		t.Fatal("posts not matched by id")
	}
	if got := names(p.New); !reflect.DeepEqual(got, []string{"id", "title", "new", "body"}) {
		t.Fatalf("posts fields %v", got)
	}
	if p.New.Field("title").ID != posts.Field("title").ID || p.New.Field("title").IntMax() != 5 {
		t.Fatal("same-name field did not take the stored id")
	}
	tg := byName["TAGS"]
	if tg.Old != tags || *tg.New.ListRule != "label != ''" || tg.New.ID != tags.ID {
		t.Fatalf("tags not matched by name / merged: %+v", tg.New)
	}
	if m := byName["members"]; m.Old != nil || m.New.Type != core.TypeAuth || m.New.Auth == nil {
		t.Fatalf("members %+v", m)
	}
	if v := byName["a_view"]; v.Old != nil || v.New.Type != core.TypeView {
		t.Fatalf("view %+v", v)
	}
	if posts.Name != "posts" || len(posts.Fields) != 3 {
		t.Fatal("stored collection modified")
	}
}

func TestImportDeleteMissing(t *testing.T) {
	supers := withSecrets(t, Superusers())
	posts := postsFixture()
	tags := newBase("tags", text("label"))
	save, del, err := Import([]*core.Collection{supers, posts, tags}, raws(
		`{"name":"posts","fields":[{"name":"extra","type":"bool"}]}`,
		`{"name":"_superusers"}`,
	), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(del) != 1 || del[0] != tags {
		t.Fatalf("deletes %v", del)
	}
	for _, ch := range save {
		switch ch.New.Name {
		case "posts":
			if got := names(ch.New); !reflect.DeepEqual(got, []string{"id", "extra"}) {
				t.Fatalf("posts fields %v", got)
			}
		case "_superusers":
			if got, want := names(ch.New), names(supers); !reflect.DeepEqual(got, want) {
				t.Fatalf("superusers fields %v", got)
			}
		default:
			t.Fatalf("unexpected %s", ch.New.Name)
		}
	}
}

func TestImportErrors(t *testing.T) {
	posts := postsFixture()
	for _, items := range [][]json.RawMessage{
		raws(`[]`),
		raws(`{"name":"x","fields":[{"type":"blob"}]}`),
		raws(`{"name":"posts"}`, `{"id":"`+posts.ID+`"}`),
		raws(`{"name":5}`),
	} {
		if _, _, err := Import([]*core.Collection{posts}, items, false); err == nil {
			t.Errorf("%s: no error", items)
		}
	}
}

func TestImportOrdersRelationTargetsFirst(t *testing.T) {
	save, _, err := Import(nil, raws(
		`{"id":"v1","name":"v","type":"view","viewQuery":"SELECT id FROM a"}`,
		`{"id":"a1","name":"a","fields":[{"name":"b","type":"relation","collectionId":"b1"},{"name":"me","type":"relation","collectionId":"a1"}]}`,
		`{"id":"b1","name":"b","fields":[{"name":"c","type":"relation","collectionId":"c1"}]}`,
		`{"id":"c1","name":"c"}`,
		`{"id":"x1","name":"x","fields":[{"name":"y","type":"relation","collectionId":"y1"}]}`,
		`{"id":"y1","name":"y","fields":[{"name":"x","type":"relation","collectionId":"x1"}]}`,
	), false)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, ch := range save {
		order = append(order, ch.New.Name)
	}
	if want := []string{"c", "b", "a", "x", "y", "v"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}
}
