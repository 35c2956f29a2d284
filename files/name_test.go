package files

import (
	"bytes"
	"crypto/rand"
	"regexp"
	"strings"
	"testing"
)

func TestNormalizeName(t *testing.T) {
	rnd := func() *bytes.Reader {
		return bytes.NewReader(bytes.Repeat([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 100))
	}
	tests := []struct {
		original, ctype string
		want            string // "*" stands for the 10 random characters
	}{
		{"My Test File.TXT", "text/plain", "my_test_file_*.TXT"},
		{"a.png", "image/png", "a*_*.png"},
		{"archive.tar.gz", "application/x-gzip", "archive_*.tar.gz"},
		{"x.y.tar.gz", "", "x_y_*.tar.gz"},
		{"myTestDB.json", "", "my_test_db_*.json"},
		{"ÜBER café.pdf", "", "ber_caf_*.pdf"},
		{"noext", "image/png", "noext_*.png"},
		{"noext", "application/octet-stream", "noext_*"},
		{"weird.ex t!", "", "weird_*.ext"},
		{"..", "", "*_*.."},
		{`..\..\evil.sh`, "", "*_*.evil.sh"},
		{strings.Repeat("a", 130) + ".txt", "", strings.Repeat("a", 100) + "_*.txt"},
		{"f." + strings.Repeat("e", 30), "", "f*_*." + strings.Repeat("e", 20)},
	}
	for _, tt := range tests {
		got, err := NormalizeName(tt.original, tt.ctype, rnd())
		if err != nil {
			t.Fatal(err)
		}
		pattern := "^" + strings.ReplaceAll(regexp.QuoteMeta(tt.want), `\*`, "[a-z0-9]{10}") + "$"
		if !regexp.MustCompile(pattern).MatchString(got) {
			t.Errorf("NormalizeName(%q) = %q, want %s", tt.original, got, tt.want)
		}
		if !ValidName(got) {
			t.Errorf("NormalizeName(%q) = %q is not a valid stored name", tt.original, got)
		}
	}
	a, _ := NormalizeName("same.txt", "", rand.Reader)
	b, _ := NormalizeName("same.txt", "", rand.Reader)
	if a == b {
		t.Errorf("two uploads of one name got the same stored name %q", a)
	}
}

func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"a_0123456789.txt":       true,
		"":                       false,
		"a":                      false, // the loose pattern needs two characters
		".hidden":                false,
		"../x":                   false,
		"a/b":                    false,
		`a\b`:                    false,
		strings.Repeat("a", 151): false,
	} {
		if got := ValidName(name); got != want {
			t.Errorf("ValidName(%q) = %v", name, got)
		}
	}
}

func TestRandomString(t *testing.T) {
	s, err := RandomString(rand.Reader, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[a-z0-9]{1000}$`).MatchString(s) {
		t.Errorf("unexpected characters in %q", s)
	}
	if _, err := RandomString(bytes.NewReader(nil), 5); err == nil {
		t.Error("an exhausted source must fail")
	}
}
