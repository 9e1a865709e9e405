"use strict";
// Device check: send camera and microphone to the server peer, which echoes them back;
// round trips measured over a data channel.
(() => {
  const $ = (id) => document.getElementById(id);
  const token = decodeURIComponent(location.pathname.split("/")[2] || "");
  const st = { rtts: [], framesDecoded: 0, state: "starting", error: null };
  window.__check = st;
  $("back").href = `/room/${encodeURIComponent(token)}`;
  const say = (t) => { $("state").textContent = t; };

  function gathered(pc, ms) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      pc.addEventListener("icegatheringstatechange", () => { if (pc.iceGatheringState === "complete") resolve(); });
      setTimeout(resolve, ms);
    });
  }

  async function run() {
    let local;
    try {
      local = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: { ideal: 640 }, height: { ideal: 480 } } });
    } catch (e) {
      st.state = "no-devices";
      say(`No camera or microphone (${e.name}). Check the browser's permission for this site.`);
      return;
    }
    $("local").srcObject = local;
    const pc = new RTCPeerConnection({ iceServers: [] });
    const dc = pc.createDataChannel("ping");
    for (const t of local.getTracks()) pc.addTrack(t, local);
    const echo = new MediaStream();
    pc.ontrack = (e) => { echo.addTrack(e.track); $("remote").srcObject = echo; };
    pc.oniceconnectionstatechange = () => { st.state = pc.iceConnectionState; say(`Connection: ${pc.iceConnectionState}`); };
    dc.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type !== "pong") return;
      st.rtts.push(performance.now() - m.t);
      const sorted = [...st.rtts].sort((a, b) => a - b);
      const med = sorted[Math.floor(sorted.length / 2)];
      $("rtt").textContent = `${sorted[0].toFixed(1)} / ${med.toFixed(1)} / ${sorted[sorted.length - 1].toFixed(1)} ms (min / median / max, ${sorted.length} pings)`;
      const q = $("quality");
      q.dataset.level = med < 150 ? "good" : med < 400 ? "fair" : "poor";
    };
    dc.onopen = () => {
      let n = 0;
      const ping = () => { if (dc.readyState !== "open" || n >= 20) return; n += 1; dc.send(JSON.stringify({ type: "ping", t: performance.now() })); setTimeout(ping, 250); };
      ping();
    };
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc, 3000);
    const resp = await fetch("/room/check/offer", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token, sdp: pc.localDescription.sdp }),
    });
    const body = await resp.json();
    if (!resp.ok) { st.state = "refused"; st.error = body.error; say(`The check can't run now: ${body.error}`); return; }
    await pc.setRemoteDescription({ type: "answer", sdp: body.sdp });
    setInterval(async () => {
      const stats = await pc.getStats();
      let decoded = 0;
      stats.forEach((r) => { if (r.type === "inbound-rtp" && r.kind === "video") decoded += r.framesDecoded || 0; });
      st.framesDecoded = decoded;
      $("frames").textContent = String(decoded);
    }, 500);
  }

  run().catch((e) => { st.state = "error"; st.error = String(e); say(`Something went wrong: ${e}`); });
})();
