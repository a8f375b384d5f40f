package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"chartcode/grading/codeset"
)

func cmdCodes(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"codes: want import, lookup or stats"}
	}
	switch args[0] {
	case "import":
		return cmdCodesImport(ctx, args[1:], getenv, stdout, stderr)
	case "lookup":
		return cmdCodesLookup(args[1:], getenv, stdout)
	case "stats":
		return cmdCodesStats(args[1:], getenv, stdout)
	}
	return usageError{fmt.Sprintf("codes: unknown sub-command %q (want import, lookup or stats)", args[0])}
}

// cmdCodesImport reads official files and stores what they hold in the data directory. Every
// file is read and checked before anything is stored, so a bad file changes nothing.
func cmdCodesImport(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("codes import", flag.ContinueOnError)
	data := dataFlag(fs)
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"codes import: name one or more files"}
	}
	var (
		sets        []*codeset.Set
		notes       *codeset.Imported
		notesSource string
	)
	for _, name := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		opt := codeset.ImportOptions{}
		bar := progressBar(stderr, filepath.Base(name))
		if bar != nil {
			opt.Progress = bar.update
		}
		imp, err := codeset.ImportFile(name, opt)
		bar.done()
		if err != nil {
			return fmt.Errorf("codes import: %w (nothing was imported)", err)
		}
		took := time.Since(start).Round(time.Millisecond)
		if imp.Set == nil {
			notes, notesSource = imp, strings.TrimSuffix(filepath.Base(name), ".gz")
			fmt.Fprintf(stdout, "%s: ICD-10-CM tabular notes for %d codes (%s)\n", name, len(imp.Notes), took)
			continue
		}
		b, h := imp.Set.Counts()
		fmt.Fprintf(stdout, "%s: %s (%s), %d billable, %d headers (%s)\n", name, imp.Set.System.Name(), imp.Format, b, h, took)
		// Of two files for one system, the one with headers (the order file) wins.
		replaced := false
		for i, s := range sets {
			if s.System == imp.Set.System {
				if _, sh := s.Counts(); h >= sh {
					sets[i] = imp.Set
				}
				replaced = true
			}
		}
		if !replaced {
			sets = append(sets, imp.Set)
		}
	}
	dir := codeset.StoreDir(*data)
	for _, s := range sets {
		if err := codeset.Save(dir, s); err != nil {
			return err
		}
	}
	if notes != nil {
		if err := codeset.SaveNotes(dir, notesSource, notes.Notes); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "stored in %s\n", dir)
	return nil
}

// bar draws an import's progress on a terminal.
type bar struct {
	w     io.Writer
	label string
	last  int
}

func progressBar(w io.Writer, label string) *bar {
	if !isTerminal(w) {
		return nil
	}
	return &bar{w: w, label: label, last: -1}
}

func (b *bar) update(done, total int64) {
	if total <= 0 {
		return
	}
	pct := int(100 * done / total)
	if pct == b.last {
		return
	}
	b.last = pct
	const width = 30
	n := width * pct / 100
	fmt.Fprintf(b.w, "\r%-32s [%s%s] %3d%%", b.label, strings.Repeat("#", n), strings.Repeat(".", width-n), pct)
}

func (b *bar) done() {
	if b != nil && b.last >= 0 {
		fmt.Fprint(b.w, "\r\033[K")
	}
}

// cmdCodesLookup searches the code book and prints the best hits; an exact code also gets its
// hierarchy and tabular notes.
func cmdCodesLookup(args []string, getenv env, stdout io.Writer) error {
	fs := flag.NewFlagSet("codes lookup", flag.ContinueOnError)
	data := dataFlag(fs)
	system := fs.String("system", "", "limit to one system: icd10cm, icd10pcs, cpt, hcpcs")
	limit := fs.Int("limit", 20, "how many results")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	query := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(query) == "" {
		return usageError{"codes lookup: give a code or words to look for"}
	}
	var systems []codeset.System
	if *system != "" {
		s, err := codeset.ParseSystem(*system)
		if err != nil {
			return usageError{"codes lookup: " + err.Error()}
		}
		systems = append(systems, s)
	}
	book, _, err := openBook(*data)
	if err != nil {
		return err
	}
	hits := book.Search(query, *limit, systems...)
	if *asJSON {
		type hit struct {
			System   codeset.System `json:"system"`
			Code     string         `json:"code"`
			Billable bool           `json:"billable"`
			Short    string         `json:"short"`
			Long     string         `json:"long,omitempty"`
		}
		out := make([]hit, len(hits))
		for i, h := range hits {
			out[i] = hit{h.System, h.Display(), h.Billable, h.Short, h.Long}
		}
		return json.NewEncoder(stdout).Encode(map[string]any{"query": query, "results": out})
	}
	if len(hits) == 0 {
		fmt.Fprintf(stdout, "no code matches %q\n", query)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, h := range hits {
		kind := "billable"
		switch {
		case h.Terminated != "":
			kind = "discontinued"
		case !h.Billable:
			kind = "header"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", h.Display(), h.System.Name(), kind, h.Description())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if first := hits[0]; first.Code == codeset.Normalize(query) {
		printDetails(stdout, book, first.Entry)
	}
	if book.Set(codeset.CPT) == nil && codeset.ShapeOK(codeset.CPT, codeset.Normalize(query)) {
		fmt.Fprintln(stdout, "\nCPT: no licensed CPT file is imported; CPT codes of valid shape are accepted as unverified.")
	}
	return nil
}

func printDetails(w io.Writer, book *codeset.Book, e *codeset.Entry) {
	s := book.Set(e.System)
	fmt.Fprintln(w)
	for _, a := range s.Ancestors(e.Code) {
		fmt.Fprintf(w, "  %s %s\n", a.Display(), a.Description())
	}
	fmt.Fprintf(w, "  %s %s\n", e.Display(), e.Description())
	if kids := s.Children(e.Code); len(kids) > 0 {
		fmt.Fprintf(w, "  %d codes below: ", len(kids))
		for i, k := range kids[:min(len(kids), 8)] {
			if i > 0 {
				fmt.Fprint(w, ", ")
			}
			fmt.Fprint(w, k.Display())
		}
		if len(kids) > 8 {
			fmt.Fprint(w, ", …")
		}
		fmt.Fprintln(w)
	}
	for _, c := range append(s.Ancestors(e.Code), e) {
		n := s.Notes(c.Code)
		if n.Empty() {
			continue
		}
		fmt.Fprintf(w, "  notes at %s:\n", c.Display())
		for _, g := range n.Groups() {
			for _, t := range g.Notes {
				fmt.Fprintf(w, "    %s: %s\n", g.Kind, t)
			}
		}
	}
	if ext := s.Seventh(e.Code); len(ext) > 0 {
		fmt.Fprintf(w, "  7th characters:")
		for _, x := range ext {
			fmt.Fprintf(w, " %s %s;", x.Char, x.Meaning)
		}
		fmt.Fprintln(w)
	}
}

// cmdCodesStats lists the loaded sets.
func cmdCodesStats(args []string, getenv env, stdout io.Writer) error {
	fs := flag.NewFlagSet("codes stats", flag.ContinueOnError)
	data := dataFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	book, stored, err := openBook(*data)
	if err != nil {
		return err
	}
	type set struct {
		System   codeset.System `json:"system"`
		Source   string         `json:"source"`
		Billable int            `json:"billable"`
		Headers  int            `json:"headers"`
		Notes    int            `json:"notes,omitempty"`
	}
	var sets []set
	for _, s := range book.Sets() {
		b, h := s.Counts()
		sets = append(sets, set{s.System, s.Source, b, h, s.NoteCount()})
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{"sets": sets, "modifiers": len(book.Modifiers())})
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SYSTEM\tSOURCE\tBILLABLE\tHEADERS\tCODES WITH NOTES")
	for _, s := range sets {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\n", s.System.Name(), s.Source, s.Billable, s.Headers, s.Notes)
	}
	if book.Set(codeset.CPT) == nil {
		fmt.Fprintln(tw, "CPT\t(none: codes of valid shape are unverified)\t-\t-\t-")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d modifiers\n", len(book.Modifiers()))
	if stored.NotesSource != "" {
		fmt.Fprintf(stdout, "tabular notes from %s\n", stored.NotesSource)
	}
	return nil
}
