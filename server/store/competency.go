package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"chartcode/competency"
)

// Each attempt also feeds two small records written in its transaction, so that competency
// pages read a few kilobytes per person instead of scanning their attempts:
//
//   - the person's recent evidence per section (competency.Evidence, newest first, as many as
//     competency.Default.Keep() units need), and
//   - their totals per day, for trends.

// Day is a person's graded work on one day (UTC).
type Day struct {
	Date     string  `json:"date"` // YYYY-MM-DD
	Attempts int     `json:"attempts"`
	Units    int     `json:"units"` // as competency.Evidence counts them
	Correct  int     `json:"correct"`
	ScoreSum float64 `json:"scoreSum"`
}

const dayLayout = "2006-01-02"

// evidenceOf is what an attempt counts for in competency: its codes (key codes plus extra
// codes, the denominator of code-level accuracy) for a code-entry item, or one unit for a
// question, right only with full marks.
func evidenceOf(a *Attempt) competency.Evidence {
	e := competency.Evidence{At: a.At, Source: a.Source}
	if a.ItemType == "case" {
		e.Units, e.Correct, e.Errors = a.KeyCodes+a.Extra, a.Correct, competency.Classify(a.Findings)
		return e
	}
	e.Units = 1
	if a.Score >= 100 {
		e.Correct = 1
	}
	return e
}

// addEvidence records a's evidence and day totals, inside the attempt's transaction.
func addEvidence(tx *bbolt.Tx, a *Attempt) error {
	ev := evidenceOf(a)
	if a.Section != "" && ev.Units > 0 {
		b, err := nestedCreate(tx, bucketEvidence, a.UserID)
		if err != nil {
			return err
		}
		list, err := decodeEvidence(b.Get([]byte(a.Section)))
		if err != nil {
			return fmt.Errorf("evidence %s/%s: %w", a.UserID, a.Section, err)
		}
		if err := b.Put([]byte(a.Section), encodeEvidence(competency.Add(list, ev, competency.Default.Keep()))); err != nil {
			return err
		}
	}
	days, err := nestedCreate(tx, bucketDaily, a.UserID)
	if err != nil {
		return err
	}
	key := a.At.UTC().Format(dayLayout)
	d := Day{Date: key}
	if err := getJSON(days, key, &d); err != nil && err != ErrNotFound {
		return err
	}
	d.Attempts++
	d.Units += ev.Units
	d.Correct += ev.Correct
	d.ScoreSum += a.Score
	return putJSON(days, key, d)
}

// Evidence returns each person's recent evidence by section (newest first), for the people
// named, read in one transaction. People without any are left out.
func (s *Store) Evidence(userIDs ...string) (map[string]map[string][]competency.Evidence, error) {
	out := make(map[string]map[string][]competency.Evidence, len(userIDs))
	err := s.view("evidence", func(tx *bbolt.Tx) error {
		for _, id := range userIDs {
			b, err := nested(tx, bucketEvidence, id)
			if err != nil {
				return err
			}
			if b == nil {
				continue
			}
			bySection := map[string][]competency.Evidence{}
			err = b.ForEach(func(k, v []byte) error {
				list, err := decodeEvidence(v)
				if err != nil {
					return fmt.Errorf("decode evidence %s/%s: %w", id, k, err)
				}
				bySection[string(k)] = list
				return nil
			})
			if err != nil {
				return err
			}
			out[id] = bySection
		}
		return nil
	})
	return out, err
}

// Days returns each person's day totals from from to to (inclusive, UTC days), oldest first,
// for the people named.
func (s *Store) Days(from, to time.Time, userIDs ...string) (map[string][]Day, error) {
	lo, hi := []byte(from.UTC().Format(dayLayout)), to.UTC().Format(dayLayout)
	out := make(map[string][]Day, len(userIDs))
	err := s.view("days", func(tx *bbolt.Tx) error {
		for _, id := range userIDs {
			b, err := nested(tx, bucketDaily, id)
			if err != nil {
				return err
			}
			if b == nil {
				continue
			}
			c := b.Cursor()
			for k, v := c.Seek(lo); k != nil && string(k) <= hi; k, v = c.Next() {
				var d Day
				if err := json.Unmarshal(v, &d); err != nil {
					return fmt.Errorf("decode day %s/%s: %w", id, k, err)
				}
				out[id] = append(out[id], d)
			}
		}
		return nil
	})
	return out, err
}

// rebuildEvidence derives a person's evidence and day totals from their attempts, replacing
// what is stored (schema migration 1 → 2, and RecomputeEvidence).
func rebuildEvidence(tx *bbolt.Tx, userID string) error {
	for _, name := range []string{bucketEvidence, bucketDaily} {
		top, err := tx.CreateBucketIfNotExists([]byte(name))
		if err != nil {
			return err
		}
		if top.Bucket([]byte(userID)) != nil {
			if err := top.DeleteBucket([]byte(userID)); err != nil {
				return err
			}
		}
	}
	b, err := nested(tx, bucketAttempts, userID)
	if err != nil || b == nil {
		return err
	}
	return b.ForEach(func(k, v []byte) error {
		a, err := decodeAttempt(k, v)
		if err != nil {
			return err
		}
		return addEvidence(tx, &a)
	})
}

// migrateEvidence is schema step 1 → 2: evidence and day totals for every existing attempt.
func migrateEvidence(tx *bbolt.Tx) error {
	attempts := tx.Bucket([]byte(bucketAttempts))
	if attempts == nil {
		return nil
	}
	var users []string
	err := attempts.ForEach(func(k, v []byte) error {
		if v == nil {
			users = append(users, string(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range users {
		if err := rebuildEvidence(tx, id); err != nil {
			return fmt.Errorf("user %s: %w", id, err)
		}
	}
	return nil
}

// Evidence is read for every member of a team on each dashboard, so it is stored in a compact
// binary form rather than JSON (a 50-person dashboard decodes about 100,000 entries):
//
//	version byte (1), then per entry: At as varint Unix seconds, Units and Correct as uvarints,
//	a source byte (0 none, 1 practice, 2 exam, 3 live), a byte whose bit i says error class i
//	is present, then a uvarint count for each present class.
const evidenceVersion = 1

var evidenceSources = [...]string{"", "practice", "exam", "live"}

var errEvidence = errors.New("malformed evidence record")

func encodeEvidence(list []competency.Evidence) []byte {
	buf := make([]byte, 1, 1+len(list)*12)
	buf[0] = evidenceVersion
	for _, e := range list {
		buf = binary.AppendVarint(buf, e.At.Unix())
		buf = binary.AppendUvarint(buf, uint64(e.Units))
		buf = binary.AppendUvarint(buf, uint64(e.Correct))
		src := byte(0)
		for i, name := range evidenceSources {
			if name == e.Source {
				src = byte(i)
			}
		}
		var mask byte
		for c, n := range e.Errors {
			if n > 0 {
				mask |= 1 << c
			}
		}
		buf = append(buf, src, mask)
		for _, n := range e.Errors {
			if n > 0 {
				buf = binary.AppendUvarint(buf, uint64(n))
			}
		}
	}
	return buf
}

func decodeEvidence(b []byte) ([]competency.Evidence, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if b[0] != evidenceVersion {
		return nil, fmt.Errorf("%w: version %d", errEvidence, b[0])
	}
	b = b[1:]
	list := make([]competency.Evidence, 0, len(b)/9+1) // an entry takes 9 bytes or more
	uvarint := func() (int, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 || v > 1<<31 {
			return 0, false
		}
		b = b[n:]
		return int(v), true
	}
	for len(b) > 0 {
		var e competency.Evidence
		at, n := binary.Varint(b)
		if n <= 0 {
			return nil, errEvidence
		}
		b = b[n:]
		e.At = time.Unix(at, 0).UTC()
		var ok1, ok2 bool
		e.Units, ok1 = uvarint()
		e.Correct, ok2 = uvarint()
		if !ok1 || !ok2 || len(b) < 2 || int(b[0]) >= len(evidenceSources) {
			return nil, errEvidence
		}
		e.Source, b = evidenceSources[b[0]], b[1:]
		mask := b[0]
		b = b[1:]
		for c := range competency.NumClasses {
			if mask&(1<<c) != 0 {
				v, ok := uvarint()
				if !ok {
					return nil, errEvidence
				}
				e.Errors[c] = v
			}
		}
		list = append(list, e)
	}
	return list, nil
}
