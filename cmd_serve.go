package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"chartcode/content"
	"chartcode/exercises"
	"chartcode/server"
	"chartcode/server/store"
)

// dbFile is the database inside the data directory.
func dbFile(dataDir string) string { return filepath.Join(dataDir, "chartcode.db") }

// cmdServe runs the web application until the process is told to stop.
func cmdServe(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	data := dataFlag(fs)
	addr := fs.String("addr", ":8080", "listen address")
	dev := fs.Bool("dev", false, "read templates and static files from disk (for working on them)")
	secure := fs.Bool("secure-cookies", false, "mark cookies Secure (TLS terminates in front of the server)")
	adminPassword := fs.String("admin-password", "", "password of the first admin account (default: a one-time password printed at first start)")
	contentDir := fs.String("content", "", "serve the content library in this folder instead of the built-in one")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	start := time.Now()
	book, _, err := openBook(*data)
	if err != nil {
		return err
	}
	lib := content.Library()
	if *contentDir != "" {
		if st, err := os.Stat(*contentDir); err != nil || !st.IsDir() {
			return usageError{fmt.Sprintf("serve: --content %s is not a folder", *contentDir)}
		}
		lib = os.DirFS(*contentDir)
	}
	cat, problems := exercises.Load(lib, book)
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, p)
		}
		return fmt.Errorf("serve: the content has %d problems (see above; `chartcode lint` shows them too): not starting", len(problems))
	}
	// Concurrent submissions share a commit: a 4 ms wait for company gives the best throughput
	// and tail latency measured here (make bench-http: 1 ms, 2 ms, 4 ms and bbolt's 10 ms).
	db, err := store.Open(dbFile(*data), store.Options{BatchDelay: 4 * time.Millisecond})
	if err != nil {
		return err
	}
	defer db.Close()
	pw, err := server.EnsureAdmin(ctx, db, *adminPassword)
	if err != nil {
		return err
	}
	if pw != "" && *adminPassword == "" {
		fmt.Fprintf(stdout, "\nFirst start: created the account \"admin\" with the one-time password\n\n    %s\n\nSign in and choose a new password.\n\n", pw)
	}
	srv, err := server.New(server.Config{Addr: *addr, Dev: *dev, SecureCookies: *secure},
		server.Deps{Book: book, Catalog: cat, Content: lib, Store: db, Log: log})
	if err != nil {
		return err
	}
	log.Info("ready", "items", len(cat.Items()), "startup", time.Since(start).Round(time.Millisecond), "data", *data)
	return srv.Run(ctx)
}

// cmdUser manages accounts from the command line: chartcode user add --name N --role R, with
// the password read from standard input.
func cmdUser(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError{"user: want `user add --name N --role student|trainer|supervisor|admin` (password on standard input)"}
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	data := dataFlag(fs)
	name := fs.String("name", "", "user name")
	fullName := fs.String("full-name", "", "full name")
	roleName := fs.String("role", "student", "student, trainer, supervisor or admin")
	if err := parseFlags(fs, args[1:], getenv); err != nil {
		return err
	}
	role, err := store.ParseRole(*roleName)
	if err != nil {
		return usageError{"user add: " + err.Error()}
	}
	if *name == "" {
		return usageError{"user add: --name is required"}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("user add: reading the password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if msg := server.PasswordProblem(password, *name); msg != "" {
		return usageError{"user add: password: " + msg}
	}
	hash, err := server.HashPassword(password)
	if err != nil {
		return err
	}
	db, err := store.Open(dbFile(*data), store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	u := store.User{Name: *name, FullName: *fullName, Role: role, PasswordHash: hash}
	if err := db.CreateUser(&u); err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	fmt.Fprintf(stdout, "created %s (%s)\n", u.Name, u.Role)
	return nil
}

// cmdBackup writes a consistent copy of the database while the server may be running.
func cmdBackup(args []string, getenv env, stdout io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	data := dataFlag(fs)
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"backup: name the file to write"}
	}
	db, err := store.Open(dbFile(*data), store.Options{Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.BackupFile(fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s\n", fs.Arg(0))
	return nil
}
