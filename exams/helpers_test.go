package exams_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"chartcode/content"
	"chartcode/exams"
	"chartcode/exercises"
	"chartcode/grading/codeset"
)

type library struct {
	cat  *exercises.Catalog
	book *codeset.Book
}

// builtin loads the built-in library once for the whole test binary; it is read-only.
var builtin = sync.OnceValues(func() (library, error) {
	sets, err := codeset.LoadBuiltin(content.Codesets())
	if err != nil {
		return library{}, err
	}
	book := codeset.NewBook(sets...)
	cat, problems := exercises.Load(content.Library(), book)
	if len(problems) > 0 {
		return library{}, fmt.Errorf("the built-in library does not pass lint:\n%v", problems)
	}
	return library{cat, book}, nil
})

func load(tb testing.TB) (*exercises.Catalog, *codeset.Book) {
	tb.Helper()
	l, err := builtin()
	if err != nil {
		tb.Fatal(err)
	}
	return l.cat, l.book
}

func blueprint(tb testing.TB, cat *exercises.Catalog, id string) *exercises.Blueprint {
	tb.Helper()
	b, ok := cat.Exam(id)
	if !ok {
		tb.Fatalf("no blueprint %s in the built-in library", id)
	}
	return b
}

// clock is the tests' time source: a fixed start that moves only when told.
type clock struct{ now time.Time }

func newClock() *clock { return &clock{now: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { return c.now }

func (c *clock) Advance(d time.Duration) time.Time {
	c.now = c.now.Add(d)
	return c.now
}

// sit draws blueprint id with a fixed seed and starts a session at the clock's time.
func sit(tb testing.TB, id string, c *clock) (*exercises.Blueprint, *exams.Session) {
	tb.Helper()
	cat, _ := load(tb)
	b := blueprint(tb, cat, id)
	items, err := exams.Draw(b, cat, nil, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		tb.Fatal(err)
	}
	return b, exams.Start("s-"+id, "u1", b, items, c.Now())
}

// perfect is the full-marks answer to it.
func perfect(it *exercises.Item) exams.Answer {
	if it.Type != exercises.Case {
		return exams.Answer{Choices: it.Answer}
	}
	var codes []string
	for _, l := range it.Key.Lines {
		if l.Optional {
			continue
		}
		c := l.Codes[0]
		code := c.Display() + c.Modifiers.String()
		if c.Units > 1 {
			code += fmt.Sprintf(" x%d", c.Units)
		}
		codes = append(codes, code)
	}
	return exams.Answer{Text: strings.Join(codes, ", ")}
}

// wrong is an answer to it that earns nothing.
func wrong(it *exercises.Item) exams.Answer {
	if it.Type == exercises.Case {
		return exams.Answer{Text: "Z00.00"}
	}
	for _, o := range it.Choices {
		if !strings.Contains(strings.Join(it.Answer, ""), o.Letter) {
			return exams.Answer{Choices: []string{o.Letter}}
		}
	}
	panic("every choice of " + it.ID + " is correct")
}

func set(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func ids(items []*exercises.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}
