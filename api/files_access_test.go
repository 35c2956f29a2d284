package api_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/plinthdb/plinth/auth"
)

// user creates a user of the users collection and returns its id and
// auth token.
func (e *env) user(email string) (string, string) {
	e.t.Helper()
	id := e.su("POST", "/api/collections/users/records", map[string]any{
		"email": email, "password": "a-long-password-1", "passwordConfirm": "a-long-password-1",
	}).status(200).str("id")
	token := e.call("POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": email, "password": "a-long-password-1"}).status(200).str("token")
	return id, token
}

// fileToken mints the file token (§6.11) of the record authToken
// belongs to, as POST /api/files/token does; lifetime (seconds) defaults
// to the collection's.
func (e *env) fileToken(authToken string, lifetime ...int64) string {
	e.t.Helper()
	rec, err := e.app.Authenticate(context.Background(), authToken)
	if err != nil || rec == nil {
		e.t.Fatalf("bad auth token: %v", err)
	}
	c := rec.Collection
	token, err := auth.Sign(&auth.Claims{ID: rec.ID(), CollectionID: c.ID, Type: auth.TypeFile,
		Exp: time.Now().Unix() + append(lifetime, c.Auth.FileToken.Duration)[0]}, rec.String("tokenKey")+c.Auth.FileToken.Secret)
	if err != nil {
		e.t.Fatal(err)
	}
	return token
}

func TestProtectedFiles(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		usersID := e.su("GET", "/api/collections/users", nil).status(200).str("id")
		e.collectionID(map[string]any{
			"name": "vault", "type": "base", "createRule": "",
			// Only the owner, and only when fetching a protected file.
			"viewRule": `owner = @request.auth.id && @request.context = "protectedFile"`,
			"fields": []any{
				map[string]any{"name": "owner", "type": "relation", "collectionId": usersID, "maxSelect": 1},
				map[string]any{"name": "secret", "type": "file", "protected": true, "thumbs": []string{}},
				map[string]any{"name": "open", "type": "file"},
			},
		})
		ownerID, ownerAuth := e.user("owner@example.com")
		_, otherAuth := e.user("other@example.com")
		r := e.form("POST", "/api/collections/vault/records", e.token, field("owner", ownerID),
			file("secret", "secret.txt", []byte("the secret")), file("open", "open.txt", []byte("public"))).status(200)
		id := r.str("id")
		secret := "/api/files/vault/" + id + "/" + r.str("secret")

		// Unprotected fields of the same record need nothing.
		e.get("/api/files/vault/" + id + "/" + r.str("open")).status(200).bodyIs([]byte("public"))

		e.get(secret).status(404)
		// The Authorization header does not count here, nor does an auth
		// token passed as ?token=.
		e.get(secret, "Authorization: "+ownerAuth).status(404)
		e.get(secret + "?token=" + url.QueryEscape(ownerAuth)).status(404)
		e.get(secret + "?token=garbage").status(404)
		// An expired file token is no token.
		expired := e.fileToken(ownerAuth, -1)
		e.get(secret + "?token=" + expired).status(404)
		// The owner's file token passes the view rule; another user's does not.
		e.get(secret + "?token=" + e.fileToken(ownerAuth)).status(200).bodyIs([]byte("the secret"))
		e.get(secret + "?token=" + e.fileToken(otherAuth)).status(404)
		// A superuser's file token passes any rule.
		e.get(secret + "?token=" + e.fileToken(e.token)).status(200)
		// The rule's context check keeps the record itself hidden.
		e.call("GET", "/api/collections/vault/records/"+id, ownerAuth, nil).status(404)
		// A file token is not an auth token.
		e.call("GET", "/api/collections/users/records/"+ownerID, e.fileToken(ownerAuth), nil).status(404)
		e.call("GET", "/api/collections/users/records/"+ownerID, ownerAuth, nil).status(200)
	})
}

func TestProtectedFilesSuperuserOnlyRule(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.collectionID(map[string]any{
			"name": "locked", "type": "base", // all rules null: superusers only
			"fields": []any{map[string]any{"name": "f", "type": "file", "protected": true}},
		})
		_, userAuth := e.user("u@example.com")
		r := e.form("POST", "/api/collections/locked/records", e.token, file("f", "f.txt", []byte("x"))).status(200)
		path := "/api/files/locked/" + r.str("id") + "/" + r.str("f")
		e.get(path + "?token=" + e.fileToken(userAuth)).status(404)
		e.get(path + "?token=" + e.fileToken(e.token)).status(200)
	})
}
