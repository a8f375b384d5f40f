package server

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"chartcode/competency"
	"chartcode/exercises"
	"chartcode/server/store"
)

// Teams: supervisors (and administrators) group people into teams and watch their competency.
// A supervisor sees only the teams they supervise, and a person only through such a team.

// visibleTeams are the teams u may open: all for an administrator, the supervised ones for a
// supervisor.
func (s *Server) visibleTeams(u store.User) ([]store.Team, error) {
	all, err := s.db.Teams()
	if err != nil || u.Role == store.Admin {
		return all, err
	}
	return slices.DeleteFunc(all, func(t store.Team) bool { return !t.Supervises(u.ID) }), nil
}

// team loads the :id team for its supervisors and administrators; 403 for anyone else.
func (s *Server) team(c *gin.Context) (store.Team, error) {
	t, err := s.db.Team(c.Param("id"))
	if err != nil {
		return t, err
	}
	if u, _ := currentUser(c); u.Role != store.Admin && !t.Supervises(u.ID) {
		return t, &httpError{Status: http.StatusForbidden, Msg: "you do not supervise this team"}
	}
	return t, nil
}

// member loads the :uid person of team t; 404 when they are not in it.
func (s *Server) member(c *gin.Context, t store.Team) (store.User, error) {
	id := c.Param("uid")
	if !t.Has(id) {
		return store.User{}, &httpError{Status: http.StatusNotFound, Msg: "this person is not in the team"}
	}
	return s.db.User(id)
}

// people reads the accounts of ids, skipping those deleted since.
func (s *Server) people(ids []string) ([]store.User, error) {
	out := make([]store.User, 0, len(ids))
	for _, id := range ids {
		u, err := s.db.User(id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b store.User) int {
		return strings.Compare(strings.ToLower(displayName(a)), strings.ToLower(displayName(b)))
	})
	return out, nil
}

// teamCompetency assesses every member of t.
func (s *Server) teamCompetency(t store.Team) ([]personCompetency, error) {
	members, err := s.people(t.Members)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i] = m.ID
	}
	ev, err := s.db.Evidence(ids...)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]personCompetency, len(members))
	for i, m := range members {
		out[i] = assess(m, ev[m.ID], now)
	}
	return out, nil
}

// --- pages -------------------------------------------------------------------------------

type teamsView struct {
	Teams []teamRow
	Error string
	Name  string
}

type teamRow struct {
	store.Team
	Supervisors []string // names
}

func (s *Server) teamsPage(c *gin.Context) error {
	return s.renderTeams(c, teamsView{})
}

func (s *Server) renderTeams(c *gin.Context, v teamsView) error {
	u, _ := currentUser(c)
	teams, err := s.visibleTeams(u)
	if err != nil {
		return err
	}
	for _, t := range teams {
		sup, err := s.people(t.Supervisors)
		if err != nil {
			return err
		}
		row := teamRow{Team: t}
		for _, p := range sup {
			row.Supervisors = append(row.Supervisors, displayName(p))
		}
		v.Teams = append(v.Teams, row)
	}
	if v.Error != "" {
		c.Status(http.StatusBadRequest)
	}
	s.render(c, "teams", page{Title: "Teams", Nav: "teams", Data: v})
	return nil
}

// newTeam creates a team named name by u, who supervises it unless they are an administrator
// (who then adds supervisors).
func (s *Server) newTeam(u store.User, name string) (store.Team, error) {
	t := store.Team{Name: name, CreatedBy: u.ID, Created: s.now()}
	if u.Role == store.Supervisor {
		t.Supervisors = []string{u.ID}
	}
	if err := s.db.CreateTeam(&t); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			return t, badRequest("name", "%s", storeMsg(err))
		}
		return t, err
	}
	return t, nil
}

func (s *Server) createTeamForm(c *gin.Context) error {
	u, _ := currentUser(c)
	t, err := s.newTeam(u, c.PostForm("name"))
	if he := (*httpError)(nil); errors.As(err, &he) && he.Status == http.StatusBadRequest {
		return s.renderTeams(c, teamsView{Error: he.Msg, Name: c.PostForm("name")})
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/teams/"+t.ID)
	return nil
}

// teamView is the dashboard.
type teamView struct {
	Team        store.Team
	Members     []personCompetency // by name
	Supervisors []store.User
	Sections    []string
	Heatmap     string
	Trend       string
	Errors      []errorShare
	Attention   []personCompetency
	Assignments []assignmentSummary
	Benchmark   float64
	Flash       string
}

func (s *Server) teamDashboard(t store.Team) (*teamView, error) {
	people, err := s.teamCompetency(t)
	if err != nil {
		return nil, err
	}
	v := &teamView{Team: t, Members: people, Sections: usedSections(people), Benchmark: auditLine}
	if v.Supervisors, err = s.people(t.Supervisors); err != nil {
		return nil, err
	}
	rows := make([]heatRow, len(people))
	var errs competency.Errors
	for i := range people {
		p := &people[i]
		base := "/teams/" + t.ID + "/people/" + p.User.ID
		rows[i] = heatRow{Name: p.Name, Href: base}
		for _, sec := range v.Sections {
			cell := heatCell{Href: base + "?section=" + url.QueryEscape(sec)}
			if sc, ok := p.Sections[sec]; ok {
				cell.Known, cell.Level, cell.Acc, cell.Units = true, sc.Level, sc.Accuracy(), sc.Current.Units
			}
			rows[i].Cells = append(rows[i].Cells, cell)
		}
		for c, n := range p.Overall.Current.Errors {
			errs[c] += n
		}
		if p.needsAttention() {
			v.Attention = append(v.Attention, *p)
		}
	}
	v.Heatmap = heatmapSVG(v.Sections, rows)
	v.Errors = errorMix(errs)
	slices.SortFunc(v.Attention, func(a, b personCompetency) int { return attention(&a, &b) })
	v.Attention = v.Attention[:min(len(v.Attention), 5)]
	now := s.now()
	days, err := s.db.Days(now.AddDate(0, 0, -trendDays), now, t.Members...)
	if err != nil {
		return nil, err
	}
	v.Trend = trendSVG(dayTrend(sumDays(days)), "No graded work by this team in the last 90 days.")
	asg, err := s.db.Assignments(func(a *store.Assignment) bool { return a.TeamID == t.ID })
	if err != nil {
		return nil, err
	}
	for _, a := range asg {
		sum, err := s.assignmentSummary(a, people)
		if err != nil {
			return nil, err
		}
		v.Assignments = append(v.Assignments, sum)
	}
	return v, nil
}

func (s *Server) teamPage(c *gin.Context) error {
	t, err := s.team(c)
	if err != nil {
		return err
	}
	v, err := s.teamDashboard(t)
	if err != nil {
		return err
	}
	v.Flash = c.Query("msg")
	s.render(c, "team", page{Title: t.Name, Nav: "teams", Data: v})
	return nil
}

// changeMembers adds or removes people (by login name) as members or supervisors of team id.
func (s *Server) changeMembers(id string, add bool, asSupervisor bool, names []string) (store.Team, error) {
	var ids []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		u, err := s.db.UserByName(n)
		if errors.Is(err, store.ErrNotFound) {
			return store.Team{}, badRequest("username", "no account has the user name %q", n)
		}
		if err != nil {
			return store.Team{}, err
		}
		if asSupervisor && add && u.Role != store.Supervisor && u.Role != store.Admin {
			return store.Team{}, badRequest("username", "%s is a %s: only supervisors and administrators supervise teams", n, u.Role)
		}
		ids = append(ids, u.ID)
	}
	if len(ids) == 0 {
		return store.Team{}, badRequest("username", "name the people to add or remove")
	}
	return s.db.UpdateTeam(id, func(t *store.Team) error {
		list := &t.Members
		if asSupervisor {
			list = &t.Supervisors
		}
		if add {
			*list = append(*list, ids...)
		} else {
			*list = slices.DeleteFunc(*list, func(x string) bool { return slices.Contains(ids, x) })
		}
		return nil
	})
}

func (s *Server) teamMembersForm(c *gin.Context) error {
	t, err := s.team(c)
	if err != nil {
		return err
	}
	add := c.PostForm("action") != "remove"
	names := splitList(c.PostForm("username"))
	msg := "Team updated."
	if _, err := s.changeMembers(t.ID, add, c.PostForm("as") == "supervisor", names); err != nil {
		var he *httpError
		if !errors.As(err, &he) || he.Status >= 500 {
			return err
		}
		msg = he.Msg
	}
	c.Redirect(http.StatusSeeOther, "/teams/"+t.ID+"?msg="+url.QueryEscape(msg))
	return nil
}

func (s *Server) deleteTeamForm(c *gin.Context) error {
	t, err := s.team(c)
	if err != nil {
		return err
	}
	if err := s.db.DeleteTeam(t.ID); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/teams")
	return nil
}

// personView is a person's competency page within a team.
type personView struct {
	Team        store.Team
	Person      personCompetency
	Cells       []sectionCell // sections with evidence, weakest first
	Errors      []errorShare
	Trend       string
	Section     string         // the drill-down filter
	Attempts    []attemptRow   // newest first
	Assignments []personAssign // the person's assignments in this team
	Benchmark   float64
	Now         time.Time
}

type attemptRow struct {
	store.Attempt
	Title string
}

// personAttemptsShown bounds the attempts listed on a person's page.
const personAttemptsShown = 100

func (s *Server) personPage(c *gin.Context) error {
	v, err := s.personView(c, c.Query("section"))
	if err != nil {
		return err
	}
	s.render(c, "person", page{Title: v.Person.Name, Nav: "teams", Data: v})
	return nil
}

func (s *Server) personReport(c *gin.Context) error {
	v, err := s.personView(c, "")
	if err != nil {
		return err
	}
	s.render(c, "person_report", page{Title: v.Person.Name + " · competency report", Nav: "teams", Data: v})
	return nil
}

func (s *Server) personView(c *gin.Context, section string) (*personView, error) {
	t, err := s.team(c)
	if err != nil {
		return nil, err
	}
	u, err := s.member(c, t)
	if err != nil {
		return nil, err
	}
	ev, err := s.db.Evidence(u.ID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	v := &personView{Team: t, Person: assess(u, ev[u.ID], now), Section: section, Benchmark: auditLine, Now: now}
	for _, sec := range exercises.Sections {
		if cell, ok := v.Person.Sections[sec]; ok {
			v.Cells = append(v.Cells, cell)
		}
	}
	slices.SortStableFunc(v.Cells, func(a, b sectionCell) int {
		if a.Level == b.Level {
			return 0
		}
		return levelOrder(a) - levelOrder(b)
	})
	v.Errors = errorMix(v.Person.Overall.Current.Errors)
	days, err := s.db.Days(now.AddDate(0, 0, -trendDays), now, u.ID)
	if err != nil {
		return nil, err
	}
	v.Trend = trendSVG(dayTrend(days[u.ID]), "No graded work in the last 90 days.")
	atts, err := s.db.AttemptsFiltered(u.ID, personAttemptsShown, func(a *store.Attempt) bool { return section == "" || a.Section == section })
	if err != nil {
		return nil, err
	}
	for _, a := range atts {
		row := attemptRow{Attempt: a, Title: a.ItemID}
		if it, ok := s.lib().Item(a.ItemID); ok {
			row.Title = it.Title
		}
		v.Attempts = append(v.Attempts, row)
	}
	if v.Assignments, err = s.personAssignments(u, func(a *store.Assignment) bool { return a.TeamID == t.ID || slices.Contains(a.UserIDs, u.ID) }); err != nil {
		return nil, err
	}
	return v, nil
}

// levelOrder puts the levels needing attention first.
func levelOrder(c sectionCell) int {
	switch c.Level {
	case competency.NeedsReview:
		return 0
	case competency.Developing:
		return 1
	case competency.Proficient:
		return 2
	}
	return 3
}

// personAttempt shows one of a team member's answers, as the result page shows one's own.
func (s *Server) personAttempt(c *gin.Context) error {
	t, err := s.team(c)
	if err != nil {
		return err
	}
	u, err := s.member(c, t)
	if err != nil {
		return err
	}
	a, out, err := s.loadOutcome(u, c.Param("aid"))
	if err != nil {
		return err
	}
	it := s.versionItem(a.ItemID, a.Version)
	back := "/teams/" + t.ID + "/people/" + u.ID
	if sec := c.Query("section"); sec != "" {
		back += "?section=" + url.QueryEscape(sec)
	}
	s.render(c, "result", page{Title: displayName(u) + " · answer", Nav: "teams", Data: map[string]any{
		"Attempt": a, "Outcome": out, "Item": it, "Person": displayName(u), "Back": back,
	}})
	return nil
}
