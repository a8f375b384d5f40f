package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"
)

// The targets of a run on a 2-core machine with the load program on it too.
const (
	maxBroadcastP99 = 250 * time.Millisecond
	maxKiBPerPlayer = 32
)

// report is the outcome of a run; it prints as text and as JSON.
type report struct {
	GoVersion  string `json:"go_version"`
	NumCPU     int    `json:"num_cpu"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Server     string `json:"server"`
	Quiz       string `json:"quiz"`
	Questions  int    `json:"questions"`
	OfQuestion int    `json:"quiz_questions"`
	Seconds    int    `json:"seconds"`
	Think      string `json:"think"`

	Players        int     `json:"players"`
	Joined         int     `json:"joined"`
	JoinFailures   int     `json:"join_failures"`
	ConnectSeconds float64 `json:"connect_seconds"` // from the first dial to the last welcome
	Join           latency `json:"join"`            // per player, from dialing to welcome

	Broadcast           latency   `json:"broadcast"`             // question: from the server's sent_us to receipt
	BroadcastByQuestion []latency `json:"broadcast_by_question"` // the same, question by question
	Ack                 latency   `json:"ack"`                   // from sending an answer to its ack
	Answers             int       `json:"answers"`
	Lost                int       `json:"lost_answers"`
	Dropped             int       `json:"dropped_connections"`
	Missed              missed    `json:"missed_messages"`

	QuizSeconds float64 `json:"quiz_seconds"`
	Counted     []int   `json:"answered_per_question"` // the server's count in each reveal
	ClosedEarly int     `json:"questions_closed_early"`

	ServerMemory *memory `json:"server_memory,omitempty"` // without a pid, unknown
	ServerCPU    *phases `json:"server_cpu,omitempty"`
	LoadCPU      phases  `json:"load_program_cpu"`
	// CPU time of the rest of the machine (every other process, and interrupts not charged to
	// a process): the figures are only clean when it is near 0. Unknown without the server's pid.
	OtherCPU    *phases `json:"other_cpu,omitempty"`
	LoadPeakMiB float64 `json:"load_program_peak_mib"`

	Problems []problem `json:"problems,omitempty"`
	Targets  []target  `json:"targets"`
}

// latency summarizes durations, in milliseconds.
type latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// missed counts the messages that players should have had and did not.
type missed struct {
	Questions int `json:"questions"`
	Reveals   int `json:"reveals"`
	Results   int `json:"results"`
	Ends      int `json:"ends"`
	Finals    int `json:"finals"`
}

func (m missed) total() int { return m.Questions + m.Reveals + m.Results + m.Ends + m.Finals }

// memory is the server's resident memory, in MiB, and what each player adds, in KiB.
type memory struct {
	IdleMiB      float64 `json:"idle_mib"` // with the room created, before the players
	ConnectedMiB float64 `json:"connected_mib"`
	PeakMiB      float64 `json:"peak_mib"`
	PerPlayerKiB float64 `json:"per_player_kib"`
}

// phases is CPU time spent connecting the players and running the quiz.
type phases struct {
	Connect cpuShare `json:"connect"`
	Quiz    cpuShare `json:"quiz"`
}

// problem is one kind of failure and how often it happened.
type problem struct {
	What  string `json:"what"`
	Count int    `json:"count"`
}

// target is one goal of the run.
type target struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	OK      bool   `json:"ok"`
	Skipped bool   `json:"skipped,omitempty"` // not measured
}

func newReport(cfg config, srv *server, title string, questions, total int) *report {
	quiz := cfg.quiz
	if quiz == "" {
		quiz = strings.Join(cfg.items, ",")
	}
	return &report{
		GoVersion:  runtime.Version(),
		NumCPU:     runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		Server:     srv.base,
		Quiz:       fmt.Sprintf("%s (%s)", quiz, title),
		Questions:  questions,
		OfQuestion: total,
		Seconds:    cfg.seconds,
		Think:      cfg.think.String(),
		Players:    cfg.players,
	}
}

// addPlayers merges what every player saw; the players' goroutines must be done.
func (r *report) addPlayers(sw *swarm) {
	var joins, broadcasts, acks []time.Duration
	byQuestion := make([][]time.Duration, r.Questions)
	var lastJoin time.Time
	var probs tally
	for _, p := range sw.players {
		st := &p.st
		if st.joinErr != nil {
			r.JoinFailures++
			probs.add("join: " + st.joinErr.Error())
			continue
		}
		r.Joined++
		joins = append(joins, st.join)
		if st.joinedAt.After(lastJoin) {
			lastJoin = st.joinedAt
		}
		for q, qs := range st.q {
			if !qs.received {
				r.Missed.Questions++
				continue
			}
			broadcasts = append(broadcasts, qs.broadcast)
			byQuestion[q] = append(byQuestion[q], qs.broadcast)
			if qs.sent {
				r.Answers++
			}
			if lost := answerLoss(qs); lost != "" {
				r.Lost++
				probs.add(lost)
			}
			if qs.acked {
				acks = append(acks, qs.ack)
			}
			if !qs.reveal {
				r.Missed.Reveals++
			}
			if !qs.result {
				r.Missed.Results++
			}
		}
		if !st.end {
			r.Missed.Ends++
		}
		if !st.final {
			r.Missed.Finals++
		}
		if st.dropErr != nil {
			r.Dropped++
			probs.add("dropped: " + st.dropErr.Error())
		}
		for _, s := range st.problems {
			probs.add(s)
		}
	}
	r.ConnectSeconds = lastJoin.Sub(sw.begin).Seconds()
	r.Join = summarize(joins)
	r.Broadcast = summarize(broadcasts)
	for _, d := range byQuestion {
		r.BroadcastByQuestion = append(r.BroadcastByQuestion, summarize(d))
	}
	r.Ack = summarize(acks)
	r.Problems = probs.top(8)
}

// answerLoss says why the answer to a received question was lost, or "" when it was not.
func answerLoss(qs questionStats) string {
	switch {
	case !qs.sent:
		return "answer never sent"
	case qs.writeErr != nil:
		return "answer not sent: " + qs.writeErr.Error()
	case qs.answerErr != "":
		return "answer refused: " + qs.answerErr
	case !qs.acked:
		return "answer without ack"
	case qs.result && !qs.counted:
		return "answer acknowledged but not in the result (answered: false)"
	}
	return ""
}

func (r *report) addQuiz(runs []questionRun, from, to time.Time) {
	r.QuizSeconds = to.Sub(from).Seconds()
	for _, q := range runs {
		r.Counted = append(r.Counted, q.answered)
		if q.early {
			r.ClosedEarly++
		}
	}
}

// addUsage takes in the samples before the players, once they were connected and after the
// quiz. Without the server's pid only this program's figures are known.
func (r *report) addUsage(server bool, idle, connected, done sample) {
	r.LoadCPU = phases{Connect: share(idle.self, connected.self), Quiz: share(connected.self, done.self)}
	r.LoadPeakMiB = mib(done.self.hwmKiB)
	if !server {
		return
	}
	r.ServerCPU = &phases{Connect: share(idle.server, connected.server), Quiz: share(connected.server, done.server)}
	r.OtherCPU = &phases{Connect: restOfMachine(idle, connected), Quiz: restOfMachine(connected, done)}
	r.ServerMemory = &memory{
		IdleMiB:      mib(idle.server.rssKiB),
		ConnectedMiB: mib(connected.server.rssKiB),
		PeakMiB:      mib(done.server.hwmKiB),
	}
	if r.Joined > 0 {
		r.ServerMemory.PerPlayerKiB = float64(connected.server.rssKiB-idle.server.rssKiB) / float64(r.Joined)
	}
}

// judge checks the targets.
func (r *report) judge() {
	r.Targets = []target{
		{Name: fmt.Sprintf("broadcast p99 ≤ %d ms", maxBroadcastP99.Milliseconds()), Value: fmt.Sprintf("%.0f ms", r.Broadcast.P99),
			OK: r.Broadcast.Count > 0 && r.Broadcast.P99 <= float64(maxBroadcastP99.Milliseconds())},
		{Name: "lost answers 0", Value: fmt.Sprint(r.Lost), OK: r.Lost == 0},
		{Name: "dropped connections 0", Value: fmt.Sprint(r.Dropped), OK: r.Dropped == 0},
		{Name: "every player joined", Value: fmt.Sprintf("%d of %d", r.Joined, r.Players), OK: r.JoinFailures == 0},
		{Name: "missed messages 0", Value: fmt.Sprint(r.Missed.total()), OK: r.Missed.total() == 0},
	}
	rss := target{Name: fmt.Sprintf("RSS ≤ %d KiB/player", maxKiBPerPlayer), Skipped: true, Value: "unknown (no -pid)"}
	if r.ServerMemory != nil {
		rss = target{Name: rss.Name, Value: fmt.Sprintf("%.1f KiB", r.ServerMemory.PerPlayerKiB), OK: r.ServerMemory.PerPlayerKiB <= maxKiBPerPlayer}
	}
	r.Targets = append(r.Targets, rss)
}

// met tells whether every measured target was met.
func (r *report) met() bool {
	return !slices.ContainsFunc(r.Targets, func(t target) bool { return !t.OK && !t.Skipped })
}

func (r *report) print(w io.Writer) {
	line := func(label, format string, args ...any) {
		fmt.Fprintf(w, "%-18s %s\n", label, fmt.Sprintf(format, args...))
	}
	fmt.Fprintf(w, "\nchartcode live quiz on %s: %s, %d of %d questions, %d s each, answers within %s\n",
		r.Server, r.Quiz, r.Questions, r.OfQuestion, r.Seconds, r.Think)
	fmt.Fprintf(w, "%s, %d CPUs, GOMAXPROCS %d\n\n", r.GoVersion, r.NumCPU, r.GOMAXPROCS)
	line("players", "%d connected in %.1f s (p50 %s, p99 %s, max %s per join; %d failed)",
		r.Joined, r.ConnectSeconds, ms(r.Join.P50), ms(r.Join.P99), ms(r.Join.Max), r.JoinFailures)
	line("broadcast latency", "p50 %s  p99 %s  max %s   (%d deliveries, %d missed)",
		ms(r.Broadcast.P50), ms(r.Broadcast.P99), ms(r.Broadcast.Max), r.Broadcast.Count, r.Missed.Questions)
	var perQ []string
	for _, l := range r.BroadcastByQuestion {
		perQ = append(perQ, fmt.Sprintf("%.0f/%.0f", l.P50, l.P99))
	}
	line("", "p50/p99 by question, ms: %s", strings.Join(perQ, ", "))
	line("answer ack", "p50 %s  p99 %s  max %s   (%d answers, %d lost)",
		ms(r.Ack.P50), ms(r.Ack.P99), ms(r.Ack.Max), r.Answers, r.Lost)
	line("dropped", "%d connections", r.Dropped)
	line("missed", "%d reveals, %d results, %d ends, %d finals", r.Missed.Reveals, r.Missed.Results, r.Missed.Ends, r.Missed.Finals)
	line("quiz", "%.1f s, %d of %d questions closed early by the host; answers counted by the server: %v",
		r.QuizSeconds, r.ClosedEarly, r.Questions, r.Counted)
	if m := r.ServerMemory; m != nil {
		line("server RSS", "%+.0f MiB for %d players = %.1f KiB/player (idle %.0f MiB, connected %.0f MiB, peak %.0f MiB)",
			m.ConnectedMiB-m.IdleMiB, r.Joined, m.PerPlayerKiB, m.IdleMiB, m.ConnectedMiB, m.PeakMiB)
	} else {
		line("server RSS", "unknown (give -pid with -url)")
	}
	if c := r.ServerCPU; c != nil {
		line("server CPU", "connect %s, quiz %s", c.Connect, c.Quiz)
	} else {
		line("server CPU", "unknown (give -pid with -url)")
	}
	line("load program CPU", "connect %s, quiz %s; peak RSS %.0f MiB", r.LoadCPU.Connect, r.LoadCPU.Quiz, r.LoadPeakMiB)
	if c := r.OtherCPU; c != nil {
		line("rest of machine", "connect %s, quiz %s (other processes and interrupts)", c.Connect, c.Quiz)
		if c.Connect.busy() || c.Quiz.busy() {
			line("", "the machine was busy with other work: run again when it is quiet")
		}
	}
	for i, p := range r.Problems {
		label := ""
		if i == 0 {
			label = "problems"
		}
		line(label, "%6d × %s", p.Count, p.What)
	}
	var ts []string
	for _, t := range r.Targets {
		verdict := "ok"
		switch {
		case t.Skipped:
			verdict = "not measured"
		case !t.OK:
			verdict = "MISSED"
		}
		ts = append(ts, fmt.Sprintf("%s: %s (%s)", t.Name, verdict, t.Value))
	}
	line("targets", "%s", strings.Join(ts, "; "))
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func (c cpuShare) String() string {
	return fmt.Sprintf("%.1f s (%.0f %% of a core)", c.Seconds, c.Percent)
}

// summarize sorts d and takes its percentiles.
func summarize(d []time.Duration) latency {
	slices.Sort(d)
	return latency{
		Count: len(d),
		P50:   millis(percentile(d, 0.50)),
		P99:   millis(percentile(d, 0.99)),
		Max:   millis(percentile(d, 1)),
	}
}

// percentile is the nearest-rank q-quantile of sorted durations.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// millis is d in milliseconds, to the microsecond.
func millis(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// ms formats milliseconds for the text report.
func ms(v float64) string {
	if v < 10 {
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.0f ms", v)
}

func mib(kib int64) float64 { return float64(kib) / 1024 }

// tally counts problems by kind; addresses and ports are left out so that one kind is one line.
type tally map[string]int

var addrPort = regexp.MustCompile(`\d+\.\d+\.\d+\.\d+:\d+`)

func (t *tally) add(what string) {
	if *t == nil {
		*t = tally{}
	}
	(*t)[addrPort.ReplaceAllString(what, "ADDR")]++
}

// top is the n most frequent problems.
func (t tally) top(n int) []problem {
	ps := make([]problem, 0, len(t))
	for what, count := range t {
		ps = append(ps, problem{What: what, Count: count})
	}
	slices.SortFunc(ps, func(a, b problem) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.What, b.What))
	})
	return ps[:min(n, len(ps))]
}
