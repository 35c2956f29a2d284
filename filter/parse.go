package filter

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/plinthdb/plinth/core"
)

// Limits of the language (§1.9, §5).
const (
	MaxLength        = 3500 // characters per expression
	MaxComparisons   = 200  // comparisons per expression
	MaxRelationDepth = 6    // relation hops per path
	MaxSortTerms     = 8
	maxSortField     = 255
	maxGroupDepth    = 64 // parentheses; keeps the recursion shallow on hostile input
	maxCallDepth     = 2  // a function may take another function as argument, no deeper
	maxCallArgs      = 10
)

// errorf builds the error every compile failure returns: a 400 whose
// message is a sentence a user can act on.
func errorf(format string, args ...any) *core.Error {
	return core.Errorf(core.EInvalid, format, args...)
}

// Parse checks the syntax of src and returns its tree. It resolves nothing:
// identifiers are kept as written.
func Parse(src string) (Expr, error) {
	if len(src) > MaxLength && len([]rune(src)) > MaxLength {
		return nil, errorf("The expression is too long: at most %d characters are allowed.", MaxLength)
	}
	p := &parser{lx: lexer{src: src}}
	if err := p.next(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, errorf("The expression is empty.")
	}
	e, err := p.parseOr(0)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpected("&& or ||")
	}
	return e, nil
}

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tText
	tNumber
	tOp
	tAnd
	tOr
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	text string // identifier/operator as written; text literal value; number literal
	pos  int
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "the end of the expression"
	case tText:
		return "a text literal"
	case tNumber:
		return "the number " + t.text
	case tIdent:
		return strconv.Quote(t.text)
	}
	return strconv.Quote(t.text)
}

type lexer struct {
	src string
	pos int
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '@' || c == '#' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool {
	return c == '_' || c == '.' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isSign(c byte) bool {
	return c == '=' || c == '!' || c == '<' || c == '>' || c == '~' || c == '?'
}

// at renders a 1-based character position for messages.
func at(src string, pos int) string {
	if pos > len(src) {
		pos = len(src)
	}
	return fmt.Sprintf("at character %d", len([]rune(src[:pos]))+1)
}

func (lx *lexer) scan() (token, error) {
	src := lx.src
	for lx.pos < len(src) {
		c := src[lx.pos]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
			lx.pos++
			continue
		}
		if c == '/' && lx.pos+1 < len(src) && src[lx.pos+1] == '/' {
			for lx.pos < len(src) && src[lx.pos] != '\n' {
				lx.pos++
			}
			continue
		}
		break
	}
	start := lx.pos
	if start >= len(src) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := src[start]
	switch {
	case c == '(':
		lx.pos++
		return token{kind: tLParen, text: "(", pos: start}, nil
	case c == ')':
		lx.pos++
		return token{kind: tRParen, text: ")", pos: start}, nil
	case c == ',':
		lx.pos++
		return token{kind: tComma, text: ",", pos: start}, nil
	case c == '&' || c == '|':
		if start+1 < len(src) && src[start+1] == c {
			lx.pos += 2
			if c == '&' {
				return token{kind: tAnd, text: "&&", pos: start}, nil
			}
			return token{kind: tOr, text: "||", pos: start}, nil
		}
		return token{}, errorf("Invalid filter: expected %q %s.", string([]byte{c, c}), at(src, start))
	case c == '\'' || c == '"':
		return lx.scanText(c)
	case isDigit(c) || (c == '-' && start+1 < len(src) && isDigit(src[start+1])):
		return lx.scanNumber()
	case isIdentStart(c):
		lx.pos++
		for lx.pos < len(src) && isIdentChar(src[lx.pos]) {
			lx.pos++
		}
		name := src[start:lx.pos]
		if last := name[len(name)-1]; last == '.' || last == ':' {
			return token{}, errorf("Invalid filter: the identifier %q %s must not end with %q.", name, at(src, start), string(last))
		}
		return token{kind: tIdent, text: name, pos: start}, nil
	case isSign(c):
		for lx.pos < len(src) && isSign(src[lx.pos]) {
			lx.pos++
		}
		op := src[start:lx.pos]
		if _, ok := operators[op]; !ok {
			return token{}, errorf("Invalid filter: %q %s is not an operator.", op, at(src, start))
		}
		return token{kind: tOp, text: op, pos: start}, nil
	case c == '/':
		return token{}, errorf("Invalid filter: a single '/' %s; comments start with '//'.", at(src, start))
	}
	return token{}, errorf("Invalid filter: unexpected character %q %s.", firstRune(src[start:]), at(src, start))
}

func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}

// scanText reads a quoted literal. A backslash before the quote character
// escapes it; every other backslash is kept, so LIKE escapes such as \%
// reach the pattern untouched.
func (lx *lexer) scanText(quote byte) (token, error) {
	src := lx.src
	start := lx.pos
	i := start + 1
	for ; i < len(src); i++ {
		if src[i] == quote && src[i-1] != '\\' {
			break
		}
	}
	if i >= len(src) {
		return token{}, errorf("Invalid filter: the text starting %s is missing its closing %s quote.", at(src, start), string(quote))
	}
	raw := src[start+1 : i]
	lx.pos = i + 1
	value := strings.ReplaceAll(raw, `\`+string(quote), string(quote))
	return token{kind: tText, text: value, pos: start}, nil
}

func (lx *lexer) scanNumber() (token, error) {
	src := lx.src
	start := lx.pos
	i := start
	if src[i] == '-' {
		i++
	}
	for i < len(src) && isDigit(src[i]) {
		i++
	}
	if i < len(src) && src[i] == '.' {
		j := i + 1
		for j < len(src) && isDigit(src[j]) {
			j++
		}
		if j == i+1 {
			return token{}, errorf("Invalid filter: malformed number %s.", at(src, start))
		}
		i = j
	}
	if i < len(src) && isIdentChar(src[i]) {
		return token{}, errorf("Invalid filter: malformed number %s.", at(src, start))
	}
	lx.pos = i
	return token{kind: tNumber, text: src[start:i], pos: start}, nil
}

type parser struct {
	lx          lexer
	tok         token
	comparisons int
}

func (p *parser) next() error {
	t, err := p.lx.scan()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) unexpected(expected string) error {
	return errorf("Invalid filter: unexpected %s %s; expected %s.", p.tok.describe(), at(p.lx.src, p.tok.pos), expected)
}

// parseOr and parseAnd give && precedence over ||, as SQL does.
func (p *parser) parseOr(depth int) (Expr, error) {
	left, err := p.parseAnd(depth)
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tOr {
		pos := p.tok.pos
		if err := p.next(); err != nil {
			return nil, err
		}
		right, err := p.parseAnd(depth)
		if err != nil {
			return nil, err
		}
		left = &Logical{Op: "||", Left: left, Right: right, At: pos}
	}
	return left, nil
}

func (p *parser) parseAnd(depth int) (Expr, error) {
	left, err := p.parseGroup(depth)
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tAnd {
		pos := p.tok.pos
		if err := p.next(); err != nil {
			return nil, err
		}
		right, err := p.parseGroup(depth)
		if err != nil {
			return nil, err
		}
		left = &Logical{Op: "&&", Left: left, Right: right, At: pos}
	}
	return left, nil
}

func (p *parser) parseGroup(depth int) (Expr, error) {
	if p.tok.kind != tLParen {
		return p.parseComparison()
	}
	if depth >= maxGroupDepth {
		return nil, errorf("Invalid filter: parentheses are nested too deeply %s.", at(p.lx.src, p.tok.pos))
	}
	if err := p.next(); err != nil {
		return nil, err
	}
	e, err := p.parseOr(depth + 1)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tRParen {
		return nil, p.unexpected(`")", "&&" or "||"`)
	}
	return e, p.next()
}

func (p *parser) parseComparison() (Expr, error) {
	pos := p.tok.pos
	left, err := p.parseOperand(0)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tOp {
		return nil, p.unexpected(`an operator such as "=" or "~"`)
	}
	op := operators[p.tok.text]
	if err := p.next(); err != nil {
		return nil, err
	}
	right, err := p.parseOperand(0)
	if err != nil {
		return nil, err
	}
	p.comparisons++
	if p.comparisons > MaxComparisons {
		return nil, errorf("The expression has too many comparisons: at most %d are allowed.", MaxComparisons)
	}
	return &Comparison{Op: op, Left: left, Right: right, At: pos}, nil
}

func (p *parser) parseOperand(callDepth int) (Operand, error) {
	t := p.tok
	switch t.kind {
	case tText:
		return &Text{Value: t.text, At: t.pos}, p.next()
	case tNumber:
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, errorf("Invalid filter: the number %s %s is out of range.", t.text, at(p.lx.src, t.pos))
		}
		return &Number{Literal: t.text, Value: v, At: t.pos}, p.next()
	case tIdent:
		if err := p.next(); err != nil {
			return nil, err
		}
		// A call is a name directly followed by "(".
		if p.tok.kind == tLParen && p.tok.pos == t.pos+len(t.text) {
			return p.parseCall(t, callDepth)
		}
		return &Identifier{Name: t.text, At: t.pos}, nil
	}
	return nil, p.unexpected("a field, a text, a number or a function")
}

func (p *parser) parseCall(name token, callDepth int) (Operand, error) {
	if callDepth >= maxCallDepth {
		return nil, errorf("Invalid filter: functions are nested too deeply %s; at most %d levels are allowed.", at(p.lx.src, name.pos), maxCallDepth)
	}
	if strings.ContainsAny(name.text, ".:@#") {
		return nil, errorf("Invalid filter: %q %s is not a function name.", name.text, at(p.lx.src, name.pos))
	}
	call := &Call{Name: name.text, At: name.pos}
	if err := p.next(); err != nil { // "("
		return nil, err
	}
	for p.tok.kind != tRParen {
		arg, err := p.parseOperand(callDepth + 1)
		if err != nil {
			return nil, err
		}
		call.Args = append(call.Args, arg)
		if len(call.Args) > maxCallArgs {
			return nil, errorf("Invalid filter: %s() %s takes at most %d arguments.", name.text, at(p.lx.src, name.pos), maxCallArgs)
		}
		if p.tok.kind == tComma {
			if err := p.next(); err != nil {
				return nil, err
			}
			continue
		}
		if p.tok.kind != tRParen {
			return nil, p.unexpected(`"," or ")"`)
		}
	}
	return call, p.next()
}
