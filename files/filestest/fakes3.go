// Package filestest provides an in-process S3 for tests of code that
// stores files.
package filestest

import (
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/plinthdb/plinth/files"
)

// FakeS3 starts an in-memory S3 server with an empty bucket and returns
// the settings that reach it. The server stops when the test ends.
func FakeS3(t testing.TB) files.S3Config {
	t.Helper()
	backend := s3mem.New()
	const bucket = "plinth-test"
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return files.S3Config{
		Bucket: bucket, Region: "us-east-1", Endpoint: srv.URL,
		AccessKey: "test-access", Secret: "test-secret", ForcePathStyle: true,
	}
}

// NewS3 returns a storage over a fresh fake S3 bucket.
func NewS3(t testing.TB) *files.S3 {
	t.Helper()
	st, err := files.NewS3(FakeS3(t))
	if err != nil {
		t.Fatal(err)
	}
	return st
}
