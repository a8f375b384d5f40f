package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"chartcode/server/store"
)

// httpError is an error with the status and the message a client may see; Err is the cause,
// logged but never shown.
type httpError struct {
	Status int
	Msg    string
	Field  string
	Err    error
}

func (e *httpError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Msg, e.Err)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Msg)
}

func (e *httpError) Unwrap() error { return e.Err }

var (
	errNotFound     = &httpError{Status: http.StatusNotFound, Msg: "not found"}
	errUnauthorized = &httpError{Status: http.StatusUnauthorized, Msg: "sign in first"}
	errForbidden    = &httpError{Status: http.StatusForbidden, Msg: "your role does not allow this"}
)

func badRequest(field, format string, args ...any) error {
	return &httpError{Status: http.StatusBadRequest, Msg: fmt.Sprintf(format, args...), Field: field}
}

// wrap turns a handler that returns an error into a gin handler: one place maps errors to a
// status and to an HTML page or a JSON body, and logs server errors once.
func (s *Server) wrap(h func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		err := h(c)
		if err == nil {
			return
		}
		he := &httpError{Status: http.StatusInternalServerError, Msg: "something went wrong on our side", Err: err}
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &he):
		case errors.As(err, &mbe):
			he = &httpError{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("the request is larger than %d bytes", mbe.Limit)}
		case errors.Is(err, store.ErrNotFound):
			he = &httpError{Status: http.StatusNotFound, Msg: "not found", Err: err}
		}
		if he.Status >= 500 {
			s.log.Error("request failed", "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
		}
		if c.Writer.Written() {
			return
		}
		if wantsJSON(c.Request) {
			writeJSONError(c.Writer, he.Status, he.Msg, he.Field)
			return
		}
		if he.Status == http.StatusUnauthorized {
			c.Redirect(http.StatusSeeOther, "/signin?next="+url.QueryEscape(safeNext(c.Request.URL.RequestURI())))
			return
		}
		c.Status(he.Status)
		s.render(c, "error", page{Title: http.StatusText(he.Status), Data: map[string]any{"Status": he.Status, "Message": he.Msg}})
	}
}

func wantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.Contains(r.Header.Get("Accept"), "application/json")
}

func writeJSONError(w http.ResponseWriter, status int, msg, field string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	body := map[string]string{"error": msg}
	if field != "" {
		body["field"] = field
	}
	json.NewEncoder(w).Encode(body)
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/practice"
	}
	return next
}
