import { parseCallAutomationEvent } from '@azure/communication-call-automation';
import fc from 'fast-check';
import { KNOWN_CALL_EVENT_KINDS } from 'nestjs-call-automation';
import { describe, expect, it } from 'vitest';
import { fastPathMismatches, toCallEvent } from '../../lib/events/to-call-event';

const identifier = fc.oneof(
  fc.record({ rawId: fc.string(), communicationUser: fc.record({ id: fc.string() }) }),
  fc.record({
    kind: fc.constant('phoneNumber'),
    rawId: fc.string(),
    phoneNumber: fc.record({ value: fc.string() }),
  }),
);

/** Data as ACS could send it: the common fields plus anything JSON can carry. */
const data = fc
  .record({
    callConnectionId: fc.string(),
    operationContext: fc.option(fc.string(), { nil: undefined }),
    resultInformation: fc.record({
      code: fc.integer(),
      subCode: fc.integer(),
      message: fc.string(),
    }),
    participant: identifier,
    participants: fc.array(
      fc.record({ identifier, isMuted: fc.boolean(), isOnHold: fc.boolean() }),
      { maxLength: 3 },
    ),
    extra: fc.jsonValue(),
    kind: fc.string(),
  })
  .map((value) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>);

describe('the fast parse path', () => {
  it('is on for the installed SDK: every kind it skips parses the same', () => {
    expect(fastPathMismatches()).toEqual([]);
  });

  it('gives exactly what parseCallAutomationEvent gives, for every known kind and any data', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KNOWN_CALL_EVENT_KINDS), data, (kind, eventData) => {
        const cloudEvent = {
          id: 'id',
          source: 's',
          type: `Microsoft.Communication.${kind}`,
          data: eventData,
        };
        const expected = parseCallAutomationEvent(structuredClone(cloudEvent));
        const { event } = toCallEvent(structuredClone(cloudEvent));
        expect(event).toStrictEqual(expected);
        expect(Object.keys(event)).toEqual(Object.keys(expected));
        // The same when the data is the processor's own (parsed from JSON for it): no copy.
        const owned = toCallEvent(structuredClone(cloudEvent), true).event;
        expect(owned).toStrictEqual(expected);
        expect(Object.keys(owned)).toEqual(Object.keys(expected));
      }),
      { seed: 20261124, numRuns: 2_000 },
    );
  });
});
