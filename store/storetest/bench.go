package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/plinthdb/plinth/core"
)

// Bench runs the store benchmarks on stores from open, so both engines are
// measured the same way.
func Bench(b *testing.B, open func(b *testing.B) core.Store) {
	setup := func(b *testing.B) (core.Store, *core.Collection) {
		s := open(b)
		b.Cleanup(func() { s.Close() })
		c := baseCollection("bench", field(core.FieldText, "title"), field(core.FieldNumber, "n"),
			multi(field(core.FieldSelect, "tags"), 3), field(core.FieldJSON, "meta"))
		c.Fields[3].Values = []string{"a", "b", "c"}
		ctx := context.Background()
		if err := s.Write(ctx, func(tx core.Tx) error { return tx.SaveCollection(ctx, nil, c) }); err != nil {
			b.Fatal(err)
		}
		return s, c
	}
	newRecord := func(c *core.Collection, i int64) *core.Record {
		return record(c, map[string]any{"id": fmt.Sprintf("r%014d", i), "title": "hello world", "n": float64(i),
			"tags": []string{"a", "b"}, "meta": jsonRaw(`{"k":1}`)})
	}
	b.Run("Insert", func(b *testing.B) {
		s, c := setup(b)
		ctx := context.Background()
		var i int64
		for b.Loop() {
			i++
			if err := s.Write(ctx, func(tx core.Tx) error { return tx.Insert(ctx, newRecord(c, i)) }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("InsertParallel", func(b *testing.B) {
		s, c := setup(b)
		ctx := context.Background()
		var n atomic.Int64
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := n.Add(1)
				if err := s.Write(ctx, func(tx core.Tx) error { return tx.Insert(ctx, newRecord(c, i)) }); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("FindByID", func(b *testing.B) {
		s, c := setup(b)
		ctx := context.Background()
		const rows = 1000
		if err := s.Write(ctx, func(tx core.Tx) error {
			for i := range int64(rows) {
				if err := tx.Insert(ctx, newRecord(c, i)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		var i int64
		for b.Loop() {
			i++
			id := fmt.Sprintf("r%014d", i%rows)
			err := s.Read(ctx, func(tx core.Tx) error {
				recs, err := tx.Find(ctx, &core.Query{Collection: c, Where: []core.SQL{{Text: `"_main"."id" = ?`, Args: []any{id}}}, Limit: 1})
				if err == nil && len(recs) != 1 {
					err = fmt.Errorf("%d records for %s", len(recs), id)
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
