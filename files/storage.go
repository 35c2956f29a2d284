// Package files is where record files live: a small blob storage contract
// (Storage) with a local directory and an S3-compatible implementation,
// plus the file rules of the API that need no database: upload filename
// normalization, content sniffing and thumbnails.
package files

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"
)

// ErrNotFound reports a missing object.
var ErrNotFound = errors.New("files: object not found")

// ErrInvalidKey reports a key that could name something outside the
// storage root or is otherwise malformed.
var ErrInvalidKey = errors.New("files: invalid object key")

// Storage is a flat namespace of objects named by slash-separated keys
// (record files are "<collectionId>/<recordId>/<filename>"). Keys are
// checked with ValidKey by every implementation.
type Storage interface {
	// Put stores r under key, replacing any object there. size is the
	// content length (-1 when unknown). contentType is recorded by stores
	// that keep metadata; Object.ContentType reports it (the local store
	// sniffs the content instead, which gives the same answer for what
	// Plinth writes).
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Open returns the object at key, or ErrNotFound.
	Open(ctx context.Context, key string) (Object, error)
	// Exists reports whether an object is stored at key.
	Exists(ctx context.Context, key string) (bool, error)
	// Delete removes the object at key; a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// DeletePrefix removes every object whose key starts with prefix,
	// which must not be empty ("a/b/" removes a whole "directory").
	DeletePrefix(ctx context.Context, prefix string) error
	// List returns the keys that start with prefix, sorted.
	List(ctx context.Context, prefix string) ([]string, error)
}

// Object is an open stored object. It is seekable so that it can be
// served with http.ServeContent (ranges, conditional requests).
type Object interface {
	io.ReadSeekCloser
	Size() int64
	ModTime() time.Time
	ContentType() string
}

// MaxKeyLength bounds keys (S3's own limit is 1024 bytes).
const MaxKeyLength = 1024

// ValidKey reports whether key is a relative, clean, slash-separated path:
// no empty, "." or ".." segments, no backslashes or control characters.
func ValidKey(key string) bool {
	if key == "" || len(key) > MaxKeyLength {
		return false
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

// validPrefix accepts a key, or a key followed by a slash.
func validPrefix(prefix string) bool {
	return ValidKey(strings.TrimSuffix(prefix, "/"))
}

// RecordDir is the key prefix of one record's files.
func RecordDir(collectionID, recordID string) string {
	return collectionID + "/" + recordID + "/"
}

// ThumbsDir is the key prefix of the cached thumbs of one file.
func ThumbsDir(collectionID, recordID, filename string) string {
	return RecordDir(collectionID, recordID) + "thumbs_" + filename + "/"
}
