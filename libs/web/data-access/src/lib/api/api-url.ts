import { inject } from '@angular/core';
import { CHAT_CONFIG } from '../config';

/** Builds `/api/...` URLs against the configured base. */
export function apiUrl(): (path: string) => string {
  const base = inject(CHAT_CONFIG).apiBaseUrl;
  return (path) => `${base}/api/${path.replace(/^\//, '')}`;
}
