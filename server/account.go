package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chartcode/server/store"
)

// healthz answers monitors, always in JSON.
func (s *Server) healthz(c *gin.Context) error {
	if _, err := s.db.CountUsers(); err != nil {
		s.log.Error("health check", "err", err)
		writeJSONError(c.Writer, http.StatusServiceUnavailable, "store unavailable", "")
		return nil
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok", "items": len(s.lib().Items())})
	return nil
}

// home sends a signed-in person to practice and everyone else to the sign-in page.
func (s *Server) home(c *gin.Context) error {
	if _, ok := currentUser(c); ok {
		c.Redirect(http.StatusSeeOther, "/practice")
		return nil
	}
	c.Redirect(http.StatusSeeOther, "/signin")
	return nil
}

func (s *Server) signinPage(c *gin.Context) error {
	if _, ok := currentUser(c); ok {
		c.Redirect(http.StatusSeeOther, safeNext(c.Query("next")))
		return nil
	}
	s.render(c, "signin", page{Title: "Sign in", Data: map[string]any{"Next": safeNext(c.Query("next")), "Items": len(s.lib().Items())}})
	return nil
}

func (s *Server) signin(c *gin.Context) error {
	name, next := c.PostForm("name"), safeNext(c.PostForm("next"))
	u, err := s.authenticate(c.Request.Context(), c, name, c.PostForm("password"))
	if err != nil {
		var he *httpError
		if errors.As(err, &he) && he.Status < 500 {
			c.Status(he.Status)
			s.render(c, "signin", page{Title: "Sign in", Flash: he.Msg, Data: map[string]any{"Next": next, "Name": name, "Items": len(s.lib().Items())}})
			return nil
		}
		return err
	}
	if err := s.startSession(c, u); err != nil {
		return err
	}
	if u.MustChange {
		next = "/account/password"
	}
	c.Redirect(http.StatusSeeOther, next)
	return nil
}

func (s *Server) signout(c *gin.Context) error {
	if err := s.endSession(c); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/signin")
	return nil
}

func (s *Server) apiSignin(c *gin.Context) error {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.authenticate(c.Request.Context(), c, req.Username, req.Password)
	if err != nil {
		return err
	}
	if err := s.startSession(c, u); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"user": publicUser(u), "mustChangePassword": u.MustChange})
	return nil
}

func (s *Server) apiSignout(c *gin.Context) error {
	if err := s.endSession(c); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (s *Server) passwordPage(c *gin.Context) error {
	u, _ := currentUser(c)
	var flash string
	if u.MustChange {
		flash = "Choose a new password to continue: the one you signed in with was for one use only."
	}
	s.render(c, "password", page{Title: "Change password", Flash: flash})
	return nil
}

func (s *Server) changePassword(c *gin.Context) error {
	if c.PostForm("new") != c.PostForm("confirm") {
		c.Status(http.StatusBadRequest)
		s.render(c, "password", page{Title: "Change password", Flash: "The two new passwords differ."})
		return nil
	}
	if err := s.setPassword(c, c.PostForm("current"), c.PostForm("new")); err != nil {
		var he *httpError
		if errors.As(err, &he) && (he.Status == http.StatusBadRequest || he.Status == http.StatusTooManyRequests) {
			c.Status(he.Status)
			s.render(c, "password", page{Title: "Change password", Flash: he.Msg})
			return nil
		}
		return err
	}
	c.Redirect(http.StatusSeeOther, "/practice")
	return nil
}

func (s *Server) apiChangePassword(c *gin.Context) error {
	var req struct {
		Current string `json:"current"`
		New     string `json:"new"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := s.setPassword(c, req.Current, req.New); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// setPassword changes the signed-in person's password after checking the current one; every
// other sign-in of theirs ends and this one starts afresh.
func (s *Server) setPassword(c *gin.Context, current, pw string) error {
	u, _ := currentUser(c)
	// Checking the current password is a password guess like a sign-in: same limits.
	if wait, ok := s.limiter.allow(u.Name, clientIP(c.Request)); !ok {
		return tooMany(c, wait, "password changes")
	}
	ok, err := s.hasher.verify(c.Request.Context(), u.PasswordHash, current)
	if err != nil {
		return err
	}
	if !ok {
		return badRequest("current", "your current password is not right")
	}
	if msg := checkPasswordRules(pw, u.Name); msg != "" {
		return badRequest("new", "new password: %s", msg)
	}
	hash, err := s.hasher.hash(c.Request.Context(), pw)
	if err != nil {
		return err
	}
	u.PasswordHash, u.MustChange = hash, false
	if err := s.db.UpdateUser(u); err != nil {
		return err
	}
	if err := s.db.DeleteUserSessions(u.ID); err != nil {
		return err
	}
	return s.startSession(c, u)
}

// decodeJSON reads a JSON request body strictly: unknown fields and trailing data are errors.
func decodeJSON(c *gin.Context, v any) error {
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var ute *json.UnmarshalTypeError
		switch {
		case errors.As(err, &mbe):
			return err
		case errors.As(err, &ute) && ute.Field == "":
			return badRequest("", "the body must be a JSON object")
		case errors.As(err, &ute):
			return badRequest(ute.Field, "%s: want a %s", ute.Field, jsonKind(ute.Type.Kind().String()))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return badRequest(field, "unknown field %q", field)
		}
		return badRequest("", "malformed JSON: %v", strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return badRequest("", "malformed JSON: more than one value")
	}
	return nil
}

// jsonKind names a Go kind as JSON calls it.
func jsonKind(k string) string {
	switch k {
	case "slice", "array":
		return "list"
	case "map", "struct":
		return "object"
	case "int", "int64", "float64", "uint8":
		return "number"
	case "bool":
		return "boolean"
	}
	return k
}

type userView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	FullName   string     `json:"fullName"`
	Role       store.Role `json:"role"`
	Created    time.Time  `json:"created"`
	MustChange bool       `json:"mustChangePassword"` // still on a one-time password
}

func publicUser(u store.User) userView {
	return userView{ID: u.ID, Name: u.Name, FullName: u.FullName, Role: u.Role, Created: u.Created, MustChange: u.MustChange}
}
