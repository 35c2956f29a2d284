package files_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/plinthdb/plinth/api"
	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/files"
	"github.com/plinthdb/plinth/files/filestest"
	"github.com/plinthdb/plinth/store/sqlite"
)

// The S3 store is otherwise only tested against gofakes3, which is lenient
// where real services are not (signatures, listing, deletes, metadata).
// These tests run it against versitygw, a real S3 gateway, built from the
// pinned tools module (tools/versitygw) by .ci/run:
//
//	cd tools/versitygw && go build -o /tmp/versitygw github.com/versity/versitygw/cmd/versitygw
//	PLINTH_VERSITYGW=/tmp/versitygw go test ./files -run Gateway

const (
	gatewayAccess = "plinth-root"
	gatewaySecret = "plinth-root-secret-0123456789"
	gatewayRegion = "us-east-1"
)

// gateway is a running versitygw over a posix directory.
type gateway struct {
	endpoint string // http://127.0.0.1:port
	dir      string // the posix root: one directory per bucket
	client   *minio.Client
}

// lockedBuffer collects the gateway's output from its pipes while the
// test may read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startGateway runs the versitygw binary named by PLINTH_VERSITYGW on a
// free loopback port, and stops it when the test ends. Without the
// variable the test is skipped, except in CI, where it fails: a silently
// skipped integration test would look like a passing one.
func startGateway(t *testing.T) *gateway {
	t.Helper()
	bin := os.Getenv("PLINTH_VERSITYGW")
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but PLINTH_VERSITYGW is empty: build the gateway from tools/versitygw (see .ci/run) and point PLINTH_VERSITYGW at it")
		}
		t.Skip("PLINTH_VERSITYGW is not set; skipping the tests against a real S3 gateway (build it: cd tools/versitygw && go build -o /tmp/versitygw github.com/versity/versitygw/cmd/versitygw)")
	}
	if info, err := os.Stat(bin); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		t.Fatalf("PLINTH_VERSITYGW=%q is not an executable file (%v)", bin, err)
	}
	base := t.TempDir()
	dir := filepath.Join(base, "buckets")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Metadata (content types) lives in extended attributes by default; on a
	// filesystem without them the gateway refuses to start, and a sidecar
	// directory is the fallback.
	var sidecar string
	var lastErr error
	for attempt := 0; attempt < 4; attempt++ {
		endpoint, err := tryGateway(t, bin, base, dir, sidecar)
		if err == nil {
			client, err := minio.New(strings.TrimPrefix(endpoint, "http://"), &minio.Options{
				Creds:        credentials.NewStaticV4(gatewayAccess, gatewaySecret, ""),
				Region:       gatewayRegion,
				BucketLookup: minio.BucketLookupPath,
			})
			if err != nil {
				t.Fatal(err)
			}
			return &gateway{endpoint: endpoint, dir: dir, client: client}
		}
		lastErr = err
		switch {
		case strings.Contains(err.Error(), "xattr") && sidecar == "":
			sidecar = filepath.Join(base, "sidecar")
			if err := os.Mkdir(sidecar, 0o755); err != nil {
				t.Fatal(err)
			}
		case strings.Contains(err.Error(), "address already in use"):
			// Another process took the port between our probe and the
			// gateway's bind: try another.
		default:
			t.Fatal(err)
		}
	}
	t.Fatal(lastErr)
	return nil
}

// tryGateway starts one gateway process and waits until it answers. On
// success the process is stopped by t.Cleanup; on failure it is already
// gone and the error carries its output.
func tryGateway(t *testing.T, bin, base, dir, sidecar string) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	args := []string{"--port", addr, "--access", gatewayAccess, "--secret", gatewaySecret,
		"--region", gatewayRegion, "--quiet", "posix"}
	if sidecar != "" {
		args = append(args, "--sidecar", sidecar)
	}
	args = append(args, dir)
	cmd := exec.Command(bin, args...)
	// A clean environment: the gateway reads many VGW_* and ROOT_* variables.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + base, "TMPDIR=" + base}
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	endpoint := "http://" + addr
	probe := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			return "", fmt.Errorf("versitygw exited before answering (%v); output:\n%s", err, out.String())
		default:
		}
		// Any S3 answer from a versitygw will do (anonymous requests are
		// denied); the Server header tells it apart from whatever else
		// might hold the port.
		if resp, err := probe.Get(endpoint + "/"); err == nil {
			resp.Body.Close()
			if resp.Header.Get("Server") == "VERSITYGW" {
				break
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			t.Fatalf("versitygw did not answer on %s within 30s; output:\n%s", addr, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	select {
	case err := <-exited:
		return "", fmt.Errorf("versitygw exited right after answering (%v); output:\n%s", err, out.String())
	default:
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("versitygw output:\n%s", out.String())
		}
	})
	return endpoint, nil
}

// bucket creates a bucket through the S3 API and returns the settings
// that reach it.
func (g *gateway) bucket(t *testing.T, name string) files.S3Config {
	t.Helper()
	if err := g.client.MakeBucket(context.Background(), name, minio.MakeBucketOptions{Region: gatewayRegion}); err != nil {
		t.Fatalf("create bucket %q: %v", name, err)
	}
	return files.S3Config{Bucket: name, Region: gatewayRegion, Endpoint: g.endpoint,
		AccessKey: gatewayAccess, Secret: gatewaySecret, ForcePathStyle: true}
}

// storage returns Plinth's S3 store over a new bucket.
func (g *gateway) storage(t *testing.T, name string) *files.S3 {
	t.Helper()
	st, err := files.NewS3(g.bucket(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// keys lists a bucket with the gateway's own client, independently of the
// store under test.
func (g *gateway) keys(t *testing.T, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	for obj := range g.client.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			t.Fatalf("list %s/%s: %v", bucket, prefix, obj.Err)
		}
		keys = append(keys, obj.Key)
	}
	slices.Sort(keys)
	return keys
}

func TestS3Gateway(t *testing.T) {
	gw := startGateway(t)

	t.Run("contract", func(t *testing.T) {
		t.Parallel()
		storageContract(t, gw.storage(t, "plinth-contract"))
	})
	t.Run("bad keys", func(t *testing.T) {
		t.Parallel()
		storageRejectsBadKeys(t, gw.storage(t, "plinth-bad-keys"))
	})
	t.Run("check", func(t *testing.T) {
		t.Parallel()
		cfg := gw.bucket(t, "plinth-check")
		st, err := files.NewS3(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Check(context.Background()); err != nil {
			t.Fatalf("check of a working bucket: %v", err)
		}
		if got := gw.keys(t, cfg.Bucket, ""); len(got) != 0 {
			t.Errorf("check left %v behind", got)
		}
		wrong := cfg
		wrong.Secret = "not-the-secret"
		if st, _ := files.NewS3(wrong); st.Check(context.Background()) == nil {
			t.Error("check with a wrong secret passed")
		}
		missing := cfg
		missing.Bucket = "plinth-no-such-bucket"
		if st, _ := files.NewS3(missing); st.Check(context.Background()) == nil {
			t.Error("check of a missing bucket passed")
		}
	})
	t.Run("api", func(t *testing.T) {
		t.Parallel()
		gatewayThroughAPI(t, gw)
	})
}

// gatewayThroughAPI runs a record's file life cycle through the HTTP API of
// a Plinth server whose settings point at the gateway, and watches the
// objects come and go in the bucket and on the gateway's disk.
func gatewayThroughAPI(t *testing.T, gw *gateway) {
	ctx := context.Background()
	cfg := gw.bucket(t, "plinth-api")
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	local, err := files.NewLocal(filepath.Join(t.TempDir(), "storage"))
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(st, app.Options{Files: local})
	if err := a.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	const email, password = "root@example.com", "a-long-password-1"
	if err := a.UpsertSuperuser(ctx, email, password); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	srv := httptest.NewServer(api.NewServer(api.Config{App: a, Logger: logger}))
	t.Cleanup(srv.Close)
	c := &apiClient{t: t, base: srv.URL}

	c.token = c.json("POST", "/api/collections/_superusers/auth-with-password",
		map[string]any{"identity": email, "password": password}, 200)["token"].(string)
	c.json("PATCH", "/api/settings", map[string]any{"s3": map[string]any{
		"enabled": true, "bucket": cfg.Bucket, "region": cfg.Region, "endpoint": cfg.Endpoint,
		"accessKey": cfg.AccessKey, "secret": cfg.Secret, "forcePathStyle": true,
	}}, 200)
	c.json("POST", "/api/settings/test/s3", map[string]any{"filesystem": "storage"}, 204)

	cid := c.json("POST", "/api/collections", map[string]any{
		"name": "gallery", "type": "base",
		"listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "",
		"fields": []any{
			map[string]any{"name": "title", "type": "text"},
			map[string]any{"name": "pic", "type": "file", "maxSelect": 1,
				"mimeTypes": []string{"image/png"}, "thumbs": []string{"20x20"}},
		},
	}, 200)["id"].(string)

	// Create: the object lands in the bucket, nothing in local storage.
	pic := filestest.PNG(t, 64, 32)
	rec := c.form("POST", "/api/collections/gallery/records", 200,
		formPart{name: "title", content: []byte("first")},
		formPart{name: "pic", filename: "photo.png", content: pic})
	id, name := rec["id"].(string), rec["pic"].(string)
	dir := cid + "/" + id + "/"
	if got := gw.keys(t, cfg.Bucket, ""); !slices.Equal(got, []string{dir + name}) {
		t.Fatalf("after create the bucket holds %v, want [%s]", got, dir+name)
	}
	onDisk, err := os.ReadFile(filepath.Join(gw.dir, cfg.Bucket, cid, id, name))
	if err != nil || !bytes.Equal(onDisk, pic) {
		t.Fatalf("the gateway's posix backend does not hold the upload (%v)", err)
	}
	if got, _ := local.List(ctx, ""); len(got) != 0 {
		t.Fatalf("local storage used while S3 is enabled: %v", got)
	}
	info, err := gw.client.StatObject(ctx, cfg.Bucket, dir+name, minio.StatObjectOptions{})
	if err != nil || info.ContentType != "image/png" || info.Size != int64(len(pic)) {
		t.Fatalf("stat %s: %+v, %v", dir+name, info, err)
	}

	// Download, whole and ranged.
	fileURL := "/api/files/gallery/" + id + "/" + name
	body, h := c.get(fileURL, "", 200)
	if !bytes.Equal(body, pic) || h.Get("Content-Type") != "image/png" {
		t.Fatalf("download: %d bytes of %s", len(body), h.Get("Content-Type"))
	}
	if body, _ := c.get(fileURL, "bytes=1-3", 206); !bytes.Equal(body, pic[1:4]) {
		t.Fatalf("range download %q, want %q", body, pic[1:4])
	}

	// Thumb: made once, cached in the bucket next to the original.
	thumbKey := dir + "thumbs_" + name + "/20x20_" + name
	for range 2 {
		body, _ := c.get(fileURL+"?thumb=20x20", "", 200)
		img, format, err := image.Decode(bytes.NewReader(body))
		if err != nil || format != "png" || img.Bounds().Dx() != 20 || img.Bounds().Dy() != 20 {
			t.Fatalf("thumb: %v %s %v", err, format, img.Bounds())
		}
		if got := gw.keys(t, cfg.Bucket, ""); !slices.Equal(got, []string{dir + name, thumbKey}) {
			t.Fatalf("after thumb the bucket holds %v", got)
		}
	}

	// Replace: the new object arrives, the old one and its thumbs leave.
	pic2 := filestest.PNG(t, 8, 8)
	rec = c.form("PATCH", "/api/collections/gallery/records/"+id, 200,
		formPart{name: "pic", filename: "other.png", content: pic2})
	name2 := rec["pic"].(string)
	if name2 == name {
		t.Fatalf("replaced file kept its name %q", name)
	}
	if got := gw.keys(t, cfg.Bucket, ""); !slices.Equal(got, []string{dir + name2}) {
		t.Fatalf("after replace the bucket holds %v, want [%s]", got, dir+name2)
	}
	if body, _ := c.get("/api/files/gallery/"+id+"/"+name2, "", 200); !bytes.Equal(body, pic2) {
		t.Fatal("download of the replacement differs")
	}
	c.get(fileURL, "", 404)

	// A rejected upload leaves nothing behind.
	c.form("POST", "/api/collections/gallery/records", 400,
		formPart{name: "pic", filename: "fake.png", content: []byte("not a png")})
	if got := gw.keys(t, cfg.Bucket, ""); !slices.Equal(got, []string{dir + name2}) {
		t.Fatalf("after a rejected upload the bucket holds %v", got)
	}

	// Delete: the record's objects are gone from the bucket and the disk.
	c.do("DELETE", "/api/collections/gallery/records/"+id, "", nil, "", 204)
	if got := gw.keys(t, cfg.Bucket, ""); len(got) != 0 {
		t.Fatalf("after delete the bucket holds %v", got)
	}
	if _, err := os.Stat(filepath.Join(gw.dir, cfg.Bucket, cid, id, name2)); !os.IsNotExist(err) {
		t.Fatalf("the deleted file is still on the gateway's disk (%v)", err)
	}
	c.get("/api/files/gallery/"+id+"/"+name2, "", 404)
}

// testLog sends server logs to the test log, so a 500 shows its cause.
type testLog struct{ t *testing.T }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// apiClient is a minimal HTTP client for the Plinth API; requests carry
// the superuser token once it is set.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

// do sends one request, checks the status and returns the body.
func (c *apiClient) do(method, path, contentType string, body io.Reader, rangeHeader string, want int) ([]byte, http.Header) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if rangeHeader != "" {
		req.Header.Set("Range", rangeHeader)
	}
	if c.token != "" {
		req.Header.Set("Authorization", c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, resp.StatusCode, want, raw)
	}
	return raw, resp.Header
}

// json sends v as JSON and decodes an object answer.
func (c *apiClient) json(method, path string, v any, want int) map[string]any {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	raw, _ := c.do(method, path, "application/json", bytes.NewReader(b), "", want)
	return decodeObject(c.t, raw)
}

func (c *apiClient) get(path, rangeHeader string, want int) ([]byte, http.Header) {
	c.t.Helper()
	return c.do("GET", path, "", nil, rangeHeader, want)
}

// formPart is one multipart part: a file when filename is set.
type formPart struct {
	name, filename string
	content        []byte
}

// form sends a multipart/form-data request, as the SDK does for files.
func (c *apiClient) form(method, path string, want int, parts ...formPart) map[string]any {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		disposition := `form-data; name="` + p.name + `"`
		if p.filename != "" {
			disposition += `; filename="` + p.filename + `"`
			h.Set("Content-Type", "application/octet-stream")
		}
		h.Set("Content-Disposition", disposition)
		w, err := mw.CreatePart(h)
		if err != nil {
			c.t.Fatal(err)
		}
		w.Write(p.content)
	}
	if err := mw.Close(); err != nil {
		c.t.Fatal(err)
	}
	raw, _ := c.do(method, path, mw.FormDataContentType(), &buf, "", want)
	return decodeObject(c.t, raw)
}

func decodeObject(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("non-JSON body %q", raw)
	}
	return m
}
