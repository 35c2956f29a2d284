package app

import (
	"context"
	"time"

	"github.com/plinthdb/plinth/auth"
	"github.com/plinthdb/plinth/collection"
	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/mail"
)

// maxLiveOTPs is how many unexpired OTPs a record may have; past it the
// newest is reused instead of creating (and mailing) another (§6.5).
const maxLiveOTPs = 9

var errInvalidOTP = core.Invalid("Invalid or expired OTP.", nil)

// refWhere selects the system rows of rec (collectionRef, recordRef).
func refWhere(rec *core.Record) []core.SQL {
	return []core.SQL{
		{Text: `"` + core.MainAlias + `"."collectionRef" = ?`, Args: []any{rec.Collection.ID}},
		{Text: `"` + core.MainAlias + `"."recordRef" = ?`, Args: []any{rec.ID()}},
	}
}

// expired reports whether a system row created at created is older than
// duration seconds (an unreadable date counts as expired).
func (a *App) expired(created string, duration int64) bool {
	t, ok := core.ParseTime(created)
	return !ok || !a.Now().Before(t.Add(time.Duration(duration)*time.Second))
}

// RequestOTP creates a one-time password for c's record with email and
// mails it (§6.5). It always returns an OTP id: a random one for unknown
// addresses, so the answer does not tell whether an account exists.
func (a *App) RequestOTP(ctx context.Context, c *core.Collection, email string) (string, error) {
	if !c.Auth.OTP.Enabled {
		return "", core.Errorf(core.EForbidden, msgOTPDisabled)
	}
	errs := core.FieldErrors{}
	addErr(errs, "email", emailInputError(email))
	if len(errs) > 0 {
		return "", validationFailed(errs)
	}
	fakeID, err := randomChars(a.rand, 15, idAlphabet)
	if err != nil {
		return "", internal(err)
	}
	rec, err := a.findByEmail(ctx, c, email)
	if err != nil {
		return "", err
	}
	if rec == nil {
		return fakeID, nil
	}
	email = rec.String("email") // the stored address, whatever case was asked for
	length := c.Auth.OTP.Length
	if length <= 0 {
		length = 8
	}
	code, err := randomChars(a.rand, length, "0123456789")
	if err != nil {
		return "", internal(err)
	}
	_, otps, sys, err := a.systemAccess(ctx, collection.OTPsID)
	if err != nil {
		return "", err
	}
	var id string
	reused := false
	err = a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		list, err := tx.Find(ctx, &core.Query{Collection: otps, Where: refWhere(rec)})
		if err != nil {
			return internal(err)
		}
		var live []*core.Record
		for _, o := range list {
			if a.expired(o.String("created"), c.Auth.OTP.Duration) {
				if err := tx.Delete(ctx, o); err != nil {
					return internal(err)
				}
				continue
			}
			live = append(live, o)
		}
		if len(live) > maxLiveOTPs {
			id, reused = live[len(live)-1].ID(), true // insertion order: the last is the newest
			return nil
		}
		o, err := a.CreateRecordTx(ctx, tx, sys, otps, map[string]any{
			"collectionRef": c.ID, "recordRef": rec.ID(), "password": code, "sentTo": email,
		})
		if err != nil {
			return err
		}
		id = o.ID()
		return nil
	})
	if err != nil || reused {
		return id, err
	}
	m, err := a.recordMail(ctx, rec, email, c.Auth.OTP.EmailTemplate, mail.Vars{"OTP": code, "OTP_ID": id})
	if err != nil {
		return "", internal(err)
	}
	a.sendInBackground(m)
	return id, nil
}

// AuthWithOTP checks an OTP (§6.5) and returns its record. The OTP is
// used up; a record that was unverified and got it at its own address is
// marked verified (and, unless MFA needs the password, given a random
// password, which also ends its earlier sessions).
func (a *App) AuthWithOTP(ctx context.Context, c *core.Collection, otpID, password string) (*core.Record, error) {
	if !c.Auth.OTP.Enabled {
		return nil, core.Errorf(core.EForbidden, msgOTPDisabled)
	}
	errs := core.FieldErrors{}
	addErr(errs, "otpId", lengthInputError(otpID, 1, 255))
	addErr(errs, "password", lengthInputError(password, 1, 71))
	if len(errs) > 0 {
		return nil, validationFailed(errs)
	}
	s, otps, sys, err := a.systemAccess(ctx, collection.OTPsID)
	if err != nil {
		return nil, err
	}
	var otp, rec *core.Record
	err = a.store.Read(ctx, func(tx core.Tx) error {
		if otp, err = a.findOne(ctx, tx, s, otps, otpID, nil, sys, nil); err != nil || otp == nil {
			return err
		}
		if otp.String("collectionRef") != c.ID {
			otp = nil
			return nil
		}
		rec, err = a.findOne(ctx, tx, s, c, otp.String("recordRef"), nil, sys, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	if otp == nil || rec == nil {
		return nil, errInvalidOTP
	}
	if !a.takeOTPAttempt(c.ID, rec.ID()) {
		return nil, core.Errorf(core.ETooMany, "Too many attempts, please try again later with a new OTP.")
	}
	if a.expired(otp.String("created"), c.Auth.OTP.Duration) || !auth.CheckPassword(otp.String("password"), password) {
		return nil, errInvalidOTP
	}
	err = a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		// Deleting inside the write makes a replay in parallel fail: only
		// one transaction finds the row.
		if err := a.DeleteRecordTx(ctx, tx, sys, otps, otp.ID()); err != nil {
			if core.ErrorCode(err) == core.ENotFound {
				return errInvalidOTP
			}
			return err
		}
		fresh, err := a.findOne(ctx, tx, s, c, rec.ID(), nil, sys, nil)
		if err != nil {
			return err
		}
		if fresh == nil {
			return errInvalidOTP
		}
		rec = fresh
		verified, _ := rec.Values["verified"].(bool)
		if verified || otp.String("sentTo") == "" || otp.String("sentTo") != rec.String("email") {
			return nil
		}
		input := map[string]any{"verified": true}
		if !c.Auth.MFA.Enabled {
			if err := a.randomPassword(input); err != nil {
				return err
			}
		}
		rec, err = a.saveAuthChanges(ctx, tx, s, rec, input)
		return err
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}
