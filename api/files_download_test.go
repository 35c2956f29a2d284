package api_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	_ "image/gif"
	_ "image/jpeg"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/plinthdb/plinth/files/filestest"
)

func TestFileDownloadHeaders(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		cid := e.collectionID(docsCollection("dl"))
		pic := filestest.PNG(t, 20, 10)
		text := []byte("plain text content\n")
		r := e.form("POST", "/api/collections/dl/records", "",
			file("pic", "p.png", pic), file("doc", "notes.txt", text),
			file("docs", "drawing.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`)),
			file("docs", "report.pdf", []byte("%PDF-1.4\n%%EOF\n")),
		).status(200)
		id, pname, tname := r.str("id"), r.str("pic"), r.str("doc")
		docs := strs(r.get("docs"))

		// By collection name or id; an image shows inline.
		for _, c := range []string{"dl", cid} {
			d := e.get("/api/files/"+c+"/"+id+"/"+pname, "Origin: http://example.com").status(200).bodyIs(pic).
				hasHeader("Content-Type", "image/png").
				hasHeader("Content-Disposition", "inline; filename="+pname).
				hasHeader("Content-Security-Policy", "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox").
				hasHeader("Cache-Control", "max-age=2592000, stale-while-revalidate=86400").
				hasHeader("Accept-Ranges", "bytes").
				hasHeader("X-Frame-Options", "").
				hasHeader("X-Content-Type-Options", "nosniff")
			if d.header.Get("Last-Modified") == "" {
				t.Fatal("no Last-Modified")
			}
		}
		// download=1 (or t/true) forces an attachment.
		for _, v := range []string{"1", "t", "true"} {
			e.get("/api/files/dl/"+id+"/"+pname+"?download="+v).status(200).
				hasHeader("Content-Disposition", "attachment; filename="+pname)
		}
		e.get("/api/files/dl/"+id+"/"+pname+"?download=0").status(200).
			hasHeader("Content-Disposition", "inline; filename="+pname)
		// Text is sniffed and downloaded, not shown.
		e.get("/api/files/dl/"+id+"/"+tname).status(200).bodyIs(text).
			hasHeader("Content-Type", "text/plain; charset=utf-8").
			hasHeader("Content-Disposition", "attachment; filename="+tname)
		// SVG gets its real type by extension, but never inline.
		e.get("/api/files/dl/"+id+"/"+docs[0]).status(200).
			hasHeader("Content-Type", "image/svg+xml").
			hasHeader("Content-Disposition", "attachment; filename="+docs[0])
		e.get("/api/files/dl/"+id+"/"+docs[1]).status(200).
			hasHeader("Content-Type", "application/pdf").
			hasHeader("Content-Disposition", "inline; filename="+docs[1])

		// Ranges and conditional requests.
		e.get("/api/files/dl/"+id+"/"+tname, "Range: bytes=6-9").status(206).bodyIs(text[6:10]).
			hasHeader("Content-Range", "bytes 6-9/"+strconv.Itoa(len(text)))
		future := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
		e.get("/api/files/dl/"+id+"/"+tname, "If-Modified-Since: "+future).status(304)

		// HEAD works like GET without a body.
		req, _ := http.NewRequest("HEAD", e.srv.URL+"/api/files/dl/"+id+"/"+pname, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("HEAD: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})
}

func TestFileDownloadNotFound(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		cid := e.collectionID(docsCollection("nf"))
		r := e.form("POST", "/api/collections/nf/records", "", file("doc", "a.txt", []byte("a"))).status(200)
		id, name := r.str("id"), r.str("doc")
		other := e.form("POST", "/api/collections/nf/records", "", file("doc", "b.txt", []byte("b"))).status(200)

		e.get("/api/files/nf/" + id + "/" + name).status(200)
		jsonErr := func(path, msg string) {
			t.Helper()
			res := e.call("GET", path, "", nil).status(404)
			res.has("status", 404).has("data", map[string]any{})
			if msg != "" {
				res.has("message", msg)
			}
		}
		jsonErr("/api/files/missing/"+id+"/"+name, "Missing or invalid collection context.")
		jsonErr("/api/files/nf/nosuchrecord1234/"+name, "The requested resource wasn't found.")
		jsonErr("/api/files/nf/"+id+"/missing.txt", "")
		// A file of another record is not this record's file.
		jsonErr("/api/files/nf/"+id+"/"+other.str("doc"), "")
		// A file removed from storage behind the app's back is a 404 too.
		if err := e.files.Delete(context.Background(), cid+"/"+id+"/"+name); err != nil {
			t.Fatal(err)
		}
		jsonErr("/api/files/nf/"+id+"/"+name, "The requested resource wasn't found.")
	})
}

func TestFileDownloadTraversal(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.collectionID(docsCollection("tr"))
		r := e.form("POST", "/api/collections/tr/records", "", file("pic", "p.png", filestest.PNG(t, 20, 20))).status(200)
		id, name := r.str("id"), r.str("pic")
		for _, p := range []string{
			"/api/files/tr/" + id + "/" + url.PathEscape("../../../../etc/passwd"),
			"/api/files/tr/" + id + "/..%2F..%2F" + name,
			"/api/files/tr/" + url.PathEscape("../"+id) + "/" + name,
			"/api/files/" + url.PathEscape("../tr") + "/" + id + "/" + name,
			"/api/files/tr/" + id + "/" + url.PathEscape(`..\`+name),
			"/api/files/tr/" + id + "/" + url.PathEscape("thumbs_"+name+"/100x100_"+name),
		} {
			d := e.get(p)
			if d.code != 404 && d.code != 400 {
				t.Errorf("%s: status %d", p, d.code)
			}
			if bytes.Contains(d.body, []byte("root:")) {
				t.Errorf("%s leaked a file", p)
			}
		}
		// A thumb parameter that is not an allowed size serves the
		// original, whatever it contains; nothing is written.
		orig := storedContent(t, e.files, e.stored("")[0])
		for _, thumb := range []string{"../../x", "100x100/../../../etc", "70x70", "0x0"} {
			e.get("/api/files/tr/" + id + "/" + name + "?thumb=" + url.QueryEscape(thumb)).status(200).bodyIs(orig)
		}
		if got := e.stored(""); len(got) != 1 {
			t.Fatalf("traversal attempts stored %v", got)
		}
	})
}

func imageSize(t *testing.T, b []byte) image.Point {
	t.Helper()
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not an image: %v", err)
	}
	return image.Pt(cfg.Width, cfg.Height)
}

func TestFileThumbs(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		cid := e.collectionID(map[string]any{
			"name": "th", "type": "base", "viewRule": "", "createRule": "",
			"fields": []any{
				map[string]any{"name": "img", "type": "file", "maxSelect": 5,
					"thumbs": []string{"50x50", "50x50t", "50x50b", "60x30f", "0x40", "40x0"}},
			},
		})
		r := e.form("POST", "/api/collections/th/records", "",
			file("img", "big.png", filestest.PNG(t, 200, 120)),
			file("img", "photo.jpg", filestest.JPEG(t, 200, 120, 1)),
			file("img", "anim.gif", filestest.GIF(t, 200, 120)),
			file("img", "pic.webp", filestest.WebP(200, 120, color.NRGBA{R: 10, G: 200, B: 30, A: 255})),
			file("img", "notes.txt", []byte("not an image")),
		).status(200)
		id := r.str("id")
		names := strs(r.get("img"))
		png, jpg, gif, webp, txt := names[0], names[1], names[2], names[3], names[4]
		dir := cid + "/" + id + "/"

		sizes := map[string]image.Point{
			"100x100": {100, 100}, "50x50": {50, 50}, "50x50t": {50, 50}, "50x50b": {50, 50},
			"60x30f": {50, 30}, "0x40": {67, 40}, "40x0": {40, 24},
		}
		for thumb, want := range sizes {
			d := e.get("/api/files/th/"+id+"/"+png+"?thumb="+thumb).status(200).
				hasHeader("Content-Type", "image/png").
				hasHeader("Content-Disposition", "inline; filename="+thumb+"_"+png)
			if got := imageSize(t, d.body); got != want {
				t.Errorf("thumb %s: %v, want %v", thumb, got, want)
			}
			// Generated once, kept under thumbs_<filename>/.
			key := dir + "thumbs_" + png + "/" + thumb + "_" + png
			if ok, _ := e.files.Exists(context.Background(), key); !ok {
				t.Errorf("thumb %s not cached at %s", thumb, key)
			}
		}
		// A second request serves the cached thumb unchanged.
		key := dir + "thumbs_" + png + "/50x50_" + png
		cached := storedContent(t, e.files, key)
		e.get("/api/files/th/" + id + "/" + png + "?thumb=50x50").status(200).bodyIs(cached)

		// Each source format; WebP thumbs are PNG.
		for _, c := range []struct{ name, ctype string }{{jpg, "image/jpeg"}, {gif, "image/gif"}, {webp, "image/png"}} {
			d := e.get("/api/files/th/"+id+"/"+c.name+"?thumb=50x50").status(200).hasHeader("Content-Type", c.ctype)
			if got := imageSize(t, d.body); got != image.Pt(50, 50) {
				t.Errorf("%s thumb: %v", c.name, got)
			}
		}
		// Not listed, or not an image: the original, with its own name.
		e.get("/api/files/th/"+id+"/"+png+"?thumb=70x70").status(200).
			hasHeader("Content-Disposition", "inline; filename="+png).bodyIs(storedContent(t, e.files, dir+png))
		e.get("/api/files/th/" + id + "/" + txt + "?thumb=100x100").status(200).bodyIs([]byte("not an image"))
		if ok, _ := e.files.Exists(context.Background(), dir+"thumbs_"+txt+"/100x100_"+txt); ok {
			t.Error("a thumb was made of a text file")
		}
		// Deleting the record removes the originals and every thumb.
		e.su("DELETE", "/api/collections/th/records/"+id, nil).status(204)
		if got := e.stored(cid + "/"); len(got) != 0 {
			t.Fatalf("files left after delete: %v", got)
		}
	})
}

func TestFileThumbBrokenImage(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.collectionID(docsCollection("tb"))
		// PNG magic with garbage after it: sniffed as PNG, fails to decode.
		broken := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 64)...)
		r := e.form("POST", "/api/collections/tb/records", "", file("pic", "x.png", broken)).status(200)
		e.get("/api/files/tb/"+r.str("id")+"/"+r.str("pic")+"?thumb=100x100").status(200).bodyIs(broken).
			hasHeader("Content-Disposition", "inline; filename="+r.str("pic"))
	})
}
