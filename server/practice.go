package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"chartcode/exercises"
	"chartcode/server/store"
)

// catalogQuery is the filter of the catalog page and of GET /api/exercises.
type catalogQuery struct {
	Credential string
	Section    string
	Setting    string
	Difficulty int
	Type       string
	Status     string // "", "new" (not yet done), "wrong" (got wrong before), "done"
}

func parseCatalogQuery(c *gin.Context) (catalogQuery, error) {
	q := catalogQuery{Credential: c.Query("credential"), Section: c.Query("section"), Setting: c.Query("setting"),
		Type: c.Query("type"), Status: c.Query("status")}
	if d := c.Query("difficulty"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > 3 {
			return q, badRequest("difficulty", "difficulty is 1, 2 or 3")
		}
		q.Difficulty = n
	}
	switch {
	case q.Credential != "" && !slices.Contains(exercises.Credentials, q.Credential):
		return q, badRequest("credential", "unknown credential %q", q.Credential)
	case q.Section != "" && !slices.Contains(exercises.Sections, q.Section):
		return q, badRequest("section", "unknown section %q", q.Section)
	case q.Setting != "" && !slices.Contains(exercises.Settings, q.Setting):
		return q, badRequest("setting", "unknown setting %q", q.Setting)
	case q.Type != "" && q.Type != "case" && q.Type != "choice" && q.Type != "multi":
		return q, badRequest("type", "type is case, choice or multi")
	case q.Status != "" && q.Status != "new" && q.Status != "wrong" && q.Status != "done":
		return q, badRequest("status", "status is new, wrong or done")
	}
	return q, nil
}

// catalogEntry is one exercise in a list, with the person's record on it.
type catalogEntry struct {
	*exercises.Item
	Done   bool
	Best   float64
	Last   float64
	Tries  int
	LastID string
	Wrong  bool // the last attempt was not a full score
}

// requestCatalog reads the filter of a catalog request and lists the signed-in person's
// exercises under it: the shared part of the catalog page and GET /api/exercises.
func (s *Server) requestCatalog(c *gin.Context) (catalogQuery, []catalogEntry, error) {
	u, _ := currentUser(c)
	q, err := parseCatalogQuery(c)
	if err != nil {
		return q, nil, err
	}
	list, err := s.catalog(u, q)
	return q, list, err
}

func (s *Server) catalog(u store.User, q catalogQuery) ([]catalogEntry, error) {
	sums, err := s.db.ItemSummaries(u.ID)
	if err != nil {
		return nil, err
	}
	f := exercises.Filter{Credential: q.Credential, Section: q.Section, Setting: q.Setting, Difficulty: q.Difficulty}
	if q.Type != "" {
		f.Types = []exercises.Type{exercises.Type(q.Type)}
	}
	var out []catalogEntry
	for _, it := range s.lib().Filter(f) {
		e := catalogEntry{Item: it}
		if sum, ok := sums[it.ID]; ok {
			e.Done, e.Best, e.Last, e.Tries, e.LastID = true, sum.Best, sum.Last, sum.Attempts, sum.LastID
			e.Wrong = sum.Last < 100
		}
		switch q.Status {
		case "new":
			if e.Done {
				continue
			}
		case "done":
			if !e.Done {
				continue
			}
		case "wrong":
			if !e.Wrong {
				continue
			}
		}
		out = append(out, e)
	}
	return out, nil
}

func (s *Server) catalogPage(c *gin.Context) error {
	q, list, err := s.requestCatalog(c)
	if err != nil {
		return err
	}
	// Assigned to me: what is not done yet, due first.
	u, _ := currentUser(c)
	assigned, err := s.personAssignments(u, nil)
	if err != nil {
		return err
	}
	assigned = slices.DeleteFunc(assigned, func(a personAssign) bool { return a.Status == statusDone })
	s.render(c, "catalog", page{Title: "Practice", Nav: "practice", Data: map[string]any{
		"Query": q, "Items": list, "Credentials": exercises.Credentials, "Sections": exercises.Sections,
		"Settings": exercises.Settings, "Total": len(s.lib().Items()), "Assigned": assigned,
	}})
	return nil
}

func (s *Server) exercisePage(c *gin.Context) error {
	u, _ := currentUser(c)
	it, err := s.item(c.Param("id"))
	if err != nil {
		return err
	}
	sum, err := s.db.ItemSummary(u.ID, it.ID)
	if err != nil {
		return err
	}
	data := map[string]any{"Item": it.Public(), "Summary": sum, "Tried": sum.Attempts > 0}
	// The exercise is the same for everyone and rendered once; a prefilled answer makes it
	// personal, so that case renders afresh.
	if answer := c.Query("answer"); answer != "" {
		data["Answer"] = answer
	} else {
		data["Cached"], err = s.fragment("exercise", "item", fmt.Sprintf("exercise:%s@%d", it.ID, it.Version), data) // a new version, a new entry
		if err != nil {
			return err
		}
	}
	s.render(c, "exercise", page{Title: it.Title, Nav: "practice", Data: data})
	return nil
}

// submit grades a form submission and shows the result page (after the attempt is stored).
func (s *Server) submit(c *gin.Context) error {
	u, _ := currentUser(c)
	it, err := s.item(c.Param("id"))
	if err != nil {
		return err
	}
	sub := submission{Answer: c.PostForm("answer"), Choices: c.PostFormArray("choice")}
	out, err := s.grade(u, it, sub, "practice")
	if err != nil {
		if he, ok := err.(*httpError); ok && he.Status == http.StatusBadRequest {
			c.Status(http.StatusBadRequest)
			s.render(c, "exercise", page{Title: it.Title, Nav: "practice", Flash: he.Msg, Data: map[string]any{
				"Item": it.Public(), "Answer": sub.Answer}})
			return nil
		}
		return err
	}
	c.Redirect(http.StatusSeeOther, "/attempts/"+url.PathEscape(out.AttemptID))
	return nil
}

func (s *Server) resultPage(c *gin.Context) error {
	u, _ := currentUser(c)
	a, out, err := s.loadOutcome(u, c.Param("id"))
	if err != nil {
		return err
	}
	it := s.versionItem(a.ItemID, a.Version) // the version answered; a retired item still shows its stored result
	s.render(c, "result", page{Title: "Result", Nav: "practice", Data: map[string]any{
		"Attempt": a, "Outcome": out, "Item": it,
	}})
	return nil
}

func (s *Server) historyPage(c *gin.Context) error {
	u, _ := currentUser(c)
	list, err := s.db.Attempts(u.ID, c.Query("before"), 50)
	if err != nil {
		return err
	}
	type row struct {
		store.Attempt
		Title string
	}
	rows := make([]row, len(list))
	for i, a := range list {
		rows[i] = row{Attempt: a, Title: a.ItemID}
		if it, ok := s.lib().Item(a.ItemID); ok {
			rows[i].Title = it.Title
		}
	}
	next := ""
	if len(list) == 50 {
		next = list[len(list)-1].ID
	}
	s.render(c, "history", page{Title: "History", Nav: "progress", Data: map[string]any{"Rows": rows, "Next": next}})
	return nil
}
