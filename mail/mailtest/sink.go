// Package mailtest runs an in-process SMTP server that keeps what it
// receives, so tests can read a sent mail and follow its links.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one received mail, decoded.
type Message struct {
	From     string   // envelope sender
	To       []string // envelope recipients
	AuthUser string   // the user the client authenticated as ("" = none)
	Header   mail.Header
	Subject  string
	HTML     string
	Text     string
	Raw      []byte
}

// Options configure a Sink.
type Options struct {
	// Username and Password, when set, are required (AUTH PLAIN or LOGIN).
	Username, Password string
	// ImplicitTLS serves TLS from the first byte with TLSConfig.
	ImplicitTLS bool
	// TLSConfig enables STARTTLS (or implicit TLS with ImplicitTLS).
	TLSConfig *tls.Config
}

// Sink is a running SMTP server.
type Sink struct {
	Host string
	Port int
	opts Options
	srv  *smtp.Server
	msgs chan *Message
}

// Start runs a sink on 127.0.0.1 until the test ends.
func Start(t testing.TB, o Options) *Sink {
	t.Helper()
	s := &Sink{opts: o, msgs: make(chan *Message, 100)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{sink: s}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.TLSConfig = o.TLSConfig
	var l net.Listener
	var err error
	if o.ImplicitTLS {
		l, err = tls.Listen("tcp", "127.0.0.1:0", o.TLSConfig)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().(*net.TCPAddr)
	s.Host, s.Port = "127.0.0.1", addr.Port
	go func() { _ = s.srv.Serve(l) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// Next waits up to timeout for the next message; the test fails without one.
func (s *Sink) Next(t testing.TB, timeout time.Duration) *Message {
	t.Helper()
	select {
	case m := <-s.msgs:
		return m
	case <-time.After(timeout):
		t.Fatalf("no mail arrived within %s", timeout)
		return nil
	}
}

// Messages is the channel received mails arrive on, for readers outside
// the test goroutine (an HTTP mailbox for another process, say).
func (s *Sink) Messages() <-chan *Message { return s.msgs }

// None fails the test if a message arrives within wait.
func (s *Sink) None(t testing.TB, wait time.Duration) {
	t.Helper()
	select {
	case m := <-s.msgs:
		t.Fatalf("unexpected mail to %v: %q", m.To, m.Subject)
	case <-time.After(wait):
	}
}

type session struct {
	sink *Sink
	user string
	from string
	to   []string
}

func (s *session) AuthMechanisms() []string {
	if s.sink.opts.Username == "" && s.sink.opts.Password == "" {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

var errBadCredentials = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication failed"}

func (s *session) check(user, pass string) error {
	if user != s.sink.opts.Username || pass != s.sink.opts.Password {
		return errBadCredentials
	}
	s.user = user
	return nil
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, pass string) error { return s.check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: s.check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *session) authRequired() bool {
	return (s.sink.opts.Username != "" || s.sink.opts.Password != "") && s.user == ""
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.authRequired() {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unparseable message: " + err.Error()}
	}
	m.From, m.To, m.AuthUser = s.from, append([]string{}, s.to...), s.user
	select {
	case s.sink.msgs <- m:
	default:
		return &smtp.SMTPError{Code: 452, Message: "sink full"}
	}
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN: ask for the user name,
// then the password.
type loginServer struct {
	check func(user, pass string) error
	step  int
	user  string
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step = 1
		if resp == nil {
			return []byte("Username:"), false, nil
		}
		fallthrough
	case 1:
		l.user, l.step = string(resp), 2
		return []byte("Password:"), false, nil
	case 2:
		return nil, true, l.check(l.user, string(resp))
	}
	return nil, true, sasl.ErrUnexpectedClientResponse
}

// parse decodes a MIME message into its subject and text/HTML bodies.
func parse(raw []byte) (*Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return nil, err
	}
	m := &Message{Header: msg.Header, Subject: subject, Raw: raw}
	err = walk(m, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	return m, err
}

func walk(m *Message, contentType, encoding string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walk(m, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, newlineStripper{body})
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch mt {
	case "text/html":
		m.HTML = string(b)
	case "text/plain":
		m.Text = string(b)
	}
	return nil
}

// newlineStripper drops CR and LF so base64 lines decode as one stream.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	buf := make([]byte, len(p))
	for {
		k, err := n.r.Read(buf)
		j := 0
		for _, c := range buf[:k] {
			if c != '\r' && c != '\n' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

var linkRe = regexp.MustCompile(`href="([^"]+)"`)

// Links returns the href targets of the HTML body, in order.
func (m *Message) Links() []string {
	var out []string
	for _, sub := range linkRe.FindAllStringSubmatch(m.HTML, -1) {
		out = append(out, strings.ReplaceAll(sub[1], "&amp;", "&"))
	}
	return out
}

// LinkToken returns the last path segment of the first link containing
// marker (e.g. "confirm-verification"), the token such mails carry.
func (m *Message) LinkToken(t testing.TB, marker string) string {
	t.Helper()
	for _, l := range m.Links() {
		if strings.Contains(l, marker) {
			return l[strings.LastIndex(l, "/")+1:]
		}
	}
	t.Fatalf("no %q link in mail %q: %s", marker, m.Subject, m.HTML)
	return ""
}

// SelfSigned returns a server TLS config with a fresh certificate for
// 127.0.0.1 and localhost, and a client config that trusts it.
func SelfSigned(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "mailtest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}
	client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	return server, client
}

// Addr is host:port of the sink.
func (s *Sink) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }
