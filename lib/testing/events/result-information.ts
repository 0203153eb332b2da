import type { RestResultInformation } from '@azure/communication-call-automation';

/** `resultInformation` of an event as ACS sends it. */
export interface WireResultInformation extends RestResultInformation {
  code: number;
  subCode: number;
  message: string;
}

function result(code: number, subCode: number, message: string): WireResultInformation {
  return Object.freeze({ code, subCode, message });
}

/**
 * Realistic `resultInformation` values. Where the Azure SDK repositories hold a recording of
 * live traffic with the code, code, subcode and message are as recorded (the recorded ones say
 * so); the rest come from the Call Automation troubleshooting codes and the recognize/play
 * how-tos (MicrosoftDocs/azure-docs). Use them in factories and scripted failures, e.g.
 * `callEvents.playFailed({ resultInformation: resultCodes.playFileDownloadFailed })`.
 */
export const resultCodes = {
  /** 200/0 "Action completed successfully.": recorded on PlayStarted and PlayCompleted. */
  success: result(200, 0, 'Action completed successfully.'),
  /**
   * 200/0 with an empty message: recorded on CallConnected, ParticipantsUpdated,
   * Add/RemoveParticipantSucceeded and SendDtmfTonesCompleted.
   */
  successWithoutMessage: result(200, 0, ''),
  /** 200/7000: recorded on CallDisconnected when the app (Call Automation) ended the call. */
  callEnded: result(
    200,
    7000,
    'Call was ended by Azure Communication Service Call Automation API or a server bot. DiagCode: 0#7000.@',
  ),
  /** 200/5001: recorded on CallDisconnected when the other party hung up. */
  callEndedByParticipant: result(200, 5001, 'This conversation has ended.. DiagCode: 0#5001.@'),
  /** 200/5300: recorded on CallDisconnected when another participant removed the app's leg. */
  removedByParticipant: result(
    200,
    5300,
    'Call ended for this participant as it was removed from the conversation by another participant. DiagCode: 0#5300.@',
  ),
  /** 200/7000: the application's leg ended because the call was transferred (not recorded). */
  callTransferred: result(200, 7000, 'The conversation has ended: the call was transferred.'),
  /** 200/7015: recorded on CallTransferAccepted. */
  transferAccepted: result(200, 7015, 'The transfer operation completed successfully.'),
  /** 200/7000: recorded on ContinuousDtmfRecognitionStopped. */
  continuousDtmfStopped: result(200, 7000, 'The conversation has ended. DiagCode: 0#7000.@'),

  /** 200/8531: recognize collected the maximum number of tones. */
  recognizeMaxDigitsReceived: result(200, 8531, 'Action completed, max digits received.'),
  /** 200/8514: recognize stopped at a stop tone. */
  recognizeStopToneDetected: result(200, 8514, 'Action completed as stop tone was detected.'),
  /** 200/8533: a choice was matched by its DTMF tone. */
  recognizeDtmfOptionMatched: result(200, 8533, 'Action completed, dtmf option matched.'),
  /** 200/8545: a choice was matched by one of its phrases. */
  recognizeSpeechOptionMatched: result(200, 8545, 'Action completed, speech option matched.'),
  /** 200/8569: free speech was recognized. */
  recognizeSpeechRecognized: result(200, 8569, 'Action completed, speech recognized.'),
  /** 400/8510: nobody said or pressed anything. */
  recognizeInitialSilenceTimeout: result(
    400,
    8510,
    'Action failed, initial silence timeout reached.',
  ),
  /** 400/8532: the caller stopped pressing before the tones were complete. */
  recognizeInterDigitTimeout: result(
    400,
    8532,
    'Action failed, inter-digit silence timeout reached.',
  ),
  /** 400/8534: a tone that matches no choice. */
  recognizeIncorrectTone: result(400, 8534, 'Action failed, incorrect tone entered.'),
  /** 400/8547: speech that matches no choice. */
  recognizeSpeechOptionNotMatched: result(400, 8547, 'Action failed, speech option not matched.'),
  /** 500/8511: the prompt of a recognize could not be played. */
  recognizePlayPromptFailed: result(
    500,
    8511,
    'Action failed, encountered failure while trying to play the prompt.',
  ),
  /** 500/8512: an internal error of the recognizer. */
  recognizeInternalError: result(500, 8512, 'Unknown internal server error.'),

  /** 400/8535: the audio file is not a supported format. */
  playInvalidFileFormat: result(400, 8535, 'Action failed, file format is invalid.'),
  /** 400/8536: the audio file could not be downloaded (wrong URL, not public...). */
  playFileDownloadFailed: result(400, 8536, 'Action failed, file could not be downloaded.'),
  /** 400/8565: text-to-speech failed at Azure AI services. */
  playCognitiveServicesError: result(
    400,
    8565,
    'Action failed, bad request to Azure AI services. Check input parameters.',
  ),
  /** 500/9999: an unknown internal error. */
  internalError: result(500, 9999, 'Unknown internal server error.'),
  /** 400/8508: a media operation canceled by cancelAllMediaOperations or a barge-in. */
  operationCanceled: result(400, 8508, 'Action failed, the operation was canceled.'),

  /** 603/8538: the invitee declined. */
  calleeDeclined: result(603, 8538, 'Callee declined the call.'),
  /** 486/8539: the invitee is busy. */
  calleeBusy: result(486, 8539, 'Callee is busy.'),
  /** 408/8541: the invitee did not answer in time. */
  calleeNoAnswer: result(408, 8541, 'Callee is unavailable: the invitation timed out.'),
  /** 404/8544: the invitee cannot be reached. */
  calleeUnreachable: result(404, 8544, 'Callee is unreachable.'),
  /**
   * 487/8542: the invitation was canceled; what the emulator puts on the AddParticipantFailed
   * it sends after a cancel (not verified against recorded traffic).
   */
  invitationCanceled: result(487, 8542, 'The call was canceled.'),
  /** 404/8522: the call, participant or invitation does not exist (any more). */
  notFound: result(404, 8522, 'Not found.'),
  /** 400/8558: the target participant is not in the call. */
  participantNotPresent: result(
    400,
    8558,
    'Action failed, the participant is not present in the call.',
  ),
  /** 409/8519: conflicting actions on the same resource. */
  conflict: result(409, 8519, 'Conflict: the resource was changed by another action.'),
  /** 412/8583: an incompatible media action is running or queued. */
  preconditionFailed: result(
    412,
    8583,
    'Precondition failed: an incompatible action is in progress.',
  ),
  /** 400/8578: live transcription failed. */
  transcriptionFailed: result(400, 8578, 'Transcription failed.'),
  /** 500/8603: recorded on MediaStreamingFailed (the websocket could not be reached). */
  mediaStreamingFailed: result(
    500,
    8603,
    'Action failed, not able to establish websocket connection.',
  ),
  /**
   * 400/8581: live transcription could not reach the app's WebSocket; as a live
   * TranscriptionFailed reported it (Microsoft Q&A 2283300, June 2025).
   */
  transcriptionTransportFailed: result(
    400,
    8581,
    'Action failed, Transport url is not valid or web socket server is not operational.',
  ),
  /** 400/8553: a recording of this call is already running. */
  duplicateRecording: result(400, 8553, 'Action failed, duplicate recording.'),
  /** 408/8587: an incoming call was not answered in time. */
  incomingCallNotAnsweredInTime: result(408, 8587, 'Incoming call not answered within time.'),
  /** 400/8523: something in the request is invalid. */
  invalidArgument: result(400, 8523, 'Invalid request.'),
} as const satisfies Record<string, WireResultInformation>;

/** A name of `resultCodes`. */
export type ResultCodeName = keyof typeof resultCodes;

/**
 * 487/5234: recorded on CancelAddParticipantSucceeded; the message names the participant whose
 * invitation was canceled.
 */
export function addParticipantCanceled(participantRawId: string): WireResultInformation {
  return result(
    487,
    5234,
    `addParticipants failed for participant ${participantRawId}. Underlying reason: The Call Has Been Cancelled. DiagCode: 487#5234.@`,
  );
}
