package oauth2_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/plinthdb/plinth/oauth2"
)

// ApplePrivateKey returns a fresh P-256 key as Apple hands it out (PKCS #8 PEM).
func applePrivateKey(t *testing.T) (*ecdsa.PrivateKey, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return key, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func TestAppleClientSecret(t *testing.T) {
	key, pemKey := applePrivateKey(t)
	now := time.Now().Truncate(time.Second)
	secret, err := oauth2.AppleClientSecret("com.example.app", "TEAM123456", "KEY1234567", pemKey, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	var claims jwt.RegisteredClaims
	tok, err := jwt.ParseWithClaims(secret, &claims, func(*jwt.Token) (any, error) { return &key.PublicKey, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience("https://appleid.apple.com"), jwt.WithIssuer("TEAM123456"))
	if err != nil {
		t.Fatal(err)
	}
	if tok.Header["kid"] != "KEY1234567" || claims.Subject != "com.example.app" || !claims.ExpiresAt.Time.Equal(now.Add(time.Hour)) {
		t.Fatalf("header %v claims %+v", tok.Header, claims)
	}
	if _, err := oauth2.AppleClientSecret("a", "b", "c", "not a key", time.Hour, now); err == nil {
		t.Fatal("garbage key accepted")
	}
}
