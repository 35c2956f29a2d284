// Package core holds Plinth's vocabulary: collections, fields, records,
// the persistence contract and errors with codes. It imports only the
// standard library so every other package can depend on it.
package core

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error codes. The api package maps each to an HTTP status in one place.
const (
	EInvalid      = "invalid"      // 400: validation failure, malformed input
	EUnauthorized = "unauthorized" // 401: auth required and missing
	EForbidden    = "forbidden"    // 403: authenticated but not allowed
	ENotFound     = "not_found"    // 404
	ETooLarge     = "too_large"    // 413
	ETooMany      = "too_many"     // 429
	EInternal     = "internal"     // 500: never shown in detail
)

// Error is an application error that carries what a client may see.
// Message is shown as-is; Data holds field-level details (FieldErrors or
// any JSON-able object); Err is the cause, logged but never shown.
type Error struct {
	Code    string
	Message string
	Data    map[string]any
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error without field details.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid builds a 400 error carrying field errors.
func Invalid(message string, data map[string]any) *Error {
	return &Error{Code: EInvalid, Message: message, Data: data}
}

// ErrorCode returns the code of err, EInternal for foreign errors.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// Sentence makes an error text read like PocketBase's messages: a capital
// first letter and final punctuation. An empty text stays empty.
func Sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, size := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[size:]
	switch s[len(s)-1] {
	case '.', '!', '?':
		return s
	}
	return s + "."
}

// FieldError is one field's validation failure, as PocketBase reports it.
type FieldError struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Params  map[string]any `json:"params,omitempty"`
}

func (e *FieldError) Error() string { return e.Code + ": " + e.Message }

// NewFieldError builds a FieldError; params may be nil.
func NewFieldError(code, message string, params map[string]any) *FieldError {
	return &FieldError{Code: code, Message: message, Params: params}
}

// FieldErrors maps a key (field name, or list index as a string) to a
// *FieldError or a nested FieldErrors.
type FieldErrors map[string]any

func (fe FieldErrors) Error() string {
	parts := make([]string, 0, len(fe))
	for k, v := range fe {
		parts = append(parts, fmt.Sprintf("%s: %v", k, v))
	}
	return strings.Join(parts, "; ")
}

// Map returns fe as the plain map used in Error.Data.
func (fe FieldErrors) Map() map[string]any { return map[string]any(fe) }

// Common errors reused across packages.
var (
	ErrNotFound = &Error{Code: ENotFound, Message: "The requested resource wasn't found."}
)
