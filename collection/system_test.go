package collection

import (
	"encoding/json"
	"testing"

	"github.com/plinthdb/plinth/core"
)

func TestGoldenAuthSystem(t *testing.T) {
	golden(t, "auth_system", AuthSystem())
}

func TestAuthSystemCollectionsAreValid(t *testing.T) {
	system := AuthSystem()
	cols := append([]*core.Collection{withSecrets(t, Superusers()), withSecrets(t, Users())}, system...)
	s := core.NewSchema(1, cols)
	for _, c := range system {
		if err := Validate(c, nil, s, ValidateOptions{}); err != nil {
			b, _ := json.Marshal(err)
			t.Errorf("%s: %s", c.Name, b)
		}
		// Their ids are those of the reference server, derived like any other.
		if c.ID != core.DefaultCollectionID(core.TypeBase, c.Name) {
			t.Errorf("%s: id %s is not the derived one", c.Name, c.ID)
		}
		if !c.System || c.CreateRule != nil || c.UpdateRule != nil || c.ListRule == nil || *c.ListRule != ownerRule {
			t.Errorf("%s: flags or rules wrong", c.Name)
		}
	}
	otps := OTPs()
	if f := otps.Field("password"); f == nil || !f.Hidden || f.Type != core.FieldPassword {
		t.Errorf("_otps password field: %+v", f)
	}
	if f := otps.Field("sentTo"); f == nil || !f.Hidden {
		t.Errorf("_otps sentTo field: %+v", f)
	}
}
