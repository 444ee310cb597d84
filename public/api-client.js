// What every page needs to call the API: the API token the operator typed (kept in this tab
// only), sent as a header, and media fetched as blobs (an <img> or <video> could not send it).
export const TOKEN_KEY = 'stream-manager.api-token';

export const token = () => sessionStorage.getItem(TOKEN_KEY);
export const authHeaders = () => (token() ? { authorization: `Bearer ${token()}` } : {});

/** Fetches an API path; `onAuth(needed)` learns whether the token is missing or wrong. Throws on errors. */
export async function api(path, onAuth = () => {}) {
  const response = await fetch(path, { headers: authHeaders() });
  onAuth(response.status === 401);
  if (!response.ok) throw new Error((await response.json().catch(() => ({}))).message ?? `HTTP ${response.status}`);
  return response;
}

/** An object URL for an API image or video; the previous one of the same element is let go. */
export async function mediaUrl(path, previous) {
  const blob = await (await api(path)).blob();
  if (previous?.startsWith('blob:')) URL.revokeObjectURL(previous);
  return URL.createObjectURL(blob);
}

/** Wires a login form (#login with #api-token) to keep the token and call `then`. */
export function loginForm(form, then) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, form.querySelector('input').value.trim());
    then();
  });
  return (needed) => {
    form.hidden = !needed;
  };
}
