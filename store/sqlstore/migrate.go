package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/plinthdb/plinth/core"
)

// migration is one versioned step of the system schema. Versions only
// grow; a released step is never edited, a change is a new step.
type migration struct {
	version int
	stmts   func(d dialect) []string
}

var migrations = []migration{
	{1, func(d dialect) []string {
		rowid, nameIdx := "", `("name" COLLATE NOCASE)`
		if d.pg() {
			rowid = `,
	"_rowid" BIGINT GENERATED ALWAYS AS IDENTITY`
			nameIdx = `(LOWER("name"))`
		}
		boolFalse := "BOOLEAN DEFAULT FALSE NOT NULL"
		if d.pg() {
			boolFalse = "BOOLEAN NOT NULL DEFAULT FALSE"
		}
		return []string{
			`CREATE TABLE "_collections" (
	"id" TEXT PRIMARY KEY NOT NULL,
	"name" TEXT NOT NULL,
	"type" TEXT NOT NULL DEFAULT 'base',
	"system" ` + boolFalse + `,
	"data" ` + d.jsonType() + ` NOT NULL,
	"secrets" ` + d.jsonType() + ` NOT NULL DEFAULT '{}',
	"created" TEXT NOT NULL DEFAULT '',
	"updated" TEXT NOT NULL DEFAULT ''` + rowid + `
)`,
			`CREATE UNIQUE INDEX "` + collectionsNameIndex + `" ON "_collections" ` + nameIdx,
			`CREATE TABLE "_params" (
	"key" TEXT PRIMARY KEY NOT NULL,
	"value" ` + d.jsonType() + ` NOT NULL,
	"created" TEXT NOT NULL DEFAULT '',
	"updated" TEXT NOT NULL DEFAULT ''
)`,
		}
	}},
}

// migrate applies the missing migrations and the setup statements in one
// transaction, after the configured lock.
func (s *Store) migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if s.cfg.MigrationLock != "" {
		if _, err := tx.ExecContext(ctx, s.cfg.MigrationLock); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS "_migrations" (
	"version" INTEGER PRIMARY KEY NOT NULL,
	"applied" TEXT NOT NULL
)`); err != nil {
		return err
	}
	applied := map[int]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT "version" FROM "_migrations"`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, m := range migrations {
		if applied[m.version] {
			continue
		}
		for _, st := range m.stmts(s.d) {
			if _, err := tx.ExecContext(ctx, st); err != nil {
				return fmt.Errorf("version %d: %w", m.version, err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO "_migrations" ("version", "applied") VALUES (?, ?)`),
			m.version, core.FormatTime(s.now())); err != nil {
			return err
		}
	}
	for _, st := range s.cfg.Setup {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
	}
	return tx.Commit()
}
