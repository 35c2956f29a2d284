package mail_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/plinthdb/plinth/mail"
	"github.com/plinthdb/plinth/mail/mailtest"
)

func TestRender(t *testing.T) {
	vars := mail.Vars{"APP_NAME": "Acme & Co", "TOKEN": "tok.en", "RECORD:name": "<b>{TOKEN}</b>"}
	cases := []struct {
		in     string
		escape bool
		want   string
	}{
		{"Hi {APP_NAME}", false, "Hi Acme & Co"},
		{"Hi {APP_NAME}", true, "Hi Acme &amp; Co"},
		// A value is never expanded again: record data cannot pull in the token.
		{"{RECORD:name}", true, "&lt;b&gt;{TOKEN}&lt;/b&gt;"},
		{"{RECORD:name}", false, "<b>{TOKEN}</b>"},
		{"{UNKNOWN} {TOKEN}", false, "{UNKNOWN} tok.en"},
		{"{{TOKEN}}", false, "{tok.en}"},
		{"{TOKEN", false, "{TOKEN"},
		{"}{", false, "}{"},
		{"", false, ""},
	}
	for _, c := range cases {
		if got := mail.Render(c.in, vars, c.escape); got != c.want {
			t.Errorf("Render(%q, %v) = %q, want %q", c.in, c.escape, got, c.want)
		}
	}
}

func TestHTMLToText(t *testing.T) {
	in := "<html><head><style>p{}</style></head><p>Hello,</p>\n<p>Click   the\nlink:</p>" +
		`<p><a href="http://x.test/_/#/auth/confirm/ab.c?d=1&amp;e=2" target="_blank">Verify</a></p>` +
		"<ul><li>one</li><li>two &amp; three</li></ul><script>alert(1)</script><p>Bye<br/>team</p>"
	want := "Hello,\n\nClick the link:\n\nVerify (http://x.test/_/#/auth/confirm/ab.c?d=1&e=2)\n\n- one\n- two & three\n\nBye\nteam"
	if got := mail.HTMLToText(in); got != want {
		t.Errorf("got:\n%q\nwant:\n%q", got, want)
	}
	for _, s := range []string{"", "<", ">", "<a href=", "<p", "plain"} {
		_ = mail.HTMLToText(s) // must not panic
	}
}

func message(to string) *mail.Message {
	return &mail.Message{
		From:    mail.Address{Name: "Acme Support", Email: "support@example.com"},
		To:      []mail.Address{{Email: to}},
		Subject: "Verify your Acme émail\r\nBcc: evil@example.com",
		HTML:    `<p>Hello</p><p><a href="http://localhost:8090/_/#/auth/confirm-verification/abc.def.ghi">Verify</a></p>`,
	}
}

func TestSMTPDelivers(t *testing.T) {
	sink := mailtest.Start(t, mailtest.Options{})
	s := mail.NewSMTP(mail.SMTPConfig{Enabled: true, Host: sink.Host, Port: sink.Port, LocalName: "plinth.test"})
	if err := s.Send(context.Background(), message("u1@example.com")); err != nil {
		t.Fatal(err)
	}
	m := sink.Next(t, 5*time.Second)
	if m.From != "support@example.com" || len(m.To) != 1 || m.To[0] != "u1@example.com" {
		t.Errorf("envelope %q -> %v", m.From, m.To)
	}
	// The line break is gone: no header can be injected through a subject.
	if m.Subject != "Verify your Acme émail Bcc: evil@example.com" || m.Header.Get("Bcc") != "" {
		t.Errorf("subject %q, bcc %q", m.Subject, m.Header.Get("Bcc"))
	}
	if !strings.Contains(m.Header.Get("From"), "Acme Support") {
		t.Errorf("from header %q", m.Header.Get("From"))
	}
	if got := m.LinkToken(t, "confirm-verification"); got != "abc.def.ghi" {
		t.Errorf("token %q", got)
	}
	if !strings.Contains(m.Text, "Verify (http://localhost:8090/_/#/auth/confirm-verification/abc.def.ghi)") {
		t.Errorf("text alternative %q", m.Text)
	}
}

func TestSMTPAuthMethods(t *testing.T) {
	for _, method := range []string{"", "PLAIN", "LOGIN"} {
		t.Run("method="+method, func(t *testing.T) {
			sink := mailtest.Start(t, mailtest.Options{Username: "mailer", Password: "s3cret"})
			cfg := mail.SMTPConfig{Enabled: true, Host: sink.Host, Port: sink.Port, Username: "mailer", Password: "s3cret", AuthMethod: method}
			s := mail.NewSMTP(cfg)
			if err := s.Send(context.Background(), message("u2@example.com")); err != nil {
				t.Fatal(err)
			}
			if m := sink.Next(t, 5*time.Second); m.AuthUser != "mailer" {
				t.Errorf("authenticated as %q", m.AuthUser)
			}
			cfg.Password = "wrong"
			if err := mail.NewSMTP(cfg).Send(context.Background(), message("u2@example.com")); err == nil {
				t.Error("wrong password accepted")
			}
			sink.None(t, 50*time.Millisecond)
		})
	}
}

func TestSMTPTLS(t *testing.T) {
	server, client := mailtest.SelfSigned(t)
	t.Run("starttls", func(t *testing.T) {
		sink := mailtest.Start(t, mailtest.Options{TLSConfig: server, Username: "u", Password: "p"})
		s := &mail.SMTPSender{Config: mail.SMTPConfig{Host: sink.Host, Port: sink.Port, Username: "u", Password: "p"}, TLSConfig: client}
		if err := s.Send(context.Background(), message("tls@example.com")); err != nil {
			t.Fatal(err)
		}
		sink.Next(t, 5*time.Second)
	})
	t.Run("implicit", func(t *testing.T) {
		sink := mailtest.Start(t, mailtest.Options{TLSConfig: server, ImplicitTLS: true})
		s := &mail.SMTPSender{Config: mail.SMTPConfig{Host: sink.Host, Port: sink.Port, TLS: true}, TLSConfig: client}
		if err := s.Send(context.Background(), message("tls@example.com")); err != nil {
			t.Fatal(err)
		}
		sink.Next(t, 5*time.Second)
		// An implicit-TLS client cannot talk to a plain server.
		plain := mailtest.Start(t, mailtest.Options{})
		s = &mail.SMTPSender{Config: mail.SMTPConfig{Host: plain.Host, Port: plain.Port, TLS: true}, TLSConfig: client, Timeout: 2 * time.Second}
		if err := s.Send(context.Background(), message("tls@example.com")); err == nil {
			t.Error("implicit TLS to a plain server succeeded")
		}
	})
}

func TestSMTPRejectsBadMessages(t *testing.T) {
	s := mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: 1})
	ctx := context.Background()
	if err := s.Send(ctx, &mail.Message{From: mail.Address{Email: "a@b.c"}}); err != mail.ErrNoRecipient {
		t.Errorf("no recipient: %v", err)
	}
	if err := s.Send(ctx, &mail.Message{To: []mail.Address{{Email: "a@b.c"}}}); err != mail.ErrNoSender {
		t.Errorf("no sender: %v", err)
	}
	bad := message("x@example.com\r\nRCPT TO:<evil@example.com>")
	if err := s.Send(ctx, bad); err == nil {
		t.Error("address with a line break accepted")
	}
	if err := mail.NewSMTP(mail.SMTPConfig{}).Send(ctx, message("a@b.c")); err == nil {
		t.Error("no host accepted")
	}
	if err := mail.NewSMTP(mail.SMTPConfig{Host: "h", Username: "u", AuthMethod: "CRAM"}).Send(ctx, message("a@b.c")); err == nil {
		t.Error("unknown auth method accepted")
	}
}

func TestLogSender(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	m := message("dev@example.com")
	if err := (&mail.LogSender{Logger: log}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "dev@example.com") || strings.Contains(out, "abc.def.ghi") {
		t.Errorf("without Body the log names the mail but not its token: %s", out)
	}
	buf.Reset()
	if err := (&mail.LogSender{Logger: log, Body: true}).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "abc.def.ghi") {
		t.Errorf("with Body the link is logged: %s", buf.String())
	}
}
