package collection

import (
	"encoding/json"
	"testing"

	"github.com/plinthdb/plinth/core"
)

// FuzzApplyUpdate feeds arbitrary PATCH bodies through the update path
// (merge, normalize, secrets, validate): bad input must give errors, never
// panics, and a merged collection must serialize.
func FuzzApplyUpdate(f *testing.F) {
	for _, s := range []string{
		`{"name":"x","fields":[{"name":"a","type":"select","values":["a"],"maxSelect":2}]}`,
		`{"fields":[null,{"name":"r","type":"relation","collectionId":"posts_id","minSelect":2}],"indexes":["CREATE INDEX i ON t (r)"]}`,
		`{"oauth2":{"enabled":true,"providers":[{"name":"google"},{"name":"google"}]},"mfa":{"enabled":true}}`,
		`{"authRule":"x","authToken":{"secret":""},"indexes":null}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		s, m := schemaFixture(t)
		for _, stored := range []*core.Collection{m["users"], m["posts"], m["posts_view"]} {
			c, err := ApplyUpdate(stored, []byte(body))
			if err != nil {
				continue
			}
			Normalize(c, func(id string) bool { return s.Find(id) != nil })
			if err := EnsureSecrets(c, zeroes{}); err != nil {
				t.Fatal(err)
			}
			_ = Validate(c, stored, s, ValidateOptions{})
			if _, err := json.Marshal(c); err != nil {
				t.Fatalf("marshal: %v", err)
			}
		}
		_, _, _ = Import(s.Collections, []json.RawMessage{json.RawMessage(body)}, true)
	})
}
