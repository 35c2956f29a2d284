package api_test

import (
	"context"
	"slices"
	"testing"

	"github.com/plinthdb/plinth/files"
	"github.com/plinthdb/plinth/files/filestest"
)

func TestFilesDeletedWithRecord(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ownersID := e.collectionID(docsCollection("owners"))
		kidsID := e.collectionID(map[string]any{
			"name": "kids", "type": "base", "createRule": "", "deleteRule": "",
			"fields": []any{
				map[string]any{"name": "parent", "type": "relation", "collectionId": ownersID, "maxSelect": 1, "cascadeDelete": true},
				map[string]any{"name": "f", "type": "file"},
			},
		})
		parent := e.form("POST", "/api/collections/owners/records", "", file("doc", "p.txt", []byte("p"))).status(200).str("id")
		other := e.form("POST", "/api/collections/owners/records", "", file("doc", "o.txt", []byte("o"))).status(200).str("id")
		e.form("POST", "/api/collections/kids/records", "", field("parent", parent), file("f", "k.txt", []byte("k"))).status(200)
		if got := e.stored(kidsID + "/"); len(got) != 1 {
			t.Fatalf("kid files: %v", got)
		}
		e.call("DELETE", "/api/collections/owners/records/"+parent, "", nil).status(204)
		// The parent's and the cascaded child's files are gone; others stay.
		if got := e.stored(""); len(got) != 1 || got[0][:len(ownersID)+len(other)+2] != ownersID+"/"+other+"/" {
			t.Fatalf("after delete: %v", got)
		}
		// Truncating removes the rest.
		e.su("DELETE", "/api/collections/owners/truncate", nil).status(204)
		if got := e.stored(""); len(got) != 0 {
			t.Fatalf("after truncate: %v", got)
		}
	})
}

func TestFilesKeptWhenDeleteFails(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ownersID := e.collectionID(docsCollection("owners2"))
		e.collectionID(map[string]any{
			"name": "pins", "type": "base", "createRule": "",
			"fields": []any{
				map[string]any{"name": "parent", "type": "relation", "collectionId": ownersID, "maxSelect": 1, "required": true},
			},
		})
		parent := e.form("POST", "/api/collections/owners2/records", "", file("doc", "p.txt", []byte("p"))).status(200).str("id")
		e.call("POST", "/api/collections/pins/records", "", map[string]any{"parent": parent}).status(200)
		e.call("DELETE", "/api/collections/owners2/records/"+parent, "", nil).status(400)
		// The delete rolled back, so the file must still be there.
		if got := e.stored(ownersID + "/" + parent + "/"); len(got) != 1 {
			t.Fatalf("files of a record whose delete failed: %v", got)
		}
	})
}

func TestUploadsRolledBack(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		def := docsCollection("guarded")
		// The create rule runs after the upload (it needs the inserted row).
		def["createRule"] = `title = "ok"`
		def["indexes"] = []string{"CREATE UNIQUE INDEX idx_guarded_title ON guarded (title)"}
		cid := e.collectionID(def)
		e.form("POST", "/api/collections/guarded/records", "", field("title", "no"),
			file("doc", "a.txt", []byte("a")), file("docs", "b.txt", []byte("b"))).
			status(400).has("message", "Failed to create record.").has("data", map[string]any{})
		if got := e.stored(""); len(got) != 0 {
			t.Fatalf("a rejected create left files: %v", got)
		}

		a := e.form("POST", "/api/collections/guarded/records", "", field("title", "ok"), file("doc", "a.txt", []byte("a"))).status(200)
		b := e.form("POST", "/api/collections/guarded/records", e.token, field("title", "other"), file("doc", "b.txt", []byte("b"))).status(200)
		bDir := cid + "/" + b.str("id") + "/"
		// An update that fails at the unique index after uploading keeps
		// the old file and leaves no new one.
		e.form("PATCH", "/api/collections/guarded/records/"+b.str("id"), e.token, field("title", "ok"),
			file("doc", "new.txt", []byte("new"))).status(400).fieldCode("title", "validation_not_unique")
		if got := e.stored(bDir); !slices.Equal(got, []string{bDir + b.str("doc")}) {
			t.Fatalf("after a failed update: %v", got)
		}
		e.get("/api/files/guarded/" + b.str("id") + "/" + b.str("doc")).status(200).bodyIs([]byte("b"))
		_ = a
	})
}

// TestFilesOnS3 switches record files to S3 through the settings and runs
// the upload, download, thumb and delete paths against it.
func TestFilesOnS3(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		cfg := filestest.FakeS3(t)
		e.su("POST", "/api/settings/test/s3", map[string]any{"filesystem": "storage"}).status(400)
		e.su("PATCH", "/api/settings", map[string]any{"s3": map[string]any{
			"enabled": true, "bucket": cfg.Bucket, "region": cfg.Region, "endpoint": cfg.Endpoint,
			"accessKey": cfg.AccessKey, "secret": cfg.Secret, "forcePathStyle": true,
		}}).status(200)
		e.su("POST", "/api/settings/test/s3", map[string]any{"filesystem": "storage"}).status(204)

		s3, err := files.NewS3(cfg)
		if err != nil {
			t.Fatal(err)
		}
		list := func(prefix string) []string {
			keys, err := s3.List(context.Background(), prefix)
			if err != nil {
				t.Fatal(err)
			}
			return keys
		}
		cid := e.collectionID(docsCollection("remote"))
		pic := filestest.PNG(t, 80, 40)
		r := e.form("POST", "/api/collections/remote/records", "", file("pic", "p.png", pic), file("doc", "d.txt", []byte("doc"))).status(200)
		id, name := r.str("id"), r.str("pic")
		if got := list(cid + "/" + id + "/"); len(got) != 2 {
			t.Fatalf("S3 holds %v", got)
		}
		if got := e.stored(""); len(got) != 0 {
			t.Fatalf("local storage used while S3 is enabled: %v", got)
		}
		e.get("/api/files/remote/"+id+"/"+name).status(200).bodyIs(pic).
			hasHeader("Content-Type", "image/png").hasHeader("Content-Disposition", "inline; filename="+name)
		e.get("/api/files/remote/"+id+"/"+r.str("doc"), "Range: bytes=1-2").status(206).bodyIs([]byte("oc"))
		d := e.get("/api/files/remote/" + id + "/" + name + "?thumb=50x50").status(200)
		if got := imageSize(t, d.body); got.X != 50 || got.Y != 50 {
			t.Fatalf("thumb %v", got)
		}
		if got := list(cid + "/" + id + "/thumbs_" + name + "/"); len(got) != 1 {
			t.Fatalf("thumb not cached on S3: %v", got)
		}
		// Replacing removes the old object and its thumbs.
		r = e.form("PATCH", "/api/collections/remote/records/"+id, "", file("pic", "q.png", filestest.PNG(t, 4, 4))).status(200)
		if got := list(cid + "/" + id + "/"); len(got) != 2 || slices.Contains(got, cid+"/"+id+"/"+name) {
			t.Fatalf("after replace S3 holds %v", got)
		}
		// A rejected upload leaves nothing behind on S3 either.
		e.form("POST", "/api/collections/remote/records", "", file("pic", "x.png", []byte("not a png"))).status(400)
		if got := list(""); len(got) != 2 {
			t.Fatalf("S3 holds %v", got)
		}
		e.call("DELETE", "/api/collections/remote/records/"+id, "", nil).status(204)
		if got := list(""); len(got) != 0 {
			t.Fatalf("S3 still holds %v", got)
		}
	})
}

func TestFilesDeletedWithCollection(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		gone := e.collectionID(docsCollection("gone"))
		kept := e.collectionID(docsCollection("kept"))
		e.form("POST", "/api/collections/gone/records", "", file("doc", "a.txt", []byte("a"))).status(200)
		e.form("POST", "/api/collections/kept/records", "", file("doc", "b.txt", []byte("b"))).status(200)
		e.su("DELETE", "/api/collections/gone", nil).status(204)
		if got := e.stored(gone + "/"); len(got) != 0 {
			t.Fatalf("files of a deleted collection: %v", got)
		}
		if got := e.stored(kept + "/"); len(got) != 1 {
			t.Fatalf("files of another collection: %v", got)
		}
	})
}
