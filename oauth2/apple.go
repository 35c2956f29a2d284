package oauth2

import (
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// appleAudience is the audience Apple expects in client secrets.
const appleAudience = "https://appleid.apple.com"

// AppleClientSecret signs the client secret Apple's token endpoint wants
// (a short-lived ES256 JWT) with the team's private key: the value to
// store as the apple provider's clientSecret.
func AppleClientSecret(clientID, teamID, keyID, privateKeyPEM string, duration time.Duration, now time.Time) (string, error) {
	key, err := jwt.ParseECPrivateKeyFromPEM([]byte(privateKeyPEM))
	if err != nil {
		return "", err
	}
	if duration <= 0 {
		return "", errors.New("the duration must be positive")
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.RegisteredClaims{
		Issuer: teamID, Subject: clientID, Audience: jwt.ClaimStrings{appleAudience},
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(duration)),
	})
	tok.Header["kid"] = keyID
	return tok.SignedString(key)
}
