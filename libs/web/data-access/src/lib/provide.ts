import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import { EnvironmentProviders, makeEnvironmentProviders } from '@angular/core';
import { authInterceptor } from './auth/auth.interceptor';
import { CHAT_CONFIG, ChatConfig, DEFAULT_CHAT_CONFIG } from './config';

/** HTTP with the session's token, and the console's configuration. */
export function provideChatDataAccess(config: Partial<ChatConfig> = {}): EnvironmentProviders {
  return makeEnvironmentProviders([
    provideHttpClient(withFetch(), withInterceptors([authInterceptor])),
    { provide: CHAT_CONFIG, useValue: { ...DEFAULT_CHAT_CONFIG, ...config } },
  ]);
}
