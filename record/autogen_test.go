package record

import (
	"errors"
	"regexp"
	"testing"
	"unicode/utf8"

	"github.com/plinthdb/plinth/core"
)

func TestGenerate(t *testing.T) {
	patterns := []struct {
		pattern string
		check   string // the output must match this (anchored)
		runes   int    // exact length when > 0
	}{
		{"[a-z0-9]{15}", "[a-z0-9]{15}", 15},
		{"[a-zA-Z0-9]{50}", "[a-zA-Z0-9]{50}", 50},
		{"abc-[0-9]{3}", "abc-[0-9]{3}", 7},
		{"(ab|cd)x?", "(ab|cd)x?", 0},
		{"[a-z]+", "[a-z]{1,7}", 0},
		{"[a-z]*", "[a-z]{0,6}", 0},
		{"[a-z]{2,4}", "[a-z]{2,4}", 0},
		{"[a-z]{3,}", "[a-z]{3,9}", 0},
		{".{5}", "[A-Za-z0-9]{5}", 5},
		{"^[a-z]{4}$", "[a-z]{4}", 4},
		{"(?i)[a-c]{8}", "[a-cA-C]{8}", 8},
		{"[ä-ü]{3}", "[ä-ü]{3}", 3},
		{"\\d{4}-\\w{2}", "[0-9]{4}-[0-9A-Za-z_]{2}", 0},
		{"", "", 0},
	}
	for _, p := range patterns {
		re := regexp.MustCompile("^(?:" + p.check + ")$")
		r := newTestRand(7)
		for range 50 {
			got, err := Generate(p.pattern, r)
			if err != nil {
				t.Fatalf("Generate(%q): %v", p.pattern, err)
			}
			if !re.MatchString(got) {
				t.Fatalf("Generate(%q) = %q, does not match %s", p.pattern, got, p.check)
			}
			if p.runes > 0 && utf8.RuneCountInString(got) != p.runes {
				t.Fatalf("Generate(%q) = %q, want %d runes", p.pattern, got, p.runes)
			}
		}
	}
}

func TestGenerateUsesAllOfTheClass(t *testing.T) {
	seen := map[rune]bool{}
	r := newTestRand(3)
	for range 200 {
		s, err := Generate("[a-z0-9]{15}", r)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range s {
			seen[c] = true
		}
	}
	if len(seen) != 36 {
		t.Fatalf("saw %d distinct characters, want 36", len(seen))
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a, _ := Generate("[a-z0-9]{15}", newTestRand(9))
	b, _ := Generate("[a-z0-9]{15}", newTestRand(9))
	if a != b {
		t.Fatalf("same seed, different output: %q %q", a, b)
	}
	c, _ := Generate("[a-z0-9]{15}", nil) // crypto/rand
	if len(c) != 15 {
		t.Fatalf("crypto output %q", c)
	}
}

func TestGenerateErrors(t *testing.T) {
	for _, p := range []string{"[a-z", "(", "\\bword", "[a-z]{1000}{1000}", "a{2000}{2000}", "[^\\x00-\\x{10FFFF}]"} {
		_, err := Generate(p, newTestRand(1))
		if !errors.Is(err, ErrAutogeneratePattern) {
			t.Errorf("Generate(%q) err = %v, want ErrAutogeneratePattern", p, err)
		}
	}
	if _, err := Generate("[a-z]{5}", failingReader{}); !errors.Is(err, errReader) {
		t.Errorf("read failure not reported: %v", err)
	}
}

func TestValidateAutogeneratePattern(t *testing.T) {
	tests := []struct {
		f    core.Field
		code string
	}{
		{core.Field{Type: core.FieldText}, ""},
		{core.Field{Type: core.FieldText, AutogeneratePattern: "[a-z0-9]{15}", Min: core.Float(15), Max: core.Float(15), Pattern: DefaultIDPattern, PrimaryKey: true}, ""},
		{core.Field{Type: core.FieldText, AutogeneratePattern: "[a-z"}, "validation_invalid_autogenerate_pattern"},
		{core.Field{Type: core.FieldText, AutogeneratePattern: "\\b"}, "validation_invalid_autogenerate_pattern"},
		{core.Field{Type: core.FieldText, AutogeneratePattern: "[a-z]{5}", Max: core.Float(3)}, "validation_invalid_autogenerate_pattern_value"},
		{core.Field{Type: core.FieldText, AutogeneratePattern: "[a-z]{5}", Pattern: "^[0-9]+$"}, "validation_invalid_autogenerate_pattern_value"},
	}
	for _, tt := range tests {
		err := ValidateAutogeneratePattern(&tt.f)
		got := ""
		if err != nil {
			got = err.Code
			if err.Message == "" || err.Message[len(err.Message)-1] != '.' {
				t.Errorf("message %q is not a sentence", err.Message)
			}
		}
		if got != tt.code {
			t.Errorf("%q: got %q (%v), want %q", tt.f.AutogeneratePattern, got, err, tt.code)
		}
	}
}
