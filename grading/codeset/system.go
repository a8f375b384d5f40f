// Package codeset knows the code systems a coder reports with: ICD-10-CM, ICD-10-PCS, CPT and
// HCPCS Level II. It holds loaded code sets (validity, billable flag, hierarchy, tabular notes),
// searches them, and imports the official files that CMS and CDC publish.
package codeset

import (
	"fmt"
	"strings"
)

// System is a code system.
type System uint8

// The code systems, in the order they are listed to people.
const (
	ICD10CM System = iota + 1
	ICD10PCS
	CPT
	HCPCS
)

// Systems lists every system.
var Systems = [...]System{ICD10CM, ICD10PCS, CPT, HCPCS}

const numSystems = int(HCPCS) + 1

// String returns the identifier used in files, JSON and flags: icd10cm, icd10pcs, cpt, hcpcs.
func (s System) String() string {
	switch s {
	case ICD10CM:
		return "icd10cm"
	case ICD10PCS:
		return "icd10pcs"
	case CPT:
		return "cpt"
	case HCPCS:
		return "hcpcs"
	}
	return "unknown"
}

// Name returns the name people know the system by.
func (s System) Name() string {
	switch s {
	case ICD10CM:
		return "ICD-10-CM"
	case ICD10PCS:
		return "ICD-10-PCS"
	case CPT:
		return "CPT"
	case HCPCS:
		return "HCPCS Level II"
	}
	return "unknown system"
}

// MarshalText implements encoding.TextMarshaler.
func (s System) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *System) UnmarshalText(b []byte) error {
	v, err := ParseSystem(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSystem reads a system identifier (icd10cm, ICD-10-CM, pcs, hcpcs...).
func ParseSystem(s string) (System, error) {
	switch strings.ToLower(strings.NewReplacer("-", "", " ", "", "_", "").Replace(s)) {
	case "icd10cm", "cm":
		return ICD10CM, nil
	case "icd10pcs", "pcs":
		return ICD10PCS, nil
	case "cpt":
		return CPT, nil
	case "hcpcs", "hcpcslevelii", "hcpcsii":
		return HCPCS, nil
	}
	return 0, fmt.Errorf("unknown code system %q (want icd10cm, icd10pcs, cpt or hcpcs)", s)
}

// Normalize returns code in normalized form: upper case, without dots or blanks.
func Normalize(code string) string {
	var b strings.Builder
	b.Grow(len(code))
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch {
		case c == '.' || c == ' ' || c == '\t':
			continue
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Display returns a normalized code in the form people write it: ICD-10-CM codes longer than
// three characters get their dot (E1165 → E11.65); other systems are shown as they are.
func Display(sys System, code string) string {
	if sys == ICD10CM && len(code) > 3 {
		return code[:3] + "." + code[3:]
	}
	return code
}

// Shape reports which systems a normalized code could belong to by its form alone, as a bit set
// (1<<System). hasDot says the person wrote a dot, which always means ICD-10-CM.
func Shape(code string, hasDot bool) (systems uint8) {
	n := len(code)
	if n == 0 || n > 7 {
		return 0
	}
	if isICD10CMShape(code) {
		systems |= 1 << ICD10CM
	}
	if hasDot {
		return systems
	}
	if n == 7 && isPCSShape(code) {
		systems |= 1 << ICD10PCS
	}
	if n == 5 && isCPTShape(code) {
		systems |= 1 << CPT
	}
	if n == 5 && 'A' <= code[0] && code[0] <= 'V' && allDigits(code[1:]) {
		systems |= 1 << HCPCS
	}
	return systems
}

// ShapeOK reports whether code has the shape of a code of system sys.
func ShapeOK(sys System, code string) bool { return Shape(code, false)&(1<<sys) != 0 }

// isICD10CMShape: a letter, a digit, then digits or letters. Since FY2026 the second character
// may also be a letter when the third is a digit (category QA0).
func isICD10CMShape(c string) bool {
	if len(c) < 3 || len(c) > 7 || !isUpper(c[0]) || !isDigit(c[1]) && !(isUpper(c[1]) && isDigit(c[2])) {
		return false
	}
	for i := 2; i < len(c); i++ {
		if !isDigit(c[i]) && !isUpper(c[i]) {
			return false
		}
	}
	return true
}

func isPCSShape(c string) bool {
	for i := 0; i < len(c); i++ {
		if !isDigit(c[i]) && (!isUpper(c[i]) || c[i] == 'I' || c[i] == 'O') {
			return false
		}
	}
	return true
}

func isCPTShape(c string) bool {
	if allDigits(c) {
		return true
	}
	return allDigits(c[:4]) && (c[4] == 'F' || c[4] == 'T' || c[4] == 'U')
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
