// rfc6265bis §5.1.1, step by step.
import assert from 'node:assert/strict';
import { dateTokens, parseCookieDate } from '../../targets/reference/cookies/index.js';

const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => Date.UTC(y, mo - 1, d, h, mi, s);

describe('reference engine §5.1.1 cookie-date', () => {
  describe('step 1: date-tokens split at delimiters', () => {
    const table: [string, string[]][] = [
      ['Sun, 06 Nov 1994 08:49:37 GMT', ['Sun', '06', 'Nov', '1994', '08:49:37', 'GMT']],
      ['Sunday, 06-Nov-94 08:49:37 GMT', ['Sunday', '06', 'Nov', '94', '08:49:37', 'GMT']],
      ['\t1994/11/06;08:49:37\t', ['1994', '11', '06', '08:49:37']],
      // ":" (0x3A) is not a delimiter; "@" (0x40), "[" (0x5B) and "~" (0x7E) are.
      ['a@b[c~d:e', ['a', 'b', 'c', 'd:e']],
      // Octets above 0x7F and controls other than HTAB are non-delimiters.
      ['x\u00ffy\u0001z', ['x\u00ffy\u0001z']],
      ['', []],
    ];
    for (const [input, tokens] of table) {
      it(JSON.stringify(input), () => assert.deepEqual(dateTokens(input), tokens));
    }
  });

  describe('steps 2 to 7', () => {
    const table: [string, number | null, string][] = [
      ['Sun, 06 Nov 1994 08:49:37 GMT', utc(1994, 11, 6, 8, 49, 37), 'IMF-fixdate'],
      ['Sunday, 06-Nov-94 08:49:37 GMT', utc(1994, 11, 6, 8, 49, 37), 'RFC 850, two-digit year 94 is 1994 (step 3)'],
      ['Sun Nov  6 08:49:37 1994', utc(1994, 11, 6, 8, 49, 37), 'asctime: day-of-month comes after the month'],
      ['Wed, 09 Jun 21 10:18:14 GMT', utc(2021, 6, 9, 10, 18, 14), 'two-digit year 21 is 2021 (step 4)'],
      ['Thu, 01 Jan 70 00:00:00 GMT', utc(1970, 1, 1), 'year 70 is 1970 (step 3)'],
      ['Wed, 01 Jan 69 00:00:00 GMT', utc(2069, 1, 1), 'year 69 is 2069 (step 4)'],
      ['1 jan 2000 1:2:3', utc(2000, 1, 1, 1, 2, 3), 'one-digit time fields and day'],
      ['JANUARY 5 2000 00:00:00', utc(2000, 1, 5), 'month matches on its first three letters, any case'],
      ['08:49:37 1994 Nov 06', utc(1994, 11, 6, 8, 49, 37), 'order: time first, then day before year'],
      ['06 1994 Nov 08:49:37', utc(1994, 11, 6, 8, 49, 37), 'numeric tokens: 06 matches day-of-month first; 1994 cannot be a day, so it is the year'],
      ['Sun, 06 Nov 1994 08:49:37 GMT junk 12:00:00', utc(1994, 11, 6, 8, 49, 37), 'later tokens do not override found fields'],
      ['06 Nov 1994 08:49:37xyz', utc(1994, 11, 6, 8, 49, 37), 'time followed by a non-digit and anything'],
      ['06am Nov 1994 08:49:37', utc(1994, 11, 6, 8, 49, 37), 'day-of-month followed by a non-digit'],
      ['06 Nov 1994x 08:49:37', utc(1994, 11, 6, 8, 49, 37), 'year followed by a non-digit'],
      ['Nov 1994 08:49:37', null, 'no day-of-month (step 5)'],
      ['06 1994 08:49:37', null, 'no month (step 5)'],
      ['06 Nov 08:49:37', null, 'no year: 06 was taken as the day (step 5)'],
      ['06 Nov 1994', null, 'no time (step 5)'],
      ['32 Nov 1994 08:49:37', null, 'day-of-month above 31 (step 5)'],
      ['00 Nov 1994 08:49:37', null, 'day-of-month below 1 (step 5)'],
      ['06 Nov 1600 08:49:37', null, 'year below 1601 (step 5)'],
      ['06 Nov 1601 08:49:37', utc(1601, 11, 6, 8, 49, 37), 'year 1601 is the earliest'],
      ['06 Nov 1994 24:00:00', null, 'hour above 23 (step 5)'],
      ['06 Nov 1994 23:60:00', null, 'minute above 59 (step 5)'],
      ['06 Nov 1994 23:59:60', null, 'no leap seconds (step 5)'],
      ['31 Apr 1994 00:00:00', null, 'no 31 April (step 6)'],
      ['29 Feb 2023 00:00:00', null, 'no 29 February in 2023 (step 6)'],
      ['29 Feb 2024 00:00:00', utc(2024, 2, 29), '29 February in a leap year'],
      ['06 Nov 19940 08:49:37', null, 'a five-digit year is no year'],
      ['006 Nov 1994 08:49:37', null, '006 cannot be a day but is a year (6, so 2006); 1994 then fits nothing and no day-of-month is found'],
      ['', null, 'empty'],
    ];
    for (const [input, expected, why] of table) {
      it(`${JSON.stringify(input)}: ${why}`, () => assert.equal(parseCookieDate(input), expected));
    }
  });
});
