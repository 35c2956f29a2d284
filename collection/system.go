package collection

import (
	"fmt"

	"github.com/plinthdb/plinth/core"
)

// Names and ids of the auth system collections (§2.6).
const (
	ExternalAuthsName = "_externalAuths"
	ExternalAuthsID   = "pbc_2281828961"
	MFAsName          = "_mfas"
	MFAsID            = "pbc_2279338944"
	OTPsName          = "_otps"
	OTPsID            = "pbc_1638494021"
	AuthOriginsName   = "_authOrigins"
	AuthOriginsID     = "pbc_4275539003"
)

// ownerRule lets an auth record see the system rows that belong to it.
const ownerRule = "@request.auth.id != '' && recordRef = @request.auth.id && collectionRef = @request.auth.collectionId"

func systemText(name string, hidden bool) *core.Field {
	return withID(&core.Field{Name: name, Type: core.FieldText, System: true, Hidden: hidden, Required: true})
}

// refFields are the collectionRef and recordRef every auth system
// collection starts with: plain text, since they may point to any auth
// collection.
func refFields() []*core.Field {
	return []*core.Field{systemText("collectionRef", false), systemText("recordRef", false)}
}

func systemCollection(id, name string, fields []*core.Field, indexes ...string) *core.Collection {
	c := &core.Collection{ID: id, Name: name, Type: core.TypeBase, System: true}
	c.Fields = append([]*core.Field{IDField()}, fields...)
	c.Fields = append(c.Fields, autodateField("created", true, false), autodateField("updated", true, true))
	for _, def := range indexes {
		c.Indexes = append(c.Indexes, fmt.Sprintf(def, name))
	}
	Normalize(c, nil)
	return c
}

// ExternalAuths returns the _externalAuths collection: OAuth2 identities
// linked to auth records.
func ExternalAuths() *core.Collection {
	c := systemCollection(ExternalAuthsID, ExternalAuthsName,
		append(refFields(), systemText("provider", false), systemText("providerId", false)),
		"CREATE UNIQUE INDEX `idx_externalAuths_record_provider` ON `%s` (`collectionRef`, `recordRef`, `provider`)",
		"CREATE UNIQUE INDEX `idx_externalAuths_collection_provider` ON `%s` (`collectionRef`, `provider`, `providerId`)")
	c.ListRule, c.ViewRule, c.DeleteRule = core.String(ownerRule), core.String(ownerRule), core.String(ownerRule)
	return c
}

// MFAs returns the _mfas collection: first factors of pending MFA logins.
func MFAs() *core.Collection {
	c := systemCollection(MFAsID, MFAsName, append(refFields(), systemText("method", false)),
		"CREATE INDEX `idx_mfas_collectionRef_recordRef` ON `%s` (`collectionRef`, `recordRef`)")
	c.ListRule, c.ViewRule = core.String(ownerRule), core.String(ownerRule)
	return c
}

// OTPs returns the _otps collection: hashed one-time passwords and the
// address each was sent to.
func OTPs() *core.Collection {
	pass := withID(&core.Field{Name: "password", Type: core.FieldPassword, System: true, Hidden: true, Required: true})
	sentTo := withID(&core.Field{Name: "sentTo", Type: core.FieldText, System: true, Hidden: true})
	c := systemCollection(OTPsID, OTPsName, append(refFields(), pass, sentTo),
		"CREATE INDEX `idx_otps_collectionRef_recordRef` ON `%s` (`collectionRef`, `recordRef`)")
	c.ListRule, c.ViewRule = core.String(ownerRule), core.String(ownerRule)
	return c
}

// AuthOrigins returns the _authOrigins collection: device fingerprints an
// auth record has signed in from.
func AuthOrigins() *core.Collection {
	c := systemCollection(AuthOriginsID, AuthOriginsName, append(refFields(), systemText("fingerprint", false)),
		"CREATE UNIQUE INDEX `idx_authOrigins_unique_pairs` ON `%s` (`collectionRef`, `recordRef`, `fingerprint`)")
	c.ListRule, c.ViewRule, c.DeleteRule = core.String(ownerRule), core.String(ownerRule), core.String(ownerRule)
	return c
}

// AuthSystem returns the auth system collections in creation order.
func AuthSystem() []*core.Collection {
	return []*core.Collection{ExternalAuths(), MFAs(), OTPs(), AuthOrigins()}
}
