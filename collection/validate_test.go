package collection

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/plinthdb/plinth/core"
)

// schemaFixture is a schema with users (auth), posts (base) and a view.
func schemaFixture(t *testing.T) (*core.Schema, map[string]*core.Collection) {
	users := withSecrets(t, Users())
	supers := withSecrets(t, Superusers())
	posts := newBase("posts", text("title"))
	posts.ID = "posts_id"
	posts.Indexes = []string{"CREATE INDEX idx_posts_title ON posts (title)"}
	Normalize(posts, nil)
	view := newView("posts_view", "SELECT id FROM posts")
	view.ID = "view_id"
	all := []*core.Collection{supers, users, posts, view}
	m := map[string]*core.Collection{}
	for _, c := range all {
		m[c.Name] = c
	}
	return core.NewSchema(1, all), m
}

func TestValidateValid(t *testing.T) {
	s, m := schemaFixture(t)
	for _, c := range []*core.Collection{m["_superusers"], m["users"], m["posts"], m["posts_view"]} {
		if err := Validate(c, c.Clone(), s, ValidateOptions{}); err != nil {
			t.Errorf("%s (update): %v", c.Name, err)
		}
	}
	full := newBase("everything",
		&core.Field{Name: "t", Type: core.FieldText, Min: core.Float(1), Max: core.Float(10), Pattern: "^a", AutogeneratePattern: "a[0-9]{3}"},
		&core.Field{Name: "n", Type: core.FieldNumber, Min: core.Float(-1), Max: core.Float(1), OnlyInt: true},
		&core.Field{Name: "b", Type: core.FieldBool},
		&core.Field{Name: "e", Type: core.FieldEmail, OnlyDomains: []string{"example.com"}},
		&core.Field{Name: "u", Type: core.FieldURL, ExceptDomains: []string{"bad.example.org"}},
		&core.Field{Name: "ed", Type: core.FieldEditor, MaxSize: 100},
		&core.Field{Name: "d", Type: core.FieldDate, DateMin: "2020-01-01 00:00:00.000Z", DateMax: "2021-01-01"},
		&core.Field{Name: "ad", Type: core.FieldAutodate, OnUpdate: true},
		&core.Field{Name: "s", Type: core.FieldSelect, Values: []string{"a", "b"}, MaxSelect: 2},
		&core.Field{Name: "f", Type: core.FieldFile, MaxSelect: 3, Thumbs: []string{"100x100", "0x50", "50x0t", "10x10b", "10x10f"}},
		&core.Field{Name: "r", Type: core.FieldRelation, CollectionID: "posts_id", MinSelect: 1, MaxSelect: 2},
		&core.Field{Name: "self", Type: core.FieldRelation, CollectionID: "", MaxSelect: 1},
		&core.Field{Name: "j", Type: core.FieldJSON},
		&core.Field{Name: "g", Type: core.FieldGeoPoint},
		&core.Field{Name: "p", Type: core.FieldPassword, Min: core.Float(1), Max: core.Float(71), Cost: 4},
	)
	full.Fields[12].CollectionID = full.ID
	full.Indexes = []string{"CREATE UNIQUE INDEX idx_everything_t ON everything (t COLLATE NOCASE) WHERE t != ''"}
	full.ListRule = core.String("t = 'a'")
	called := 0
	o := ValidateOptions{CheckRule: func(rule string, c *core.Collection) error {
		called++
		if rule != "t = 'a'" || c != full {
			t.Errorf("CheckRule(%q, %p)", rule, c)
		}
		return nil
	}}
	if err := Validate(full, nil, s, o); err != nil {
		b, _ := json.Marshal(err)
		t.Fatalf("valid collection rejected: %s", b)
	}
	if called != 1 {
		t.Fatalf("CheckRule called %d times, want 1", called)
	}
}

func TestValidateCodes(t *testing.T) {
	ruleErr := errors.New("unknown field \"nope\"")
	opts := ValidateOptions{
		CheckRule: func(rule string, c *core.Collection) error {
			if strings.Contains(rule, "nope") {
				return ruleErr
			}
			return nil
		},
		CheckAutogenerate: func(f *core.Field) *core.FieldError {
			if f.AutogeneratePattern == `\b` {
				return core.NewFieldError("validation_invalid_autogenerate_pattern", "Unsupported.", nil)
			}
			return nil
		},
	}
	tests := []struct {
		name   string
		start  string // fixture collection name, or "new base"/"new auth"/"new view"
		update bool   // validate as an update of the unchanged start
		mut    func(c *core.Collection)
		path   string
		code   string
	}{
		// id
		{"id format", "new base", false, func(c *core.Collection) { c.ID = "a b" }, "id", "validation_match_invalid"},
		{"id length", "new base", false, func(c *core.Collection) { c.ID = strings.Repeat("a", 101) }, "id", "validation_length_out_of_range"},
		{"id taken", "new base", false, func(c *core.Collection) { c.ID = "posts_id" }, "id", "validation_invalid_or_existing_id"},
		{"id required", "new base", false, func(c *core.Collection) { c.ID = "" }, "id", "validation_required"},
		{"id change", "posts", true, func(c *core.Collection) { c.ID = "other" }, "id", "validation_values_mismatch"},
		// system and type
		{"system flag", "posts", true, func(c *core.Collection) { c.System = true }, "system", "validation_collection_system_flag_change"},
		{"type unknown", "new base", false, func(c *core.Collection) { c.Type = "table" }, "type", "validation_in_invalid"},
		{"type change", "posts", true, func(c *core.Collection) { c.Type = core.TypeView }, "type", "validation_collection_type_change"},
		// name
		{"name required", "new base", false, func(c *core.Collection) { c.Name = "" }, "name", "validation_required"},
		{"name format", "new base", false, func(c *core.Collection) { c.Name = "a-b" }, "name", "validation_match_invalid"},
		{"name length", "new base", false, func(c *core.Collection) { c.Name = strings.Repeat("n", 256) }, "name", "validation_length_out_of_range"},
		{"name via", "new base", false, func(c *core.Collection) { c.Name = "a_VIA_b" }, "name", "validation_found_via"},
		{"name exists", "new base", false, func(c *core.Collection) { c.Name = "POSTS" }, "name", "validation_collection_name_exists"},
		{"name is an id", "new base", false, func(c *core.Collection) { c.Name = "view_id" }, "name", "validation_collection_name_id_duplicate"},
		{"name internal", "new base", false, func(c *core.Collection) { c.Name = "_collections" }, "name", "validation_collection_name_invalid"},
		{"name internal case", "new base", false, func(c *core.Collection) { c.Name = "_Params" }, "name", "validation_collection_name_invalid"},
		{"name sqlite_", "new base", false, func(c *core.Collection) { c.Name = "sqlite_master" }, "name", "validation_collection_name_invalid"},
		{"name pg_", "new base", false, func(c *core.Collection) { c.Name = "pg_class" }, "name", "validation_collection_name_invalid"},
		{"system rename", "_superusers", true, func(c *core.Collection) { c.Name = "admins" }, "name", "validation_collection_system_name_change"},
		// fields, collection level
		{"fields empty", "new base", false, func(c *core.Collection) { c.Fields = nil }, "fields", "validation_required"},
		{"no pk", "new base", false, func(c *core.Collection) { c.Fields[0].PrimaryKey = false }, "fields", "validation_missing_primary_key"},
		{"id not text", "new base", false, func(c *core.Collection) { c.Fields[0].Type = core.FieldNumber }, "fields", "validation_missing_primary_key"},
		{"dup field id", "new base", false, func(c *core.Collection) { c.Fields[2].ID = c.Fields[1].ID }, "fields.2.id", "validation_duplicated_field_id"},
		{"dup field name", "new base", false, func(c *core.Collection) { c.Fields[2].Name = "TITLE" }, "fields.2.name", "validation_duplicated_field_name"},
		{"auth no password", "new auth", false, func(c *core.Collection) { c.Fields = c.Fields[:1] }, "fields", "validation_missing_password_field"},
		{"auth no tokenKey", "new auth", false, func(c *core.Collection) { removeField(c, "tokenKey") }, "fields", "validation_missing_tokenKey_field"},
		{"auth no email", "new auth", false, func(c *core.Collection) { removeField(c, "email") }, "fields", "validation_missing_email_field"},
		{"auth no emailVisibility", "new auth", false, func(c *core.Collection) { removeField(c, "emailVisibility") }, "fields", "validation_missing_emailVisibility_field"},
		{"auth no verified", "new auth", false, func(c *core.Collection) { removeField(c, "verified") }, "fields", "validation_missing_verified_field"},
		{"password not hidden", "new auth", false, func(c *core.Collection) { c.Field("password").Hidden = false }, "fields.password", "validation_must_be_system_and_hidden"},
		{"tokenKey not system", "new auth", false, func(c *core.Collection) { c.Field("tokenKey").System = false }, "fields.tokenKey", "validation_must_be_system_and_hidden"},
		{"email not system", "new auth", false, func(c *core.Collection) { c.Field("email").System = false }, "fields.email", "validation_must_be_system"},
		{"verified not system", "new auth", false, func(c *core.Collection) { c.Field("verified").System = false }, "fields.verified", "validation_must_be_system"},
		{"system field renamed", "_superusers", true, func(c *core.Collection) { c.Field("created").Name = "made" }, "fields", "validation_system_field_change"},
		{"system field removed", "users", true, func(c *core.Collection) { removeField(c, "verified") }, "fields", "validation_missing_verified_field"},
		{"system autodate removed", "_superusers", true, func(c *core.Collection) { removeField(c, "created") }, "fields", "validation_system_field_change"},
		{"field type change", "posts", true, func(c *core.Collection) { c.Fields[1].Type = core.FieldEditor }, "fields.1", "validation_field_type_change"},
		{"auth reserved name", "new auth", false, func(c *core.Collection) { c.Fields[6].Name = "passwordConfirm" }, "fields.6.name", "validation_reserved_field_name"},
		{"auth reserved oldPassword", "new auth", false, func(c *core.Collection) { c.Fields[6].Name = "oldPassword" }, "fields.6.name", "validation_reserved_field_name"},
		// field settings
		{"field name reserved", "new base", false, func(c *core.Collection) { c.Fields[1].Name = "expand" }, "fields.1.name", "validation_not_in_invalid"},
		{"field name rowid", "new base", false, func(c *core.Collection) { c.Fields[1].Name = "_rowid_" }, "fields.1.name", "validation_not_in_invalid"},
		{"field name format", "new base", false, func(c *core.Collection) { c.Fields[1].Name = "a.b" }, "fields.1.name", "validation_match_invalid"},
		{"field name via", "new base", false, func(c *core.Collection) { c.Fields[1].Name = "a_via_b" }, "fields.1.name", "validation_found_via"},
		{"field name blank", "new base", false, func(c *core.Collection) { c.Fields[1].Name = "" }, "fields.1.name", "validation_required"},
		{"field name length", "new base", false, func(c *core.Collection) { c.Fields[1].Name = strings.Repeat("f", 101) }, "fields.1.name", "validation_length_out_of_range"},
		{"field id length", "new base", false, func(c *core.Collection) { c.Fields[1].ID = strings.Repeat("f", 101) }, "fields.1.id", "validation_length_out_of_range"},
		{"field id blank", "new base", false, func(c *core.Collection) { c.Fields[1].ID = "" }, "fields.1.id", "validation_required"},
		{"field help length", "new base", false, func(c *core.Collection) { c.Fields[1].Help = strings.Repeat("h", 301) }, "fields.1.help", "validation_length_out_of_range"},
		{"field type unknown", "new base", false, func(c *core.Collection) { c.Fields[1].Type = "blob" }, "fields.1.type", "validation_in_invalid"},
		{"text min negative", "new base", false, func(c *core.Collection) { c.Fields[1].Min = core.Float(-1) }, "fields.1.min", "validation_min_greater_equal_than_required"},
		{"text max below min", "new base", false, func(c *core.Collection) { c.Fields[1].Min, c.Fields[1].Max = core.Float(5), core.Float(4) }, "fields.1.max", "validation_min_greater_equal_than_required"},
		{"text pattern", "new base", false, func(c *core.Collection) { c.Fields[1].Pattern = "a(" }, "fields.1.pattern", "validation_invalid_regex"},
		{"text autogenerate regex", "new base", false, func(c *core.Collection) { c.Fields[1].AutogeneratePattern = "[" }, "fields.1.autogeneratePattern", "validation_invalid_regex"},
		{"text autogenerate", "new base", false, func(c *core.Collection) { c.Fields[1].AutogeneratePattern = `\b` }, "fields.1.autogeneratePattern", "validation_invalid_autogenerate_pattern"},
		{"second pk", "new base", false, func(c *core.Collection) { c.Fields[1].PrimaryKey = true }, "fields.1.primaryKey", "validation_unsupported_composite_pk"},
		{"pk misnamed", "new base", false, func(c *core.Collection) { c.Fields[1].PrimaryKey = true }, "fields.1.name", "validation_in_invalid"},
		{"pk hidden", "new base", false, func(c *core.Collection) { c.Fields[0].Hidden = true }, "fields.0.hidden", "validation_empty"},
		{"pk pattern", "new base", false, func(c *core.Collection) { c.Fields[0].Pattern = "" }, "fields.0.pattern", "validation_required"},
		{"number order", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "n", Type: core.FieldNumber, Min: core.Float(2), Max: core.Float(1)})
		}, "fields.3.max", "validation_min_number_constraint"},
		{"number only int", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "n", Type: core.FieldNumber, Min: core.Float(1.5), OnlyInt: true})
		}, "fields.3.min", "validation_only_int_constraint"},
		{"password min", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "p", Type: core.FieldPassword, Min: core.Float(72)})
		}, "fields.3.min", "validation_max_less_equal_than_required"},
		{"password max", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "p", Type: core.FieldPassword, Max: core.Float(72)})
		}, "fields.3.max", "validation_max_less_equal_than_required"},
		{"password max below min", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "p", Type: core.FieldPassword, Min: core.Float(10), Max: core.Float(9)})
		}, "fields.3.max", "validation_min_greater_equal_than_required"},
		{"password cost low", "new base", false, func(c *core.Collection) { addField(c, &core.Field{Name: "p", Type: core.FieldPassword, Cost: 3}) }, "fields.3.cost", "validation_min_greater_equal_than_required"},
		{"password cost high", "new base", false, func(c *core.Collection) { addField(c, &core.Field{Name: "p", Type: core.FieldPassword, Cost: 32}) }, "fields.3.cost", "validation_max_less_equal_than_required"},
		{"autodate neither", "new base", false, func(c *core.Collection) { addField(c, &core.Field{Name: "a", Type: core.FieldAutodate}) }, "fields.3.onCreate", "validation_required"},
		{"system autodate flags", "_superusers", true, func(c *core.Collection) { c.Field("created").OnUpdate = true }, "fields.6.onUpdate", "validation_values_mismatch"},
		{"select no values", "new base", false, func(c *core.Collection) { addField(c, &core.Field{Name: "s", Type: core.FieldSelect}) }, "fields.3.values", "validation_required"},
		{"select maxSelect", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "s", Type: core.FieldSelect, Values: []string{"a", "b"}, MaxSelect: 3})
		}, "fields.3.maxSelect", "validation_max_less_equal_than_required"},
		{"select maxSelect negative", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "s", Type: core.FieldSelect, Values: []string{"a"}, MaxSelect: -1})
		}, "fields.3.maxSelect", "validation_min_greater_equal_than_required"},
		{"file thumb 0x0", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "f", Type: core.FieldFile, Thumbs: []string{"10x10", "0x0"}})
		}, "fields.3.thumbs.1", "validation_not_in_invalid"},
		{"file thumb format", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "f", Type: core.FieldFile, Thumbs: []string{"10x10x"}})
		}, "fields.3.thumbs.0", "validation_match_invalid"},
		{"file maxSize", "new base", false, func(c *core.Collection) { addField(c, &core.Field{Name: "f", Type: core.FieldFile, MaxSize: -1}) }, "fields.3.maxSize", "validation_min_greater_equal_than_required"},
		{"json maxSize", "new base", false, func(c *core.Collection) { addField(c, &core.Field{Name: "j", Type: core.FieldJSON, MaxSize: -1}) }, "fields.3.maxSize", "validation_min_greater_equal_than_required"},
		{"date min", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "d", Type: core.FieldDate, DateMin: "yesterday"})
		}, "fields.3.min", "validation_date_invalid"},
		{"date max", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "d", Type: core.FieldDate, DateMax: "2020-13-45"})
		}, "fields.3.max", "validation_date_invalid"},
		{"date range", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "d", Type: core.FieldDate, DateMin: "2021-01-01", DateMax: "2020-01-01"})
		}, "fields.3.max", "validation_date_out_of_range"},
		{"email both domain lists", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "e", Type: core.FieldEmail, OnlyDomains: []string{"a.com"}, ExceptDomains: []string{"b.com"}})
		}, "fields.3.exceptDomains", "validation_empty"},
		{"url bad domain", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "u", Type: core.FieldURL, OnlyDomains: []string{"not a domain"}})
		}, "fields.3.onlyDomains.0", "validation_is_domain"},
		{"relation no collection", "new base", false, func(c *core.Collection) { addField(c, &core.Field{Name: "r", Type: core.FieldRelation}) }, "fields.3.collectionId", "validation_required"},
		{"relation missing collection", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "r", Type: core.FieldRelation, CollectionID: "nope"})
		}, "fields.3.collectionId", "validation_field_relation_missing_collection"},
		{"relation by name", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "r", Type: core.FieldRelation, CollectionID: "posts"})
		}, "fields.3.collectionId", "validation_field_relation_missing_collection"},
		{"relation to view", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "r", Type: core.FieldRelation, CollectionID: "view_id"})
		}, "fields.3.collectionId", "validation_relation_field_non_view_base_collection"},
		{"relation change", "users_with_rel", true, func(c *core.Collection) { c.Field("rel").CollectionID = core.SuperusersID }, "fields.10.collectionId", "validation_field_relation_change"},
		{"relation minSelect", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "r", Type: core.FieldRelation, CollectionID: "posts_id", MinSelect: -1})
		}, "fields.3.minSelect", "validation_min_greater_equal_than_required"},
		{"relation maxSelect required", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "r", Type: core.FieldRelation, CollectionID: "posts_id", MinSelect: 2})
		}, "fields.3.maxSelect", "validation_required"},
		{"relation max below min", "new base", false, func(c *core.Collection) {
			addField(c, &core.Field{Name: "r", Type: core.FieldRelation, CollectionID: "posts_id", MinSelect: 3, MaxSelect: 2})
		}, "fields.3.maxSelect", "validation_min_greater_equal_than_required"},
		// rules
		{"invalid rule", "new base", false, func(c *core.Collection) { c.ListRule = core.String("nope = 1") }, "listRule", "validation_invalid_rule"},
		{"invalid delete rule", "new base", false, func(c *core.Collection) { c.DeleteRule = core.String("nope = 1") }, "deleteRule", "validation_invalid_rule"},
		{"view create rule", "new view", false, func(c *core.Collection) { c.CreateRule = core.String("") }, "createRule", "validation_nil"},
		{"view update rule", "new view", false, func(c *core.Collection) { c.UpdateRule = core.String("") }, "updateRule", "validation_nil"},
		{"view delete rule", "new view", false, func(c *core.Collection) { c.DeleteRule = core.String("") }, "deleteRule", "validation_nil"},
		{"system rule change", "_superusers", true, func(c *core.Collection) { c.ListRule = core.String("") }, "listRule", "validation_collection_system_rule_change"},
		{"system auth rule change", "_superusers", true, func(c *core.Collection) { c.Auth.AuthRule = nil }, "authRule", "validation_collection_system_rule_change"},
		// indexes
		{"index invalid", "new base", false, func(c *core.Collection) { c.Indexes = []string{"CREATE INDEX x ON t (a); DROP TABLE t"} }, "indexes.0", "validation_invalid_index_expression"},
		{"index unknown column", "new base", false, func(c *core.Collection) { c.Indexes = []string{"CREATE INDEX x ON t (nope)"} }, "indexes.0", "validation_invalid_index_expression"},
		{"index dup name", "new base", false, func(c *core.Collection) {
			c.Indexes = []string{"CREATE INDEX x ON t (title)", "CREATE UNIQUE INDEX X ON t (id, title)"}
		}, "indexes.1", "validation_duplicated_index_name"},
		{"index dup definition", "new base", false, func(c *core.Collection) {
			c.Indexes = []string{"CREATE INDEX x ON t (title)", "CREATE INDEX y ON `t` (`title`)"}
		}, "indexes.1", "validation_duplicated_index_definition"},
		{"index name used elsewhere", "new base", false, func(c *core.Collection) { c.Indexes = []string{"CREATE INDEX idx_posts_title ON t (title)"} }, "indexes.0", "validation_existing_index_name"},
		{"index named like a table", "new base", false, func(c *core.Collection) { c.Indexes = []string{"CREATE INDEX users ON t (title)"} }, "indexes.0", "validation_existing_index_name"},
		{"view indexes", "new view", false, func(c *core.Collection) { c.Indexes = []string{"CREATE INDEX x ON t (id)"} }, "indexes", "validation_indexes_not_supported"},
		{"auth missing tokenKey index", "new auth", false, func(c *core.Collection) { c.Indexes = c.Indexes[1:] }, "indexes", "validation_missing_required_unique_index"},
		{"auth missing email index", "new auth", false, func(c *core.Collection) { c.Indexes = c.Indexes[:1] }, "indexes", "validation_missing_required_unique_index"},
		{"system unique index dropped", "users", true, func(c *core.Collection) {
			c.Indexes = []string{c.Indexes[0], "CREATE INDEX `idx_email__pb_users_auth_` ON `users` (`email`)", "CREATE UNIQUE INDEX e2 ON users (email, name)"}
		}, "indexes", "validation_invalid_unique_system_field_index"},
		// view
		{"view query", "new view", false, func(c *core.Collection) { c.ViewQuery = " " }, "viewQuery", "validation_required"},
		// auth options
		{"manage rule blank", "new auth", false, func(c *core.Collection) { c.Auth.ManageRule = core.String("") }, "manageRule", "validation_nil_or_not_empty_required"},
		{"manage rule invalid", "new auth", false, func(c *core.Collection) { c.Auth.ManageRule = core.String("nope") }, "manageRule", "validation_invalid_rule"},
		{"auth rule invalid", "new auth", false, func(c *core.Collection) { c.Auth.AuthRule = core.String("nope") }, "authRule", "validation_invalid_rule"},
		{"token secret short", "new auth", false, func(c *core.Collection) { c.Auth.AuthToken.Secret = "short" }, "authToken.secret", "validation_length_out_of_range"},
		{"token secret blank", "new auth", false, func(c *core.Collection) { c.Auth.FileToken.Secret = "" }, "fileToken.secret", "validation_required"},
		{"token duration", "new auth", false, func(c *core.Collection) { c.Auth.VerificationToken.Duration = 5 }, "verificationToken.duration", "validation_min_greater_equal_than_required"},
		{"token duration max", "new auth", false, func(c *core.Collection) { c.Auth.EmailChangeToken.Duration = maxTokenDuration + 1 }, "emailChangeToken.duration", "validation_max_less_equal_than_required"},
		{"otp length", "new auth", false, func(c *core.Collection) { c.Auth.OTP.Enabled, c.Auth.OTP.Length = true, 3 }, "otp.length", "validation_min_greater_equal_than_required"},
		{"otp template", "new auth", false, func(c *core.Collection) { c.Auth.OTP.EmailTemplate.Body = "" }, "otp.emailTemplate.body", "validation_required"},
		{"mfa duration", "new auth", false, func(c *core.Collection) { c.Auth.MFA.Enabled, c.Auth.MFA.Duration = true, 86401 }, "mfa.duration", "validation_max_less_equal_than_required"},
		{"mfa auths", "new auth", false, func(c *core.Collection) { c.Auth.MFA.Enabled = true }, "mfa.enabled", "validation_mfa_not_enough_auths"},
		{"mfa rule", "new auth", false, func(c *core.Collection) {
			c.Auth.MFA.Enabled, c.Auth.OTP.Enabled, c.Auth.MFA.Rule = true, true, "nope"
		}, "mfa.rule", "validation_invalid_rule"},
		{"alert template", "new auth", false, func(c *core.Collection) { c.Auth.AuthAlert.EmailTemplate.Subject = "" }, "authAlert.emailTemplate.subject", "validation_required"},
		{"verification template", "new auth", false, func(c *core.Collection) { c.Auth.VerificationTemplate = core.EmailTemplate{} }, "verificationTemplate", "validation_required"},
		{"reset template body", "new auth", false, func(c *core.Collection) { c.Auth.ResetPasswordTemplate.Body = "" }, "resetPasswordTemplate.body", "validation_required"},
		{"identity fields blank", "new auth", false, func(c *core.Collection) { c.Auth.PasswordAuth.IdentityFields = nil }, "passwordAuth.identityFields", "validation_required"},
		{"identity field missing", "new auth", false, func(c *core.Collection) { c.Auth.PasswordAuth.IdentityFields = []string{"username"} }, "passwordAuth.identityFields", "validation_missing_field"},
		{"identity field not unique", "new auth", false, func(c *core.Collection) { c.Auth.PasswordAuth.IdentityFields = []string{"title"} }, "passwordAuth.identityFields", "validation_missing_unique_constraint"},
		{"provider duplicate", "new auth", false, func(c *core.Collection) {
			c.Auth.OAuth2.Enabled = true
			p := core.OAuth2Provider{Name: "google", ClientID: "id", ClientSecret: "secret"}
			c.Auth.OAuth2.Providers = []core.OAuth2Provider{p, p}
		}, "oauth2.providers.1.name", "validation_duplicated_provider"},
		{"provider unknown", "new auth", false, func(c *core.Collection) {
			c.Auth.OAuth2.Enabled = true
			c.Auth.OAuth2.Providers = []core.OAuth2Provider{{Name: "myspace", ClientID: "id", ClientSecret: "secret"}}
		}, "oauth2.providers.0.name", "validation_missing_provider"},
		{"provider secret", "new auth", false, func(c *core.Collection) {
			c.Auth.OAuth2.Enabled = true
			c.Auth.OAuth2.Providers = []core.OAuth2Provider{{Name: "github", ClientID: "id"}}
		}, "oauth2.providers.0.clientSecret", "validation_required"},
		{"provider url", "new auth", false, func(c *core.Collection) {
			c.Auth.OAuth2.Enabled = true
			c.Auth.OAuth2.Providers = []core.OAuth2Provider{{Name: "oidc", ClientID: "id", ClientSecret: "s", AuthURL: "not a url"}}
		}, "oauth2.providers.0.authURL", "validation_is_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, m := schemaFixture(t)
			var start *core.Collection
			switch tt.start {
			case "new base":
				start = newBase("fresh", text("title"), text("body"))
			case "new auth":
				start = newAuth(t, "members", text("title"))
			case "new view":
				start = newView("fresh_view", "SELECT id FROM posts")
			case "users_with_rel":
				start = m["users"].Clone()
				start.Fields = append(start.Fields, withID(&core.Field{Name: "rel", Type: core.FieldRelation, CollectionID: "posts_id", MaxSelect: 1}))
			default:
				start = m[tt.start].Clone()
			}
			var old *core.Collection
			if tt.update {
				old = start.Clone()
			}
			c := start.Clone()
			tt.mut(c)
			err := Validate(c, old, s, opts)
			if got := at(err, tt.path); got != tt.code {
				b, _ := json.Marshal(err)
				t.Fatalf("at %s: got %q, want %q; errors: %s", tt.path, got, tt.code, b)
			}
			if _, ok := err.(core.FieldErrors); !ok {
				t.Fatalf("error type %T, want core.FieldErrors", err)
			}
			// Every reported message is a sentence.
			if fe := fieldErr(err, tt.path); fe != nil {
				if fe.Message == "" || !strings.ContainsAny(fe.Message[len(fe.Message)-1:], ".!?") {
					t.Errorf("message %q is not a sentence", fe.Message)
				}
			}
		})
	}
}

func removeField(c *core.Collection, name string) {
	for i, f := range c.Fields {
		if f.Name == name {
			c.Fields = append(c.Fields[:i], c.Fields[i+1:]...)
			return
		}
	}
}

func addField(c *core.Collection, f *core.Field) {
	c.Fields = append(c.Fields, withID(f))
}

func TestValidateRuleMessageAndParams(t *testing.T) {
	s, _ := schemaFixture(t)
	c := newBase("fresh", text("title"))
	c.ListRule = core.String("bad")
	c.Name = strings.Repeat("x", 300)
	err := Validate(c, nil, s, ValidateOptions{CheckRule: func(string, *core.Collection) error {
		return errors.New("invalid filter: unexpected token")
	}})
	fe := fieldErr(err, "listRule")
	if fe == nil || fe.Message != "Invalid rule. Raw error: invalid filter: unexpected token." {
		t.Fatalf("listRule error %+v", fe)
	}
	fe = fieldErr(err, "name")
	if fe == nil || fe.Message != "The length must be between 1 and 255." || fe.Params["min"] != 1 || fe.Params["max"] != 255 {
		t.Fatalf("name error %+v", fe)
	}
	// The shape the API returns.
	b, _ := json.Marshal(core.FieldErrors{"fields": core.FieldErrors{"3": core.FieldErrors{"name": core.NewFieldError("c", "M.", nil)}}})
	if string(b) != `{"fields":{"3":{"name":{"code":"c","message":"M."}}}}` {
		t.Fatalf("shape %s", b)
	}
}

func TestValidateViewSkipsFields(t *testing.T) {
	s, _ := schemaFixture(t)
	v := newView("v2", "SELECT id FROM posts")
	v.Fields = nil // derived later by the store
	if err := Validate(v, nil, s, ValidateOptions{}); err != nil {
		t.Fatalf("view rejected: %v", err)
	}
}
