package store

import (
	"fmt"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// Role is what a person may do.
type Role string

// The roles, from least to most trusted.
const (
	Student    Role = "student"
	Trainer    Role = "trainer"
	Supervisor Role = "supervisor"
	Admin      Role = "admin"
)

// ParseRole reads a role name, ignoring case and surrounding space.
func ParseRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case Student, Trainer, Supervisor, Admin:
		return r, nil
	}
	return "", fmt.Errorf("%w: role %q: want student, trainer, supervisor or admin", ErrInvalid, s)
}

// User is an account.
type User struct {
	ID           string    `json:"id"`   // 16 random bytes, hex
	Name         string    `json:"name"` // login name, unique, stored lowercase, 2-64 chars [a-z0-9._-]
	FullName     string    `json:"fullName"`
	Role         Role      `json:"role"`
	PasswordHash string    `json:"passwordHash"` // opaque to the store (the server hashes)
	MustChange   bool      `json:"mustChange"`   // must change password at next sign-in
	Created      time.Time `json:"created"`
}

// NormalizeName returns the stored form of a login name (lowercase) or an ErrInvalid error
// saying what is wrong with it, so that forms can check a name before trying to save it.
func NormalizeName(name string) (string, error) {
	n := strings.ToLower(name)
	if len(n) < 2 || len(n) > 64 {
		return "", fmt.Errorf("%w: user name %q: use 2 to 64 characters", ErrInvalid, name)
	}
	for _, c := range []byte(n) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return "", fmt.Errorf("%w: user name %q: use only letters a-z, digits, '.', '_' and '-'", ErrInvalid, name)
		}
	}
	return n, nil
}

// checkUser normalizes and validates the fields the store relies on.
func checkUser(u *User) error {
	name, err := NormalizeName(u.Name)
	if err != nil {
		return err
	}
	if u.Role != Student && u.Role != Trainer && u.Role != Supervisor && u.Role != Admin {
		return fmt.Errorf("%w: role %q", ErrInvalid, u.Role)
	}
	u.Name = name
	return nil
}

// CreateUser adds an account. It assigns ID and Created when empty (and writes them, and the
// lowercased name, back to u on success). ErrExists when the name or ID is taken; ErrInvalid
// for a bad name or role.
func (s *Store) CreateUser(u *User) error {
	v := *u
	if err := checkUser(&v); err != nil {
		return err
	}
	if v.ID == "" {
		v.ID = newID()
	}
	if v.Created.IsZero() {
		v.Created = time.Now().UTC()
	}
	err := s.update("create user", func(tx *bbolt.Tx) error {
		users, names, err := userBuckets(tx)
		if err != nil {
			return err
		}
		if users.Get([]byte(v.ID)) != nil {
			return fmt.Errorf("%w: user ID %s", ErrExists, v.ID)
		}
		if names.Get([]byte(v.Name)) != nil {
			return fmt.Errorf("%w: user name %q is taken", ErrExists, v.Name)
		}
		if err := names.Put([]byte(v.Name), []byte(v.ID)); err != nil {
			return err
		}
		return putJSON(users, v.ID, &v)
	})
	if err == nil {
		*u = v
	}
	return err
}

// User returns the account with the given ID.
func (s *Store) User(id string) (User, error) {
	var u User
	err := s.view("user", func(tx *bbolt.Tx) error {
		var err error
		u, err = getUser(tx, id)
		return err
	})
	return u, err
}

// UserByName returns the account with the given login name, ignoring case.
func (s *Store) UserByName(name string) (User, error) {
	var u User
	err := s.view("user by name", func(tx *bbolt.Tx) error {
		_, names, err := userBuckets(tx)
		if err != nil {
			return err
		}
		id := names.Get([]byte(strings.ToLower(strings.TrimSpace(name))))
		if id == nil {
			return fmt.Errorf("%w: user name %q", ErrNotFound, name)
		}
		u, err = getUser(tx, string(id))
		return err
	})
	return u, err
}

// Users returns every account, sorted by login name.
func (s *Store) Users() ([]User, error) {
	var list []User
	err := s.view("users", func(tx *bbolt.Tx) error {
		_, names, err := userBuckets(tx)
		if err != nil {
			return err
		}
		return names.ForEach(func(name, id []byte) error {
			u, err := getUser(tx, string(id))
			if err != nil {
				return fmt.Errorf("name index %s: %w", name, err)
			}
			list = append(list, u)
			return nil
		})
	})
	return list, err
}

// UpdateUser replaces the account with u.ID. A new name moves the name index with it
// (ErrExists when taken); a zero Created keeps the stored one.
func (s *Store) UpdateUser(u User) error {
	if err := checkUser(&u); err != nil {
		return err
	}
	return s.update("update user", func(tx *bbolt.Tx) error {
		users, names, err := userBuckets(tx)
		if err != nil {
			return err
		}
		old, err := getUser(tx, u.ID)
		if err != nil {
			return err
		}
		if u.Created.IsZero() {
			u.Created = old.Created
		}
		if u.Name != old.Name {
			if names.Get([]byte(u.Name)) != nil {
				return fmt.Errorf("%w: user name %q is taken", ErrExists, u.Name)
			}
			if err := names.Delete([]byte(old.Name)); err != nil {
				return err
			}
			if err := names.Put([]byte(u.Name), []byte(u.ID)); err != nil {
				return err
			}
		}
		return putJSON(users, u.ID, &u)
	})
}

// DeleteUser removes an account with everything that belongs to it: sessions, attempts,
// item summaries, aggregates and exam sittings.
func (s *Store) DeleteUser(id string) error {
	return s.update("delete user", func(tx *bbolt.Tx) error {
		users, names, err := userBuckets(tx)
		if err != nil {
			return err
		}
		u, err := getUser(tx, id)
		if err != nil {
			return err
		}
		if err := deleteUserSessions(tx, id); err != nil {
			return err
		}
		if err := deleteUserExams(tx, id); err != nil {
			return err
		}
		if err := leaveTeams(tx, id); err != nil {
			return err
		}
		for _, name := range []string{bucketAttempts, bucketItems, bucketAggregates, bucketEvidence, bucketDaily} {
			b, err := top(tx, name)
			if err != nil {
				return err
			}
			if b.Bucket([]byte(id)) != nil {
				if err := b.DeleteBucket([]byte(id)); err != nil {
					return err
				}
			}
		}
		if err := names.Delete([]byte(u.Name)); err != nil {
			return err
		}
		return users.Delete([]byte(id))
	})
}

// CountUsers reports how many accounts exist.
func (s *Store) CountUsers() (int, error) {
	n := 0
	err := s.view("count users", func(tx *bbolt.Tx) error {
		users, _, err := userBuckets(tx)
		if err != nil {
			return err
		}
		c := users.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			n++
		}
		return nil
	})
	return n, err
}

func userBuckets(tx *bbolt.Tx) (users, names *bbolt.Bucket, err error) {
	if users, err = top(tx, bucketUsers); err != nil {
		return nil, nil, err
	}
	if names, err = top(tx, bucketUsernames); err != nil {
		return nil, nil, err
	}
	return users, names, nil
}

func getUser(tx *bbolt.Tx, id string) (User, error) {
	var u User
	users, err := top(tx, bucketUsers)
	if err != nil {
		return u, err
	}
	if id == "" {
		return u, fmt.Errorf("%w: user with empty ID", ErrNotFound)
	}
	if err := getJSON(users, id, &u); err != nil {
		if err == ErrNotFound {
			return u, fmt.Errorf("%w: user %s", ErrNotFound, id)
		}
		return u, err
	}
	return u, nil
}
