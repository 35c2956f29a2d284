package collection

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/plinthdb/plinth/core"
)

func badFormat(err error) error {
	return &core.Error{Code: core.EInvalid, Message: "Failed to load the submitted data due to invalid formatting.", Err: err}
}

// decodeObject decodes a JSON object's members; anything else is an error.
func decodeObject(body []byte) (map[string]json.RawMessage, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, fmt.Errorf("expected a JSON object")
	}
	return raw, nil
}

// ApplyUpdate decodes a PATCH body (§3.4) onto a copy of stored: keys not
// sent are kept; "fields" and "indexes", when sent, replace the lists, but
// stored system fields missing from the sent list are kept (and a sent
// field with a system field's id stays system). View collections keep
// their fields (the store derives them from the query). Changing the id
// or the type is a validation error. A changed authRule clears the auth
// token secret (unless one is sent) so EnsureSecrets rotates it.
// A body that cannot be decoded gives a *core.Error (EInvalid).
func ApplyUpdate(stored *core.Collection, body []byte) (*core.Collection, error) {
	raw, err := decodeObject(body)
	if err != nil {
		return nil, badFormat(err)
	}
	c := stored.Clone()
	prepareDecode(c, raw)
	if err := json.Unmarshal(body, c); err != nil {
		return nil, badFormat(err)
	}
	errs := core.FieldErrors{}
	put(errs, "id", valuesMatch(c.ID == stored.ID))
	if c.Type != stored.Type {
		put(errs, "type", ferr("validation_collection_type_change", "Collection type cannot be changed."))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	finishMerge(stored, c, raw)
	return c, nil
}

// prepareDecode clears what must not be merged element by element: a sent
// providers list replaces the stored one (encoding/json would otherwise
// decode onto the stored entries by position, mixing up secrets).
func prepareDecode(c *core.Collection, raw map[string]json.RawMessage) {
	if c.Auth == nil {
		return
	}
	if o, ok := raw["oauth2"]; ok {
		if m, err := decodeObject(o); err == nil {
			if _, ok := m["providers"]; ok {
				c.Auth.OAuth2.Providers = nil
			}
		}
	}
}

// finishMerge fixes up c after the body was decoded onto a copy of stored.
// Stored system fields that the sent list left out are kept.
func finishMerge(stored, c *core.Collection, raw map[string]json.RawMessage) {
	if stored.Type == core.TypeView {
		c.Fields = stored.Clone().Fields
	} else if _, sent := raw["fields"]; sent {
		c.Fields = compactFields(c.Fields)
		// A sent field without id that has a stored field's name and type
		// is that field, as its default id would have made it anyway.
		for _, nf := range c.Fields {
			if nf.ID != "" {
				continue
			}
			if sf := fieldNamed(stored, nf.Name, nf.Type); sf != nil && c.FieldByID(sf.ID) == nil {
				nf.ID = sf.ID
			}
		}
		for i, f := range stored.Fields {
			if !f.System {
				continue
			}
			nf := c.FieldByID(f.ID)
			if nf == nil {
				if same := fieldNamed(c, f.Name, f.Type); same != nil && (same.ID == "" || stored.FieldByID(same.ID) == nil) {
					same.ID, nf = f.ID, same
				}
			}
			if nf != nil {
				nf.System = true
				continue
			}
			c.Fields = slices.Insert(c.Fields, min(i, len(c.Fields)), f.Clone())
		}
	}
	if c.Auth == nil || stored.Auth == nil {
		return
	}
	// Client secrets are never returned, so a sent provider without one
	// keeps the stored secret of the same name.
	secrets := stored.Auth.Secrets().OAuth2
	for i, p := range c.Auth.OAuth2.Providers {
		if p.ClientSecret == "" {
			c.Auth.OAuth2.Providers[i].ClientSecret = secrets[p.Name]
		}
	}
	if ruleText(stored.Auth.AuthRule) != ruleText(c.Auth.AuthRule) && !sentsSecret(raw, "authToken") {
		c.Auth.AuthToken.Secret = ""
	}
}

func ruleText(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func sentsSecret(raw map[string]json.RawMessage, key string) bool {
	v, ok := raw[key]
	if !ok {
		return false
	}
	m, err := decodeObject(v)
	if err != nil {
		return false
	}
	_, ok = m["secret"]
	return ok
}

// Change is one collection an import saves: Old is the stored state (nil
// when the collection is created).
type Change struct {
	Old *core.Collection
	New *core.Collection
}

// Import matches each item to an existing collection (by id, else by
// name, §3.7) and merges it onto a copy of the match, or decodes it as a
// new collection. Stored fields missing from an item are kept, unless
// deleteMissing, then only system fields are. With deleteMissing, stored
// non-system collections no item matched are returned in toDelete.
// toSave lists non-view collections before views, then by created and
// updated. The New collections still need Normalize, EnsureSecrets and
// Validate. Errors are plain errors whose text describes the bad item.
func Import(existing []*core.Collection, items []json.RawMessage, deleteMissing bool) (toSave []Change, toDelete []*core.Collection, err error) {
	s := core.NewSchema(0, existing)
	matched := map[string]bool{}
	for i, item := range items {
		raw, err := decodeObject(item)
		if err != nil {
			return nil, nil, fmt.Errorf("Invalid collection data at index %d: %v.", i, err)
		}
		var head struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		if err := json.Unmarshal(item, &head); err != nil {
			return nil, nil, fmt.Errorf("Invalid collection data at index %d: %v.", i, err)
		}
		ident := head.ID
		if ident == "" {
			ident = head.Name
		}
		var found *core.Collection
		if ident != "" {
			found = s.Find(ident)
		}
		if found == nil {
			c := &core.Collection{}
			if err := json.Unmarshal(item, c); err != nil {
				return nil, nil, fmt.Errorf("Invalid collection data at index %d: %v.", i, err)
			}
			if c.Type == "" {
				c.Type = core.TypeBase
			}
			if c.Type == core.TypeAuth && c.Auth == nil {
				c.Auth = core.DefaultAuthOptions()
			}
			toSave = append(toSave, Change{New: c})
			continue
		}
		if matched[found.ID] {
			return nil, nil, fmt.Errorf("Collection %q is listed more than once.", found.Name)
		}
		matched[found.ID] = true
		if _, ok := raw["fields"]; !ok && deleteMissing {
			raw["fields"] = json.RawMessage("[]")
			if item, err = json.Marshal(raw); err != nil {
				return nil, nil, err
			}
		}
		c := found.Clone()
		prepareDecode(c, raw)
		if err := json.Unmarshal(item, c); err != nil {
			return nil, nil, fmt.Errorf("Invalid collection data at index %d: %v.", i, err)
		}
		finishMerge(found, c, raw)
		if !deleteMissing && found.Type != core.TypeView {
			keepStoredFields(found, c)
		}
		toSave = append(toSave, Change{Old: found, New: c})
	}
	slices.SortStableFunc(toSave, func(a, b Change) int {
		av, bv := a.New.Type == core.TypeView, b.New.Type == core.TypeView
		if av != bv {
			if av {
				return 1
			}
			return -1
		}
		return cmp.Or(strings.Compare(a.New.Created, b.New.Created), strings.Compare(a.New.Updated, b.New.Updated))
	})
	toSave = relationTargetsFirst(toSave)
	if deleteMissing {
		for _, x := range existing {
			if !matched[x.ID] && !x.System {
				toDelete = append(toDelete, x)
			}
		}
	}
	return toSave, toDelete, nil
}

// relationTargetsFirst reorders changes, otherwise keeping their order, so
// that a collection comes after the collections of the batch its relation
// fields point to: each is validated as it is saved, and a relation to a
// collection not saved yet would be rejected. Views stay last. A cycle of
// relations among new collections cannot be ordered; it is left as is.
func relationTargetsFirst(changes []Change) []Change {
	ids := map[string]bool{}
	for _, ch := range changes {
		if ch.New.ID != "" {
			ids[ch.New.ID] = true
		}
	}
	done := map[string]bool{}
	ready := func(ch Change) bool {
		for _, f := range ch.New.Fields {
			if f != nil && f.Type == core.FieldRelation && f.CollectionID != ch.New.ID &&
				ids[f.CollectionID] && !done[f.CollectionID] {
				return false
			}
		}
		return true
	}
	out := make([]Change, 0, len(changes))
	rest := append([]Change{}, changes...)
	for len(rest) > 0 {
		pick := 0
		for i, ch := range rest {
			// A view never jumps ahead of a table.
			if ch.New.Type == core.TypeView && rest[0].New.Type != core.TypeView {
				break
			}
			if ready(ch) {
				pick = i
				break
			}
		}
		ch := rest[pick]
		rest = slices.Delete(rest, pick, pick+1)
		done[ch.New.ID] = true
		out = append(out, ch)
	}
	return out
}

// keepStoredFields appends the stored fields an import item left out. A
// sent field with the same name and type but another id takes the stored
// id, so it is the same column (its data is kept) rather than a clash.
func keepStoredFields(stored, c *core.Collection) {
	for _, f := range stored.Fields {
		if c.FieldByID(f.ID) != nil {
			continue
		}
		if same := fieldNamed(c, f.Name, f.Type); same != nil {
			same.ID = f.ID
			continue
		}
		c.Fields = append(c.Fields, f.Clone())
	}
}
