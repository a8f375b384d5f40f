package store

import (
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// Session is a signed-in browser.
type Session struct {
	ID      string    `json:"id"` // the SHA-256 of the cookie token, hex (the token itself is never stored)
	UserID  string    `json:"userId"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// CreateSession stores a session for an existing user (ErrNotFound otherwise). ErrExists when
// the ID is taken; ErrInvalid without an ID or an expiry. A zero Created becomes now.
func (s *Store) CreateSession(sess Session) error {
	if sess.ID == "" || sess.UserID == "" || sess.Expires.IsZero() {
		return fmt.Errorf("%w: session needs an ID, a user and an expiry", ErrInvalid)
	}
	if sess.Created.IsZero() {
		sess.Created = time.Now().UTC()
	}
	return s.update("create session", func(tx *bbolt.Tx) error {
		if _, err := getUser(tx, sess.UserID); err != nil {
			return err
		}
		sessions, err := top(tx, bucketSessions)
		if err != nil {
			return err
		}
		if sessions.Get([]byte(sess.ID)) != nil {
			return fmt.Errorf("%w: session", ErrExists)
		}
		if err := putJSON(sessions, sess.ID, &sess); err != nil {
			return err
		}
		index, err := nestedCreate(tx, bucketUserSessions, sess.UserID)
		if err != nil {
			return err
		}
		return index.Put([]byte(sess.ID), nil)
	})
}

// Session returns the session with the given ID if it has not expired at now; ErrNotFound when
// it is unknown or expired. The caller passes the clock so that tests can move it.
func (s *Store) Session(id string, now time.Time) (Session, error) {
	var sess Session
	err := s.view("session", func(tx *bbolt.Tx) error {
		var err error
		sess, err = getSession(tx, id, now)
		return err
	})
	if err != nil {
		return Session{}, err
	}
	return sess, nil
}

// SessionUser returns a live session and its user in one read: what every signed-in request
// needs first.
func (s *Store) SessionUser(id string, now time.Time) (Session, User, error) {
	var (
		sess Session
		u    User
	)
	err := s.view("session", func(tx *bbolt.Tx) error {
		var err error
		if sess, err = getSession(tx, id, now); err != nil {
			return err
		}
		u, err = getUser(tx, sess.UserID)
		return err
	})
	if err != nil {
		return Session{}, User{}, err
	}
	return sess, u, nil
}

func getSession(tx *bbolt.Tx, id string, now time.Time) (Session, error) {
	var sess Session
	sessions, err := top(tx, bucketSessions)
	if err != nil {
		return sess, err
	}
	if id == "" {
		return sess, fmt.Errorf("%w: session", ErrNotFound)
	}
	if err := getJSON(sessions, id, &sess); err != nil {
		if err == ErrNotFound {
			return sess, fmt.Errorf("%w: session", ErrNotFound)
		}
		return sess, err
	}
	if !now.Before(sess.Expires) {
		return sess, fmt.Errorf("%w: session expired", ErrNotFound)
	}
	return sess, nil
}

// DeleteSession removes a session (signing out); ErrNotFound when there is none.
func (s *Store) DeleteSession(id string) error {
	return s.update("delete session", func(tx *bbolt.Tx) error {
		sessions, err := top(tx, bucketSessions)
		if err != nil {
			return err
		}
		var sess Session
		if id == "" {
			return fmt.Errorf("%w: session", ErrNotFound)
		}
		if err := getJSON(sessions, id, &sess); err != nil {
			if err == ErrNotFound {
				return fmt.Errorf("%w: session", ErrNotFound)
			}
			return err
		}
		return deleteSession(tx, sessions, sess)
	})
}

// DeleteUserSessions signs a person out everywhere, e.g. after a password change. A user
// without sessions is not an error.
func (s *Store) DeleteUserSessions(userID string) error {
	return s.update("delete user sessions", func(tx *bbolt.Tx) error {
		return deleteUserSessions(tx, userID)
	})
}

// DeleteExpiredSessions removes every session expired at now and reports how many.
func (s *Store) DeleteExpiredSessions(now time.Time) (int, error) {
	n := 0
	err := s.update("delete expired sessions", func(tx *bbolt.Tx) error {
		sessions, err := top(tx, bucketSessions)
		if err != nil {
			return err
		}
		// Collect first: deleting under a moving cursor can skip keys.
		var expired []Session
		err = sessions.ForEach(func(k, v []byte) error {
			var sess Session
			if err := json.Unmarshal(v, &sess); err != nil {
				return fmt.Errorf("decode session: %w", err)
			}
			if !now.Before(sess.Expires) {
				expired = append(expired, sess)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, sess := range expired {
			if err := deleteSession(tx, sessions, sess); err != nil {
				return err
			}
		}
		n = len(expired)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// deleteSession removes a session and its index entry.
func deleteSession(tx *bbolt.Tx, sessions *bbolt.Bucket, sess Session) error {
	if err := sessions.Delete([]byte(sess.ID)); err != nil {
		return err
	}
	index, err := nested(tx, bucketUserSessions, sess.UserID)
	if err != nil || index == nil {
		return err
	}
	if err := index.Delete([]byte(sess.ID)); err != nil {
		return err
	}
	if k, _ := index.Cursor().First(); k == nil {
		parent, err := top(tx, bucketUserSessions)
		if err != nil {
			return err
		}
		return parent.DeleteBucket([]byte(sess.UserID))
	}
	return nil
}

// deleteUserSessions removes every session of a user and the user's index bucket.
func deleteUserSessions(tx *bbolt.Tx, userID string) error {
	parent, err := top(tx, bucketUserSessions)
	if err != nil {
		return err
	}
	sessions, err := top(tx, bucketSessions)
	if err != nil {
		return err
	}
	if userID == "" {
		return nil
	}
	index := parent.Bucket([]byte(userID))
	if index == nil {
		return nil
	}
	var ids []string
	if err := index.ForEach(func(k, _ []byte) error {
		ids = append(ids, string(k))
		return nil
	}); err != nil {
		return err
	}
	for _, id := range ids {
		if err := sessions.Delete([]byte(id)); err != nil {
			return err
		}
	}
	return parent.DeleteBucket([]byte(userID))
}
