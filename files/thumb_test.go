package files_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"testing"

	"github.com/plinthdb/plinth/files"
	"github.com/plinthdb/plinth/files/filestest"
)

func TestParseThumbSize(t *testing.T) {
	good := map[string]files.ThumbSize{
		"100x100": {Width: 100, Height: 100},
		"50x30t":  {Width: 50, Height: 30, Mode: 't'},
		"50x30b":  {Width: 50, Height: 30, Mode: 'b'},
		"50x30f":  {Width: 50, Height: 30, Mode: 'f'},
		"0x40":    {Height: 40},
		"40x0":    {Width: 40},
		"4096x1":  {Width: 4096, Height: 1},
	}
	for s, want := range good {
		got, ok := files.ParseThumbSize(s)
		if !ok || got != want {
			t.Errorf("ParseThumbSize(%q) = %+v, %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "0x0", "0x0f", "x10", "10x", "10x10x", "10x10z", "-1x10", "10 x10",
		"../10x10", "10x10/../../x", "4097x10", "99999999999x1", "１0x10"} {
		if _, ok := files.ParseThumbSize(s); ok {
			t.Errorf("ParseThumbSize(%q) accepted", s)
		}
	}
}

func decode(t *testing.T, b []byte) (image.Image, string) {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img, format
}

func TestMakeThumbSizes(t *testing.T) {
	src := filestest.PNG(t, 200, 120)
	tests := []struct {
		size string
		w, h int
	}{
		{"100x100", 100, 100},
		{"50x50t", 50, 50},
		{"50x50b", 50, 50},
		{"50x20", 50, 20},
		{"100x100f", 100, 60},
		{"40x100f", 40, 24},
		{"300x300f", 200, 120}, // fit never enlarges
		{"0x60", 100, 60},
		{"50x0", 50, 30},
		{"400x0", 400, 240}, // an explicit resize does
	}
	for _, tt := range tests {
		ts, ok := files.ParseThumbSize(tt.size)
		if !ok {
			t.Fatal(tt.size)
		}
		b, ctype, err := files.MakeThumb(src, "pic.png", ts)
		if err != nil {
			t.Fatalf("%s: %v", tt.size, err)
		}
		img, format := decode(t, b)
		if got := img.Bounds().Size(); got != image.Pt(tt.w, tt.h) {
			t.Errorf("%s: %v, want %dx%d", tt.size, got, tt.w, tt.h)
		}
		if format != "png" || ctype != "image/png" {
			t.Errorf("%s: format %s, content type %s", tt.size, format, ctype)
		}
	}
}

// green reads the green channel of a pixel (the top half of Gradient is
// green, the bottom half is not).
func green(img image.Image, x, y int) uint32 {
	_, g, _, _ := img.At(x, y).RGBA()
	return g >> 8
}

func TestMakeThumbCropAnchors(t *testing.T) {
	tall := filestest.PNG(t, 40, 200)
	thumb := func(size string) image.Image {
		ts, _ := files.ParseThumbSize(size)
		b, _, err := files.MakeThumb(tall, "tall.png", ts)
		if err != nil {
			t.Fatal(err)
		}
		img, _ := decode(t, b)
		return img
	}
	if g := green(thumb("20x20t"), 10, 10); g < 200 {
		t.Errorf("top crop shows the bottom half (green %d)", g)
	}
	if g := green(thumb("20x20b"), 10, 10); g > 60 {
		t.Errorf("bottom crop shows the top half (green %d)", g)
	}
	center := thumb("20x20")
	if top, bottom := green(center, 10, 0), green(center, 10, 19); top < 200 || bottom > 60 {
		t.Errorf("center crop should span the middle: top %d bottom %d", top, bottom)
	}
}

func TestMakeThumbFormats(t *testing.T) {
	ts, _ := files.ParseThumbSize("30x30")
	tests := []struct {
		name    string
		content []byte
		file    string
		format  string
		ctype   string
	}{
		{"jpeg", filestest.JPEG(t, 80, 60, 1), "p.jpg", "jpeg", "image/jpeg"},
		{"jpeg upper-case ext", filestest.JPEG(t, 80, 60, 1), "p.JPEG", "jpeg", "image/jpeg"},
		{"gif", filestest.GIF(t, 80, 60), "p.gif", "gif", "image/gif"},
		{"webp becomes png", filestest.WebP(80, 60, color.NRGBA{10, 200, 30, 255}), "p.webp", "png", "image/png"},
	}
	for _, tt := range tests {
		b, ctype, err := files.MakeThumb(tt.content, tt.file, ts)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		img, format := decode(t, b)
		if format != tt.format || ctype != tt.ctype {
			t.Errorf("%s: format %s (%s), want %s (%s)", tt.name, format, ctype, tt.format, tt.ctype)
		}
		if img.Bounds().Size() != image.Pt(30, 30) {
			t.Errorf("%s: size %v", tt.name, img.Bounds().Size())
		}
	}
	// The WebP helper's pixels survive decoding and scaling.
	b, _, _ := files.MakeThumb(filestest.WebP(8, 8, color.NRGBA{10, 200, 30, 255}), "p.webp", ts)
	img, _ := decode(t, b)
	if r, g, bl, a := img.At(5, 5).RGBA(); r>>8 != 10 || g>>8 != 200 || bl>>8 != 30 || a>>8 != 255 {
		t.Errorf("webp pixel %d %d %d %d", r>>8, g>>8, bl>>8, a>>8)
	}
	if _, _, err := files.MakeThumb([]byte("not an image"), "x.png", ts); err == nil {
		t.Error("a non-image must fail")
	}
}

func TestMakeThumbEXIFOrientation(t *testing.T) {
	ts, _ := files.ParseThumbSize("20x0")
	for o, want := range map[int]image.Point{1: {20, 10}, 3: {20, 10}, 6: {20, 40}, 8: {20, 40}, 5: {20, 40}} {
		b, _, err := files.MakeThumb(filestest.JPEG(t, 80, 40, o), "p.jpg", ts)
		if err != nil {
			t.Fatal(err)
		}
		img, _ := decode(t, b)
		if got := img.Bounds().Size(); got != want {
			t.Errorf("orientation %d: %v, want %v", o, got, want)
		}
	}
	// Orientation 3 turns the image upside down: the green top half ends
	// up at the bottom.
	b, _, _ := files.MakeThumb(filestest.JPEG(t, 80, 40, 3), "p.jpg", ts)
	img, _ := decode(t, b)
	if top, bottom := green(img, 10, 1), green(img, 10, 8); top > 100 || bottom < 150 {
		t.Errorf("orientation 3 not applied: top %d bottom %d", top, bottom)
	}
}

func TestCreateThumb(t *testing.T) {
	eachStorage(t, func(t *testing.T, st files.Storage) {
		ctx := context.Background()
		put(t, st, "c/r/pic.png", filestest.PNG(t, 64, 32))
		ts, _ := files.ParseThumbSize("16x16")
		if err := files.CreateThumb(ctx, st, "c/r/pic.png", "c/r/thumbs_pic.png/16x16_pic.png", ts); err != nil {
			t.Fatal(err)
		}
		obj, err := st.Open(ctx, "c/r/thumbs_pic.png/16x16_pic.png")
		if err != nil {
			t.Fatal(err)
		}
		defer obj.Close()
		img, _, err := image.Decode(obj)
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds().Size() != image.Pt(16, 16) || obj.ContentType() != "image/png" {
			t.Errorf("thumb %v %s", img.Bounds().Size(), obj.ContentType())
		}
		if err := files.CreateThumb(ctx, st, "c/r/missing.png", "c/r/thumbs_missing.png/16x16_missing.png", ts); err == nil {
			t.Error("thumb of a missing original must fail")
		}
	})
}
