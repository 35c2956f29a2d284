package files

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
)

func zipWith(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("<x/>"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDetectContentType(t *testing.T) {
	bigJSON := `{"items":[` + strings.Repeat(`{"a":1,"b":"text"},`, 400) + `{"a":2}]}`
	tests := []struct {
		name    string
		content []byte
		want    string
	}{
		{"png", []byte("\x89PNG\r\n\x1a\n0000"), "image/png"},
		{"gif", []byte("GIF89a...."), "image/gif"},
		{"jpeg", []byte("\xff\xd8\xff\xe0"), "image/jpeg"},
		{"webp", []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), "image/webp"},
		{"pdf", []byte("%PDF-1.4\n"), "application/pdf"},
		{"text", []byte("just words\n"), "text/plain; charset=utf-8"},
		{"html", []byte("<!DOCTYPE html><html></html>"), "text/html; charset=utf-8"},
		{"json object", []byte(` {"a": [1, 2]}`), "application/json"},
		{"json array", []byte(`[1,2,3]`), "application/json"},
		{"long json", []byte(bigJSON), "application/json"},
		{"broken json", []byte(`{"a": }`), "text/plain; charset=utf-8"},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), "image/svg+xml"},
		{"svg with prologue", []byte("<?xml version=\"1.0\"?>\n<!-- c -->\n<!DOCTYPE svg>\n<svg></svg>"), "image/svg+xml"},
		{"xml", []byte(`<?xml version="1.0"?><note><svg/></note>`), "text/xml; charset=utf-8"},
		{"docx", zipWith(t, "[Content_Types].xml", "word/document.xml"), TypeDOCX},
		{"xlsx", zipWith(t, "[Content_Types].xml", "xl/workbook.xml"), TypeXLSX},
		{"pptx", zipWith(t, "[Content_Types].xml", "ppt/presentation.xml"), TypePPTX},
		{"zip", zipWith(t, "a.txt"), "application/zip"},
		{"binary", []byte{0, 1, 2, 3, 0xfe}, "application/octet-stream"},
		{"empty", nil, "text/plain; charset=utf-8"},
	}
	for _, tt := range tests {
		if got := DetectBytes(tt.content); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
		// A reader without ReaderAt is rewound after sniffing.
		r := &onlySeeker{r: bytes.NewReader(tt.content)}
		got, err := DetectContentType(r, int64(len(tt.content)))
		if err != nil {
			t.Fatal(err)
		}
		if tt.name != "docx" && tt.name != "xlsx" && tt.name != "pptx" && got != tt.want {
			t.Errorf("%s via seeker: %q, want %q", tt.name, got, tt.want)
		}
		if pos, _ := r.r.Seek(0, 1); pos != 0 {
			t.Errorf("%s: reader left at %d", tt.name, pos)
		}
	}
}

type onlySeeker struct{ r *bytes.Reader }

func (o *onlySeeker) Read(p []byte) (int, error)                { return o.r.Read(p) }
func (o *onlySeeker) Seek(off int64, whence int) (int64, error) { return o.r.Seek(off, whence) }

func TestMimeAllowed(t *testing.T) {
	tests := []struct {
		detected string
		allowed  []string
		want     bool
	}{
		{"image/png", []string{"image/png"}, true},
		{"image/png", []string{"IMAGE/PNG"}, true},
		{"text/plain; charset=utf-8", []string{"text/plain"}, true},
		{"image/jpeg", []string{"image/jpg"}, true},
		{"image/png", []string{"image/jpeg", "application/pdf"}, false},
		{"text/plain; charset=utf-8", []string{"image/png"}, false},
		{"image/png", nil, false},
	}
	for _, tt := range tests {
		if got := MimeAllowed(tt.detected, tt.allowed); got != tt.want {
			t.Errorf("MimeAllowed(%q, %v) = %v", tt.detected, tt.allowed, got)
		}
	}
}

func TestExtensionFor(t *testing.T) {
	for ct, want := range map[string]string{
		"image/png": ".png", "text/plain; charset=utf-8": ".txt", "application/octet-stream": "",
		TypeDOCX: ".docx", "image/svg+xml": ".svg",
	} {
		if got := ExtensionFor(ct); got != want {
			t.Errorf("ExtensionFor(%q) = %q, want %q", ct, got, want)
		}
	}
}
