package record

import (
	"html"
	"strings"
	"unicode/utf8"
)

// Elements whose whole content is left out of excerpts.
var excerptSkipped = setOf("head", "style", "script", "iframe", "embed", "applet", "object",
	"svg", "img", "picture", "dialog", "template", "button", "form",
	"textarea", "input", "select", "option")

// Elements that flow with the text; every other element separates words.
var excerptInline = setOf("a", "abbr", "acronym", "b", "bdo", "big", "br", "button",
	"cite", "code", "em", "i", "label", "q", "small", "span",
	"strong", "strike", "sub", "sup", "time")

// Elements without content.
var voidElements = setOf("area", "base", "br", "col", "embed", "hr", "img", "input",
	"link", "meta", "param", "source", "track", "wbr")

// Elements whose content is raw text up to the matching end tag.
var rawTextElements = setOf("script", "style", "textarea", "title", "xmp", "iframe",
	"noembed", "noframes", "noscript", "plaintext")

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Excerpt returns the plain text of an HTML fragment: tags stripped (the
// content of script, style, svg, img, iframe, form controls... dropped),
// entities decoded, whitespace collapsed, block elements separating
// words. Longer text is cut to max runes, with "..." appended when
// withEllipsis is set.
func Excerpt(s string, max int, withEllipsis bool) string {
	x := excerpter{limit: max + 2}
	x.run(s)
	out := strings.TrimSpace(x.sb.String())
	if utf8.RuneCountInString(out) > max {
		runes := []rune(out)
		out = strings.TrimSpace(string(runes[:max]))
		if withEllipsis {
			out += "..."
		}
	}
	return out
}

type excerpter struct {
	sb        strings.Builder
	runes     int
	limit     int
	prevSpace bool
}

func (x *excerpter) full() bool { return x.runes > x.limit }

func (x *excerpter) text(t string) {
	t = html.UnescapeString(t)
	var b strings.Builder
	space := false
	for _, r := range t {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' {
			space = true
			continue
		}
		if space && (b.Len() > 0 || !x.prevSpace) {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	if space && (b.Len() > 0 || !x.prevSpace) {
		b.WriteByte(' ')
	}
	if b.Len() == 0 {
		return
	}
	out := b.String()
	x.prevSpace = strings.HasSuffix(out, " ")
	x.sb.WriteString(out)
	x.runes += utf8.RuneCountInString(out)
}

func (x *excerpter) boundary() {
	if !x.prevSpace {
		x.sb.WriteByte(' ')
		x.runes++
		x.prevSpace = true
	}
}

// run walks s as a tag soup: text, start and end tags, comments.
func (x *excerpter) run(s string) {
	skip, depth := "", 0 // skipped element and its nesting
	for len(s) > 0 && !x.full() {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			if skip == "" {
				x.text(s)
			}
			return
		}
		if lt > 0 {
			if skip == "" {
				x.text(s[:lt])
			}
			s = s[lt:]
		}
		tag, rest, ok := readTag(s)
		if !ok {
			// A lone "<" is text.
			if skip == "" {
				x.text("<")
			}
			s = s[1:]
			continue
		}
		s = rest
		if tag.name == "" {
			continue // comment, doctype, processing instruction
		}
		if skip != "" {
			if tag.name == skip && !tag.selfClosing {
				if tag.end {
					depth--
				} else {
					depth++
				}
				if depth == 0 {
					skip = ""
				}
			}
			continue
		}
		if tag.end {
			if !excerptInline[tag.name] {
				x.boundary()
			}
			continue
		}
		void := voidElements[tag.name] || tag.selfClosing
		if excerptSkipped[tag.name] {
			if void {
				continue
			}
			if rawTextElements[tag.name] {
				s = skipRawText(s, tag.name)
				continue
			}
			skip, depth = tag.name, 1
			continue
		}
		if !excerptInline[tag.name] {
			x.boundary()
		}
		if rawTextElements[tag.name] && !void {
			end := rawTextEnd(s, tag.name)
			x.text(s[:end])
			s = s[end:]
		}
	}
}

type htmlTag struct {
	name        string // lower case; "" for comments and the like
	end         bool
	selfClosing bool
}

// readTag reads the markup at the start of s ("<..."). ok is false when
// the "<" does not start markup.
func readTag(s string) (t htmlTag, rest string, ok bool) {
	if strings.HasPrefix(s, "<!--") {
		if i := strings.Index(s[4:], "-->"); i >= 0 {
			return t, s[4+i+3:], true
		}
		return t, "", true
	}
	if len(s) < 2 {
		return t, s, false
	}
	i := 1
	switch c := s[1]; {
	case c == '!' || c == '?':
		return t, afterGT(s), true
	case c == '/':
		if len(s) < 3 || !isASCIILetter(rune(s[2])) {
			if len(s) >= 3 && s[2] == '>' {
				return t, s[3:], true
			}
			return t, afterGT(s), true
		}
		t.end = true
		i = 2
	case isASCIILetter(rune(c)):
	default:
		return t, s, false
	}
	j := i
	for j < len(s) && !strings.ContainsRune(" \t\n\r\f/>", rune(s[j])) {
		j++
	}
	t.name = strings.ToLower(s[i:j])
	var quote byte
	for ; j < len(s); j++ {
		c := s[j]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			t.selfClosing = s[j-1] == '/'
			return t, s[j+1:], true
		}
	}
	// Markup cut off by the end of input is dropped, as browsers do.
	return htmlTag{}, "", true
}

func afterGT(s string) string {
	if i := strings.IndexByte(s, '>'); i >= 0 {
		return s[i+1:]
	}
	return ""
}

// rawTextEnd returns the offset of the "</name" that closes a raw text
// element, or len(s).
func rawTextEnd(s, name string) int {
	// Byte-wise, so offsets stay those of s (lower-casing may resize UTF-8).
	for i := 0; i+2+len(name) <= len(s); i++ {
		if s[i] == '<' && s[i+1] == '/' && strings.EqualFold(s[i+2:i+2+len(name)], name) {
			return i
		}
	}
	return len(s)
}

// skipRawText drops a raw text element's content and its end tag.
func skipRawText(s, name string) string {
	s = s[rawTextEnd(s, name):]
	return afterGT(s)
}
