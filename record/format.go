package record

import (
	"net/netip"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// isEmail reports whether s looks like an e-mail address: a dot-atom or
// quoted local part, "@", and a domain of at least two labels whose last
// label starts and ends with a letter. No DNS lookups.
func isEmail(s string) bool {
	// RFC 2047 encoded words in addresses are a known injection vector.
	if strings.Contains(s, "=?") && strings.Contains(s, "?=") {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return false
	}
	return isEmailLocal(s[:at]) && isEmailDomain(s[at+1:])
}

// emailWide are the non-ASCII ranges e-mail addresses may use.
func emailWide(r rune) bool {
	return (r >= 0xA0 && r <= 0xD7FF) || (r >= 0xF900 && r <= 0xFDCF) || (r >= 0xFDF0 && r <= 0xFFEF)
}

func isASCIIAlnum(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

func isASCIILetter(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
}

func isEmailLocal(local string) bool {
	if len(local) >= 2 && local[0] == '"' && local[len(local)-1] == '"' {
		inner := local[1 : len(local)-1]
		escaped := false
		for _, r := range inner {
			switch {
			case escaped:
				escaped = false
			case r == '\\':
				escaped = true
			case r == '"' || r == '\r' || r == '\n':
				return false
			case r < 0x20 && r != '\t':
				return false
			case r > 0x7e && !emailWide(r):
				return false
			}
		}
		return !escaped
	}
	for _, part := range strings.Split(local, ".") {
		if part == "" {
			return false
		}
		for _, r := range part {
			if !isASCIIAlnum(r) && !strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r) && !emailWide(r) {
				return false
			}
		}
	}
	return true
}

func isEmailDomain(domain string) bool {
	domain = strings.TrimSuffix(domain, ".")
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for i, label := range labels {
		if !isEmailLabel(label, i == len(labels)-1) {
			return false
		}
	}
	return true
}

// isEmailLabel checks one domain label: alphanumeric ends (letters only
// at the ends of the top-level label) and "-", "_", "~" inside.
func isEmailLabel(label string, top bool) bool {
	if label == "" {
		return false
	}
	edge := func(r rune) bool {
		if top {
			return isASCIILetter(r) || emailWide(r)
		}
		return isASCIIAlnum(r) || emailWide(r)
	}
	first, _ := utf8.DecodeRuneInString(label)
	last, _ := utf8.DecodeLastRuneInString(label)
	if !edge(first) || !edge(last) {
		return false
	}
	for _, r := range label {
		if !isASCIIAlnum(r) && r != '-' && r != '_' && r != '~' && !emailWide(r) {
			return false
		}
	}
	return true
}

var urlSchemes = map[string]bool{"http": true, "https": true, "ftp": true, "tcp": true, "udp": true, "ws": true, "wss": true}

// isURL reports whether s is a URL in the lenient sense PocketBase uses:
// the scheme is optional ("example.com/x" is fine) but a bare word is
// not; the host is a domain, an IPv4 or a bracketed IPv6 address,
// optionally with a port; no whitespace anywhere.
func isURL(s string) bool {
	if len(s) <= 3 || utf8.RuneCountInString(s) >= 2083 || strings.HasPrefix(s, ".") {
		return false
	}
	lower := strings.ToLower(s)
	for _, bad := range []string{"http//", "https//", "ftp//", "tcp//", "udp//", "ws//", "wss//"} {
		if strings.HasPrefix(lower, bad) {
			return false
		}
	}
	parseable := s
	if strings.Contains(s, ":") && !strings.Contains(s, "://") {
		parseable = "http://" + s
	}
	u, err := url.Parse(parseable)
	if err != nil || strings.HasPrefix(u.Host, ".") {
		return false
	}
	if u.Host == "" && u.Path != "" && !strings.Contains(u.Path, ".") {
		return false
	}

	rest := s
	if i := strings.Index(rest, "://"); i >= 0 {
		if !urlSchemes[rest[:i]] {
			return false
		}
		rest = rest[i+3:]
	}
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	if strings.IndexFunc(tail, unicode.IsSpace) >= 0 {
		return false
	}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		if i == 0 || strings.IndexFunc(authority[:i], unicode.IsSpace) >= 0 {
			return false
		}
		authority = authority[i+1:]
	}
	return isURLHostPort(authority)
}

func isURLHostPort(hp string) bool {
	host := hp
	if i := strings.LastIndexByte(hp, ':'); i >= 0 && !strings.HasSuffix(hp, "]") {
		port := hp[i+1:]
		if len(port) < 1 || len(port) > 5 || strings.Trim(port, "0123456789") != "" {
			return false
		}
		host = hp[:i]
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		a, err := netip.ParseAddr(host[1 : len(host)-1])
		return err == nil && a.Is6()
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return false
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Is4()
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" {
			return false
		}
		for _, r := range label {
			if !isASCIIAlnum(r) && r != '-' && r != '_' && (r < 0xA1 || r > 0xFFFF) {
				return false
			}
		}
	}
	return true
}
