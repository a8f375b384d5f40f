package store

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseRole(t *testing.T) {
	tests := []struct {
		in   string
		want Role
		err  error
	}{
		{"student", Student, nil},
		{" Trainer ", Trainer, nil},
		{"SUPERVISOR", Supervisor, nil},
		{"admin", Admin, nil},
		{"", "", ErrInvalid},
		{"root", "", ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRole(tt.in)
			if got != tt.want || !errors.Is(err, tt.err) {
				t.Errorf("ParseRole(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
}

func TestCreateUser(t *testing.T) {
	s := openTest(t, Options{})
	addUser(t, s, "taken", Student)
	tests := []struct {
		name     string
		user     User
		err      error
		wantName string
	}{
		{"plain", User{Name: "alice", Role: Student}, nil, "alice"},
		{"stored lowercase", User{Name: "Bob.Smith_2-x", Role: Trainer}, nil, "bob.smith_2-x"},
		{"two chars", User{Name: "ab", Role: Admin}, nil, "ab"},
		{"64 chars", User{Name: strings.Repeat("a", 64), Role: Supervisor}, nil, strings.Repeat("a", 64)},
		{"duplicate", User{Name: "taken", Role: Student}, ErrExists, ""},
		{"duplicate other case", User{Name: "TAKEN", Role: Student}, ErrExists, ""},
		{"one char", User{Name: "a", Role: Student}, ErrInvalid, ""},
		{"65 chars", User{Name: strings.Repeat("a", 65), Role: Student}, ErrInvalid, ""},
		{"empty", User{Name: "", Role: Student}, ErrInvalid, ""},
		{"space", User{Name: "al ice", Role: Student}, ErrInvalid, ""},
		{"at sign", User{Name: "al@ice", Role: Student}, ErrInvalid, ""},
		{"non-ASCII", User{Name: "zoë", Role: Student}, ErrInvalid, ""},
		{"slash", User{Name: "a/b", Role: Student}, ErrInvalid, ""},
		{"no role", User{Name: "norole"}, ErrInvalid, ""},
		{"bad role", User{Name: "badrole", Role: "root"}, ErrInvalid, ""},
		{"role not normalized", User{Name: "upper", Role: "Admin"}, ErrInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.user
			err := s.CreateUser(&u)
			if !errors.Is(err, tt.err) {
				t.Fatalf("CreateUser(%q) err = %v, want %v", tt.user.Name, err, tt.err)
			}
			if err != nil {
				if u != tt.user {
					t.Errorf("failed CreateUser changed its argument: %+v", u)
				}
				return
			}
			if len(u.ID) != 32 || u.Created.IsZero() || u.Name != tt.wantName {
				t.Errorf("created %+v: want a 32-digit ID, a creation time and name %q", u, tt.wantName)
			}
			got, err := s.User(u.ID)
			if err != nil || got != u {
				t.Errorf("User(%s) = %+v, %v; want %+v", u.ID, got, err, u)
			}
		})
	}

	// A given ID and creation time are kept; a taken ID is refused.
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	u := User{ID: "fixed-id", Name: "fixed", Role: Student, Created: created}
	if err := s.CreateUser(&u); err != nil || u.ID != "fixed-id" || !u.Created.Equal(created) {
		t.Errorf("CreateUser with ID = %+v, %v", u, err)
	}
	dup := User{ID: "fixed-id", Name: "other", Role: Student}
	if err := s.CreateUser(&dup); !errors.Is(err, ErrExists) {
		t.Errorf("CreateUser with a taken ID: err = %v, want ErrExists", err)
	}
}

func TestUserLookups(t *testing.T) {
	s := openTest(t, Options{})
	carol := addUser(t, s, "Carol", Supervisor)
	addUser(t, s, "alice", Student)
	addUser(t, s, "bob", Trainer)

	for _, name := range []string{"carol", "CAROL", "Carol", " carol "} {
		got, err := s.UserByName(name)
		if err != nil || got != carol {
			t.Errorf("UserByName(%q) = %+v, %v; want %+v", name, got, err, carol)
		}
	}
	if _, err := s.UserByName("dave"); !errors.Is(err, ErrNotFound) {
		t.Errorf("UserByName(dave): err = %v, want ErrNotFound", err)
	}
	for _, id := range []string{"", "nope"} {
		if _, err := s.User(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("User(%q): err = %v, want ErrNotFound", id, err)
		}
	}

	users, err := s.Users()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range users {
		names = append(names, u.Name)
	}
	if strings.Join(names, ",") != "alice,bob,carol" {
		t.Errorf("Users() names = %v, want sorted alice,bob,carol", names)
	}
	if n, err := s.CountUsers(); n != 3 || err != nil {
		t.Errorf("CountUsers = %d, %v; want 3", n, err)
	}
}

func TestUpdateUser(t *testing.T) {
	s := openTest(t, Options{})
	alice := addUser(t, s, "alice", Student)
	addUser(t, s, "bob", Student)

	tests := []struct {
		name   string
		change func(u *User)
		err    error
	}{
		{"role and flags", func(u *User) { u.Role = Trainer; u.MustChange = true; u.FullName = "Alice A." }, nil},
		{"password", func(u *User) { u.PasswordHash = "new-hash" }, nil},
		{"rename", func(u *User) { u.Name = "Alicia" }, nil},
		{"rename to taken", func(u *User) { u.Name = "BOB" }, ErrExists},
		{"bad name", func(u *User) { u.Name = "a!" }, ErrInvalid},
		{"bad role", func(u *User) { u.Role = "boss" }, ErrInvalid},
		{"unknown ID", func(u *User) { u.ID = "nope" }, ErrNotFound},
		{"zero Created keeps the stored one", func(u *User) { u.Created = time.Time{} }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := s.User(alice.ID)
			if err != nil {
				t.Fatal(err)
			}
			u := before
			tt.change(&u)
			err = s.UpdateUser(u)
			if !errors.Is(err, tt.err) {
				t.Fatalf("UpdateUser err = %v, want %v", err, tt.err)
			}
			after, err2 := s.User(alice.ID)
			if err2 != nil {
				t.Fatal(err2)
			}
			if err != nil {
				if after != before {
					t.Errorf("failed update changed the user: %+v", after)
				}
				return
			}
			want := u
			want.Name = strings.ToLower(u.Name)
			want.Created = before.Created
			if after != want {
				t.Errorf("after update User = %+v, want %+v", after, want)
			}
			if byName, err := s.UserByName(want.Name); err != nil || byName.ID != alice.ID {
				t.Errorf("UserByName(%s) = %+v, %v", want.Name, byName, err)
			}
			if before.Name != want.Name {
				if _, err := s.UserByName(before.Name); !errors.Is(err, ErrNotFound) {
					t.Errorf("old name %s still found: %v", before.Name, err)
				}
			}
		})
	}
	if n, _ := s.CountUsers(); n != 2 {
		t.Errorf("CountUsers = %d after updates, want 2", n)
	}
	if bob, err := s.UserByName("bob"); err != nil || bob.Name != "bob" {
		t.Errorf("bob after the refused rename: %+v, %v", bob, err)
	}
}

func TestDeleteUser(t *testing.T) {
	s := openTest(t, Options{})
	now := time.Now()
	alice := addUser(t, s, "alice", Student)
	bob := addUser(t, s, "bob", Student)
	for i, u := range []User{alice, bob} {
		if err := s.CreateSession(Session{ID: u.Name + "-session", UserID: u.ID, Expires: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		a := testAttempt(u.ID, i)
		if err := s.AddAttempt(&a); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteUser(alice.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(alice.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second DeleteUser: err = %v, want ErrNotFound", err)
	}
	if _, err := s.User(alice.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("User after delete: %v", err)
	}
	if _, err := s.UserByName("alice"); !errors.Is(err, ErrNotFound) {
		t.Errorf("UserByName after delete: %v", err)
	}
	if _, err := s.Session("alice-session", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("session after delete: %v", err)
	}
	if list, _ := s.Attempts(alice.ID, "", 0); len(list) != 0 {
		t.Errorf("%d attempts left after delete", len(list))
	}
	if aggs, _ := s.Aggregates(alice.ID); len(aggs) != 0 {
		t.Errorf("aggregates left after delete: %v", aggs)
	}
	if items, _ := s.ItemSummaries(alice.ID); len(items) != 0 {
		t.Errorf("item summaries left after delete: %v", items)
	}
	// Bob is untouched; the name is free again.
	if _, err := s.Session("bob-session", now); err != nil {
		t.Errorf("bob's session: %v", err)
	}
	if list, _ := s.Attempts(bob.ID, "", 0); len(list) != 1 {
		t.Errorf("bob has %d attempts, want 1", len(list))
	}
	addUser(t, s, "alice", Student)
}
