package filter

import "strconv"

// Operator is a comparison operator of the filter language.
type Operator string

// The sixteen comparison operators (§5.2). The "?" variants are the any-of
// forms for multi-valued operands.
const (
	OpEq         Operator = "="
	OpNeq        Operator = "!="
	OpGt         Operator = ">"
	OpGte        Operator = ">="
	OpLt         Operator = "<"
	OpLte        Operator = "<="
	OpLike       Operator = "~"
	OpNotLike    Operator = "!~"
	OpAnyEq      Operator = "?="
	OpAnyNeq     Operator = "?!="
	OpAnyGt      Operator = "?>"
	OpAnyGte     Operator = "?>="
	OpAnyLt      Operator = "?<"
	OpAnyLte     Operator = "?<="
	OpAnyLike    Operator = "?~"
	OpAnyNotLike Operator = "?!~"
)

var operators = map[string]Operator{}

func init() {
	for _, op := range []Operator{OpEq, OpNeq, OpGt, OpGte, OpLt, OpLte, OpLike, OpNotLike,
		OpAnyEq, OpAnyNeq, OpAnyGt, OpAnyGte, OpAnyLt, OpAnyLte, OpAnyLike, OpAnyNotLike} {
		operators[string(op)] = op
	}
}

// IsAny reports whether op is one of the "?" (any element) variants.
func (op Operator) IsAny() bool { return len(op) > 1 && op[0] == '?' }

// Base returns op without its "?" prefix.
func (op Operator) Base() Operator {
	if op.IsAny() {
		return op[1:]
	}
	return op
}

// Expr is a boolean expression: *Logical or *Comparison.
type Expr interface {
	Pos() int // byte offset of the node in the source
	exprNode()
}

// Logical joins two expressions with "&&" or "||".
type Logical struct {
	Op          string // "&&" or "||"
	Left, Right Expr
	At          int
}

// Comparison is "operand op operand".
type Comparison struct {
	Op          Operator
	Left, Right Operand
	At          int
}

// Operand is one side of a comparison: *Identifier, *Text, *Number or *Call.
type Operand interface {
	Pos() int
	operandNode()
}

// Identifier is a field path, macro, literal keyword (null/true/false) or
// @request/@collection reference, exactly as written.
type Identifier struct {
	Name string
	At   int
}

// Text is a quoted string literal, with escaped quotes resolved.
type Text struct {
	Value string
	At    int
}

// Number is a numeric literal.
type Number struct {
	Literal string
	Value   float64
	At      int
}

// Call is a function call such as strftime(...) or geoDistance(...).
type Call struct {
	Name string
	Args []Operand
	At   int
}

func (e *Logical) Pos() int    { return e.At }
func (e *Comparison) Pos() int { return e.At }
func (e *Identifier) Pos() int { return e.At }
func (e *Text) Pos() int       { return e.At }
func (e *Number) Pos() int     { return e.At }
func (e *Call) Pos() int       { return e.At }

func (*Logical) exprNode()       {}
func (*Comparison) exprNode()    {}
func (*Identifier) operandNode() {}
func (*Text) operandNode()       {}
func (*Number) operandNode()     {}
func (*Call) operandNode()       {}

// String renders e back in the filter syntax, fully parenthesized; tests
// use it to show how an expression was grouped.
func String(e Expr) string {
	switch n := e.(type) {
	case *Logical:
		return "(" + String(n.Left) + " " + n.Op + " " + String(n.Right) + ")"
	case *Comparison:
		return operandString(n.Left) + " " + string(n.Op) + " " + operandString(n.Right)
	}
	return ""
}

func operandString(o Operand) string {
	switch n := o.(type) {
	case *Identifier:
		return n.Name
	case *Text:
		return strconv.Quote(n.Value)
	case *Number:
		return n.Literal
	case *Call:
		s := n.Name + "("
		for i, a := range n.Args {
			if i > 0 {
				s += ", "
			}
			s += operandString(a)
		}
		return s + ")"
	}
	return ""
}
