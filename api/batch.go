package api

import (
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/core"
)

// The batch API (§9): record creates, upserts, updates and deletes run
// one after the other in one store transaction, each through the same
// app functions, rules and serialization as its own endpoint.

const (
	defaultBatchBodyLimit = 128 << 20
	defaultBatchTimeout   = 3 * time.Second
	maxBatchURLLength     = 2000
)

const batchFailedMessage = "Batch transaction failed."

var (
	errBatchDisabled = core.Errorf(core.EForbidden, "Batch requests are not allowed.")
	// An item that is not one of the four record actions fails the batch
	// at its index with the generic message, as in PocketBase.
	errUnknownBatchAction = core.Errorf(core.EInvalid, genericMessage)
	batchMethods          = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
)

// batchItem is one submitted request of a batch.
type batchItem struct {
	Method  string
	URL     string
	Headers map[string]string
	Body    map[string]any
}

// batchResult is one item's answer.
type batchResult struct {
	Body   any `json:"body"`
	Status int `json:"status"`
}

// batchAction is the record endpoint an item stands for.
type batchAction struct {
	method     string // of the endpoint (an upsert becomes POST or PATCH)
	tag        string // rate-limit action tag of the endpoint
	collection string
	id         string // update and delete
	upsert     bool
	query      string
}

// batchDone is an item that ran: what its response is rendered from
// after the commit. rec is nil for a delete (204).
type batchDone struct {
	ri  *http.Request
	req *app.Request
	rec *core.Record
}

func (s *server) handleBatch() http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		st, err := s.app.Settings(r.Context())
		if err != nil {
			return err
		}
		cfg := st.Batch
		if !cfg.Enabled || cfg.MaxRequests <= 0 {
			return errBatchDisabled
		}
		limit := cfg.MaxBodySize
		if limit <= 0 {
			limit = defaultBatchBodyLimit
		}
		timeout := time.Duration(cfg.Timeout) * time.Second
		if timeout <= 0 {
			timeout = defaultBatchTimeout
		}
		items, err := readBatch(w, r, limit)
		if err != nil {
			return err
		}
		if err := validateBatch(items, cfg.MaxRequests); err != nil {
			return err
		}
		return s.runBatch(w, r, items, timeout)
	})
}

func batchBodyError(err error) error {
	return &core.Error{Code: core.EInvalid, Message: "Failed to read the submitted batch data.", Err: err}
}

// readBatch reads {"requests":[...]} from a JSON body or from the
// @jsonPayload of a multipart one, whose file parts named
// "requests.<i>.<key>" or "requests[<i>].<key>" join item i's body.
func readBatch(w http.ResponseWriter, r *http.Request, limit int64) ([]*batchItem, error) {
	body, err := readBody(w, r, limit)
	if err != nil {
		if core.ErrorCode(err) == core.EInvalid {
			return nil, batchBodyError(err)
		}
		return nil, err
	}
	items, err := batchItems(body["requests"])
	if err != nil {
		return nil, err
	}
	if r.MultipartForm != nil {
		attachBatchFiles(items, r.MultipartForm.File)
	}
	return items, nil
}

// batchItems decodes the requests list; a value of the wrong shape is
// unreadable data, not a validation error.
func batchItems(v any) ([]*batchItem, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, batchBodyError(fmt.Errorf("requests is a %T", v))
	}
	items := make([]*batchItem, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, batchBodyError(fmt.Errorf("requests.%d is a %T", i, e))
		}
		it := &batchItem{}
		var okMethod, okURL bool
		it.Method, okMethod = optionalString(m["method"])
		it.URL, okURL = optionalString(m["url"])
		if !okMethod || !okURL {
			return nil, batchBodyError(fmt.Errorf("requests.%d: method and url must be strings", i))
		}
		switch h := m["headers"].(type) {
		case nil:
		case map[string]any:
			it.Headers = make(map[string]string, len(h))
			for k, v := range h {
				s, ok := v.(string)
				if !ok {
					return nil, batchBodyError(fmt.Errorf("requests.%d.headers.%s is a %T", i, k, v))
				}
				it.Headers[k] = s
			}
		default:
			return nil, batchBodyError(fmt.Errorf("requests.%d.headers is a %T", i, h))
		}
		switch b := m["body"].(type) {
		case nil:
		case map[string]any:
			it.Body = b
		default:
			return nil, batchBodyError(fmt.Errorf("requests.%d.body is a %T", i, b))
		}
		items[i] = it
	}
	return items, nil
}

func optionalString(v any) (string, bool) {
	if v == nil {
		return "", true
	}
	s, ok := v.(string)
	return s, ok
}

// attachBatchFiles adds file parts to the bodies of the items they name,
// the way a record endpoint adds its own (modifier keys included).
func attachBatchFiles(items []*batchItem, parts map[string][]*multipart.FileHeader) {
	byItem := map[int]map[string][]*multipart.FileHeader{}
	for key, fhs := range parts {
		i, field, ok := batchFileKey(key)
		if !ok || i >= len(items) {
			continue
		}
		if byItem[i] == nil {
			byItem[i] = map[string][]*multipart.FileHeader{}
		}
		byItem[i][field] = append(byItem[i][field], fhs...)
	}
	for i, fileParts := range byItem {
		if items[i].Body == nil {
			items[i].Body = map[string]any{}
		}
		attachUploads(items[i].Body, fileParts)
	}
}

// batchFileKey splits "requests.<i>.<key>" or "requests[<i>].<key>".
func batchFileKey(name string) (int, string, bool) {
	var idx, key string
	var ok bool
	if rest, found := strings.CutPrefix(name, "requests."); found {
		idx, key, ok = strings.Cut(rest, ".")
	} else if rest, found := strings.CutPrefix(name, "requests["); found {
		idx, key, ok = strings.Cut(rest, "].")
	}
	if !ok || key == "" || idx == "" || strings.Trim(idx, "0123456789") != "" {
		return 0, "", false
	}
	i, err := strconv.Atoi(idx)
	if err != nil {
		return 0, "", false
	}
	return i, key, true
}

// validateBatch checks the list and each item's method and url (§9.1).
func validateBatch(items []*batchItem, maxRequests int) error {
	var errs core.FieldErrors
	switch {
	case len(items) == 0:
		errs = core.FieldErrors{"requests": core.NewFieldError("validation_required", "Cannot be blank.", nil)}
	case len(items) > maxRequests:
		errs = core.FieldErrors{"requests": core.NewFieldError("validation_length_too_long",
			fmt.Sprintf("The length must be no more than %d.", maxRequests),
			map[string]any{"max": maxRequests, "min": 0})}
	default:
		itemErrs := core.FieldErrors{}
		for i, it := range items {
			e := core.FieldErrors{}
			switch {
			case it.Method == "":
				e["method"] = core.NewFieldError("validation_required", "Cannot be blank.", nil)
			case !slices.Contains(batchMethods, it.Method):
				e["method"] = core.NewFieldError("validation_in_invalid", "Must be a valid value.", nil)
			}
			switch {
			case it.URL == "":
				e["url"] = core.NewFieldError("validation_required", "Cannot be blank.", nil)
			case utf8.RuneCountInString(it.URL) > maxBatchURLLength:
				e["url"] = core.NewFieldError("validation_length_too_long",
					fmt.Sprintf("The length must be no more than %d.", maxBatchURLLength),
					map[string]any{"max": maxBatchURLLength, "min": 0})
			}
			if len(e) > 0 {
				itemErrs[strconv.Itoa(i)] = e
			}
		}
		if len(itemErrs) > 0 {
			errs = core.FieldErrors{"requests": itemErrs}
		}
	}
	if errs == nil {
		return nil
	}
	return core.Invalid("Invalid batch request data.", errs.Map())
}

// parseBatchAction maps an item to its record endpoint: POST and PUT on
// /api/collections/{c}/records, PATCH and DELETE on .../records/{id},
// each with an optional query.
func parseBatchAction(method, rawURL string) (*batchAction, bool) {
	path, query, _ := strings.Cut(rawURL, "?")
	rest, ok := strings.CutPrefix(path, "/api/collections/")
	if !ok {
		return nil, false
	}
	segs := strings.Split(rest, "/")
	for i, seg := range segs {
		if seg == "" {
			return nil, false
		}
		if segs[i], ok = unescapeSegment(seg); !ok {
			return nil, false
		}
	}
	if len(segs) < 2 || segs[1] != "records" {
		return nil, false
	}
	act := &batchAction{method: method, collection: segs[0], query: query}
	switch {
	case len(segs) == 2 && method == http.MethodPost:
		act.tag = "create"
	case len(segs) == 2 && method == http.MethodPut:
		act.method, act.tag, act.upsert = http.MethodPost, "create", true
	case len(segs) == 3 && method == http.MethodPatch:
		act.tag, act.id = "update", segs[2]
	case len(segs) == 3 && method == http.MethodDelete:
		act.tag, act.id = "delete", segs[2]
	default:
		return nil, false
	}
	return act, true
}

func unescapeSegment(seg string) (string, bool) {
	s, err := url.PathUnescape(seg)
	return s, err == nil && s != "" && !strings.Contains(s, "/")
}

// asUpdate turns an upsert into the update of id.
func (act *batchAction) asUpdate(id string) {
	act.method, act.tag, act.id = http.MethodPatch, "update", id
}

// pattern is the route of the endpoint: rate-limit counters are kept
// per route, so items count against the same quota as direct calls.
func (act *batchAction) pattern() string {
	if act.id == "" {
		return act.method + " /api/collections/{collection}/records"
	}
	return act.method + " /api/collections/{collection}/records/{id}"
}

// itemRequest is the request an item would have been on its own: the
// outer request's auth, headers with the item's on top (Authorization
// excepted: every item runs as the outer request's caller), the item's
// method, path, query and path values.
func itemRequest(r *http.Request, it *batchItem, act *batchAction) *http.Request {
	ri := r.Clone(r.Context())
	ri.Body, ri.ContentLength = http.NoBody, 0
	ri.Form, ri.PostForm, ri.MultipartForm = nil, nil, nil
	for k, v := range it.Headers {
		if !strings.EqualFold(k, "Authorization") {
			ri.Header.Set(k, v)
		}
	}
	act.applyTo(ri)
	return ri
}

func (act *batchAction) applyTo(ri *http.Request) {
	path := "/api/collections/" + url.PathEscape(act.collection) + "/records"
	if act.id != "" {
		path += "/" + url.PathEscape(act.id)
	}
	ri.Method = act.method
	ri.URL = &url.URL{Path: path, RawQuery: act.query}
	ri.RequestURI = ri.URL.RequestURI()
	ri.Pattern = act.pattern()
	ri.SetPathValue("collection", act.collection)
	if act.id != "" {
		ri.SetPathValue("id", act.id)
	}
}

// runBatch runs the items in one transaction and answers their results,
// or the first failure. The transaction ends with the timeout or when
// the client goes away, and then rolls back.
func (s *server) runBatch(w http.ResponseWriter, r *http.Request, items []*batchItem, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	done := make([]*batchDone, len(items))
	failedAt, itemErr := -1, error(nil)
	err := s.app.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		failedAt, itemErr = -1, nil
		for i, it := range items {
			if err := ctx.Err(); err != nil {
				return err
			}
			d, err := s.runBatchItem(ctx, tx, r, it)
			if err != nil {
				failedAt, itemErr = i, err
				return err
			}
			done[i] = d
		}
		return nil
	})
	if err != nil {
		return s.batchFailure(r, err, ctx.Err(), failedAt, itemErr)
	}
	out := make([]batchResult, len(done))
	for i, d := range done {
		if d.rec == nil {
			out[i] = batchResult{Status: http.StatusNoContent}
			continue
		}
		var body any = s.serialize(d.ri, d.req, d.rec)
		if fields := d.ri.URL.Query().Get("fields"); fields != "" {
			// The syntax was checked before the item ran.
			if picked, err := pick(body, fields); err == nil {
				body = picked
			}
		}
		out[i] = batchResult{Body: body, Status: http.StatusOK}
	}
	return s.respond(w, r, http.StatusOK, out)
}

// runBatchItem runs one item inside the batch's transaction, through
// the app's transactional record functions (which use only tx).
func (s *server) runBatchItem(ctx context.Context, tx core.Tx, r *http.Request, it *batchItem) (*batchDone, error) {
	act, ok := parseBatchAction(it.Method, it.URL)
	if !ok {
		return nil, errUnknownBatchAction
	}
	ri := itemRequest(r, it, act)
	var c *core.Collection
	var err error
	if act.tag == "delete" {
		c, err = s.collection(ri)
	} else {
		c, err = s.writeCollection(ri)
	}
	if err != nil {
		return nil, err
	}
	if fields := ri.URL.Query().Get("fields"); fields != "" {
		if _, err := pick(map[string]any{}, fields); err != nil {
			return nil, &core.Error{Code: core.EInvalid, Message: genericMessage, Err: err}
		}
	}
	body := it.Body
	if body == nil {
		body = map[string]any{}
	}
	if act.upsert {
		if id := upsertID(body["id"]); id != "" {
			exists, err := s.app.RecordExistsTx(ctx, tx, c, id)
			if err != nil {
				return nil, err
			}
			if exists {
				act.asUpdate(id)
				act.applyTo(ri)
			}
		}
	}
	if err := s.checkCollectionLimit(ri, c, act.tag); err != nil {
		return nil, err
	}
	req := s.request(ri)
	req.Context = "batch"
	d := &batchDone{ri: ri, req: req}
	switch act.tag {
	case "create":
		d.rec, err = s.app.CreateRecordTx(ctx, tx, req, c, body)
	case "update":
		d.rec, err = s.app.UpdateRecordTx(ctx, tx, req, c, act.id, body)
	case "delete":
		err = s.app.DeleteRecordTx(ctx, tx, req, c, act.id)
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// upsertID is the body's id as text (a number is accepted as its text).
func upsertID(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// batchFailure is the 400 of a rolled-back batch: keyed by the failing
// item's index with the error body that item would have answered, or
// without details when the batch timed out, the client went away or
// the commit itself failed.
func (s *server) batchFailure(r *http.Request, err, ctxErr error, failedAt int, itemErr error) error {
	if ctxErr == nil && failedAt >= 0 {
		_, body := errorResponse(r, s.log, itemErr)
		return core.Invalid(batchFailedMessage, map[string]any{
			"requests": map[string]any{
				strconv.Itoa(failedAt): map[string]any{
					"code":     "batch_request_failed",
					"message":  "Batch request failed.",
					"response": body,
				},
			},
		})
	}
	if ctxErr == nil {
		s.log.ErrorContext(r.Context(), "batch transaction failed", "requestId", requestID(r.Context()), "error", err)
	}
	return &core.Error{Code: core.EInvalid, Message: batchFailedMessage, Data: map[string]any{}, Err: err}
}
