package store

import (
	"errors"
	"testing"
	"time"

	"chartcode/competency"
)

func TestTeamsAndAssignments(t *testing.T) {
	s := openTest(t, Options{})
	sup, ana, ben := addUser(t, s, "sue", Supervisor), addUser(t, s, "ana", Student), addUser(t, s, "ben", Student)
	team := Team{Name: "  Coders ", Supervisors: []string{sup.ID}, Members: []string{ana.ID, ben.ID, ana.ID}}
	if err := s.CreateTeam(&team); err != nil {
		t.Fatal(err)
	}
	if team.Name != "Coders" || len(team.Members) != 2 || !team.Supervises(sup.ID) || !team.Has(ben.ID) {
		t.Fatalf("created %+v", team)
	}
	for _, bad := range []Team{{Name: ""}, {Name: "x", Members: []string{"nobody"}}} {
		if err := s.CreateTeam(&bad); err == nil {
			t.Errorf("CreateTeam(%+v) succeeded", bad)
		}
	}
	if _, err := s.UpdateTeam(team.ID, func(t *Team) error { t.ID, t.Name = "changed", "Night"; return nil }); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Team(team.ID); got.Name != "Night" || got.ID != team.ID {
		t.Fatalf("updated %+v", got)
	}
	due := time.Now().Add(24 * time.Hour)
	tests := []struct {
		a  Assignment
		ok bool
	}{
		{Assignment{Title: "Cases", Kind: AssignItems, Items: []string{"case-1"}, TeamID: team.ID}, true},
		{Assignment{Title: "Drill", Kind: AssignDrill, Section: "E/M", Count: 5, UserIDs: []string{ana.ID}}, true},
		{Assignment{Title: "Exam", Kind: AssignExam, Blueprint: "exam-diagnostic", UserIDs: []string{ben.ID}}, true},
		{Assignment{Title: "Both", Kind: AssignDrill, Section: "E/M", Count: 5, TeamID: team.ID, UserIDs: []string{ana.ID}}, false},
		{Assignment{Title: "Nobody", Kind: AssignDrill, Section: "E/M", Count: 5}, false},
		{Assignment{Title: "No count", Kind: AssignDrill, Section: "E/M", TeamID: team.ID}, false},
		{Assignment{Title: "Odd", Kind: "quiz", TeamID: team.ID}, false},
		{Assignment{Title: "Ghost team", Kind: AssignExam, Blueprint: "x", TeamID: "team-x"}, false},
	}
	for _, tt := range tests {
		a := tt.a
		a.Due, a.CreatedBy = due, sup.ID
		if err := s.CreateAssignment(&a); (err == nil) != tt.ok {
			t.Errorf("CreateAssignment(%s): %v", a.Title, err)
		}
	}
	list, err := s.Assignments(nil)
	if err != nil || len(list) != 3 || list[0].Title != "Exam" {
		t.Fatalf("assignments = %+v, %v", list, err)
	}
	// Deleting a person takes them out of teams and assignments.
	if err := s.DeleteUser(ana.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Team(team.ID); got.Has(ana.ID) || !got.Has(ben.ID) {
		t.Fatalf("after deleting Ana: %+v", got)
	}
	drill, _ := s.Assignments(func(a *Assignment) bool { return a.Kind == AssignDrill })
	if len(drill) != 1 || len(drill[0].UserIDs) != 0 {
		t.Fatalf("drill after deleting Ana: %+v", drill)
	}
	// Deleting the team deletes its assignments.
	if err := s.DeleteTeam(team.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.Assignments(nil); len(list) != 2 {
		t.Fatalf("after deleting the team: %d assignments", len(list))
	}
	if _, err := s.Team(team.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted team: %v", err)
	}
}

func TestEvidenceCodec(t *testing.T) {
	in := []Attempt{
		{At: time.Unix(1763900000, 0).UTC(), ItemType: "case", KeyCodes: 4, Extra: 1, Correct: 3, Source: "exam",
			Findings: map[string]int{"seventh-character": 1, "missing": 2, "units": 300}},
		{At: time.Unix(1700000000, 0).UTC(), ItemType: "choice", Score: 100, Source: "live"},
		{At: time.Unix(1600000000, 0).UTC(), ItemType: "multi", Score: 50, Source: "elsewhere"},
	}
	list := make([]competency.Evidence, len(in))
	for i := range in {
		list[i] = evidenceOf(&in[i])
	}
	out, err := decodeEvidence(encodeEvidence(list))
	if err != nil || len(out) != 3 {
		t.Fatalf("decode: %v", err)
	}
	list[2].Source = "" // unknown sources are not kept
	for i := range list {
		if out[i] != list[i] {
			t.Errorf("%d: %+v, want %+v", i, out[i], list[i])
		}
	}
	enc := encodeEvidence(list)
	for _, bad := range [][]byte{{2}, enc[:len(enc)-1], append([]byte{1}, 0xff), {1, 2, 1, 1, 9, 0}} {
		if _, err := decodeEvidence(bad); err == nil {
			t.Errorf("decodeEvidence(%v) succeeded", bad)
		}
	}
}
