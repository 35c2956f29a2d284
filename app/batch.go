package app

import (
	"context"

	"github.com/plinthdb/plinth/core"
)

// RecordExistsTx reports whether c has a record with id as tx sees it,
// rules aside: a batch upsert (§9.1) updates an existing id and creates
// otherwise, and the update then applies the rules.
func (a *App) RecordExistsTx(ctx context.Context, tx core.Tx, c *core.Collection, id string) (bool, error) {
	if id == "" {
		return false, nil
	}
	n, err := tx.Count(ctx, &core.Query{Collection: c, Where: []core.SQL{idEquals(id)}})
	if err != nil {
		return false, internal(err)
	}
	return n > 0, nil
}
