package codeset

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func sampleSet(t testing.TB) *Set {
	t.Helper()
	s, err := NewSet(ICD10CM, "sample", []Entry{
		{Code: "S52521A", Billable: true, Short: "Torus fx lower right radius, initial"},
		{Code: "E11", Short: "Type 2 diabetes mellitus"},
		{Code: "E116", Short: "Type 2 diabetes with other specified complications"},
		{Code: "E1165", Billable: true, Short: "Type 2 diabetes with hyperglycemia"},
		{Code: "E1169", Billable: true, Short: "Type 2 diabetes with other specified complication"},
		{Code: "E119", Billable: true, Short: "Type 2 diabetes without complications"},
		{Code: "E10", Short: "Type 1 diabetes mellitus"},
		{Code: "E109", Billable: true, Short: "Type 1 diabetes without complications"},
		{Code: "I10", Billable: true, Short: "Essential (primary) hypertension"},
		{Code: "S52", Short: "Fracture of forearm"},
		{Code: "S525", Short: "Fracture of lower end of radius"},
		{Code: "S52521", Short: "Torus fracture of lower end of right radius"},
		{Code: "R0781", Billable: true, Short: "Pleurodynia"},
		{Code: "R07", Short: "Pain in throat and chest"},
		{Code: "R0789", Billable: true, Short: "Other chest pain"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSetHierarchy(t *testing.T) {
	s := sampleSet(t)
	tests := []struct{ code, parent string }{
		{"E1165", "E116"}, {"E116", "E11"}, {"E11", ""}, {"S52521A", "S52521"}, {"S52521", "S525"}, {"R0781", "R07"},
	}
	for _, tt := range tests {
		e, ok := s.Lookup(tt.code)
		if !ok || e.Parent != tt.parent {
			t.Errorf("Lookup(%s) = %+v, want parent %q", tt.code, e, tt.parent)
		}
	}
	var kids []string
	for _, e := range s.Children("E11") {
		kids = append(kids, e.Display())
	}
	if got := strings.Join(kids, " "); got != "E11.6 E11.9" {
		t.Errorf("Children(E11) = %s", got)
	}
	var chain []string
	for _, e := range s.Ancestors("S52521A") {
		chain = append(chain, e.Display())
	}
	if got := strings.Join(chain, " "); got != "S52 S52.5 S52.521" {
		t.Errorf("Ancestors = %s", got)
	}
	if b, h := s.Counts(); b != 8 || h != 7 {
		t.Errorf("Counts = %d, %d", b, h)
	}
	if _, err := NewSet(ICD10CM, "dup", []Entry{{Code: "I10"}, {Code: "i10"}}); err == nil {
		t.Error("a code listed twice must be an error")
	}
}

func TestShape(t *testing.T) {
	tests := []struct {
		code   string
		dot    bool
		want   []System
		reason string
	}{
		{"E1165", false, []System{ICD10CM, HCPCS}, "shared shape"},
		{"E1165", true, []System{ICD10CM}, "a dot means ICD-10-CM"},
		{"I10", false, []System{ICD10CM}, ""},
		{"QA0", false, []System{ICD10CM}, "FY2026 letter-second categories"},
		{"THE", false, nil, "a word is not a code"},
		{"99214", false, []System{CPT}, ""},
		{"0001U", false, []System{CPT}, ""},
		{"1234F", false, []System{CPT}, ""},
		{"J1885", false, []System{ICD10CM, HCPCS}, ""},
		{"W1885", false, []System{ICD10CM}, "HCPCS letters stop at V"},
		{"0FT44ZZ", false, []System{ICD10PCS}, ""},
		{"S52521A", false, []System{ICD10CM}, "S is not... but it is a PCS shape too"},
		{"0FT44ZO", false, nil, "O is not a PCS character"},
		{"12345678", false, nil, "too long"},
	}
	for _, tt := range tests {
		got := Shape(tt.code, tt.dot)
		var systems []System
		for _, s := range Systems {
			if got&(1<<s) != 0 {
				systems = append(systems, s)
			}
		}
		want := tt.want
		if tt.code == "S52521A" {
			want = []System{ICD10CM, ICD10PCS}
		}
		if !slices.Equal(systems, want) {
			t.Errorf("Shape(%q, %v) = %v, want %v", tt.code, tt.dot, systems, want)
		}
	}
}

func TestBookCheck(t *testing.T) {
	hc, _ := NewSet(HCPCS, "t", []Entry{{Code: "J1885", Billable: true}, {Code: "A4550", Billable: true, Terminated: "20100101"}})
	b := NewBook(sampleSet(t), hc)
	tests := []struct {
		sys  System
		code string
		want Validity
	}{
		{ICD10CM, "E1165", Billable}, {ICD10CM, "E116", Header}, {ICD10CM, "E1199", Invalid},
		{HCPCS, "J1885", Billable}, {HCPCS, "A4550", Discontinued}, {HCPCS, "J9999", Invalid},
		{CPT, "99214", Unverified}, {CPT, "9921", Invalid}, {ICD10PCS, "0FT44ZZ", Unverified},
	}
	for _, tt := range tests {
		if got, _ := b.Check(tt.sys, tt.code); got != tt.want {
			t.Errorf("Check(%v, %s) = %v, want %v", tt.sys, tt.code, got, tt.want)
		}
	}
	var near []string
	for _, e := range b.Nearest(ICD10CM, "E1199", 3) {
		near = append(near, e.Display())
	}
	if got := strings.Join(near, " "); got != "E11.9" {
		t.Errorf("Nearest(E1199) = %s", got)
	}
	near = near[:0]
	for _, e := range b.Nearest(ICD10CM, "E1168", 3) {
		near = append(near, e.Display())
	}
	if got := strings.Join(near, " "); got != "E11.65 E11.69" {
		t.Errorf("Nearest(E1168) = %s", got)
	}
}

func TestSearch(t *testing.T) {
	b := NewBook(sampleSet(t))
	tests := []struct {
		query string
		want  string
	}{
		{"E11.6", "E11.6 E11.65 E11.69"},
		{"e116", "E11.6 E11.65 E11.69"},
		{"I10", "I10"},
		{"diabetes hyperglycemia", "E11.65"},
		{"hyperglycemia diabetes", "E11.65"},
		{"diabetes hyper", "E11.65"},
		{"type 1 diab", "E10 E10.9"},
		{"chest pa", "R07.89 R07"},
		{"torus", "S52.521A S52.521"},
		{"nothing like it", ""},
		{"   ", ""},
	}
	for _, tt := range tests {
		var got []string
		for _, h := range b.Search(tt.query, 20) {
			got = append(got, h.Display())
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("Search(%q) = %v, want %s", tt.query, got, tt.want)
		}
	}
	if hits := b.Search("diabetes", 2); len(hits) != 2 || hits[0].Display() != "E10" {
		t.Errorf("Search(diabetes, 2) = %v: the shortest descriptions rank first", hits)
	}
}

func TestLoadBuiltin(t *testing.T) {
	good := fstest.MapFS{
		"icd10cm-a.tsv": {Data: []byte("# comment\nE11\tH\tType 2 diabetes\nE11.9\tB\tType 2 diabetes, no complications\r\n")},
		"icd10cm-b.tsv": {Data: []byte("E11\tH\tSame code again, flags agree\nI10\tB\tHypertension\n")},
		"hcpcs.tsv":     {Data: []byte("J1885\tB\tKetorolac per 15 mg\n")},
		"modifiers.tsv": {Data: []byte("25\tSeparate E/M service\nRT\tRight side\n")},
		"icd10pcs.tsv":  {Data: []byte("0FT\tH\tGallbladder resection table\n0FT44ZZ\tB\tLaparoscopic cholecystectomy\n")},
	}
	sets, err := LoadBuiltin(good)
	if err != nil {
		t.Fatal(err)
	}
	b := NewBook(sets...)
	if e := b.Lookup(ICD10CM, "E11"); e == nil || e.Short != "Type 2 diabetes" {
		t.Errorf("E11 = %+v: the first description wins", e)
	}
	if v, _ := b.Check(ICD10PCS, "0FT44ZZ"); v != Billable {
		t.Errorf("0FT44ZZ: %v", v)
	}
	if m, ok := b.Modifier("RT"); !ok || m != "Right side" {
		t.Errorf("modifier RT = %q", m)
	}
	bad := []struct {
		name, file, data, want string
	}{
		{"flag", "icd10cm.tsv", "E11\tH\tok\nE11.9\tX\tbad flag\n", "icd10cm.tsv:2: want CODE<TAB>B|H<TAB>description"},
		{"shape", "hcpcs.tsv", "99214\tB\tnot HCPCS\n", `hcpcs.tsv:1: "99214" is not a HCPCS Level II code`},
		{"conflict", "icd10cm.tsv", "E11\tH\tone\nE11\tB\ttwo\n", "icd10cm.tsv:2: E11 is marked billable (B) here but a header (H) at icd10cm.tsv:1"},
		{"unknown file", "notes.tsv", "x\n", "notes.tsv: unknown code-set file"},
		{"modifier", "modifiers.tsv", "25\n", "modifiers.tsv:1: want MODIFIER<TAB>meaning"},
	}
	for _, tt := range bad {
		_, err := LoadBuiltin(fstest.MapFS{tt.file: {Data: []byte(tt.data)}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestStoreRoundTrip(t *testing.T) {
	data := t.TempDir()
	dir := StoreDir(data)
	s := sampleSet(t)
	s.Source = "icd10cm-order-2026.txt"
	if err := Save(dir, s); err != nil {
		t.Fatal(err)
	}
	notes := map[string]*Notes{
		"E11":  {Excludes1: []string{"diabetes mellitus due to underlying condition (E08.-)"}},
		"S52":  {Seventh: []Extension{{"A", "initial encounter for closed fracture"}, {"D", "subsequent encounter"}}},
		"Z999": {Other: []string{"dropped: not in the set"}},
	}
	if err := SaveNotes(dir, "icd10cm_tabular_2021.xml", notes); err != nil {
		t.Fatal(err)
	}
	builtin, _ := NewSet(ICD10CM, BuiltinSource, []Entry{{Code: "I10", Billable: true}})
	hc, _ := NewSet(HCPCS, BuiltinSource, []Entry{{Code: "J1885", Billable: true}})
	book, st, err := Open([]*Set{builtin, hc}, data)
	if err != nil {
		t.Fatal(err)
	}
	got := book.Set(ICD10CM)
	if got.Source != "icd10cm-order-2026.txt" || got.Len() != s.Len() {
		t.Fatalf("the imported set must replace the built-in one: %s, %d entries", got.Source, got.Len())
	}
	if book.Set(HCPCS) != hc {
		t.Error("the built-in HCPCS set must stay")
	}
	if got.NoteCount() != 2 || len(got.Seventh("S52521A")) != 2 || st.NotesSource != "icd10cm_tabular_2021.xml" {
		t.Errorf("notes: %d codes, seventh %v", got.NoteCount(), got.Seventh("S52521A"))
	}
	if e, _ := got.Lookup("E1165"); e.Parent != "E116" || e.Display() != "E11.65" {
		t.Errorf("E1165 after reload = %+v", e)
	}
}
