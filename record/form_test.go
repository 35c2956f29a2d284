package record

import (
	"net/url"
	"reflect"
	"testing"

	"github.com/plinthdb/plinth/core"
)

func TestInferFormValue(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{"", ""},
		{"true", true},
		{"false", false},
		{"True", "True"},
		{"12", 12.0},
		{"-1.5", -1.5},
		{"0", 0.0},
		{"0.5", 0.5},
		{"012", "012"},
		{"1.0", "1.0"},
		{"0x1", "0x1"},
		{"1e5", "1e5"},
		{"1.", "1."},
		{".5", ".5"},
		{"-", "-"},
		{"--1", "--1"},
		{"1-2", "1-2"},
		{" 12", " 12"},
		{"12 ", "12 "},
		{"abc", "abc"},
		{"123456789012345678901234567890", "123456789012345678901234567890"},
		{"9007199254740993", "9007199254740993"}, // not exactly representable
		{"9007199254740992", 9007199254740992.0},
		{"NaN", "NaN"},
		{"Inf", "Inf"},
	}
	for _, tt := range tests {
		got := InferFormValue(tt.in)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("InferFormValue(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestInferNegativeZero(t *testing.T) {
	// strconv formats -0 as "-0", so "-0" round-trips and becomes a number.
	got, ok := InferFormValue("-0").(float64)
	if !ok || got != 0 {
		t.Fatalf("InferFormValue(-0) = %#v", InferFormValue("-0"))
	}
}

func TestFormValues(t *testing.T) {
	in := url.Values{
		"title":        {"hello"},
		"num":          {"3"},
		"tags":         {"a", "b", "12", "true"},
		"flag":         {"false"},
		"empty":        {""},
		"none":         {},
		JSONPayloadKey: {`{"x":1}`},
	}
	want := map[string]any{
		"title": "hello",
		"num":   3.0,
		"tags":  []any{"a", "b", 12.0, true},
		"flag":  false,
		"empty": "",
	}
	if got := FormValues(in); !reflect.DeepEqual(got, want) {
		t.Fatalf("FormValues = %#v\nwant %#v", got, want)
	}
}

func TestMergeJSONPayload(t *testing.T) {
	dst := map[string]any{"title": "plain", "num": 3.0, "keep": true}
	if err := MergeJSONPayload(dst, `{"meta":{"x":1},"num":"12","title":null}`); err != nil {
		t.Fatal(err)
	}
	if err := MergeJSONPayload(dst, `{"meta":[1,2]}`); err != nil {
		t.Fatal(err)
	}
	if err := MergeJSONPayload(dst, `null`); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"title": nil, "num": "12", "keep": true, "meta": []any{1.0, 2.0}}
	if !reflect.DeepEqual(dst, want) {
		t.Fatalf("got %#v\nwant %#v", dst, want)
	}
	for _, bad := range []string{`[1]`, `"x"`, `{`, ``, `1`} {
		err := MergeJSONPayload(map[string]any{}, bad)
		if err == nil || core.ErrorCode(err) != core.EInvalid {
			t.Errorf("MergeJSONPayload(%q) = %v, want EInvalid", bad, err)
		}
	}
}

func TestFormBody(t *testing.T) {
	// The SDK's multipart shape of §4.7.
	in := url.Values{
		"title":        {"multi"},
		"num":          {"3"},
		"tags":         {"a", "b"},
		JSONPayloadKey: {`{"meta":{"x":1},"flag":true}`, `{"num":4}`},
	}
	got, err := FormBody(in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"title": "multi", "num": 4.0, "tags": []any{"a", "b"},
		"meta": map[string]any{"x": 1.0}, "flag": true}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
	if _, err := FormBody(url.Values{JSONPayloadKey: {"nope"}}); err == nil {
		t.Fatal("bad payload accepted")
	}
}
