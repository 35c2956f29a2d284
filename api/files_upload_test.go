package api_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/plinthdb/plinth/files/filestest"
)

func TestFileUploadCreate(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		cid := e.collectionID(docsCollection("docs_c"))
		pic := filestest.PNG(t, 20, 10)
		r := e.form("POST", "/api/collections/docs_c/records", "",
			field("title", "multi"),
			jsonPayload(map[string]any{"meta": map[string]any{"x": 1}}),
			file("doc", "My Test File.TXT", []byte("hello")),
			file("docs", "img.png", pic),
			file("docs", "a.png", pic),
			file("pic", "photo.png", pic),
		).status(200)
		r.has("title", "multi").has("meta", map[string]any{"x": 1})
		doc := r.str("doc")
		nameLike(t, "my_test_file_*.TXT", doc)
		docs := strs(r.get("docs"))
		if len(docs) != 2 {
			t.Fatalf("docs = %v", docs)
		}
		nameLike(t, "img_*.png", docs[0])
		nameLike(t, "a*_*.png", docs[1])
		id := r.str("id")

		// The stored value is just the names; the files live under
		// <collectionId>/<recordId>/.
		want := []string{cid + "/" + id + "/" + doc, cid + "/" + id + "/" + docs[0], cid + "/" + id + "/" + docs[1],
			cid + "/" + id + "/" + r.str("pic")}
		slices.Sort(want)
		if got := e.stored(""); !slices.Equal(got, want) {
			t.Fatalf("stored %v, want %v", got, want)
		}
		if got := storedContent(t, e.files, cid+"/"+id+"/"+doc); string(got) != "hello" {
			t.Errorf("content %q", got)
		}
		e.call("GET", "/api/collections/docs_c/records/"+id, "", nil).status(200).has("doc", doc).has("docs", docs)

		// Uploads under modifier keys work on create too; a single field
		// given several files keeps the last.
		r = e.form("POST", "/api/collections/docs_c/records", "",
			file("docs+", "one.txt", []byte("1")),
			file("+docs", "zero.txt", []byte("0")),
			file("doc", "first.txt", []byte("f")),
			file("doc", "second.txt", []byte("s")),
		).status(200)
		docs = strs(r.get("docs"))
		if len(docs) != 2 || !strings.HasPrefix(docs[0], "zero_") || !strings.HasPrefix(docs[1], "one_") {
			t.Fatalf("docs = %v", docs)
		}
		nameLike(t, "second_*.txt", r.str("doc"))
		// Only the kept upload was stored.
		if got := e.stored(cid + "/" + r.str("id") + "/"); len(got) != 3 {
			t.Fatalf("stored %v", got)
		}
		// A file part under a key that is not a file field is ignored.
		e.form("POST", "/api/collections/docs_c/records", "",
			field("title", "x"), file("title", "t.txt", []byte("t")), file("docs-", "d.txt", []byte("d")),
		).status(200).has("title", "x").has("docs", []string{})
	})
}

func TestFileUploadUpdateModifiers(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		cid := e.collectionID(docsCollection("docs_u"))
		r := e.form("POST", "/api/collections/docs_u/records", "",
			file("docs", "aaa.txt", []byte("a")), file("docs", "bbb.txt", []byte("b"))).status(200)
		id := r.str("id")
		dir := cid + "/" + id + "/"
		ab := strs(r.get("docs"))
		a, b := ab[0], ab[1]
		path := "/api/collections/docs_u/records/" + id

		// docs+ appends.
		r = e.form("PATCH", path, "", file("docs+", "ccc.txt", []byte("c"))).status(200)
		docs := strs(r.get("docs"))
		if len(docs) != 3 || docs[0] != a || docs[1] != b || !strings.HasPrefix(docs[2], "ccc_") {
			t.Fatalf("after docs+: %v", docs)
		}
		c := docs[2]

		// Too many files (maxSelect 3) fails and stores nothing.
		e.form("PATCH", path, "", file("+docs", "ddd.txt", []byte("d"))).status(400).
			fieldCode("docs", "validation_too_many_files").has("data.docs.params.maxSelect", 3)
		if got := e.stored(dir); len(got) != 3 {
			t.Fatalf("a failed update stored files: %v", got)
		}

		// docs- removes; the file goes away after the commit.
		r = e.form("PATCH", path, "", field("docs-", a)).status(200).has("docs", []string{b, c})
		if got := e.stored(dir); slices.Contains(got, dir+a) || len(got) != 2 {
			t.Fatalf("removed file still stored: %v", got)
		}

		// +docs prepends.
		r = e.form("PATCH", path, "", file("+docs", "zzz.txt", []byte("z"))).status(200)
		docs = strs(r.get("docs"))
		if len(docs) != 3 || !strings.HasPrefix(docs[0], "zzz_") || docs[1] != b || docs[2] != c {
			t.Fatalf("after +docs: %v", docs)
		}
		z := docs[0]

		// A plain key replaces the value: re-listed names stay, the others
		// are deleted, uploads join the list.
		r = e.form("PATCH", path, "", field("docs", c), file("docs", "nnn.txt", []byte("n"))).status(200)
		docs = strs(r.get("docs"))
		if len(docs) != 2 || docs[0] != c || !strings.HasPrefix(docs[1], "nnn_") {
			t.Fatalf("after replace: %v", docs)
		}
		if got := e.stored(dir); !slices.Equal(got, sortedKeys(dir, docs...)) {
			t.Fatalf("after replace stored %v", got)
		}
		_ = z

		// Naming a file the record does not have is invalid.
		e.form("PATCH", path, "", field("docs", "nope.txt")).status(400).
			fieldCode("docs", "validation_invalid_file").has("data.docs.params.invalidFiles", []string{"nope.txt"})

		// JSON bodies can remove and reorder too; [] clears and deletes all.
		e.call("PATCH", path, "", map[string]any{"docs": []string{docs[1], docs[0]}}).status(200).
			has("docs", []string{docs[1], docs[0]})
		e.call("PATCH", path, "", map[string]any{"docs": []string{}}).status(200).has("docs", []string{})
		if got := e.stored(dir); len(got) != 0 {
			t.Fatalf("cleared field left files: %v", got)
		}
	})
}

func sortedKeys(dir string, names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = dir + n
	}
	slices.Sort(out)
	return out
}

func TestFileReplaceSingleDeletesOld(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		cid := e.collectionID(docsCollection("docs_r"))
		r := e.form("POST", "/api/collections/docs_r/records", "", file("pic", "p.png", filestest.PNG(t, 200, 120))).status(200)
		id, old := r.str("id"), r.str("pic")
		dir := cid + "/" + id + "/"
		// A thumb of the old file is cached...
		e.get("/api/files/docs_r/" + id + "/" + old + "?thumb=50x50").status(200)
		if got := e.stored(dir); len(got) != 2 {
			t.Fatalf("thumb not cached: %v", got)
		}
		// ...and goes away with it when the file is replaced.
		r = e.form("PATCH", "/api/collections/docs_r/records/"+id, "", file("pic", "q.png", filestest.PNG(t, 8, 8))).status(200)
		if got := e.stored(dir); !slices.Equal(got, []string{dir + r.str("pic")}) {
			t.Fatalf("after replace: %v", got)
		}
		e.get("/api/files/docs_r/" + id + "/" + old).status(404)
	})
}

func TestFileValidation(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.collectionID(docsCollection("docs_v"))
		path := "/api/collections/docs_v/records"
		big := bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 2000)
		e.form("POST", path, "", file("pic", "big.png", append(filestest.PNG(t, 2, 2), big...))).status(400).
			has("message", "Failed to create record.").
			fieldCode("pic", "validation_file_size_limit").
			has("data.pic.params.maxSize", 4096).has("data.pic.params.file", "big.png")
		// Content decides, not the name or the part's Content-Type.
		mislabelled := part{name: "pic", filename: "fake.png", content: []byte("just some text"), contentType: "image/png"}
		e.form("POST", path, "", mislabelled).status(400).fieldCode("pic", "validation_invalid_mime_type")
		e.form("POST", path, "", file("pic", "real.jpg", filestest.JPEG(t, 4, 4, 1))).status(200)
		e.form("POST", path, "", file("docs", "1.txt", []byte("1")), file("docs", "2.txt", []byte("2")),
			file("docs", "3.txt", []byte("3")), file("docs", "4.txt", []byte("4"))).status(400).
			fieldCode("docs", "validation_too_many_files")
		e.form("POST", path, "", field("doc", "someone_elses.txt")).status(400).
			fieldCode("doc", "validation_invalid_file")
		// The default size limit is 5 MiB.
		e.form("POST", path, "", file("doc", "huge.bin", make([]byte, 5<<20+1))).status(400).
			fieldCode("doc", "validation_file_size_limit").has("data.doc.params.maxSize", 5<<20)
		// Only the one valid create stored a file.
		if got := e.stored(""); len(got) != 1 || !strings.HasSuffix(got[0], ".jpg") {
			t.Fatalf("failed uploads left files: %v", got)
		}
	})
}

func TestFileRequiredAndMalformed(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		def := docsCollection("docs_m")
		def["fields"] = append(def["fields"].([]any), map[string]any{"name": "must", "type": "file", "required": true})
		e.collectionID(def)
		path := "/api/collections/docs_m/records"
		e.form("POST", path, "", file("doc", "a.txt", []byte("a"))).status(400).fieldCode("must", "validation_required")
		// Broken multipart bodies are a 400, never a partial write.
		e.raw("POST", path, "", "multipart/form-data; boundary=XYZ",
			strings.NewReader("--XYZ\r\nContent-Disposition: form-data; name=\"must\"; filename=\"a.txt\"\r\n\r\nabc")).
			status(400).has("message", "Failed to load the submitted data due to invalid formatting.")
		e.raw("POST", path, "", "multipart/form-data", strings.NewReader("--x\r\n")).status(400)
		if got := e.stored(""); len(got) != 0 {
			t.Fatalf("stored %v", got)
		}
	})
}

func TestFileUploadNamesCannotEscape(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		cid := e.collectionID(docsCollection("docs_t"))
		r := e.form("POST", "/api/collections/docs_t/records", "",
			file("docs", "../../../etc/passwd", []byte("x")),
			file("docs", `..\..\evil.sh`, []byte("y")),
			file("docs", "/abs/path.txt", []byte("z")),
		).status(200)
		id := r.str("id")
		for _, n := range strs(r.get("docs")) {
			if strings.ContainsAny(n, `/\`) || strings.HasPrefix(n, ".") {
				t.Errorf("unsafe stored name %q", n)
			}
		}
		for _, k := range e.stored("") {
			if !strings.HasPrefix(k, cid+"/"+id+"/") {
				t.Errorf("file stored outside the record directory: %s", k)
			}
		}
	})
}

func TestFileBodyLimit(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.collectionID(map[string]any{
			"name": "tiny", "type": "base", "createRule": "",
			"fields": []any{map[string]any{"name": "f", "type": "file", "maxSize": 100}},
		})
		// 32 MiB + 100 bytes is the limit of this collection.
		e.form("POST", "/api/collections/tiny/records", "", file("f", "big.bin", make([]byte, 32<<20+1024))).
			status(413).has("message", "Request entity too large.")
		if got := e.stored(""); len(got) != 0 {
			t.Fatalf("stored %v", got)
		}
	})
}
