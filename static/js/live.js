// Live: the camera's picture goes to a live worker over WebRTC and the swapped picture comes
// back. Only what comes back is shown: no preview of the camera, so the person never sees (or
// shares a screen with) their own face. The offer is sent whole once its candidates are
// gathered (no trickle), the answer read from the session row the worker writes.
// Record asks the worker to keep what it sends back (and the microphone's sound) as a swap:
// each recording gets its own swap page, where a job worker labels it.

const STATES = {
  starting: "Putting your avatar on…",
  hidden: "Hidden: the identity check no longer recognises you.",
  "may be recognised": "May be recognised: the identity check matched you a moment ago; your face stays blurred until it passes.",
  blurred: "Blurred: the identity check still matched you under the swap, so your face is blurred for a few seconds.",
  "no face": "No face found: the picture is held, then blurred, until your face is back.",
};

function csrfToken() {
  return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = {};
  try {
    data = await response.json();
  } catch (ignored) { /* a 429 page, a proxy's error */ }
  if (!response.ok) throw new Error(data.error || `The site answered ${response.status}.`);
  return data;
}

function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState === "complete") {
        pc.removeEventListener("icegatheringstatechange", done);
        resolve();
      }
    };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, 3000); // a STUN server that never answers must not stop the start
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function setUp(root) {
  const form = root.querySelector("[data-live-form]");
  const startButton = root.querySelector("[data-live-start]");
  const stopButton = root.querySelector("[data-live-stop]");
  const video = root.querySelector("[data-live-video]");
  const placeholder = root.querySelector("[data-live-placeholder]");
  const stateOut = root.querySelector("[data-live-state]");
  const statsOut = root.querySelector("[data-live-stats]");
  const recordButton = root.querySelector("[data-live-record]");
  const recordingOut = root.querySelector("[data-live-recording]");
  const recordingsList = root.querySelector("[data-live-recordings]");
  const iceServers = JSON.parse(document.getElementById("live-ice-servers").textContent);
  let session = null; // { url, pc, camera, running, answered }

  function say(text, kind = "") {
    stateOut.textContent = text;
    stateOut.dataset.kind = kind;
  }

  function minutes(seconds) {
    const whole = Math.floor(seconds);
    return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
  }

  function showRecording(data) {
    // The button says what a click will do; the line, what the worker is doing.
    const recording = data.stats?.recording;
    recordButton.textContent = data.record ? "Stop recording" : "Record";
    recordButton.setAttribute("aria-pressed", data.record ? "true" : "false");
    const error = data.stats?.recording_error || "";
    if (data.record) recordingOut.textContent = recording ? `Recording ${minutes(recording.seconds)}` : "Starting to record…";
    else recordingOut.textContent = recording ? "Saving the recording…" : error;
    recordingOut.dataset.kind = data.record && recording ? "recording" : !data.record && !recording && error ? "error" : "";
    for (const saved of data.recordings || []) {
      const id = `live-recording-${saved.id}`;
      let item = document.getElementById(id);
      if (!item) {
        item = document.createElement("li");
        item.id = id;
        const link = document.createElement("a");
        link.href = saved.url;
        link.textContent = `Recording ${recordingsList.children.length + 1}`; // numbered on this page
        item.append(link, document.createTextNode(""));
        recordingsList.append(item);
        recordingsList.hidden = false;
      }
      const labels = { queued: "saved, waiting to be labelled", running: "being labelled", done: "ready", failed: "not made: open it to see why" };
      item.lastChild.textContent = ` — ${labels[saved.status] || saved.status}`;
    }
  }

  async function settle(current) {
    // After Stop, the worker saves a recording under way, then ends the session; job workers
    // then label each recording. Follow both (for up to three minutes) so the list says when
    // each recording is ready.
    for (let tries = 0; tries < 180 && !session; tries++) {
      const response = await fetch(current.url, { headers: { Accept: "application/json" } }).catch(() => null);
      if (!response?.ok) return;
      const data = await response.json();
      const ended = data.status === "ended" || data.status === "failed";
      showRecording({ ...data, record: false, stats: ended ? { recording_error: data.stats?.recording_error } : data.stats });
      const labelling = (data.recordings || []).some((saved) => saved.status === "queued" || saved.status === "running");
      if (ended && !labelling) return;
      await sleep(1000);
    }
  }

  async function stop(message) {
    const current = session;
    session = null;
    if (!current) return;
    current.running = false;
    recordButton.hidden = true;
    // The session is stopped first, so the worker ends it as stopped, not as a dropped call.
    if (current.url) await post(`${current.url}/stop`).catch(() => {});
    current.camera?.getTracks().forEach((track) => track.stop());
    current.pc?.close();
    video.srcObject = null;
    placeholder.hidden = false;
    stopButton.hidden = true;
    startButton.disabled = false;
    const recorded = current.recorded;
    say(message || (recorded ? "Stopped. Only your recordings were kept." : "Stopped. Nothing of the stream was kept."));
    if (recorded && current.url) await settle(current);
  }

  async function follow(current) {
    // The answer, then the state twice a second, until the session ends.
    while (current.running) {
      const response = await fetch(current.url, { headers: { Accept: "application/json" } });
      if (!current.running) return;
      const data = response.ok ? await response.json() : { status: "failed", error: `The site answered ${response.status}.` };
      if (data.answer && !current.answered) {
        current.answered = true;
        await current.pc.setRemoteDescription({ type: "answer", sdp: data.answer });
      }
      if (data.record || data.recordings?.length) current.recorded = true;
      if (data.status === "ended" || data.status === "failed") {
        await stop(data.error || data.stats?.ended || "The session ended.");
        return;
      }
      recordButton.hidden = data.status !== "live";
      showRecording(data);
      if (data.status === "offered") say("Waiting for a live worker…");
      else if (data.state) say(STATES[data.state] || data.state, data.state.replace(/ /g, "-"));
      const stats = data.stats || {};
      if (stats.fps_sent !== undefined) {
        statsOut.textContent = `${stats.fps_sent} frames/s sent · swap ${stats.ms?.swap ?? "–"} ms · identity checks ${stats.checks ?? 0}`;
      }
      await sleep(500);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (session) return;
    const avatar = new FormData(form).get("avatar");
    startButton.disabled = true;
    stopButton.hidden = false;
    const current = { running: true };
    session = current;
    try {
      if (!navigator.mediaDevices?.getUserMedia || !window.RTCPeerConnection) {
        throw new Error(window.isSecureContext ? "This browser has no WebRTC camera support." : "Browsers give the camera only to HTTPS pages: open this site over https://.");
      }
      say("Asking for your camera…");
      const picture = { width: 640, height: 480 };
      const withSound = new FormData(form).get("sound") === "on";
      try {
        current.camera = await navigator.mediaDevices.getUserMedia({ video: picture, audio: withSound });
      } catch (error) {
        if (!withSound || error.name === "NotAllowedError") throw error;
        current.camera = await navigator.mediaDevices.getUserMedia({ video: picture, audio: false }); // no microphone
        current.silent = true;
      }
      current.pc = new RTCPeerConnection({ iceServers });
      current.pc.addTransceiver(current.camera.getVideoTracks()[0], { direction: "sendrecv", streams: [current.camera] });
      // The sound goes one way: to the worker, for recordings (it is never sent back).
      for (const track of current.camera.getAudioTracks()) current.pc.addTransceiver(track, { direction: "sendonly" });
      current.pc.addEventListener("track", (e) => {
        video.srcObject = new MediaStream([e.track]);
        placeholder.hidden = true;
      });
      current.pc.addEventListener("connectionstatechange", () => {
        if (current.pc.connectionState === "failed") stop("The connection to the live worker failed (a firewall may block UDP; see the README's TURN notes).");
      });
      say("Connecting…");
      await current.pc.setLocalDescription(await current.pc.createOffer());
      await gathered(current.pc);
      const created = await post(root.dataset.start, { avatar, offer: current.pc.localDescription.sdp });
      current.url = created.url;
      await follow(current);
    } catch (error) {
      const message = error.name === "NotAllowedError" ? "The camera was not allowed: allow it in your browser to go live." : error.message;
      await stop(message);
    }
  });
  stopButton.addEventListener("click", () => stop());
  recordButton.addEventListener("click", async () => {
    const current = session;
    if (!current?.url) return;
    const wanted = recordButton.getAttribute("aria-pressed") !== "true";
    recordButton.disabled = true;
    try {
      showRecording(await post(`${current.url}/record`, { record: wanted }));
      if (wanted) current.recorded = true;
      if (wanted && current.silent) recordingOut.textContent += " (no microphone: without sound)";
    } catch (error) {
      recordingOut.textContent = error.message;
    } finally {
      recordButton.disabled = false;
    }
  });
  // Leaving the page closes the connection; the live worker sees it drop and ends the session.
}

document.addEventListener("DOMContentLoaded", () => {
  const root = document.querySelector("[data-live]");
  if (root) setUp(root);
});
