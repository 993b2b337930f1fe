import { DOCUMENT, inject, InjectionToken } from '@angular/core';

/** An in-memory Storage: the fallback where the browser's is missing or throws (private modes, quota), and the one tests use. */
export function memoryStorage(initial: Record<string, string> = {}): Storage {
  const data = new Map(Object.entries(initial));
  return {
    get length() {
      return data.size;
    },
    clear: () => data.clear(),
    getItem: (key) => data.get(key) ?? null,
    key: (index) => [...data.keys()][index] ?? null,
    removeItem: (key) => void data.delete(key),
    setItem: (key, value) => void data.set(key, value),
  };
}

function browserStorage(kind: 'sessionStorage' | 'localStorage'): Storage {
  try {
    return inject(DOCUMENT).defaultView?.[kind] ?? memoryStorage();
  } catch {
    return memoryStorage();
  }
}

/** Per tab: where the access token is kept. */
export const SESSION_STORAGE = new InjectionToken<Storage>('SESSION_STORAGE', {
  providedIn: 'root',
  factory: () => browserStorage('sessionStorage'),
});

/** Per browser: read positions, so unread counts survive a reload. */
export const LOCAL_STORAGE = new InjectionToken<Storage>('LOCAL_STORAGE', {
  providedIn: 'root',
  factory: () => browserStorage('localStorage'),
});

export function readJson<T>(storage: Storage, key: string): T | null {
  try {
    const raw = storage.getItem(key);
    return raw === null ? null : (JSON.parse(raw) as T);
  } catch {
    return null;
  }
}

export function writeJson(storage: Storage, key: string, value: unknown): void {
  try {
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, JSON.stringify(value));
  } catch {
    // Full or unavailable storage only costs persistence across reloads.
  }
}
