package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"chartcode/content"
	"chartcode/exercises"
)

// cmdLint checks a content tree (the built-in library when no folder is named) and prints every
// problem as file:line: message. It fails when there is any.
func cmdLint(args []string, getenv env, stdout io.Writer) error {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	data := dataFlag(fs)
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
	cat, problems := exercises.Load(lib, book)
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
