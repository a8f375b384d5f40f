// Command benchlive is the load test of live quizzes (docs/live-protocol.md). It starts
// `chartcode serve` as a child process on a loopback port (or targets a running server with
// -url), creates a room, connects thousands of players to it over WebSockets, runs a quiz in
// which every player answers every question, and reports the connect time, the question
// broadcast latency, the answer acknowledgement latency, lost answers, dropped connections and
// the server's memory and CPU. `make bench-live` runs it; it exits with status 1 when a target
// is missed (-check) or the run fails.
//
// The server runs in its own process because each side needs one file descriptor per player.
// Both share the machine's cores, so the figures are for the pair.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errTargetsMissed):
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, "benchlive:", err)
		os.Exit(1)
	}
}

// errTargetsMissed is the result of a run that worked but missed a target (the report says which).
var errTargetsMissed = errors.New("targets missed")

// config is the command line.
type config struct {
	players     int
	questions   int
	quiz        string
	items       []string
	seconds     int
	think       time.Duration // each player answers after a uniform random delay in [0, think)
	connectRate int           // new connections per second, 0 for no limit
	url         string        // a running server; empty to start one
	user        string
	password    string
	pid         int // the running server's process, for memory and CPU; 0 when unknown
	timeout     time.Duration
	json        bool
	check       bool
	profile     string // write a CPU profile of this program here
	csv         string // write every player's figures here
}

func parseConfig(args []string, stderr io.Writer) (config, error) {
	var cfg config
	var items string
	fs := flag.NewFlagSet("benchlive", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.players, "players", 10000, "players to connect to the room")
	fs.IntVar(&cfg.questions, "questions", 5, "questions to run (at most the quiz's)")
	fs.StringVar(&cfg.quiz, "quiz", "quiz-modifiers", "library quiz to run")
	fs.StringVar(&items, "items", "", "comma-separated item IDs for an ad-hoc quiz instead of -quiz")
	fs.IntVar(&cfg.seconds, "seconds", 20, "time per question, in seconds (5 to 600)")
	fs.DurationVar(&cfg.think, "think", 2*time.Second, "each player answers after a random delay up to this")
	fs.IntVar(&cfg.connectRate, "connect-rate", 2000, "new connections per second (0: no limit)")
	fs.StringVar(&cfg.url, "url", "", "base URL of a running server (default: build and start one)")
	fs.StringVar(&cfg.user, "user", "admin", "trainer or admin who hosts the room (with -url)")
	fs.StringVar(&cfg.password, "password", "", "their password (with -url)")
	fs.IntVar(&cfg.pid, "pid", 0, "process ID of the server given by -url, for its memory and CPU")
	fs.DurationVar(&cfg.timeout, "timeout", 0, "limit for the whole run (default: from players, questions and seconds)")
	fs.BoolVar(&cfg.json, "json", false, "print the report as JSON too")
	fs.BoolVar(&cfg.check, "check", true, "exit with status 1 when a target is missed")
	fs.StringVar(&cfg.csv, "csv", "", "write a row per player and question (latencies in ms) to this file")
	fs.StringVar(&cfg.profile, "cpuprofile", "", "write a CPU profile of this program (not the server) to this file")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if items != "" {
		for _, id := range strings.Split(items, ",") {
			if id = strings.TrimSpace(id); id != "" {
				cfg.items = append(cfg.items, id)
			}
		}
		cfg.quiz = ""
	}
	if cfg.timeout == 0 {
		cfg.timeout = defaultTimeout(cfg)
	}
	switch {
	case fs.NArg() > 0:
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	case cfg.players < 1 || cfg.players > 100000:
		return cfg, errors.New("-players: want 1 to 100000")
	case cfg.questions < 1:
		return cfg, errors.New("-questions: want at least 1")
	case cfg.seconds < 5 || cfg.seconds > 600:
		return cfg, errors.New("-seconds: want 5 to 600")
	case cfg.think < 0 || cfg.think > time.Duration(cfg.seconds)*time.Second-time.Second:
		return cfg, errors.New("-think: want at least 0 and a second less than -seconds")
	case cfg.connectRate < 0:
		return cfg, errors.New("-connect-rate: want 0 or more")
	case cfg.url == "" && cfg.pid != 0:
		return cfg, errors.New("-pid goes with -url")
	case cfg.url != "" && cfg.password == "":
		return cfg, errors.New("-url needs the -password of -user")
	}
	if cfg.url != "" {
		u, err := url.Parse(cfg.url)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return cfg, fmt.Errorf("-url %q: want http://host:port", cfg.url)
		}
	}
	return cfg, nil
}

// defaultTimeout leaves room for the connections, every question at its full time and the
// start and stop of the server.
func defaultTimeout(cfg config) time.Duration {
	d := 3*time.Minute + time.Duration(cfg.questions)*(time.Duration(cfg.seconds)*time.Second+30*time.Second)
	if cfg.connectRate > 0 {
		d += time.Duration(cfg.players/cfg.connectRate) * time.Second
	}
	return d
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg, err := parseConfig(args, stderr)
	if err != nil {
		return err
	}
	if err := checkFileLimit(cfg.players); err != nil {
		return err
	}
	if cfg.profile != "" {
		stop, err := startProfile(cfg.profile)
		if err != nil {
			return err
		}
		defer stop()
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	log := slog.New(slog.NewTextHandler(stderr, nil))

	var srv *server
	if cfg.url == "" {
		if srv, err = startServer(ctx, log); err != nil {
			return err
		}
		// The temporary folder (binary, data, server log) stays when something went wrong.
		defer func() { err = errors.Join(err, srv.stop(err != nil, log)) }()
	} else {
		srv = &server{base: strings.TrimRight(cfg.url, "/"), pid: cfg.pid, user: cfg.user, password: cfg.password}
	}

	rep, err := bench(ctx, cfg, srv, log)
	if err != nil {
		return err
	}
	rep.print(stdout)
	if cfg.json {
		if err := rep.writeJSON(stdout); err != nil {
			return err
		}
	}
	if cfg.check && !rep.met() {
		return errTargetsMissed
	}
	return nil
}

// startProfile writes a CPU profile of this program to path until stop is called.
func startProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// checkFileLimit makes sure this process may open a socket per player. Go raises the soft limit
// on open files to the hard limit at start; the hard limit is what counts.
func checkFileLimit(players int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("reading the limit on open files: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return fmt.Errorf("raising the limit on open files to %d: %w", lim.Max, err)
		}
	}
	if need := uint64(players) + 100; lim.Cur < need {
		return fmt.Errorf("%d players need %d open files, the limit is %d (ulimit -n; raise the hard limit or use fewer -players)", players, need, lim.Cur)
	}
	return nil
}
