package index

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

type tokKind int

const (
	tEOF    tokKind = iota
	tWord           // bare word: keyword or identifier, decided by position
	tQuoted         // `x`, "x" or [x]: always an identifier
	tString         // 'x'
	tNumber         // 12, 1.5, .5, 1e3
	tPunct          // ( ) , ;
	tOp             // = == != <> < > <= >= -
)

type token struct {
	kind tokKind
	text string // identifier/keyword/operator text; string literal contents unescaped
	pos  int
}

func (t token) is(word string) bool { return t.kind == tWord && strings.EqualFold(t.text, word) }

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tString:
		return "string literal"
	}
	return fmt.Sprintf("%q", t.text)
}

func isWordStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isWordChar(c byte) bool { return isWordStart(c) || (c >= '0' && c <= '9') }
func isDigit(c byte) bool    { return c >= '0' && c <= '9' }

// isIdent reports whether s is a valid identifier body: ^\w*$ (ASCII), the
// same alphabet PocketBase allows for collection and field names. Keeping
// identifiers to this alphabet means quoting them can never be escaped.
func isIdent(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isWordChar(s[i]) {
			return false
		}
	}
	return true
}

// lex splits src into tokens. Comments, unknown characters, unterminated
// quotes and identifiers outside ^\w+$ are errors: nothing is skipped.
func lex(src string) ([]token, error) {
	if !utf8.ValidString(src) {
		return nil, fmt.Errorf("invalid UTF-8")
	}
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case isWordStart(c):
			j := i
			for j < len(src) && isWordChar(src[j]) {
				j++
			}
			toks = append(toks, token{tWord, src[i:j], i})
			i = j
		case c == '`' || c == '"' || c == '[':
			closer := c
			if c == '[' {
				closer = ']'
			}
			end := strings.IndexByte(src[i+1:], closer)
			if end < 0 {
				return nil, fmt.Errorf("unterminated quoted identifier at %d", i)
			}
			name := src[i+1 : i+1+end]
			if !isIdent(name) {
				return nil, fmt.Errorf("identifier %q at %d may contain only letters, digits and _", name, i)
			}
			toks = append(toks, token{tQuoted, name, i})
			i += end + 2
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(src) {
					return nil, fmt.Errorf("unterminated string literal at %d", i)
				}
				if src[j] == '\'' {
					if j+1 < len(src) && src[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				if src[j] == 0 {
					return nil, fmt.Errorf("NUL byte in string literal at %d", j)
				}
				b.WriteByte(src[j])
				j++
			}
			toks = append(toks, token{tString, b.String(), i})
			i = j + 1
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			j := i
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			if j < len(src) && src[j] == '.' {
				j++
				for j < len(src) && isDigit(src[j]) {
					j++
				}
			}
			if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
				k := j + 1
				if k < len(src) && (src[k] == '+' || src[k] == '-') {
					k++
				}
				if k >= len(src) || !isDigit(src[k]) {
					return nil, fmt.Errorf("malformed number at %d", i)
				}
				for k < len(src) && isDigit(src[k]) {
					k++
				}
				j = k
			}
			if j < len(src) && (isWordChar(src[j]) || src[j] == '.') {
				return nil, fmt.Errorf("malformed number at %d", i)
			}
			toks = append(toks, token{tNumber, src[i:j], i})
			i = j
		case c == '(' || c == ')' || c == ',' || c == ';':
			toks = append(toks, token{tPunct, src[i : i+1], i})
			i++
		case c == '=' || c == '!' || c == '<' || c == '>' || c == '-':
			op := src[i : i+1]
			if i+1 < len(src) {
				two := src[i : i+2]
				switch two {
				case "==", "!=", "<>", "<=", ">=":
					op = two
				case "--":
					return nil, fmt.Errorf("comments are not allowed (at %d)", i)
				}
			}
			if op == "!" {
				return nil, fmt.Errorf("unexpected %q at %d", c, i)
			}
			toks = append(toks, token{tOp, op, i})
			i += len(op)
		default:
			r, _ := utf8.DecodeRuneInString(src[i:])
			return nil, fmt.Errorf("unexpected character %q at %d", r, i)
		}
	}
	toks = append(toks, token{kind: tEOF, pos: len(src)})
	return toks, nil
}
