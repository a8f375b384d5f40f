package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"chartcode/grading"
)

// cmdGrade grades one answer against one key: chartcode grade --key K --answer A.
func cmdGrade(args []string, getenv env, stdout io.Writer) error {
	fs := flag.NewFlagSet("grade", flag.ContinueOnError)
	key := fs.String("key", "", "reference key, e.g. \"E11.65, I10, 99214-25\"")
	answer := fs.String("answer", "", "the answer to grade")
	modeName := fs.String("mode", "practice", "practice (partial credit) or exam (all or nothing)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	data := dataFlag(fs)
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("grade: unexpected argument %q", fs.Arg(0))}
	}
	if *key == "" {
		return usageError{"grade: --key is required"}
	}
	mode, err := grading.ParseMode(*modeName)
	if err != nil {
		return usageError{"grade: " + err.Error()}
	}
	book, _, err := openBook(*data)
	if err != nil {
		return err
	}
	k, err := grading.ParseKey(book, *key)
	if err != nil {
		return exitError{2, fmt.Errorf("grade: malformed key: %w", err)}
	}
	if probs := k.Check(book); len(probs) > 0 {
		return exitError{2, fmt.Errorf("grade: malformed key: %w", probs[0])}
	}
	r := grading.Grade(k, *answer, book, mode)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		return enc.Encode(r)
	}
	fmt.Fprintf(stdout, "Score %.1f (%s)   code accuracy %.1f %%   %d correct, %d key codes, %d extra\n\n",
		r.Score, r.Mode, 100*r.Accuracy, r.Correct, r.KeyCodes, r.Extra)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPED\tREAD AS\tKEY\tSTATUS\tCREDIT\tWHY")
	for _, l := range r.Lines {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.2f\t%s\n", dash(l.Input), dash(l.Code), dash(l.Key), l.Status, l.Credit, l.Message)
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
