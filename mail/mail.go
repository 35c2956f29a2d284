// Package mail sends e-mail: over SMTP (SMTPSender), or, when SMTP is not
// configured, to a log (LogSender) so that nothing crashes and a developer
// can still follow a flow. It also renders the {PLACEHOLDER} templates of
// auth collections (Render). It knows nothing of records or HTTP.
package mail

import (
	"context"
	"errors"
	"strings"
)

// Address is a mailbox with an optional display name.
type Address struct {
	Name  string
	Email string
}

// String renders the address the way a To: header shows it.
func (a Address) String() string {
	if a.Name == "" {
		return a.Email
	}
	return a.Name + " <" + a.Email + ">"
}

// Message is one e-mail. HTML is the body; Text is the plain-text
// alternative, derived from HTML when empty.
type Message struct {
	From    Address
	To      []Address
	Subject string
	HTML    string
	Text    string
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m *Message) error
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, m *Message) error

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, m *Message) error { return f(ctx, m) }

// ErrNoRecipient is returned for a message without a To address.
var ErrNoRecipient = errors.New("mail: message has no recipient")

// ErrNoSender is returned for a message without a From address.
var ErrNoSender = errors.New("mail: message has no sender address")

// check rejects messages that no transport could deliver, and header
// values that would break out of their header line.
func check(m *Message) error {
	if m == nil || len(m.To) == 0 {
		return ErrNoRecipient
	}
	if strings.TrimSpace(m.From.Email) == "" {
		return ErrNoSender
	}
	for _, a := range append([]Address{m.From}, m.To...) {
		if strings.ContainsAny(a.Email, "\r\n<>") || strings.TrimSpace(a.Email) == "" {
			return errors.New("mail: invalid address " + stringsQuote(a.Email))
		}
	}
	return nil
}

func stringsQuote(s string) string { return "\"" + strings.ReplaceAll(s, "\"", "\\\"") + "\"" }

// oneLine turns line breaks into spaces: subjects and display names are
// single header lines.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
}

// textBody returns m's plain-text alternative.
func textBody(m *Message) string {
	if m.Text != "" {
		return m.Text
	}
	return HTMLToText(m.HTML)
}
