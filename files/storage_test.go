package files_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plinthdb/plinth/files"
	"github.com/plinthdb/plinth/files/filestest"
)

// eachStorage runs the same contract against the local directory store
// and the S3 store (over an in-process fake S3).
func eachStorage(t *testing.T, fn func(t *testing.T, st files.Storage)) {
	t.Run("local", func(t *testing.T) {
		t.Parallel()
		st, err := files.NewLocal(filepath.Join(t.TempDir(), "storage"))
		if err != nil {
			t.Fatal(err)
		}
		fn(t, st)
	})
	t.Run("s3", func(t *testing.T) {
		t.Parallel()
		fn(t, filestest.NewS3(t))
	})
}

func put(t *testing.T, st files.Storage, key string, content []byte) {
	t.Helper()
	if err := st.Put(context.Background(), key, bytes.NewReader(content), int64(len(content)), files.DetectBytes(content)); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func read(t *testing.T, st files.Storage, key string) []byte {
	t.Helper()
	obj, err := st.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(obj)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func list(t *testing.T, st files.Storage, prefix string) []string {
	t.Helper()
	keys, err := st.List(context.Background(), prefix)
	if err != nil {
		t.Fatalf("list %q: %v", prefix, err)
	}
	return keys
}

func pngBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestStorageContract(t *testing.T) {
	eachStorage(t, storageContract)
}

// storageContract is what every Storage must do, on an empty store. It is
// shared with the run against a real S3 gateway (s3_gateway_test.go).
func storageContract(t *testing.T, st files.Storage) {
	ctx := context.Background()
	text := []byte("hello, plinth\n")
	pic := pngBytes(t, 8, 4)
	before := time.Now().Add(-time.Minute)

	put(t, st, "col/rec/a.txt", text)
	put(t, st, "col/rec/b.png", pic)
	put(t, st, "col/rec/thumbs_b.png/10x10_b.png", pic)
	put(t, st, "col/rec2/c.txt", text)
	put(t, st, "col/recx", text)

	// Round trip with metadata.
	obj, err := st.Open(ctx, "col/rec/b.png")
	if err != nil {
		t.Fatal(err)
	}
	if obj.Size() != int64(len(pic)) {
		t.Errorf("size %d, want %d", obj.Size(), len(pic))
	}
	if obj.ContentType() != "image/png" {
		t.Errorf("content type %q", obj.ContentType())
	}
	if obj.ModTime().Before(before) || obj.ModTime().After(time.Now().Add(time.Minute)) {
		t.Errorf("mod time %v", obj.ModTime())
	}
	// Seekable, as http.ServeContent needs for ranges.
	if _, err := obj.Seek(4, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	part := make([]byte, 4)
	if _, err := io.ReadFull(obj, part); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(part, pic[4:8]) {
		t.Errorf("range read %q, want %q", part, pic[4:8])
	}
	if end, err := obj.Seek(0, io.SeekEnd); err != nil || end != int64(len(pic)) {
		t.Errorf("seek end = %d, %v", end, err)
	}
	obj.Close()
	if got := read(t, st, "col/rec/a.txt"); !bytes.Equal(got, text) {
		t.Errorf("read %q", got)
	}
	if obj, err := st.Open(ctx, "col/rec/a.txt"); err != nil || !strings.HasPrefix(obj.ContentType(), "text/plain") {
		t.Errorf("text content type: %v", err)
	} else {
		obj.Close()
	}

	// Overwrite replaces.
	put(t, st, "col/rec/a.txt", []byte("v2"))
	if got := read(t, st, "col/rec/a.txt"); string(got) != "v2" {
		t.Errorf("after overwrite %q", got)
	}

	// Missing objects.
	if _, err := st.Open(ctx, "col/rec/missing.txt"); !errors.Is(err, files.ErrNotFound) {
		t.Errorf("open missing: %v", err)
	}
	if _, err := st.Open(ctx, "col/rec"); !errors.Is(err, files.ErrNotFound) {
		t.Errorf("open a directory-like prefix: %v", err)
	}
	if ok, err := st.Exists(ctx, "col/rec/a.txt"); !ok || err != nil {
		t.Errorf("exists = %v, %v", ok, err)
	}
	if ok, err := st.Exists(ctx, "col/rec/missing.txt"); ok || err != nil {
		t.Errorf("exists missing = %v, %v", ok, err)
	}

	// Listing, sorted, by prefix.
	want := []string{"col/rec/a.txt", "col/rec/b.png", "col/rec/thumbs_b.png/10x10_b.png"}
	if got := list(t, st, "col/rec/"); !slices.Equal(got, want) {
		t.Errorf("list col/rec/ = %v", got)
	}
	if got := list(t, st, "col/rec"); len(got) != 5 {
		t.Errorf("list col/rec = %v", got)
	}
	if got := list(t, st, "nothing/"); len(got) != 0 {
		t.Errorf("list nothing/ = %v", got)
	}

	// Deletes are idempotent.
	if err := st.Delete(ctx, "col/rec/a.txt"); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, "col/rec/a.txt"); err != nil {
		t.Errorf("second delete: %v", err)
	}
	if ok, _ := st.Exists(ctx, "col/rec/a.txt"); ok {
		t.Error("deleted object still exists")
	}

	// A directory prefix removes exactly that directory.
	if err := st.DeletePrefix(ctx, "col/rec/thumbs_b.png/"); err != nil {
		t.Fatal(err)
	}
	if got := list(t, st, "col/rec/"); !slices.Equal(got, []string{"col/rec/b.png"}) {
		t.Errorf("after thumbs delete: %v", got)
	}
	if err := st.DeletePrefix(ctx, "col/rec/"); err != nil {
		t.Fatal(err)
	}
	if got := list(t, st, ""); !slices.Equal(got, []string{"col/rec2/c.txt", "col/recx"}) {
		t.Errorf("after record delete: %v", got)
	}
	if err := st.DeletePrefix(ctx, "col/none/"); err != nil {
		t.Errorf("delete missing prefix: %v", err)
	}
}

func TestStorageRejectsBadKeys(t *testing.T) {
	eachStorage(t, storageRejectsBadKeys)
}

// storageRejectsBadKeys checks that no Storage accepts a key that could
// escape its root, on an empty store.
func storageRejectsBadKeys(t *testing.T, st files.Storage) {
	bad := []string{"", "../x", "a/../../x", "/etc/passwd", "a//b", "a/./b", `a\..\b`, "a/b/", "a\x00b", "..", "."}
	ctx := context.Background()
	for _, key := range bad {
		if err := st.Put(ctx, key, strings.NewReader("x"), 1, "text/plain"); !errors.Is(err, files.ErrInvalidKey) {
			t.Errorf("put %q: %v", key, err)
		}
		if _, err := st.Open(ctx, key); !errors.Is(err, files.ErrInvalidKey) {
			t.Errorf("open %q: %v", key, err)
		}
		if err := st.Delete(ctx, key); !errors.Is(err, files.ErrInvalidKey) {
			t.Errorf("delete %q: %v", key, err)
		}
	}
	for _, prefix := range []string{"", "/", "../", "a/../"} {
		if err := st.DeletePrefix(ctx, prefix); !errors.Is(err, files.ErrInvalidKey) {
			t.Errorf("delete prefix %q: %v", prefix, err)
		}
	}
	if got := list(t, st, ""); len(got) != 0 {
		t.Errorf("bad keys stored something: %v", got)
	}
}

func TestLocalStaysInsideRoot(t *testing.T) {
	base := t.TempDir()
	st, err := files.NewLocal(filepath.Join(base, "storage"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	outside := filepath.Join(base, "secret.txt")
	if err := os.WriteFile(outside, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"../secret.txt", "a/../../secret.txt"} {
		if _, err := st.Open(ctx, key); err == nil {
			t.Errorf("opened %q outside the root", key)
		}
		if err := st.Delete(ctx, key); err == nil {
			t.Errorf("deleted %q outside the root", key)
		}
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("file outside the root was touched: %v", err)
	}
	// Deleting the last file of a record removes its now empty directories.
	put(t, st, "c/r/f.txt", []byte("x"))
	if err := st.Delete(ctx, "c/r/f.txt"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(st.Root(), "c")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("empty directories left behind: %v", err)
	}
	if _, err := os.Stat(st.Root()); err != nil {
		t.Errorf("root removed: %v", err)
	}
}

func TestS3Check(t *testing.T) {
	cfg := filestest.FakeS3(t)
	st, err := files.NewS3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Check(context.Background()); err != nil {
		t.Fatalf("check of a working bucket: %v", err)
	}
	if got := list(t, st, ""); len(got) != 0 {
		t.Errorf("check left %v behind", got)
	}
	cfg.Bucket = "no-such-bucket"
	st, _ = files.NewS3(cfg)
	if err := st.Check(context.Background()); err == nil {
		t.Error("check of a missing bucket passed")
	}
	for _, bad := range []files.S3Config{{}, {Bucket: "b", Endpoint: "ftp://x"}, {Bucket: "b", Endpoint: "http://"}} {
		if _, err := files.NewS3(bad); err == nil {
			t.Errorf("NewS3(%+v) accepted", bad)
		}
	}
}
