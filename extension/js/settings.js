// The extension's settings: which SafeFace server draws the faces (the only place it sends
// requests to, with seeds, never values), and the sites where faces appear beside hashes.

import { seedFor } from "./hashing.js";

// The server the package was downloaded from, written into server.json by the site when it
// packs the extension (faceapi/extension.py); a package built without one asks in Settings.
async function packagedServer() {
  try {
    const response = await fetch(chrome.runtime.getURL("server.json"));
    return response.ok ? (await response.json()).server || "" : "";
  } catch (error) {
    return "";
  }
}

// "https://faces.example.org/" or "faces.example.org" → "https://faces.example.org"; a path is
// kept (a server under a prefix); anything but http(s) is refused.
export function normaliseServer(text) {
  const trimmed = (text || "").trim();
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("The server's address must start with https:// or http://.");
  if (url.username || url.password || url.search || url.hash) throw new Error("Give only the server's address, such as https://faces.example.org.");
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

// The host permission pattern of a page's or a server's origin (match patterns carry no port).
export function sitePattern(url) {
  const { protocol, hostname } = new URL(url);
  return `${protocol}//${hostname}/*`;
}

export async function server() {
  const { server: chosen } = await chrome.storage.local.get("server");
  return chosen || (await packagedServer());
}

export async function setServer(text) {
  const chosen = normaliseServer(text);
  await chrome.storage.local.set({ server: chosen });
  return chosen;
}

// The face API URL of a value's face: only its seed goes to the server.
export async function faceUrl(value, dim) {
  const base = await server();
  if (!base) throw new Error("No SafeFace server is set: name one in the extension's Settings.");
  return `${base}/api/face?seed=${seedFor(value)}&dim=${dim}`;
}

export async function badgeSites() {
  const { badgeSites: sites = [] } = await chrome.storage.local.get("badgeSites");
  return sites;
}

// Content scripts run on exactly the sites a person turned on (and still lets us read).
export async function syncBadgeSites() {
  const wanted = [];
  for (const site of await badgeSites()) {
    if (await chrome.permissions.contains({ origins: [sitePattern(site)] })) wanted.push(sitePattern(site));
  }
  const matches = [...new Set(wanted)];
  const registered = await chrome.scripting.getRegisteredContentScripts({ ids: ["badges"] });
  if (!matches.length) {
    if (registered.length) await chrome.scripting.unregisterContentScripts({ ids: ["badges"] });
    return matches;
  }
  const script = { id: "badges", matches, js: ["js/badges.js"], runAt: "document_idle", persistAcrossSessions: true };
  if (registered.length) await chrome.scripting.updateContentScripts([script]);
  else await chrome.scripting.registerContentScripts([script]);
  return matches;
}

// Turn badges on for a site whose host permission the person has granted (the popup asks for
// it, in their click); false when it is not granted.
export async function enableSite(origin) {
  const site = new URL(origin).origin;
  if (!(await chrome.permissions.contains({ origins: [sitePattern(site)] }))) return false;
  const sites = await badgeSites();
  if (!sites.includes(site)) await chrome.storage.local.set({ badgeSites: [...sites, site] });
  await syncBadgeSites();
  return true;
}

export async function disableSite(origin) {
  const site = new URL(origin).origin;
  const sites = (await badgeSites()).filter((s) => s !== site);
  await chrome.storage.local.set({ badgeSites: sites });
  await syncBadgeSites();
  // Give the permission back unless another site on the same host, or the server, needs it.
  const pattern = sitePattern(site);
  const base = await server();
  const stillNeeded = sites.some((s) => sitePattern(s) === pattern) || (base && sitePattern(base) === pattern);
  if (!stillNeeded) await chrome.permissions.remove({ origins: [pattern] }).catch(() => false);
}
