// Face API pages: load faces that may still be rendering (the API answers 202 until
// they are), and the "face for a file" page, which hashes files in the browser.
// A module (strict, deferred): it imports the vendored SHA-256 (make vendor).
import { sha256 } from "../vendor/noble-hashes/sha2.js";

const MAX_TRIES = 60;

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Fetch a face URL until it is rendered; show it in `img` (a blob: URL, which the CSP allows).
async function showFace(img, url, status) {
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    let response;
    try {
      response = await fetch(url);
    } catch (error) {
      if (status) status.textContent = "The site did not answer; trying again…";
      await sleep(2000);
      continue;
    }
    if (response.status === 200) {
      img.src = URL.createObjectURL(await response.blob());
      img.closest(".face-frame")?.classList.remove("is-loading");
      if (status) status.textContent = "";
      return;
    }
    if (response.status === 202 || response.status === 429 || response.status === 503) {
      if (status) status.textContent = response.status === 202 ? "Drawing this face…" : "Busy; trying again…";
      const wait = Number(response.headers.get("Retry-After")) || 2;
      await sleep(Math.min(wait, 30) * 1000);
      continue;
    }
    let message = `The API answered ${response.status}.`;
    try {
      message = (await response.json()).error || message;
    } catch (ignored) { /* not JSON */ }
    if (status) status.textContent = message;
    return;
  }
  if (status) status.textContent = "This face is taking long; reload the page to try again.";
}

// Live examples: an <img> that failed (a 202 is not an image) is fetched again until ready.
function retryBrokenExamples() {
  for (const img of document.querySelectorAll("img[data-face-live]")) {
    const retry = () => showFace(img, img.dataset.faceLive, img.parentElement.querySelector(".face-status"));
    if (img.complete && img.naturalWidth === 0) retry();
    else img.addEventListener("error", retry, { once: true });
  }
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// The SHA-256 of a file read as a stream, a chunk at a time, so memory stays flat whatever
// its size (a 4 GB disk image too). `progress` gets the share read; `signal` stops it. Every
// SLICE_MS it lets the page breathe: chunks that are ready resolve at once, and a loop of them
// would keep clicks (Cancel) and repaints waiting until the whole file was read.
const SLICE_MS = 40;

async function hashFile(file, progress, signal) {
  const hasher = sha256.create();
  const reader = file.stream().getReader();
  let read = 0;
  let sliceStart = performance.now();
  try {
    for (;;) {
      if (signal.aborted) throw new DOMException("The hashing was cancelled.", "AbortError");
      const { value, done } = await reader.read();
      if (done) break;
      hasher.update(value);
      read += value.length;
      if (performance.now() - sliceStart > SLICE_MS) {
        progress(file.size ? read / file.size : 1);
        await new Promise((resolve) => setTimeout(resolve, 0));
        sliceStart = performance.now();
      }
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  }
  return hex(hasher.digest());
}

// One drop zone: a file in, its SHA-256 and face out. Nothing is uploaded.
function setUpSlot(slot, onHashed) {
  const input = slot.querySelector("input[type=file]");
  const zone = slot.querySelector(".drop-zone");
  const result = slot.querySelector(".file-result");
  const hashOut = slot.querySelector(".file-hash");
  const nameOut = slot.querySelector(".file-name");
  const img = slot.querySelector(".file-face img");
  const status = slot.querySelector(".face-status");
  const link = slot.querySelector(".file-face-link");
  const cancel = slot.querySelector(".file-cancel");
  let hashing = null; // the AbortController of the file being hashed

  cancel.addEventListener("click", () => hashing?.abort());

  async function take(file) {
    if (!file) return;
    hashing?.abort(); // a new file replaces the one still being hashed
    const controller = new AbortController();
    hashing = controller;
    result.hidden = false;
    nameOut.textContent = file.name;
    hashOut.textContent = "hashing… 0 %";
    status.textContent = "";
    img.removeAttribute("src");
    cancel.hidden = false;
    let shown = 0;
    let digest;
    try {
      digest = await hashFile(file, (share) => {
        const percent = Math.floor(share * 100);
        if (percent !== shown) hashOut.textContent = `hashing… ${(shown = percent)} %`;
      }, controller.signal);
    } catch (error) {
      if (hashing === controller) {
        hashOut.textContent = error.name === "AbortError" ? "cancelled" : "could not be read";
        status.textContent = error.name === "AbortError" ? "" : `The file could not be read: ${error.message}`;
        cancel.hidden = true;
      }
      return;
    }
    if (hashing !== controller) return;
    cancel.hidden = true;
    hashOut.textContent = digest;
    const url = `${slot.dataset.api}?value=${digest}&dim=${slot.dataset.dim}`;
    link.href = url;
    img.alt = `The face of SHA-256 ${digest}`;
    onHashed(slot, digest);
    await showFace(img, url, status);
  }

  input.addEventListener("change", () => take(input.files[0]));
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("is-over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("is-over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("is-over");
    take(event.dataTransfer.files[0]);
  });
}

function setUpFilePage(page) {
  const hashes = new Map();
  const verdict = document.querySelector(".compare-verdict");
  for (const slot of page.querySelectorAll(".file-slot")) {
    setUpSlot(slot, (which, digest) => {
      hashes.set(which, digest);
      if (hashes.size === 2) {
        const [a, b] = hashes.values();
        verdict.hidden = false;
        verdict.textContent = a === b ? "Same face: the two files are identical." : "Different faces: the files differ.";
        verdict.classList.toggle("is-same", a === b);
      }
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  retryBrokenExamples();
  const page = document.querySelector("[data-face-for-file]");
  if (page) setUpFilePage(page);
});
