package files

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

// sniffLen is how much of a file content detection reads.
const sniffLen = 3072

// OOXML content types (also the download overrides of §7.1).
const (
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	TypePPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
)

// DetectContentType sniffs the content type of r (size bytes) from its
// content: net/http's sniffing algorithm, refined for the types it lumps
// together (JSON and SVG are not plain text/XML, OOXML documents are not
// bare zips). r's offset is restored when r is a seeker.
func DetectContentType(r io.Reader, size int64) (string, error) {
	var head []byte
	if ra, ok := r.(io.ReaderAt); ok {
		head = make([]byte, min(size, sniffLen))
		n, err := ra.ReadAt(head, 0)
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		head = head[:n]
	} else {
		buf := make([]byte, sniffLen)
		n, err := io.ReadFull(r, buf)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return "", err
		}
		head = buf[:n]
		if s, ok := r.(io.Seeker); ok {
			if _, err := s.Seek(0, io.SeekStart); err != nil {
				return "", err
			}
		}
	}
	ct := http.DetectContentType(head)
	whole := int64(len(head)) >= size
	switch {
	case ct == "application/zip":
		if ra, ok := r.(io.ReaderAt); ok {
			if t := ooxmlType(ra, size); t != "" {
				return t, nil
			}
		}
	case strings.HasPrefix(ct, "text/xml"), strings.HasPrefix(ct, "text/plain"):
		if isSVG(head) {
			return "image/svg+xml", nil
		}
		if strings.HasPrefix(ct, "text/plain") && isJSON(head, whole) {
			return "application/json", nil
		}
	}
	return ct, nil
}

// DetectBytes sniffs the content type of b.
func DetectBytes(b []byte) string {
	ct, _ := DetectContentType(bytes.NewReader(b), int64(len(b)))
	return ct
}

// ooxmlType recognizes Word, Excel and PowerPoint documents by the part
// each one must contain.
func ooxmlType(ra io.ReaderAt, size int64) string {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return ""
	}
	for _, f := range zr.File {
		switch {
		case strings.HasPrefix(f.Name, "word/"):
			return TypeDOCX
		case strings.HasPrefix(f.Name, "xl/"):
			return TypeXLSX
		case strings.HasPrefix(f.Name, "ppt/"):
			return TypePPTX
		}
	}
	return ""
}

// isSVG looks for an <svg root element after the XML prologue.
func isSVG(head []byte) bool {
	s := bytes.ToLower(bytes.TrimSpace(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))))
	if !bytes.HasPrefix(s, []byte("<")) {
		return false
	}
	i := bytes.Index(s, []byte("<svg"))
	if i < 0 {
		return false
	}
	// Only declarations, comments and a doctype may come first.
	before := s[:i]
	for len(before) > 0 {
		before = bytes.TrimSpace(before)
		if len(before) == 0 {
			break
		}
		if !bytes.HasPrefix(before, []byte("<?")) && !bytes.HasPrefix(before, []byte("<!")) {
			return false
		}
		end := bytes.IndexByte(before, '>')
		if end < 0 {
			return false
		}
		before = before[end+1:]
	}
	return true
}

// isJSON accepts an object or array that parses (up to the end of what was
// read, when the file is longer).
func isJSON(head []byte, whole bool) bool {
	s := bytes.TrimSpace(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")))
	if len(s) == 0 || (s[0] != '{' && s[0] != '[') {
		return false
	}
	if whole {
		return json.Valid(s)
	}
	dec := json.NewDecoder(bytes.NewReader(s))
	for {
		if _, err := dec.Token(); err != nil {
			return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		}
	}
}

// mimeAliases map alternative names to the one DetectContentType reports.
var mimeAliases = map[string]string{
	"image/jpg":                    "image/jpeg",
	"image/pjpeg":                  "image/jpeg",
	"audio/wav":                    "audio/wave",
	"audio/x-wav":                  "audio/wave",
	"audio/mp3":                    "audio/mpeg",
	"application/x-zip-compressed": "application/zip",
	"application/xml":              "text/xml",
	"application/x-pdf":            "application/pdf",
	"image/vnd.microsoft.icon":     "image/x-icon",
	"application/x-gzip":           "application/x-gzip",
	"application/gzip":             "application/x-gzip",
	"application/vnd.rar":          "application/x-rar-compressed",
	"text/javascript":              "text/javascript",
	"application/javascript":       "text/javascript",
	"application/ecmascript":       "text/javascript",
}

// baseType lowercases a media type and drops its parameters.
func baseType(t string) string {
	if mt, _, err := mime.ParseMediaType(t); err == nil {
		t = mt
	}
	t = strings.ToLower(strings.TrimSpace(t))
	if a, ok := mimeAliases[t]; ok {
		return a
	}
	return t
}

// MimeAllowed reports whether the detected content type is one of allowed
// (compared without parameters, case-insensitively, known aliases equal).
func MimeAllowed(detected string, allowed []string) bool {
	d := baseType(detected)
	for _, a := range allowed {
		if baseType(a) == d {
			return true
		}
	}
	return false
}

// extensions give a stored name an extension when the upload had none.
var extensions = map[string]string{
	"image/png":                    "png",
	"image/jpeg":                   "jpg",
	"image/gif":                    "gif",
	"image/webp":                   "webp",
	"image/bmp":                    "bmp",
	"image/x-icon":                 "ico",
	"image/svg+xml":                "svg",
	"application/pdf":              "pdf",
	"application/json":             "json",
	"application/zip":              "zip",
	"application/x-gzip":           "gz",
	"application/x-rar-compressed": "rar",
	"application/wasm":             "wasm",
	"application/ogg":              "ogg",
	"application/postscript":       "ps",
	"text/plain":                   "txt",
	"text/html":                    "html",
	"text/xml":                     "xml",
	"audio/mpeg":                   "mp3",
	"audio/wave":                   "wav",
	"audio/aiff":                   "aiff",
	"audio/midi":                   "mid",
	"video/mp4":                    "mp4",
	"video/webm":                   "webm",
	"video/avi":                    "avi",
	"font/ttf":                     "ttf",
	"font/otf":                     "otf",
	"font/woff":                    "woff",
	"font/woff2":                   "woff2",
	TypeDOCX:                       "docx",
	TypeXLSX:                       "xlsx",
	TypePPTX:                       "pptx",
}

// ExtensionFor returns ".ext" for a content type, "" when unknown.
func ExtensionFor(contentType string) string {
	if e, ok := extensions[baseType(contentType)]; ok {
		return "." + e
	}
	return ""
}
