package server

import (
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"

	"chartcode/exercises"
	"chartcode/server/store"
)

// Authoring: trainers and administrators write content in the browser, in the Markdown format
// of the built-in library, check it against the same rules as `chartcode lint`, and publish it.
// Published items join the catalog; every publish makes a new version.

// authoredName is what messages call an authored item's file.
func authoredName(id string) string { return "authored/" + id + ".md" }

// rebuildCatalog loads the library files with the live version of every published item and
// swaps the result in. A published item that no longer passes the checks (a code set changed
// under it, say) is left out and logged, so that one bad item never takes the library down.
func (s *Server) rebuildCatalog() error {
	if s.content == nil {
		return errors.New("the library's files are not available to this server: authored items cannot be published")
	}
	s.rebuild.Lock()
	defer s.rebuild.Unlock()
	items, err := s.db.AuthoredItems()
	if err != nil {
		return err
	}
	live := store.LiveMarkdown(items)
	if len(live) == 0 {
		s.library.Store(s.base) // the library as loaded: nothing to add
		return nil
	}
	for range 2 {
		sources := make([]exercises.Source, 0, len(live))
		for id, v := range live {
			sources = append(sources, exercises.Source{Name: authoredName(id), Data: []byte(v.Markdown)})
		}
		slices.SortFunc(sources, func(a, b exercises.Source) int { return strings.Compare(a.Name, b.Name) })
		cat, problems := exercises.LoadAll(s.content, sources, s.book)
		bad := map[string]bool{}
		for _, p := range problems {
			if id, ok := strings.CutPrefix(p.File, "authored/"); ok {
				bad[strings.TrimSuffix(id, ".md")] = true
				s.log.Warn("authored item left out of the catalog", "problem", p.String())
			} else {
				return fmt.Errorf("content: %s", p)
			}
		}
		if len(bad) == 0 {
			for id, v := range live {
				if it, ok := cat.Item(id); ok {
					it.Version = v.N
				}
			}
			s.library.Store(cat)
			return nil
		}
		for id := range bad {
			delete(live, id)
		}
	}
	return errors.New("content: authored items kept failing the checks")
}

// draftFrom checks Markdown as the draft of self ("" for a new item) against the catalog.
func (s *Server) draftFrom(markdown, self string) (exercises.Draft, exercises.Problems) {
	name := authoredName(self)
	if self == "" {
		name = "new item"
	}
	return exercises.Check(exercises.Source{Name: name, Data: []byte(markdown)}, s.book, s.lib(), self)
}

// draftMeta reads the id, type and title of a checked draft.
func draftMeta(d exercises.Draft, markdown string) store.Draft {
	sd := store.Draft{ID: d.ID(), Type: d.Front.Type, Title: d.Front.Title, Markdown: markdown}
	switch {
	case d.Item != nil:
		sd.Type, sd.Title = string(d.Item.Type), d.Item.Title
	case d.Quiz != nil:
		sd.Type, sd.Title = string(exercises.Quiz), d.Quiz.Title
	case d.Exam != nil:
		sd.Type, sd.Title = string(exercises.Exam), d.Exam.Title
	}
	return sd
}

// problemJSON is a lint message as the editor shows it.
type problemJSON struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

func problemsJSON(ps exercises.Problems) []problemJSON {
	out := make([]problemJSON, len(ps))
	for i, p := range ps {
		out[i] = problemJSON{Line: p.Line, Message: p.Msg}
	}
	return out
}

// builtIn reports whether id belongs to the built-in library (not authored).
func (s *Server) builtIn(id string) bool {
	it, ok := s.lib().Item(id)
	return ok && it.Version == 0 && !strings.HasPrefix(it.File, "authored/")
}

// saveDraft checks and stores Markdown as a draft by u. self is the item being edited ("" for
// a new one): an edit may not change the id. Problems do not stop a draft from being saved —
// a draft may be unfinished — but they stop it from being published.
func (s *Server) saveDraft(u store.User, markdown, self string) (store.AuthoredItem, exercises.Problems, error) {
	if strings.TrimSpace(markdown) == "" {
		return store.AuthoredItem{}, nil, badRequest("markdown", "the item is empty")
	}
	d, problems := s.draftFrom(markdown, self)
	meta := draftMeta(d, markdown)
	switch {
	case meta.ID == "":
		return store.AuthoredItem{}, problems, &httpError{Status: http.StatusUnprocessableEntity, Field: "markdown",
			Msg: "the item needs a readable front matter with an id before it can be saved: " + firstProblem(problems)}
	case self != "" && meta.ID != self:
		return store.AuthoredItem{}, problems, badRequest("markdown", "the id of an item cannot change (it is %s); copy it into a new item instead", self)
	case self == "" && s.builtIn(meta.ID):
		return store.AuthoredItem{}, problems, &httpError{Status: http.StatusConflict, Field: "markdown", Msg: "the built-in library already has an item " + meta.ID}
	}
	if self == "" {
		if _, err := s.db.Authored(meta.ID); err == nil {
			return store.AuthoredItem{}, problems, &httpError{Status: http.StatusConflict, Field: "markdown", Msg: "an authored item " + meta.ID + " exists already: open it to edit"}
		}
	}
	a, err := s.db.SaveDraft(meta, u.ID, s.now())
	if errors.Is(err, store.ErrInvalid) {
		return a, problems, badRequest("markdown", "%s", storeMsg(err))
	}
	return a, problems, err
}

func firstProblem(ps exercises.Problems) string {
	if len(ps) == 0 {
		return "no id"
	}
	return fmt.Sprintf("line %d: %s", ps[0].Line, ps[0].Msg)
}

// publish makes an item's draft live, if it passes every check, and rebuilds the catalog.
func (s *Server) publish(u store.User, id string) (store.AuthoredItem, error) {
	a, err := s.db.Authored(id)
	if err != nil {
		return a, err
	}
	md := a.Draft
	if md == "" {
		md = a.Current()
	}
	if _, problems := s.draftFrom(md, id); len(problems) > 0 {
		return a, &httpError{Status: http.StatusUnprocessableEntity, Field: "markdown",
			Msg: fmt.Sprintf("fix %d problem(s) before publishing; the first: %s", len(problems), firstProblem(problems))}
	}
	if a, err = s.db.Publish(id, u.ID, s.now()); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			return a, badRequest("", "%s", storeMsg(err))
		}
		return a, err
	}
	return a, s.rebuildCatalog()
}

func (s *Server) retire(id string) (store.AuthoredItem, error) {
	a, err := s.db.Retire(id, s.now())
	if errors.Is(err, store.ErrInvalid) {
		return a, badRequest("", "%s", storeMsg(err))
	}
	if err != nil {
		return a, err
	}
	return a, s.rebuildCatalog()
}

// versionItem returns the item an attempt answered: the catalog's, or for an authored item
// answered in an older version, that version rendered again.
func (s *Server) versionItem(id string, version int) *exercises.Item {
	it, _ := s.lib().Item(id)
	if version == 0 || it != nil && it.Version == version {
		return it
	}
	a, err := s.db.Authored(id)
	if err != nil {
		return it
	}
	v, ok := a.Version(version)
	if !ok {
		return it
	}
	d, _ := exercises.Check(exercises.Source{Name: authoredName(id), Data: []byte(v.Markdown)}, s.book, nil, id)
	if d.Item == nil {
		return it
	}
	d.Item.Version = version
	return d.Item
}

// newItemMarkdown returns the starting Markdown of a new item of type t with the given id.
func newItemMarkdown(t exercises.Type, id string) string {
	switch t {
	case exercises.Choice, exercises.Multi:
		answer := "B"
		if t == exercises.Multi {
			answer = "[A, C]"
		}
		return `---
id: ` + id + `
type: ` + string(t) + `
title: "A short title for the question"
credentials: [CPC]
section: "ICD-10-CM"
setting: "physician office"
difficulty: 2
references:
  - "ICD-10-CM Official Guidelines I.A.1"
choices:
  A: "First choice"
  B: "Second choice"
  C: "Third choice"
  D: "Fourth choice"
answer: ` + answer + `
---

The question, as students will read it.

## Rationale

Why the answer is right and the others are not, citing the guideline.
`
	case exercises.Quiz:
		return `---
id: ` + id + `
type: quiz
title: "A live quiz"
items: [q-guide-004, q-guide-005]
seconds: 30
speed_points: true
streaks: true
leaderboard: true
---

What the quiz covers.
`
	}
	return `---
id: ` + id + `
type: case
title: "A short title for the case"
credentials: [CPC]
section: "E/M"
setting: "physician office"
difficulty: 2
diagnoses: "I10"
procedures: "99213"
references:
  - "ICD-10-CM Official Guidelines I.C.9.a"
---

**Chief complaint:** … (synthetic patient: no real names, dates or numbers)

## Rationale

Why each code is reported, citing the guideline.
`
}

// exportName is the file name of an item in an export zip.
func exportName(id string) string { return path.Clean(id) + ".md" }

// freeID returns the first id of the form PREFIX-org-NNN that neither the catalog nor an
// authored item uses, for a new item's starting Markdown.
func (s *Server) freeID(t exercises.Type) string {
	prefix := map[exercises.Type]string{exercises.Case: "case", exercises.Choice: "q", exercises.Multi: "q", exercises.Quiz: "quiz"}[t]
	if prefix == "" {
		prefix = "case"
	}
	for n := 1; ; n++ {
		id := fmt.Sprintf("%s-org-%03d", prefix, n)
		_, inLib := s.lib().Item(id)
		_, isQuiz := s.lib().Quiz(id)
		if _, err := s.db.Authored(id); !inLib && !isQuiz && errors.Is(err, store.ErrNotFound) {
			return id
		}
	}
}
