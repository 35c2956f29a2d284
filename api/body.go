package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/record"
)

// Body limits (§1.9).
const (
	defaultBodyLimit = 32 << 20
	multipartMemory  = 16 << 20
)

var errUnsupportedContentType = core.Errorf(core.EInvalid, "Unsupported Content-Type.")

// readBody decodes a JSON, multipart or urlencoded body into a map. An
// empty body is an empty map.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) (map[string]any, error) {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ct == "multipart/form-data":
		if err := r.ParseMultipartForm(multipartMemory); err != nil {
			return nil, bodyError(err)
		}
		return formBody(r.MultipartForm.Value)
	case ct == "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, bodyError(err)
		}
		return formBody(r.PostForm)
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, bodyError(err)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return map[string]any{}, nil
	}
	if ct != "" && ct != "application/json" && !strings.HasSuffix(ct, "+json") {
		return nil, errUnsupportedContentType
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil || out == nil {
		return nil, &core.Error{Code: core.EInvalid, Message: errBadBody.Message, Err: err}
	}
	return out, nil
}

// readRawJSON returns the body as JSON bytes: JSON as is, multipart as its
// @jsonPayload parts merged.
func readRawJSON(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" || ct == "application/x-www-form-urlencoded" {
		m, err := readBody(w, r, defaultBodyLimit)
		if err != nil {
			return nil, err
		}
		return json.Marshal(m)
	}
	r.Body = http.MaxBytesReader(w, r.Body, defaultBodyLimit)
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, bodyError(err)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return []byte("{}"), nil
	}
	if ct != "" && ct != "application/json" {
		return nil, errUnsupportedContentType
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil || probe == nil {
		return nil, &core.Error{Code: core.EInvalid, Message: errBadBody.Message, Err: err}
	}
	return raw, nil
}

func formBody(values map[string][]string) (map[string]any, error) {
	payloads := values["@jsonPayload"]
	plain := make(map[string][]string, len(values))
	for k, v := range values {
		if k != "@jsonPayload" {
			plain[k] = v
		}
	}
	out := record.FormValues(plain)
	for _, p := range payloads {
		if err := record.MergeJSONPayload(out, p); err != nil {
			return nil, &core.Error{Code: core.EInvalid, Message: errBadBody.Message, Err: err}
		}
	}
	return out, nil
}

func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return err
	}
	return &core.Error{Code: core.EInvalid, Message: errBadBody.Message, Err: err}
}
