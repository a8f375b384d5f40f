package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// LiveSession is a live quiz as saved: its settings, where it got to, and its players.
type LiveSession struct {
	ID       string       `json:"id"` // "live-" + a sortable ID (NewLiveSessionID)
	PIN      string       `json:"pin"`
	QuizID   string       `json:"quizId,omitempty"`
	Title    string       `json:"title"`
	HostID   string       `json:"hostId"`
	Items    []string     `json:"items"`
	Settings LiveSettings `json:"settings"`
	Started  time.Time    `json:"started"`
	Ended    time.Time    `json:"ended,omitzero"`
	Phase    string       `json:"phase"`  // lobby, question, paused, reveal, end
	Closed   int          `json:"closed"` // questions closed (saved) so far
	Players  []LivePlayer `json:"players,omitempty"`
	// PlayerCount is the number of players, set by SaveLive: lists leave Players out.
	PlayerCount int `json:"playerCount"`
}

// LiveSettings are the rules a live quiz ran with.
type LiveSettings struct {
	Seconds     int  `json:"seconds"`
	SpeedPoints bool `json:"speedPoints"`
	Streaks     bool `json:"streaks"`
	Leaderboard bool `json:"leaderboard"`
}

// LivePlayer is one player of a live quiz.
type LivePlayer struct {
	ID     string    `json:"id"`
	Name   string    `json:"name"`
	UserID string    `json:"userId,omitempty"` // set when they played signed in
	Joined time.Time `json:"joined"`
	Score  int       `json:"score"`
	Kicked bool      `json:"kicked,omitempty"`
}

// LiveQuestion is one closed question of a live quiz and every answer to it.
type LiveQuestion struct {
	Index   int          `json:"index"`
	ItemID  string       `json:"itemId"`
	Skipped bool         `json:"skipped,omitempty"`
	Opened  time.Time    `json:"opened"`
	Closed  time.Time    `json:"closed"`
	Answers []LiveAnswer `json:"answers"`
}

// LiveAnswer is one player's answer to one question.
type LiveAnswer struct {
	PlayerID  string    `json:"player"`
	Answer    string    `json:"answer"`
	Credit    float64   `json:"credit"`
	Points    int       `json:"points"`
	Bonus     int       `json:"bonus,omitempty"`
	ElapsedMS int64     `json:"elapsedMs"`
	At        time.Time `json:"at"`
	AttemptID string    `json:"attemptId,omitempty"` // the attempt in the player's progress, when signed in
}

// LiveSessionPrefix starts every live session ID.
const LiveSessionPrefix = "live-"

// NewLiveSessionID returns a fresh, time-sortable session ID.
func (s *Store) NewLiveSessionID(at time.Time) string {
	return LiveSessionPrefix + attemptID(at, s.seq.Add(1))
}

func liveResultKey(id string, q int) string { return fmt.Sprintf("%s/%04d", id, q) }

// SaveLive writes a live session and, when q is not nil, a closed question's answers, together
// with attempts for the signed-in players who answered, in one transaction: a question's
// results and the progress they feed are saved together or not at all. attempts maps an index
// of q.Answers to the attempt of that answer; the attempt gets its ID here and the answer names
// it. An attempt whose person no longer exists is left out.
func (s *Store) SaveLive(sess *LiveSession, q *LiveQuestion, attempts map[int]*Attempt) error {
	if !strings.HasPrefix(sess.ID, LiveSessionPrefix) || strings.Contains(sess.ID, "/") || sess.HostID == "" {
		return fmt.Errorf("%w: live session %q", ErrInvalid, sess.ID)
	}
	type prepared struct {
		i    int // the answer's index
		a    *Attempt
		data []byte
		keys []string
	}
	ps := make([]prepared, 0, len(attempts))
	for i, a := range attempts {
		if q == nil || i < 0 || i >= len(q.Answers) {
			return fmt.Errorf("%w: live attempt for answer %d", ErrInvalid, i)
		}
		data, keys, err := s.prepareAttempt(a)
		if err != nil {
			return err
		}
		q.Answers[i].AttemptID = a.ID
		ps = append(ps, prepared{i, a, data, keys})
	}
	sess.PlayerCount = len(sess.Players)
	sessData, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("%w: live session: %v", ErrInvalid, err)
	}
	return s.update("save live results", func(tx *bbolt.Tx) error {
		sessions, err := top(tx, bucketLiveSessions)
		if err != nil {
			return err
		}
		if err := sessions.Put([]byte(sess.ID), sessData); err != nil {
			return err
		}
		if q == nil {
			return nil
		}
		for _, p := range ps {
			if _, err := getUser(tx, p.a.UserID); errors.Is(err, ErrNotFound) {
				q.Answers[p.i].AttemptID = ""
				continue
			}
			if err := addAttempt(tx, p.a, p.data, p.keys); err != nil {
				return err
			}
		}
		results, err := top(tx, bucketLiveResults)
		if err != nil {
			return err
		}
		return putJSON(results, liveResultKey(sess.ID, q.Index), q)
	})
}

// LiveSession reads a live session.
func (s *Store) LiveSession(id string) (LiveSession, error) {
	var sess LiveSession
	err := s.view("live session", func(tx *bbolt.Tx) error {
		b, err := top(tx, bucketLiveSessions)
		if err != nil {
			return err
		}
		if err := getJSON(b, id, &sess); err != nil {
			if err == ErrNotFound {
				return fmt.Errorf("%w: live session %s", ErrNotFound, id)
			}
			return err
		}
		return nil
	})
	return sess, err
}

// LiveSessions lists the live sessions hostID ran (everyone's when hostID is empty), newest
// first, at most limit of them. The players are left out of the list (PlayerCount says how
// many); Closed and the length of Items tell how far each got.
func (s *Store) LiveSessions(hostID string, limit int) ([]LiveSession, error) {
	var list []LiveSession
	err := s.view("live sessions", func(tx *bbolt.Tx) error {
		b, err := top(tx, bucketLiveSessions)
		if err != nil {
			return err
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil && len(list) < limit; k, v = c.Prev() {
			var sess LiveSession
			if err := json.Unmarshal(v, &sess); err != nil {
				return fmt.Errorf("decode live session %s: %w", k, err)
			}
			if hostID != "" && sess.HostID != hostID {
				continue
			}
			sess.Players = nil
			list = append(list, sess)
		}
		return nil
	})
	return list, err
}

// LiveResults reads the saved questions of a live session, in order.
func (s *Store) LiveResults(id string) ([]LiveQuestion, error) {
	var qs []LiveQuestion
	err := s.view("live results", func(tx *bbolt.Tx) error {
		b, err := top(tx, bucketLiveResults)
		if err != nil {
			return err
		}
		prefix := []byte(id + "/")
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
			var q LiveQuestion
			if err := json.Unmarshal(v, &q); err != nil {
				return fmt.Errorf("decode live results %s: %w", k, err)
			}
			qs = append(qs, q)
		}
		return nil
	})
	return qs, err
}
