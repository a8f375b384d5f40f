package server

import (
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"chartcode/grading/codeset"
)

// codeView is a code as the lookup page and the API show it.
type codeView struct {
	System       codeset.System `json:"system"`
	Code         string         `json:"code"`
	Billable     bool           `json:"billable"`
	Discontinued string         `json:"discontinued,omitempty"`
	Description  string         `json:"description"`
}

func viewCode(e *codeset.Entry) codeView {
	return codeView{System: e.System, Code: e.Display(), Billable: e.Billable && e.Terminated == "", Discontinued: e.Terminated,
		Description: e.Description()}
}

// codeDetail is one code with its place in the hierarchy and its tabular notes.
type codeDetail struct {
	codeView
	Ancestors []codeView          `json:"ancestors"`
	Children  []codeView          `json:"children"`
	Notes     []noteGroup         `json:"notes,omitempty"`
	Seventh   []codeset.Extension `json:"seventh,omitempty"`
}

type noteGroup struct {
	At    string   `json:"at"` // the code the notes are attached to
	Kind  string   `json:"kind"`
	Notes []string `json:"notes"`
}

func (s *Server) searchCodes(q string, limit int, systems []codeset.System) []codeView {
	hits := s.book.Search(q, limit, systems...)
	out := make([]codeView, len(hits))
	for i, h := range hits {
		out[i] = viewCode(h.Entry)
	}
	return out
}

func (s *Server) codeDetail(sys codeset.System, code string) (*codeDetail, bool) {
	set := s.book.Set(sys)
	e, ok := set.Lookup(codeset.Normalize(code))
	if !ok {
		return nil, false
	}
	d := &codeDetail{codeView: viewCode(e), Ancestors: []codeView{}, Children: []codeView{}}
	chain := set.Ancestors(e.Code)
	for _, a := range chain {
		d.Ancestors = append(d.Ancestors, viewCode(a))
	}
	for _, k := range set.Children(e.Code) {
		d.Children = append(d.Children, viewCode(k))
	}
	for _, at := range append(chain, e) {
		n := set.Notes(at.Code)
		if n.Empty() {
			continue
		}
		for _, g := range n.Groups() {
			d.Notes = append(d.Notes, noteGroup{At: at.Display(), Kind: g.Kind, Notes: g.Notes})
		}
	}
	d.Seventh = set.Seventh(e.Code)
	return d, true
}

// findCode resolves a code typed without a system: the first system in which it exists.
func (s *Server) findCode(code, system string) (*codeDetail, error) {
	systems := codeset.Systems[:]
	if system != "" {
		sys, err := codeset.ParseSystem(system)
		if err != nil {
			return nil, badRequest("system", "%v", err)
		}
		systems = []codeset.System{sys}
	}
	n := codeset.Normalize(code)
	for _, sys := range systems {
		if d, ok := s.codeDetail(sys, n); ok {
			return d, nil
		}
	}
	return nil, &httpError{Status: http.StatusNotFound, Msg: "no code " + code + " in the loaded code sets"}
}

func (s *Server) codesPage(c *gin.Context) error {
	q := c.Query("q")
	data := map[string]any{"Q": q, "CPTMissing": s.book.Set(codeset.CPT) == nil}
	if code := c.Query("code"); code != "" {
		d, err := s.findCode(code, c.Query("system"))
		if err != nil {
			return err
		}
		data["Detail"] = d
	} else if q != "" {
		data["Results"] = s.searchCodes(q, 50, nil)
	}
	s.render(c, "codes", page{Title: "Code lookup", Nav: "codes", Data: data})
	return nil
}

func (s *Server) apiCodes(c *gin.Context) error {
	q := c.Query("q")
	if q == "" {
		return badRequest("q", "give q, a code or words to search for")
	}
	if utf8.RuneCountInString(q) > 200 {
		return badRequest("q", "the query is longer than 200 characters")
	}
	limit := 20
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			return badRequest("limit", "limit is 1 to 100")
		}
		limit = n
	}
	var systems []codeset.System
	if sys := c.Query("system"); sys != "" {
		v, err := codeset.ParseSystem(sys)
		if err != nil {
			return badRequest("system", "%v", err)
		}
		systems = append(systems, v)
	}
	c.Header("Cache-Control", "private, max-age=300")
	c.JSON(http.StatusOK, gin.H{"query": q, "results": s.searchCodes(q, limit, systems)})
	return nil
}

func (s *Server) apiCode(c *gin.Context) error {
	d, err := s.findCode(c.Param("code"), c.Query("system"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, d)
	return nil
}
