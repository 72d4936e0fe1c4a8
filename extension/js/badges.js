// Faces beside hashes: on a site the person turned on, each hex digest of the usual lengths
// (MD5, SHA-1 and git commits, SHA-256, SHA-512) gets a small face, and the full face on hover.
// A classic content script (no imports), run only on those sites; the background draws the
// faces, so this page never sees the server or the seeds.
(() => {
  if (window.__safefaceBadges) return; // injected again by the popup's switch
  window.__safefaceBadges = true;

  const KINDS = { 32: "MD5", 40: "SHA-1 or git commit", 64: "SHA-256", 128: "SHA-512" };
  const DIGEST = /(?<![0-9a-f])(?:[0-9a-f]{128}|[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})(?![0-9a-f])/gi;
  const SKIP = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEXTAREA", "INPUT", "SELECT", "OPTION", "TEMPLATE", "SVG"]);
  const MAX_BADGES = 500;
  const STYLE = `
    :host { display: inline-block; position: relative; vertical-align: middle; margin: 0 .25em; line-height: 0; }
    .small { width: 1.5em; height: 1.5em; min-width: 20px; min-height: 20px; border-radius: 50%; object-fit: cover;
             box-shadow: 0 0 0 1px rgba(0,0,0,.25); background: #e0e7ff; cursor: zoom-in; }
    .card { display: none; position: absolute; z-index: 2147483647; top: 100%; left: 0; margin-top: 6px; padding: 8px;
            background: #fff; color: #111827; border-radius: 10px; box-shadow: 0 8px 24px rgba(0,0,0,.25);
            font: 12px/1.4 system-ui, sans-serif; width: 256px; }
    .card img { width: 256px; height: 256px; border-radius: 6px; display: block; background: #e0e7ff; }
    .card p { margin: 6px 0 0; line-height: 1.4; }
    :host(:hover) .card, :host(:focus-within) .card { display: block; }
  `;
  let badges = 0;

  function digestsIn(root) {
    const found = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode(node) {
        for (let el = node.parentElement; el; el = el.parentElement) {
          if (SKIP.has(el.tagName.toUpperCase()) || el.isContentEditable || el.classList.contains("safeface-badged")) return NodeFilter.FILTER_REJECT;
        }
        DIGEST.lastIndex = 0;
        return DIGEST.test(node.data) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT;
      },
    });
    while (walker.nextNode()) found.push(walker.currentNode);
    return found;
  }

  function ask(message) {
    return chrome.runtime.sendMessage(message).catch(() => ({}));
  }

  function badge(value, small) {
    const host = document.createElement("span");
    host.className = "safeface-badge";
    host.dataset.value = value;
    const shadow = host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = STYLE;
    const img = document.createElement("img");
    img.className = "small";
    img.src = small;
    img.alt = `Face of this ${KINDS[value.length]}`;
    img.tabIndex = 0;
    const card = document.createElement("span");
    card.className = "card";
    const large = document.createElement("img");
    large.alt = `The face of ${value}`;
    const caption = document.createElement("p");
    caption.textContent = `The face of this ${KINDS[value.length]}, drawn by SafeFace. The same value always has the same face.`;
    card.append(large, caption);
    shadow.append(style, img, card);
    let seen = false;
    const open = async () => {
      if (seen) return;
      seen = true;
      ask({ type: "seen", value }); // into the popup's history, to compare with a download
      const { faces = {} } = await ask({ type: "faces", values: [value], dim: 256 });
      if (faces[value]) large.src = faces[value];
    };
    host.addEventListener("mouseenter", open);
    host.addEventListener("focusin", open);
    return host;
  }

  async function decorate(root) {
    const nodes = digestsIn(root).slice(0, MAX_BADGES - badges);
    if (!nodes.length) return;
    const values = new Set();
    for (const node of nodes) for (const match of node.data.matchAll(DIGEST)) values.add(match[0].toLowerCase());
    const { faces = {} } = await ask({ type: "faces", values: [...values], dim: 64 });
    for (const node of nodes) {
      if (!node.parentNode || badges >= MAX_BADGES) continue;
      const parts = document.createDocumentFragment();
      let last = 0;
      for (const match of node.data.matchAll(DIGEST)) {
        const value = match[0].toLowerCase();
        const end = match.index + match[0].length;
        const wrap = document.createElement("span");
        wrap.className = "safeface-badged";
        wrap.textContent = match[0];
        parts.append(node.data.slice(last, match.index), wrap);
        if (faces[value]) {
          parts.append(badge(value, faces[value]));
          badges += 1;
        }
        last = end;
      }
      parts.append(node.data.slice(last));
      node.replaceWith(parts);
    }
  }

  function removeAll() {
    for (const host of document.querySelectorAll(".safeface-badge")) host.remove();
    for (const wrap of document.querySelectorAll(".safeface-badged")) wrap.replaceWith(wrap.textContent);
    observer.disconnect();
    window.__safefaceBadges = false;
  }

  // Pages that load their content later (a release list, a commit log) get faces too.
  let pending = null;
  const observer = new MutationObserver((records) => {
    if (records.every((r) => [...r.addedNodes].every((n) => n.classList?.contains("safeface-badge")))) return;
    clearTimeout(pending);
    pending = setTimeout(() => decorate(document.body), 300);
  });

  chrome.runtime.onMessage.addListener((message) => {
    if (message.type === "remove-badges") removeAll();
  });
  decorate(document.body).then(() => observer.observe(document.body, { childList: true, subtree: true, characterData: true }));
})();
