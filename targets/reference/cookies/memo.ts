/**
 * Remembering the answers of pure functions of a string: canonicalizing a
 * host, asking the Public Suffix List, parsing a cookie-date. A store meets
 * the same few hosts, domains and dates again and again, and each of these
 * costs far more than a Map lookup. The memory is bounded: past `limit`
 * entries it starts afresh.
 */
export function memoize<T>(f: (key: string) => T, limit = 10_000): (key: string) => T {
  let answers = new Map<string, T>();
  // The last question first, without a lookup: the fields of one response ask about the same host.
  let lastKey: string | undefined;
  let lastAnswer: T | undefined;
  return (key) => {
    if (key === lastKey) return lastAnswer as T;
    let answer = answers.get(key);
    if (answer === undefined && !answers.has(key)) {
      answer = f(key);
      if (answers.size >= limit) answers = new Map();
      answers.set(key, answer);
    }
    lastKey = key;
    lastAnswer = answer;
    return answer as T;
  };
}
