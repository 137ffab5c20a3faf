// The status line and the loading spinner: messages the controllers show for a while, not state.
const $ = (id) => document.getElementById(id);

let busy = 0;
export function loading(delta, text) {
  busy = Math.max(0, busy + delta);
  $("loading").hidden = busy === 0;
  if (text) $("loading-text").textContent = text;
}

/** Show the spinner with `text` until `promise` settles; returns what it resolves to. */
export async function withLoading(text, promise) {
  loading(1, text);
  try {
    return await promise;
  } finally {
    loading(-1);
  }
}

let statusTimer = null;
/** A message in the top bar; kind "info" and "warn" fade after 6 s, "error" stays. */
export function status(message, kind = "info") {
  const element = $("status");
  element.textContent = message;
  element.className = kind;
  clearTimeout(statusTimer);
  if (kind !== "error") statusTimer = setTimeout(() => (element.textContent = ""), 6000);
}
