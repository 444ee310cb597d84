// Starts a stream through the API (or plays one a backend started, given its
// playback token), plays it with hls.js, says what is going on in words, draws
// live detections over the picture, and renews the playback token before it expires.
const params = new URLSearchParams(location.search);
const id = params.get('indicator_id');
const rtspLink = params.get('rtsp_link');
const detect = params.get('detect'); // true|false, passed on to start when given
// An operator's API token, typed into the stream list (never put in an address).
const apiToken = sessionStorage.getItem('stream-manager.api-token');
// Signed playback: the token in use; every playlist, segment and per-stream API request carries it.
let playbackToken = params.get('token');
// Keep camera credentials out of the browser history once read.
if (rtspLink) {
  params.delete('rtsp_link');
  history.replaceState(null, '', `${location.pathname}?${params}`);
}
const video = document.querySelector('#video');
const canvas = document.querySelector('#boxes');
const stateText = document.querySelector('#state');
const list = document.querySelector('#detections');
document.querySelector('#title').textContent = id ?? '';

const STATE_WORDS = {
  starting: 'Connecting to the camera…',
  running: 'Live',
  restarting: 'The camera connection was lost; reconnecting…',
  failed: 'The camera could not be reached.',
};

function say(text, kind = 'info') {
  stateText.textContent = text;
  stateText.dataset.kind = kind;
}

const authHeaders = () => (apiToken ? { authorization: `Bearer ${apiToken}` } : {});

/** The URL with the current playback token on it (unchanged when playback is not signed). */
function withToken(url) {
  if (!playbackToken) return url;
  const signed = new URL(url, location.href);
  signed.searchParams.set('token', playbackToken);
  return signed.href;
}

/** Renews the token when three quarters of its life are gone; tokens start with their expiry (unix seconds). */
function scheduleRenewal() {
  if (!playbackToken) return;
  const secondsLeft = Number(playbackToken.split('.')[0]) - Date.now() / 1000;
  setTimeout(renew, Math.max(1, secondsLeft * 0.75) * 1000);
}

async function renew() {
  const url = withToken(`/api/stream/token?indicator_id=${encodeURIComponent(id)}`);
  const response = await fetch(url, { headers: authHeaders() }).catch(() => undefined);
  if (response?.ok) {
    playbackToken = (await response.json()).playback_token;
    scheduleRenewal();
    // The daemon ends an event stream when the token it was opened with expires: move it to the new one.
    if (events) {
      events.close();
      watchDetections();
    }
  } else {
    setTimeout(renew, 2000); // the old token may still have a while to go
  }
}

const streamPath = `/streams/${encodeURIComponent(id)}/stream.m3u8`;
let hls; // the hls.js player, replaced on reconnection
let reconnecting = false;

// Started by a backend, which handed us a token: the player can play, not start.
const startedByBackend = Boolean(playbackToken) && !rtspLink;

/** Asks the API to start (or join) the stream; the id goes in the query too, which Nginx routes a fleet by. */
async function requestStart() {
  const response = await fetch(`/api/stream/start?indicator_id=${encodeURIComponent(id)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders() },
    body: JSON.stringify({
      indicator_id: id,
      ...(rtspLink ? { rtsp_link: rtspLink } : {}),
      ...(detect ? { detect } : {}),
    }),
    signal: AbortSignal.timeout(15_000),
  }).catch(() => undefined);
  const body = (await response?.json().catch(() => undefined)) ?? {};
  if (response?.ok) playbackToken = body.playback_token ?? null;
  return { ok: Boolean(response?.ok), message: body.message ?? response?.statusText ?? 'no answer' };
}

async function start() {
  if (!id) return say('Add ?indicator_id=… (and &rtsp_link=… for a new camera) to the address.', 'error');
  if (!startedByBackend) {
    say('Starting the stream…');
    const started = await requestStart();
    if (!started.ok) return say(`Could not start: ${started.message}`, 'error');
  }
  play(streamPath);
  if (hls) followLiveEdge();
  scheduleRenewal();
  watchStatus();
}

/**
 * The playlist stopped answering for good: the stream stopped, or its node is gone
 * (in a fleet another node starts it once its lease expires). Start it again, as a
 * new viewer would, until that works, then play from a fresh MediaSource (a new
 * FFmpeg begins a new timeline).
 */
async function reconnect() {
  if (reconnecting) return;
  reconnecting = true;
  hls.destroy();
  say('The stream stopped answering; reconnecting…', 'warn');
  for (let attempt = 1; ; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, attempt > 3 ? 2000 : 1000));
    if (startedByBackend || (await requestStart()).ok) break;
  }
  reconnecting = false;
  play(streamPath);
}

function play(src) {
  if (window.Hls?.isSupported()) {
    hls = new window.Hls({
      // Low-latency HLS: blocking reloads and parts; playback holds PART-HOLD-BACK behind the live edge.
      lowLatencyMode: true,
      // hls.js catches up with its target latency only with over a second buffered ahead, which a
      // low-latency stream never has; followLiveEdge does it instead, so hls.js must leave the rate alone.
      maxLiveSyncPlaybackRate: 1,
      // Every playlist and segment request goes out with the newest token.
      xhrSetup: (xhr, url) => xhr.open('GET', withToken(url), true),
    });
    // Plain HLS (HLS_VARIANT=mpegts or fmp4) has no hold-back: stay two segments behind its edge.
    // Set on the live config, not passed in: passed in, it would override PART-HOLD-BACK too.
    hls.config.liveSyncDurationCount = 2;
    hls.on(window.Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) {
        say(`Playback interrupted (${data.details}); retrying…`, 'warn');
        hls.recoverMediaError();
      } else {
        reconnect(); // hls.js has already retried the request: it will not answer where it is
      }
    });
    hls.loadSource(src);
    hls.attachMedia(video);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = withToken(src); // Safari plays HLS natively (and keeps this token: give it a long TTL)
  } else {
    return say('This browser cannot play HLS.', 'error');
  }
  video.play().catch(() => {});
}

/**
 * Keeps low-latency playback near PART-HOLD-BACK (plus a part) behind the live edge. More than LATE_S late after a slow start, it plays up to 1.5 times as fast (pitch
 * kept) until it is back within ON_TIME_S, as far as the buffer allows: hls.js itself would, but
 * only with more than a second buffered ahead, and it adds a second to its target for every stall.
 * More than EARLY_S early (after an outage drained the buffer, playback resumes right at the
 * edge, where every hiccup stalls) it plays at 0.9 until the margin is back.
 */
const LATE_S = 0.15;
const ON_TIME_S = 0.1;
const EARLY_S = 0.1;
/** Buffered seconds ahead below which it never plays faster: better late than stalled. */
const MIN_AHEAD_S = 0.35;
const MAX_RATE = 1.5;
const SLOW_RATE = 0.9;

function followLiveEdge() {
  let mode = 'normal'; // or 'faster', 'slower'
  video.addEventListener('timeupdate', () => {
    if (!hls) return;
    const { latency } = hls;
    const details = hls.levels[hls.currentLevel]?.details;
    // Low-latency playlists only (plain HLS plays liveSyncDurationCount segments behind, as hls.js keeps it).
    if (!details?.partHoldBack || !Number.isFinite(latency) || video.paused) return;
    // One part of margin over PART-HOLD-BACK: right at the hold-back, the next hiccup would stall.
    const targetLatency = details.partHoldBack + details.partTarget;
    const range = [...Array(video.buffered.length).keys()].find((i) => video.buffered.end(i) >= video.currentTime);
    const ahead = range === undefined ? 0 : video.buffered.end(range) - video.currentTime;
    const late = latency - targetLatency;
    if (mode === 'faster' && (late < ON_TIME_S || ahead <= MIN_AHEAD_S)) mode = 'normal';
    if (mode === 'slower' && late >= 0) mode = 'normal';
    if (mode === 'normal' && late > LATE_S && ahead > MIN_AHEAD_S) mode = 'faster';
    if (mode === 'normal' && late < -EARLY_S) mode = 'slower';
    const rate = mode === 'faster' ? Math.min(MAX_RATE, 1 + late) : mode === 'slower' ? SLOW_RATE : 1;
    if (video.playbackRate !== rate) video.playbackRate = rate;
  });
}

async function watchStatus() {
  let watchingDetections = false;
  for (;;) {
    const url = withToken(`/api/stream/status?indicator_id=${encodeURIComponent(id)}`);
    const response = await fetch(url, { headers: authHeaders() }).catch(() => undefined);
    // Not running (stopped, or its node gone): a broken playlist makes the player start it again.
    if (response?.status === 404 && !reconnecting) say('The stream is not running.', 'warn');
    if (response?.ok) {
      const status = await response.json();
      const words = STATE_WORDS[status.state] ?? status.state;
      const error = status.state !== 'running' && status.last_error ? ` (${status.last_error.message})` : '';
      say(`${words}${error}`, status.state === 'running' ? 'ok' : status.state === 'failed' ? 'error' : 'warn');
      // An event stream holds one of the browser's six connections per host (HTTP/1.1):
      // open it only for streams that have detections to show.
      if (status.detection && !watchingDetections) {
        watchingDetections = true;
        watchDetections();
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

let events; // the open EventSource, if detections are shown

function watchDetections() {
  // EventSource cannot send headers: with API tokens on, the playback token is what lets it in.
  const source = new EventSource(withToken(`/api/stream/events?indicator_id=${encodeURIComponent(id)}`));
  events = source;
  source.addEventListener('detection', (message) => draw(JSON.parse(message.data).detections));
  source.onerror = () => {
    // It retries on its own after network errors, but gives up on an HTTP error (an expired token,
    // detection off): open a new one, with the newest token, a little later.
    if (source.readyState === EventSource.CLOSED && events === source) {
      events = undefined;
      setTimeout(watchDetections, 3000);
    }
  };
}

/** Boxes are normalized to the picture; the picture sits letterboxed inside the element. */
function draw(detections) {
  const { clientWidth: w, clientHeight: h, videoWidth: vw, videoHeight: vh } = video;
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, w, h);
  if (!vw || !vh) return;
  const scale = Math.min(w / vw, h / vh);
  const [pw, ph] = [vw * scale, vh * scale];
  const [ox, oy] = [(w - pw) / 2, (h - ph) / 2];
  ctx.lineWidth = 2;
  ctx.font = '13px sans-serif';
  for (const { label, score, box } of detections) {
    const [x, y] = [ox + box.x * pw, oy + box.y * ph];
    ctx.strokeStyle = ctx.fillStyle = '#00e05a';
    ctx.strokeRect(x, y, box.w * pw, box.h * ph);
    ctx.fillText(`${label} ${Math.round(score * 100)}%`, x + 2, Math.max(12, y - 4));
  }
  list.replaceChildren(
    ...detections.map((d) => Object.assign(document.createElement('li'), { textContent: `${d.label} ${Math.round(d.score * 100)}%` })),
  );
}

start();
