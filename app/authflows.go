package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/plinthdb/plinth/auth"
	"github.com/plinthdb/plinth/collection"
	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/filter"
	"github.com/plinthdb/plinth/mail"
	"github.com/plinthdb/plinth/record"
)

// Authentication methods, as MFA records name them.
const (
	MethodPassword = "password"
	MethodOTP      = "otp"
	MethodOAuth2   = "oauth2"
)

// Messages of the auth endpoints.
const (
	msgValidation       = "An error occurred while validating the submitted data."
	msgPasswordDisabled = "The collection is not configured to allow password authentication."
	msgOTPDisabled      = "The collection is not configured to allow OTP authentication."
)

// AuthResult is the outcome of a successful authentication step: a token,
// or, when MFA still needs another method, the id of the MFA session the
// client must pass with it (answered as 401 {"mfaId"}).
type AuthResult struct {
	Record *core.Record
	Token  string
	MFAID  string
}

// CompleteAuth issues the token of a successful authentication by method
// (§6.1): authRule first, then MFA. mfaID is what the client sent along
// (body or query), "" for a first factor.
func (a *App) CompleteAuth(ctx context.Context, req *Request, rec *core.Record, method, mfaID string) (*AuthResult, error) {
	if err := a.CheckAuthRule(ctx, req, rec); err != nil {
		return nil, err
	}
	need, err := a.mfaRequired(ctx, req, rec)
	if err != nil {
		return nil, err
	}
	if need {
		if mfaID == "" {
			id, err := a.startMFA(ctx, rec, method)
			if err != nil {
				return nil, err
			}
			return &AuthResult{Record: rec, MFAID: id}, nil
		}
		if err := a.finishMFA(ctx, rec, method, mfaID); err != nil {
			return nil, err
		}
	}
	token, err := a.AuthToken(rec)
	if err != nil {
		return nil, err
	}
	return &AuthResult{Record: rec, Token: token}, nil
}

// RequireCollectionAuth checks that req is authenticated by a record of c
// (401 for guests, 403 for another collection).
func RequireCollectionAuth(req *Request, c *core.Collection) error {
	if req == nil || req.Auth == nil {
		return core.Errorf(core.EUnauthorized, "The request requires valid record authorization token.")
	}
	if req.Auth.Collection.ID != c.ID {
		return core.Errorf(core.EForbidden, "The request requires auth record from %s collection.", c.Name)
	}
	return nil
}

// AuthMethods lists how c's records can sign in (§6.2), legacy keys
// included.
func (a *App) AuthMethods(ctx context.Context, c *core.Collection) (map[string]any, error) {
	o := c.Auth
	fields := []string{}
	if o.PasswordAuth.Enabled {
		fields = append(fields, o.PasswordAuth.IdentityFields...)
	}
	has := func(name string) bool {
		for _, f := range fields {
			if f == name {
				return true
			}
		}
		return false
	}
	providers, err := a.oauth2AuthProviders(ctx, c)
	if err != nil {
		return nil, err
	}
	var legacy any // null while OAuth2 is off
	if o.OAuth2.Enabled {
		list := make([]map[string]any, len(providers))
		for i, p := range providers {
			list[i] = make(map[string]any, len(p))
			for k, v := range p {
				if k != "logo" {
					list[i][k] = v
				}
			}
		}
		legacy = list
	}
	mfa := map[string]any{"enabled": o.MFA.Enabled, "duration": int64(0)}
	if o.MFA.Enabled {
		mfa["duration"] = o.MFA.Duration
	}
	otp := map[string]any{"enabled": o.OTP.Enabled, "duration": int64(0)}
	if o.OTP.Enabled {
		otp["duration"] = o.OTP.Duration
	}
	return map[string]any{
		"password":         map[string]any{"identityFields": fields, "enabled": o.PasswordAuth.Enabled},
		"oauth2":           map[string]any{"providers": providers, "enabled": o.OAuth2.Enabled},
		"mfa":              mfa,
		"otp":              otp,
		"authProviders":    legacy,
		"usernamePassword": has("username"),
		"emailPassword":    has("email"),
	}, nil
}

// Impersonate issues a non-refreshable auth token for record id of c,
// valid duration seconds (the collection's auth duration when 0). Only
// superusers may (§6.10).
func (a *App) Impersonate(ctx context.Context, req *Request, c *core.Collection, id string, duration int64) (*AuthResult, error) {
	if req == nil || req.Auth == nil {
		return nil, core.Errorf(core.EUnauthorized, "The request requires valid record authorization token.")
	}
	if !req.IsSuperuser() {
		return nil, core.Errorf(core.EForbidden, "The authorized record is not allowed to perform this action.")
	}
	if duration < 0 {
		return nil, core.Invalid(msgValidation, core.FieldErrors{"duration": core.NewFieldError(
			"validation_min_greater_equal_than_required", "Must be no less than 0.", map[string]any{"threshold": 0})}.Map())
	}
	rec, err := a.ViewRecord(ctx, req, c, id)
	if err != nil {
		return nil, err
	}
	token, err := a.ImpersonateToken(rec, duration)
	if err != nil {
		return nil, err
	}
	return &AuthResult{Record: rec, Token: token}, nil
}

// systemRequest acts with superuser rights for the flows' own writes.
func (a *App) systemRequest(s *core.Schema) (*Request, error) {
	c := s.Find(core.SuperusersName)
	if c == nil {
		return nil, internal(errors.New("the _superusers collection is missing"))
	}
	return a.superuserRequest(c), nil
}

// systemAccess returns the schema, the auth system collection id and the
// superuser-like request the auth flows use to write to it.
func (a *App) systemAccess(ctx context.Context, id string) (*core.Schema, *core.Collection, *Request, error) {
	s, err := a.store.Schema(ctx)
	if err != nil {
		return nil, nil, nil, internal(err)
	}
	c, err := systemCollection(s, id)
	if err != nil {
		return nil, nil, nil, err
	}
	sys, err := a.systemRequest(s)
	if err != nil {
		return nil, nil, nil, err
	}
	return s, c, sys, nil
}

// systemCollection returns one of the auth system collections.
func systemCollection(s *core.Schema, id string) (*core.Collection, error) {
	c := s.Find(id)
	if c == nil {
		return nil, internal(errors.New("system collection " + id + " is missing; run Bootstrap"))
	}
	return c, nil
}

// recordByField returns c's record whose field equals value, or nil. A
// text field whose unique index is COLLATE NOCASE compares without case
// (§2.7), the way that index was built for each engine.
func (a *App) recordByField(ctx context.Context, tx core.Tx, s *core.Schema, c *core.Collection, field, value string) (*core.Record, error) {
	var w core.SQL
	if f := c.Field(field); f != nil && isTextColumn(f) && nocaseUnique(c, f.Name) {
		col := `"` + core.MainAlias + `"."` + strings.ReplaceAll(f.Name, `"`, `""`) + `"`
		w = core.SQL{Text: col + " = ? COLLATE NOCASE", Args: []any{value}}
		if a.store.Dialect() == core.Postgres {
			w.Text = "LOWER(" + col + ") = LOWER(?)"
		}
	} else {
		comp, err := a.compile(s, c, field+" = @request.query.v", filter.RuleKind, true)
		if err != nil {
			return nil, internal(err)
		}
		if w, err = comp.Bind(&filter.Request{Now: a.Now(), Query: map[string]string{"v": value}}); err != nil {
			return nil, internal(err)
		}
	}
	recs, err := tx.Find(ctx, &core.Query{Collection: c, Where: []core.SQL{w}, Limit: 1})
	if err != nil {
		return nil, internal(err)
	}
	if len(recs) == 0 {
		return nil, nil
	}
	return recs[0], nil
}

// isTextColumn reports whether f is stored as a text column.
func isTextColumn(f *core.Field) bool {
	switch f.Type {
	case core.FieldText, core.FieldEmail, core.FieldURL, core.FieldEditor:
		return true
	}
	return false
}

// nocaseUnique reports whether field's single-column unique index
// compares without case.
func nocaseUnique(c *core.Collection, field string) bool {
	ix := collection.FindUniqueIndex(c.Indexes, field)
	return ix != nil && strings.EqualFold(ix.Columns[0].Collate, "NOCASE")
}

// findByEmail reads c's record with email, or nil.
func (a *App) findByEmail(ctx context.Context, c *core.Collection, email string) (*core.Record, error) {
	s, err := a.store.Schema(ctx)
	if err != nil {
		return nil, internal(err)
	}
	var rec *core.Record
	err = a.store.Read(ctx, func(tx core.Tx) error {
		rec, err = a.recordByField(ctx, tx, s, c, "email", email)
		return err
	})
	return rec, err
}

// emailProbe is a one-field collection whose record validation gives the
// exact e-mail format rules of record fields (§1.7).
var emailProbe = &core.Collection{Name: "probe", Type: core.TypeBase,
	Fields: []*core.Field{{Name: "email", Type: core.FieldEmail}}}

func validEmail(s string) bool {
	rec := &core.Record{Collection: emailProbe, Values: map[string]any{"email": s}}
	return s != "" && len(record.Validate(rec, nil, record.ValidateOptions{})) == 0
}

func lengthError(min, max int) *core.FieldError {
	return core.NewFieldError("validation_length_out_of_range", fmt.Sprintf("The length must be between %d and %d.", min, max),
		map[string]any{"min": min, "max": max})
}

// emailInputError checks an e-mail address submitted to an auth endpoint.
func emailInputError(email string) *core.FieldError {
	switch {
	case email == "":
		return errBlank()
	case len(email) > 255:
		return lengthError(1, 255)
	case !validEmail(email):
		return core.NewFieldError("validation_is_email", "Must be a valid email address.", nil)
	}
	return nil
}

// lengthInputError checks a required text input of min..max characters.
func lengthInputError(s string, min, max int) *core.FieldError {
	n := len([]rune(s))
	switch {
	case n == 0:
		return errBlank()
	case n < min || n > max:
		return lengthError(min, max)
	}
	return nil
}

func validationFailed(errs core.FieldErrors) error {
	return core.Invalid(msgValidation, errs.Map())
}

// addErr records err under key when it is not nil.
func addErr(errs core.FieldErrors, key string, err *core.FieldError) {
	if err != nil {
		errs[key] = err
	}
}

// randomChars draws n characters of alphabet uniformly from r.
func randomChars(r io.Reader, n int, alphabet string) (string, error) {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n)
	for len(out) < n {
		if _, err := io.ReadFull(r, buf[:n-len(out)]); err != nil {
			return "", err
		}
		for _, b := range buf[:n-len(out)] {
			if int(b) < limit {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

// randomPassword sets a random password on rec through input, rotating
// its tokenKey on save: for records that must not keep a password an
// attacker may have chosen before the owner proved the address.
func (a *App) randomPassword(input map[string]any) error {
	p, err := randomString(a.rand, 30)
	if err != nil {
		return internal(err)
	}
	input["password"], input["passwordConfirm"] = p, p
	return nil
}

// saveAuthChanges applies input to rec with system rights and returns the
// stored record (password and email changes rotate the tokenKey).
func (a *App) saveAuthChanges(ctx context.Context, tx core.Tx, s *core.Schema, rec *core.Record, input map[string]any) (*core.Record, error) {
	sys, err := a.systemRequest(s)
	if err != nil {
		return nil, err
	}
	return a.UpdateRecordTx(ctx, tx, sys, rec.Collection, rec.ID(), input)
}

// tokenFieldError names what is wrong with a submitted token.
func tokenFieldError(code string) *core.FieldError {
	msg := map[string]string{
		"validation_invalid_token":             "Invalid or expired token.",
		"validation_invalid_token_claims":      "Missing or invalid token claims.",
		"validation_invalid_token_payload":     "Invalid token payload - newEmail must be set.",
		"validation_token_collection_mismatch": "The provided token is for different auth collection.",
		"validation_token_email_mismatch":      "The record email doesn't match with the requested token claims.",
		"validation_invalid_token_email":       "The new email address is already in use.",
	}[code]
	return core.NewFieldError(code, msg, nil)
}

// recordFromToken resolves a submitted confirm-* token of type typ for
// collection c, or the field error of §6.7–§6.9 that fits.
func (a *App) recordFromToken(ctx context.Context, c *core.Collection, token, typ string) (*core.Record, *auth.Claims, *core.FieldError, error) {
	rec, claims, err := a.RecordByToken(ctx, token, typ)
	if err != nil {
		return nil, nil, nil, internal(err)
	}
	if rec == nil {
		return nil, nil, tokenFieldError("validation_invalid_token"), nil
	}
	if rec.Collection.ID != c.ID {
		return nil, nil, tokenFieldError("validation_token_collection_mismatch"), nil
	}
	return rec, claims, nil, nil
}

// RequestVerification sends a verification mail to c's unverified record
// with email (§6.7). Unknown and verified addresses succeed silently.
func (a *App) RequestVerification(ctx context.Context, c *core.Collection, email string) error {
	if c.Name == core.SuperusersName {
		return core.Invalid("All superusers are verified by default.", nil)
	}
	errs := core.FieldErrors{}
	addErr(errs, "email", emailInputError(email))
	if len(errs) > 0 {
		return validationFailed(errs)
	}
	rec, err := a.findByEmail(ctx, c, email)
	if err != nil || rec == nil {
		return err
	}
	if verified, _ := rec.Values["verified"].(bool); verified || !a.takeMailSlot(throttleVerification, rec) {
		return nil
	}
	m, err := a.verificationMail(ctx, rec, rec.String("email"))
	if err != nil {
		return internal(err)
	}
	a.sendInBackground(m)
	return nil
}

func (a *App) verificationMail(ctx context.Context, rec *core.Record, to string) (*mail.Message, error) {
	token, err := a.verificationToken(rec)
	if err != nil {
		return nil, err
	}
	return a.recordMail(ctx, rec, to, rec.Collection.Auth.VerificationTemplate, mail.Vars{"TOKEN": token})
}

// ConfirmVerification marks the token's record verified (§6.7).
func (a *App) ConfirmVerification(ctx context.Context, c *core.Collection, token string) error {
	errs := core.FieldErrors{}
	if token == "" {
		errs["token"] = errBlank()
		return validationFailed(errs)
	}
	if claims, err := auth.Unverified(token); err != nil || claims.Email == "" {
		errs["token"] = tokenFieldError("validation_invalid_token_claims")
		return validationFailed(errs)
	}
	rec, claims, ferr, err := a.recordFromToken(ctx, c, token, auth.TypeVerification)
	if err != nil {
		return err
	}
	if ferr == nil && rec.String("email") != claims.Email {
		ferr = tokenFieldError("validation_token_email_mismatch")
	}
	if ferr != nil {
		errs["token"] = ferr
		return validationFailed(errs)
	}
	if verified, _ := rec.Values["verified"].(bool); verified {
		return nil
	}
	input := map[string]any{"verified": true}
	if !c.Auth.PasswordAuth.Enabled {
		if err := a.randomPassword(input); err != nil {
			return err
		}
	}
	return a.saveInTx(ctx, rec, input)
}

// saveInTx saves input onto rec in a transaction of its own.
func (a *App) saveInTx(ctx context.Context, rec *core.Record, input map[string]any) error {
	s, err := a.store.Schema(ctx)
	if err != nil {
		return internal(err)
	}
	return a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		_, err := a.saveAuthChanges(ctx, tx, s, rec, input)
		return err
	})
}

// RequestPasswordReset mails a reset link to c's record with email
// (§6.8); unknown addresses and repeats within 2 minutes succeed silently.
func (a *App) RequestPasswordReset(ctx context.Context, c *core.Collection, email string) error {
	if !c.Auth.PasswordAuth.Enabled {
		return core.Invalid(msgPasswordDisabled, nil)
	}
	errs := core.FieldErrors{}
	addErr(errs, "email", emailInputError(email))
	if len(errs) > 0 {
		return validationFailed(errs)
	}
	rec, err := a.findByEmail(ctx, c, email)
	if err != nil || rec == nil || !a.takeMailSlot(throttlePasswordReset, rec) {
		return err
	}
	m, err := a.passwordResetMail(ctx, rec, rec.String("email"))
	if err != nil {
		return internal(err)
	}
	a.sendInBackground(m)
	return nil
}

func (a *App) passwordResetMail(ctx context.Context, rec *core.Record, to string) (*mail.Message, error) {
	token, err := a.passwordResetToken(rec)
	if err != nil {
		return nil, err
	}
	return a.recordMail(ctx, rec, to, rec.Collection.Auth.ResetPasswordTemplate, mail.Vars{"TOKEN": token})
}

// ConfirmPasswordReset sets a new password with a reset token (§6.8).
// The tokenKey rotates, so the token and all sessions end.
func (a *App) ConfirmPasswordReset(ctx context.Context, c *core.Collection, token, password, confirm string) error {
	errs := core.FieldErrors{}
	min := 1
	if f := c.Field("password"); f != nil && f.IntMin() > 0 {
		min = f.IntMin()
	}
	addErr(errs, "password", lengthInputError(password, min, 255))
	switch {
	case confirm == "":
		errs["passwordConfirm"] = errBlank()
	case confirm != password:
		errs["passwordConfirm"] = errMismatch()
	}
	var rec *core.Record
	var claims *auth.Claims
	if token == "" {
		errs["token"] = errBlank()
	} else {
		var ferr *core.FieldError
		var err error
		rec, claims, ferr, err = a.recordFromToken(ctx, c, token, auth.TypePasswordReset)
		if err != nil {
			return err
		}
		addErr(errs, "token", ferr)
	}
	if len(errs) > 0 {
		return validationFailed(errs)
	}
	input := map[string]any{"password": password, "passwordConfirm": confirm}
	if claims.Email != "" && claims.Email == rec.String("email") {
		input["verified"] = true
	}
	return asValidation(a.saveInTx(ctx, rec, input))
}

// asValidation reports a failed save's field errors with the auth
// endpoints' message.
func asValidation(err error) error {
	var ce *core.Error
	if errors.As(err, &ce) && ce.Code == core.EInvalid && len(ce.Data) > 0 {
		return core.Invalid(msgValidation, ce.Data)
	}
	return err
}

// RequestEmailChange mails a confirmation link to newEmail for the
// requester's own record (§6.9).
func (a *App) RequestEmailChange(ctx context.Context, req *Request, c *core.Collection, newEmail string) error {
	if err := RequireCollectionAuth(req, c); err != nil {
		return err
	}
	if c.Name == core.SuperusersName {
		return core.Invalid("All superusers can change their emails directly.", nil)
	}
	rec := req.Auth
	errs := core.FieldErrors{}
	if ferr := emailInputError(newEmail); ferr != nil {
		errs["newEmail"] = ferr
	} else if newEmail == rec.String("email") {
		errs["newEmail"] = core.NewFieldError("validation_not_in_invalid", "Must not be in list.", nil)
	} else if other, err := a.findByEmail(ctx, c, newEmail); err != nil {
		return err
	} else if other != nil {
		errs["newEmail"] = core.NewFieldError("validation_invalid_new_email", "Invalid new email address.", nil)
	}
	if len(errs) > 0 {
		return validationFailed(errs)
	}
	m, err := a.emailChangeMail(ctx, rec, newEmail)
	if err != nil {
		return internal(err)
	}
	if err := a.SendMail(ctx, m); err != nil {
		return &core.Error{Code: core.EInvalid, Message: "Failed to send the email change request.", Err: err}
	}
	return nil
}

func (a *App) emailChangeMail(ctx context.Context, rec *core.Record, newEmail string) (*mail.Message, error) {
	token, err := a.emailChangeToken(rec, newEmail)
	if err != nil {
		return nil, err
	}
	return a.recordMail(ctx, rec, newEmail, rec.Collection.Auth.ConfirmEmailChangeTemplate, mail.Vars{"TOKEN": token})
}

// ConfirmEmailChange replaces the record's email with the token's new
// one, given the record's current password (§6.9).
func (a *App) ConfirmEmailChange(ctx context.Context, c *core.Collection, token, password string) error {
	errs := core.FieldErrors{}
	addErr(errs, "password", lengthInputError(password, 1, 100))
	var rec *core.Record
	var claims *auth.Claims
	switch unverified, err := auth.Unverified(token); {
	case token == "":
		errs["token"] = errBlank()
	case err != nil || unverified.NewEmail == "":
		errs["token"] = tokenFieldError("validation_invalid_token_payload")
	default:
		var ferr *core.FieldError
		rec, claims, ferr, err = a.recordFromToken(ctx, c, token, auth.TypeEmailChange)
		if err != nil {
			return err
		}
		if ferr == nil && claims.Email != rec.String("email") {
			ferr = tokenFieldError("validation_invalid_token")
		}
		if ferr == nil {
			if other, err := a.findByEmail(ctx, c, claims.NewEmail); err != nil {
				return err
			} else if other != nil {
				ferr = tokenFieldError("validation_invalid_token_email")
			}
		}
		addErr(errs, "token", ferr)
	}
	if rec != nil && errs["password"] == nil && !auth.CheckPassword(rec.String("password"), password) {
		errs["password"] = core.NewFieldError("validation_invalid_password", "Missing or invalid auth record password.", nil)
	}
	if len(errs) > 0 {
		return validationFailed(errs)
	}
	err := a.saveInTx(ctx, rec, map[string]any{"email": claims.NewEmail, "verified": true})
	var ce *core.Error
	if errors.As(err, &ce) && ce.Code == core.EInvalid && ce.Data["email"] != nil {
		// Taken between the check and the write.
		return validationFailed(core.FieldErrors{"token": tokenFieldError("validation_invalid_token_email")})
	}
	return err
}

// SendTestEmail sends template ("verification", "password-reset",
// "email-change", "otp", "login-alert") of auth collection c to to, for
// a made-up record (POST /api/settings/test/email). It waits for the
// delivery so a failure reaches the caller.
func (a *App) SendTemplateTest(ctx context.Context, c *core.Collection, template, to string) error {
	if c == nil || !c.IsAuth() {
		return core.Invalid("Missing or invalid auth collection.", nil)
	}
	rec := core.NewRecord(c)
	id, err := randomChars(a.rand, 15, idAlphabet)
	if err != nil {
		return internal(err)
	}
	if err := a.rotateTokenKey(rec); err != nil {
		return internal(err)
	}
	rec.Values["id"], rec.Values["email"] = id, to
	var m *mail.Message
	switch template {
	case "verification":
		m, err = a.verificationMail(ctx, rec, to)
	case "password-reset":
		m, err = a.passwordResetMail(ctx, rec, to)
	case "email-change":
		m, err = a.emailChangeMail(ctx, rec, to)
	case "otp":
		m, err = a.recordMail(ctx, rec, to, c.Auth.OTP.EmailTemplate, mail.Vars{"OTP": "123456", "OTP_ID": id})
	case "login-alert":
		m, err = a.recordMail(ctx, rec, to, c.Auth.AuthAlert.EmailTemplate, mail.Vars{"ALERT_INFO": "127.0.0.1 Test browser"})
	default:
		return core.Invalid("Unknown email template.", nil)
	}
	if err != nil {
		return internal(err)
	}
	return a.SendMail(ctx, m)
}

// idAlphabet is the alphabet of record ids.
const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
