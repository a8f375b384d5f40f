package codeset

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// The ICD-10 text files of CDC and CMS share one family of fixed-width layouts:
//
//	order file  NNNNN CODE    F SHORT(60)                                                    LONG
//	            1-5 order number, 7-13 code, 15 flag (1 billable/valid, 0 header),
//	            17-76 short description, 78-end long description
//	codes file  CODE    LONG  (code in 1-7, description from 9; billable codes only)
//
// ICD-10-CM and ICD-10-PCS use the same layouts, so the system is decided from the codes: a
// code that starts with a digit, or a 3-character header next to 7-character codes, is PCS; a
// code of 4-6 characters, one with I or O, a 3-character billable code or a 7-character header
// is ICD-10-CM. Each line narrows the candidates; a line that fits neither is an error. (A
// file whose every line fits both, which no official file is, counts as PCS when its first
// code starts with a digit.)

const (
	candCM  = 1 << 0
	candPCS = 1 << 1
)

// orderLine is the fixed layout of an order-file line (0-based offsets).
const (
	ordCode     = 6
	ordCodeEnd  = 13
	ordFlag     = 14
	ordShort    = 16
	ordShortEnd = 76
	ordLong     = 77
)

// importICD reads an order file or a codes file; format says which (its CM or PCS variant
// is decided here). It returns the set and the final format.
func importICD(path, source, format string, r *bufio.Reader) (*Set, string, error) {
	order := format == FormatICD10CMOrder || format == FormatICD10PCSOrder
	lr := &lineReader{path: path, r: r}
	var (
		entries   entryChunks
		lines     []int32
		cands     = candCM | candPCS
		firstCode string
		buf       []byte
	)
	for {
		line, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", err
		}
		if len(line) == 0 {
			continue
		}
		var e Entry
		var code, short, long []byte
		if order {
			code, short, long, e.Billable, err = parseOrderLine(lr, line)
		} else {
			code, long, err = parseCodesLine(lr, line)
			e.Billable = true
		}
		if err != nil {
			return nil, "", err
		}
		// One string per line holds code, short and long description (the long one only when
		// it differs), so a line costs one allocation.
		buf = append(append(append(buf[:0], code...), short...), long...)
		sameText := bytes.Equal(short, long)
		if sameText {
			buf = buf[:len(code)+len(short)]
		}
		s := string(buf)
		e.Code = s[:len(code)]
		e.Short = s[len(code) : len(code)+len(short)]
		if sameText {
			e.Long = e.Short
		} else {
			e.Long = s[len(code)+len(short):]
		}
		fits := codeFits(e.Code, order, e.Billable)
		if cands&fits == 0 {
			return nil, "", lr.errorf("%s", codeMisfit(e.Code, cands, order, e.Billable))
		}
		cands &= fits
		if firstCode == "" {
			firstCode = e.Code
		}
		entries.add(e)
		lines = append(lines, int32(lr.n))
	}
	if len(lines) == 0 {
		return nil, "", fmt.Errorf("%s: the file holds no codes", path)
	}
	sys := ICD10CM
	if cands == candPCS || cands == candCM|candPCS && isDigit(firstCode[0]) {
		sys = ICD10PCS
	}
	switch {
	case order && sys == ICD10CM:
		format = FormatICD10CMOrder
	case order:
		format = FormatICD10PCSOrder
	case sys == ICD10CM:
		format = FormatICD10CMCodes
	default:
		format = FormatICD10PCSCodes
	}
	s, err := buildSet(path, sys, source, entries.all(), lines)
	if err != nil {
		return nil, "", err
	}
	return s, format, nil
}

// parseOrderLine checks every column of an order-file line and returns its fields, the
// descriptions trimmed.
func parseOrderLine(lr *lineReader, line []byte) (code, short, long []byte, billable bool, err error) {
	switch {
	case len(line) < ordShort+1:
		return nil, nil, nil, false, lr.errorf("line cut short (%d characters; an order-file line has at least 78): truncated file?", len(line))
	case len(line) <= ordLong:
		return nil, nil, nil, false, lr.errorf("long description missing (the line ends at column %d; it starts at column 78): truncated file?", len(line))
	}
	for i := 0; i < 5; i++ {
		if !isDigit(line[i]) {
			return nil, nil, nil, false, lr.errorf("order number %q in columns 1-5 is not 5 digits", line[:5])
		}
	}
	for _, col := range [...]int{5, ordCodeEnd, ordFlag + 1, ordShortEnd} {
		if line[col] != ' ' {
			return nil, nil, nil, false, lr.errorf("column %d must be blank, found %q", col+1, line[col])
		}
	}
	switch line[ordFlag] {
	case '1':
		billable = true
	case '0':
	default:
		return nil, nil, nil, false, lr.errorf("flag in column 15 is %q, want 1 (billable) or 0 (header)", line[ordFlag])
	}
	code = line[ordCode:ordCodeEnd]
	n := bytes.IndexByte(code, ' ')
	if n < 0 {
		n = len(code)
	}
	if n == 0 || len(bytes.TrimLeft(code[n:], " ")) > 0 {
		return nil, nil, nil, false, lr.errorf("code in columns 7-13 %q is not left-justified and blank-padded", code)
	}
	code = code[:n]
	short = bytes.TrimSpace(line[ordShort:ordShortEnd])
	long = bytes.TrimSpace(line[ordLong:])
	switch {
	case len(short) == 0:
		return nil, nil, nil, false, lr.errorf("short description (columns 17-76) is empty")
	case len(long) == 0:
		return nil, nil, nil, false, lr.errorf("long description (column 78 on) is empty: truncated file?")
	}
	return code, short, long, billable, nil
}

// parseCodesLine splits a codes-file line: the code, blanks, the long description.
func parseCodesLine(lr *lineReader, line []byte) (code, long []byte, err error) {
	n := bytes.IndexByte(line, ' ')
	if n < 0 {
		n = len(line)
	}
	code = line[:n]
	if n == 0 || n > 7 {
		return nil, nil, lr.errorf("%q is not a code followed by a blank and its description", clip(string(line), 40))
	}
	long = bytes.TrimSpace(line[n:])
	if len(long) == 0 {
		return nil, nil, lr.errorf("description missing after code %s: truncated file?", code)
	}
	return code, long, nil
}

// codeFits returns the systems (cand bits) whose code of an order or codes file could be code.
func codeFits(code string, order, billable bool) int {
	fits := 0
	if isICD10CMShape(code) && !(order && !billable && len(code) == 7) {
		fits |= candCM
	}
	if isPCSShape(code) && (len(code) == 7 && billable || order && len(code) == 3 && !billable) {
		fits |= candPCS
	}
	return fits
}

// codeMisfit says why code fits none of the candidate systems.
func codeMisfit(code string, cands int, order, billable bool) string {
	var want string
	switch cands {
	case candCM:
		want = "an ICD-10-CM code (the lines above hold ICD-10-CM codes)"
	case candPCS:
		want = "an ICD-10-PCS code (the lines above hold ICD-10-PCS codes)"
	default:
		want = "an ICD-10-CM or ICD-10-PCS code"
	}
	switch {
	case cands == candCM && order && !billable && len(code) == 7:
		return fmt.Sprintf("%s is marked as a header (flag 0), but a 7-character ICD-10-CM code is always billable", code)
	case cands == candPCS && order && !billable && len(code) != 3:
		return fmt.Sprintf("%s is marked as a header (flag 0), but an ICD-10-PCS header (a table) has 3 characters", code)
	case cands == candPCS && billable && len(code) != 7:
		return fmt.Sprintf("%s is not %s: a valid ICD-10-PCS code has 7 characters", code, want)
	}
	return fmt.Sprintf("%q is not %s", code, want)
}

// looksLikeCodesLine reports whether a first line has the codes-file layout: a code with a
// digit in it, blank-padded to 7 columns, a blank, the description from column 9. (Without the
// digit, a line of prose such as "CENTERS FOR ..." would pass as a PCS code.)
func looksLikeCodesLine(l string) bool {
	if len(l) < 9 || l[7] != ' ' || l[8] == ' ' {
		return false
	}
	code := strings.TrimRight(l[:7], " ")
	if strings.IndexByte(code, ' ') >= 0 || !strings.ContainsAny(code, "0123456789") {
		return false
	}
	return isICD10CMShape(code) || len(code) == 7 && isPCSShape(code)
}
