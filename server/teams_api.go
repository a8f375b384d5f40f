package server

import (
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chartcode/competency"
	"chartcode/server/store"
)

// The JSON API and CSV exports of teams, competency and assignments (docs/api.md).

type personRef struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	FullName string `json:"fullName,omitempty"`
}

func refs(users []store.User) []personRef {
	out := make([]personRef, len(users))
	for i, u := range users {
		out[i] = personRef{ID: u.ID, Name: u.Name, FullName: u.FullName}
	}
	return out
}

// assessmentJSON is an assessment as the API shows it.
type assessmentJSON struct {
	Level    competency.Level `json:"level"`
	Accuracy float64          `json:"accuracy"` // 0–1, of the current window
	Units    int              `json:"units"`    // codes (and questions) behind it
	Correct  int              `json:"correct"`
	Answers  int              `json:"answers"`
	From     time.Time        `json:"from,omitzero"`
	To       time.Time        `json:"to,omitzero"`
	Errors   map[string]int   `json:"errors,omitempty"`
}

func assessmentOf(a competency.Assessment) assessmentJSON {
	w := a.Current
	j := assessmentJSON{Level: a.Level, Accuracy: w.Accuracy(), Units: w.Units, Correct: w.Correct, Answers: w.Answers, From: w.From, To: w.To}
	for c := competency.Class(0); c < competency.NumClasses; c++ {
		if n := w.Errors[c]; n > 0 {
			if j.Errors == nil {
				j.Errors = map[string]int{}
			}
			j.Errors[c.String()] = n
		}
	}
	return j
}

type teamJSON struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Created     time.Time   `json:"created"`
	Supervisors []personRef `json:"supervisors"`
	Members     []personRef `json:"members"`
}

func (s *Server) teamJSON(t store.Team) (teamJSON, error) {
	sup, err := s.people(t.Supervisors)
	if err != nil {
		return teamJSON{}, err
	}
	mem, err := s.people(t.Members)
	if err != nil {
		return teamJSON{}, err
	}
	return teamJSON{ID: t.ID, Name: t.Name, Created: t.Created, Supervisors: refs(sup), Members: refs(mem)}, nil
}

func (s *Server) apiTeams(c *gin.Context) error {
	u, _ := currentUser(c)
	teams, err := s.visibleTeams(u)
	if err != nil {
		return err
	}
	out := make([]teamJSON, 0, len(teams))
	for _, t := range teams {
		j, err := s.teamJSON(t)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	c.JSON(http.StatusOK, gin.H{"teams": out})
	return nil
}

func (s *Server) apiCreateTeam(c *gin.Context) error {
	u, _ := currentUser(c)
	var req struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	t, err := s.newTeam(u, req.Name)
	if err != nil {
		return err
	}
	j, err := s.teamJSON(t)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, j)
	return nil
}

type memberJSON struct {
	personRef
	Overall  assessmentJSON            `json:"overall"`
	Sections map[string]assessmentJSON `json:"sections"`
}

func (s *Server) apiTeam(c *gin.Context) error {
	t, err := s.team(c)
	if err != nil {
		return err
	}
	v, err := s.teamDashboard(t)
	if err != nil {
		return err
	}
	j, err := s.teamJSON(t)
	if err != nil {
		return err
	}
	members := make([]memberJSON, len(v.Members))
	for i, p := range v.Members {
		m := memberJSON{personRef: personRef{ID: p.User.ID, Name: p.User.Name, FullName: p.User.FullName},
			Overall: assessmentOf(p.Overall), Sections: map[string]assessmentJSON{}}
		for sec, cell := range p.Sections {
			m.Sections[sec] = assessmentOf(cell.Assessment)
		}
		members[i] = m
	}
	attention := make([]string, len(v.Attention))
	for i, p := range v.Attention {
		attention[i] = p.User.ID
	}
	asg := make([]assignmentJSON, len(v.Assignments))
	for i, a := range v.Assignments {
		asg[i] = assignmentJSONOf(a)
	}
	c.JSON(http.StatusOK, gin.H{"team": j, "sections": nonNil(v.Sections), "competency": members, "errors": nonNil(v.Errors),
		"attention": attention, "assignments": asg, "benchmark": auditLine})
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (s *Server) apiChangeTeam(c *gin.Context) error {
	t, err := s.team(c)
	if err != nil {
		return err
	}
	var req struct {
		Name              *string  `json:"name"`
		AddMembers        []string `json:"addMembers"`
		RemoveMembers     []string `json:"removeMembers"`
		AddSupervisors    []string `json:"addSupervisors"`
		RemoveSupervisors []string `json:"removeSupervisors"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	for _, ch := range []struct {
		names           []string
		add, supervisor bool
	}{{req.AddMembers, true, false}, {req.RemoveMembers, false, false}, {req.AddSupervisors, true, true}, {req.RemoveSupervisors, false, true}} {
		if len(ch.names) > 0 {
			if t, err = s.changeMembers(t.ID, ch.add, ch.supervisor, ch.names); err != nil {
				return err
			}
		}
	}
	if req.Name != nil {
		t, err = s.db.UpdateTeam(t.ID, func(t *store.Team) error { t.Name = *req.Name; return nil })
		if err != nil {
			return badRequest("name", "%s", storeMsg(err))
		}
	}
	j, err := s.teamJSON(t)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, j)
	return nil
}

func (s *Server) apiDeleteTeam(c *gin.Context) error {
	t, err := s.team(c)
	if err != nil {
		return err
	}
	if err := s.db.DeleteTeam(t.ID); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (s *Server) apiPerson(c *gin.Context) error {
	v, err := s.personView(c, c.Query("section"))
	if err != nil {
		return err
	}
	sections := map[string]assessmentJSON{}
	for sec, cell := range v.Person.Sections {
		sections[sec] = assessmentOf(cell.Assessment)
	}
	type attemptJSON struct {
		ID       string         `json:"id"`
		At       time.Time      `json:"at"`
		Source   string         `json:"source"`
		ItemID   string         `json:"itemId"`
		Title    string         `json:"title"`
		Section  string         `json:"section"`
		Answer   string         `json:"answer"`
		Score    float64        `json:"score"`
		Correct  int            `json:"correct"`
		KeyCodes int            `json:"keyCodes"`
		Extra    int            `json:"extra"`
		Findings map[string]int `json:"findings,omitempty"`
	}
	atts := make([]attemptJSON, len(v.Attempts))
	for i, a := range v.Attempts {
		atts[i] = attemptJSON{ID: a.ID, At: a.At, Source: a.Source, ItemID: a.ItemID, Title: a.Title, Section: a.Section,
			Answer: a.Answer, Score: a.Score, Correct: a.Correct, KeyCodes: a.KeyCodes, Extra: a.Extra, Findings: a.Findings}
	}
	u := v.Person.User
	c.JSON(http.StatusOK, gin.H{"person": personRef{ID: u.ID, Name: u.Name, FullName: u.FullName}, "overall": assessmentOf(v.Person.Overall),
		"sections": sections, "errors": nonNil(v.Errors), "attempts": atts, "assignments": nonNil(personAssignJSON(v.Assignments))})
	return nil
}

// assignmentJSON is an assignment with its completion counts.
type assignmentJSON struct {
	store.Assignment
	What       string  `json:"what"`
	Target     string  `json:"target"`
	People     int     `json:"people"`
	Done       int     `json:"done"`
	InProgress int     `json:"inProgress"`
	Overdue    int     `json:"overdue"`
	MeanScore  float64 `json:"meanScore"`
}

func assignmentJSONOf(a assignmentSummary) assignmentJSON {
	return assignmentJSON{Assignment: a.Assignment, What: a.What, Target: a.Target, People: a.People, Done: a.Done,
		InProgress: a.InProgress, Overdue: a.Overdue, MeanScore: a.MeanScore}
}

type myAssignmentJSON struct {
	store.Assignment
	What  string     `json:"what"`
	Start string     `json:"start"`
	Me    completion `json:"progress"`
}

func personAssignJSON(list []personAssign) []myAssignmentJSON {
	out := make([]myAssignmentJSON, len(list))
	for i, a := range list {
		out[i] = myAssignmentJSON{Assignment: a.Assignment, What: a.What, Start: a.Start, Me: a.completion}
	}
	return out
}

func (s *Server) apiMyAssignments(c *gin.Context) error {
	u, _ := currentUser(c)
	list, err := s.personAssignments(u, nil)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"assignments": nonNil(personAssignJSON(list))})
	return nil
}

func (s *Server) apiAssignments(c *gin.Context) error {
	u, _ := currentUser(c)
	list, err := s.db.Assignments(func(a *store.Assignment) bool { return s.mayManage(u, *a) })
	if err != nil {
		return err
	}
	out := make([]assignmentJSON, 0, len(list))
	for _, a := range list {
		sum, err := s.assignmentSummary(a, nil)
		if err != nil {
			return err
		}
		out = append(out, assignmentJSONOf(sum))
	}
	c.JSON(http.StatusOK, gin.H{"assignments": out})
	return nil
}

func (s *Server) apiCreateAssignment(c *gin.Context) error {
	u, _ := currentUser(c)
	var req assignRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	a, err := s.assign(u, req)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, a)
	return nil
}

func (s *Server) apiAssignment(c *gin.Context) error {
	a, err := s.assignment(c)
	if err != nil {
		return err
	}
	rows, err := s.assignmentRows(a)
	if err != nil {
		return err
	}
	type row struct {
		personRef
		completion
	}
	out := make([]row, len(rows))
	for i, r := range rows {
		out[i] = row{personRef{ID: r.User.ID, Name: r.User.Name, FullName: r.User.FullName}, r.completion}
	}
	sum, err := s.assignmentSummary(a, nil)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"assignment": assignmentJSONOf(sum), "people": out})
	return nil
}

func (s *Server) apiDeleteAssignment(c *gin.Context) error {
	a, err := s.assignment(c)
	if err != nil {
		return err
	}
	if err := s.db.DeleteAssignment(a.ID); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// --- CSV -----------------------------------------------------------------------------------

// sendCSV starts a CSV download named name and writes header and rows with w.
func sendCSV(c *gin.Context, name string, header []string, rows func(w *csv.Writer) error) error {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	c.Header("Cache-Control", "no-store")
	return writeCSV(c.Writer, header, rows)
}

func writeCSV(out io.Writer, header []string, rows func(w *csv.Writer) error) error {
	w := csv.NewWriter(out)
	if err := w.Write(header); err != nil {
		return err
	}
	if err := rows(w); err != nil {
		return err
	}
	w.Flush()
	return w.Error()
}

func pct(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) }

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (s *Server) teamMatrixCSV(c *gin.Context) error {
	t, err := s.team(c)
	if err != nil {
		return err
	}
	people, err := s.teamCompetency(t)
	if err != nil {
		return err
	}
	header := []string{"person", "username", "section", "level", "accuracy_pct", "codes", "correct", "answers", "window_from", "window_to"}
	for c := competency.Class(0); c < competency.NumClasses; c++ {
		header = append(header, "errors_"+strings.NewReplacer(" ", "_", "/", "_").Replace(c.String()))
	}
	sections := usedSections(people)
	return sendCSV(c, "team-"+t.Name+"-competency.csv", header, func(w *csv.Writer) error {
		for _, p := range people {
			for _, sec := range sections {
				cell, ok := p.Sections[sec]
				if !ok {
					continue
				}
				cur := cell.Current
				row := []string{csvSafe(p.Name), csvSafe(p.User.Name), sec, cell.Level.String(), pct(cur.Accuracy()), strconv.Itoa(cur.Units),
					strconv.Itoa(cur.Correct), strconv.Itoa(cur.Answers), csvTime(cur.From), csvTime(cur.To)}
				for _, n := range cur.Errors {
					row = append(row, strconv.Itoa(n))
				}
				if err := w.Write(row); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

var completionHeader = []string{"assignment", "title", "what", "due", "person", "username", "status", "done", "total", "score", "finished"}

func (s *Server) completionRows(w *csv.Writer, a store.Assignment) error {
	rows, err := s.assignmentRows(a)
	if err != nil {
		return err
	}
	what := s.describe(a)
	for _, r := range rows {
		rec := []string{a.ID, csvSafe(a.Title), what, csvTime(a.Due), csvSafe(r.Name), csvSafe(r.User.Name), r.Status,
			strconv.Itoa(r.Done), strconv.Itoa(r.Total), strconv.FormatFloat(r.Score, 'f', 1, 64), csvTime(r.Finished)}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) teamAssignmentsCSV(c *gin.Context) error {
	t, err := s.team(c)
	if err != nil {
		return err
	}
	list, err := s.db.Assignments(func(a *store.Assignment) bool { return a.TeamID == t.ID })
	if err != nil {
		return err
	}
	return sendCSV(c, "team-"+t.Name+"-assignments.csv", completionHeader, func(w *csv.Writer) error {
		for _, a := range list {
			if err := s.completionRows(w, a); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Server) assignmentCSV(c *gin.Context) error {
	a, err := s.assignment(c)
	if err != nil {
		return err
	}
	return sendCSV(c, a.ID+"-completion.csv", completionHeader, func(w *csv.Writer) error { return s.completionRows(w, a) })
}

func (s *Server) personHistoryCSV(c *gin.Context) error {
	t, err := s.team(c)
	if err != nil {
		return err
	}
	u, err := s.member(c, t)
	if err != nil {
		return err
	}
	atts, err := s.db.AttemptsSince(u.ID, time.Unix(0, 0))
	if err != nil {
		return err
	}
	header := []string{"attempt", "at", "source", "item", "title", "section", "type", "answer", "score", "correct_codes", "key_codes", "extra_codes", "errors"}
	return sendCSV(c, u.Name+"-history.csv", header, func(w *csv.Writer) error {
		for i := len(atts) - 1; i >= 0; i-- {
			a := atts[i]
			title := a.ItemID
			if it, ok := s.lib().Item(a.ItemID); ok {
				title = it.Title
			}
			var errs []string
			for _, k := range slices.Sorted(maps.Keys(a.Findings)) {
				errs = append(errs, fmt.Sprintf("%s:%d", k, a.Findings[k]))
			}
			row := []string{a.ID, csvTime(a.At), a.Source, a.ItemID, title, a.Section, a.ItemType, csvSafe(a.Answer),
				strconv.FormatFloat(a.Score, 'f', 1, 64), strconv.Itoa(a.Correct), strconv.Itoa(a.KeyCodes), strconv.Itoa(a.Extra), strings.Join(errs, ";")}
			if err := w.Write(row); err != nil {
				return err
			}
		}
		return nil
	})
}
