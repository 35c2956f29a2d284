package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/plinthdb/plinth/core"
)

// valueModifier transforms a picked value; nil means "keep as is".
type valueModifier func(any) any

// Pick keeps only the keys listed in fields (the ?fields= syntax, §1.4):
// a comma-separated list of dot paths, "*" for every key of a level and
// an optional ":excerpt(max[,withEllipsis])" modifier per path. It works
// on JSON-like values (maps, lists, scalars, plus the types Serialize
// emits); lists of objects are picked item by item. v is not modified.
// Unknown keys are simply absent; malformed syntax is an EInvalid error.
func Pick(v any, fields string) (any, error) {
	parsed, err := parseFields(fields)
	if err != nil {
		return nil, err
	}
	return pickValue(plain(v), parsed), nil
}

// PickList applies Pick to each item of a paginated list.
func PickList(items []any, fields string) ([]any, error) {
	parsed, err := parseFields(fields)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(items))
	for i, item := range items {
		out[i] = pickValue(plain(item), parsed)
	}
	return out, nil
}

func pickError(format string, args ...any) error {
	return &core.Error{Code: core.EInvalid, Message: "Invalid fields parameter.", Err: fmt.Errorf(format, args...)}
}

func parseFields(raw string) (map[string]valueModifier, error) {
	tokens, err := splitTokens(raw, ",")
	if err != nil {
		return nil, err
	}
	out := make(map[string]valueModifier, len(tokens))
	for _, t := range tokens {
		path, modifier, found := strings.Cut(t, ":")
		path = strings.TrimSpace(path)
		if !found {
			out[path] = nil
			continue
		}
		m, err := parseModifier(modifier)
		if err != nil {
			return nil, err
		}
		out[path] = m
	}
	return out, nil
}

// splitTokens splits s on any of seps outside parentheses and quotes,
// trimming spaces and dropping empty tokens. A backslash escapes the
// next quote or parenthesis. Unbalanced groups are an error.
func splitTokens(s, seps string) ([]string, error) {
	var tokens []string
	var buf strings.Builder
	depth := 0
	var quote rune
	var prev rune
	flush := func() {
		if t := strings.TrimSpace(buf.String()); t != "" {
			tokens = append(tokens, t)
		}
		buf.Reset()
	}
	for _, r := range s {
		if prev != '\\' {
			switch {
			case quote != 0:
				if r == quote {
					quote = 0
				}
			case r == '\'' || r == '"' || r == '`':
				quote = r
			case r == '(' && !strings.ContainsRune(seps, '('):
				depth++
			case r == ')' && depth > 0 && !strings.ContainsRune(seps, ')'):
				depth--
			}
		}
		prev = r
		if quote == 0 && depth == 0 && strings.ContainsRune(seps, r) {
			flush()
			continue
		}
		buf.WriteRune(r)
	}
	if depth > 0 || quote != 0 {
		return nil, pickError("unbalanced parenthesis or quoted expression: %q", buf.String())
	}
	flush()
	return tokens, nil
}

func parseModifier(raw string) (valueModifier, error) {
	parts, err := splitTokens(raw, "(), ")
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 {
		return nil, pickError("invalid or empty modifier expression %q", raw)
	}
	switch parts[0] {
	case "excerpt":
		args := parts[1:]
		if len(args) == 0 {
			return nil, pickError("excerpt: max argument is required - expected (max, withEllipsis?)")
		}
		if len(args) > 2 {
			return nil, pickError("excerpt: too many arguments - expected (max, withEllipsis?)")
		}
		max, _ := strconv.Atoi(args[0])
		if max <= 0 {
			return nil, pickError("excerpt: max argument must be > 0")
		}
		var ellipsis bool
		if len(args) > 1 {
			ellipsis, _ = strconv.ParseBool(args[1])
		}
		return func(v any) any {
			s, ok := v.(string)
			if !ok {
				return v // e.g. a missing expand: left alone, not an error
			}
			return Excerpt(s, max, ellipsis)
		}, nil
	}
	return nil, pickError("missing or invalid modifier %q", parts[0])
}

func pickValue(data any, fields map[string]valueModifier) any {
	switch v := data.(type) {
	case map[string]any:
		return pickMap(v, fields)
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			if m, ok := item.(map[string]any); ok {
				out[i] = pickMap(m, fields)
			} else {
				out[i] = item // lists of scalars are not picked
			}
		}
		return out
	}
	return data
}

// covers reports whether path selects key or something inside it.
func covers(path, key string) bool {
	return strings.HasPrefix(path+".", key+".")
}

func pickMap(data map[string]any, fields map[string]valueModifier) map[string]any {
	if len(fields) == 0 {
		return data
	}
	star, hasStar := fields["*"]
	out := make(map[string]any, len(data))
	for k, val := range data {
		var sub map[string]valueModifier
		var exact valueModifier
		isExact := false
		for path, m := range fields {
			if !covers(path, k) {
				continue
			}
			rest := strings.TrimSuffix(strings.TrimPrefix(path+".", k+"."), ".")
			if rest == "" {
				// "a" and "a." both select the whole key; prefer the literal one.
				if !isExact || path == k {
					exact, isExact = m, true
				}
				continue
			}
			if sub == nil {
				sub = map[string]valueModifier{}
			}
			sub[rest] = m
		}
		switch {
		case isExact:
			out[k] = modify(exact, val)
		case sub != nil:
			out[k] = pickValue(val, sub)
		case hasStar:
			out[k] = modify(star, val)
		}
	}
	return out
}

func modify(m valueModifier, v any) any {
	if m == nil {
		return v
	}
	return m(v)
}

// plain deep-copies v into plain JSON values (map[string]any, []any,
// scalars) so that picking can descend into anything Serialize emits.
func plain(v any) any {
	switch x := v.(type) {
	case nil, bool, string, float64, json.Number, int, int64:
		return v
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case json.RawMessage:
		return decodeJSON(x, v)
	case core.GeoPoint:
		return map[string]any{"lon": x.Lon, "lat": x.Lat}
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return v
	}
	return decodeJSON(raw, v)
}

// decodeJSON decodes raw keeping numbers exact; fallback when invalid.
func decodeJSON(raw []byte, fallback any) any {
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return fallback
	}
	return out
}
