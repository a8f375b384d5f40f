package store

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"go.etcd.io/bbolt"
)

// Attempt is one graded answer to one exercise.
type Attempt struct {
	ID          string          `json:"id"` // assigned by AddAttempt: sortable by time (attemptID)
	UserID      string          `json:"userId"`
	ItemID      string          `json:"itemId"`
	Version     int             `json:"version,omitempty"` // the version of an authored item answered (0: built-in)
	ItemType    string          `json:"itemType"`          // case, choice, multi
	Section     string          `json:"section"`
	Credentials []string        `json:"credentials"`
	Source      string          `json:"source"` // practice, exam, live
	At          time.Time       `json:"at"`
	Answer      string          `json:"answer"`             // as typed (codes) or the letters picked, e.g. "B" / "A,C"
	Score       float64         `json:"score"`              // 0-100
	Correct     int             `json:"correct"`            // exactly correct codes (or 1/0 for a fully right choice item)
	KeyCodes    int             `json:"keyCodes"`           // codes in the key
	Extra       int             `json:"extra"`              // codes given that are not in the key
	Findings    map[string]int  `json:"findings,omitempty"` // error mix: status name → count (specificity, modifier, missing, ...)
	Result      json.RawMessage `json:"result"`             // the full graded result as the server rendered it, kept for the result page
}

// ItemSummary is a person's record on one exercise.
type ItemSummary struct {
	ItemID   string    `json:"itemId"`
	Attempts int       `json:"attempts"`
	Best     float64   `json:"best"`
	Last     float64   `json:"last"` // score of the latest attempt (by At)
	LastAt   time.Time `json:"lastAt"`
	LastID   string    `json:"lastId"`
}

func (s *ItemSummary) add(a *Attempt) {
	s.Attempts++
	if s.Attempts == 1 || a.Score > s.Best {
		s.Best = a.Score
	}
	// Compare IDs rather than trusting arrival order, so that the result does not depend on
	// the order concurrent submissions commit in.
	if a.ID > s.LastID {
		s.Last, s.LastAt, s.LastID = a.Score, a.At, a.ID
	}
}

// Aggregate holds a person's running totals over one slice of their attempts, named by Key.
type Aggregate struct {
	Key      string         `json:"key"` // KeyAll, SectionKey(...) or CredentialKey(...)
	Attempts int            `json:"attempts"`
	ScoreSum float64        `json:"scoreSum"`
	Correct  int            `json:"correct"`
	KeyCodes int            `json:"keyCodes"`
	Extra    int            `json:"extra"`
	Findings map[string]int `json:"findings,omitempty"`
	Last     time.Time      `json:"last"` // the latest At
}

// Aggregate keys: every attempt counts towards KeyAll, its section and each of its credentials.
const KeyAll = "all"

// SectionKey is the aggregate key of an exam section (domain), e.g. "section:E/M".
func SectionKey(section string) string { return "section:" + section }

// CredentialKey is the aggregate key of a credential, e.g. "credential:CPC".
func CredentialKey(credential string) string { return "credential:" + credential }

// MeanScore is ScoreSum/Attempts, 0 when none.
func (g Aggregate) MeanScore() float64 {
	if g.Attempts == 0 {
		return 0
	}
	return g.ScoreSum / float64(g.Attempts)
}

// Accuracy is Correct/(KeyCodes+Extra), 0 when none.
func (g Aggregate) Accuracy() float64 {
	if g.KeyCodes+g.Extra == 0 {
		return 0
	}
	return float64(g.Correct) / float64(g.KeyCodes+g.Extra)
}

func (g *Aggregate) add(a *Attempt) {
	g.Attempts++
	g.ScoreSum += a.Score
	g.Correct += a.Correct
	g.KeyCodes += a.KeyCodes
	g.Extra += a.Extra
	for k, n := range a.Findings {
		if g.Findings == nil {
			g.Findings = make(map[string]int)
		}
		g.Findings[k] += n
	}
	if a.At.After(g.Last) {
		g.Last = a.At
	}
}

// aggregateKeys lists the aggregates an attempt counts towards, each once.
func aggregateKeys(a *Attempt) []string {
	keys := []string{KeyAll}
	if a.Section != "" {
		keys = append(keys, SectionKey(a.Section))
	}
	for _, c := range a.Credentials {
		if c != "" && !slices.Contains(keys, CredentialKey(c)) {
			keys = append(keys, CredentialKey(c))
		}
	}
	return keys
}

// Attempt IDs are 16 hex digits of the big-endian UnixNano of At then 4 of a sequence, so that
// byte order is time order. That needs At where UnixNano is defined and not negative: from 1970
// to 2262.
func minAttemptTime() time.Time { return time.Unix(0, 0) }
func maxAttemptTime() time.Time { return time.Unix(0, math.MaxInt64) }

func attemptID(at time.Time, seq uint32) string {
	return fmt.Sprintf("%016x%04x", uint64(at.UnixNano()), seq&0xffff)
}

// timePrefix is the ID prefix of attempts at t.
func timePrefix(t time.Time) string {
	return fmt.Sprintf("%016x", uint64(t.UnixNano()))
}

// AddAttempt stores an attempt and, in the same transaction, updates the person's summary of
// the item and their aggregates. It returns once the transaction has committed, so the caller
// may acknowledge the submission. It assigns ID (and At when zero) and writes them back to a on
// success. ErrInvalid without a user or item, or with a score outside [0,100]; ErrNotFound for
// an unknown user. Safe for many concurrent callers, whose attempts share a commit (db.Batch)
// unless Options.NoBatch.
func (s *Store) AddAttempt(a *Attempt) error {
	v := *a
	// Encode once, outside the transaction: db.Batch may run the function more than once, and
	// each run must write exactly the same thing.
	data, keys, err := s.prepareAttempt(&v)
	if err != nil {
		return err
	}
	fn := func(tx *bbolt.Tx) error { return addAttempt(tx, &v, data, keys) }
	if s.noBatch {
		err = s.db.Update(fn)
	} else {
		err = s.db.Batch(fn)
	}
	if err = wrap("add attempt", err); err != nil {
		return err
	}
	*a = v
	return nil
}

// AddAttempts stores many attempts in one transaction, each as AddAttempt would (imports and
// seeding). On error nothing is stored.
func (s *Store) AddAttempts(list []*Attempt) error {
	type prepared struct {
		a    Attempt
		data []byte
		keys []string
	}
	ps := make([]prepared, len(list))
	for i, a := range list {
		ps[i].a = *a
		var err error
		if ps[i].data, ps[i].keys, err = s.prepareAttempt(&ps[i].a); err != nil {
			return err
		}
	}
	err := s.update("add attempts", func(tx *bbolt.Tx) error {
		for i := range ps {
			if err := addAttempt(tx, &ps[i].a, ps[i].data, ps[i].keys); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, a := range list {
		*a = ps[i].a
	}
	return nil
}

// prepareAttempt validates a, sets At to now when zero, assigns its ID, and returns its
// encoding and aggregate keys: everything addAttempt needs.
func (s *Store) prepareAttempt(a *Attempt) (data []byte, keys []string, err error) {
	switch {
	case a.UserID == "" || a.ItemID == "":
		return nil, nil, fmt.Errorf("%w: attempt needs a user and an item", ErrInvalid)
	case !(a.Score >= 0 && a.Score <= 100): // also refuses NaN
		return nil, nil, fmt.Errorf("%w: attempt score %v outside 0-100", ErrInvalid, a.Score)
	case a.Correct < 0 || a.KeyCodes < 0 || a.Extra < 0:
		return nil, nil, fmt.Errorf("%w: attempt counts must not be negative", ErrInvalid)
	}
	if a.At.IsZero() {
		a.At = time.Now().UTC()
	}
	if a.At.Before(minAttemptTime()) || a.At.After(maxAttemptTime()) {
		return nil, nil, fmt.Errorf("%w: attempt time %v out of range", ErrInvalid, a.At)
	}
	a.ID = attemptID(a.At, s.seq.Add(1))
	if data, err = json.Marshal(a); err != nil {
		return nil, nil, fmt.Errorf("%w: attempt: %v", ErrInvalid, err)
	}
	return data, aggregateKeys(a), nil
}

// addAttempt is the transaction of AddAttempt. It reads only the transaction and its
// arguments, which it does not modify, so db.Batch may re-run it.
func addAttempt(tx *bbolt.Tx, a *Attempt, data []byte, keys []string) error {
	if _, err := getUser(tx, a.UserID); err != nil {
		return err
	}
	attempts, err := nestedCreate(tx, bucketAttempts, a.UserID)
	if err != nil {
		return err
	}
	if old := attempts.Get([]byte(a.ID)); old != nil {
		if bytes.Equal(old, data) {
			return nil // already applied in this transaction: do not count it twice
		}
		return fmt.Errorf("%w: attempt %s", ErrExists, a.ID)
	}
	if err := attempts.Put([]byte(a.ID), data); err != nil {
		return err
	}

	items, err := nestedCreate(tx, bucketItems, a.UserID)
	if err != nil {
		return err
	}
	sum := ItemSummary{ItemID: a.ItemID}
	if err := getJSON(items, a.ItemID, &sum); err != nil && err != ErrNotFound {
		return err
	}
	sum.add(a)
	if err := putJSON(items, a.ItemID, &sum); err != nil {
		return err
	}

	aggs, err := nestedCreate(tx, bucketAggregates, a.UserID)
	if err != nil {
		return err
	}
	for _, key := range keys {
		g := Aggregate{Key: key}
		if err := getJSON(aggs, key, &g); err != nil && err != ErrNotFound {
			return err
		}
		g.add(a)
		if err := putJSON(aggs, key, &g); err != nil {
			return err
		}
	}
	return addEvidence(tx, a)
}

// Attempt returns one of a person's attempts.
func (s *Store) Attempt(userID, id string) (Attempt, error) {
	var a Attempt
	err := s.view("attempt", func(tx *bbolt.Tx) error {
		b, err := nested(tx, bucketAttempts, userID)
		if err != nil {
			return err
		}
		if b == nil || id == "" {
			return fmt.Errorf("%w: attempt %s", ErrNotFound, id)
		}
		if err := getJSON(b, id, &a); err != nil {
			if err == ErrNotFound {
				return fmt.Errorf("%w: attempt %s", ErrNotFound, id)
			}
			return err
		}
		return nil
	})
	return a, err
}

// Attempts returns up to limit of a person's attempts with IDs before before ("" = from the
// newest), newest first; limit <= 0 returns them all. For the next page pass the last ID seen.
func (s *Store) Attempts(userID string, before string, limit int) ([]Attempt, error) {
	return s.attemptsBack(userID, before, limit, nil)
}

// AttemptsFiltered returns up to limit of a person's attempts that keep accepts, newest first.
func (s *Store) AttemptsFiltered(userID string, limit int, keep func(a *Attempt) bool) ([]Attempt, error) {
	return s.attemptsBack(userID, "", limit, keep)
}

// attemptsBack walks a person's attempts from before ("" = the newest) back in time, keeping
// those keep accepts (all when nil) until it has limit of them (limit <= 0: no limit).
func (s *Store) attemptsBack(userID, before string, limit int, keep func(a *Attempt) bool) ([]Attempt, error) {
	var list []Attempt
	err := s.view("attempts", func(tx *bbolt.Tx) error {
		b, err := nested(tx, bucketAttempts, userID)
		if err != nil || b == nil {
			return err
		}
		c := b.Cursor()
		var k, v []byte
		if before == "" {
			k, v = c.Last()
		} else if k, v = c.Seek([]byte(before)); k == nil {
			k, v = c.Last()
		} else {
			// Seek lands on the first key >= before; step back past it.
			k, v = c.Prev()
		}
		for ; k != nil && (limit <= 0 || len(list) < limit); k, v = c.Prev() {
			a, err := decodeAttempt(k, v)
			if err != nil {
				return err
			}
			if keep == nil || keep(&a) {
				list = append(list, a)
			}
		}
		return nil
	})
	return list, err
}

// AttemptsSince returns a person's attempts at or after since, oldest first, for trend charts.
func (s *Store) AttemptsSince(userID string, since time.Time) ([]Attempt, error) {
	var list []Attempt
	err := s.view("attempts since", func(tx *bbolt.Tx) error {
		b, err := nested(tx, bucketAttempts, userID)
		if err != nil || b == nil || since.After(maxAttemptTime()) {
			return err
		}
		c := b.Cursor()
		var k, v []byte
		if since.Before(minAttemptTime()) {
			k, v = c.First()
		} else {
			k, v = c.Seek([]byte(timePrefix(since)))
		}
		for ; k != nil; k, v = c.Next() {
			a, err := decodeAttempt(k, v)
			if err != nil {
				return err
			}
			list = append(list, a)
		}
		return nil
	})
	return list, err
}

// decodeAttempt reads one stored attempt; k is its key, for the message.
func decodeAttempt(k, v []byte) (Attempt, error) {
	var a Attempt
	if err := json.Unmarshal(v, &a); err != nil {
		return a, fmt.Errorf("decode attempt %s: %w", k, err)
	}
	return a, nil
}

// ItemSummaries returns a person's summary per item, by item ID.
func (s *Store) ItemSummaries(userID string) (map[string]ItemSummary, error) {
	m := make(map[string]ItemSummary)
	err := s.view("item summaries", func(tx *bbolt.Tx) error {
		b, err := nested(tx, bucketItems, userID)
		if err != nil || b == nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			var sum ItemSummary
			if err := json.Unmarshal(v, &sum); err != nil {
				return fmt.Errorf("decode item summary %s: %w", k, err)
			}
			m[sum.ItemID] = sum
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// ItemSummary returns a person's record on one item; a zero summary (and no error) when the
// person has not tried it.
func (s *Store) ItemSummary(userID, itemID string) (ItemSummary, error) {
	var sum ItemSummary
	err := s.view("item summary", func(tx *bbolt.Tx) error {
		b, err := nested(tx, bucketItems, userID)
		if err != nil || b == nil {
			return err
		}
		v := b.Get([]byte(itemID))
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(v, &sum); err != nil {
			return fmt.Errorf("decode item summary %s: %w", itemID, err)
		}
		return nil
	})
	return sum, err
}

// Aggregates returns a person's stored aggregates, sorted by key.
func (s *Store) Aggregates(userID string) ([]Aggregate, error) {
	var list []Aggregate
	err := s.view("aggregates", func(tx *bbolt.Tx) error {
		b, err := nested(tx, bucketAggregates, userID)
		if err != nil || b == nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			var g Aggregate
			if err := json.Unmarshal(v, &g); err != nil {
				return fmt.Errorf("decode aggregate %s: %w", k, err)
			}
			list = append(list, g)
			return nil
		})
	})
	return list, err
}

// Recompute derives a person's aggregates from their attempts, sorted by key, without writing
// anything; they should equal Aggregates (ScoreSum up to floating-point rounding, as the
// additions happen in another order).
func (s *Store) Recompute(userID string) ([]Aggregate, error) {
	var list []Aggregate
	err := s.view("recompute", func(tx *bbolt.Tx) error {
		aggs, _, err := recompute(tx, userID)
		list = aggs
		return err
	})
	return list, err
}

// recompute derives aggregates (sorted by key) and item summaries from the stored attempts.
func recompute(tx *bbolt.Tx, userID string) ([]Aggregate, map[string]ItemSummary, error) {
	items := make(map[string]ItemSummary)
	b, err := nested(tx, bucketAttempts, userID)
	if err != nil || b == nil {
		return nil, items, err
	}
	aggs := make(map[string]*Aggregate)
	err = b.ForEach(func(k, v []byte) error {
		a, err := decodeAttempt(k, v)
		if err != nil {
			return err
		}
		sum := items[a.ItemID]
		sum.ItemID = a.ItemID
		sum.add(&a)
		items[a.ItemID] = sum
		for _, key := range aggregateKeys(&a) {
			g := aggs[key]
			if g == nil {
				g = &Aggregate{Key: key}
				aggs[key] = g
			}
			g.add(&a)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	list := make([]Aggregate, 0, len(aggs))
	for _, g := range aggs {
		list = append(list, *g)
	}
	slices.SortFunc(list, func(x, y Aggregate) int { return cmp.Compare(x.Key, y.Key) })
	return list, items, nil
}
