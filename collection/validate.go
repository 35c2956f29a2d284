package collection

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/index"
)

// ValidateOptions are the checks Validate delegates.
type ValidateOptions struct {
	// CheckRule compiles an API rule against c (nil: rules are not checked).
	// An error is reported as validation_invalid_rule with its text.
	CheckRule func(rule string, c *core.Collection) error
	// CheckAutogenerate checks a text field's non-empty autogeneratePattern
	// by generating from it (validation_invalid_autogenerate_pattern or
	// ..._value). When nil, the pattern only has to compile.
	CheckAutogenerate func(f *core.Field) *core.FieldError
	// OAuth2Providers are the known provider names; nil means
	// KnownOAuth2Providers.
	OAuth2Providers []string
}

// KnownOAuth2Providers are the provider names of the reference server (§3.8).
var KnownOAuth2Providers = []string{"apple", "google", "microsoft", "yandex", "facebook", "instagram2",
	"github", "gitlab", "bitbucket", "gitee", "gitea", "discord", "twitter", "kakao", "vk", "linear",
	"notion", "monday", "lark", "box", "spotify", "trakt", "twitch", "patreon", "strava", "wakatime",
	"livechat", "mailcow", "planningcenter", "oidc", "oidc2", "oidc3"}

// InternalTables are the store's own tables; collection names may not
// clash with them (nor start with sqlite_ or pg_).
var InternalTables = []string{"_collections", "_params", "_migrations"}

// Reserved field names (§2.3): record keys that are not columns.
var (
	reservedFieldNames = []string{"null", "true", "false", "_rowid_", "collectionId", "collectionName", "expand"}
	reservedAuthNames  = []string{"passwordConfirm", "oldPassword"}
)

var (
	nameRegex  = regexp.MustCompile(`^\w+$`)
	thumbRegex = regexp.MustCompile(`^\d+x\d+[tbf]?$`)
	domainRe   = regexp.MustCompile(`^(?i)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
)

const (
	maxSafeJSONInt   = 1<<53 - 1
	maxTokenDuration = 94670856
)

// Validate checks c against the rules of §2.8 that need no database.
// old is the stored state (nil on create). s is the schema relations and
// name/id uniqueness are checked against; it may or may not contain c and
// old. The result is nil or a core.FieldErrors shaped as the API reports
// it, e.g. {"name": {...}, "fields": {"3": {"name": {...}}}}.
//
// View collections' fields are derived from the query by the store, so
// their fields are not checked here, and neither is the query itself.
func Validate(c, old *core.Collection, s *core.Schema, o ValidateOptions) error {
	if s == nil {
		s = core.NewSchema(0, nil)
	}
	for i, f := range c.Fields {
		if f == nil {
			return core.FieldErrors{"fields": core.FieldErrors{strconv.Itoa(i): errRequired()}}
		}
	}
	v := &validator{c: c, old: old, s: s, o: o}
	errs := core.FieldErrors{}
	v.base(errs)
	if c.Type == core.TypeView {
		put(errs, "viewQuery", required(strings.TrimSpace(c.ViewQuery) != ""))
	}
	if c.Type == core.TypeAuth {
		v.auth(errs)
	}
	return orNil(errs)
}

type validator struct {
	c, old *core.Collection
	s      *core.Schema
	o      ValidateOptions
}

// others returns the schema's collections other than c and old.
func (v *validator) others() []*core.Collection {
	out := make([]*core.Collection, 0, len(v.s.Collections))
	for _, x := range v.s.Collections {
		if x == v.c || (v.old != nil && x.ID == v.old.ID) {
			continue
		}
		out = append(out, x)
	}
	return out
}

func (v *validator) base(errs core.FieldErrors) {
	c, old := v.c, v.old
	if old == nil {
		put(errs, "id", required(c.ID != ""), length(c.ID, 1, 100), match(c.ID, nameRegex), v.uniqueID())
	} else {
		put(errs, "id", required(c.ID != ""), valuesMatch(c.ID == old.ID))
	}
	if old != nil && c.System != old.System {
		put(errs, "system", ferr("validation_collection_system_flag_change", "System collection state cannot be changed."))
	}
	put(errs, "type", required(c.Type != ""), in(c.Type, core.TypeBase, core.TypeAuth, core.TypeView), v.typeChange())
	put(errs, "name", required(c.Name != ""), length(c.Name, 1, 255), noVia(c.Name), match(c.Name, nameRegex),
		v.systemNameChange(), v.uniqueName())
	if c.Type != core.TypeView {
		put(errs, "fields", v.fieldDuplicates(), v.minFields(), v.systemFieldsChange(), v.fieldTypeChange(),
			v.reservedAuthNames(), v.fieldSettings())
	}
	isView := c.Type == core.TypeView
	var oldList, oldView, oldCreate, oldUpdate, oldDelete *string
	if old != nil {
		oldList, oldView, oldCreate, oldUpdate, oldDelete = old.ListRule, old.ViewRule, old.CreateRule, old.UpdateRule, old.DeleteRule
	}
	put(errs, "listRule", v.checkRule(c.ListRule), v.systemRuleChange(oldList, c.ListRule))
	put(errs, "viewRule", v.checkRule(c.ViewRule), v.systemRuleChange(oldView, c.ViewRule))
	put(errs, "createRule", mustBeNil(!isView || c.CreateRule == nil), v.checkRule(c.CreateRule), v.systemRuleChange(oldCreate, c.CreateRule))
	put(errs, "updateRule", mustBeNil(!isView || c.UpdateRule == nil), v.checkRule(c.UpdateRule), v.systemRuleChange(oldUpdate, c.UpdateRule))
	put(errs, "deleteRule", mustBeNil(!isView || c.DeleteRule == nil), v.checkRule(c.DeleteRule), v.systemRuleChange(oldDelete, c.DeleteRule))
	put(errs, "indexes", v.indexes())
}

func valuesMatch(ok bool) error {
	if ok {
		return nil
	}
	return ferr("validation_values_mismatch", "Values don't match.")
}

func in(s string, allowed ...string) error {
	if s == "" || slices.Contains(allowed, s) {
		return nil
	}
	return ferr("validation_in_invalid", "Must be a valid value.")
}

func noVia(s string) error {
	if strings.Contains(strings.ToLower(s), "_via_") {
		return ferr("validation_found_via", `The value cannot contain "_via_".`)
	}
	return nil
}

func (v *validator) uniqueID() error {
	for _, x := range v.others() {
		if x.ID == v.c.ID {
			return ferr("validation_invalid_or_existing_id", "The model id is invalid or already exists.")
		}
	}
	return nil
}

func (v *validator) typeChange() error {
	if v.old != nil && v.c.Type != v.old.Type {
		return ferr("validation_collection_type_change", "Collection type cannot be changed.")
	}
	return nil
}

func (v *validator) systemNameChange() error {
	if v.old != nil && v.old.System && v.c.Name != v.old.Name {
		return ferr("validation_collection_system_name_change", "System collection name cannot be changed.")
	}
	return nil
}

func (v *validator) uniqueName() error {
	name := v.c.Name
	for _, x := range v.others() {
		if strings.EqualFold(x.Name, name) {
			return ferr("validation_collection_name_exists", "Collection name must be unique (case insensitive).")
		}
	}
	for _, x := range v.others() {
		if x.ID == name && x.ID != v.c.ID {
			return ferr("validation_collection_name_id_duplicate", "The name must not match an existing collection id.")
		}
	}
	if (v.old == nil || v.old.Name != name) && IsInternalName(name) {
		return ferr("validation_collection_name_invalid", "The name shouldn't match with an existing internal table.")
	}
	return nil
}

// IsInternalName reports whether name clashes with a store table that is
// not a collection.
func IsInternalName(name string) bool {
	lower := strings.ToLower(name)
	if strings.HasPrefix(lower, "sqlite_") || strings.HasPrefix(lower, "pg_") {
		return true
	}
	for _, t := range InternalTables {
		if lower == t {
			return true
		}
	}
	return false
}

func (v *validator) checkRule(rule *string) error {
	if rule == nil || *rule == "" || v.o.CheckRule == nil {
		return nil
	}
	if err := v.o.CheckRule(*rule, v.c); err != nil {
		return ferr("validation_invalid_rule", core.Sentence("Invalid rule. Raw error: "+err.Error()))
	}
	return nil
}

func (v *validator) systemRuleChange(oldRule, rule *string) error {
	if v.old == nil || !v.old.System {
		return nil
	}
	if (rule == nil && oldRule == nil) || (rule != nil && oldRule != nil && *rule == *oldRule) {
		return nil
	}
	return ferr("validation_collection_system_rule_change", "System collection API rule cannot be changed.")
}

func (v *validator) fieldDuplicates() error {
	ids := map[string]bool{}
	names := map[string]bool{}
	for i, f := range v.c.Fields {
		key := strconv.Itoa(i)
		if ids[f.ID] {
			return core.FieldErrors{key: core.FieldErrors{"id": ferr("validation_duplicated_field_id",
				fmt.Sprintf("Duplicated or invalid field id %q.", f.ID))}}
		}
		lower := strings.ToLower(f.Name)
		if names[lower] {
			return core.FieldErrors{key: core.FieldErrors{"name": ferrp("validation_duplicated_field_name",
				"Duplicated or invalid field name "+f.Name+".", map[string]any{"fieldName": f.Name})}}
		}
		ids[f.ID], names[lower] = true, true
	}
	return nil
}

func (v *validator) minFields() error {
	c := v.c
	if len(c.Fields) == 0 {
		return errRequired()
	}
	if id := fieldNamed(c, FieldID, core.FieldText); id == nil || !id.PrimaryKey {
		return ferr("validation_missing_primary_key", `Missing or invalid "id" PK field.`)
	}
	if c.Type != core.TypeAuth {
		return nil
	}
	for _, want := range []struct {
		name, typ string
		hidden    bool
	}{
		{FieldPassword, core.FieldPassword, true},
		{FieldTokenKey, core.FieldText, true},
		{FieldEmail, core.FieldEmail, false},
		{FieldEmailVisibility, core.FieldBool, false},
		{FieldVerified, core.FieldBool, false},
	} {
		f := fieldNamed(c, want.name, want.typ)
		if f == nil {
			return ferr("validation_missing_"+want.name+"_field", fmt.Sprintf("System %q field is required.", want.name))
		}
		if want.hidden && (!f.Hidden || !f.System) {
			return core.FieldErrors{want.name: ferr("validation_must_be_system_and_hidden", `The field must be marked as "System" and "Hidden".`)}
		}
		if !f.System {
			return core.FieldErrors{want.name: ferr("validation_must_be_system", `The field must be marked as "System".`)}
		}
	}
	return nil
}

func (v *validator) systemFieldsChange() error {
	if v.old == nil {
		return nil
	}
	for _, of := range v.old.Fields {
		if !of.System {
			continue
		}
		if nf := v.c.FieldByID(of.ID); nf == nil || nf.Name != of.Name {
			return ferr("validation_system_field_change", "System fields cannot be deleted or renamed.")
		}
	}
	return nil
}

func (v *validator) fieldTypeChange() error {
	if v.old == nil {
		return nil
	}
	errs := core.FieldErrors{}
	for i, f := range v.c.Fields {
		if of := v.old.FieldByID(f.ID); of != nil && of.Type != f.Type {
			errs[strconv.Itoa(i)] = ferr("validation_field_type_change", "Field type cannot be changed.")
		}
	}
	return orNil(errs)
}

func (v *validator) reservedAuthNames() error {
	if v.c.Type != core.TypeAuth {
		return nil
	}
	errs := core.FieldErrors{}
	for i, f := range v.c.Fields {
		if slices.Contains(reservedAuthNames, f.Name) {
			errs[strconv.Itoa(i)] = core.FieldErrors{"name": ferr("validation_reserved_field_name",
				"The field name is reserved and cannot be used.")}
		}
	}
	return orNil(errs)
}

func (v *validator) fieldSettings() error {
	errs := core.FieldErrors{}
	for i, f := range v.c.Fields {
		nest(errs, strconv.Itoa(i), v.field(f))
	}
	return orNil(errs)
}

// field validates one field's settings (§2.4), keyed by option name.
func (v *validator) field(f *core.Field) core.FieldErrors {
	errs := core.FieldErrors{}
	put(errs, "id", required(f.ID != ""), length(f.ID, 1, 100))
	var pkName error
	if f.Type == core.FieldText && f.PrimaryKey && f.Name != FieldID {
		pkName = ferr("validation_in_invalid", `The primary key must be named "id".`)
	}
	put(errs, "name", fieldName(f.Name), pkName)
	if f.Type != core.FieldAutodate {
		put(errs, "help", length(f.Help, 1, 300))
	}
	if !core.IsFieldType(f.Type) {
		put(errs, "type", ferr("validation_in_invalid", "Must be a valid value."))
		return errs
	}
	min, max := floatOr0(f.Min), floatOr0(f.Max)
	switch f.Type {
	case core.FieldText:
		put(errs, "primaryKey", v.compositePK(f))
		put(errs, "min", atLeast(min, 0), atMost(min, maxSafeJSONInt))
		put(errs, "max", atLeast(max, min), atMost(max, maxSafeJSONInt))
		put(errs, "pattern", required(!f.PrimaryKey || f.Pattern != ""), isRegex(f.Pattern))
		put(errs, "hidden", mustBeEmpty(!f.PrimaryKey || !f.Hidden))
		put(errs, "required", required(!f.PrimaryKey || f.Required))
		put(errs, "autogeneratePattern", isRegex(f.AutogeneratePattern), v.autogenerate(f))
	case core.FieldPassword:
		put(errs, "min", atLeast(min, 1), atMost(min, 71))
		put(errs, "max", atLeast(max, min), atMost(max, 71))
		put(errs, "cost", atLeast(f.Cost, 4), atMost(f.Cost, 31))
		put(errs, "pattern", isRegex(f.Pattern))
	case core.FieldNumber:
		put(errs, "min", onlyInt(f, f.Min))
		var order error
		if f.Min != nil && f.Max != nil && *f.Max < *f.Min {
			order = ferrp("validation_min_number_constraint", fmt.Sprintf("Must be greater or equal than %v.", *f.Min),
				map[string]any{"min": *f.Min})
		}
		put(errs, "max", onlyInt(f, f.Max), order)
	case core.FieldEmail, core.FieldURL:
		put(errs, "exceptDomains", mustBeEmpty(len(f.OnlyDomains) == 0 || len(f.ExceptDomains) == 0), domains(f.ExceptDomains))
		put(errs, "onlyDomains", mustBeEmpty(len(f.ExceptDomains) == 0 || len(f.OnlyDomains) == 0), domains(f.OnlyDomains))
	case core.FieldEditor, core.FieldJSON:
		put(errs, "maxSize", atLeast(f.MaxSize, 0), atMost(f.MaxSize, maxSafeJSONInt))
	case core.FieldDate:
		dmin, minOK := core.ParseTime(f.DateMin)
		dmax, maxOK := core.ParseTime(f.DateMax)
		invalidDate := ferr("validation_date_invalid", "Must be a valid date.")
		if f.DateMin != "" && !minOK {
			put(errs, "min", invalidDate)
		}
		if f.DateMax != "" && !maxOK {
			put(errs, "max", invalidDate)
		} else if f.DateMax != "" && f.DateMin != "" && minOK && dmax.Before(dmin) {
			put(errs, "max", ferr("validation_date_out_of_range", "The date is out of range."))
		}
	case core.FieldAutodate:
		oldCreate, oldUpdate := f.OnCreate, f.OnUpdate
		if v.old != nil {
			if of := v.old.FieldByID(f.ID); of != nil && of.Type == core.FieldAutodate {
				oldCreate, oldUpdate = of.OnCreate, of.OnUpdate
			}
		}
		neither := ferr("validation_required", "Either onCreate or onUpdate must be enabled.")
		var createErr, updateErr error
		if !f.OnCreate && !f.OnUpdate {
			createErr, updateErr = neither, neither
		}
		put(errs, "onCreate", valuesMatch(!f.System || f.OnCreate == oldCreate), createErr)
		put(errs, "onUpdate", valuesMatch(!f.System || f.OnUpdate == oldUpdate), updateErr)
	case core.FieldSelect:
		limit := max1(len(f.Values))
		put(errs, "values", required(len(f.Values) > 0))
		put(errs, "maxSelect", atLeast(f.MaxSelect, 0), atMost(f.MaxSelect, limit))
	case core.FieldFile:
		put(errs, "maxSelect", atLeast(f.MaxSelect, 0), atMost(f.MaxSelect, maxSafeJSONInt))
		put(errs, "maxSize", atLeast(f.MaxSize, 0), atMost(f.MaxSize, maxSafeJSONInt))
		put(errs, "thumbs", thumbs(f.Thumbs))
	case core.FieldRelation:
		put(errs, "collectionId", required(f.CollectionID != ""), v.relationTarget(f))
		put(errs, "minSelect", atLeast(f.MinSelect, 0))
		put(errs, "maxSelect", required(f.MinSelect <= 0 || f.MaxSelect != 0), atLeast(f.MaxSelect, f.MinSelect))
	}
	return errs
}

func max1(n int) int {
	if n == 0 {
		return 1
	}
	return n
}

func floatOr0(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

func fieldName(name string) error {
	var reserved error
	if slices.Contains(reservedFieldNames, name) {
		reserved = ferr("validation_not_in_invalid", "Must not be in list.")
	}
	return firstOf(required(name != ""), length(name, 1, 100), match(name, nameRegex), reserved, noVia(name))
}

func firstOf(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (v *validator) compositePK(f *core.Field) error {
	if !f.PrimaryKey {
		return nil
	}
	n := 0
	for _, x := range v.c.Fields {
		if x.Type == core.FieldText && x.PrimaryKey {
			n++
		}
	}
	if n > 1 {
		return ferr("validation_unsupported_composite_pk", "Composite PKs are not supported and the collection must have only 1 PK.")
	}
	return nil
}

func (v *validator) autogenerate(f *core.Field) error {
	if f.AutogeneratePattern == "" {
		return nil
	}
	if v.o.CheckAutogenerate != nil {
		if fe := v.o.CheckAutogenerate(f); fe != nil {
			return fe
		}
	}
	return nil
}

func onlyInt(f *core.Field, p *float64) error {
	if p == nil || !f.OnlyInt || *p == float64(int64(*p)) {
		return nil
	}
	return ferr("validation_only_int_constraint", "Decimal numbers are not allowed.")
}

func domains(list []string) error {
	errs := core.FieldErrors{}
	for i, d := range list {
		if d != "" && (len(d) > 253 || !domainRe.MatchString(d)) {
			errs[strconv.Itoa(i)] = ferr("validation_is_domain", "Must be a valid domain.")
		}
	}
	return orNil(errs)
}

func thumbs(list []string) error {
	errs := core.FieldErrors{}
	for i, t := range list {
		switch {
		case t == "0x0" || t == "0x0t" || t == "0x0b" || t == "0x0f":
			errs[strconv.Itoa(i)] = ferr("validation_not_in_invalid", "Must not be in list.")
		case t != "" && !thumbRegex.MatchString(t):
			errs[strconv.Itoa(i)] = ferr("validation_match_invalid", "Must be in a valid format.")
		}
	}
	return orNil(errs)
}

func (v *validator) relationTarget(f *core.Field) error {
	if f.CollectionID == "" {
		return nil
	}
	if v.old != nil {
		if of := v.old.FieldByID(f.ID); of != nil && of.Type == core.FieldRelation && of.CollectionID != f.CollectionID {
			return ferr("validation_field_relation_change", "The relation collection cannot be changed.")
		}
	}
	var target *core.Collection
	if f.CollectionID == v.c.ID {
		target = v.c
	} else if x := v.s.Find(f.CollectionID); x != nil && x.ID == f.CollectionID {
		target = x
	}
	if target == nil {
		return ferr("validation_field_relation_missing_collection", "The relation collection doesn't exist.")
	}
	if v.c.Type != core.TypeView && target.Type == core.TypeView {
		return ferr("validation_relation_field_non_view_base_collection",
			"Only view collections are allowed to have relations to other views.")
	}
	return nil
}

// indexes checks the index definitions (§2.7).
func (v *validator) indexes() error {
	c := v.c
	if c.Type == core.TypeView {
		if len(c.Indexes) > 0 {
			return ferr("validation_indexes_not_supported", "View collections don't support indexes.")
		}
		return nil
	}
	names := map[string]bool{}
	defs := map[string]bool{}
	for i, def := range c.Indexes {
		key := strconv.Itoa(i)
		ix, err := index.Parse(def)
		if err != nil {
			msg := "Invalid CREATE INDEX expression."
			var ce *core.Error
			if errors.As(err, &ce) {
				msg = ce.Message
			}
			return core.FieldErrors{key: ferr("validation_invalid_index_expression", msg)}
		}
		for _, col := range ix.Columns {
			if c.Field(col.Name) == nil {
				return core.FieldErrors{key: ferr("validation_invalid_index_expression",
					fmt.Sprintf("Invalid CREATE INDEX expression: unknown field %q.", col.Name))}
			}
		}
		lower := strings.ToLower(ix.Name)
		if names[lower] {
			return core.FieldErrors{key: ferr("validation_duplicated_index_name", "The index name already exists.")}
		}
		names[lower] = true
		if used := v.indexNameUser(ix.Name); used != "" {
			return core.FieldErrors{key: ferrp("validation_existing_index_name",
				fmt.Sprintf("The index name is already used in %s collection.", used), map[string]any{"usedTableName": used})}
		}
		norm := *ix
		norm.Name, norm.Table = "validator", "validator"
		d := norm.String()
		if defs[d] {
			return core.FieldErrors{key: ferr("validation_duplicated_index_definition", "The index definition already exists.")}
		}
		defs[d] = true
	}
	if err := v.systemUniqueIndexes(); err != nil {
		return err
	}
	if c.Type == core.TypeAuth {
		for _, name := range []string{FieldTokenKey, FieldEmail} {
			if FindUniqueIndex(c.Indexes, name) == nil {
				return ferrp("validation_missing_required_unique_index",
					fmt.Sprintf("Missing required unique index for field %q.", name), map[string]any{"fieldName": name})
			}
		}
	}
	return nil
}

// indexNameUser returns the name of another collection using name for an
// index, or of any collection (c included) whose table has that name:
// index and table names share one namespace in both engines.
func (v *validator) indexNameUser(name string) string {
	for _, x := range v.s.Collections {
		if strings.EqualFold(x.Name, name) {
			return x.Name
		}
	}
	if strings.EqualFold(v.c.Name, name) {
		return v.c.Name
	}
	for _, x := range v.others() {
		if x.ID == v.c.ID {
			continue
		}
		for _, def := range x.Indexes {
			if ix, err := index.Parse(def); err == nil && strings.EqualFold(ix.Name, name) {
				return x.Name
			}
		}
	}
	return ""
}

// systemUniqueIndexes keeps every stored unique index on a system field
// (same columns, still unique) through an update.
func (v *validator) systemUniqueIndexes() error {
	if v.old == nil {
		return nil
	}
	shape := func(ix *index.Index) string {
		n := index.Index{Name: "v", Table: "v", Unique: ix.Unique}
		for _, col := range ix.Columns {
			n.Columns = append(n.Columns, index.Column{Name: strings.ToLower(col.Name)})
		}
		return n.String()
	}
	var current []string
	for _, def := range v.c.Indexes {
		if ix, err := index.Parse(def); err == nil {
			current = append(current, shape(ix))
		}
	}
	for _, def := range v.old.Indexes {
		oix, err := index.Parse(def)
		if err != nil || !oix.Unique {
			continue
		}
		for _, col := range oix.Columns {
			f := v.old.Field(col.Name)
			if f == nil || !f.System {
				continue
			}
			if !slices.Contains(current, shape(oix)) {
				return ferrp("validation_invalid_unique_system_field_index",
					fmt.Sprintf("Unique index definition on system fields (%s) is invalid or missing.", f.Name),
					map[string]any{"fieldName": f.Name})
			}
			break
		}
	}
	return nil
}

// auth validates the auth options (§2.2), merged into errs.
func (v *validator) auth(errs core.FieldErrors) {
	a := v.c.Auth
	if a == nil {
		a = core.DefaultAuthOptions()
	}
	var oldAuth *core.AuthOptions
	if v.old != nil && v.old.Type == core.TypeAuth && v.old.Auth != nil {
		oldAuth = v.old.Auth
	}
	var oldAuthRule, oldManageRule *string
	oldMFARule := ""
	if oldAuth != nil {
		oldAuthRule, oldManageRule, oldMFARule = oldAuth.AuthRule, oldAuth.ManageRule, oldAuth.MFA.Rule
	} else {
		oldAuthRule = core.String("")
	}
	ae := core.FieldErrors{}
	put(ae, "authRule", v.checkRule(a.AuthRule), v.systemRuleChange(oldAuthRule, a.AuthRule))
	var blankManage error
	if a.ManageRule != nil && *a.ManageRule == "" {
		blankManage = ferr("validation_nil_or_not_empty_required", "Cannot be blank.")
	}
	put(ae, "manageRule", blankManage, v.checkRule(a.ManageRule), v.systemRuleChange(oldManageRule, a.ManageRule))

	alert := core.FieldErrors{}
	put(alert, "emailTemplate", template(a.AuthAlert.EmailTemplate, false))
	nest(ae, "authAlert", alert)

	if a.PasswordAuth.Enabled {
		pa := core.FieldErrors{}
		put(pa, "identityFields", required(len(a.PasswordAuth.IdentityFields) > 0))
		nest(ae, "passwordAuth", pa)
	}
	if a.OAuth2.Enabled {
		oa := core.FieldErrors{}
		put(oa, "providers", v.providers(a.OAuth2.Providers))
		nest(ae, "oauth2", oa)
	}
	otp := core.FieldErrors{}
	if a.OTP.Enabled {
		put(otp, "duration", required(a.OTP.Duration != 0), atLeast(a.OTP.Duration, 10), atMost(a.OTP.Duration, 86400))
		put(otp, "length", required(a.OTP.Length != 0), atLeast(a.OTP.Length, 4))
	}
	put(otp, "emailTemplate", template(a.OTP.EmailTemplate, false))
	nest(ae, "otp", otp)
	if a.MFA.Enabled {
		mfa := core.FieldErrors{}
		put(mfa, "duration", required(a.MFA.Duration != 0), atLeast(a.MFA.Duration, 10), atMost(a.MFA.Duration, 86400))
		nest(ae, "mfa", mfa)
	}
	for _, t := range []struct {
		key string
		cfg core.TokenConfig
	}{
		{"authToken", a.AuthToken}, {"passwordResetToken", a.PasswordResetToken},
		{"emailChangeToken", a.EmailChangeToken}, {"verificationToken", a.VerificationToken},
		{"fileToken", a.FileToken},
	} {
		te := core.FieldErrors{}
		put(te, "secret", required(t.cfg.Secret != ""), length(t.cfg.Secret, 30, 255))
		put(te, "duration", required(t.cfg.Duration != 0), atLeast(t.cfg.Duration, 10), atMost(t.cfg.Duration, maxTokenDuration))
		nest(ae, t.key, te)
	}
	put(ae, "verificationTemplate", template(a.VerificationTemplate, true))
	put(ae, "resetPasswordTemplate", template(a.ResetPasswordTemplate, true))
	put(ae, "confirmEmailChangeTemplate", template(a.ConfirmEmailChangeTemplate, true))

	// As in the reference server, the cross-option checks run only once
	// every option is valid on its own.
	if len(ae) == 0 {
		if a.MFA.Enabled {
			n := 0
			for _, on := range []bool{a.PasswordAuth.Enabled, a.OAuth2.Enabled, a.OTP.Enabled} {
				if on {
					n++
				}
			}
			if n < 2 {
				ae["mfa"] = core.FieldErrors{"enabled": ferr("validation_mfa_not_enough_auths",
					"MFA requires at least 2 auth methods to be enabled.")}
			} else if a.MFA.Rule != "" {
				rule := a.MFA.Rule
				if err := firstOf(v.checkRule(&rule), v.systemRuleChange(&oldMFARule, &rule)); err != nil {
					ae["mfa"] = core.FieldErrors{"rule": err}
				}
			}
		}
		if len(ae) == 0 && a.PasswordAuth.Enabled {
			if err := v.identityFields(a.PasswordAuth.IdentityFields); err != nil {
				ae["passwordAuth"] = core.FieldErrors{"identityFields": err}
			}
		}
	}
	for k, e := range ae {
		errs[k] = e
	}
}

// template checks an email template; whole requires a non-blank template
// as one error when both parts are empty.
func template(t core.EmailTemplate, whole bool) error {
	if whole && t.Subject == "" && t.Body == "" {
		return errRequired()
	}
	errs := core.FieldErrors{}
	put(errs, "subject", required(t.Subject != ""))
	put(errs, "body", required(t.Body != ""))
	return orNil(errs)
}

func (v *validator) providers(list []core.OAuth2Provider) error {
	seen := map[string]bool{}
	for i, p := range list {
		if p.Name == "" {
			continue
		}
		if seen[p.Name] {
			return core.FieldErrors{strconv.Itoa(i): core.FieldErrors{"name": ferrp("validation_duplicated_provider",
				fmt.Sprintf("The provider %s is already registered.", p.Name), map[string]any{"name": p.Name})}}
		}
		seen[p.Name] = true
	}
	known := v.o.OAuth2Providers
	if known == nil {
		known = KnownOAuth2Providers
	}
	errs := core.FieldErrors{}
	for i, p := range list {
		pe := core.FieldErrors{}
		var unknown error
		if p.Name != "" && !slices.Contains(known, p.Name) {
			unknown = ferrp("validation_missing_provider", fmt.Sprintf("Invalid or missing provider with name %s.", p.Name),
				map[string]any{"name": p.Name})
		}
		put(pe, "name", required(p.Name != ""), unknown)
		put(pe, "clientId", required(p.ClientID != ""))
		put(pe, "clientSecret", required(p.ClientSecret != ""))
		put(pe, "authURL", isURL(p.AuthURL))
		put(pe, "tokenURL", isURL(p.TokenURL))
		put(pe, "userInfoURL", isURL(p.UserInfoURL))
		nest(errs, strconv.Itoa(i), pe)
	}
	return orNil(errs)
}

func isURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ferr("validation_is_url", "Must be a valid URL.")
	}
	return nil
}

func (v *validator) identityFields(names []string) error {
	for _, name := range names {
		if !hasName(v.c, name) {
			return ferrp("validation_missing_field", "Invalid or missing field "+name+".", map[string]any{"fieldName": name})
		}
		if FindUniqueIndex(v.c.Indexes, name) == nil {
			return ferrp("validation_missing_unique_constraint", fmt.Sprintf("The field %s doesn't have a UNIQUE constraint.", name),
				map[string]any{"fieldName": name})
		}
	}
	return nil
}
