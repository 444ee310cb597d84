// Tracked-object events, newest first, filtered by camera and label: a thumbnail each; a click
// shows the best picture with its box and plays the clip when the camera records.
import { api, loginForm, mediaUrl } from '/assets/api-client.js';

const list = document.querySelector('#list');
const more = document.querySelector('#more');
const detail = document.querySelector('#detail');
const picture = document.querySelector('#picture');
const clip = document.querySelector('#clip');
const note = document.querySelector('#note');
const filters = document.querySelector('#filters');
const setAuth = loginForm(document.querySelector('#login'), () => load());
let cursor = null;

const when = (seconds) => new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
const lasted = (event) => (event.end_time === null ? 'in view' : `${Math.round(event.end_time - event.start_time)} s`);

function row(event) {
  const item = document.createElement('li');
  item.className = 'event';
  item.dataset.id = event.id;
  const thumb = document.createElement('img');
  thumb.alt = event.label;
  if (event.has_snapshot) {
    mediaUrl(`/api/events/${event.id}/snapshot.jpg?crop=1&h=96`)
      .then((url) => {
        thumb.src = url;
      })
      .catch(() => {});
  }
  const text = document.createElement('span');
  text.textContent = `${when(event.start_time)} · ${event.camera} · ${event.label} ${Math.round(event.top_score * 100)}% · ${lasted(event)}`;
  item.append(thumb, text);
  item.addEventListener('click', () => show(event).catch((error) => (note.textContent = error.message)));
  return item;
}

async function show(event) {
  detail.hidden = false;
  document.querySelector('#title').textContent = `${event.label} on ${event.camera}, ${when(event.start_time)}`;
  picture.hidden = !event.has_snapshot;
  if (event.has_snapshot) picture.src = await mediaUrl(`/api/events/${event.id}/snapshot.jpg?boxes=1`, picture.src);
  clip.hidden = !event.has_clip;
  note.textContent = event.has_clip ? '' : `no clip: ${event.camera} does not record`;
  if (event.has_clip) {
    clip.src = await mediaUrl(`/api/events/${event.id}/clip.mp4`, clip.src);
    await clip.play().catch(() => {});
  }
}

async function load(append = false) {
  const query = new URLSearchParams({ limit: '50' });
  for (const name of ['camera', 'label']) {
    const value = document.querySelector(`#${name}`).value.trim();
    if (value) query.set(name, value);
  }
  if (append && cursor) query.set('cursor', cursor);
  const page = await (await api(`/api/events?${query}`, setAuth)).json();
  cursor = page.next_cursor;
  more.hidden = cursor === null;
  const rows = page.events.map(row);
  if (append) list.append(...rows);
  else list.replaceChildren(...rows);
}

filters.addEventListener('submit', (event) => {
  event.preventDefault();
  load().catch((error) => (note.textContent = error.message));
});
more.addEventListener('click', () => load(true).catch((error) => (note.textContent = error.message)));
const params = new URLSearchParams(location.search);
for (const name of ['camera', 'label']) if (params.get(name)) document.querySelector(`#${name}`).value = params.get(name);
load().catch(() => {});
