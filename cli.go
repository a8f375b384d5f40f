package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"chartcode/content"
	"chartcode/grading/codeset"
)

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitError carries an exit status other than 1.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "chartcode:", err)
	var ue usageError
	var ee exitError
	switch {
	case errors.As(err, &ue):
		return 2
	case errors.As(err, &ee):
		return ee.code
	}
	return 1
}

const usage = `chartcode — practice and certification prep for medical coders

Usage:
  chartcode [serve] [--addr :8080] [--dev]   run the web application (the default command)
  chartcode grade  --key KEY --answer ANSWER [--mode practice|exam] [--json]
  chartcode codes  import FILE...    import official ICD-10-CM, ICD-10-PCS, HCPCS files or a licensed CPT CSV
  chartcode codes  lookup QUERY      find codes by code or by words
  chartcode codes  stats [--json]    list the loaded code sets
  chartcode lint   [DIR]             check content (the built-in library when DIR is not given)
  chartcode user   add --name N --role student|trainer|supervisor|admin   (password on standard input)
  chartcode backup FILE              consistent copy of the database, also while serving

Every command takes --data DIR (default ./data). Every flag --x-y can also be set in the
environment as CHARTCODE_X_Y (CHARTCODE_DATA=/var/lib/chartcode).
`

// env looks up an environment variable.
type env func(string) string

// run executes one command line. It is main without the process: tests call it directly.
func run(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd, rest := "serve", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest = args[0], args[1:]
	}
	switch cmd {
	case "grade":
		return cmdGrade(rest, getenv, stdout)
	case "codes":
		return cmdCodes(ctx, rest, getenv, stdout, stderr)
	case "lint":
		return cmdLint(rest, getenv, stdout)
	case "serve":
		return cmdServe(ctx, rest, getenv, stdout, stderr)
	case "user":
		return cmdUser(ctx, rest, getenv, stdin, stdout)
	case "backup":
		return cmdBackup(rest, getenv, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

// parseFlags parses args into fs, then fills every flag not given on the command line from the
// environment: --x-y from CHARTCODE_X_Y.
func parseFlags(fs *flag.FlagSet, args []string, getenv env) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		name := "CHARTCODE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" {
			if e := f.Value.Set(v); e != nil {
				err = usageError{fmt.Sprintf("%s=%q: %v", name, v, e)}
			}
		}
	})
	return err
}

// dataFlag adds the --data flag every command takes.
func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", "./data", "data directory (database, imported code sets)")
}

// openBook loads the code book: the built-in subset, replaced per system by what was imported
// into dataDir.
func openBook(dataDir string) (*codeset.Book, *codeset.Stored, error) {
	builtin, err := codeset.LoadBuiltin(content.Codesets())
	if err != nil {
		return nil, nil, err
	}
	return codeset.Open(builtin, dataDir)
}

// isTerminal reports whether w is a terminal (for progress bars).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
