package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// ExamRecord is one timed mock-exam sitting. The store keeps the exam engine's session as
// opaque JSON and only reads the fields it indexes: who, which blueprint, when it is due and
// whether it has been submitted.
type ExamRecord struct {
	ID          string          `json:"id"` // assigned by CreateExam: sortable by Started (attemptID)
	UserID      string          `json:"userId"`
	BlueprintID string          `json:"blueprintId"`
	Started     time.Time       `json:"started"`
	Deadline    time.Time       `json:"deadline"`
	Submitted   time.Time       `json:"submitted,omitzero"` // zero while the sitting is open
	Data        json.RawMessage `json:"data"`               // the caller's full session (exams.Session JSON)
	Report      json.RawMessage `json:"report,omitempty"`   // the graded report, once submitted
}

// maxExamIDLen bounds an exam ID a caller chooses.
const maxExamIDLen = 128

// checkExam validates the fields the store relies on.
func checkExam(r *ExamRecord) error {
	switch {
	case r.UserID == "" || strings.Contains(r.UserID, "/"):
		return fmt.Errorf("%w: exam needs a user ID without '/'", ErrInvalid)
	case r.BlueprintID == "":
		return fmt.Errorf("%w: exam needs a blueprint", ErrInvalid)
	case r.Started.Before(minAttemptTime()) || r.Started.After(maxAttemptTime()):
		return fmt.Errorf("%w: exam start %v out of range", ErrInvalid, r.Started)
	case r.Deadline.Before(r.Started) || r.Deadline.After(maxAttemptTime()):
		return fmt.Errorf("%w: exam deadline %v before its start or out of range", ErrInvalid, r.Deadline)
	case r.ID == "" || len(r.ID) > maxExamIDLen || strings.Contains(r.ID, "/"):
		return fmt.Errorf("%w: exam ID %q: use 1 to %d characters without '/'", ErrInvalid, r.ID, maxExamIDLen)
	case len(r.Data) == 0 || !json.Valid(r.Data):
		return fmt.Errorf("%w: exam data is not JSON", ErrInvalid)
	case len(r.Report) > 0 && !json.Valid(r.Report):
		return fmt.Errorf("%w: exam report is not JSON", ErrInvalid)
	}
	return nil
}

// dueKey is the key of an open sitting in bucketExamDue.
func dueKey(deadline time.Time, userID, id string) []byte {
	return []byte(timePrefix(deadline) + "/" + userID + "/" + id)
}

// CreateExam stores a new sitting for an existing user (ErrNotFound otherwise). It assigns ID
// when empty (from Started, which becomes now when zero) and writes them back to r on success.
// ErrInvalid without a blueprint, with a deadline before the start or with Data that is not
// JSON; ErrExists when the ID is taken.
func (s *Store) CreateExam(r *ExamRecord) error {
	v := *r
	if v.Started.IsZero() {
		v.Started = time.Now().UTC()
	}
	if v.ID == "" && !v.Started.Before(minAttemptTime()) && !v.Started.After(maxAttemptTime()) {
		v.ID = attemptID(v.Started, s.seq.Add(1))
	}
	if err := checkExam(&v); err != nil {
		return err
	}
	data, err := json.Marshal(&v)
	if err != nil {
		return fmt.Errorf("%w: exam: %v", ErrInvalid, err)
	}
	err = s.update("create exam", func(tx *bbolt.Tx) error {
		if _, err := getUser(tx, v.UserID); err != nil {
			return err
		}
		exams, err := nestedCreate(tx, bucketExams, v.UserID)
		if err != nil {
			return err
		}
		if exams.Get([]byte(v.ID)) != nil {
			return fmt.Errorf("%w: exam %s", ErrExists, v.ID)
		}
		if err := exams.Put([]byte(v.ID), data); err != nil {
			return err
		}
		if !v.Submitted.IsZero() {
			return nil
		}
		due, err := top(tx, bucketExamDue)
		if err != nil {
			return err
		}
		return due.Put(dueKey(v.Deadline, v.UserID, v.ID), nil)
	})
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// Exam returns one of a person's sittings.
func (s *Store) Exam(userID, id string) (ExamRecord, error) {
	var r ExamRecord
	err := s.view("exam", func(tx *bbolt.Tx) error {
		var err error
		_, r, err = getExam(tx, userID, id)
		return err
	})
	return r, err
}

// Exams returns all of a person's sittings, newest first.
func (s *Store) Exams(userID string) ([]ExamRecord, error) {
	var list []ExamRecord
	err := s.view("exams", func(tx *bbolt.Tx) error {
		b, err := nested(tx, bucketExams, userID)
		if err != nil || b == nil {
			return err
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var r ExamRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode exam %s: %w", k, err)
			}
			list = append(list, r)
		}
		return nil
	})
	return list, err
}

// LastExam returns a person's newest sitting of a blueprint; ErrNotFound when there is none.
func (s *Store) LastExam(userID, blueprintID string) (ExamRecord, error) {
	var r ExamRecord
	err := s.view("last exam", func(tx *bbolt.Tx) error {
		b, err := nested(tx, bucketExams, userID)
		if err != nil {
			return err
		}
		if b != nil {
			c := b.Cursor()
			for k, v := c.Last(); k != nil; k, v = c.Prev() {
				// Decode only the blueprint first: Data is the bulk of a record.
				var head struct {
					BlueprintID string `json:"blueprintId"`
				}
				if err := json.Unmarshal(v, &head); err != nil {
					return fmt.Errorf("decode exam %s: %w", k, err)
				}
				if head.BlueprintID != blueprintID {
					continue
				}
				if err := json.Unmarshal(v, &r); err != nil {
					return fmt.Errorf("decode exam %s: %w", k, err)
				}
				return nil
			}
		}
		return fmt.Errorf("%w: exam of blueprint %q", ErrNotFound, blueprintID)
	})
	return r, err
}

// UpdateExam applies fn to the stored sitting and saves the result, all in one write
// transaction, so that concurrent updates (two browser tabs saving different answers) each
// apply to the latest copy and none is lost. An error from fn aborts without writing and is
// returned (wrapped). fn must not change ID or UserID (ErrInvalid). Changing Deadline or
// Submitted moves the sitting in the due index. fn runs inside the transaction, which holds
// the database's only writer: it must be quick and must not call the Store.
//
// UpdateExam does not refuse a submitted sitting: fn decides, e.g. by returning an error when
// r.Submitted is set, so that a late save cannot alter a graded exam.
func (s *Store) UpdateExam(userID, id string, fn func(r *ExamRecord) error) error {
	return s.update("update exam", func(tx *bbolt.Tx) error {
		exams, r, err := getExam(tx, userID, id)
		if err != nil {
			return err
		}
		old := r
		if err := fn(&r); err != nil {
			return err
		}
		return putExam(tx, exams, &old, &r)
	})
}

// FinishExam submits a sitting and records its graded answers, all in one transaction: it
// loads the sitting, calls fn — which sets Submitted, Data and Report and returns the
// per-item attempts — then saves the sitting, takes it off the due index and adds every
// attempt with its item summary and aggregates as AddAttempt does. Each attempt gets an ID; a
// zero At becomes Submitted, an empty UserID the sitting's user. If fn leaves Submitted zero it
// becomes now. On success the assigned IDs and times are written back into the slice fn
// returned.
//
// When the sitting is already submitted FinishExam returns ErrExists without calling fn, so
// that of a sweeper and a person submitting at the same moment exactly one wins. An error from
// fn, or an invalid attempt (ErrInvalid), leaves everything as it was. As with UpdateExam, fn
// must be quick and must not call the Store.
func (s *Store) FinishExam(userID, id string, fn func(r *ExamRecord) ([]Attempt, error)) error {
	var (
		returned []Attempt // what fn returned, to write the IDs back into
		added    []Attempt
	)
	// db.Update, not Batch: fn is the caller's and need not be safe to run twice.
	err := s.update("finish exam", func(tx *bbolt.Tx) error {
		exams, r, err := getExam(tx, userID, id)
		if err != nil {
			return err
		}
		if !r.Submitted.IsZero() {
			return fmt.Errorf("%w: exam %s was submitted at %s", ErrExists, id, r.Submitted.Format(time.RFC3339))
		}
		old := r
		returned, err = fn(&r)
		if err != nil {
			return err
		}
		if r.Submitted.IsZero() {
			r.Submitted = time.Now().UTC()
		}
		if err := putExam(tx, exams, &old, &r); err != nil {
			return err
		}
		added = make([]Attempt, 0, len(returned))
		for i, a := range returned {
			if a.UserID == "" {
				a.UserID = r.UserID
			}
			if a.UserID != r.UserID {
				return fmt.Errorf("%w: exam %s attempt %d belongs to user %s", ErrInvalid, id, i, a.UserID)
			}
			if a.At.IsZero() {
				a.At = r.Submitted
			}
			data, keys, err := s.prepareAttempt(&a)
			if err != nil {
				return fmt.Errorf("exam %s attempt %d: %w", id, i, err)
			}
			if err := addAttempt(tx, &a, data, keys); err != nil {
				return err
			}
			added = append(added, a)
		}
		return nil
	})
	if err != nil {
		return err
	}
	copy(returned, added)
	return nil
}

// DueExams returns every unsubmitted sitting, of any user, whose Deadline is at or before now,
// earliest deadline first. It walks the due index, not the sittings. The caller passes the
// clock so that tests can move it.
func (s *Store) DueExams(now time.Time) ([]ExamRecord, error) {
	var list []ExamRecord
	err := s.view("due exams", func(tx *bbolt.Tx) error {
		due, err := top(tx, bucketExamDue)
		if err != nil || now.Before(minAttemptTime()) {
			return err
		}
		limit := []byte(timePrefix(now))
		if now.After(maxAttemptTime()) {
			limit = []byte(timePrefix(maxAttemptTime()))
		}
		c := due.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			prefix, rest, ok := bytes.Cut(k, []byte("/"))
			if !ok {
				return fmt.Errorf("bad exam due key %q", k)
			}
			if bytes.Compare(prefix, limit) > 0 {
				break
			}
			userID, id, ok := strings.Cut(string(rest), "/")
			if !ok {
				return fmt.Errorf("bad exam due key %q", k)
			}
			_, r, err := getExam(tx, userID, id)
			if err != nil {
				return fmt.Errorf("exam due key %q: %w", k, err)
			}
			list = append(list, r)
		}
		return nil
	})
	return list, err
}

// getExam loads a sitting and returns it with its user's bucket.
func getExam(tx *bbolt.Tx, userID, id string) (*bbolt.Bucket, ExamRecord, error) {
	var r ExamRecord
	b, err := nested(tx, bucketExams, userID)
	if err != nil {
		return nil, r, err
	}
	if b == nil || id == "" {
		return nil, r, fmt.Errorf("%w: exam %s", ErrNotFound, id)
	}
	if err := getJSON(b, id, &r); err != nil {
		if err == ErrNotFound {
			return nil, r, fmt.Errorf("%w: exam %s", ErrNotFound, id)
		}
		return nil, r, err
	}
	return b, r, nil
}

// putExam saves r, which was old before a change, and moves its due index entry.
func putExam(tx *bbolt.Tx, exams *bbolt.Bucket, old, r *ExamRecord) error {
	if r.ID != old.ID || r.UserID != old.UserID {
		return fmt.Errorf("%w: exam %s: the ID and user of a sitting cannot change", ErrInvalid, old.ID)
	}
	if err := checkExam(r); err != nil {
		return err
	}
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("%w: exam: %v", ErrInvalid, err)
	}
	due, err := top(tx, bucketExamDue)
	if err != nil {
		return err
	}
	if old.Submitted.IsZero() {
		if err := due.Delete(dueKey(old.Deadline, old.UserID, old.ID)); err != nil {
			return err
		}
	}
	if r.Submitted.IsZero() {
		if err := due.Put(dueKey(r.Deadline, r.UserID, r.ID), nil); err != nil {
			return err
		}
	}
	return exams.Put([]byte(r.ID), data)
}

// deleteUserExams removes a user's sittings and their due index entries.
func deleteUserExams(tx *bbolt.Tx, userID string) error {
	b, err := nested(tx, bucketExams, userID)
	if err != nil || b == nil {
		return err
	}
	due, err := top(tx, bucketExamDue)
	if err != nil {
		return err
	}
	err = b.ForEach(func(k, v []byte) error {
		var r ExamRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("decode exam %s: %w", k, err)
		}
		if r.Submitted.IsZero() {
			return due.Delete(dueKey(r.Deadline, r.UserID, r.ID))
		}
		return nil
	})
	if err != nil {
		return err
	}
	parent, err := top(tx, bucketExams)
	if err != nil {
		return err
	}
	return parent.DeleteBucket([]byte(userID))
}
