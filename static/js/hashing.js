// SHA-256 of a stream, a chunk at a time, so memory stays flat whatever its size (a 4 GB disk
// image too). The site's "face for a file" page and the browser extension both use this module
// (make extension copies it), so a file and a download get the same digest the same way.
import { sha256 } from "../vendor/noble-hashes/sha2.js";

// Chunks that are already buffered resolve at once, and a loop of them would keep clicks
// (Cancel) and repaints waiting until the whole stream was read: every SLICE_MS it yields.
const SLICE_MS = 40;

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// The hex SHA-256 of a ReadableStream of bytes. `size` (bytes, 0 when unknown) lets
// `progress(bytesRead, share)` report a share (null when the size is unknown); `signal` stops it.
export async function hashStream(stream, size, progress, signal) {
  const hasher = sha256.create();
  const reader = stream.getReader();
  let read = 0;
  let sliceStart = performance.now();
  try {
    for (;;) {
      if (signal?.aborted) throw new DOMException("The hashing was cancelled.", "AbortError");
      const { value, done } = await reader.read();
      if (done) break;
      hasher.update(value);
      read += value.length;
      if (performance.now() - sliceStart > SLICE_MS) {
        progress?.(read, size ? Math.min(read / size, 1) : null);
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

// The face API's seed of a text value: the first 8 bytes of SHA-256(UTF-8), big-endian, as a
// decimal string (faceapi/params.py seed_for). The extension asks for `seed=` with it, so the
// value itself never leaves the browser.
export function seedFor(value) {
  const digest = sha256(new TextEncoder().encode(value));
  let seed = 0n;
  for (const byte of digest.subarray(0, 8)) seed = (seed << 8n) | BigInt(byte);
  return seed.toString();
}
