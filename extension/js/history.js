// The faces a person has looked at (value, where, when), newest first, kept in the browser's
// extension storage only, so the popup can compare the face on a download page with the face
// of the downloaded file.

import { seedFor } from "./hashing.js";

const KEEP = 30;

export async function entries() {
  const { history = [] } = await chrome.storage.local.get("history");
  return history;
}

// Add what was just seen: { kind: "text" | "badge" | "file", value, digestKind, label, where, title }.
// Seeing the same value from the same place again moves it to the top instead of repeating it.
export async function add(seen) {
  const entry = { ...seen, seed: seedFor(seen.value), when: Date.now(), id: crypto.randomUUID() };
  const kept = (await entries()).filter((e) => !(e.seed === entry.seed && e.kind === entry.kind && e.where === entry.where));
  await chrome.storage.local.set({ history: [entry, ...kept].slice(0, KEEP) });
  return entry;
}

export async function clear() {
  await chrome.storage.local.remove("history");
}
