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
    /** Open media streaming / transcription WebSockets (the voice menu's calls). */
    mediaSessions: number;
  };
  canPlaceDemoCalls: boolean;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** The status page: every call and its event timeline, refreshed every two seconds. */
export function renderStatusPage(view: StatusView): string {
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
      return `<section><h3>${escapeHtml(call.caller ?? call.callConnectionId ?? call.key)} <small>${call.ended ? 'ended' : 'live'} · call ${escapeHtml(call.callConnectionId ?? '-')}</small></h3><table>${rows}</table></section>`;
    })
    .join('');
  const demo = view.canPlaceDemoCalls
    ? `<form method="post" action="/demo/calls"><button name="choice" value="1">Call: press 1</button> <button name="choice" value="2">Call: press 2</button> <button name="choice" value="silent">Call: silent caller</button></form>`
    : '';
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="2"><title>nestjs-call-automation sample</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #eee;padding:2px 8px}tr.ivr td{color:#555;font-style:italic}small{color:#777;font-weight:normal}section{margin-bottom:1.5em}</style></head>
<body><h1>nestjs-call-automation sample <small>${escapeHtml(view.replica)} · ${escapeHtml(view.mode)}</small></h1>
<p>${view.totalEvents} events handled · ${view.processor.pendingWaiters} pending waiters · ${view.processor.pendingOperations} pending operations · ${view.processor.backlog} events in the backlog · ${view.processor.mediaSessions} media sessions · <a href="/api/status">JSON</a></p>
${demo}${calls || '<p>No calls yet.</p>'}</body></html>`;
}
