import { describe, expect, it } from 'vitest';
import { renderStatusPage, type StatusView } from '../../sample-app/src/status/status-page';
import type { CallTimeline } from '../../sample-app/src/timeline/call-timeline.service';

const view = (calls: CallTimeline[]): StatusView => ({
  replica: 'replica-1',
  mode: 'ACS emulator',
  calls,
  totalEvents: 0,
  processor: { pendingWaiters: 0, pendingOperations: 0, backlog: 0, mediaSessions: 0 },
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
});
