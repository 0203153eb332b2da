import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * The webhook's error answers: a JSON body `{ statusCode, error, message }` that says what was
 * wrong, rendered by Nest's exception layer like any other HttpException.
 */
export function webhookError(status: HttpStatus, message: string): HttpException {
  const error = ERROR_NAMES[status] ?? 'Error';
  return new HttpException({ statusCode: status, error, message }, status);
}

const ERROR_NAMES: Partial<Record<HttpStatus, string>> = {
  [HttpStatus.BAD_REQUEST]: 'Bad Request',
  [HttpStatus.UNAUTHORIZED]: 'Unauthorized',
  [HttpStatus.FORBIDDEN]: 'Forbidden',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'Payload Too Large',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'Unsupported Media Type',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'Service Unavailable',
};
