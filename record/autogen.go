package record

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"regexp/syntax"
	"strings"
	"unicode/utf8"

	"github.com/plinthdb/plinth/core"
)

// Unbounded repeats (*, +, {n,}) produce at most this many extra items.
const maxOpenRepeat = 6

// Guards against patterns like [a-z]{1000}{1000}.
const maxGeneratedRunes = 10000

// anyCharRanges is what "." generates from: ASCII letters and digits.
var anyCharRanges = []rune{'0', '9', 'A', 'Z', 'a', 'z'}

// ErrAutogeneratePattern wraps every failure to generate from a pattern.
var ErrAutogeneratePattern = errors.New("invalid autogenerate pattern")

// Generate returns a random string matching pattern, reading randomness
// from r (crypto/rand when nil). It understands literals, character
// classes, ".", groups, alternation and repeats ({n}, {n,m}, ?, *, +);
// anchors and empty matches generate nothing. Any other construct (word
// boundaries, ...) or an unparseable pattern is an error wrapping
// ErrAutogeneratePattern.
func Generate(pattern string, r io.Reader) (string, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrAutogeneratePattern, err)
	}
	if r == nil {
		r = rand.Reader
	}
	g := generator{r: r}
	if err := g.write(re); err != nil {
		return "", err
	}
	return g.sb.String(), nil
}

type generator struct {
	r     io.Reader
	sb    strings.Builder
	runes int
}

func (g *generator) write(re *syntax.Regexp) error {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText:
		return nil
	case syntax.OpLiteral:
		for _, c := range re.Rune {
			if err := g.put(c); err != nil {
				return err
			}
		}
		return nil
	case syntax.OpCharClass:
		c, err := g.pick(re.Rune)
		if err != nil {
			return err
		}
		return g.put(c)
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		c, err := g.pick(anyCharRanges)
		if err != nil {
			return err
		}
		return g.put(c)
	case syntax.OpCapture:
		return g.write(re.Sub[0])
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if err := g.write(sub); err != nil {
				return err
			}
		}
		return nil
	case syntax.OpAlternate:
		i, err := g.intn(len(re.Sub))
		if err != nil {
			return err
		}
		return g.write(re.Sub[i])
	case syntax.OpQuest:
		return g.repeat(re.Sub[0], 0, 1)
	case syntax.OpStar:
		return g.repeat(re.Sub[0], 0, -1)
	case syntax.OpPlus:
		return g.repeat(re.Sub[0], 1, -1)
	case syntax.OpRepeat:
		return g.repeat(re.Sub[0], re.Min, re.Max)
	}
	return fmt.Errorf("%w: unsupported construct %s", ErrAutogeneratePattern, re)
}

func (g *generator) repeat(re *syntax.Regexp, min, max int) error {
	if max < 0 {
		max = min + maxOpenRepeat
	}
	n := min
	if max > min {
		extra, err := g.intn(max - min + 1)
		if err != nil {
			return err
		}
		n += extra
	}
	for i := 0; i < n; i++ {
		if err := g.write(re); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) put(c rune) error {
	g.runes++
	if g.runes > maxGeneratedRunes {
		return fmt.Errorf("%w: generates more than %d characters", ErrAutogeneratePattern, maxGeneratedRunes)
	}
	g.sb.WriteRune(c)
	return nil
}

// pick returns a uniformly random rune from inclusive [lo, hi] pairs.
func (g *generator) pick(ranges []rune) (rune, error) {
	total := 0
	for i := 0; i+1 < len(ranges); i += 2 {
		total += int(ranges[i+1]-ranges[i]) + 1
	}
	if total == 0 {
		return 0, fmt.Errorf("%w: empty character class", ErrAutogeneratePattern)
	}
	n, err := g.intn(total)
	if err != nil {
		return 0, err
	}
	for i := 0; i+1 < len(ranges); i += 2 {
		size := int(ranges[i+1]-ranges[i]) + 1
		if n < size {
			c := ranges[i] + rune(n)
			if !utf8.ValidRune(c) {
				c = utf8.RuneError
			}
			return c, nil
		}
		n -= size
	}
	return 0, fmt.Errorf("%w: empty character class", ErrAutogeneratePattern)
}

// intn returns a uniform integer in [0, n) by rejection sampling 32-bit
// reads, so that no value is favoured.
func (g *generator) intn(n int) (int, error) {
	if n <= 1 {
		return 0, nil
	}
	limit := (uint64(1) << 32) / uint64(n) * uint64(n)
	var b [4]byte
	for {
		if _, err := io.ReadFull(g.r, b[:]); err != nil {
			return 0, fmt.Errorf("reading randomness: %w", err)
		}
		v := uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
		if v < limit {
			return int(v % uint64(n)), nil
		}
	}
}

// ValidateAutogeneratePattern checks a text field's autogeneratePattern
// the way collection validation does: it must be generatable
// (validation_invalid_autogenerate_pattern) and, over ten tries, produce
// values the field itself accepts
// (validation_invalid_autogenerate_pattern_value). nil when fine or empty.
func ValidateAutogeneratePattern(f *core.Field) *core.FieldError {
	if f.AutogeneratePattern == "" {
		return nil
	}
	for range 10 {
		v, err := Generate(f.AutogeneratePattern, nil)
		if err != nil {
			return core.NewFieldError("validation_invalid_autogenerate_pattern", sentence(err.Error()), nil)
		}
		if ValidateText(f, v) != nil {
			return core.NewFieldError("validation_invalid_autogenerate_pattern_value",
				fmt.Sprintf("The provided autogenerate pattern could produce invalid field values, ex.: %q.", v), nil)
		}
	}
	return nil
}
