package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// Team is a group of people a supervisor tracks. A person may be in several teams; a team may
// have several supervisors.
type Team struct {
	ID          string    `json:"id"` // "team-" + a sortable ID, assigned by CreateTeam
	Name        string    `json:"name"`
	Supervisors []string  `json:"supervisors"` // user IDs
	Members     []string  `json:"members"`     // user IDs
	Created     time.Time `json:"created"`
	CreatedBy   string    `json:"createdBy"`
}

// Supervises reports whether userID supervises t.
func (t *Team) Supervises(userID string) bool { return slices.Contains(t.Supervisors, userID) }

// Has reports whether userID is a member of t.
func (t *Team) Has(userID string) bool { return slices.Contains(t.Members, userID) }

// TeamPrefix starts every team ID.
const TeamPrefix = "team-"

const maxTeamName = 100

func checkTeam(t *Team) error {
	t.Name = strings.TrimSpace(t.Name)
	switch {
	case t.Name == "":
		return fmt.Errorf("%w: a team needs a name", ErrInvalid)
	case len([]rune(t.Name)) > maxTeamName:
		return fmt.Errorf("%w: a team name is at most %d characters", ErrInvalid, maxTeamName)
	}
	slices.Sort(t.Supervisors)
	t.Supervisors = slices.Compact(t.Supervisors)
	slices.Sort(t.Members)
	t.Members = slices.Compact(t.Members)
	return nil
}

// checkPeople fails with ErrNotFound when an ID names no account.
func checkPeople(tx *bbolt.Tx, ids ...[]string) error {
	for _, list := range ids {
		for _, id := range list {
			if _, err := getUser(tx, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// CreateTeam stores a new team and sets its ID and Created (when zero).
func (s *Store) CreateTeam(t *Team) error {
	v := *t
	if v.Created.IsZero() {
		v.Created = time.Now().UTC()
	}
	if err := checkTeam(&v); err != nil {
		return err
	}
	v.ID = TeamPrefix + attemptID(v.Created, s.seq.Add(1))
	err := s.update("create team", func(tx *bbolt.Tx) error {
		if err := checkPeople(tx, v.Supervisors, v.Members); err != nil {
			return err
		}
		b, err := top(tx, bucketTeams)
		if err != nil {
			return err
		}
		return putJSON(b, v.ID, &v)
	})
	if err == nil {
		*t = v
	}
	return err
}

// Team reads a team.
func (s *Store) Team(id string) (Team, error) {
	var t Team
	err := s.view("team", func(tx *bbolt.Tx) error {
		b, err := top(tx, bucketTeams)
		if err != nil {
			return err
		}
		if err := getJSON(b, id, &t); err != nil {
			if err == ErrNotFound {
				return fmt.Errorf("%w: team %s", ErrNotFound, id)
			}
			return err
		}
		return nil
	})
	return t, err
}

// Teams lists every team, by name.
func (s *Store) Teams() ([]Team, error) {
	var list []Team
	err := s.view("teams", func(tx *bbolt.Tx) error {
		b, err := top(tx, bucketTeams)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			var t Team
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("decode team %s: %w", k, err)
			}
			list = append(list, t)
			return nil
		})
	})
	slices.SortFunc(list, func(a, b Team) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return list, err
}

// UpdateTeam changes a team with fn inside one transaction; the ID and creation stay.
func (s *Store) UpdateTeam(id string, fn func(t *Team) error) (Team, error) {
	var out Team
	err := s.update("update team", func(tx *bbolt.Tx) error {
		b, err := top(tx, bucketTeams)
		if err != nil {
			return err
		}
		var t Team
		if err := getJSON(b, id, &t); err != nil {
			if err == ErrNotFound {
				return fmt.Errorf("%w: team %s", ErrNotFound, id)
			}
			return err
		}
		keep := t
		if err := fn(&t); err != nil {
			return err
		}
		t.ID, t.Created, t.CreatedBy = keep.ID, keep.Created, keep.CreatedBy
		if err := checkTeam(&t); err != nil {
			return err
		}
		if err := checkPeople(tx, t.Supervisors, t.Members); err != nil {
			return err
		}
		out = t
		return putJSON(b, id, &t)
	})
	return out, err
}

// leaveTeams takes a person out of every team and assignment, inside the transaction that
// deletes them.
func leaveTeams(tx *bbolt.Tx, userID string) error {
	for _, name := range []string{bucketTeams, bucketAssignments} {
		b, err := top(tx, name)
		if err != nil {
			return err
		}
		changed := map[string][]byte{}
		err = b.ForEach(func(k, v []byte) error {
			if !strings.Contains(string(v), userID) { // IDs are 32 hex digits: no false negatives
				return nil
			}
			var out any
			if name == bucketTeams {
				var t Team
				if err := json.Unmarshal(v, &t); err != nil {
					return fmt.Errorf("decode team %s: %w", k, err)
				}
				drop := func(x string) bool { return x == userID }
				t.Members, t.Supervisors = slices.DeleteFunc(t.Members, drop), slices.DeleteFunc(t.Supervisors, drop)
				out = &t
			} else {
				var a Assignment
				if err := json.Unmarshal(v, &a); err != nil {
					return fmt.Errorf("decode assignment %s: %w", k, err)
				}
				a.UserIDs = slices.DeleteFunc(a.UserIDs, func(x string) bool { return x == userID })
				out = &a
			}
			data, err := json.Marshal(out)
			if err != nil {
				return err
			}
			changed[string(k)] = data
			return nil
		})
		if err != nil {
			return err
		}
		for k, v := range changed {
			if err := b.Put([]byte(k), v); err != nil {
				return err
			}
		}
	}
	return nil
}

// DeleteTeam removes a team; its assignments go with it.
func (s *Store) DeleteTeam(id string) error {
	return s.update("delete team", func(tx *bbolt.Tx) error {
		b, err := top(tx, bucketTeams)
		if err != nil {
			return err
		}
		if b.Get([]byte(id)) == nil {
			return fmt.Errorf("%w: team %s", ErrNotFound, id)
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		asg, err := top(tx, bucketAssignments)
		if err != nil {
			return err
		}
		var drop [][]byte
		err = asg.ForEach(func(k, v []byte) error {
			var a Assignment
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("decode assignment %s: %w", k, err)
			}
			if a.TeamID == id {
				drop = append(drop, slices.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range drop {
			if err := asg.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// Assignment is work given to a team or to people, due by a date: a set of items, a drill of
// some items in a section, or a mock exam.
type Assignment struct {
	ID        string    `json:"id"` // "asg-" + a sortable ID, assigned by CreateAssignment
	Title     string    `json:"title"`
	Kind      string    `json:"kind"`                // items, drill or exam
	Items     []string  `json:"items,omitempty"`     // kind items: every one of these
	Section   string    `json:"section,omitempty"`   // kind drill: Count answers in this section
	Count     int       `json:"count,omitempty"`     // kind drill
	Blueprint string    `json:"blueprint,omitempty"` // kind exam: a sitting of this exam
	TeamID    string    `json:"teamId,omitempty"`    // assigned to a team's members…
	UserIDs   []string  `json:"userIds,omitempty"`   // …or to these people
	Due       time.Time `json:"due"`
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"createdBy"`
}

// The kinds of assignment.
const (
	AssignItems = "items"
	AssignDrill = "drill"
	AssignExam  = "exam"
)

// AssignmentPrefix starts every assignment ID.
const AssignmentPrefix = "asg-"

func checkAssignment(a *Assignment) error {
	a.Title = strings.TrimSpace(a.Title)
	switch {
	case a.Title == "" || len([]rune(a.Title)) > 200:
		return fmt.Errorf("%w: an assignment needs a title of at most 200 characters", ErrInvalid)
	case (a.TeamID == "") == (len(a.UserIDs) == 0):
		return fmt.Errorf("%w: assign to a team or to people", ErrInvalid)
	case a.Due.IsZero():
		return fmt.Errorf("%w: an assignment needs a due date", ErrInvalid)
	case a.CreatedBy == "":
		return fmt.Errorf("%w: an assignment needs its author", ErrInvalid)
	}
	switch a.Kind {
	case AssignItems:
		if len(a.Items) == 0 || a.Section != "" || a.Count != 0 || a.Blueprint != "" {
			return fmt.Errorf("%w: an items assignment lists items and nothing else", ErrInvalid)
		}
	case AssignDrill:
		if a.Section == "" || a.Count < 1 || len(a.Items) > 0 || a.Blueprint != "" {
			return fmt.Errorf("%w: a drill names a section and a count of at least 1", ErrInvalid)
		}
	case AssignExam:
		if a.Blueprint == "" || len(a.Items) > 0 || a.Section != "" {
			return fmt.Errorf("%w: an exam assignment names the exam", ErrInvalid)
		}
	default:
		return fmt.Errorf("%w: assignment kind %q (want items, drill or exam)", ErrInvalid, a.Kind)
	}
	return nil
}

// CreateAssignment stores a new assignment and sets its ID and Created (when zero).
func (s *Store) CreateAssignment(a *Assignment) error {
	v := *a
	if v.Created.IsZero() {
		v.Created = time.Now().UTC()
	}
	if err := checkAssignment(&v); err != nil {
		return err
	}
	v.ID = AssignmentPrefix + attemptID(v.Created, s.seq.Add(1))
	err := s.update("create assignment", func(tx *bbolt.Tx) error {
		if v.TeamID != "" {
			teams, err := top(tx, bucketTeams)
			if err != nil {
				return err
			}
			if teams.Get([]byte(v.TeamID)) == nil {
				return fmt.Errorf("%w: team %s", ErrNotFound, v.TeamID)
			}
		}
		if err := checkPeople(tx, v.UserIDs); err != nil {
			return err
		}
		b, err := top(tx, bucketAssignments)
		if err != nil {
			return err
		}
		return putJSON(b, v.ID, &v)
	})
	if err == nil {
		*a = v
	}
	return err
}

// Assignment reads an assignment.
func (s *Store) Assignment(id string) (Assignment, error) {
	var a Assignment
	err := s.view("assignment", func(tx *bbolt.Tx) error {
		b, err := top(tx, bucketAssignments)
		if err != nil {
			return err
		}
		if err := getJSON(b, id, &a); err != nil {
			if err == ErrNotFound {
				return fmt.Errorf("%w: assignment %s", ErrNotFound, id)
			}
			return err
		}
		return nil
	})
	return a, err
}

// Assignments lists the assignments keep accepts, newest first.
func (s *Store) Assignments(keep func(a *Assignment) bool) ([]Assignment, error) {
	var list []Assignment
	err := s.view("assignments", func(tx *bbolt.Tx) error {
		b, err := top(tx, bucketAssignments)
		if err != nil {
			return err
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var a Assignment
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("decode assignment %s: %w", k, err)
			}
			if keep == nil || keep(&a) {
				list = append(list, a)
			}
		}
		return nil
	})
	return list, err
}

// DeleteAssignment removes an assignment.
func (s *Store) DeleteAssignment(id string) error {
	return s.update("delete assignment", func(tx *bbolt.Tx) error {
		b, err := top(tx, bucketAssignments)
		if err != nil {
			return err
		}
		if b.Get([]byte(id)) == nil {
			return fmt.Errorf("%w: assignment %s", ErrNotFound, id)
		}
		return b.Delete([]byte(id))
	})
}
