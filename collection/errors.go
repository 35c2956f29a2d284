package collection

import (
	"fmt"
	"regexp"
	"unicode/utf8"

	"github.com/plinthdb/plinth/core"
)

// The helpers below build the generic validation errors of §1.7. Each
// returns a nil error (untyped) when the value passes, so results can be
// handed to put directly.

func ferr(code, message string) error { return core.NewFieldError(code, message, nil) }

func ferrp(code, message string, params map[string]any) error {
	return core.NewFieldError(code, message, params)
}

func errRequired() error { return ferr("validation_required", "Cannot be blank.") }

func required(ok bool) error {
	if ok {
		return nil
	}
	return errRequired()
}

// length checks a rune count; an empty string passes (Required handles it).
func length(s string, min, max int) error {
	n := utf8.RuneCountInString(s)
	if n == 0 || (n >= min && n <= max) {
		return nil
	}
	if min == max {
		return ferrp("validation_length_invalid", fmt.Sprintf("The length must be exactly %d.", min), map[string]any{"min": min})
	}
	return ferrp("validation_length_out_of_range", fmt.Sprintf("The length must be between %d and %d.", min, max),
		map[string]any{"min": min, "max": max})
}

func match(s string, re *regexp.Regexp) error {
	if s == "" || re.MatchString(s) {
		return nil
	}
	return ferr("validation_match_invalid", "Must be in a valid format.")
}

// atLeast and atMost are ozzo's Min/Max thresholds: a zero value passes.
func atLeast[T int | int64 | float64](v, threshold T) error {
	if v == 0 || v >= threshold {
		return nil
	}
	return ferrp("validation_min_greater_equal_than_required", fmt.Sprintf("Must be no less than %v.", threshold),
		map[string]any{"threshold": threshold})
}

func atMost[T int | int64 | float64](v, threshold T) error {
	if v == 0 || v <= threshold {
		return nil
	}
	return ferrp("validation_max_less_equal_than_required", fmt.Sprintf("Must be no greater than %v.", threshold),
		map[string]any{"threshold": threshold})
}

func mustBeNil(isNil bool) error {
	if isNil {
		return nil
	}
	return ferr("validation_nil", "Must be blank.")
}

func mustBeEmpty(empty bool) error {
	if empty {
		return nil
	}
	return ferr("validation_empty", "Must be blank.")
}

func isRegex(s string) error {
	if s == "" {
		return nil
	}
	if _, err := regexp.Compile(s); err != nil {
		return ferr("validation_invalid_regex", core.Sentence(err.Error()))
	}
	return nil
}

// put records under key the first non-nil error of checks.
func put(errs core.FieldErrors, key string, checks ...error) {
	for _, err := range checks {
		if err != nil {
			errs[key] = err
			return
		}
	}
}

// nest records sub under key when it holds errors.
func nest(errs core.FieldErrors, key string, sub core.FieldErrors) {
	if len(sub) > 0 {
		errs[key] = sub
	}
}

// orNil converts an empty FieldErrors into a nil error.
func orNil(errs core.FieldErrors) error {
	if len(errs) == 0 {
		return nil
	}
	return errs
}
