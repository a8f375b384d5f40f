package exercises

import (
	"strings"

	"gopkg.in/yaml.v3"

	"chartcode/grading/codeset"
)

// Draft is one content file checked on its own against a library: what the editor previews.
// At most one of Item, Quiz and Exam is set, and none when the file is too broken to read.
type Draft struct {
	Item *Item
	Quiz *LiveQuiz
	Exam *Blueprint
	// The id, type and title as the front matter gives them, read even when the file has
	// problems (so that an unfinished draft can still be saved under its id).
	Front struct{ ID, Type, Title string }
}

// ID is the draft's id, or "".
func (d Draft) ID() string {
	switch {
	case d.Item != nil:
		return d.Item.ID
	case d.Quiz != nil:
		return d.Quiz.ID
	case d.Exam != nil:
		return d.Exam.ID
	}
	return d.Front.ID
}

// Check reads and checks one file as part of lib: the checks of Load, with the file's items,
// quiz questions and exam pools looked up in lib, and its id refused when lib already uses it
// for something other than self (the id the file had before an edit, or "").
func Check(src Source, book *codeset.Book, lib *Catalog, self string) (Draft, Problems) {
	l := &loader{book: book, md: newMarkdown(), cat: newCatalog(), ids: map[string]Problem{}}
	if lib != nil {
		for _, it := range lib.items {
			if it.ID != self {
				l.cat.add(it)
			}
		}
	}
	l.file(src.Name, src.Data)
	var d Draft
	if doc, err := l.md.parse(src.Data); err == nil && doc.frontErr == nil && doc.front != nil && doc.front.Kind == yaml.MappingNode {
		c := doc.front.Content
		for i := 0; i+1 < len(c); i += 2 {
			if c[i+1].Kind != yaml.ScalarNode {
				continue
			}
			switch v := strings.TrimSpace(c[i+1].Value); c[i].Value {
			case "id":
				if idPattern.MatchString(v) {
					d.Front.ID = v
				}
			case "type":
				d.Front.Type = v
			case "title":
				d.Front.Title = v
			}
		}
	}
	for id, at := range l.ids {
		if lib != nil && id != self && lib.has(id) {
			l.add(at.File, at.Line, "id %q is already used in the library: choose another", id)
		}
		if it, ok := l.cat.byID[id]; ok && it.File == src.Name {
			d.Item = it
		}
	}
	if n := len(l.cat.quizzes); n > 0 {
		d.Quiz = l.cat.quizzes[n-1]
	}
	if n := len(l.cat.exams); n > 0 {
		d.Exam = l.cat.exams[n-1]
	}
	l.crossCheck() // the catalog holds lib's items and this file's own exams and quizzes
	l.problems.sort()
	return d, l.problems
}

// has reports whether the library uses id for an item, an exam or a quiz.
func (c *Catalog) has(id string) bool {
	if _, ok := c.byID[id]; ok {
		return true
	}
	_, okE := c.Exam(id)
	_, okQ := c.Quiz(id)
	return okE || okQ
}
