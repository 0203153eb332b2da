/** Defaults of the webhook protection options (kept here beside the checks that use them). */

/** Query parameter that carries `callbackSecret` / `incomingCallAuth.secret`. */
export const DEFAULT_QUERY_SECRET_NAME = 'secret';
/** Shortest accepted query-string secret. */
export const MIN_QUERY_SECRET_LENGTH = 16;
/** The app role Event Grid's service principal gets in Microsoft's set-up script. */
export const EVENT_GRID_WEBHOOK_ROLE = 'AzureEventGridSecureWebhookSubscriber';
/** Default and ceiling of `incomingCallAuth.entra.clockToleranceSec`. */
export const DEFAULT_ENTRA_CLOCK_TOLERANCE_SEC = 60;
export const MAX_ENTRA_CLOCK_TOLERANCE_SEC = 300;

export function entraIssuers(tenantId: string): string[] {
  return [
    `https://login.microsoftonline.com/${tenantId}/v2.0`,
    `https://sts.windows.net/${tenantId}/`,
  ];
}

export function entraJwksUri(tenantId: string): string {
  return `https://login.microsoftonline.com/${tenantId}/discovery/v2.0/keys`;
}

/** `{issuer}/.well-known/openid-configuration`, as OpenID Connect Discovery places it. */
export function openIdConfigurationOf(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}
