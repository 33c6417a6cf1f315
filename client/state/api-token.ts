// The API token the user gave the page, kept in this browser (localStorage) and in a same-site cookie that only
// /images/ reads: an <img> cannot send an Authorization header.
const STORAGE_KEY = 'astri.apiToken';
const COOKIE = 'astri_token';

export function storedToken(storage: Pick<Storage, 'getItem'> | null = safeStorage()): string | null {
  return storage?.getItem(STORAGE_KEY) ?? null;
}

/** Remembers the token (null forgets it) and mirrors it into the image cookie. */
export function storeToken(token: string | null, storage: Pick<Storage, 'setItem' | 'removeItem'> | null = safeStorage()): void {
  if (token) storage?.setItem(STORAGE_KEY, token);
  else storage?.removeItem(STORAGE_KEY);
  if (typeof document !== 'undefined') {
    document.cookie = token
      ? `${COOKIE}=${encodeURIComponent(token)}; path=/images/; SameSite=Strict`
      : `${COOKIE}=; path=/images/; SameSite=Strict; max-age=0`;
  }
}

function safeStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
