package filter

import (
	"testing"

	"github.com/plinthdb/plinth/core"
)

const benchFilter = `(title ~ "hello" || views > 10) && author = @request.auth.id && readers.name ?= "Bob" && created >= @todayStart`

func BenchmarkCompile(b *testing.B) {
	o := opts(core.Postgres, "posts", RuleKind, false)
	for i := 0; i < b.N; i++ {
		if _, err := Compile(benchFilter, o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBind(b *testing.B) {
	o := opts(core.Postgres, "posts", RuleKind, false)
	c, err := Compile(benchFilter, o)
	if err != nil {
		b.Fatal(err)
	}
	req := testRequest(o.Schema)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Bind(req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCacheHit(b *testing.B) {
	o := opts(core.Postgres, "posts", RuleKind, false)
	c := NewCache(128)
	for i := 0; i < b.N; i++ {
		if _, err := c.Compile(benchFilter, o); err != nil {
			b.Fatal(err)
		}
	}
}
