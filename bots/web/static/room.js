// A community's web room: live messages over a WebSocket, older ones in pages, a reply target.
"use strict";
(function () {
  const room = document.getElementById("room");
  const slug = room.dataset.slug;
  const list = document.getElementById("messages");
  const older = document.getElementById("older");
  const form = document.getElementById("say");
  const text = document.getElementById("say-text");
  const join = document.getElementById("join");
  const status = document.getElementById("status");
  const replying = document.getElementById("replying");
  const PAGE = 50;
  let ws = null;
  let replyTo = null;
  let retry = 500;
  let fresh = 0;
  let moderator = false;
  let member = false;

  function act(kind, id, label) {
    if (!ws) return;
    let reason = "";
    if (kind !== "delete") {
      reason = window.prompt(label + ": why? (optional)") || "";
    } else if (!window.confirm("Delete this message everywhere?")) {
      return;
    }
    ws.send(JSON.stringify({ type: kind, id: id, reason: reason }));
  }

  function el(tag, cls, txt) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (txt !== undefined) e.textContent = txt;
    return e;
  }

  function when(iso) {
    const d = new Date(iso);
    return d.toLocaleString([], { dateStyle: "short", timeStyle: "short" });
  }

  function render(m) {
    const li = el("li", "msg");
    li.id = "m-" + m.id;
    li.dataset.id = m.id;
    const head = el("p", "head");
    head.append(el("span", "author", m.author), el("span", "where", " · " + m.platform));
    const t = el("time", "at", when(m.at));
    t.dateTime = m.at;
    head.append(" ", t);
    // The number moderation commands take (/community report #12, delete #12).
    head.append(el("span", "num", " · #" + m.id));
    li.append(head);
    if (m.reply_to) {
      const parent = document.getElementById("m-" + m.reply_to);
      const q = el("a", "quote");
      q.href = "#m-" + m.reply_to;
      const who = parent ? parent.querySelector(".author").textContent : "an earlier message";
      q.textContent = "↪ in reply to " + who;
      li.append(q);
    }
    if (m.deleted) {
      li.append(el("p", "body deleted", "This message was deleted."));
      return li;
    }
    const body = el("div", "body");
    body.innerHTML = m.html; // rendered and escaped by the server (core.markup)
    li.append(body);
    if (m.file) {
      let f;
      if (m.file.kind === "image") {
        f = el("img", "file");
        f.src = m.file.url;
        f.alt = m.file.name;
        f.loading = "lazy";
      } else if (m.file.kind === "audio") {
        f = el("audio", "file");
        f.controls = true;
        f.src = m.file.url;
        f.setAttribute("aria-label", m.file.name);
      } else {
        f = el("a", "file", "📎 " + m.file.name);
        f.href = m.file.url;
        f.download = m.file.name;
      }
      li.append(f);
    }
    if (m.edited) li.append(el("span", "edited", "(edited)"));
    const r = el("button", "reply", "Reply");
    r.type = "button";
    r.setAttribute("aria-label", "Reply to " + m.author);
    r.addEventListener("click", function () {
      replyTo = m.id;
      replying.hidden = false;
      replying.querySelector("span").textContent = "Replying to " + m.author;
      text.focus();
    });
    li.append(r);
    const tools = [];
    if (member) tools.push(["report", "Report"]);
    if (moderator) tools.push(["delete", "Delete"], ["ban", "Ban author"]);
    for (const [kind, label] of tools) {
      const t = el("button", "reply tool", label);
      t.type = "button";
      t.setAttribute("aria-label", label + " (message by " + m.author + ")");
      t.addEventListener("click", function () { act(kind, m.id, label); });
      li.append(" ", t);
    }
    return li;
  }

  function upsert(m, prepend) {
    const node = render(m);
    const old = document.getElementById(node.id);
    if (old) {
      old.replaceWith(node);
      return;
    }
    if (prepend) {
      list.insertBefore(node, list.firstChild);
      return;
    }
    const atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
    list.append(node);
    if (atBottom) node.scrollIntoView({ block: "end" });
  }

  function firstId() {
    const first = list.querySelector("li.msg");
    return first ? first.dataset.id : null;
  }

  older.addEventListener("click", async function () {
    const before = firstId();
    const resp = await fetch("/c/" + encodeURIComponent(slug) + "/messages?before=" + (before || ""));
    if (!resp.ok) return;
    const page = await resp.json();
    for (let i = page.messages.length - 1; i >= 0; i--) upsert(page.messages[i], true);
    older.hidden = !page.more;
  });

  join.addEventListener("click", function () {
    if (ws) ws.send(JSON.stringify({ type: "join" }));
  });

  document.getElementById("unreply").addEventListener("click", function () {
    replyTo = null;
    replying.hidden = true;
    text.focus();
  });

  function send() {
    const value = text.value.trim();
    if (!value || !ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ type: "say", text: value, reply_to: replyTo }));
    text.value = "";
    replyTo = null;
    replying.hidden = true;
    text.focus();
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    send();
  });
  text.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      send();
    }
  });

  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(proto + "//" + location.host + "/c/" + encodeURIComponent(slug) + "/ws");
    fresh = 0;
    ws.onopen = function () {
      retry = 500;
      status.textContent = "";
    };
    ws.onmessage = function (ev) {
      const m = JSON.parse(ev.data);
      if (m.type === "room") {
        document.getElementById("members").textContent =
          m.members + (m.members === 1 ? " member" : " members");
        moderator = m.moderator;
        member = m.member;
        const rules = document.getElementById("rules");
        rules.hidden = !m.rules;
        rules.querySelector("p").textContent = m.rules || "";
        join.hidden = m.member || !m.joinable;
        form.hidden = !m.member;
      } else if (m.type === "message") {
        fresh += 1;
        upsert(m, false);
      } else if (m.type === "done") {
        older.hidden = fresh < PAGE;
        document.body.dataset.ready = "1";
      } else if (m.type === "error" || m.type === "notice") {
        status.textContent = m.text;
      }
    };
    ws.onclose = function () {
      status.textContent = "Reconnecting…";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }
  connect();
})();
