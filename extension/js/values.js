// What a selection, a badge or a file stands for, and how two of them compare, in words.

// Hex digests of the usual lengths, as whole words (not a slice of a longer hex run).
// (40 digits are a SHA-1 or a git commit, which is one.)
export const DIGEST_KINDS = { 32: "MD5", 40: "SHA-1", 64: "SHA-256", 128: "SHA-512" };
export const DIGEST_PATTERN = /(?<![0-9a-f])(?:[0-9a-f]{128}|[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})(?![0-9a-f])/gi;
// The face API takes values of at most this many characters (faceapi/params.py); the seed is
// computed here, but a face for more text than the site itself accepts would be a surprise.
export const MAX_VALUE_LENGTH = 1000;

// The value a selection stands for. A selection holding exactly one hex digest (a line of a
// SHA256SUMS file, "sha256: 9f86…") means that digest, in lower case as sha256sum prints it, so
// a checksum written in capitals gets the face of the file; any other text is taken as it is.
export function readValue(text) {
  const trimmed = (text || "").trim();
  const digests = trimmed.match(DIGEST_PATTERN) || [];
  if (digests.length === 1) {
    const digest = digests[0].toLowerCase();
    return { value: digest, digestKind: DIGEST_KINDS[digest.length] };
  }
  if (!trimmed) throw new Error("Nothing is selected.");
  if (trimmed.length > MAX_VALUE_LENGTH) {
    throw new Error(`The selection is ${trimmed.length} characters long; select at most ${MAX_VALUE_LENGTH}.`);
  }
  return { value: trimmed, digestKind: null };
}

export function shorten(value, keep = 10) {
  return value.length <= 2 * keep + 1 ? value : `${value.slice(0, keep)}…${value.slice(-keep)}`;
}

const ago = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

// "just now", "5 minutes ago", "2 hours ago", else the date and time.
export function when(ms) {
  const minutes = Math.round((ms - Date.now()) / 60000);
  if (minutes > -1) return "just now";
  if (minutes > -60) return ago.format(minutes, "minute");
  if (minutes > -60 * 24) return ago.format(Math.round(minutes / 60), "hour");
  return new Date(ms).toLocaleString();
}

export function hostOf(url) {
  try {
    return new URL(url).host || url;
  } catch (error) {
    return "";
  }
}

// An entry of the history, as a phrase: "the SHA-256 9f86d08188…0f00a08 on example.org",
// "ubuntu.iso (its SHA-256)".
export function describe(entry) {
  if (entry.kind === "file") return `${entry.label} (its SHA-256)`;
  const what = entry.digestKind ? `the ${entry.digestKind} ${shorten(entry.value)}` : `“${shorten(entry.value, 16)}”`;
  const host = hostOf(entry.where);
  return host ? `${what} on ${host}` : what;
}

// Two entries compared, in words a person can act on: { same, text }.
export function compare(a, b) {
  const file = [a, b].find((entry) => entry.kind === "file");
  const other = file === a ? b : a;
  if (a.seed === b.seed) {
    if (file && other.kind !== "file") {
      return { same: true, text: `Match: ${file.label} is the file that ${describe(other)} describes. Same value, same face.` };
    }
    return { same: true, text: `Same face: ${describe(a)} and ${describe(b)} are the same value.` };
  }
  if (file && other.kind !== "file" && other.digestKind && other.digestKind !== "SHA-256") {
    return {
      same: false,
      text: `These can never match: ${describe(other)} has ${other.value.length} hex digits, and ${file.label}'s face is of its SHA-256 (64). Look for the SHA-256 on that page.`,
    };
  }
  if (file && other.kind !== "file") {
    return {
      same: false,
      text: `No match: ${file.label} is not the file that ${describe(other)} describes. It may be damaged or replaced: download it again from a source you trust, or ask the site.`,
    };
  }
  return { same: false, text: `Different faces: ${describe(a)} and ${describe(b)} are different values.` };
}
