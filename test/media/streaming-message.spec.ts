import { StreamingData } from '@azure/communication-call-automation';
import { MalformedStreamingMessageError, parseStreamingMessage } from 'nestjs-call-automation';
import { describe, expect, it } from 'vitest';
import { MESSAGES } from './support';

/** What the issue asks each parsed message to equal: the SDK's own parse, plus the kind. */
function sdkParse(text: string) {
  const parsed = StreamingData.parse(text) as object;
  return { kind: (JSON.parse(text) as { kind: string }).kind, ...parsed };
}

const pcm = Buffer.from(Array.from({ length: 640 }, (_, i) => i % 256)).toString('base64');

const CASES: [string, unknown][] = [
  ['AudioMetadata', MESSAGES.audioMetadata()],
  ['AudioData (mixed: no participant)', MESSAGES.audioData(pcm)],
  ['AudioData of a phone participant', MESSAGES.audioData(pcm, '4:+15551234567')],
  ['AudioData of an ACS user', MESSAGES.audioData(pcm, '8:acs:resource_user')],
  [
    'AudioData of a Teams user',
    MESSAGES.audioData(pcm, '8:orgid:45ab2481-1c1c-4005-be24-0ffb879b1130'),
  ],
  ['AudioData of a Teams app', MESSAGES.audioData(pcm, '28:orgid:bot-app')],
  ['AudioData of an unknown id', MESSAGES.audioData(pcm, 'something-else')],
  ['TranscriptionMetadata', MESSAGES.transcriptionMetadata('call-9')],
  ['TranscriptionData (Final)', MESSAGES.transcriptionData('I want to pay my bill')],
  ['TranscriptionData (Intermediate)', MESSAGES.transcriptionData('I want', 'Intermediate')],
  ['DtmfData', MESSAGES.dtmfData('5')],
];

describe('parseStreamingMessage', () => {
  it.each(CASES)('%s equals { kind, ...StreamingData.parse(text) }', (_name, message) => {
    const text = JSON.stringify(message);
    expect(parseStreamingMessage(text)).toStrictEqual(sdkParse(text));
    // Binary frames carry the same UTF-8 text.
    expect(parseStreamingMessage(Buffer.from(text))).toStrictEqual(sdkParse(text));
  });

  it('passes an unknown kind through as it came, where the SDK throws', () => {
    const message = { kind: 'FutureKind', futureKind: { level: 3 }, extra: [1, 2] };
    const text = JSON.stringify(message);
    expect(() => StreamingData.parse(text)).toThrow(/Unknown data kind/);
    expect(parseStreamingMessage(text)).toStrictEqual({ ...message });
  });

  it('keeps no state between messages: interleaved calls each read their own kind', () => {
    // The SDK's StreamingData.getStreamingKind() is a static: after two calls' messages, it
    // names the last one's kind for both (azure-sdk-for-js #35610). Our result carries its own.
    const a = parseStreamingMessage(JSON.stringify(MESSAGES.audioData(pcm)));
    const b = parseStreamingMessage(JSON.stringify(MESSAGES.transcriptionData('hello')));
    expect(a.kind).toBe('AudioData');
    expect(b.kind).toBe('TranscriptionData');
  });

  const malformed: [string, string][] = [
    ['not JSON', 'hello'],
    ['truncated JSON', '{"kind":"AudioData","audioData":{'],
    ['a JSON array', '[1,2]'],
    ['a JSON string', '"AudioData"'],
    ['null', 'null'],
    ['no kind', '{"audioData":{}}'],
    ['an empty kind', '{"kind":""}'],
    ['a known kind without its data', '{"kind":"AudioData"}'],
    [
      'TranscriptionData without words',
      '{"kind":"TranscriptionData","transcriptionData":{"text":"x","participantRawID":"4:+1"}}',
    ],
    [
      'TranscriptionData without participant',
      '{"kind":"TranscriptionData","transcriptionData":{"text":"x","words":[]}}',
    ],
    ['DtmfData with null data', '{"kind":"DtmfData","dtmfData":null}'],
    [
      'a numeric participantRawID',
      '{"kind":"AudioData","audioData":{"data":"AA==","participantRawID":42}}',
    ],
  ];

  it.each(malformed)('throws MalformedStreamingMessageError for %s', (_name, text) => {
    expect(() => parseStreamingMessage(text)).toThrow(MalformedStreamingMessageError);
  });
});
