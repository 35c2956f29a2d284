package files

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers the WebP decoder for image.Decode
)

// ThumbSize is a parsed thumb parameter (§2.4 file thumbs, §7.1).
type ThumbSize struct {
	Width, Height int
	// Mode is 0 (crop to fill from the center), 't' (from the top), 'b'
	// (from the bottom) or 'f' (fit inside, no crop). With a zero width or
	// height the image is resized keeping its aspect ratio.
	Mode byte
}

// DefaultThumb is always allowed, whatever the field lists.
const DefaultThumb = "100x100"

// Limits that keep thumb generation from exhausting memory.
const (
	MaxThumbSide    = 4096
	maxSourcePixels = 64 << 20
	maxSourceBytes  = 256 << 20
)

var thumbSizeRegex = regexp.MustCompile(`^(\d{1,5})x(\d{1,5})([tbf])?$`)

// ParseThumbSize parses "WxH", "WxHt", "WxHb", "WxHf", "0xH" or "Wx0".
func ParseThumbSize(s string) (ThumbSize, bool) {
	m := thumbSizeRegex.FindStringSubmatch(s)
	if m == nil {
		return ThumbSize{}, false
	}
	w, _ := strconv.Atoi(m[1])
	h, _ := strconv.Atoi(m[2])
	if (w == 0 && h == 0) || w > MaxThumbSide || h > MaxThumbSide {
		return ThumbSize{}, false
	}
	ts := ThumbSize{Width: w, Height: h}
	if m[3] != "" {
		ts.Mode = m[3][0]
	}
	return ts, true
}

// CanThumb reports whether thumbs are made from files of contentType.
func CanThumb(contentType string) bool {
	switch baseType(contentType) {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return true
	}
	return false
}

// MakeThumb decodes an image (PNG, JPEG with its EXIF orientation applied,
// GIF's first frame, WebP), scales it to ts and encodes it in the format
// filename's extension names: JPEG for .jpg/.jpeg, GIF for .gif, PNG for
// everything else, WebP included, since there is no WebP encoder in the
// Go libraries and PNG keeps WebP's transparency losslessly. It returns the
// encoded bytes and their content type.
func MakeThumb(content []byte, filename string, ts ThumbSize) ([]byte, string, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(content))
	if err != nil {
		return nil, "", err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxSourcePixels {
		return nil, "", fmt.Errorf("files: image of %dx%d pixels is too large for a thumb", cfg.Width, cfg.Height)
	}
	src, format, err := image.Decode(bytes.NewReader(content))
	if err != nil {
		return nil, "", err
	}
	if format == "jpeg" {
		src = orient(src, jpegOrientation(content))
	}
	out := Thumbnail(src, ts)
	var buf bytes.Buffer
	switch strings.ToLower(path.Ext(filename)) {
	case ".jpg", ".jpeg":
		err = jpeg.Encode(&buf, out, &jpeg.Options{Quality: 90})
	case ".gif":
		err = gif.Encode(&buf, out, nil)
	default:
		err = png.Encode(&buf, out)
	}
	if err != nil {
		return nil, "", err
	}
	return buf.Bytes(), DetectBytes(buf.Bytes()), nil
}

// CreateThumb makes the thumb of the object at originalKey and stores it
// at thumbKey.
func CreateThumb(ctx context.Context, st Storage, originalKey, thumbKey string, ts ThumbSize) error {
	obj, err := st.Open(ctx, originalKey)
	if err != nil {
		return err
	}
	defer obj.Close()
	if obj.Size() > maxSourceBytes {
		return errors.New("files: original too large for a thumb")
	}
	content, err := io.ReadAll(obj)
	if err != nil {
		return err
	}
	b, ctype, err := MakeThumb(content, originalKey, ts)
	if err != nil {
		return err
	}
	return st.Put(ctx, thumbKey, bytes.NewReader(b), int64(len(b)), ctype)
}

// Thumbnail scales src to ts (bilinear).
func Thumbnail(src image.Image, ts ThumbSize) image.Image {
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	w, h := ts.Width, ts.Height
	switch {
	case w == 0:
		return scale(src, b, max(1, roundDiv(h*sw, sh)), h)
	case h == 0:
		return scale(src, b, w, max(1, roundDiv(w*sh, sw)))
	case ts.Mode == 'f':
		if sw <= w && sh <= h {
			return scale(src, b, sw, sh)
		}
		if sw*h > sh*w { // wider than the box
			return scale(src, b, w, max(1, roundDiv(w*sh, sw)))
		}
		return scale(src, b, max(1, roundDiv(h*sw, sh)), h)
	}
	// Fill: the largest part of src with the box's aspect ratio, anchored
	// horizontally at the center and vertically per mode.
	crop := b
	if sw*h > sh*w {
		cw := max(1, roundDiv(sh*w, h))
		crop.Min.X = b.Min.X + (sw-cw)/2
		crop.Max.X = crop.Min.X + cw
	} else {
		ch := max(1, roundDiv(sw*h, w))
		switch ts.Mode {
		case 't':
			crop.Min.Y = b.Min.Y
		case 'b':
			crop.Min.Y = b.Max.Y - ch
		default:
			crop.Min.Y = b.Min.Y + (sh-ch)/2
		}
		crop.Max.Y = crop.Min.Y + ch
	}
	return scale(src, crop, w, h)
}

func roundDiv(a, b int) int { return (2*a + b) / (2 * b) }

func scale(src image.Image, from image.Rectangle, w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(dst, dst.Bounds(), src, from, draw.Src, nil)
	return dst
}

// jpegOrientation reads the EXIF orientation tag (1 when absent).
func jpegOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return 1
		}
		marker := b[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7): // no length
			i += 2
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // image data starts: no EXIF before it
			return 1
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xE1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" {
			return exifOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := int(bo.Uint32(t[4:]))
	if off < 8 || off+2 > len(t) {
		return 1
	}
	count := int(bo.Uint16(t[off:]))
	for k := 0; k < count; k++ {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 {
			if o := int(bo.Uint16(t[e+8:])); o >= 1 && o <= 8 {
				return o
			}
			return 1
		}
	}
	return 1
}

// orient applies an EXIF orientation so the image shows upright.
func orient(src image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return src
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 { // orientations 5-8 swap the axes
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			var sx, sy int
			switch o {
			case 2: // mirrored horizontally
				sx, sy = w-1-x, y
			case 3: // rotated 180
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored vertically
				sx, sy = x, h-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // needs a 90° clockwise turn
				sx, sy = y, h-1-x
			case 7: // transversed
				sx, sy = w-1-y, h-1-x
			case 8: // needs a 90° counter-clockwise turn
				sx, sy = w-1-y, x
			}
			dst.Set(x, y, src.At(b.Min.X+sx, b.Min.Y+sy))
		}
	}
	return dst
}
