package files

import (
	"bytes"
	"io"
	"mime/multipart"
	"sync"
)

// Upload is one file submitted for a file field. Transports build it (from
// a multipart part, or bytes); the app gives it its stored Name.
type Upload struct {
	// OriginalName is the client's filename (base name only).
	OriginalName string
	// Name is the normalized stored filename, set once by the app.
	Name string
	// Size is the content length in bytes.
	Size int64

	open  func() (io.ReadSeekCloser, error)
	once  sync.Once
	ctype string
	cerr  error
}

// NewUpload returns an upload whose content open returns.
func NewUpload(originalName string, size int64, open func() (io.ReadSeekCloser, error)) *Upload {
	return &Upload{OriginalName: originalName, Size: size, open: open}
}

// UploadFromMultipart wraps a parsed multipart file part.
func UploadFromMultipart(fh *multipart.FileHeader) *Upload {
	return NewUpload(fh.Filename, fh.Size, func() (io.ReadSeekCloser, error) { return fh.Open() })
}

// UploadFromBytes wraps in-memory content.
func UploadFromBytes(name string, b []byte) *Upload {
	return NewUpload(name, int64(len(b)), func() (io.ReadSeekCloser, error) {
		return nopCloser{bytes.NewReader(b)}, nil
	})
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// Open returns a fresh reader of the content.
func (u *Upload) Open() (io.ReadSeekCloser, error) { return u.open() }

// ContentType sniffs the content once.
func (u *Upload) ContentType() (string, error) {
	u.once.Do(func() {
		var f io.ReadSeekCloser
		f, u.cerr = u.open()
		if u.cerr != nil {
			return
		}
		defer f.Close()
		u.ctype, u.cerr = DetectContentType(f, u.Size)
	})
	return u.ctype, u.cerr
}
