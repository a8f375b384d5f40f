package store

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func testCustom(by string, at time.Time) CustomExam {
	return CustomExam{Title: "Week 3 review", CreatedBy: by, Created: at, TimeLimitMinutes: 30, PassMark: 70,
		Credentials: []string{"CPC"}, Mode: "exam", Sections: []CustomSection{{Section: "E/M", Count: 2}}}
}

func TestCustomExams(t *testing.T) {
	s := openTest(t, Options{})
	tr := addUser(t, s, "trainer", Trainer)
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

	bad := []struct {
		name   string
		change func(e *CustomExam)
		want   error
	}{
		{"no title", func(e *CustomExam) { e.Title = " " }, ErrInvalid},
		{"no author", func(e *CustomExam) { e.CreatedBy = "" }, ErrInvalid},
		{"unknown author", func(e *CustomExam) { e.CreatedBy = strings.Repeat("0", 32) }, ErrNotFound},
		{"time limit 0", func(e *CustomExam) { e.TimeLimitMinutes = 0 }, ErrInvalid},
		{"time limit 601", func(e *CustomExam) { e.TimeLimitMinutes = 601 }, ErrInvalid},
		{"pass mark 0", func(e *CustomExam) { e.PassMark = 0 }, ErrInvalid},
		{"pass mark 101", func(e *CustomExam) { e.PassMark = 101 }, ErrInvalid},
		{"no items", func(e *CustomExam) { e.Sections = nil }, ErrInvalid},
		{"zero count", func(e *CustomExam) { e.Sections[0].Count = 0 }, ErrInvalid},
		{"both", func(e *CustomExam) { e.Items = []string{"q-em-001"} }, ErrInvalid},
	}
	for _, tc := range bad {
		e := testCustom(tr.ID, t0)
		tc.change(&e)
		if err := s.CreateCustomExam(&e); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
		if e.ID != "" {
			t.Errorf("%s: ID written back on failure", tc.name)
		}
	}

	a := testCustom(tr.ID, t0.Add(time.Hour))
	b := testCustom(tr.ID, t0) // created earlier, stored later
	b.Sections, b.Items = nil, []string{"q-em-002", "q-em-001"}
	for _, e := range []*CustomExam{&a, &b} {
		if err := s.CreateCustomExam(e); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(e.ID, CustomExamPrefix) {
			t.Errorf("ID %q lacks the prefix", e.ID)
		}
	}
	got, err := s.CustomExam(b.ID)
	if err != nil || got.Title != b.Title || strings.Join(got.Items, ",") != "q-em-002,q-em-001" || !got.Created.Equal(t0) {
		t.Errorf("CustomExam = %+v, %v", got, err)
	}
	list, err := s.CustomExams()
	if err != nil || len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Fatalf("CustomExams newest first: %+v, %v", list, err)
	}
	if err := s.DeleteCustomExam(a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCustomExam(a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if _, err := s.CustomExam(a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted exam: %v", err)
	}
	if list, _ := s.CustomExams(); len(list) != 1 {
		t.Errorf("after delete: %d exams", len(list))
	}
}
