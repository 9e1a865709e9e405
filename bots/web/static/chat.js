/* MentorBot web chat client: plain ES2020, no framework, no globals.
 *
 * Protocol (JSON text frames over ws(s)://<host>/ws; identity is the server's cookie):
 *   -> {"type":"hello","last_seq":N}  on every open (N = highest seq displayed)
 *   -> {"type":"text","text":"...","id":"ID"}    user text (trimmed, 1..4000 chars)
 *   -> {"type":"action","payload":"...","label":"...","seq":N,"id":"ID"}
 *      (N: the message it was on)
 *   <- welcome | message | who | typing | done | error
 *      (welcome and who carry {name, admin} for the header; a message may carry
 *      `cards`: search results drawn as cards, their buttons left out of the rows;
 *      the `done` that ends the answer to a text or action carries its "id", plus
 *      "duplicate": true when that id had been handled before)
 *
 * ID is the page's own id for one message: 1..64 of A-Z a-z 0-9 _ . : - (anything
 * else is refused with an error and not acted on). The server records it with the
 * step, in the same database transaction that stores the person's line (the "echo")
 * and the answer, so a message is handled once per person whatever worker gets it.
 *
 * What the user sends is shown as a "pending" bubble until the server's echo
 * (a role "user" message) or the `done` with its id arrives, so the visible history
 * is always the server's. Pending items live in sessionStorage and survive reloads
 * and reconnects: after a reconnect, the replay that answers hello comes first, and
 * anything sent on an earlier socket whose echo was not in it is sent again under
 * the same id (the worker may have died before or after handling it; a copy it had
 * handled is only acknowledged, its answer being in the replay already).
 *
 * For screen readers: each bubble is preceded by a visually hidden "You said:" or
 * "MentorBot:"; pending bubbles sit outside the conversation's live region, so your own
 * message is announced once, when the server's echo arrives; a pressed button is disabled
 * with aria-pressed="true" and focus goes back to the message box.
 */
(() => {
  'use strict';

  const MAX_TEXT = 4000;
  const ECHO_LABEL_MAX = 80; // the server echoes an action as "» " + label[:80]
  const TYPING_TIMEOUT_MS = 10000;
  const UNDELIVERED_AFTER_MS = 30000;
  const BACKOFF_MIN_MS = 500;
  const BACKOFF_MAX_MS = 10000;
  const OFFLINE_AFTER_ATTEMPTS = 5;
  const OUTBOX_KEY = 'mentorbot.web.outbox.v1';
  const DRAFT_KEY = 'mentorbot.web.draft.v1';
  const SVG_NS = 'http://www.w3.org/2000/svg';

  const $ = (id) => document.getElementById(id);
  const els = {
    status: $('status'),
    statusText: $('status-text'),
    whoami: $('whoami'),
    whoName: $('whoami-name'),
    adminBadge: $('admin-badge'),
    banner: $('banner'),
    bannerText: $('banner-text'),
    retry: $('retry'),
    scroller: $('scroller'),
    empty: $('empty'),
    list: $('messages'),
    pending: $('pending'),
    typing: $('typing'),
    jump: $('jump'),
    form: $('form'),
    input: $('input'),
    send: $('send'),
    hint: $('hint'),
    hintMsg: $('hint-msg'),
    hintCount: $('hint-count'),
  };

  // ---- state ---------------------------------------------------------------
  let ws = null;
  let connId = 0;          // increments on every new socket
  let gotWelcome = false;  // on the current socket
  let settled = false;     // replay after hello is over: safe to send the outbox
  let everConnected = false;
  let attempt = 0;         // consecutive failed connection attempts
  let retryAt = 0;
  let retryTimer = null;
  let bannerTimer = null;
  let settleQuiet = null;
  let settleMax = null;
  let typingTimer = null;
  let lastSeq = 0;
  const shown = new Map(); // seq -> row element
  let outbox = loadOutbox(); // [{id, kind, text, payload, label, echo, afterSeq, state, conn, sentAt}]
  const pendingEls = new Map(); // id -> row element
  let stick = true; // keep the view pinned to the newest message

  // ---- small helpers -------------------------------------------------------
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function svg(pathD, cls, opts = {}) {
    const s = document.createElementNS(SVG_NS, 'svg');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('aria-hidden', 'true');
    s.setAttribute('focusable', 'false');
    if (cls) s.setAttribute('class', cls);
    const p = document.createElementNS(SVG_NS, 'path');
    p.setAttribute('d', pathD);
    if (opts.fill) {
      p.setAttribute('fill', 'currentColor');
    } else {
      p.setAttribute('fill', 'none');
      p.setAttribute('stroke', 'currentColor');
      p.setAttribute('stroke-width', opts.width || '2');
      p.setAttribute('stroke-linecap', 'round');
      p.setAttribute('stroke-linejoin', 'round');
    }
    s.appendChild(p);
    return s;
  }

  const ICON_CLIP = 'M21.4 11.1 12.2 20.3a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 1 1-2.8-2.8l8.5-8.5';
  const ICON_EXT = 'M14 4h6v6M20 4l-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5';
  const ICON_CLOCK = 'M12 7v5l3 2M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0Z';
  const ICON_ALERT = 'M12 8v5m0 3.5v.01M10.3 3.9 2.4 17.6A2 2 0 0 0 4.1 20.6h15.8a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0Z';

  function botAvatar() {
    const s = document.createElementNS(SVG_NS, 'svg');
    s.setAttribute('viewBox', '0 0 32 32');
    s.setAttribute('class', 'avatar');
    s.setAttribute('aria-hidden', 'true');
    s.setAttribute('focusable', 'false');
    const r = document.createElementNS(SVG_NS, 'rect');
    r.setAttribute('width', '32');
    r.setAttribute('height', '32');
    r.setAttribute('rx', '9');
    r.setAttribute('class', 'logo-bg');
    const p = document.createElementNS(SVG_NS, 'path');
    p.setAttribute('d', 'M9 21V11l7 6 7-6v10');
    p.setAttribute('fill', 'none');
    p.setAttribute('stroke', '#fff');
    p.setAttribute('stroke-width', '2.6');
    p.setAttribute('stroke-linecap', 'round');
    p.setAttribute('stroke-linejoin', 'round');
    s.append(r, p);
    return s;
  }

  const codePoints = (s) => Array.from(s).length;
  const pad2 = (n) => String(n).padStart(2, '0');

  function parseTime(iso) {
    const d = iso ? new Date(iso) : new Date();
    return Number.isNaN(d.getTime()) ? new Date() : d;
  }
  const hhmm = (d) => `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  const dayKey = (d) => `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;

  function dayLabel(key) {
    const [y, m, dd] = key.split('-').map(Number);
    const d = new Date(y, m - 1, dd);
    const today = new Date();
    const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    if (key === dayKey(today)) return 'Today';
    if (key === dayKey(yesterday)) return 'Yesterday';
    const opts = { weekday: 'short', month: 'short', day: 'numeric' };
    if (y !== today.getFullYear()) opts.year = 'numeric';
    return d.toLocaleDateString(undefined, opts);
  }

  function safeUrl(href) {
    if (typeof href !== 'string' || !href) return null;
    try {
      const u = new URL(href, window.location.href);
      return ['http:', 'https:', 'mailto:', 'tg:'].includes(u.protocol) ? u.href : null;
    } catch (_) {
      return null;
    }
  }

  // The server escapes its HTML and uses only a few tags; this allow-list is a
  // second line of defence (the page's CSP is the third).
  const ALLOWED_TAGS = new Set(['B', 'STRONG', 'I', 'EM', 'U', 'S', 'CODE', 'PRE', 'A', 'UL', 'OL', 'LI', 'BR', 'P', 'SPAN']);
  const DROP_TAGS = new Set(['SCRIPT', 'STYLE', 'TEMPLATE', 'IFRAME', 'OBJECT', 'EMBED', 'NOSCRIPT']);

  function cleanTree(parent) {
    for (const node of Array.from(parent.childNodes)) {
      if (node.nodeType === Node.ELEMENT_NODE) {
        const tag = node.tagName.toUpperCase();
        if (DROP_TAGS.has(tag)) {
          node.remove();
          continue;
        }
        cleanTree(node);
        if (!ALLOWED_TAGS.has(tag)) {
          node.replaceWith(...Array.from(node.childNodes));
          continue;
        }
        for (const attr of Array.from(node.attributes)) {
          if (!(tag === 'A' && attr.name === 'href')) node.removeAttribute(attr.name);
        }
        if (tag === 'A') {
          const href = safeUrl(node.getAttribute('href'));
          if (href) {
            node.setAttribute('href', href);
            node.setAttribute('target', '_blank');
            node.setAttribute('rel', 'noopener noreferrer');
          } else {
            node.removeAttribute('href');
          }
        }
      } else if (node.nodeType !== Node.TEXT_NODE) {
        node.remove();
      }
    }
  }

  function htmlFragment(html) {
    const tpl = document.createElement('template');
    tpl.innerHTML = html;
    cleanTree(tpl.content);
    return tpl.content;
  }

  function base64Bytes(b64) {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i += 1) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }

  function humanSize(n) {
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KB`;
    return `${(n / 1024 / 1024).toFixed(1)} MB`;
  }

  // ---- storage (never lose what the user typed) ----------------------------
  function loadOutbox() {
    try {
      const raw = window.sessionStorage.getItem(OUTBOX_KEY);
      const items = raw ? JSON.parse(raw) : [];
      if (!Array.isArray(items)) return [];
      // Whatever was "sent" by an earlier page may or may not have arrived:
      // it is re-checked against the replay after the next hello.
      return items
        .filter((i) => i && typeof i.id === 'string' && typeof i.echo === 'string')
        .map((i) => ({ ...i, conn: null, state: i.state === 'failed' ? 'failed' : i.state === 'sent' ? 'sent' : 'queued' }));
    } catch (_) {
      return [];
    }
  }

  function saveOutbox() {
    try {
      const plain = outbox.map(({ id, kind, text, payload, label, echo, afterSeq, state, sentAt }) => ({
        id, kind, text, payload, label, echo, afterSeq, state, sentAt,
      }));
      if (plain.length) window.sessionStorage.setItem(OUTBOX_KEY, JSON.stringify(plain));
      else window.sessionStorage.removeItem(OUTBOX_KEY);
    } catch (_) { /* storage full or disabled: the in-memory queue still works */ }
  }

  let draftTimer = null;
  function saveDraftSoon() {
    clearTimeout(draftTimer);
    draftTimer = setTimeout(() => {
      try {
        if (els.input.value) window.sessionStorage.setItem(DRAFT_KEY, els.input.value);
        else window.sessionStorage.removeItem(DRAFT_KEY);
      } catch (_) { /* ignore */ }
    }, 250);
  }

  // ---- scrolling -------------------------------------------------------------
  function nearBottom() {
    const s = els.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 120;
  }

  let scrollFrame = 0;
  let anchor = null; // a tall message (results) to show from its top, once
  function scrollToBottom() {
    if (scrollFrame) return;
    scrollFrame = window.requestAnimationFrame(() => {
      scrollFrame = 0;
      const s = els.scroller;
      const bottom = s.scrollHeight - s.clientHeight;
      if (anchor && anchor.isConnected) {
        const top = anchor.getBoundingClientRect().top - s.getBoundingClientRect().top + s.scrollTop - 8;
        anchor = null;
        s.scrollTop = Math.min(bottom, Math.max(0, top));
        stick = nearBottom();
      } else {
        s.scrollTop = s.scrollHeight;
        stick = true;
      }
      els.jump.hidden = true;
    });
  }

  function afterInsert({ force = false, incoming = false } = {}) {
    if (force) anchor = null;
    els.empty.hidden = els.list.childElementCount + els.pending.childElementCount > 0;
    scheduleDividers();
    if (force || stick) scrollToBottom();
    else if (incoming) els.jump.hidden = false;
  }

  els.scroller.addEventListener('scroll', () => {
    stick = nearBottom();
    if (stick) els.jump.hidden = true;
  }, { passive: true });

  els.jump.addEventListener('click', () => {
    els.scroller.scrollTo({ top: els.scroller.scrollHeight, behavior: 'smooth' });
    els.jump.hidden = true;
  });

  if ('ResizeObserver' in window) {
    // Keyboard opening on a phone, textarea growing, window resizing...
    new ResizeObserver(() => { if (stick) scrollToBottom(); }).observe(els.scroller);
  }

  // iOS Safari does not shrink the layout viewport for the on-screen keyboard:
  // size the app to the visual viewport so the input stays visible.
  if (window.visualViewport) {
    const vv = window.visualViewport;
    const fit = () => {
      document.documentElement.style.setProperty('--vvh', `${Math.round(vv.height)}px`);
      if (vv.offsetTop > 0 && window.scrollY !== 0) window.scrollTo(0, 0);
      if (stick) scrollToBottom();
    };
    vv.addEventListener('resize', fit);
    fit();
  }

  // ---- day dividers --------------------------------------------------------
  let dividerFrame = 0;
  function scheduleDividers() {
    if (dividerFrame) return;
    dividerFrame = window.requestAnimationFrame(() => {
      dividerFrame = 0;
      fixDividers();
    });
  }

  function fixDividers() {
    const keep = new Set();
    let prevDay = null;
    for (const node of Array.from(els.list.children)) {
      if (node.classList.contains('day')) continue;
      const day = node.dataset.day;
      if (!day) continue;
      if (day !== prevDay) {
        let before = node.previousElementSibling;
        if (!(before && before.classList.contains('day') && before.dataset.day === day)) {
          before = el('div', 'day', dayLabel(day));
          before.dataset.day = day;
          before.setAttribute('role', 'separator');
          els.list.insertBefore(before, node);
        }
        keep.add(before);
      }
      prevDay = day;
    }
    for (const node of Array.from(els.list.querySelectorAll(':scope > .day'))) {
      if (!keep.has(node)) node.remove();
    }
  }

  // ---- rendering -------------------------------------------------------------
  function metaLine(date) {
    const meta = el('div', 'meta');
    const t = el('time', null, hhmm(date));
    t.dateTime = date.toISOString();
    t.title = date.toLocaleString();
    meta.appendChild(t);
    return meta;
  }

  function renderBody(bubble, m) {
    if (m.role === 'bot' && typeof m.html === 'string' && m.html !== '') {
      const div = el('div', 'html');
      div.appendChild(htmlFragment(m.html));
      bubble.appendChild(div);
    } else if (typeof m.text === 'string' && m.text !== '') {
      // textContent + pre-wrap: newlines become line breaks, nothing is parsed
      bubble.appendChild(el('div', 'text', m.text));
    }

    if (typeof m.picture === 'string' && m.picture.startsWith('/avatars/')) {
      const pic = el('img', 'avatar-large');
      pic.alt = 'Profile photo';
      pic.decoding = 'async';
      pic.src = m.picture;
      pic.dataset.testid = 'profile-picture';
      bubble.appendChild(pic);
    }
    if (m.image && typeof m.image.png_base64 === 'string') {
      const img = el('img', 'image');
      img.alt = typeof m.image.alt === 'string' ? m.image.alt : 'Image';
      img.decoding = 'async';
      img.src = `data:image/png;base64,${m.image.png_base64}`;
      img.addEventListener('load', () => { if (stick) scrollToBottom(); }, { once: true });
      bubble.appendChild(img);
    }

    if (m.attachment && typeof m.attachment.data_base64 === 'string') {
      const a = m.attachment;
      const filename = typeof a.filename === 'string' && a.filename ? a.filename : 'download';
      const mime = typeof a.mime === 'string' && a.mime ? a.mime : 'application/octet-stream';
      let bytes;
      try {
        bytes = base64Bytes(a.data_base64);
      } catch (_) {
        bytes = null;
      }
      if (bytes) {
        const link = el('a', 'attachment');
        link.href = URL.createObjectURL(new Blob([bytes], { type: mime }));
        link.download = filename;
        link.dataset.testid = 'attachment';
        link.setAttribute('aria-label', `Download ${filename} (${humanSize(bytes.length)})`);
        const clip = el('span', 'clip');
        clip.appendChild(svg(ICON_CLIP, null, { width: '2' }));
        const file = el('span', 'file');
        file.append(el('span', 'fname', filename), el('span', 'fsub', `${humanSize(bytes.length)} · Download`));
        link.append(clip, file);
        bubble.appendChild(link);
      }
    }
  }

  // A pressed button can't be pressed again (the server also acts on a press once), and
  // focus, which a disabled button loses, goes back to the message box.
  function press(btn) {
    btn.classList.add('picked');
    btn.disabled = true;
    btn.setAttribute('aria-pressed', 'true');
    els.input.focus({ preventScroll: true });
  }

  function renderButtons(stack, rows, onCards, seq) {
    if (!Array.isArray(rows) || !rows.length) return;
    const box = el('div', onCards.size ? 'actions compact' : 'actions');
    for (const row of rows) {
      if (!Array.isArray(row) || !row.length) continue;
      const line = el('div', 'actions-row');
      for (const b of row) {
        if (!b || typeof b.label !== 'string') continue;
        if (typeof b.payload === 'string' && onCards.has(b.payload)) continue; // on its card
        if (typeof b.url === 'string') {
          const href = safeUrl(b.url);
          if (!href) continue;
          const a = el('a', 'abtn link', b.label);
          a.href = href;
          a.target = '_blank';
          a.rel = 'noopener noreferrer';
          a.dataset.testid = 'link-btn';
          a.appendChild(svg(ICON_EXT, 'ext'));
          line.appendChild(a);
        } else if (typeof b.payload === 'string') {
          const btn = el('button', 'abtn', b.label);
          btn.type = 'button';
          btn.dataset.testid = 'action-btn';
          btn.dataset.payload = b.payload;
          btn.addEventListener('click', () => {
            press(btn);
            sendAction(b.payload, b.label, seq);
          });
          line.appendChild(btn);
        }
      }
      if (line.childElementCount) box.appendChild(line);
    }
    if (box.childElementCount) stack.appendChild(box);
  }

  // Search results as compact cards: name, price, one line of reason, rating, and the
  // card's own small actions (profile, why). Returns the payloads drawn on cards, which the
  // rows below leave out.
  function renderCards(stack, cards, rows, seq) {
    const onCards = new Set();
    if (!Array.isArray(cards) || !cards.length) return onCards;
    const fullLabel = new Map();
    for (const row of Array.isArray(rows) ? rows : []) {
      for (const b of Array.isArray(row) ? row : []) {
        if (b && typeof b.payload === 'string' && typeof b.label === 'string') fullLabel.set(b.payload, b.label);
      }
    }
    const list = el('div', 'cards');
    list.setAttribute('role', 'list');
    for (const c of cards) {
      if (!c || typeof c.title !== 'string') continue;
      const card = el('div', 'card');
      card.setAttribute('role', 'listitem');
      card.dataset.testid = 'result-card';
      const head = el('div', 'card-head');
      if (typeof c.picture === 'string' && c.picture.startsWith('/avatars/')) {
        const pic = el('img', 'avatar');
        pic.alt = '';
        pic.decoding = 'async';
        pic.src = c.picture;
        head.appendChild(pic);
      }
      head.appendChild(el('span', 'card-title', c.title));
      if (typeof c.price === 'string' && c.price) head.appendChild(el('span', 'card-price', c.price));
      card.appendChild(head);
      if (typeof c.line === 'string' && c.line) {
        const line = el('div', 'card-line', c.line);
        line.title = c.line;
        card.appendChild(line);
      }
      const foot = el('div', 'card-foot');
      foot.appendChild(el('span', 'card-rating', typeof c.rating === 'string' ? c.rating : ''));
      const acts = el('span', 'card-actions');
      for (const a of Array.isArray(c.actions) ? c.actions : []) {
        if (!a || typeof a.label !== 'string' || typeof a.payload !== 'string') continue;
        const btn = el('button', 'cbtn', a.label);
        btn.type = 'button';
        btn.dataset.testid = 'card-action';
        btn.dataset.payload = a.payload;
        btn.setAttribute('aria-label', `${a.label} ${c.title}`);
        btn.addEventListener('click', () => {
          press(btn);
          // the echo names the mentor ("» 👤 Anita Desai", "» Why? · Anita Desai")
          const full = fullLabel.get(a.payload) || '';
          sendAction(a.payload, full.includes(c.title) ? full : `${a.label} · ${c.title}`, seq);
        });
        acts.appendChild(btn);
        onCards.add(a.payload);
      }
      foot.appendChild(acts);
      card.appendChild(foot);
      list.appendChild(card);
    }
    if (list.childElementCount) {
      stack.classList.add('wide');
      stack.appendChild(list);
    }
    return onCards;
  }

  let choiceCounter = 0;
  function renderChoices(stack, choices, seq) {
    if (!choices || !Array.isArray(choices.options) || !choices.options.length) return;
    const placeholder = typeof choices.placeholder === 'string' && choices.placeholder ? choices.placeholder : 'Choose…';
    const form = el('form', 'choices');
    const id = `choices-${(choiceCounter += 1)}`;
    const label = el('label', 'visually-hidden', placeholder);
    label.htmlFor = id;
    const select = el('select');
    select.id = id;
    select.required = true;
    select.dataset.testid = 'choices';
    const ph = el('option', null, placeholder);
    ph.value = '';
    ph.disabled = true;
    ph.selected = true;
    select.appendChild(ph);
    choices.options.forEach((o, idx) => {
      if (!o || typeof o.label !== 'string' || typeof o.payload !== 'string') return;
      const opt = el('option', null, o.label);
      opt.value = String(idx);
      select.appendChild(opt);
    });
    const btn = el('button', 'choose', 'Choose');
    btn.type = 'submit';
    btn.disabled = true;
    btn.dataset.testid = 'choose';
    select.addEventListener('change', () => { btn.disabled = select.value === ''; });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const o = choices.options[Number(select.value)];
      if (select.value === '' || !o) return;
      select.disabled = true;
      press(btn);
      sendAction(o.payload, o.label, seq);
    });
    form.append(label, select, btn);
    stack.appendChild(form);
  }

  function buildRow(role, day) {
    const row = el('div', `row ${role === 'user' ? 'user' : 'bot'}`);
    row.dataset.day = day;
    const stack = el('div', 'stack');
    // who spoke, for assistive tech (the avatar is decoration; the bubble's text is the message's)
    stack.appendChild(el('span', 'visually-hidden', role === 'user' ? 'You said:' : 'MentorBot:'));
    const bubble = el('div', 'bubble');
    stack.appendChild(bubble);
    if (role !== 'user') row.appendChild(botAvatar());
    row.appendChild(stack);
    return { row, stack, bubble };
  }

  function renderMessage(m) {
    const role = m.role === 'user' ? 'user' : 'bot';
    const date = parseTime(m.time);
    const { row, stack, bubble } = buildRow(role, dayKey(date));
    row.dataset.order = String(m.seq);
    // the bubble itself carries the test hooks: its text is exactly the message's
    bubble.dataset.testid = 'msg';
    bubble.dataset.role = role;
    bubble.dataset.seq = String(m.seq);
    if (m.ephemeral) row.classList.add('ephemeral');
    renderBody(bubble, m);
    if (!bubble.childElementCount) bubble.appendChild(el('div', 'text', '…'));
    if (role === 'bot') {
      const onCards = renderCards(stack, m.cards, m.buttons, m.seq);
      renderButtons(stack, m.buttons, onCards, m.seq);
      renderChoices(stack, m.choices, m.seq);
      if (onCards.size) row.dataset.cards = 'true';
    }
    stack.appendChild(metaLine(date));
    return row;
  }

  function insertBySeq(row, seq) {
    let before = null;
    // walk back from the end: messages nearly always arrive in order
    const rows = els.list.querySelectorAll(':scope > .row[data-order]');
    for (let i = rows.length - 1; i >= 0; i -= 1) {
      if (Number(rows[i].dataset.order) > seq) before = rows[i];
      else break;
    }
    if (before && before.previousElementSibling && before.previousElementSibling.classList.contains('day')) {
      before = before.previousElementSibling;
    }
    els.list.insertBefore(row, before);
  }

  function onMessage(m) {
    const seq = Number(m.seq);
    if (!Number.isFinite(seq) || shown.has(seq)) return; // duplicate (replay, second tab...)
    if (m.role === 'user') matchPending(seq, typeof m.text === 'string' ? m.text : '');
    else hideTyping();
    const row = renderMessage({ ...m, seq });
    shown.set(seq, row);
    if (seq > lastSeq) lastSeq = seq;
    insertBySeq(row, seq);
    // Results start where the first card can be seen, not at the page's last button.
    if (row.dataset.cards && stick && !anchor) anchor = row;
    afterInsert({ force: m.role === 'user', incoming: m.role !== 'user' });
  }

  function addNotice(text) {
    const n = el('div', 'notice');
    n.dataset.testid = 'notice';
    n.appendChild(svg(ICON_ALERT, 'clock'));
    n.appendChild(el('span', null, text));
    els.list.appendChild(n);
    afterInsert({ incoming: true });
  }

  // ---- pending (local) bubbles -------------------------------------------------
  function renderPending(item) {
    const { row, stack, bubble } = buildRow('user', dayKey(new Date()));
    row.classList.add('pending');
    bubble.dataset.testid = 'msg-pending';
    bubble.dataset.role = 'user';
    bubble.dataset.pending = 'true';
    bubble.appendChild(el('div', 'text', item.echo));
    const meta = el('div', 'meta');
    stack.appendChild(meta);
    pendingEls.set(item.id, row);
    // outside the log (a live region): your message is announced once, as the server's echo
    els.pending.appendChild(row);
    updatePendingMeta(item);
  }

  function updatePendingMeta(item) {
    const row = pendingEls.get(item.id);
    if (!row) return;
    const meta = row.querySelector('.meta');
    const hadFocus = meta.contains(document.activeElement);
    meta.replaceChildren();
    if (hadFocus) els.input.focus({ preventScroll: true });
    row.classList.toggle('failed', item.state === 'failed');
    if (item.state === 'failed') {
      meta.appendChild(el('span', null, 'Not delivered ·'));
      const retry = el('button', 'retry-link', 'Retry');
      retry.type = 'button';
      retry.addEventListener('click', () => {
        item.state = 'queued';
        updatePendingMeta(item);
        saveOutbox();
        flush();
      });
      const discard = el('button', 'retry-link', 'Discard');
      discard.type = 'button';
      discard.addEventListener('click', () => removePending(item));
      meta.append(retry, discard);
      return;
    }
    meta.appendChild(svg(ICON_CLOCK, 'clock'));
    const online = ws && ws.readyState === WebSocket.OPEN;
    meta.appendChild(el('span', null, item.state === 'sent' && online ? 'Sending…' : 'Waiting for connection…'));
  }

  function removePending(item) {
    outbox = outbox.filter((i) => i !== item);
    const row = pendingEls.get(item.id);
    if (row) {
      const hadFocus = row.contains(document.activeElement);
      row.remove();
      if (hadFocus) els.input.focus({ preventScroll: true }); // never to the page's body
    }
    pendingEls.delete(item.id);
    saveOutbox();
    afterInsert();
  }

  function matchPending(seq, text) {
    // oldest pending first; an echo can only be for something sent before it existed
    const echoed = (i) => (i.state === 'sent' || i.state === 'failed') && seq > (i.afterSeq || 0);
    let item = outbox.find((i) => echoed(i) && i.echo === text);
    if (!item && text.startsWith('»')) {
      // the server words an action's echo itself: take the oldest action sent on this socket
      item = outbox.find((i) => echoed(i) && i.kind === 'action' && i.conn === connId);
    }
    if (item) removePending(item);
  }

  // A message's id (see the protocol above): time, then 64 random bits, unique per person.
  function newId() {
    const r = new Uint32Array(2);
    window.crypto.getRandomValues(r);
    return `${Date.now().toString(36)}-${r[0].toString(36)}${r[1].toString(36)}`;
  }

  // The server answered (or had answered) the message with this id.
  function ackPending(id) {
    const item = outbox.find((i) => i.id === id);
    if (item) removePending(item);
  }

  function enqueue(item) {
    const full = {
      id: newId(),
      afterSeq: lastSeq,
      state: 'queued',
      conn: null,
      sentAt: 0,
      ...item,
    };
    outbox.push(full);
    saveOutbox();
    renderPending(full);
    afterInsert({ force: true });
    flush();
  }

  function flush() {
    if (!ws || ws.readyState !== WebSocket.OPEN || !settled) return;
    let changed = false;
    for (const item of outbox) {
      const unsure = item.state === 'sent' && item.conn !== connId;
      if (item.state !== 'queued' && !unsure) continue;
      const frame = item.kind === 'action'
        ? { type: 'action', payload: item.payload, label: item.label, seq: item.seq, id: item.id }
        : { type: 'text', text: item.text, id: item.id };
      try {
        ws.send(JSON.stringify(frame));
      } catch (_) {
        break; // the close handler reconnects; the item stays queued
      }
      item.state = 'sent';
      item.conn = connId;
      item.sentAt = Date.now();
      item.afterSeq = Math.max(item.afterSeq || 0, lastSeq);
      updatePendingMeta(item);
      changed = true;
    }
    if (changed) saveOutbox();
  }

  // Something sent on a live socket whose echo never came (the server ignored it).
  setInterval(() => {
    const now = Date.now();
    for (const item of outbox) {
      if (item.state === 'sent' && item.conn === connId && ws && ws.readyState === WebSocket.OPEN
          && now - item.sentAt > UNDELIVERED_AFTER_MS) {
        item.state = 'failed';
        updatePendingMeta(item);
        saveOutbox();
      }
    }
  }, 5000);

  // ---- user input ------------------------------------------------------------
  function setHint(text, isError) {
    // only the message is a live region, so typing does not chatter
    if (els.hintMsg.textContent !== (text || '')) els.hintMsg.textContent = text || '';
    els.hint.classList.toggle('error', Boolean(isError));
    els.hint.classList.toggle('has-msg', Boolean(text));
    els.input.setAttribute('aria-invalid', isError ? 'true' : 'false');
    updateCount();
  }

  function updateCount() {
    const n = codePoints(els.input.value.trim());
    const show = n > MAX_TEXT - 500;
    els.hintCount.hidden = !show;
    els.hint.classList.toggle('has-count', show);
    if (show) els.hintCount.textContent = `${n} / ${MAX_TEXT}`;
  }

  function submitText(raw) {
    const text = String(raw).trim();
    if (!text) return false;
    const n = codePoints(text);
    if (n > MAX_TEXT) {
      setHint(`Too long to send: ${n} characters, the limit is ${MAX_TEXT}. Please shorten it.`, true);
      return false;
    }
    enqueue({ kind: 'text', text, echo: text });
    return true;
  }

  function sendAction(payload, label, seq) {
    const lab = typeof label === 'string' && label ? label : payload;
    enqueue({ kind: 'action', payload, label: lab, seq: Number.isFinite(seq) ? seq : undefined, echo: `» ${Array.from(lab).slice(0, ECHO_LABEL_MAX).join('')}` });
  }

  function autosize() {
    const ta = els.input;
    ta.style.height = 'auto';
    ta.style.height = `${Math.min(ta.scrollHeight + 2, 160)}px`;
  }

  function submitInput() {
    if (submitText(els.input.value)) {
      els.input.value = '';
      autosize();
      saveDraftSoon();
      setHint('', false);
    }
    updateSendState();
  }

  function updateSendState() {
    els.send.setAttribute('aria-disabled', els.input.value.trim() ? 'false' : 'true');
  }

  // A photo (profile picture): posted to /chat/upload; the answer arrives on the socket.
  const photo = $('photo');
  if (photo) {
    photo.addEventListener('change', () => {
      const file = photo.files && photo.files[0];
      if (!file) return;
      const body = new FormData();
      body.append('file', file, file.name);
      setHint('Sending the photo…', false);
      fetch('/chat/upload', { method: 'POST', body, credentials: 'same-origin' })
        .then((resp) => resp.json().catch(() => ({})).then((data) => {
          setHint(resp.ok ? '' : (data.error || 'The photo could not be sent.'), !resp.ok);
        }))
        .catch(() => setHint('The photo could not be sent — check your connection.', true))
        .finally(() => { photo.value = ''; });
    });
  }

  els.form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submitInput();
    // keep the keyboard up on phones when the Send button was tapped
    if (document.activeElement === els.send) els.input.focus({ preventScroll: true });
  });

  els.input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      submitInput();
    }
  });

  els.input.addEventListener('input', () => {
    autosize();
    updateSendState();
    saveDraftSoon();
    const n = codePoints(els.input.value.trim());
    if (n > MAX_TEXT) setHint(`${n - MAX_TEXT} characters over the ${MAX_TEXT}-character limit.`, true);
    else if (els.hint.classList.contains('has-msg')) setHint('', false);
    else updateCount();
  });

  for (const chip of document.querySelectorAll('.chip[data-cmd]')) {
    chip.addEventListener('click', () => submitText(chip.dataset.cmd));
  }

  // ---- typing indicator ----------------------------------------------------
  function showTyping() {
    els.typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_TIMEOUT_MS);
    if (stick) scrollToBottom();
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    typingTimer = null;
    els.typing.hidden = true;
  }

  // ---- connection status -----------------------------------------------------
  const STATUS_TEXT = {
    connecting: 'Connecting…',
    connected: 'Connected',
    reconnecting: 'Reconnecting…',
    offline: 'Offline',
  };

  function setStatus(state) {
    els.status.dataset.state = state;
    els.statusText.textContent = STATUS_TEXT[state];
    els.status.title = state === 'connected' ? 'Connected to MentorBot' : STATUS_TEXT[state];
    updateBanner();
    for (const item of outbox) updatePendingMeta(item);
  }

  function updateBanner() {
    const state = els.status.dataset.state;
    clearInterval(bannerTimer);
    bannerTimer = null;
    if (state === 'connected' || state === 'connecting' || (state === 'reconnecting' && attempt < 2)) {
      els.banner.hidden = true;
      return;
    }
    const render = () => {
      const secs = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
      const lead = navigator.onLine === false
        ? "You're offline."
        : "Can't reach MentorBot.";
      const when = retryTimer ? (secs > 0 ? ` Retrying in ${secs}s…` : ' Retrying…') : ' Retrying…';
      els.bannerText.replaceChildren(
        document.createTextNode(`${lead}${when}`),
        el('span', 'banner-more', " Your messages are kept and sent once you're back."),
      );
    };
    render();
    els.banner.hidden = false;
    bannerTimer = setInterval(render, 1000);
  }

  // ---- WebSocket -------------------------------------------------------------
  function wsUrl() {
    const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${proto}//${window.location.host}/ws`;
  }

  function connect() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (ws && (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN)) return;
    let sock;
    try {
      sock = new WebSocket(wsUrl());
    } catch (_) {
      scheduleReconnect(false);
      return;
    }
    ws = sock;
    connId += 1;
    gotWelcome = false;
    settled = false;
    let opened = false;
    if (attempt > OFFLINE_AFTER_ATTEMPTS || navigator.onLine === false) setStatus('offline');
    else setStatus(everConnected || attempt > 0 ? 'reconnecting' : 'connecting');

    sock.addEventListener('open', () => {
      if (ws !== sock) return;
      opened = true;
      everConnected = true;
      setStatus('connected');
      sock.send(JSON.stringify({ type: 'hello', last_seq: lastSeq }));
      // in case the server never says welcome, don't hold the outbox forever
      clearTimeout(settleMax);
      settleMax = setTimeout(finishSettle, 3000);
    });

    sock.addEventListener('message', (ev) => {
      if (ws !== sock) return;
      let frame;
      try {
        frame = JSON.parse(ev.data);
      } catch (_) {
        return;
      }
      if (!frame || typeof frame !== 'object') return;
      handleFrame(frame);
      bumpSettle();
    });

    sock.addEventListener('close', () => {
      if (ws !== sock) return;
      ws = null;
      settled = false;
      clearTimeout(settleQuiet);
      clearTimeout(settleMax);
      hideTyping();
      scheduleReconnect(opened && gotWelcome);
    });
    // 'error' is always followed by 'close'
  }

  function scheduleReconnect(wasOpen) {
    if (retryTimer) return;
    attempt = wasOpen ? 1 : attempt + 1;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (attempt - 1));
    const delay = Math.min(BACKOFF_MAX_MS, Math.round(base * (0.75 + Math.random() * 0.5)));
    retryAt = Date.now() + delay;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      // A socket that keeps failing before it opens may be missing its cookie
      // (cleared, expired...): reloading the page's HTML in the background sets it.
      if (!wasOpen && attempt >= 3 && attempt % 3 === 0 && navigator.onLine !== false) {
        fetch(window.location.pathname || '/', { cache: 'no-store', credentials: 'same-origin' })
          .catch(() => {})
          .finally(connect);
      } else {
        connect();
      }
    }, delay);
    const offline = navigator.onLine === false || attempt > OFFLINE_AFTER_ATTEMPTS;
    setStatus(offline ? 'offline' : 'reconnecting');
  }

  function reconnectNow() {
    if (ws && (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN)) return;
    clearTimeout(retryTimer);
    retryTimer = null;
    connect();
  }

  // The replay that answers hello comes first; anything "sent" on an earlier
  // socket is re-sent only if its echo was not in it.
  function needsQuiet() {
    return outbox.some((i) => i.state === 'sent' && i.conn !== connId);
  }

  function bumpSettle() {
    if (settled || !gotWelcome) return;
    clearTimeout(settleQuiet);
    settleQuiet = setTimeout(finishSettle, needsQuiet() ? 400 : 0);
  }

  function finishSettle() {
    clearTimeout(settleQuiet);
    clearTimeout(settleMax);
    if (!ws || ws.readyState !== WebSocket.OPEN || settled) return;
    settled = true;
    flush();
  }

  // The header: the name the person gave (a guest name until then), and a badge for admins.
  let account = '';
  function showWho(f) {
    if (typeof f.account === 'string') account = f.account;
    if (typeof f.name !== 'string' || !f.name) return;
    els.whoName.textContent = f.name;
    els.adminBadge.hidden = f.admin !== true;
    const role = f.admin === true ? ', admin' : '';
    els.whoami.title = account ? `Signed in as ${f.name}${role} (${account})` : `Signed in as ${f.name}${role}`;
    els.whoami.hidden = false;
  }

  function handleFrame(f) {
    switch (f.type) {
      case 'welcome':
        gotWelcome = true;
        attempt = 0;
        showWho(f);
        break;
      case 'who':
        showWho(f);
        break;
      case 'message':
        onMessage(f);
        break;
      case 'typing':
        showTyping();
        break;
      case 'done':
        hideTyping();
        if (typeof f.id === 'string') ackPending(f.id);
        break;
      case 'error':
        hideTyping();
        if (typeof f.text === 'string' && f.text) addNotice(f.text);
        break;
      default:
        break; // unknown frames are ignored: newer servers may say more
    }
  }

  els.retry.addEventListener('click', reconnectNow);
  window.addEventListener('online', () => { attempt = 0; reconnectNow(); });
  window.addEventListener('offline', () => { if (!ws) setStatus('offline'); });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && !ws) reconnectNow();
  });
  window.addEventListener('pageshow', (ev) => { if (ev.persisted && !ws) reconnectNow(); });

  // ---- start -------------------------------------------------------------------
  try {
    const draft = window.sessionStorage.getItem(DRAFT_KEY);
    if (draft) els.input.value = draft;
  } catch (_) { /* ignore */ }
  autosize();
  updateSendState();
  setHint('', false);
  for (const item of outbox) renderPending(item);
  afterInsert({ force: true });
  connect();
})();
