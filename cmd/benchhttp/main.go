// Command benchhttp measures Chartcode over real HTTP on loopback: graded submissions with
// batched commits (db.Batch) and with one commit per submission (NoBatch), then the case page.
// It runs the server in-process on temporary databases and prints one table; `make bench-http`
// runs it. Clients and server share the machine's cores, so the numbers are for the pair.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"chartcode/content"
	"chartcode/exercises"
	"chartcode/grading/codeset"
	"chartcode/server"
	"chartcode/server/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	default:
		fmt.Fprintln(os.Stderr, "benchhttp:", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	clients  int
	duration time.Duration
	users    int
	dir      string
	delay    time.Duration // how long db.Batch waits for company (as chartcode serve)
	profile  string        // write a CPU profile of the whole run here
}

func parseConfig(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("benchhttp", flag.ContinueOnError)
	fs.IntVar(&cfg.clients, "clients", 64, "concurrent closed-loop clients")
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "how long each run lasts")
	fs.IntVar(&cfg.users, "users", 64, "accounts the clients submit as (client i is user i mod users)")
	fs.StringVar(&cfg.dir, "dir", os.TempDir(), "where the temporary databases go (on tmpfs, fsync costs nothing)")
	fs.StringVar(&cfg.profile, "cpuprofile", "", "write a CPU profile of the whole run (server and clients) to this file")
	fs.DurationVar(&cfg.delay, "batch-delay", 4*time.Millisecond, "how long a batched commit waits for more submissions (as chartcode serve)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	switch {
	case fs.NArg() > 0:
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	case cfg.clients < 1 || cfg.clients > 10000:
		return cfg, errors.New("-clients: want 1 to 10000")
	case cfg.users < 1 || cfg.users > 10000:
		return cfg, errors.New("-users: want 1 to 10000")
	case cfg.duration <= 0 || cfg.duration > 5*time.Minute:
		return cfg, errors.New("-duration: want more than 0 and at most 5m")
	}
	return cfg, nil
}

// password is every benchmark user's password; it is hashed once and the hash reused.
const password = "benchmark-password"

// casePage is the page the read run loads.
const casePage = "/practice/case-em-001"

func run(ctx context.Context, args []string, out io.Writer) error {
	cfg, err := parseConfig(args)
	if err != nil {
		return err
	}
	if cfg.profile != "" {
		f, err := os.Create(cfg.profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	book, cat, err := loadLibrary()
	if err != nil {
		return err
	}
	subs, mix := submissions(cat)
	hash, err := server.HashPassword(password)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "chartcode HTTP load on loopback: %d clients, %d users, %s per run, %d CPUs (GOMAXPROCS %d), %s, databases in %s\n",
		cfg.clients, cfg.users, cfg.duration, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), cfg.dir)
	fmt.Fprintf(out, "submissions: %s\n\n", mix)

	var rows []result
	for _, m := range []struct {
		name    string
		noBatch bool
	}{{"batched (db.Batch)", false}, {"unbatched (NoBatch)", true}} {
		inst, err := start(ctx, cfg, book, cat, hash, m.noBatch)
		if err != nil {
			return err
		}
		hc := loadClient(cfg.clients)
		rows = append(rows, load(ctx, hc, cfg, "POST attempts, "+m.name, http.StatusCreated, func(client, n int) (*http.Request, error) {
			s := subs[(client*7+n)%len(subs)]
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, inst.base+s.path, bytes.NewReader(s.body))
			if err != nil {
				return nil, err
			}
			req.Header.Set("Content-Type", "application/json")
			inst.signedIn(req, client)
			return req, nil
		}))
		if m.noBatch {
			// The page only reads; which commit mode wrote the summaries it shows does not matter.
			rows = append(rows, load(ctx, hc, cfg, "GET "+casePage, http.StatusOK, func(client, n int) (*http.Request, error) {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, inst.base+casePage, nil)
				if err != nil {
					return nil, err
				}
				inst.signedIn(req, client)
				return req, nil
			}))
		}
		hc.CloseIdleConnections()
		if err := inst.close(); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	printTable(out, rows)
	return nil
}

// loadLibrary loads the built-in code sets and content, as the server does without imports.
func loadLibrary() (*codeset.Book, *exercises.Catalog, error) {
	sets, err := codeset.LoadBuiltin(content.Codesets())
	if err != nil {
		return nil, nil, err
	}
	book := codeset.NewBook(sets...)
	cat, problems := exercises.Load(content.Library(), book)
	if len(problems) > 0 {
		return nil, nil, fmt.Errorf("the built-in content has problems: %w", problems)
	}
	return book, cat, nil
}

// submission is one request body for POST /api/exercises/{id}/attempts.
type submission struct {
	path string
	body []byte
}

// submissions mixes case answers (every case, typed right and with the last code left out)
// with about as many choice answers (right and wrong picks), in a fixed shuffled order.
func submissions(cat *exercises.Catalog) ([]submission, string) {
	var subs []submission
	add := func(it *exercises.Item, body any) {
		b, err := json.Marshal(body)
		if err != nil {
			panic(err) // strings and string slices always encode
		}
		subs = append(subs, submission{path: "/api/exercises/" + it.ID + "/attempts", body: b})
	}
	var cases, choices, n int
	for _, it := range cat.Items() {
		switch it.Type {
		case exercises.Case:
			add(it, map[string]string{"answer": typedAnswer(it, false)})
			add(it, map[string]string{"answer": typedAnswer(it, true)})
			cases += 2
		case exercises.Choice, exercises.Multi:
			if n++; n%3 != 0 {
				continue
			}
			pick := it.Answer
			if n%2 == 0 {
				pick = wrongPick(it)
			}
			add(it, map[string][]string{"choices": pick})
			choices++
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(subs), func(i, j int) { subs[i], subs[j] = subs[j], subs[i] })
	return subs, fmt.Sprintf("%d case answers (right, and one code short), %d choice answers (right and wrong picks)", cases, choices)
}

// typedAnswer writes a case's key as a coder types it: the first accepted code of each line
// with its modifiers and units, optional codes included; short leaves the last code out.
func typedAnswer(it *exercises.Item, short bool) string {
	parts := make([]string, 0, len(it.Key.Lines))
	for _, l := range it.Key.Lines {
		code := l.Codes[0].Display() + l.Modifiers.String()
		if l.Units != 1 {
			code += fmt.Sprintf(" x%d", l.Units)
		}
		parts = append(parts, code)
	}
	if short && len(parts) > 1 {
		parts = parts[:len(parts)-1]
	}
	return strings.Join(parts, ", ")
}

// wrongPick returns a letter that is not (only) the answer.
func wrongPick(it *exercises.Item) []string {
	for _, o := range it.Choices {
		if !slices.Contains(it.Answer, o.Letter) {
			return []string{o.Letter}
		}
	}
	return it.Answer
}

// instance is a server running in this process on a temporary database.
type instance struct {
	base    string // http://127.0.0.1:port
	dir     string
	db      *store.Store
	cookies [][]*http.Cookie // per user, the session cookie
	stop    context.CancelFunc
	served  chan error
}

// start opens a fresh database, creates the users in it, serves on a loopback port and signs
// every user in over HTTP.
func start(ctx context.Context, cfg config, book *codeset.Book, cat *exercises.Catalog, hash string, noBatch bool) (*instance, error) {
	dir, err := os.MkdirTemp(cfg.dir, "chartcode-benchhttp-*")
	if err != nil {
		return nil, err
	}
	inst := &instance{dir: dir, served: make(chan error, 1), stop: func() {}}
	fail := func(err error) (*instance, error) {
		inst.close()
		return nil, err
	}
	inst.db, err = store.Open(filepath.Join(dir, "chartcode.db"), store.Options{NoBatch: noBatch, BatchDelay: cfg.delay})
	if err != nil {
		return fail(err)
	}
	names := make([]string, cfg.users)
	for i := range names {
		names[i] = fmt.Sprintf("bench%04d", i)
		u := store.User{Name: names[i], Role: store.Student, PasswordHash: hash}
		if err := inst.db.CreateUser(&u); err != nil {
			return fail(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	srv, err := server.New(server.Config{Addr: ln.Addr().String()},
		server.Deps{Book: book, Catalog: cat, Store: inst.db, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		ln.Close()
		return fail(err)
	}
	inst.base = "http://" + ln.Addr().String()
	sctx, stop := context.WithCancel(ctx)
	inst.stop = stop
	go func() { inst.served <- srv.Serve(sctx, ln) }()

	inst.cookies, err = signInAll(ctx, inst.base, names)
	if err != nil {
		return fail(err)
	}
	return inst, nil
}

// signedIn adds the session cookie of the user client submits as.
func (in *instance) signedIn(req *http.Request, client int) {
	for _, c := range in.cookies[client%len(in.cookies)] {
		req.AddCookie(c)
	}
}

// close stops the server and removes the database.
func (in *instance) close() error {
	in.stop()
	var err error
	if in.base != "" {
		err = <-in.served
	}
	if in.db != nil {
		err = errors.Join(err, in.db.Close())
	}
	return errors.Join(err, os.RemoveAll(in.dir))
}

// usersPerAddress keeps sign-ins under the server's limit per client address (a burst of 20).
const usersPerAddress = 16

// signInAll signs every user in through POST /api/session and returns their cookies. The server
// limits sign-ins per address, so each group of usersPerAddress users connects from its own
// loopback address (Linux routes all of 127.0.0.0/8 to lo).
func signInAll(ctx context.Context, base string, names []string) ([][]*http.Cookie, error) {
	cookies := make([][]*http.Cookie, len(names))
	errs := make([]error, len(names))
	groups := (len(names) + usersPerAddress - 1) / usersPerAddress
	var wg sync.WaitGroup
	for g := range groups {
		wg.Go(func() {
			from := net.IPv4(127, 0, byte(g/250), byte(1+g%250))
			hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
				DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: from}, Timeout: 5 * time.Second}).DialContext,
			}}
			defer hc.CloseIdleConnections()
			for i := g * usersPerAddress; i < min(len(names), (g+1)*usersPerAddress); i++ {
				cookies[i], errs[i] = signIn(ctx, hc, base, names[i])
				if errs[i] != nil {
					errs[i] = fmt.Errorf("sign in %s from %s: %w", names[i], from, errs[i])
					return
				}
			}
		})
	}
	wg.Wait()
	return cookies, errors.Join(errs...)
}

func signIn(ctx context.Context, hc *http.Client, base, name string) ([]*http.Cookie, error) {
	body, err := json.Marshal(map[string]string{"username": name, "password": password})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/session", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	if len(resp.Cookies()) == 0 {
		return nil, errors.New("no session cookie")
	}
	return resp.Cookies(), nil
}

// loadClient is the HTTP client every load client shares: a connection kept alive per client.
func loadClient(clients int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        clients,
			MaxIdleConnsPerHost: clients,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// result is one run's measurements.
type result struct {
	name     string
	ok       int
	errors   int
	elapsed  time.Duration
	lat      []time.Duration // of the ok answers, sorted
	firstErr error
}

// load runs cfg.clients closed-loop clients for cfg.duration: each sends next(client, n),
// reads the whole answer and sends the next. Answers with status want count as ok.
func load(ctx context.Context, hc *http.Client, cfg config, name string, want int, next func(client, n int) (*http.Request, error)) result {
	type clientResult struct {
		lat      []time.Duration
		errors   int
		firstErr error
	}
	per := make([]clientResult, cfg.clients)
	begin := time.Now()
	stopAt := begin.Add(cfg.duration)
	var wg sync.WaitGroup
	for c := range cfg.clients {
		wg.Go(func() {
			r := &per[c]
			for n := 0; ctx.Err() == nil && time.Now().Before(stopAt); n++ {
				t0 := time.Now()
				err := roundTrip(hc, want, func() (*http.Request, error) { return next(c, n) })
				if err != nil {
					r.errors++
					if r.firstErr == nil {
						r.firstErr = err
					}
					continue
				}
				r.lat = append(r.lat, time.Since(t0))
			}
		})
	}
	wg.Wait()
	res := result{name: name, elapsed: time.Since(begin)}
	for _, r := range per {
		res.lat = append(res.lat, r.lat...)
		res.errors += r.errors
		if res.firstErr == nil {
			res.firstErr = r.firstErr
		}
	}
	slices.Sort(res.lat)
	res.ok = len(res.lat)
	return res
}

// roundTrip sends one request and reads the answer to the end.
func roundTrip(hc *http.Client, want int, build func() (*http.Request, error)) error {
	req, err := build()
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return fmt.Errorf("%s %s: status %d: %s", req.Method, req.URL.Path, resp.StatusCode, bytes.TrimSpace(msg))
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// percentile is the nearest-rank q-quantile of sorted durations.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func printTable(out io.Writer, rows []result) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }
	width := 0
	for _, r := range rows {
		width = max(width, len(r.name))
	}
	// Right-aligned numbers; the names padded so that they read left-aligned.
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-*s\tok\treq/s\tp50\tp90\tp99\tmax\terrors\t\n", width, "run")
	for _, r := range rows {
		fmt.Fprintf(tw, "%-*s\t%d\t%.0f\t%s\t%s\t%s\t%s\t%d\t\n", width, r.name, r.ok, float64(r.ok)/r.elapsed.Seconds(),
			ms(percentile(r.lat, 0.50)), ms(percentile(r.lat, 0.90)), ms(percentile(r.lat, 0.99)), ms(percentile(r.lat, 1)), r.errors)
	}
	tw.Flush()
	for _, r := range rows {
		if r.firstErr != nil {
			fmt.Fprintf(out, "\n%s: %d errors, the first: %v", r.name, r.errors, r.firstErr)
		}
	}
	fmt.Fprintln(out)
}
