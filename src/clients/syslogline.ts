// One line of a syslog file, split into its fields. The formats written by the
// daemons a Gentoo server runs:
//   syslog-ng, sysklogd, rsyslog (traditional):  "Dec  1 15:00:00 host prog[pid]: message"
//   busybox syslogd (adds facility.priority):    "Dec  1 15:00:00 host daemon.info prog[pid]: message"
//   syslog-ng / rsyslog with ISO dates:          "2026-12-01T15:00:00.123+00:00 host prog[pid]: message"

export interface SyslogLine {
  /** milliseconds since the epoch; null when the line has no date we know */
  time: number | null;
  host: string;
  program: string;
  pid?: number;
  message: string;
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

const TRADITIONAL = /^([A-Z][a-z]{2}) ([ 0-9][0-9]) ([0-9]{2}):([0-9]{2}):([0-9]{2}) (\S+) (.*)$/;
const ISO = /^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?) (\S+) (.*)$/;
const FACILITY = /^(?:kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local[0-7])\.(?:emerg|alert|crit|err|warn|warning|notice|info|debug) /;
const TAG = /^([^\s:[\]]{1,64})(?:\[([0-9]{1,10})\])?: ?(.*)$/;

/**
 * A traditional date has no year: the year that puts it at most a day after `now`
 * (a log read in January holds December's lines from the year before).
 */
function traditionalTime(mon: number, day: number, h: number, m: number, s: number, now: number): number {
  const year = new Date(now).getFullYear();
  let t = new Date(year, mon, day, h, m, s).getTime();
  if (t > now + 86400_000) t = new Date(year - 1, mon, day, h, m, s).getTime();
  return t;
}

// consecutive lines mostly share their second: the last date computed is kept
let memoKey = '';
let memoNow = 0;
let memoTime = 0;

export function parseSyslogLine(text: string, now: number): SyslogLine | null {
  let time: number | null;
  let host: string;
  let rest: string;
  const t = TRADITIONAL.exec(text);
  if (t) {
    const key = text.slice(0, 15);
    if (key === memoKey && now === memoNow) time = memoTime;
    else {
      const mon = MONTHS[t[1]];
      if (mon === undefined) return null;
      time = traditionalTime(mon, Number(t[2].trim()), Number(t[3]), Number(t[4]), Number(t[5]), now);
      memoKey = key;
      memoNow = now;
      memoTime = time;
    }
    host = t[6];
    rest = t[7];
  } else {
    const i = ISO.exec(text);
    if (!i) return null;
    const ms = Date.parse(i[1]);
    time = Number.isNaN(ms) ? null : ms;
    host = i[2];
    rest = i[3];
  }
  const f = FACILITY.exec(rest);
  if (f) rest = rest.slice(f[0].length);
  const tag = TAG.exec(rest);
  if (!tag) return { time, host, program: '', message: rest };
  return { time, host, program: tag[1], pid: tag[2] ? Number(tag[2]) : undefined, message: tag[3] };
}
