import type { EmulatedOperation } from './operation-catalog';

/** A REST path of the service and the operation it serves. */
interface RouteSpec {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: RegExp;
  operation: EmulatedOperation;
}

/** A request matched to an operation; `params` are the path ids, decoded. */
export interface MatchedRoute {
  operation: EmulatedOperation;
  params: string[];
}

// Ids are percent-encoded by the SDK, so a raw ':' or '/' only ever separates.
const ID = '([^/:]+)';
const CALL = `/calling/callConnections/${ID}`;

const CALL_ACTIONS: [string, EmulatedOperation][] = [
  ['terminate', 'terminateCall'],
  ['transferToParticipant', 'transferCallToParticipant'],
  ['play', 'play'],
  ['cancelAllMediaOperations', 'cancelAllMediaOperations'],
  ['recognize', 'startRecognizing'],
  ['startContinuousDtmfRecognition', 'startContinuousDtmfRecognition'],
  ['stopContinuousDtmfRecognition', 'stopContinuousDtmfRecognition'],
  ['sendDtmfTones', 'sendDtmfTones'],
  ['hold', 'hold'],
  ['unhold', 'unhold'],
  ['startTranscription', 'startTranscription'],
  ['stopTranscription', 'stopTranscription'],
  ['updateTranscription', 'updateTranscription'],
  ['startMediaStreaming', 'startMediaStreaming'],
  ['stopMediaStreaming', 'stopMediaStreaming'],
];

const PARTICIPANT_ACTIONS: [string, EmulatedOperation][] = [
  ['add', 'addParticipant'],
  ['remove', 'removeParticipant'],
  ['cancelAddParticipant', 'cancelAddParticipantOperation'],
  ['mute', 'muteParticipant'],
  ['moveHere', 'moveParticipants'],
];

function exact(path: string): RegExp {
  return new RegExp(`^${path}$`);
}

const ROUTES: RouteSpec[] = [
  { method: 'POST', pattern: exact('/calling/callConnections'), operation: 'createCall' },
  { method: 'POST', pattern: exact('/calling/callConnections:answer'), operation: 'answerCall' },
  {
    method: 'POST',
    pattern: exact('/calling/callConnections:redirect'),
    operation: 'redirectCall',
  },
  { method: 'POST', pattern: exact('/calling/callConnections:reject'), operation: 'rejectCall' },
  { method: 'POST', pattern: exact('/calling/callConnections:connect'), operation: 'connectCall' },
  { method: 'GET', pattern: exact(CALL), operation: 'getCallConnectionProperties' },
  { method: 'DELETE', pattern: exact(CALL), operation: 'hangUp' },
  ...CALL_ACTIONS.map(
    ([action, operation]): RouteSpec => ({
      method: 'POST',
      pattern: exact(`${CALL}:${action}`),
      operation,
    }),
  ),
  { method: 'GET', pattern: exact(`${CALL}/participants`), operation: 'listParticipants' },
  ...PARTICIPANT_ACTIONS.map(
    ([action, operation]): RouteSpec => ({
      method: 'POST',
      pattern: exact(`${CALL}/participants:${action}`),
      operation,
    }),
  ),
  { method: 'GET', pattern: exact(`${CALL}/participants/${ID}`), operation: 'getParticipant' },
  { method: 'POST', pattern: exact('/calling/recordings'), operation: 'startRecording' },
  { method: 'GET', pattern: exact(`/calling/recordings/${ID}`), operation: 'getRecordingState' },
  { method: 'DELETE', pattern: exact(`/calling/recordings/${ID}`), operation: 'stopRecording' },
  {
    method: 'POST',
    pattern: exact(`/calling/recordings/${ID}:pause`),
    operation: 'pauseRecording',
  },
  {
    method: 'POST',
    pattern: exact(`/calling/recordings/${ID}:resume`),
    operation: 'resumeRecording',
  },
];

/**
 * The operation of a request; `'wrongMethod'` when the path exists under another method,
 * undefined when it does not exist. Throws URIError for a malformed percent-encoding.
 */
export function matchRoute(
  method: string,
  pathname: string,
): MatchedRoute | 'wrongMethod' | undefined {
  let pathExists = false;
  for (const route of ROUTES) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    if (route.method !== method) {
      pathExists = true;
      continue;
    }
    return { operation: route.operation, params: match.slice(1).map(decodeURIComponent) };
  }
  return pathExists ? 'wrongMethod' : undefined;
}
