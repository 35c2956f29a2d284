package app

import (
	"context"
	"errors"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/filter"
	"github.com/plinthdb/plinth/record"
)

var (
	errSuperuserOnly   = core.Errorf(core.EForbidden, "Only superusers can perform this action.")
	errRecordNotFound  = core.Errorf(core.ENotFound, "The requested resource wasn't found.")
	errUnsupportedType = core.Errorf(core.EInvalid, "Unsupported collection type.")
)

// Limits of list queries (§1.9).
const (
	DefaultPerPage = 30
	MaxPerPage     = 1000
)

// ListParams are the list query parameters after parsing.
type ListParams struct {
	Page      int
	PerPage   int
	Sort      string
	Filter    string
	SkipTotal bool
}

// clamp applies the defaults and bounds of page and perPage (§1.9).
func (p *ListParams) clamp() {
	p.Page = max(p.Page, 1)
	if p.PerPage <= 0 {
		p.PerPage = DefaultPerPage
	}
	p.PerPage = min(p.PerPage, MaxPerPage)
}

// ListResult is one page of records.
type ListResult struct {
	Page       int
	PerPage    int
	TotalItems int
	TotalPages int
	Items      []*core.Record
}

// compile compiles src for c through the cache.
func (a *App) compile(s *core.Schema, c *core.Collection, src string, kind filter.Kind, superuser bool) (*filter.Compiled, error) {
	return a.filters.Compile(src, filter.Options{
		Dialect: a.store.Dialect(), Collection: c, Schema: s, Kind: kind, Superuser: superuser,
	})
}

// ruleSQL compiles and binds a collection rule for req.
func (a *App) ruleSQL(s *core.Schema, c *core.Collection, rule string, req *Request, body map[string]any) (core.SQL, error) {
	comp, err := a.compile(s, c, rule, filter.RuleKind, true)
	if err != nil {
		return core.SQL{}, internal(err)
	}
	sql, err := comp.Bind(req.filterRequest(a.Now(), body))
	if err != nil {
		return core.SQL{}, internal(err)
	}
	return sql, nil
}

// clientFilterError maps a client filter/sort compile error to the
// contract's status codes.
func clientFilterError(err error) error {
	switch {
	case errors.Is(err, filter.ErrForbiddenCollection):
		return &core.Error{Code: core.EForbidden, Message: "Only superusers can filter by @collection.", Err: err}
	case errors.Is(err, filter.ErrForbiddenRequest):
		return &core.Error{Code: core.EForbidden, Message: "Only superusers can filter by @request.", Err: err}
	}
	return &core.Error{Code: core.EInvalid, Message: "Something went wrong while processing your request.", Err: err}
}

func idEquals(id string) core.SQL {
	return core.SQL{Text: `"` + core.MainAlias + `"."id" = ?`, Args: []any{id}}
}

// ListRecords answers the records list endpoint (§4.1).
func (a *App) ListRecords(ctx context.Context, req *Request, c *core.Collection, p ListParams) (*ListResult, error) {
	su := req.IsSuperuser()
	if c.ListRule == nil && !su {
		return nil, errSuperuserOnly
	}
	p.clamp()
	s, err := a.store.Schema(ctx)
	if err != nil {
		return nil, internal(err)
	}
	q := &core.Query{Collection: c, Limit: p.PerPage, Offset: (p.Page - 1) * p.PerPage}
	if !su && *c.ListRule != "" {
		w, err := a.ruleSQL(s, c, *c.ListRule, req, nil)
		if err != nil {
			return nil, err
		}
		q.Where = append(q.Where, w)
	}
	if p.Filter != "" {
		comp, err := a.compile(s, c, p.Filter, filter.FilterKind, su)
		if err != nil {
			return nil, clientFilterError(err)
		}
		w, err := comp.Bind(req.filterRequest(a.Now(), nil))
		if err != nil {
			return nil, clientFilterError(err)
		}
		q.Where = append(q.Where, w)
	}
	if p.Sort != "" {
		if err := checkViewSort(c, p.Sort); err != nil {
			return nil, err
		}
		order, err := a.filters.CompileSort(p.Sort, filter.Options{
			Dialect: a.store.Dialect(), Collection: c, Schema: s, Kind: filter.FilterKind, Superuser: su,
		})
		if err != nil {
			return nil, clientFilterError(err)
		}
		q.OrderBy = order
	}
	res := &ListResult{Page: p.Page, PerPage: p.PerPage, TotalItems: -1, TotalPages: -1}
	err = a.store.Read(ctx, func(tx core.Tx) error {
		items, err := tx.Find(ctx, q)
		if err != nil {
			return err
		}
		res.Items = items
		if err := a.noteManaged(ctx, tx, s, req, c, items); err != nil {
			return err
		}
		if p.SkipTotal {
			return nil
		}
		n, err := tx.Count(ctx, &core.Query{Collection: c, Where: q.Where})
		if err != nil {
			return err
		}
		res.TotalItems = n
		res.TotalPages = (n + p.PerPage - 1) / p.PerPage
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return res, nil
}

// findOne returns the record with id that also satisfies rule (a non-empty
// rule string) for req, or nil.
func (a *App) findOne(ctx context.Context, tx core.Tx, s *core.Schema, c *core.Collection, id string, rule *string, req *Request, body map[string]any) (*core.Record, error) {
	q := &core.Query{Collection: c, Where: []core.SQL{idEquals(id)}, Limit: 1}
	if rule != nil && *rule != "" && !req.IsSuperuser() {
		w, err := a.ruleSQL(s, c, *rule, req, body)
		if err != nil {
			return nil, err
		}
		q.Where = append(q.Where, w)
	}
	recs, err := tx.Find(ctx, q)
	if err != nil {
		return nil, internal(err)
	}
	if len(recs) == 0 {
		return nil, nil
	}
	return recs[0], nil
}

// ViewRecord answers the record view endpoint (§4.2).
func (a *App) ViewRecord(ctx context.Context, req *Request, c *core.Collection, id string) (*core.Record, error) {
	if c.ViewRule == nil && !req.IsSuperuser() {
		return nil, errSuperuserOnly
	}
	s, err := a.store.Schema(ctx)
	if err != nil {
		return nil, internal(err)
	}
	var rec *core.Record
	err = a.store.Read(ctx, func(tx core.Tx) error {
		rec, err = a.findOne(ctx, tx, s, c, id, c.ViewRule, req, nil)
		if err != nil || rec == nil {
			return err
		}
		return a.noteManaged(ctx, tx, s, req, c, []*core.Record{rec})
	})
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, errRecordNotFound
	}
	return rec, nil
}

// CreateRecord answers the record create endpoint (§4.5).
func (a *App) CreateRecord(ctx context.Context, req *Request, c *core.Collection, input map[string]any) (*core.Record, error) {
	var out *core.Record
	err := a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		var err error
		out, err = a.CreateRecordTx(ctx, tx, req, c, input)
		return err
	})
	return out, err
}

// UpdateRecord answers the record update endpoint (§4.6).
func (a *App) UpdateRecord(ctx context.Context, req *Request, c *core.Collection, id string, input map[string]any) (*core.Record, error) {
	var out *core.Record
	err := a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		var err error
		out, err = a.UpdateRecordTx(ctx, tx, req, c, id, input)
		return err
	})
	return out, err
}

// DeleteRecord answers the record delete endpoint (§4.8).
func (a *App) DeleteRecord(ctx context.Context, req *Request, c *core.Collection, id string) error {
	return a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		return a.DeleteRecordTx(ctx, tx, req, c, id)
	})
}

func failed(action string, errs core.FieldErrors) error {
	data := map[string]any{}
	if len(errs) > 0 {
		data = errs.Map()
	}
	return core.Invalid("Failed to "+action+" record.", data)
}

// CreateRecordTx creates a record inside tx (so batch can share it).
func (a *App) CreateRecordTx(ctx context.Context, tx core.Tx, req *Request, c *core.Collection, input map[string]any) (*core.Record, error) {
	if c.IsView() {
		return nil, errUnsupportedType
	}
	su := req.IsSuperuser()
	if c.CreateRule == nil && !su {
		return nil, errSuperuserOnly
	}
	s, err := a.store.Schema(ctx)
	if err != nil {
		return nil, internal(err)
	}
	input, ups, err := a.takeUploads(c, input)
	if err != nil {
		return nil, err
	}
	rec := core.NewRecord(c)
	applied, err := record.Apply(rec, input, record.ApplyOptions{
		Create: true, Superuser: su, Rand: a.rand, Now: a.Now(), HashPassword: a.hash,
	})
	if err != nil {
		return nil, applyError("create", err)
	}
	form, formErrs := a.authFormCreate(c, req, rec, input)
	if len(formErrs) > 0 {
		return nil, failed("create", formErrs)
	}
	errs := record.Validate(rec, nil, record.ValidateOptions{Plain: applied.Plain, NewFiles: ups.names()})
	if err := ups.check(rec, errs); err != nil {
		return nil, err
	}
	if err := a.checkRelations(ctx, tx, s, rec, errs); err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, failed("create", errs)
	}
	if err := a.saveUploads(ctx, rec, ups); err != nil {
		return nil, err
	}
	if err := tx.Insert(ctx, rec); err != nil {
		return nil, writeError("create", err)
	}
	if !su && *c.CreateRule != "" {
		ok, err := a.findOne(ctx, tx, s, c, rec.ID(), c.CreateRule, req, applied.Body)
		if err != nil {
			return nil, err
		}
		if ok == nil {
			return nil, failed("create", nil)
		}
	}
	if err := a.authFormAfterInsert(ctx, tx, s, form, req, rec, applied.Body); err != nil {
		return nil, err
	}
	if form.manage {
		req.markManaged(rec)
	}
	return rec, nil
}

// UpdateRecordTx updates a record inside tx.
func (a *App) UpdateRecordTx(ctx context.Context, tx core.Tx, req *Request, c *core.Collection, id string, input map[string]any) (*core.Record, error) {
	if c.IsView() {
		return nil, errUnsupportedType
	}
	su := req.IsSuperuser()
	if c.UpdateRule == nil && !su {
		return nil, errSuperuserOnly
	}
	s, err := a.store.Schema(ctx)
	if err != nil {
		return nil, internal(err)
	}
	old, err := a.findOne(ctx, tx, s, c, id, nil, req, nil)
	if err != nil {
		return nil, err
	}
	if old == nil {
		return nil, errRecordNotFound
	}
	input, ups, err := a.takeUploads(c, input)
	if err != nil {
		return nil, err
	}
	rec := old.Clone()
	applied, err := record.Apply(rec, input, record.ApplyOptions{
		Superuser: su, Rand: a.rand, Now: a.Now(), HashPassword: a.hash,
	})
	if err != nil {
		return nil, applyError("update", err)
	}
	if !su && *c.UpdateRule != "" {
		ok, err := a.findOne(ctx, tx, s, c, id, c.UpdateRule, req, applied.Body)
		if err != nil {
			return nil, err
		}
		if ok == nil {
			return nil, errRecordNotFound
		}
	}
	form, formErrs, err := a.authFormUpdate(ctx, tx, s, req, old, rec, input, applied.Body)
	if err != nil {
		return nil, err
	}
	if len(formErrs) > 0 {
		return nil, failed("update", formErrs)
	}
	errs := record.Validate(rec, old, record.ValidateOptions{Plain: applied.Plain, NewFiles: ups.names()})
	if err := ups.check(rec, errs); err != nil {
		return nil, err
	}
	if err := a.checkRelations(ctx, tx, s, rec, errs); err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, failed("update", errs)
	}
	if c.IsAuth() && (rec.String("password") != old.String("password") || rec.String("email") != old.String("email")) {
		if err := a.rotateTokenKey(rec); err != nil {
			return nil, internal(err)
		}
	}
	if err := a.saveUploads(ctx, rec, ups); err != nil {
		return nil, err
	}
	if err := tx.Update(ctx, rec); err != nil {
		return nil, writeError("update", err)
	}
	if err := a.dropReplacedFiles(ctx, old, rec); err != nil {
		return nil, err
	}
	if form.manage {
		req.markManaged(rec)
	}
	return rec, nil
}

// DeleteRecordTx deletes a record inside tx with relation integrity.
func (a *App) DeleteRecordTx(ctx context.Context, tx core.Tx, req *Request, c *core.Collection, id string) error {
	if c.IsView() {
		return errUnsupportedType
	}
	if c.DeleteRule == nil && !req.IsSuperuser() {
		return errSuperuserOnly
	}
	s, err := a.store.Schema(ctx)
	if err != nil {
		return internal(err)
	}
	rec, err := a.findOne(ctx, tx, s, c, id, c.DeleteRule, req, nil)
	if err != nil {
		return err
	}
	if rec == nil {
		return errRecordNotFound
	}
	return a.deleteWithRefs(ctx, tx, s, rec, map[string]bool{})
}

// applyError turns an Apply failure into the action's 400.
func applyError(action string, err error) error {
	var fe core.FieldErrors
	if errors.As(err, &fe) {
		return failed(action, fe)
	}
	var ce *core.Error
	if errors.As(err, &ce) {
		return err
	}
	return &core.Error{Code: core.EInvalid, Message: "Failed to " + action + " record.", Data: map[string]any{}, Err: err}
}

// writeError maps store write errors: unique violations become field errors.
func writeError(action string, err error) error {
	var ue *core.UniqueError
	if errors.As(err, &ue) {
		errs := core.FieldErrors{}
		for _, col := range ue.Columns {
			errs[col] = core.NewFieldError("validation_not_unique", "Value must be unique.", nil)
		}
		return failed(action, errs)
	}
	var ce *core.Error
	if errors.As(err, &ce) {
		return err
	}
	return &core.Error{Code: core.EInvalid, Message: "Failed to " + action + " record.", Data: map[string]any{}, Err: err}
}
