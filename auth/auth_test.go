package auth

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func TestPasswordArgon2idRoundTrip(t *testing.T) {
	h, err := HashPassword("s3cret-pass")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$") {
		t.Fatalf("unexpected hash format %q", h)
	}
	if !CheckPassword(h, "s3cret-pass") {
		t.Fatal("correct password rejected")
	}
	if CheckPassword(h, "s3cret-pasS") {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashPassword("s3cret-pass")
	if h == h2 {
		t.Fatal("hashes must be salted")
	}
}

func TestPasswordBcryptAccepted(t *testing.T) {
	b, err := bcrypt.GenerateFromPassword([]byte("imported1"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(string(b), "imported1") || CheckPassword(string(b), "imported2") {
		t.Fatal("bcrypt verification wrong")
	}
}

func TestPasswordMalformedHashes(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2id$", "$argon2id$v=19$m=1,t=1,p=1$$", "$argon2id$v=19$m=99999999,t=1,p=1$YWJj$YWJj", "$2a$10$short"} {
		if CheckPassword(h, "x") {
			t.Fatalf("malformed hash %q accepted", h)
		}
	}
}

func TestTokenSignVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	yes := true
	tok, err := Sign(&Claims{ID: "abc", CollectionID: "pbc_1", Type: TypeAuth, Refreshable: &yes, Exp: now.Add(time.Hour).Unix()}, "key1")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Unverified(tok)
	if err != nil || c.ID != "abc" || c.CollectionID != "pbc_1" || c.Type != TypeAuth {
		t.Fatalf("unverified claims: %+v %v", c, err)
	}
	if _, err := Verify(tok, "key1", now); err != nil {
		t.Fatalf("valid token rejected: %v", err)
	}
	if _, err := Verify(tok, "key2", now); err == nil {
		t.Fatal("wrong key accepted")
	}
	if _, err := Verify(tok, "key1", now.Add(2*time.Hour)); err == nil {
		t.Fatal("expired token accepted")
	}
	if _, err := Verify("garbage", "key1", now); err == nil {
		t.Fatal("garbage accepted")
	}
	if _, err := Unverified("a.b.c"); err == nil {
		t.Fatal("garbage decoded")
	}
	// The payload has no iat, as the SDK and PocketBase expect.
	if strings.Contains(tok, "iat") {
		t.Fatal("unexpected iat")
	}
}

func TestTokenRejectsOtherAlgorithms(t *testing.T) {
	// "alg":"none" token with valid-looking claims.
	none := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpZCI6ImFiYyIsImNvbGxlY3Rpb25JZCI6InBiY18xIiwidHlwZSI6ImF1dGgiLCJleHAiOjk5OTk5OTk5OTl9."
	if _, err := Verify(none, "", time.Now()); err == nil {
		t.Fatal("alg none accepted")
	}
}
