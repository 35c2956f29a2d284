package app

import (
	"reflect"
	"testing"

	"github.com/plinthdb/plinth/core"
)

func TestParseExpand(t *testing.T) {
	if ParseExpand("") != nil {
		t.Fatal("empty parameter should give nil")
	}
	cases := []struct {
		raw  string
		want []string
	}{
		{",", []string{}},
		{" , . ,", []string{}},
		{" author , readers.org ", []string{"author", "readers.org"}},
		{"a,a.b,a.b.c", []string{"a.b.c"}},
		{"a.b,a.b,b", []string{"a.b", "b"}},
		{".a.b.", []string{"a.b"}},
		{"a..b", []string{"a..b"}},
		{"a.b.c.d.e.f.g.h", []string{"a.b.c.d.e.f"}},
		{"a.b.c.d.e.f.g,a.b.c.d.e.f.h", []string{"a.b.c.d.e.f"}},
		{"posts_via_author,posts(author)", []string{"posts_via_author", "posts(author)"}},
	}
	for _, c := range cases {
		got := ParseExpand(c.raw).Paths()
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseExpand(%q) = %q, want %q", c.raw, got, c.want)
		}
	}
}

func TestSingleColumnUnique(t *testing.T) {
	c := &core.Collection{Name: "t", Indexes: []string{
		"CREATE INDEX `idx_plain` ON `t` (`a`)",
		"CREATE UNIQUE INDEX `idx_pair` ON `t` (`b`, `c`)",
		"CREATE UNIQUE INDEX `idx_d` ON `t` (`d` DESC)",
		"CREATE UNIQUE INDEX `idx_e` ON `t` (`e`) WHERE `e` != ''",
		"not an index",
	}}
	for col, want := range map[string]bool{"a": false, "b": false, "c": false, "d": true, "D": true, "e": true, "x": false} {
		if got := singleColumnUnique(c, col); got != want {
			t.Errorf("singleColumnUnique(%q) = %v, want %v", col, got, want)
		}
	}
}
