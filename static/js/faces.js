// Fetching a face from the face API, which answers 202 (with Retry-After) while the worker is
// still drawing it, and 429/503 when busy. Used by the site's pages and the browser extension.

const MAX_TRIES = 60;

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new DOMException("Stopped.", "AbortError"));
    }, { once: true });
  });
}

// The face image at `url` as a Blob, once it is drawn. `onStatus(text)` hears what is going on
// ("Drawing this face…"); an error says in words what the API answered.
export async function fetchFace(url, { onStatus = () => {}, signal } = {}) {
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    let response;
    try {
      response = await fetch(url, { signal });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      onStatus("The face server did not answer; trying again…");
      await sleep(2000, signal);
      continue;
    }
    if (response.status === 200) {
      onStatus("");
      return response.blob();
    }
    if (response.status === 202 || response.status === 429 || response.status === 503) {
      onStatus(response.status === 202 ? "Drawing this face…" : "The face server is busy; trying again…");
      const wait = Number(response.headers.get("Retry-After")) || 2;
      await sleep(Math.min(wait, 30) * 1000, signal);
      continue;
    }
    let message = `The face server answered ${response.status}.`;
    try {
      message = (await response.json()).error || message;
    } catch (ignored) { /* not JSON */ }
    throw new Error(message);
  }
  throw new Error("This face is taking long; try again in a minute.");
}
