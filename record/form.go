package record

import (
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/plinthdb/plinth/core"
)

// JSONPayloadKey is the multipart key whose value is a JSON object merged
// on top of the plain form fields (§1.3).
const JSONPayloadKey = "@jsonPayload"

// InferFormValue converts one multipart/urlencoded plain value the way
// PocketBase does: "true"/"false" become booleans, a decimal string whose
// shortest float formatting is the same text becomes a number ("12",
// "-1.5"; not "012", "1.0", "0x1"), everything else stays a string.
func InferFormValue(s string) any {
	switch s {
	case "":
		return s
	case "true":
		return true
	case "false":
		return false
	}
	if s[0] != '-' && (s[0] < '0' || s[0] > '9') {
		return s
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '-' && c != '.' && (c < '0' || c > '9') {
			return s
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || strconv.FormatFloat(f, 'f', -1, 64) != s {
		return s
	}
	return f
}

// FormValues turns plain form fields into a body map: a key sent once
// maps to its inferred scalar, a repeated key to a []any of inferred
// values. The @jsonPayload key is skipped; merge it with MergeJSONPayload.
func FormValues(values url.Values) map[string]any {
	out := make(map[string]any, len(values))
	for k, vs := range values {
		if k == JSONPayloadKey {
			continue
		}
		switch len(vs) {
		case 0:
		case 1:
			out[k] = InferFormValue(vs[0])
		default:
			list := make([]any, len(vs))
			for i, v := range vs {
				list[i] = InferFormValue(v)
			}
			out[k] = list
		}
	}
	return out
}

// MergeJSONPayload decodes payload, a JSON object, without any value
// inference and sets its top-level keys on dst, replacing existing ones.
// "null" is a no-op; anything else that is not an object is an error.
func MergeJSONPayload(dst map[string]any, payload string) error {
	var obj map[string]any
	if err := json.Unmarshal([]byte(payload), &obj); err != nil {
		return &core.Error{Code: core.EInvalid, Message: "Invalid " + JSONPayloadKey + " value.", Err: err}
	}
	for k, v := range obj {
		dst[k] = v
	}
	return nil
}

// FormBody builds the body of a multipart/urlencoded request: the plain
// fields (FormValues) with every @jsonPayload merged on top, in order.
func FormBody(values url.Values) (map[string]any, error) {
	out := FormValues(values)
	for _, p := range values[JSONPayloadKey] {
		if err := MergeJSONPayload(out, p); err != nil {
			return nil, err
		}
	}
	return out, nil
}
