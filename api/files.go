package api

import (
	"encoding/json"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/files"
)

// readRecordBody reads a record create/update body: readBody's values
// plus, for multipart, the file parts as *files.Upload values (§4.7).
func readRecordBody(w http.ResponseWriter, r *http.Request, limit int64) (map[string]any, error) {
	body, err := readBody(w, r, limit)
	if err != nil {
		return nil, err
	}
	if r.MultipartForm != nil {
		attachUploads(body, r.MultipartForm.File)
	}
	return body, nil
}

// attachUploads adds file parts to body under their keys. Under a plain
// key ("docs") the uploads join the filenames the body already lists
// there, so re-listed existing files are kept; under a modifier key
// ("docs+", "+docs") they replace the body value, as in PocketBase. The
// app decides which keys address file fields and ignores the others.
func attachUploads(body map[string]any, parts map[string][]*multipart.FileHeader) {
	for key, fhs := range parts {
		if len(fhs) == 0 {
			continue
		}
		var vals []any
		plain := !strings.HasPrefix(key, "+") && !strings.HasSuffix(key, "+") && !strings.HasSuffix(key, "-")
		if cur, ok := body[key]; ok && cur != nil && plain {
			vals = append(vals, listedNames(cur)...)
		}
		for _, fh := range fhs {
			vals = append(vals, files.UploadFromMultipart(fh))
		}
		body[key] = vals
	}
}

// listedNames flattens a body value into the filenames it lists.
func listedNames(v any) []any {
	switch x := v.(type) {
	case []any:
		var out []any
		for _, e := range x {
			out = append(out, listedNames(e)...)
		}
		return out
	case string:
		if strings.HasPrefix(strings.TrimSpace(x), "[") {
			var list []string
			if json.Unmarshal([]byte(x), &list) == nil {
				out := make([]any, len(list))
				for i, s := range list {
					out[i] = s
				}
				return out
			}
		}
		if x == "" {
			return nil
		}
		return []any{x}
	case float64, bool:
		return []any{v}
	}
	return nil
}

// Download headers (§7.1).
const (
	fileCSP          = "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox"
	fileCacheControl = "max-age=2592000, stale-while-revalidate=86400"
)

// inlineTypes are shown by the browser; everything else downloads.
var inlineTypes = []string{
	"image/png", "image/jpg", "image/jpeg", "image/gif", "image/webp", "image/x-icon", "image/bmp",
	"video/webm", "video/mp4", "video/3gpp", "video/quicktime", "video/x-ms-wmv",
	"audio/basic", "audio/aiff", "audio/mpeg", "audio/midi", "audio/mp3", "audio/wave",
	"audio/wav", "audio/x-wav", "audio/x-mpeg", "audio/x-m4a", "audio/aac",
	"application/pdf", "application/x-pdf",
}

// typeByExtension overrides the sniffed type where sniffing cannot tell
// (or a browser needs the exact type to use the file).
var typeByExtension = map[string]string{
	".svg":  "image/svg+xml",
	".css":  "text/css",
	".js":   "text/javascript",
	".mjs":  "text/javascript",
	".xlsx": files.TypeXLSX,
	".docx": files.TypeDOCX,
	".pptx": files.TypePPTX,
}

func (s *server) handleFileDownload() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.app.Collection(r.Context(), r.PathValue("collection"))
		if err != nil {
			return core.Errorf(core.ENotFound, "Missing or invalid collection context.")
		}
		q := r.URL.Query()
		f, err := s.app.OpenRecordFile(r.Context(), s.request(r), c, r.PathValue("recordId"),
			r.PathValue("filename"), q.Get("thumb"), q.Get("token"))
		if err != nil {
			return err
		}
		defer f.Close()
		serveFile(w, r, f)
		return nil
	})
}

// serveFile sends a stored file; http.ServeContent handles ranges and
// conditional requests.
func serveFile(w http.ResponseWriter, r *http.Request, f *app.ServedFile) {
	download, _ := strconv.ParseBool(r.URL.Query().Get("download"))
	ctype := f.ContentType()
	disposition := "attachment"
	if !download && slices.Contains(inlineTypes, mediaType(ctype)) {
		disposition = "inline"
	}
	if t, ok := typeByExtension[strings.ToLower(filepath.Ext(f.Name))]; ok {
		ctype = t
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h := w.Header()
	// Embedding uploaded files is the point of serving them; the CSP
	// sandbox keeps them from acting as pages of this origin.
	h.Del("X-Frame-Options")
	h.Set("Content-Disposition", disposition+"; filename="+f.Name)
	h.Set("Content-Type", ctype)
	h.Set("Content-Security-Policy", fileCSP)
	h.Set("Cache-Control", fileCacheControl)
	http.ServeContent(w, r, f.Name, f.ModTime(), f)
}

// mediaType drops parameters ("text/plain; charset=utf-8" -> "text/plain").
func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}
