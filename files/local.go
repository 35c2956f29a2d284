package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// tempPrefix marks files being written; List never shows them. Stored
// filenames never start with a dot, so they cannot collide.
const tempPrefix = ".plinth-tmp-"

// Local stores objects as files under a root directory.
type Local struct {
	root string
}

var _ Storage = (*Local)(nil)

// NewLocal returns a store rooted at dir. The directory is created by
// the first write, so an unused store leaves no trace.
func NewLocal(dir string) (*Local, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	return &Local{root: abs}, nil
}

// Root returns the directory objects are stored in.
func (l *Local) Root() string { return l.root }

// path maps a valid key to its file; the check on the joined path is a
// second line of defence behind ValidKey.
func (l *Local) path(key string) (string, error) {
	if !ValidKey(key) {
		return "", ErrInvalidKey
	}
	p := filepath.Join(l.root, filepath.FromSlash(key))
	if !strings.HasPrefix(p, l.root+string(filepath.Separator)) {
		return "", ErrInvalidKey
	}
	return p, nil
}

// Put writes to a temporary file in the target directory and renames it
// into place, so readers never see a partial object.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	p, err := l.path(key)
	if err != nil {
		return err
	}
	dir := filepath.Dir(p)
	var f *os.File
	// A concurrent Delete may prune the directory between MkdirAll and
	// CreateTemp; trying again is enough.
	for attempt := 0; ; attempt++ {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		f, err = os.CreateTemp(dir, tempPrefix+"*")
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) || attempt == 3 {
			return err
		}
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return err
	}
	n, err := io.Copy(f, contextReader{ctx, r})
	if err != nil {
		return fail(err)
	}
	if size >= 0 && n != size {
		return fail(fmt.Errorf("files: wrote %d bytes of %d", n, size))
	}
	// The database commit that follows relies on the file being durable.
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// contextReader stops a copy when ctx ends.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

type localObject struct {
	*os.File
	size  int64
	mod   time.Time
	ctype string
}

func (o *localObject) Size() int64         { return o.size }
func (o *localObject) ModTime() time.Time  { return o.mod }
func (o *localObject) ContentType() string { return o.ctype }

// Open opens the file at key; its content type is sniffed from the content.
func (l *Local) Open(ctx context.Context, key string) (Object, error) {
	p, err := l.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, ErrNotFound
	}
	ctype, err := DetectContentType(f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	return &localObject{File: f, size: st.Size(), mod: st.ModTime(), ctype: ctype}, nil
}

// Exists reports whether a regular file is stored at key.
func (l *Local) Exists(ctx context.Context, key string) (bool, error) {
	p, err := l.path(key)
	if err != nil {
		return false, err
	}
	st, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	return st.Mode().IsRegular(), nil
}

// Delete removes the file at key and the directories it leaves empty.
func (l *Local) Delete(ctx context.Context, key string) error {
	p, err := l.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	l.prune(filepath.Dir(p))
	return nil
}

// prune removes dir and its parents while they are empty, up to the root.
func (l *Local) prune(dir string) {
	for dir != l.root && strings.HasPrefix(dir, l.root+string(filepath.Separator)) {
		if os.Remove(dir) != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

// DeletePrefix removes a whole directory for "dir/" prefixes and every
// matching file otherwise.
func (l *Local) DeletePrefix(ctx context.Context, prefix string) error {
	if !validPrefix(prefix) {
		return ErrInvalidKey
	}
	if strings.HasSuffix(prefix, "/") {
		p, err := l.path(strings.TrimSuffix(prefix, "/"))
		if err != nil {
			return err
		}
		if err := os.RemoveAll(p); err != nil {
			return err
		}
		l.prune(filepath.Dir(p))
		return nil
	}
	keys, err := l.List(ctx, prefix)
	if err != nil {
		return err
	}
	var errs []error
	for _, k := range keys {
		if err := l.Delete(ctx, k); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// List walks the directory the prefix points into.
func (l *Local) List(ctx context.Context, prefix string) ([]string, error) {
	start := l.root
	if i := strings.LastIndex(prefix, "/"); i > 0 {
		p, err := l.path(prefix[:i])
		if err != nil {
			return nil, err
		}
		start = p
	} else if prefix != "" && !validPrefix(prefix) {
		return nil, ErrInvalidKey
	}
	var keys []string
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() || strings.HasPrefix(d.Name(), tempPrefix) {
			return nil
		}
		rel, err := filepath.Rel(l.root, p)
		if err != nil {
			return err
		}
		if key := filepath.ToSlash(rel); strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(keys)
	return keys, nil
}
