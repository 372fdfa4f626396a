import type { Config } from '../../platform/config.js';

/** What the integrations module takes from configuration. */
export interface IntegrationSettings {
  /** Base URL browsers reach this server at; the OAuth redirect URI is built on it. */
  publicUrl: string;
  oauthStateTtlSeconds: number;
  failureAlertThreshold: number;
}

export const OAUTH_CALLBACK_PATH = '/api/v1/integrations/oauth/callback';

export function integrationSettings(config: Config): IntegrationSettings {
  return {
    publicUrl: (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, ''),
    oauthStateTtlSeconds: config.INTEGRATION_OAUTH_STATE_TTL_S,
    failureAlertThreshold: config.INTEGRATION_FAILURE_ALERT_THRESHOLD,
  };
}

export function redirectUri(settings: IntegrationSettings): string {
  return `${settings.publicUrl}${OAUTH_CALLBACK_PATH}`;
}
