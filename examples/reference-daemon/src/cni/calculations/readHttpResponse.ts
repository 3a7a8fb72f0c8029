/** What `readHttpResponse` makes of the bytes received so far. */
export type HttpResponseRead =
  | { complete: false }
  | { complete: true; status: number; headers: ReadonlyMap<string, string>; body: string };

const STATUS_LINE = /^HTTP\/1\.[01] ([1-9][0-9]{2})(?: [^\r\n]*)?$/;
const CHUNK_SIZE = /^[0-9a-fA-F]{1,8}$/;
const CONTENT_LENGTH = /^[0-9]{1,10}$/;
const CRLF = '\r\n';
const INCOMPLETE: HttpResponseRead = { complete: false };

/**
 * Reads one HTTP/1.1 response to a GET from the bytes received so far: incomplete, or the status,
 * the headers (names lowercase) and the body as UTF-8. The body is delimited the three ways
 * HTTP/1.1 allows: `Content-Length`, `Transfer-Encoding: chunked`, or the end of the connection
 * (`ended`: the peer closed). Throws `Error` saying what is wrong with a response that breaks
 * HTTP/1.1, or that the connection ended before the response did.
 *
 * Just enough HTTP for the node agent's answers (a few hundred bytes, one per connection): the
 * plugin speaks it over `node:net`, as loading and first running `node:http` costs the plugin
 * several milliseconds on every pod start.
 */
export function readHttpResponse(received: Buffer, ended: boolean): HttpResponseRead {
  const headEnd = received.indexOf(`${CRLF}${CRLF}`);
  if (headEnd < 0) {
    if (ended) throw new Error('the connection ended before the response headers did');
    return INCOMPLETE;
  }
  const [statusLine = '', ...headerLines] = received
    .subarray(0, headEnd)
    .toString('latin1')
    .split(CRLF);
  const status = STATUS_LINE.exec(statusLine)?.[1];
  if (status === undefined) {
    throw new Error(`not an HTTP/1.x status line: ${JSON.stringify(statusLine.slice(0, 80))}`);
  }
  const headers = new Map<string, string>();
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`malformed header line ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const earlier = headers.get(name);
    headers.set(name, earlier === undefined ? value : `${earlier}, ${value}`);
  }
  const rest = received.subarray(headEnd + 4);
  const done = (body: Buffer): HttpResponseRead => ({
    complete: true,
    status: Number(status),
    headers,
    body: body.toString('utf8'),
  });

  const transferEncoding = headers.get('transfer-encoding');
  if (transferEncoding !== undefined) {
    if (transferEncoding.toLowerCase() !== 'chunked') {
      throw new Error(`unsupported transfer-encoding ${JSON.stringify(transferEncoding)}`);
    }
    const body = readChunked(rest);
    if (body !== null) return done(body);
    if (ended) throw new Error('the connection ended inside a chunked body');
    return INCOMPLETE;
  }
  const contentLength = headers.get('content-length');
  if (contentLength !== undefined) {
    if (!CONTENT_LENGTH.test(contentLength)) {
      throw new Error(`malformed content-length ${JSON.stringify(contentLength)}`);
    }
    const length = Number(contentLength);
    if (rest.length >= length) return done(rest.subarray(0, length));
    if (ended) throw new Error(`the connection ended after ${rest.length} of ${length} body bytes`);
    return INCOMPLETE;
  }
  return ended ? done(rest) : INCOMPLETE;
}

/** The decoded body once the last chunk has arrived, else null. Trailers are not needed. */
function readChunked(data: Buffer): Buffer | null {
  const chunks: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf(CRLF, at);
    if (lineEnd < 0) return null;
    const sizeText = (data.subarray(at, lineEnd).toString('latin1').split(';', 1)[0] ?? '').trim();
    if (!CHUNK_SIZE.test(sizeText)) {
      throw new Error(`malformed chunk size ${JSON.stringify(sizeText.slice(0, 20))}`);
    }
    const size = parseInt(sizeText, 16);
    if (size === 0) return Buffer.concat(chunks);
    const dataStart = lineEnd + 2;
    if (data.length < dataStart + size + 2) return null;
    if (data.toString('latin1', dataStart + size, dataStart + size + 2) !== CRLF) {
      throw new Error('a chunk does not end with CRLF');
    }
    chunks.push(data.subarray(dataStart, dataStart + size));
    at = dataStart + size + 2;
  }
}
