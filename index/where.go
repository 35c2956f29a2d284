package index

import (
	"fmt"
	"strings"
)

// The WHERE language:
//
//	expr    = and { OR and }
//	and     = not { AND not }
//	not     = NOT not | "(" expr ")" | cmp
//	cmp     = operand op operand | column IS [NOT] NULL
//	op      = "=" | "==" | "!=" | "<>" | "<" | ">" | "<=" | ">="
//	operand = column | 'string' | [-]number | TRUE | FALSE
//
// At least one side of a comparison is a column.
type node interface{ prec() int }

const (
	precOr = iota + 1
	precAnd
	precNot
	precCmp
)

type logicNode struct {
	op          string // "AND" or "OR"
	left, right node
}

type notNode struct{ x node }

type cmpNode struct {
	op          string
	left, right operand
}

type nullNode struct {
	col string
	not bool
}

func (n *logicNode) prec() int {
	if n.op == "OR" {
		return precOr
	}
	return precAnd
}
func (*notNode) prec() int  { return precNot }
func (*cmpNode) prec() int  { return precCmp }
func (*nullNode) prec() int { return precCmp }

type operandKind int

const (
	opColumn operandKind = iota
	opString
	opNumber
	opBool
)

type operand struct {
	kind operandKind
	text string // column name, unescaped string, number lexeme, TRUE/FALSE
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return fmt.Errorf("condition nested too deeply")
	}
	return nil
}

func (p *parser) expr() (node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peek().is("OR") {
		p.next()
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		left = &logicNode{"OR", left, right}
	}
	return left, nil
}

func (p *parser) and() (node, error) {
	left, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.peek().is("AND") {
		p.next()
		right, err := p.not()
		if err != nil {
			return nil, err
		}
		left = &logicNode{"AND", left, right}
	}
	return left, nil
}

func (p *parser) not() (node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	t := p.peek()
	if t.is("NOT") {
		p.next()
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &notNode{x}, nil
	}
	if t.kind == tPunct && t.text == "(" {
		p.next()
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		if err := p.expectPunct(")"); err != nil {
			return nil, err
		}
		return e, nil
	}
	return p.cmp()
}

var cmpOps = map[string]string{"=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">="}

func (p *parser) cmp() (node, error) {
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	t := p.next()
	if t.is("IS") {
		if left.kind != opColumn {
			return nil, fmt.Errorf("IS NULL needs a column (at %d)", t.pos)
		}
		n := &nullNode{col: left.text}
		if p.peek().is("NOT") {
			p.next()
			n.not = true
		}
		if err := p.expectWord("NULL"); err != nil {
			return nil, err
		}
		return n, nil
	}
	op, ok := cmpOps[t.text]
	if t.kind != tOp || !ok {
		return nil, fmt.Errorf("expected comparison operator, got %s at %d", t.describe(), t.pos)
	}
	right, err := p.operand()
	if err != nil {
		return nil, err
	}
	if left.kind != opColumn && right.kind != opColumn {
		return nil, fmt.Errorf("comparison at %d does not involve a column", t.pos)
	}
	return &cmpNode{op, left, right}, nil
}

var reservedWords = []string{"AND", "OR", "NOT", "IS", "NULL", "WHERE", "COLLATE", "IN", "LIKE",
	"GLOB", "MATCH", "REGEXP", "BETWEEN", "CASE", "SELECT", "EXISTS", "CAST"}

func (p *parser) operand() (operand, error) {
	t := p.next()
	switch t.kind {
	case tQuoted:
		if t.text == "" {
			return operand{}, fmt.Errorf("empty identifier at %d", t.pos)
		}
		return operand{opColumn, t.text}, nil
	case tString:
		return operand{opString, t.text}, nil
	case tNumber:
		return operand{opNumber, t.text}, nil
	case tOp:
		if n := p.peek(); t.text == "-" && n.kind == tNumber {
			p.next()
			return operand{opNumber, "-" + n.text}, nil
		}
	case tWord:
		if t.is("TRUE") || t.is("FALSE") {
			return operand{opBool, strings.ToUpper(t.text)}, nil
		}
		for _, w := range reservedWords {
			if t.is(w) {
				return operand{}, fmt.Errorf("unexpected %s at %d", t.describe(), t.pos)
			}
		}
		// A bare word followed by "(" would be a function call.
		if n := p.peek(); n.kind == tPunct && n.text == "(" {
			return operand{}, fmt.Errorf("function calls are not allowed (at %d)", t.pos)
		}
		return operand{opColumn, t.text}, nil
	}
	return operand{}, fmt.Errorf("expected column or literal, got %s at %d", t.describe(), t.pos)
}

// emit renders n with quote applied to column names.
func emit(n node, quote func(string) string) string {
	var b strings.Builder
	emitTo(&b, n, quote)
	return b.String()
}

func emitTo(b *strings.Builder, n node, quote func(string) string) {
	child := func(c node, min int) {
		if c.prec() < min {
			b.WriteByte('(')
			emitTo(b, c, quote)
			b.WriteByte(')')
			return
		}
		emitTo(b, c, quote)
	}
	switch n := n.(type) {
	case *logicNode:
		child(n.left, n.prec())
		b.WriteString(" " + n.op + " ")
		// The right operand of a left-associative chain needs parentheses
		// when it is itself a chain, to keep the tree as written.
		child(n.right, n.prec()+1)
	case *notNode:
		b.WriteString("NOT ")
		child(n.x, precNot)
	case *cmpNode:
		emitOperand(b, n.left, quote)
		b.WriteString(" " + n.op + " ")
		emitOperand(b, n.right, quote)
	case *nullNode:
		b.WriteString(quote(n.col))
		if n.not {
			b.WriteString(" IS NOT NULL")
		} else {
			b.WriteString(" IS NULL")
		}
	}
}

func emitOperand(b *strings.Builder, o operand, quote func(string) string) {
	switch o.kind {
	case opColumn:
		b.WriteString(quote(o.text))
	case opString:
		b.WriteString("'" + strings.ReplaceAll(o.text, "'", "''") + "'")
	default:
		b.WriteString(o.text)
	}
}
