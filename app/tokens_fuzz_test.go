package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/auth"
	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/store/sqlite"
)

// FuzzAuthenticate feeds arbitrary strings to token resolution: it must
// never panic, and nothing but a token the app issued (or one signed
// with the same key) may resolve to a record. Seeds are in
// testdata/fuzz/FuzzAuthenticate.
func FuzzAuthenticate(f *testing.F) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	now := time.Unix(1_900_000_000, 0)
	a := app.New(st, app.Options{Now: func() time.Time { return now }})
	if err := a.Bootstrap(ctx); err != nil {
		f.Fatal(err)
	}
	if err := a.UpsertSuperuser(ctx, "root@example.com", "a-long-password-1"); err != nil {
		f.Fatal(err)
	}
	s, err := a.Schema(ctx)
	if err != nil {
		f.Fatal(err)
	}
	supers := s.Find(core.SuperusersName)
	var rec *core.Record
	err = st.Read(ctx, func(tx core.Tx) error {
		recs, err := tx.Find(ctx, &core.Query{Collection: supers, Limit: 1})
		if len(recs) == 1 {
			rec = recs[0]
		}
		return err
	})
	if err != nil || rec == nil {
		f.Fatal("no superuser", err)
	}
	valid, err := a.AuthToken(rec)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(strings.Replace(valid, ".", "x.", 1))
	f.Add(valid[:len(valid)-2])

	f.Fuzz(func(t *testing.T, token string) {
		got, err := a.Authenticate(ctx, token)
		if err != nil {
			t.Fatalf("store error for %q: %v", token, err)
		}
		if got != nil && token != valid {
			// Anything else that resolves must carry a valid signature
			// under the record's key: check independently.
			c, verr := auth.Verify(token, got.String("tokenKey")+supers.Auth.AuthToken.Secret, now)
			if verr != nil || c.Type != auth.TypeAuth || c.ID != got.ID() {
				t.Fatalf("accepted a token the key does not verify: %q", token)
			}
		}
		for _, typ := range []string{auth.TypeFile, auth.TypeVerification, auth.TypePasswordReset, auth.TypeEmailChange} {
			if r, _, err := a.RecordByToken(ctx, token, typ); err != nil || (r != nil && token == valid) {
				t.Fatalf("type %s: auth token resolved or failed: %v", typ, err)
			}
		}
		claims, err := auth.Unverified(token)
		if err == nil && (claims.ID == "" || claims.CollectionID == "" || claims.Type == "") {
			t.Fatalf("Unverified accepted claims without id/collectionId/type: %+v", claims)
		}
		if _, err := auth.Verify(token, "", now); err == nil {
			t.Fatalf("verified with an empty key: %q", token)
		}
		_ = app.TokenRefreshable(token)
	})
}
