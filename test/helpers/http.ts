/** Small fetch helpers for the server tests. */
export interface JsonAnswer<T = Record<string, unknown>> {
  status: number;
  type: string;
  headers: Headers;
  body: T;
}

export async function getJson<T = Record<string, unknown>>(
  url: string,
  init: RequestInit = {},
): Promise<JsonAnswer<T>> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = { unparsed: text.slice(0, 500) };
  }
  return { status: res.status, type: res.headers.get("content-type") ?? "", headers: res.headers, body: body as T };
}

export function postJson(url: string, body: unknown, key: string | null, headers: Record<string, string> = {}) {
  return getJson(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
