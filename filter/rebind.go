package filter

import (
	"strconv"
	"strings"

	"github.com/plinthdb/plinth/core"
)

// Rebind rewrites the '?' placeholders of sql for dialect: $1, $2, ... on
// PostgreSQL, unchanged on SQLite. Question marks inside quoted strings
// ('...') and identifiers ("...") are left alone; SQL written by this
// package uses '?' for nothing else.
func Rebind(dialect core.Dialect, sql string) string {
	if dialect != core.Postgres || !strings.Contains(sql, "?") {
		return sql
	}
	var b strings.Builder
	b.Grow(len(sql) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0 // a doubled quote closes and reopens: same result
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
