package record

import (
	"encoding/json"

	"github.com/plinthdb/plinth/core"
)

// SerializeOptions describe the requester of a record.
type SerializeOptions struct {
	// Superuser requesters see hidden fields.
	Superuser bool
	// ShowEmail shows an auth record's email even when emailVisibility is
	// off: the caller decides (superuser, the record itself, manageRule).
	ShowEmail bool
	// Expand, when non-nil, is output under "expand" (even when empty).
	Expand map[string]any
}

// Serialize renders rec as the API shows it (§4.3): one key per field the
// requester may see plus collectionId and collectionName. Password fields
// and an auth record's tokenKey are never shown. Values are JSON-ready:
// multi-value fields are never null, json fields are json.RawMessage (nil
// for null), geoPoints are {"lon","lat"} maps.
func Serialize(rec *core.Record, o SerializeOptions) map[string]any {
	c := rec.Collection
	out := make(map[string]any, len(c.Fields)+3)
	auth := c.IsAuth()
	for _, f := range c.Fields {
		if f.Type == core.FieldPassword || (f.Hidden && !o.Superuser) {
			continue
		}
		if auth && f.Name == "tokenKey" {
			continue
		}
		if auth && f.Name == "email" && !o.ShowEmail {
			if visible, _ := rec.Values["emailVisibility"].(bool); !visible {
				continue
			}
		}
		out[f.Name] = serializeValue(f, value(rec, f))
	}
	out["collectionId"] = c.ID
	out["collectionName"] = c.Name
	if o.Expand != nil {
		out["expand"] = o.Expand
	}
	return out
}

// serializeValue puts a stored value in its output shape; anything that
// is not in canonical form is coerced first so output is always well typed.
func serializeValue(f *core.Field, v any) any {
	switch f.Type {
	case core.FieldJSON:
		raw, ok := v.(json.RawMessage)
		if !ok {
			raw = toJSON(v)
		}
		if len(raw) == 0 || !json.Valid(raw) {
			return nil
		}
		return raw
	case core.FieldGeoPoint:
		p, ok := v.(core.GeoPoint)
		if !ok {
			p = toGeoPoint(v)
		}
		return map[string]any{"lon": p.Lon, "lat": p.Lat}
	case core.FieldSelect, core.FieldRelation, core.FieldFile:
		if f.IsMulti() {
			l, ok := v.([]string)
			if !ok || l == nil {
				l = uniqueStrings(v)
				if l == nil {
					l = []string{}
				}
			}
			return l
		}
		if s, ok := v.(string); ok {
			return s
		}
		return fitList(f, uniqueStrings(v))
	case core.FieldNumber:
		if n, ok := v.(float64); ok {
			return n
		}
		return toFloat(v)
	case core.FieldBool:
		if b, ok := v.(bool); ok {
			return b
		}
		return toBool(v)
	}
	if s, ok := v.(string); ok {
		return s
	}
	return toString(v)
}
