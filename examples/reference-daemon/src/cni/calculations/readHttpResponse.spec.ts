import { describe, expect, it } from 'vitest';
import { readHttpResponse } from './readHttpResponse.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

/** Feeds `text` one byte at a time and returns the first complete read (or null). */
function firstComplete(text: string): ReturnType<typeof readHttpResponse> | null {
  const all = bytes(text);
  for (let n = 0; n <= all.length; n += 1) {
    const read = readHttpResponse(all.subarray(0, n), false);
    if (read.complete) return { ...read, body: read.body };
  }
  return null;
}

describe('readHttpResponse', () => {
  it('reads a body delimited by Content-Length, and not before it has all arrived', () => {
    const response =
      'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{"ok":"héllo"}';
    expect(readHttpResponse(bytes(response).subarray(0, response.length - 3), false)).toEqual({
      complete: false,
    });
    const read = firstComplete(response);
    expect(read).toMatchObject({ complete: true, status: 200, body: '{"ok":"héllo"}' });
    expect(read?.complete === true && read.headers.get('content-type')).toBe('application/json');
  });

  it('decodes a chunked body, whatever the reads split', () => {
    const response =
      'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"rea\r\n10;ext=1\r\nson":"NotFound"}\r\n0\r\n\r\n';
    expect(firstComplete(response)).toMatchObject({
      complete: true,
      status: 404,
      body: '{"reason":"NotFound"}',
    });
  });

  it('takes a body without length or chunking as ending with the connection', () => {
    const response = bytes('HTTP/1.0 200 OK\r\n\r\n{"ok":true}');
    expect(readHttpResponse(response, false)).toEqual({ complete: false });
    expect(readHttpResponse(response, true)).toMatchObject({ status: 200, body: '{"ok":true}' });
  });

  it.each([
    ['a status line that is not HTTP/1.x', 'SSH-2.0-OpenSSH\r\n\r\n', /status line/],
    ['a header without a colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n', /header line/],
    [
      'a malformed Content-Length',
      'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
      /content-length/,
    ],
    [
      'an unknown transfer coding',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n',
      /transfer-encoding/,
    ],
    [
      'a malformed chunk size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      /chunk size/,
    ],
  ])('refuses %s', (_what, response, message) => {
    expect(() => readHttpResponse(bytes(response), false)).toThrow(message);
  });

  it.each([
    ['inside the headers', 'HTTP/1.1 200 OK\r\nContent-Le'],
    ['before Content-Length bytes', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}'],
    ['inside a chunked body', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n'],
  ])('reports a connection that ended %s', (_where, response) => {
    expect(readHttpResponse(bytes(response), false)).toEqual({ complete: false });
    expect(() => readHttpResponse(bytes(response), true)).toThrow(/ended/);
  });
});
