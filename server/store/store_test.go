package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// openTest opens a fresh store in t.TempDir() (in a directory Open must create) and closes it
// when the test ends.
func openTest(t testing.TB, opt Options) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "data", "chartcode.db"), opt)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// addUser creates a user or fails the test.
func addUser(t testing.TB, s *Store, name string, role Role) User {
	t.Helper()
	u := User{Name: name, FullName: "Test " + name, Role: role, PasswordHash: "hash-" + name}
	if err := s.CreateUser(&u); err != nil {
		t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return u
}

// snapshot is everything a user can see of a store, for comparing copies.
type snapshot struct {
	Users      []User
	Attempts   map[string][]Attempt
	Items      map[string]map[string]ItemSummary
	Aggregates map[string][]Aggregate
	Sessions   map[string]Session
}

func takeSnapshot(t testing.TB, s *Store, sessionIDs []string, now time.Time) snapshot {
	t.Helper()
	users, err := s.Users()
	if err != nil {
		t.Fatal(err)
	}
	snap := snapshot{Users: users, Attempts: map[string][]Attempt{}, Items: map[string]map[string]ItemSummary{},
		Aggregates: map[string][]Aggregate{}, Sessions: map[string]Session{}}
	for _, u := range users {
		if snap.Attempts[u.ID], err = s.Attempts(u.ID, "", 0); err != nil {
			t.Fatal(err)
		}
		if snap.Items[u.ID], err = s.ItemSummaries(u.ID); err != nil {
			t.Fatal(err)
		}
		if snap.Aggregates[u.ID], err = s.Aggregates(u.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range sessionIDs {
		if snap.Sessions[id], err = s.Session(id, now); err != nil {
			t.Fatal(err)
		}
	}
	return snap
}

// populate fills a store with a little of everything and returns the session IDs it made.
func populate(t testing.TB, s *Store, now time.Time) []string {
	t.Helper()
	var sessions []string
	for i, name := range []string{"alice", "bob", "carol"} {
		u := addUser(t, s, name, Student)
		id := fmt.Sprintf("%064x", i+1)
		if err := s.CreateSession(Session{ID: id, UserID: u.ID, Created: now, Expires: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, id)
		for j := range 10 {
			a := testAttempt(u.ID, j)
			a.At = now.Add(time.Duration(j) * time.Minute)
			if err := s.AddAttempt(&a); err != nil {
				t.Fatal(err)
			}
		}
	}
	return sessions
}

func schemaOf(t *testing.T, path string) string {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	db.View(func(tx *bbolt.Tx) error {
		v = string(tx.Bucket([]byte(bucketMeta)).Get([]byte(keySchema)))
		return nil
	})
	return v
}

func setSchema(t *testing.T, path, version string) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(bucketMeta)).Put([]byte(keySchema), []byte(version))
	}); err != nil {
		t.Fatal(err)
	}
}

func TestOpenCreatesBucketsAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "chartcode.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = s.db.View(func(tx *bbolt.Tx) error {
		for _, name := range allBuckets() {
			if tx.Bucket([]byte(name)) == nil {
				t.Errorf("bucket %s missing", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := schemaOf(t, path), strconv.Itoa(1+len(migrations())); got != want {
		t.Errorf("schema = %q, want %s", got, want)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chartcode.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	setSchema(t, path, "99")
	_, err = Open(path, Options{})
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("Open of a version 99 file: err = %v, want ErrNewerSchema", err)
	}
	t.Logf("error reads: %v", err)
	if got := schemaOf(t, path); got != "99" {
		t.Errorf("refused file was changed: schema = %q", got)
	}

	setSchema(t, path, `"junk"`)
	if _, err := Open(path, Options{}); err == nil {
		t.Error("Open of an unreadable schema version succeeded")
	}
}

func TestMigrationHook(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chartcode.db")
	s, err := open(path, Options{}, nil) // schema version 1
	if err != nil {
		t.Fatal(err)
	}
	alice := addUser(t, s, "alice", Student)
	s.Close()

	// A failing step leaves the file at its version, untouched.
	failing := []migration{func(tx *bbolt.Tx) error {
		if _, err := tx.CreateBucket([]byte("half-done")); err != nil {
			return err
		}
		return errors.New("boom")
	}}
	if _, err := open(path, Options{}, failing); err == nil {
		t.Fatal("open with a failing migration succeeded")
	}
	if got := schemaOf(t, path); got != "1" {
		t.Fatalf("after a failed migration schema = %q, want 1", got)
	}

	runs := 0
	steps := []migration{func(tx *bbolt.Tx) error {
		runs++
		if tx.Bucket([]byte("half-done")) != nil {
			t.Error("the failed migration's bucket survived")
		}
		_, err := tx.CreateBucket([]byte("v2"))
		return err
	}}
	for range 2 {
		s, err = open(path, Options{}, steps)
		if err != nil {
			t.Fatal(err)
		}
		if u, err := s.User(alice.ID); err != nil || u.Name != "alice" {
			t.Errorf("after migration User = %+v, %v", u, err)
		}
		s.Close()
	}
	if runs != 1 {
		t.Errorf("migration ran %d times, want 1", runs)
	}
	if got := schemaOf(t, path); got != "2" {
		t.Errorf("schema = %q, want 2", got)
	}
	// A program that knows only version 1 now refuses the migrated file.
	if _, err := open(path, Options{}, nil); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("open (version 1) after migration to 2: err = %v, want ErrNewerSchema", err)
	}
}

func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chartcode.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	_, err = Open(path, Options{Timeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: err = %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second Open took %s", d)
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "chartcode.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sessions := populate(t, s, now)
	before := takeSnapshot(t, s, sessions, now)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	after := takeSnapshot(t, s, sessions, now)
	if !reflect.DeepEqual(before, after) {
		t.Errorf("reopened store differs:\nbefore %+v\nafter  %+v", before, after)
	}
	if len(after.Users) != 3 || len(after.Attempts[after.Users[0].ID]) != 10 {
		t.Errorf("snapshot incomplete: %d users", len(after.Users))
	}
}

func TestBackup(t *testing.T) {
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	s := openTest(t, Options{})
	sessions := populate(t, s, now)
	want := takeSnapshot(t, s, sessions, now)

	var buf bytes.Buffer
	n, err := s.Backup(&buf)
	if err != nil || n != int64(buf.Len()) || n == 0 {
		t.Fatalf("Backup = %d, %v; wrote %d bytes", n, err, buf.Len())
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "backups", "copy.db")
	if err := s.BackupFile(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file left behind: %v", err)
	}
	b, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("opening the backup: %v", err)
	}
	defer b.Close()
	if got := takeSnapshot(t, b, sessions, now); !reflect.DeepEqual(got, want) {
		t.Errorf("backup differs:\ngot  %+v\nwant %+v", got, want)
	}

	if err := s.BackupFile(s.db.Path()); !errors.Is(err, ErrInvalid) {
		t.Errorf("BackupFile over the live database: err = %v, want ErrInvalid", err)
	}
}

// TestBackupWhileWriting checks that a hot backup is a consistent cut: in the copy, every
// user's aggregates match their attempts.
func TestBackupWhileWriting(t *testing.T) {
	s := openTest(t, Options{})
	u := addUser(t, s, "alice", Student)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				a := testAttempt(u.ID, g*1000+i)
				if err := s.AddAttempt(&a); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	path := filepath.Join(t.TempDir(), "hot.db")
	err := s.BackupFile(path)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	checkConsistent(t, b, u.ID)
}
