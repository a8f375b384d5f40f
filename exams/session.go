// Package exams is the timed mock-exam engine as pure logic: drawing the items of a blueprint,
// the clock of a sitting, saving answers and flags, submitting, and grading the whole exam into
// a report. It does no I/O and reads no clock: every function that depends on the time takes
// it, and randomness comes in as a *rand.Rand, so that the store and the server decide where
// sessions live and tests decide what time it is.
//
// A Session is a plain value that serializes to JSON. Its methods change one item at a time,
// so that two browser tabs whose requests are applied one after the other to the latest stored
// copy never undo each other's work.
package exams

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"chartcode/exercises"
	"chartcode/grading"
)

// Who submitted an exam.
const (
	ByPerson = "person"
	ByClock  = "clock"
)

// MaxText is the longest code-entry answer accepted, in characters.
const MaxText = 4000

var (
	// ErrClosed is returned for a change to an exam whose time is up or that was submitted.
	ErrClosed = errors.New("the exam is closed")
	// ErrNotInExam is returned for an item that is not part of the exam.
	ErrNotInExam = errors.New("the item is not part of this exam")
	// ErrInvalidAnswer is returned for an answer that cannot be stored as it is.
	ErrInvalidAnswer = errors.New("invalid answer")
	// ErrNotSubmitted is returned when grading an exam that is still running.
	ErrNotSubmitted = errors.New("the exam has not been submitted")
)

// Session is one person's sitting of an exam.
type Session struct {
	ID          string   `json:"id"` // set by the caller (store)
	UserID      string   `json:"userId"`
	BlueprintID string   `json:"blueprintId"`
	Title       string   `json:"title"`
	Items       []string `json:"items"` // drawn item ids, in exam order (grouped by blueprint line)
	// Sections[i] is the blueprint section Items[i] was drawn for. It is kept so that the report
	// keeps its sections when the blueprint is edited or an item retired after the sitting.
	Sections    []string          `json:"sections"`
	Started     time.Time         `json:"started"`
	Deadline    time.Time         `json:"deadline"` // Started + TimeLimit
	PassMark    float64           `json:"passMark"`
	Mode        grading.Mode      `json:"mode"`    // for code-entry items
	Answers     map[string]Answer `json:"answers"` // by item id
	Submitted   time.Time         `json:"submitted,omitzero"`
	SubmittedBy string            `json:"submittedBy,omitempty"` // ByPerson or ByClock
}

// Answer is what a person saved for one item.
type Answer struct {
	Text    string    `json:"text,omitempty"`    // code-entry items
	Choices []string  `json:"choices,omitempty"` // choice/multi items: letters A-F, sorted
	Flagged bool      `json:"flagged,omitempty"`
	Saved   time.Time `json:"saved,omitzero"` // when the entry last changed
}

// Answered reports whether a holds a response (a flag alone is not one).
func (a Answer) Answered() bool { return strings.TrimSpace(a.Text) != "" || len(a.Choices) > 0 }

// Start begins a sitting of b with items (as drawn by Draw) at now.
func Start(id, userID string, b *exercises.Blueprint, items []string, now time.Time) *Session {
	now = stamp(now)
	return &Session{
		ID:          id,
		UserID:      userID,
		BlueprintID: b.ID,
		Title:       b.Title,
		Items:       slices.Clone(items),
		Sections:    lineSections(b, len(items)),
		Started:     now,
		Deadline:    now.Add(b.TimeLimit),
		PassMark:    b.PassMark,
		Mode:        b.Mode,
		Answers:     map[string]Answer{},
	}
}

// lineSections lays the sections of b's lines over n drawn items, as Draw groups them.
func lineSections(b *exercises.Blueprint, n int) []string {
	out := make([]string, 0, n)
	for _, l := range b.Sections {
		for range max(l.Count, 0) {
			if len(out) == n {
				return out
			}
			out = append(out, l.Section)
		}
	}
	for len(out) < n {
		out = append(out, "")
	}
	return out
}

// stamp is the form times are stored in: UTC without a monotonic reading, so that a session
// reads back from JSON exactly as it was written.
func stamp(t time.Time) time.Time { return t.UTC() }

// Remaining is the time left at now: never below 0, and 0 once submitted.
func (s *Session) Remaining(now time.Time) time.Duration {
	if !s.Submitted.IsZero() {
		return 0
	}
	return max(s.Deadline.Sub(now), 0)
}

// Open reports whether answers are accepted at now: not submitted and before the deadline.
func (s *Session) Open(now time.Time) bool {
	return s.Submitted.IsZero() && now.Before(s.Deadline)
}

// Due reports whether the exam is still unsubmitted at now although its time is up: the
// sweeper submits these.
func (s *Session) Due(now time.Time) bool {
	return s.Submitted.IsZero() && !now.Before(s.Deadline)
}

// closed returns the ErrClosed explaining why s takes no more changes at now, or nil.
func (s *Session) closed(now time.Time) error {
	switch {
	case !s.Submitted.IsZero():
		return fmt.Errorf("%w: it was submitted at %s", ErrClosed, s.Submitted.Format(time.RFC3339))
	case !now.Before(s.Deadline):
		return fmt.Errorf("%w: the time was up at %s", ErrClosed, s.Deadline.Format(time.RFC3339))
	}
	return nil
}

func (s *Session) check(itemID string, now time.Time) error {
	if err := s.closed(now); err != nil {
		return err
	}
	if !slices.Contains(s.Items, itemID) {
		return fmt.Errorf("%w: %q", ErrNotInExam, itemID)
	}
	return nil
}

// Save stores the response to one item at now, replacing the previous text and choices. The
// flag is not part of it (a.Flagged is ignored; see SetFlag), so that a tab holding a stale
// copy cannot clear a flag set in another. An empty answer clears the response.
//
// Text is at most MaxText characters of UTF-8; choices are letters A-F (any case), stored
// upper-cased, deduplicated and sorted; an answer has text or choices, not both.
func (s *Session) Save(itemID string, a Answer, now time.Time) error {
	if err := s.check(itemID, now); err != nil {
		return err
	}
	a, err := normalize(a)
	if err != nil {
		return err
	}
	old := s.Answers[itemID]
	a.Flagged, a.Saved = old.Flagged, stamp(now)
	s.put(itemID, a)
	return nil
}

// SetFlag marks or unmarks one item for review at now, keeping its response.
func (s *Session) SetFlag(itemID string, flagged bool, now time.Time) error {
	if err := s.check(itemID, now); err != nil {
		return err
	}
	a := s.Answers[itemID]
	a.Flagged, a.Saved = flagged, stamp(now)
	s.put(itemID, a)
	return nil
}

// put stores a, dropping entries that hold neither a response nor a flag.
func (s *Session) put(itemID string, a Answer) {
	if !a.Answered() && !a.Flagged {
		delete(s.Answers, itemID)
		return
	}
	if s.Answers == nil {
		s.Answers = map[string]Answer{}
	}
	s.Answers[itemID] = a
}

func normalize(a Answer) (Answer, error) {
	if a.Text != "" && len(a.Choices) > 0 {
		return a, fmt.Errorf("%w: an answer has either codes or choices, not both", ErrInvalidAnswer)
	}
	if !utf8.ValidString(a.Text) {
		return a, fmt.Errorf("%w: the text is not valid UTF-8", ErrInvalidAnswer)
	}
	if n := utf8.RuneCountInString(a.Text); n > MaxText {
		return a, fmt.Errorf("%w: the text has %d characters, at most %d are accepted", ErrInvalidAnswer, n, MaxText)
	}
	if strings.TrimSpace(a.Text) == "" {
		a.Text = ""
	}
	var picked [6]bool
	for _, c := range a.Choices {
		c = strings.TrimSpace(c)
		if len(c) != 1 || (c[0]|0x20) < 'a' || (c[0]|0x20) > 'f' {
			return a, fmt.Errorf("%w: choice %q is not a letter A-F", ErrInvalidAnswer, c)
		}
		picked[(c[0]|0x20)-'a'] = true
	}
	a.Choices = nil
	for i, p := range picked {
		if p {
			a.Choices = append(a.Choices, string(rune('A'+i)))
		}
	}
	return a, nil
}

// Progress counts the items answered and flagged, and the items of the exam.
func (s *Session) Progress() (answered, flagged, total int) {
	for _, id := range s.Items {
		a := s.Answers[id]
		if a.Answered() {
			answered++
		}
		if a.Flagged {
			flagged++
		}
	}
	return answered, flagged, len(s.Items)
}

// Unanswered returns the ids of the items without a response, in exam order.
func (s *Session) Unanswered() []string {
	var out []string
	for _, id := range s.Items {
		if !s.Answers[id].Answered() {
			out = append(out, id)
		}
	}
	return out
}

// Submit ends the exam at now. A submission at or after the deadline, by the person or the
// sweeper, is recorded as the clock's at the deadline: the answers saved before it count. The
// clock cannot submit before the deadline.
func (s *Session) Submit(by string, now time.Time) error {
	if !s.Submitted.IsZero() {
		return fmt.Errorf("%w: it was already submitted at %s", ErrClosed, s.Submitted.Format(time.RFC3339))
	}
	if by != ByPerson && by != ByClock {
		return fmt.Errorf("exams: submitted by %q, want %q or %q", by, ByPerson, ByClock)
	}
	if !now.Before(s.Deadline) {
		s.Submitted, s.SubmittedBy = s.Deadline, ByClock
		return nil
	}
	if by == ByClock {
		return fmt.Errorf("exams: the clock cannot submit %s before the deadline (%s left)", s.ID, s.Deadline.Sub(now))
	}
	s.Submitted, s.SubmittedBy = stamp(now), by
	return nil
}
