import type { CallTimeline } from '../timeline/call-timeline.service';

export interface StatusView {
  replica: string;
  mode: string;
  calls: CallTimeline[];
  totalEvents: number;
  processor: {
    pendingWaiters: number;
    pendingOperations: number;
    backlog: number;
    /** True once shutdown began draining this replica (not ready for new calls). */
    draining: boolean;
    callsInProgress: number;
    /** Open media streaming / transcription WebSockets (the voice menu's calls). */
    mediaSessions: number;
  };
  canPlaceDemoCalls: boolean;
}

/** What the live page receives on each server-sent event: its two live parts, rendered. */
export interface StatusUpdate {
  summary: string;
  calls: string;
}

/** Where the page listens for updates (server-sent events). */
export const STATUS_EVENTS_PATH = '/api/status/events';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** The counts line: events handled, pending waits and operations, backlog, calls in progress. */
export function renderSummary(view: StatusView): string {
  const count = (name: string, value: number, label: string) =>
    `<b data-count="${name}">${value}</b> ${label}`;
  return [
    count('totalEvents', view.totalEvents, 'events handled'),
    count('callsInProgress', view.processor.callsInProgress, 'calls in progress'),
    count('pendingWaiters', view.processor.pendingWaiters, 'pending waits'),
    count('pendingOperations', view.processor.pendingOperations, 'pending operations'),
    count('backlog', view.processor.backlog, 'events in the backlog'),
    count('mediaSessions', view.processor.mediaSessions, 'media sessions'),
  ].join(' · ');
}

/** Every call, newest first, with its timeline. */
export function renderCalls(view: StatusView): string {
  const calls = view.calls
    .map((call) => {
      const entries = [...call.entries].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
      // Offsets count from the call's first entry: the timeline is opened when the IncomingCall
      // arrives, a little after the event's own time, so startedAt would give it a negative offset.
      const start = entries.length > 0 ? Date.parse(entries[0].at) : Date.parse(call.startedAt);
      const rows = entries
        .map(
          (entry) =>
            `<tr class="${entry.kind === 'IVR' ? 'ivr' : ''}"><td>+${((Date.parse(entry.at) - start) / 1000).toFixed(2)} s</td><td>${escapeHtml(entry.kind)}</td><td>${escapeHtml(entry.detail)}</td></tr>`,
        )
        .join('');
      return `<section data-call="${escapeHtml(call.key)}" data-caller="${escapeHtml(call.caller ?? '')}"><h3>${escapeHtml(call.caller ?? call.callConnectionId ?? call.key)} <small>${call.ended ? 'ended' : 'live'} · call ${escapeHtml(call.callConnectionId ?? '-')}</small></h3><table>${rows}</table></section>`;
    })
    .join('');
  return calls || '<p>No calls yet.</p>';
}

export function renderStatusUpdate(view: StatusView): StatusUpdate {
  return { summary: renderSummary(view), calls: renderCalls(view) };
}

/**
 * The browser's part: takes each server-sent event's parts in place (no reload), and places
 * demo calls with fetch, so the page stays as it is. Without JavaScript the form still posts.
 */
const LIVE_SCRIPT = `
const state = document.getElementById('stream');
const source = new EventSource(${JSON.stringify(STATUS_EVENTS_PATH)});
source.onopen = () => { state.textContent = 'live'; };
source.onerror = () => { state.textContent = 'reconnecting…'; };
source.onmessage = (message) => {
  const update = JSON.parse(message.data);
  document.getElementById('summary').innerHTML = update.summary;
  document.getElementById('calls').innerHTML = update.calls;
};
const demo = document.getElementById('demo');
if (demo) demo.addEventListener('submit', async (submit) => {
  submit.preventDefault();
  const choice = submit.submitter ? submit.submitter.value : '';
  const placed = document.getElementById('placed');
  placed.textContent = 'placing a call…';
  const response = await fetch('/demo/calls', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ choice }),
    redirect: 'manual',
  });
  placed.textContent = response.type === 'opaqueredirect' || response.ok ? 'call placed' : 'could not place the call (' + response.status + ')';
});
`;

/** The status page: every call and its event timeline, kept up to date by server-sent events. */
export function renderStatusPage(view: StatusView): string {
  const demo = view.canPlaceDemoCalls
    ? `<form id="demo" method="post" action="/demo/calls"><button name="choice" value="1">Call: press 1</button> <button name="choice" value="2">Call: press 2</button> <button name="choice" value="silent">Call: silent caller</button> <span id="placed"></span></form>`
    : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>nestjs-call-automation sample</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #eee;padding:2px 8px}tr.ivr td{color:#555;font-style:italic}small{color:#777;font-weight:normal}section{margin-bottom:1.5em}#stream{color:#080}</style></head>
<body><h1>nestjs-call-automation sample <small>${escapeHtml(view.replica)} · ${escapeHtml(view.mode)} · <span id="stream">connecting…</span></small></h1>
<p><span id="summary">${renderSummary(view)}</span> · <a href="/api/status">JSON</a> · <a href="/metrics">metrics</a> · <a href="/health">health</a></p>
${demo}<div id="calls">${renderCalls(view)}</div>
<script>${LIVE_SCRIPT}</script></body></html>`;
}
