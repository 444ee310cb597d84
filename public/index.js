// The list of running streams, refreshed every few seconds.
const body = document.querySelector('#streams tbody');
const empty = document.querySelector('#empty');
const login = document.querySelector('#login');
// With API_TOKEN set, the operator types a token once per tab; the player reads it from here too.
const TOKEN_KEY = 'stream-manager.api-token';
login.addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, document.querySelector('#api-token').value.trim());
  refresh();
});

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

async function refresh() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch('/api/streams', { headers: token ? { authorization: `Bearer ${token}` } : {} });
  login.hidden = response.status !== 401;
  if (!response.ok) return;
  const { streams } = await response.json();
  empty.hidden = streams.length > 0;
  body.replaceChildren(
    ...streams.map((stream) => {
      const row = document.createElement('tr');
      const source = stream.source
        ? `${stream.source.video_codec ?? '?'} ${stream.source.width ?? '?'}×${stream.source.height ?? '?'}`
        : '';
      const link = document.createElement('a');
      link.href = `/player?indicator_id=${encodeURIComponent(stream.indicator_id)}`;
      link.textContent = 'watch';
      const action = document.createElement('td');
      action.append(link);
      row.append(
        cell(stream.indicator_id),
        cell(stream.state),
        cell(stream.mode ?? ''),
        cell(source),
        cell(String(stream.restarts)),
        action,
      );
      return row;
    }),
  );
}

refresh();
setInterval(refresh, 3000);
