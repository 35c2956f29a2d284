package filter

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// frag is a piece of SQL and the arguments of its '?' placeholders, in
// order. Fragments are only ever concatenated, so text and arguments stay
// aligned.
type frag struct {
	s    string
	args []any
}

// cat concatenates SQL written in this package (string parts) and
// fragments. User text never reaches a string part: it travels in args.
func cat(parts ...any) frag {
	n := 0
	for _, p := range parts {
		if f, ok := p.(frag); ok {
			n += len(f.args)
		}
	}
	var b strings.Builder
	args := make([]any, 0, n)
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			b.WriteString(v)
		case frag:
			b.WriteString(v.s)
			args = append(args, v.args...)
		case []frag:
			for _, f := range v {
				b.WriteString(f.s)
				args = append(args, f.args...)
			}
		}
	}
	return frag{s: b.String(), args: args}
}

// param is a single placeholder holding v, with an optional cast suffix
// (only PostgreSQL parameters carry one).
func param(v any, cast string) frag { return frag{s: "?" + cast, args: []any{pgStorable(v, cast)}} }

// pgStorable keeps a PostgreSQL text, text[] or jsonb parameter from
// failing the whole query: PostgreSQL text holds neither NUL nor invalid
// UTF-8, and jsonb no \u0000. No stored value can contain them, so they
// are replaced by the nearest storable text: NUL by \x01 (which sorts
// like it against anything else), invalid bytes by U+FFFD. SQLite, which
// takes any bytes, gets the value unchanged.
func pgStorable(v any, cast string) any {
	switch x := v.(type) {
	case string:
		switch cast {
		case "::text":
			return pgValidText(x)
		case "::jsonb":
			return pgValidJSON(x)
		}
	case []string:
		if cast == "::text[]" {
			out := make([]string, len(x))
			for i, s := range x {
				out[i] = pgValidText(s)
			}
			return out
		}
	}
	return v
}

func pgValidText(s string) string {
	if utf8.ValidString(s) && !strings.Contains(s, "\x00") {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\x01")
}

// pgValidJSON replaces the \u0000 escapes of JSON text by \u0001 (and any
// invalid UTF-8 or raw NUL, which are not valid JSON anyway).
func pgValidJSON(s string) string {
	s = pgValidText(s)
	if !strings.Contains(s, `\u0000`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			if strings.HasPrefix(s[i+1:], "u0000") {
				b.WriteString(`\u0001`)
				i += 5
				continue
			}
			b.WriteByte(s[i])
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// joinFrags joins fragments with sep.
func joinFrags(fs []frag, sep string) frag {
	parts := make([]any, 0, 2*len(fs))
	for i, f := range fs {
		if i > 0 {
			parts = append(parts, sep)
		}
		parts = append(parts, f)
	}
	return cat(parts...)
}

// quoteIdent quotes a schema identifier or an alias of this package.
func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func column(alias, name string) frag { return frag{s: quoteIdent(alias) + "." + quoteIdent(name)} }

var (
	sqlTrue  = frag{s: "(1=1)"}
	sqlFalse = frag{s: "(1=0)"}
)

func constBool(b bool) frag {
	if b {
		return sqlTrue
	}
	return sqlFalse
}

// cls is the storage class of a value as SQLite compares it: numbers sort
// before text, and values of different classes are never equal.
type cls uint8

const (
	clsNull cls = iota // the null literal
	clsText
	clsNum
	clsDyn // a JSON value: its class is only known per row
)

// aff is the SQLite affinity of an operand. Only column references (and
// subqueries selecting one) have one; it decides whether SQLite converts
// the other side of a comparison, and the PostgreSQL SQL mirrors that.
type aff uint8

const (
	affNone aff = iota
	affText
	affNum
)

// pgType is the PostgreSQL type of an operand's SQL.
type pgType uint8

const (
	pgText pgType = iota
	pgFloat
	pgInt
	pgBool
	pgJSON
)

// lit is a value known before the SQL is written: a literal of the source,
// a macro or a @request value. Literals are converted to the class of the
// other side of a comparison in Go, so both engines see the same value.
type lit struct {
	cls     cls // clsNull, clsText or clsNum
	s       string
	n       float64
	boolish bool // true/false or a bool value: 1/0
}

func textLit(s string) *lit { return &lit{cls: clsText, s: s} }
func numLit(n float64) *lit { return &lit{cls: clsNum, n: n} }
func nullLit() *lit         { return &lit{cls: clsNull} }
func boolLit(b bool) *lit {
	if b {
		return &lit{cls: clsNum, n: 1, boolish: true}
	}
	return &lit{cls: clsNum, n: 0, boolish: true}
}

// text renders l as SQLite would when it needs text.
func (l *lit) text() string {
	switch l.cls {
	case clsText:
		return l.s
	case clsNum:
		return sqliteNumText(l.n)
	}
	return ""
}

func (l *lit) isEmpty() bool    { return l.cls == clsNull || (l.cls == clsText && l.s == "") }
func (l *lit) isNonEmpty() bool { return !l.isEmpty() }

// sqliteNumText renders n the way SQLite casts a number to text: integers
// without a fraction, reals with at least one decimal ("100.0", "1.0e+20").
func sqliteNumText(n float64) string {
	if n == math.Trunc(n) && math.Abs(n) < 9e18 {
		return strconv.FormatInt(int64(n), 10)
	}
	if math.IsInf(n, 1) {
		return "Inf"
	}
	if math.IsInf(n, -1) {
		return "-Inf"
	}
	s := strconv.FormatFloat(n, 'g', 15, 64)
	mant, exp, hasExp := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	if hasExp {
		return mant + "e" + exp
	}
	return mant
}

// looksNumeric reports whether SQLite's numeric affinity turns s into a
// number: an optionally signed decimal with optional fraction and exponent,
// surrounded by optional whitespace. Hex, inf and nan stay text.
func looksNumeric(s string) bool {
	s = strings.Trim(s, " \t\n\r\f\v")
	if s == "" {
		return false
	}
	i := 0
	if s[0] == '+' || s[0] == '-' {
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		expDigits := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			expDigits++
		}
		if expDigits == 0 || expDigits > 4 {
			return false
		}
	}
	return i == len(s)
}

// parseNumeric parses a string accepted by looksNumeric.
func parseNumeric(s string) float64 {
	s = strings.Trim(s, " \t\n\r\f\v")
	if strings.HasSuffix(s, ".") {
		s += "0"
	}
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "-.") || strings.HasPrefix(s, "+.") {
		s = strings.Replace(s, ".", "0.", 1)
	}
	n, _ := strconv.ParseFloat(s, 64)
	return n
}

// convertLit converts l to class to, as SQLite's affinity would: numbers
// become their text; numeric-looking text becomes a number. Other text
// stays text (and then never equals a number).
func convertLit(l *lit, to cls) *lit {
	switch {
	case l.cls == clsNum && to == clsText:
		return textLit(sqliteNumText(l.n))
	case l.cls == clsText && to == clsNum && looksNumeric(l.s):
		return numLit(parseNumeric(l.s))
	}
	return l
}

// asciiLower lowers ASCII letters only, like SQLite's lower() and LIKE.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// likePattern turns the right side of "~" into a LIKE pattern (§5.2):
// without an unescaped '%' the value is matched anywhere, with '%', '_'
// and stray backslashes escaped; with one it is used as written. A
// trailing lone backslash is made literal, as PostgreSQL rejects it.
// SQLite's LIKE reads the pattern up to its first NUL (which PostgreSQL
// text cannot even hold), so the pattern is cut there.
func likePattern(s string) string {
	s = wrapLikePattern(s)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	if n%2 == 1 {
		s += `\`
	}
	return s
}

func wrapLikePattern(s string) string {
	if !hasUnescapedPercent(s) {
		var b strings.Builder
		b.WriteByte('%')
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c == '\\' && i+1 < len(s) && (s[i+1] == '\\' || s[i+1] == '%' || s[i+1] == '_'):
				b.WriteByte(c)
				b.WriteByte(s[i+1])
				i++
			case c == '\\' || c == '%' || c == '_':
				b.WriteByte('\\')
				b.WriteByte(c)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('%')
		return b.String()
	}
	return s
}

func hasUnescapedPercent(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '%':
			return true
		}
	}
	return false
}

// scalar is one value in SQL: a column, an expression, or a literal not
// yet rendered (lit != nil) because its form depends on the other side.
type scalar struct {
	f        frag
	lit      *lit
	cls      cls
	aff      aff
	pg       pgType
	nullable bool
	// canonical marks date columns: their values ('' or the canonical
	// datetime format) sort the same under any collation, so PostgreSQL
	// can compare and sort them without COLLATE "C" and use its indexes.
	canonical bool
}

func litScalar(l *lit) scalar {
	s := scalar{lit: l, cls: l.cls, nullable: l.cls == clsNull}
	if l.cls == clsNum {
		s.pg = pgFloat
	}
	return s
}

// setSrc is a multi-valued operand: the rows of FROM items filtered by
// conds, each giving one element.
type setSrc struct {
	items []frag
	conds []frag
	value scalar
}

// colVal is an @collection operand: its value on the row of the shared
// join, and the set of its values over the whole collection.
type colVal struct {
	row val
	all *setSrc
}

// val is a materialized operand: a scalar, a set, or an @collection pair.
// guard, when set, is ANDed to every comparison using the operand.
type val struct {
	sc    scalar
	set   *setSrc
	col   *colVal
	guard *frag
}

func (v val) multi() bool { return v.set != nil || v.col != nil }
