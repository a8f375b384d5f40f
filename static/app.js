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

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-autocomplete]").forEach(autocomplete);
    document.querySelectorAll("[data-lookup]").forEach(lookupPanel);
  });
})();
