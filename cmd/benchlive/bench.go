package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"
)

// bench creates a room on srv, connects the players, runs the quiz and reports.
func bench(ctx context.Context, cfg config, srv *server, log *slog.Logger) (*report, error) {
	api, err := signIn(ctx, srv)
	if err != nil {
		return nil, err
	}
	rm, err := api.createRoom(ctx, cfg)
	if err != nil {
		return nil, err
	}
	header := http.Header{"Origin": {srv.origin()}}
	h, err := dialHost(ctx, srv.wsURL("/live/"+rm.PIN+"/host/ws"), header, api.jar())
	if err != nil {
		return nil, err
	}
	defer h.close()
	total := h.hello.Quiz.Questions
	if total < 1 {
		return nil, errors.New("the host message tells of a quiz without questions")
	}
	questions := min(cfg.questions, total)
	log.Info("room created", "pin", rm.PIN, "id", rm.ID, "quiz", h.hello.Quiz.Title, "questions", fmt.Sprintf("%d of %d", questions, total))

	m := newMeter(srv.pid)
	idle, err := m.take()
	if err != nil {
		return nil, err
	}
	sw := newSwarm(ctx, cfg, questions, srv.wsURL("/live/"+rm.PIN+"/ws"), header)
	defer sw.close()
	log.Info("connecting players", "players", cfg.players, "per_second", cfg.connectRate)
	if err := sw.connect(ctx, cfg.connectRate, log); err != nil {
		return nil, err
	}
	connected, err := m.take()
	if err != nil {
		return nil, err
	}
	// The host's count comes at most 4 times a second.
	joined := sw.prog.joined.Load()
	if !waitUntil(ctx, 2*time.Second, func() bool { return h.players.Load() == joined }) {
		log.Warn("the host's player count is not the number of players who joined", "host", h.players.Load(), "joined", joined)
	}
	runs, err := h.runQuiz(ctx, questions, total, sw, log)
	if err != nil {
		return nil, err
	}
	done, err := m.take()
	if err != nil {
		return nil, err
	}
	sw.close()

	if cfg.csv != "" {
		if err := writeCSV(cfg.csv, sw); err != nil {
			return nil, err
		}
	}
	rep := newReport(cfg, srv, h.hello.Quiz.Title, questions, total)
	rep.addPlayers(sw)
	rep.addQuiz(runs, connected.self.at, done.self.at)
	rep.addUsage(srv.pid != 0, idle, connected, done)
	rep.judge()
	return rep, nil
}

// writeCSV writes a row per player and question: when the player joined, the question's
// broadcast latency and the answer's ack latency, in milliseconds (empty when not received).
func writeCSV(path string, sw *swarm) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"player", "joined_ms", "question", "broadcast_ms", "ack_ms"})
	for _, p := range sw.players {
		if p.st.joinErr != nil {
			continue
		}
		joined := msField(p.st.joinedAt.Sub(sw.begin), true)
		for q, qs := range p.st.q {
			w.Write([]string{p.name, joined, strconv.Itoa(q), msField(qs.broadcast, qs.received), msField(qs.ack, qs.acked)})
		}
	}
	w.Flush()
	return errors.Join(w.Error(), f.Close())
}

// msField is d in milliseconds for a CSV field, or empty when not ok.
func msField(d time.Duration, ok bool) string {
	if !ok {
		return ""
	}
	return strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64)
}
