package app

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/mail"
	"github.com/plinthdb/plinth/record"
)

// MailSettings are the parts of the app settings (§10.1 meta and smtp)
// that outgoing mail needs.
type MailSettings struct {
	AppName       string
	AppURL        string
	SenderName    string
	SenderAddress string
	SMTP          mail.SMTPConfig
}

// authState is the node-local state of the auth flows: how mail goes
// out, and the throttles that need no database (duplicate mails, OTP
// attempts). The counts live in this node's memory, so with several
// nodes each enforces its own limit.
type authState struct {
	mu       sync.Mutex
	settings func(context.Context) (MailSettings, error)
	sender   mail.Sender // replaces SMTP entirely when set
	fallback mail.Sender // used while SMTP is disabled
	log      *slog.Logger
	pending  sync.WaitGroup
	sent     map[string]time.Time   // throttled mail kind+record -> last send
	attempts map[string][]time.Time // OTP attempts per record
}

// SetMailSettings installs where mail reads its settings from.
func (a *App) SetMailSettings(fn func(context.Context) (MailSettings, error)) {
	a.flows.mu.Lock()
	a.flows.settings = fn
	a.flows.mu.Unlock()
}

// SetMailFallback installs what receives mail while SMTP is disabled
// (a mail.LogSender on the default logger when nil).
func (a *App) SetMailFallback(s mail.Sender) {
	a.flows.mu.Lock()
	a.flows.fallback = s
	a.flows.mu.Unlock()
}

// SetMailLogger sets the logger of mail delivery failures.
func (a *App) SetMailLogger(l *slog.Logger) {
	a.flows.mu.Lock()
	a.flows.log = l
	a.flows.mu.Unlock()
}

// WaitMail waits until the mails sent in the background are delivered
// (or have failed): graceful shutdown and tests call it.
func (a *App) WaitMail() { a.flows.pending.Wait() }

func (a *App) mailLogger() *slog.Logger {
	a.flows.mu.Lock()
	defer a.flows.mu.Unlock()
	if a.flows.log != nil {
		return a.flows.log
	}
	return slog.Default()
}

// MailSettings returns the current mail settings.
func (a *App) MailSettings(ctx context.Context) (MailSettings, error) {
	a.flows.mu.Lock()
	fn := a.flows.settings
	a.flows.mu.Unlock()
	if fn == nil {
		return a.settingsMail(ctx)
	}
	return fn(ctx)
}

// SendMail delivers m now: over SMTP when it is enabled, else to the
// fallback. A missing From is filled from the sender settings.
func (a *App) SendMail(ctx context.Context, m *mail.Message) error {
	st, err := a.MailSettings(ctx)
	if err != nil {
		return err
	}
	if m.From.Email == "" {
		m.From = mail.Address{Name: st.SenderName, Email: st.SenderAddress}
	}
	a.flows.mu.Lock()
	sender, fallback, log := a.flows.sender, a.flows.fallback, a.flows.log
	a.flows.mu.Unlock()
	switch {
	case sender != nil:
	case st.SMTP.Enabled:
		sender = mail.NewSMTP(st.SMTP)
	case fallback != nil:
		sender = fallback
	default:
		sender = &mail.LogSender{Logger: log}
	}
	return sender.Send(ctx, m)
}

// sendInBackground delivers m without making the request wait, so that
// the response time does not tell whether an account exists; failures
// are logged.
func (a *App) sendInBackground(m *mail.Message) {
	a.flows.pending.Add(1)
	go func() {
		defer a.flows.pending.Done()
		ctx, cancel := context.WithTimeout(context.Background(), mail.DefaultTimeout+5*time.Second)
		defer cancel()
		if err := a.SendMail(ctx, m); err != nil {
			to := ""
			if len(m.To) > 0 {
				to = m.To[0].Email
			}
			a.mailLogger().Error("sending mail failed", "to", to, "subject", m.Subject, "error", err)
		}
	}()
}

// recordMail renders tpl for rec, addressed to to. vars adds TOKEN, OTP
// and the like; APP_NAME, APP_URL and RECORD:<field> (every field that is
// not hidden) are filled here.
func (a *App) recordMail(ctx context.Context, rec *core.Record, to string, tpl core.EmailTemplate, vars mail.Vars) (*mail.Message, error) {
	st, err := a.MailSettings(ctx)
	if err != nil {
		return nil, err
	}
	all := mail.Vars{"APP_NAME": st.AppName, "APP_URL": strings.TrimRight(st.AppURL, "/")}
	for k, v := range record.Serialize(rec, record.SerializeOptions{ShowEmail: true}) {
		if k == "collectionId" || k == "collectionName" {
			continue
		}
		all["RECORD:"+k] = placeholderText(v)
	}
	for k, v := range vars {
		all[k] = v
	}
	return &mail.Message{
		From:    mail.Address{Name: st.SenderName, Email: st.SenderAddress},
		To:      []mail.Address{{Email: to}},
		Subject: mail.Render(tpl.Subject, all, false),
		HTML:    mail.Render(tpl.Body, all, true),
	}, nil
}

// placeholderText renders a serialized record value as template text.
func placeholderText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case json.RawMessage:
		return string(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// Mail kinds that are throttled per record (§6.7, §6.8).
const (
	throttleVerification  = "verification"
	throttlePasswordReset = "passwordReset"
	mailThrottle          = 2 * time.Minute
)

// takeMailSlot reports whether a mail of kind may go to rec now (at most
// one per mailThrottle), and records it when so.
func (a *App) takeMailSlot(kind string, rec *core.Record) bool {
	now := a.Now()
	key := kind + "/" + rec.Collection.ID + "/" + rec.ID()
	a.flows.mu.Lock()
	defer a.flows.mu.Unlock()
	if a.flows.sent == nil {
		a.flows.sent = map[string]time.Time{}
	}
	if last, ok := a.flows.sent[key]; ok && now.Sub(last) < mailThrottle {
		return false
	}
	if len(a.flows.sent) > 10000 {
		for k, t := range a.flows.sent {
			if now.Sub(t) >= mailThrottle {
				delete(a.flows.sent, k)
			}
		}
	}
	a.flows.sent[key] = now
	return true
}

// OTP brute-force guard (§1.12): attempts per record per window.
const (
	otpMaxAttempts   = 5
	otpAttemptWindow = 180 * time.Second
)

// takeOTPAttempt counts one auth-with-otp attempt on rec and reports
// whether it is within the limit.
func (a *App) takeOTPAttempt(collectionID, recordID string) bool {
	now := a.Now()
	key := collectionID + "/" + recordID
	a.flows.mu.Lock()
	defer a.flows.mu.Unlock()
	if a.flows.attempts == nil {
		a.flows.attempts = map[string][]time.Time{}
	}
	recent := a.flows.attempts[key][:0]
	for _, t := range a.flows.attempts[key] {
		if now.Sub(t) < otpAttemptWindow {
			recent = append(recent, t)
		}
	}
	recent = append(recent, now)
	a.flows.attempts[key] = recent
	if len(a.flows.attempts) > 10000 {
		for k, list := range a.flows.attempts {
			if len(list) == 0 || now.Sub(list[len(list)-1]) >= otpAttemptWindow {
				delete(a.flows.attempts, k)
			}
		}
	}
	return len(recent) <= otpMaxAttempts
}
