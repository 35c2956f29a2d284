package sqlstore

import (
	"strings"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/index"
)

// UniqueViolation is what a driver-specific classifier extracts from a
// unique constraint error: the index (constraint) name and/or the column
// names, whichever the engine reports.
type UniqueViolation struct {
	Index   string
	Columns []string
}

// mapError turns a driver's unique violation on collection c (nil for the
// system tables) into a *core.UniqueError naming the columns.
func (s *Store) mapError(c *core.Collection, err error) error {
	if err == nil || s.cfg.Unique == nil {
		return err
	}
	uv, ok := s.cfg.Unique(err)
	if !ok {
		return err
	}
	cols := uv.Columns
	if uv.Index != "" {
		if ic := indexColumns(c, uv.Index); ic != nil {
			cols = ic
		} else if strings.EqualFold(uv.Index, collectionsNameIndex) {
			cols = []string{"name"}
		} else if len(cols) == 0 && strings.HasSuffix(uv.Index, "_pkey") {
			cols = []string{"id"}
		}
	}
	if c != nil {
		// Report field names in the collection's spelling.
		for i, col := range cols {
			if f := c.Field(col); f != nil {
				cols[i] = f.Name
			}
		}
	}
	return &core.UniqueError{Columns: cols, Err: err}
}

// indexColumns returns the columns of c's index named name, or nil.
func indexColumns(c *core.Collection, name string) []string {
	if c == nil {
		return nil
	}
	for _, def := range c.Indexes {
		ix, err := index.Parse(def)
		if err == nil && strings.EqualFold(ix.Name, name) {
			return ix.ColumnNames()
		}
	}
	return nil
}
