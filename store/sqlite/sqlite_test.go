package sqlite

import (
	"context"
	"testing"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) core.Store {
		s, err := Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
