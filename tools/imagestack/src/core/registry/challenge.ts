/**
 * `WWW-Authenticate` challenges (RFC 7235 section 4.1, grammar of section 2.1): read by
 * the authenticator (./auth.ts) to answer them, and by the error builder (./error.ts) to
 * name the auth a 401 asks for. Pure, no I/O.
 */

/** One challenge of a `WWW-Authenticate` header. */
export interface Challenge {
  /** Auth scheme, lower-cased: `basic`, `bearer`, … */
  scheme: string;
  /** Auth parameters with lower-cased names and unquoted values (`realm`, `service`, `scope`, `error`). */
  params: Record<string, string>;
  /** The token68 form (`Basic dXNlcg==`), when the challenge uses it instead of parameters. */
  token68?: string;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;

/**
 * Parses a `WWW-Authenticate` header value into its challenges (RFC 7235 section 4.1:
 * `1#challenge`, `challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]`,
 * `auth-param = token BWS "=" BWS ( token / quoted-string )`). Commas inside quoted
 * strings (`scope="repository:a:pull,push"`) do not split; `\"` escapes are undone.
 * Malformed input yields what could be read, never an exception.
 */
export function parseChallenges(header: string | null | undefined): Challenge[] {
  const s = header ?? '';
  const out: Challenge[] = [];
  let i = 0;
  const skip = (chars: string) => {
    while (i < s.length && chars.includes(s[i])) i++;
  };
  const readToken = () => {
    const start = i;
    while (i < s.length && TCHAR.test(s[i])) i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    skip(' \t,');
    if (i >= s.length) break;
    const scheme = readToken();
    if (!scheme) {
      i++; // not a token character: skip it
      continue;
    }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    skip(' \t');
    const t68 = TOKEN68.exec(s.slice(i));
    if (t68) {
      let j = i + t68[0].length;
      while (j < s.length && (s[j] === ' ' || s[j] === '\t')) j++;
      if (j >= s.length || s[j] === ',') {
        challenge.token68 = t68[0];
        i = j;
        continue;
      }
    }
    for (;;) {
      const save = i;
      skip(' \t,');
      const name = readToken();
      skip(' \t');
      if (!name || s[i] !== '=') {
        i = save; // the next challenge starts here
        break;
      }
      i++;
      skip(' \t');
      let value = '';
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i++];
        }
        i++; // closing quote
      } else {
        // RFC 7235 wants a token here; registries in the wild also send unquoted URLs,
        // so read up to the next comma or space.
        const start = i;
        while (i < s.length && !' \t,"'.includes(s[i])) i++;
        value = s.slice(start, i);
      }
      challenge.params[name.toLowerCase()] = value;
      skip(' \t');
      if (i >= s.length) break;
    }
  }
  return out;
}
