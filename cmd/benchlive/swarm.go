package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

// maxPendingJoins bounds the handshakes under way at once, below the server's listen backlog
// (net.core.somaxconn, 4096 by default), so that no connection waits for a SYN to be resent.
const maxPendingJoins = 1000

// swarm is the players of a run.
type swarm struct {
	players []*player
	prog    progress
	url     string
	header  http.Header
	dialer  *websocket.Dialer
	ctx     context.Context    // the players' sockets close when it is done
	stop    context.CancelFunc // closes every socket
	readers sync.WaitGroup     // a goroutine per player
	timers  sync.WaitGroup     // the answer timers
	begin   time.Time          // the first dial
}

func newSwarm(ctx context.Context, cfg config, questions int, url string, header http.Header) *swarm {
	sw := &swarm{
		players: make([]*player, cfg.players),
		prog:    progress{resulted: make([]atomic.Int64, questions)},
		url:     url,
		header:  header,
		// Small buffers: this process holds as many sockets as the server.
		dialer: &websocket.Dialer{ReadBufferSize: 1024, WriteBufferSize: 1024, HandshakeTimeout: joinTimeout},
	}
	sw.ctx, sw.stop = context.WithCancel(ctx)
	for i := range sw.players {
		sw.players[i] = &player{
			name:   fmt.Sprintf("p%05d", i+1),
			think:  cfg.think,
			prog:   &sw.prog,
			timers: &sw.timers,
			st:     playerStats{q: make([]questionStats, questions)},
		}
	}
	return sw
}

// connect starts every player, at most perSecond a second (0: no limit), and waits until each
// has joined or failed to.
func (sw *swarm) connect(ctx context.Context, perSecond int, log *slog.Logger) error {
	lim := rate.NewLimiter(rate.Inf, 0)
	if perSecond > 0 {
		lim = rate.NewLimiter(rate.Limit(perSecond), max(1, perSecond/100))
	}
	pending := make(chan struct{}, maxPendingJoins)
	sw.begin = time.Now()
	for _, p := range sw.players {
		if err := lim.Wait(ctx); err != nil {
			return fmt.Errorf("connecting players: %w", err)
		}
		select {
		case pending <- struct{}{}:
		case <-ctx.Done():
			return fmt.Errorf("connecting players: %w", ctx.Err())
		}
		sw.readers.Go(func() {
			err := p.join(sw.ctx, sw.dialer, sw.url, sw.header)
			<-pending
			if err != nil {
				p.st.joinErr = err
				sw.prog.failed.Add(1)
				return
			}
			sw.prog.joined.Add(1)
			p.play(func() bool { return sw.ctx.Err() != nil })
		})
	}
	n := int64(len(sw.players))
	if !waitUntil(ctx, joinTimeout+5*time.Second, func() bool { return sw.prog.joined.Load()+sw.prog.failed.Load() == n }) {
		return fmt.Errorf("connecting players: %d joined and %d failed of %d after %s", sw.prog.joined.Load(), sw.prog.failed.Load(), n, time.Since(sw.begin).Round(time.Millisecond))
	}
	log.Info("players connected", "joined", sw.prog.joined.Load(), "failed", sw.prog.failed.Load(), "in", time.Since(sw.begin).Round(time.Millisecond))
	return nil
}

// close closes every socket and waits for the players' goroutines.
func (sw *swarm) close() {
	sw.stop()
	sw.readers.Wait()
	sw.timers.Wait()
}

// waitUntil polls cond every 5 ms until it holds (true), limit passes or ctx is done (false).
func waitUntil(ctx context.Context, limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
	return true
}
