package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chartcode/exams"
	"chartcode/exercises"
	"chartcode/server/store"
)

// Assignments: supervisors, trainers and administrators give a team or people a set of items,
// a drill in a section or a mock exam, due by a date. Completion is read from the work itself:
// attempts and exam sittings made after the assignment was given.

// The completion states, as pages and exports name them.
const (
	statusDone       = "done"
	statusInProgress = "in progress"
	statusNotStarted = "not started"
	statusOverdue    = "overdue"
)

// completion is one person's progress on one assignment.
type completion struct {
	Status   string    `json:"status"`
	Done     int       `json:"done"`  // items answered, drill answers, or 1 for a submitted exam
	Total    int       `json:"total"` // what done must reach
	Score    float64   `json:"score"` // mean score of the work counted, 0–100
	Finished time.Time `json:"finished,omitzero"`
}

// complete works out how far person u is with a, at now.
func (s *Server) complete(a store.Assignment, u store.User, now time.Time) (completion, error) {
	c := completion{Total: 1}
	switch a.Kind {
	case store.AssignItems, store.AssignDrill:
		atts, err := s.db.AttemptsSince(u.ID, a.Created)
		if err != nil {
			return c, err
		}
		c.Total = len(a.Items)
		if a.Kind == store.AssignDrill {
			c.Total = a.Count
		}
		best := map[string]float64{}
		var sum float64
		n := 0
		for _, at := range atts {
			switch {
			case a.Kind == store.AssignDrill && at.Section == a.Section && n < a.Count:
				n++
				sum += at.Score
				if n == a.Count {
					c.Finished = at.At
				}
			case a.Kind == store.AssignItems && slices.Contains(a.Items, at.ItemID):
				prev, had := best[at.ItemID]
				if !had || at.Score > prev {
					best[at.ItemID] = at.Score
				}
				if !had && len(best) == len(a.Items) {
					c.Finished = at.At // the last of the items
				}
			}
		}
		if a.Kind == store.AssignDrill {
			c.Done = n
		} else {
			c.Done = len(best)
			for _, v := range best {
				sum += v
			}
		}
		if c.Done > 0 {
			c.Score = sum / float64(c.Done)
		}
	case store.AssignExam:
		recs, err := s.db.Exams(u.ID)
		if err != nil {
			return c, err
		}
		started := false
		for _, r := range recs {
			if r.BlueprintID != a.Blueprint || r.Started.Before(a.Created) {
				continue
			}
			started = true
			if r.Submitted.IsZero() || c.Done == 1 {
				continue
			}
			var rep exams.Report
			if err := json.Unmarshal(r.Report, &rep); err != nil {
				return c, fmt.Errorf("exam %s report: %w", r.ID, err)
			}
			c.Done, c.Score, c.Finished = 1, rep.Score, r.Submitted
		}
		if started && c.Done == 0 {
			c.Status = statusInProgress
		}
	}
	switch {
	case c.Done >= c.Total:
		c.Status = statusDone
	case now.After(a.Due):
		c.Status = statusOverdue
	case c.Done > 0 || c.Status == statusInProgress:
		c.Status = statusInProgress
	default:
		c.Status = statusNotStarted
	}
	return c, nil
}

// assignees are the people an assignment is for.
func (s *Server) assignees(a store.Assignment) ([]store.User, error) {
	if a.TeamID == "" {
		return s.people(a.UserIDs)
	}
	t, err := s.db.Team(a.TeamID)
	if err != nil {
		return nil, err
	}
	return s.people(t.Members)
}

// assignmentSummary is an assignment with its completion counts.
type assignmentSummary struct {
	store.Assignment
	What                                 string // e.g. "5 items", "10 answers in E/M"
	Target                               string // the team's name or the people's names
	People, Done, InProgress, Overdue, N int
	MeanScore                            float64 // of those done
}

func (s *Server) describe(a store.Assignment) string {
	switch a.Kind {
	case store.AssignItems:
		return fmt.Sprintf("%d items", len(a.Items))
	case store.AssignDrill:
		return fmt.Sprintf("%d answers in %s", a.Count, a.Section)
	}
	title := a.Blueprint
	if b, _, err := s.blueprint(a.Blueprint); err == nil {
		title = b.Title
	}
	return "mock exam: " + title
}

// assignmentSummary counts completion over people (nil: the assignees).
func (s *Server) assignmentSummary(a store.Assignment, people []personCompetency) (assignmentSummary, error) {
	sum := assignmentSummary{Assignment: a, What: s.describe(a)}
	var users []store.User
	if people != nil {
		for _, p := range people {
			users = append(users, p.User)
		}
	} else {
		var err error
		if users, err = s.assignees(a); err != nil {
			return sum, err
		}
	}
	now := s.now()
	var total float64
	for _, u := range users {
		c, err := s.complete(a, u, now)
		if err != nil {
			return sum, err
		}
		sum.People++
		switch c.Status {
		case statusDone:
			sum.Done++
			total += c.Score
		case statusInProgress:
			sum.InProgress++
		case statusOverdue:
			sum.Overdue++
		}
	}
	if sum.Done > 0 {
		sum.MeanScore = total / float64(sum.Done)
	}
	sum.Target = s.target(a)
	return sum, nil
}

// target names whom a is for.
func (s *Server) target(a store.Assignment) string {
	if a.TeamID != "" {
		if t, err := s.db.Team(a.TeamID); err == nil {
			return "team " + t.Name
		}
		return "a deleted team"
	}
	people, _ := s.people(a.UserIDs)
	names := make([]string, len(people))
	for i, p := range people {
		names[i] = displayName(p)
	}
	return strings.Join(names, ", ")
}

// personAssign is one of a person's assignments and their progress on it.
type personAssign struct {
	store.Assignment
	What  string
	Start string // where to begin: the first item, the section's catalog, the exam
	completion
}

// personAssignments lists u's assignments that keep accepts (nil: all), due first.
func (s *Server) personAssignments(u store.User, keep func(a *store.Assignment) bool) ([]personAssign, error) {
	teams, err := s.db.Teams()
	if err != nil {
		return nil, err
	}
	var mine []string
	for _, t := range teams {
		if t.Has(u.ID) {
			mine = append(mine, t.ID)
		}
	}
	list, err := s.db.Assignments(func(a *store.Assignment) bool {
		return (slices.Contains(a.UserIDs, u.ID) || a.TeamID != "" && slices.Contains(mine, a.TeamID)) && (keep == nil || keep(a))
	})
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]personAssign, 0, len(list))
	for _, a := range list {
		c, err := s.complete(a, u, now)
		if err != nil {
			return nil, err
		}
		out = append(out, personAssign{Assignment: a, What: s.describe(a), Start: s.startLink(a, u), completion: c})
	}
	slices.SortStableFunc(out, func(a, b personAssign) int { return a.Due.Compare(b.Due) })
	return out, nil
}

// startLink is where u begins work on a.
func (s *Server) startLink(a store.Assignment, u store.User) string {
	switch a.Kind {
	case store.AssignItems:
		done, _ := s.db.ItemSummaries(u.ID)
		for _, id := range a.Items {
			if sum, ok := done[id]; !ok || sum.LastAt.Before(a.Created) {
				return "/practice/" + id
			}
		}
		return "/practice/" + a.Items[0]
	case store.AssignDrill:
		return "/practice?section=" + url.QueryEscape(a.Section)
	}
	return "/exams"
}

// --- creating ------------------------------------------------------------------------------

// assignRequest is what a person asks to assign (form or JSON).
type assignRequest struct {
	Title     string   `json:"title"`
	Kind      string   `json:"kind"`
	Items     []string `json:"items"`
	Section   string   `json:"section"`
	Count     int      `json:"count"`
	Blueprint string   `json:"blueprint"`
	Team      string   `json:"team"`   // a team ID…
	People    []string `json:"people"` // …or user names
	Due       string   `json:"due"`    // YYYY-MM-DD, the end of that day
}

// assign checks a request (against the catalog, and u's right to assign to the target) and
// stores it.
func (s *Server) assign(u store.User, req assignRequest) (store.Assignment, error) {
	a := store.Assignment{Title: req.Title, Kind: req.Kind, Section: req.Section, Count: req.Count, Blueprint: req.Blueprint,
		TeamID: req.Team, CreatedBy: u.ID, Created: s.now()}
	due, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(req.Due), time.Local)
	if err != nil {
		return a, badRequest("due", "give the due date as YYYY-MM-DD")
	}
	a.Due = due.Add(24*time.Hour - time.Second)
	if a.Due.Before(a.Created) {
		return a, badRequest("due", "the due date has passed")
	}
	switch req.Kind {
	case store.AssignItems:
		for _, id := range req.Items {
			if id = strings.TrimSpace(id); id == "" {
				continue
			}
			if _, ok := s.lib().Item(id); !ok {
				return a, badRequest("items", "no exercise has the id %q", id)
			}
			if !slices.Contains(a.Items, id) {
				a.Items = append(a.Items, id)
			}
		}
		if len(a.Items) == 0 {
			return a, badRequest("items", "list the items to do")
		}
		a.Section, a.Count, a.Blueprint = "", 0, ""
	case store.AssignDrill:
		if !slices.Contains(exercises.Sections, req.Section) {
			return a, badRequest("section", "%q is not a section", req.Section)
		}
		if req.Count < 1 || req.Count > 200 {
			return a, badRequest("count", "a drill is 1 to 200 answers")
		}
		a.Blueprint = ""
	case store.AssignExam:
		if _, _, err := s.blueprint(req.Blueprint); err != nil {
			return a, err
		}
		a.Section, a.Count = "", 0
	default:
		return a, badRequest("kind", "choose items, a drill or a mock exam")
	}
	if strings.TrimSpace(a.Title) == "" {
		a.Title = s.describe(a)
	}
	if req.Team != "" {
		t, err := s.db.Team(req.Team)
		if errors.Is(err, store.ErrNotFound) {
			return a, badRequest("team", "no team has the id %q", req.Team)
		}
		if err != nil {
			return a, err
		}
		if u.Role == store.Supervisor && !t.Supervises(u.ID) {
			return a, &httpError{Status: http.StatusForbidden, Msg: "you do not supervise this team", Field: "team"}
		}
	} else {
		supervised, err := s.visibleTeams(u)
		if err != nil {
			return a, err
		}
		for _, n := range req.People {
			if n = strings.TrimSpace(n); n == "" {
				continue
			}
			p, err := s.db.UserByName(n)
			if errors.Is(err, store.ErrNotFound) {
				return a, badRequest("people", "no account has the user name %q", n)
			}
			if err != nil {
				return a, err
			}
			// A supervisor assigns only to people in a team they supervise.
			if u.Role == store.Supervisor && !slices.ContainsFunc(supervised, func(t store.Team) bool { return t.Has(p.ID) }) {
				return a, &httpError{Status: http.StatusForbidden, Msg: n + " is not in a team you supervise", Field: "people"}
			}
			a.UserIDs = append(a.UserIDs, p.ID)
		}
		if len(a.UserIDs) == 0 {
			return a, badRequest("team", "choose a team or name the people")
		}
	}
	if err := s.db.CreateAssignment(&a); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			return a, badRequest("", "%s", storeMsg(err))
		}
		return a, err
	}
	return a, nil
}

// mayManage reports whether u may see the completion of a and delete it: its author, an
// administrator, or a supervisor of its team.
func (s *Server) mayManage(u store.User, a store.Assignment) bool {
	if u.Role == store.Admin || a.CreatedBy == u.ID {
		return true
	}
	if u.Role == store.Supervisor && a.TeamID != "" {
		t, err := s.db.Team(a.TeamID)
		return err == nil && t.Supervises(u.ID)
	}
	return false
}

// assignment loads the :id assignment for those who may manage it.
func (s *Server) assignment(c *gin.Context) (store.Assignment, error) {
	a, err := s.db.Assignment(c.Param("id"))
	if err != nil {
		return a, err
	}
	if u, _ := currentUser(c); !s.mayManage(u, a) {
		return a, &httpError{Status: http.StatusForbidden, Msg: "this assignment is someone else's"}
	}
	return a, nil
}

// assignmentRow is one person's line of an assignment's completion.
type assignmentRow struct {
	User store.User
	Name string
	completion
}

func (s *Server) assignmentRows(a store.Assignment) ([]assignmentRow, error) {
	people, err := s.assignees(a)
	if err != nil {
		return nil, err
	}
	now := s.now()
	rows := make([]assignmentRow, len(people))
	for i, p := range people {
		c, err := s.complete(a, p, now)
		if err != nil {
			return nil, err
		}
		rows[i] = assignmentRow{User: p, Name: displayName(p), completion: c}
	}
	return rows, nil
}

// --- pages ---------------------------------------------------------------------------------

type assignmentsView struct {
	Assignments []assignmentSummary
}

func (s *Server) assignmentsPage(c *gin.Context) error {
	u, _ := currentUser(c)
	list, err := s.db.Assignments(func(a *store.Assignment) bool { return s.mayManage(u, *a) })
	if err != nil {
		return err
	}
	var v assignmentsView
	for _, a := range list {
		sum, err := s.assignmentSummary(a, nil)
		if err != nil {
			return err
		}
		v.Assignments = append(v.Assignments, sum)
	}
	s.render(c, "assignments", page{Title: "Assignments", Nav: "assignments", Data: v})
	return nil
}

type newAssignmentView struct {
	Teams      []store.Team
	Sections   []string
	Exams      []*exercises.Blueprint
	Customs    []store.CustomExam
	Form       assignRequest
	Items      string
	Error      string
	Field      string
	DefaultDue string // a week from today
}

func (s *Server) newAssignmentPage(c *gin.Context) error {
	return s.renderNewAssignment(c, newAssignmentView{Form: assignRequest{Kind: store.AssignItems, Team: c.Query("team")}})
}

func (s *Server) renderNewAssignment(c *gin.Context, v newAssignmentView) error {
	u, _ := currentUser(c)
	var err error
	if u.Role == store.Supervisor {
		v.Teams, err = s.visibleTeams(u)
	} else {
		v.Teams, err = s.db.Teams()
	}
	if err != nil {
		return err
	}
	if v.Customs, err = s.db.CustomExams(); err != nil {
		return err
	}
	v.Sections, v.Exams = exercises.Sections, s.lib().Exams()
	v.DefaultDue = s.now().AddDate(0, 0, 7).Format("2006-01-02")
	if v.Form.Due == "" {
		v.Form.Due = v.DefaultDue
	}
	if v.Error != "" {
		c.Status(http.StatusBadRequest)
	}
	s.render(c, "assignment_new", page{Title: "New assignment", Nav: "assignments", Data: v})
	return nil
}

// splitList splits what a person typed into a list field (ids, user names) at commas and
// white space.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

func (s *Server) createAssignmentForm(c *gin.Context) error {
	u, _ := currentUser(c)
	count, _ := strconv.Atoi(strings.TrimSpace(c.PostForm("count")))
	req := assignRequest{Title: c.PostForm("title"), Kind: c.PostForm("kind"), Items: splitList(c.PostForm("items")),
		Section: c.PostForm("section"), Count: count, Blueprint: c.PostForm("blueprint"), Team: c.PostForm("team"),
		People: splitList(c.PostForm("people")), Due: c.PostForm("due")}
	a, err := s.assign(u, req)
	if he := (*httpError)(nil); errors.As(err, &he) && he.Status < 500 {
		return s.renderNewAssignment(c, newAssignmentView{Form: req, Items: c.PostForm("items"), Error: he.Msg, Field: he.Field})
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/assignments/"+a.ID)
	return nil
}

type assignmentView struct {
	Summary assignmentSummary
	Rows    []assignmentRow
}

func (s *Server) assignmentPage(c *gin.Context) error {
	a, err := s.assignment(c)
	if err != nil {
		return err
	}
	rows, err := s.assignmentRows(a)
	if err != nil {
		return err
	}
	sum, err := s.assignmentSummary(a, nil)
	if err != nil {
		return err
	}
	s.render(c, "assignment", page{Title: a.Title, Nav: "assignments", Data: assignmentView{Summary: sum, Rows: rows}})
	return nil
}

func (s *Server) deleteAssignmentForm(c *gin.Context) error {
	a, err := s.assignment(c)
	if err != nil {
		return err
	}
	if err := s.db.DeleteAssignment(a.ID); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/assignments")
	return nil
}
