package filter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/plinthdb/plinth/core"
)

// Request is what @request.* and the date macros read at Bind time.
type Request struct {
	Now     time.Time         // the injected clock for @now and friends (zero = time.Now())
	Method  string            // HTTP method
	Context string            // "default", "expand", "realtime", ... ("" = "default")
	Headers map[string]string // names already snake_cased lowercase
	Query   map[string]string
	Body    map[string]any // submitted body after modifier resolution; key present = isset
	Auth    *core.Record   // nil = guest; Auth.Collection tells its collection
}

// macroValue computes a date macro (§5.3) in UTC.
func macroValue(name string, now time.Time) *lit {
	now = now.UTC()
	y, m, d := now.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	endOf := func(t time.Time) *lit { return textLit(core.FormatTime(t.Add(-time.Millisecond))) }
	switch name {
	case "@now":
		return textLit(core.FormatTime(now))
	case "@yesterday":
		return textLit(core.FormatTime(now.AddDate(0, 0, -1)))
	case "@tomorrow":
		return textLit(core.FormatTime(now.AddDate(0, 0, 1)))
	case "@todayStart":
		return textLit(core.FormatTime(day))
	case "@todayEnd":
		return endOf(day.AddDate(0, 0, 1))
	case "@monthStart":
		return textLit(core.FormatTime(time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)))
	case "@monthEnd":
		return endOf(time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC))
	case "@yearStart":
		return textLit(core.FormatTime(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)))
	case "@yearEnd":
		return endOf(time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC))
	case "@second":
		return numLit(float64(now.Second()))
	case "@minute":
		return numLit(float64(now.Minute()))
	case "@hour":
		return numLit(float64(now.Hour()))
	case "@day":
		return numLit(float64(d))
	case "@month":
		return numLit(float64(m))
	case "@weekday":
		return numLit(float64(now.Weekday()))
	case "@year":
		return numLit(float64(y))
	}
	return nullLit()
}

func (e *emitter) bodyValue(key string) (any, bool) {
	v, ok := e.req.Body[key]
	return v, ok
}

// reqVal resolves @request.* against the request. Missing keys are NULL.
func (e *emitter) reqVal(q *reqOperand) (val, error) {
	req := e.req
	switch q.ns {
	case "method":
		return e.goValue(strings.ToUpper(req.Method), true, nil, nil, q.mod)
	case "context":
		c := req.Context
		if c == "" {
			c = "default"
		}
		return e.goValue(c, true, nil, nil, q.mod)
	case "headers":
		v, ok := req.Headers[q.key]
		return e.goValue(v, ok, nil, nil, q.mod)
	case "query":
		v, ok := req.Query[q.key]
		return e.goValue(v, ok, nil, nil, q.mod)
	case "body":
		v, ok := e.bodyValue(q.key)
		if q.mod == "changed" {
			return e.changed(q.field, v, ok)
		}
		return e.goValue(v, ok, q.field, q.path, q.mod)
	case "auth":
		return e.authVal(q)
	}
	return val{sc: litScalar(nullLit())}, nil
}

func (e *emitter) authVal(q *reqOperand) (val, error) {
	a := e.req.Auth
	if a == nil {
		return e.goValue(nil, false, nil, nil, q.mod)
	}
	var f *core.Field
	if a.Collection != nil {
		f = a.Collection.Field(q.key)
	}
	switch {
	case f == nil && q.key == "collectionId" && a.Collection != nil:
		return e.goValue(a.Collection.ID, true, nil, q.path, q.mod)
	case f == nil && q.key == "collectionName" && a.Collection != nil:
		return e.goValue(a.Collection.Name, true, nil, q.path, q.mod)
	case f == nil:
		v, ok := a.Values[q.key]
		return e.goValue(v, ok, nil, q.path, q.mod)
	}
	v, ok := a.Values[f.Name]
	if len(q.path) > 0 && f.Type == core.FieldRelation {
		// @request.auth.<rel>.<field>: the auth record's collection is
		// only known now, so the rest of the path is resolved here; a path
		// that does not exist there is NULL.
		target := e.findCollection(f.CollectionID)
		if target == nil {
			return val{sc: litScalar(nullLit())}, nil
		}
		r := &resolver{o: Options{Dialect: e.d, Collection: target, Schema: e.schema, Kind: RuleKind}}
		p, err := r.path(target, q.path, q.mod, "@request.auth."+q.key, false)
		if err != nil || len(p.steps) >= MaxRelationDepth || p.root != rootMain {
			return val{sc: litScalar(nullLit())}, nil
		}
		p.steps = append([]step{{kind: stepForward, field: f, to: target, multi: f.IsMulti()}}, p.steps...)
		if len(p.steps) == 1 && !p.term.hasJSON && (p.term.field.PrimaryKey || strings.EqualFold(p.term.field.Name, "id")) {
			p.term.idOfPrev = true
		}
		return e.walk(p, idsStart(v))
	}
	return e.goValue(v, ok, f, q.path, q.mod)
}

func (e *emitter) findCollection(id string) *core.Collection {
	if e.schema == nil {
		return nil
	}
	return e.schema.Find(id)
}

// goValue turns a Go value of the request into an operand, typed by the
// collection field f when there is one (§5.4): numeric strings of number
// fields are numbers, multi fields are lists, json fields JSON values.
func (e *emitter) goValue(v any, present bool, f *core.Field, path []string, mod string) (val, error) {
	if mod == "isset" {
		return val{sc: litScalar(boolLit(present))}, nil
	}
	if !present {
		v = nil
	}
	if len(path) > 0 {
		v = extractPath(v, path)
		f = nil
	}
	list, isList := asList(v, f)
	switch mod {
	case "length":
		switch {
		case isList:
			return val{sc: litScalar(numLit(float64(len(list))))}, nil
		case v == nil:
			return val{sc: litScalar(numLit(0))}, nil
		}
		if s, ok := v.(string); ok && s == "" {
			return val{sc: litScalar(numLit(0))}, nil
		}
		return val{sc: litScalar(numLit(1))}, nil
	case "each":
		if isList {
			j := e.alias("_j")
			item := e.eachItem(e.jsonParam(jsonStrings(list)), j)
			return val{set: &setSrc{items: []frag{item}, value: scalar{f: column(j, "value"), cls: clsText, pg: pgText, nullable: true}}}, nil
		}
	}
	var l *lit
	if isList {
		l = textLit(jsonStrings(list))
	} else {
		l = goLit(v, f)
	}
	s := litScalar(l)
	if mod == "lower" {
		s = e.lower(s)
	}
	return val{sc: s}, nil
}

// asList reports whether v is a list of ids/values: a Go slice, or a
// string given for a multi field.
func asList(v any, f *core.Field) ([]string, bool) {
	switch v := v.(type) {
	case []string:
		return v, true
	case []any:
		if f != nil && f.Type == core.FieldJSON {
			return nil, false
		}
		out := make([]string, 0, len(v))
		for _, x := range v {
			out = append(out, goLit(x, nil).text())
		}
		return out, true
	case string:
		if f == nil || !f.IsMulti() {
			return nil, false
		}
		if strings.HasPrefix(strings.TrimSpace(v), "[") {
			var l []string
			if json.Unmarshal([]byte(v), &l) == nil {
				return l, true
			}
		}
		if v == "" {
			return []string{}, true
		}
		return []string{v}, true
	case nil:
		if f != nil && f.IsMulti() {
			return []string{}, true
		}
	}
	return nil, false
}

// goLit converts a scalar Go value. JSON values follow json_extract: a
// string is text, a number a number, a bool 1/0, null NULL, an array or
// object its compact JSON text.
func goLit(v any, f *core.Field) *lit {
	if f != nil {
		switch f.Type {
		case core.FieldNumber:
			if s, ok := v.(string); ok && looksNumeric(s) {
				return numLit(parseNumeric(s))
			}
		case core.FieldBool:
			if s, ok := v.(string); ok {
				switch strings.ToLower(strings.TrimSpace(s)) {
				case "true", "1", "t", "on", "yes":
					return boolLit(true)
				case "false", "0", "f", "off", "no", "":
					return boolLit(false)
				}
			}
		case core.FieldJSON:
			switch x := v.(type) {
			case json.RawMessage:
				return jsonLit(x)
			case []byte:
				return jsonLit(x)
			}
		}
	}
	switch x := v.(type) {
	case nil:
		return nullLit()
	case string:
		return textLit(x)
	case bool:
		return boolLit(x)
	case float64:
		return finiteLit(x)
	case float32:
		return finiteLit(float64(x))
	case int:
		return numLit(float64(x))
	case int64:
		return numLit(float64(x))
	case int32:
		return numLit(float64(x))
	case uint:
		return numLit(float64(x))
	case uint64:
		return numLit(float64(x))
	case json.Number:
		if n, err := x.Float64(); err == nil {
			return finiteLit(n)
		}
		return textLit(x.String())
	case json.RawMessage:
		return jsonLit(x)
	case time.Time:
		return textLit(core.FormatTime(x))
	case core.GeoPoint:
		b, _ := json.Marshal(x)
		return textLit(string(b))
	case fmt.Stringer:
		return textLit(x.String())
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nullLit()
	}
	return textLit(string(b))
}

func finiteLit(n float64) *lit {
	if math.IsNaN(n) {
		return nullLit()
	}
	return numLit(n)
}

func jsonLit(raw []byte) *lit {
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if len(bytes.TrimSpace(raw)) == 0 || d.Decode(&v) != nil {
		return nullLit()
	}
	switch v.(type) {
	case map[string]any, []any:
		var b bytes.Buffer
		if json.Compact(&b, raw) == nil {
			return textLit(b.String())
		}
	}
	return goLit(v, nil)
}

// extractPath reads a JSON path out of a request value (json field body,
// auth json/geoPoint field): object keys, and numeric segments as array
// indexes. Anything missing is nil.
func extractPath(v any, path []string) any {
	switch x := v.(type) {
	case json.RawMessage:
		v = decodeJSON(x)
	case []byte:
		v = decodeJSON(x)
	case core.GeoPoint:
		v = map[string]any{"lon": x.Lon, "lat": x.Lat}
	}
	for _, seg := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || !allDigits(seg) || i >= len(x) {
				return nil
			}
			v = x[i]
		case []string:
			i, err := strconv.Atoi(seg)
			if err != nil || !allDigits(seg) || i >= len(x) {
				return nil
			}
			v = x[i]
		case core.GeoPoint:
			switch seg {
			case "lon":
				v = x.Lon
			case "lat":
				v = x.Lat
			default:
				return nil
			}
		default:
			return nil
		}
	}
	if _, ok := v.([]any); ok {
		b, _ := json.Marshal(v)
		return json.RawMessage(b)
	}
	if _, ok := v.(map[string]any); ok {
		b, _ := json.Marshal(v)
		return json.RawMessage(b)
	}
	return v
}

func decodeJSON(raw []byte) any {
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return nil
	}
	return v
}

func jsonStrings(l []string) string {
	if l == nil {
		l = []string{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(l)
	return strings.TrimRight(b.String(), "\n")
}

// changed writes @request.body.<field>:changed: submitted and different
// from the stored value. The result is a boolean that is never NULL.
func (e *emitter) changed(f *core.Field, v any, present bool) (val, error) {
	if !present {
		return val{sc: litScalar(boolLit(false))}, nil
	}
	ref := column(e.root, f.Name)
	out := scalar{cls: clsNum, pg: pgBool}
	switch {
	case f.IsMulti() || f.Type == core.FieldJSON || f.Type == core.FieldGeoPoint:
		var text string
		if list, ok := asList(v, f); ok {
			text = jsonStrings(list)
		} else if raw, ok := v.(json.RawMessage); ok {
			text = string(raw)
		} else {
			b, _ := json.Marshal(v)
			text = string(b)
		}
		if !json.Valid([]byte(text)) {
			text = "null"
		}
		if e.pg() {
			out.f = cat("(", param(text, "::jsonb"), " IS DISTINCT FROM ", ref, ")")
		} else {
			out.f = cat("(json(", param(text, ""), ") IS NOT json(", ref, "))")
		}
	default:
		col, _ := e.termValue(e.root, term{field: f}, false)
		out.f = cat("(", e.eq(litScalarFor(goLit(v, f), col), col, true), ")")
	}
	return val{sc: out}, nil
}

func litScalarFor(l *lit, other scalar) scalar {
	return litScalar(convertLit(l, other.cls))
}
