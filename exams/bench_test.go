package exams_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"chartcode/exams"
)

// benchGrade grades a full sitting of blueprint id, every item answered, about half right.
func benchGrade(b *testing.B, id string) {
	cat, book := load(b)
	c := newClock()
	_, s := sit(b, id, c)
	for i, itemID := range s.Items {
		it, _ := cat.Item(itemID)
		a := perfect(it)
		if i%2 == 1 {
			a = wrong(it)
		}
		if err := s.Save(itemID, a, c.Advance(time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Submit(exams.ByPerson, c.Now()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r, err := exams.Grade(s, cat, book)
		if err != nil || r.Total != len(s.Items) {
			b.Fatal(err)
		}
	}
}

// BenchmarkGrade100 grades a full 100-item CPC mock.
func BenchmarkGrade100(b *testing.B) { benchGrade(b, "exam-cpc-mock") }

// BenchmarkGradeCCS grades the 46-item CCS mock, 8 of them code-entry cases.
func BenchmarkGradeCCS(b *testing.B) { benchGrade(b, "exam-ccs-mock") }

// BenchmarkDraw100 draws a CPC mock avoiding a previous one.
func BenchmarkDraw100(b *testing.B) {
	cat, _ := load(b)
	bp, _ := cat.Exam("exam-cpc-mock")
	rng := rand.New(rand.NewPCG(1, 1))
	prev, err := exams.Draw(bp, cat, nil, rng)
	if err != nil {
		b.Fatal(err)
	}
	avoid := set(prev)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := exams.Draw(bp, cat, avoid, rng); err != nil {
			b.Fatal(err)
		}
	}
}
