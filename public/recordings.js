// The recordings of one camera on one UTC day: the recorded spans on a 24-hour timeline; a click
// plays the footage from there (a clip of the API, fetched whole so that it seeks freely and the
// API token can go in a header), and the minute from there can be downloaded.
import { api as callApi, TOKEN_KEY } from '/assets/api-client.js';

const DAY_MS = 86_400_000;
/** How much a click plays: a clip of the API is remuxed as it is read, so keep it short. */
const PLAY_MS = 5 * 60_000;

const form = document.querySelector('#pick');
const cameraSelect = document.querySelector('#camera');
const dayInput = document.querySelector('#day');
const timeInput = document.querySelector('#time');
const playButton = document.querySelector('#play');
const tokenField = document.querySelector('#token-field');
const tokenInput = document.querySelector('#api-token');
const timeline = document.querySelector('#timeline');
const state = document.querySelector('#state');
const video = document.querySelector('#video');
const download = document.querySelector('#download');
const params = new URLSearchParams(location.search);
let spans = [];
let clipUrl;
let clipStart = 0;

const dayStart = () => Date.parse(`${dayInput.value}T00:00:00Z`);
const clock = (ms) => new Date(ms).toISOString().slice(11, 19);

const api = (path) =>
  callApi(path, (needed) => {
    tokenField.hidden = !needed;
  });

async function loadCameras(wanted = params.get('indicator_id')) {
  const { cameras } = await (await api('/api/cameras')).json();
  const ids = cameras.map((camera) => camera.indicator_id);
  if (wanted && !ids.includes(wanted)) ids.unshift(wanted);
  cameraSelect.replaceChildren(...ids.map((id) => new Option(id, id, false, id === wanted)));
}

async function show() {
  const id = cameraSelect.value;
  const from = dayStart();
  const query = new URLSearchParams({ indicator_id: id, start: String(from), end: String(from + DAY_MS) });
  ({ spans } = await (await api(`/api/recordings?${query}`)).json());
  timeline.replaceChildren(
    ...spans.map((span) => {
      const bar = document.createElement('div');
      bar.className = 'span';
      const start = Math.max(Date.parse(span.start), from);
      const end = Math.min(Date.parse(span.end), from + DAY_MS);
      bar.style.left = `${((start - from) / DAY_MS) * 100}%`;
      bar.style.width = `max(2px, ${((end - start) / DAY_MS) * 100}%)`;
      bar.title = `${clock(start)} – ${clock(end)}`;
      return bar;
    }),
  );
  state.textContent = spans.length ? `${spans.length} recorded stretch(es) on ${dayInput.value}` : `nothing recorded on ${dayInput.value}`;
}

/** The span that holds `at`, else the nearest one within `slackMs` (a short span is a thin bar). */
function spanNear(at, slackMs) {
  const distance = (s) => Math.max(Date.parse(s.start) - at, at - Date.parse(s.end) + 1, 0);
  const nearest = spans.reduce((best, s) => (best && distance(best) <= distance(s) ? best : s), undefined);
  return nearest && distance(nearest) <= slackMs ? nearest : undefined;
}

/** Plays from `at` (epoch ms, moved into the nearest span) to the end of its span, at most PLAY_MS. */
async function play(wanted, slackMs = 0) {
  const span = spanNear(wanted, slackMs);
  if (!span) {
    state.textContent = `nothing recorded at ${clock(wanted)}`;
    return;
  }
  const at = Math.min(Math.max(wanted, Date.parse(span.start)), Date.parse(span.end) - 1);
  const end = Math.min(Date.parse(span.end), at + PLAY_MS);
  const query = (to, extra = {}) => new URLSearchParams({ indicator_id: cameraSelect.value, start: String(at), end: String(to), ...extra });
  state.textContent = `loading ${clock(at)} – ${clock(end)}…`;
  const blob = await (await api(`/api/recordings/clip?${query(end)}`)).blob();
  if (clipUrl) URL.revokeObjectURL(clipUrl);
  clipUrl = URL.createObjectURL(blob);
  clipStart = at;
  video.src = clipUrl;
  await video.play().catch(() => {});
  download.hidden = false;
  download.dataset.clip = `/api/recordings/clip?${query(Math.min(end, at + 60_000), { download: '1' })}`;
  download.dataset.name = `${cameraSelect.value}-${new Date(at).toISOString().slice(0, 19).replaceAll(':', '-')}.mp4`;
}

// A plain link could not carry the API token's header: fetch the clip, then save what came.
download.addEventListener('click', () => {
  api(download.dataset.clip)
    .then((response) => response.blob())
    .then((blob) => {
      const save = document.createElement('a');
      save.href = URL.createObjectURL(blob);
      save.download = download.dataset.name;
      save.click();
      setTimeout(() => URL.revokeObjectURL(save.href), 60_000);
    })
    .catch((error) => {
      state.textContent = error.message;
    });
});

timeline.addEventListener('click', (event) => {
  const box = timeline.getBoundingClientRect();
  const msPerPixel = DAY_MS / box.width;
  const at = dayStart() + (event.clientX - box.left) * msPerPixel;
  play(Math.floor(at), 4 * msPerPixel).catch((error) => {
    state.textContent = error.message;
  });
});
video.addEventListener('timeupdate', () => {
  if (clipUrl) state.textContent = `playing ${clock(clipStart + video.currentTime * 1000)} UTC`;
});
playButton.addEventListener('click', () => {
  show()
    .then(() => play(dayStart() + (timeInput.valueAsNumber || 0), 60_000))
    .catch((error) => {
      state.textContent = error.message;
    });
});
form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (tokenInput.value.trim()) sessionStorage.setItem(TOKEN_KEY, tokenInput.value.trim());
  // The camera list too: it could not be read before the token was given.
  loadCameras(cameraSelect.value || undefined)
    .then(show)
    .catch((error) => {
      state.textContent = error.message;
    });
});

dayInput.value = params.get('day') ?? new Date().toISOString().slice(0, 10);
loadCameras()
  .then(show)
  .catch((error) => {
    state.textContent = error.message;
  });
