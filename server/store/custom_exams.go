package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// CustomExam is a mock exam a trainer or an administrator made: either sections with counts
// drawn at random, or a fixed list of items in order. The store checks only its shape; the
// server checks it against the catalog.
type CustomExam struct {
	ID               string          `json:"id"` // assigned by CreateCustomExam: "custom-" + sortable ID
	Title            string          `json:"title"`
	CreatedBy        string          `json:"createdBy"` // user ID
	Created          time.Time       `json:"created"`
	Credentials      []string        `json:"credentials,omitempty"`
	TimeLimitMinutes int             `json:"timeLimitMinutes"`
	PassMark         float64         `json:"passMark"`
	Mode             string          `json:"mode,omitempty"` // practice or exam, for code items
	Sections         []CustomSection `json:"sections,omitempty"`
	Items            []string        `json:"items,omitempty"`
}

// CustomSection asks for Count items of a section, optionally of some types only.
type CustomSection struct {
	Section string   `json:"section"`
	Count   int      `json:"count"`
	Types   []string `json:"types,omitempty"`
}

// CustomExamPrefix starts every custom exam ID, so that they never collide with the catalog's.
const CustomExamPrefix = "custom-"

func checkCustomExam(e *CustomExam) error {
	n := len(e.Items)
	for _, s := range e.Sections {
		if s.Count < 1 || s.Section == "" {
			return fmt.Errorf("%w: custom exam section %q: count must be at least 1", ErrInvalid, s.Section)
		}
		n += s.Count
	}
	switch {
	case strings.TrimSpace(e.Title) == "":
		return fmt.Errorf("%w: custom exam needs a title", ErrInvalid)
	case e.CreatedBy == "":
		return fmt.Errorf("%w: custom exam needs its author", ErrInvalid)
	case e.TimeLimitMinutes < 1 || e.TimeLimitMinutes > 600:
		return fmt.Errorf("%w: custom exam time limit %d: want 1 to 600 minutes", ErrInvalid, e.TimeLimitMinutes)
	case e.PassMark < 1 || e.PassMark > 100:
		return fmt.Errorf("%w: custom exam pass mark %v: want 1 to 100", ErrInvalid, e.PassMark)
	case len(e.Sections) > 0 && len(e.Items) > 0:
		return fmt.Errorf("%w: custom exam: give sections or items, not both", ErrInvalid)
	case n == 0:
		return fmt.Errorf("%w: custom exam has no item", ErrInvalid)
	case !strings.HasPrefix(e.ID, CustomExamPrefix) || len(e.ID) > maxExamIDLen || strings.Contains(e.ID, "/"):
		return fmt.Errorf("%w: custom exam ID %q", ErrInvalid, e.ID)
	}
	return nil
}

// CreateCustomExam stores a new custom exam made by an existing user (ErrNotFound otherwise).
// It assigns ID and, when zero, Created, and writes them back to e on success. ErrInvalid
// without a title or items, or with a time limit or pass mark out of range.
func (s *Store) CreateCustomExam(e *CustomExam) error {
	v := *e
	if v.Created.IsZero() {
		v.Created = time.Now().UTC()
	}
	if v.Created.Before(minAttemptTime()) || v.Created.After(maxAttemptTime()) {
		return fmt.Errorf("%w: custom exam created %v out of range", ErrInvalid, v.Created)
	}
	v.ID = CustomExamPrefix + attemptID(v.Created, s.seq.Add(1))
	if err := checkCustomExam(&v); err != nil {
		return err
	}
	err := s.update("create custom exam", func(tx *bbolt.Tx) error {
		if _, err := getUser(tx, v.CreatedBy); err != nil {
			return err
		}
		b, err := top(tx, bucketCustomExams)
		if err != nil {
			return err
		}
		if b.Get([]byte(v.ID)) != nil {
			return fmt.Errorf("%w: custom exam %s", ErrExists, v.ID)
		}
		return putJSON(b, v.ID, &v)
	})
	if err != nil {
		return err
	}
	*e = v
	return nil
}

// CustomExam returns one custom exam; ErrNotFound when there is none with that ID.
func (s *Store) CustomExam(id string) (CustomExam, error) {
	var e CustomExam
	err := s.view("custom exam", func(tx *bbolt.Tx) error {
		b, err := top(tx, bucketCustomExams)
		if err != nil {
			return err
		}
		if id == "" {
			return fmt.Errorf("%w: custom exam", ErrNotFound)
		}
		if err := getJSON(b, id, &e); err != nil {
			if err == ErrNotFound {
				return fmt.Errorf("%w: custom exam %s", ErrNotFound, id)
			}
			return err
		}
		return nil
	})
	return e, err
}

// CustomExams returns every custom exam, newest first.
func (s *Store) CustomExams() ([]CustomExam, error) {
	var list []CustomExam
	err := s.view("custom exams", func(tx *bbolt.Tx) error {
		b, err := top(tx, bucketCustomExams)
		if err != nil {
			return err
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var e CustomExam
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode custom exam %s: %w", k, err)
			}
			list = append(list, e)
		}
		return nil
	})
	return list, err
}

// DeleteCustomExam removes a custom exam; ErrNotFound when there is none. Sittings of it keep
// their own copy of what they need (title, items, pass mark) and stay readable.
func (s *Store) DeleteCustomExam(id string) error {
	return s.update("delete custom exam", func(tx *bbolt.Tx) error {
		b, err := top(tx, bucketCustomExams)
		if err != nil {
			return err
		}
		if id == "" || b.Get([]byte(id)) == nil {
			return fmt.Errorf("%w: custom exam %s", ErrNotFound, id)
		}
		return b.Delete([]byte(id))
	})
}
