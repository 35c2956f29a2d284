package mail

import (
	"context"
	"log/slog"
	"strings"
)

// LogSender is the fallback when SMTP is disabled: it writes each message
// to a log instead of delivering it, and never fails. With Body set the
// plain-text body is logged too, which helps in development (the links
// of verification and reset mails are in it) but puts live tokens into
// the log, so it is off unless asked for.
type LogSender struct {
	Logger *slog.Logger // slog.Default() when nil
	Body   bool
}

// Send logs m.
func (l *LogSender) Send(ctx context.Context, m *Message) error {
	log := l.Logger
	if log == nil {
		log = slog.Default()
	}
	if m == nil {
		return nil
	}
	to := make([]string, len(m.To))
	for i, a := range m.To {
		to[i] = a.Email
	}
	attrs := []any{"to", strings.Join(to, ", "), "subject", oneLine(m.Subject)}
	if l.Body {
		attrs = append(attrs, "body", textBody(m))
	}
	log.InfoContext(ctx, "mail not sent: SMTP is disabled", attrs...)
	return nil
}
