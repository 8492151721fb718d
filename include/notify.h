/*
 * notify: the systemd readiness protocol (sd_notify(3)) without
 * libsystemd.  With Type=notify, systemd passes $NOTIFY_SOCKET, a unix
 * datagram socket (a path, or an abstract name written with a leading
 * '@'); each state is one datagram of "KEY=value" lines.  Without the
 * variable every call does nothing.
 */
#ifndef WCA_NOTIFY_H
#define WCA_NOTIFY_H

/* Send `state` (e.g. "READY=1\nSTATUS=serving"); 0, or -1 (logged). */
int notify_send(const char *state);

#endif
