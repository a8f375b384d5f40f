package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"chartcode/server/store"
)

var roles = []store.Role{store.Student, store.Trainer, store.Supervisor, store.Admin}

func (s *Server) usersPage(c *gin.Context) error {
	users, err := s.db.Users()
	if err != nil {
		return err
	}
	s.render(c, "users", page{Title: "Users", Nav: "admin", Flash: c.Query("msg"), Data: map[string]any{"Users": users, "Roles": roles}})
	return nil
}

// newUser creates an account with a one-time password and reports that password.
func (s *Server) newUser(c *gin.Context, name, fullName, role string) (store.User, string, error) {
	r, err := store.ParseRole(role)
	if err != nil {
		return store.User{}, "", badRequest("role", "%s", storeMsg(err))
	}
	pw := randomToken(12)
	hash, err := s.hasher.hash(c.Request.Context(), pw)
	if err != nil {
		return store.User{}, "", err
	}
	u := store.User{Name: strings.TrimSpace(name), FullName: strings.TrimSpace(fullName), Role: r, PasswordHash: hash, MustChange: true}
	switch err := s.db.CreateUser(&u); {
	case errors.Is(err, store.ErrExists):
		return u, "", &httpError{Status: http.StatusConflict, Msg: "the user name " + u.Name + " is taken", Field: "name"}
	case errors.Is(err, store.ErrInvalid):
		return u, "", badRequest("name", "%s", storeMsg(err))
	case err != nil:
		return u, "", err
	}
	return u, pw, nil
}

// storeMsg is a store validation error without the package's prefixes, for people to read.
func storeMsg(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "invalid: "); i >= 0 {
		msg = msg[i+len("invalid: "):]
	}
	return msg
}

func (s *Server) createUser(c *gin.Context) error {
	u, pw, err := s.newUser(c, c.PostForm("name"), c.PostForm("fullName"), c.PostForm("role"))
	if err != nil {
		var he *httpError
		if errors.As(err, &he) && he.Status < 500 {
			users, _ := s.db.Users()
			c.Status(he.Status)
			s.render(c, "users", page{Title: "Users", Nav: "admin", Flash: he.Msg, Data: map[string]any{"Users": users, "Roles": roles}})
			return nil
		}
		return err
	}
	users, err := s.db.Users()
	if err != nil {
		return err
	}
	s.render(c, "users", page{Title: "Users", Nav: "admin", Data: map[string]any{"Users": users, "Roles": roles,
		"Created": u, "Password": pw}})
	return nil
}

// updateUser sets a role or issues a new one-time password.
func (s *Server) updateUser(c *gin.Context) error {
	u, err := s.db.User(c.Param("id"))
	if err != nil {
		return err
	}
	me, _ := currentUser(c)
	data := map[string]any{"Roles": roles}
	switch c.PostForm("action") {
	case "role":
		r, err := store.ParseRole(c.PostForm("role"))
		if err != nil {
			return badRequest("role", "%s", storeMsg(err))
		}
		if u.ID == me.ID && r != store.Admin {
			return badRequest("role", "you cannot take the admin role from yourself")
		}
		u.Role = r
	case "reset":
		pw := randomToken(12)
		hash, err := s.hasher.hash(c.Request.Context(), pw)
		if err != nil {
			return err
		}
		u.PasswordHash, u.MustChange = hash, true
		if err := s.db.DeleteUserSessions(u.ID); err != nil {
			return err
		}
		data["Reset"], data["Password"] = u, pw
	default:
		return badRequest("action", "action is role or reset")
	}
	if err := s.db.UpdateUser(u); err != nil {
		return err
	}
	users, err := s.db.Users()
	if err != nil {
		return err
	}
	data["Users"] = users
	s.render(c, "users", page{Title: "Users", Nav: "admin", Flash: "Saved " + u.Name + ".", Data: data})
	return nil
}

func (s *Server) apiUsers(c *gin.Context) error {
	users, err := s.db.Users()
	if err != nil {
		return err
	}
	out := make([]userView, len(users))
	for i, u := range users {
		out[i] = publicUser(u)
	}
	c.JSON(http.StatusOK, gin.H{"users": out})
	return nil
}

func (s *Server) apiCreateUser(c *gin.Context) error {
	var req struct {
		Name     string `json:"name"`
		FullName string `json:"fullName"`
		Role     string `json:"role"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, pw, err := s.newUser(c, req.Name, req.FullName, req.Role)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, gin.H{"user": publicUser(u), "password": pw})
	return nil
}
