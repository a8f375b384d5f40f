package store

import (
	"errors"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

func TestSessions(t *testing.T) {
	s := openTest(t, Options{})
	alice := addUser(t, s, "alice", Student)
	t0 := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	sess := Session{ID: "s1", UserID: alice.ID, Created: t0, Expires: t0.Add(time.Hour)}

	create := []struct {
		name string
		sess Session
		err  error
	}{
		{"ok", sess, nil},
		{"duplicate", sess, ErrExists},
		{"unknown user", Session{ID: "s2", UserID: "nobody", Expires: t0.Add(time.Hour)}, ErrNotFound},
		{"no ID", Session{UserID: alice.ID, Expires: t0.Add(time.Hour)}, ErrInvalid},
		{"no user", Session{ID: "s3", Expires: t0.Add(time.Hour)}, ErrInvalid},
		{"no expiry", Session{ID: "s4", UserID: alice.ID}, ErrInvalid},
	}
	for _, tt := range create {
		t.Run("create/"+tt.name, func(t *testing.T) {
			if err := s.CreateSession(tt.sess); !errors.Is(err, tt.err) {
				t.Errorf("CreateSession err = %v, want %v", err, tt.err)
			}
		})
	}

	lookup := []struct {
		name string
		id   string
		now  time.Time
		err  error
	}{
		{"at creation", "s1", t0, nil},
		{"just before expiry", "s1", t0.Add(time.Hour - time.Nanosecond), nil},
		{"at expiry", "s1", t0.Add(time.Hour), ErrNotFound},
		{"after expiry", "s1", t0.Add(48 * time.Hour), ErrNotFound},
		{"unknown", "nope", t0, ErrNotFound},
		{"empty", "", t0, ErrNotFound},
		{"refused one", "s2", t0, ErrNotFound},
	}
	for _, tt := range lookup {
		t.Run("lookup/"+tt.name, func(t *testing.T) {
			got, err := s.Session(tt.id, tt.now)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Session(%q) err = %v, want %v", tt.id, err, tt.err)
			}
			if err == nil && (got.ID != sess.ID || got.UserID != sess.UserID || !got.Created.Equal(sess.Created) || !got.Expires.Equal(sess.Expires)) {
				t.Errorf("Session = %+v, want %+v", got, sess)
			}
		})
	}

	// A session without Created gets one.
	if err := s.CreateSession(Session{ID: "s5", UserID: alice.ID, Expires: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Session("s5", t0); err != nil || got.Created.IsZero() {
		t.Errorf("Session(s5) = %+v, %v; want a creation time", got, err)
	}

	if err := s.DeleteSession("s1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session("s1", t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("Session after delete: err = %v", err)
	}
	if err := s.DeleteSession("s1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second DeleteSession: err = %v, want ErrNotFound", err)
	}
}

func TestDeleteUserSessions(t *testing.T) {
	s := openTest(t, Options{})
	alice := addUser(t, s, "alice", Student)
	bob := addUser(t, s, "bob", Student)
	now := time.Now()
	for _, sess := range []Session{
		{ID: "a1", UserID: alice.ID, Expires: now.Add(time.Hour)},
		{ID: "a2", UserID: alice.ID, Expires: now.Add(time.Hour)},
		{ID: "b1", UserID: bob.ID, Expires: now.Add(time.Hour)},
	} {
		if err := s.CreateSession(sess); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteUserSessions(alice.ID); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]error{"a1": ErrNotFound, "a2": ErrNotFound, "b1": nil} {
		if _, err := s.Session(id, now); !errors.Is(err, want) {
			t.Errorf("Session(%s) err = %v, want %v", id, err, want)
		}
	}
	for _, id := range []string{alice.ID, "nobody", ""} {
		if err := s.DeleteUserSessions(id); err != nil {
			t.Errorf("DeleteUserSessions(%q) again: %v", id, err)
		}
	}
	if got := userSessionIndex(t, s); len(got) != 1 || got[bob.ID] != 1 {
		t.Errorf("session index = %v, want only bob's one session", got)
	}
}

func TestDeleteExpiredSessions(t *testing.T) {
	s := openTest(t, Options{})
	alice := addUser(t, s, "alice", Student)
	bob := addUser(t, s, "bob", Student)
	t0 := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, sess := range []Session{
		{ID: "a-1h", UserID: alice.ID, Expires: t0.Add(time.Hour)},
		{ID: "a-2h", UserID: alice.ID, Expires: t0.Add(2 * time.Hour)},
		{ID: "b-1h", UserID: bob.ID, Expires: t0.Add(time.Hour)},
		{ID: "b-3h", UserID: bob.ID, Expires: t0.Add(3 * time.Hour)},
	} {
		if err := s.CreateSession(sess); err != nil {
			t.Fatal(err)
		}
	}
	sweeps := []struct {
		now   time.Time
		n     int
		alive []string
	}{
		{t0, 0, []string{"a-1h", "a-2h", "b-1h", "b-3h"}},
		{t0.Add(time.Hour), 2, []string{"a-2h", "b-3h"}},
		{t0.Add(time.Hour), 0, []string{"a-2h", "b-3h"}},
		{t0.Add(150 * time.Minute), 1, []string{"b-3h"}},
		{t0.Add(24 * time.Hour), 1, nil},
	}
	for i, sw := range sweeps {
		n, err := s.DeleteExpiredSessions(sw.now)
		if err != nil || n != sw.n {
			t.Fatalf("sweep %d: DeleteExpiredSessions = %d, %v; want %d", i, n, err, sw.n)
		}
		index := userSessionIndex(t, s)
		total := 0
		for _, id := range sw.alive {
			// Look up at t0 so that only deletion, not expiry, can hide a session.
			if _, err := s.Session(id, t0); err != nil {
				t.Errorf("sweep %d: session %s gone: %v", i, id, err)
			}
		}
		for _, c := range index {
			total += c
		}
		if total != len(sw.alive) {
			t.Errorf("sweep %d: index holds %d sessions (%v), want %d", i, total, index, len(sw.alive))
		}
	}
}

// userSessionIndex counts the entries of the per-user session index.
func userSessionIndex(t *testing.T, s *Store) map[string]int {
	t.Helper()
	m := map[string]int{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(bucketUserSessions)).ForEach(func(user, _ []byte) error {
			return tx.Bucket([]byte(bucketUserSessions)).Bucket(user).ForEach(func(_, _ []byte) error {
				m[string(user)]++
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
