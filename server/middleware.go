package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
)

// requestLog logs every request once, with slog.
func (s *Server) requestLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	status := c.Writer.Status()
	if c.GetBool(ctxUpgraded) { // the WebSocket wrote its own 101 on the hijacked connection
		status = http.StatusSwitchingProtocols
	}
	level := slogLevel(status)
	s.log.Log(c.Request.Context(), level, "request", "method", c.Request.Method, "path", c.Request.URL.Path,
		"status", status, "bytes", c.Writer.Size(), "duration", time.Since(start).Round(time.Microsecond))
}

// recover turns a panic in a handler into a 500 and a log line with the stack; the server
// keeps running.
func (s *Server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("panic", "method", c.Request.Method, "path", c.Request.URL.Path, "panic", fmt.Sprint(v),
				"stack", string(debug.Stack()))
			if !c.Writer.Written() {
				writeJSONError(c.Writer, http.StatusInternalServerError, "something went wrong on our side", "")
			}
			c.Abort()
		}
	}()
	c.Next()
}

// contentSecurityPolicy allows only this site's own scripts, styles and images: no inline
// script, no third-party origin.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

func (s *Server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if c.Request.TLS != nil || s.cfg.SecureCookies {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	c.Next()
}

// crossOrigin refuses every state-changing request that a browser marks as coming from another
// site (Sec-Fetch-Site, or an Origin that is not this host): Go's CSRF protection, applied to
// every route.
func (s *Server) crossOrigin(cop *http.CrossOriginProtection) gin.HandlerFunc {
	return s.wrap(func(c *gin.Context) error {
		if err := cop.Check(c.Request); err != nil {
			c.Abort()
			return &httpError{Status: http.StatusForbidden, Msg: "cross-origin request refused", Err: err}
		}
		c.Next()
		return nil
	})
}

// limitBody caps every request body; reading past the limit fails with *http.MaxBytesError,
// which the error wrapper turns into 413.
func (s *Server) limitBody(c *gin.Context) {
	limit := s.cfg.BodyLimit
	if p := c.FullPath(); p == "/authoring/import" || p == "/api/authoring/import" {
		limit = importLimit // zips of many items
	}
	if c.Request.ContentLength > limit {
		c.Abort()
		s.wrap(func(*gin.Context) error {
			return &httpError{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("the request is larger than %d bytes", limit)}
		})(c)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	c.Next()
}

func slogLevel(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status == http.StatusTooManyRequests || status == http.StatusForbidden || status == http.StatusRequestEntityTooLarge:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}
