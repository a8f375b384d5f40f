// Package server is the Chartcode web application: accounts and roles, practice with instant
// grading, progress, code lookup, and the JSON API. It is the only package that imports gin.
package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"chartcode/exercises"
	"chartcode/grading/codeset"
	"chartcode/server/live"
	"chartcode/server/store"
)

// Config is everything the server is told at start. It is parsed once (flags and CHARTCODE_*
// variables) and passed down; nothing reads the environment later.
type Config struct {
	Addr       string        // listen address, e.g. ":8080"
	Dev        bool          // read templates and static files from disk on every request
	DevRoot    string        // where the source tree is for Dev (default ".")
	SessionTTL time.Duration // how long a sign-in lasts (default 14 days)
	BodyLimit  int64         // largest request body in bytes (default 1 MiB)
	// SecureCookies forces the Secure attribute on cookies (set when TLS terminates at a
	// proxy in front of the server); requests arriving over TLS get it anyway.
	SecureCookies bool
}

func (c *Config) defaults() {
	if c.Addr == "" {
		c.Addr = ":8080"
	}
	if c.DevRoot == "" {
		c.DevRoot = "."
	}
	if c.SessionTTL == 0 {
		c.SessionTTL = 14 * 24 * time.Hour
	}
	if c.BodyLimit == 0 {
		c.BodyLimit = 1 << 20
	}
}

// Deps are the things the server works with, built by the caller.
type Deps struct {
	Book    *codeset.Book
	Catalog *exercises.Catalog // the library as loaded from Content
	// Content is the library's files. With it, the catalog is rebuilt with the items trainers
	// publish (authoring); without it, the catalog stays as given and publishing is refused.
	Content fs.FS
	Store   *store.Store
	Log     *slog.Logger
	Now     func() time.Time // the clock; time.Now when nil
}

// Server is the web application.
type Server struct {
	cfg     Config
	book    *codeset.Book
	library atomic.Pointer[exercises.Catalog] // the library with the published authored items
	base    *exercises.Catalog                // the library without authored items, as loaded from content
	content fs.FS
	rebuild sync.Mutex // one catalog rebuild at a time
	db      *store.Store
	log     *slog.Logger
	now     func() time.Time
	views   *views
	engine  *gin.Engine
	hasher  *hasher
	limiter *loginLimiter
	live    *live.Hub
	handler http.Handler
}

// New builds the server and its routes.
func New(cfg Config, d Deps) (*Server, error) {
	cfg.defaults()
	if d.Book == nil || d.Catalog == nil || d.Store == nil {
		return nil, errors.New("server: book, catalog and store are required")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	v, err := newViews(cfg.Dev, cfg.DevRoot)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, book: d.Book, content: d.Content, db: d.Store, log: d.Log, now: d.Now, views: v,
		hasher: newHasher(), limiter: newLoginLimiter(d.Now), live: live.NewHub()}
	s.base = d.Catalog
	s.library.Store(d.Catalog)
	if d.Content != nil {
		if err := s.rebuildCatalog(); err != nil {
			return nil, err
		}
	}
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	engine.ContextWithFallback = true
	engine.HandleMethodNotAllowed = true
	engine.Use(s.requestLog, s.recover, s.securityHeaders, s.crossOrigin(http.NewCrossOriginProtection()), s.limitBody, s.loadSession)
	s.routes(engine)
	s.engine = engine
	engine.NoRoute(s.wrap(func(c *gin.Context) error { return errNotFound }))
	engine.NoMethod(s.wrap(func(c *gin.Context) error {
		return &httpError{Status: http.StatusMethodNotAllowed, Msg: c.Request.Method + " is not allowed here"}
	}))
	s.handler = engine
	return s, nil
}

// lib is the catalog: the built-in library and the published authored items. A publish swaps
// in a new one; a request may hold on to the one it started with.
func (s *Server) lib() *exercises.Catalog { return s.library.Load() }

// Handler returns the HTTP handler (tests use it with httptest).
func (s *Server) Handler() http.Handler { return s.handler }

// Run serves until ctx is done, then shuts down gracefully.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is done.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	go s.sweep(ctx)
	go s.sweepExamsEvery(30*time.Second, ctx.Done())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("serving", "addr", "http://"+ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.log.Info("shutting down")
	err := srv.Shutdown(shut)
	// Live quizzes run on hijacked connections, which Shutdown leaves alone: stop them (each
	// saves its open question) after the last ordinary request.
	s.live.Close()
	if err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	return nil
}

// sweep removes expired sessions now and then.
func (s *Server) sweep(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := s.db.DeleteExpiredSessions(s.now()); err != nil {
			s.log.Error("session sweep", "err", err)
		} else if n > 0 {
			s.log.Info("expired sessions removed", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
