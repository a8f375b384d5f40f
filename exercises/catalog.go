package exercises

import (
	"cmp"
	"slices"
)

// Catalog holds the loaded content. It is read-only after Load and safe for concurrent use.
type Catalog struct {
	items   []*Item
	byID    map[string]*Item
	exams   []*Blueprint
	quizzes []*LiveQuiz
}

func newCatalog() *Catalog { return &Catalog{byID: map[string]*Item{}} }

func (c *Catalog) add(it *Item) {
	c.items = append(c.items, it)
	c.byID[it.ID] = it
}

// finish orders items by section (blueprint order), then id.
func (c *Catalog) finish() {
	slices.SortFunc(c.items, func(a, b *Item) int {
		return cmp.Or(cmp.Compare(slices.Index(Sections, a.Section), slices.Index(Sections, b.Section)), cmp.Compare(a.ID, b.ID))
	})
	slices.SortFunc(c.exams, func(a, b *Blueprint) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(c.quizzes, func(a, b *LiveQuiz) int { return cmp.Compare(a.ID, b.ID) })
}

// Item returns the exercise with the given id.
func (c *Catalog) Item(id string) (*Item, bool) {
	it, ok := c.byID[id]
	return it, ok
}

// Items returns every exercise, by section then id. The slice must not be modified.
func (c *Catalog) Items() []*Item { return c.items }

// Exams returns the exam blueprints.
func (c *Catalog) Exams() []*Blueprint { return c.exams }

// Exam returns the blueprint with the given id.
func (c *Catalog) Exam(id string) (*Blueprint, bool) {
	i := slices.IndexFunc(c.exams, func(b *Blueprint) bool { return b.ID == id })
	if i < 0 {
		return nil, false
	}
	return c.exams[i], true
}

// Quizzes returns the live-quiz definitions.
func (c *Catalog) Quizzes() []*LiveQuiz { return c.quizzes }

// Quiz returns the live quiz with the given id.
func (c *Catalog) Quiz(id string) (*LiveQuiz, bool) {
	i := slices.IndexFunc(c.quizzes, func(q *LiveQuiz) bool { return q.ID == id })
	if i < 0 {
		return nil, false
	}
	return c.quizzes[i], true
}

// Filter selects exercises; zero fields match everything.
type Filter struct {
	Credential string
	Section    string
	Setting    string
	Difficulty int
	Types      []Type
}

// Match reports whether it passes the filter.
func (f Filter) Match(it *Item) bool {
	return (f.Credential == "" || it.HasCredential(f.Credential)) &&
		(f.Section == "" || it.Section == f.Section) &&
		(f.Setting == "" || it.Setting == f.Setting) &&
		(f.Difficulty == 0 || it.Difficulty == f.Difficulty) &&
		(len(f.Types) == 0 || slices.Contains(f.Types, it.Type))
}

// Filter returns the exercises that pass f, in catalog order.
func (c *Catalog) Filter(f Filter) []*Item {
	var out []*Item
	for _, it := range c.items {
		if f.Match(it) {
			out = append(out, it)
		}
	}
	return out
}

// Pool returns the items an exam section draws from: the section's items of the allowed types
// that prepare for one of the blueprint's credentials.
func (c *Catalog) Pool(b *Blueprint, s SectionCount) []*Item {
	types := s.Types
	if len(types) == 0 {
		types = b.Types
	}
	var out []*Item
	for _, it := range c.items {
		if it.Section != s.Section || !slices.Contains(types, it.Type) {
			continue
		}
		if slices.ContainsFunc(b.Credentials, it.HasCredential) {
			out = append(out, it)
		}
	}
	return out
}
