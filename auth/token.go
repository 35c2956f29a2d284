package auth

import (
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Token types of the contract (§6.11).
const (
	TypeAuth          = "auth"
	TypeFile          = "file"
	TypeVerification  = "verification"
	TypePasswordReset = "passwordReset"
	TypeEmailChange   = "emailChange"
)

// Claims are the claims Plinth tokens carry. Exp is Unix seconds; there is
// no iat, as in PocketBase.
type Claims struct {
	ID           string `json:"id"`
	CollectionID string `json:"collectionId"`
	Type         string `json:"type"`
	Refreshable  *bool  `json:"refreshable,omitempty"`
	Email        string `json:"email,omitempty"`
	NewEmail     string `json:"newEmail,omitempty"`
	Exp          int64  `json:"exp"`
}

// GetExpirationTime and the other getters satisfy jwt.Claims.
func (c *Claims) GetExpirationTime() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.Exp, 0)), nil
}
func (c *Claims) GetIssuedAt() (*jwt.NumericDate, error)  { return nil, nil }
func (c *Claims) GetNotBefore() (*jwt.NumericDate, error) { return nil, nil }
func (c *Claims) GetIssuer() (string, error)              { return "", nil }
func (c *Claims) GetSubject() (string, error)             { return "", nil }
func (c *Claims) GetAudience() (jwt.ClaimStrings, error)  { return nil, nil }

// Sign returns an HS256 JWT of claims signed with key.
func Sign(claims *Claims, key string) (string, error) {
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(key))
}

// ErrInvalidToken is returned for any token that fails parsing or checks.
var ErrInvalidToken = errors.New("invalid or expired token")

// Unverified decodes a token's claims without checking the signature, to
// find the record whose key verifies it. It requires id, collectionId and type.
func Unverified(token string) (*Claims, error) {
	c := &Claims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, c); err != nil {
		return nil, ErrInvalidToken
	}
	if c.ID == "" || c.CollectionID == "" || c.Type == "" {
		return nil, ErrInvalidToken
	}
	return c, nil
}

// Verify checks token's HS256 signature with key and its expiry at now.
func Verify(token, key string, now time.Time) (*Claims, error) {
	c := &Claims{}
	_, err := jwt.ParseWithClaims(token, c, func(*jwt.Token) (any, error) { return []byte(key), nil },
		jwt.WithValidMethods([]string{"HS256"}),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithExpirationRequired())
	if err != nil {
		return nil, ErrInvalidToken
	}
	return c, nil
}
