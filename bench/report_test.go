package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/filter"
)

// envInt reads a positive integer setting, or def.
func envInt(name string, def int) int {
	var n int
	if _, err := fmt.Sscan(os.Getenv(name), &n); err == nil && n > 0 {
		return n
	}
	return def
}

// TestReport measures every variant for a fixed count and prints the
// ratio table. The variants are interleaved in rounds, and each figure
// is the median of its rounds, so a burst of load from elsewhere on a
// shared machine lands on all of them alike and is mostly voted out.
//
//	PLINTH_BENCH=1 go test ./bench -run TestReport -v
//
// PLINTH_BENCH_N (ops per variant per round, default 1000),
// PLINTH_BENCH_ROUNDS (default 5) and PLINTH_BENCH_ROWS (table size,
// default 10000) tune it; PLINTH_TEST_POSTGRES adds PostgreSQL.
func TestReport(t *testing.T) {
	if os.Getenv("PLINTH_BENCH") != "1" {
		t.Skip("set PLINTH_BENCH=1 to run the benchmark report")
	}
	n := envInt("PLINTH_BENCH_N", 1000)
	rounds := envInt("PLINTH_BENCH_ROUNDS", 5)
	ctx := context.Background()
	s, err := newSuite(ctx, t.TempDir(), benchRows(), pgURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.close(); err != nil {
			t.Error(err)
		}
	})
	ops := s.operations()

	// Warm up every path: connections, statement caches, filter cache.
	for _, op := range ops {
		for _, v := range op.variants {
			if _, err := measure(ctx, v.step, min(n, 200)); err != nil {
				t.Fatalf("%s/%s: %v", op.name, v.name, err)
			}
		}
	}
	samples := map[string][]float64{} // "op/variant" -> ns/op per round
	for range rounds {
		for _, op := range ops {
			for _, v := range op.variants {
				ns, err := measure(ctx, v.step, n)
				if err != nil {
					t.Fatalf("%s/%s: %v", op.name, v.name, err)
				}
				k := op.name + "/" + v.name
				samples[k] = append(samples[k], ns)
			}
		}
	}
	printReport(os.Stdout, s, ops, samples, n, rounds)
	for _, e := range s.engines {
		if err := explainList(ctx, os.Stdout, e); err != nil {
			t.Error(err)
		}
	}
}

// measure runs step n times and returns the mean ns/op.
func measure(ctx context.Context, step func(context.Context) error, n int) (float64, error) {
	runtime.GC()
	start := time.Now()
	for range n {
		if err := step(ctx); err != nil {
			return 0, err
		}
	}
	return float64(time.Since(start).Nanoseconds()) / float64(n), nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// spread is (max-min)/median in percent: how much the rounds disagreed.
func spread(xs []float64) float64 {
	return 100 * (slices.Max(xs) - slices.Min(xs)) / median(xs)
}

func printReport(w io.Writer, s *suite, ops []operation, samples map[string][]float64, n, rounds int) {
	fmt.Fprintf(w, "\nPlinth vs physical limits: %d rows, %d ops x %d rounds per variant, GOMAXPROCS=%d, %s/%s, %s\n\n",
		s.rows, n, rounds, runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintf(w, "| operation | engine | Plinth ns/op | raw SQL ns/op | net/http ns/op | Plinth/(SQL+HTTP) | Plinth/SQL |\n")
	fmt.Fprintf(w, "|---|---|---:|---:|---:|---:|---:|\n")
	httpNs := func(op string) float64 { return median(samples[op+"/nethttp"]) }
	for _, op := range ops {
		for _, e := range s.engines {
			p := median(samples[op.name+"/plinth_"+e.name])
			q := median(samples[op.name+"/"+e.name])
			h := httpNs(op.name)
			fmt.Fprintf(w, "| %s | %s | %.0f | %.0f | %.0f | %.2f | %.1f |\n", op.name, e.name, p, q, h, p/(q+h), p/q)
		}
	}
	fmt.Fprintf(w, "\nSpread of the rounds, (max-min)/median:\n")
	for _, op := range ops {
		var parts []string
		for _, v := range op.variants {
			parts = append(parts, fmt.Sprintf("%s %.0f%%", v.name, spread(samples[op.name+"/"+v.name])))
		}
		fmt.Fprintf(w, "  %-11s %s\n", op.name, strings.Join(parts, ", "))
	}
	// The fastest round of each variant is the one least disturbed by
	// other load; its ratios are a check on the medians'.
	fmt.Fprintf(w, "\nRatios from the fastest round of each variant:\n")
	for _, op := range ops {
		for _, e := range s.engines {
			p := slices.Min(samples[op.name+"/plinth_"+e.name])
			q := slices.Min(samples[op.name+"/"+e.name])
			h := slices.Min(samples[op.name+"/nethttp"])
			fmt.Fprintf(w, "  %-11s %-8s Plinth %.0f, SQL %.0f, HTTP %.0f ns/op: Plinth/(SQL+HTTP) %.2f, Plinth/SQL %.1f\n", op.name, e.name, p, q, h, p/(q+h), p/q)
		}
	}
}

// explainList prints the list query as Plinth compiles it (the filter and
// sort from the filter package, put together as the store does) and the
// engine's plan for it, to show whether the index serves it.
func explainList(ctx context.Context, w io.Writer, e *engine) error {
	schema, err := e.store.Schema(ctx)
	if err != nil {
		return err
	}
	c := schema.Find(collName)
	opts := filter.Options{Dialect: e.store.Dialect(), Collection: c, Schema: schema, Kind: filter.FilterKind, Superuser: true}
	comp, err := filter.Compile(listFilter, opts)
	if err != nil {
		return err
	}
	where, err := comp.Bind(&filter.Request{})
	if err != nil {
		return err
	}
	order, err := filter.CompileSort(listSort, opts)
	if err != nil {
		return err
	}
	var orderText []string
	args := where.Args
	for _, o := range order {
		orderText = append(orderText, o.Text)
		args = append(args, o.Args...)
	}
	var cols []string
	for _, f := range c.Fields {
		cols = append(cols, `"`+core.MainAlias+`"."`+f.Name+`"`)
	}
	query := fmt.Sprintf(`SELECT %s FROM "%s" AS "%s" WHERE (%s) ORDER BY %s LIMIT %d`,
		strings.Join(cols, ", "), collName, core.MainAlias, where.Text, strings.Join(orderText, ", "), perPage)
	explain := "EXPLAIN QUERY PLAN "
	if e.name == "postgres" {
		query = rebindDollar(query)
		explain = "EXPLAIN "
	}
	fmt.Fprintf(w, "\n%s list query as Plinth compiles it: %s  args %v\n", e.name, query, args)
	if err := printPlan(ctx, w, e.store.(interface{ DB() *sql.DB }).DB(), explain+query, args); err != nil {
		return fmt.Errorf("%s: %w", e.name, err)
	}
	_, _, raw, _ := rawSQL(e.name == "postgres", e.rawTable)
	fmt.Fprintf(w, "%s raw list query: %s  args [%s]\n", e.name, raw, listMatch)
	if err := printPlan(ctx, w, e.raw, explain+raw, []any{listMatch}); err != nil {
		return fmt.Errorf("%s: %w", e.name, err)
	}
	return nil
}

// printPlan prints the last column of each row of an EXPLAIN.
func printPlan(ctx context.Context, w io.Writer, db *sql.DB, query string, args []any) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	defer rows.Close()
	colNames, _ := rows.Columns()
	vals := make([]any, len(colNames))
	ptrs := make([]any, len(colNames))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		fmt.Fprintf(w, "  plan: %v\n", vals[len(vals)-1])
	}
	return rows.Err()
}

// rebindDollar numbers '?' placeholders for PostgreSQL. The compiled
// fragments quote identifiers and bind every value, so a '?' is always a
// placeholder here.
func rebindDollar(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
