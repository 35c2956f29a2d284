package core

import "encoding/json"

// EmailTemplate is a subject and an HTML body with {PLACEHOLDERS}.
type EmailTemplate struct {
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// TokenConfig is a token type's lifetime and signing secret. The secret is
// never serialized; it can be set by sending "secret" in an update.
type TokenConfig struct {
	Duration int64  `json:"duration"`
	Secret   string `json:"-"`
}

// UnmarshalJSON accepts "secret" on input while MarshalJSON never emits it.
func (t *TokenConfig) UnmarshalJSON(data []byte) error {
	var in struct {
		Duration *int64  `json:"duration"`
		Secret   *string `json:"secret"`
	}
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	if in.Duration != nil {
		t.Duration = *in.Duration
	}
	if in.Secret != nil {
		t.Secret = *in.Secret
	}
	return nil
}

// OAuth2Provider is one configured OAuth2 provider; the client secret is
// accepted on input and never returned.
type OAuth2Provider struct {
	PKCE         *bool          `json:"pkce"`
	Name         string         `json:"name"`
	ClientID     string         `json:"clientId"`
	ClientSecret string         `json:"clientSecret,omitempty"`
	AuthURL      string         `json:"authURL"`
	TokenURL     string         `json:"tokenURL"`
	UserInfoURL  string         `json:"userInfoURL"`
	DisplayName  string         `json:"displayName"`
	Extra        map[string]any `json:"extra"`
}

// AuthOptions are the extra properties of auth collections.
type AuthOptions struct {
	AuthRule   *string `json:"authRule"`
	ManageRule *string `json:"manageRule"`
	AuthAlert  struct {
		Enabled       bool          `json:"enabled"`
		EmailTemplate EmailTemplate `json:"emailTemplate"`
	} `json:"authAlert"`
	OAuth2 struct {
		Providers    []OAuth2Provider  `json:"providers"`
		MappedFields map[string]string `json:"mappedFields"`
		Enabled      bool              `json:"enabled"`
	} `json:"oauth2"`
	PasswordAuth struct {
		Enabled        bool     `json:"enabled"`
		IdentityFields []string `json:"identityFields"`
	} `json:"passwordAuth"`
	MFA struct {
		Enabled  bool   `json:"enabled"`
		Duration int64  `json:"duration"`
		Rule     string `json:"rule"`
	} `json:"mfa"`
	OTP struct {
		Enabled       bool          `json:"enabled"`
		Duration      int64         `json:"duration"`
		Length        int           `json:"length"`
		EmailTemplate EmailTemplate `json:"emailTemplate"`
	} `json:"otp"`
	AuthToken                  TokenConfig   `json:"authToken"`
	PasswordResetToken         TokenConfig   `json:"passwordResetToken"`
	EmailChangeToken           TokenConfig   `json:"emailChangeToken"`
	VerificationToken          TokenConfig   `json:"verificationToken"`
	FileToken                  TokenConfig   `json:"fileToken"`
	VerificationTemplate       EmailTemplate `json:"verificationTemplate"`
	ResetPasswordTemplate      EmailTemplate `json:"resetPasswordTemplate"`
	ConfirmEmailChangeTemplate EmailTemplate `json:"confirmEmailChangeTemplate"`
}

// DefaultAuthOptions returns the options of a newly created auth collection.
// Token secrets are empty here; the collection service fills them randomly.
func DefaultAuthOptions() *AuthOptions {
	a := &AuthOptions{AuthRule: String("")}
	a.AuthAlert.Enabled = true
	a.AuthAlert.EmailTemplate = EmailTemplate{
		Subject: "Login from a new location",
		Body:    "<p>Hello,</p>\n<p>We noticed a login to your {APP_NAME} account from a new location:</p>\n<p><em>{ALERT_INFO}</em></p>\n<p>If this wasn't you, change your password right away.</p>\n<p>Thanks,<br/>\n{APP_NAME} team</p>",
	}
	a.OAuth2.Providers = []OAuth2Provider{}
	a.OAuth2.MappedFields = map[string]string{"id": "", "name": "", "username": "", "avatarURL": ""}
	a.PasswordAuth.Enabled = true
	a.PasswordAuth.IdentityFields = []string{"email"}
	a.MFA.Duration = 600
	a.OTP.Duration = 180
	a.OTP.Length = 8
	a.OTP.EmailTemplate = EmailTemplate{
		Subject: "OTP for {APP_NAME}",
		Body:    "<p>Hello,</p>\n<p>Your one-time password is: <strong>{OTP}</strong></p>\n<p>If you didn't ask for it, you can ignore this email.</p>\n<p>Thanks,<br/>\n{APP_NAME} team</p>",
	}
	a.AuthToken.Duration = 432000
	a.PasswordResetToken.Duration = 1800
	a.EmailChangeToken.Duration = 1800
	a.VerificationToken.Duration = 86400
	a.FileToken.Duration = 180
	a.VerificationTemplate = EmailTemplate{
		Subject: "Verify your {APP_NAME} email",
		Body:    "<p>Hello,</p>\n<p>Thank you for joining {APP_NAME}.</p>\n<p>Click the link below to verify your email address.</p>\n<p><a href=\"{APP_URL}/_/#/auth/confirm-verification/{TOKEN}\" target=\"_blank\" rel=\"noopener\">Verify</a></p>\n<p>Thanks,<br/>\n{APP_NAME} team</p>",
	}
	a.ResetPasswordTemplate = EmailTemplate{
		Subject: "Reset your {APP_NAME} password",
		Body:    "<p>Hello,</p>\n<p>Click the link below to reset your password.</p>\n<p><a href=\"{APP_URL}/_/#/auth/confirm-password-reset/{TOKEN}\" target=\"_blank\" rel=\"noopener\">Reset password</a></p>\n<p><i>If you didn't ask to reset your password, you can ignore this email.</i></p>\n<p>Thanks,<br/>\n{APP_NAME} team</p>",
	}
	a.ConfirmEmailChangeTemplate = EmailTemplate{
		Subject: "Confirm your {APP_NAME} new email address",
		Body:    "<p>Hello,</p>\n<p>Click the link below to confirm your new email address.</p>\n<p><a href=\"{APP_URL}/_/#/auth/confirm-email-change/{TOKEN}\" target=\"_blank\" rel=\"noopener\">Confirm new email</a></p>\n<p><i>If you didn't ask to change your email address, you can ignore this email.</i></p>\n<p>Thanks,<br/>\n{APP_NAME} team</p>",
	}
	return a
}

// MarshalJSON omits the client secret: it is accepted, stored, never shown.
func (p OAuth2Provider) MarshalJSON() ([]byte, error) {
	type shown OAuth2Provider
	s := shown(p)
	s.ClientSecret = ""
	return json.Marshal(s)
}

// AuthSecrets are the parts of AuthOptions the API never returns; stores
// persist them beside the collection's JSON.
type AuthSecrets struct {
	AuthToken          string            `json:"authToken"`
	PasswordResetToken string            `json:"passwordResetToken"`
	EmailChangeToken   string            `json:"emailChangeToken"`
	VerificationToken  string            `json:"verificationToken"`
	FileToken          string            `json:"fileToken"`
	OAuth2             map[string]string `json:"oauth2,omitempty"` // provider name -> client secret
}

// Secrets returns a's secrets.
func (a *AuthOptions) Secrets() AuthSecrets {
	s := AuthSecrets{
		AuthToken: a.AuthToken.Secret, PasswordResetToken: a.PasswordResetToken.Secret,
		EmailChangeToken: a.EmailChangeToken.Secret, VerificationToken: a.VerificationToken.Secret,
		FileToken: a.FileToken.Secret,
	}
	for _, p := range a.OAuth2.Providers {
		if p.ClientSecret != "" {
			if s.OAuth2 == nil {
				s.OAuth2 = map[string]string{}
			}
			s.OAuth2[p.Name] = p.ClientSecret
		}
	}
	return s
}

// SetSecrets restores secrets returned by Secrets.
func (a *AuthOptions) SetSecrets(s AuthSecrets) {
	a.AuthToken.Secret, a.PasswordResetToken.Secret = s.AuthToken, s.PasswordResetToken
	a.EmailChangeToken.Secret, a.VerificationToken.Secret = s.EmailChangeToken, s.VerificationToken
	a.FileToken.Secret = s.FileToken
	for i, p := range a.OAuth2.Providers {
		if v, ok := s.OAuth2[p.Name]; ok {
			a.OAuth2.Providers[i].ClientSecret = v
		}
	}
}

// Clone returns a deep copy of a, secrets included.
func (a *AuthOptions) Clone() *AuthOptions {
	b, _ := json.Marshal(a)
	out := &AuthOptions{}
	_ = json.Unmarshal(b, out)
	out.SetSecrets(a.Secrets())
	return out
}
