/* SPDX-License-Identifier: ISC */
/*
 * Session recording, the script(1) of the pty chapter for network
 * logins.  Each session becomes one file in the --record directory,
 * named by time, user and tty (20261121-101502-alice-pts-3.cast), in
 * asciicast v2, the format of asciinema(1):
 *
 *   {"version": 2, "width": 80, "height": 24, "timestamp": ..., "env":
 *    {"TERM": "xterm", "SHELL": "/bin/bash"}, "title": "alice@pts/3
 *    from 127.0.0.1"}
 *   [0.004512, "o", "alice@host:~$ "]     output of the session
 *   [2.310022, "r", "100x30"]             the client's window resized
 *   [3.000100, "i", "ls\r"]               input, with --record-input
 *   [9.120000, "m", "nvtd: ..."]          a note: a gap, the size cap
 *
 * asciicast rather than scriptreplay's two files: one self-describing
 * file, with the window size, resizes and the environment in it, that
 * players and web pages show as they are.  Its price: events are JSON
 * strings, so output that is not UTF-8 is recorded as U+FFFD, where
 * script(1)'s typescript keeps bytes.
 *
 * Who writes what.  The relay runs as the user and parses the client's
 * bytes, so it must never hold a writable fd to a recording: it passes
 * the session to the monitor through a pipe, and the monitor (root)
 * timestamps it and writes the file, which it creates only after the
 * relay is forked.  The relay never waits for the monitor: its end of
 * the pipe is non-blocking, each message fits in PIPE_BUF (so a write
 * is all or nothing), and when the pipe is full the data is dropped,
 * until the monitor has emptied half of it, and the gap is noted in the
 * recording.  Past --record-limit bytes the monitor stops writing and
 * says so, in the file and in the log.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "record.h"

#define RECORD_PIPE_SIZE	(1024 * 1024)	/* asked of F_SETPIPE_SZ */
#define RECORD_RESERVE		256	/* room kept for the last note */
#define RECORD_NAME_MAX		128

/* The monitor's side: one session per process. */
static struct {
	int			 dir;		/* -1: recording off */
	unsigned long long	 limit;
	bool			 input;
	int			 rd, wr;	/* the pipe */
	int			 file;
	char			 name[RECORD_NAME_MAX];
	unsigned long long	 size;
	bool			 stopped;	/* at the cap, or broken */
	struct timespec		 t0;
	uint8_t			 in[65536 + PIPE_BUF];	/* messages read */
	size_t			 inlen;
	uint8_t			 carry[2][4];	/* a UTF-8 character cut */
	size_t			 ncarry[2];	/* in two: [0] o, [1] i */
} rec = { .dir = -1, .rd = -1, .wr = -1, .file = -1 };

/* The relay's side: bytes dropped since the last message got through. */
static uint64_t	record_dropped;

/*
 * After a drop, has the monitor caught up, emptying half the pipe?  Until
 * then, everything is dropped, so that one stall makes one gap, not a
 * gap for every message that would still fit in the last free bytes.
 */
static bool
record_caught_up(int fd)
{
	int	queued, size;

	if (ioctl(fd, FIONREAD, &queued) == -1 ||
	    (size = fcntl(fd, F_GETPIPE_SZ)) == -1)
		return true;
	return queued <= size / 2;
}

int
record_setup(const char *dir, unsigned long long limit, bool input,
    const char **why)
{
	struct stat	st;
	int		fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		*why = strerror(errno);
		if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode))
			*why = "a symbolic link";
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		*why = strerror(errno);
		close(fd);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		*why = geteuid() == 0 ? "not owned by root" :
		    "not owned by the user nvtd runs as";
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		*why = "writable by group or others";
		close(fd);
		return -1;
	}
	rec.dir = fd;
	rec.limit = limit;
	rec.input = input;
	return 0;
}

bool
record_enabled(void)
{
	return rec.dir != -1;
}

int
record_prepare(void)
{
	int	fds[2];

	if (rec.dir == -1)
		return 0;
	if (pipe2(fds, O_CLOEXEC) == -1) {
		log_warn("recording: pipe");
		return -1;
	}
	if (fcntl(fds[1], F_SETFL, O_NONBLOCK) == -1) {
		log_warn("recording: fcntl");
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	/* Room for bursts; the default 64 KiB if the system says no. */
	(void)fcntl(fds[1], F_SETPIPE_SZ, RECORD_PIPE_SIZE);
	rec.rd = fds[0];
	rec.wr = fds[1];
	return 0;
}

int
record_relay(bool *input)
{
	int	fd = rec.wr;

	if (rec.dir != -1)
		close(rec.dir);
	if (rec.rd != -1)
		close(rec.rd);
	rec.dir = rec.rd = rec.wr = -1;
	*input = rec.input;
	return fd;
}

/* A name for the file: [A-Za-z0-9._-] from s, '/' as '-', else '_'. */
static void
record_name_part(char *out, size_t size, const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i + 1 < size; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == '-')
			out[i] = s[i];
		else
			out[i] = s[i] == '/' ? '-' : '_';
	}
	out[i] = '\0';
	if (out[0] == '.')
		out[0] = '_';
}

/* Append s to buf (size bytes, *len used) as JSON string contents. */
static void
json_ascii(char *buf, size_t size, size_t *len, const char *s)
{
	int	n;

	for (; *s != '\0' && *len + 8 < size; s++) {
		unsigned char	c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			n = snprintf(buf + *len, size - *len, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			n = snprintf(buf + *len, size - *len, "\\u%04x", c);
		else
			n = snprintf(buf + *len, size - *len, "%c", c);
		*len += (size_t)n;
	}
	buf[*len] = '\0';
}

/* Write a line to the file, unless it would go past the cap. */
static void
record_write(const char *line, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(rec.file, line, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_warn("recording %s: write", rec.name);
			rec.stopped = true;
			return;
		}
		line += n;
		len -= (size_t)n;
		rec.size += (unsigned long long)n;
	}
}

/* Seconds since the recording started. */
static double
record_elapsed(void)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - rec.t0.tv_sec) +
	    (double)(now.tv_nsec - rec.t0.tv_nsec) / 1e9;
}

/* A note ("m" event), which the cap leaves room for. */
static void
record_note(const char *text)
{
	char	line[RECORD_RESERVE];
	size_t	len;

	if (rec.file == -1 || rec.stopped)
		return;
	len = (size_t)snprintf(line, sizeof(line), "[%.6f, \"m\", \"",
	    record_elapsed());
	json_ascii(line, sizeof(line) - 4, &len, text);
	memcpy(line + len, "\"]\n", 4);
	record_write(line, len + 3);
}

void
record_start(const struct record_info *ri)
{
	char		 name[RECORD_NAME_MAX], user[40], line[24], stamp[24];
	char		 hdr[1024];
	size_t		 len = 0;
	time_t		 now = time(NULL);
	struct tm	 tm;
	int		 i, fd = -1;

	if (rec.wr != -1)
		close(rec.wr);		/* the relay's, not ours */
	rec.wr = -1;
	if (rec.rd == -1)
		return;
	clock_gettime(CLOCK_MONOTONIC, &rec.t0);

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	record_name_part(user, sizeof(user), ri->user);
	record_name_part(line, sizeof(line), ri->line);
	/* Never an existing file (nor a symlink): the next free name. */
	for (i = 0; i < 100 && fd == -1; i++) {
		if (i == 0)
			snprintf(name, sizeof(name), "%s-%s-%s.cast", stamp,
			    user, line);
		else
			snprintf(name, sizeof(name), "%s-%s-%s.%d.cast", stamp,
			    user, line, i);
		fd = openat(rec.dir, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd == -1 && errno != EEXIST)
			break;
	}
	strlcpy(rec.name, name, sizeof(rec.name));
	if (fd == -1 || fchmod(fd, 0600) == -1) {
		log_warn("recording %s", name);
		if (fd != -1)
			close(fd);
		return;		/* the pipe is still read, and dropped */
	}
	rec.file = fd;

	len = (size_t)snprintf(hdr, sizeof(hdr), "{\"version\": 2, \"width\": "
	    "%u, \"height\": %u, \"timestamp\": %lld, \"env\": {\"TERM\": \"",
	    ri->width, ri->height, (long long)now);
	json_ascii(hdr, sizeof(hdr) - 200, &len, ri->term);
	len += (size_t)snprintf(hdr + len, sizeof(hdr) - len,
	    "\", \"SHELL\": \"");
	json_ascii(hdr, sizeof(hdr) - 160, &len, ri->shell);
	len += (size_t)snprintf(hdr + len, sizeof(hdr) - len,
	    "\"}, \"title\": \"");
	json_ascii(hdr, sizeof(hdr) - 120, &len, ri->user);
	len += (size_t)snprintf(hdr + len, sizeof(hdr) - len, "@");
	json_ascii(hdr, sizeof(hdr) - 80, &len, ri->line);
	len += (size_t)snprintf(hdr + len, sizeof(hdr) - len, " from ");
	json_ascii(hdr, sizeof(hdr) - 8, &len, ri->addr);
	len += (size_t)snprintf(hdr + len, sizeof(hdr) - len, "\"}\n");
	record_write(hdr, len);
	log_info("recording %s@%s to %s", ri->user, ri->line, rec.name);
}

int
record_fd(void)
{
	return rec.rd;
}

/*
 * Length of the valid UTF-8 character at p (n bytes there): 1 to 4; 0
 * when it is cut short by the end; -1 when it is not valid.
 */
static int
utf8_char(const uint8_t *p, size_t n)
{
	uint8_t	c = p[0], lo = 0x80, hi = 0xbf;
	int	len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return -1;
	/* No overlong forms, no surrogates, nothing past U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	for (i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return 0;
		if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xbf))
			return -1;
	}
	return len;
}

/*
 * Data as a JSON string's contents into out (6 * n + 1 bytes will do):
 * UTF-8 as it is, control characters as \uXXXX, anything invalid as
 * U+FFFD.  A character cut by the end of p is left for the next call:
 * returns how many bytes were used.
 */
static size_t
json_utf8(const uint8_t *p, size_t n, char *out, size_t *outlen, bool last)
{
	size_t	i = 0, o = *outlen;
	int	len;

	while (i < n) {
		len = utf8_char(p + i, n - i);
		if (len == 0 && !last)
			break;
		if (len <= 0) {
			memcpy(out + o, "\\ufffd", 6);
			o += 6;
			i++;
		} else if (len > 1) {
			memcpy(out + o, p + i, (size_t)len);
			o += (size_t)len;
			i += (size_t)len;
		} else {
			if (p[i] == '"' || p[i] == '\\') {
				out[o++] = '\\';
				out[o++] = (char)p[i];
			} else if (p[i] < 0x20 || p[i] == 0x7f)
				o += (size_t)snprintf(out + o, 7, "\\u%04x",
				    p[i]);
			else
				out[o++] = (char)p[i];
			i++;
		}
	}
	*outlen = o;
	return i;
}

/*
 * An event line, unless it would take the file past the cap: then the
 * note that says so, and nothing more.
 */
static void
record_event(const char *line, size_t len)
{
	char	note[128];

	if (rec.size + len + RECORD_RESERVE <= rec.limit) {
		record_write(line, len);
		return;
	}
	snprintf(note, sizeof(note), "nvtd: recording stopped at the size "
	    "limit of %llu bytes", rec.limit);
	record_note(note);
	log_info("recording %s: stopped at the size limit of %llu bytes",
	    rec.name, rec.limit);
	rec.stopped = true;
}

/* One "o" or "i" event; a cut character waits for the next one. */
static void
record_text(int which, const uint8_t *p, size_t n, bool last)
{
	static char	line[64 + 6 * (RECORD_MSG_MAX + 4)];
	uint8_t		data[RECORD_MSG_MAX + 4];
	size_t		len, total, used;

	total = rec.ncarry[which];
	memcpy(data, rec.carry[which], total);
	if (n > 0)
		memcpy(data + total, p, n);
	total += n;
	len = (size_t)snprintf(line, 64, "[%.6f, \"%c\", \"", record_elapsed(),
	    which == 0 ? 'o' : 'i');
	used = json_utf8(data, total, line, &len, last);
	rec.ncarry[which] = total - used;
	memcpy(rec.carry[which], data + used, total - used);
	if (used == 0)
		return;
	memcpy(line + len, "\"]\n", 3);
	record_event(line, len + 3);
}

/* One message from the relay. */
static void
record_message(uint8_t kind, const uint8_t *p, size_t n)
{
	char		line[96];
	uint16_t	wh[2];
	uint64_t	gap;
	int		len;

	if (rec.file == -1 || rec.stopped)
		return;
	switch (kind) {
	case RECORD_OUTPUT:
		record_text(0, p, n, false);
		break;
	case RECORD_INPUT:
		record_text(1, p, n, false);
		break;
	case RECORD_RESIZE:
		if (n != sizeof(wh))
			break;
		memcpy(wh, p, sizeof(wh));
		len = snprintf(line, sizeof(line), "[%.6f, \"r\", \"%ux%u\"]\n",
		    record_elapsed(), wh[0], wh[1]);
		record_event(line, (size_t)len);
		break;
	case RECORD_GAP:
		if (n != sizeof(gap))
			break;
		memcpy(&gap, p, sizeof(gap));
		snprintf(line, sizeof(line), "nvtd: %llu bytes not recorded "
		    "here: the recorder fell behind", (unsigned long long)gap);
		if (rec.size + RECORD_RESERVE * 2 <= rec.limit)
			record_note(line);
		log_warnx("recording %s: %llu bytes not recorded", rec.name,
		    (unsigned long long)gap);
		break;
	default:
		break;
	}
}

int
record_read(void)
{
	ssize_t	n;
	size_t	off = 0, len;

	if (rec.rd == -1)
		return 0;
	n = read(rec.rd, rec.in + rec.inlen, sizeof(rec.in) - rec.inlen);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0)
		return 0;
	rec.inlen += (size_t)n;
	/* Messages as record_put() makes them. */
	while (rec.inlen - off >= 4) {
		uint16_t	mlen;

		memcpy(&mlen, rec.in + off + 2, sizeof(mlen));
		len = mlen;
		if (len > RECORD_MSG_MAX) {
			log_warnx("recording %s: bad message from the relay",
			    rec.name);
			rec.stopped = true;
			rec.inlen = 0;
			return 1;
		}
		if (rec.inlen - off < 4 + len)
			break;
		record_message(rec.in[off], rec.in + off + 4, len);
		off += 4 + len;
	}
	memmove(rec.in, rec.in + off, rec.inlen - off);
	rec.inlen -= off;
	return 1;
}

void
record_finish(void)
{
	if (rec.wr != -1)
		close(rec.wr);
	rec.wr = -1;
	while (record_read() == 1)
		;
	if (rec.file != -1) {
		if (!rec.stopped) {
			record_text(0, NULL, 0, true);
			if (rec.ncarry[1] > 0)
				record_text(1, NULL, 0, true);
		}
		if (fsync(rec.file) == -1 || close(rec.file) == -1)
			log_warn("recording %s", rec.name);
		else
			log_info("recording %s: %llu bytes", rec.name,
			    rec.size);
	}
	if (rec.rd != -1)
		close(rec.rd);
	rec.rd = rec.file = -1;
}

/*
 * One message into msg: kind, a pad byte, a uint16_t length, the data.
 * Returns its size.
 */
static size_t
record_put(uint8_t *msg, enum record_kind kind, const void *data,
    uint16_t len)
{
	msg[0] = (uint8_t)kind;
	msg[1] = 0;
	memcpy(msg + 2, &len, sizeof(len));
	memcpy(msg + 4, data, len);
	return 4 + (size_t)len;
}

void
record_send(int fd, enum record_kind kind, const void *data, size_t n)
{
	uint8_t		 msg[PIPE_BUF];
	const uint8_t	*p = data;
	size_t		 k, off;

	if (record_dropped > 0 && !record_caught_up(fd)) {
		record_dropped += n;
		return;
	}
	do {
		off = 0;
		/* What was lost goes first, in the same write. */
		if (record_dropped > 0)
			off = record_put(msg, RECORD_GAP, &record_dropped,
			    sizeof(record_dropped));
		k = n < sizeof(msg) - off - 4 ? n : sizeof(msg) - off - 4;
		off += record_put(msg + off, kind, p, (uint16_t)k);
		/* At most PIPE_BUF bytes: written whole, or not at all. */
		if (write(fd, msg, off) == -1) {
			record_dropped += n;
			return;
		}
		record_dropped = 0;
		p += k;
		n -= k;
	} while (n > 0);
}

void
record_relay_end(int fd)
{
	uint8_t	msg[4 + sizeof(record_dropped)];

	if (record_dropped > 0)
		(void)!write(fd, msg, record_put(msg, RECORD_GAP,
		    &record_dropped, sizeof(record_dropped)));
}
