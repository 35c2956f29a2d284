package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPConfig is the smtp object of the app settings (§10.1).
type SMTPConfig struct {
	Enabled  bool
	Host     string
	Port     int
	Username string
	Password string
	// TLS true means implicit TLS from the first byte (port 465 style);
	// false means STARTTLS when the server offers it.
	TLS bool
	// AuthMethod is "PLAIN" (the default) or "LOGIN".
	AuthMethod string
	// LocalName is the HELO/EHLO name ("" = the client's default).
	LocalName string
}

// Auth methods of SMTPConfig.AuthMethod.
const (
	AuthPlain = "PLAIN"
	AuthLogin = "LOGIN"
)

// DefaultTimeout bounds one SMTP delivery (dial to QUIT).
const DefaultTimeout = 30 * time.Second

// SMTPSender delivers messages to one SMTP server.
type SMTPSender struct {
	Config SMTPConfig
	// Timeout bounds each delivery (DefaultTimeout when zero).
	Timeout time.Duration
	// TLSConfig overrides the TLS client settings (tests trust their own
	// certificate with it); nil verifies the server against the system
	// roots for Config.Host.
	TLSConfig *tls.Config
}

// NewSMTP returns a sender for cfg.
func NewSMTP(cfg SMTPConfig) *SMTPSender { return &SMTPSender{Config: cfg} }

// Send delivers m in one connection.
func (s *SMTPSender) Send(ctx context.Context, m *Message) error {
	if err := check(m); err != nil {
		return err
	}
	client, err := s.client()
	if err != nil {
		return err
	}
	msg, err := buildMessage(m)
	if err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: smtp %s:%d: %w", s.Config.Host, s.Config.Port, err)
	}
	return nil
}

func (s *SMTPSender) client() (*gomail.Client, error) {
	cfg := s.Config
	if strings.TrimSpace(cfg.Host) == "" {
		return nil, errors.New("mail: smtp host is not set")
	}
	port := cfg.Port
	if port == 0 {
		port = 587
		if cfg.TLS {
			port = 465
		}
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(timeout)}
	if cfg.TLS {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(s.TLSConfig))
	}
	if cfg.LocalName != "" {
		opts = append(opts, gomail.WithHELO(cfg.LocalName))
	}
	if cfg.Username != "" || cfg.Password != "" {
		var method gomail.SMTPAuthType
		switch strings.ToUpper(cfg.AuthMethod) {
		case "", AuthPlain:
			method = gomail.SMTPAuthPlain
		case AuthLogin:
			method = gomail.SMTPAuthLogin
		default:
			return nil, fmt.Errorf("mail: unsupported smtp auth method %q", cfg.AuthMethod)
		}
		opts = append(opts, gomail.WithSMTPAuth(method),
			gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	c, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: smtp client: %w", err)
	}
	return c, nil
}

// buildMessage turns m into a MIME message: HTML with a plain-text
// alternative.
func buildMessage(m *Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.FromFormat(oneLine(m.From.Name), m.From.Email); err != nil {
		return nil, fmt.Errorf("mail: from: %w", err)
	}
	for _, to := range m.To {
		if err := msg.AddToFormat(oneLine(to.Name), to.Email); err != nil {
			return nil, fmt.Errorf("mail: to: %w", err)
		}
	}
	msg.Subject(oneLine(m.Subject))
	msg.SetDate()
	msg.SetMessageID()
	text := textBody(m)
	if m.HTML == "" {
		msg.SetBodyString(gomail.TypeTextPlain, text)
		return msg, nil
	}
	msg.SetBodyString(gomail.TypeTextPlain, text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	return msg, nil
}
