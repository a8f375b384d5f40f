package exercises

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"chartcode/grading"
	"chartcode/grading/codeset"
)

// Load reads every *.md file below the root of fsys into a catalog and checks it all: each
// file on its own (fields, keys against the code book, choices, rationale, text that looks
// like patient data), then the files together (duplicate ids, exam blueprints, quizzes). It
// returns the catalog of what could be read and every problem found, sorted by file and line.
// A caller that serves content must refuse it when there is any problem.
func Load(fsys fs.FS, book *codeset.Book) (*Catalog, Problems) {
	return LoadAll(fsys, nil, book)
}

// Source is a content file given as text rather than read from a folder: items trainers wrote,
// kept in the store. Name is what messages call it.
type Source struct {
	Name string
	Data []byte
}

// LoadAll loads the files of fsys and then extra as one library: every file gets the same
// checks, and an id may be defined once across all of them.
func LoadAll(fsys fs.FS, extra []Source, book *codeset.Book) (*Catalog, Problems) {
	l := &loader{book: book, md: newMarkdown(), cat: newCatalog(), ids: map[string]Problem{}}
	if fsys != nil {
		err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				l.add(name, 0, "%v", err)
				return nil
			}
			if d.IsDir() || path.Ext(name) != ".md" || strings.EqualFold(path.Base(name), "README.md") {
				return nil
			}
			src, err := fs.ReadFile(fsys, name)
			if err != nil {
				l.add(name, 0, "%v", err)
				return nil
			}
			l.file(name, src)
			return nil
		})
		if err != nil {
			l.add(".", 0, "%v", err)
		}
	}
	for _, src := range extra {
		l.file(src.Name, src.Data)
	}
	l.crossCheck()
	l.cat.finish()
	l.problems.sort()
	return l.cat, l.problems
}

type loader struct {
	book     *codeset.Book
	md       *markdown
	cat      *Catalog
	problems Problems
	ids      map[string]Problem // id → where it was first defined
	// quizLines holds, per quiz of the catalog, the line of its items field.
	quizLines []int
}

func (l *loader) add(file string, line int, format string, args ...any) {
	l.problems = append(l.problems, Problem{file, line, fmt.Sprintf(format, args...)})
}

// fields is a front-matter mapping with the line of every key.
type fields struct {
	name  string
	l     *loader
	nodes map[string]*yaml.Node
	lines map[string]int
	order []string
}

// offset is the number of file lines before the first front-matter line (the opening ---).
const offset = 1

func (f *fields) line(key string) int {
	if n, ok := f.lines[key]; ok {
		return n
	}
	return 1
}

func (f *fields) bad(key, format string, args ...any) {
	f.l.add(f.name, f.line(key), format, args...)
}

func (f *fields) has(key string) bool { _, ok := f.nodes[key]; return ok }

func (f *fields) str(key string) string {
	n, ok := f.nodes[key]
	if !ok {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		f.bad(key, "%s: want a single value", key)
		return ""
	}
	return strings.TrimSpace(n.Value)
}

func (f *fields) list(key string) []string {
	n, ok := f.nodes[key]
	if !ok {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if strings.TrimSpace(n.Value) == "" {
			return nil
		}
		return []string{strings.TrimSpace(n.Value)}
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				f.l.add(f.name, c.Line+offset, "%s: want a list of plain values", key)
				continue
			}
			out = append(out, strings.TrimSpace(c.Value))
		}
		return out
	}
	f.bad(key, "%s: want a list", key)
	return nil
}

func (f *fields) integer(key string) (int, bool) {
	s := f.str(key)
	if s == "" {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		f.bad(key, "%s: %q is not a whole number", key, s)
		return 0, false
	}
	return v, true
}

func (f *fields) boolean(key string, def bool) bool {
	s := f.str(key)
	switch strings.ToLower(s) {
	case "":
		return def
	case "true", "yes", "on":
		return true
	case "false", "no", "off":
		return false
	}
	f.bad(key, "%s: %q is not true or false", key, s)
	return def
}

// allowed fields per type; required ones are checked separately.
var (
	exerciseFields = []string{"id", "type", "title", "credentials", "section", "setting", "difficulty", "references", "tags"}
	typeFields     = map[Type][]string{
		Case:   {"diagnoses", "procedures", "mode"},
		Choice: {"choices", "answer"},
		Multi:  {"choices", "answer"},
		Exam:   {"id", "type", "title", "credentials", "time_limit", "pass_mark", "types", "mode", "sections"},
		Quiz:   {"id", "type", "title", "items", "seconds", "speed_points", "streaks", "leaderboard"},
	}
	idPattern   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	yamlLineRef = regexp.MustCompile(`line (\d+)`)
)

func (l *loader) file(name string, src []byte) {
	l.checkPHI(name, src)
	doc, err := l.md.parse(src)
	if err != nil {
		l.add(name, 1, "cannot render the Markdown: %v", err)
		return
	}
	if doc.frontErr != nil {
		// yaml reports lines within the front matter; make them lines of the file.
		msg := yamlLineRef.ReplaceAllStringFunc(doc.frontErr.Error(), func(s string) string {
			n, _ := strconv.Atoi(strings.TrimPrefix(s, "line "))
			return "line " + strconv.Itoa(n+offset)
		})
		line := 1
		if m := yamlLineRef.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		l.add(name, line, "front matter is not valid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
		return
	}
	if doc.front == nil || doc.front.Kind != yaml.MappingNode {
		l.add(name, 1, "no front matter: a file starts with --- , YAML fields, then --- (see docs/content-format.md)")
		return
	}
	f := &fields{name: name, l: l, nodes: map[string]*yaml.Node{}, lines: map[string]int{}}
	for i := 0; i+1 < len(doc.front.Content); i += 2 {
		k, v := doc.front.Content[i], doc.front.Content[i+1]
		if _, dup := f.nodes[k.Value]; dup {
			l.add(name, k.Line+offset, "field %q given twice", k.Value)
			continue
		}
		f.nodes[k.Value], f.lines[k.Value] = v, k.Line+offset
		f.order = append(f.order, k.Value)
	}
	typ := Type(f.str("type"))
	allowed, known := typeFields[typ]
	switch {
	case !f.has("type"):
		l.add(name, 1, "missing required field type (case, choice, multi, exam or quiz)")
		return
	case !known:
		f.bad("type", "unknown type %q (want case, choice, multi, exam or quiz)", typ)
		return
	}
	if typ != Exam && typ != Quiz {
		allowed = append(slices.Clone(exerciseFields), allowed...)
	}
	for _, k := range f.order {
		if !slices.Contains(allowed, k) {
			f.bad(k, "unknown field %q for type %s (allowed: %s)", k, typ, strings.Join(allowed, ", "))
		}
	}
	id := f.str("id")
	switch {
	case id == "":
		f.bad("id", "missing required field id")
	case !idPattern.MatchString(id):
		f.bad("id", "id %q: use lowercase letters, digits and single hyphens", id)
	default:
		if first, dup := l.ids[id]; dup {
			f.bad("id", "duplicate id %q (first defined at %s:%d)", id, first.File, first.Line)
			id = ""
		} else {
			l.ids[id] = Problem{File: name, Line: f.line("id")}
		}
	}
	title := f.str("title")
	if title == "" {
		f.bad("title", "missing required field title")
	}
	switch typ {
	case Exam:
		l.exam(f, doc, id, title)
	case Quiz:
		l.quiz(f, doc, id, title)
	default:
		l.item(f, doc, typ, id, title)
	}
}

func (l *loader) credentials(f *fields) []string {
	creds := f.list("credentials")
	if len(creds) == 0 {
		f.bad("credentials", "missing required field credentials (one or more of %s)", strings.Join(Credentials, ", "))
	}
	for _, c := range creds {
		if !slices.Contains(Credentials, c) {
			f.bad("credentials", "unknown credential %q (want %s)", c, strings.Join(Credentials, ", "))
		}
	}
	return creds
}

func (l *loader) item(f *fields, doc *document, typ Type, id, title string) {
	it := &Item{ID: id, Type: typ, Title: title, File: f.name, Body: doc.body, Rationale: doc.rationale,
		Credentials: l.credentials(f), Section: f.str("section"), Setting: f.str("setting"),
		References: f.list("references"), Tags: f.list("tags")}
	ok := id != ""
	switch {
	case it.Section == "":
		f.bad("section", "missing required field section")
		ok = false
	case !slices.Contains(Sections, it.Section):
		f.bad("section", "unknown section %q (see docs/content-format.md for the list)", it.Section)
		ok = false
	}
	switch {
	case it.Setting == "":
		f.bad("setting", "missing required field setting (%s)", strings.Join(Settings, ", "))
	case !slices.Contains(Settings, it.Setting):
		f.bad("setting", "unknown setting %q (want %s)", it.Setting, strings.Join(Settings, ", "))
	}
	if d, given := f.integer("difficulty"); !given && !f.has("difficulty") {
		f.bad("difficulty", "missing required field difficulty (1, 2 or 3)")
	} else if given && (d < 1 || d > 3) {
		f.bad("difficulty", "difficulty %d: want 1, 2 or 3", d)
	} else {
		it.Difficulty = d
	}
	if len(it.References) == 0 {
		f.bad("references", "missing required field references (the guideline sections the rationale relies on)")
	}
	if !doc.hasRationale || strings.TrimSpace(string(doc.rationale)) == "" {
		l.add(f.name, 1, "missing rationale: add a \"## Rationale\" section explaining the answer")
	}
	if strings.TrimSpace(string(doc.body)) == "" {
		l.add(f.name, 1, "empty body: write the note or the question before \"## Rationale\"")
	}
	switch typ {
	case Case:
		ok = l.caseKey(f, it) && ok
	default:
		ok = l.choices(f, it) && ok
	}
	if ok {
		l.cat.add(it)
	}
}

// caseKey reads and checks the key of a case: diagnoses are ICD-10-CM codes, procedures are
// CPT, HCPCS or ICD-10-PCS codes, every code valid and billable.
func (l *loader) caseKey(f *fields, it *Item) bool {
	mode, err := grading.ParseMode(f.str("mode"))
	if err != nil {
		f.bad("mode", "mode: %v", err)
	}
	it.Mode = mode
	it.Diagnoses, it.Procedures = f.str("diagnoses"), f.str("procedures")
	if it.Diagnoses == "" && it.Procedures == "" {
		l.add(f.name, 1, "a case needs a key: diagnoses, procedures or both")
		return false
	}
	ok := true
	diag := grading.Group{Text: it.Diagnoses, Systems: []codeset.System{codeset.ICD10CM}}
	proc := grading.Group{Text: it.Procedures, Systems: []codeset.System{codeset.CPT, codeset.HCPCS, codeset.ICD10PCS}}
	var groups []grading.Group
	for _, g := range []struct {
		field string
		grading.Group
	}{{"diagnoses", diag}, {"procedures", proc}} {
		if g.Text == "" {
			continue
		}
		k, err := grading.ParseKeyGroups(l.book, g.Group)
		if err != nil {
			f.bad(g.field, "%s: key does not parse: %v", g.field, err)
			ok = false
			continue
		}
		for _, line := range k.Lines {
			if sys := line.Codes[0].System; !slices.Contains(g.Systems, sys) {
				f.bad(g.field, "%s: %s is %s; this field holds %s", g.field, line.String(), sys.Name(), systemNames(g.Systems))
				ok = false
			}
		}
		for _, p := range k.Check(l.book) {
			f.bad(g.field, "%s: %v", g.field, p)
			ok = false
		}
		groups = append(groups, g.Group)
	}
	if !ok {
		return false
	}
	k, err := grading.ParseKeyGroups(l.book, groups...)
	if err != nil {
		l.add(f.name, 1, "key does not parse: %v", err)
		return false
	}
	it.Key = k
	return true
}

func systemNames(systems []codeset.System) string {
	names := make([]string, len(systems))
	for i, s := range systems {
		names[i] = s.Name()
	}
	return strings.Join(names, ", ")
}

var letters = []string{"A", "B", "C", "D", "E", "F"}

// choices reads the options and the correct letters of a choice or multi item.
func (l *loader) choices(f *fields, it *Item) bool {
	n, ok := f.nodes["choices"]
	if !ok {
		f.bad("choices", "missing required field choices (A: ..., B: ..., C: ..., D: ...)")
		return false
	}
	if n.Kind != yaml.MappingNode {
		f.bad("choices", "choices: want a mapping from letter to answer text (A: ..., B: ...)")
		return false
	}
	good := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
			l.add(f.name, k.Line+offset, "choice %s: want the answer text", k.Value)
			good = false
			continue
		}
		want := letters[min(len(it.Choices), len(letters)-1)]
		if k.Value != want || len(it.Choices) >= len(letters) {
			l.add(f.name, k.Line+offset, "choice %q: letters go A, B, C... in order (want %s)", k.Value, want)
			good = false
			continue
		}
		it.Choices = append(it.Choices, Option{Letter: k.Value, Text: strings.TrimSpace(v.Value)})
	}
	switch {
	case it.Type == Choice && len(it.Choices) != 4:
		f.bad("choices", "a choice item has exactly four choices, A to D (found %d)", len(it.Choices))
		good = false
	case it.Type == Multi && (len(it.Choices) < 4 || len(it.Choices) > 6):
		f.bad("choices", "a multi item has four to six choices (found %d)", len(it.Choices))
		good = false
	}
	answer := f.list("answer")
	slices.Sort(answer)
	switch {
	case len(answer) == 0:
		f.bad("answer", "missing required field answer")
		return false
	case it.Type == Choice && len(answer) != 1:
		f.bad("answer", "a choice item has exactly one correct answer (found %d: %s); use type multi for more", len(answer), strings.Join(answer, ", "))
		return false
	case it.Type == Multi && len(answer) < 2:
		f.bad("answer", "a multi item has at least two correct answers; use type choice for one")
		return false
	case len(slices.Compact(slices.Clone(answer))) != len(answer):
		f.bad("answer", "answer names a letter twice")
		return false
	case it.Type == Multi && len(answer) == len(it.Choices):
		f.bad("answer", "every choice is correct: leave at least one wrong choice")
		return false
	}
	for _, a := range answer {
		if !slices.ContainsFunc(it.Choices, func(o Option) bool { return o.Letter == a }) {
			f.bad("answer", "answer %q is not one of the choices", a)
			good = false
		}
	}
	it.Answer = answer
	return good
}

func (l *loader) exam(f *fields, doc *document, id, title string) {
	b := &Blueprint{ID: id, Title: title, Credentials: l.credentials(f), Intro: doc.body, File: f.name, Mode: grading.Exam}
	if mins, given := f.integer("time_limit"); !given {
		f.bad("time_limit", "missing required field time_limit (minutes)")
	} else if mins < 1 || mins > 600 {
		f.bad("time_limit", "time_limit %d: want minutes between 1 and 600", mins)
	} else {
		b.TimeLimit = time.Duration(mins) * time.Minute
	}
	if pm, given := f.integer("pass_mark"); !given {
		f.bad("pass_mark", "missing required field pass_mark (percent)")
	} else if pm < 1 || pm > 100 {
		f.bad("pass_mark", "pass_mark %d: want a percentage between 1 and 100", pm)
	} else {
		b.PassMark = float64(pm)
	}
	if f.has("mode") {
		m, err := grading.ParseMode(f.str("mode"))
		if err != nil {
			f.bad("mode", "mode: %v", err)
		}
		b.Mode = m
	}
	b.Types = l.types(f, "types", f.list("types"), f.line("types"))
	if len(b.Types) == 0 {
		b.Types = []Type{Case, Choice, Multi}
	}
	n, given := f.nodes["sections"]
	switch {
	case !given:
		f.bad("sections", "missing required field sections (a list of {section: NAME, count: N})")
	case n.Kind != yaml.SequenceNode:
		f.bad("sections", "sections: want a list of {section: NAME, count: N}")
	default:
		for _, s := range n.Content {
			var sc struct {
				Section string   `yaml:"section"`
				Count   int      `yaml:"count"`
				Types   []string `yaml:"types"`
			}
			line := s.Line + offset
			if err := s.Decode(&sc); err != nil || s.Kind != yaml.MappingNode {
				l.add(f.name, line, "sections: want {section: NAME, count: N, types: [...]}")
				continue
			}
			for i := 0; i+1 < len(s.Content); i += 2 {
				if k := s.Content[i].Value; k != "section" && k != "count" && k != "types" {
					l.add(f.name, line, "sections: unknown field %q (want section, count, types)", k)
				}
			}
			if !slices.Contains(Sections, sc.Section) {
				l.add(f.name, line, "sections: unknown section %q", sc.Section)
			}
			if sc.Count < 1 {
				l.add(f.name, line, "sections: %s: count must be at least 1", sc.Section)
			}
			b.Sections = append(b.Sections, SectionCount{Section: sc.Section, Count: sc.Count, Line: line,
				Types: l.types(f, "sections", sc.Types, line)})
		}
		if len(b.Sections) == 0 {
			f.bad("sections", "sections: the blueprint draws no item")
		}
	}
	// Even a blueprint with problems is kept, so that the cross-checks can report on it too; a
	// catalog with any problem is never served.
	if id != "" {
		l.cat.exams = append(l.cat.exams, b)
	}
}

func (l *loader) types(f *fields, field string, names []string, line int) []Type {
	var out []Type
	for _, s := range names {
		t := Type(s)
		if t != Case && t != Choice && t != Multi {
			l.add(f.name, line, "%s: %q is not an item type (want case, choice or multi)", field, s)
			continue
		}
		out = append(out, t)
	}
	return out
}

func (l *loader) quiz(f *fields, doc *document, id, title string) {
	q := &LiveQuiz{ID: id, Title: title, Items: f.list("items"), Intro: doc.body, File: f.name,
		SpeedPoints: f.boolean("speed_points", true), Streaks: f.boolean("streaks", false),
		Leaderboard: f.boolean("leaderboard", true)}
	ok := id != ""
	if len(q.Items) == 0 {
		f.bad("items", "missing required field items (the ids of the questions, in order)")
		ok = false
	}
	if s, given := f.integer("seconds"); !given {
		f.bad("seconds", "missing required field seconds (time per question)")
		ok = false
	} else if s < 5 || s > 600 {
		f.bad("seconds", "seconds %d: want 5 to 600", s)
		ok = false
	} else {
		q.Seconds = s
	}
	if ok {
		l.cat.quizzes = append(l.cat.quizzes, q)
		l.quizLines = append(l.quizLines, f.line("items"))
	}
}
