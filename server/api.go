package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"chartcode/exercises"
)

type exerciseListItem struct {
	exercises.Public
	Body  any     `json:"body,omitempty"` // the list leaves the body out
	Done  bool    `json:"done"`
	Best  float64 `json:"best,omitempty"`
	Tries int     `json:"attempts"`
}

func (s *Server) apiExercises(c *gin.Context) error {
	_, list, err := s.requestCatalog(c)
	if err != nil {
		return err
	}
	out := make([]exerciseListItem, len(list))
	for i, e := range list {
		p := e.Item.Public()
		p.Body, p.Choices = "", nil
		out[i] = exerciseListItem{Public: p, Done: e.Done, Best: e.Best, Tries: e.Tries}
	}
	c.JSON(http.StatusOK, gin.H{"count": len(out), "exercises": out})
	return nil
}

func (s *Server) apiExercise(c *gin.Context) error {
	it, err := s.item(c.Param("id"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, it.Public())
	return nil
}

func (s *Server) apiSubmit(c *gin.Context) error {
	u, _ := currentUser(c)
	it, err := s.item(c.Param("id"))
	if err != nil {
		return err
	}
	var sub submission
	if err := decodeJSON(c, &sub); err != nil {
		return err
	}
	out, err := s.grade(u, it, sub, "practice")
	if err != nil {
		return err
	}
	out.Rationale = it.Rationale
	c.JSON(http.StatusCreated, out)
	return nil
}

func (s *Server) apiAttempt(c *gin.Context) error {
	u, _ := currentUser(c)
	a, out, err := s.loadOutcome(u, c.Param("id"))
	if err != nil {
		return err
	}
	if it, ok := s.lib().Item(a.ItemID); ok {
		out.Rationale = it.Rationale
	}
	c.JSON(http.StatusOK, out)
	return nil
}
