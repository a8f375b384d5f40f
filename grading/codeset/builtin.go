package codeset

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// BuiltinSource names the sets compiled into the binary.
const BuiltinSource = "built-in"

// LoadBuiltin reads the built-in subset from the *.tsv files of fsys (the content/codesets
// folder): icd10cm*.tsv, icd10pcs*.tsv and hcpcs*.tsv hold `CODE<TAB>B|H<TAB>description`,
// modifiers*.tsv hold `MODIFIER<TAB>meaning`. A code may appear in several files when every
// line agrees on its flag; the first description is shown and the others become synonyms that
// search finds. Errors name the file and line.
func LoadBuiltin(fsys fs.FS) ([]*Set, error) {
	names, err := fs.Glob(fsys, "*.tsv")
	if err != nil {
		return nil, fmt.Errorf("built-in code sets: %w", err)
	}
	slices.Sort(names)
	type seen struct {
		entry int
		where string
	}
	var (
		entries   [numSystems][]Entry
		at        [numSystems]map[string]seen
		modifiers = map[string]string{}
	)
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("built-in code sets: %w", err)
		}
		base := path.Base(name)
		var sys System
		switch {
		case strings.HasPrefix(base, "icd10cm"):
			sys = ICD10CM
		case strings.HasPrefix(base, "icd10pcs"):
			sys = ICD10PCS
		case strings.HasPrefix(base, "hcpcs"):
			sys = HCPCS
		case strings.HasPrefix(base, "cpt"):
			sys = CPT
		case strings.HasPrefix(base, "modifiers"):
			sys = 0
		default:
			return nil, fmt.Errorf("%s: unknown code-set file (want icd10cm*, icd10pcs*, hcpcs*, cpt* or modifiers*)", name)
		}
		if at[sys] == nil {
			at[sys] = map[string]seen{}
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for line := 1; sc.Scan(); line++ {
			text := strings.TrimRight(sc.Text(), "\r")
			if text == "" || text[0] == '#' {
				continue
			}
			f := strings.Split(text, "\t")
			where := fmt.Sprintf("%s:%d", name, line)
			if sys == 0 {
				if len(f) != 2 || f[0] == "" || f[1] == "" {
					return nil, fmt.Errorf("%s: want MODIFIER<TAB>meaning", where)
				}
				m := strings.ToUpper(strings.TrimSpace(f[0]))
				if _, dup := modifiers[m]; !dup {
					modifiers[m] = strings.TrimSpace(f[1])
				}
				continue
			}
			if len(f) != 3 || (f[1] != "B" && f[1] != "H") || strings.TrimSpace(f[2]) == "" {
				return nil, fmt.Errorf("%s: want CODE<TAB>B|H<TAB>description", where)
			}
			code := Normalize(f[0])
			if sys == ICD10CM && !isICD10CMShape(code) || sys == ICD10PCS && !(isPCSShape(code) && (len(code) == 7 || len(code) == 3 && f[1] == "H")) ||
				sys == HCPCS && !ShapeOK(HCPCS, code) || sys == CPT && !ShapeOK(CPT, code) {
				return nil, fmt.Errorf("%s: %q is not a %s code", where, f[0], sys.Name())
			}
			billable := f[1] == "B"
			if prev, ok := at[sys][code]; ok {
				e := &entries[sys][prev.entry]
				if e.Billable != billable {
					return nil, fmt.Errorf("%s: %s is marked %s here but %s at %s", where, f[0], flagWord(billable),
						flagWord(!billable), prev.where)
				}
				if d := strings.TrimSpace(f[2]); !strings.EqualFold(d, e.Short) && !slices.ContainsFunc(e.Synonyms, func(s string) bool {
					return strings.EqualFold(s, d)
				}) {
					e.Synonyms = append(e.Synonyms, d)
				}
				continue
			}
			at[sys][code] = seen{len(entries[sys]), where}
			entries[sys] = append(entries[sys], Entry{Code: code, Billable: billable, Short: strings.TrimSpace(f[2])})
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	var sets []*Set
	for _, sys := range Systems {
		if len(entries[sys]) == 0 && sys != HCPCS {
			continue
		}
		s, err := NewSet(sys, BuiltinSource, entries[sys])
		if err != nil {
			return nil, fmt.Errorf("built-in code sets: %w", err)
		}
		if sys == HCPCS {
			s.Modifiers = modifiers
		}
		sets = append(sets, s)
	}
	return sets, nil
}

func flagWord(billable bool) string {
	if billable {
		return "billable (B)"
	}
	return "a header (H)"
}
