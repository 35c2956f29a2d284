package sqlstore

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/plinthdb/plinth/core"
)

// System tables, created by the migrations.
const (
	collectionsTable = "_collections"
	paramsTable      = "_params"
	migrationsTable  = "_migrations"
	// collectionsNameIndex makes collection names unique case-insensitively.
	collectionsNameIndex = "_collections_name_idx"
)

// IsSystemTable reports whether name is taken by the store itself (its own
// tables, or the engine's reserved sqlite_ prefix), so no collection may
// have it.
func IsSystemTable(name string) bool {
	l := strings.ToLower(name)
	return l == collectionsTable || l == paramsTable || l == migrationsTable || strings.HasPrefix(l, "sqlite_")
}

func (t *tx) Collections(ctx context.Context) ([]*core.Collection, error) {
	rows, err := t.query(ctx, `SELECT "data", "secrets" FROM "_collections" ORDER BY `+t.s.d.rowidColumn())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*core.Collection
	for rows.Next() {
		var data, secrets []byte
		if err := rows.Scan(&data, &secrets); err != nil {
			return nil, err
		}
		c, err := decodeCollection(data, secrets)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func decodeCollection(data, secrets []byte) (*core.Collection, error) {
	c := &core.Collection{}
	if err := json.Unmarshal(data, c); err != nil {
		return nil, core.Errorf(core.EInternal, "stored collection: %v", err)
	}
	if c.Auth != nil && len(secrets) > 0 {
		var s core.AuthSecrets
		if err := json.Unmarshal(secrets, &s); err != nil {
			return nil, core.Errorf(core.EInternal, "stored collection secrets of %q: %v", c.Name, err)
		}
		c.Auth.SetSecrets(s)
	}
	return c, nil
}

// encodeCollection returns the API JSON of c and, separately, its secrets,
// which the API JSON never carries.
func encodeCollection(c *core.Collection) (data, secrets string, err error) {
	b, err := json.Marshal(c)
	if err != nil {
		return "", "", core.Errorf(core.EInvalid, "collection %q: %v", c.Name, err)
	}
	secrets = "{}"
	if c.IsAuth() && c.Auth != nil {
		s, err := json.Marshal(c.Auth.Secrets())
		if err != nil {
			return "", "", err
		}
		secrets = string(s)
	}
	return string(b), secrets, nil
}

func (t *tx) SaveCollection(ctx context.Context, old, c *core.Collection) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if c == nil {
		return core.Errorf(core.EInvalid, "No collection to save.")
	}
	if c.ID == "" {
		return core.Errorf(core.EInvalid, "A collection needs an id.")
	}
	var stmts []string
	var err error
	if old == nil {
		stmts, err = t.s.d.createStatements(c)
	} else {
		stmts, err = t.s.d.alterStatements(old, c)
	}
	if err != nil {
		return err
	}
	data, secrets, err := encodeCollection(c)
	if err != nil {
		return err
	}
	return t.guarded(ctx, true, func() error {
		var views []*core.Collection
		if old != nil && len(stmts) > 0 {
			if views, err = t.detachViews(ctx, c.ID); err != nil {
				return err
			}
		}
		for _, st := range stmts {
			if _, err := t.exec(ctx, st); err != nil {
				return t.s.mapError(c, err)
			}
		}
		if err := t.restoreViews(ctx, views); err != nil {
			return err
		}
		if old == nil {
			_, err = t.exec(ctx, `INSERT INTO "_collections" ("id", "name", "type", "system", "data", "secrets", "created", "updated")
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.Name, c.Type, c.System, data, secrets, c.Created, c.Updated)
			if err != nil {
				return t.s.mapError(nil, err)
			}
		} else {
			res, err := t.exec(ctx, `UPDATE "_collections" SET "name" = ?, "type" = ?, "system" = ?, "data" = ?, "secrets" = ?, "created" = ?, "updated" = ?
WHERE "id" = ?`, c.Name, c.Type, c.System, data, secrets, c.Created, c.Updated, c.ID)
			if err != nil {
				return t.s.mapError(nil, err)
			}
			if n, err := res.RowsAffected(); err == nil && n == 0 {
				return core.ErrNotFound
			}
		}
		t.schemaChanged = true
		return nil
	})
}

func (t *tx) DeleteCollection(ctx context.Context, c *core.Collection) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if c == nil {
		return core.Errorf(core.EInvalid, "No collection to delete.")
	}
	return t.guarded(ctx, true, func() error {
		views, err := t.detachViews(ctx, c.ID)
		if err != nil {
			return err
		}
		for _, st := range t.s.d.dropStatements(c) {
			if _, err := t.exec(ctx, st); err != nil {
				return err
			}
		}
		if err := t.restoreViews(ctx, views); err != nil {
			return err
		}
		res, err := t.exec(ctx, `DELETE FROM "_collections" WHERE "id" = ?`, c.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return core.ErrNotFound
		}
		t.schemaChanged = true
		return nil
	})
}
