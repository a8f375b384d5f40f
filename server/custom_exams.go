package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chartcode/exercises"
	"chartcode/grading"
	"chartcode/server/store"
)

// Custom exams: trainers and administrators make mock exams of their own, by sections and
// counts (drawn like a catalog blueprint) or by a fixed list of items. Every exam route finds
// its blueprint through s.blueprint, which looks in the catalog first, then in the store.

// defaultTypes are the item types a custom exam draws.
var defaultTypes = []exercises.Type{exercises.Case, exercises.Choice, exercises.Multi}

// blueprint returns the blueprint id names: a catalog one, or a stored custom exam turned into
// one (with the custom exam itself). A 400 names the blueprint when there is neither.
func (s *Server) blueprint(id string) (*exercises.Blueprint, *store.CustomExam, error) {
	if b, ok := s.lib().Exam(id); ok {
		return b, nil, nil
	}
	if strings.HasPrefix(id, store.CustomExamPrefix) {
		e, err := s.db.CustomExam(id)
		switch {
		case err == nil:
			return customBlueprint(&e), &e, nil
		case !errors.Is(err, store.ErrNotFound):
			return nil, nil, err
		}
	}
	return nil, nil, badRequest("blueprint", "no exam has the id %q", id)
}

// customBlueprint turns a custom exam into a blueprint. For a list of items the lines are the
// runs of consecutive items of one section, so that the sitting knows each item's section.
func customBlueprint(e *store.CustomExam) *exercises.Blueprint {
	b := &exercises.Blueprint{ID: e.ID, Title: e.Title, Credentials: e.Credentials,
		TimeLimit: time.Duration(e.TimeLimitMinutes) * time.Minute, PassMark: e.PassMark, Types: defaultTypes, Mode: grading.Exam}
	if len(b.Credentials) == 0 {
		b.Credentials = exercises.Credentials
	}
	if m, err := grading.ParseMode(e.Mode); e.Mode != "" && err == nil {
		b.Mode = m
	}
	for _, sc := range e.Sections {
		line := exercises.SectionCount{Section: sc.Section, Count: sc.Count}
		for _, t := range sc.Types {
			line.Types = append(line.Types, exercises.Type(t))
		}
		b.Sections = append(b.Sections, line)
	}
	return b
}

// itemLines sets b's lines from a fixed list of items (all in the catalog).
func (s *Server) itemLines(b *exercises.Blueprint, items []string) {
	b.Sections = nil
	for _, id := range items {
		it, _ := s.lib().Item(id)
		sec := ""
		if it != nil {
			sec = it.Section
		}
		if n := len(b.Sections); n > 0 && b.Sections[n-1].Section == sec {
			b.Sections[n-1].Count++
			continue
		}
		b.Sections = append(b.Sections, exercises.SectionCount{Section: sec, Count: 1})
	}
}

// missingItems lists the ids that are not in the catalog.
func (s *Server) missingItems(ids []string) []string {
	var out []string
	for _, id := range ids {
		if _, ok := s.lib().Item(id); !ok {
			out = append(out, id)
		}
	}
	return out
}

// customInput is a custom exam as the form and POST /api/custom-exams give it.
type customInput struct {
	Title            string                `json:"title"`
	TimeLimitMinutes int                   `json:"timeLimitMinutes"`
	PassMark         float64               `json:"passMark"`
	Credentials      []string              `json:"credentials"`
	Mode             string                `json:"mode"`
	Sections         []store.CustomSection `json:"sections"`
	Items            []string              `json:"items"`
}

// poolSize is how many items a section offers for credentials (all when empty).
func (s *Server) poolSize(credentials []string, section string, types []exercises.Type) int {
	b := &exercises.Blueprint{Credentials: credentials, Types: defaultTypes}
	if len(credentials) == 0 {
		b.Credentials = exercises.Credentials
	}
	return len(s.lib().Pool(b, exercises.SectionCount{Section: section, Types: types}))
}

// validateCustom checks a custom exam against the catalog; each error names its field.
func (s *Server) validateCustom(in customInput) (store.CustomExam, error) {
	e := store.CustomExam{Title: strings.TrimSpace(in.Title), TimeLimitMinutes: in.TimeLimitMinutes, PassMark: in.PassMark,
		Mode: strings.TrimSpace(in.Mode), Items: in.Items}
	switch {
	case e.Title == "":
		return e, badRequest("title", "give the exam a title")
	case len(e.Title) > 200:
		return e, badRequest("title", "the title is longer than 200 characters")
	case e.TimeLimitMinutes < 1 || e.TimeLimitMinutes > 600:
		return e, badRequest("timeLimitMinutes", "time limit %d: want minutes between 1 and 600", e.TimeLimitMinutes)
	case e.PassMark < 1 || e.PassMark > 100:
		return e, badRequest("passMark", "pass mark %v: want a percentage between 1 and 100", e.PassMark)
	}
	for _, c := range in.Credentials {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		if !slices.Contains(exercises.Credentials, c) {
			return e, badRequest("credentials", "unknown credential %q (want one of %s)", c, strings.Join(exercises.Credentials, ", "))
		}
		e.Credentials = append(e.Credentials, c)
	}
	if e.Mode != "" {
		if _, err := grading.ParseMode(e.Mode); err != nil {
			return e, badRequest("mode", "mode %q: want practice or exam", e.Mode)
		}
	}
	for _, sc := range in.Sections {
		if sc.Count == 0 {
			continue
		}
		if !slices.Contains(exercises.Sections, sc.Section) {
			return e, badRequest("sections", "unknown section %q", sc.Section)
		}
		if sc.Count < 0 {
			return e, badRequest("sections", "%s: the count cannot be negative", sc.Section)
		}
		var types []exercises.Type
		for _, t := range sc.Types {
			if !slices.Contains(defaultTypes, exercises.Type(t)) {
				return e, badRequest("sections", "%s: unknown item type %q (want case, choice or multi)", sc.Section, t)
			}
			types = append(types, exercises.Type(t))
		}
		if n := s.poolSize(e.Credentials, sc.Section, types); sc.Count > n {
			return e, badRequest("sections", "%s: %d items asked for, the section has %d for these credentials", sc.Section, sc.Count, n)
		}
		e.Sections = append(e.Sections, sc)
	}
	if len(e.Items) > 0 && len(e.Sections) > 0 {
		return e, badRequest("items", "give section counts or item ids, not both")
	}
	if len(e.Sections) == 0 && len(e.Items) == 0 {
		return e, badRequest("sections", "the exam has no item: give a count for a section or a list of item ids")
	}
	if len(e.Items) > 500 {
		return e, badRequest("items", "%d items: at most 500", len(e.Items))
	}
	seen := map[string]bool{}
	for _, id := range e.Items {
		if seen[id] {
			return e, badRequest("items", "item %s is listed twice", id)
		}
		seen[id] = true
	}
	if missing := s.missingItems(e.Items); len(missing) > 0 {
		return e, badRequest("items", "unknown item ids: %s", strings.Join(missing, ", "))
	}
	return e, nil
}

// createCustom validates and stores a custom exam made by u.
func (s *Server) createCustom(u store.User, in customInput) (store.CustomExam, error) {
	e, err := s.validateCustom(in)
	if err != nil {
		return e, err
	}
	e.CreatedBy, e.Created = u.ID, s.now()
	if err := s.db.CreateCustomExam(&e); err != nil {
		return e, err
	}
	return e, nil
}

// deleteCustom removes custom exam id: its author or an administrator only.
func (s *Server) deleteCustom(u store.User, id string) error {
	e, err := s.db.CustomExam(id)
	if err != nil {
		return err
	}
	if e.CreatedBy != u.ID && u.Role != store.Admin {
		return &httpError{Status: http.StatusForbidden, Msg: "only the trainer who made this exam or an administrator may delete it"}
	}
	return s.db.DeleteCustomExam(id)
}

// customView is a custom exam as the API shows it.
type customView struct {
	store.CustomExam
	CreatedByName string `json:"createdByName"`
	Total         int    `json:"total"`
}

func (s *Server) customViews() ([]customView, error) {
	list, err := s.db.CustomExams()
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	out := make([]customView, 0, len(list))
	for _, e := range list {
		name, ok := names[e.CreatedBy]
		if !ok {
			if u, err := s.db.User(e.CreatedBy); err == nil {
				name = u.Name
				if u.FullName != "" {
					name = u.FullName
				}
			} else if !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			names[e.CreatedBy] = name
		}
		total := len(e.Items)
		for _, sc := range e.Sections {
			total += sc.Count
		}
		out = append(out, customView{CustomExam: e, CreatedByName: name, Total: total})
	}
	return out, nil
}

// sectionRow is one section of the new-exam form with its pool size.
type sectionRow struct {
	N       int
	Section string
	Pool    int
}

func (s *Server) newCustomPage(c *gin.Context) error {
	cred := c.Query("credential")
	if cred != "" && !slices.Contains(exercises.Credentials, cred) {
		return badRequest("credential", "unknown credential %q", cred)
	}
	var creds []string
	if cred != "" {
		creds = []string{cred}
	}
	rows := make([]sectionRow, 0, len(exercises.Sections))
	for i, sec := range exercises.Sections {
		rows = append(rows, sectionRow{N: i, Section: sec, Pool: s.poolSize(creds, sec, nil)})
	}
	s.render(c, "exam_new", page{Title: "New custom exam", Nav: "exams", Data: map[string]any{
		"Credential": cred, "Credentials": exercises.Credentials, "Sections": rows}})
	return nil
}

func (s *Server) createCustomForm(c *gin.Context) error {
	u, _ := currentUser(c)
	in := customInput{Title: c.PostForm("title"), Mode: c.PostForm("mode")}
	var err error
	if in.TimeLimitMinutes, err = strconv.Atoi(strings.TrimSpace(c.PostForm("timeLimitMinutes"))); err != nil {
		return badRequest("timeLimitMinutes", "time limit: give a whole number of minutes")
	}
	if in.PassMark, err = strconv.ParseFloat(strings.TrimSpace(c.PostForm("passMark")), 64); err != nil {
		return badRequest("passMark", "pass mark: give a percentage")
	}
	if cred := c.PostForm("credential"); cred != "" {
		in.Credentials = []string{cred}
	}
	for i, sec := range exercises.Sections {
		v := strings.TrimSpace(c.PostForm(fmt.Sprintf("count-%d", i)))
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return badRequest("sections", "%s: the count %q is not a whole number", sec, v)
		}
		in.Sections = append(in.Sections, store.CustomSection{Section: sec, Count: n})
	}
	in.Items = strings.Fields(c.PostForm("items"))
	if _, err := s.createCustom(u, in); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/exams")
	return nil
}

func (s *Server) deleteCustomForm(c *gin.Context) error {
	u, _ := currentUser(c)
	if err := s.deleteCustom(u, c.Param("id")); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/exams")
	return nil
}

func (s *Server) apiCreateCustom(c *gin.Context) error {
	u, _ := currentUser(c)
	var in customInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	e, err := s.createCustom(u, in)
	if err != nil {
		return err
	}
	c.Header("Location", "/api/custom-exams/"+url.PathEscape(e.ID))
	c.JSON(http.StatusCreated, e)
	return nil
}

func (s *Server) apiCustomExams(c *gin.Context) error {
	list, err := s.customViews()
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"customExams": list})
	return nil
}

func (s *Server) apiDeleteCustom(c *gin.Context) error {
	u, _ := currentUser(c)
	if err := s.deleteCustom(u, c.Param("id")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
