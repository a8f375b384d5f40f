// Package exercises is the exercise model: case studies answered with codes, single- and
// multiple-response questions, exam blueprints and live-quiz definitions, read from Markdown
// files with YAML front matter (docs/content-format.md), checked, rendered once, and kept in a
// catalog. Keys, correct answers and rationales stay on the server: the Public views are what a
// browser may receive before an answer is final.
package exercises

import (
	"html/template"
	"slices"
	"time"

	"chartcode/grading"
)

// Type is the kind of a content file.
type Type string

// The content types.
const (
	Case   Type = "case"
	Choice Type = "choice"
	Multi  Type = "multi"
	Exam   Type = "exam"
	Quiz   Type = "quiz"
)

// Credentials are the certifications items prepare for.
var Credentials = []string{"CPC", "CCS", "CCS-P", "CIC", "COC", "CPB"}

// Sections are the CPC blueprint sections, then the inpatient sections of the CCS.
var Sections = []string{
	"Integumentary", "Musculoskeletal", "Respiratory/Cardiovascular/Hemic-Lymphatic", "Digestive",
	"Urinary/Reproductive/Endocrine", "Nervous system", "E/M", "Anesthesia", "Radiology",
	"Laboratory & Pathology", "Medicine", "Medical terminology", "Anatomy", "ICD-10-CM",
	"HCPCS Level II", "Coding guidelines", "Compliance & regulatory", "ICD-10-PCS", "Inpatient guidelines",
}

// Settings are where the documented encounter took place.
var Settings = []string{"physician office", "outpatient/ASC", "emergency", "inpatient"}

// Item is an exercise: a case study, a single-answer or a multiple-response question.
type Item struct {
	ID          string
	Type        Type
	Title       string
	Credentials []string
	Section     string
	Setting     string
	Difficulty  int
	References  []string
	Tags        []string
	File        string // where it was read from, for messages
	Version     int    // the version of an item trainers wrote (0: the built-in library)

	// Body is the rendered note or question, shown while the person answers.
	Body template.HTML
	// Rationale is the rendered explanation, shown only once the answer is final.
	Rationale template.HTML

	// Case items.
	Mode       grading.Mode
	Diagnoses  string       // key text as written
	Procedures string       // key text as written
	Key        *grading.Key // the parsed key (diagnoses, then procedures)

	// Choice and multi items.
	Choices []Option
	Answer  []string // the correct letters, sorted
}

// Option is one answer choice of a question.
type Option struct {
	Letter string `json:"letter"`
	Text   string `json:"text"`
}

// HasCredential reports whether the item prepares for credential c.
func (it *Item) HasCredential(c string) bool { return slices.Contains(it.Credentials, c) }

// Public is what a browser may see of an item before the answer is final: no key, no
// correct letters, no rationale.
type Public struct {
	ID          string        `json:"id"`
	Type        Type          `json:"type"`
	Title       string        `json:"title"`
	Credentials []string      `json:"credentials"`
	Section     string        `json:"section"`
	Setting     string        `json:"setting"`
	Difficulty  int           `json:"difficulty"`
	Tags        []string      `json:"tags,omitempty"`
	Body        template.HTML `json:"body"`
	Choices     []Option      `json:"choices,omitempty"`
	Choose      int           `json:"choose,omitempty"` // how many to pick (multi)
}

// Public returns the browser-safe view of it.
func (it *Item) Public() Public {
	p := Public{ID: it.ID, Type: it.Type, Title: it.Title, Credentials: it.Credentials, Section: it.Section,
		Setting: it.Setting, Difficulty: it.Difficulty, Tags: it.Tags, Body: it.Body, Choices: it.Choices}
	if it.Type == Multi {
		p.Choose = len(it.Answer)
	}
	return p
}

// Blueprint is a mock-exam definition.
type Blueprint struct {
	ID          string
	Title       string
	Credentials []string
	TimeLimit   time.Duration
	PassMark    float64 // percent
	Types       []Type  // item types drawn by default
	Mode        grading.Mode
	Sections    []SectionCount
	Intro       template.HTML
	File        string
}

// Total is the number of items the blueprint draws.
func (b *Blueprint) Total() int {
	n := 0
	for _, s := range b.Sections {
		n += s.Count
	}
	return n
}

// SectionCount asks for Count items of a section, optionally of some types only.
type SectionCount struct {
	Section string
	Count   int
	Types   []Type // empty: the blueprint's types
	Line    int    // where it was written, for messages
}

// LiveQuiz is a live-quiz definition.
type LiveQuiz struct {
	ID          string
	Title       string
	Items       []string
	Seconds     int
	SpeedPoints bool
	Streaks     bool
	Leaderboard bool
	Intro       template.HTML
	File        string
}
