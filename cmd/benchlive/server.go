package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// server is the Chartcode under test: a child process started by startServer, or one given by
// -url.
type server struct {
	base     string // http://127.0.0.1:port
	pid      int    // 0 when unknown: no memory or CPU figures
	user     string
	password string

	// A started server only.
	dir    string // temporary folder: binary, data, log
	cmd    *exec.Cmd
	exited chan error
}

// origin is the value of the Origin header of same-origin requests.
func (s *server) origin() string { return s.base }

// wsURL is the WebSocket URL of path.
func (s *server) wsURL(path string) string {
	return "ws" + strings.TrimPrefix(s.base, "http") + path
}

// startServer builds Chartcode from the repository around the working directory and starts
// `chartcode serve` on a free loopback port with fresh data in a temporary folder.
func startServer(ctx context.Context, log *slog.Logger) (*server, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "benchlive-*")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir, user: "admin", password: randomPassword()}
	fail := func(err error) (*server, error) {
		return nil, errors.Join(err, s.stop(true, log))
	}
	bin := filepath.Join(dir, "chartcode")
	log.Info("building chartcode", "root", root)
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("go build: %w\n%s", err, out))
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return fail(err)
	}
	s.base = "http://" + addr
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return fail(err)
	}
	defer logFile.Close() // the child has its own descriptor
	s.cmd = exec.Command(bin, "serve", "--addr", addr, "--data", filepath.Join(dir, "data"), "--admin-password", s.password)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // no orphan if we are killed
	if err := s.cmd.Start(); err != nil {
		return fail(fmt.Errorf("starting chartcode: %w", err))
	}
	s.pid = s.cmd.Process.Pid
	s.exited = make(chan error, 1)
	go func() { s.exited <- s.cmd.Wait() }()
	if err := s.waitHealthy(ctx, 30*time.Second); err != nil {
		return fail(err)
	}
	log.Info("server ready", "url", s.base, "pid", s.pid, "log", logFile.Name())
	return s, nil
}

// repoRoot is the nearest folder at or above the working directory with the go.mod of the
// module chartcode.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(mod, []byte("module chartcode\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the chartcode repository: run from it, or give -url")
		}
		dir = parent
	}
}

// freeLoopbackAddr is a loopback address with a port nobody listens on right now.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// randomPassword is a strong password (128 random bits) for the admin of a started server.
func randomPassword() string { return rand.Text() }

// waitHealthy polls GET /healthz until it answers 200.
func (s *server) waitHealthy(ctx context.Context, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	hc := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/healthz", nil)
		if err != nil {
			return err
		}
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-s.exited:
			return fmt.Errorf("chartcode serve exited before it was ready (%v): see %s", err, filepath.Join(s.dir, "server.log"))
		case <-ctx.Done():
			return fmt.Errorf("chartcode serve not healthy after %s: see %s", limit, filepath.Join(s.dir, "server.log"))
		case <-tick.C:
		}
	}
}

// stop ends a started server (SIGTERM, then SIGKILL after 15 s) and removes its temporary
// folder unless keep is set. It does nothing for a server given by -url.
func (s *server) stop(keep bool, log *slog.Logger) error {
	var err error
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(15 * time.Second):
			err = errors.New("chartcode serve did not stop within 15 s of SIGTERM: killed")
			s.cmd.Process.Kill()
			<-s.exited
		}
		s.cmd = nil
	}
	if s.dir == "" {
		return err
	}
	if keep {
		log.Info("kept the server's folder", "dir", s.dir, "log", filepath.Join(s.dir, "server.log"))
		return err
	}
	return errors.Join(err, os.RemoveAll(s.dir))
}

// room is the answer of POST /api/live.
type room struct {
	ID      string `json:"id"`
	PIN     string `json:"pin"`
	JoinURL string `json:"join_url"`
	HostURL string `json:"host_url"`
}

// apiClient talks JSON to the server as one signed-in user.
type apiClient struct {
	srv *server
	hc  *http.Client
}

// signIn signs the host in (POST /api/session); the session cookie stays in the client's jar.
func signIn(ctx context.Context, srv *server) (*apiClient, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	c := &apiClient{srv: srv, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	body := map[string]string{"username": srv.user, "password": srv.password}
	if err := c.post(ctx, "/api/session", body, http.StatusOK, nil); err != nil {
		return nil, fmt.Errorf("signing in as %s: %w", srv.user, err)
	}
	return c, nil
}

// createRoom creates the live quiz: a library quiz, or an ad-hoc one of items.
func (c *apiClient) createRoom(ctx context.Context, cfg config) (room, error) {
	body := map[string]any{"seconds": cfg.seconds, "speed_points": true, "streaks": true, "leaderboard": true}
	if cfg.quiz != "" {
		body["quiz"] = cfg.quiz
	} else {
		body["items"] = cfg.items
	}
	var r room
	if err := c.post(ctx, "/api/live", body, http.StatusCreated, &r); err != nil {
		return r, fmt.Errorf("creating the room: %w", err)
	}
	if r.PIN == "" {
		return r, errors.New("creating the room: the answer has no pin")
	}
	return r, nil
}

// post sends body as JSON, same-origin, and decodes the answer into out (when not nil).
func (c *apiClient) post(ctx context.Context, path string, body any, want int, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.srv.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Origin", c.srv.origin())
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("POST %s: status %d: %s", path, resp.StatusCode, bytes.TrimSpace(msg))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(msg, out); err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	return nil
}

// jar holds the session cookie, for the host socket's handshake.
func (c *apiClient) jar() http.CookieJar { return c.hc.Jar }
