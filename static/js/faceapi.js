// Face API pages: load faces that may still be rendering (the API answers 202 until
// they are), and the "face for a file" page, which hashes files in the browser.
// A module (strict, deferred); hashing.js and faces.js are shared with the browser extension.
import { fetchFace } from "./faces.js";
import { hashStream } from "./hashing.js";

// Show the face at `url` in `img` once it is drawn (a blob: URL, which the CSP allows).
async function showFace(img, url, status) {
  const say = (text) => { if (status) status.textContent = text; };
  try {
    img.src = URL.createObjectURL(await fetchFace(url, { onStatus: say }));
    img.closest(".face-frame")?.classList.remove("is-loading");
  } catch (error) {
    say(error.message);
  }
}

// Live examples: an <img> that failed (a 202 is not an image) is fetched again until ready.
function retryBrokenExamples() {
  for (const img of document.querySelectorAll("img[data-face-live]")) {
    const retry = () => showFace(img, img.dataset.faceLive, img.parentElement.querySelector(".face-status"));
    if (img.complete && img.naturalWidth === 0) retry();
    else img.addEventListener("error", retry, { once: true });
  }
}

// The SHA-256 of a file read as a stream (hashing.js): memory stays flat whatever its size.
function hashFile(file, progress, signal) {
  return hashStream(file.stream(), file.size, (read, share) => progress(share ?? 1), signal);
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
