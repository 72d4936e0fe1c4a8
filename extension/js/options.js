// Settings: the server, the sites with faces beside hashes, the history.

import { fetchFace } from "./faces.js";
import * as history from "./history.js";
import { badgeSites, disableSite, faceUrl, normaliseServer, server, setServer, sitePattern } from "./settings.js";

const $ = (selector) => document.querySelector(selector);

async function check(base) {
  const status = $(".server-status");
  status.textContent = `Asking ${base} for a face…`;
  try {
    await fetchFace(await faceUrl("SafeFace", 32), { onStatus: (text) => { status.textContent = text; } });
    status.textContent = `${base} answers: faces come from there.`;
  } catch (error) {
    status.textContent = `${base} did not give a face: ${error.message}`;
  }
}

async function showSites() {
  const list = $(".sites");
  list.replaceChildren();
  const sites = await badgeSites();
  $(".no-sites").hidden = sites.length > 0;
  for (const site of sites) {
    const item = document.createElement("li");
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "button-small";
    remove.textContent = "Turn off";
    remove.addEventListener("click", async () => {
      await disableSite(site);
      await showSites();
    });
    item.append(`${site} `, remove);
    list.append(item);
  }
}

async function main() {
  const base = await server();
  $("#server").value = base;
  if (base) check(base);
  $(".server-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    let chosen;
    try {
      chosen = normaliseServer($("#server").value);
    } catch (error) {
      $(".server-status").textContent = error.message;
      return;
    }
    // Asked in the click: reading the server's answers fully (its Retry-After while it draws).
    chrome.permissions.request({ origins: [sitePattern(chosen)] }).catch(() => false);
    $("#server").value = await setServer(chosen);
    await check(chosen);
  });
  $(".forget").addEventListener("click", async () => {
    await history.clear();
    $(".forget-status").textContent = "Forgotten.";
  });
  await showSites();
}

main();
