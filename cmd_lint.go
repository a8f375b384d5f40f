package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"chartcode/content"
	"chartcode/exercises"
	"chartcode/server/store"
)

// cmdLint checks a content tree (the built-in library when no folder is named) and prints every
// problem as file:line: message. It fails when there is any.
func cmdLint(args []string, getenv env, stdout io.Writer) error {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	data := dataFlag(fs)
	authored := fs.Bool("authored", false, "also check the items trainers wrote, kept in the data directory's database (published versions and drafts)")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usageError{"lint: name at most one folder"}
	}
	book, _, err := openBook(*data)
	if err != nil {
		return err
	}
	lib, where := content.Library(), "built-in library"
	if fs.NArg() == 1 {
		if st, err := os.Stat(fs.Arg(0)); err != nil || !st.IsDir() {
			return usageError{fmt.Sprintf("lint: %s is not a folder", fs.Arg(0))}
		}
		lib, where = os.DirFS(fs.Arg(0)), fs.Arg(0)
	}
	start := time.Now()
	var sources, drafts []exercises.Source
	if *authored {
		if sources, drafts, err = authoredSources(*data); err != nil {
			return err
		}
		where += " and authored items"
	}
	cat, problems := exercises.LoadAll(lib, sources, book)
	for _, d := range drafts {
		_, ps := exercises.Check(d, book, cat, strings.TrimSuffix(strings.TrimPrefix(d.Name, "authored/"), ".draft.md"))
		problems = append(problems, ps...)
	}
	took := time.Since(start)
	for _, p := range problems {
		fmt.Fprintln(stdout, p)
	}
	counts := map[exercises.Type]int{}
	for _, it := range cat.Items() {
		counts[it.Type]++
	}
	fmt.Fprintf(stdout, "%s: %d cases, %d choice, %d multi, %d exams, %d quizzes (loaded in %s)\n", where,
		counts[exercises.Case], counts[exercises.Choice], counts[exercises.Multi], len(cat.Exams()), len(cat.Quizzes()),
		took.Round(time.Millisecond))
	if len(problems) > 0 {
		return fmt.Errorf("lint: %d problems", len(problems))
	}
	return nil
}

// authoredSources reads the authored items of the database in dir: the live version of each
// published item ("authored/ID.md", checked with the library) and each draft
// ("authored/ID.draft.md", checked on its own against the library).
func authoredSources(dir string) (live, drafts []exercises.Source, err error) {
	if _, err := os.Stat(dbFile(dir)); errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil // no database: nobody has written anything
	}
	db, err := store.Open(dbFile(dir), store.Options{Timeout: time.Second})
	if err != nil {
		return nil, nil, fmt.Errorf("lint: %w (a running server holds the database: stop it, or check drafts in the editor)", err)
	}
	defer db.Close()
	items, err := db.AuthoredItems()
	if err != nil {
		return nil, nil, err
	}
	for id, v := range store.LiveMarkdown(items) {
		live = append(live, exercises.Source{Name: "authored/" + id + ".md", Data: []byte(v.Markdown)})
	}
	for _, a := range items {
		if a.Draft != "" {
			drafts = append(drafts, exercises.Source{Name: "authored/" + a.ID + ".draft.md", Data: []byte(a.Draft)})
		}
	}
	slices.SortFunc(live, func(a, b exercises.Source) int { return strings.Compare(a.Name, b.Name) })
	return live, drafts, nil
}
