// The toolbar popup: the newest face with its value, a comparison of two faces in words, and
// the switch for faces beside hashes on the current site.

import { fetchFace } from "./faces.js";
import * as history from "./history.js";
import { disableSite, enableSite, faceUrl, badgeSites, server, sitePattern } from "./settings.js";
import { compare, describe, hostOf, shorten, when } from "./values.js";

const $ = (selector) => document.querySelector(selector);
async function showFace(img, entry, dim, status) {
  img.alt = `The face of ${describe(entry)}`;
  try {
    const blob = await fetchFace(await faceUrl(entry.value, dim), { onStatus: (text) => { if (status) status.textContent = text; } });
    img.src = URL.createObjectURL(blob);
    img.closest(".face-frame")?.classList.remove("is-loading");
  } catch (error) {
    if (status) status.textContent = error.message;
    else img.title = error.message;
  }
}

function showLatest(entry) {
  $(".latest").hidden = false;
  const what = describe(entry);
  $(".latest-what").textContent = `${what[0].toUpperCase()}${what.slice(1)}, ${when(entry.when)}`;
  $(".latest-value").textContent = shorten(entry.value, 16);
  $(".latest-value").title = entry.value;
  $(".copy").addEventListener("click", async () => {
    await navigator.clipboard.writeText(entry.value);
    $(".copy").textContent = "Copied";
  });
  showFace($(".latest-face"), entry, 256, $(".face-status"));
}

function showCompare(entries) {
  $(".compare").hidden = false;
  const selects = [...document.querySelectorAll(".pair-select")];
  const faces = [...document.querySelectorAll(".pair-face")];
  selects.forEach((select, which) => {
    for (const entry of entries) {
      select.append(new Option(`${entry.label || shorten(entry.value, 8)} · ${hostOf(entry.where) || "this computer"} · ${when(entry.when)}`, entry.id));
    }
    select.value = entries[which].id;
  });
  const update = () => {
    const [a, b] = selects.map((select) => entries.find((entry) => entry.id === select.value));
    faces.forEach((img, which) => showFace(img, [a, b][which], 96));
    const verdict = compare(a, b);
    $(".verdict").textContent = verdict.text;
    $(".verdict").classList.toggle("is-same", verdict.same);
    $(".verdict").classList.toggle("is-different", !verdict.same);
  };
  selects.forEach((select) => select.addEventListener("change", update));
  update();
}

async function showSiteSwitch() {
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  if (!tab?.url || !/^https?:/.test(tab.url)) return; // no page, or the popup in its own window
  const site = new URL(tab.url).origin;
  const toggle = $(".site-toggle");
  $(".site").hidden = false;
  $(".site-host").textContent = new URL(site).host;
  toggle.checked = (await badgeSites()).includes(site);
  toggle.addEventListener("change", async () => {
    const note = $(".site-note");
    if (toggle.checked) {
      // Asked in the click: the browser shows its prompt for this one site.
      const granted = await chrome.permissions.request({ origins: [sitePattern(site)] }).catch(() => false);
      if (!granted || !(await enableSite(site))) {
        toggle.checked = false;
        note.textContent = "Not turned on: SafeFace needs your permission to read this site's pages.";
        return;
      }
      await chrome.scripting.executeScript({ target: { tabId: tab.id }, files: ["js/badges.js"] }).catch(() => {});
      note.textContent = "On: hex digests on this site get a face. Hover a face to see it large.";
    } else {
      await disableSite(site);
      await chrome.tabs.sendMessage(tab.id, { type: "remove-badges" }).catch(() => {});
      note.textContent = "Off: SafeFace no longer reads this site's pages.";
    }
  });
}

async function main() {
  const { notice } = await chrome.storage.local.get("notice");
  if (notice) {
    $(".notice").textContent = notice;
    $(".notice").hidden = false;
    await chrome.storage.local.remove("notice");
  }
  const base = await server();
  $(".server-host").textContent = base ? hostOf(base) : "the server";
  const entries = await history.entries();
  if (!base) {
    $(".notice").textContent = "Name your SafeFace server in Settings to see faces.";
    $(".notice").hidden = false;
  }
  if (!entries.length) $(".empty").hidden = false;
  else showLatest(entries[0]);
  if (entries.length >= 2) showCompare(entries);
  await showSiteSwitch();
}

main();
