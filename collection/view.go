package collection

import (
	"errors"

	"github.com/plinthdb/plinth/core"
)

// ViewIDField returns the id field of a view collection: the primary key
// as PocketBase derives it for views (no length bounds, no autogenerate,
// since the query decides the ids).
func ViewIDField() *core.Field {
	return withID(&core.Field{Name: FieldID, Type: core.FieldText, System: true, PrimaryKey: true,
		Required: true, Pattern: IDPattern})
}

// CheckViewFieldName reports why a view query's result column cannot name
// a field (the field name rules of §2.3), or returns nil.
func CheckViewFieldName(name string) string {
	err := fieldName(name)
	if err == nil {
		return ""
	}
	var fe *core.FieldError
	if errors.As(err, &fe) {
		return fe.Message
	}
	return err.Error()
}
