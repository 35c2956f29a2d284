package files

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzNormalizeName: whatever a client calls its file, the stored name is
// a valid plain filename.
func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"My Test File.TXT", "a.png", "../../etc/passwd", `..\..\x.sh`, "", ".", "..",
		"x.tar.gz", "名前.txt", "a\x00b.png", strings.Repeat("long", 60) + ".bin", "f." + strings.Repeat("e", 40)} {
		f.Add(s, "image/png")
	}
	f.Fuzz(func(t *testing.T, original, ctype string) {
		rnd := bytes.NewReader(bytes.Repeat([]byte{7, 200, 13, 99}, 64))
		name, err := NormalizeName(original, ctype, rnd)
		if err != nil {
			t.Fatal(err)
		}
		if !ValidName(name) || !ValidKey("c/r/"+name) {
			t.Fatalf("NormalizeName(%q) = %q is not a valid stored name", original, name)
		}
	})
}

// FuzzSniffAndThumb: content detection, EXIF parsing and thumbs never
// panic on arbitrary bytes.
func FuzzSniffAndThumb(f *testing.F) {
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x10Exif\x00\x00II*\x00\x08\x00\x00\x00"))
	f.Add([]byte(`{"a":[1,2]}`))
	f.Add([]byte("<svg></svg>"))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8L"))
	ts, _ := ParseThumbSize("16x16")
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = DetectBytes(b)
		_ = jpegOrientation(b)
		_, _, _ = MakeThumb(b, "x.jpg", ts)
	})
}
