"use strict";
// The call room (no build step). Signaling over /room/ws; media peer-to-peer by default,
// through the server peer in relay mode (configured, or when P2P fails).
(() => {
  const $ = (id) => document.getElementById(id);
  const kind = document.body.dataset.page;

  function fmt(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    const mm = String(m).padStart(h ? 2 : 1, "0"), ss = String(r).padStart(2, "0");
    return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
  }

  // ---- "too early" page: count down, then open the room by reloading ----------------------
  if (kind === "early") {
    const el = document.querySelector("[data-seconds]");
    if (!el) return;
    const until = Date.now() + Number(el.dataset.seconds) * 1000;
    const step = () => {
      const left = until - Date.now();
      el.textContent = fmt(left);
      if (left <= 0) location.reload(); else setTimeout(step, 1000);
    };
    step();
    return;
  }
  if (kind !== "room") return;

  const token = decodeURIComponent(location.pathname.split("/")[2] || "");
  const st = {
    ws: null, pc: null, server: null, serverPurpose: null, local: new MediaStream(),
    remote: null, screen: null, camTrack: null, offset: 0, startsAt: 0, endsAt: 0,
    closesAt: 0, mode: "p2p", role: null, partner: "your partner", iceServers: [],
    pending: [], ended: false, retries: 0, warned: false, framesDecoded: 0,
    framesSent: 0, rtt: null, connected: false, chat: [], back: {}, peerLeft: false,
  };
  window.__room = st; // read by the browser test

  const remoteVideo = $("remote"), localVideo = $("local");

  function banner(text) {
    const b = $("banner");
    b.textContent = text;
    b.hidden = !text;
  }

  function send(msg) {
    if (st.ws && st.ws.readyState === WebSocket.OPEN) st.ws.send(JSON.stringify(msg));
  }

  // A wall-clock time on the server's clock, in the browser's own zone.
  function clock(ms) {
    return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function stillOn(m) {
    const starts = Date.parse(m.starts_at), until = Date.parse(m.rejoin_until);
    const now = Date.now() + st.offset;
    return now < starts
      ? `The session is still on: it starts at ${clock(starts)}. You can rejoin with this link until ${clock(until)}.`
      : `The session is still on until ${clock(st.endsAt)}. You can rejoin with this link until ${clock(until)}.`;
  }

  function end(title, text, rejoin = false) {
    if (st.ended) return;
    st.ended = true;
    closePc();
    closeServer();
    for (const t of st.local.getTracks()) t.stop();
    if (st.screen) for (const t of st.screen.getTracks()) t.stop();
    $("ended-title").textContent = title;
    $("ended-text").textContent = text;
    $("rejoin").hidden = !rejoin;
    if (st.back.chat_url) $("back-web").setAttribute("href", st.back.chat_url);
    const app = st.back.app;
    $("back-app").textContent = app ? ` — or go back to ${app}: your session and what comes next are in your chat with MentorBot there.` : "";
    $("back-app").hidden = !app;
    $("ended").hidden = false;
  }

  function showChat(history) {
    st.chat = [];
    $("messages").replaceChildren();
    for (const m of history || []) addChat(m);
  }

  // ---- media -------------------------------------------------------------------------------
  async function startMedia() {
    try {
      st.local = await navigator.mediaDevices.getUserMedia({
        audio: true,
        video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" },
      });
    } catch (e) {
      banner(`No camera or microphone (${e.name}). You can still talk in the chat.`);
      st.local = new MediaStream();
    }
    st.camTrack = st.local.getVideoTracks()[0] || null;
    localVideo.srcObject = st.local;
  }

  function showRemote(track) {
    if (!st.remote) st.remote = new MediaStream();
    for (const t of st.remote.getTracks()) if (t.kind === track.kind) st.remote.removeTrack(t);
    st.remote.addTrack(track);
    remoteVideo.srcObject = st.remote;
    remoteVideo.play().catch(() => {});
  }

  // A group room: every received track gets its own element on the stage.
  function showMember(track) {
    const el = document.createElement(track.kind === "video" ? "video" : "audio");
    el.autoplay = true;
    el.playsInline = true;
    el.className = "member";
    el.dataset.testid = track.kind === "video" ? "member-video" : "member-audio";
    el.srcObject = new MediaStream([track]);
    if (track.kind === "video") remoteVideo.hidden = true;
    $("stage").insertBefore(el, localVideo);
    el.play().catch(() => {});
  }

  function clearRemote() {
    st.remote = null;
    remoteVideo.srcObject = null;
  }

  // ---- peer-to-peer --------------------------------------------------------------------------
  function closePc() {
    if (st.pc) { st.pc.ontrack = st.pc.onicecandidate = st.pc.oniceconnectionstatechange = null; st.pc.close(); }
    st.pc = null;
    st.pending = [];
    st.connected = false;
  }

  function newPc() {
    closePc();
    const pc = new RTCPeerConnection({ iceServers: st.iceServers });
    st.pc = pc;
    for (const t of st.local.getTracks()) pc.addTrack(t, st.local);
    pc.ontrack = (e) => showRemote(e.track);
    pc.onicecandidate = (e) => send({ type: "signal", data: { candidate: e.candidate ? e.candidate.toJSON() : null } });
    pc.oniceconnectionstatechange = () => {
      const s = pc.iceConnectionState;
      send({ type: "ice", state: s });
      st.connected = s === "connected" || s === "completed";
      if (s === "failed") send({ type: "relay" });
    };
    return pc;
  }

  async function makeOffer() {
    const pc = newPc();
    await pc.setLocalDescription(await pc.createOffer());
    send({ type: "signal", data: { description: pc.localDescription.toJSON() } });
  }

  async function onSignal(d) {
    if (st.mode !== "p2p") return;
    if (d.description) {
      let pc = st.pc;
      if (d.description.type === "offer") {
        if (!pc || pc.signalingState !== "stable") pc = newPc();
        await pc.setRemoteDescription(d.description);
        await pc.setLocalDescription(await pc.createAnswer());
        send({ type: "signal", data: { description: pc.localDescription.toJSON() } });
      } else if (pc) {
        await pc.setRemoteDescription(d.description);
      }
      if (st.pc) for (const c of st.pending.splice(0)) await st.pc.addIceCandidate(c).catch(() => {});
    } else if (d.candidate) {
      if (!st.pc || !st.pc.remoteDescription) st.pending.push(d.candidate);
      else await st.pc.addIceCandidate(d.candidate).catch(() => {});
    }
  }

  // ---- the server peer: relay mode, and the upload for a recording ---------------------------
  function closeServer() {
    if (st.server) st.server.close();
    st.server = null;
    st.serverPurpose = null;
  }

  function gathered(pc, ms) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { if (pc.iceGatheringState === "complete") resolve(); };
      pc.addEventListener("icegatheringstatechange", done);
      setTimeout(resolve, ms);
    });
  }

  async function startServer(purpose) {
    closeServer();
    const pc = new RTCPeerConnection({ iceServers: st.iceServers });
    st.server = pc;
    st.serverPurpose = purpose;
    const both = purpose === "relay" || purpose === "group";
    const dir = both ? "sendrecv" : "sendonly";
    for (const k of ["audio", "video"]) {
      const t = st.local.getTracks().find((x) => x.kind === k);
      pc.addTransceiver(t || k, { direction: t ? dir : (both ? "recvonly" : "inactive"), streams: [st.local] });
    }
    if (purpose === "group") {
      // One receiving slot per kind for every other seat; the server fills them.
      for (let i = 1; i < st.slots; i++) {
        for (const k of ["audio", "video"]) pc.addTransceiver(k, { direction: "recvonly" });
      }
    }
    if (both) {
      pc.ontrack = (e) => (purpose === "group" ? showMember(e.track) : showRemote(e.track));
      pc.oniceconnectionstatechange = () => {
        const s = pc.iceConnectionState;
        st.connected = s === "connected" || s === "completed";
        send({ type: "ice", state: s });
      };
    }
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc, 3000);
    send({ type: "server", purpose, sdp: pc.localDescription.sdp });
  }

  async function toRelay() {
    if (st.mode === "relay") return;
    st.mode = "relay";
    closePc();
    clearRemote();
    banner("Direct connection failed: the call now goes through MentorBot's server.");
    await startServer("relay");
  }

  // ---- signaling ---------------------------------------------------------------------------
  const handlers = {
    async welcome(m) {
      st.retries = 0;
      st.offset = Date.parse(m.now) - Date.now();
      st.startsAt = Date.parse(m.starts_at);
      st.endsAt = Date.parse(m.ends_at);
      st.closesAt = Date.parse(m.closes_at);
      st.role = m.you.role;
      st.partner = m.partner_name;
      st.iceServers = m.ice_servers || [];
      st.back = m.back || {};
      showChat(m.chat);
      st.mode = m.mode;
      $("title").textContent = `Session with ${m.partner_name}`;
      document.title = `Session with ${m.partner_name} · MentorBot`;
      $("waiting").textContent = `Waiting for ${m.partner_name} to join…`;
      $("waiting").hidden = !!m.peer;
      $("consent-label").hidden = !m.recording_allowed;
      setRecording(m.recording);
      st.slots = m.slots || 1;
      if (st.mode === "group") {
        $("title").textContent = document.title = m.title;
        await startServer("group");
      } else if (st.mode === "relay") await startServer("relay");
      else if (m.peer) await makeOffer();
    },
    async "peer-joined"(m) {
      $("waiting").hidden = true;
      // The newcomer makes the offer; start clean for it.
      if (st.mode === "p2p") { closePc(); clearRemote(); }
      addNote(st.peerLeft ? `${m.name} rejoined.` : `${m.name} joined.`);
      st.peerLeft = false;
    },
    async "peer-left"(m) {
      if (st.mode === "group") { addNote(`${m.name} left.`); return; }
      st.peerLeft = true;
      if (st.mode === "p2p") { closePc(); clearRemote(); }
      if (m.session === "ended") return; // "closed" follows at once
      const until = clock(Date.parse(m.rejoin_until));
      const text = m.reason === "hangup"
        ? `${st.partner} left the call. The session is still on: they can rejoin until ${until}.`
        : `${st.partner} left the room (page closed or connection lost). The session is still on: they can rejoin until ${until}.`;
      $("waiting").textContent = text;
      $("waiting").hidden = false;
      addNote(text);
    },
    async left(m) {
      if (m.session === "ended") return; // "closed" follows at once
      end("You left the call", stillOn(m), true);
    },
    async signal(m) { await onSignal(m.data); },
    async "peer-ice"(m) { if (m.state === "failed") send({ type: "relay" }); },
    async mode(m) { if (m.mode === "relay") await toRelay(); },
    async server(m) { if (st.server) await st.server.setRemoteDescription({ type: "answer", sdp: m.sdp }); },
    async chat(m) { addChat(m); },
    async consent(m) {
      if (m.from !== st.role) addNote(m.record ? `${st.partner} agrees to record.` : `${st.partner} doesn't want a recording.`);
    },
    async recording(m) {
      setRecording(m.on);
      if (m.on && st.mode === "p2p") await startServer("upload");
      if (!m.on && st.serverPurpose === "upload") closeServer();
    },
    async closed(m) {
      if (m.reason === "completed") {
        const who = m.by === st.role ? "You hung up" : `${st.partner} hung up`;
        end("Call ended", `${who}, so the session is complete. I'll ask you both to rate it in your chat.`);
      } else if (m.reason === "cancelled") end("Session cancelled", "This session is no longer on; you'll find the details in your chat.");
      else end("Time's up", "The session is over. I'll ask you both to rate it in your chat.");
    },
    async replaced() { end("Opened elsewhere", "You joined this room from another tab or device; the call continues there."); },
    async error(m) { console.warn("room:", m.reason); },
    async pong() {},
  };

  function setRecording(on) {
    st.recording = !!on;
    $("consent-label").classList.toggle("on", !!on);
    if (on) banner("● Recording: you both agreed. It's kept for both of you under /sessions.");
    else if ($("banner").textContent.startsWith("● Recording")) banner("");
  }

  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/room/ws?token=${encodeURIComponent(token)}`);
    st.ws = ws;
    let chain = Promise.resolve();
    ws.onmessage = (e) => {
      let m;
      try { m = JSON.parse(e.data); } catch { return; }
      const h = handlers[m.type];
      if (h) chain = chain.then(() => h(m)).catch((err) => console.warn("room:", err));
    };
    ws.onclose = (e) => {
      if (st.ended || st.ws !== ws) return;
      if (e.code === 4001 || e.code === 4002 || e.code === 4003) return;
      if (st.retries >= 8) { banner("Lost the connection to MentorBot. Reload the page to try again."); return; }
      st.retries += 1;
      banner("Reconnecting…");
      setTimeout(connect, 1000 * Math.min(st.retries, 5));
    };
    ws.onopen = () => { if ($("banner").textContent === "Reconnecting…") banner(""); };
  }

  // ---- chat --------------------------------------------------------------------------------
  function linkify(text, into) {
    const re = /\bhttps?:\/\/[^\s<>"']+/gi;
    let last = 0;
    for (const m of text.matchAll(re)) {
      const url = m[0].replace(/[).,!?;:]+$/, "");
      into.append(document.createTextNode(text.slice(last, m.index)));
      let ok = false;
      try { ok = ["http:", "https:"].includes(new URL(url).protocol); } catch { ok = false; }
      if (ok) {
        const a = document.createElement("a");
        a.href = url;
        a.textContent = url;
        a.rel = "noopener noreferrer nofollow";
        a.target = "_blank";
        into.append(a);
      } else {
        into.append(document.createTextNode(url));
      }
      last = m.index + url.length;
    }
    into.append(document.createTextNode(text.slice(last)));
  }

  function addChat(m) {
    st.chat.push(m);
    const li = document.createElement("li");
    li.dataset.testid = "chat-msg";
    li.dataset.from = m.from;
    if (m.from === st.role) li.classList.add("mine");
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = m.from === st.role ? "You" : m.name;
    li.append(who);
    const body = document.createElement("span");
    linkify(m.text, body);
    li.append(body);
    $("messages").append(li);
    li.scrollIntoView({ block: "end" });
  }

  function addNote(text) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = text;
    $("messages").append(li);
  }

  // ---- controls ----------------------------------------------------------------------------
  function senders() {
    return [st.pc, st.server].filter(Boolean).flatMap((pc) => pc.getSenders());
  }

  function wire() {
    $("chat-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const box = $("chat-input");
      const text = box.value.trim();
      if (text) send({ type: "chat", text });
      box.value = "";
    });
    $("mic").addEventListener("click", () => {
      const tracks = st.local.getAudioTracks();
      const muted = !(tracks[0] && tracks[0].enabled === false);
      for (const t of tracks) t.enabled = !muted;
      $("mic").setAttribute("aria-pressed", String(muted));
      $("mic").textContent = muted ? "🔇 Unmute" : "🎙️ Mute";
    });
    $("cam").addEventListener("click", () => {
      const t = st.camTrack;
      if (!t) return;
      t.enabled = !t.enabled;
      $("cam").setAttribute("aria-pressed", String(!t.enabled));
      $("cam").textContent = t.enabled ? "📷 Camera off" : "📷 Camera on";
    });
    $("share").addEventListener("click", async () => {
      if (st.screen) return stopShare();
      if (!navigator.mediaDevices.getDisplayMedia) return banner("This browser can't share its screen.");
      try {
        st.screen = await navigator.mediaDevices.getDisplayMedia({ video: true });
      } catch { return; }
      const track = st.screen.getVideoTracks()[0];
      track.onended = stopShare;
      for (const s of senders()) if (s.track && s.track.kind === "video") await s.replaceTrack(track);
      localVideo.srcObject = st.screen;
      $("share").textContent = "🖥️ Stop sharing";
    });
    $("consent").addEventListener("change", (e) => send({ type: "consent", record: e.target.checked }));
    $("hangup").addEventListener("click", () => {
      // The server answers with what the hang-up means ("left" or "closed"); without an
      // answer the session can't have changed, so it is still on.
      send({ type: "hangup" });
      const fallback = { starts_at: new Date(st.startsAt).toISOString(), rejoin_until: new Date(st.closesAt).toISOString() };
      setTimeout(() => end("You left the call", stillOn(fallback), true), 3000);
      if (!st.ws || st.ws.readyState !== WebSocket.OPEN) end("You left the call", stillOn(fallback), true);
    });
    $("rejoin").addEventListener("click", () => location.reload());
  }

  async function stopShare() {
    if (!st.screen) return;
    for (const t of st.screen.getTracks()) t.stop();
    st.screen = null;
    for (const s of senders()) if (s.track && s.track.kind === "video") await s.replaceTrack(st.camTrack);
    localVideo.srcObject = st.local;
    $("share").textContent = "🖥️ Share screen";
  }

  // ---- countdown and connection quality ---------------------------------------------------
  function tickClock() {
    if (!st.endsAt) return;
    const now = Date.now() + st.offset;
    const el = $("countdown");
    if (now < st.startsAt) {
      el.textContent = `starts in ${fmt(st.startsAt - now)}`;
    } else if (now < st.endsAt) {
      const left = st.endsAt - now;
      el.textContent = fmt(left);
      if (left <= 60000 && !st.warned) {
        st.warned = true;
        document.body.classList.add("last-minute");
        banner("⏰ 1 minute left.");
      }
    } else {
      document.body.classList.add("last-minute");
      el.textContent = "0:00";
      if (!st.over) { st.over = true; banner(`Time's up. The room closes in ${fmt(st.closesAt - now)}.`); }
    }
  }

  async function measure() {
    const pc = st.mode === "relay" ? st.server : st.pc;
    const q = $("quality");
    if (!pc) { q.dataset.level = "unknown"; return; }
    let rtt = null, lost = 0, got = 0, decoded = 0, sent = 0;
    const stats = await pc.getStats();
    stats.forEach((r) => {
      if (r.type === "candidate-pair" && r.nominated && r.state === "succeeded" && r.currentRoundTripTime !== undefined) rtt = r.currentRoundTripTime;
      if (r.type === "inbound-rtp") { lost += r.packetsLost || 0; got += r.packetsReceived || 0; if (r.kind === "video") decoded += r.framesDecoded || 0; }
      if (r.type === "outbound-rtp" && r.kind === "video") sent += r.framesEncoded || 0;
    });
    st.framesDecoded = decoded;
    st.framesSent = sent;
    st.rtt = rtt;
    const loss = got + lost ? lost / (got + lost) : 0;
    let level = "unknown";
    if (rtt !== null) level = rtt < 0.15 && loss < 0.02 ? "good" : rtt < 0.4 && loss < 0.08 ? "fair" : "poor";
    q.dataset.level = level;
    q.title = rtt === null ? "Not connected yet" : `Round trip ${Math.round(rtt * 1000)} ms · loss ${(loss * 100).toFixed(1)}%`;
  }

  wire();
  setInterval(tickClock, 500);
  setInterval(() => { measure().catch(() => {}); }, 1000);
  startMedia().then(connect);
})();
