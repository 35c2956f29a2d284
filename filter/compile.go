package filter

import (
	"fmt"
	"runtime/debug"

	"github.com/plinthdb/plinth/core"
)

// Compiled is a parsed and resolved expression, ready to be bound to a
// request. It is immutable and safe for concurrent use.
type Compiled struct {
	src     string
	opts    Options
	root    bnode // request-independent subtrees already written
	joins   []*colJoin
	aliases map[*colJoin]string
	seq     int       // aliases used at Compile time
	static  *core.SQL // the whole SQL when nothing depends on the request
}

// Compile parses src and resolves it against o, and writes the SQL of
// everything that does not depend on the request. The result can be
// cached for as long as the schema does not change.
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
	e := newEmitter(o.Dialect, o.Schema, nil)
	e.openJoins(ce.joins)
	root, err := e.freeze(ce.root)
	if err == nil {
		err = e.err
	}
	if err != nil {
		return nil, err
	}
	c = &Compiled{src: src, opts: o, root: root, joins: ce.joins, aliases: e.joinAlias}
	if s, ok := root.(*staticNode); ok {
		f := e.wrapJoins(ce.joins, s.f)
		c.static = &core.SQL{Text: f.s, Args: f.args}
	}
	c.seq = e.seq
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
	e := newEmitter(c.opts.Dialect, c.opts.Schema, req)
	e.seq = c.seq
	for j, a := range c.aliases {
		e.joinAlias[j] = a
	}
	body, err := e.node(c.root)
	if err == nil {
		err = e.err
	}
	if err != nil {
		return core.SQL{}, err
	}
	f := e.wrapJoins(c.joins, body)
	return core.SQL{Text: f.s, Args: f.args}, nil
}

// recoverInternal turns a panic (a bug) into an internal error rather than
// crashing the server on a hostile expression.
func recoverInternal(err *error) {
	if r := recover(); r != nil {
		*err = &core.Error{Code: core.EInternal, Message: "The expression could not be compiled.", Err: fmt.Errorf("filter: panic: %v\n%s", r, debug.Stack())}
	}
}
