// A direct-message thread: live messages over a WebSocket, "seen", reply, report, edit and
// delete of one's own messages, files and voice recordings (MediaRecorder, WebM/Opus) sent
// as uploads.
"use strict";
(function () {
  const main = document.getElementById("thread");
  const thread = main.dataset.thread;
  const max = parseInt(main.dataset.max, 10);
  const list = document.getElementById("messages");
  const form = document.getElementById("say");
  const text = document.getElementById("say-text");
  const status = document.getElementById("status");
  const replying = document.getElementById("replying");
  const seenMark = document.getElementById("seen");
  const fileInput = document.getElementById("file");
  const record = document.getElementById("record");
  let ws = null;
  let replyTo = null;
  let retry = 500;
  let seen = 0;
  let recorder = null;

  function el(tag, cls, txt) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (txt !== undefined) e.textContent = txt;
    return e;
  }

  function render(m) {
    const li = el("li", "msg");
    li.id = "m-" + m.id;
    li.dataset.id = m.id;
    const head = el("p", "head");
    head.append(el("span", "author", m.author), el("span", "where", " · " + m.platform));
    const t = el("time", "at", new Date(m.at).toLocaleString([], { dateStyle: "short", timeStyle: "short" }));
    t.dateTime = m.at;
    head.append(" ", t);
    if (m.edited && !m.deleted) head.append(el("span", "where", " · edited"));
    li.append(head);
    if (m.deleted) {
      li.append(el("p", "body deleted", "This message was deleted."));
      return li;
    }
    if (m.reply_to) {
      const parent = document.getElementById("m-" + m.reply_to);
      const q = el("a", "quote");
      q.href = "#m-" + m.reply_to;
      q.textContent = "↪ in reply to " + (parent ? parent.querySelector(".author").textContent : "an earlier message");
      li.append(q);
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
    const r = el("button", "reply", "Reply");
    r.type = "button";
    r.addEventListener("click", function () {
      replyTo = m.id;
      replying.hidden = false;
      replying.querySelector("span").textContent = "Replying to " + m.author;
      text.focus();
    });
    const rep = el("button", "reply tool", "Report");
    rep.type = "button";
    rep.addEventListener("click", function () {
      const reason = window.prompt("Report this message to the admins: why? (optional)");
      if (reason !== null && ws) ws.send(JSON.stringify({ type: "report", id: m.id, reason: reason }));
    });
    li.append(r, " ", rep);
    if (m.mine) {
      const ed = el("button", "reply tool", "Edit");
      ed.type = "button";
      ed.addEventListener("click", function () {
        const now = window.prompt("Edit your message:", body.textContent);
        if (now !== null && now.trim() && ws) ws.send(JSON.stringify({ type: "edit", id: m.id, text: now }));
      });
      const del = el("button", "reply tool", "Delete");
      del.type = "button";
      del.addEventListener("click", function () {
        if (window.confirm("Delete this message for both of you?") && ws) ws.send(JSON.stringify({ type: "delete", id: m.id }));
      });
      li.append(" ", ed, " ", del);
    }
    return li;
  }

  function showSeen() {
    const last = list.querySelector("li.msg:last-child");
    seenMark.hidden = !(last && seen >= parseInt(last.dataset.id, 10));
  }

  function upsert(m) {
    const node = render(m);
    const old = document.getElementById(node.id);
    if (old) old.replaceWith(node); else list.append(node);
    node.scrollIntoView({ block: "end" });
    showSeen();
  }

  async function upload(blob, name) {
    if (blob.size > max) {
      status.textContent = "That file is too big to send.";
      return;
    }
    const body = new FormData();
    body.append("file", blob, name);
    status.textContent = "Sending…";
    const resp = await fetch("/messages/" + thread + "/upload", { method: "POST", body: body });
    const out = await resp.json().catch(function () { return {}; });
    status.textContent = resp.ok ? "" : (out.error || "Not sent.");
    document.body.dataset.uploaded = String((parseInt(document.body.dataset.uploaded || "0", 10)) + (resp.ok ? 1 : 0));
  }

  fileInput.addEventListener("change", function () {
    if (fileInput.files.length) upload(fileInput.files[0], fileInput.files[0].name);
    fileInput.value = "";
  });

  record.addEventListener("click", async function () {
    if (recorder) {
      recorder.stop();
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      status.textContent = "The microphone isn't available.";
      return;
    }
    const chunks = [];
    recorder = new MediaRecorder(stream, { mimeType: "audio/webm;codecs=opus" });
    recorder.ondataavailable = function (e) { if (e.data.size) chunks.push(e.data); };
    recorder.onstop = function () {
      stream.getTracks().forEach(function (tr) { tr.stop(); });
      recorder = null;
      record.textContent = "🎙 Record";
      record.setAttribute("aria-pressed", "false");
      upload(new Blob(chunks, { type: "audio/webm" }), "voice.webm");
    };
    recorder.start();
    record.textContent = "⏹ Stop";
    record.setAttribute("aria-pressed", "true");
  });

  document.getElementById("unreply").addEventListener("click", function () {
    replyTo = null;
    replying.hidden = true;
  });

  function send() {
    const value = text.value.trim();
    if (!value || !ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ type: "say", text: value, reply_to: replyTo }));
    text.value = "";
    replyTo = null;
    replying.hidden = true;
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); send(); });
  text.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); send(); }
  });

  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(proto + "//" + location.host + "/messages/" + thread + "/ws");
    ws.onopen = function () { retry = 500; status.textContent = ""; };
    ws.onmessage = function (ev) {
      const m = JSON.parse(ev.data);
      if (m.type === "message") {
        upsert(m);
        if (document.body.dataset.ready) ws.send(JSON.stringify({ type: "seen", id: m.id }));
      } else if (m.type === "seen") {
        seen = m.id;
        showSeen();
      } else if (m.type === "done") {
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
