package mail

import (
	"html"
	"strings"
)

// Vars are placeholder values keyed by name without braces: "APP_NAME",
// "TOKEN", "RECORD:email".
type Vars map[string]string

// Render replaces every {NAME} of text whose NAME is in vars, in one pass:
// a value that itself contains {TOKEN} is not expanded again, so record
// data cannot pull secrets into a mail. With escapeHTML the values are
// HTML-escaped (for bodies; subjects are plain text). Unknown
// placeholders are left as they are.
func Render(text string, vars Vars, escapeHTML bool) string {
	var b strings.Builder
	b.Grow(len(text))
	for i := 0; i < len(text); {
		if text[i] != '{' {
			next := strings.IndexByte(text[i:], '{')
			if next < 0 {
				b.WriteString(text[i:])
				break
			}
			b.WriteString(text[i : i+next])
			i += next
			continue
		}
		end := strings.IndexByte(text[i+1:], '}')
		if end >= 0 {
			if v, ok := vars[text[i+1:i+1+end]]; ok {
				if escapeHTML {
					v = html.EscapeString(v)
				}
				b.WriteString(v)
				i += end + 2
				continue
			}
		}
		b.WriteByte('{')
		i++
	}
	return b.String()
}

// blockTags end a line in the text rendering of HTML.
var blockTags = map[string]bool{
	"p": true, "div": true, "br": true, "tr": true, "ul": true, "ol": true, "table": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "hr": true, "blockquote": true,
	"section": true, "article": true, "header": true, "footer": true, "pre": true,
}

// skippedTags have content that is not text.
var skippedTags = map[string]bool{"script": true, "style": true, "head": true, "title": true, "svg": true}

// HTMLToText renders an HTML mail body as plain text: tags dropped, block
// elements on their own lines, links followed by their target in
// parentheses so the text alternative still completes the flow.
func HTMLToText(s string) string {
	// Source whitespace collapses as in a browser; breakMark marks the
	// line ends that block elements make.
	const breakMark = "\x00"
	var out strings.Builder
	var link string // href of the open <a>
	skip := ""      // open tag whose content is dropped
	for len(s) > 0 {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			lt = len(s)
		}
		if skip == "" {
			out.WriteString(strings.ReplaceAll(html.UnescapeString(s[:lt]), breakMark, ""))
		}
		if lt == len(s) {
			break
		}
		gt := strings.IndexByte(s[lt:], '>')
		if gt < 0 {
			break
		}
		name, closing, href := parseTag(s[lt+1 : lt+gt])
		s = s[lt+gt+1:]
		switch {
		case skip != "":
			if closing && name == skip {
				skip = ""
			}
		case skippedTags[name] && !closing:
			skip = name
		case name == "a" && !closing:
			link = href
		case name == "a" && closing:
			if link != "" && !strings.HasPrefix(link, "#") && !strings.HasPrefix(strings.ToLower(link), "javascript:") {
				out.WriteString(" (" + link + ")")
			}
			link = ""
		case name == "li" && !closing:
			out.WriteString(breakMark + "- ")
		case blockTags[name]:
			out.WriteString(breakMark)
		}
	}
	// Trim each line and keep at most one blank line between paragraphs.
	var lines []string
	blank := 0
	for _, l := range strings.Split(out.String(), breakMark) {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			blank++
			if blank > 1 || len(lines) == 0 {
				continue
			}
		} else {
			blank = 0
		}
		lines = append(lines, l)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// parseTag reads a tag's name (lower case), whether it closes, and its
// href attribute when it has one.
func parseTag(t string) (name string, closing bool, href string) {
	t = strings.TrimSpace(t)
	if strings.HasPrefix(t, "/") {
		closing = true
		t = t[1:]
	}
	end := strings.IndexFunc(t, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '/' })
	if end < 0 {
		end = len(t)
	}
	name = strings.ToLower(t[:end])
	rest := t[end:]
	lower := strings.ToLower(rest)
	if i := strings.Index(lower, "href"); i >= 0 {
		v := strings.TrimLeft(rest[i+4:], " \t\n")
		if strings.HasPrefix(v, "=") {
			v = strings.TrimLeft(v[1:], " \t\n")
			if v != "" && (v[0] == '"' || v[0] == '\'') {
				if j := strings.IndexByte(v[1:], v[0]); j >= 0 {
					href = html.UnescapeString(v[1 : 1+j])
				}
			} else if f := strings.Fields(v); len(f) > 0 {
				href = html.UnescapeString(strings.TrimSuffix(f[0], "/"))
			}
		}
	}
	return name, closing, href
}
