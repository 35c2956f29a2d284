package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"

	"github.com/plinthdb/plinth/collection"
	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/mail"
)

// maxAuthOrigins is how many sign-in origins are remembered per record
// (§2.2 authAlert); the least recently used one goes first.
const maxAuthOrigins = 5

// originFingerprint identifies a device: client IP and user agent.
func originFingerprint(ip, userAgent string) string {
	sum := sha256.Sum256([]byte(ip + "\x00" + userAgent))
	return hex.EncodeToString(sum[:])
}

// NoteAuthOrigin remembers that rec signed in from ip with userAgent
// (in _authOrigins). When that is a new origin for a record that has
// signed in before and the collection's authAlert is on, the record is
// mailed about it. Refresh and impersonation do not call it.
func (a *App) NoteAuthOrigin(ctx context.Context, rec *core.Record, ip, userAgent string) error {
	c := rec.Collection
	if c == nil || !c.IsAuth() {
		return nil
	}
	_, origins, sys, err := a.systemAccess(ctx, collection.AuthOriginsID)
	if err != nil {
		return err
	}
	if len(userAgent) > 200 {
		userAgent = userAgent[:200] + "..."
	}
	fp := originFingerprint(ip, userAgent)
	alert := false
	err = a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		list, err := tx.Find(ctx, &core.Query{Collection: origins, Where: refWhere(rec)})
		if err != nil {
			return internal(err)
		}
		// Least recently used first; ties keep insertion order.
		sort.SliceStable(list, func(i, j int) bool { return list[i].String("updated") < list[j].String("updated") })
		for _, o := range list {
			if o.String("fingerprint") == fp {
				// Known device: only mark it as recently used.
				_, err := a.UpdateRecordTx(ctx, tx, sys, origins, o.ID(), map[string]any{})
				return err
			}
		}
		if _, err := a.CreateRecordTx(ctx, tx, sys, origins, map[string]any{
			"collectionRef": c.ID, "recordRef": rec.ID(), "fingerprint": fp,
		}); err != nil {
			return err
		}
		for i := 0; i < len(list)+1-maxAuthOrigins; i++ {
			if err := tx.Delete(ctx, list[i]); err != nil {
				return internal(err)
			}
		}
		alert = len(list) > 0
		return nil
	})
	if err != nil || !alert || !c.Auth.AuthAlert.Enabled || rec.String("email") == "" {
		return err
	}
	info := fmt.Sprintf("%s - %s %s", core.FormatTime(a.Now()), ip, userAgent)
	m, err := a.recordMail(ctx, rec, rec.String("email"), c.Auth.AuthAlert.EmailTemplate, mail.Vars{"ALERT_INFO": info})
	if err != nil {
		return internal(err)
	}
	a.sendInBackground(m)
	return nil
}
