package filter

import (
	"errors"
	"strings"
	"testing"

	"github.com/plinthdb/plinth/core"
)

func TestParse(t *testing.T) {
	cases := []struct {
		src, want string
	}{
		{`a = 1`, `a = 1`},
		{`a=1`, `a = 1`},
		{`a = 'x'`, `a = "x"`},
		{`a = "x"`, `a = "x"`},
		{`a = "it\"s"`, `a = "it\"s"`},
		{`a = 'it\'s'`, `a = "it's"`},
		{`a = "50\%"`, `a = "50\\%"`},
		{`a = 'say "hi"'`, `a = "say \"hi\""`},
		{`a = -1.5`, `a = -1.5`},
		{`a != -1`, `a != -1`},
		{`a || b = 1 && c = 2`, ``}, // bare operand: error, see below
		{`a = 1 || b = 2 && c = 3`, `(a = 1 || (b = 2 && c = 3))`},
		{`a = 1 && b = 2 || c = 3`, `((a = 1 && b = 2) || c = 3)`},
		{`(a = 1 || b = 2) && c = 3`, `((a = 1 || b = 2) && c = 3)`},
		{`a = 1 && b = 2 && c = 3`, `((a = 1 && b = 2) && c = 3)`},
		{`((a = 1))`, `a = 1`},
		{"a = 1 // trailing comment", `a = 1`},
		{"// leading\na = 1 // one\n&& b = 2", `(a = 1 && b = 2)`},
		{"a\t=\n1", `a = 1`},
		{`a ?= 1`, `a ?= 1`},
		{`a ?!= 1`, `a ?!= 1`},
		{`a ?>= 1`, `a ?>= 1`},
		{`a ?<= 1`, `a ?<= 1`},
		{`a ?> 1`, `a ?> 1`},
		{`a ?< 1`, `a ?< 1`},
		{`a ?~ 1`, `a ?~ 1`},
		{`a ?!~ 1`, `a ?!~ 1`},
		{`a !~ 1`, `a !~ 1`},
		{`a >= 1`, `a >= 1`},
		{`a <= 1`, `a <= 1`},
		{`a.b.c:lower = @request.auth.id`, `a.b.c:lower = @request.auth.id`},
		{`@collection.posts:p.title = _x`, `@collection.posts:p.title = _x`},
		{`strftime("%Y", created) = "2024"`, `strftime("%Y", created) = "2024"`},
		{`strftime("%Y", created,) = "2024"`, `strftime("%Y", created) = "2024"`},
		{`geoDistance(loc.lon, loc.lat, 1, 2) < 5`, `geoDistance(loc.lon, loc.lat, 1, 2) < 5`},
		{`strftime("%Y", strftime("%Y-%m-%d", created)) = "x"`, `strftime("%Y", strftime("%Y-%m-%d", created)) = "x"`},
		{`1 = 1`, `1 = 1`},
		{`"a" ~ title`, `"a" ~ title`},
	}
	for _, tc := range cases {
		e, err := Parse(tc.src)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%q: parsed as %s, want an error", tc.src, String(e))
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.src, err)
			continue
		}
		if got := String(e); got != tc.want {
			t.Errorf("%q: got %s, want %s", tc.src, got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		src, msg string
	}{
		{``, "empty"},
		{`   `, "empty"},
		{"// only a comment", "empty"},
		{`title`, "expected an operator"},
		{`title = `, "expected a field"},
		{`= 1`, "expected a field"},
		{`a = 1 b = 2`, "expected && or ||"},
		{`a = 1 &&`, "expected a field"},
		{`a = 1 & b = 2`, `expected "&&"`},
		{`a = 1 | b = 2`, `expected "||"`},
		{`a == 1`, "not an operator"},
		{`a =! 1`, "not an operator"},
		{`a ! 1`, "not an operator"},
		{`a ?? 1`, "not an operator"},
		{`a = "x`, "missing its closing"},
		{`a = 'x\'`, "missing its closing"},
		{`(a = 1`, `expected ")"`},
		{`a = 1)`, "expected && or ||"},
		{`(a) = 1`, "expected an operator"},
		{`() = 1`, "expected a field"},
		{`a = 1.`, "malformed number"},
		{`a = 1.2.3`, "malformed number"},
		{`a = 12abc`, "malformed number"},
		{`a = .5`, "unexpected character"},
		{`a = $x`, "unexpected character"},
		{`a = {:x}`, "unexpected character"},
		{`a = b / c`, "single '/'"},
		{`a. = 1`, "must not end"},
		{`a: = 1`, "must not end"},
		{`f(1 = 1`, `expected "," or ")"`},
		{`a.b(1) = 1`, "not a function name"},
		{`f(g(h(1))) = 1`, "nested too deeply"},
		{`f(1,2,3,4,5,6,7,8,9,10,11) = 1`, "at most 10 arguments"},
		{strings.Repeat("(", 70) + "a = 1" + strings.Repeat(")", 70), "nested too deeply"},
		{strings.Repeat("a = 1 && ", 200) + "a = 1", "too many comparisons"},
		{"a = \"" + strings.Repeat("x", MaxLength) + "\"", "too long"},
		{`a = 9` + strings.Repeat("9", 400), "out of range"},
	}
	for _, tc := range cases {
		_, err := Parse(tc.src)
		if err == nil {
			t.Errorf("%.60q: no error, want one containing %q", tc.src, tc.msg)
			continue
		}
		var ce *core.Error
		if !errors.As(err, &ce) || ce.Code != core.EInvalid {
			t.Errorf("%.60q: %v is not an invalid-input *core.Error", tc.src, err)
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%.60q: error %q does not contain %q", tc.src, err, tc.msg)
		}
	}
}

func TestParseLimits(t *testing.T) {
	ok := strings.Repeat("a = 1 && ", 199) + "a = 1"
	if _, err := Parse(ok); err != nil {
		t.Errorf("200 comparisons: %v", err)
	}
	long := "a = \"" + strings.Repeat("é", MaxLength-6) + "\""
	if _, err := Parse(long); err != nil {
		t.Errorf("%d characters (more bytes): %v", MaxLength, err)
	}
	nested := strings.Repeat("(", 60) + "a = 1" + strings.Repeat(")", 60)
	if _, err := Parse(nested); err != nil {
		t.Errorf("60 nested groups: %v", err)
	}
}

func TestParsePositions(t *testing.T) {
	_, err := Parse(`title = "a" && && x = 1`)
	if err == nil || !strings.Contains(err.Error(), "at character 16") {
		t.Errorf("want the position of the second &&, got %v", err)
	}
	e, err := Parse(`a = 1 || b = 2`)
	if err != nil {
		t.Fatal(err)
	}
	l := e.(*Logical)
	if l.Pos() != 6 || l.Right.Pos() != 9 {
		t.Errorf("positions: || at %d, right at %d", l.Pos(), l.Right.Pos())
	}
}

func TestOperator(t *testing.T) {
	if !OpAnyNotLike.IsAny() || OpNotLike.IsAny() || OpAnyNeq.Base() != OpNeq || OpEq.Base() != OpEq {
		t.Error("IsAny/Base")
	}
	if len(operators) != 16 {
		t.Errorf("%d operators, want 16", len(operators))
	}
}
