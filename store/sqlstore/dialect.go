package sqlstore

import (
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/filter"
)

// dialect holds everything that differs between the engines. The rest of
// the package is written once against it.
type dialect struct {
	name core.Dialect
}

func dialectOf(d core.Dialect) (dialect, error) {
	switch d {
	case core.SQLite, core.Postgres:
		return dialect{name: d}, nil
	}
	return dialect{}, core.Errorf(core.EInternal, "unknown SQL dialect %q", d)
}

func (d dialect) pg() bool { return d.name == core.Postgres }

// quote returns name as a double-quoted identifier.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// rowidColumn is the insertion-order column of record tables.
func (d dialect) rowidColumn() string {
	if d.pg() {
		return `"_rowid"`
	}
	// _rowid_ is a reserved field name, so it always means SQLite's rowid.
	return "_rowid_"
}

// jsonType is the column type of JSON values.
func (d dialect) jsonType() string {
	if d.pg() {
		return "JSONB"
	}
	return "JSON"
}

// columnDef returns the column definition (type, default, nullability) of
// field f, per the storage mapping shared with the filter compiler.
func (d dialect) columnDef(f *core.Field) (string, error) {
	if f.Name == "id" {
		return "TEXT PRIMARY KEY NOT NULL", nil
	}
	pg := d.pg()
	switch f.Type {
	case core.FieldText, core.FieldEmail, core.FieldURL, core.FieldEditor, core.FieldPassword,
		core.FieldDate, core.FieldAutodate, core.FieldSelect, core.FieldRelation, core.FieldFile:
		if f.IsMulti() {
			if pg {
				return "JSONB NOT NULL DEFAULT '[]'", nil
			}
			return "JSON DEFAULT '[]' NOT NULL", nil
		}
		if pg {
			return "TEXT NOT NULL DEFAULT ''", nil
		}
		return "TEXT DEFAULT '' NOT NULL", nil
	case core.FieldNumber:
		if pg {
			return "DOUBLE PRECISION NOT NULL DEFAULT 0", nil
		}
		return "NUMERIC DEFAULT 0 NOT NULL", nil
	case core.FieldBool:
		if pg {
			return "BOOLEAN NOT NULL DEFAULT FALSE", nil
		}
		return "BOOLEAN DEFAULT FALSE NOT NULL", nil
	case core.FieldJSON:
		if pg {
			return "JSONB NULL", nil
		}
		return "JSON DEFAULT NULL", nil
	case core.FieldGeoPoint:
		if pg {
			return `JSONB NOT NULL DEFAULT '{"lon":0,"lat":0}'`, nil
		}
		return `JSON DEFAULT '{"lon":0,"lat":0}' NOT NULL`, nil
	}
	return "", core.Errorf(core.EInvalid, "field %q has unknown type %q", f.Name, f.Type)
}

// limitClause renders LIMIT/OFFSET with bound parameters, except SQLite's
// LIMIT: SQLite plans with a bound LIMIT's value, so binding one expires
// the statement and every execution parses it twice. The limit is an int
// of ours, written as a literal.
func (d dialect) limitClause(limit, offset int) (string, []any) {
	var b strings.Builder
	var args []any
	if limit > 0 {
		if d.pg() {
			b.WriteString(" LIMIT ?")
			args = append(args, limit)
		} else {
			b.WriteString(" LIMIT " + strconv.Itoa(limit))
		}
	}
	if offset > 0 {
		if limit <= 0 && !d.pg() {
			// SQLite only accepts OFFSET after a LIMIT; -1 means none.
			b.WriteString(" LIMIT -1")
		}
		b.WriteString(" OFFSET ?")
		args = append(args, offset)
	}
	return b.String(), args
}

// rebind rewrites '?' placeholders to $1, $2… on PostgreSQL, the same way
// the filter compiler's fragments expect.
func (d dialect) rebind(sql string) string { return filter.Rebind(d.name, sql) }

// shapeTag returns a comment to append to statements on c's table. pgx
// caches prepared statements by SQL text, and a prepared statement fails
// once its result or parameter types change; the tag changes with the
// column shapes (and a view's query), so after a single↔multi conversion
// or a view change the statement text is new and gets prepared afresh.
// SQLite re-prepares by itself: no tag.
func (d dialect) shapeTag(c *core.Collection) string {
	if !d.pg() {
		return ""
	}
	h := fnv.New64a()
	if c.IsView() {
		h.Write([]byte(c.ViewQuery))
	}
	b := make([]byte, 0, len(c.Fields))
	for _, f := range c.Fields {
		b = append(b, byte('a'+kindOf(f)))
	}
	h.Write(b)
	return " /*" + strconv.FormatUint(h.Sum64(), 36) + "*/"
}
