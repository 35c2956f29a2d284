package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/plinthdb/plinth/auth"
	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/files"
	"github.com/plinthdb/plinth/filter"
	"github.com/plinthdb/plinth/record"
)

// Record files (§4.7, §7). Uploads are written to storage inside the write
// transaction, before the commit; what a transaction wrote is removed
// again when it rolls back, and what its changes made obsolete (replaced
// or removed files, files of deleted records) is removed only after it
// commits. No committed record points to a missing file, and a rolled-back
// change loses no file. The bookkeeping lives in a FileChanges carried by
// the context, so one transaction with many record changes (batch)
// settles all its files once.

// fileStores selects the storage of record files: S3 when the settings
// enable it, the local storage otherwise.
type fileStores struct {
	mu    sync.Mutex
	local files.Storage
	s3cfg files.S3Config
	s3    *files.S3
	log   *slog.Logger

	thumbs    singleflight.Group
	thumbSlot chan struct{} // bounds concurrent thumb generation
}

func (a *App) initFiles(o Options) {
	a.files.local = o.Files
	a.files.log = o.Logger
	if a.files.log == nil {
		a.files.log = slog.Default()
	}
	a.files.thumbSlot = make(chan struct{}, runtime.NumCPU()+2)
	a.SetTestS3(CheckS3)
}

var errNoFileStorage = errors.New("no file storage is configured")

// FileStorage returns the storage record files currently go to.
func (a *App) FileStorage(ctx context.Context) (files.Storage, error) {
	s, err := a.Settings(ctx)
	if err != nil {
		return nil, err
	}
	if !s.S3.Enabled {
		if a.files.local == nil {
			return nil, internal(errNoFileStorage)
		}
		return a.files.local, nil
	}
	cfg := s3Config(s.S3)
	a.files.mu.Lock()
	defer a.files.mu.Unlock()
	if a.files.s3 == nil || a.files.s3cfg != cfg {
		st, err := files.NewS3(cfg)
		if err != nil {
			return nil, internal(err)
		}
		a.files.s3, a.files.s3cfg = st, cfg
	}
	return a.files.s3, nil
}

func s3Config(s S3Settings) files.S3Config {
	return files.S3Config{Bucket: s.Bucket, Region: s.Region, Endpoint: s.Endpoint,
		AccessKey: s.AccessKey, Secret: s.Secret, ForcePathStyle: s.ForcePathStyle}
}

// CheckS3 is the S3 connection check behind POST /api/settings/test/s3:
// it writes and removes a small object in the bucket.
func CheckS3(ctx context.Context, cfg S3Settings) error {
	st, err := files.NewS3(s3Config(cfg))
	if err != nil {
		return err
	}
	return st.Check(ctx)
}

// FileChanges collects the file side effects of one write transaction.
type FileChanges struct {
	mu       sync.Mutex
	uploaded []storedFile // removed on rollback
	obsolete []storedFile // removed after commit
}

// storedFile is a key (or a "dir/" prefix) in the storage it lives in.
type storedFile struct {
	st     files.Storage
	key    string
	prefix bool
}

type fileChangesKey struct{}

// WithFileChanges returns ctx carrying a new FileChanges, or ctx itself
// when it already carries one (the outermost owner settles).
func WithFileChanges(ctx context.Context) (context.Context, *FileChanges, bool) {
	if fc, ok := ctx.Value(fileChangesKey{}).(*FileChanges); ok {
		return ctx, fc, false
	}
	fc := &FileChanges{}
	return context.WithValue(ctx, fileChangesKey{}, fc), fc, true
}

func fileChanges(ctx context.Context) *FileChanges {
	fc, _ := ctx.Value(fileChangesKey{}).(*FileChanges)
	return fc
}

func (fc *FileChanges) add(list *[]storedFile, f storedFile) {
	fc.mu.Lock()
	*list = append(*list, f)
	fc.mu.Unlock()
}

// Write runs fn in one store transaction whose record changes may upload
// and delete files (CreateRecordTx, UpdateRecordTx, DeleteRecordTx take
// the bookkeeping from ctx), then settles those files once the outcome is
// known. Transports that group many changes in one transaction (batch)
// call it instead of Store().Write.
func (a *App) Write(ctx context.Context, fn func(ctx context.Context, tx core.Tx) error) error {
	ctx, fc, owner := WithFileChanges(ctx)
	err := a.store.Write(ctx, func(tx core.Tx) error { return fn(ctx, tx) })
	if owner {
		a.SettleFiles(ctx, fc, err == nil)
	}
	return err
}

// SettleFiles finishes a transaction's files: after a commit the obsolete
// ones are deleted, after a rollback the ones it uploaded. Failures are
// logged; the transaction's outcome stands.
func (a *App) SettleFiles(ctx context.Context, fc *FileChanges, committed bool) {
	ctx = context.WithoutCancel(ctx)
	fc.mu.Lock()
	uploaded, obsolete := fc.uploaded, fc.obsolete
	fc.uploaded, fc.obsolete = nil, nil
	fc.mu.Unlock()
	list := uploaded
	if committed {
		list = obsolete
	}
	keep := map[string]bool{}
	if committed {
		for _, f := range uploaded {
			keep[f.key] = true
		}
	}
	for _, f := range list {
		var err error
		switch {
		case !f.prefix:
			err = f.st.Delete(ctx, f.key)
		case hasKeyUnder(keep, f.key):
			// A record deleted and created again with the same id in one
			// transaction (batch): keep what the new one uploaded.
			err = a.deleteUnder(ctx, f.st, f.key, keep)
		default:
			err = f.st.DeletePrefix(ctx, f.key)
		}
		if err != nil {
			a.files.log.Error("deleting a record file failed", "key", f.key, "committed", committed, "error", err)
		}
	}
}

func hasKeyUnder(keys map[string]bool, prefix string) bool {
	for k := range keys {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// deleteUnder deletes the objects under prefix except those in keep.
func (a *App) deleteUnder(ctx context.Context, st files.Storage, prefix string, keep map[string]bool) error {
	keys, err := st.List(ctx, prefix)
	if err != nil {
		return err
	}
	var errs []error
	for _, k := range keys {
		if !keep[k] {
			errs = append(errs, st.Delete(ctx, k))
		}
	}
	return errors.Join(errs...)
}

// uploads are the files submitted for one record change, by field name.
type uploads map[string][]*files.Upload

func (u uploads) names() map[string][]string {
	out := make(map[string][]string, len(u))
	for field, list := range u {
		for _, up := range list {
			out[field] = append(out[field], up.Name)
		}
	}
	return out
}

// takeUploads finds the uploads (*files.Upload values, alone, in a slice
// or mixed with filenames in a []any) under the keys of c's file fields
// ("docs", "docs+", "+docs"), names them (§4.7) and returns input with
// each upload replaced by its name. Uploads under any other key are
// dropped. input itself is not modified.
func (a *App) takeUploads(c *core.Collection, input map[string]any) (map[string]any, uploads, error) {
	var out map[string]any
	ups := uploads{}
	for key, v := range input {
		found, rest := splitUploads(v)
		if len(found) == 0 {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(input))
			for k, v := range input {
				out[k] = v
			}
		}
		f := uploadField(c, key)
		if f == nil {
			switch len(rest) {
			case 0:
				delete(out, key)
			case 1:
				out[key] = rest[0] // the plain value the uploads were added to
			default:
				out[key] = rest
			}
			continue
		}
		vals := make([]any, 0, len(rest)+len(found))
		vals = append(vals, rest...)
		for _, up := range found {
			if up.Name == "" {
				ctype, err := up.ContentType()
				if err != nil {
					return nil, nil, internal(err)
				}
				if up.Name, err = files.NormalizeName(up.OriginalName, ctype, a.rand); err != nil {
					return nil, nil, internal(err)
				}
			}
			ups[f.Name] = append(ups[f.Name], up)
			vals = append(vals, up.Name)
		}
		out[key] = vals
	}
	if out == nil {
		return input, nil, nil
	}
	return out, ups, nil
}

// splitUploads separates the uploads in v from the other values.
func splitUploads(v any) (found []*files.Upload, rest []any) {
	switch x := v.(type) {
	case *files.Upload:
		return []*files.Upload{x}, nil
	case []*files.Upload:
		return x, nil
	case []any:
		for _, e := range x {
			if up, ok := e.(*files.Upload); ok {
				found = append(found, up)
			} else {
				rest = append(rest, e)
			}
		}
	}
	return found, rest
}

// uploadField is the file field a key may carry uploads for.
func uploadField(c *core.Collection, key string) *core.Field {
	for _, f := range c.Fields {
		if f.Type == core.FieldFile && (key == f.Name || key == f.Name+"+" || key == "+"+f.Name) {
			return f
		}
	}
	return nil
}

// kept returns the uploads of field f that made it into rec's value (a
// single file field keeps only the last one).
func (u uploads) kept(rec *core.Record, f *core.Field) []*files.Upload {
	var out []*files.Upload
	names := rec.Strings(f.Name)
	for _, up := range u[f.Name] {
		if slices.Contains(names, up.Name) {
			out = append(out, up)
		}
	}
	return out
}

// checkUploads validates the kept uploads of fields without another
// error: stored name, size (maxSize, 5 MiB by default) and sniffed type.
func (u uploads) check(rec *core.Record, errs core.FieldErrors) error {
	for _, f := range rec.Collection.Fields {
		if f.Type != core.FieldFile || errs[f.Name] != nil {
			continue
		}
		for _, up := range u.kept(rec, f) {
			fe, err := checkUpload(f, up)
			if err != nil {
				return internal(err)
			}
			if fe != nil {
				errs[f.Name] = fe
				break
			}
		}
	}
	return nil
}

func checkUpload(f *core.Field, up *files.Upload) (*core.FieldError, error) {
	if n := len(up.Name); n < 1 || n > files.MaxNameLength {
		return core.NewFieldError("validation_length_out_of_range", "The length must be between 1 and 150.",
			map[string]any{"min": 1, "max": files.MaxNameLength}), nil
	}
	if !files.ValidName(up.Name) {
		return core.NewFieldError("validation_match_invalid", "Must be in a valid format.", nil), nil
	}
	maxSize := f.MaxSize
	if maxSize <= 0 {
		maxSize = record.DefaultFileMaxSize
	}
	if up.Size > maxSize {
		return core.NewFieldError("validation_file_size_limit",
			fmt.Sprintf("Failed to upload %s - the maximum allowed file size is %d bytes.", up.OriginalName, maxSize),
			map[string]any{"file": up.OriginalName, "maxSize": maxSize}), nil
	}
	if len(f.MimeTypes) > 0 {
		ctype, err := up.ContentType()
		if err != nil {
			return nil, err
		}
		if !files.MimeAllowed(ctype, f.MimeTypes) {
			return core.NewFieldError("validation_invalid_mime_type",
				fmt.Sprintf("%q mime type must be one of: %s.", up.Name, strings.Join(f.MimeTypes, ", ")), nil), nil
		}
	}
	return nil, nil
}

// saveUploads writes rec's kept uploads to storage, recording each in
// the transaction's FileChanges first so that a rollback removes it.
func (a *App) saveUploads(ctx context.Context, rec *core.Record, u uploads) error {
	if len(u) == 0 {
		return nil
	}
	fc := fileChanges(ctx)
	if fc == nil {
		return internal(errors.New("app: file uploads outside App.Write"))
	}
	var st files.Storage
	c := rec.Collection
	for _, f := range c.Fields {
		if f.Type != core.FieldFile {
			continue
		}
		for _, up := range u.kept(rec, f) {
			if st == nil {
				var err error
				if st, err = a.FileStorage(ctx); err != nil {
					return err
				}
			}
			key := files.RecordDir(c.ID, rec.ID()) + up.Name
			fc.add(&fc.uploaded, storedFile{st: st, key: key})
			if err := putUpload(ctx, st, key, up); err != nil {
				return internal(fmt.Errorf("upload %s: %w", key, err))
			}
		}
	}
	return nil
}

func putUpload(ctx context.Context, st files.Storage, key string, up *files.Upload) error {
	ctype, err := up.ContentType()
	if err != nil {
		return err
	}
	r, err := up.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	return st.Put(ctx, key, r, up.Size, ctype)
}

// dropReplacedFiles marks the files an update removed from rec (and
// their thumbs) for deletion after commit.
func (a *App) dropReplacedFiles(ctx context.Context, old, rec *core.Record) error {
	var gone []string
	for _, f := range rec.Collection.Fields {
		if f.Type != core.FieldFile {
			continue
		}
		now := rec.Strings(f.Name)
		for _, name := range old.Strings(f.Name) {
			if !slices.Contains(now, name) && files.ValidName(name) {
				gone = append(gone, name)
			}
		}
	}
	if len(gone) == 0 {
		return nil
	}
	fc := fileChanges(ctx)
	if fc == nil {
		return nil // outside App.Write the old files stay: orphans, never a lost file
	}
	st, err := a.deletionStorage(ctx)
	if st == nil {
		return err
	}
	c := rec.Collection
	for _, name := range gone {
		fc.add(&fc.obsolete, storedFile{st: st, key: files.RecordDir(c.ID, rec.ID()) + name})
		fc.add(&fc.obsolete, storedFile{st: st, key: files.ThumbsDir(c.ID, rec.ID(), name), prefix: true})
	}
	return nil
}

// deletionStorage is the storage to delete obsolete files from; nil
// without an error when there is none (nothing can have been stored).
func (a *App) deletionStorage(ctx context.Context) (files.Storage, error) {
	st, err := a.FileStorage(ctx)
	if errors.Is(err, errNoFileStorage) {
		return nil, nil
	}
	return st, err
}

// dropRecordFiles marks a deleted record's files for deletion after commit.
func (a *App) dropRecordFiles(ctx context.Context, rec *core.Record) error {
	c := rec.Collection
	if !slices.ContainsFunc(c.Fields, func(f *core.Field) bool { return f.Type == core.FieldFile }) {
		return nil
	}
	fc := fileChanges(ctx)
	if fc == nil || !files.ValidKey(c.ID+"/"+rec.ID()) {
		return nil
	}
	st, err := a.deletionStorage(ctx)
	if st == nil {
		return err
	}
	fc.add(&fc.obsolete, storedFile{st: st, key: files.RecordDir(c.ID, rec.ID()), prefix: true})
	return nil
}

// dropCollectionFiles marks all files of a deleted collection for
// deletion after commit.
func (a *App) dropCollectionFiles(ctx context.Context, c *core.Collection) error {
	fc := fileChanges(ctx)
	if fc == nil || c.IsView() || !files.ValidKey(c.ID) {
		return nil
	}
	st, err := a.deletionStorage(ctx)
	if st == nil {
		return err
	}
	fc.add(&fc.obsolete, storedFile{st: st, key: c.ID + "/", prefix: true})
	return nil
}

// ServedFile is a record file ready to be sent.
type ServedFile struct {
	files.Object
	// Name is the download name: the filename, or "<thumb>_<filename>".
	Name string
}

var errFileNotFound = core.Errorf(core.ENotFound, "The requested resource wasn't found.")

// OpenRecordFile finds a file of a record for download (§7.1): the name
// must be a current value of one of the record's file fields; a protected
// field needs token, a file token whose record passes the collection's
// view rule (request context "protectedFile"); thumb names a thumb to
// serve instead of the original (100x100 or one of the field's thumbs,
// for PNG/JPEG/GIF/WebP originals), generated on first use. Anything
// missing or not allowed is a 404.
func (a *App) OpenRecordFile(ctx context.Context, req *Request, c *core.Collection, recordID, filename, thumb, token string) (*ServedFile, error) {
	if recordID == "" || !files.ValidName(filename) {
		return nil, errFileNotFound
	}
	s, err := a.store.Schema(ctx)
	if err != nil {
		return nil, internal(err)
	}
	var rec *core.Record
	err = a.store.Read(ctx, func(tx core.Tx) error {
		rec, err = a.findOne(ctx, tx, s, c, recordID, nil, nil, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, errFileNotFound
	}
	f := fileFieldOf(rec, filename)
	if f == nil {
		return nil, errFileNotFound
	}
	if f.Protected {
		ok, err := a.canAccessProtected(ctx, s, req, rec, token)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errFileNotFound
		}
	}
	ownerC, ownerID := c, rec.ID()
	if c.IsView() {
		src, err := a.viewFileSource(ctx, s, rec, filename)
		if err != nil {
			return nil, err
		}
		if src == nil {
			return nil, errFileNotFound
		}
		ownerC, ownerID = src.Collection, src.ID()
	}
	st, err := a.FileStorage(ctx)
	if err != nil {
		return nil, err
	}
	origKey := files.RecordDir(ownerC.ID, ownerID) + filename
	if !files.ValidKey(origKey) {
		return nil, errFileNotFound
	}
	if thumb != "" && (thumb == files.DefaultThumb || slices.Contains(f.Thumbs, thumb)) {
		if obj, name := a.openThumb(ctx, st, ownerC.ID, ownerID, filename, thumb); obj != nil {
			return &ServedFile{Object: obj, Name: name}, nil
		}
	}
	obj, err := st.Open(ctx, origKey)
	if err != nil {
		if errors.Is(err, files.ErrNotFound) {
			return nil, errFileNotFound
		}
		return nil, internal(err)
	}
	return &ServedFile{Object: obj, Name: filename}, nil
}

// fileFieldOf returns the file field of rec holding filename.
func fileFieldOf(rec *core.Record, filename string) *core.Field {
	for _, f := range rec.Collection.Fields {
		if f.Type == core.FieldFile && slices.Contains(rec.Strings(f.Name), filename) {
			return f
		}
	}
	return nil
}

// canAccessProtected checks a protected file's token against the view
// rule. The request's own Authorization is ignored: only the token counts.
func (a *App) canAccessProtected(ctx context.Context, s *core.Schema, req *Request, rec *core.Record, token string) (bool, error) {
	holder, err := a.fileTokenRecord(ctx, s, strings.TrimSpace(token))
	if err != nil {
		return false, err
	}
	r := &Request{Auth: holder, Method: "GET", Context: "protectedFile"}
	if req != nil {
		r.Method, r.Headers, r.Query = req.Method, req.Headers, req.Query
	}
	c := rec.Collection
	if c.ViewRule == nil {
		return r.IsSuperuser(), nil
	}
	var found *core.Record
	err = a.store.Read(ctx, func(tx core.Tx) error {
		var err error
		found, err = a.findOne(ctx, tx, s, c, rec.ID(), c.ViewRule, r, nil)
		return err
	})
	if err != nil {
		return false, err
	}
	return found != nil, nil
}

// fileTokenRecord resolves a file token (§6.11, §7.2) to the auth record
// that holds it: type "file", signed with the record's tokenKey and its
// collection's fileToken secret, not expired. Any invalid token is nil.
func (a *App) fileTokenRecord(ctx context.Context, s *core.Schema, token string) (*core.Record, error) {
	if token == "" {
		return nil, nil
	}
	claims, err := auth.Unverified(token)
	if err != nil || claims.Type != auth.TypeFile {
		return nil, nil
	}
	c := s.Find(claims.CollectionID)
	if c == nil || !c.IsAuth() || c.ID != claims.CollectionID || c.Auth.FileToken.Secret == "" {
		return nil, nil
	}
	var holder *core.Record
	err = a.store.Read(ctx, func(tx core.Tx) error {
		holder, err = a.findOne(ctx, tx, s, c, claims.ID, nil, nil, nil)
		return err
	})
	if err != nil || holder == nil || holder.String("tokenKey") == "" {
		return nil, err
	}
	verified, err := auth.Verify(token, holder.String("tokenKey")+c.Auth.FileToken.Secret, a.Now())
	if err != nil || verified.Type != auth.TypeFile || verified.ID != holder.ID() || verified.CollectionID != c.ID {
		return nil, nil
	}
	return holder, nil
}

// viewFileSource finds the record of a base collection that a view row's
// file belongs to: the one holding filename in a file field (stored
// names carry a random part, so the name identifies it), preferring a
// record with the row's id.
func (a *App) viewFileSource(ctx context.Context, s *core.Schema, row *core.Record, filename string) (*core.Record, error) {
	var best *core.Record
	for _, bc := range s.Collections {
		if bc.IsView() {
			continue
		}
		for _, f := range bc.Fields {
			if f.Type != core.FieldFile {
				continue
			}
			expr := f.Name + " = @request.query.name"
			if f.IsMulti() {
				expr = f.Name + ":each ?= @request.query.name"
			}
			comp, err := a.compile(s, bc, expr, filter.RuleKind, true)
			if err != nil {
				return nil, internal(err)
			}
			w, err := comp.Bind(&filter.Request{Now: a.Now(), Query: map[string]string{"name": filename}})
			if err != nil {
				return nil, internal(err)
			}
			var recs []*core.Record
			err = a.store.Read(ctx, func(tx core.Tx) error {
				recs, err = tx.Find(ctx, &core.Query{Collection: bc, Where: []core.SQL{w}, Limit: 10})
				return err
			})
			if err != nil {
				return nil, internal(err)
			}
			for _, r := range recs {
				if r.ID() == row.ID() {
					return r, nil
				}
				if best == nil {
					best = r
				}
			}
		}
	}
	return best, nil
}

// openThumb opens the thumb of a file, generating it on first use (one
// generation per thumb at a time, a bounded number overall). nil means
// "serve the original": not an image, or the thumb could not be made.
func (a *App) openThumb(ctx context.Context, st files.Storage, collectionID, recordID, filename, thumb string) (files.Object, string) {
	ts, ok := files.ParseThumbSize(thumb)
	if !ok {
		return nil, ""
	}
	origKey := files.RecordDir(collectionID, recordID) + filename
	name := thumb + "_" + filename
	thumbKey := files.ThumbsDir(collectionID, recordID, filename) + name
	if !files.ValidKey(thumbKey) {
		return nil, ""
	}
	if obj, err := st.Open(ctx, thumbKey); err == nil {
		return obj, name
	}
	orig, err := st.Open(ctx, origKey)
	if err != nil {
		return nil, ""
	}
	ctype := orig.ContentType()
	orig.Close()
	if !files.CanThumb(ctype) {
		return nil, ""
	}
	_, err, _ = a.files.thumbs.Do(thumbKey, func() (any, error) {
		select {
		case a.files.thumbSlot <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		defer func() { <-a.files.thumbSlot }()
		if ok, err := st.Exists(ctx, thumbKey); err == nil && ok {
			return nil, nil
		}
		return nil, files.CreateThumb(ctx, st, origKey, thumbKey, ts)
	})
	if err != nil {
		a.files.log.Warn("thumb generation failed; serving the original", "thumb", thumbKey, "error", err)
		return nil, ""
	}
	obj, err := st.Open(ctx, thumbKey)
	if err != nil {
		return nil, ""
	}
	return obj, name
}
