// Chartcode live quizzes: the join form, the player page and the host console, over the
// WebSocket protocol of docs/live-protocol.md. No framework. Server text reaches the page
// through textContent; only item bodies and rationales, which the server renders from Markdown
// with raw HTML disabled, are set as HTML.
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text != null) e.textContent = text;
    return e;
  }

  function show(node, on) { node.hidden = !on; }

  // focusOn moves the focus to a heading of a screen that just appeared, so that keyboard and
  // screen-reader users start there, and scrolls to the top.
  function focusOn(node) {
    node.setAttribute("tabindex", "-1");
    node.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }

  // screens shows the section of root whose id is id and hides the other [data-screen]s.
  function screens(root) {
    var all = root.querySelectorAll("[data-screen]");
    return function (id) {
      Array.prototype.forEach.call(all, function (s) { s.hidden = s.id !== id; });
    };
  }

  function ordinal(n) {
    var s = ["th", "st", "nd", "rd"], v = n % 100;
    return n + (s[(v - 20) % 10] || s[v] || s[0]);
  }

  function num(n) { return (n || 0).toLocaleString("en-US"); }

  function plural(n, one, many) { return num(n) + " " + (n === 1 ? one : many); }

  // socket keeps one WebSocket to path open: o.open() runs on every connection, o.message(m)
  // on every message, o.close(ev) decides whether to reconnect (return true), and o.retry(ms)
  // is told before each new attempt. Attempts back off 1 s, 2 s, 4 s … up to 10 s, and start
  // again from 1 s once ok() is called (a connection that got somewhere). After every third
  // attempt in a row that could not connect, o.gone() is called if the page itself says the
  // room is no longer there (a redirect or a 404): the server restarted, or the room ended.
  function socket(path, o) {
    var ws = null, attempt = 0, timer = null, stopped = true, failed = 0;
    function url() { return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path; }
    function connect() {
      clearTimeout(timer);
      timer = null;
      stopped = false;
      var w;
      try { w = new WebSocket(url()); } catch (e) { schedule(); return; }
      ws = w;
      var opened = false;
      w.onopen = function () { if (ws !== w) return; opened = true; failed = 0; o.open(); };
      w.onmessage = function (ev) {
        if (ws !== w) return;
        var m;
        try { m = JSON.parse(ev.data); } catch (e) { return; }
        if (m && typeof m.type === "string") o.message(m);
      };
      w.onclose = function (ev) {
        if (ws !== w) return;
        ws = null;
        if (!opened) failed++;
        if (stopped) return;
        if (o.close(ev)) schedule(); else stopped = true;
      };
    }
    function schedule() {
      var delay = Math.min(10000, 1000 * Math.pow(2, attempt));
      attempt++;
      o.retry(delay);
      timer = setTimeout(connect, delay);
      if (failed && failed % 3 === 0 && o.gone) {
        fetch(location.pathname, { redirect: "manual", credentials: "same-origin", cache: "no-store" })
          .then(function (r) {
            if (!stopped && (r.type === "opaqueredirect" || r.status === 404)) {
              stopped = true;
              clearTimeout(timer);
              timer = null;
              o.gone();
            }
          })
          .catch(function () { /* the server is down: keep trying */ });
      }
    }
    // Back online, or back on the page after the phone slept: try at once.
    function soon() { if (timer) { attempt = 0; connect(); } }
    window.addEventListener("online", soon);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) soon(); });
    return {
      start: function () { if (!ws) connect(); },
      open: function () { return !!ws && ws.readyState === WebSocket.OPEN; },
      active: function () { return !!ws || !!timer; },
      send: function (m) {
        if (!ws || ws.readyState !== WebSocket.OPEN) return false;
        ws.send(JSON.stringify(m));
        return true;
      },
      ok: function () { attempt = 0; },
      stop: function () {
        stopped = true;
        clearTimeout(timer);
        timer = null;
        var w = ws;
        ws = null;
        if (w) w.close(1000);
      }
    };
  }

  // countdown shows the seconds left in text and a shrinking bar, and tells screen readers at
  // 30, 10 and 5 seconds and when time is up. The server decides the deadline: this only
  // counts down from the remaining_ms it sent, from the moment it arrived.
  function countdown(text, bar, announce, onZero) {
    var end = 0, total = 1, iv = null, last = null, first = null;
    function paint(ms) {
      var s = Math.ceil(ms / 1000);
      text.textContent = String(s);
      text.parentNode.classList.toggle("is-low", s <= 5);
      bar.style.width = Math.max(0, Math.min(100, 100 * ms / total)) + "%";
      bar.classList.toggle("is-low", s <= 5);
      if (s !== last) {
        if (s === 0 && last !== null) announce.textContent = "Time is up.";
        else if ((s === 30 || s === 10 || s === 5) && first !== null && s < first) announce.textContent = s + " seconds left.";
        last = s;
      }
      return s;
    }
    function tick() {
      var ms = Math.max(0, end - Date.now());
      paint(ms);
      if (ms <= 0) {
        clearInterval(iv);
        iv = null;
        if (onZero) onZero();
      }
    }
    return {
      start: function (remaining, seconds) {
        clearInterval(iv);
        total = Math.max(1, (seconds || 0) * 1000, remaining);
        end = Date.now() + Math.max(0, remaining);
        last = null;
        first = Math.ceil(remaining / 1000);
        announce.textContent = "";
        tick();
        if (remaining > 0) iv = setInterval(tick, 200);
      },
      freeze: function (remaining) {
        clearInterval(iv);
        iv = null;
        paint(Math.max(0, remaining));
      },
      stop: function () { clearInterval(iv); iv = null; }
    };
  }

  // --- join form ---------------------------------------------------------------------------

  function joinForm(form) {
    var pin = form.querySelector("input[name=pin]");
    // People copy the PIN as it is shown ("482 913"): keep the digits only.
    pin.addEventListener("input", function () {
      var d = pin.value.replace(/\D+/g, "").slice(0, 6);
      if (d !== pin.value) pin.value = d;
    });
  }

  // --- shared renderers --------------------------------------------------------------------

  // choiceList returns the choices to show for a reveal: the item's when we saw the question,
  // else the key's, else the letters counted in the distribution.
  function revealChoices(item, m) {
    if (item && item.id === m.item_id && item.choices && item.choices.length) return item.choices;
    var k = (m.key && m.key.choices) || [];
    if (k.length) return k.map(function (c) { return typeof c === "string" ? { letter: c, text: "" } : c; });
    return Object.keys(m.distribution || {}).sort().map(function (l) { return { letter: l, text: "" }; });
  }

  function isCodes(m) {
    var t = m.item_type || (m.key && m.key.codes != null ? "case" : "");
    return t === "case" || (m.key && typeof m.key.codes === "string" && !m.key.correct);
  }

  // keyBlock renders the answer key of a reveal.
  function keyBlock(box, m, item) {
    box.textContent = "";
    var key = m.key || {};
    if (isCodes(m)) {
      var p = el("p", { "class": "live-key" });
      p.appendChild(el("strong", null, "Key: "));
      p.appendChild(el("code", { "class": "key" }, key.codes || "—"));
      box.appendChild(p);
      if (/[|*]/.test(key.codes || "")) {
        box.appendChild(el("p", { "class": "hint" }, "| separates codes that are equally right; * marks a code that may be left out."));
      }
      return;
    }
    var correct = key.correct || [];
    var choices = revealChoices(item, m);
    var p2 = el("p", { "class": "live-key" });
    p2.appendChild(el("strong", null, correct.length > 1 ? "Correct answers: " : "Correct answer: "));
    correct.forEach(function (l, i) {
      if (i) p2.appendChild(document.createTextNode(", "));
      var c = choices.filter(function (x) { return x.letter === l; })[0];
      p2.appendChild(el("span", { "class": "letter is-correct" }, l));
      if (c && c.text) p2.appendChild(document.createTextNode(" " + c.text));
    });
    box.appendChild(p2);
  }

  function rationale(box, html) {
    if (html) {
      box.innerHTML = html; // server-rendered, sanitised Markdown
      show(box, true);
    } else {
      box.textContent = "";
      show(box, false);
    }
  }

  function podium(list, rows) {
    list.textContent = "";
    (rows || []).forEach(function (r) {
      var li = el("li", { "class": "live-podium-" + Math.min(r.rank, 3) });
      li.appendChild(el("span", { "class": "live-rank" }, ordinal(r.rank)));
      li.appendChild(el("span", { "class": "live-name" }, r.name));
      li.appendChild(el("span", { "class": "live-points" }, num(r.score)));
      list.appendChild(li);
    });
    show(list, !!(rows && rows.length));
  }

  // errorText is what a person reads for an error message: the server's own words where they
  // say more than a code (a taken name, why an answer was refused), plain ones otherwise.
  function errorText(m) {
    var plain = {
      bad_message: "The server did not understand a message. Reload the page if this keeps happening.",
      hello_required: "The connection timed out before joining. Try again.",
      name_required: "Please enter a name (up to 24 characters).",
      kicked: "You were removed from this quiz by the host.",
      room_full: "This quiz is full: no more players can join.",
      ended: "This quiz is over: nobody new can join.",
      not_open: "This question is not open right now.",
      late: "Too late: time was up, so this answer does not count.",
      invalid_answer: "That answer could not be accepted. Check it and send it again."
    };
    var msg = typeof m.message === "string" ? m.message.trim() : "";
    if (msg) {
      msg = msg.charAt(0).toUpperCase() + msg.slice(1);
      if (!/[.!?]$/.test(msg)) msg += ".";
    }
    switch (m.code) {
    case "invalid_answer":
      return msg ? "That answer was not accepted: " + msg.charAt(0).toLowerCase() + msg.slice(1) + " Check it and send it again." : plain.invalid_answer;
    case "name_required":
    case "name_taken":
    case "bad_state":
    case "no_player":
      return msg || plain[m.code] || m.code;
    }
    return plain[m.code] || msg || ("Error: " + m.code);
  }

  // --- player ------------------------------------------------------------------------------

  function player(root) {
    var pin = root.getAttribute("data-pin"), path = root.getAttribute("data-ws");
    var key = "chartcode-live-" + pin;
    var go = screens(root);
    var status = $("play-status");
    var st = { name: "", pendingName: null, welcomed: false, q: -1, item: null, answered: false, paused: false,
      timeUp: false, picked: null, sentCodes: "", phase: "", done: false };

    function token() { try { return sessionStorage.getItem(key); } catch (e) { return null; } }
    function setToken(t) { try { if (t) sessionStorage.setItem(key, t); else sessionStorage.removeItem(key); } catch (e) { /* private mode */ } }
    function say(text, bad) {
      status.textContent = text || "";
      status.classList.toggle("is-error", !!bad);
    }

    var nameForm = $("name-form"), nameInput = $("player-name"), nameError = $("name-error");
    function nameScreen(err) {
      go("screen-name");
      nameError.textContent = err || "";
      nameInput.setAttribute("aria-invalid", err ? "true" : "false");
      nameForm.querySelector("button").disabled = false;
      nameInput.focus();
    }

    function gone(text, action, href) {
      st.done = true;
      conn.stop();
      clock.stop();
      say("");
      $("gone-text").textContent = text;
      var a = $("gone-action");
      a.textContent = action;
      a.setAttribute("href", href);
      go("screen-gone");
    }

    var clock = countdown($("question-timer"), $("question-timebar"), $("question-announce"), function () {
      st.timeUp = true;
      lock();
      if (!st.answered) state("Time is up.");
    });

    var conn = socket(path, {
      open: function () {
        var t = token();
        if (t) conn.send({ type: "hello", token: t });
        else if (st.pendingName) conn.send({ type: "hello", name: st.pendingName });
      },
      message: onMessage,
      close: function (ev) {
        st.welcomed = false;
        if (st.done) return false;
        if (ev.code === 4000) {
          gone("This quiz was opened in another tab or on another device, so this one stopped.", "Play here instead", location.pathname);
          return false;
        }
        if (st.phase === "end") { say(""); return false; }
        // Nothing to say to the server yet (the name form is showing): connect again on submit.
        if (!token() && !st.pendingName) { say(""); return false; }
        return true;
      },
      retry: function () { say("Reconnecting…"); },
      gone: function () {
        setToken(null);
        gone("This quiz is no longer running.", "Join a quiz", "/join");
      }
    });

    nameForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var name = nameInput.value.replace(/\s+/g, " ").trim();
      if (!name || name.length > 24) { nameScreen("Please enter a name (up to 24 characters)."); return; }
      nameError.textContent = "";
      nameForm.querySelector("button").disabled = true;
      st.pendingName = name;
      say("Joining…");
      if (conn.open()) conn.send({ type: "hello", name: name });
      else conn.start();
    });

    // --- answering
    var form = $("answer-form"), submit = $("answer-submit"), codes = $("answer-codes");
    function state(text, bad) {
      var s = $("answer-state");
      s.textContent = text || "";
      s.classList.toggle("is-error", !!bad);
    }
    function inputs() { return form.querySelectorAll("input, textarea, button"); }
    function lock() { Array.prototype.forEach.call(inputs(), function (i) { i.disabled = true; }); }
    function unlock() {
      if (st.answered || st.paused || st.timeUp) return;
      Array.prototype.forEach.call(inputs(), function (i) { i.disabled = false; });
    }

    function renderQuestion(m) {
      var it = m.item || {};
      // The same question again (sent after a reconnect): keep what the player had picked.
      var again = m.q === st.q && st.item && st.item.id === it.id && !$("screen-question").hidden;
      st.q = m.q;
      st.item = it;
      st.seconds = m.seconds;
      st.answered = !!m.answered;
      st.paused = false;
      st.timeUp = false;
      st.phase = "question";
      show($("question-paused"), false);
      if (!again) {
        st.picked = null;
        st.sentCodes = "";
        $("question-num").textContent = "Question " + (m.q + 1) + " / " + m.of;
        $("question-title").textContent = it.title || "";
        $("question-body").innerHTML = it.body || ""; // server-rendered, sanitised Markdown
        state("");
        var opts = $("answer-options");
        opts.textContent = "";
        codes.value = "";
        var isCase = it.type === "case";
        show($("answer-choices"), !isCase);
        show($("answer-codes-wrap"), isCase);
        if (!isCase) {
          var multi = it.type === "multi";
          $("answer-legend").textContent = multi ? "Pick " + (it.choose || "all that apply") + "." : "Choose one.";
          (it.choices || []).forEach(function (c, i) {
            var id = "opt-" + m.q + "-" + i;
            var label = el("label", { "class": "choice live-choice", "for": id });
            label.appendChild(el("input", { type: multi ? "checkbox" : "radio", name: "choice", value: c.letter, id: id }));
            label.appendChild(el("span", { "class": "letter" }, c.letter));
            label.appendChild(el("span", null, c.text));
            opts.appendChild(label);
          });
        }
        go("screen-question");
      }
      Array.prototype.forEach.call(inputs(), function (i) { i.disabled = false; });
      if (st.answered) { lock(); state("Answer received."); }
      else if (again) state("");
      clock.start(m.remaining_ms || 0, m.seconds);
      if (!again) focusOn($("question-title"));
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (st.answered || st.paused || st.timeUp || st.q < 0) return;
      var it = st.item || {}, msg = { type: "answer", q: st.q };
      if (it.type === "case") {
        var text = codes.value.trim();
        if (!text) { state("Type at least one code.", true); codes.focus(); return; }
        msg.codes = text;
        st.sentCodes = text;
      } else {
        var picked = [];
        form.querySelectorAll("input[name=choice]").forEach(function (c) { if (c.checked) picked.push(c.value); });
        if (!picked.length) { state(it.type === "multi" ? "Pick " + (it.choose || "your answers") + " first." : "Pick an answer first.", true); return; }
        if (it.type === "multi" && it.choose && picked.length !== it.choose) {
          state("Pick exactly " + it.choose + " (you picked " + picked.length + ").", true);
          return;
        }
        msg.choices = picked;
        st.picked = picked;
      }
      if (!conn.send(msg)) { state("Not connected: wait a moment and send again.", true); return; }
      lock();
      state("Sending…");
    });

    // --- reveal and results
    function renderReveal(m) {
      clock.stop();
      st.phase = "reveal";
      var sameQ = m.q === st.q && st.item && st.item.id === m.item_id;
      var verdict = $("result-verdict");
      verdict.textContent = m.skipped ? "Question skipped" : "Time's up";
      verdict.className = "live-verdict";
      $("result-facts").textContent = "";
      show($("result-card"), true);
      $("reveal-title").textContent = sameQ && st.item.title ? st.item.title : "The answer";
      var box = $("reveal-key");
      keyBlock(box, m, sameQ ? st.item : null);
      if (!isCodes(m)) {
        var correct = (m.key && m.key.correct) || [];
        var ul = el("ul", { "class": "choices-review" });
        revealChoices(sameQ ? st.item : null, m).forEach(function (c) {
          var ok = correct.indexOf(c.letter) >= 0, mine = sameQ && st.picked && st.picked.indexOf(c.letter) >= 0;
          var li = el("li", { "class": (ok ? "is-correct " : "") + (mine ? "is-picked" : "") });
          li.appendChild(el("span", { "class": "letter" }, c.letter));
          if (c.text) li.appendChild(document.createTextNode(" " + c.text + " "));
          if (ok) li.appendChild(el("span", { "class": "status status-correct" }, "correct answer"));
          if (mine) li.appendChild(el("span", { "class": "status status-picked" }, "your answer"));
          ul.appendChild(li);
        });
        box.appendChild(ul);
      } else if (sameQ && st.sentCodes) {
        var p = el("p");
        p.appendChild(el("strong", null, "You sent: "));
        p.appendChild(el("code", null, st.sentCodes));
        box.appendChild(p);
      }
      rationale($("reveal-rationale"), m.rationale);
      var wasOpen = !$("screen-reveal").hidden;
      go("screen-reveal");
      if (!wasOpen) focusOn(verdict);
      if (m.skipped) show($("result-card"), false);
    }

    function renderResult(m) {
      var verdict = $("result-verdict"), facts = $("result-facts");
      var c = m.credit || 0, cls;
      if (!m.answered) { verdict.textContent = "No answer"; cls = "is-none"; }
      else if (c >= 1) { verdict.textContent = "Correct!"; cls = "is-ok"; }
      else if (c > 0) { verdict.textContent = "Partly right"; cls = "is-partial"; }
      else { verdict.textContent = "Not right this time"; cls = "is-bad"; }
      verdict.className = "live-verdict " + cls;
      facts.textContent = "";
      function fact(label, value) {
        var d = el("div");
        d.appendChild(el("dt", null, label));
        d.appendChild(el("dd", null, value));
        facts.appendChild(d);
      }
      if (m.answered) fact("Credit", Math.round(100 * c) + " %");
      fact("Points", "+" + num(m.points) + (m.bonus ? " (streak bonus +" + num(m.bonus) + ")" : ""));
      fact("Score", num(m.score));
      if (m.streak) fact("Streak", String(m.streak));
      if (m.rank) fact("Rank", ordinal(m.rank) + (m.of ? " of " + num(m.of) : ""));
      $("play-score").textContent = num(m.score);
      show($("result-card"), true);
    }

    function renderEnd(m) {
      clock.stop();
      st.phase = "end";
      if (m.questions) st.questions = m.questions;
      $("end-detail").textContent = m.questions != null ? plural(m.questions, "question", "questions") + " · " + plural(m.players, "player", "players") : "";
      var rows = m.podium || [];
      podium($("end-podium"), rows);
      show($("end-podium-card"), rows.length > 0);
      go("screen-end");
      focusOn($("end-title"));
    }

    function renderFinal(m) {
      st.phase = "end";
      $("end-score").textContent = "Final score " + num(m.score);
      $("end-rank").textContent = m.rank ? "You came " + ordinal(m.rank) + (m.of ? " of " + num(m.of) : "") + "." : "";
      var n = m.answered || 0;
      $("end-detail").textContent = "You answered " + (st.questions ? num(n) + " of " + plural(st.questions, "question", "questions") : plural(n, "question", "questions")) +
        ", " + num(m.correct) + " fully right.";
      $("play-score").textContent = num(m.score);
      if ($("screen-end").hidden) go("screen-end");
    }

    function onMessage(m) {
      switch (m.type) {
      case "welcome":
        conn.ok();
        st.welcomed = true;
        st.pendingName = null;
        setToken(m.token);
        st.name = (m.player && m.player.name) || st.name;
        if (m.quiz && m.quiz.questions) st.questions = m.quiz.questions;
        $("play-score").textContent = num(m.score);
        show($("play-scorebox"), true);
        say("");
        $("lobby-text").textContent = "You're in, " + st.name + ".";
        st.phase = m.phase;
        if (m.phase === "lobby" || $("screen-lobby").hidden && $("screen-question").hidden && $("screen-reveal").hidden && $("screen-end").hidden) {
          go("screen-lobby");
        }
        break;
      case "question":
        renderQuestion(m);
        break;
      case "paused":
        if (m.q !== st.q) break;
        st.paused = true;
        st.phase = "paused";
        clock.freeze(m.remaining_ms || 0);
        show($("question-paused"), true);
        lock();
        break;
      case "resumed":
        if (m.q !== st.q) break;
        st.paused = false;
        st.phase = "question";
        show($("question-paused"), false);
        clock.start(m.remaining_ms || 0, st.seconds);
        unlock();
        break;
      case "ack":
        if (m.q !== st.q) break;
        st.answered = true;
        lock();
        state("Answer received" + (m.elapsed_ms != null ? " after " + (m.elapsed_ms / 1000).toFixed(1) + " s." : "."));
        break;
      case "reveal":
        renderReveal(m);
        break;
      case "result":
        renderResult(m);
        break;
      case "end":
        renderEnd(m);
        break;
      case "final":
        renderFinal(m);
        break;
      case "kicked":
        setToken(null);
        gone("You were removed from this quiz by the host.", "Join a quiz", "/join");
        break;
      case "error":
        onError(m);
        break;
      }
    }

    function onError(m) {
      switch (m.code) {
      case "bad_token":
        setToken(null);
        st.pendingName = null;
        conn.stop();
        say("");
        nameScreen("");
        break;
      case "name_taken":
      case "name_required":
        st.pendingName = null;
        say("");
        nameScreen(errorText(m));
        break;
      case "kicked":
        setToken(null);
        gone("You were removed from this quiz by the host.", "Join a quiz", "/join");
        break;
      case "room_full":
      case "ended":
        if (!st.welcomed) setToken(null);
        gone(errorText(m), "Join a quiz", "/join");
        break;
      case "hello_required":
        if (!st.welcomed && !token()) { say(""); nameScreen(""); }
        break;
      case "late":
        st.timeUp = true;
        state(errorText(m), true);
        lock();
        break;
      case "not_open":
        if (m.q != null && m.q !== st.q) break;
        state(errorText(m), true);
        unlock();
        break;
      case "invalid_answer":
        if (m.q != null && m.q !== st.q) break;
        state(errorText(m), true);
        unlock();
        break;
      default:
        say(errorText(m), true);
      }
    }

    if (token()) {
      go("screen-connecting");
      conn.start();
    } else {
      nameScreen("");
      nameInput.select();
    }
  }

  // --- host --------------------------------------------------------------------------------

  function host(root) {
    var path = root.getAttribute("data-ws");
    var go = screens(root);
    var status = $("host-status");
    var st = { quiz: null, q: -1, of: 0, item: null, players: 0, phase: "", done: false, paused: false };

    function say(text, bad) {
      status.textContent = text || "";
      status.classList.toggle("is-error", !!bad);
    }

    var conn = socket(path, {
      open: function () { say(""); },
      message: onMessage,
      close: function (ev) {
        if (st.done) return false;
        if (ev.code === 4000) {
          st.done = true;
          clock.stop();
          say("This console was opened in another tab: use that one, or reload here.", true);
          return false;
        }
        return st.phase !== "end";
      },
      retry: function () { say("Reconnecting…", true); },
      gone: function () {
        st.done = true;
        clock.stop();
        say("This live quiz is no longer running (or you were signed out). Reload the page.", true);
      }
    });

    var clock = countdown($("hq-timer"), $("hq-timebar"), $("hq-announce"), null);

    // Commands: the buttons of the screen are disabled until the server answers, so a double
    // click cannot skip a question.
    function command(type, extra, btn) {
      var m = { type: type };
      if (extra) Object.keys(extra).forEach(function (k) { m[k] = extra[k]; });
      if (!conn.send(m)) { say("Not connected: try again in a moment.", true); return; }
      if (btn) {
        var box = btn.closest("[data-screen]");
        Array.prototype.forEach.call((box || root).querySelectorAll("button"), function (b) { b.disabled = true; });
      }
    }
    function enableAll(screen) {
      Array.prototype.forEach.call($(screen).querySelectorAll("button"), function (b) { b.disabled = false; });
    }
    function view(id) {
      enableAll(id);
      go(id);
    }

    $("host-start").addEventListener("click", function () { command("start", null, this); });
    $("hq-close").addEventListener("click", function () { command("close", null, this); });
    $("hq-pause").addEventListener("click", function () { command(st.paused ? "resume" : "pause", null, this); });
    $("hq-skip").addEventListener("click", function () { command("skip", null, this); });
    $("hr-next").addEventListener("click", function () { command("next", null, this); });
    function endQuiz() {
      if (window.confirm("End the quiz now for everyone? An open question is scored first.")) command("end", null, this);
    }
    $("hq-end").addEventListener("click", endQuiz);
    $("hr-end").addEventListener("click", endQuiz);

    var fs = $("host-fullscreen");
    if (!document.documentElement.requestFullscreen) fs.hidden = true;
    fs.addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen();
      else document.documentElement.requestFullscreen().catch(function () {});
    });
    document.addEventListener("fullscreenchange", function () {
      fs.textContent = document.fullscreenElement ? "Leave full screen" : "Full screen";
    });

    function setCount(n) {
      st.players = n;
      $("host-count").textContent = num(n);
      $("host-count-word").textContent = n === 1 ? "player" : "players";
      $("host-count-small").textContent = num(n);
    }

    function renderPlayers(m) {
      setCount(m.count || 0);
      $("host-left").textContent = m.left ? "(" + num(m.left) + " disconnected)" : "";
      var list = $("host-names");
      list.textContent = "";
      (m.recent || []).forEach(function (p) {
        var li = el("li");
        li.appendChild(el("span", { "class": "live-name" }, p.name));
        var b = el("button", { type: "button", "class": "link live-kick", "aria-label": "Remove " + p.name }, "remove");
        b.addEventListener("click", function () {
          if (window.confirm("Remove " + p.name + " from the quiz? Their score is dropped.")) command("kick", { player: p.id });
        });
        li.appendChild(b);
        list.appendChild(li);
      });
      show($("host-names-empty"), !(m.recent && m.recent.length));
    }

    function qnum(q) { return "Question " + (q + 1) + " / " + (st.of || (st.quiz && st.quiz.questions) || "?"); }

    function renderQuestion(m) {
      var it = m.item || {};
      st.q = m.q;
      st.of = m.of;
      st.item = it;
      st.seconds = m.seconds;
      st.paused = false;
      st.phase = "question";
      $("hq-num").textContent = qnum(m.q);
      $("hq-title").textContent = it.title || "";
      $("hq-body").innerHTML = it.body || ""; // server-rendered, sanitised Markdown
      var ch = $("hq-choices");
      ch.textContent = "";
      (it.choices || []).forEach(function (c) {
        var li = el("li");
        li.appendChild(el("span", { "class": "letter" }, c.letter));
        li.appendChild(el("span", null, c.text));
        ch.appendChild(li);
      });
      var choose = $("hq-choose");
      choose.textContent = it.type === "multi" ? "Pick " + (it.choose || "all that apply") + "." : it.type === "case" ? "Players type the codes." : "";
      show(choose, it.type === "multi" || it.type === "case");
      $("hq-answered").textContent = "0 of " + num(st.players);
      show($("hq-paused"), false);
      $("hq-pause").textContent = "Pause";
      view("host-question");
      clock.start(m.remaining_ms || 0, m.seconds);
    }

    function bars(list, rows, total) {
      list.textContent = "";
      var max = 0;
      rows.forEach(function (r) { if (r.count > max) max = r.count; });
      rows.forEach(function (r) {
        var li = el("li", { "class": "live-dist-row" + (r.cls ? " " + r.cls : "") });
        var label = el("span", { "class": "live-dist-label" });
        if (r.letter) label.appendChild(el("span", { "class": "letter" + (r.correct ? " is-correct" : "") }, r.letter));
        label.appendChild(el("span", { "class": "live-dist-text" }, r.text));
        if (r.correct) label.appendChild(el("span", { "class": "status status-correct" }, "correct"));
        li.appendChild(label);
        var track = el("span", { "class": "live-dist-track", "aria-hidden": "true" });
        var fill = el("span", { "class": "live-dist-fill" });
        fill.style.width = (total > 0 ? 100 * r.count / total : 0) + "%";
        track.appendChild(fill);
        li.appendChild(track);
        li.appendChild(el("span", { "class": "live-dist-count" }, num(r.count) + (total > 0 ? " · " + Math.round(100 * r.count / total) + " %" : "")));
        list.appendChild(li);
      });
    }

    function renderReveal(m) {
      clock.stop();
      st.phase = "reveal";
      st.q = m.q;
      var sameQ = st.item && st.item.id === m.item_id;
      $("hr-num").textContent = qnum(m.q);
      $("hr-title").textContent = sameQ ? st.item.title || "" : "";
      show($("hr-skipped"), !!m.skipped);
      $("hr-answered").textContent = num(m.answered) + " of " + num(m.players) + " answered";
      var d = m.distribution || {}, rows;
      if (isCodes(m)) {
        rows = [
          { text: "Fully right", count: d.full || 0, cls: "is-full" },
          { text: "Partly right", count: d.partial || 0, cls: "is-partial" },
          { text: "Not right", count: d.none || 0, cls: "is-none" }
        ];
      } else {
        var correct = (m.key && m.key.correct) || [];
        rows = revealChoices(sameQ ? st.item : null, m).map(function (c) {
          var ok = correct.indexOf(c.letter) >= 0;
          return { letter: c.letter, text: c.text, count: d[c.letter] || 0, correct: ok, cls: ok ? "is-correct" : "" };
        });
      }
      bars($("hr-dist"), rows, m.answered || 0);
      var none = (m.players || 0) - (m.answered || 0);
      $("hr-noanswer").textContent = none > 0 ? plural(none, "player", "players") + " did not answer." : "";
      keyBlock($("hr-key"), m, sameQ ? st.item : null);
      rationale($("hr-rationale"), m.rationale);
      var board = m.leaderboard || [];
      var ol = $("hr-board");
      ol.textContent = "";
      board.forEach(function (r) {
        var li = el("li");
        li.appendChild(el("span", { "class": "live-rank" }, ordinal(r.rank)));
        li.appendChild(el("span", { "class": "live-name" }, r.name));
        li.appendChild(el("span", { "class": "live-points" }, num(r.score)));
        ol.appendChild(li);
      });
      show($("hr-board-card"), board.length > 0);
      var of = st.of || (st.quiz && st.quiz.questions) || 0;
      $("hr-next").textContent = of && m.q + 1 >= of ? "Finish the quiz" : "Next question";
      view("host-reveal");
    }

    function renderEnd(m) {
      clock.stop();
      st.phase = "end";
      st.done = true;
      $("he-detail").textContent = plural(m.questions, "question", "questions") + " · " + plural(m.players, "player", "players");
      podium($("he-podium"), m.podium);
      view("host-end");
      say("");
    }

    function onMessage(m) {
      switch (m.type) {
      case "host":
        conn.ok();
        st.quiz = m.quiz || null;
        if (st.quiz) {
          st.of = st.quiz.questions;
          if (st.quiz.title) $("host-title").textContent = st.quiz.title;
        }
        setCount(m.players || 0);
        st.phase = m.phase;
        say("");
        if (m.phase === "lobby") view("host-lobby");
        break;
      case "players":
        renderPlayers(m);
        break;
      case "question":
        renderQuestion(m);
        break;
      case "answered":
        if (m.q === st.q) $("hq-answered").textContent = num(m.count) + " of " + num(m.of);
        break;
      case "paused":
        st.paused = true;
        st.phase = "paused";
        clock.freeze(m.remaining_ms || 0);
        show($("hq-paused"), true);
        $("hq-pause").textContent = "Resume";
        enableAll("host-question");
        break;
      case "resumed":
        st.paused = false;
        st.phase = "question";
        clock.start(m.remaining_ms || 0, st.seconds);
        show($("hq-paused"), false);
        $("hq-pause").textContent = "Pause";
        enableAll("host-question");
        break;
      case "reveal":
        renderReveal(m);
        break;
      case "end":
        renderEnd(m);
        break;
      case "error":
        say(errorText(m), true);
        Array.prototype.forEach.call(root.querySelectorAll("[data-screen]:not([hidden]) button"), function (b) { b.disabled = false; });
        break;
      }
    }

    conn.start();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-live-join]").forEach(joinForm);
    var p = $("live-play");
    if (p) player(p);
    var h = $("live-host");
    if (h) host(h);
  });
})();
