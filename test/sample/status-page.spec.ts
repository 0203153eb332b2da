import { describe, expect, it } from 'vitest';
import {
  renderStatusPage,
  renderStatusUpdate,
  type StatusView,
} from '../../sample-app/src/status/status-page';
import type { CallTimeline } from '../../sample-app/src/timeline/call-timeline.service';

const view = (calls: CallTimeline[]): StatusView => ({
  replica: 'replica-1',
  mode: 'ACS emulator',
  calls,
  totalEvents: 0,
  processor: {
    pendingWaiters: 0,
    pendingOperations: 0,
    backlog: 0,
    draining: false,
    callsInProgress: 0,
    mediaSessions: 0,
  },
  canPlaceDemoCalls: false,
});

const offsets = (html: string) =>
  [...html.matchAll(/<tr[^>]*><td>([^<]*)<\/td>/g)].map((m) => m[1]);

describe('status page', () => {
  it('counts offsets from the first thing that happened in the call, not from when the timeline was opened', () => {
    // The timeline is opened when the IncomingCall arrives, a little after the event's own time.
    const call: CallTimeline = {
      key: 'server-call-1',
      startedAt: '2026-01-01T10:00:00.012Z',
      ended: true,
      entries: [
        { at: '2026-01-01T10:00:00.014Z', kind: 'IVR', detail: 'incoming call, answering' },
        { at: '2026-01-01T10:00:00.000Z', kind: 'IncomingCall', detail: 'from 4:+1555' },
        { at: '2026-01-01T10:00:01.500Z', kind: 'CallConnected', detail: '' },
      ],
    };
    expect(offsets(renderStatusPage(view([call])))).toEqual(['+0.00 s', '+0.01 s', '+1.50 s']);
  });

  it('shows a call with no entries yet without offsets', () => {
    const call: CallTimeline = {
      key: 'server-call-2',
      startedAt: '2026-01-01T10:00:00.000Z',
      ended: false,
      entries: [],
    };
    const html = renderStatusPage(view([call]));
    expect(offsets(html)).toEqual([]);
    expect(html).toContain('server-call-2');
  });

  it('is live without reloading: no meta refresh, an event stream, and the same parts the stream sends', () => {
    const call: CallTimeline = {
      key: 'server-call-3',
      caller: '4:+15550101001',
      startedAt: '2026-01-01T10:00:00.000Z',
      ended: false,
      entries: [{ at: '2026-01-01T10:00:00.000Z', kind: 'IncomingCall', detail: 'from <x>' }],
    };
    const counted: StatusView = {
      ...view([call]),
      processor: {
        pendingWaiters: 1,
        pendingOperations: 2,
        backlog: 3,
        draining: false,
        callsInProgress: 4,
        mediaSessions: 5,
      },
    };
    const html = renderStatusPage(counted);
    expect(html).not.toMatch(/http-equiv="refresh"/);
    expect(html).toContain('new EventSource("/api/status/events")');
    const update = renderStatusUpdate(counted);
    // The page starts with what an update carries, so the first event changes nothing.
    expect(html).toContain(`<span id="summary">${update.summary}</span>`);
    expect(html).toContain(`<div id="calls">${update.calls}</div>`);
    expect(update.summary).toContain('<b data-count="pendingWaiters">1</b> pending waits');
    expect(update.summary).toContain('<b data-count="pendingOperations">2</b> pending operations');
    expect(update.summary).toContain('<b data-count="callsInProgress">4</b> calls in progress');
    expect(update.summary).toContain('<b data-count="mediaSessions">5</b> media sessions');
    expect(update.calls).toContain('data-call="server-call-3"');
    expect(update.calls).toContain('from &#60;x&#62;'); // escaped
  });
});
