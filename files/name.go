package files

import (
	"io"
	"regexp"
	"strings"
	"unicode"
)

// Filename limits of §1.9 and §4.7.
const (
	MaxNameLength      = 150 // after normalization
	maxBaseLength      = 100
	minBaseLength      = 3
	maxExtLength       = 20
	randomPartLength   = 10
	randomNameAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
)

var (
	extInvalidChars = regexp.MustCompile(`[^\w.*\-+=#]+`)
	wordSeparators  = regexp.MustCompile(`[\W_]+`)
	// looseName is what a stored filename must look like: no path
	// separators and no leading dot.
	looseName = regexp.MustCompile(`^[^./\\][^/\\]+$`)
)

// NormalizeName turns an uploaded file's original name into the stored
// name (§4.7): the snake_cased base (at most 100 characters, padded with 10
// random characters when shorter than 3), "_", 10 random [a-z0-9], and the
// original extension (double extensions kept; detected from contentType
// when missing). The result never contains a path separator.
func NormalizeName(original, contentType string, rnd io.Reader) (string, error) {
	ext := extractExtension(original)
	cleanExt := extInvalidChars.ReplaceAllString(ext, "")
	if cleanExt == "" {
		cleanExt = ExtensionFor(contentType)
	}
	if len(cleanExt) > maxExtLength {
		cleanExt = "." + cleanExt[len(cleanExt)-maxExtLength:]
	}
	base := snakecase(strings.TrimSuffix(original, ext))
	if len(base) < minBaseLength {
		pad, err := RandomString(rnd, randomPartLength)
		if err != nil {
			return "", err
		}
		base += pad
	} else if len(base) > maxBaseLength {
		base = base[:maxBaseLength]
	}
	suffix, err := RandomString(rnd, randomPartLength)
	if err != nil {
		return "", err
	}
	return base + "_" + suffix + cleanExt, nil
}

// ValidName reports whether name can be a stored filename.
func ValidName(name string) bool {
	return len(name) >= 1 && len(name) <= MaxNameLength && looseName.MatchString(name)
}

// extractExtension returns the extension with its dot, keeping a double
// extension such as ".tar.gz" (the last two dot-separated parts).
func extractExtension(name string) string {
	last := strings.LastIndex(name, ".")
	if last < 0 {
		return ""
	}
	if prev := strings.LastIndex(name[:last], "."); prev >= 0 {
		return name[prev:]
	}
	return name[last:]
}

// snakecase splits at non-word ASCII characters and at lower-to-upper
// case changes, joins with "_" and lowercases: "My Test File" ->
// "my_test_file", "myTestDB" -> "my_test_db". Only ASCII letters, digits
// and "_" remain.
func snakecase(s string) string {
	var b strings.Builder
	for _, word := range wordSeparators.Split(s, -1) {
		if word == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('_')
		}
		for i := 0; i < len(word); i++ {
			c := rune(word[i])
			if i > 0 && unicode.IsUpper(c) && !unicode.IsUpper(rune(word[i-1])) {
				b.WriteByte('_')
			}
			b.WriteRune(c)
		}
	}
	return strings.ToLower(b.String())
}

// RandomString returns n characters of [a-z0-9] read from rnd, without
// modulo bias.
func RandomString(rnd io.Reader, n int) (string, error) {
	const alphabet = randomNameAlphabet
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		if _, err := io.ReadFull(rnd, buf); err != nil {
			return "", err
		}
		for _, c := range buf {
			if int(c) < limit && len(out) < n {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}
