// Package bench measures Plinth's record endpoints against their physical
// limits in one process: the same operation as raw SQL through the same
// driver and pragmas, and as a plain net/http handler over the same HTTP
// client path. The code is all in the tests:
//
//	go test ./bench -run '^$' -bench . -benchtime 2000x
//	PLINTH_BENCH=1 go test ./bench -run TestReport -v
//
// docs/benchmarks.md has the method and the results.
package bench
