// Every CAMERAS_FILE camera and running stream as a tile: a recent picture at the camera's
// resolution, its state and the objects in view now (events without an end); a click plays it.
import { api, loginForm, mediaUrl } from '/assets/api-client.js';

const REFRESH_MS = 3000;
const wall = document.querySelector('#wall');
const empty = document.querySelector('#empty');
const tiles = new Map();
const setAuth = loginForm(document.querySelector('#login'), () => refresh());

function tile(id) {
  let entry = tiles.get(id);
  if (entry) return entry;
  const root = document.createElement('a');
  root.className = 'tile';
  root.href = `/player?indicator_id=${encodeURIComponent(id)}`;
  root.dataset.id = id;
  const picture = document.createElement('img');
  picture.alt = id;
  const caption = document.createElement('div');
  caption.className = 'caption';
  root.append(picture, caption);
  wall.append(root);
  entry = { root, picture, caption };
  tiles.set(id, entry);
  return entry;
}

async function refresh() {
  const [{ cameras }, { streams }, { events }] = await Promise.all(
    ['/api/cameras', '/api/streams', '/api/events?limit=500'].map(async (path) => (await api(path, setAuth)).json()),
  );
  const states = new Map(streams.map((s) => [s.indicator_id, s.state]));
  const ids = [...new Set([...cameras.map((c) => c.indicator_id), ...states.keys()])].sort();
  const inView = new Map();
  for (const event of events.filter((e) => e.end_time === null)) {
    const counts = inView.get(event.camera) ?? new Map();
    counts.set(event.label, (counts.get(event.label) ?? 0) + 1);
    inView.set(event.camera, counts);
  }
  empty.hidden = ids.length > 0;
  for (const [id, entry] of tiles) {
    if (!ids.includes(id)) {
      entry.root.remove();
      tiles.delete(id);
    }
  }
  for (const id of ids) {
    const { picture, caption } = tile(id);
    const state = states.get(id) ?? 'not running';
    const counts = [...(inView.get(id) ?? new Map())].map(([label, n]) => `${label} ${n}`).join(', ');
    caption.textContent = `${id} · ${state}${counts ? ` · ${counts}` : ''}`;
    if (state === 'running') {
      mediaUrl(`/api/stream/snapshot?indicator_id=${encodeURIComponent(id)}&full=1`, picture.src)
        .then((url) => {
          picture.src = url;
        })
        .catch(() => {});
    }
  }
}

refresh().catch(() => {});
setInterval(() => refresh().catch(() => {}), REFRESH_MS);
