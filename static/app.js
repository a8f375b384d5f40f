// Chartcode: code autocomplete in the answer box and the code-book panel. No framework; every
// piece of server data reaches the page through textContent, never as HTML.
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text != null) e.textContent = text;
    return e;
  }

  function searchCodes(q, limit) {
    return fetch("/api/codes?limit=" + limit + "&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (j) { return j.results || []; })
      .catch(function () { return []; });
  }

  // The word being typed at the cursor: from the last separator to the cursor.
  function currentToken(ta) {
    var end = ta.selectionStart, text = ta.value, start = end;
    while (start > 0 && !/[\s,;]/.test(text.charAt(start - 1))) start--;
    return { start: start, end: end, text: text.slice(start, end) };
  }

  function insertCode(ta, code, replace) {
    var v = ta.value, pos = replace ? replace.start : v.length, endPos = replace ? replace.end : v.length;
    var before = v.slice(0, pos), after = v.slice(endPos);
    if (!replace && before.trim() !== "" && !/[,\s]$/.test(before)) before += ", ";
    var glue = after.trim() === "" ? ", " : "";
    ta.value = before + code + glue + after;
    var caret = (before + code + glue).length;
    ta.focus();
    ta.setSelectionRange(caret, caret);
  }

  function autocomplete(ta) {
    var list = document.getElementById(ta.getAttribute("aria-controls"));
    var items = [], active = -1, timer = null, token = null, seq = 0;

    function close() { list.hidden = true; list.textContent = ""; items = []; active = -1; }
    function mark() {
      Array.prototype.forEach.call(list.children, function (li, i) { li.setAttribute("aria-selected", i === active ? "true" : "false"); });
    }
    function choose(i) {
      if (i < 0 || i >= items.length) return;
      insertCode(ta, items[i].code, token);
      close();
    }
    function show(results) {
      list.textContent = "";
      items = results;
      active = results.length ? 0 : -1;
      results.forEach(function (r, i) {
        var li = el("li", { role: "option", id: "ac-" + i });
        li.appendChild(el("code", null, r.code));
        li.appendChild(el("span", null, r.description + (r.billable ? "" : " (header)")));
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = results.length === 0;
      mark();
    }
    ta.addEventListener("input", function () {
      clearTimeout(timer);
      token = currentToken(ta);
      var q = token.text.replace(/-.*$/, "");
      if (q.length < 2) { close(); return; }
      var mine = ++seq;
      timer = setTimeout(function () {
        searchCodes(q, 8).then(function (res) { if (mine === seq) show(res); });
      }, 120);
    });
    ta.addEventListener("keydown", function (ev) {
      if (list.hidden) return;
      if (ev.key === "ArrowDown") { active = (active + 1) % items.length; mark(); ev.preventDefault(); }
      else if (ev.key === "ArrowUp") { active = (active - 1 + items.length) % items.length; mark(); ev.preventDefault(); }
      else if (ev.key === "Enter" || ev.key === "Tab") { if (active >= 0) { choose(active); ev.preventDefault(); } }
      else if (ev.key === "Escape") { close(); }
    });
    ta.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function lookupPanel(panel) {
    var form = panel.querySelector("form"), input = form.querySelector("input"), out = panel.querySelector(".lookup-results");
    var target = document.getElementById(panel.getAttribute("data-target")), timer = null, seq = 0;

    function insertButton(code) {
      var b = el("button", { type: "button", "class": "button small" }, "Insert");
      b.addEventListener("click", function () { if (target) insertCode(target, code, null); });
      return b;
    }
    function detail(r) {
      fetch("/api/codes/" + encodeURIComponent(r.code) + "?system=" + r.system, { headers: { Accept: "application/json" } })
        .then(function (x) { return x.ok ? x.json() : null; })
        .then(function (d) {
          if (!d) return;
          var box = el("div", { "class": "detail" });
          var path = (d.ancestors || []).map(function (a) { return a.code; }).join(" › ");
          if (path) box.appendChild(el("p", { "class": "muted small" }, path + " ›"));
          var h = el("p"); h.appendChild(el("code", null, d.code)); h.appendChild(document.createTextNode(" " + d.description + (d.billable ? "" : " (header: needs more characters)")));
          box.appendChild(h);
          (d.notes || []).forEach(function (n) { n.notes.forEach(function (t) { box.appendChild(el("p", { "class": "small" }, n.kind + " (" + n.at + "): " + t)); }); });
          (d.seventh || []).length && box.appendChild(el("p", { "class": "small" }, "7th characters: " + d.seventh.map(function (x) { return x.char + " " + x.meaning; }).join("; ")));
          if (d.children && d.children.length) {
            var ul = el("ul");
            d.children.forEach(function (k) { ul.appendChild(row(k)); });
            box.appendChild(ul);
          }
          out.insertBefore(box, out.firstChild);
        });
    }
    function row(r) {
      var li = el("li");
      var a = el("a", { href: "/codes?code=" + encodeURIComponent(r.code) + "&system=" + r.system });
      a.appendChild(el("code", null, r.code));
      a.addEventListener("click", function (ev) { ev.preventDefault(); detail(r); });
      li.appendChild(a);
      li.appendChild(el("span", null, r.description + (r.billable ? "" : " (header)")));
      if (r.billable) li.appendChild(insertButton(r.code));
      return li;
    }
    function run() {
      var q = input.value.trim();
      if (q.length < 2) { out.textContent = ""; return; }
      var mine = ++seq;
      searchCodes(q, 20).then(function (res) {
        if (mine !== seq) return;
        out.textContent = "";
        if (!res.length) { out.appendChild(el("p", { "class": "muted" }, "No code matches.")); return; }
        var ul = el("ul");
        res.forEach(function (r) { ul.appendChild(row(r)); });
        out.appendChild(ul);
      });
    }
    form.addEventListener("submit", function (ev) { ev.preventDefault(); run(); });
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 200); });
  }

  // A timed exam: answers autosave (debounced, one request at a time per item), flags save at
  // once, the navigator and the progress bar follow, and the countdown — started from the
  // server's remaining time — goes to the report when it ends (the server submits by then).
  function exam(root) {
    var id = root.getAttribute("data-exam"), report = root.getAttribute("data-report");
    var state = document.getElementById("save-state");
    var bar = document.getElementById("exam-progress"), count = document.getElementById("answered-count");
    var pending = {}, chains = {}, inflight = 0, closed = false, failed = false;

    function say(text, bad) {
      state.textContent = text;
      state.classList.toggle("is-error", !!bad);
    }
    function put(item, body) {
      if (closed) return Promise.resolve();
      inflight++;
      say("Saving…");
      var run = function () {
        return fetch("/api/exams/" + encodeURIComponent(id) + "/items/" + encodeURIComponent(item), {
          method: "PUT", keepalive: true,
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify(body)
        }).then(function (r) {
          return r.json().catch(function () { return {}; }).then(function (j) {
            if (r.status === 409) {
              closed = true;
              say(j.error || "The exam is closed.", true);
              setTimeout(function () { location.href = report; }, 1500);
              return;
            }
            if (!r.ok) { failed = true; say("Not saved: " + (j.error || r.status), true); return; }
            failed = false;
            if (j.progress) { bar.value = j.progress.answered; count.textContent = j.progress.answered; }
          });
        }).catch(function () { failed = true; say("Not saved: no connection. Keep going; try again shortly.", true); })
          .then(function () { inflight--; if (!inflight && !failed && !closed) say("All answers saved"); });
      };
      chains[item] = (chains[item] || Promise.resolve()).then(run);
      return chains[item];
    }
    function answerOf(sec) {
      var ta = sec.querySelector("[data-answer]");
      if (ta) return { answer: ta.value };
      var picked = [];
      sec.querySelectorAll("[data-choice]").forEach(function (c) { if (c.checked) picked.push(c.value); });
      return { choices: picked };
    }
    function mark(sec) {
      var a = answerOf(sec), nav = document.getElementById("nav-" + sec.getAttribute("data-n"));
      var answered = a.answer != null ? a.answer.trim() !== "" : a.choices.length > 0;
      nav.classList.toggle("is-answered", answered);
      nav.classList.toggle("is-flagged", sec.querySelector("[data-flag]").getAttribute("aria-pressed") === "true");
    }
    function flush(item) {
      if (!pending[item]) return;
      clearTimeout(pending[item].timer);
      var sec = pending[item].sec;
      delete pending[item];
      put(item, answerOf(sec));
    }
    root.querySelectorAll("[data-item]").forEach(function (sec) {
      var item = sec.getAttribute("data-item");
      function changed() {
        mark(sec);
        say("Unsaved changes…");
        if (pending[item]) clearTimeout(pending[item].timer);
        pending[item] = { sec: sec, timer: setTimeout(function () { flush(item); }, 600) };
      }
      sec.addEventListener("input", changed);
      sec.addEventListener("change", changed);
      var flag = sec.querySelector("[data-flag]");
      flag.addEventListener("click", function () {
        var on = flag.getAttribute("aria-pressed") !== "true";
        flag.setAttribute("aria-pressed", on ? "true" : "false");
        flag.textContent = on ? "Flagged" : "Flag for review";
        mark(sec);
        put(item, { flagged: on });
      });
    });
    // Leaving the page (reload, the confirm step, closing the tab) sends what is pending.
    window.addEventListener("pagehide", function () { Object.keys(pending).forEach(flush); });
    document.querySelectorAll('a[href$="/confirm"]').forEach(function (a) {
      a.addEventListener("click", function () { Object.keys(pending).forEach(flush); });
    });

    var timer = document.getElementById("exam-timer");
    var end = Date.now() + 1000 * parseInt(timer.getAttribute("data-remaining"), 10);
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    function tick() {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      timer.textContent = Math.floor(left / 3600) + ":" + pad(Math.floor(left / 60) % 60) + ":" + pad(left % 60);
      timer.parentNode.classList.toggle("is-low", left <= 300);
      if (left <= 0) {
        clearInterval(iv);
        Object.keys(pending).forEach(flush);
        say("Time is up: submitting…");
        // A second of slack: the server's deadline, not this one, decides.
        setTimeout(function () { location.href = report; }, 1500);
      }
    }
    var iv = setInterval(tick, 1000);
    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-autocomplete]").forEach(autocomplete);
    document.querySelectorAll("[data-lookup]").forEach(lookupPanel);
    document.querySelectorAll("[data-exam]").forEach(exam);
  });
})();
