package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/plinthdb/plinth/core"
)

// errorStatus maps error codes to HTTP statuses. It is the only place
// where application errors meet HTTP.
var errorStatus = map[string]int{
	core.EInvalid:      http.StatusBadRequest,
	core.EUnauthorized: http.StatusUnauthorized,
	core.EForbidden:    http.StatusForbidden,
	core.ENotFound:     http.StatusNotFound,
	core.ETooLarge:     http.StatusRequestEntityTooLarge,
	core.ETooMany:      http.StatusTooManyRequests,
}

const genericMessage = "Something went wrong while processing your request."

// errorBody is PocketBase's error shape.
type errorBody struct {
	Data    map[string]any `json:"data"`
	Message string         `json:"message"`
	Status  int            `json:"status"`
}

// writeError is the one exit for every failed request. Errors that are
// not *core.Error are logged with the request id and shown generically.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status, body := errorResponse(r, log, err)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// errorResponse is what writeError sends for err, logging as it does.
// Batch uses it for the body a failed item would have answered.
func errorResponse(r *http.Request, log *slog.Logger, err error) (int, errorBody) {
	var e *core.Error
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &e):
	case errors.As(err, &tooLarge):
		e = &core.Error{Code: core.ETooLarge, Message: "Request entity too large."}
	default:
		e = &core.Error{Code: core.EInternal, Message: genericMessage, Err: err}
	}
	status, ok := errorStatus[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	msg := e.Message
	if status == http.StatusInternalServerError {
		log.ErrorContext(r.Context(), "request failed", "requestId", requestID(r.Context()),
			"method", r.Method, "path", r.URL.Path, "error", err)
		msg = genericMessage
	} else if e.Err != nil {
		log.DebugContext(r.Context(), "request rejected", "requestId", requestID(r.Context()), "error", e.Err)
	}
	data := e.Data
	if data == nil || status == http.StatusInternalServerError {
		data = map[string]any{}
	}
	return status, errorBody{Data: data, Message: sentence(msg), Status: status}
}

// sentence is core.Sentence with the generic message for an empty text.
func sentence(msg string) string {
	if msg = core.Sentence(msg); msg == "" {
		return genericMessage
	}
	return msg
}

// Errors used by several handlers.
var (
	errAuthRequired  = core.Errorf(core.EUnauthorized, "The request requires valid record authorization token.")
	errNotSuperuser  = core.Errorf(core.EForbidden, "The authorized record is not allowed to perform this action.")
	errSuperuserOnly = core.Errorf(core.EForbidden, "Only superusers can perform this action.")
	errNotFound      = core.Errorf(core.ENotFound, "The requested resource wasn't found.")
	errBadBody       = core.Errorf(core.EInvalid, "Failed to load the submitted data due to invalid formatting.")
)
