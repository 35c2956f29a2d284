package filter

import (
	"fmt"
	"runtime/debug"

	"github.com/plinthdb/plinth/core"
)

// Compiled is a parsed and resolved expression, ready to be bound to a
// request. It is immutable and safe for concurrent use.
type Compiled struct {
	src    string
	expr   *compiledExpr
	opts   Options
	static *core.SQL // the SQL when it does not depend on the request
}

// Compile parses src and resolves it against o. The result can be cached
// for as long as the schema does not change.
func Compile(src string, o Options) (c *Compiled, err error) {
	defer recoverInternal(&err)
	if o.Dialect != core.SQLite && o.Dialect != core.Postgres {
		return nil, fmt.Errorf("filter: unknown dialect %q", o.Dialect)
	}
	if o.Collection == nil {
		return nil, fmt.Errorf("filter: no collection to compile against")
	}
	ce, err := compileExpr(src, o)
	if err != nil {
		return nil, err
	}
	c = &Compiled{src: src, expr: ce, opts: o}
	if !ce.dynamic {
		sql, err := c.emit(&Request{})
		if err != nil {
			return nil, err
		}
		c.static = &sql
	}
	return c, nil
}

// Source returns the expression c was compiled from.
func (c *Compiled) Source() string { return c.src }

// Bind writes the SQL of c for one request: a boolean expression over the
// row aliased core.MainAlias, every value a '?' parameter.
func (c *Compiled) Bind(req *Request) (sql core.SQL, err error) {
	defer recoverInternal(&err)
	if c.static != nil {
		return core.SQL{Text: c.static.Text, Args: append([]any(nil), c.static.Args...)}, nil
	}
	return c.emit(req)
}

func (c *Compiled) emit(req *Request) (core.SQL, error) {
	e := newEmitter(c.opts.Dialect, c.opts.Schema, req)
	f, err := e.expr(c.expr, core.MainAlias)
	if err != nil {
		return core.SQL{}, err
	}
	return core.SQL{Text: f.s, Args: f.args}, nil
}

// recoverInternal turns a panic (a bug) into an internal error rather than
// crashing the server on a hostile expression.
func recoverInternal(err *error) {
	if r := recover(); r != nil {
		*err = &core.Error{Code: core.EInternal, Message: "The expression could not be compiled.", Err: fmt.Errorf("filter: panic: %v\n%s", r, debug.Stack())}
	}
}
