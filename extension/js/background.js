// The extension's background: the two context-menu entries, and the faces the badges on
// pages ask for. A service worker in Chromium and an event page in Firefox: nothing is kept
// in memory that matters after it sleeps (history and settings are in storage).

import { fetchFace } from "./faces.js";
import * as history from "./history.js";
import { enableSite, disableSite, faceUrl, sitePattern, syncBadgeSites } from "./settings.js";
import { readValue } from "./values.js";

const MENU_SELECTION = "face-of-selection";
const MENU_LINK = "face-of-link";

function createMenus() {
  chrome.contextMenus.removeAll(() => {
    chrome.contextMenus.create({ id: MENU_SELECTION, title: "Show the face of “%s”", contexts: ["selection"] });
    chrome.contextMenus.create({ id: MENU_LINK, title: "Show the face of the linked file", contexts: ["link"] });
  });
}

// The popup shows the newest face; where the browser cannot open it from here (no focused
// window, or an older browser), a small window shows the same page.
async function openPopup() {
  try {
    await chrome.action.openPopup();
  } catch (error) {
    await chrome.windows.create({ url: chrome.runtime.getURL("popup.html"), type: "popup", width: 400, height: 640 });
  }
}

// "Show the face of …" on a selection: the value it stands for goes into the history and the
// popup shows its face. Returns the entry (the tests call this through the service worker).
export async function showSelection(text, page = {}) {
  let entry;
  try {
    const { value, digestKind } = readValue(text);
    entry = await history.add({ kind: "text", value, digestKind, where: page.url || "", title: page.title || "" });
  } catch (error) {
    await chrome.storage.local.set({ notice: error.message });
  }
  await openPopup();
  return entry;
}

// "Show the face of the linked file": a window reads the file as it streams and hashes it
// (hash.html), with progress and Cancel; the window outlives the popup, which would close.
export async function showLink(url, page = {}) {
  const params = new URLSearchParams({ url, from: page.url || "" });
  return chrome.windows.create({ url: chrome.runtime.getURL(`hash.html?${params}`), type: "popup", width: 460, height: 640 });
}

function onMenu(info, tab) {
  const page = { url: info.pageUrl || tab?.url || "", title: tab?.title || "" };
  if (info.menuItemId === MENU_SELECTION) return showSelection(info.selectionText, page);
  if (info.menuItemId === MENU_LINK) {
    // Reading another site's file needs its host permission. Asked here, in the person's
    // click (a user gesture); if the browser will not ask from here, the window offers a button.
    let origins;
    try {
      origins = [sitePattern(info.linkUrl)];
    } catch (error) {
      return showLink(info.linkUrl, page);
    }
    return chrome.permissions.request({ origins }).catch(() => false).then(() => showLink(info.linkUrl, page));
  }
}

// A face as a data: URL, for the badges (a content script's page may not load our blob: URLs).
const dataUrls = new Map();

async function dataUrlOf(value, dim) {
  const key = `${dim}:${value}`;
  if (!dataUrls.has(key)) {
    const blob = await fetchFace(await faceUrl(value, dim));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    if (dataUrls.size > 500) dataUrls.clear();
    dataUrls.set(key, `data:${blob.type};base64,${btoa(binary)}`);
  }
  return dataUrls.get(key);
}

async function onBadgeMessage(message, sender) {
  if (message.type === "faces") {
    const dim = Math.min(Math.max(Number(message.dim) || 64, 16), 512);
    const faces = {};
    // A few at a time: the API limits how many new faces one address may ask for.
    const values = [...new Set(message.values)].slice(0, 200);
    for (let i = 0; i < values.length; i += 4) {
      await Promise.all(values.slice(i, i + 4).map(async (value) => {
        faces[value] = await dataUrlOf(value, dim).catch(() => null);
      }));
    }
    return { faces };
  }
  if (message.type === "seen") {
    const { value, digestKind } = readValue(message.value);
    await history.add({ kind: "badge", value, digestKind, where: sender.tab?.url || "", title: sender.tab?.title || "" });
    return { ok: true };
  }
  return { error: `Unknown message ${message.type}` };
}

chrome.runtime.onInstalled.addListener(() => {
  createMenus();
  syncBadgeSites();
});
chrome.contextMenus.onClicked.addListener(onMenu);
chrome.runtime.onMessage.addListener((message, sender, respond) => {
  if (sender.id !== chrome.runtime.id) return false;
  onBadgeMessage(message, sender).then(respond, (error) => respond({ error: error.message }));
  return true; // the answer comes later
});
chrome.permissions.onRemoved.addListener(() => syncBadgeSites());

// For the tests (and the console): the handlers the menus call, callable from the worker.
globalThis.safeface = { showSelection, showLink, enableSite, disableSite, syncBadgeSites };
