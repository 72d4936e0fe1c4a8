// The face of a file: a link's file, fetched and hashed as it streams (a 4 GB disk image takes
// no more memory than a small file), or a file on this computer. Progress and Cancel; then the
// face and, in words, whether it matches the checksum the person looked at before.

import { fetchFace } from "./faces.js";
import { hashStream } from "./hashing.js";
import * as history from "./history.js";
import { faceUrl, sitePattern } from "./settings.js";
import { compare, hostOf } from "./values.js";

const $ = (selector) => document.querySelector(selector);
const params = new URLSearchParams(location.search);
const link = params.get("url");
const from = params.get("from") || "";

function say(text) {
  $(".notice").textContent = text;
  $(".notice").hidden = !text;
}

function megabytes(bytes) {
  return bytes < 1e6 ? `${Math.round(bytes / 1e3)} kB` : `${(bytes / 1e6).toFixed(bytes < 1e8 ? 1 : 0)} MB`;
}

function fileName(url) {
  const { pathname, host } = new URL(url);
  return decodeURIComponent(pathname.split("/").filter(Boolean).pop() || host);
}

// Hash `stream`, showing progress; the digest, or null when cancelled or failed (said on the page).
async function hashWithProgress(stream, size) {
  const controller = new AbortController();
  const cancel = $(".cancel");
  cancel.hidden = false;
  cancel.onclick = () => controller.abort();
  $(".reading").hidden = false;
  $(".progress").removeAttribute("value"); // indeterminate until a share is known
  $(".progress-text").textContent = "Reading…";
  try {
    return await hashStream(stream, size, (read, share) => {
      if (share !== null) $(".progress").value = share;
      $(".progress-text").textContent = share === null ? `${megabytes(read)} read` : `${Math.floor(share * 100)} % of ${megabytes(size)}`;
    }, controller.signal);
  } catch (error) {
    $(".progress-text").textContent = error.name === "AbortError" ? "Cancelled." : "Stopped.";
    if (error.name !== "AbortError") say(`The file could not be read to the end: ${error.message}`);
    return null;
  } finally {
    cancel.hidden = true;
  }
}

// The checksum this file should be compared with: the newest one looked at on the page the
// link was on, else the newest one at all.
async function checksumBefore(entry) {
  const others = (await history.entries()).filter((e) => e.id !== entry.id && e.kind !== "file");
  return others.find((e) => from && e.where === from) || others[0];
}

async function show(digest, label, where) {
  $(".progress").value = 1;
  $(".progress-text").textContent = "Done.";
  const entry = await history.add({ kind: "file", value: digest, digestKind: "SHA-256", label, where, title: "" });
  $(".result").hidden = false;
  $(".digest").textContent = digest;
  const img = $(".face");
  img.alt = `The face of ${label}`;
  const checksum = await checksumBefore(entry);
  const verdict = $(".verdict");
  if (checksum) {
    const result = compare(entry, checksum);
    verdict.textContent = result.text;
    verdict.classList.add(result.same ? "is-same" : "is-different");
  } else {
    verdict.textContent = "To check this file, select its published SHA-256 on the download page and choose “Show the face of …”: SafeFace then compares the two faces in words.";
  }
  try {
    img.src = URL.createObjectURL(await fetchFace(await faceUrl(digest, 256), { onStatus: (text) => { $(".face-status").textContent = text; } }));
    img.closest(".face-frame").classList.remove("is-loading");
  } catch (error) {
    $(".face-status").textContent = error.message;
  }
}

async function hashLink() {
  const response = await fetch(link, { cache: "no-store" }).catch((error) => {
    say(`${hostOf(link)} could not be reached (${error.message}).`);
    return null;
  });
  if (!response) return;
  if (!response.ok) {
    say(`${hostOf(link)} answered ${response.status} ${response.statusText} for this link: there is no file to hash.`);
    return;
  }
  const size = Number(response.headers.get("Content-Length")) || 0;
  const digest = await hashWithProgress(response.body, size);
  if (digest) await show(digest, fileName(response.url || link), link);
}

async function startLink() {
  $(".source-name").textContent = fileName(link);
  $(".source-where").textContent = `from ${link}`;
  const origins = [sitePattern(link)];
  if (await chrome.permissions.contains({ origins })) return hashLink();
  $(".permission").hidden = false;
  for (const host of document.querySelectorAll(".permission-host")) host.textContent = hostOf(link);
  $(".allow").addEventListener("click", async () => {
    // In the click: the browser asks the person for this one site.
    if (await chrome.permissions.request({ origins }).catch(() => false)) {
      $(".permission").hidden = true;
      await hashLink();
    } else {
      say(`Without permission to read ${hostOf(link)}, SafeFace cannot hash its files. You can download the file and choose it here instead.`);
      $(".choose").hidden = false;
    }
  });
}

// A file on this computer, chosen here (also the way out when a site may not be read).
function setUpChooser() {
  $(".file-input").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    say("");
    $(".result").hidden = true;
    $(".source-where").textContent = file.name;
    const digest = await hashWithProgress(file.stream(), file.size);
    if (digest) await show(digest, file.name, "");
  });
}

setUpChooser();
if (link) {
  startLink();
} else {
  $(".source-name").textContent = "A file on this computer: it is hashed here and never uploaded.";
  $(".choose").hidden = false;
}
