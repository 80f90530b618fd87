/**
 * Duplicate member names in JSON text. JSON.parse keeps the last of `{"amount":"1","amount":"1000"}`
 * silently, so what a publisher's tooling shows and what the server stores could differ: such bodies are
 * refused instead. Names are compared after unescaping ("a" and "\u0061" are the same name).
 */

/** Index of the quote that closes the string opened at `start` (text.length when unterminated). */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i;
  }
  return text.length;
}

function memberName(token: string): string | null {
  if (!token.includes("\\")) return token.slice(1, -1);
  try {
    return JSON.parse(token) as string;
  } catch {
    return null;
  }
}

/** The first member name that occurs twice in one object, or null (also for text that is not JSON). */
export function findDuplicateKey(text: string): string | null {
  const objects: (Set<string> | null)[] = []; // null for an array
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(text, i);
      const names = objects[objects.length - 1];
      if (names && expectName) {
        const name = memberName(text.slice(i, end + 1));
        if (name === null) return null;
        if (names.has(name)) return name;
        names.add(name);
        expectName = false;
      }
      i = end;
    } else if (c === 0x7b) {
      objects.push(new Set());
      expectName = true;
    } else if (c === 0x5b) {
      objects.push(null);
      expectName = false;
    } else if (c === 0x7d || c === 0x5d) {
      objects.pop();
      expectName = false;
    } else if (c === 0x2c) {
      expectName = objects[objects.length - 1] != null;
    }
  }
  return null;
}
